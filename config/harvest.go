package config

import (
	"fmt"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Harvest turns on harvest mode: every detector kind runs, so the scan
// finds what the estate uses that no offering names, and files teams copy
// from one another are compared. Absent (nil), scans read only what the
// catalog's rules need.
type Harvest struct {
	// MinTeams is how many teams must use a component, or hold a copy of a
	// file, for it to be a candidate.
	MinTeams int `yaml:"min_teams"`
	// Top bounds the candidates and clusters the gauges export.
	Top int `yaml:"top"`
	// Internal are globs of component names the estate builds itself,
	// ranked before third-party ones.
	Internal []string `yaml:"internal"`
}

// Harvest defaults.
const (
	DefaultHarvestMinTeams = 3
	DefaultHarvestTop      = 25
)

// Alternative is one entry of an offering's alternatives: a glob of
// component names, of the offering's own detector kinds when Kind is "",
// else of Kind (written KIND:GLOB).
type Alternative struct {
	// Text is the entry as written: the label it is reported under.
	Text string
	Kind string
	Glob string
	Line int
}

// kindPrefixRE is what may be a detector kind before the first colon.
// A name with a colon of its own (maven's group:artifact) whose first
// part looks like one is written with its kind: maven:junit:junit.
var kindPrefixRE = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// UnmarshalYAML reads one alternative, a string; its errors are
// *yaml.TypeError, as Rule's.
func (a *Alternative) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return typeError("line %d: an alternative must be a string: a component name glob, or KIND:GLOB", n.Line)
	}
	a.Text, a.Line = n.Value, n.Line
	a.Glob = n.Value
	if k, g, ok := strings.Cut(n.Value, ":"); ok && kindPrefixRE.MatchString(k) {
		a.Kind, a.Glob = k, g
	}
	return nil
}

// GlobRE compiles a name glob of harvest.internal or alternatives, where *
// crosses /.
func GlobRE(glob string) *regexp.Regexp { return globRE(glob) }

func globRE(glob string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^")
	for _, r := range glob {
		switch r {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

// recordHarvestLines records the harvest keys' lines. A harvest key
// without a value turns harvest mode on as {} does.
func (c *Config) recordHarvestLines(root *yaml.Node) {
	if n := lookup(root, "harvest"); n != nil && c.Harvest == nil && n.Tag == "!!null" {
		c.Harvest = &Harvest{}
	}
	for _, k := range []string{"min_teams", "top", "internal"} {
		if n := lookup(root, "harvest", k); n != nil {
			c.lines["harvest."+k] = n.Line
		}
	}
	for i, n := range seq(lookup(root, "harvest", "internal")) {
		c.lines[fmt.Sprintf("harvest.internal.%d", i)] = n.Line
	}
}

func (c *Config) applyHarvestDefaults() {
	h := c.Harvest
	if h == nil {
		return
	}
	if _, set := c.lines["harvest.min_teams"]; !set {
		h.MinTeams = DefaultHarvestMinTeams
	}
	if _, set := c.lines["harvest.top"]; !set {
		h.Top = DefaultHarvestTop
	}
}

func (c *Config) validateHarvest(v *validator) {
	if h := c.Harvest; h != nil {
		if h.MinTeams < 1 {
			v.add(c.lines["harvest.min_teams"], "harvest.min_teams must be at least 1, got %d", h.MinTeams)
		}
		if h.Top < 1 {
			v.add(c.lines["harvest.top"], "harvest.top must be at least 1, got %d", h.Top)
		}
		for i, g := range h.Internal {
			line := c.lines[fmt.Sprintf("harvest.internal.%d", i)]
			if strings.TrimSpace(g) == "" {
				v.add(line, "harvest.internal: empty glob")
			}
		}
	}
	for _, o := range c.Offerings {
		seen := map[string]bool{}
		for _, a := range o.Alternatives {
			switch {
			case strings.TrimSpace(a.Glob) == "":
				v.add(a.Line, "offering %q: alternatives: %q names no component", o.Name, a.Text)
			case seen[a.Text]:
				v.add(a.Line, "offering %q: alternatives: %q repeated", o.Name, a.Text)
			}
			seen[a.Text] = true
		}
	}
}
