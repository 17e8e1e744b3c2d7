package detect

import (
	"regexp"
	"strings"
)

// tomlKeyRE matches the key of an assignment line: bare, quoted or dotted.
var tomlKeyRE = regexp.MustCompile(`^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*=`)

// tomlText finds where things are written in a TOML file, for evidence
// lines: BurntSushi/toml decodes it, but keeps positions to itself. Lookups
// fall back to the nearest enclosing table's header, so a key written in an
// unusual form (an inline table, a dotted key) still points at its table.
type tomlText struct {
	lines []string
	// headers maps a table path ("tool.poetry.dependencies") to the line of
	// its header; "" is the top of the file. An array of tables ([[package]])
	// maps to its first header.
	headers map[string]int
	// keys maps table and key ("tool.poetry.dependencies\x00requests") to
	// the lines assigning it, in order.
	keys map[string][]int
}

func newTOMLText(data []byte) *tomlText {
	t := &tomlText{lines: strings.Split(string(data), "\n"), headers: map[string]int{"": 1}, keys: map[string][]int{}}
	table, multi := "", ""
	for i, l := range t.lines {
		if multi != "" {
			if strings.Count(l, multi)%2 == 1 {
				multi = ""
			}
			continue
		}
		if s := strings.TrimSpace(l); strings.HasPrefix(s, "[") {
			if h, ok := tomlHeader(s); ok {
				table = h
				if _, seen := t.headers[table]; !seen {
					t.headers[table] = i + 1
				}
				continue
			}
		}
		if m := tomlKeyRE.FindStringSubmatch(l); m != nil {
			// A dotted key (serde.version = "1") also writes each prefix (serde).
			parts := strings.Split(tomlKey(m[1]), ".")
			for n := 1; n <= len(parts); n++ {
				k := table + "\x00" + strings.Join(parts[:n], ".")
				if n == len(parts) || len(t.keys[k]) == 0 {
					t.keys[k] = append(t.keys[k], i+1)
				}
			}
		}
		for _, q := range []string{`"""`, `'''`} {
			if strings.Count(l, q)%2 == 1 {
				multi = q
			}
		}
	}
	return t
}

// tomlHeader reads "[a.b]", "[[a.b]]" and `[a."b.c"]` into "a.b", "a.b.c".
func tomlHeader(s string) (string, bool) {
	s = strings.TrimPrefix(s, "[")
	s = strings.TrimPrefix(s, "[")
	end := strings.Index(s, "]")
	if end < 0 {
		return "", false
	}
	return tomlKey(s[:end]), true
}

// tomlKey turns a written key ("a . 'b' . c") into its dotted path, quotes
// removed; a quoted part keeps its dots, which is the rare case the
// fallback to the table's line covers.
func tomlKey(s string) string {
	parts := strings.Split(s, ".")
	for i, p := range parts {
		parts[i] = strings.Trim(strings.TrimSpace(p), `"'`)
	}
	return strings.Join(parts, ".")
}

// tableLine is the line of table's header, or of its nearest written
// ancestor's (the top of the file for none).
func (t *tomlText) tableLine(table string) int {
	for {
		if line, ok := t.headers[table]; ok {
			return line
		}
		i := strings.LastIndex(table, ".")
		if i < 0 {
			return 1
		}
		table = table[:i]
	}
}

// keyLine is the line where key is assigned in table ("requests = ..."
// under [tool.poetry.dependencies], or [table.key] as a header of its own),
// else the table's line. In an array of
// tables, the nth assignment counts (n from 0).
func (t *tomlText) keyLine(table, key string, n int) int {
	if lines := t.keys[table+"\x00"+key]; n < len(lines) {
		return lines[n]
	}
	if line, ok := t.headers[table+"."+key]; ok && n == 0 {
		return line // [dependencies.serde]
	}
	return t.tableLine(table)
}

// itemSearchLines bounds how far itemLine looks: array items sit close
// together, and a string written with escapes is never found as decoded.
const itemSearchLines = 200

// itemLine is the first line from line `from` on holding item as a quoted
// string: an array element such as "requests>=2.31" under `dependencies = [`.
// Not found nearby, it is from.
func (t *tomlText) itemLine(from int, item string) int {
	for i := max(from-1, 0); i < len(t.lines) && i < from+itemSearchLines; i++ {
		if strings.Contains(t.lines[i], `"`+item+`"`) || strings.Contains(t.lines[i], `'`+item+`'`) {
			return i + 1
		}
	}
	return from
}
