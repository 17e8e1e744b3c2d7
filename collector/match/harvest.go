package match

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/uptake-dev/uptake/collector/detect"
	"github.com/uptake-dev/uptake/config"
)

// Alternative is one compiled entry of an offering's alternatives: the
// components of its kinds whose name its glob matches.
type Alternative struct {
	config.Alternative
	kinds []string
	re    *regexp.Regexp
}

// Match reports whether a component is this alternative. An image name
// matches as written and in Docker's short form, so dockerfile:node*
// finds docker.io/library/node as a user writes it.
func (a Alternative) Match(c detect.Component) bool {
	if !slices.Contains(a.kinds, c.Kind) {
		return false
	}
	return a.re.MatchString(c.Name) || a.re.MatchString(shortImageName(c.Name))
}

// shortImageName is an image repository as Docker Hub's users write it:
// docker.io/library/node is node, docker.io/bitnami/redis bitnami/redis.
func shortImageName(name string) string {
	if rest, ok := strings.CutPrefix(name, "docker.io/library/"); ok {
		return rest
	}
	return strings.TrimPrefix(name, "docker.io/")
}

// Alts are the offering's compiled alternatives, in config order.
func (o *Offering) Alts() []Alternative { return o.alts }

// Harvest reports whether the catalog runs in harvest mode (a harvest
// section): every detector kind, and the harvest files kept.
func (c *Catalog) Harvest() bool { return c.harvest }

// Covers reports whether some offering's detect rule matches the
// component: what harvest leaves out of its candidates.
func (c *Catalog) Covers(comp detect.Component) bool {
	for _, o := range c.Offerings {
		for _, r := range o.rules {
			if r.Match(comp) {
				return true
			}
		}
	}
	return false
}

// isProbeKind reports the kinds without files of their own (file, regex):
// their rules read the files they name.
func isProbeKind(d detect.Detector) bool { return len(d.Patterns()) == 0 }

// harvestKinds are every registered detector kind but the probes.
func harvestKinds() []string {
	var out []string
	for _, k := range detect.Kinds() {
		if d, _ := detect.Get(k); !isProbeKind(d) {
			out = append(out, k)
		}
	}
	return out
}

// compileAlternatives resolves an offering's alternatives: a KIND: prefix
// must name a detector kind; without one, the offering's own rule kinds.
// It returns the kinds the alternatives need run.
func compileAlternatives(file string, o *Offering) ([]string, config.Errors) {
	var own []string
	for _, r := range o.Detect {
		if d, ok := detect.Get(r.Kind); ok && !isProbeKind(d) && !slices.Contains(own, r.Kind) {
			own = append(own, r.Kind)
		}
	}
	var needed []string
	var errs config.Errors
	for _, a := range o.Alternatives {
		kinds := own
		if a.Kind != "" {
			d, ok := detect.Get(a.Kind)
			if !ok || isProbeKind(d) {
				errs = append(errs, config.Error{File: file, Line: a.Line, Msg: fmt.Sprintf(
					"offering %q: alternatives: %q: unknown detector kind %q (known: %s; a name with a colon of its own is written KIND:NAME, like maven:junit:junit)",
					o.Name, a.Text, a.Kind, strings.Join(harvestKinds(), ", "))})
				continue
			}
			kinds = []string{a.Kind}
		}
		if len(kinds) == 0 {
			errs = append(errs, config.Error{File: file, Line: a.Line, Msg: fmt.Sprintf(
				"offering %q: alternatives: %q needs a KIND: prefix, the offering's rules naming no detector kind", o.Name, a.Text)})
			continue
		}
		o.alts = append(o.alts, Alternative{Alternative: a, kinds: kinds, re: config.GlobRE(a.Glob)})
		needed = append(needed, kinds...)
	}
	return needed, errs
}
