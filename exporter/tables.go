package exporter

import (
	"cmp"
	"encoding/csv"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// table is one page table: rendered as HTML, sorted server-side by ?sort=
// and downloaded by ?format=csv, so every table gets both alike.
type table struct {
	ID, Title string
	Cols      []column
	Rows      [][]cell
	// Foot is a totals row, kept last whatever the sort.
	Foot []cell
	// Empty is said when there are no rows.
	Empty string
	// Sorted and Desc are the column sorted by, for the header links.
	Sorted string
	Desc   bool
	// Query is the page's other parameters, kept by the sort links.
	Query string
}

type column struct {
	Key, Label string
	Num        bool
}

// cell is a value; Num (with IsNum) sorts numeric columns; Meter draws a
// 0–1 bar; Links are one or more targets (evidence lists several).
type cell struct {
	Text  string
	Href  string
	Num   float64
	IsNum bool
	Meter *float64
	Links []link
	// Date keeps a date on one line.
	Date bool
	// Anchor is the cell's id, a link target within the page.
	Anchor string
}

type link struct{ Text, Href string }

func date(s string) cell             { return cell{Text: s, Date: true} }
func text(s string) cell             { return cell{Text: s} }
func href(s, h string) cell          { return cell{Text: s, Href: h} }
func num(n int) cell                 { return cell{Text: strconv.Itoa(n), Num: float64(n), IsNum: true} }
func float(f float64, s string) cell { return cell{Text: s, Num: f, IsNum: true} }

// ratio is a 0–1 value as a bar and a percentage; nil is "—" sorting last.
func ratio(r *float64) cell {
	if r == nil {
		return cell{Text: "—", Num: -1, IsNum: true}
	}
	return cell{Text: fmt.Sprintf("%.0f%%", *r*100), Num: *r, IsNum: true, Meter: r}
}

// sortSpec is ?sort=[-]TABLE.COLUMN, e.g. -offerings.ratio.
type sortSpec struct {
	table, col string
	desc       bool
}

func parseSort(s string) sortSpec {
	var sp sortSpec
	if rest, ok := strings.CutPrefix(s, "-"); ok {
		sp.desc, s = true, rest
	}
	sp.table, sp.col, _ = strings.Cut(s, ".")
	return sp
}

// apply sorts t when sp names it; an unknown column is an error.
func (t *table) apply(sp sortSpec, query string) error {
	t.Query = query
	if sp.table != t.ID {
		return nil
	}
	i := slices.IndexFunc(t.Cols, func(c column) bool { return c.Key == sp.col })
	if i < 0 {
		keys := make([]string, len(t.Cols))
		for j, c := range t.Cols {
			keys[j] = t.ID + "." + c.Key
		}
		return fmt.Errorf("sort: table %s has no column %q (known: %s)", t.ID, sp.col, strings.Join(keys, ", "))
	}
	t.Sorted, t.Desc = sp.col, sp.desc
	slices.SortStableFunc(t.Rows, func(a, b []cell) int {
		var c int
		if t.Cols[i].Num {
			c = cmp.Compare(a[i].Num, b[i].Num)
		} else {
			c = strings.Compare(strings.ToLower(a[i].Text), strings.ToLower(b[i].Text))
		}
		if sp.desc {
			return -c
		}
		return c
	})
	return nil
}

// SortHref is the header link: sort by the column, the other way round when
// it is the current one.
func (t *table) SortHref(key string) string {
	s := t.ID + "." + key
	if t.Sorted == key && !t.Desc {
		s = "-" + s
	}
	q := "sort=" + s
	if t.Query != "" {
		q = t.Query + "&" + q
	}
	return "?" + q
}

// CSVHref downloads the table.
func (t *table) CSVHref() string {
	q := "format=csv&table=" + t.ID
	if t.Query != "" {
		q = t.Query + "&" + q
	}
	return "?" + q
}

// writeCSV writes the table's header, rows and totals. A cell that a
// spreadsheet would read as a formula is prefixed with a quote: repo and
// component names are hostile.
func (t *table) writeCSV(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+t.ID+`.csv"`)
	cw := csv.NewWriter(w)
	head := make([]string, len(t.Cols))
	for i, c := range t.Cols {
		head[i] = c.Key
	}
	_ = cw.Write(head)
	rows := t.Rows
	if t.Foot != nil {
		rows = append(rows[:len(rows):len(rows)], t.Foot)
	}
	for _, r := range rows {
		rec := make([]string, len(r))
		for i, c := range r {
			rec[i] = csvValue(c)
		}
		_ = cw.Write(rec)
	}
	cw.Flush()
}

func csvValue(c cell) string {
	s := c.Text
	if c.IsNum && c.Meter != nil {
		s = strconv.FormatFloat(*c.Meter, 'f', -1, 64)
	}
	if len(c.Links) > 0 {
		parts := make([]string, len(c.Links))
		for i, l := range c.Links {
			parts[i] = l.Text
		}
		s = strings.Join(parts, "; ")
	}
	if c.IsNum {
		return s
	}
	return spreadsheetSafe(s)
}

// spreadsheetSafe prefixes with a quote a text a spreadsheet would read as
// a formula.
func spreadsheetSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
