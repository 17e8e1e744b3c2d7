// Package match compiles the offering catalog's rules with their detectors
// and evaluates them over a repo's inventory: which offerings a repo adopts,
// at which version, with which evidence, and whether it is eligible.
package match

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/uptake-dev/uptake/collector/detect"
	"github.com/uptake-dev/uptake/collector/inventory"
	"github.com/uptake-dev/uptake/collector/source"
	"github.com/uptake-dev/uptake/collector/version"
	"github.com/uptake-dev/uptake/config"
)

// Catalog is the compiled offering catalog.
type Catalog struct {
	Offerings []*Offering
	kinds     []string
	probes    []detect.Probe
	harvest   bool
}

// Offering is one compiled offering.
type Offering struct {
	*config.Offering
	rules         []rule
	eligiblePaths []detect.Matcher
	alts          []Alternative
}

// rule is a compiled detect rule and its index in Offering.Detect.
type rule struct {
	detect.Matcher
	index int
}

// Adoption is one offering's use in one repo.
type Adoption struct {
	// Version is the lowest known version among the matches, or
	// version.Unknown.
	Version  string             `json:"version"`
	Evidence []detect.Component `json:"evidence"`
}

// Compile resolves every rule with its detector. Errors name the offering,
// the detector kind and the field, at the rule's line.
func Compile(cfg *config.Config) (*Catalog, error) {
	c := &Catalog{}
	var errs config.Errors
	languages := inventory.LanguageNames()
	kinds := map[string]bool{}
	probes := map[string]detect.Probe{}
	addProbe := func(m detect.Matcher) {
		if p, ok := m.(detect.Probe); ok {
			probes[p.Key()] = p
		}
	}
	for i := range cfg.Offerings {
		o := &Offering{Offering: &cfg.Offerings[i]}
		for j, r := range o.Detect {
			if r.Kind == "" {
				continue // config validation reports it
			}
			d, ok := detect.Get(r.Kind)
			if !ok {
				errs = append(errs, config.Error{File: cfg.File, Line: r.KeyLines["kind"], Msg: fmt.Sprintf(
					"offering %q: unknown detector kind %q (known: %s)", o.Name, r.Kind, strings.Join(detect.Kinds(), ", "))})
				continue
			}
			m, err := d.Compile(r.Params)
			if err != nil {
				errs = append(errs, config.Error{File: cfg.File, Line: ruleLine(r, err), Msg: fmt.Sprintf(
					"offering %q: detector %s: %v", o.Name, r.Kind, err)})
				continue
			}
			o.rules = append(o.rules, rule{Matcher: m, index: j})
			if _, isProbe := m.(detect.Probe); isProbe {
				addProbe(m)
			} else {
				kinds[r.Kind] = true
			}
		}
		if o.Eligible != nil {
			for _, l := range o.Eligible.Languages {
				if !slices.Contains(languages, l) {
					errs = append(errs, config.Error{File: cfg.File, Line: o.LineOf("eligible"), Msg: fmt.Sprintf(
						"offering %q: eligible.languages: unknown language %q (want one of %s)", o.Name, l, strings.Join(languages, ", "))})
				}
			}
		}
		if o.Eligible != nil && len(o.Eligible.Paths) > 0 {
			fileKind, ok := detect.Get("file")
			if !ok {
				return nil, fmt.Errorf("detector kind file is not registered")
			}
			for _, g := range o.Eligible.Paths {
				m, err := fileKind.Compile(map[string]string{"path": g})
				if err != nil {
					errs = append(errs, config.Error{File: cfg.File, Line: o.Line, Msg: fmt.Sprintf(
						"offering %q: eligible.paths: %v", o.Name, err)})
					continue
				}
				o.eligiblePaths = append(o.eligiblePaths, m)
				addProbe(m)
			}
		}
		altKinds, altErrs := compileAlternatives(cfg.File, o)
		errs = append(errs, altErrs...)
		for _, k := range altKinds {
			kinds[k] = true
		}
		c.Offerings = append(c.Offerings, o)
	}
	if cfg.Harvest != nil {
		c.harvest = true
		for _, k := range harvestKinds() {
			kinds[k] = true
		}
	}
	if len(errs) > 0 {
		sort.SliceStable(errs, func(i, j int) bool { return errs[i].Line < errs[j].Line })
		return nil, errs
	}
	for k := range kinds {
		c.kinds = append(c.kinds, k)
	}
	sort.Strings(c.kinds)
	for _, p := range probes {
		c.probes = append(c.probes, p)
	}
	sort.Slice(c.probes, func(i, j int) bool { return c.probes[i].Key() < c.probes[j].Key() })
	return c, nil
}

// ruleLine is the line of the field an error names first, else the rule's.
func ruleLine(r config.Rule, err error) int {
	msg := err.Error()
	best, at := r.Line, len(msg)
	for k, line := range r.KeyLines {
		if k == "kind" {
			continue
		}
		loc := regexp.MustCompile(`\b` + regexp.QuoteMeta(k) + `\b`).FindStringIndex(msg)
		if loc != nil && loc[0] < at {
			best, at = line, loc[0]
		}
	}
	return best
}

// Plan compiles what a scan with this catalog reads: the detectors some
// rule uses, the probes, and scan's excludes and size limit.
func (c *Catalog) Plan(scan config.Scan) (*inventory.Plan, error) {
	if c.harvest {
		return inventory.NewHarvestPlan(c.kinds, c.probes, scan)
	}
	return inventory.NewPlan(c.kinds, c.probes, scan)
}

// Kinds are the detector kinds some rule or alternative uses, or in
// harvest mode every one: only these run in a scan.
func (c *Catalog) Kinds() []string { return c.kinds }

// Probes are the raw-file rules (file, regex, eligible.paths), one per key.
func (c *Catalog) Probes() []detect.Probe { return c.probes }

// Evaluate returns the offerings a repo's components adopt, by name.
func (c *Catalog) Evaluate(components []detect.Component) map[string]Adoption {
	out := map[string]Adoption{}
	for _, o := range c.Offerings {
		var ev []detect.Component
		for _, comp := range components {
			for _, m := range o.rules {
				if m.Match(comp) {
					ev = append(ev, comp)
					break
				}
			}
		}
		if len(ev) == 0 {
			continue
		}
		labels := make([]string, len(ev))
		for i, e := range ev {
			labels[i] = version.Clean(e.Version)
		}
		out[o.Name] = Adoption{Version: version.Lowest(labels), Evidence: ev}
	}
	return out
}

// CountRules adds one to counts[i] for each rule (i its index in Detect)
// that matches some of the adoption's evidence. The evidence is every
// component some rule matches, so a rule matching none of it matched
// nothing in the repo; re-testing it costs less than recording the rules
// in every adoption of an estate.
func (o *Offering) CountRules(a Adoption, counts []int) {
	for _, r := range o.rules {
		for _, c := range a.Evidence {
			if r.Match(c) {
				counts[r.index]++
				break
			}
		}
	}
}

// Facts are what eligibility looks at in one repo.
type Facts struct {
	Repo       source.Repo
	Team       string
	Languages  []string
	Components []detect.Component
}

// EligibleByRules applies eligible: (fields ANDed, list items ORed,
// exclude_repos subtracted). Adoption and waivers are the caller's: an
// adopter is always eligible.
func (o *Offering) EligibleByRules(f Facts) bool { return o.IneligibleClause(f) == "" }

// IneligibleClause names the first eligible clause that leaves the repo out
// ("exclude_repos: GLOB", "languages", "topics", "teams", "paths"), "" when
// the repo is eligible: the answer to "why is this repo not counted?".
func (o *Offering) IneligibleClause(f Facts) string {
	e := o.Eligible
	if e == nil {
		return ""
	}
	for _, g := range e.ExcludeRepos {
		if f.Repo.MatchName(g) {
			return "exclude_repos: " + g
		}
	}
	if len(e.Languages) > 0 && !intersects(e.Languages, f.Languages) {
		return "languages"
	}
	if len(e.Topics) > 0 && !intersects(e.Topics, f.Repo.Topics) {
		return "topics"
	}
	if len(e.Teams) > 0 && !intersects(e.Teams, []string{f.Team}) {
		return "teams"
	}
	if len(o.eligiblePaths) > 0 && !o.anyEligiblePath(f.Components) {
		return "paths"
	}
	return ""
}

func (o *Offering) anyEligiblePath(components []detect.Component) bool {
	for _, comp := range components {
		for _, m := range o.eligiblePaths {
			if m.Match(comp) {
				return true
			}
		}
	}
	return false
}

// Status is where a repo stands with one offering.
type Status int

const (
	// Adopted is a repo that uses the offering; an adopter always counts
	// as eligible, waived or not.
	Adopted Status = iota
	// Ineligible is a repo the offering's eligible rules leave out.
	Ineligible
	// Waived is an eligible repo that does not adopt and is excused by a
	// waiver in force.
	Waived
	// Eligible is an eligible repo that does not adopt and is not waived:
	// a repo to onboard.
	Eligible
)

// Status decides a repo's standing with the offering, in the one order of
// precedence uptake has: adoption, then the eligible rules, then waivers.
// The waiver is returned when the status is Waived.
// For Ineligible, clause is the eligible clause that excludes the repo.
func (o *Offering) Status(f Facts, adopted bool, now time.Time) (status Status, waiver *config.Waiver, clause string) {
	if adopted {
		return Adopted, nil, ""
	}
	if clause := o.IneligibleClause(f); clause != "" {
		return Ineligible, nil, clause
	}
	if w := o.Waiver(f.Repo, now); w != nil {
		return Waived, w, ""
	}
	return Eligible, nil, ""
}

// ExpiredWaivers are the offering's waivers no longer in force at now.
func (o *Offering) ExpiredWaivers(now time.Time) []config.Waiver {
	var out []config.Waiver
	for _, w := range o.Waivers {
		if !now.Before(w.ExpiresAt) {
			out = append(out, w)
		}
	}
	return out
}

// Waiver returns the waiver in force for a repo at time now, if any.
func (o *Offering) Waiver(repo source.Repo, now time.Time) *config.Waiver {
	for i := range o.Waivers {
		w := &o.Waivers[i]
		if repo.MatchName(w.Repo) && now.Before(w.ExpiresAt) {
			return w
		}
	}
	return nil
}

func intersects(a, b []string) bool {
	return slices.ContainsFunc(a, func(x string) bool { return slices.Contains(b, x) })
}
