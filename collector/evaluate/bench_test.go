package evaluate_test

import (
	"runtime"
	"testing"
	"time"

	"github.com/uptake-dev/uptake/collector/evaluate"
	"github.com/uptake-dev/uptake/collector/match"
	"github.com/uptake-dev/uptake/config"
	"github.com/uptake-dev/uptake/internal/estate"
)

// BenchmarkBuildEstate evaluates 10,000 repos (30 components each) against
// 50 offerings for 300 teams and reports the heap the snapshot keeps.
func BenchmarkBuildEstate(b *testing.B) {
	cfg, err := config.Parse("bench.yml", []byte("sources: [{name: s, type: local, path: /x}]\nteams: {from: [codeowners]}\n"+estate.Offerings(50)))
	if err != nil {
		b.Fatal(err)
	}
	cat, err := match.Compile(cfg)
	if err != nil {
		b.Fatal(err)
	}
	res := estate.Result(10_000, 30, 300)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var kept any
	for b.Loop() {
		kept = evaluate.Build(cfg, cat, res, time.Now(), nil)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric((float64(after.HeapAlloc)-float64(before.HeapAlloc))/(1<<20), "snapshot-MB")
	runtime.KeepAlive(kept)
	runtime.KeepAlive(res)
}
