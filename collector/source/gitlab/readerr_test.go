package gitlab

import (
	"bytes"
	"errors"
	"io/fs"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/uptake-dev/uptake/collector/source"
)

// TestReadErrorContract: only a path the tree does not list reads as
// missing; a listed file the host will not serve is a fault.
func TestReadErrorContract(t *testing.T) {
	t.Parallel()
	f := newFake(t, loadFixtures(t))
	codes := map[int]int{1: http.StatusNotFound, 2: http.StatusGone}
	f.fault = func(w http.ResponseWriter, ep string, _ int64, n int) bool {
		if ep != epRaw || codes[n] == 0 {
			return false
		}
		message(w, codes[n], "404 File Not Found")
		return true
	}
	s := newTestSource(t, testConfig(t, f), Options{Store: newMemStore()})
	repos, err := s.List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	tree, _ := openRepo(t, s, repos, "acme/payments/api-team/ledger")
	if _, err := tree.Read(t.Context(), "nope", 1<<20); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("unlisted path: %v, want fs.ErrNotExist", err)
	}
	for range 2 {
		if _, err := tree.Read(t.Context(), "go.mod", 1<<20); err == nil || errors.Is(err, fs.ErrNotExist) || errors.Is(err, source.ErrTooLarge) {
			t.Errorf("listed go.mod answering 404/410: %v, want a fault", err)
		}
	}
	if b, err := tree.Read(t.Context(), "go.mod", 1<<20); err != nil || string(b) != string(f.byID[102].files["go.mod"]) {
		t.Errorf("third read = %q, %v: want the content", b, err)
	}
}

// TestBlobsAreVerified: a body that is not the listed blob (here one of
// the same length) is a fault and never stored; a stored entry that does not
// match is dropped, refetched and replaced, with one warning.
func TestBlobsAreVerified(t *testing.T) {
	t.Parallel()
	f := newFake(t, loadFixtures(t))
	content := f.byID[102].files["go.mod"]
	var blob string
	for _, n := range f.byID[102].tree {
		if n.Path == "go.mod" {
			blob = n.ID
		}
	}
	var forge atomic.Bool
	forge.Store(true)
	f.fault = func(w http.ResponseWriter, ep string, _ int64, _ int) bool {
		if ep != epRaw || !forge.Load() {
			return false
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write(bytes.ToUpper(content))
		return true
	}
	store := newMemStore()
	core, logs := observer.New(zap.WarnLevel)
	s := newTestSource(t, testConfig(t, f), Options{Store: store, Logger: zap.New(core)})
	repos, err := s.List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	tree, _ := openRepo(t, s, repos, "acme/payments/api-team/ledger")
	_, err = tree.Read(t.Context(), "go.mod", 1<<20)
	if err == nil || errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "content does not match blob "+blob) {
		t.Errorf("Read of a forged file = %v, want a mismatch fault", err)
	}
	if b, ok := store.Get("gitlab/blob/" + blob); ok {
		t.Errorf("forged content stored: %q", b)
	}

	forge.Store(false)
	if err := store.Put("gitlab/blob/"+blob, []byte("corrupt")); err != nil {
		t.Fatal(err)
	}
	if b, err := tree.Read(t.Context(), "go.mod", 1<<20); err != nil || !bytes.Equal(b, content) {
		t.Errorf("Read over a corrupted store entry = %q, %v, want the content", b, err)
	}
	if b, _ := store.Get("gitlab/blob/" + blob); !bytes.Equal(b, content) {
		t.Errorf("store holds %q after the refetch", b)
	}
	if n := logs.FilterMessageSnippet("does not match").Len(); n != 1 {
		t.Errorf("%d warnings about the corrupted entry, want 1", n)
	}
}
