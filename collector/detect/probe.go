package detect

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
)

// The file and regex kinds are probes: they have no inventory of their own,
// each rule reads the files its path glob names.

func init() {
	Register(probeKind{kind: "file"})
	Register(probeKind{kind: "regex"})
}

type probeKind struct{ kind string }

func (k probeKind) Kind() string { return k.kind }

// Patterns is nil: a probe's files come from its compiled rule.
func (probeKind) Patterns() []string { return nil }

func (probeKind) Detect(Files) ([]Component, []error) { return nil, nil }

func (k probeKind) Compile(params map[string]string) (Matcher, error) {
	required := []string{"path"}
	if k.kind == "regex" {
		required = append(required, "pattern")
	}
	if err := Params(params, required, nil); err != nil {
		return nil, err
	}
	path := strings.TrimPrefix(params["path"], "/")
	if !doublestar.ValidatePattern(path) {
		return nil, fmt.Errorf("path: bad glob %q", params["path"])
	}
	p := &probe{kind: k.kind, path: path, name: probeName(path, params["pattern"], k.kind == "regex")}
	if k.kind == "regex" {
		re, err := regexp.Compile(params["pattern"])
		if err != nil {
			return nil, fmt.Errorf("pattern: bad regex: %w", err)
		}
		p.re = re
		for i, name := range re.SubexpNames() {
			if name == "version" {
				p.versionGroups = append(p.versionGroups, i)
			}
		}
	}
	return p, nil
}

// probeName is the rule's own text, the name its evidence is shown by: the
// path, or "path ~ pattern". A path that starts with a quote or holds " ~ "
// is quoted, so the first " ~ " of an unquoted name is the split and no two
// rules share a name.
func probeName(path, pattern string, regex bool) string {
	if !regex {
		return path
	}
	if strings.HasPrefix(path, `"`) || strings.Contains(path, " ~ ") {
		path = strconv.Quote(path)
	}
	return path + " ~ " + pattern
}

type probe struct {
	kind, path, name string
	re               *regexp.Regexp // nil for the file kind
	// versionGroups are the groups named version; alternatives may each have one.
	versionGroups []int
}

func (p *probe) Match(c Component) bool { return c.Kind == p.kind && c.Name == p.name }

func (p *probe) Kind() string { return p.kind }

// Key is the kind and the name: kinds have no space, so kinds never share one.
func (p *probe) Key() string { return p.kind + " " + p.name }

func (p *probe) Patterns() []string { return []string{p.path} }

func (p *probe) NeedsContent() bool { return p.re != nil }

// Scan re-checks the glob so a caller handing it any path cannot make it match.
func (p *probe) Scan(path string, data []byte) []Component {
	if ok, _ := doublestar.Match(p.path, path); !ok {
		return nil
	}
	c := Component{Kind: p.kind, Name: p.name, Path: path, Line: 1}
	if p.re == nil {
		return []Component{c}
	}
	if IsBinary(data) {
		return nil
	}
	data = Clean(data)
	m := p.re.FindSubmatchIndex(data)
	if m == nil {
		return nil
	}
	c.Line = LineAt(data, m[0])
	for _, g := range p.versionGroups {
		if m[2*g] >= 0 {
			c.Version = strings.TrimSpace(string(data[m[2*g]:m[2*g+1]]))
			break
		}
	}
	return []Component{c}
}
