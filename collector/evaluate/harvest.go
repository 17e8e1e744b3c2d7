package evaluate

import "github.com/uptake-dev/uptake/collector/harvest"

// harvestRepos appends one counted repo's units as harvest reads them:
// each unit's components, team and standing; the repo's harvest files go
// with its first (root) unit, so each file is one copy.
func harvestRepos(out []harvest.Repo, r RepoScan, evs []repoEval) []harvest.Repo {
	for i, ev := range evs {
		h := harvest.Repo{Source: ev.source, Name: ev.name, Team: ev.team, Components: ev.components, Status: ev.status}
		if i == 0 {
			h.Files = r.Inventory.Files
		}
		out = append(out, h)
	}
	return out
}
