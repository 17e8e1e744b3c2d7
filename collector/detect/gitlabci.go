package detect

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/uptake-dev/uptake/collector/version"
)

func init() { Register(gitlabCI{}) }

// gitlabCI finds what a repo's pipeline includes: projects, templates,
// remote files and CI/CD components, following local includes inside the repo.
type gitlabCI struct{}

func (gitlabCI) Kind() string { return "gitlab_ci" }

// Patterns is the pipeline's entry point only; the local files it includes
// are read on demand.
func (gitlabCI) Patterns() []string { return []string{".gitlab-ci.yml"} }

const (
	// maxIncludeDepth bounds chains of nested local includes.
	maxIncludeDepth = 10
	// maxIncludeFiles is GitLab's own default cap on a pipeline's includes.
	maxIncludeFiles = 150
)

func (g gitlabCI) Detect(f Files) ([]Component, []error) {
	w := &ciWalker{f: f, read: map[string]bool{}, seen: map[*yaml.Node]bool{}}
	for _, p := range f.Glob(".gitlab-ci.yml") {
		w.file(p, 0, nil)
	}
	return w.out, w.errs
}

type ciWalker struct {
	f    Files
	out  []Component
	errs []error
	// read holds the files already parsed: a file included twice, or an
	// include cycle, is read once.
	read map[string]bool
	// seen holds include nodes already walked (aliases can repeat them).
	seen map[*yaml.Node]bool
	// globs counts wildcard includes: each lists the whole tree.
	globs int
}

// includer is where an included file was named, for error messages.
type includer struct {
	path string
	line int
}

func (w *ciWalker) file(p string, depth int, from *includer) {
	if w.read[p] {
		return
	}
	if from != nil && len(w.read) >= maxIncludeFiles {
		w.errs = append(w.errs, Errorf(from.path, "line %d: over %d included files, %s not read", from.line, maxIncludeFiles, p))
		return
	}
	w.read[p] = true
	read := readText
	if from != nil {
		read = followText
	}
	data, err := read(w.f, p)
	if err != nil {
		if from != nil {
			// The cause alone: err already names p, twice when the
			// filesystem's error does too.
			cause := err
			if fe, ok := cause.(*FileError); ok && fe.Path == p {
				cause = fe.Err
			}
			if errors.Is(cause, fs.ErrNotExist) {
				cause = fs.ErrNotExist
			}
			err = Errorf(p, "included from %s:%d: %v", from.path, from.line, cause)
		}
		w.errs = append(w.errs, err)
		return
	}
	docs, err := yamlDocs(data)
	if err != nil {
		w.errs = append(w.errs, &FileError{Path: p, Err: err})
		return
	}
	for _, doc := range docs {
		eachPair(doc, func(k, v *yaml.Node) {
			if k.Value == "include" {
				w.includes(p, v, depth)
				return
			}
			// A job's trigger:include starts a child pipeline from files
			// that are as much part of the repo's CI as its own.
			w.includes(p, mapGet(mapGet(v, "trigger"), "include"), depth)
		})
	}
}

// includes walks an include value in each of its forms: a string, a list
// of strings and mappings, or a single mapping.
func (w *ciWalker) includes(p string, n *yaml.Node, depth int) {
	if n == nil || w.seen[n] {
		return
	}
	w.seen[n] = true
	switch n.Kind {
	case yaml.ScalarNode:
		w.includeString(p, n, depth)
	case yaml.MappingNode:
		w.includeMap(p, n, depth)
	case yaml.SequenceNode:
		for _, item := range n.Content {
			if item = resolve(item); item != nil && item.Kind != yaml.SequenceNode {
				w.includes(p, item, depth)
			}
		}
	}
}

// includeString is the short form: a URL is remote, anything else local.
func (w *ciWalker) includeString(p string, n *yaml.Node, depth int) {
	s := strings.TrimSpace(n.Value)
	if strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://") {
		w.simple(p, n, "remote", s)
		return
	}
	w.local(p, n, depth)
}

func (w *ciWalker) includeMap(p string, m *yaml.Node, depth int) {
	if v := mapGet(m, "local"); v != nil {
		w.local(p, v, depth)
	}
	if v := mapGet(m, "project"); v != nil {
		w.project(p, m, v)
	}
	if v := mapGet(m, "template"); v != nil {
		w.simple(p, v, "template", strings.TrimPrefix(strings.TrimSpace(v.Value), "/"))
	}
	if v := mapGet(m, "remote"); v != nil {
		w.simple(p, v, "remote", strings.TrimSpace(v.Value))
	}
	if v := mapGet(m, "component"); v != nil {
		w.component(p, v)
	}
}

// local follows a local include; GitLab takes it relative to the repo root,
// with or without a leading slash, and allows * wildcards.
func (w *ciWalker) local(p string, n *yaml.Node, depth int) {
	s := strings.TrimSpace(n.Value)
	if n.Kind != yaml.ScalarNode || s == "" || strings.Contains(s, "$") {
		return
	}
	target := path.Clean(strings.TrimPrefix(s, "/"))
	if target == ".." || strings.HasPrefix(target, "../") {
		return
	}
	from := &includer{path: p, line: n.Line}
	if depth >= maxIncludeDepth {
		w.errs = append(w.errs, Errorf(p, "line %d: includes nested over %d deep, %s not read", n.Line, maxIncludeDepth, target))
		return
	}
	if !strings.Contains(target, "*") {
		w.file(target, depth+1, from)
		return
	}
	if w.globs++; w.globs > maxIncludeFiles {
		w.errs = append(w.errs, Errorf(p, "line %d: over %d wildcard includes, %q not expanded", n.Line, maxIncludeFiles, s))
		return
	}
	matches := w.f.Glob(gitlabGlob(target))
	if len(matches) == 0 {
		w.errs = append(w.errs, Errorf(p, "line %d: include local %q matches no file", n.Line, s))
	}
	for _, m := range matches {
		w.file(m, depth+1, from)
	}
}

var gitlabRecursiveRE = regexp.MustCompile(`\*\*([^/])`)

// gitlabGlob turns GitLab's `dir/**.yml` (any depth below dir) into
// doublestar's `dir/**/*.yml`; the other wildcards mean the same in both.
func gitlabGlob(p string) string {
	return gitlabRecursiveRE.ReplaceAllString(p, "**/*$1")
}

// simple records a template or remote include; a value holding a CI
// variable cannot be resolved here and is skipped.
func (w *ciWalker) simple(p string, n *yaml.Node, typ, name string) {
	if n.Kind != yaml.ScalarNode || name == "" || strings.Contains(name, "$") {
		return
	}
	w.out = append(w.out, Component{Kind: "gitlab_ci", Name: name, Path: p, Line: n.Line, Attrs: map[string]string{"type": typ}})
}

// project records a project include, one component per file it names, at
// the ref it pins.
func (w *ciWalker) project(p string, m, n *yaml.Node) {
	name := strings.ToLower(strings.Trim(strings.TrimSpace(n.Value), "/"))
	if n.Kind != yaml.ScalarNode || name == "" || strings.Contains(name, "$") {
		return
	}
	ver := ""
	if ref := mapGet(m, "ref"); ref != nil && ref.Kind == yaml.ScalarNode {
		ver = strings.TrimSpace(ref.Value)
		if strings.Contains(ver, "$") {
			ver = version.Unknown
		}
	}
	var files []string
	if f := mapGet(m, "file"); f != nil {
		switch f.Kind {
		case yaml.ScalarNode:
			files = append(files, f.Value)
		case yaml.SequenceNode:
			for _, item := range f.Content {
				if item = resolve(item); item != nil && item.Kind == yaml.ScalarNode {
					files = append(files, item.Value)
				}
			}
		}
	}
	if len(files) == 0 {
		files = []string{""}
	}
	for _, file := range files {
		attrs := map[string]string{"type": "project"}
		if file = strings.TrimSpace(file); file != "" {
			attrs["file"] = file
		}
		w.out = append(w.out, Component{Kind: "gitlab_ci", Name: name, Version: ver, Path: p, Line: n.Line, Attrs: attrs})
	}
}

// serverHostVars name the GitLab instance running the pipeline; as a
// component host they are kept, meaning "this instance".
var serverHostVars = []string{"$CI_SERVER_FQDN", "$CI_SERVER_HOST"}

// component records a CI/CD component: host/group/project/name@version.
func (w *ciWalker) component(p string, n *yaml.Node) {
	if n.Kind != yaml.ScalarNode {
		return
	}
	ref, ver, _ := strings.Cut(strings.TrimSpace(n.Value), "@")
	host, rest, ok := splitComponent(ref)
	if !ok || strings.Contains(rest, "$") || strings.Contains(host, "$") && !isServerHostVar(host) {
		return
	}
	if strings.Contains(ver, "$") {
		ver = version.Unknown
	}
	w.out = append(w.out, Component{
		Kind: "gitlab_ci", Name: host + "/" + rest, Version: ver, Path: p, Line: n.Line,
		Attrs: map[string]string{"type": "component"},
	})
}

// splitComponent splits host/path, lower-casing both (hosts and GitLab
// paths are case-insensitive) except a server variable, written ${X} or $X.
func splitComponent(ref string) (host, rest string, ok bool) {
	host, rest, ok = strings.Cut(strings.Trim(ref, "/"), "/")
	if !ok || host == "" || strings.Count(rest, "/") < 1 || strings.Contains(rest, "//") {
		return "", "", false
	}
	if strings.HasPrefix(host, "${") && strings.HasSuffix(host, "}") {
		host = "$" + host[2:len(host)-1]
	}
	if !isServerHostVar(host) {
		host = strings.ToLower(host)
	}
	return host, strings.ToLower(rest), true
}

func isServerHostVar(host string) bool {
	for _, v := range serverHostVars {
		if host == v {
			return true
		}
	}
	return false
}

var gitlabRuleKeys = []string{"project", "component", "template", "remote"}

// Compile takes exactly one of `project` (group/name), `component`
// (host/group/project/name, no @version), `template` (Name.gitlab-ci.yml)
// or `remote` (a URL prefix).
func (gitlabCI) Compile(params map[string]string) (Matcher, error) {
	if err := Params(params, nil, gitlabRuleKeys); err != nil {
		return nil, err
	}
	var set []string
	for _, k := range gitlabRuleKeys {
		if strings.TrimSpace(params[k]) != "" {
			set = append(set, k)
		}
	}
	switch len(set) {
	case 0:
		return nil, fmt.Errorf("one of project, component, template or remote is required")
	case 1:
	default:
		return nil, fmt.Errorf("%s: only one of project, component, template or remote per rule", strings.Join(set, ", "))
	}
	typ := set[0]
	raw := strings.TrimSpace(params[typ])
	match, err := compileGitLabRule(typ, raw)
	if err != nil {
		return nil, err
	}
	return MatcherFunc(func(c Component) bool {
		return c.Kind == "gitlab_ci" && c.Attrs["type"] == typ && match(c.Name)
	}), nil
}

// compileGitLabRule compiles the value of one rule key: a project (a name
// glob or group/name), a component (host and path), a template (a name
// glob or name) or a remote URL prefix.
func compileGitLabRule(typ, raw string) (func(string) bool, error) {
	switch typ {
	case "project":
		want := strings.ToLower(strings.Trim(raw, "/"))
		if (!strings.Contains(want, "/") && !isNameGlob(want)) || strings.Contains(want, "@") {
			return nil, fmt.Errorf("project: want group/name, got %q", raw)
		}
		return compileName("project", want, false)
	case "component":
		return compileComponentRule(raw)
	case "template":
		return compileName("template", strings.TrimPrefix(raw, "/"), false)
	default:
		if !strings.HasPrefix(raw, "https://") && !strings.HasPrefix(raw, "http://") {
			return nil, fmt.Errorf("remote: want an http(s):// URL prefix, got %q", raw)
		}
		return func(name string) bool { return strings.HasPrefix(name, raw) }, nil
	}
}

// compileComponentRule compiles host/group/project/name: the host must be
// one (a component path never matches without it), or the server variable
// that stands for any.
func compileComponentRule(raw string) (func(string) bool, error) {
	if strings.Contains(raw, "@") {
		return nil, fmt.Errorf("component: %q must not include @version (versions are measured, not matched)", raw)
	}
	host, rest, ok := splitComponent(raw)
	if !ok {
		return nil, fmt.Errorf("component: want host/group/project/name, got %q", raw)
	}
	if !isServerHostVar(host) && !strings.ContainsAny(host, ".:") && host != "localhost" {
		path := strings.Trim(raw, "/")
		return nil, fmt.Errorf("component: %q has no host: components are named host/group/project/name, as an include writes them: "+
			"write component: gitlab.example.com/%s with your GitLab's host, or $CI_SERVER_FQDN/%s to match it on any host", raw, path, path)
	}
	hostMatch, err := compileName("component", host, false)
	if err != nil {
		return nil, err
	}
	restMatch, err := compileName("component", rest, true)
	if err != nil {
		return nil, err
	}
	return func(name string) bool {
		h, r, _ := strings.Cut(name, "/")
		return (hostMatch(h) || isServerHostVar(h) || isServerHostVar(host)) && restMatch(r)
	}, nil
}
