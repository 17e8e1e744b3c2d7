package evaluate

import (
	"strings"

	"github.com/uptake-dev/uptake/collector/detect"
	"github.com/uptake-dev/uptake/collector/inventory"
	"github.com/uptake-dev/uptake/collector/teams"
)

// UnitSeparator joins a repo's name and a unit's directory: repo//dir.
const UnitSeparator = "//"

// unitScan is one project unit of a repo, evaluated as a repo of its own.
type unitScan struct {
	scan   RepoScan
	owners teams.Owners
}

// splitUnits splits a repo's inventory into its project units (scan.units:
// project): each component goes to the nearest unit at or above its file;
// the repo-wide files' (see repoWide) go to the root unit, or to every unit
// when everyUnit. The root unit keeps the repo's name and file errors; the
// others are named repo//dir. The rest of the evaluation is unchanged.
func splitUnits(r RepoScan, everyUnit bool) []unitScan {
	units := r.Inventory.Units
	comps := make([][]detect.Component, len(units))
	for _, c := range r.Inventory.Components {
		if everyUnit && repoWide(c.Path) {
			for i := range comps {
				comps[i] = append(comps[i], c)
			}
			continue
		}
		i := inventory.UnitOf(units, c.Path)
		comps[i] = append(comps[i], c)
	}
	out := make([]unitScan, len(units))
	for i, u := range units {
		s := r
		s.Inventory = inventory.Inventory{Components: comps[i], Languages: u.Languages, Empty: r.Inventory.Empty}
		if u.Dir != "" {
			s.Repo.Name = r.Repo.Name + UnitSeparator + u.Dir
		} else {
			s.Inventory.FileErrors, s.Inventory.FileErrorList, s.Inventory.ReaderErrors = r.Inventory.FileErrors, r.Inventory.FileErrorList, r.Inventory.ReaderErrors
		}
		out[i] = unitScan{scan: s, owners: teams.Owners{Codeowners: u.Codeowners, Catalog: u.CatalogOwner, CatalogSkipped: u.CatalogSkipped}}
	}
	return out
}

// repoWide reports the files that serve the whole repo: root files that
// are not a project manifest (CI config, Dockerfile, Jenkinsfile, …) and
// everything under .github/ and .gitlab/.
func repoWide(p string) bool {
	if strings.HasPrefix(p, ".github/") || strings.HasPrefix(p, ".gitlab/") {
		return true
	}
	return !strings.Contains(p, "/") && !inventory.IsManifest(p)
}
