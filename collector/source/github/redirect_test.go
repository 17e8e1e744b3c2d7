package github

import (
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/uptake-dev/uptake/collector/source"
	"github.com/uptake-dev/uptake/config"
)

// TestRedirects: a rename's 301 on the same host is followed with the
// token; a redirect to another host is not followed at all, so the token
// never reaches it and its body is never taken, and it fails the request.
func TestRedirects(t *testing.T) {
	const content = "module a\n"
	var other atomic.Int32
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		other.Add(1)
		if r.Header.Get("Authorization") != "" {
			t.Errorf("token sent to another host")
		}
		w.Header().Set("Content-Type", "application/vnd.github.raw")
		_, _ = w.Write([]byte(content)) // even the right bytes are not taken from it
	}))
	defer elsewhere.Close()
	f := newFake(t, &fakeRepo{Name: "api", Files: map[string]string{"go.mod": content}})
	f.hook = func(w http.ResponseWriter, r *http.Request) bool {
		switch {
		case strings.Contains(r.URL.Path, "/repos/octo-org/old-api/"):
			// A renamed repo: GitHub answers 301 to the new name on its own host.
			http.Redirect(w, r, strings.Replace(r.URL.String(), "/old-api/", "/api/", 1), http.StatusMovedPermanently)
			return true
		case strings.Contains(r.URL.Path, "/git/blobs/"):
			http.Redirect(w, r, elsewhere.URL+r.URL.Path, http.StatusFound)
			return true
		case strings.HasSuffix(r.URL.Path, "/orgs/octo-org/repos"):
			http.Redirect(w, r, elsewhere.URL+r.URL.Path, http.StatusMovedPermanently)
			return true
		}
		return false
	}
	core, logs := observer.New(zap.WarnLevel)
	store := newStore()
	s := f.source(t, config.Source{}, Options{Store: store, Logger: zap.New(core)})
	head := f.repo("api").head()
	tr, err := s.Open(t.Context(), source.Repo{Name: "octo-org/old-api"}, head)
	if err != nil {
		t.Fatalf("Open through a same-host 301: %v", err)
	}
	for range 2 {
		if _, err := tr.Read(t.Context(), "go.mod", 1<<20); err == nil || errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Read redirected to another host = %v, want a fault", err)
		}
	}
	if _, err := s.List(t.Context()); err == nil {
		t.Error("List redirected to another host succeeded")
	}
	if n := other.Load(); n != 0 {
		t.Errorf("the other host got %d requests", n)
	}
	if _, ok := store.Get("github/blob/" + blobSHA(content)); ok {
		t.Error("a blob was stored from a refused redirect")
	}
	if n := logs.FilterMessageSnippet("redirect to another host").Len(); n != 1 {
		t.Errorf("%d warnings, want one for the host", n)
	}
	if to := logs.All()[0].ContextMap()["to"]; to != elsewhere.URL {
		t.Errorf("logged to=%v, want the host only", to)
	}
}
