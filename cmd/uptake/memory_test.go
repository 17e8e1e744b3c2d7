package main

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/uptake-dev/uptake/collector/evaluate"
	"github.com/uptake-dev/uptake/collector/runner"
	"github.com/uptake-dev/uptake/collector/snapshot"
	"github.com/uptake-dev/uptake/config"
	"github.com/uptake-dev/uptake/exporter"
	"github.com/uptake-dev/uptake/internal/estate"
)

// BenchmarkServeMemory holds what serve holds for an estate of 10,000 repos
// (30 components each) × 50 offerings × 300 teams — the scan result, its
// snapshot, the encoded /metrics and /api/v1/snapshot after ten scrapes of
// each — and reports the live heap.
func BenchmarkServeMemory(b *testing.B) {
	cfg, err := config.Parse("bench.yml", []byte("sources: [{name: gh, type: local, path: /x}]\nteams: {from: [codeowners]}\n"+estate.Offerings(50)))
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
		res := estate.Result(10_000, 30, 300)
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
