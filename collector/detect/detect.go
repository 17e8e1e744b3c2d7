// Package detect turns a repo's files into an inventory of components
// (kind, name, version, evidence). Each ecosystem is one Detector in its own
// file, registered by kind from init(); offering rules name a kind and are
// compiled by that kind's detector into a Matcher over components.
//
// Detectors never see where files come from (local clone, GitHub, GitLab):
// they get a Files view of one repo tree, already filtered by scan.exclude.
package detect

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Component is one thing a repo uses, found in one file.
type Component struct {
	// Kind is the detector kind that found it.
	Kind string `json:"kind"`
	// Name identifies the component within its kind, normalised so rules can
	// compare it (a module path, an image repository, an action owner/repo).
	Name string `json:"name"`
	// Version as the file writes it, minus range operators; "" when unknown.
	Version string `json:"version,omitempty"`
	// Path and Line are the evidence: the file (repo-relative, slash
	// separated) and the 1-based line.
	Path string `json:"path"`
	Line int    `json:"line"`
	// URL links to the evidence on the repo's host; the scan engine fills it.
	URL string `json:"url,omitempty"`
	// Section is where the manifest declares it (dependencies,
	// devDependencies, project.dependencies, tool.poetry.group.dev.dependencies,
	// implementation, dependencyManagement...); "" where a format has none.
	Section string `json:"section,omitempty"`
	// Lockfile is the repo path of the lockfile that pinned Version; "" when
	// none did (Attrs.lockfile adds the pin's line).
	Lockfile string `json:"lockfile,omitempty"`
	// Attrs carries kind-specific detail a matcher may need.
	Attrs map[string]string `json:"attrs,omitempty"`
}

// Files is one repo tree as a detector sees it.
type Files interface {
	// Glob returns the paths matching a doublestar pattern anchored at the
	// repo root, sorted; excluded paths never appear.
	Glob(pattern string) []string
	// Read returns a file's content. Reading a path that does not exist, is
	// excluded, or is over the size limit returns an error; so does, in a
	// detector's Scope, a path its Patterns do not match.
	Read(path string) ([]byte, error)
	// Follow reads a file that another file names (an include), which the
	// detector's Patterns need not match; a Scope bounds how many.
	Follow(path string) ([]byte, error)
}

// Matcher decides whether a component satisfies one compiled rule.
type Matcher interface {
	Match(c Component) bool
}

// MatcherFunc adapts a function to Matcher.
type MatcherFunc func(Component) bool

// Match calls f.
func (f MatcherFunc) Match(c Component) bool { return f(c) }

// Detector parses one ecosystem.
type Detector interface {
	// Kind is the name rules use (`kind: gomod`).
	Kind() string
	// Patterns are the doublestar globs of the files Detect reads. Scope
	// enforces them: any other file is read only through Follow, when a
	// parsed file names it (an include).
	Patterns() []string
	// Detect parses the files and returns their components. A file that
	// cannot be parsed is reported in errs and skipped; the others still count.
	Detect(f Files) (components []Component, errs []error)
	// Compile validates a rule's parameters (everything but kind) and
	// returns its matcher.
	Compile(params map[string]string) (Matcher, error)
}

// Widener is a detector whose file set a catalog key widens
// (scan.container_image_paths): YAML a layout keeps elsewhere is read only
// when the catalog names it.
type Widener interface {
	Detector
	// WithPaths is the detector reading globs besides its own Patterns.
	WithPaths(globs []string) Detector
}

// Probe is a rule that reads raw files itself instead of matching a
// detector's components (the `file` and `regex` kinds). Its components carry
// Kind = the rule's kind and Name = the rule's own text (its path, or path ~
// "pattern"), so they are cached like any other and read as evidence.
type Probe interface {
	Matcher
	// Kind is the rule's kind (file, regex).
	Kind() string
	// Key identifies the probe's parameters; equal keys share one scan.
	Key() string
	// Patterns are the globs of files the probe looks at.
	Patterns() []string
	// NeedsContent is false when the path alone decides (the file kind).
	NeedsContent() bool
	// Scan returns the components found in one file; data is nil when
	// NeedsContent is false.
	Scan(path string, data []byte) []Component
}

// FileError is a file a detector skipped because it could not be parsed.
type FileError struct {
	Path string
	Err  error
}

func (e *FileError) Error() string { return fmt.Sprintf("%s: %v", e.Path, e.Err) }

func (e *FileError) Unwrap() error { return e.Err }

// Errorf builds a FileError.
func Errorf(path, format string, args ...any) error {
	return &FileError{Path: path, Err: fmt.Errorf(format, args...)}
}

var (
	mu        sync.RWMutex
	detectors = map[string]Detector{}
)

// Register adds a detector; it panics on a duplicate kind, which is a
// programming error caught at start.
func Register(d Detector) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := detectors[d.Kind()]; dup {
		panic("detect: duplicate detector kind " + d.Kind())
	}
	detectors[d.Kind()] = d
}

// Get returns the detector for a kind.
func Get(kind string) (Detector, bool) {
	mu.RLock()
	defer mu.RUnlock()
	d, ok := detectors[kind]
	return d, ok
}

// Kinds lists the registered kinds, sorted.
func Kinds() []string {
	mu.RLock()
	defer mu.RUnlock()
	out := make([]string, 0, len(detectors))
	for k := range detectors {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Params checks a rule's keys: every required key present and non-empty,
// no key outside required and optional.
func Params(params map[string]string, required, optional []string) error {
	allowed := map[string]bool{}
	for _, k := range append(append([]string(nil), required...), optional...) {
		allowed[k] = true
	}
	var unknown []string
	for k := range params {
		if !allowed[k] {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	if len(unknown) > 0 {
		return fmt.Errorf("unknown key %s (allowed: %s)", strings.Join(unknown, ", "), strings.Join(sortedKeys(allowed), ", "))
	}
	for _, k := range required {
		if strings.TrimSpace(params[k]) == "" {
			return fmt.Errorf("%s is required", k)
		}
	}
	return nil
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
