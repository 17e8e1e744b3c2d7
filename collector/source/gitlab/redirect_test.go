package gitlab

import (
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

// TestRedirects: a redirect to another host is not followed, so the
// PRIVATE-TOKEN (which net/http would copy) never reaches it, its body is
// never taken as the file, and the request fails without a retry.
func TestRedirects(t *testing.T) {
	t.Parallel()
	var other atomic.Int32
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		other.Add(1)
		for _, h := range []string{"Private-Token", "Job-Token", "Authorization"} {
			if r.Header.Get(h) != "" {
				t.Errorf("%s sent to another host", h)
			}
		}
		_, _ = w.Write([]byte("not the file"))
	}))
	defer elsewhere.Close()
	f := newFake(t, loadFixtures(t))
	var listing atomic.Bool
	f.fault = func(w http.ResponseWriter, ep string, _ int64, _ int) bool {
		if ep == epRaw || (ep == epProjects && listing.Load()) {
			w.Header().Set("Location", elsewhere.URL+"/file")
			w.WriteHeader(http.StatusFound)
			return true
		}
		return false
	}
	core, logs := observer.New(zap.WarnLevel)
	store := newMemStore()
	s := newTestSource(t, testConfig(t, f), Options{Store: store, Logger: zap.New(core)})
	repos, err := s.List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	tree, _ := openRepo(t, s, repos, "acme/payments/api-team/ledger")
	for range 2 {
		if _, err := tree.Read(t.Context(), "go.mod", 1<<20); err == nil || errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Read redirected to another host = %v, want a fault", err)
		}
	}
	if n := f.count(epRaw, 102); n != 2 {
		t.Errorf("%d raw requests, want 2: a refused redirect is not retried", n)
	}
	listing.Store(true)
	if _, err := s.List(t.Context()); err == nil {
		t.Error("List redirected to another host succeeded")
	}
	if n := other.Load(); n != 0 {
		t.Errorf("the other host got %d requests", n)
	}
	if len(store.m) != 0 {
		t.Errorf("stored %d entries from refused redirects", len(store.m))
	}
	if n := logs.FilterMessageSnippet("redirect to another host").Len(); n != 1 {
		t.Errorf("%d warnings, want one for the host", n)
	}
}
