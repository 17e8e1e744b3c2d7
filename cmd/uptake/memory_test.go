package main

import (
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/uptake-dev/uptake/collector/detect"
	"github.com/uptake-dev/uptake/collector/evaluate"
	"github.com/uptake-dev/uptake/collector/inventory"
	"github.com/uptake-dev/uptake/collector/runner"
	"github.com/uptake-dev/uptake/collector/snapshot"
	"github.com/uptake-dev/uptake/collector/source"
	"github.com/uptake-dev/uptake/config"
	"github.com/uptake-dev/uptake/exporter"
)

// BenchmarkServeMemory holds what serve holds for an estate of 10,000 repos
// (30 components each) × 50 offerings × 300 teams — the scan result, its
// snapshot, the encoded /metrics and /api/v1/snapshot after ten scrapes of
// each — and reports the live heap.
func BenchmarkServeMemory(b *testing.B) {
	var yml strings.Builder
	yml.WriteString("sources: [{name: gh, type: local, path: /x}]\nteams: {from: [codeowners]}\nofferings:\n")
	for o := range 50 {
		fmt.Fprintf(&yml, "  - {name: offering-%02d, owner: platform, lifecycle: ga, latest: v1.4.0, detect: [{kind: gomod, module: github.com/acme/lib-%02d}]}\n", o, o)
	}
	cfg, err := config.Parse("bench.yml", []byte(yml.String()))
	if err != nil {
		b.Fatal(err)
	}
	l, err := runner.Compile(cfg)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		res := &evaluate.Result{Time: time.Now()}
		for r := range 10_000 {
			inv := inventory.Inventory{Owners: []string{fmt.Sprintf("@acme/team-%03d", r%300)}, Languages: []string{"go"}}
			for c := range 30 {
				inv.Components = append(inv.Components, detect.Component{Kind: "gomod", Name: fmt.Sprintf("github.com/acme/lib-%02d", (r+c)%60),
					Version: fmt.Sprintf("v1.%d.0", c%5), Path: "go.mod", Line: 3 + c, URL: fmt.Sprintf("https://github.com/acme/repo-%05d/blob/abc/go.mod#L%d", r, 3+c)})
			}
			res.Repos = append(res.Repos, evaluate.RepoScan{Repo: source.Repo{Source: "gh", Name: fmt.Sprintf("acme/repo-%05d", r)}, Head: "abc", Inventory: inv, ResultTime: time.Now()})
		}
		snap := evaluate.Build(l.Config, l.Catalog, res, time.Now(), nil)
		get := func() *snapshot.Snapshot { return snap }
		collector := exporter.NewCollector(get, time.Hour)
		live, err := exporter.NewLiveRegistry(collector, prometheus.NewGauge(prometheus.GaugeOpts{Name: "uptake_bench", Help: "x"}))
		if err != nil {
			b.Fatal(err)
		}
		mux, err := exporter.NewMux(exporter.WebOptions{Snapshots: collector, Live: live, Logger: slog.New(slog.DiscardHandler),
			Ready: func() bool { return true }, Snapshot: get})
		if err != nil {
			b.Fatal(err)
		}
		for range 10 {
			for _, path := range []string{"/metrics", "/api/v1/snapshot"} {
				req := httptest.NewRequest("GET", path, nil)
				req.Header.Set("Accept-Encoding", "gzip")
				rec := httptest.NewRecorder()
				mux.ServeHTTP(rec, req)
				_, _ = io.Copy(io.Discard, rec.Body)
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric((float64(after.HeapInuse)-float64(before.HeapInuse))/(1<<20), "heap-MB")
		runtime.KeepAlive(res)
		runtime.KeepAlive(mux)
	}
}
