package github

import (
	"errors"
	"io/fs"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/uptake-dev/uptake/collector/source"
	"github.com/uptake-dev/uptake/config"
)

// TestReadErrorContract: only a path the tree does not list reads as
// missing; a listed blob the host will not serve is a fault.
func TestReadErrorContract(t *testing.T) {
	f := newFake(t, &fakeRepo{Name: "api", Files: map[string]string{"go.mod": "module a\n", "gone.txt": "x\n"}})
	f.hook = func(w http.ResponseWriter, r *http.Request) bool {
		switch {
		case strings.HasSuffix(r.URL.Path, "/git/blobs/"+blobSHA("x\n")):
			writeJSON(w, http.StatusNotFound, string(fixture(t, "not-found.json")))
			return true
		case strings.HasSuffix(r.URL.Path, "/git/blobs/"+blobSHA("module a\n")):
			writeJSON(w, http.StatusGone, `{"message":"Gone","status":"410"}`)
			return true
		}
		return false
	}
	s := f.source(t, config.Source{}, Options{Store: newStore()})
	tr, err := s.Open(t.Context(), source.Repo{Name: "octo-org/api"}, f.repo("api").head())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Read(t.Context(), "nope", 1<<20); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("unlisted path: %v, want fs.ErrNotExist", err)
	}
	for _, p := range []string{"gone.txt", "go.mod"} {
		if _, err := tr.Read(t.Context(), p, 1<<20); err == nil || errors.Is(err, fs.ErrNotExist) || errors.Is(err, source.ErrTooLarge) {
			t.Errorf("listed %s answering 404/410: %v, want a fault", p, err)
		}
	}
}

// TestBlobsAreVerified: a body that is not the listed blob (here one of
// the same length) is a fault and never stored; a stored entry that does not
// match is dropped, refetched and replaced, with one warning.
func TestBlobsAreVerified(t *testing.T) {
	const content = "module a\n"
	sha := blobSHA(content)
	f := newFake(t, &fakeRepo{Name: "api", Files: map[string]string{"go.mod": content}})
	var forge atomic.Bool
	forge.Store(true)
	f.hook = func(w http.ResponseWriter, r *http.Request) bool {
		if !forge.Load() || !strings.HasSuffix(r.URL.Path, "/git/blobs/"+sha) {
			return false
		}
		w.Header().Set("Content-Type", "application/vnd.github.raw")
		_, _ = w.Write([]byte("module b\n"))
		return true
	}
	store := newStore()
	core, logs := observer.New(zap.WarnLevel)
	s := f.source(t, config.Source{}, Options{Store: store, Logger: zap.New(core)})
	tr, err := s.Open(t.Context(), source.Repo{Name: "octo-org/api"}, f.repo("api").head())
	if err != nil {
		t.Fatal(err)
	}
	_, err = tr.Read(t.Context(), "go.mod", 1<<20)
	if err == nil || errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "content does not match blob "+sha) {
		t.Errorf("Read of a forged blob = %v, want a mismatch fault", err)
	}
	if b, ok := store.Get("github/blob/" + sha); ok {
		t.Errorf("forged content stored: %q", b)
	}

	forge.Store(false)
	if err := store.Put("github/blob/"+sha, []byte("module c\n")); err != nil {
		t.Fatal(err)
	}
	if b, err := tr.Read(t.Context(), "go.mod", 1<<20); err != nil || string(b) != content {
		t.Errorf("Read over a corrupted store entry = %q, %v, want the content", b, err)
	}
	if b, _ := store.Get("github/blob/" + sha); string(b) != content {
		t.Errorf("store holds %q after the refetch", b)
	}
	if n := logs.FilterMessageSnippet("does not match").Len(); n != 1 {
		t.Errorf("%d warnings about the corrupted entry, want 1", n)
	}
}

// TestBlobBodyIsBounded: a blob answered with far more bytes than the tree
// says it has is a fault, and the source stops reading at the tree's size
// instead of holding whatever the host streams.
func TestBlobBodyIsBounded(t *testing.T) {
	const content = "module a\n"
	f := newFake(t, &fakeRepo{Name: "api", Files: map[string]string{"go.mod": content}})
	const endless = 256 << 20
	var written atomic.Int64
	f.hook = func(w http.ResponseWriter, r *http.Request) bool {
		if !strings.Contains(r.URL.Path, "/git/blobs/") {
			return false
		}
		w.Header().Set("Content-Type", "application/vnd.github.raw")
		chunk := []byte(strings.Repeat(content, 64<<10/len(content)))
		for written.Load() < endless {
			n, err := w.Write(chunk)
			written.Add(int64(n))
			if err != nil {
				break
			}
		}
		return true
	}
	s := f.source(t, config.Source{}, Options{})
	tr, err := s.Open(t.Context(), source.Repo{Name: "octo-org/api"}, f.repo("api").head())
	if err != nil {
		t.Fatal(err)
	}
	_, err = tr.Read(t.Context(), "go.mod", 1<<20)
	if err == nil || errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "content does not match blob") {
		t.Errorf("Read of an endless blob = %v, want a mismatch fault", err)
	}
	// What the socket buffers took before the source hung up, not all of it.
	if n := written.Load(); n >= endless {
		t.Errorf("the host wrote all %d bytes: the source read them", n)
	}
}
