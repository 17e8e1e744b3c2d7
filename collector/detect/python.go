package detect

import (
	"encoding/json"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/uptake-dev/uptake/collector/version"
)

func init() { Register(python{}) }

// python finds the packages Python projects depend on: requirements files
// (following -r includes), pyproject.toml (PEP 621 dependencies and
// optional-dependencies, PEP 735 dependency-groups, build-system requires,
// Poetry, PDM and uv development dependencies), setup.cfg and Pipfile. A lockfile supplies
// the resolved version: poetry.lock, uv.lock or pdm.lock for pyproject.toml —
// the one beside it, else that of the nearest workspace root above that
// installs it (a uv workspace member, a path dependency the lockfile locks)
// — and Pipfile.lock for Pipfile. Names are normalised per PEP 503.
type python struct{}

func (python) Kind() string { return "python" }

func (python) Patterns() []string {
	return []string{
		"**/*requirements*.txt", "**/requirements/*.txt",
		"**/pyproject.toml", "**/setup.cfg", "**/Pipfile",
		"**/poetry.lock", "**/uv.lock", "**/pdm.lock", "**/Pipfile.lock",
	}
}

// pyprojectLocks are the lockfiles a pyproject.toml may have beside it, in
// order of preference.
var pyprojectLocks = []string{"poetry.lock", "uv.lock", "pdm.lock"}

// maxRequirementsDepth bounds -r chains; cycles are cut by reading a file once.
const maxRequirementsDepth = 32

var (
	// pep508RE splits a requirement into its name, extras and the rest.
	pep508RE = regexp.MustCompile(`^([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(\[[^\]]*\])?\s*(.*)$`)
	// pySpecRE is what a version specifier may hold.
	pySpecRE = regexp.MustCompile(`^[0-9A-Za-z.*+!<>=~,\s_-]*$`)
	// reqCommentRE is pip's comment rule: '#' at the start or after blanks.
	reqCommentRE = regexp.MustCompile(`(^|\s)#.*$`)
	pep503RE     = regexp.MustCompile(`[-_.]+`)
)

// pep503 normalises a distribution name: "Foo.Bar_baz" → "foo-bar-baz".
func pep503(name string) string { return strings.ToLower(pep503RE.ReplaceAllString(name, "-")) }

type pyScan struct {
	f     Files
	out   []Component
	errs  []error
	read  map[string]bool // requirements files seen, by pattern or include
	locks map[string]*pyLock
	// workspaces holds the [tool.uv.workspace] of each pyproject.toml
	// declaring one, by directory.
	workspaces map[string]uvWorkspace
	// pipfileLocks holds Pipfile.lock pins per category ("default", "develop").
	pipfileLocks map[string]map[string]map[string][]pin
}

func (d python) Detect(f Files) ([]Component, []error) {
	s := &pyScan{f: f, read: map[string]bool{}, locks: map[string]*pyLock{}, workspaces: map[string]uvWorkspace{},
		pipfileLocks: map[string]map[string]map[string][]pin{}}
	var manifests []string
	for _, p := range patternPaths(f, d.Patterns()) {
		if hasDir(p, "site-packages") {
			continue
		}
		switch path.Base(p) {
		case "poetry.lock", "uv.lock", "pdm.lock":
			// A lockfile that fails still stands for its directory: it
			// resolves nothing, and no lockfile above resolves in its stead.
			s.locks[p] = &pyLock{}
			s.parse(p, func(data []byte) error {
				l, err := parsePyLock(data)
				if err == nil {
					s.locks[p] = l
				}
				return err
			})
		case "Pipfile.lock":
			s.parse(p, func(data []byte) (err error) {
				s.pipfileLocks[p], err = parsePipfileLock(data)
				return err
			})
		default:
			manifests = append(manifests, p)
		}
	}
	for _, p := range manifests {
		if path.Base(p) != "pyproject.toml" {
			continue
		}
		if data, err := readText(f, p); err == nil { // a file that fails is reported below
			if ws, ok := parseUVWorkspace(data); ok {
				s.workspaces[path.Dir(p)] = ws
			}
		}
	}
	for _, p := range manifests {
		switch path.Base(p) {
		case "pyproject.toml":
			s.parse(p, func(data []byte) error { return s.pyproject(p, data) })
		case "setup.cfg":
			s.parse(p, func(data []byte) error { return s.setupCfg(p, data) })
		case "Pipfile":
			s.parse(p, func(data []byte) error { return s.pipfile(p, data) })
		default:
			s.requirements(p, 0, false)
		}
	}
	return s.out, s.errs
}

// parse reads a file and hands it to fn; failures become FileErrors.
func (s *pyScan) parse(p string, fn func(data []byte) error) {
	data, err := readText(s.f, p)
	if err != nil {
		s.errs = append(s.errs, err)
		return
	}
	if err := fn(data); err != nil {
		s.errs = append(s.errs, &FileError{Path: p, Err: err})
	}
}

// add records one requirement. declared is the specifier as written (or a
// ref); lock, when not nil, resolves it.
func (s *pyScan) add(p string, line int, name, declared, section string, lock map[string][]pin, lockPath string) {
	c := Component{
		Kind:    "python",
		Name:    pep503(name),
		Version: version.Clean(declared),
		Path:    p,
		Line:    line,
		Section: section,
		Attrs:   attrs("declared", declared),
	}
	if pin, ok := lockedPin(lock[c.Name], c.Version); ok {
		resolveFromLock(&c, pin.version, lockPath, pin.line)
	}
	s.out = append(s.out, c)
}

// requirement parses one PEP 508 line ("requests[socks]>=2.31,<3 ;
// python_version>'3.8'", "acme-lib @ git+https://...@v1.2.0") into its
// name and the specifier, or the ref of a VCS URL.
func requirement(line string) (name, declared string, ok bool) {
	m := pep508RE.FindStringSubmatch(strings.TrimSpace(line))
	if m == nil {
		return "", "", false
	}
	name, rest := m[1], strings.TrimSpace(m[3])
	if strings.HasPrefix(rest, "@") {
		url, _, _ := strings.Cut(strings.TrimSpace(rest[1:]), " ;")
		return name, vcsRef(url), true
	}
	rest, _, _ = strings.Cut(rest, ";")
	rest, _, _ = strings.Cut(rest, " --") // per-requirement options: --hash=...
	rest = strings.TrimSpace(rest)
	if strings.HasPrefix(rest, "(") && strings.HasSuffix(rest, ")") {
		rest = rest[1 : len(rest)-1]
	}
	if !pySpecRE.MatchString(rest) {
		return "", "", false
	}
	for _, ext := range []string{".whl", ".zip", ".tar.gz", ".tgz"} {
		if strings.HasSuffix(name, ext) {
			return "", "", false // an archive file name, not a project
		}
	}
	return name, strings.TrimSpace(rest), true
}

// vcsRef returns the ref pinned by a VCS URL ("git+https://host/repo.git@v1.2.0#egg=x"
// → "v1.2.0"), or "" for a URL without one.
func vcsRef(url string) string {
	url, _, _ = strings.Cut(url, "#")
	_, rest, ok := strings.Cut(url, "://")
	if !ok {
		return ""
	}
	slash := strings.Index(rest, "/")
	at := strings.LastIndex(rest, "@")
	if slash < 0 || at < slash {
		return "" // no ref, or only user info (git@host)
	}
	return rest[at+1:]
}

// requirements reads a pip requirements file and, depth-first, the files
// it includes with -r. An include that cannot be read is left out quietly:
// it may be excluded from the scan, or not exist at this commit.
func (s *pyScan) requirements(p string, depth int, included bool) {
	if s.read[p] || depth > maxRequirementsDepth {
		return
	}
	s.read[p] = true
	read := s.f.Read
	if included {
		read = s.f.Follow
	}
	data, err := read(p)
	switch {
	case err != nil && included:
		return
	case err != nil:
		s.errs = append(s.errs, &FileError{Path: p, Err: err})
		return
	case IsBinary(data):
		s.errs = append(s.errs, Errorf(p, "binary content, skipped"))
		return
	}
	lines := strings.Split(string(Clean(data)), "\n")
	for i := 0; i < len(lines); i++ {
		start := i + 1
		l, last := joinContinued(lines, i, func(next string) string { return " " + next })
		i = last
		l = strings.TrimSpace(reqCommentRE.ReplaceAllString(l, ""))
		switch {
		case l == "" || strings.Contains(l, "${"):
			// pip expands ${VAR} from the environment, which a scan has not.
		case strings.HasPrefix(l, "-"):
			s.reqOption(p, start, l, depth)
		case isVCSURL(l):
			s.egg(p, start, l) // git+https://host/repo.git@v1.2.0#egg=name, not editable
		default:
			if name, declared, ok := requirement(l); ok {
				s.add(p, start, name, declared, "", nil, "")
			}
		}
	}
}

// lockFor is the lockfile resolving the pyproject.toml in dir: the one
// beside it (poetry.lock, then uv.lock, then pdm.lock), else that of the
// nearest directory above whose lockfile installs dir as a project of its
// own (a uv workspace member, a Poetry or PDM path dependency) or whose
// [tool.uv.workspace] lists it; "" for none.
func (s *pyScan) lockFor(dir string) string {
	for _, a := range ancestors(dir) {
		rel, _ := relDir(a, dir)
		for _, name := range pyprojectLocks {
			lp := path.Join(a, name)
			l, ok := s.locks[lp]
			if !ok {
				continue
			}
			if ws, isRoot := s.workspaces[a]; rel == "" || l.local[rel] || isRoot && ws.has(rel) {
				return lp
			}
		}
	}
	return ""
}

// uvWorkspace is a [tool.uv.workspace] table: member directory globs, and
// globs left out of them.
type uvWorkspace struct {
	Members []string `toml:"members"`
	Exclude []string `toml:"exclude"`
}

func parseUVWorkspace(data []byte) (uvWorkspace, bool) {
	var doc struct {
		Tool struct {
			UV struct {
				Workspace *uvWorkspace `toml:"workspace"`
			} `toml:"uv"`
		} `toml:"tool"`
	}
	if err := decodeTOML(data, &doc); err != nil || doc.Tool.UV.Workspace == nil {
		return uvWorkspace{}, false
	}
	return *doc.Tool.UV.Workspace, true
}

// has reports whether the workspace takes the directory rel (relative to
// its root) as a member.
func (w uvWorkspace) has(rel string) bool {
	match := func(globs []string) bool {
		for _, g := range globs {
			if ok, _ := doublestar.Match(path.Clean(g), rel); ok {
				return true
			}
		}
		return false
	}
	return match(w.Members) && !match(w.Exclude)
}

// reqOption handles the options of a requirements line that name
// requirements: -r/--requirement includes, -e/--editable VCS URLs. The
// others (-c constraints, index options, --hash...) add none.
func (s *pyScan) reqOption(p string, line int, l string, depth int) {
	flag, value := l, ""
	if i := strings.IndexAny(l, " \t="); i >= 0 {
		flag, value = l[:i], strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(l[i:]), "="))
	}
	for _, short := range []string{"-r", "-e"} {
		if strings.HasPrefix(flag, short) && len(flag) > 2 && flag[2] != '-' {
			flag, value = short, strings.TrimSpace(l[2:]) // "-rbase.txt"
		}
	}
	switch flag {
	case "-r", "--requirement":
		target := path.Join(path.Dir(p), value)
		if value == "" || path.IsAbs(value) || target == ".." || strings.HasPrefix(target, "../") {
			return // outside the repo
		}
		s.requirements(target, depth+1, true)
	case "-e", "--editable":
		s.egg(p, line, value)
	}
}

// isVCSURL reports a requirement written as a pip VCS URL.
func isVCSURL(l string) bool {
	for _, vcs := range []string{"git+", "hg+", "svn+", "bzr+"} {
		if strings.HasPrefix(l, vcs) {
			return true
		}
	}
	return false
}

// egg adds the project a VCS URL names with #egg= (a URL without one names
// none a scan can tell), at the ref the URL pins.
func (s *pyScan) egg(p string, line int, url string) {
	url, _, _ = strings.Cut(url, " ") // options after the URL
	_, frag, _ := strings.Cut(url, "#")
	for _, kv := range strings.Split(frag, "&") {
		if egg, ok := strings.CutPrefix(kv, "egg="); ok && egg != "" {
			s.add(p, line, egg, vcsRef(url), "", nil, "")
		}
	}
}

// pyproject reads PEP 621, PEP 735, build-system, Poetry, PDM and uv
// dependencies.
func (s *pyScan) pyproject(p string, data []byte) error {
	var doc map[string]any
	if err := decodeTOML(data, &doc); err != nil {
		return err
	}
	t := newTOMLText(data)
	var lock map[string][]pin
	lockPath := s.lockFor(path.Dir(p))
	if lockPath != "" {
		lock = s.locks[lockPath].pins
	}
	// list adds an array of PEP 508 strings assigned to key in table.
	list := func(table, key string, v any, locked bool) {
		items, _ := v.([]any)
		line := t.keyLine(table, key, 0)
		for _, it := range items {
			str, ok := it.(string)
			if !ok {
				continue // {include-group = "..."} in dependency-groups
			}
			line = t.itemLine(line, str)
			if name, declared, ok := requirement(str); ok {
				l, lp := lock, lockPath
				if !locked {
					l, lp = nil, ""
				}
				s.add(p, line, name, declared, table+"."+key, l, lp)
			}
		}
	}
	project := tomlTable(doc, "project")
	list("project", "dependencies", project["dependencies"], true)
	for _, g := range sortedTableKeys(tomlTable(project, "optional-dependencies")) {
		list("project.optional-dependencies", g, tomlTable(project, "optional-dependencies")[g], true)
	}
	groups := tomlTable(doc, "dependency-groups")
	for _, g := range sortedTableKeys(groups) {
		list("dependency-groups", g, groups[g], true)
	}
	// The development groups PDM and uv had before PEP 735, which their
	// lockfiles pin like the rest.
	tool := tomlTable(doc, "tool")
	pdmDev := tomlTable(tomlTable(tool, "pdm"), "dev-dependencies")
	for _, g := range sortedTableKeys(pdmDev) {
		list("tool.pdm.dev-dependencies", g, pdmDev[g], true)
	}
	list("tool.uv", "dev-dependencies", tomlTable(tool, "uv")["dev-dependencies"], true)
	// A lockfile pins the project's dependencies, not its build backend.
	list("build-system", "requires", tomlTable(doc, "build-system")["requires"], false)

	poetry := tomlTable(tool, "poetry")
	tables := map[string]map[string]any{
		"tool.poetry.dependencies":     tomlTable(poetry, "dependencies"),
		"tool.poetry.dev-dependencies": tomlTable(poetry, "dev-dependencies"),
	}
	for g, v := range tomlTable(poetry, "group") {
		grp, _ := v.(map[string]any)
		tables["tool.poetry.group."+g+".dependencies"] = tomlTable(grp, "dependencies")
	}
	for _, table := range sortedTableKeys(tables) {
		deps := tables[table]
		for _, name := range sortedTableKeys(deps) {
			if name == "python" {
				continue // the interpreter constraint
			}
			s.add(p, t.keyLine(table, name, 0), name, declaredSpec(deps[name]), table, lock, lockPath)
		}
	}
	return nil
}

// declaredSpec is the version a TOML dependency entry declares (Poetry,
// Pipfile, Cargo): a constraint string, a table's version or git
// tag/ref/rev/branch, or the first of several constraints.
func declaredSpec(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case map[string]any:
		for _, k := range []string{"version", "tag", "ref", "rev", "branch"} {
			if s, ok := v[k].(string); ok {
				return s
			}
		}
	case []any:
		if len(v) > 0 {
			return declaredSpec(v[0])
		}
	case []map[string]any:
		if len(v) > 0 {
			return declaredSpec(v[0])
		}
	}
	return ""
}

func tomlTable(m map[string]any, key string) map[string]any {
	t, _ := m[key].(map[string]any)
	return t
}

func sortedTableKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// setupCfg reads setuptools' declarative config: install_requires,
// setup_requires and tests_require in [options], every key of
// [options.extras_require]. It is an INI file; values continue on indented
// lines, one requirement a line.
func (s *pyScan) setupCfg(p string, data []byte) error {
	section, key := "", ""
	wanted := func() bool {
		switch section {
		case "options":
			return key == "install_requires" || key == "setup_requires" || key == "tests_require"
		case "options.extras_require":
			return key != ""
		}
		return false
	}
	value := func(v string, line int) {
		v = strings.TrimSpace(reqCommentRE.ReplaceAllString(v, ""))
		if v == "" || strings.HasPrefix(v, "#") || strings.HasPrefix(v, "file:") || !wanted() {
			return
		}
		if name, declared, ok := requirement(v); ok {
			s.add(p, line, name, declared, section+"."+key, nil, "")
		}
	}
	for i, l := range strings.Split(string(data), "\n") {
		trimmed := strings.TrimSpace(l)
		switch {
		case trimmed == "" || strings.HasPrefix(trimmed, "#") || strings.HasPrefix(trimmed, ";"):
		case l[0] == ' ' || l[0] == '\t':
			if key == "" && section != "" {
				return fmt.Errorf("line %d: continuation line without a key", i+1)
			}
			value(l, i+1)
		case strings.HasPrefix(trimmed, "["):
			end := strings.Index(trimmed, "]")
			if end < 0 {
				return fmt.Errorf("line %d: unterminated section header", i+1)
			}
			section, key = strings.TrimSpace(trimmed[1:end]), ""
		default:
			i2 := strings.IndexAny(l, "=:")
			if i2 <= 0 {
				return fmt.Errorf("line %d: expected key = value", i+1)
			}
			key = strings.ToLower(strings.TrimSpace(l[:i2]))
			value(l[i2+1:], i+1)
		}
	}
	return nil
}

// pipfileCategories maps a Pipfile section to its Pipfile.lock category;
// any other section is a custom category of the same name.
var pipfileCategories = map[string]string{"packages": "default", "dev-packages": "develop"}

// pipfile reads Pipenv's Pipfile: every table but source, requires,
// pipenv and scripts lists packages.
func (s *pyScan) pipfile(p string, data []byte) error {
	var doc map[string]any
	if err := decodeTOML(data, &doc); err != nil {
		return err
	}
	t := newTOMLText(data)
	lockPath := path.Join(path.Dir(p), "Pipfile.lock")
	lock := s.pipfileLocks[lockPath]
	for _, section := range sortedTableKeys(doc) {
		switch section {
		case "source", "requires", "pipenv", "scripts":
			continue
		}
		deps, ok := doc[section].(map[string]any)
		if !ok {
			continue
		}
		category := section
		if c, ok := pipfileCategories[section]; ok {
			category = c
		}
		for _, name := range sortedTableKeys(deps) {
			s.add(p, t.keyLine(section, name, 0), name, declaredSpec(deps[name]), section, lock[category], lockPath)
		}
	}
	return nil
}

// pyLock is a parsed poetry.lock, uv.lock or pdm.lock.
type pyLock struct {
	// pins are the versions locked per normalised name: several when the
	// resolution forks (per Python version, per platform).
	pins map[string][]pin
	// local are the repo's own project directories it installs, relative
	// to it ("" its own).
	local map[string]bool
}

// parsePyLock reads the [[package]] tables of poetry.lock, uv.lock and
// pdm.lock, which agree on name and version.
func parsePyLock(data []byte) (*pyLock, error) {
	pkgs, err := parseTOMLPackages(data)
	if err != nil {
		return nil, err
	}
	l := &pyLock{pins: map[string][]pin{}, local: map[string]bool{}}
	for _, p := range pkgs {
		if p.name == "" {
			continue
		}
		if p.isLocal {
			l.local[p.local] = true
		}
		name := pep503(p.name)
		l.pins[name] = append(l.pins[name], p.pin)
	}
	return l, nil
}

// parsePipfileLock reads Pipfile.lock: category → name → {"version": "==x"}.
func parsePipfileLock(data []byte) (map[string]map[string][]pin, error) {
	out := map[string]map[string][]pin{}
	err := walkJSON(data, func(keys []string, v json.Token, line int) {
		s, ok := v.(string)
		if !ok || len(keys) != 3 || keys[2] != "version" || keys[0] == "_meta" {
			return
		}
		if out[keys[0]] == nil {
			out[keys[0]] = map[string][]pin{}
		}
		out[keys[0]][pep503(keys[1])] = []pin{{version: s, line: line}}
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Compile takes `package`: a distribution name or glob, compared after PEP
// 503 normalisation ("Acme_Lib" and "acme-lib" are one).
func (python) Compile(params map[string]string) (Matcher, error) {
	return compilePackageRule("python", "package", params, pep503)
}
