package github

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/bmatcuk/doublestar/v4"
	"golang.org/x/sync/errgroup"

	"github.com/uptake-dev/uptake/collector/cache"
	"github.com/uptake-dev/uptake/collector/runner"
	"github.com/uptake-dev/uptake/collector/snapshot"
	"github.com/uptake-dev/uptake/collector/source"
	"github.com/uptake-dev/uptake/config"
)

// benchGlobs are the paths a small catalog's detectors would want.
var benchGlobs = []string{"**/go.mod", ".github/CODEOWNERS", ".github/workflows/*.yml"}

// benchOrg is 2,000 repos: a Go module, a workflow, CODEOWNERS in two of
// three (40 distinct contents), a tools module in one of four, 1% empty.
func benchOrg() []*fakeRepo {
	var org []*fakeRepo
	for i := range 2000 {
		r := &fakeRepo{Name: fmt.Sprintf("svc-%04d", i), Files: map[string]string{
			"go.mod":                   fmt.Sprintf("module example.com/svc-%04d\n\ngo 1.26\n", i),
			"main.go":                  "package main\n",
			"README.md":                fmt.Sprintf("# svc-%04d\n", i),
			"internal/app/app.go":      "package app\n",
			".github/workflows/ci.yml": fmt.Sprintf("name: ci-%d\n", i),
		}}
		if i%3 != 0 {
			r.Files[".github/CODEOWNERS"] = fmt.Sprintf("* @octo-org/team-%d\n", i%40)
		}
		if i%4 == 0 {
			r.Files["tools/go.mod"] = fmt.Sprintf("module example.com/svc-%04d/tools\n", i)
		}
		if i%100 == 99 {
			r = &fakeRepo{Name: r.Name, Empty: true}
		}
		org = append(org, r)
	}
	return org
}

// BenchmarkOrgScan measures the request cost of scanning a fake org of 2,000
// repos the way the engine drives a source, then rescanning it unchanged.
// Figures per repo leave out the org listing pages (list-req/scan), except
// billed-req/repo-rescan: what a rescan draws on the rate limits at all.
func BenchmarkOrgScan(b *testing.B) {
	const repos = 2000
	org := benchOrg()
	f := newFake(b, org...)
	// A budget the first scan cannot spend: this measures requests, not waits.
	f.budget = 1 << 20
	f.srv.Start()

	for _, tc := range []struct {
		name    string
		graphql bool
	}{{"rest", false}, {"graphql", true}} {
		b.Run(tc.name, func(b *testing.B) {
			cfg := f.config(b)
			cfg.GraphQL = &tc.graphql
			var first, rescan scanCost
			for b.Loop() {
				// A fresh process: empty scan cache and store.
				store, seen := newStore(), &sync.Map{}
				first = benchScan(b, f, cfg, store, seen)
				rescan = benchScan(b, f, cfg, store, seen)
			}
			if rescan.opened != 0 {
				b.Fatalf("rescan of an unchanged org opened %d repos", rescan.opened)
			}
			if slept := f.clock.Slept(); len(slept) > 0 {
				b.Fatalf("the scans waited %v", slept)
			}
			b.ReportMetric(float64(first.repoRequests)/repos, "req/repo-first")
			b.ReportMetric(float64(rescan.repoRequests)/repos, "req/repo-rescan")
			b.ReportMetric(float64(rescan.billed)/repos, "billed-req/repo-rescan")
			b.ReportMetric(float64(first.core)/repos, "core-req/repo-first")
			b.ReportMetric(float64(first.graphql)/repos, "graphql-pts/repo-first")
			b.ReportMetric(float64(first.files)/repos, "files/repo")
			b.ReportMetric(float64(first.listRequests), "list-req/scan")
		})
	}
}

type scanCost struct {
	listRequests, repoRequests, opened, files int
	// billed counts the whole scan's requests that draw on a rate limit:
	// all but the 304s; core and graphql split them by budget.
	billed, core, graphql int
}

// benchScan is one scan as the engine runs it: List, then per repo Head, a
// scan-cache lookup (seen), and on a miss Open and the needed Reads.
func benchScan(b *testing.B, f *fakeGitHub, cfg config.Source, store source.Store, seen *sync.Map) scanCost {
	b.Helper()
	f.resetCounts()
	// Each scan starts a new Source, as after a restart: only the store carries over.
	s, err := New(cfg, Options{Store: store, Sleep: f.clock.Sleep, Now: f.clock.Now})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	repos, err := s.List(ctx)
	if err != nil {
		b.Fatal(err)
	}
	var mu sync.Mutex
	var cost scanCost
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for _, r := range repos {
		g.Go(func() error {
			head, err := s.Head(ctx, r)
			if errors.Is(err, source.ErrEmpty) {
				return nil
			}
			if err != nil {
				return err
			}
			if h, ok := seen.Load(r.Name); ok && h == head {
				return nil
			}
			tree, err := s.Open(ctx, r, head)
			if err != nil {
				return err
			}
			// As the inventory stage does: the planned paths first, for a
			// Prefetcher to fetch at once, then each read.
			var planned []string
			for _, e := range tree.Entries() {
				if slices.ContainsFunc(benchGlobs, func(g string) bool { ok, _ := doublestar.Match(g, e.Path); return ok }) {
					planned = append(planned, e.Path)
				}
			}
			if pf, ok := tree.(source.Prefetcher); ok {
				pf.Prefetch(ctx, planned, 1<<20)
			}
			files := 0
			for _, p := range planned {
				if _, err := tree.Read(ctx, p, 1<<20); err != nil {
					return err
				}
				files++
			}
			seen.Store(r.Name, head)
			mu.Lock()
			cost.opened++
			cost.files += files
			mu.Unlock()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		b.Fatal(err)
	}
	cost.listRequests = f.count(routeOrgRepos)
	cost.repoRequests = f.total() - cost.listRequests
	cost.billed = f.total() - f.code(http.StatusNotModified)
	cost.core, cost.graphql = f.spent("core"), f.spent("graphql")
	return cost
}

// unplanned hides the source's Budgeter: the engine then reads every repo,
// and the limiter waits the REST budget's reset out, as before planning.
type unplanned struct{ source.Source }

// BenchmarkOrgBudget runs the engine over BenchmarkOrgScan's org of 2,000
// repos on GitHub's budgets of 5,000 an hour, which the fake enforces with
// real headers and refusals on its clock (the limiter's waits advance it;
// nothing sleeps). planned is the first scan as the engine runs it — what
// it reads, defers and waits — then hourly scans until no repo is deferred;
// unplanned-reference is the same first scan reading every repo and
// waiting for the reset, as before planning. ms/first-scan is the first
// scan's wall time: its run plus the longest wait of the limiter (the
// workers' waits overlap).
func BenchmarkOrgBudget(b *testing.B) {
	l := loadCatalog(b)
	org := benchOrg()
	f := newFake(b, org...)
	f.srv.Start()
	for _, tc := range []struct {
		name             string
		graphql, planned bool
	}{{"rest/planned", false, true}, {"rest/unplanned-reference", false, false}, {"graphql/planned", true, true}} {
		b.Run(tc.name, func(b *testing.B) {
			cfg := f.config(b)
			cfg.GraphQL = &tc.graphql
			var first snapshot.SourceScan
			var run, waited time.Duration
			var core, scans int
			for b.Loop() {
				store, err := cache.Open(b.TempDir())
				if err != nil {
					b.Fatal(err)
				}
				engine := runner.NewEngine(runner.Options{Store: store})
				// scan runs one scan in a fresh window, as an hour after the last.
				scan := func() (snapshot.SourceScan, time.Duration, time.Duration) {
					f.clock.Sleep(b.Context(), time.Hour) //nolint:errcheck // the fake clock only advances
					f.resetCounts()
					before := len(f.clock.Slept())
					var src source.Source = f.source(b, cfg, Options{Store: store, Concurrency: 8})
					if !tc.planned {
						src = unplanned{src}
					}
					start := time.Now()
					st := engine.Scan(b.Context(), l, []source.Source{src}).Sources[0]
					took := time.Since(start)
					var longest time.Duration
					for _, d := range f.clock.Slept()[before:] {
						longest = max(longest, d)
					}
					if !st.OK || st.RepoErrors != 0 {
						b.Fatalf("scan = %+v", st)
					}
					return st, took, longest
				}
				first, run, waited = scan()
				core = f.spent("core")
				scans = 1
				for st := first; tc.planned && st.DeferredRepos > 0 && scans < 5; scans++ {
					st, _, _ = scan()
				}
				if err := store.Close(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64((run + waited).Milliseconds()), "ms/first-scan")
			b.ReportMetric(waited.Seconds(), "waited-s/first-scan")
			b.ReportMetric(float64(first.Repos), "read/first-scan")
			b.ReportMetric(float64(first.DeferredRepos), "deferred/first-scan")
			b.ReportMetric(float64(core)/float64(len(org)), "core-req/repo-first")
			if tc.planned {
				b.ReportMetric(float64(scans), "scans/all-read")
			}
		})
	}
}
