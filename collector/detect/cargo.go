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
// version. Path dependencies are the repo's own crates and are left out, as
// are crates the root's [patch.*] sends to a path; a crate it sends to a git
// fork has an unknown version.
type cargo struct{}

func (cargo) Kind() string { return "cargo" }

func (cargo) Patterns() []string { return []string{"**/Cargo.toml", "**/Cargo.lock"} }

var cargoSections = []string{"dependencies", "dev-dependencies", "build-dependencies"}

func (c cargo) Detect(f Files) ([]Component, []error) {
	var (
		errs      []error
		manifests []string
		locks     = map[string]map[string][]pin{} // directory → crate → versions
		roots     = map[string]cargoRoot{}        // directory → what its manifest declares for others
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
			if r, ok := parseCargoRoot(p, data); ok {
				roots[path.Dir(p)] = r
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
		// The nearest workspace root governs a member; a crate in no
		// workspace is its own root.
		root := roots[path.Dir(p)]
		for _, dir := range ancestors(path.Dir(p)) {
			if r, ok := roots[dir]; ok && r.workspace {
				root = r
				break
			}
		}
		cs, err := parseCargoManifest(p, data, root)
		for i := range cs {
			if cs[i].Attrs["patch"] == "" {
				if pin, ok := lockedPin(locks[lockDir][cs[i].Name], cs[i].Version); ok {
					resolveFromLock(&cs[i], pin.version, path.Join(lockDir, "Cargo.lock"), pin.line)
				}
			}
		}
		return cs, err
	})
	return out, append(errs, perrs...)
}

// cargoRoot is what a root manifest declares for the manifests it governs:
// a workspace's [workspace.dependencies] and the [patch.*] tables, which
// Cargo reads only at the root.
type cargoRoot struct {
	workspace bool
	deps      map[string]cargoDep
	// patches are by crate name: a path is the workspace's own crate, a git
	// fork code of no known release.
	patches map[string]cargoPatch
}

// cargoDep is a dependency as [workspace.dependencies] declares it, for the
// members that inherit it.
type cargoDep struct {
	name, declared, at string
	local              bool
	source             string // cargoSource: which [patch.*] table applies
}

type cargoPatch struct {
	local bool
	git   string
}

// cargoSource is where a dependency comes from, as the [patch.*] table
// patching it is keyed: crates-io, an alternative registry's name, or a git
// URL.
func cargoSource(v any) string {
	spec, _ := v.(map[string]any)
	if git, ok := spec["git"].(string); ok && git != "" {
		return cargoSourceKey(git)
	}
	if reg, ok := spec["registry"].(string); ok && reg != "" {
		return cargoSourceKey(reg)
	}
	return "crates-io"
}

// cargoSourceKey normalises a [patch.*] key or a git URL so the two
// compare: no trailing slash or .git.
func cargoSourceKey(s string) string {
	return strings.TrimSuffix(strings.TrimSuffix(strings.TrimSpace(s), "/"), ".git")
}

// parseCargoRoot reads what a manifest declares for others; ok is false for
// a manifest that is no workspace root and patches nothing.
func parseCargoRoot(p string, data []byte) (cargoRoot, bool) {
	var doc map[string]any
	if err := decodeTOML(data, &doc); err != nil {
		return cargoRoot{}, false
	}
	_, isWorkspace := doc["workspace"].(map[string]any)
	r := cargoRoot{workspace: isWorkspace, deps: map[string]cargoDep{}, patches: map[string]cargoPatch{}}
	t := newTOMLText(data)
	for key, v := range tomlTable(tomlTable(doc, "workspace"), "dependencies") {
		d := cargoDep{name: key, declared: declaredSpec(v), at: evidence(p, t.keyLine("workspace.dependencies", key, 0))}
		if spec, ok := v.(map[string]any); ok {
			_, d.local = spec["path"]
			if actual, ok := spec["package"].(string); ok && actual != "" {
				d.name = actual
			}
		}
		d.source = cargoSource(v)
		r.deps[key] = d
	}
	for registry, table := range tomlTable(doc, "patch") { // [patch.crates-io], [patch."https://github.com/…"]
		crates, _ := table.(map[string]any)
		for key, v := range crates {
			spec, _ := v.(map[string]any)
			name := key
			if actual, ok := spec["package"].(string); ok && actual != "" {
				name = actual
			}
			_, local := spec["path"]
			git, _ := spec["git"].(string)
			if local || git != "" {
				r.patches[cargoSourceKey(registry)+" "+name] = cargoPatch{local: local, git: strings.TrimSpace(git + " " + declaredSpec(spec))}
			}
		}
	}
	return r, isWorkspace || len(r.patches) > 0
}

func parseCargoManifest(p string, data []byte, root cargoRoot) ([]Component, error) {
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
			source := cargoSource(deps[key])
			inherited := ""
			if spec, ok := deps[key].(map[string]any); ok {
				if _, local := spec["path"]; local {
					continue
				}
				if actual, ok := spec["package"].(string); ok && actual != "" {
					name = actual // renamed: `json = { package = "serde_json", ... }`
				}
				if w, ok := root.deps[key]; ok && spec["workspace"] == true && table != "workspace.dependencies" {
					if w.local {
						continue // `helix-core.workspace = true`, a path in the workspace
					}
					name, declared, inherited, source = w.name, w.declared, w.at, w.source
				}
			}
			patch, patched := root.patches[source+" "+name]
			if patch.local {
				continue // [patch.crates-io] x = { path = "…" }: built from the workspace's own copy
			}
			c := Component{
				Kind:    "cargo",
				Name:    name,
				Version: version.Clean(declared),
				Path:    p,
				Line:    t.keyLine(table, key, 0),
				Section: table,
				Attrs:   attrs("declared", declared, "workspace", inherited, "patch", patch.git),
			}
			if patched {
				c.Version = version.Unknown // a fork: no release of the crate
			}
			out = append(out, c)
		}
	}
	return out, nil
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
