package detect

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/uptake-dev/uptake/collector/version"
)

// Helpers shared by the package-manager detectors (npm, python, maven,
// gradle...), which read a manifest and, when present, the lockfile beside it.

// pin is a version a lockfile resolved, and the line saying so.
type pin struct {
	version string
	line    int
}

// tomlPackage is one [[package]] table of a TOML lockfile: Cargo.lock,
// poetry.lock, uv.lock and pdm.lock agree on its name and version.
type tomlPackage struct {
	name string
	pin
	// local is the directory of a project the lockfile installs from the
	// repo itself (a workspace member, a path dependency), relative to the
	// lockfile and "" for its own; ok when there is one.
	local   string
	isLocal bool
}

// parseTOMLPackages reads a TOML lockfile's [[package]] tables, each with
// the line of its name.
func parseTOMLPackages(data []byte) ([]tomlPackage, error) {
	var lock struct {
		Package []struct {
			Name    string `toml:"name"`
			Version string `toml:"version"`
			// uv: source = { editable = "dir" }; poetry: [package.source]
			// type = "directory", url = "dir"; Cargo: a string.
			Source any `toml:"source"`
			// pdm: path = "./dir".
			Path string `toml:"path"`
		} `toml:"package"`
	}
	if err := decodeTOML(data, &lock); err != nil {
		return nil, err
	}
	t := newTOMLText(data)
	out := make([]tomlPackage, len(lock.Package))
	for i, p := range lock.Package {
		out[i] = tomlPackage{name: p.Name, pin: pin{version: p.Version, line: t.keyLine("package", "name", i)}}
		out[i].local, out[i].isLocal = localSource(p.Source, p.Path)
	}
	return out, nil
}

// localSource reads where a locked package comes from when that is a
// directory of the repo: uv's editable, virtual and directory sources,
// Poetry's directory sources and PDM's paths, relative to the lockfile.
func localSource(source any, pdmPath string) (string, bool) {
	dir := ""
	if src, ok := source.(map[string]any); ok {
		for _, k := range []string{"editable", "virtual", "directory"} {
			if d, ok := src[k].(string); ok {
				dir = d
			}
		}
		if src["type"] == "directory" {
			dir, _ = src["url"].(string)
		}
	}
	if dir == "" {
		dir = pdmPath
	}
	if dir == "" || path.IsAbs(dir) || strings.Contains(dir, "://") {
		return "", false
	}
	dir = path.Clean(dir)
	if dir == ".." || strings.HasPrefix(dir, "../") {
		return "", false
	}
	if dir == "." {
		dir = ""
	}
	return dir, true
}

// lockedPin is the version a lockfile locked for a dependency declared at
// floor: the only one, or, when several are locked (per platform, per
// Python version), the lowest at or above the floor, else the lowest.
func lockedPin(pins []pin, floor string) (pin, bool) {
	if len(pins) == 0 {
		return pin{}, false
	}
	var best *pin
	for i, p := range pins {
		if len(pins) > 1 && version.Known(floor) && version.Compare(p.version, floor) < 0 {
			continue
		}
		if best == nil || version.Compare(p.version, best.version) < 0 {
			best = &pins[i]
		}
	}
	if best == nil {
		return lockedPin(pins, "")
	}
	return *best, true
}

// patternPaths returns the paths matching any of patterns, sorted, once each.
func patternPaths(f Files, patterns []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, p := range patterns {
		for _, m := range f.Glob(p) {
			if !seen[m] {
				seen[m] = true
				out = append(out, m)
			}
		}
	}
	sort.Strings(out)
	return out
}

// hasDir reports whether a path has dir as one of its directories: vendored
// trees (node_modules, vendor) hold other projects' manifests.
func hasDir(p, dir string) bool {
	return strings.HasPrefix(p, dir+"/") || strings.Contains(p, "/"+dir+"/")
}

// relDir returns dir relative to ancestor ("" when equal), or false when
// ancestor is not an ancestor; "." is the repo root.
func relDir(ancestor, dir string) (string, bool) {
	switch {
	case ancestor == dir:
		return "", true
	case ancestor == ".":
		return dir, true
	case strings.HasPrefix(dir, ancestor+"/"):
		return dir[len(ancestor)+1:], true
	}
	return "", false
}

// ancestors lists dir and every directory above it up to the root ".".
func ancestors(dir string) []string {
	out := []string{dir}
	for dir != "." {
		dir = path.Dir(dir)
		out = append(out, dir)
	}
	return out
}

// evidence formats a secondary evidence location for Attrs.
func evidence(path string, line int) string { return fmt.Sprintf("%s:%d", path, line) }

// attrs builds Component.Attrs from key/value pairs, leaving out empty values.
func attrs(kv ...string) map[string]string {
	out := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			out[kv[i]] = kv[i+1]
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// scanPaths reads and parses each path; failures become FileErrors.
func scanPaths(f Files, paths []string, parse func(path string, data []byte) ([]Component, error)) ([]Component, []error) {
	var (
		out  []Component
		errs []error
	)
	for _, p := range paths {
		data, err := readText(f, p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		cs, err := parse(p, data)
		if err != nil {
			errs = append(errs, &FileError{Path: p, Err: err})
			continue
		}
		out = append(out, cs...)
	}
	return out, errs
}

// resolveFromLock gives c the version the lockfile at lockPath pinned on
// line: c.Lockfile names the lockfile, Attrs.lockfile the pin's line.
// c.Version is the floor the manifest declares: a locked version below it
// is a lockfile not updated since the manifest was, which the package
// manager would refuse (npm ci, helm dependency build, uv sync --locked) and
// replace, so the floor stays and Attrs.stale_lockfile says where the
// outdated pin is.
func resolveFromLock(c *Component, locked, lockPath string, line int) {
	if c.Attrs == nil {
		c.Attrs = map[string]string{}
	}
	at := evidence(lockPath, line)
	v := version.Clean(locked)
	if version.Known(v) && version.Known(c.Version) && version.Compare(v, c.Version) < 0 {
		c.Attrs["stale_lockfile"] = at
		return
	}
	c.Version = v
	c.Lockfile = lockPath
	c.Attrs["lockfile"] = at
}
