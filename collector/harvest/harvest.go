// Package harvest reads an evaluated estate for what to productise next:
// components several teams use that no offering covers (candidates), CI,
// build and container files copied across teams (clusters), and the repos
// that use an offering's alternative instead of it. Pure functions over the
// per-repo inventories, their teams and the catalog.
package harvest

import (
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/uptake-dev/uptake/collector/detect"
	"github.com/uptake-dev/uptake/collector/inventory"
	"github.com/uptake-dev/uptake/collector/match"
	"github.com/uptake-dev/uptake/collector/snapshot"
	"github.com/uptake-dev/uptake/collector/version"
	"github.com/uptake-dev/uptake/config"
)

// Repo is one counted repo (or project unit) as harvest reads it.
type Repo struct {
	Source, Name, Team string
	Components         []detect.Component
	// Status is the repo's standing with each offering, by name.
	Status map[string]match.Status
	// Files are its harvest files (inventory.HarvestFile); a project
	// unit's are its repo's root unit's.
	Files []inventory.HarvestFile
}

// Wanted reports whether a scan under cfg has harvest findings: harvest
// mode, or an offering with alternatives.
func Wanted(cfg *config.Config) bool {
	if cfg.Harvest != nil {
		return true
	}
	for _, o := range cfg.Offerings {
		if len(o.Alternatives) > 0 {
			return true
		}
	}
	return false
}

// Analyse computes the harvest findings of an estate; nil when not Wanted.
func Analyse(cfg *config.Config, cat *match.Catalog, repos []Repo) *snapshot.Harvest {
	if !Wanted(cfg) {
		return nil
	}
	h := &snapshot.Harvest{Alternatives: Alternatives(cat, repos)}
	if cfg.Harvest == nil {
		return h
	}
	h.Enabled, h.MinTeams, h.Top = true, cfg.Harvest.MinTeams, cfg.Harvest.Top
	var more bool
	h.Candidates, more = Candidates(cat, repos, Options{MinTeams: cfg.Harvest.MinTeams, Internal: cfg.Harvest.Internal, DefaultTeam: cfg.Teams.Default})
	h.Truncated = more
	h.Clusters, more = Clusters(repos, cfg.Harvest.MinTeams, cfg.Teams.Default)
	h.Truncated = h.Truncated || more
	return h
}

// Options tune Candidates.
type Options struct {
	MinTeams int
	// Internal are harvest.internal's name globs.
	Internal []string
	// DefaultTeam is teams.default: the repos no source gave a team count
	// as repos, never as a team.
	DefaultTeam string
}

// maxEvidenceTeams bounds a candidate's examples: one per team.
const maxEvidenceTeams = 3

type tally struct {
	kind, name string
	teams      map[string]bool
	repos      map[string]bool
	versions   map[string]map[string]bool
	evidence   []snapshot.RepoEvidence
	evTeams    map[string]bool
}

// Candidates are the components at least MinTeams teams use that no
// offering's rule matches anywhere in the estate, ranked: internal first,
// then by teams, then repos, then kind and name. Probe findings (file,
// regex) are the catalog's own rules, and indirect requirements (go.mod's
// // indirect) a dependency's choice: neither is a candidate. It reports whether
// more than snapshot.MaxCandidates were found.
func Candidates(cat *match.Catalog, repos []Repo, opt Options) ([]snapshot.Candidate, bool) {
	tallies := map[[2]string]*tally{}
	covered := map[[2]string]bool{}
	probe := map[string]bool{}
	for _, r := range repos {
		repo := r.Source + "/" + r.Name
		for _, c := range r.Components {
			key := [2]string{c.Kind, c.Name}
			// An indirect requirement is a dependency's choice, not the team's.
			if covered[key] || isProbe(probe, c.Kind) || c.Attrs["indirect"] == "true" {
				continue
			}
			if cat.Covers(c) {
				covered[key] = true
				delete(tallies, key)
				continue
			}
			t := tallies[key]
			if t == nil {
				t = &tally{kind: c.Kind, name: c.Name, teams: map[string]bool{}, repos: map[string]bool{},
					versions: map[string]map[string]bool{}, evTeams: map[string]bool{}}
				tallies[key] = t
			}
			if r.Team != opt.DefaultTeam {
				t.teams[r.Team] = true
			}
			t.repos[repo] = true
			v := version.Clean(c.Version)
			if t.versions[v] == nil {
				t.versions[v] = map[string]bool{}
			}
			t.versions[v][repo] = true
			if !t.evTeams[r.Team] && len(t.evTeams) < maxEvidenceTeams {
				t.evTeams[r.Team] = true
				t.evidence = append(t.evidence, snapshot.RepoEvidence{Source: r.Source, Repo: r.Name, Team: r.Team,
					Evidence: snapshot.Evidence{Path: c.Path, Line: c.Line, URL: c.URL, Kind: c.Kind, Name: c.Name, Version: c.Version}})
			}
		}
	}
	internal := compileGlobs(opt.Internal)
	var out []snapshot.Candidate
	for _, t := range tallies {
		if len(t.teams) < opt.MinTeams {
			continue
		}
		c := snapshot.Candidate{Kind: t.kind, Name: t.name, Internal: matchAny(internal, t.name),
			Teams: len(t.teams), TeamNames: sortedKeys(t.teams), Repos: len(t.repos), Evidence: t.evidence}
		c.Versions, c.VersionSpread, c.MajorSpread = versionsOf(t.versions)
		if c.Internal {
			c.BuiltIn, c.BuiltBy = builder(repos, t.name)
		}
		out = append(out, c)
	}
	SortCandidates(out)
	if len(out) > snapshot.MaxCandidates {
		return out[:snapshot.MaxCandidates], true
	}
	return out, false
}

// SortCandidates ranks candidates: internal first, then by teams, then
// repos, then kind and name.
func SortCandidates(cs []snapshot.Candidate) {
	sort.Slice(cs, func(i, j int) bool { return candidateLess(cs[i], cs[j]) })
}

// MarkInternal marks the candidates whose name matches one of globs as
// internal (harvest.internal's syntax) and ranks them again.
func MarkInternal(cs []snapshot.Candidate, globs []string) {
	res := compileGlobs(globs)
	for i := range cs {
		if matchAny(res, cs[i].Name) {
			cs[i].Internal = true
		}
	}
	SortCandidates(cs)
}

func candidateLess(a, b snapshot.Candidate) bool {
	if a.Internal != b.Internal {
		return a.Internal
	}
	if a.Teams != b.Teams {
		return a.Teams > b.Teams
	}
	if a.Repos != b.Repos {
		return a.Repos > b.Repos
	}
	if a.Kind != b.Kind {
		return a.Kind < b.Kind
	}
	return a.Name < b.Name
}

// isProbe reports the kinds without files of their own, memoised in seen.
func isProbe(seen map[string]bool, kind string) bool {
	p, ok := seen[kind]
	if !ok {
		d, registered := detect.Get(kind)
		p = !registered || len(d.Patterns()) == 0
		seen[kind] = p
	}
	return p
}

// versionsOf buckets the versions in use, newest first, unknown last, and
// counts the distinct known versions and major versions.
func versionsOf(versions map[string]map[string]bool) ([]snapshot.VersionCount, int, int) {
	var out []snapshot.VersionCount
	majors := map[uint64]bool{}
	known := 0
	for v, repos := range versions {
		out = append(out, snapshot.VersionCount{Version: v, Repos: len(repos)})
		if version.Known(v) {
			known++
			if m, ok := version.Major(v); ok {
				majors[m] = true
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].Version, out[j].Version
		if ka, kb := version.Known(a), version.Known(b); ka != kb {
			return ka
		}
		if c := version.Compare(a, b); c != 0 {
			return c > 0
		}
		return a < b
	})
	return out, known, len(majors)
}

// majorSuffixRE is a Go module's major version suffix (/v2), not a name.
var majorSuffixRE = regexp.MustCompile(`/v[0-9]+$`)

// builder is the estate repo an internal component is named after (its
// last path segment is the repo's), and its team: the team that builds it.
// The first such repo by source and name; "" when none.
func builder(repos []Repo, name string) (repo, team string) {
	base := path.Base(majorSuffixRE.ReplaceAllString(name, ""))
	var found []Repo
	for _, r := range repos {
		if path.Base(r.Name) == base {
			found = append(found, r)
		}
	}
	if len(found) == 0 {
		return "", ""
	}
	slices.SortFunc(found, func(a, b Repo) int {
		return strings.Compare(a.Source+"\x00"+a.Name, b.Source+"\x00"+b.Name)
	})
	return found[0].Source + "/" + found[0].Name, found[0].Team
}

func compileGlobs(globs []string) []*regexp.Regexp {
	out := make([]*regexp.Regexp, len(globs))
	for i, g := range globs {
		out[i] = config.GlobRE(g)
	}
	return out
}

func matchAny(res []*regexp.Regexp, s string) bool {
	for _, re := range res {
		if re.MatchString(s) {
			return true
		}
	}
	return false
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
