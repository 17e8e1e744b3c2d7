package runner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/uptake-dev/uptake/collector/cache"
	"github.com/uptake-dev/uptake/collector/detect"
	"github.com/uptake-dev/uptake/collector/evaluate"
	"github.com/uptake-dev/uptake/collector/snapshot"
	"github.com/uptake-dev/uptake/collector/source"
	"github.com/uptake-dev/uptake/config"
)

// fakeSource is an in-memory source that counts what the engine asks of it.
type fakeSource struct {
	name    string
	mu      sync.Mutex
	repos   map[string]fakeRepo
	listErr error
	// listWait, when set, holds List until it is closed or ctx ends.
	listWait chan struct{}
	reads    atomic.Int64
	opens    atomic.Int64
	readLog  []string
	openLog  []string
	// listHeads lists each repo with its HEAD, as GitHub's GraphQL does.
	listHeads bool
}

type fakeRepo struct {
	head    string
	files   map[string]string
	headErr error
	// readErr fails reading these listed files, as a transport fault does.
	readErr map[string]error
	// hang makes every read wait for the context's end.
	hang bool
}

func (s *fakeSource) Name() string { return s.name }

func (s *fakeSource) List(ctx context.Context) ([]source.Repo, error) {
	if s.listWait != nil {
		select {
		case <-s.listWait:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if s.listErr != nil {
		return nil, s.listErr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []source.Repo
	for n, r := range s.repos {
		repo := source.Repo{Source: s.name, Name: n}
		if s.listHeads {
			repo.Head = r.head
		}
		out = append(out, repo)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func (s *fakeSource) Head(_ context.Context, r source.Repo) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fr := s.repos[r.Name]
	return fr.head, fr.headErr
}

func (s *fakeSource) Open(_ context.Context, r source.Repo, _ string) (source.Tree, error) {
	s.opens.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.openLog = append(s.openLog, r.Name)
	return &fakeTree{src: s, files: s.repos[r.Name].files, readErr: s.repos[r.Name].readErr, hang: s.repos[r.Name].hang}, nil
}

type fakeTree struct {
	src     *fakeSource
	files   map[string]string
	readErr map[string]error
	hang    bool
}

func (t *fakeTree) Entries() []source.Entry {
	var out []source.Entry
	for p, c := range t.files {
		out = append(out, source.Entry{Path: p, Size: int64(len(c))})
	}
	return out
}

func (t *fakeTree) Read(ctx context.Context, path string, limit int64) ([]byte, error) {
	if t.hang {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	t.src.reads.Add(1)
	t.src.mu.Lock()
	t.src.readLog = append(t.src.readLog, path)
	t.src.mu.Unlock()
	if err := t.readErr[path]; err != nil {
		return nil, err
	}
	c, ok := t.files[path]
	if !ok {
		return nil, fs.ErrNotExist
	}
	if int64(len(c)) > limit {
		return nil, source.TooLarge(path, int64(len(c)), limit)
	}
	return []byte(c), nil
}

func (t *fakeTree) FileURL(path string, line int) string {
	return fmt.Sprintf("https://git.example/%s#L%d", path, line)
}

// panicky is a detector that panics on any input, to prove isolation.
type panicky struct{}

func (panicky) Kind() string       { return "test_panicky" }
func (panicky) Patterns() []string { return []string{"**/panic.txt"} }
func (panicky) Detect(f detect.Files) ([]detect.Component, []error) {
	for _, p := range f.Glob("**/panic.txt") {
		_, _ = f.Read(p)
		panic("hostile input")
	}
	return nil, nil
}
func (panicky) Compile(map[string]string) (detect.Matcher, error) {
	return detect.MatcherFunc(func(_ detect.Component) bool { return false }), nil
}

func init() { detect.Register(panicky{}) }

const testConfig = `
sources:
  - name: fake
    type: fake
    path: /nonexistent
teams:
  from: [codeowners, map]
  map:
    search: ["search-*"]
offerings:
  - name: service-kit
    owner: platform
    lifecycle: ga
    latest: v1.4.0
    detect:
      - kind: gomod
        module: github.com/acme/service-kit
  - name: base-image
    owner: platform
    lifecycle: beta
    detect:
      - kind: dockerfile
        image: registry.acme.io/base
  - name: marker
    owner: platform
    lifecycle: experimental
    detect:
      - kind: file
        path: .platform/marker.yaml
  - name: hostile
    owner: platform
    lifecycle: experimental
    detect:
      - kind: test_panicky
`

// openStore opens a scan cache in a temp dir, closed when the test ends.
func openStore(t *testing.T) *cache.Store {
	t.Helper()
	store, err := cache.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	return store
}

func loadTest(t testing.TB, yml string) *Loaded {
	t.Helper()
	cfg, err := config.Parse("test.yml", []byte(yml))
	if err != nil {
		t.Fatal(err)
	}
	l, err := Compile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func goMod(v string) string {
	return "module example.com/x\n\ngo 1.22\n\nrequire github.com/acme/service-kit " + v + "\n"
}

func newFake() *fakeSource {
	return &fakeSource{name: "fake", repos: map[string]fakeRepo{
		"pay-api": {head: "h1", files: map[string]string{
			".github/CODEOWNERS": "* @acme/payments\n",
			"go.mod":             goMod("v1.2.0"),
			"Dockerfile":         "FROM registry.acme.io/base/golang:1.22\n",
			"README.md":          "# not read\n",
			"vendor/x/go.mod":    goMod("v0.1.0"),
		}},
		"search-web": {head: "h2", files: map[string]string{
			"package.json":          "{}",
			".platform/marker.yaml": "x",
			"Dockerfile":            "FROM registry.acme.io/base-legacy/node:20\n",
		}},
		"broken-files": {head: "h3", files: map[string]string{
			"CODEOWNERS":    "* @acme/payments\n",
			"go.mod":        "module !!! this is not a go.mod (((\n",
			"svc/go.mod":    goMod("v1.4.0"),
			"svc/panic.txt": "boom",
		}},
	}}
}

func TestScanCachesUnchangedRepos(t *testing.T) {
	l := loadTest(t, testConfig)
	store := openStore(t)
	src := newFake()
	e := NewEngine(Options{Store: store})

	res := e.Scan(context.Background(), l, []source.Source{src})
	if src.reads.Load() == 0 {
		t.Fatal("first scan read no file")
	}
	for _, p := range src.readLog {
		if p == "README.md" || p == "vendor/x/go.mod" {
			t.Errorf("read %s, which no rule needs or which is excluded", p)
		}
	}
	if got := res.Sources[0]; !got.OK || got.Repos != 3 || got.Cached != 0 || got.RepoErrors != 0 {
		t.Fatalf("first scan status = %+v", got)
	}

	firstReads, firstOpens := src.reads.Load(), src.opens.Load()
	res2 := e.Scan(context.Background(), l, []source.Source{src})
	if src.reads.Load() != firstReads || src.opens.Load() != firstOpens {
		t.Fatalf("second scan of an unchanged org read %d files and opened %d trees", src.reads.Load()-firstReads, src.opens.Load()-firstOpens)
	}
	if got := res2.Sources[0]; got.Cached != 3 || got.FilesRead != 0 {
		t.Fatalf("second scan status = %+v, want 3 cached and 0 files read", got)
	}
	snap1 := evaluate.Build(l.Config, l.Catalog, res, time.Now(), nil)
	snap2 := evaluate.Build(l.Config, l.Catalog, res2, time.Now(), nil)
	j1, _ := json.Marshal(snap1.Summary)
	j2, _ := json.Marshal(snap2.Summary)
	if string(j1) != string(j2) {
		t.Fatalf("cached scan evaluated differently:\n%v\n%v", snap1.Summary, snap2.Summary)
	}
	// The skipped files come back from the cache too.
	lists := func(s *snapshot.Snapshot) map[string][]snapshot.FileError {
		out := map[string][]snapshot.FileError{}
		for _, r := range s.Repos {
			out[r.Name] = r.FileErrorList
		}
		return out
	}
	want := []snapshot.FileError{
		{Path: "(test_panicky)", Error: "test_panicky: the detector failed on this repo (a bug: the scan log has its message)"},
		{Path: "go.mod", Error: "gomod: not parseable (line 2)"}, // the unclosed ( runs to the end
	}
	if got := lists(snap1)["broken-files"]; !reflect.DeepEqual(got, want) {
		t.Errorf("broken-files skipped %+v, want %+v", got, want)
	}
	if !reflect.DeepEqual(lists(snap1), lists(snap2)) {
		t.Errorf("cached repos' skipped files differ:\n%+v\n%+v", lists(snap1), lists(snap2))
	}

	// A new commit in one repo: only that repo is read again.
	src.repos["pay-api"] = fakeRepo{head: "h1b", files: src.repos["pay-api"].files}
	res3 := e.Scan(context.Background(), l, []source.Source{src})
	if got := res3.Sources[0]; got.Cached != 2 {
		t.Fatalf("after one commit: %d cached, want 2", got.Cached)
	}

	// A rule that reads other files invalidates the cache.
	l2 := loadTest(t, testConfig+`
  - name: regex-rule
    owner: platform
    lifecycle: beta
    detect:
      - kind: regex
        path: README.md
        pattern: not read
`)
	res4 := e.Scan(context.Background(), l2, []source.Source{src})
	if got := res4.Sources[0]; got.Cached != 0 {
		t.Fatalf("rule set changed but %d repos came from the cache", got.Cached)
	}
}

func TestScanEvaluation(t *testing.T) {
	l := loadTest(t, testConfig)
	res := NewEngine(Options{}).Scan(context.Background(), l, []source.Source{newFake()})
	snap := evaluate.Build(l.Config, l.Catalog, res, time.Now(), nil)

	repos := map[string]snapshot.RepoReport{}
	for _, r := range snap.Repos {
		repos[r.Name] = r
	}
	pay := repos["pay-api"]
	if pay.Team != "payments" || pay.TeamVia != "codeowners" {
		t.Errorf("pay-api team = %s via %s", pay.Team, pay.TeamVia)
	}
	if len(pay.Offerings) != 2 {
		t.Fatalf("pay-api offerings = %+v", pay.Offerings)
	}
	for _, o := range pay.Offerings {
		if o.Offering == "service-kit" && (o.Version != "v1.2.0" || o.Evidence[0].Path != "go.mod" || o.Evidence[0].Line != 5 || o.Evidence[0].URL != "https://git.example/go.mod#L5") {
			t.Errorf("service-kit in pay-api = %+v", o)
		}
	}
	web := repos["search-web"]
	if web.Team != "search" || web.TeamVia != "map" {
		t.Errorf("search-web team = %s via %s", web.Team, web.TeamVia)
	}
	if len(web.Offerings) != 1 || web.Offerings[0].Offering != "marker" {
		t.Errorf("search-web offerings = %+v (base-legacy must not match base)", web.Offerings)
	}
	broken := repos["broken-files"]
	if broken.FileErrors < 2 {
		t.Errorf("broken-files file errors = %d, want the malformed go.mod and the panicking detector", broken.FileErrors)
	}
	if len(broken.Offerings) != 1 || broken.Offerings[0].Version != "v1.4.0" {
		t.Errorf("broken-files offerings = %+v, want service-kit from svc/go.mod", broken.Offerings)
	}

	cell := func(o, team string) snapshot.Cell {
		for _, c := range snap.Summary {
			if c.Offering == o && c.Team == team {
				return c
			}
		}
		t.Fatalf("no cell %s/%s", o, team)
		return snapshot.Cell{}
	}
	if c := cell("service-kit", "payments"); c.Adopted != 2 || c.Total != 2 || c.Outdated != 1 || *c.Ratio != 1 {
		t.Errorf("service-kit/payments = %+v", c)
	}
	if c := cell("service-kit", "search"); c.Adopted != 0 || c.Total != 1 || *c.Ratio != 0 {
		t.Errorf("service-kit/search = %+v, want a zero cell", c)
	}
}

func TestScanKeepsLastGoodData(t *testing.T) {
	l := loadTest(t, testConfig)
	src := newFake()
	e := NewEngine(Options{})
	e.Scan(context.Background(), l, []source.Source{src})

	// One repo becomes unreadable: its last good data stays, the error shows.
	src.repos["pay-api"] = fakeRepo{headErr: errors.New("permission denied")}
	res := e.Scan(context.Background(), l, []source.Source{src})
	st := res.Sources[0]
	if st.RepoErrors != 1 || st.Repos != 3 || !st.OK {
		t.Fatalf("status = %+v, want 1 repo error and 3 repos kept", st)
	}
	snap := evaluate.Build(l.Config, l.Catalog, res, time.Now(), nil)
	for _, r := range snap.Repos {
		if r.Name == "pay-api" && (!r.Stale || len(r.Offerings) != 2) {
			t.Fatalf("pay-api = %+v, want its last good adoption, marked stale", r)
		}
	}

	// The listing fails: every repo keeps its last good data, no success.
	before := res.Sources[0].LastSuccess
	src.listErr = errors.New("connection refused")
	res = e.Scan(context.Background(), l, []source.Source{src})
	st = res.Sources[0]
	if st.OK || st.Repos != 3 || !st.LastSuccess.Equal(before) || st.Error == "" {
		t.Fatalf("status after a failed listing = %+v", st)
	}
}

func TestScanTransportFaultKeepsLastGoodAndCachesNothing(t *testing.T) {
	l := loadTest(t, testConfig)
	store := openStore(t)
	src := newFake()
	e := NewEngine(Options{Store: store})
	first := e.Scan(context.Background(), l, []source.Source{src})
	truth := evaluate.Build(l.Config, l.Catalog, first, time.Now(), nil)
	var payRead time.Time
	for _, r := range first.Repos {
		if r.Repo.Name == "pay-api" {
			payRead = r.ResultTime
		}
	}

	// A new commit whose CODEOWNERS cannot be fetched: the repo must keep its
	// team and adoption, and the half-read commit must not be cached.
	pay := src.repos["pay-api"]
	src.repos["pay-api"] = fakeRepo{head: "h1-new", files: pay.files, readErr: map[string]error{".github/CODEOWNERS": errors.New("unexpected EOF")}}
	res := e.Scan(context.Background(), l, []source.Source{src})
	if st := res.Sources[0]; st.RepoErrors != 1 || !st.OK || st.StaleRepos != 1 || !st.OldestResult.Equal(payRead) {
		t.Fatalf("status = %+v, want the fault counted as a repo error, one stale repo, the oldest result pay-api's first read", st)
	}
	snap := evaluate.Build(l.Config, l.Catalog, res, time.Now(), nil)
	j1, _ := json.Marshal(truth.Summary)
	j2, _ := json.Marshal(snap.Summary)
	if string(j1) != string(j2) {
		t.Fatalf("a transport fault changed the cells:\n%s\n%s", j1, j2)
	}
	if entry, ok := store.Last("fake", "pay-api"); !ok || entry.Head != "h1" {
		t.Fatalf("cache holds %+v for pay-api; want the last good commit h1, not the half-read one", entry)
	}

	// The fault clears: the new commit is read and cached.
	src.repos["pay-api"] = fakeRepo{head: "h1-new", files: pay.files}
	if st := e.Scan(context.Background(), l, []source.Source{src}).Sources[0]; st.RepoErrors != 0 || st.StaleRepos != 0 || !st.OldestResult.After(payRead) {
		t.Fatalf("status after recovery = %+v", st)
	}
	if entry, _ := store.Last("fake", "pay-api"); entry.Head != "h1-new" {
		t.Fatalf("cache holds head %q after recovery, want h1-new", entry.Head)
	}
}

func TestScanSourcesConcurrently(t *testing.T) {
	l := loadTest(t, testConfig)
	stalled, fast := newFake(), newFake()
	stalled.name, stalled.listWait = "stalled", make(chan struct{})
	var once sync.Once
	e := NewEngine(Options{OnProgress: func(p Progress) {
		if p.Source == "fake" && p.Done == p.Total {
			once.Do(func() { close(stalled.listWait) })
		}
	}})
	// The stalled source comes first and lists only once the other is done:
	// scanned one after another, it would wait for the deadline and fail.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res := e.Scan(ctx, l, []source.Source{stalled, fast})
	if len(res.Sources) != 2 || res.Sources[0].Name != "stalled" || !res.Sources[0].OK || !res.Sources[1].OK {
		t.Fatalf("statuses = %+v, want both sources scanned, in config order", res.Sources)
	}
}

func TestScanRepoErrorWithoutHistory(t *testing.T) {
	l := loadTest(t, testConfig)
	src := newFake()
	src.repos["gone"] = fakeRepo{headErr: errors.New("404 Not Found")}
	src.repos["empty"] = fakeRepo{headErr: source.ErrEmpty}
	res := NewEngine(Options{}).Scan(context.Background(), l, []source.Source{src})
	st := res.Sources[0]
	if st.RepoErrors != 1 || st.Repos != 4 {
		t.Fatalf("status = %+v, want the empty repo counted and the unreadable one an error", st)
	}
	snap := evaluate.Build(l.Config, l.Catalog, res, time.Now(), nil)
	teamRepos := 0
	for _, tr := range snap.Teams {
		teamRepos += tr.Repos
	}
	var gone *snapshot.RepoReport
	for i := range snap.Repos {
		if snap.Repos[i].Name == "gone" {
			gone = &snap.Repos[i]
		}
	}
	if teamRepos != 4 || gone == nil || gone.Error == "" || gone.Team != "" {
		t.Fatalf("unreadable repo: counted in %d team repos, report %+v; want it reported with its error, not counted", teamRepos, gone)
	}
}

func TestShardsPartitionRepos(t *testing.T) {
	seen := map[string]int{}
	for i := 0; i < 3; i++ {
		for n := 0; n < 200; n++ {
			r := source.Repo{Source: "s", Name: fmt.Sprintf("repo-%d", n)}
			if InShard(r, i, 3) {
				seen[r.Name]++
			}
		}
	}
	if len(seen) != 200 {
		t.Fatalf("%d repos covered, want 200", len(seen))
	}
	for n, c := range seen {
		if c != 1 {
			t.Fatalf("%s in %d shards", n, c)
		}
	}
}

func TestScanLogVolumeIsBounded(t *testing.T) {
	l := loadTest(t, testConfig)
	files := map[string]string{}
	for i := range 300 {
		files[fmt.Sprintf("svc%03d/go.mod", i)] = "module !!! (((\n"
	}
	src := &fakeSource{name: "fake", repos: map[string]fakeRepo{"monorepo": {head: "h", files: files}}}
	for i := range 200 {
		src.repos[fmt.Sprintf("gone-%03d", i)] = fakeRepo{headErr: errors.New("404 Not Found")}
	}
	core, logs := observer.New(zap.InfoLevel)
	NewEngine(Options{Logger: zap.New(core)}).Scan(context.Background(), l, []source.Source{src})
	if n := logs.FilterMessage("file skipped").Len(); n != maxFileWarnings {
		t.Errorf("%d file warnings, want %d then a summary", n, maxFileWarnings)
	}
	if n := logs.FilterMessage("repo scan failed").Len(); n != maxRepoWarnings {
		t.Errorf("%d repo warnings, want %d then a summary", n, maxRepoWarnings)
	}
	for msg, field := range map[string]int64{
		"more files skipped; not logged one by one (uptake_scan_file_errors counts them all)": 300 - maxFileWarnings,
		"more repo scans failed; not logged one by one":                                       200 - maxRepoWarnings,
	} {
		if e := logs.FilterMessage(msg).All(); len(e) != 1 || (e[0].ContextMap()["files"] != field && e[0].ContextMap()["repos"] != field) {
			t.Errorf("summary %q = %+v, want one line counting %d", msg, e, field)
		}
	}

	// An interrupted scan says so once, not once per repo.
	core, logs = observer.New(zap.InfoLevel)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	NewEngine(Options{Logger: zap.New(core)}).Scan(ctx, l, []source.Source{newFake()})
	if n := logs.FilterMessage("repo scan failed").Len(); n != 0 || logs.FilterMessage("source scan interrupted; nothing of it is published").Len() != 1 {
		t.Errorf("interrupted scan logged %d repo failures and %v", n, logs.All())
	}
}

func TestRestorePublishesTheLastCompleteScan(t *testing.T) {
	l := loadTest(t, testConfig)
	store := openStore(t)
	src := newFake()
	// gone-soon is scanned and cached, then deleted; its entry is put back
	// below, as a sharded replica (which never prunes) would keep it: only
	// the run's repo set keeps it out.
	src.repos["gone-soon"] = fakeRepo{head: "g1", files: map[string]string{"go.mod": goMod("v1.0.0")}}
	e := NewEngine(Options{Store: store})
	e.Scan(context.Background(), l, []source.Source{src})
	delete(src.repos, "gone-soon")
	src.repos["pay-api"] = fakeRepo{headErr: errors.New("502 Bad Gateway")}
	last := e.Scan(context.Background(), l, []source.Source{src})
	want := evaluate.Build(l.Config, l.Catalog, last, time.Now(), nil)
	// Put the deleted repo's entry back, as an unpruned shard would keep it.
	must(t, store.Save("fake", "gone-soon", cache.Entry{Head: "g1", RuleHash: l.Plan.Hash(), Time: time.Now(), Data: []byte(`{"repo":{"source":"fake","name":"gone-soon"}}`)}))

	res := NewEngine(Options{Store: store}).Restore(l)
	if res == nil || !res.Restored {
		t.Fatal("nothing restored")
	}
	got := evaluate.Build(l.Config, l.Catalog, res, time.Now(), nil)
	j1, _ := json.Marshal(want.Summary)
	j2, _ := json.Marshal(got.Summary)
	if string(j1) != string(j2) || len(got.Repos) != len(want.Repos) {
		t.Fatalf("restored\n%s\nwant the last complete scan\n%s", j2, j1)
	}
	for _, r := range got.Repos {
		if r.Name == "gone-soon" {
			t.Fatal("a deleted repo came back from its cache entry")
		}
		if r.Name == "pay-api" && !r.Stale {
			t.Fatal("pay-api was stale in the last scan and must stay so")
		}
	}
	if !res.Sources[0].LastSuccess.Equal(last.Sources[0].LastSuccess) {
		t.Fatalf("last success %v, want %v", res.Sources[0].LastSuccess, last.Sources[0].LastSuccess)
	}

	// A failing first listing keeps the run's repos, not every cache entry.
	src.listErr = errors.New("connection refused")
	failed := NewEngine(Options{Store: store}).Scan(context.Background(), l, []source.Source{src})
	for _, r := range failed.Repos {
		if r.Repo.Name == "gone-soon" {
			t.Fatal("a failing listing brought back a deleted repo's cache entry")
		}
	}
	src.listErr = nil

	// Not restored: a rule set reading what the run did not, another config
	// of the source under the same name, a fresh entry another plan wrote.
	l2 := loadTest(t, testConfig+`
  - {name: readme, owner: o, lifecycle: beta, detect: [{kind: regex, path: README.md, pattern: not}]}
`)
	if NewEngine(Options{Store: store}).Restore(l2) != nil {
		t.Fatal("restored inventories that lack a rule's files")
	}
	if NewEngine(Options{Store: store}).Restore(loadTest(t, strings.Replace(testConfig, "/nonexistent", "/elsewhere", 1))) != nil {
		t.Fatal("restored a source whose config changed")
	}
	entry, _ := store.Last("fake", "search-web")
	entry.RuleHash = "another-plan"
	must(t, store.Save("fake", "search-web", entry))
	if NewEngine(Options{Store: store}).Restore(l) != nil {
		t.Fatal("restored an entry a later, unfinished scan under other rules wrote")
	}
}

func TestSourceTimeoutStopsOnlyThatSource(t *testing.T) {
	l := loadTest(t, testConfig+"scan:\n  source_timeout: 200ms\n")
	stalled, fast := newFake(), newFake()
	stalled.name = "stalled"
	e := NewEngine(Options{})
	e.Scan(context.Background(), l, []source.Source{stalled, fast})
	stalled.listWait = make(chan struct{}) // never closed: this forge hangs from now on
	res := e.Scan(context.Background(), l, []source.Source{stalled, fast})
	st := res.Sources[0]
	if st.OK || st.Repos != 3 || st.StaleRepos != 3 || !strings.Contains(st.Error, "deadline exceeded") {
		t.Fatalf("stalled source = %+v, want it failed with its 3 repos kept stale", st)
	}
	if !res.Sources[1].OK || res.Sources[1].StaleRepos != 0 {
		t.Fatalf("the other source = %+v, want it scanned", res.Sources[1])
	}

	// A repo that hangs mid-scan: the source stops at its deadline, the
	// repos read are fresh, the hung one keeps its last good data.
	pay := fast.repos["pay-api"]
	fast.repos["pay-api"] = fakeRepo{head: "h1-new", files: pay.files, hang: true}
	res = e.Scan(context.Background(), l, []source.Source{fast})
	st = res.Sources[0]
	if st.OK || st.Repos != 3 || st.StaleRepos != 1 || !strings.Contains(st.Error, "scan.source_timeout (200ms)") {
		t.Fatalf("source with a hung repo = %+v, want it stopped with one stale repo", st)
	}
}

// Each scan names every rule that matched no repo, once, at warn level,
// and the snapshot counts each rule's repos; a scan with a failed source
// names none, as the repos it could not list may be the ones a rule matches.
func TestUnmatchedRulesLoggedOncePerCompleteScan(t *testing.T) {
	yml := strings.Replace(testConfig, "/nonexistent", "/unmatched-test", 1)
	yml = strings.Replace(yml, "        module: github.com/acme/service-kit\n",
		"        module: github.com/acme/service-kit\n      - kind: gomod\n        module: github.com/acme/servce-kit\n", 1)
	src := newFake()
	fakes.Store("/unmatched-test", src)
	core, logs := observer.New(zap.InfoLevel)
	r, err := New(loadTest(t, yml), Config{Interval: time.Hour, Logger: zap.New(core)})
	if err != nil {
		t.Fatal(err)
	}
	unmatched := func() []string {
		var out []string
		for _, e := range logs.FilterMessageSnippet("rule matched no repo").All() {
			if e.Level != zap.WarnLevel {
				t.Errorf("logged at %s", e.Level)
			}
			f := e.ContextMap()
			out = append(out, fmt.Sprintf("%v %v %v %v", f["offering"], f["kind"], f["params"], f["at"]))
		}
		sort.Strings(out)
		return out
	}
	snap, err := r.ScanOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"hostile test_panicky map[] test.yml:36",
		"service-kit gomod map[module:github.com/acme/servce-kit] test.yml:18",
	}
	if got := unmatched(); !reflect.DeepEqual(got, want) {
		t.Errorf("warnings %q, want %q", got, want)
	}
	var counts []string
	for _, o := range snap.Offerings {
		for _, rule := range o.Rules {
			counts = append(counts, fmt.Sprintf("%s %s:%d %d", o.Name, rule.Kind, rule.Line, rule.MatchedRepos))
		}
	}
	wantCounts := []string{"service-kit gomod:16 2", "service-kit gomod:18 0", "base-image dockerfile:24 1", "marker file:30 1", "hostile test_panicky:36 0"}
	if !reflect.DeepEqual(counts, wantCounts) {
		t.Errorf("matched_repos %q, want %q", counts, wantCounts)
	}

	logs.TakeAll()
	src.listErr = errors.New("forge down")
	if _, err := r.ScanOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := unmatched(); len(got) != 0 {
		t.Errorf("a scan whose source failed named unmatched rules: %q", got)
	}

	// A repo read for the first time that fails is counted nowhere.
	src.listErr = nil
	src.mu.Lock()
	src.repos["new-api"] = fakeRepo{headErr: errors.New("timeout")}
	src.mu.Unlock()
	if _, err := r.ScanOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := unmatched(); len(got) != 0 {
		t.Errorf("a scan with a repo counted nowhere named unmatched rules: %q", got)
	}
}

// Inventory is every component the current snapshot's scan found in a
// repo, the ones no rule counts included; an unknown repo has none.
func TestRunnerInventoryIsTheWholeScan(t *testing.T) {
	yml := strings.Replace(testConfig, "/nonexistent", "/inventory-test", 1)
	fakes.Store("/inventory-test", newFake())
	r, err := New(loadTest(t, yml), Config{Interval: time.Hour, Logger: zap.NewNop()})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := r.Inventory("fake", "pay-api"); ok {
		t.Error("an inventory before any scan")
	}
	if _, err := r.ScanOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	comps, ok := r.Inventory("fake", "pay-api")
	var got []string
	for _, c := range comps {
		got = append(got, fmt.Sprintf("%s %s %s %s:%d", c.Kind, c.Name, c.Version, c.Path, c.Line))
	}
	if !ok || !slices.Contains(got, "gomod github.com/acme/service-kit v1.2.0 go.mod:5") ||
		!slices.ContainsFunc(got, func(s string) bool {
			return strings.HasPrefix(s, "dockerfile registry.acme.io/base/golang 1.22 Dockerfile:1")
		}) {
		t.Errorf("pay-api's inventory = %q (%v)", got, ok)
	}
	if _, ok := r.Inventory("fake", "no-such-repo"); ok {
		t.Error("an inventory for a repo the scan never saw")
	}
}
