// Package sourcetest provides an in-memory source.Tree for tests of the
// stages that read trees.
package sourcetest

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"io/fs"
	"sort"
	"sync"

	"github.com/uptake-dev/uptake/collector/source"
)

// Tree is a repo tree held in memory; it records the paths read.
type Tree struct {
	Files map[string]string
	// Fail makes reading a listed path fail with its error, as a transport
	// fault would.
	Fail map[string]error

	mu    sync.Mutex
	reads []string
	// ids are blob ids by content, computed once each.
	ids map[string]string
}

// NewTree returns a tree of files (path → content).
func NewTree(files map[string]string) *Tree { return &Tree{Files: files} }

// Entries lists the files, sorted.
func (t *Tree) Entries() []source.Entry {
	out := make([]source.Entry, 0, len(t.Files))
	t.mu.Lock()
	if t.ids == nil {
		t.ids = map[string]string{}
	}
	for p, c := range t.Files {
		id, ok := t.ids[c]
		if !ok {
			id = BlobID(c)
			t.ids[c] = id
		}
		out = append(out, source.Entry{Path: p, Size: int64(len(c)), Blob: id})
	}
	t.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// BlobID is the git blob id of content, as a real source lists it.
func BlobID(content string) string {
	h := sha1.New()
	fmt.Fprintf(h, "blob %d\x00%s", len(content), content)
	return hex.EncodeToString(h.Sum(nil))
}

// Read returns a file's content, size-capped as a real source does.
func (t *Tree) Read(_ context.Context, path string, limit int64) ([]byte, error) {
	t.mu.Lock()
	t.reads = append(t.reads, path)
	t.mu.Unlock()
	if err := t.Fail[path]; err != nil {
		return nil, err
	}
	c, ok := t.Files[path]
	if !ok {
		return nil, fmt.Errorf("%s: %w", path, fs.ErrNotExist)
	}
	if limit > 0 && int64(len(c)) > limit {
		return nil, source.TooLarge(path, int64(len(c)), limit)
	}
	return []byte(c), nil
}

// FileURL links to a made-up host.
func (t *Tree) FileURL(path string, line int) string {
	return fmt.Sprintf("https://git.example/%s#L%d", path, line)
}

// Reads are the paths read so far, in order.
func (t *Tree) Reads() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]string(nil), t.reads...)
}
