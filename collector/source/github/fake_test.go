package github

import (
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptake-dev/uptake/config"
)

// Routes of the fake GitHub Enterprise Server, as go-github calls them with
// base_url set to the server. Requests are counted per route.
const (
	routeOrgRepos     = "GET /api/v3/orgs/{org}/repos"
	routeUserRepos    = "GET /api/v3/users/{user}/repos"
	routeSelfRepos    = "GET /api/v3/user/repos"
	routeSelf         = "GET /api/v3/user"
	routeInstallRepos = "GET /api/v3/installation/repositories"
	routeToken        = "POST /api/v3/app/installations/{id}/access_tokens"
	routeCommit       = "GET /api/v3/repos/{owner}/{repo}/commits/{ref...}"
	routeTree         = "GET /api/v3/repos/{owner}/{repo}/git/trees/{sha}"
	routeBlob         = "GET /api/v3/repos/{owner}/{repo}/git/blobs/{sha}"
	routeGitCommit    = "GET /api/v3/repos/{owner}/{repo}/git/commits/{sha}"
	routeTeams        = "GET /api/v3/orgs/{org}/teams"
	routeTeamRepos    = "GET /api/v3/orgs/{org}/teams/{slug}/repos"
	routeGraphQL      = "POST /api/graphql"
)

// fakeRepo is one repository of the fake org.
type fakeRepo struct {
	Name       string
	Files      map[string]string
	Topics     []string
	Archived   bool
	Fork       bool
	Visibility string
	// Empty repos have no commits.
	Empty bool
	// Teams maps a team slug to its permission: admin, maintain, push or pull.
	Teams map[string]string
}

// head is the fake commit: a hash of the files, so a change moves it.
// fakeCommitTime is every fake repo's HEAD commit time.
var fakeCommitTime = time.Date(2026, 5, 4, 3, 2, 1, 0, time.UTC)

func (r *fakeRepo) head() string {
	h := sha1.New()
	for _, p := range slices.Sorted(maps.Keys(r.Files)) {
		fmt.Fprintf(h, "%s\x00%s\x00", p, r.Files[p])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// blobSHA is git's object id for content.
func blobSHA(content string) string {
	return fmt.Sprintf("%x", sha1.Sum([]byte(fmt.Sprintf("blob %d\x00%s", len(content), content))))
}

func (r *fakeRepo) treeSHA(dir string) string {
	if dir == "" {
		return r.head()
	}
	return fmt.Sprintf("%x", sha1.Sum([]byte("tree\x00"+r.head()+"\x00"+dir)))
}

// fakeClock drives the limiter's waits: sleeping advances it at once.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	slept []time.Duration
}

func newClock() *fakeClock { return &fakeClock{now: time.Unix(1_800_000_000, 0)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.slept = append(c.slept, d)
	c.now = c.now.Add(d)
	return ctx.Err()
}

func (c *fakeClock) Slept() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.slept)
}

// memStore is an in-memory source.Store.
type memStore struct {
	mu sync.Mutex
	m  map[string][]byte
}

func newStore() *memStore { return &memStore{m: map[string][]byte{}} }

func (s *memStore) Get(k string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[k]
	return v, ok
}

func (s *memStore) Put(k string, v []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[k] = v
	return nil
}

// fakeGitHub speaks the REST and GraphQL shapes of the fixtures in testdata
// for one org, counts requests per route and status, and honours
// If-None-Match the way GitHub does.
type fakeGitHub struct {
	tb    testing.TB
	srv   *httptest.Server
	clock *fakeClock
	org   string
	// auth is the Authorization header every request but the App token
	// exchange must carry; "" accepts anonymous requests.
	auth string
	// login is the token's user for GET /user.
	login string
	// perPage caps per_page, as GitHub caps it at 100.
	perPage int
	// truncateOver truncates recursive tree listings longer than this; 0 never.
	truncateOver int
	// budget is the primary rate limit of each resource (core, graphql) per
	// hour of the fake clock, enforced as GitHub does: a 304 is free, and a
	// request into a spent window is refused with the remaining at 0.
	budget int
	// graphqlStatus, when set, is the status of every GraphQL answer.
	graphqlStatus int
	// hook sees every request first; it returns true when it has answered.
	hook func(w http.ResponseWriter, r *http.Request) bool

	repoTemplate, teamTemplate []byte

	mu       sync.Mutex
	repos    []*fakeRepo
	rendered map[*fakeRepo]map[string]any
	counts   map[string]int
	codes    map[int]int
	// windows are the rate-limit windows by resource; billed counts the
	// requests each drew on since the last resetCounts.
	windows map[string]*window
	billed  map[string]int
}

// window is one resource's rate-limit hour on the fake clock.
type window struct {
	start time.Time
	used  int
}

func newFake(tb testing.TB, repos ...*fakeRepo) *fakeGitHub {
	f := &fakeGitHub{
		tb:           tb,
		clock:        newClock(),
		org:          "octo-org",
		auth:         "Bearer ghp_test",
		login:        "octocat",
		perPage:      100,
		budget:       5000,
		repos:        repos,
		rendered:     map[*fakeRepo]map[string]any{},
		counts:       map[string]int{},
		codes:        map[int]int{},
		windows:      map[string]*window{},
		billed:       map[string]int{},
		repoTemplate: fixture(tb, "repo.json"),
		teamTemplate: fixture(tb, "team.json"),
	}
	mux := http.NewServeMux()
	for pattern, h := range map[string]http.HandlerFunc{
		routeOrgRepos:     f.orgRepos,
		routeUserRepos:    f.userRepos,
		routeSelfRepos:    f.userRepos,
		routeSelf:         f.self,
		routeInstallRepos: f.installRepos,
		routeToken:        f.token,
		routeCommit:       f.commit,
		routeTree:         f.tree,
		routeBlob:         f.blob,
		routeGitCommit:    f.gitCommit,
		routeTeams:        f.teams,
		routeTeamRepos:    f.teamRepos,
		routeGraphQL:      f.graphql,
	} {
		mux.Handle(pattern, f.counted(pattern, h))
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		tb.Errorf("fake GitHub: unexpected request %s %s", r.Method, r.URL)
		http.NotFound(w, r)
	})
	f.srv = httptest.NewUnstartedServer(mux)
	tb.Cleanup(f.srv.Close)
	return f
}

func fixture(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// config is a source config for the fake org; start the server first.
func (f *fakeGitHub) config(tb testing.TB) config.Source {
	tb.Helper()
	cfg := config.Source{Name: "gh", Type: "github", Org: f.org, BaseURL: f.srv.URL + "/api/v3/"}
	if token, ok := strings.CutPrefix(f.auth, "Bearer "); ok {
		cfg.TokenFile = filepath.Join(tb.TempDir(), "token")
		if err := os.WriteFile(cfg.TokenFile, []byte(token+"\n"), 0o600); err != nil {
			tb.Fatal(err)
		}
	}
	return cfg
}

// source starts the server and builds a Source on it with the fake clock.
func (f *fakeGitHub) source(tb testing.TB, cfg config.Source, opts Options) *Source {
	tb.Helper()
	if f.srv.URL == "" {
		f.srv.Start()
	}
	if cfg.Type == "" {
		cfg = f.config(tb)
	}
	opts.Sleep, opts.Now = f.clock.Sleep, f.clock.Now
	s, err := New(cfg, opts)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func (f *fakeGitHub) count(route string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.counts[route]
}

func (f *fakeGitHub) code(c int) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.codes[c]
}

func (f *fakeGitHub) total() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.counts {
		n += c
	}
	return n
}

// spent is how many requests (GraphQL: points) of a resource were billed
// since the last resetCounts.
func (f *fakeGitHub) spent(resource string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.billed[resource]
}

func (f *fakeGitHub) resetCounts() {
	f.mu.Lock()
	defer f.mu.Unlock()
	clear(f.counts)
	clear(f.codes)
	clear(f.billed)
}

// spend draws n from a resource's current window, as another client of the
// same credential would.
func (f *fakeGitHub) spend(resource string, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.window(resource).used += n
}

// window is the resource's current window, a new one once the last has
// passed; callers hold f.mu.
func (f *fakeGitHub) window(resource string) *window {
	now := f.clock.Now()
	w := f.windows[resource]
	if w == nil || !now.Before(w.start.Add(time.Hour)) {
		w = &window{start: now}
		f.windows[resource] = w
	}
	return w
}

func (f *fakeGitHub) repo(name string) *fakeRepo {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range f.repos {
		if r.Name == name {
			return r
		}
	}
	return nil
}

type recorder struct {
	http.ResponseWriter
	code int
	// onHeader runs before the status line is written.
	onHeader func(code int)
}

func (r *recorder) WriteHeader(c int) {
	r.code = c
	if r.onHeader != nil {
		r.onHeader(c)
	}
	r.ResponseWriter.WriteHeader(c)
}

// Write sends the implicit 200 through WriteHeader, so onHeader sees it.
func (r *recorder) Write(b []byte) (int, error) {
	if r.onHeader != nil {
		r.WriteHeader(http.StatusOK)
	}
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController flush and hijack through the recorder.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// counted counts, bills and answers rate-limit headers the way GitHub does,
// checks auth and runs the hook.
func (f *fakeGitHub) counted(pattern string, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		resource := "core"
		if pattern == routeGraphQL {
			resource = "graphql"
		}
		f.mu.Lock()
		f.counts[pattern]++
		win := f.window(resource)
		spent := win.used >= f.budget
		if !spent {
			// Billed now, refunded if it turns out a 304.
			win.used++
			f.billed[resource]++
		}
		remaining, reset := f.budget-win.used, win.start.Add(time.Hour)
		f.mu.Unlock()
		hdr := w.Header()
		hdr.Set("X-RateLimit-Limit", strconv.Itoa(f.budget))
		hdr.Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
		hdr.Set("X-RateLimit-Used", strconv.Itoa(f.budget-remaining))
		// The fake's clock is the host's: resets are read against its Date.
		hdr.Set("Date", f.clock.Now().UTC().Format(http.TimeFormat))
		hdr.Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
		hdr.Set("X-RateLimit-Resource", resource)
		rec := &recorder{ResponseWriter: w, code: http.StatusOK}
		rec.onHeader = func(code int) {
			rec.onHeader = nil
			if code != http.StatusNotModified || spent {
				return
			}
			f.mu.Lock()
			win.used--
			f.billed[resource]--
			hdr.Set("X-RateLimit-Remaining", strconv.Itoa(f.budget-win.used))
			hdr.Set("X-RateLimit-Used", strconv.Itoa(win.used))
			f.mu.Unlock()
		}
		defer func() {
			f.mu.Lock()
			f.codes[rec.code]++
			f.mu.Unlock()
		}()
		switch {
		case pattern == routeToken:
			if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ey") {
				f.tb.Errorf("token exchange without an App JWT")
			}
		case f.auth != "" && r.Header.Get("Authorization") != f.auth:
			writeJSON(rec, http.StatusUnauthorized, `{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest","status":"401"}`)
			return
		}
		if spent {
			// GitHub refuses REST with a 403 and answers GraphQL with a 200
			// whose errors say RATE_LIMITED.
			if resource == "graphql" {
				writeJSON(rec, http.StatusOK, `{"errors":[{"type":"RATE_LIMITED","code":"graphql_rate_limit","message":"API rate limit exceeded for user ID 1."}]}`)
				return
			}
			writeJSON(rec, http.StatusForbidden, `{"message":"API rate limit exceeded for user ID 1.","documentation_url":"https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting"}`)
			return
		}
		if f.hook != nil && f.hook(rec, r) {
			return
		}
		h(rec, r)
	})
}

func writeJSON(w http.ResponseWriter, code int, body string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	fmt.Fprint(w, body)
}

// writeETagged answers 304 when the client's validator matches, as GitHub does.
func writeETagged(w http.ResponseWriter, r *http.Request, contentType string, body []byte, etag string) {
	w.Header().Set("ETag", etag)
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

func weakETag(body []byte) string {
	return fmt.Sprintf(`W/"%x"`, sha256.Sum256(body))
}

func (f *fakeGitHub) findRepo(w http.ResponseWriter, r *http.Request) *fakeRepo {
	if r.PathValue("owner") == f.org {
		if repo := f.repo(r.PathValue("repo")); repo != nil {
			return repo
		}
	}
	writeJSON(w, http.StatusNotFound, string(fixture(f.tb, "not-found.json")))
	return nil
}

// render is one repo in the shape of testdata/repo.json; callers hold f.mu
// and may set keys of the copy they get.
func (f *fakeGitHub) render(i int, r *fakeRepo) map[string]any {
	if m, ok := f.rendered[r]; ok {
		return maps.Clone(m)
	}
	text := strings.ReplaceAll(string(f.repoTemplate), "octo-org/hello-world", f.org+"/"+r.Name)
	text = strings.ReplaceAll(text, "octo-org", f.org)
	var m map[string]any
	if err := json.Unmarshal([]byte(text), &m); err != nil {
		f.tb.Fatal(err)
	}
	vis := r.Visibility
	if vis == "" {
		vis = "public"
	}
	topics := r.Topics
	if topics == nil {
		topics = []string{}
	}
	m["id"] = 1000 + i
	m["node_id"] = nodeID(r.Name)
	m["name"] = r.Name
	m["topics"] = topics
	m["archived"] = r.Archived
	m["fork"] = r.Fork
	m["visibility"] = vis
	m["private"] = vis != "public"
	f.rendered[r] = m
	return maps.Clone(m)
}

func nodeID(name string) string {
	return "R_kgDO" + hex.EncodeToString([]byte(name))
}

// paginate writes one page of items with GitHub's Link header.
func (f *fakeGitHub) paginate(w http.ResponseWriter, r *http.Request, items []any, wrap func([]any) any) {
	q := r.URL.Query()
	per, _ := strconv.Atoi(q.Get("per_page"))
	if per <= 0 {
		per = 30
	}
	per = min(per, f.perPage)
	page, _ := strconv.Atoi(q.Get("page"))
	page = max(page, 1)
	last := max((len(items)+per-1)/per, 1)
	link := func(p int, rel string) string {
		q.Set("page", strconv.Itoa(p))
		return fmt.Sprintf(`<%s%s?%s>; rel="%s"`, f.srv.URL, r.URL.Path, q.Encode(), rel)
	}
	var links []string
	if page < last {
		links = append(links, link(page+1, "next"), link(last, "last"))
	}
	if page > 1 {
		links = append(links, link(page-1, "prev"), link(1, "first"))
	}
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, ", "))
	}
	lo, hi := min((page-1)*per, len(items)), min(page*per, len(items))
	var body any = items[lo:hi]
	if wrap != nil {
		body = wrap(items[lo:hi])
	}
	b, err := json.Marshal(body)
	if err != nil {
		f.tb.Fatal(err)
	}
	writeETagged(w, r, "application/json; charset=utf-8", b, weakETag(b))
}

func (f *fakeGitHub) listed(keep func(*fakeRepo) bool) []any {
	f.mu.Lock()
	defer f.mu.Unlock()
	items := []any{}
	for i, r := range f.repos {
		if keep(r) {
			items = append(items, f.render(i, r))
		}
	}
	return items
}

func (f *fakeGitHub) orgRepos(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("org") != f.org {
		writeJSON(w, http.StatusNotFound, string(fixture(f.tb, "not-found.json")))
		return
	}
	typ := r.URL.Query().Get("type")
	f.paginate(w, r, f.listed(func(repo *fakeRepo) bool {
		vis := repo.Visibility
		if vis == "" {
			vis = "public"
		}
		switch typ {
		case "", "all":
			return true
		case "sources":
			return !repo.Fork
		case "forks":
			return repo.Fork
		case "public", "private":
			return vis == typ
		}
		f.tb.Errorf("orgs/repos: unknown type %q", typ)
		return false
	}), nil)
}

func (f *fakeGitHub) userRepos(w http.ResponseWriter, r *http.Request) {
	f.paginate(w, r, f.listed(func(repo *fakeRepo) bool {
		// /users/{user}/repos shows public repos only.
		return r.PathValue("user") == "" || repo.Visibility == "" || repo.Visibility == "public"
	}), nil)
}

func (f *fakeGitHub) installRepos(w http.ResponseWriter, r *http.Request) {
	items := f.listed(func(*fakeRepo) bool { return true })
	f.paginate(w, r, items, func(page []any) any {
		return map[string]any{"total_count": len(items), "repository_selection": "all", "repositories": page}
	})
}

func (f *fakeGitHub) self(w http.ResponseWriter, r *http.Request) {
	b, _ := json.Marshal(map[string]any{"login": f.login, "id": 1, "node_id": "MDQ6VXNlcjE=", "type": "User"})
	writeETagged(w, r, "application/json; charset=utf-8", b, weakETag(b))
}

func (f *fakeGitHub) token(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusCreated, fmt.Sprintf(`{"token":"ghs_installation","expires_at":%q,"permissions":{"contents":"read","metadata":"read"},"repository_selection":"all"}`,
		time.Now().Add(time.Hour).UTC().Format(time.RFC3339)))
}

func (f *fakeGitHub) commit(w http.ResponseWriter, r *http.Request) {
	repo := f.findRepo(w, r)
	if repo == nil {
		return
	}
	if a := r.Header.Get("Accept"); a != "application/vnd.github.sha" {
		f.tb.Errorf("commits: Accept %q, want the sha media type", a)
	}
	if repo.Empty {
		writeJSON(w, http.StatusConflict, string(fixture(f.tb, "empty-repository.json")))
		return
	}
	if ref := r.PathValue("ref"); ref != "main" {
		writeJSON(w, http.StatusUnprocessableEntity, fmt.Sprintf(`{"message":"No commit found for SHA: %s","status":"422"}`, ref))
		return
	}
	head := repo.head()
	// GitHub's validator for the sha media type is the quoted sha.
	writeETagged(w, r, "application/vnd.github.sha; charset=utf-8", []byte(head), `"`+head+`"`)
}

type treeEntry struct {
	Path string `json:"path"`
	Mode string `json:"mode"`
	Type string `json:"type"`
	SHA  string `json:"sha"`
	Size *int   `json:"size,omitempty"`
	URL  string `json:"url"`
}

func (f *fakeGitHub) tree(w http.ResponseWriter, r *http.Request) {
	repo := f.findRepo(w, r)
	if repo == nil {
		return
	}
	if repo.Empty {
		writeJSON(w, http.StatusConflict, string(fixture(f.tb, "empty-repository.json")))
		return
	}
	// Every directory of the repo, "" the root.
	dirs := map[string]bool{"": true}
	for p := range repo.Files {
		for d := filepath.Dir(p); d != "."; d = filepath.Dir(d) {
			dirs[d] = true
		}
	}
	sha := r.PathValue("sha")
	dir, found := "", false
	for d := range dirs {
		if repo.treeSHA(d) == sha {
			dir, found = d, true
		}
	}
	if !found {
		writeJSON(w, http.StatusNotFound, string(fixture(f.tb, "not-found.json")))
		return
	}
	recursive := r.URL.Query().Get("recursive") != ""
	prefix := ""
	if dir != "" {
		prefix = dir + "/"
	}
	api := f.srv.URL + "/api/v3/repos/" + f.org + "/" + repo.Name
	var entries []treeEntry
	below := func(p string) (string, bool) {
		rel, ok := strings.CutPrefix(p, prefix)
		return rel, ok && (recursive || !strings.Contains(rel, "/"))
	}
	for d := range dirs {
		if rel, ok := below(d); ok && d != "" && d != dir {
			entries = append(entries, treeEntry{Path: rel, Mode: "040000", Type: "tree", SHA: repo.treeSHA(d), URL: api + "/git/trees/" + repo.treeSHA(d)})
		}
	}
	for p, content := range repo.Files {
		if rel, ok := below(p); ok {
			size := len(content)
			entries = append(entries, treeEntry{Path: rel, Mode: "100644", Type: "blob", SHA: blobSHA(content), Size: &size, URL: api + "/git/blobs/" + blobSHA(content)})
		}
	}
	slices.SortFunc(entries, func(a, b treeEntry) int { return strings.Compare(a.Path, b.Path) })
	truncated := recursive && f.truncateOver > 0 && len(entries) > f.truncateOver
	if truncated {
		entries = entries[:f.truncateOver]
	}
	b, _ := json.Marshal(map[string]any{"sha": sha, "url": api + "/git/trees/" + sha, "tree": entries, "truncated": truncated})
	writeJSON(w, http.StatusOK, string(b))
}

func (f *fakeGitHub) blob(w http.ResponseWriter, r *http.Request) {
	repo := f.findRepo(w, r)
	if repo == nil {
		return
	}
	if a := r.Header.Get("Accept"); a != "application/vnd.github.raw+json" {
		f.tb.Errorf("blobs: Accept %q, want the raw media type", a)
	}
	for _, content := range repo.Files {
		if blobSHA(content) == r.PathValue("sha") {
			w.Header().Set("Content-Type", "application/vnd.github.raw")
			_, _ = w.Write([]byte(content))
			return
		}
	}
	writeJSON(w, http.StatusNotFound, string(fixture(f.tb, "not-found.json")))
}

// gitCommit names the commit's root tree (the fake's head is its tree SHA).
func (f *fakeGitHub) gitCommit(w http.ResponseWriter, r *http.Request) {
	repo := f.findRepo(w, r)
	if repo == nil {
		return
	}
	if repo.Empty || r.PathValue("sha") != repo.head() {
		writeJSON(w, http.StatusNotFound, string(fixture(f.tb, "not-found.json")))
		return
	}
	writeJSON(w, http.StatusOK, fmt.Sprintf(`{"sha":%q,"tree":{"sha":%q}}`, repo.head(), repo.treeSHA("")))
}

func (f *fakeGitHub) teamSlugs() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	set := map[string]bool{}
	for _, r := range f.repos {
		for t := range r.Teams {
			set[t] = true
		}
	}
	return slices.Sorted(maps.Keys(set))
}

func (f *fakeGitHub) teams(w http.ResponseWriter, r *http.Request) {
	items := []any{}
	for i, slug := range f.teamSlugs() {
		var m map[string]any
		if err := json.Unmarshal([]byte(strings.ReplaceAll(string(f.teamTemplate), "justice-league", slug)), &m); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		m["id"], m["name"] = i+1, slug
		items = append(items, m)
	}
	f.paginate(w, r, items, nil)
}

func (f *fakeGitHub) teamRepos(w http.ResponseWriter, r *http.Request) {
	slug := r.PathValue("slug")
	levels := []string{"pull", "triage", "push", "maintain", "admin"}
	f.mu.Lock()
	var items []any
	for i, repo := range f.repos {
		perm, ok := repo.Teams[slug]
		if !ok {
			continue
		}
		m := f.render(i, repo)
		rank := slices.Index(levels, perm)
		p := map[string]bool{}
		for j, l := range levels {
			p[l] = j <= rank
		}
		m["permissions"], m["role_name"] = p, perm
		items = append(items, m)
	}
	f.mu.Unlock()
	f.paginate(w, r, items, nil)
}

func (f *fakeGitHub) graphql(w http.ResponseWriter, r *http.Request) {
	if f.graphqlStatus != 0 {
		writeJSON(w, f.graphqlStatus, `{"message":"Not Found","documentation_url":"https://docs.github.com/graphql"}`)
		return
	}
	body, _ := io.ReadAll(r.Body)
	var q struct {
		Query     string `json:"query"`
		Variables struct {
			IDs []string `json:"ids"`
		} `json:"variables"`
	}
	err := json.Unmarshal(body, &q)
	if err == nil && strings.Contains(q.Query, "repository(owner: $owner, name: $name)") {
		f.graphqlBlobs(w, body)
		return
	}
	if err != nil || !strings.Contains(q.Query, "nodes(ids: $ids)") {
		f.tb.Errorf("graphql: unexpected query %q (%v)", q.Query, err)
	}
	if len(q.Variables.IDs) > 100 {
		writeJSON(w, http.StatusOK, `{"errors":[{"type":"EXCESSIVE_PAGINATION","message":"You may not request more than 100 nodes"}]}`)
		return
	}
	nodes := []any{}
	var errs []any
	for i, id := range q.Variables.IDs {
		var repo *fakeRepo
		f.mu.Lock()
		for _, rp := range f.repos {
			if nodeID(rp.Name) == id {
				repo = rp
			}
		}
		f.mu.Unlock()
		switch {
		case repo == nil:
			nodes = append(nodes, nil)
			errs = append(errs, map[string]any{"type": "NOT_FOUND", "path": []any{"nodes", i}, "message": "Could not resolve to a node with the global id of '" + id + "'"})
		case repo.Empty:
			nodes = append(nodes, map[string]any{"defaultBranchRef": nil})
		default:
			target := map[string]any{"oid": repo.head()}
			if strings.Contains(q.Query, "... on Commit { committedDate }") {
				target["committedDate"] = fakeCommitTime.Format(time.RFC3339)
			}
			nodes = append(nodes, map[string]any{"defaultBranchRef": map[string]any{"target": target}})
		}
	}
	out := map[string]any{"data": map[string]any{"nodes": nodes}}
	if errs != nil {
		out["errors"] = errs
	}
	b, _ := json.Marshal(out)
	writeJSON(w, http.StatusOK, string(b))
}

// graphqlBlobs answers a query of aliased object(expression: "<sha>:<path>")
// fields on one repository, as GitHub does: a Blob with its oid and text,
// or null for an expression that names nothing.
func (f *fakeGitHub) graphqlBlobs(w http.ResponseWriter, body []byte) {
	var q struct {
		Query     string            `json:"query"`
		Variables map[string]string `json:"variables"`
	}
	if err := json.Unmarshal(body, &q); err != nil {
		f.tb.Errorf("graphql: %v", err)
	}
	var repo *fakeRepo
	f.mu.Lock()
	for _, rp := range f.repos {
		if rp.Name == q.Variables["name"] && q.Variables["owner"] == f.org {
			repo = rp
		}
	}
	f.mu.Unlock()
	fields := map[string]any{}
	for _, m := range regexp.MustCompile(`(f\d+): object\(expression: \$(e\d+)\)`).FindAllStringSubmatch(q.Query, -1) {
		fields[m[1]] = nil
		sha, path, _ := strings.Cut(q.Variables[m[2]], ":")
		if repo == nil {
			continue
		}
		f.mu.Lock()
		content, ok := repo.Files[path]
		head := repo.head()
		f.mu.Unlock()
		if ok && sha == head {
			fields[m[1]] = map[string]any{"oid": blobSHA(content), "isBinary": false, "isTruncated": false, "text": content}
		}
	}
	var data any = fields
	if repo == nil {
		data = nil
	}
	b, _ := json.Marshal(map[string]any{"data": map[string]any{"repository": data}})
	writeJSON(w, http.StatusOK, string(b))
}
