package github

import (
	"errors"
	"io/fs"
	"net/http"
	"strings"
	"testing"

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
