package gitlab

import (
	"errors"
	"io/fs"
	"net/http"
	"testing"

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
