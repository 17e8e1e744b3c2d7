package gitlab

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
	"golang.org/x/time/rate"

	"github.com/uptake-dev/uptake/collector/source"
	"github.com/uptake-dev/uptake/config"
)

// waits records the retry waits the real backoff asks for, and returns 0
// so tests never sleep.
type waits struct {
	mu sync.Mutex
	d  []time.Duration
}

func (w *waits) backoff(waitMin, waitMax time.Duration, attempt int, resp *http.Response) time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.d = append(w.d, backoff(waitMin, waitMax, attempt, resp))
	return 0
}

func (w *waits) all() []time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.d)
}

// testConfig is a gitlab source on the fake, token read from a file.
func testConfig(t testing.TB, f *fakeGitLab) config.Source {
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte(f.token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// The REST contract: tests of GraphQL turn it on.
	sub, graphql := true, false
	return config.Source{Name: "gl", Type: "gitlab", Group: "acme", IncludeSubgroups: &sub,
		BaseURL: f.url(), TokenFile: tokenFile, GraphQL: &graphql}
}

func newTestSource(t testing.TB, cfg config.Source, opts Options) *Source {
	t.Helper()
	if opts.Backoff == nil {
		opts.Backoff = (&waits{}).backoff
	}
	s, err := New(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func names(repos []source.Repo) []string {
	var out []string
	for _, r := range repos {
		out = append(out, r.Name)
	}
	return out
}

func repoNamed(t *testing.T, repos []source.Repo, name string) source.Repo {
	t.Helper()
	for _, r := range repos {
		if r.Name == name {
			return r
		}
	}
	t.Fatalf("no repo %s in %v", name, names(repos))
	return source.Repo{}
}

func TestListNestedSubgroups(t *testing.T) {
	t.Parallel()
	f := newFake(t, loadFixtures(t))
	s := newTestSource(t, testConfig(t, f), Options{})

	repos, err := s.List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := []source.Repo{
		{Name: "acme/payments/api-team/ledger", DefaultBranch: "trunk", Namespace: "payments/api-team",
			Topics: []string{"team-payments", "Go"}, Ref: "102"},
		{Name: "acme/payments/checkout", DefaultBranch: "main", Namespace: "payments", Ref: "103"},
		{Name: "acme/platform-ci", DefaultBranch: "main", Namespace: "",
			Topics: []string{"team-platform", "ci-templates"}, Ref: "101"},
		{Name: "acme/platform/observability/dashboards", DefaultBranch: "release/2.x",
			Namespace: "platform/observability", Topics: []string{"team-observability"}, Ref: "107"},
		// Empty: listed, but with no branch to scan.
		{Name: "acme/sandbox/empty", DefaultBranch: "", Namespace: "sandbox", Ref: "105"},
	}
	if len(repos) != len(want) {
		t.Fatalf("List = %v, want %d repos (archived, shared, pending deletion and repository-less left out)",
			names(repos), len(want))
	}
	for i, w := range want {
		w.Source = "gl"
		w.WebURL = "https://gitlab.example.com/" + w.Name
		w.CloneURL = w.WebURL + ".git"
		got := repos[i]
		if len(got.Topics) == 0 {
			got.Topics = nil
		}
		if !reflect.DeepEqual(got, w) {
			t.Errorf("repo %d:\n got %+v\nwant %+v", i, got, w)
		}
	}
	if n := f.requests(); n != 1 {
		t.Errorf("List made %d requests, want 1 listing page", n)
	}
}

func TestListPagination(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		noLink bool
	}{
		{"Link and X-Next-Page", false},
		{"X-Next-Page only", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, loadFixtures(t))
			f.maxPerPage = 2
			f.noLink = tc.noLink
			s := newTestSource(t, testConfig(t, f), Options{})
			repos, err := s.List(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if len(repos) != 5 {
				t.Errorf("List = %v, want 5 repos", names(repos))
			}
			// 7 projects pass GitLab's filters; 2 of them are dropped here.
			if n := f.count(epProjects, 0); n != 4 {
				t.Errorf("listing pages requested = %d, want 4", n)
			}
		})
	}
}

func TestListFilters(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		set  func(*config.Source)
		want []string
	}{
		{"no subgroups", func(c *config.Source) { c.IncludeSubgroups = new(bool) },
			[]string{"acme/platform-ci"}},
		{"archived too", func(c *config.Source) { c.Archived = true; c.Include = []string{"acme/legacy/**"} },
			[]string{"acme/legacy/old-app"}},
		{"visibility", func(c *config.Source) { c.Visibility = "internal" },
			[]string{"acme/payments/checkout"}},
		{"include and exclude", func(c *config.Source) {
			c.Include = []string{"acme/payments/**", "acme/platform-ci"}
			c.Exclude = []string{"**/checkout"}
		}, []string{"acme/payments/api-team/ledger", "acme/platform-ci"}},
		{"any topic, any case", func(c *config.Source) { c.Topics = []string{"TEAM-PAYMENTS", "team-observability"} },
			[]string{"acme/payments/api-team/ledger", "acme/platform/observability/dashboards"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, loadFixtures(t))
			cfg := testConfig(t, f)
			tc.set(&cfg)
			repos, err := newTestSource(t, cfg, Options{}).List(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if got := names(repos); !slices.Equal(got, tc.want) {
				t.Errorf("List = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestListGroupByID(t *testing.T) {
	t.Parallel()
	f := newFake(t, loadFixtures(t))
	cfg := testConfig(t, f)
	cfg.Group = "10"
	s := newTestSource(t, cfg, Options{})
	for range 2 {
		repos, err := s.List(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if r := repoNamed(t, repos, "acme/payments/api-team/ledger"); r.Namespace != "payments/api-team" {
			t.Errorf("Namespace = %q, want payments/api-team", r.Namespace)
		}
	}
	if n := f.count(epGroup, 0); n != 1 {
		t.Errorf("group lookups = %d, want 1 for the source's life", n)
	}
}

func TestHead(t *testing.T) {
	t.Parallel()
	f := newFake(t, loadFixtures(t))
	s := newTestSource(t, testConfig(t, f), Options{})
	repos, err := s.List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ repo, branch string }{
		{"acme/payments/api-team/ledger", "trunk"},
		// A slash in the branch name must reach GitLab as %2F.
		{"acme/platform/observability/dashboards", "release/2.x"},
	} {
		r := repoNamed(t, repos, tc.repo)
		head, err := s.Head(t.Context(), r)
		if err != nil {
			t.Fatalf("Head(%s): %v", tc.repo, err)
		}
		if want := f.byID[parseRef(t, r)].head; head != want {
			t.Errorf("Head(%s) = %s, want %s", tc.repo, head, want)
		}
	}

	empty := repoNamed(t, repos, "acme/sandbox/empty")
	if _, err := s.Head(t.Context(), empty); !errors.Is(err, source.ErrEmpty) {
		t.Errorf("Head(empty) = %v, want ErrEmpty", err)
	}
	if n := f.projectRequests(105); n != 0 {
		t.Errorf("empty project cost %d requests, want 0", n)
	}

	// A default branch renamed since the listing: the project names the new one.
	renamed := repoNamed(t, repos, "acme/platform-ci")
	want := f.byID[parseRef(t, renamed)].head
	renamed.DefaultBranch = "old-name"
	if head, err := s.Head(t.Context(), renamed); err != nil || head != want {
		t.Errorf("Head(renamed branch) = %q, %v; want %s", head, err, want)
	}
	if n := f.count(epProject, parseRef(t, renamed)); n != 1 {
		t.Errorf("renamed branch: %d project lookups, want 1", n)
	}

	// The project still names a branch GitLab cannot find: an error, not empty.
	ledger := repoNamed(t, repos, "acme/payments/api-team/ledger")
	f.fault = func(w http.ResponseWriter, ep string, id int64, _ int) bool {
		if ep == epBranch && id == parseRef(t, ledger) {
			message(w, http.StatusNotFound, "404 Branch Not Found")
			return true
		}
		return false
	}
	if _, err := s.Head(t.Context(), ledger); err == nil || errors.Is(err, source.ErrEmpty) || !strings.Contains(err.Error(), `default branch "trunk" not found`) {
		t.Errorf("Head(missing branch) = %v", err)
	}
}

func parseRef(t *testing.T, r source.Repo) int64 {
	t.Helper()
	var id int64
	if _, err := fmt.Sscan(r.Ref, &id); err != nil {
		t.Fatal(err)
	}
	return id
}

func openRepo(t *testing.T, s *Source, repos []source.Repo, name string) (source.Tree, string) {
	t.Helper()
	r := repoNamed(t, repos, name)
	head, err := s.Head(t.Context(), r)
	if err != nil {
		t.Fatal(err)
	}
	tree, err := s.Open(t.Context(), r, head)
	if err != nil {
		t.Fatal(err)
	}
	return tree, head
}

// fixtureCommitTime is the committed_date of the fixtures' branch commits.
var fixtureCommitTime = time.Date(2026, 11, 20, 16, 2, 58, 0, time.UTC)

func TestOpenAndRead(t *testing.T) {
	t.Parallel()
	f := newFake(t, loadFixtures(t))
	store := newMemStore()
	s := newTestSource(t, testConfig(t, f), Options{Store: store})
	repos, err := s.List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	tree, head := openRepo(t, s, repos, "acme/payments/api-team/ledger")
	// Over REST the time comes with the branch Head looked up.
	if ct := tree.(source.CommitTimer).CommitTime(); !ct.Equal(fixtureCommitTime) {
		t.Errorf("CommitTime = %v, want the branch commit's committed_date %v", ct, fixtureCommitTime)
	}

	var paths []string
	for _, e := range tree.Entries() {
		paths = append(paths, e.Path)
		if e.Size != -1 || len(e.Blob) != 40 {
			t.Errorf("entry %+v: want Size -1 and a blob id", e)
		}
	}
	slices.Sort(paths)
	// No directories, no symlink (ci.yml), no submodule (third_party-proto).
	want := []string{".gitlab-ci.yml", ".gitlab/CODEOWNERS", "cmd/ledger/main.go", "docs/Run Book.md",
		"go.mod", "go.sum", "scripts/run.sh"}
	if !slices.Equal(paths, want) {
		t.Errorf("Entries = %q\nwant %q", paths, want)
	}

	b, err := tree.Read(t.Context(), ".gitlab/CODEOWNERS", 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != string(f.byID[102].files[".gitlab/CODEOWNERS"]) {
		t.Errorf("Read = %q", b)
	}
	if _, err := tree.Read(t.Context(), ".gitlab/CODEOWNERS", 1<<20); err != nil {
		t.Fatal(err)
	}
	if n := f.count(epRaw, 102); n != 1 {
		t.Errorf("raw requests = %d, want 1: the second read comes from the store", n)
	}

	if _, err := tree.Read(t.Context(), ".gitlab-ci.yml", 10); !errors.Is(err, source.ErrTooLarge) {
		t.Errorf("Read over limit = %v, want ErrTooLarge", err)
	}
	// A cached blob obeys a smaller limit too.
	if _, err := tree.Read(t.Context(), ".gitlab/CODEOWNERS", 10); !errors.Is(err, source.ErrTooLarge) {
		t.Errorf("cached Read over limit = %v, want ErrTooLarge", err)
	}
	if _, err := tree.Read(t.Context(), "ci.yml", 0); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Read(symlink) = %v, want ErrNotExist", err)
	}

	base := "https://gitlab.example.com/acme/payments/api-team/ledger/-/blob/" + head
	if got, want := tree.FileURL("docs/Run Book.md", 3), base+"/docs/Run%20Book.md#L3"; got != want {
		t.Errorf("FileURL = %s, want %s", got, want)
	}
	if got, want := tree.FileURL("go.mod", 0), base+"/go.mod"; got != want {
		t.Errorf("FileURL = %s, want %s", got, want)
	}
}

func TestReadSharesIdenticalBlobs(t *testing.T) {
	t.Parallel()
	f := newFake(t, loadFixtures(t))
	store := newMemStore()
	s := newTestSource(t, testConfig(t, f), Options{Store: store})
	repos, err := s.List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	tree, _ := openRepo(t, s, repos, "acme/platform-ci")
	// Same content, same blob id: one fetch.
	for _, p := range []string{".gitlab-ci.yml", "templates/go-build/template.yml"} {
		if _, err := tree.Read(t.Context(), p, 1<<20); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.count(epRaw, 101); n != 1 {
		t.Errorf("raw requests = %d, want 1", n)
	}
}

func TestOpenPagination(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		offset bool
	}{
		{"keyset", false},
		{"offset from GitLab before 17.1", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, loadFixtures(t))
			f.offsetTree = tc.offset
			s := newTestSource(t, testConfig(t, f), Options{})
			repos, err := s.List(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			tree, _ := openRepo(t, s, repos, "acme/payments/checkout")
			var blobs int
			for _, n := range f.byID[103].tree {
				if n.Type == "blob" {
					blobs++
				}
			}
			if got := len(tree.Entries()); got != blobs {
				t.Errorf("Entries = %d, want %d", got, blobs)
			}
			pages := (len(f.byID[103].tree) + 99) / 100
			if n := f.count(epTree, 103); n != pages || pages < 3 {
				t.Errorf("tree requests = %d, want %d pages", n, pages)
			}
		})
	}
}

// needed are the files a scan reads in these tests: CI config and
// CODEOWNERS in each place GitLab looks for it.
var needed = []string{".gitlab-ci.yml", "CODEOWNERS", ".gitlab/CODEOWNERS", "docs/CODEOWNERS"}

// scan drives the source as the engine does: List, Head per repo, and on a
// cache miss Open plus Read of the needed files. cache maps repo → head.
func scan(ctx context.Context, s *Source, cache map[string]string, workers int) (repos int, err error) {
	list, err := s.List(ctx)
	if err != nil {
		return 0, err
	}
	var (
		mu   sync.Mutex
		errs []error
		wg   sync.WaitGroup
		sem  = make(chan struct{}, workers)
	)
	for _, r := range list {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			if err := scanRepo(ctx, s, r, cache, &mu); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return len(list), errors.Join(errs...)
}

func scanRepo(ctx context.Context, s *Source, r source.Repo, cache map[string]string, mu *sync.Mutex) error {
	head, err := s.Head(ctx, r)
	if errors.Is(err, source.ErrEmpty) {
		return nil
	}
	if err != nil {
		return err
	}
	mu.Lock()
	hit := cache[r.Name] == head
	mu.Unlock()
	if hit {
		return nil
	}
	tree, err := s.Open(ctx, r, head)
	if err != nil {
		return err
	}
	var paths []string
	for _, e := range tree.Entries() {
		if slices.Contains(needed, e.Path) {
			paths = append(paths, e.Path)
		}
	}
	// As the inventory stage does: the planned paths first, for a
	// Prefetcher to fetch at once.
	tree.(source.Prefetcher).Prefetch(ctx, paths, 1<<20)
	for _, p := range paths {
		if _, err := tree.Read(ctx, p, 1<<20); err != nil {
			return err
		}
	}
	mu.Lock()
	cache[r.Name] = head
	mu.Unlock()
	return nil
}

func TestScanCost(t *testing.T) {
	t.Parallel()
	f := newFake(t, loadFixtures(t))
	store := newMemStore()
	cfg := testConfig(t, f)
	s := newTestSource(t, cfg, Options{Store: store, Concurrency: 4})
	cache := map[string]string{}
	if _, err := scan(t.Context(), s, cache, 4); err != nil {
		t.Fatal(err)
	}
	// First scan: HEAD, one tree page (checkout has three), the needed files.
	for _, id := range []int64{101, 102, 103, 107} {
		p := f.byID[id]
		files := 0
		for _, n := range p.tree {
			if slices.Contains(needed, n.Path) && n.Type == "blob" {
				files++
			}
		}
		pages := (len(p.tree) + 99) / 100
		// Files with content already fetched for another project come
		// from the store, so a project may cost less than its file count.
		if got := f.projectRequests(id); got < 1+pages || got > 1+pages+files {
			t.Errorf("project %d first scan: %d requests, want 1 + %d tree pages + up to %d files", id, got, pages, files)
		}
	}
	if n := f.projectRequests(105); n != 0 {
		t.Errorf("empty project: %d requests, want 0", n)
	}

	// Rescan, nothing changed: one request per project, also from a new
	// source (a restart) sharing the store.
	for _, src := range []*Source{s, newTestSource(t, cfg, Options{Store: store})} {
		before := map[int64]int{}
		for id := range f.byID {
			before[id] = f.projectRequests(id)
		}
		pages := f.count(epProjects, 0)
		if _, err := scan(t.Context(), src, cache, 4); err != nil {
			t.Fatal(err)
		}
		for id := range f.byID {
			want := 0 // empty, archived or shared: no request at all
			if slices.Contains([]int64{101, 102, 103, 107}, id) {
				want = 1
			}
			if got := f.projectRequests(id) - before[id]; got != want {
				t.Errorf("project %d rescan: %d requests, want %d", id, got, want)
			}
		}
		if n := f.count(epProjects, 0) - pages; n != 1 {
			t.Errorf("rescan listing pages = %d, want 1", n)
		}
	}
}

func TestRateLimitedWaitsRetryAfter(t *testing.T) {
	t.Parallel()
	f := newFake(t, loadFixtures(t))
	f.fault = func(w http.ResponseWriter, ep string, id int64, n int) bool {
		if ep != epTree || id != 102 || n > 1 {
			return false
		}
		w.Header().Set("Retry-After", "7")
		message(w, http.StatusTooManyRequests, "Retry later")
		return true
	}
	rec := &waits{}
	m := source.NewMetrics()
	s := newTestSource(t, testConfig(t, f), Options{Backoff: rec.backoff, Metrics: m})
	repos, err := s.List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	openRepo(t, s, repos, "acme/payments/api-team/ledger")
	if got := rec.all(); !slices.Equal(got, []time.Duration{7 * time.Second}) {
		t.Errorf("waits = %v, want [7s] from Retry-After", got)
	}
	if n := f.count(epTree, 102); n != 2 {
		t.Errorf("tree requests = %d, want 2 (429, then success)", n)
	}
	if got := testutil.ToFloat64(m.Requests.WithLabelValues("gl", "429")); got != 1 {
		t.Errorf(`requests_total{code="429"} = %v, want 1`, got)
	}
}

func TestServerErrors(t *testing.T) {
	t.Parallel()
	f := newFake(t, loadFixtures(t))
	f.fault = func(w http.ResponseWriter, ep string, id int64, n int) bool {
		switch {
		case ep == epBranch && id == 102 && n <= 2:
			message(w, http.StatusBadGateway, "502 Bad Gateway")
		case ep == epBranch && id == 107:
			message(w, http.StatusInternalServerError, "500 Internal Server Error")
		default:
			return false
		}
		return true
	}
	s := newTestSource(t, testConfig(t, f), Options{})
	repos, err := s.List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Head(t.Context(), repoNamed(t, repos, "acme/payments/api-team/ledger")); err != nil {
		t.Errorf("Head after two 502s: %v", err)
	}
	if n := f.count(epBranch, 102); n != 3 {
		t.Errorf("branch requests = %d, want 3", n)
	}
	_, err = s.Head(t.Context(), repoNamed(t, repos, "acme/platform/observability/dashboards"))
	if err == nil || !strings.Contains(err.Error(), "acme/platform/observability/dashboards") {
		t.Errorf("Head on a failing project = %v, want an error naming it", err)
	}
	if n := f.count(epBranch, 107); n != 6 {
		t.Errorf("branch requests = %d, want 6 (client-go retries 5 times)", n)
	}
	// Only that project fails.
	if _, err := scan(t.Context(), s, map[string]string{}, 2); err == nil || strings.Contains(err.Error(), "ledger") {
		t.Errorf("scan error = %v, want the dashboards project only", err)
	}
}

func TestTokenNeverLeaks(t *testing.T) {
	t.Parallel()
	f := newFake(t, loadFixtures(t))
	f.fault = func(w http.ResponseWriter, ep string, id int64, _ int) bool {
		switch {
		case ep == epBranch && id == 103:
			// A misbehaving proxy echoing the credential back.
			message(w, http.StatusBadRequest, "bad header PRIVATE-TOKEN: "+f.token)
		case ep == epTree && id == 101:
			w.Header().Set("Retry-After", "0")
			message(w, http.StatusTooManyRequests, "Retry later "+f.token)
		case ep == epRaw && id == 102:
			message(w, http.StatusInternalServerError, "500 "+f.token)
		default:
			return false
		}
		return true
	}
	core, logs := observer.New(zapcore.DebugLevel)
	s := newTestSource(t, testConfig(t, f), Options{Logger: zap.New(core)})
	_, scanErr := scan(t.Context(), s, map[string]string{}, 2)
	if scanErr == nil {
		t.Fatal("scan succeeded; the faults did not fire")
	}

	// An unreadable token file and a refused token are errors too.
	cfg := testConfig(t, f)
	cfg.TokenFile = filepath.Join(t.TempDir(), "missing")
	_, newErr := New(cfg, Options{})
	refusing := newFake(t, nil)
	refusing.token = "glpat-another-one"
	cfg = testConfig(t, f)
	cfg.BaseURL = refusing.url()
	_, refusedErr := newTestSource(t, cfg, Options{Logger: zap.New(core)}).List(t.Context())

	var text strings.Builder
	for _, err := range []error{scanErr, newErr, refusedErr} {
		if err == nil {
			t.Errorf("want an error")
			continue
		}
		fmt.Fprintln(&text, err)
	}
	if logs.Len() == 0 {
		t.Fatal("nothing logged; the test proves nothing")
	}
	for _, e := range logs.All() {
		fmt.Fprintln(&text, e.Message, e.ContextMap())
	}
	if strings.Contains(text.String(), f.token) {
		t.Errorf("token leaked:\n%s", text.String())
	}
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	f := newFake(t, loadFixtures(t))
	f.rateLimit = 120000
	m := source.NewMetrics()
	s := newTestSource(t, testConfig(t, f), Options{Metrics: m})
	// One worker: with two, the gauge follows whichever answer arrives
	// last, which need not be the one sent last.
	if _, err := scan(t.Context(), s, map[string]string{}, 1); err != nil {
		t.Fatal(err)
	}
	if got, want := testutil.ToFloat64(m.Requests.WithLabelValues("gl", "200")), float64(f.requests()); got != want {
		t.Errorf(`requests_total{code="200"} = %v, want %v`, got, want)
	}
	if got := testutil.ToFloat64(m.RateLimitLimit.WithLabelValues("gl", "api")); got != 120000 {
		t.Errorf("rate_limit_limit = %v", got)
	}
	if got, want := testutil.ToFloat64(m.RateLimitRemaining.WithLabelValues("gl", "api")), float64(120000-f.requests()); got != want {
		t.Errorf("rate_limit_remaining = %v, want %v", got, want)
	}
	if got := testutil.ToFloat64(m.RateLimitReset.WithLabelValues("gl", "api")); got != 1893456000 {
		t.Errorf("rate_limit_reset_timestamp_seconds = %v, want the RateLimit-Reset GitLab sent", got)
	}
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	resp := func(code int, h ...string) *http.Response {
		r := &http.Response{StatusCode: code, Header: http.Header{}}
		for i := 0; i+1 < len(h); i += 2 {
			r.Header.Set(h[i], h[i+1])
		}
		return r
	}
	const lo, hi = 100 * time.Millisecond, 400 * time.Millisecond
	in := func(d, from, to time.Duration) bool { return d >= from && d <= to }

	if d := backoff(lo, hi, 0, resp(429, "Retry-After", "30", "RateLimit-Reset", "1")); d != 30*time.Second {
		t.Errorf("Retry-After seconds: %v", d)
	}
	date := time.Now().Add(time.Minute).UTC().Format(http.TimeFormat)
	if d := backoff(lo, hi, 0, resp(429, "Retry-After", date)); !in(d, 58*time.Second, time.Minute) {
		t.Errorf("Retry-After date: %v", d)
	}
	reset := fmt.Sprint(time.Now().Add(20 * time.Second).Unix())
	if d := backoff(lo, hi, 0, resp(429, "RateLimit-Reset", reset)); !in(d, 18*time.Second, 20*time.Second+hi) {
		t.Errorf("RateLimit-Reset: %v", d)
	}
	if d := backoff(lo, hi, 3, resp(429)); d != 800*time.Millisecond {
		t.Errorf("429 without headers, attempt 3: %v, want 800ms", d)
	}
	if d := backoff(lo, hi, 0, resp(503, "Retry-After", "5")); d != 5*time.Second {
		t.Errorf("503 Retry-After: %v", d)
	}
	if d := backoff(lo, hi, 1, resp(500)); !in(d, 1400*time.Millisecond, 1800*time.Millisecond) {
		t.Errorf("500, attempt 1: %v", d)
	}
	if d := backoff(lo, hi, 0, nil); !in(d, 700*time.Millisecond, 900*time.Millisecond) {
		t.Errorf("transport error: %v", d)
	}
}

func TestLimiterFollowsRateLimitHeader(t *testing.T) {
	t.Parallel()
	l := newLimiter()
	if got := l.cur.Load().Limit(); got != rate.Inf {
		t.Fatalf("initial limit %v, want unlimited until GitLab says", got)
	}
	l.update(http.Header{"Ratelimit-Limit": {"600"}})
	if got, burst := l.cur.Load().Limit(), l.cur.Load().Burst(); math.Abs(float64(got)-6.6) > 1e-9 || burst != 3 {
		t.Errorf("600/min: limit %v burst %d, want 6.6/s burst 3", got, burst)
	}
	before := l.cur.Load()
	l.update(http.Header{"Ratelimit-Limit": {"nonsense"}})
	if got := l.cur.Load(); got != before {
		t.Errorf("a bad header changed the limit to %v", got.Limit())
	}
	if err := l.Wait(t.Context()); err != nil {
		t.Error(err)
	}
}

func TestNewErrors(t *testing.T) {
	t.Parallel()
	if _, err := New(config.Source{Name: "gl", Type: "gitlab"}, Options{}); err == nil {
		t.Error("New without group: want an error")
	}
	if _, err := New(config.Source{Name: "gl", Type: "gitlab", Group: "acme",
		TLS: config.TLS{CAFile: "/nonexistent/ca.pem"}}, Options{}); err == nil {
		t.Error("New with a missing CA file: want an error")
	}
}

// TestHeadTimesDoNotPileUp: a cached repo's Head is looked up and its tree
// never opened; the commit time Head kept for Open must not stay for good
// (one per commit of every such repo, for the life of the process).
func TestHeadTimesDoNotPileUp(t *testing.T) {
	t.Parallel()
	f := newFake(t, loadFixtures(t))
	s := newTestSource(t, testConfig(t, f), Options{Store: newMemStore()})
	repos, err := s.List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Head(t.Context(), repoNamed(t, repos, "acme/payments/api-team/ledger")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.List(t.Context()); err != nil {
		t.Fatal(err)
	}
	n := 0
	s.headTimes.Range(func(any, any) bool { n++; return true })
	if n != 0 {
		t.Errorf("%d commit times kept after the next listing, want 0", n)
	}
}
