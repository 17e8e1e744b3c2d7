package detect

import (
	"errors"
	"sync"

	"github.com/bmatcuk/doublestar/v4"
)

// maxFollows bounds the files one detector may follow in one repo: a
// hostile include chain cannot turn a scan into a crawl.
const maxFollows = 500

// ErrUndeclared is a Read of a file outside the detector's Patterns: a
// programming error in the detector, reported as a file error.
var ErrUndeclared = errors.New("not among the detector's declared patterns (read a file another file names with Follow)")

// Scope is the view of f that detector d gets. Read serves only the files
// d's Patterns match, so which files a scan reads is decided from paths
// alone; Follow serves the files those files name (includes, -r
// requirements), at most maxFollows of them. Glob lists any paths: the tree
// is listed already, and a path costs no read.
func Scope(d Detector, f Files) Files {
	return &scoped{f: f, patterns: d.Patterns()}
}

type scoped struct {
	f        Files
	patterns []string

	mu      sync.Mutex
	follows int
}

func (s *scoped) Glob(pattern string) []string { return s.f.Glob(pattern) }

func (s *scoped) Read(path string) ([]byte, error) {
	for _, p := range s.patterns {
		if ok, _ := doublestar.Match(p, path); ok {
			return s.f.Read(path)
		}
	}
	return nil, &FileError{Path: path, Err: ErrUndeclared}
}

func (s *scoped) Follow(path string) ([]byte, error) {
	s.mu.Lock()
	s.follows++
	over := s.follows > maxFollows
	s.mu.Unlock()
	if over {
		return nil, Errorf(path, "more than %d included files followed in one repo", maxFollows)
	}
	return s.f.Follow(path)
}
