package detect

import (
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
	"go.yaml.in/yaml/v3"

	"github.com/uptake-dev/uptake/collector/version"
)

func init() { Register(npm{}) }

// npm finds the packages every package.json depends on. The version is the
// one a lockfile resolved when the project has one (package-lock.json v1–v3,
// npm-shrinkwrap.json, yarn.lock classic and berry, pnpm-lock.yaml), else the
// floor of the declared range. A workspace member is resolved by the
// lockfile of the workspace root above it.
//
// A peer dependency states which versions the package works with, not one it
// uses: its range never gives a version. A peer the manifest also installs
// through another section is that entry alone; an optional peer
// (peerDependenciesMeta) that it does not is no use at all; any other peer
// is reported at the version a lockfile installed, else unknown.
type npm struct{}

func (npm) Kind() string { return "npm" }

func (npm) Patterns() []string {
	return []string{"**/package.json", "**/npm-shrinkwrap.json", "**/package-lock.json", "**/yarn.lock", "**/pnpm-lock.yaml"}
}

// npmSections are the package.json keys listing dependencies.
var npmSections = map[string]bool{
	"dependencies": true, "devDependencies": true, "peerDependencies": true, "optionalDependencies": true,
}

// npmLockRank orders the lockfiles of one directory as npm, then yarn,
// then pnpm would be the tool that wrote them; npm itself prefers a
// shrinkwrap to a package-lock. A package.json naming its package manager
// (packageManager, devEngines.packageManager) puts that tool's first.
var npmLockRank = map[string]int{"npm-shrinkwrap.json": 0, "package-lock.json": 1, "yarn.lock": 2, "pnpm-lock.yaml": 3}

// npmLockTool is the package manager that writes each lockfile.
var npmLockTool = map[string]string{"npm-shrinkwrap.json": "npm", "package-lock.json": "npm", "yarn.lock": "yarn", "pnpm-lock.yaml": "pnpm"}

type npmManifest struct {
	path       string
	deps       []npmDep
	workspaces []string
	// optionalPeers are the peers peerDependenciesMeta marks optional.
	optionalPeers map[string]bool
	// tool is the package manager the manifest names, "" for none.
	tool string
}

type npmDep struct {
	name, spec, section string
	line                int
}

// npmLock is one parsed lockfile.
type npmLock interface {
	// resolve returns the version installed for a dependency of the
	// project at rel (relative to the lockfile's directory, "" for its own
	// project) and the lockfile line saying so; alias is the package
	// installed under the name when the lockfile says it is another one
	// (pnpm's "ramda: '@pnpm/ramda@0.28.1'" from a catalog alias).
	resolve(rel, name, spec string) (p lockPin, ok bool)
	// member reports whether the lockfile installs the project at rel, a
	// workspace member.
	member(rel string) bool
}

func (d npm) Detect(f Files) ([]Component, []error) {
	var (
		errs      []error
		manifests = map[string]*npmManifest{} // by directory
		locks     = map[string][]string{}     // lockfile paths by directory
		parsed    = map[string]npmLock{}
	)
	for _, p := range patternPaths(f, d.Patterns()) {
		if hasDir(p, "node_modules") {
			continue
		}
		data, err := readText(f, p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		var lock npmLock
		switch path.Base(p) {
		case "package.json":
			m, err := parsePackageJSON(p, data)
			if err != nil {
				errs = append(errs, &FileError{Path: p, Err: err})
				continue
			}
			manifests[path.Dir(p)] = m
			continue
		case "package-lock.json", "npm-shrinkwrap.json":
			lock, err = parsePackageLock(data)
		case "yarn.lock":
			lock, err = parseYarnLock(data)
		case "pnpm-lock.yaml":
			lock, err = parsePnpmLock(data)
		}
		if err != nil {
			errs = append(errs, &FileError{Path: p, Err: err})
			continue
		}
		parsed[p] = lock
		locks[path.Dir(p)] = append(locks[path.Dir(p)], p)
	}
	for dir, ps := range locks {
		tool := ""
		if m := manifests[dir]; m != nil {
			tool = m.tool
		}
		rank := func(p string) int {
			if npmLockTool[path.Base(p)] == tool {
				return -1
			}
			return npmLockRank[path.Base(p)]
		}
		sort.SliceStable(ps, func(i, j int) bool { return rank(ps[i]) < rank(ps[j]) })
	}

	dirs := make([]string, 0, len(manifests))
	for dir := range manifests {
		dirs = append(dirs, dir)
	}
	sort.Strings(dirs)
	var out []Component
	for _, dir := range dirs {
		m := manifests[dir]
		lockPath, rel := npmLockFor(dir, manifests, locks, parsed)
		installed := map[string]bool{}
		for _, dep := range m.deps {
			if dep.section != "peerDependencies" {
				installed[dep.name] = true
			}
		}
		for _, dep := range m.deps {
			peer := dep.section == "peerDependencies"
			if peer && (installed[dep.name] || m.optionalPeers[dep.name]) {
				continue
			}
			c := Component{
				Kind:    "npm",
				Name:    dep.name,
				Version: version.Clean(dep.spec),
				Path:    m.path,
				Line:    dep.line,
				Section: dep.section,
				Attrs:   attrs("declared", dep.spec),
			}
			if actual, rng, ok := npmAlias(dep.spec); ok {
				// "ui": "npm:@acme/ui-next@^2.0.0" installs @acme/ui-next
				// under the name ui; lockfiles still key it by ui.
				c.Name, c.Version = actual, version.Clean(rng)
			} else if ref, ok := npmGitRef(dep.spec); ok {
				c.Version = ref
			}
			if peer {
				c.Version = version.Unknown // a range of supported versions, none in use
			}
			if lockPath != "" {
				if p, ok := parsed[lockPath].resolve(rel, dep.name, dep.spec); ok {
					if p.alias != "" {
						c.Name = p.alias
					}
					resolveFromLock(&c, p.version, lockPath, p.line)
				}
			}
			out = append(out, c)
		}
	}
	return out, errs
}

// npmAlias reads an npm alias spec, "npm:<package>[@<range>]".
func npmAlias(spec string) (name, rng string, ok bool) {
	rest, ok := strings.CutPrefix(spec, "npm:")
	if !ok || rest == "" {
		return "", "", false
	}
	if i := strings.LastIndex(rest, "@"); i > 0 {
		return rest[:i], rest[i+1:], true
	}
	return rest, "", true
}

// npmGitShorthandRE is GitHub's "owner/repo#ref" shorthand.
var npmGitShorthandRE = regexp.MustCompile(`^[A-Za-z0-9][\w.-]*/[\w.-]+#`)

// npmGitRef reads the version a git dependency pins after its #:
// "github:acme/lib#v1.2.0" and "git+ssh://git@host/acme/lib.git#v1.2.0" a
// tag, "#semver:^1.2.0" the range's floor; a branch or commit is unknown.
func npmGitRef(spec string) (string, bool) {
	git := npmGitShorthandRE.MatchString(spec)
	for _, p := range []string{"git+", "git://", "github:", "gitlab:", "bitbucket:"} {
		git = git || strings.HasPrefix(spec, p)
	}
	_, ref, ok := strings.Cut(spec, "#")
	if !git || !ok {
		return "", false
	}
	if rng, ok := strings.CutPrefix(ref, "semver:"); ok {
		return version.Clean(rng), true
	}
	return version.Clean(ref), true
}

// npmLockFor finds the lockfile installing the project in dir: its own, or
// that of the nearest workspace root above it listing it as a member.
func npmLockFor(dir string, manifests map[string]*npmManifest, locks map[string][]string, parsed map[string]npmLock) (lockPath, rel string) {
	for _, a := range ancestors(dir) {
		r, _ := relDir(a, dir)
		for _, p := range locks[a] {
			if r == "" || parsed[p].member(r) || manifests[a] != nil && manifests[a].hasWorkspace(r) {
				return p, r
			}
		}
	}
	return "", ""
}

func (m *npmManifest) hasWorkspace(rel string) bool {
	for _, w := range m.workspaces {
		w = strings.TrimSuffix(strings.TrimPrefix(w, "./"), "/")
		if ok, _ := doublestar.Match(w, rel); ok {
			return true
		}
	}
	return false
}

func parsePackageJSON(p string, data []byte) (*npmManifest, error) {
	m := &npmManifest{path: p}
	err := walkJSON(data, func(keys []string, v json.Token, line int) {
		s, ok := v.(string)
		if len(keys) == 3 && keys[0] == "peerDependenciesMeta" && keys[2] == "optional" && v == true {
			if m.optionalPeers == nil {
				m.optionalPeers = map[string]bool{}
			}
			m.optionalPeers[keys[1]] = true
		}
		if !ok {
			return
		}
		switch {
		case len(keys) == 1 && keys[0] == "packageManager",
			len(keys) == 3 && keys[0] == "devEngines" && keys[1] == "packageManager" && keys[2] == "name" && m.tool == "":
			m.tool, _, _ = strings.Cut(s, "@") // "pnpm@11.3.0+sha512...."
		case len(keys) == 2 && npmSections[keys[0]] && keys[1] != jsonArrayItem && keys[1] != "":
			m.deps = append(m.deps, npmDep{name: keys[1], spec: s, section: keys[0], line: line})
		case len(keys) == 2 && keys[0] == "workspaces" && keys[1] == jsonArrayItem,
			len(keys) == 3 && keys[0] == "workspaces" && keys[1] == "packages" && keys[2] == jsonArrayItem:
			m.workspaces = append(m.workspaces, s)
		}
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// packageLock reads package-lock.json and npm-shrinkwrap.json. Version 2
// and 3 list installed packages by install path ("node_modules/a",
// "packages/web/node_modules/a"); version 1 nests them by name.
type packageLock struct {
	packages map[string]*lockPackage // v2, v3
	v1       map[string]*lockPackage // v1 top-level "dependencies"
}

type lockPackage struct {
	version  string
	line     int
	link     bool
	resolved string
}

func parsePackageLock(data []byte) (*packageLock, error) {
	l := &packageLock{packages: map[string]*lockPackage{}, v1: map[string]*lockPackage{}}
	entry := func(m map[string]*lockPackage, key string) *lockPackage {
		if m[key] == nil {
			m[key] = &lockPackage{}
		}
		return m[key]
	}
	err := walkJSON(data, func(keys []string, v json.Token, line int) {
		if len(keys) != 3 {
			return
		}
		var e *lockPackage
		switch keys[0] {
		case "packages":
			e = entry(l.packages, keys[1])
		case "dependencies":
			e = entry(l.v1, keys[1])
		default:
			return
		}
		switch keys[2] {
		case "version":
			if s, ok := v.(string); ok {
				e.version, e.line = s, line
			}
		case "link":
			e.link = v == true
		case "resolved":
			if s, ok := v.(string); ok {
				e.resolved = s
			}
		}
	})
	if err != nil {
		return nil, err
	}
	return l, nil
}

func (l *packageLock) resolve(rel, name, _ string) (lockPin, bool) {
	if len(l.packages) == 0 {
		e := l.v1[name]
		return l.found(e)
	}
	keys := []string{"node_modules/" + name}
	if rel != "" {
		// Hoisting failed for this member: its own copy wins.
		keys = append([]string{rel + "/node_modules/" + name}, keys...)
	}
	for _, k := range keys {
		e := l.packages[k]
		if e != nil && e.link {
			// A workspace sibling: its version is the one its own entry carries.
			e = l.packages[e.resolved]
		}
		if p, ok := l.found(e); ok {
			return p, true
		}
	}
	return lockPin{}, false
}

func (*packageLock) found(e *lockPackage) (lockPin, bool) {
	if e == nil || e.version == "" {
		return lockPin{}, false
	}
	return lockPin{pin: pin{version: e.version, line: e.line}}, true
}

func (l *packageLock) member(rel string) bool {
	_, ok := l.packages[rel]
	return ok
}

// yarnLock reads yarn.lock: classic (v1, its own format) and berry (v2+,
// YAML). Entries are keyed by every "name@range" they satisfy.
type yarnLock struct {
	entries    map[string]pin
	workspaces map[string]bool // berry: "name@workspace:packages/web" entries
}

func parseYarnLock(data []byte) (*yarnLock, error) {
	l := &yarnLock{entries: map[string]pin{}, workspaces: map[string]bool{}}
	if !strings.Contains(string(data), "\n__metadata:") && !strings.HasPrefix(string(data), "__metadata:") {
		return l, l.parseClassic(data)
	}
	return l, l.parseBerry(data)
}

func (l *yarnLock) parseClassic(data []byte) error {
	var specs []string
	for i, line := range strings.Split(string(data), "\n") {
		switch {
		case strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#"):
		case line[0] != ' ' && line[0] != '\t':
			if !strings.HasSuffix(line, ":") {
				return fmt.Errorf("line %d: expected an entry header ending in ':'", i+1)
			}
			specs = yarnSpecs(strings.TrimSuffix(line, ":"))
		case strings.HasPrefix(line, "  version ") && specs != nil:
			// Two spaces exactly: deeper lines are the entry's own dependencies.
			v := strings.Trim(strings.TrimSpace(line[len("  version "):]), `"`)
			for _, s := range specs {
				l.entries[s] = pin{version: v, line: i + 1}
			}
			// An entry has one version: a header's specs are written once,
			// not again for every version line a hostile file repeats.
			specs = nil
		}
	}
	return nil
}

func (l *yarnLock) parseBerry(data []byte) error {
	docs, err := yamlDocs(data)
	if err != nil {
		return err
	}
	if len(docs) != 1 || docs[0].Kind != yaml.MappingNode {
		return errors.New("not a mapping of entries")
	}
	eachPair(docs[0], func(k, v *yaml.Node) {
		if k.Value == "__metadata" {
			return
		}
		ver := mapGet(v, "version")
		res := mapGet(v, "resolution")
		if ver == nil || ver.Kind != yaml.ScalarNode || res == nil {
			return
		}
		if _, ws, ok := strings.Cut(res.Value, "@workspace:"); ok {
			l.workspaces[ws] = true
			return // "0.0.0-use.local" is no version
		}
		if !strings.Contains(res.Value, "@npm:") {
			return // patch:, link:, portal:, file:, git: resolutions
		}
		for _, s := range yarnSpecs(k.Value) {
			l.entries[s] = pin{version: ver.Value, line: ver.Line}
		}
	})
	return nil
}

// yarnSpecs splits an entry header: `"@babel/core@^7.0.0", "@babel/core@^7.1.0"`.
func yarnSpecs(header string) []string {
	var out []string
	for _, s := range strings.Split(header, ",") {
		if s = strings.Trim(strings.TrimSpace(s), `"`); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func (l *yarnLock) resolve(_, name, spec string) (lockPin, bool) {
	for _, key := range []string{name + "@" + spec, name + "@npm:" + spec} {
		if e, ok := l.entries[key]; ok {
			return lockPin{pin: e}, true
		}
	}
	return lockPin{}, false
}

func (l *yarnLock) member(rel string) bool { return l.workspaces[rel] }

// lockPin is a version a lockfile installed; alias names the package when
// it is not the one the manifest's key names.
type lockPin struct {
	pin
	alias string
}

// pnpmLock reads pnpm-lock.yaml: lockfile v5 (name: version), v6 and v9
// (name: {specifier, version}), per importer in a workspace.
type pnpmLock struct {
	importers map[string]map[string]lockPin // importer dir ("." for the root) → name → entry
}

// pnpmDepSections are the importer keys listing a project's dependencies.
var pnpmDepSections = []string{"dependencies", "devDependencies", "optionalDependencies"}

// parsePnpmLock reads the lockfile document that holds the project's
// dependencies. pnpm 11 and later may write an env lockfile document first
// (---, then importers whose only keys are configDependencies and
// packageManagerDependencies: pnpm itself, not the project's packages), and
// the project's lockfile after it; the env document is left out.
func parsePnpmLock(data []byte) (*pnpmLock, error) {
	docs, err := yamlDocs(data)
	if err != nil {
		return nil, err
	}
	l := &pnpmLock{importers: map[string]map[string]lockPin{}}
	var root *yaml.Node
	for _, d := range docs {
		if d.Kind != yaml.MappingNode {
			return nil, errors.New("not a pnpm lockfile mapping")
		}
		if !pnpmEnvDocument(d) {
			root = d
		}
	}
	if root == nil {
		return l, nil // an env document alone: nothing of the project's is locked
	}
	if imps := mapGet(root, "importers"); imps != nil {
		eachPair(imps, func(k, v *yaml.Node) { l.importers[k.Value] = pnpmDeps(v) })
	} else {
		l.importers["."] = pnpmDeps(root)
	}
	return l, nil
}

// pnpmEnvDocument reports pnpm's env lockfile document: importers, each
// holding nothing but configDependencies and packageManagerDependencies.
func pnpmEnvDocument(doc *yaml.Node) bool {
	imps := mapGet(doc, "importers")
	if imps == nil || imps.Kind != yaml.MappingNode || len(imps.Content) == 0 {
		return false
	}
	env := true
	eachPair(imps, func(_, v *yaml.Node) {
		eachPair(v, func(k, _ *yaml.Node) {
			if k.Value != "configDependencies" && k.Value != "packageManagerDependencies" {
				env = false
			}
		})
	})
	return env
}

func pnpmDeps(importer *yaml.Node) map[string]lockPin {
	out := map[string]lockPin{}
	for _, sec := range pnpmDepSections {
		eachPair(mapGet(importer, sec), func(k, v *yaml.Node) {
			if v.Kind == yaml.MappingNode {
				v = mapGet(v, "version")
			}
			if v == nil || v.Kind != yaml.ScalarNode {
				return
			}
			// Peer suffixes: "1.2.5(react@18.2.0)" (v6+), "1.2.5_react@18.2.0" (v5).
			ver, _, _ := strings.Cut(v.Value, "(")
			ver, _, _ = strings.Cut(ver, "_")
			alias := ""
			if i := strings.LastIndex(ver, "@"); i > 0 {
				// Another package installed under the key: "@acme/ui-next@2.1.0".
				alias, ver = ver[:i], ver[i+1:]
				if alias == k.Value {
					alias = ""
				}
			}
			out[k.Value] = lockPin{pin: pin{version: ver, line: v.Line}, alias: alias}
		})
	}
	return out
}

func (l *pnpmLock) resolve(rel, name, _ string) (lockPin, bool) {
	if rel == "" {
		rel = "."
	}
	e, ok := l.importers[rel][name]
	return e, ok
}

func (l *pnpmLock) member(rel string) bool {
	_, ok := l.importers[rel]
	return ok
}

// Compile takes `package`: a package name ("@acme/ui"), a scope matching
// all its packages ("@acme"), or a glob ("@acme/eslint-*").
func (npm) Compile(params map[string]string) (Matcher, error) {
	return compilePackageRule("npm", "package", params, func(s string) string { return s })
}

// compilePackageRule builds the matcher of a rule naming one package by
// key, compared after the ecosystem's normalisation of both sides.
func compilePackageRule(kind, key string, params map[string]string, normalize func(string) string) (Matcher, error) {
	if err := Params(params, []string{key}, nil); err != nil {
		return nil, err
	}
	raw := strings.TrimSpace(params[key])
	if strings.ContainsAny(raw, " \t=<>~^") || strings.LastIndex(raw, "@") > 0 {
		return nil, fmt.Errorf("%s: %q must be a package name without a version", key, raw)
	}
	match, err := compileName(key, normalize(raw), true)
	if err != nil {
		return nil, err
	}
	return MatcherFunc(func(c Component) bool {
		return c.Kind == kind && match(normalize(c.Name))
	}), nil
}
