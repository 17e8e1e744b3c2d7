package config

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/Masterminds/semver/v3"
	"go.yaml.in/yaml/v3"
)

// Campaign is a migration: the repos in scope are to adopt To (at
// MinVersion or above) and drop every offering of From, by Deadline.
type Campaign struct {
	Name        string   `yaml:"name"`
	Description string   `yaml:"description"`
	From        []string `yaml:"from"`
	To          string   `yaml:"to"`
	// MinVersion is the lowest version of To that counts as done; "" takes
	// any, an unknown version included.
	MinVersion string        `yaml:"min_version"`
	Scope      CampaignScope `yaml:"scope"`
	// Deadline is a date YYYY-MM-DD; "" for none.
	Deadline string `yaml:"deadline"`
	Owner    string `yaml:"owner"`
	// IdleAfter is how old a HEAD commit makes a repo idle rather than remaining.
	IdleAfter Duration `yaml:"idle_after"`
	// ProjectionWindow is how much history of the remaining count the
	// projected completion is fitted over.
	ProjectionWindow Duration `yaml:"projection_window"`

	// DeadlineAt is the start of the deadline day, UTC; zero without one.
	DeadlineAt time.Time `yaml:"-"`
	// Implicit marks a campaign made for a deprecated offering with
	// replaced_by that no campaign names.
	Implicit bool `yaml:"-"`
	Line     int  `yaml:"-"`
	lines    map[string]int
}

// CampaignScope says which repos a campaign covers.
type CampaignScope struct {
	// EligibleOf is the offering whose eligible rules admit the repos in
	// scope; "" means To.
	EligibleOf string `yaml:"eligible_of"`
}

// Campaign defaults.
const (
	DefaultIdleAfter        = Duration(180 * 24 * time.Hour)
	DefaultProjectionWindow = Duration(28 * 24 * time.Hour)
)

// LineOf is the line of one of the campaign's keys, else the campaign's.
func (c *Campaign) LineOf(key string) int {
	if l := c.lines[key]; l > 0 {
		return l
	}
	return c.Line
}

func (c *Config) recordCampaignLines(root *yaml.Node) {
	for i, n := range seq(lookup(root, "campaigns")) {
		if i >= len(c.Campaigns) {
			break
		}
		cp := &c.Campaigns[i]
		cp.Line = n.Line
		cp.lines = keyLines(n, "from", "to", "min_version", "scope", "deadline", "idle_after", "projection_window")
	}
}

func (c *Config) campaignDefaults() {
	for i := range c.Campaigns {
		setCampaignDefaults(&c.Campaigns[i])
	}
}

func setCampaignDefaults(cp *Campaign) {
	if cp.IdleAfter == 0 {
		cp.IdleAfter = DefaultIdleAfter
	}
	if cp.ProjectionWindow == 0 {
		cp.ProjectionWindow = DefaultProjectionWindow
	}
	if cp.Scope.EligibleOf == "" {
		cp.Scope.EligibleOf = cp.To
	}
}

// validateCampaigns checks each campaign's references against the
// offerings (offerings: name → line), each offering's replaced_by, and
// then adds the implicit campaigns.
func (c *Config) validateCampaigns(v *validator, offerings map[string]int) {
	for _, o := range c.Offerings {
		if o.ReplacedBy == "" {
			continue
		}
		if _, ok := offerings[o.ReplacedBy]; !ok {
			v.add(o.Line, "offering %q: replaced_by: unknown offering %q", o.Name, o.ReplacedBy)
		} else if o.ReplacedBy == o.Name {
			v.add(o.Line, "offering %q: replaced_by names the offering itself", o.Name)
		}
	}
	c.validateReplacedByCycles(v)
	seen := map[string]int{}
	for i := range c.Campaigns {
		cp := &c.Campaigns[i]
		validateCampaign(v, cp, offerings)
		if first, dup := seen[cp.Name]; dup && cp.Name != "" {
			v.add(cp.Line, "campaign %q: duplicate name (first at line %d)", cp.Name, first)
		}
		seen[cp.Name] = cp.Line
	}
	c.Campaigns = append(c.Campaigns, c.ImplicitCampaigns()...)
}

// validateReplacedByCycles reports each cycle of replaced_by once, at its
// first offering in the file: it names no successor to move to.
func (c *Config) validateReplacedByCycles(v *validator) {
	next := map[string]string{}
	for _, o := range c.Offerings {
		next[o.Name] = o.ReplacedBy
	}
	reported := map[string]bool{}
	for _, o := range c.Offerings {
		path := []string{o.Name}
		for n := next[o.Name]; n != "" && n != o.Name && len(path) <= len(next); n = next[n] {
			path = append(path, n)
		}
		if len(path) == 1 || next[path[len(path)-1]] != o.Name || reported[o.Name] {
			continue // no successor, a self reference (reported above), or no cycle through o
		}
		for _, n := range path {
			reported[n] = true
		}
		v.add(o.Line, "offering %q: replaced_by: a cycle (%s → %s)", o.Name, strings.Join(path, " → "), o.Name)
	}
}

func validateCampaign(v *validator, cp *Campaign, offerings map[string]int) {
	where := fmt.Sprintf("campaign %q", cp.Name)
	switch {
	case cp.Name == "":
		where = "campaign"
		v.add(cp.Line, "campaign: name is required")
	case !labelValueRE.MatchString(cp.Name):
		v.add(cp.Line, "%s: name must match [a-z0-9_-]+", where)
	}
	known := func(key, name string) {
		if _, ok := offerings[name]; !ok {
			v.add(cp.LineOf(key), "%s: %s: unknown offering %q", where, key, name)
		}
	}
	if cp.To == "" {
		v.add(cp.Line, "%s: to is required", where)
	} else {
		known("to", cp.To)
	}
	for _, f := range cp.From {
		known("from", f)
		if f == cp.To {
			v.add(cp.LineOf("from"), "%s: from names %q, the offering to adopt", where, f)
		}
	}
	if cp.Scope.EligibleOf != "" && cp.Scope.EligibleOf != cp.To {
		known("scope", cp.Scope.EligibleOf)
	}
	if cp.MinVersion != "" {
		if _, err := semver.NewVersion(cp.MinVersion); err != nil {
			v.add(cp.LineOf("min_version"), "%s: min_version must be a version like 3.0.0, got %q", where, cp.MinVersion)
		}
	}
	if cp.Deadline != "" {
		d, err := time.Parse(time.DateOnly, cp.Deadline)
		if err != nil {
			v.add(cp.LineOf("deadline"), "%s: deadline must be a date YYYY-MM-DD, got %q", where, cp.Deadline)
		}
		cp.DeadlineAt = d
	}
	if cp.IdleAfter < 0 {
		v.add(cp.LineOf("idle_after"), "%s: idle_after must be positive, like 180d", where)
	}
	if cp.ProjectionWindow < 0 {
		v.add(cp.LineOf("projection_window"), "%s: projection_window must be positive, like 28d", where)
	}
}

// ImplicitCampaigns are the campaigns the file implies: one per deprecated
// offering with replaced_by that no campaign names (by name or in from),
// named after it, from it to its successor, without a deadline.
func (c *Config) ImplicitCampaigns() []Campaign {
	var out []Campaign
	for _, o := range c.Offerings {
		if o.Lifecycle != "deprecated" || o.ReplacedBy == "" || o.ReplacedBy == o.Name || c.namesInCampaign(o.Name) {
			continue
		}
		// The successor's owner runs the move; an unknown successor is
		// reported by validation and implies nothing.
		i := slices.IndexFunc(c.Offerings, func(s Offering) bool { return s.Name == o.ReplacedBy })
		if i < 0 {
			continue
		}
		owner := c.Offerings[i].Owner
		cp := Campaign{Name: o.Name, Description: fmt.Sprintf("Move off %s to %s", o.Name, o.ReplacedBy),
			From: []string{o.Name}, To: o.ReplacedBy, Owner: owner, Implicit: true, Line: o.Line}
		setCampaignDefaults(&cp)
		out = append(out, cp)
	}
	return out
}

func (c *Config) namesInCampaign(offering string) bool {
	for _, cp := range c.Campaigns {
		if cp.Name == offering || slices.Contains(cp.From, offering) {
			return true
		}
	}
	return false
}
