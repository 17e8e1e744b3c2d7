package main

import (
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/uptake-dev/uptake/collector/snapshot"
)

// reportFilter narrows scan's table, markdown and csv outputs.
type reportFilter struct {
	offering, team string
	// all keeps the offering × team rows where nothing is eligible,
	// adopted or waived, hidden by default.
	all bool
}

// check refuses a filter naming no offering or team of the scan, so a typo
// is not an empty report.
func (f reportFilter) check(s *snapshot.Snapshot) error {
	if f.offering != "" && !slices.ContainsFunc(s.Offerings, func(o snapshot.OfferingReport) bool { return o.Name == f.offering }) {
		return fmt.Errorf("--offering %q: no such offering in the catalog", f.offering)
	}
	if f.team != "" && !slices.ContainsFunc(s.Teams, func(t snapshot.TeamReport) bool { return t.Name == f.team }) {
		return fmt.Errorf("--team %q: no repo of the scan is attributed to it", f.team)
	}
	return nil
}

// offeringRow is one offering with its cells, the filters applied.
type offeringRow struct {
	snapshot.OfferingReport
	cells []snapshot.Cell
	// sum totals the offering's cells over every team (or the one of
	// --team): the org-wide row.
	sum snapshot.Cell
}

func (f reportFilter) rows(s *snapshot.Snapshot, hideZero bool) []offeringRow {
	byOffering := map[string][]snapshot.Cell{}
	for _, c := range s.Summary {
		byOffering[c.Offering] = append(byOffering[c.Offering], c)
	}
	var out []offeringRow
	for _, o := range s.Offerings {
		if f.offering != "" && o.Name != f.offering {
			continue
		}
		r := offeringRow{OfferingReport: o, sum: snapshot.Cell{Offering: o.Name}}
		cells := byOffering[o.Name]
		sort.SliceStable(cells, func(i, j int) bool { return cells[i].Team < cells[j].Team })
		for _, c := range cells {
			if f.team != "" && c.Team != f.team {
				continue
			}
			r.sum.Adopted += c.Adopted
			r.sum.Total += c.Total
			r.sum.Waived += c.Waived
			r.sum.Outdated += c.Outdated
			r.sum.UnknownVersion += c.UnknownVersion
			if hideZero && !f.all && c.Adopted == 0 && c.Total == 0 && c.Waived == 0 {
				continue
			}
			r.cells = append(r.cells, c)
		}
		if r.sum.Total > 0 {
			ratio := float64(r.sum.Adopted) / float64(r.sum.Total)
			r.sum.Ratio = &ratio
		}
		out = append(out, r)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func percent(r *float64) string {
	if r == nil {
		return "-"
	}
	return fmt.Sprintf("%.0f%%", *r*100)
}

func target(o snapshot.OfferingReport) string {
	if o.Target == nil {
		return "-"
	}
	return fmt.Sprintf("%.0f%% by %s", o.Target.Ratio*100, o.Target.Deadline.Format(time.DateOnly))
}

// writeTable prints each offering's org-wide row (team "*") then its teams.
func writeTable(w io.Writer, s *snapshot.Snapshot, f reportFilter) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "OFFERING\tTEAM\tLIFECYCLE\tTARGET\tADOPTED\tELIGIBLE\tRATIO\tOUTDATED")
	for _, r := range f.rows(s, true) {
		fmt.Fprintf(tw, "%s\t*\t%s\t%s\t%d\t%d\t%s\t%d\n", r.Name, r.Lifecycle, target(r.OfferingReport), r.sum.Adopted, r.sum.Total, percent(r.sum.Ratio), r.sum.Outdated)
		for _, c := range r.cells {
			fmt.Fprintf(tw, "%s\t%s\t\t\t%d\t%d\t%s\t%d\n", c.Offering, c.Team, c.Adopted, c.Total, percent(c.Ratio), c.Outdated)
		}
	}
	_ = tw.Flush()
	fmt.Fprintln(w)
	writeSources(w, s)
}

func writeSources(w io.Writer, s *snapshot.Snapshot) {
	for _, src := range s.Sources {
		state := "ok"
		if !src.OK {
			state = "FAILED: " + src.Error
		}
		if src.DeferredRepos > 0 {
			state += fmt.Sprintf(", %d repos deferred to the next scan (rate budget)", src.DeferredRepos)
		}
		fmt.Fprintf(w, "source %s: %d repos, %d from cache, %d repo errors, %d files read, %s (%s)\n",
			src.Name, src.Repos, src.Cached, src.RepoErrors, src.FilesRead, src.Duration.Round(time.Millisecond), state)
	}
}

// mdEscape makes a scanned or configured name inert in a Markdown table:
// no cell break, no markup, no HTML.
var mdEscape = strings.NewReplacer(`\`, `\\`, "|", `\|`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`,
	"<", "&lt;", ">", "&gt;", "&", "&amp;", "\n", " ", "\r", " ")

// writeMarkdown renders the offerings table and the per-team table for a
// wiki page or a pull-request comment.
func writeMarkdown(w io.Writer, s *snapshot.Snapshot, f reportFilter) {
	rows := f.rows(s, true)
	fmt.Fprintf(w, "## Adoption of platform offerings\n\nScan of %s.\n\n", s.Time.UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintln(w, "| Offering | Lifecycle | Owner | Adoption | Adopted | Eligible | Waived | Target | Outdated | Unknown version |")
	fmt.Fprintln(w, "|---|---|---|--:|--:|--:|--:|---|--:|--:|")
	var all snapshot.Cell
	for _, r := range rows {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %d | %d | %d | %s | %d | %d |\n", mdEscape.Replace(r.Name), mdEscape.Replace(r.Lifecycle),
			mdEscape.Replace(r.Owner), percent(r.sum.Ratio), r.sum.Adopted, r.sum.Total, r.sum.Waived, target(r.OfferingReport), r.sum.Outdated, r.sum.UnknownVersion)
		all.Adopted, all.Total, all.Waived = all.Adopted+r.sum.Adopted, all.Total+r.sum.Total, all.Waived+r.sum.Waived
		all.Outdated, all.UnknownVersion = all.Outdated+r.sum.Outdated, all.UnknownVersion+r.sum.UnknownVersion
	}
	var ratio *float64
	if all.Total > 0 {
		v := float64(all.Adopted) / float64(all.Total)
		ratio = &v
	}
	fmt.Fprintf(w, "| **All offerings** | | | %s | %d | %d | %d | | %d | %d |\n", percent(ratio), all.Adopted, all.Total, all.Waived, all.Outdated, all.UnknownVersion)
	fmt.Fprintln(w, "\n### Per team\n\n| Offering | Team | Adopted | Eligible | Adoption | Outdated |\n|---|---|--:|--:|--:|--:|")
	for _, r := range rows {
		for _, c := range r.cells {
			fmt.Fprintf(w, "| %s | %s | %d | %d | %s | %d |\n", mdEscape.Replace(c.Offering), mdEscape.Replace(c.Team), c.Adopted, c.Total, percent(c.Ratio), c.Outdated)
		}
	}
}

// writeCSV writes every offering × team cell (the filters applied, zeros
// kept, as the metrics do); ratio is 0–1, empty when nothing is eligible.
func writeCSV(w io.Writer, s *snapshot.Snapshot, f reportFilter) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"offering", "team", "adopted", "eligible", "ratio", "outdated"})
	for _, r := range f.rows(s, false) {
		for _, c := range r.cells {
			ratio := ""
			if c.Ratio != nil {
				ratio = strconv.FormatFloat(*c.Ratio, 'f', 4, 64)
			}
			_ = cw.Write([]string{c.Offering, c.Team, strconv.Itoa(c.Adopted), strconv.Itoa(c.Total), ratio, strconv.Itoa(c.Outdated)})
		}
	}
	cw.Flush()
	return cw.Error()
}
