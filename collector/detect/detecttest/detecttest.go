// Package detecttest provides an in-memory detect.Files for detector tests.
package detecttest

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/bmatcuk/doublestar/v4"
)

// Files is a repo tree held in memory: path → content.
type Files map[string]string

// Glob matches a doublestar pattern against the paths, sorted.
func (f Files) Glob(pattern string) []string {
	var out []string
	for p := range f {
		if ok, _ := doublestar.Match(pattern, p); ok {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

// Read returns a file's content.
func (f Files) Read(path string) ([]byte, error) {
	s, ok := f[path]
	if !ok {
		return nil, fmt.Errorf("%s: %w", path, fs.ErrNotExist)
	}
	return []byte(s), nil
}

// Follow returns a file's content, as Read.
func (f Files) Follow(path string) ([]byte, error) { return f.Read(path) }

// Dir loads every file below dir (relative, slash-separated paths).
func Dir(t testing.TB, dir string) Files {
	t.Helper()
	out := Files{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = string(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// CRLF returns a copy with every line ending turned into CRLF.
func (f Files) CRLF() Files {
	out := Files{}
	for p, s := range f {
		out[p] = strings.ReplaceAll(s, "\n", "\r\n")
	}
	return out
}
