package inventory

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/uptake-dev/uptake/collector/detect"
	"github.com/uptake-dev/uptake/collector/source"
)

// maxReadsPerRepo bounds the files one repo may make a scan read, whatever
// its includes name: a hostile repo cannot turn a scan into a crawl.
const maxReadsPerRepo = 2000

var (
	errTooManyReads = fmt.Errorf("more than %d files read in one repo", maxReadsPerRepo)
	errBinary       = errors.New("binary file")
)

// treeFiles is the detect.Files view of one tree: excluded paths removed,
// reads memoised and size-capped, binary content refused.
type treeFiles struct {
	ctx   context.Context
	tree  source.Tree
	limit int64
	// paths are sorted; blobs[i] is paths[i]'s blob id ("" when the
	// source gives none).
	paths []string
	blobs []string

	mu     sync.Mutex
	globs  map[string][]string
	memo   map[string]readResult
	reads  int
	failed map[string]FileFailure
	// broken is the first read that failed for a transport reason: the
	// repo's inventory would be missing that file, so the scan fails for
	// the repo and no later read is tried.
	broken error
}

type readResult struct {
	data []byte
	err  error
}

func newTreeFiles(ctx context.Context, tree source.Tree, excluders []func(string) bool, limit int64) *treeFiles {
	f := &treeFiles{ctx: ctx, tree: tree, limit: limit, globs: map[string][]string{},
		memo: map[string]readResult{}, failed: map[string]FileFailure{}}
	entries := tree.Entries()
	f.paths, f.blobs = make([]string, 0, len(entries)), make([]string, 0, len(entries))
	for _, e := range entries {
		if !anyMatch(excluders, e.Path) {
			f.paths = append(f.paths, e.Path)
			f.blobs = append(f.blobs, e.Blob)
		}
	}
	if !slices.IsSorted(f.paths) {
		sort.Stable(byPath{f.paths, f.blobs})
	}
	return f
}

// byPath sorts paths and their blob ids together.
type byPath struct{ paths, blobs []string }

func (b byPath) Len() int           { return len(b.paths) }
func (b byPath) Less(i, j int) bool { return b.paths[i] < b.paths[j] }
func (b byPath) Swap(i, j int) {
	b.paths[i], b.paths[j] = b.paths[j], b.paths[i]
	b.blobs[i], b.blobs[j] = b.blobs[j], b.blobs[i]
}

// blob is a path's blob id and whether the tree has the path.
func (f *treeFiles) blob(path string) (string, bool) {
	i, ok := slices.BinarySearch(f.paths, path)
	if !ok {
		return "", false
	}
	return f.blobs[i], true
}

func anyMatch(matchers []func(string) bool, path string) bool {
	for _, m := range matchers {
		if m(path) {
			return true
		}
	}
	return false
}

// compileGlob returns a matcher for a doublestar pattern. The shapes
// detectors and excludes use most (**/NAME, **/*.EXT, **/GLOB, **/DIR/**,
// **/DIR/SUB/**) are
// matched without the general matcher: a monorepo has tens of thousands of
// paths and every pattern is tried on each.
func compileGlob(pattern string) func(string) bool {
	const meta = "*?[{\\"
	if rest, ok := strings.CutPrefix(pattern, "**/"); ok && !strings.ContainsAny(rest, meta+"/") {
		return func(p string) bool { return path.Base(p) == rest }
	}
	if rest, ok := strings.CutPrefix(pattern, "**/*"); ok && !strings.ContainsAny(rest, meta+"/") {
		return func(p string) bool { return strings.HasSuffix(path.Base(p), rest) }
	}
	if rest, ok := strings.CutPrefix(pattern, "**/"); ok && !strings.Contains(rest, "/") && !strings.Contains(rest, "**") {
		// One segment under any directory: match the base name alone.
		return func(p string) bool {
			ok, _ := doublestar.Match(rest, path.Base(p))
			return ok
		}
	}
	if mid, ok := strings.CutPrefix(pattern, "**/"); ok {
		if dir, ok := strings.CutSuffix(mid, "/**"); ok && dir != "" && !strings.ContainsAny(dir, meta) &&
			!strings.HasPrefix(dir, "/") && !strings.HasSuffix(dir, "/") && !strings.Contains(dir, "//") {
			// The path holds dir as whole segments; no string is built per path.
			head, inner, tail := dir+"/", "/"+dir+"/", "/"+dir
			return func(p string) bool {
				return p == dir || strings.HasPrefix(p, head) || strings.Contains(p, inner) || strings.HasSuffix(p, tail)
			}
		}
	}
	return func(p string) bool {
		ok, _ := doublestar.Match(pattern, p)
		return ok
	}
}

func (f *treeFiles) has(path string) bool {
	_, ok := f.blob(path)
	return ok
}

// Glob implements detect.Files. Results are memoised: several detectors
// and probes ask for the same patterns.
func (f *treeFiles) Glob(pattern string) []string {
	f.mu.Lock()
	cached, ok := f.globs[pattern]
	f.mu.Unlock()
	if !ok {
		match := compileGlob(pattern)
		for _, p := range f.paths {
			if match(p) {
				cached = append(cached, p)
			}
		}
		f.mu.Lock()
		f.globs[pattern] = cached
		f.mu.Unlock()
	}
	return append([]string(nil), cached...)
}

// Read implements detect.Files.
func (f *treeFiles) Read(path string) ([]byte, error) {
	if !f.has(path) {
		return nil, fmt.Errorf("%s: %w", path, fs.ErrNotExist)
	}
	f.mu.Lock()
	if r, ok := f.memo[path]; ok {
		f.mu.Unlock()
		return r.data, r.err
	}
	if f.broken != nil {
		f.mu.Unlock()
		return nil, f.broken
	}
	if f.reads >= maxReadsPerRepo {
		f.mu.Unlock()
		return nil, &detect.FileError{Path: path, Err: errTooManyReads}
	}
	f.reads++
	f.mu.Unlock()

	data, err := f.tree.Read(f.ctx, path, f.limit)
	if err != nil && !errors.Is(err, source.ErrTooLarge) {
		// Not a property of the file: a retry may read it. Counting the repo
		// without it would publish a false drop. Even "not found" is: the
		// tree lists the path, so the source broke its contract.
		f.mu.Lock()
		if f.broken == nil {
			f.broken = &TransportError{Path: path, Err: err}
		}
		err = f.broken
		f.mu.Unlock()
		return nil, err
	}
	if err == nil && detect.IsBinary(data) {
		data, err = nil, &detect.FileError{Path: path, Err: errBinary}
	}
	if err != nil && !errors.As(err, new(*detect.FileError)) {
		err = &detect.FileError{Path: path, Err: err}
	}
	f.mu.Lock()
	f.memo[path] = readResult{data, err}
	f.mu.Unlock()
	return data, err
}

// TransportError is a file the tree lists that could not be read for a
// reason other than its content: the repo's scan fails and keeps its last
// good data.
type TransportError struct {
	Path string
	Err  error
}

func (e *TransportError) Error() string { return fmt.Sprintf("reading %s: %v", e.Path, e.Err) }

func (e *TransportError) Unwrap() error { return e.Err }

// Follow implements detect.Files: the tree serves an included file as any
// other; a detector's Scope bounds how many it follows.
func (f *treeFiles) Follow(path string) ([]byte, error) { return f.Read(path) }

// fail records a file the reader named could not use, once per path: the
// first reader to fail on it is the one counted.
func (f *treeFiles) fail(reader string, err error) {
	// Detectors wrap the read error they got: keep the innermost path and
	// cause so the log says it once.
	path := "?"
	var fe *detect.FileError
	for errors.As(err, &fe) {
		path, err = fe.Path, fe.Err
	}
	f.mu.Lock()
	if _, seen := f.failed[path]; !seen {
		f.failed[path] = FileFailure{Path: path, Reader: reader, Err: err}
	}
	f.mu.Unlock()
}
