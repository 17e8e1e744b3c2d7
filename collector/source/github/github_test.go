package github

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/uptake-dev/uptake/collector/source"
	"github.com/uptake-dev/uptake/config"
)

func org() []*fakeRepo {
	return []*fakeRepo{
		{Name: "api", Topics: []string{"go", "team-payments"}, Files: map[string]string{"go.mod": "module example.com/api\n"}},
		{Name: "web", Visibility: "private", Files: map[string]string{"package.json": "{}"}},
		{Name: "old", Archived: true, Files: map[string]string{"go.mod": "module example.com/old\n"}},
		{Name: "fork-of-x", Fork: true, Files: map[string]string{"go.mod": "module example.com/x\n"}},
		{Name: "tools", Visibility: "internal", Files: map[string]string{"Makefile": "all:\n"}},
		{Name: "legacy-api", Topics: []string{"go"}, Files: map[string]string{"go.mod": "module example.com/legacy\n"}},
	}
}

func names(repos []source.Repo) []string {
	var out []string
	for _, r := range repos {
		out = append(out, r.Name)
	}
	return out
}

func TestListFiltersAndPages(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edit  func(*config.Source)
		want  []string
		pages int
	}{
		// type=sources leaves the fork out on the server: 5 repos, 2 a page.
		{"defaults skip archived and forks", func(*config.Source) {}, []string{"api", "web", "tools", "legacy-api"}, 3},
		{"archived", func(c *config.Source) { c.Archived = true }, []string{"api", "web", "old", "tools", "legacy-api"}, 3},
		{"forks", func(c *config.Source) { c.Forks = true }, []string{"api", "web", "fork-of-x", "tools", "legacy-api"}, 3},
		{"include", func(c *config.Source) { c.Include = []string{"*api"} }, []string{"api", "legacy-api"}, 3},
		{"exclude", func(c *config.Source) { c.Exclude = []string{"legacy-*", "octo-org/web"} }, []string{"api", "tools"}, 3},
		{"topics", func(c *config.Source) { c.Topics = []string{"go"} }, []string{"api", "legacy-api"}, 3},
		{"visibility private", func(c *config.Source) { c.Visibility = "private" }, []string{"web"}, 1},
		{"visibility internal", func(c *config.Source) { c.Visibility = "internal" }, []string{"tools"}, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, org()...)
			f.perPage = 2
			f.srv.Start()
			cfg := f.config(t)
			tc.edit(&cfg)
			repos, err := f.source(t, cfg, Options{}).List(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, n := range tc.want {
				want = append(want, "octo-org/"+n)
			}
			if got := names(repos); !slices.Equal(got, want) {
				t.Errorf("repos = %v, want %v", got, want)
			}
			if got := f.count(routeOrgRepos); got != tc.pages {
				t.Errorf("listing pages = %d, want %d", got, tc.pages)
			}
			if got := f.total(); got != tc.pages+1 {
				// The GraphQL query for HEADs is the only other request.
				t.Errorf("requests = %d, want %d", got, tc.pages+1)
			}
		})
	}
}

func TestListFields(t *testing.T) {
	f := newFake(t, org()...)
	repos, err := f.source(t, config.Source{}, Options{}).List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	api := repos[0]
	want := source.Repo{
		Source:        "gh",
		Name:          "octo-org/api",
		DefaultBranch: "main",
		WebURL:        "https://github.com/octo-org/api",
		Topics:        []string{"go", "team-payments"},
		Head:          f.repo("api").head(),
		Ref:           nodeID("api"),
	}
	if api.Source != want.Source || api.Name != want.Name || api.DefaultBranch != want.DefaultBranch ||
		api.WebURL != want.WebURL || !slices.Equal(api.Topics, want.Topics) || api.Head != want.Head || api.Ref != want.Ref {
		t.Errorf("repo = %+v\nwant %+v", api, want)
	}
}

func TestListUser(t *testing.T) {
	for _, tc := range []struct {
		name, login, route string
		want               int
	}{
		{"the token's own user lists private repos too", "octocat", routeSelfRepos, 6},
		{"another user lists public repos", "someone-else", routeUserRepos, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, org()...)
			f.org, f.login = "octocat", tc.login
			f.srv.Start()
			cfg := f.config(t)
			cfg.Org, cfg.User, cfg.Archived, cfg.Forks = "", "octocat", true, true
			repos, err := f.source(t, cfg, Options{}).List(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if len(repos) != tc.want || f.count(tc.route) != 1 || f.count(routeSelf) != 1 {
				t.Errorf("got %d repos through %d×%s, want %d through 1", len(repos), f.count(tc.route), tc.route, tc.want)
			}
		})
	}
}

func TestHeadIsConditional(t *testing.T) {
	f := newFake(t, org()...)
	store := newStore()
	f.srv.Start()
	cfg := f.config(t)
	off := false
	cfg.GraphQL = &off
	repo := source.Repo{Name: "octo-org/api", DefaultBranch: "main"}

	head, err := f.source(t, cfg, Options{Store: store}).Head(context.Background(), repo)
	if err != nil || head != f.repo("api").head() {
		t.Fatalf("Head = %q, %v; want %q", head, err, f.repo("api").head())
	}
	// A restart with the same store: one request, answered 304.
	head, err = f.source(t, cfg, Options{Store: store}).Head(context.Background(), repo)
	if err != nil || head != f.repo("api").head() {
		t.Fatalf("Head = %q, %v", head, err)
	}
	if f.count(routeCommit) != 2 || f.code(http.StatusNotModified) != 1 {
		t.Errorf("commit lookups = %d with %d 304s, want 2 with 1", f.count(routeCommit), f.code(http.StatusNotModified))
	}
	// A push moves HEAD: 200 with the new sha.
	f.repo("api").Files["main.go"] = "package main\n"
	head, err = f.source(t, cfg, Options{Store: store}).Head(context.Background(), repo)
	if err != nil || head != f.repo("api").head() {
		t.Fatalf("Head after push = %q, %v; want %q", head, err, f.repo("api").head())
	}
	if f.code(http.StatusNotModified) != 1 {
		t.Errorf("a moved HEAD was answered 304")
	}
}

func TestHeadFromListCostsNothing(t *testing.T) {
	f := newFake(t, org()...)
	s := f.source(t, config.Source{}, Options{})
	repos, err := s.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	f.resetCounts()
	for _, r := range repos {
		if _, err := s.Head(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.total(); n != 0 {
		t.Errorf("Head made %d requests after a GraphQL listing, want 0", n)
	}
}

func TestEmptyRepo(t *testing.T) {
	f := newFake(t, &fakeRepo{Name: "empty", Empty: true}, &fakeRepo{Name: "emptied", Files: map[string]string{"a": "b"}})
	f.hook = func(w http.ResponseWriter, r *http.Request) bool {
		if r.Pattern == routeTree && r.PathValue("repo") == "emptied" {
			writeJSON(w, http.StatusNotFound, string(fixture(t, "not-found.json")))
			return true
		}
		return false
	}
	f.srv.Start()
	cfg := f.config(t)
	off := false
	cfg.GraphQL = &off
	s := f.source(t, cfg, Options{})
	ctx := context.Background()
	if _, err := s.Head(ctx, source.Repo{Name: "octo-org/empty", DefaultBranch: "main"}); !errors.Is(err, source.ErrEmpty) {
		t.Errorf("Head of an empty repo: %v, want ErrEmpty", err)
	}
	// A tree gone (404) for the commit just resolved is not an empty repo:
	// the repo fails and keeps its last good data.
	if _, err := s.Open(ctx, source.Repo{Name: "octo-org/emptied"}, f.repo("emptied").head()); err == nil || errors.Is(err, source.ErrEmpty) {
		t.Errorf("Open of a repo whose tree is gone: %v, want an error other than ErrEmpty", err)
	}
	// The 404 is taken for a host that wants a tree SHA: the commit's tree
	// is looked up once, then given up on.
	if f.count(routeCommit) != 1 || f.count(routeTree) != 2 || f.count(routeGitCommit) != 1 {
		t.Errorf("requests: %d commits, %d trees, %d git commits; want 1, 2 and 1", f.count(routeCommit), f.count(routeTree), f.count(routeGitCommit))
	}

	// Through GraphQL an empty repo costs nothing at all.
	f.resetCounts()
	s = f.source(t, config.Source{}, Options{})
	repos, err := s.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Head(ctx, repos[0]); !errors.Is(err, source.ErrEmpty) {
		t.Errorf("Head after GraphQL: %v, want ErrEmpty", err)
	}
	if f.count(routeCommit) != 0 {
		t.Errorf("Head of a repo GraphQL found empty made a request")
	}
}

func TestOpenAndRead(t *testing.T) {
	files := map[string]string{
		"go.mod":              "module example.com/api\n\ngo 1.26\n",
		".github/CODEOWNERS":  "* @octo-org/payments\n",
		"cmd/api/main.go":     "package main\n",
		"docs/read me.md":     "# hi\n",
		"deploy/big.yaml":     strings.Repeat("x", 4096),
		"services/a/go.mod":   "module example.com/a\n",
		"services/b/go.mod":   "module example.com/a\n", // same blob as services/a
		"services/b/main.go":  "package main\n",
		"services/b/.keep.md": "",
	}
	f := newFake(t, &fakeRepo{Name: "api", Files: files}, &fakeRepo{Name: "other", Files: map[string]string{"go.mod": files["go.mod"]}})
	store := newStore()
	s := f.source(t, config.Source{}, Options{Store: store})
	ctx := context.Background()
	repo := source.Repo{Name: "octo-org/api", WebURL: "https://github.com/octo-org/api"}
	head := f.repo("api").head()

	tr, err := s.Open(ctx, repo, head)
	if err != nil {
		t.Fatal(err)
	}
	if f.count(routeTree) != 1 {
		t.Errorf("Open made %d tree requests, want 1", f.count(routeTree))
	}
	var paths []string
	for _, e := range tr.Entries() {
		paths = append(paths, e.Path)
		if e.Size != int64(len(files[e.Path])) || e.Blob != blobSHA(files[e.Path]) {
			t.Errorf("%s: size %d blob %s, want %d %s", e.Path, e.Size, e.Blob, len(files[e.Path]), blobSHA(files[e.Path]))
		}
	}
	if want := slices.Sorted(maps.Keys(files)); !slices.Equal(paths, want) {
		t.Errorf("entries = %v, want %v", paths, want)
	}

	for _, p := range []string{"go.mod", "go.mod", "services/a/go.mod", "services/b/go.mod"} {
		b, err := tr.Read(ctx, p, 1<<20)
		if err != nil || string(b) != files[p] {
			t.Fatalf("Read(%s) = %q, %v", p, b, err)
		}
	}
	if n := f.count(routeBlob); n != 2 {
		t.Errorf("blob requests = %d, want 2 (one per distinct blob)", n)
	}
	// The same blob in another repo comes from the store.
	other, err := s.Open(ctx, source.Repo{Name: "octo-org/other"}, f.repo("other").head())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Read(ctx, "go.mod", 1<<20); err != nil || f.count(routeBlob) != 2 {
		t.Errorf("a blob already read was fetched again (%v)", err)
	}

	if _, err := tr.Read(ctx, "deploy/big.yaml", 1024); !errors.Is(err, source.ErrTooLarge) {
		t.Errorf("Read over the limit: %v, want ErrTooLarge", err)
	}
	if _, err := tr.Read(ctx, "nope", 1024); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Read of a missing file: %v, want fs.ErrNotExist", err)
	}
	if n := f.count(routeBlob); n != 2 {
		t.Errorf("a refused read made a request")
	}

	for _, tc := range []struct {
		path string
		line int
		want string
	}{
		{"cmd/api/main.go", 12, "https://github.com/octo-org/api/blob/" + head + "/cmd/api/main.go#L12"},
		{"docs/read me.md", 0, "https://github.com/octo-org/api/blob/" + head + "/docs/read%20me.md"},
	} {
		if got := tr.FileURL(tc.path, tc.line); got != tc.want {
			t.Errorf("FileURL(%q, %d) = %q, want %q", tc.path, tc.line, got, tc.want)
		}
	}
}

func TestOpenKeepsRegularFilesOnly(t *testing.T) {
	f := newFake(t, &fakeRepo{Name: "hello-world", Files: map[string]string{}})
	f.hook = func(w http.ResponseWriter, r *http.Request) bool {
		if r.Pattern == routeTree {
			writeJSON(w, http.StatusOK, string(fixture(t, "tree.json")))
			return true
		}
		return false
	}
	tr, err := f.source(t, config.Source{}, Options{}).Open(context.Background(), source.Repo{Name: "octo-org/hello-world"}, "7638417db6d59f3c431d3e1f261cc637155684cd")
	if err != nil {
		t.Fatal(err)
	}
	want := []source.Entry{
		{Path: ".github/CODEOWNERS", Size: 27, Blob: "3d21ec53a331a6f037a91c368710b99387d012c1"},
		{Path: "README.md", Size: 13, Blob: "980a0d5f19a64b4b30a87d4206aade58726b60e3"},
		{Path: "go.mod", Size: 46, Blob: "5716ca5987cbf97d6bb54920bea6adde242d87e6"},
		{Path: "scripts/build.sh", Size: 41, Blob: "f2ad6c76f0115a6ba5b00456a849810e7ec0af20"},
	}
	if got := tr.Entries(); !slices.Equal(got, want) {
		t.Errorf("entries = %+v\nwant %+v (no symlink, submodule or directory)", got, want)
	}
}

func TestOpenTruncatedTree(t *testing.T) {
	files := map[string]string{
		"README.md":  "top",
		"a/1":        "a1",
		"a/2":        "a2",
		"b/1":        "b1",
		"b/c/1":      "bc1",
		"b/c/2":      "bc2",
		"b/c/3":      "bc3",
		"b/d/1":      "bd1",
		"b/d/e/f/1":  "bdef1",
		"zz/last.go": "last",
	}
	f := newFake(t, &fakeRepo{Name: "mono", Files: files})
	f.truncateOver = 5
	core, logs := observer.New(zapcore.WarnLevel)
	s := f.source(t, config.Source{}, Options{Logger: zap.New(core)})
	tr, err := s.Open(context.Background(), source.Repo{Name: "octo-org/mono"}, f.repo("mono").head())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range tr.Entries() {
		got = append(got, e.Path)
	}
	want := []string{"README.md", "a/1", "a/2", "b/1", "b/c/1", "b/c/2", "b/c/3", "b/d/1", "b/d/e/f/1", "zz/last.go"}
	if !slices.Equal(got, want) {
		t.Errorf("entries = %v, want %v", got, want)
	}
	// root: truncated + listing; a, zz: whole; b: truncated + listing; b/c, b/d: whole.
	if n := f.count(routeTree); n != 8 {
		t.Errorf("tree requests = %d, want 8", n)
	}
	if n := logs.FilterMessageSnippet("truncated").Len(); n != 2 {
		t.Errorf("%d truncation warnings, want 2 (root and b/)", n)
	}
}

func TestTeams(t *testing.T) {
	repos := org()
	repos[0].Teams = map[string]string{"payments": "admin", "platform": "push"}
	repos[1].Teams = map[string]string{"web-team": "maintain", "payments": "pull"}
	f := newFake(t, repos...)
	f.perPage = 2
	repos0, err := f.source(t, config.Source{}, Options{Teams: true}).List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, r := range repos0 {
		got[r.Name] = r.Teams
	}
	if !slices.Equal(got["octo-org/api"], []string{"payments"}) || !slices.Equal(got["octo-org/web"], []string{"web-team"}) || got["octo-org/tools"] != nil {
		t.Errorf("teams = %v", got)
	}
	// Three teams on two pages, then each team's repos once.
	if f.count(routeTeams) != 2 || f.count(routeTeamRepos) != 3 {
		t.Errorf("requests: %d team pages, %d team repo listings; want 2 and 3", f.count(routeTeams), f.count(routeTeamRepos))
	}

	f.resetCounts()
	if _, err := f.source(t, config.Source{}, Options{}).List(context.Background()); err != nil {
		t.Fatal(err)
	}
	if f.count(routeTeams)+f.count(routeTeamRepos) != 0 {
		t.Errorf("teams listed though not wanted")
	}
}

func TestGraphQLBatches(t *testing.T) {
	var repos []*fakeRepo
	for i := range 250 {
		repos = append(repos, &fakeRepo{Name: fmt.Sprintf("r%03d", i), Files: map[string]string{"f": fmt.Sprint(i)}})
	}
	f := newFake(t, repos...)
	listed, err := f.source(t, config.Source{}, Options{}).List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n := f.count(routeGraphQL); n != 3 {
		t.Errorf("GraphQL queries = %d for 250 repos, want 3", n)
	}
	for _, r := range listed {
		if r.Head != f.repo(strings.TrimPrefix(r.Name, "octo-org/")).head() {
			t.Fatalf("%s: Head %q from GraphQL is wrong", r.Name, r.Head)
		}
		if !r.HeadTime.Equal(fakeCommitTime) {
			t.Fatalf("%s: HEAD time %v from GraphQL, want %v", r.Name, r.HeadTime, fakeCommitTime)
		}
	}
}

func TestGraphQLFallsBackToREST(t *testing.T) {
	ctx := context.Background()
	for _, code := range []int{http.StatusNotFound, http.StatusNotImplemented} {
		f := newFake(t, org()...)
		f.graphqlStatus = code
		s := f.source(t, config.Source{}, Options{})
		for range 2 {
			repos, err := s.List(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range repos {
				if r.Head != "" {
					t.Fatalf("%d: Head %q filled though GraphQL failed", code, r.Head)
				}
				if h, err := s.Head(ctx, r); err != nil || h == "" {
					t.Fatalf("%d: REST Head = %q, %v", code, h, err)
				}
			}
		}
		if n := f.count(routeGraphQL); n != 1 {
			t.Errorf("%d: GraphQL tried %d times, want once and never again", code, n)
		}
	}

	f := newFake(t, org()...)
	f.auth = ""
	f.srv.Start()
	anon := f.source(t, f.config(t), Options{})
	cfg := f.config(t)
	off := false
	cfg.GraphQL = &off
	for _, s := range []*Source{anon, f.source(t, cfg, Options{})} {
		if _, err := s.List(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.count(routeGraphQL); n != 0 {
		t.Errorf("GraphQL used anonymously or switched off: %d queries", n)
	}
}

func TestGraphQLPartialAnswer(t *testing.T) {
	f := newFake(t, &fakeRepo{Name: "a", Files: map[string]string{"x": "1"}}, &fakeRepo{Name: "gone", Files: map[string]string{"x": "2"}}, &fakeRepo{Name: "c", Files: map[string]string{"x": "3"}})
	f.hook = func(w http.ResponseWriter, r *http.Request) bool {
		if r.Pattern == routeGraphQL {
			writeJSON(w, http.StatusOK, string(fixture(t, "graphql-nodes.json")))
			return true
		}
		return false
	}
	s := f.source(t, config.Source{}, Options{})
	ctx := context.Background()
	repos, err := s.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if repos[0].Head != "6dcb09b5b57875f334f61aebed695e2e4193db5e" || repos[1].Head != "" || repos[2].Head != "" {
		t.Errorf("heads = %q %q %q", repos[0].Head, repos[1].Head, repos[2].Head)
	}
	if _, err := s.Head(ctx, repos[2]); !errors.Is(err, source.ErrEmpty) {
		t.Errorf("a repo without defaultBranchRef: %v, want ErrEmpty", err)
	}
	if h, err := s.Head(ctx, repos[1]); err != nil || h != f.repo("gone").head() {
		t.Errorf("unresolved node: Head = %q, %v; want it over REST", h, err)
	}
	if f.count(routeCommit) != 1 {
		t.Errorf("commit lookups = %d, want 1", f.count(routeCommit))
	}
}

func TestGitHubApp(t *testing.T) {
	f := newFake(t, org()...)
	f.auth = "token ghs_installation"
	f.srv.Start()
	cfg := config.Source{Name: "gh", Type: "github", Org: f.org, BaseURL: f.srv.URL + "/api/v3/", AppID: 42, InstallationID: 7, PrivateKeyFile: writeKey(t)}
	s := f.source(t, cfg, Options{})
	repos, err := s.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(repos) != 4 || repos[0].Head == "" {
		t.Errorf("App listing: %v", names(repos))
	}
	if _, err := s.Open(context.Background(), repos[0], repos[0].Head); err != nil {
		t.Fatal(err)
	}
	if n := f.count(routeToken); n != 1 {
		t.Errorf("installation token exchanged %d times, want 1", n)
	}
}

func TestTLSWithPrivateCA(t *testing.T) {
	f := newFake(t, org()...)
	f.srv.StartTLS()
	cfg := f.config(t)
	cfg.TLS.CAFile = writeCA(t, f.srv.Certificate())
	if _, err := f.source(t, cfg, Options{}).List(context.Background()); err != nil {
		t.Fatal(err)
	}
	cfg.TLS.CAFile = ""
	if _, err := f.source(t, cfg, Options{}).List(context.Background()); err == nil {
		t.Error("a private CA was trusted without tls.ca_file")
	}
}

func TestGraphQLURL(t *testing.T) {
	for base, want := range map[string]string{
		"https://api.github.com/":            "https://api.github.com/graphql",
		"https://ghe.example.com/api/v3/":    "https://ghe.example.com/api/graphql",
		"https://example.com/ghe/api/v3/":    "https://example.com/ghe/api/graphql",
		"https://api.ghe.example.com/":       "https://api.ghe.example.com/graphql",
		"https://ghe.example.com/prefix/v3/": "https://ghe.example.com/prefix/v3/graphql",
	} {
		if got := graphqlURL(base); got != want {
			t.Errorf("graphqlURL(%q) = %q, want %q", base, got, want)
		}
	}
}

// writeKey writes a GitHub App private key, PEM as GitHub hands it out.
func writeKey(t *testing.T) string {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return writePEM(t, "app.pem", "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(key))
}

func writeCA(t *testing.T, cert *x509.Certificate) string {
	t.Helper()
	return writePEM(t, "ca.pem", "CERTIFICATE", cert.Raw)
}

func writePEM(t *testing.T, name, typ string, der []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
