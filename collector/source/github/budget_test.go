package github

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

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
