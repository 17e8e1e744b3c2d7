package github

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/uptake-dev/uptake/collector/cache"
	"github.com/uptake-dev/uptake/collector/runner"
	"github.com/uptake-dev/uptake/collector/snapshot"
	"github.com/uptake-dev/uptake/collector/source"
	"github.com/uptake-dev/uptake/config"
)

// TestBudgetsTrackedApart: REST and GraphQL budgets are read from their own
// answers' headers into gauges labelled by resource, 304s free.
func TestBudgetsTrackedApart(t *testing.T) {
	f := newFake(t, org()...)
	m := source.NewMetrics()
	s := f.source(t, config.Source{}, Options{Metrics: m, Store: newStore()})
	start := f.clock.Now()
	for range 2 {
		if _, err := s.List(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	// REST: a listing page, then its 304. GraphQL: two HEAD queries.
	for res, want := range map[string]float64{"core": 5000 - 1, "graphql": 5000 - 2} {
		if got := testutil.ToFloat64(m.RateLimitRemaining.WithLabelValues("gh", res)); got != want {
			t.Errorf("rate_limit_remaining{resource=%q} = %v, want %v", res, got, want)
		}
		if got := testutil.ToFloat64(m.RateLimitLimit.WithLabelValues("gh", res)); got != 5000 {
			t.Errorf("rate_limit_limit{resource=%q} = %v, want 5000", res, got)
		}
		if got, want := testutil.ToFloat64(m.RateLimitReset.WithLabelValues("gh", res)), float64(start.Add(time.Hour).Unix()); got != want {
			t.Errorf("rate_limit_reset{resource=%q} = %v, want %v", res, got, want)
		}
		if b, ok := s.budgets.left(res); !ok || float64(b.remaining) != want || b.limit != 5000 {
			t.Errorf("budget %s = %+v, %v; want %v left of 5000", res, b, ok, want)
		}
	}
	// Past the reset, a window is whole again.
	f.clock.Sleep(t.Context(), time.Hour+time.Minute) //nolint:errcheck // the fake clock only advances
	if b, _ := s.budgets.left("core"); b.remaining != 5000 {
		t.Errorf("core after its reset = %+v, want 5000 left", b)
	}
}

// TestGraphQLBudgetSpentGoesOverREST: a spent GraphQL budget (another
// client used it, and GitHub answers RATE_LIMITED with a 200) sends HEADs
// and files over REST at once instead of waiting up to an hour; logged once.
func TestGraphQLBudgetSpentGoesOverREST(t *testing.T) {
	files := map[string]string{"go.mod": "module a\n", ".github/CODEOWNERS": "* @octo-org/payments\n"}
	f := newFake(t, &fakeRepo{Name: "api", Files: files}, &fakeRepo{Name: "web", Files: files})
	f.srv.Start()
	f.spend("graphql", 5000)
	core, logs := observer.New(zap.InfoLevel)
	s := f.source(t, config.Source{}, Options{Logger: zap.New(core), Store: newStore()})
	repos, err := s.List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range repos {
		head, err := s.Head(t.Context(), r)
		if err != nil || head != f.repo(r.ShortName()).head() {
			t.Fatalf("%s: HEAD %q, %v", r.Name, head, err)
		}
		tr, err := s.Open(t.Context(), r, head)
		if err != nil {
			t.Fatal(err)
		}
		tr.(source.Prefetcher).Prefetch(t.Context(), []string{"go.mod", ".github/CODEOWNERS"}, 1<<20)
		for p, want := range files {
			if b, err := tr.Read(t.Context(), p, 1<<20); err != nil || string(b) != want {
				t.Fatalf("%s: %s = %q, %v", r.Name, p, b, err)
			}
		}
	}
	if n := f.count(routeGraphQL); n != 1 {
		t.Errorf("%d GraphQL queries, want 1: the refused HEAD query, nothing after it", n)
	}
	if n := f.count(routeCommit); n != 2 {
		t.Errorf("%d REST HEAD lookups, want 2", n)
	}
	if n := f.count(routeBlob); n != 2 {
		t.Errorf("%d REST blob reads, want 2 (CODEOWNERS and go.mod, the same content in both repos)", n)
	}
	if slept := f.clock.Slept(); len(slept) > 0 {
		t.Errorf("waited %v for the GraphQL budget", slept)
	}
	if n := logs.FilterMessage("GraphQL rate budget spent; HEADs and files go over REST until it resets").Len(); n != 1 {
		t.Errorf("logged %d times, want once a scan", n)
	}
}

// budgetCatalog reads what BenchmarkOrgScan's globs name: go.mod files,
// the workflows and CODEOWNERS.
const budgetCatalog = `
sources:
  - {name: gh, type: github, org: octo-org}
teams: {from: [codeowners]}
offerings:
  - {name: kit, owner: platform, lifecycle: ga, detect: [{kind: gomod, module: example.com/kit}]}
  - {name: ci, owner: platform, lifecycle: ga, detect: [{kind: github_actions, uses: octo-org/ci}]}
`

func loadCatalog(tb testing.TB) *runner.Loaded {
	tb.Helper()
	cfg, err := config.Parse("catalog.yml", []byte(budgetCatalog))
	if err != nil {
		tb.Fatal(err)
	}
	l, err := runner.Compile(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return l
}

// budgetOrg is n repos of three to four files each a detector reads.
func budgetOrg(n int) []*fakeRepo {
	var org []*fakeRepo
	for i := range n {
		r := &fakeRepo{Name: fmt.Sprintf("svc-%04d", i), Files: map[string]string{
			"go.mod":                   fmt.Sprintf("module example.com/svc-%04d\n\nrequire example.com/kit v1.%d.0\n", i, i%3),
			"main.go":                  "package main\n",
			".github/workflows/ci.yml": fmt.Sprintf("on: push\njobs:\n  ci:\n    uses: octo-org/ci/.github/workflows/go.yml@v%d\n", i%2+1),
		}}
		if i%3 != 0 {
			r.Files[".github/CODEOWNERS"] = fmt.Sprintf("* @octo-org/team-%d\n", i%5)
		}
		org = append(org, r)
	}
	return org
}

// TestScanDefersWhatTheBudgetCannotCover: the engine over the GitHub source,
// REST only, on a budget of 100 an hour that 40 repos would overspend. The
// scan reads what the budget covers, never meets a refusal nor waits for
// the reset, and defers the rest; after the reset the next scan reads the
// deferred repos (the others' HEADs answer 304, free), and nothing is
// deferred any more. With GraphQL the same budget covers every repo.
func TestScanDefersWhatTheBudgetCannotCover(t *testing.T) {
	l := loadCatalog(t)
	for _, tc := range []struct {
		name     string
		graphql  bool
		deferred bool
	}{{"rest", false, true}, {"graphql", true, false}} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, budgetOrg(40)...)
			f.budget = 100
			f.srv.Start()
			cfg := f.config(t)
			cfg.GraphQL = &tc.graphql
			store, err := cache.Open(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = store.Close() })
			scan := func() snapshot.SourceScan {
				s := f.source(t, cfg, Options{Store: store})
				res := runner.NewEngine(runner.Options{Store: store}).Scan(t.Context(), l, []source.Source{s})
				return res.Sources[0]
			}

			st := scan()
			if slept := f.clock.Slept(); len(slept) > 0 {
				t.Fatalf("the scan waited %v", slept)
			}
			if n := f.code(http.StatusForbidden); n != 0 {
				t.Fatalf("%d requests were refused for the rate limit", n)
			}
			if !st.OK || st.RepoErrors != 0 || (st.DeferredRepos > 0) != tc.deferred || st.Repos+st.DeferredRepos != 40 {
				t.Fatalf("first scan = %+v, want every repo read or deferred (deferring: %v), no error", st, tc.deferred)
			}
			if core, graphql := f.spent("core"), f.spent("graphql"); core > 100 || graphql > 100 {
				t.Fatalf("spent %d REST and %d GraphQL of budgets of 100", core, graphql)
			}
			if !tc.deferred {
				return
			}
			t.Logf("first scan: %d read, %d deferred; %d REST requests billed", st.Repos, st.DeferredRepos, f.spent("core"))

			f.clock.Sleep(t.Context(), time.Hour) //nolint:errcheck // the fake clock only advances
			f.resetCounts()
			st = scan()
			if st.DeferredRepos != 0 || st.Repos != 40 || st.RepoErrors != 0 {
				t.Fatalf("after the reset = %+v, want the deferred repos read", st)
			}
			if n := f.code(http.StatusForbidden); n != 0 || len(f.clock.Slept()) != 1 {
				t.Fatalf("%d refusals, waits %v", n, f.clock.Slept())
			}
		})
	}
}

// TestReserveLearnsWhatAReadCosts: reservations stop where the REST budget,
// less its reserve, no longer covers the reads in flight at their estimated
// cost; the estimate moves from the first guess to what reads measured; a
// budget never reported admits everything.
func TestReserveLearnsWhatAReadCosts(t *testing.T) {
	clock := newClock()
	b := newBudgets(clock.Now, firstGuess(false))
	ctx := t.Context()
	for range 100 {
		if _, _, ok := b.reserve(ctx); !ok {
			t.Fatal("a budget GitHub never reported refused a read")
		}
	}
	b = newBudgets(clock.Now, firstGuess(false))
	reset := clock.Now().Add(time.Hour)
	b.observe("core", budget{limit: 100, remaining: 100, reset: reset, window: reset.Unix()})
	reserveAll := func() []func() {
		var releases []func()
		for {
			rctx, release, ok := b.reserve(ctx)
			if !ok {
				return releases
			}
			// Each read costs one request.
			bill(rctx, "core")
			releases = append(releases, release)
		}
	}
	first := reserveAll()
	// 98 left above the reserve of 2, at the first guess of 4.5 a repo.
	if len(first) != 21 {
		t.Fatalf("%d reads admitted, want 21", len(first))
	}
	for _, release := range first {
		release()
		release() // a second release is a no-op
	}
	// An answer sent before the others overtakes them: the lowest stands.
	b.observe("core", budget{limit: 100, remaining: 100 - 21, reset: reset, window: reset.Unix()})
	b.observe("core", budget{limit: 100, remaining: 100 - 3, reset: reset, window: reset.Unix()})
	// (4.5×10 + 21) / (10 + 21) ≈ 2.13 a repo now: 77 / 2.13 → 36.
	if got := b.list()[0].PerRepo; got < 2.12 || got > 2.14 {
		t.Fatalf("estimate %.3f a repo, want 2.13", got)
	}
	if second := reserveAll(); len(second) != 36 {
		t.Fatalf("%d reads admitted after learning, want 36", len(second))
	}
	// Past the reset the window is whole again: one more fits at once.
	clock.Sleep(ctx, time.Hour) //nolint:errcheck // the fake clock only advances
	if _, _, ok := b.reserve(ctx); !ok {
		t.Fatal("a read was refused after the window reset")
	}
}
