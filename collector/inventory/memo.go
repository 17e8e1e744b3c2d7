package inventory

import (
	"errors"
	"slices"
	"sync"

	"github.com/uptake-dev/uptake/collector/detect"
)

// Memo carries what reading one commit of a repo found, reader by reader,
// to the read of another commit of the same repo: a detector whose listing
// and files are unchanged is not run again, nor a content probe on a file
// whose blob is unchanged. Backfill reads a year of commits at about the
// cost of one read plus the changes.
//
// A detector is keyed by what it saw: each pattern it listed with the
// paths listed, and each path it read or followed with its blob id (a
// manifest and its lockfile are read together, so they count together).
// Detectors are functions of what they see, so equal sights give equal
// findings. A tree whose source gives no blob ids is always read.
type Memo struct {
	readers map[string]*sight
	// probes are content probes' findings by probe key and path, with the
	// blob they are of; reads is how many reads the memo has served.
	probes map[probeFile]probeResult
	reads  int
	// paths and globs are the last read tree's listing and the patterns
	// listed in it: a tree with the same paths lists the same.
	paths []string
	globs map[string][]string
	// languages and components are the last inventory's languages and
	// its number of components (the next one's likely size).
	languages  []string
	components int
	// Runs and Reused count detectors run and reused, and content-probe
	// files scanned and reused, over the memo's life.
	Runs, Reused int
}

// NewMemo returns an empty memo: its first read runs everything.
func NewMemo() *Memo {
	return &Memo{readers: map[string]*sight{}, probes: map[probeFile]probeResult{}}
}

// sight is what one reader saw of a tree and what it found.
type sight struct {
	globs map[string][]string
	// reads are the paths read or followed with their blob ids; absent
	// for a path not in the tree.
	reads map[string]string
	// blind is set when a read file had no blob id: nothing proves a
	// later tree holds the same.
	blind bool
	found
}

// found is what a reader found in a tree.
type found struct {
	comps []detect.Component
	errs  []error
}

// absent is the blob id a sight records for a path the tree lacks.
const absent = "\x00absent"

type probeFile struct{ key, path string }

type probeResult struct {
	blob  string
	comps []detect.Component
	err   error
	// read is the read that last used the result.
	read int
}

// seen reports whether the tree shows the reader what it saw before;
// samePaths says the tree lists the paths the sight's tree listed.
func (s *sight) seen(f *treeFiles, samePaths bool) bool {
	if s.blind {
		return false
	}
	for path, blob := range s.reads {
		cur, ok := f.blob(path)
		if !ok {
			cur = absent
		}
		if cur != blob {
			return false
		}
	}
	if samePaths {
		return true
	}
	for pattern, paths := range s.globs {
		if !slices.Equal(f.Glob(pattern), paths) {
			return false
		}
	}
	return true
}

// recorder is the Files view of a tree that records what a reader sees.
type recorder struct {
	f  *treeFiles
	mu sync.Mutex
	s  *sight
}

func newRecorder(f *treeFiles) *recorder {
	return &recorder{f: f, s: &sight{globs: map[string][]string{}, reads: map[string]string{}}}
}

func (r *recorder) Glob(pattern string) []string {
	out := r.f.Glob(pattern)
	r.mu.Lock()
	r.s.globs[pattern] = append([]string(nil), out...)
	r.mu.Unlock()
	return out
}

func (r *recorder) Read(path string) ([]byte, error) {
	r.note(path)
	return r.f.Read(path)
}

func (r *recorder) Follow(path string) ([]byte, error) {
	r.note(path)
	return r.f.Follow(path)
}

func (r *recorder) note(path string) {
	blob, ok := r.f.blob(path)
	switch {
	case !ok:
		blob = absent
	case blob == "":
		r.mu.Lock()
		r.s.blind = true
		r.mu.Unlock()
	}
	r.mu.Lock()
	r.s.reads[path] = blob
	r.mu.Unlock()
}

// memoRead is one Read's use of a memo: what it reuses from the memo and
// what it saw, kept apart until the read succeeds (a read that fails must
// not leave a sight of files it could not read).
type memoRead struct {
	m     *Memo
	files *treeFiles
	// samePaths says the tree lists what the memo's last tree listed.
	samePaths bool
	readers   map[string]*sight
	// probeFiles counts the probe files of this read.
	probeFiles int
	runs       int
	reused     int
}

// begin starts a read of files; a tree listing the last one's paths
// starts with its listings of patterns.
func (m *Memo) begin(files *treeFiles) *memoRead {
	if m == nil {
		return nil
	}
	m.reads++
	mr := &memoRead{m: m, files: files, readers: map[string]*sight{}}
	if m.globs != nil && slices.Equal(m.paths, files.paths) {
		mr.samePaths = true
		files.globs = m.globs
	}
	return mr
}

// reader returns the findings of the reader key over files: those of the
// memo when the reader would see what it saw, else run's, recorded.
func (mr *memoRead) reader(key string, files *treeFiles, run func(detect.Files) found) found {
	if mr == nil {
		return run(files)
	}
	if s := mr.m.readers[key]; s != nil && s.seen(files, mr.samePaths) {
		mr.reused++
		mr.readers[key] = s
		return s.found
	}
	mr.runs++
	rec := newRecorder(files)
	rec.s.found = run(rec)
	mr.readers[key] = rec.s
	return rec.s.found
}

// probe returns a content probe's findings in one file: the memo's when
// the file's blob is the one scanned before. Findings are the blob's, so
// they are kept even when the read as a whole fails, but for a transport
// failure, which says nothing of the blob.
func (mr *memoRead) probe(key, path, blob string, scan func() probeResult) probeResult {
	if mr == nil || blob == "" {
		return scan()
	}
	mr.probeFiles++
	k := probeFile{key, path}
	r, ok := mr.m.probes[k]
	if ok && r.blob == blob {
		mr.reused++
	} else {
		mr.runs++
		r = scan()
		r.blob = blob
		if errors.As(r.err, new(*TransportError)) {
			return r
		}
	}
	r.read = mr.m.reads
	mr.m.probes[k] = r
	return r
}

// languages are those of paths, which come from paths alone.
func (mr *memoRead) languages(paths []string) []string {
	if mr != nil && mr.samePaths {
		return mr.m.languages
	}
	return Languages(paths)
}

// components is the number of components the last inventory had.
func (mr *memoRead) components() int {
	if mr == nil {
		return 0
	}
	return mr.m.components
}

// commit makes this read's sights and inventory the memo's, and forgets
// the probe files of earlier reads once they outnumber this read's.
func (mr *memoRead) commit(inv Inventory) {
	if mr == nil {
		return
	}
	mr.m.readers = mr.readers
	mr.m.paths, mr.m.globs = mr.files.paths, mr.files.globs
	mr.m.languages, mr.m.components = inv.Languages, len(inv.Components)
	mr.m.Runs += mr.runs
	mr.m.Reused += mr.reused
	if len(mr.m.probes) > 2*mr.probeFiles {
		for k, r := range mr.m.probes {
			if r.read != mr.m.reads {
				delete(mr.m.probes, k)
			}
		}
	}
}
