package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/uptake-dev/uptake/internal/gittest"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/uptake-dev/uptake/collector/cache"
	"github.com/uptake-dev/uptake/collector/snapshot"
)

// samples reads OpenMetrics lines "series value timestamp" (comments
// skipped) into series → timestamp → value.
func samples(t *testing.T, data []byte) map[string]map[string]string {
	t.Helper()
	out := map[string]map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		j := strings.LastIndexByte(line[:i], ' ')
		if i < 0 || j < 0 {
			t.Fatalf("line %q has no value and timestamp", line)
		}
		series, value, ts := line[:j], line[j+1:i], line[i+1:]
		if out[series] == nil {
			out[series] = map[string]string{}
		}
		if _, dup := out[series][ts]; dup {
			t.Fatalf("%s has two samples at %s", series, ts)
		}
		out[series][ts] = value
	}
	return out
}

// The newest step of a backfill is what a scan of the same commits
// exports: the same series, labels and values, plus the --label ones.
func TestBackfillEndsWhereAScanIs(t *testing.T) {
	dir, cfgPath := scanFixture(t)
	prom := filepath.Join(dir, "scan.prom")
	if code := run([]string{"--log.level=error", "scan", "--config", cfgPath, "--no-cache", "--format", "prom", "--output", prom}); code != 0 {
		t.Fatalf("scan exited %d", code)
	}
	om := filepath.Join(dir, "history.om")
	if code := run([]string{"--log.level=error", "backfill", "--config", cfgPath, "--since", "2w", "--step", "1w", "--no-events",
		"--until", "2026-06-01", "--label", "job=uptake", "--label", "instance=host:9877", "--output", om}); code != 0 {
		t.Fatalf("backfill exited %d", code)
	}
	data, err := os.ReadFile(om)
	must(t, err)
	got := samples(t, data)

	scanned, err := os.ReadFile(prom)
	must(t, err)
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(bytes.NewReader(scanned))
	must(t, err)
	want := map[string]float64{}
	for name, mf := range families {
		if strings.HasPrefix(name, "uptake_scan_") {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{"job": "uptake", "instance": "host:9877"}
			for _, lp := range m.GetLabel() {
				labels[lp.GetName()] = lp.GetValue()
			}
			want[name+renderLabels(labels)] = m.GetGauge().GetValue()
		}
	}
	if len(want) == 0 {
		t.Fatal("the scan exported no adoption series")
	}
	last := "1780272000" // 2026-06-01T00:00:00Z
	for series, v := range want {
		b, err := strconv.ParseFloat(got[series][last], 64)
		if err != nil || b != v {
			t.Errorf("%s: backfilled %q at the last step, scanned %g", series, got[series][last], v)
		}
	}
	for series, points := range got {
		if _, ok := want[series]; !ok {
			t.Errorf("backfilled series %s is not scanned", series)
		}
		// The fixture's commits are from 1970: every step has every series.
		if len(points) != 3 {
			t.Errorf("%s has %d samples, want one per step (3)", series, len(points))
		}
	}
}

func renderLabels(labels map[string]string) string {
	names := make([]string, 0, len(labels))
	for k := range labels {
		names = append(names, k)
	}
	sort.Strings(names)
	var parts []string
	for _, k := range names {
		parts = append(parts, k+`="`+labels[k]+`"`)
	}
	return "{" + strings.Join(parts, ",") + "}"
}

func TestBackfillFlags(t *testing.T) {
	_, cfgPath := scanFixture(t)
	for _, args := range [][]string{
		{"--since", "52 weeks"},
		{"--step", "30s"},
		{"--step", "0d"},
		{"--until", "yesterday"},
		{"--label", "job"},
		{"--label", "job=a", "--label", "job=b"},
		{"--label", "0bad=x"},
		{"--shard", "2/2"},
		{"--since", "20y", "--step", "1m"},
	} {
		if code := run(append([]string{"--log.level=error", "backfill", "--config", cfgPath, "--no-events", "--output", os.DevNull}, args...)); code != 2 {
			t.Errorf("backfill %v exited %d, want 2", args, code)
		}
	}
}

func TestBackfillRefusesRemoteSources(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "uptake.yml")
	must(t, os.WriteFile(cfgPath, []byte(`
sources:
  - {name: gh, type: github, org: acme, token_env: NO_SUCH_TOKEN_VARIABLE}
offerings:
  - name: kit
    owner: platform
    lifecycle: ga
    detect:
      - {kind: gomod, module: github.com/acme/kit}
`), 0o644))
	out := filepath.Join(dir, "out.om")
	if code := run([]string{"--log.level=error", "backfill", "--config", cfgPath, "--storage.path", filepath.Join(dir, "data"), "--output", out}); code != 1 {
		t.Errorf("backfill of a github source exited %d, want 1", code)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("an output was written")
	}
}

// datedRepo commits a go.mod per version (until the next one), the i-th at
// times[i], in a new repo.
func datedRepo(t *testing.T, dir string, times []time.Time, mods []string) {
	t.Helper()
	for i, mod := range mods {
		files := map[string]string{"go.mod": mod}
		if i == 0 {
			files["CODEOWNERS"] = "* @acme/payments\n"
		}
		gittest.Commit(t, dir, "", times[i], files)
	}
}

// Backfill fills a fresh store's event log and baseline: a scan after it
// records the events of later commits only, and a second backfill, the
// log being begun, writes none again.
func TestBackfillRecordsEvents(t *testing.T) {
	dir := t.TempDir()
	until := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	week := 7 * 24 * time.Hour
	kit := func(v string) string { return "module x\n\nrequire github.com/acme/service-kit " + v + "\n" }
	// The last commit comes after the backfill's last step: the scan after
	// it records its upgrade, diffing against the backfill's baseline.
	datedRepo(t, filepath.Join(dir, "repos", "pay-api"),
		[]time.Time{until.Add(-10 * week), until.Add(-5*week - time.Hour), until.Add(-2*week - time.Hour), until.Add(time.Hour)},
		[]string{"module x\n", kit("v1.2.0"), kit("v1.3.0"), kit("v1.4.0")})
	cfgPath := filepath.Join(dir, "uptake.yml")
	must(t, os.WriteFile(cfgPath, []byte(strings.ReplaceAll(serveConfig, "%s", "runtime")), 0o644))
	data := filepath.Join(dir, "data")
	backfill := func() {
		t.Helper()
		if code := run([]string{"--log.level=error", "backfill", "--config", cfgPath, "--since", "8w", "--step", "1w",
			"--until", until.Format(time.RFC3339), "--storage.path", data, "--output", os.DevNull}); code != 0 {
			t.Fatalf("backfill exited %d", code)
		}
	}
	events := func() []snapshot.Event {
		t.Helper()
		st, err := cache.OpenReadOnly(data)
		must(t, err)
		defer st.Close()
		evs, err := st.Events(snapshot.EventFilter{})
		must(t, err)
		return evs
	}
	backfill()
	want := []string{
		"2026-04-27 pay-api service-kit adopted payments  v1.2.0",
		"2026-05-18 pay-api service-kit upgraded payments v1.2.0 v1.3.0",
	}
	check := func(when string) {
		t.Helper()
		var got []string
		for _, e := range events() {
			day := e.Time.Format(time.DateOnly)
			if e.Time.After(until) {
				day = "scan"
			}
			got = append(got, fmt.Sprintf("%s %s %s %s %s %s %s", day, e.Repo, e.Offering, e.Event, e.Team, e.FromVersion, e.ToVersion))
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s: events\n%s\nwant\n%s", when, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
	check("after the backfill")
	if code := run([]string{"--log.level=error", "scan", "--config", cfgPath, "--storage.path", data, "--format", "json", "-o", os.DevNull}); code != 0 {
		t.Fatalf("scan exited %d", code)
	}
	want = append(want, "scan pay-api service-kit upgraded payments v1.3.0 v1.4.0")
	check("after a scan")
	backfill()
	check("after a second backfill")
}
