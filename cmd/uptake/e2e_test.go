package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"

	"github.com/uptake-dev/uptake/collector/cache"
	"github.com/uptake-dev/uptake/collector/evaluate"
	"github.com/uptake-dev/uptake/collector/runner"
	"github.com/uptake-dev/uptake/collector/snapshot"
	"github.com/uptake-dev/uptake/collector/source"
	"github.com/uptake-dev/uptake/exporter"
	"github.com/uptake-dev/uptake/internal/demo"
)

var update = flag.Bool("update", false, "rewrite golden files")

// volatile are the series whose values change from run to run.
var volatile = regexp.MustCompile(`(?m)^(uptake_scan_duration_seconds|uptake_scan_last_success_timestamp_seconds|uptake_scan_oldest_result_timestamp_seconds)(\{[^}]*\}) .*$`)

func gatherText(t *testing.T, g prometheus.Gatherer) []byte {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	enc := expfmt.NewEncoder(&buf, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

// demoOrg generates the demo organisation and loads its config.
func demoOrg(tb testing.TB) (string, *runner.Loaded) {
	tb.Helper()
	dir := tb.TempDir()
	res, err := demo.Generate(dir, false)
	if err != nil {
		tb.Fatal(err)
	}
	l, err := runner.Load(res.Config)
	if err != nil {
		tb.Fatal(err)
	}
	return dir, l
}

// TestDemoGolden scans the demo organisation twice and compares the whole
// uptake_* output with testdata/e2e-output.txt (-update rewrites it). The
// second scan must read no file: everything comes from the cache.
func TestDemoGolden(t *testing.T) {
	dir, l := demoOrg(t)
	store, err := cache.Open(filepath.Join(dir, "data"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	sources, err := runner.NewSources(l.Config, source.Options{Store: store})
	if err != nil {
		t.Fatal(err)
	}
	engine := runner.NewEngine(runner.Options{Store: store})
	first := engine.Scan(context.Background(), l, sources)
	second := engine.Scan(context.Background(), l, sources)
	empty := 0
	for _, r := range second.Repos {
		if r.Inventory.Empty {
			empty++
		}
	}
	for i, st := range second.Sources {
		// Empty repos have nothing to cache: they are never read at all.
		if st.FilesRead != 0 || st.Cached != st.Repos-empty || st.Repos != first.Sources[i].Repos || first.Sources[i].FilesRead == 0 {
			t.Errorf("rescan of an unchanged org: %+v (first: %+v, %d empty repos)", st, first.Sources[i], empty)
		}
	}

	snap := evaluate.Build(l.Config, l.Catalog, second, time.Now(), nil)
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(exporter.NewCollector(func() *snapshot.Snapshot { return snap }, time.Hour))
	got := volatile.ReplaceAll(gatherText(t, reg), []byte("$1$2 VOLATILE"))
	golden := filepath.Join("testdata", "e2e-output.txt")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/uptake -run Golden -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("/metrics differs from %s (go test ./cmd/uptake -run Golden -update, then review the diff):\n%s", golden, lineDiff(string(want), string(got)))
	}

	// The whole /metrics, as serve serves it, passes promtool, the
	// history's series included.
	withHistory := *snap
	withHistory.History = &snapshot.History{
		Totals:       []snapshot.EventTotal{{Offering: snap.Offerings[0].Name, Team: "payments", Event: snapshot.Adopted, Count: 2}},
		FirstAdopted: map[string]time.Time{snap.Offerings[0].Name: time.Unix(1700000000, 0)},
	}
	collector := exporter.NewCollector(func() *snapshot.Snapshot { return &withHistory }, time.Hour)
	live, err := exporter.NewLiveRegistry(collector, source.NewMetrics().Collectors()...)
	if err != nil {
		t.Fatal(err)
	}
	h := exporter.NewMetricsHandler(collector, live, slog.New(slog.DiscardHandler))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	promtoolCheckMetrics(t, rec.Body.Bytes())
}

// promtoolCheckMetrics fails on every finding except the documented
// exceptions. Without promtool the check is skipped, but never in CI.
func promtoolCheckMetrics(t *testing.T, exposition []byte) {
	t.Helper()
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("promtool not installed; .ci/run installs Debian's prometheus package")
		}
		t.Skip("promtool not installed")
	}
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = bytes.NewReader(exposition)
	out, _ := cmd.CombinedOutput()
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if line == "" {
			continue
		}
		name, text, _ := strings.Cut(line, " ")
		if exporter.LintExceptions[name] == text {
			continue
		}
		t.Errorf("promtool check metrics: %s", line)
	}
}

func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	inWant := map[string]bool{}
	for _, l := range w {
		inWant[l] = true
	}
	inGot := map[string]bool{}
	for _, l := range g {
		inGot[l] = true
	}
	var b strings.Builder
	n := 0
	for _, l := range w {
		if !inGot[l] && n < 40 {
			b.WriteString("- " + l + "\n")
			n++
		}
	}
	for _, l := range g {
		if !inWant[l] && n < 80 {
			b.WriteString("+ " + l + "\n")
			n++
		}
	}
	return b.String()
}

// shardAggregation says how a metric combines across shards, as the
// recording rules do: per-repo counts sum, offering-level values that every
// shard exports alike take the max. Ratios are recomputed, never summed.
var shardAggregation = map[string]string{
	"uptake_team_repos":                                 "sum",
	"uptake_team_attribution_repos":                     "sum",
	"uptake_team_attribution_placeholder_repos":         "sum",
	"uptake_offering_adopted_repos":                     "sum",
	"uptake_offering_eligible_repos":                    "sum",
	"uptake_offering_waived_repos":                      "sum",
	"uptake_offering_outdated_repos":                    "sum",
	"uptake_offering_outdated_major_repos":              "sum",
	"uptake_offering_unknown_version_repos":             "sum",
	"uptake_offering_version_repos":                     "sum",
	"uptake_offering_hours_saved_per_month":             "sum",
	"uptake_offering_value_per_month":                   "sum",
	"uptake_offering_onboarding_hours_remaining":        "sum",
	"uptake_offering_cost_per_month":                    "max",
	"uptake_offering_target_ratio":                      "max",
	"uptake_offering_target_deadline_timestamp_seconds": "max",
	"uptake_roi_info":                                   "max",
}

// TestShardsAggregateToUnsharded scans the demo org as 3 shards and as one,
// and checks the shards' metrics, aggregated as the rules do, equal the
// unsharded ones.
func TestShardsAggregateToUnsharded(t *testing.T) {
	_, l := demoOrg(t)
	sources, err := runner.NewSources(l.Config, source.Options{})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	series := func(shard, shards int) map[string]float64 {
		e := runner.NewEngine(runner.Options{Shard: shard, Shards: shards})
		snap := evaluate.Build(l.Config, l.Catalog, e.Scan(context.Background(), l, sources), now, nil)
		reg := prometheus.NewRegistry()
		reg.MustRegister(exporter.NewCollector(func() *snapshot.Snapshot { return snap }, 0))
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]float64{}
		for _, mf := range mfs {
			if _, ok := shardAggregation[mf.GetName()]; !ok {
				continue
			}
			for _, m := range mf.Metric {
				key := mf.GetName()
				for _, lp := range m.Label {
					key += "," + lp.GetName() + "=" + lp.GetValue()
				}
				out[key] = m.GetGauge().GetValue()
			}
		}
		return out
	}
	// Each shard resolves latest: auto from its own repos (documented), so
	// drift of such offerings is left out of the comparison.
	drift := regexp.MustCompile(`^uptake_offering_(outdated|outdated_major|unknown_version)_repos,offering=([^,]+),`)
	auto := map[string]bool{}
	for _, o := range l.Config.Offerings {
		auto[o.Name] = o.Latest == "auto"
	}
	whole := series(0, 1)
	for k := range whole {
		if m := drift.FindStringSubmatch(k); m != nil && auto[m[2]] {
			delete(whole, k)
		}
	}
	agg := map[string]float64{}
	for i := 0; i < 3; i++ {
		part := series(i, 3)
		if len(part) == len(whole) {
			t.Logf("shard %d has every series of the whole org", i)
		}
		for k, v := range part {
			name, _, _ := strings.Cut(k, ",")
			if shardAggregation[name] == "sum" {
				agg[k] += v
			} else if v > agg[k] {
				agg[k] = v
			}
		}
	}
	for k, v := range whole {
		if v != 0 && agg[k] != v {
			t.Errorf("%s: shards aggregate to %g, unsharded %g", k, agg[k], v)
		}
	}
	for k, v := range agg {
		if m := drift.FindStringSubmatch(k); m != nil && auto[m[2]] {
			continue
		}
		if v != whole[k] {
			t.Errorf("%s: shards aggregate to %g, unsharded %g", k, v, whole[k])
		}
	}
}

// BenchmarkDemoScan measures a first scan and a cached rescan of the demo
// organisation through the local source.
func BenchmarkDemoScan(b *testing.B) {
	dir, l := demoOrg(b)
	sources, err := runner.NewSources(l.Config, source.Options{})
	if err != nil {
		b.Fatal(err)
	}
	var first, rescan time.Duration
	var repos, files int
	for i := 0; i < b.N; i++ {
		store, err := cache.Open(filepath.Join(dir, fmt.Sprintf("data-%d", i)))
		if err != nil {
			b.Fatal(err)
		}
		e := runner.NewEngine(runner.Options{Store: store})
		start := time.Now()
		r := e.Scan(context.Background(), l, sources)
		first += time.Since(start)
		start = time.Now()
		e.Scan(context.Background(), l, sources)
		rescan += time.Since(start)
		store.Close()
		repos, files = r.Sources[0].Repos, r.Sources[0].FilesRead
	}
	b.ReportMetric(float64(repos), "repos")
	b.ReportMetric(float64(files), "files-read-first")
	b.ReportMetric(first.Seconds()*1000/float64(b.N), "ms/first-scan")
	b.ReportMetric(rescan.Seconds()*1000/float64(b.N), "ms/cached-rescan")
}
