package gitlab

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/uptake-dev/uptake/collector/source"
	"github.com/uptake-dev/uptake/collector/source/remote"
	"github.com/uptake-dev/uptake/config"
)

func blobID(b []byte) string { return remote.BlobID(b, false) }

// graphqlConfig is testConfig with GraphQL on, as by default.
func graphqlConfig(t testing.TB, f *fakeGitLab) config.Source {
	cfg := testConfig(t, f)
	cfg.GraphQL = nil
	return cfg
}

// prefetchRead opens each listed repo at its HEAD, prefetches the needed
// files it has and reads them, as the inventory stage does.
func prefetchRead(t *testing.T, s *Source, repos []source.Repo, limit int64) map[string]map[string]string {
	t.Helper()
	got := map[string]map[string]string{}
	for _, r := range repos {
		head, err := s.Head(t.Context(), r)
		if errors.Is(err, source.ErrEmpty) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		tr, err := s.Open(t.Context(), r, head)
		if err != nil {
			t.Fatal(err)
		}
		var paths []string
		for _, e := range tr.Entries() {
			if strings.HasSuffix(e.Path, ".gitlab-ci.yml") || strings.HasSuffix(e.Path, "CODEOWNERS") {
				paths = append(paths, e.Path)
			}
		}
		tr.(source.Prefetcher).Prefetch(t.Context(), paths, limit)
		got[r.Name] = map[string]string{}
		for _, p := range paths {
			b, err := tr.Read(t.Context(), p, limit)
			if err != nil {
				got[r.Name][p] = "error: " + err.Error()
				continue
			}
			got[r.Name][p] = string(b)
		}
	}
	return got
}

// TestGraphQLHeadsAndFiles: with GraphQL, HEADs come with the listing (one
// query per 50 projects, no branch lookup) and each project's files in one
// query, each verified against its blob id; a text altered on the way, a
// binary and an unanswered query go over REST, and the contents are those
// REST reads.
func TestGraphQLHeadsAndFiles(t *testing.T) {
	t.Parallel()
	projects := groupProjects(t, 60)
	projects[3].files["CODEOWNERS"] = []byte("* @acme/\x00binary\n")
	projects[4].files["CODEOWNERS"] = []byte("* @acme/altered\n")
	for _, p := range projects[3:5] {
		p.tree = append(p.tree, treeNode{ID: blobID(p.files["CODEOWNERS"]), Name: "CODEOWNERS", Type: "blob", Path: "CODEOWNERS", Mode: "100644"})
	}
	f := newFake(t, projects)
	f.hook = func(w http.ResponseWriter, r *http.Request, ep string, _ int) bool {
		if ep != epGraphQL {
			return false
		}
		f.serveGraphQL(&rewriter{ResponseWriter: w, from: "@acme/altered", to: "@acme/ALTERED"}, r)
		return true
	}
	rest := newTestSource(t, testConfig(t, f), Options{})
	repos, err := rest.List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := prefetchRead(t, rest, repos, 1<<20)

	before := f.requests()
	s := newTestSource(t, graphqlConfig(t, f), Options{})
	repos, err = s.List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if n := f.count(epGraphQL, 0); n != 2 {
		t.Fatalf("%d GraphQL queries for the HEADs of 60 projects, want 2", n)
	}
	for _, r := range repos {
		if r.Head == "" {
			t.Fatalf("%s listed without its HEAD", r.Name)
		}
		if !r.HeadTime.Equal(fixtureCommitTime) {
			t.Fatalf("%s listed with HEAD time %v, want the commit's %v", r.Name, r.HeadTime, fixtureCommitTime)
		}
	}
	branches, raws := f.count(epBranch, 0), f.count(epRaw, 0)
	got := prefetchRead(t, s, repos, 1<<20)
	if n := f.count(epBranch, 0) - branches; n != 0 {
		t.Errorf("%d REST HEAD lookups, want none", n)
	}
	for name, files := range want {
		for p, content := range files {
			if got[name][p] != content {
				t.Errorf("%s %s = %q over GraphQL, %q over REST", name, p, got[name][p], content)
			}
		}
	}
	// REST reads: the binary and the altered CODEOWNERS only.
	if n := f.count(epRaw, 0) - raws; n != 2 {
		t.Errorf("%d REST file reads, want 2", n)
	}
	if cost, restCost := f.requests()-before, before; cost >= restCost {
		t.Errorf("GraphQL scan cost %d requests, REST %d", cost, restCost)
	}
}

// TestGraphQLFailureGoesOverREST: an instance without GraphQL (404) is
// asked once; one that refuses a query (its errors, as for too complex a
// query) is asked again for the next. Either way HEADs and files go over
// REST and read the same.
func TestGraphQLFailureGoesOverREST(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		answer  func(w http.ResponseWriter)
		queries int
	}{
		{"no GraphQL", func(w http.ResponseWriter) { message(w, http.StatusNotFound, "404 Not Found") }, 1},
		{"refused", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"errors":[{"message":"Query has complexity of 301, which exceeds max complexity of 250"}]}`))
		}, 1 + 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, groupProjects(t, 3))
			f.hook = func(w http.ResponseWriter, _ *http.Request, ep string, _ int) bool {
				if ep != epGraphQL {
					return false
				}
				tc.answer(w)
				return true
			}
			s := newTestSource(t, graphqlConfig(t, f), Options{})
			repos, err := s.List(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			got := prefetchRead(t, s, repos, 1<<20)
			for name, files := range got {
				for p, content := range files {
					if strings.HasPrefix(content, "error") {
						t.Errorf("%s %s: %s", name, p, content)
					}
				}
			}
			if len(got) != 3 || f.count(epGraphQL, 0) != tc.queries || f.count(epBranch, 0) != 3 || f.count(epRaw, 0) == 0 {
				t.Fatalf("read %d projects with %d GraphQL queries, %d branch lookups, %d raw reads; want 3 with %d, 3, some",
					len(got), f.count(epGraphQL, 0), f.count(epBranch, 0), f.count(epRaw, 0), tc.queries)
			}
		})
	}
}

// TestGraphQLBoundsWhatItTakes: a file GitLab says is over the limit is too
// large without a request; an answer past its byte bound (a huge text the
// tree gave no size for) is dropped and its files read over REST, each
// within its limit.
func TestGraphQLBoundsWhatItTakes(t *testing.T) {
	t.Parallel()
	projects := groupProjects(t, 2)
	huge := strings.Repeat("# padding\n", maxBlobsAnswer/10+1)
	projects[1].files[".gitlab-ci.yml"] = []byte(huge)
	for i, n := range projects[1].tree {
		if n.Path == ".gitlab-ci.yml" {
			projects[1].tree[i].ID = blobID([]byte(huge))
		}
	}
	f := newFake(t, projects)
	s := newTestSource(t, graphqlConfig(t, f), Options{})
	repos, err := s.List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	got := prefetchRead(t, s, repos[:1], 10)
	for p, v := range got[repos[0].Name] {
		if !strings.Contains(v, "too large") {
			t.Errorf("%s = %q, want too large from GitLab's size", p, v)
		}
	}
	if n := f.count(epRaw, 0); n != 0 {
		t.Errorf("%d REST reads of files GraphQL said are too large", n)
	}
	got = prefetchRead(t, s, repos[1:], int64(len(huge)))
	if v := got[repos[1].Name][".gitlab-ci.yml"]; v != huge {
		t.Errorf("the huge file read as %.40q…, want it whole over REST", v)
	}
	if n := f.count(epRaw, projects[1].id); n != len(got[repos[1].Name]) {
		t.Errorf("%d REST reads, want the dropped batch's %d files", n, len(got[repos[1].Name]))
	}
}

// rewriter replaces text in an answer on its way out.
type rewriter struct {
	http.ResponseWriter
	from, to string
}

func (w *rewriter) Write(p []byte) (int, error) {
	return w.ResponseWriter.Write([]byte(strings.ReplaceAll(string(p), w.from, w.to)))
}
