package github

import (
	"net/http"
	"strings"
	"testing"

	"github.com/uptake-dev/uptake/collector/source"
	"github.com/uptake-dev/uptake/config"
)

// TestPrefetchReadsSmallFilesInOneQuery: a tree's planned files come in one
// GraphQL query, verified against their blob ids; a text that does not hash
// to its id, and a file GraphQL did not serve, go over REST.
func TestPrefetchReadsSmallFilesInOneQuery(t *testing.T) {
	files := map[string]string{"go.mod": "module a\n", ".github/CODEOWNERS": "* @octo-org/payments\n", "deploy/values.yaml": "image: x\n"}
	f := newFake(t, &fakeRepo{Name: "api", Files: files})
	f.hook = func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path != "/api/graphql" {
			return false
		}
		// Alter one text on the way: its hash no longer matches.
		rec := &bodyRewriter{ResponseWriter: w, from: `image: x\n`, to: `image: y\n`}
		f.graphql(rec, r)
		return true
	}
	s := f.source(t, config.Source{}, Options{})
	cfg := f.config(t)
	tr, err := s.Open(t.Context(), source.Repo{Name: "octo-org/api"}, f.repo("api").head())
	if err != nil {
		t.Fatal(err)
	}
	tr.(source.Prefetcher).Prefetch(t.Context(), []string{"go.mod", ".github/CODEOWNERS", "deploy/values.yaml"}, 1<<20)
	if n := f.count(routeGraphQL); n != 1 {
		t.Fatalf("%d GraphQL queries for 3 files, want 1", n)
	}
	for path, want := range files {
		if b, err := tr.Read(t.Context(), path, 1<<20); err != nil || string(b) != want {
			t.Fatalf("%s = %q, %v", path, b, err)
		}
	}
	if n := f.count(routeBlob); n != 1 {
		t.Fatalf("%d REST blob reads, want 1: only the altered text", n)
	}

	// GraphQL off: nothing is prefetched.
	off := false
	cfg.GraphQL = &off
	f.resetCounts()
	tr, _ = f.source(t, cfg, Options{}).Open(t.Context(), source.Repo{Name: "octo-org/api"}, f.repo("api").head())
	tr.(source.Prefetcher).Prefetch(t.Context(), []string{"go.mod"}, 1<<20)
	if n := f.count(routeGraphQL); n != 0 {
		t.Fatalf("graphql: false still queried GraphQL %d times", n)
	}
}

// bodyRewriter replaces text in a JSON answer, keeping its length.
type bodyRewriter struct {
	http.ResponseWriter
	from, to string
}

func (b *bodyRewriter) Write(p []byte) (int, error) {
	return b.ResponseWriter.Write([]byte(strings.ReplaceAll(string(p), b.from, b.to)))
}
