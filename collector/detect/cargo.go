package detect

import (
	"path"
	"strings"

	"github.com/uptake-dev/uptake/collector/version"
)

func init() { Register(cargo{}) }

// cargo finds the crates Rust packages depend on: [dependencies],
// [dev-dependencies] and [build-dependencies] of every Cargo.toml, per
// target ([target.'cfg(unix)'.dependencies]) too, and a workspace's
// [workspace.dependencies]. A member's `x.workspace = true` takes what the
// nearest workspace root at or above it declares. The nearest Cargo.lock at
// or above a manifest (a workspace shares the root one) gives the resolved
// version. Path dependencies are the repo's own crates and are left out.
type cargo struct{}

func (cargo) Kind() string { return "cargo" }

func (cargo) Patterns() []string { return []string{"**/Cargo.toml", "**/Cargo.lock"} }

var cargoSections = []string{"dependencies", "dev-dependencies", "build-dependencies"}

func (c cargo) Detect(f Files) ([]Component, []error) {
	var (
		errs       []error
		manifests  []string
		locks      = map[string]map[string][]pin{}    // directory → crate → versions
		workspaces = map[string]map[string]cargoDep{} // workspace root directory → its dependencies
	)
	for _, p := range patternPaths(f, c.Patterns()) {
		if path.Base(p) == "Cargo.toml" {
			manifests = append(manifests, p)
			continue
		}
		data, err := readText(f, p)
		if err == nil {
			locks[path.Dir(p)], err = parseCargoLock(data)
			if err != nil {
				err = &FileError{Path: p, Err: err}
			}
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	for _, p := range manifests {
		if data, err := readText(f, p); err == nil { // a file that fails is reported below
			if ws, ok := parseCargoWorkspace(p, data); ok {
				workspaces[path.Dir(p)] = ws
			}
		}
	}
	out, perrs := scanPaths(f, manifests, func(p string, data []byte) ([]Component, error) {
		lockDir := ""
		for _, dir := range ancestors(path.Dir(p)) {
			if _, ok := locks[dir]; ok {
				lockDir = dir
				break
			}
		}
		var ws map[string]cargoDep
		for _, dir := range ancestors(path.Dir(p)) {
			if w, ok := workspaces[dir]; ok {
				ws = w
				break
			}
		}
		cs, err := parseCargoManifest(p, data, ws)
		for i := range cs {
			resolveCargo(&cs[i], locks[lockDir], path.Join(lockDir, "Cargo.lock"))
		}
		return cs, err
	})
	return out, append(errs, perrs...)
}

// cargoDep is a dependency as [workspace.dependencies] declares it, for the
// members that inherit it.
type cargoDep struct {
	name, declared, at string
	local              bool
}

// parseCargoWorkspace reads the dependencies a workspace root declares; ok
// is false for a manifest that is no workspace root.
func parseCargoWorkspace(p string, data []byte) (map[string]cargoDep, bool) {
	var doc map[string]any
	if err := decodeTOML(data, &doc); err != nil {
		return nil, false
	}
	if _, ok := doc["workspace"].(map[string]any); !ok {
		return nil, false
	}
	t := newTOMLText(data)
	out := map[string]cargoDep{}
	for key, v := range tomlTable(tomlTable(doc, "workspace"), "dependencies") {
		d := cargoDep{name: key, declared: declaredSpec(v), at: evidence(p, t.keyLine("workspace.dependencies", key, 0))}
		if spec, ok := v.(map[string]any); ok {
			_, d.local = spec["path"]
			if actual, ok := spec["package"].(string); ok && actual != "" {
				d.name = actual
			}
		}
		out[key] = d
	}
	return out, true
}

func parseCargoManifest(p string, data []byte, ws map[string]cargoDep) ([]Component, error) {
	var doc map[string]any
	if err := decodeTOML(data, &doc); err != nil {
		return nil, err
	}
	t := newTOMLText(data)
	tables := map[string]map[string]any{
		"workspace.dependencies": tomlTable(tomlTable(doc, "workspace"), "dependencies"),
	}
	for _, s := range cargoSections {
		tables[s] = tomlTable(doc, s)
		for target, v := range tomlTable(doc, "target") {
			cfg, _ := v.(map[string]any)
			tables["target."+target+"."+s] = tomlTable(cfg, s)
		}
	}
	var out []Component
	for _, table := range sortedTableKeys(tables) {
		deps := tables[table]
		for _, key := range sortedTableKeys(deps) {
			if key == "" {
				continue
			}
			name := key
			declared := declaredSpec(deps[key]) // a string, or a table's version, tag, rev or branch
			inherited := ""
			if spec, ok := deps[key].(map[string]any); ok {
				if _, local := spec["path"]; local {
					continue
				}
				if actual, ok := spec["package"].(string); ok && actual != "" {
					name = actual // renamed: `json = { package = "serde_json", ... }`
				}
				if w, ok := ws[key]; ok && spec["workspace"] == true && table != "workspace.dependencies" {
					if w.local {
						continue // `helix-core.workspace = true`, a path in the workspace
					}
					name, declared, inherited = w.name, w.declared, w.at
				}
			}
			out = append(out, Component{
				Kind:    "cargo",
				Name:    name,
				Version: version.Clean(declared),
				Path:    p,
				Line:    t.keyLine(table, key, 0),
				Section: table,
				Attrs:   attrs("declared", declared, "workspace", inherited),
			})
		}
	}
	return out, nil
}

// resolveCargo takes the version Cargo.lock resolved: the only one locked,
// or, when several versions of the crate are, the lowest at or above the
// declared floor.
func resolveCargo(c *Component, lock map[string][]pin, lockPath string) {
	var best *pin
	for i, p := range lock[c.Name] {
		if len(lock[c.Name]) > 1 && version.Known(c.Version) && version.Compare(p.version, c.Version) < 0 {
			continue
		}
		if best == nil || version.Compare(p.version, best.version) < 0 {
			best = &lock[c.Name][i]
		}
	}
	if best == nil {
		return
	}
	c.Version = version.Clean(best.version)
	if c.Attrs == nil {
		c.Attrs = map[string]string{}
	}
	c.Attrs["lockfile"] = evidence(lockPath, best.line)
	c.Lockfile = lockPath
}

func parseCargoLock(data []byte) (map[string][]pin, error) {
	pkgs, err := parseTOMLPackages(data)
	if err != nil {
		return nil, err
	}
	out := map[string][]pin{}
	for _, p := range pkgs {
		out[p.name] = append(out[p.name], p.pin)
	}
	return out, nil
}

// Compile takes `crate`: a crate name or glob; '-' and '_' are one, as on
// crates.io.
func (cargo) Compile(params map[string]string) (Matcher, error) {
	return compilePackageRule("cargo", "crate", params, func(s string) string {
		return strings.ReplaceAll(strings.ToLower(s), "_", "-")
	})
}
