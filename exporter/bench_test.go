package exporter

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/uptake-dev/uptake/collector/snapshot"
)

// estateSnapshot is 10,000 repos × 50 offerings × 300 teams, the estate
// the /metrics targets are set for (~150k series).
func estateSnapshot() *snapshot.Snapshot {
	s := &snapshot.Snapshot{Time: time.Now()}
	ratio := 0.5
	for o := range 50 {
		name := fmt.Sprintf("offering-%02d", o)
		s.Offerings = append(s.Offerings, snapshot.OfferingReport{Name: name, Owner: "platform", Lifecycle: "ga", Latest: "v1.4.0",
			Versions: []snapshot.VersionCount{{Version: "v1.4.0", Repos: 10}, {Version: "v1.3.0", Repos: 5}}})
		for t := range 300 {
			s.Summary = append(s.Summary, snapshot.Cell{Offering: name, Team: fmt.Sprintf("team-%03d", t), Adopted: 1, Total: 2, TeamRepos: 33, Ratio: &ratio, Outdated: 1})
		}
	}
	for t := range 300 {
		s.Teams = append(s.Teams, snapshot.TeamReport{Name: fmt.Sprintf("team-%03d", t), Repos: 33})
	}
	for r := range 10_000 {
		s.Repos = append(s.Repos, snapshot.RepoReport{Source: "gh", Name: fmt.Sprintf("acme/repo-%05d", r), Team: fmt.Sprintf("team-%03d", r%300)})
	}
	s.Sources = []snapshot.SourceScan{{Name: "gh", OK: true, Repos: 10_000}}
	return s
}

// BenchmarkMetricsScrape is one gzip scrape of the estate: the cached
// handler beside promhttp gathering and encoding the same collectors, its
// reference measured in the same run.
func BenchmarkMetricsScrape(b *testing.B) {
	snap := estateSnapshot()
	get := func() *snapshot.Snapshot { return snap }
	live := prometheus.NewRegistry()
	live.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	whole := prometheus.NewRegistry()
	whole.MustRegister(NewCollector(get, time.Hour), collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for _, h := range []struct {
		name    string
		handler http.Handler
	}{
		{"cached", NewMetricsHandler(NewCollector(get, time.Hour), live, slog.New(slog.DiscardHandler))},
		{"promhttp-reference", promhttp.HandlerFor(whole, promhttp.HandlerOpts{EnableOpenMetrics: true})},
	} {
		scrape := func() {
			req := httptest.NewRequest("GET", "/metrics", nil)
			req.Header.Set("Accept-Encoding", "gzip")
			rec := httptest.NewRecorder()
			h.handler.ServeHTTP(rec, req)
			_, _ = io.Copy(io.Discard, rec.Body)
		}
		b.Run(h.name, func(b *testing.B) {
			scrape() // the snapshot's one encoding is not a scrape's cost
			for b.Loop() {
				scrape()
			}
			b.StopTimer()
			reportQuantiles(b, scrape, map[bool]int{true: 10, false: 100}[strings.HasSuffix(h.name, "-reference")])
		})
	}
}

// reportQuantiles times n more calls of f and reports their median and
// 99th percentile (the slowest of fewer than 100).
func reportQuantiles(b *testing.B, f func(), n int) {
	took := make([]time.Duration, n)
	for i := range took {
		start := time.Now()
		f()
		took[i] = time.Since(start)
	}
	slices.Sort(took)
	b.ReportMetric(float64(took[n/2].Microseconds())/1000, "ms/median")
	b.ReportMetric(float64(took[min(n-1, n*99/100)].Microseconds())/1000, "ms/p99")
}

// BenchmarkSnapshotAPI is one gzip request of the whole /api/v1/snapshot:
// the answer kept per snapshot beside encoding it per request with
// encoding/json, as before it was kept.
func BenchmarkSnapshotAPI(b *testing.B) {
	snap := estateSnapshot()
	api := &snapshotAPI{current: func() *snapshot.Snapshot { return snap }}
	for _, c := range []struct {
		name  string
		serve func()
	}{
		{"cached", func() {
			req := httptest.NewRequest("GET", "/api/v1/snapshot", nil)
			req.Header.Set("Accept-Encoding", "gzip")
			rec := httptest.NewRecorder()
			api.ServeHTTP(rec, req)
			_, _ = io.Copy(io.Discard, rec.Body)
		}},
		{"encoding-json-reference", func() {
			zw := gzip.NewWriter(io.Discard)
			_ = json.NewEncoder(zw).Encode(snap)
			_ = zw.Close()
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			c.serve()
			for b.Loop() {
				c.serve()
			}
		})
	}
}

// explorerEstate is estateSnapshot with each repo adopting 5 of the 50
// offerings with evidence, waived from one and ineligible for two.
func explorerEstate() *snapshot.Snapshot {
	s := estateSnapshot()
	for i := range s.Repos {
		r := &s.Repos[i]
		for k := range 5 {
			o := fmt.Sprintf("offering-%02d", (i+k*7)%50)
			r.Offerings = append(r.Offerings, snapshot.RepoOffering{Offering: o, Version: "v1.3.0", Evidence: []snapshot.Evidence{
				{Path: "go.mod", Line: 5 + k, Kind: "gomod", Name: "github.com/acme/lib-" + o[len(o)-2:], Version: "v1.3.0"}}})
		}
		r.Waived = []snapshot.RepoWaiver{{Offering: fmt.Sprintf("offering-%02d", (i+1)%50), Reason: "sunset", Expires: "2099-01-01"}}
		for _, o := range []string{fmt.Sprintf("offering-%02d", (i+2)%50), fmt.Sprintf("offering-%02d", (i+3)%50)} {
			r.Ineligible = append(r.Ineligible, o)
			r.IneligibleReasons = append(r.IneligibleReasons, snapshot.IneligibleReason{Offering: o, Clause: "languages"})
		}
	}
	return s
}

// BenchmarkOfferingsPage renders / (the offerings table) and one offering's
// page over 10,000 repos × 50 offerings × 300 teams; the target for / is
// 200 ms.
func BenchmarkOfferingsPage(b *testing.B) {
	snap := explorerEstate()
	mux, err := NewMux(WebOptions{Snapshots: NewCollector(func() *snapshot.Snapshot { return snap }, 0), Live: prometheus.NewRegistry(),
		Logger: slog.New(slog.DiscardHandler), Ready: func() bool { return true }, Snapshot: func() *snapshot.Snapshot { return snap }})
	if err != nil {
		b.Fatal(err)
	}
	for _, path := range []string{"/", "/offerings/offering-07", "/teams/team-007", "/repos/gh/acme%2Frepo-04242", "/api/v1/offerings/offering-07"} {
		b.Run(path, func(b *testing.B) {
			for b.Loop() {
				rec := httptest.NewRecorder()
				mux.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
				if rec.Code != http.StatusOK {
					b.Fatalf("%s: %d %s", path, rec.Code, rec.Body)
				}
			}
		})
	}
}
