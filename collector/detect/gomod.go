package detect

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"

	"github.com/uptake-dev/uptake/collector/version"
)

func init() { Register(gomod{}) }

// gomod finds the modules every go.mod of the repo requires; nested go.mod
// files (monorepos, tools modules) each count.
type gomod struct{}

func (gomod) Kind() string { return "gomod" }

func (gomod) Patterns() []string { return []string{"**/go.mod"} }

func (g gomod) Detect(f Files) ([]Component, []error) {
	return scanPatterns(f, g.Patterns(), parseGoMod)
}

// keepVersion leaves versions as written: modfile would otherwise reject or
// canonicalise anything but vX.Y.Z ("v1.2" → "v1.2.0", a branch name → error).
func keepVersion(_, v string) (string, error) { return v, nil }

func parseGoMod(path string, data []byte) ([]Component, error) {
	if err := checkGoMod(data); err != nil {
		return nil, err
	}
	mf, err := modfile.Parse(path, data, keepVersion)
	if err != nil {
		return nil, modError(err)
	}
	replaced := map[module.Version]*modfile.Replace{}
	for _, r := range mf.Replace {
		replaced[r.Old] = r
	}
	var out []Component
	for _, r := range mf.Require {
		c := Component{
			Kind:    "gomod",
			Name:    r.Mod.Path,
			Version: r.Mod.Version,
			Path:    path,
			Line:    r.Syntax.Start.Line,
		}
		if r.Indirect {
			c.Attrs = map[string]string{"indirect": "true"}
		}
		if rep := replacement(replaced, r.Mod); rep != nil {
			if c.Attrs == nil {
				c.Attrs = map[string]string{}
			}
			c.Attrs["replace"] = strings.TrimSpace(rep.New.Path + " " + rep.New.Version)
			// Another version of the same module is still that module; a
			// local path or a fork is code of unknown provenance.
			if rep.New.Path == r.Mod.Path && rep.New.Version != "" {
				c.Version = rep.New.Version
			} else {
				c.Version = version.Unknown
			}
		}
		out = append(out, c)
	}
	return out, nil
}

// modError drops the file name modfile writes in front of its first error,
// since FileError adds it.
func modError(err error) error {
	var list modfile.ErrorList
	if !errors.As(err, &list) || len(list) == 0 {
		return err
	}
	e := list[0]
	msg := e.Err.Error()
	switch {
	case e.ModPath != "":
		msg = e.Verb + " " + e.ModPath + ": " + msg
	case e.Verb != "":
		msg = e.Verb + ": " + msg
	}
	if e.Pos.Line > 0 {
		msg = fmt.Sprintf("line %d: %s", e.Pos.Line, msg)
	}
	if len(list) > 1 {
		msg += fmt.Sprintf(" (and %d more errors)", len(list)-1)
	}
	return errors.New(msg)
}

// replacement returns the replace directive that applies to m, as the go
// command picks it: a version-specific one wins over a path-wide one. The
// directives are keyed by what they replace (a path-wide one has no
// version): searched for each requirement, they were quadratic.
func replacement(replaced map[module.Version]*modfile.Replace, m module.Version) *modfile.Replace {
	if r, ok := replaced[m]; ok {
		return r
	}
	return replaced[module.Version{Path: m.Path}]
}

// Compile takes `module`: the module path, matched exactly and with any
// major-version suffix (kit matches kit/v2, gopkg.in/yaml matches yaml.v3),
// or a name glob, tried on the path with and without that suffix.
func (gomod) Compile(params map[string]string) (Matcher, error) {
	if err := Params(params, []string{"module"}, nil); err != nil {
		return nil, err
	}
	want := strings.TrimSpace(params["module"])
	if strings.Contains(want, "@") {
		return nil, fmt.Errorf("module: %q must be a module path without @version", want)
	}
	if !isNameGlob(want) {
		if err := module.CheckImportPath(want); err != nil {
			return nil, fmt.Errorf("module: %w", err)
		}
	}
	match, err := compileName("module", want, false)
	if err != nil {
		return nil, err
	}
	return MatcherFunc(func(c Component) bool {
		if c.Kind != "gomod" {
			return false
		}
		if match(c.Name) {
			return true
		}
		prefix, major, ok := module.SplitPathVersion(c.Name)
		return ok && major != "" && match(prefix)
	}), nil
}

// scanPatterns reads every file matching patterns once, in path order, and
// parses it; a file that cannot be read or parsed becomes a FileError and
// the others still count.
func scanPatterns(f Files, patterns []string, parse func(path string, data []byte) ([]Component, error)) ([]Component, []error) {
	seen := map[string]bool{}
	var paths []string
	for _, p := range patterns {
		for _, path := range f.Glob(p) {
			if !seen[path] {
				seen[path] = true
				paths = append(paths, path)
			}
		}
	}
	sort.Strings(paths)
	var (
		out  []Component
		errs []error
	)
	for _, path := range paths {
		data, err := readText(f, path)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		cs, err := parse(path, data)
		if err != nil {
			errs = append(errs, &FileError{Path: path, Err: err})
			continue
		}
		out = append(out, cs...)
	}
	return out, errs
}

// readText reads a file for parsing: binary content is refused, a BOM and
// CRLF endings are cleaned. Errors are FileErrors.
func readText(f Files, path string) ([]byte, error) {
	data, err := f.Read(path)
	return text(path, data, err)
}

// followText is readText for a file another file names (an include).
func followText(f Files, path string) ([]byte, error) {
	data, err := f.Follow(path)
	return text(path, data, err)
}

func text(path string, data []byte, err error) ([]byte, error) {
	if err != nil {
		return nil, &FileError{Path: path, Err: err}
	}
	if IsBinary(data) {
		return nil, Errorf(path, "binary content, skipped")
	}
	return Clean(data), nil
}
