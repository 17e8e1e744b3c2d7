package runner

import (
	"context"
	"encoding/json"
	"sort"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/uptake-dev/uptake/collector/evaluate"
	"github.com/uptake-dev/uptake/collector/snapshot"
	"github.com/uptake-dev/uptake/collector/source"
)

// budgeted is a fakeSource whose host rations reads: each repo admitted
// costs one of remaining.
type budgeted struct {
	*fakeSource
	mu                  sync.Mutex
	remaining, inflight int
	// serial refuses while a reservation is in flight, as a budget whose
	// estimates over-count what the reads in flight will still spend.
	serial bool
}

func (s *budgeted) Reserve(ctx context.Context) (context.Context, func(), bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.remaining-s.inflight < 1 || (s.serial && s.inflight > 0) {
		return ctx, func() {}, false
	}
	s.inflight++
	var once sync.Once
	return ctx, func() {
		once.Do(func() {
			s.mu.Lock()
			s.inflight--
			s.remaining--
			s.mu.Unlock()
		})
	}, true
}

func (s *budgeted) Budgets() []source.Budget {
	s.mu.Lock()
	defer s.mu.Unlock()
	return []source.Budget{{Resource: "core", Limit: 100, Remaining: s.remaining, Reset: time.Unix(1_800_000_000, 0), PerRepo: 1}}
}

func (s *budgeted) allow(n int) {
	s.mu.Lock()
	s.remaining = n
	s.mu.Unlock()
}

// opened is which repos the source opened since the last call.
func (s *fakeSource) opened() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.openLog
	s.openLog = nil
	sort.Strings(out)
	return out
}

func summary(t *testing.T, l *Loaded, res *evaluate.Result) string {
	t.Helper()
	b, err := json.Marshal(evaluate.Build(l.Config, l.Catalog, res, time.Now(), nil).Summary)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func reports(l *Loaded, res *evaluate.Result) map[string]snapshot.RepoReport {
	out := map[string]snapshot.RepoReport{}
	for _, r := range evaluate.Build(l.Config, l.Catalog, res, time.Now(), nil).Repos {
		out[r.Name] = r
	}
	return out
}

// newCommits moves every repo's HEAD, content unchanged: every repo needs
// reading again, and its adoption stays what it was.
func newCommits(src *fakeSource) {
	src.mu.Lock()
	defer src.mu.Unlock()
	for n, r := range src.repos {
		r.head += "+"
		src.repos[n] = r
	}
}

// TestDeferredReposKeepLastGoodData: a budget that covers one repo of three
// reads one and defers two, which keep their last good data, marked stale
// and deferred, not errors: the cells are exactly the last scan's (no false
// drop). The next scan reads the deferred ones first.
func TestDeferredReposKeepLastGoodData(t *testing.T) {
	l := loadTest(t, testConfig)
	src := &budgeted{fakeSource: newFake(), remaining: 100}
	store := openStore(t)
	e := NewEngine(Options{Store: store})
	truth := e.Scan(t.Context(), l, []source.Source{src})
	if st := truth.Sources[0]; st.DeferredRepos != 0 || st.Repos != 3 {
		t.Fatalf("a budget of 100 deferred: %+v", st)
	}
	src.opened()

	newCommits(src.fakeSource)
	src.allow(1)
	core, logs := observer.New(zap.InfoLevel)
	e.log = zap.New(core)
	res := e.Scan(t.Context(), l, []source.Source{src})
	st := res.Sources[0]
	if !st.OK || st.Repos != 3 || st.DeferredRepos != 2 || st.StaleRepos != 2 || st.RepoErrors != 0 {
		t.Fatalf("status = %+v, want 3 repos, 2 deferred and stale, no error", st)
	}
	if got := src.opened(); len(got) != 1 {
		t.Fatalf("opened %v, want one repo", got)
	}
	if got, want := summary(t, l, res), summary(t, l, truth); got != want {
		t.Fatalf("deferring changed the cells:\n%s\nwant\n%s", got, want)
	}
	var deferred []string
	for name, r := range reports(l, res) {
		if r.Deferred {
			deferred = append(deferred, name)
			if !r.Stale || r.Error != "" || len(r.Offerings) == 0 && name == "pay-api" {
				t.Errorf("deferred %s = %+v, want its last good data, stale, no error", name, r)
			}
		}
	}
	sort.Strings(deferred)
	if len(deferred) != 2 {
		t.Fatalf("deferred reports %v, want 2", deferred)
	}
	lines := logs.FilterMessageSnippet("rate budget does not cover every repo").All()
	if len(lines) != 1 || lines[0].ContextMap()["deferred"] != int64(2) || len(lines[0].ContextMap()["budgets"].([]any)) != 1 {
		t.Fatalf("deferral logged as %+v, want one line with the count and the budget", lines)
	}

	// The next scan resumes: the two deferred repos have the oldest results.
	src.allow(2)
	res = e.Scan(t.Context(), l, []source.Source{src})
	if got := src.opened(); len(got) != 2 || got[0] != deferred[0] || got[1] != deferred[1] {
		t.Fatalf("next scan opened %v, want the deferred %v first", got, deferred)
	}
	if st := res.Sources[0]; st.DeferredRepos != 1 || st.StaleRepos != 1 {
		t.Fatalf("status = %+v, want the repo read last time deferred now", st)
	}
	if got, want := summary(t, l, res), summary(t, l, truth); got != want {
		t.Fatalf("cells changed:\n%s\nwant\n%s", got, want)
	}

	// After a restart with the budget spent: every repo deferred, each
	// counted from its cache entry.
	newCommits(src.fakeSource)
	src.allow(0)
	res = NewEngine(Options{Store: store}).Scan(t.Context(), l, []source.Source{src})
	if st := res.Sources[0]; st.Repos != 3 || st.DeferredRepos != 3 || st.StaleRepos != 3 || len(src.opened()) != 0 {
		t.Fatalf("status = %+v, want all 3 deferred and counted stale", st)
	}
	if got, want := summary(t, l, res), summary(t, l, truth); got != want {
		t.Fatalf("cells after a restart:\n%s\nwant\n%s", got, want)
	}
}

// TestDeferredNeverReadRepos: repos never read come first; one the budget
// cannot cover has no data, so it is reported as deferred and counted
// nowhere (neither an error nor a repo of a team), and a restart publishes
// the same. Repos whose listed HEAD is cached cost nothing and are never
// deferred.
func TestDeferredNeverReadRepos(t *testing.T) {
	l := loadTest(t, testConfig)
	store := openStore(t)
	src := &budgeted{fakeSource: newFake(), remaining: 2}
	src.listHeads = true
	e := NewEngine(Options{Store: store})
	res := e.Scan(t.Context(), l, []source.Source{src})
	st := res.Sources[0]
	if st.Repos != 2 || st.DeferredRepos != 1 || st.StaleRepos != 0 || st.RepoErrors != 0 {
		t.Fatalf("status = %+v, want 2 repos read, 1 deferred with no data, no error", st)
	}
	first := src.opened()
	var never string
	for name := range src.repos {
		if name != first[0] && name != first[1] {
			never = name
		}
	}
	r := reports(l, res)[never]
	if !r.Deferred || r.Stale || r.Error != "" || r.Team != "" {
		t.Fatalf("%s = %+v, want it reported deferred, without data or error", never, r)
	}
	teamRepos := 0
	for _, tr := range evaluate.Build(l.Config, l.Catalog, res, time.Now(), nil).Teams {
		teamRepos += tr.Repos
	}
	if teamRepos != 2 {
		t.Fatalf("%d repos counted in teams, want the 2 read", teamRepos)
	}
	restored := NewEngine(Options{Store: store}).Restore(l)
	if restored == nil {
		t.Fatal("a scan with a deferred repo was not restored")
	}
	if got, want := summary(t, l, restored), summary(t, l, res); got != want {
		t.Fatalf("restored\n%s\nwant\n%s", got, want)
	}
	if r := reports(l, restored)[never]; !r.Deferred || r.Stale {
		t.Fatalf("restored %s = %+v, want it deferred without data", never, r)
	}

	// Nothing changed and the budget is spent: the two cached repos are
	// confirmed for free; the never-read one waits again, first in line.
	src.allow(0)
	res = e.Scan(t.Context(), l, []source.Source{src})
	if st := res.Sources[0]; st.Cached != 2 || st.DeferredRepos != 1 || len(src.opened()) != 0 {
		t.Fatalf("status = %+v, want 2 cached and the never-read repo deferred", st)
	}
	src.allow(1)
	e.Scan(t.Context(), l, []source.Source{src})
	if got := src.opened(); len(got) != 1 || got[0] != never {
		t.Fatalf("opened %v, want the never-read %s", got, never)
	}
}

// TestReservationsSettleBeforeDeferring: a budget that refuses while reads
// are in flight (its estimates of them over-count) is asked again once they
// are done; every repo it then covers is read.
func TestReservationsSettleBeforeDeferring(t *testing.T) {
	l := loadTest(t, testConfig)
	src := &budgeted{fakeSource: newFake(), remaining: 3, serial: true}
	res := NewEngine(Options{}).Scan(t.Context(), l, []source.Source{src})
	if st := res.Sources[0]; st.DeferredRepos != 0 || st.Repos != 3 {
		t.Fatalf("status = %+v, want all 3 read one after another", st)
	}
	src.allow(2)
	newCommits(src.fakeSource)
	if st := NewEngine(Options{}).Scan(t.Context(), l, []source.Source{src}).Sources[0]; st.DeferredRepos != 1 {
		t.Fatalf("status = %+v, want the third deferred", st)
	}
}
