package inventory

import (
	"encoding/json"
	"path"
	"sort"
	"strings"
)

// maxUnitsPerRepo bounds the project units of one repo; manifests past it
// (the deepest first, as directories are taken shallowest first) belong to
// the unit above them.
const maxUnitsPerRepo = 1000

// Unit is a project of a monorepo: a directory holding a project manifest.
// The root unit (Dir "") is the repo itself.
type Unit struct {
	Dir       string   `json:"dir"`
	Languages []string `json:"languages,omitempty"`
	// Codeowners are the owners of the last CODEOWNERS rule covering the
	// unit's manifest, as GitHub picks them for that file.
	Codeowners []string `json:"codeowners,omitempty"`
	// CatalogOwner is spec.owner of the unit's own catalog-info file.
	CatalogOwner string `json:"catalog_owner,omitempty"`
	// CatalogSkipped says its catalog-info could not be used.
	CatalogSkipped bool `json:"catalog_skipped,omitempty"`
}

// manifests are the files that make a directory a project, by base name.
var manifests = map[string]bool{"go.mod": true, "package.json": true, "pom.xml": true, "build.gradle": true,
	"build.gradle.kts": true, "Cargo.toml": true, "pyproject.toml": true, "setup.cfg": true, "Chart.yaml": true}

// IsManifest reports whether a file's base name makes its directory a
// project unit (catalog-info files do when they hold a Component).
func IsManifest(base string) bool { return manifests[base] }

// readUnits finds the project units of a tree from its paths, reading only
// catalog-info files below the root. codeowners is the CODEOWNERS file in
// use (nil when none).
func readUnits(files *treeFiles, codeownersData []byte) []Unit {
	manifestOf := map[string]string{}
	catalogs := map[string]string{}
	for _, p := range files.paths {
		dir, base := path.Dir(p), path.Base(p)
		if dir == "." {
			continue
		}
		switch {
		case base == "package.json" && workspaceRootOnly(files, p):
		case manifests[base]:
			if _, ok := manifestOf[dir]; !ok {
				manifestOf[dir] = p
			}
		case base == CatalogInfoPaths[0] || (base == CatalogInfoPaths[1] && catalogs[dir] == ""):
			catalogs[dir] = p
		}
	}
	dirs := make([]string, 0, len(manifestOf)+len(catalogs))
	for dir := range manifestOf {
		dirs = append(dirs, dir)
	}
	for dir := range catalogs {
		if _, ok := manifestOf[dir]; !ok {
			dirs = append(dirs, dir)
		}
	}
	sort.Slice(dirs, func(i, j int) bool {
		if di, dj := strings.Count(dirs[i], "/"), strings.Count(dirs[j], "/"); di != dj {
			return di < dj
		}
		return dirs[i] < dirs[j]
	})
	rules := codeownersRules(codeownersData)
	units := []Unit{{Dir: ""}}
	for _, dir := range dirs {
		if len(units) > maxUnitsPerRepo {
			break
		}
		u := Unit{Dir: dir}
		if p, ok := catalogs[dir]; ok {
			cat, err := readCatalog(files, p)
			if err != nil {
				u.CatalogSkipped = true
			}
			if _, isProject := manifestOf[dir]; !isProject && !cat.Component {
				continue
			}
			u.CatalogOwner = cat.Owner
		}
		file := manifestOf[dir]
		if file == "" {
			file = catalogs[dir]
		}
		u.Codeowners = rules.ownersOf(file)
		units = append(units, u)
	}
	sort.Slice(units, func(i, j int) bool { return units[i].Dir < units[j].Dir })
	byDir := make([][]string, len(units))
	for _, p := range files.paths {
		i := UnitOf(units, p)
		byDir[i] = append(byDir[i], p)
	}
	for i := range units {
		units[i].Languages = Languages(byDir[i])
	}
	return units
}

// UnitOf is the index of the nearest unit at or above a file: units are
// sorted by Dir and the root unit is first.
func UnitOf(units []Unit, file string) int {
	best := 0
	for i, u := range units {
		if u.Dir != "" && strings.HasPrefix(file, u.Dir+"/") && len(u.Dir) > len(units[best].Dir) {
			best = i
		}
	}
	return best
}

// workspaceRootOnly reports a package.json that only roots a workspace: a
// pnpm-workspace.yaml or lerna.json beside it, or, when a detector has read
// it already (never read for this), workspaces and no dependencies.
func workspaceRootOnly(files *treeFiles, p string) bool {
	dir := path.Dir(p)
	if files.has(path.Join(dir, "pnpm-workspace.yaml")) || files.has(path.Join(dir, "lerna.json")) {
		return true
	}
	files.mu.Lock()
	r, ok := files.memo[p]
	files.mu.Unlock()
	if !ok || r.err != nil {
		return false
	}
	var pkg struct {
		Workspaces      json.RawMessage `json:"workspaces"`
		Dependencies    json.RawMessage `json:"dependencies"`
		DevDependencies json.RawMessage `json:"devDependencies"`
	}
	if json.Unmarshal(r.data, &pkg) != nil {
		return false
	}
	return len(pkg.Workspaces) > 0 && len(pkg.Dependencies) == 0 && len(pkg.DevDependencies) == 0
}

// ownersOf are the owners of the last rule matching file: last match wins.
func (rs ownerRules) ownersOf(file string) []string {
	for i := len(rs) - 1; i >= 0; i-- {
		if ok, err := rs[i].rule.Match(file); err == nil && ok {
			return rs[i].owners
		}
	}
	return nil
}
