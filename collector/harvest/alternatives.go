package harvest

import (
	"github.com/uptake-dev/uptake/collector/match"
	"github.com/uptake-dev/uptake/collector/snapshot"
)

// Alternatives are, per offering with alternatives, the eligible repos that
// do not adopt it (waived ones included: a waiver is often the alternative's
// paperwork) and use an alternative, by alternative and team, in config
// order of offerings and alternatives, teams sorted. A repo using two
// alternatives counts under each.
func Alternatives(cat *match.Catalog, repos []Repo) []snapshot.AlternativeUse {
	var out []snapshot.AlternativeUse
	for _, o := range cat.Offerings {
		for _, a := range o.Alts() {
			byTeam := map[string][]snapshot.RepoEvidence{}
			for _, r := range repos {
				if s, ok := r.Status[o.Name]; !ok || (s != match.Eligible && s != match.Waived) {
					continue
				}
				for _, c := range r.Components {
					// As for candidates: an indirect requirement is a
					// dependency's choice, not the team's.
					if c.Attrs["indirect"] != "true" && a.Match(c) {
						byTeam[r.Team] = append(byTeam[r.Team], snapshot.RepoEvidence{Source: r.Source, Repo: r.Name, Team: r.Team,
							Evidence: snapshot.Evidence{Path: c.Path, Line: c.Line, URL: c.URL, Kind: c.Kind, Name: c.Name, Version: c.Version}})
						break
					}
				}
			}
			teams := make(map[string]bool, len(byTeam))
			for t := range byTeam {
				teams[t] = true
			}
			for _, t := range sortedKeys(teams) {
				out = append(out, snapshot.AlternativeUse{Offering: o.Name, Alternative: a.Text, Team: t, Repos: byTeam[t]})
			}
		}
	}
	return out
}
