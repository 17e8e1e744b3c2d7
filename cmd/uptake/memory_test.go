package main

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
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
// each, memory released as serve releases it — and reports the live heap
// and the process's resident set.
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
		var released sync.WaitGroup
		mux, err := exporter.NewMux(exporter.WebOptions{Snapshots: collector, Live: live, Logger: slog.New(slog.DiscardHandler),
			Ready: func() bool { return true }, Snapshot: get, Rendered: func() { defer released.Done(); releaseMemory() }})
		if err != nil {
			b.Fatal(err)
		}
		for i := range 10 {
			for _, path := range []string{"/metrics", "/api/v1/snapshot"} {
				if i == 0 {
					released.Add(1) // the first scrape of each renders
				}
				req := httptest.NewRequest("GET", path, nil)
				req.Header.Set("Accept-Encoding", "gzip")
				rec := httptest.NewRecorder()
				mux.ServeHTTP(rec, req)
				_, _ = io.Copy(io.Discard, rec.Body)
			}
		}
		released.Wait()
		runtime.ReadMemStats(&after)
		b.ReportMetric((float64(after.HeapInuse)-float64(before.HeapInuse))/(1<<20), "heap-MB")
		b.ReportMetric(residentMB(b), "rss-MB")
		runtime.KeepAlive(res)
		runtime.KeepAlive(mux)
	}
}

// residentMB is the process's resident set (VmRSS), in MiB.
func residentMB(b *testing.B) float64 {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Skip("no /proc/self/status:", err)
	}
	for line := range strings.Lines(string(status)) {
		if kb, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(kb), " kB"), 64)
			if err != nil {
				b.Fatal(err)
			}
			return n / 1024
		}
	}
	b.Fatal("no VmRSS in /proc/self/status")
	return 0
}
