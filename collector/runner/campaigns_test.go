package runner

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/uptake-dev/uptake/collector/evaluate"
	"github.com/uptake-dev/uptake/collector/snapshot"
	"github.com/uptake-dev/uptake/collector/source"
)

const campaignConfig = historyConfig + `campaigns:
  - name: kit-v2
    to: service-kit
    min_version: 1.5.0
    projection_window: 10s
`

// Each scan adds the remaining count to the campaign's series in the
// store; a later process reads it back, and two points falling project a
// completion.
func TestCampaignProgressIsStored(t *testing.T) {
	src := newFake()
	src.repos = map[string]fakeRepo{}
	fakes.Store("/history-test", src)
	file := filepath.Join(t.TempDir(), "uptake.yml")
	writeConfig(t, file, campaignConfig)
	l, err := Load(file)
	must(t, err)
	store := openStore(t)
	r, err := New(l, Config{File: file, Interval: time.Hour, Store: store})
	must(t, err)
	for _, n := range []string{"a", "b", "c"} {
		src.set("svc-"+n, n+"1", map[string]string{"go.mod": goMod("v1.0.0")})
	}
	scan := func() snapshot.CampaignReport {
		t.Helper()
		snap, err := r.ScanOnce(context.Background())
		must(t, err)
		return snap.Campaigns[0]
	}
	first := scan()
	if len(first.Progress) != 1 || first.Progress[0].Remaining != 3 || !first.ProjectedCompletion.IsZero() {
		t.Fatalf("first scan: progress %+v, projected %v; want one point of 3, no projection", first.Progress, first.ProjectedCompletion)
	}
	// Past window/campaignPointsPerWindow (14ms), so each point is kept.
	time.Sleep(30 * time.Millisecond)
	src.set("svc-a", "a2", map[string]string{"go.mod": goMod("v1.6.0")})
	second := scan()
	if len(second.Progress) != 2 || second.Progress[1].Remaining != 2 {
		t.Fatalf("second scan: progress %+v, want 3 then 2", second.Progress)
	}
	if p := second.ProjectedCompletion; !p.After(second.Progress[1].Time) {
		t.Errorf("projected %v, want a time after the last point: 1 repo gone per interval, 2 left", p)
	}

	// A new process on the same store has the series before it scans.
	l2, err := Load(file)
	must(t, err)
	r2, err := New(l2, Config{File: file, Interval: time.Hour, Store: store})
	must(t, err)
	time.Sleep(30 * time.Millisecond)
	snap, err := r2.ScanOnce(context.Background())
	must(t, err)
	if got := snap.Campaigns[0].Progress; len(got) != 3 || got[0].Remaining != 3 {
		t.Errorf("after a restart: progress %+v, want the stored points and this scan's", got)
	}
}

// A campaign whose definition changes (here min_version) starts its
// series again: counts under the old one would make a line of the jump.
func TestCampaignProgressRestartsWhenItsDefinitionChanges(t *testing.T) {
	src := newFake()
	src.repos = map[string]fakeRepo{}
	fakes.Store("/history-test", src)
	file := filepath.Join(t.TempDir(), "uptake.yml")
	store := openStore(t)
	for _, n := range []string{"a", "b", "c"} {
		src.set("svc-"+n, n+"1", map[string]string{"go.mod": goMod("v1.6.0")})
	}
	scan := func(config string) snapshot.CampaignReport {
		t.Helper()
		writeConfig(t, file, config)
		l, err := Load(file)
		must(t, err)
		r, err := New(l, Config{File: file, Interval: time.Hour, Store: store})
		must(t, err)
		time.Sleep(30 * time.Millisecond) // past window/campaignPointsPerWindow
		snap, err := r.ScanOnce(context.Background())
		must(t, err)
		return snap.Campaigns[0]
	}
	scan(campaignConfig)
	if got := scan(campaignConfig).Progress; len(got) != 2 || got[0].Remaining != 0 {
		t.Fatalf("same definition: progress %+v, want two points of 0", got)
	}
	raised := strings.Replace(campaignConfig, "min_version: 1.5.0", "min_version: 2.0.0", 1)
	got := scan(raised)
	if len(got.Progress) != 1 || got.Progress[0].Remaining != 3 || !got.ProjectedCompletion.IsZero() {
		t.Errorf("min_version raised: progress %+v, projected %v; want one point of 3, no projection", got.Progress, got.ProjectedCompletion)
	}
}

func TestAddPointBoundsTheSeries(t *testing.T) {
	window := 28 * 24 * time.Hour
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	var points []snapshot.CampaignPoint
	// A scan a minute for 40 days.
	for i := range 40 * 24 * 60 {
		points = addPoint(points, snapshot.CampaignPoint{Time: start.Add(time.Duration(i) * time.Minute), Remaining: 1000 - i/100}, window)
	}
	if n := len(points); n > campaignPointsPerWindow*11/10 || n < campaignPointsPerWindow/2 {
		t.Errorf("%d points kept, want about %d", n, campaignPointsPerWindow)
	}
	last := points[len(points)-1]
	if want := start.Add((40*24*60 - 1) * time.Minute); !last.Time.Equal(want) {
		t.Errorf("last point at %v, want the newest scan's %v", last.Time, want)
	}
	if first := points[0]; first.Time.Before(last.Time.Add(-window)) {
		t.Errorf("point at %v is older than the window", first.Time)
	}
	// A re-evaluation of the same scan replaces its point.
	again := addPoint(points, snapshot.CampaignPoint{Time: last.Time, Remaining: 7}, window)
	if len(again) != len(points) || again[len(again)-1].Remaining != 7 {
		t.Errorf("same-time point appended: %d points, last %+v", len(again), again[len(again)-1])
	}
}

// A repo kept from its last good scan (the read failed, or the budget
// deferred it) takes the later HEAD time its listing gives: it had a commit
// since, so it is not idle.
func TestLaterHead(t *testing.T) {
	old, recent := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	r := evaluate.RepoScan{Repo: source.Repo{Name: "r", HeadTime: recent}, HeadTime: old}
	if got := laterHead(r).HeadTime; !got.Equal(recent) {
		t.Errorf("head time %v, want the listing's later %v", got, recent)
	}
	r.Repo.HeadTime = time.Time{}
	if got := laterHead(r).HeadTime; !got.Equal(old) {
		t.Errorf("no listing time: head time %v, want the kept %v", got, old)
	}
	// Deferred by the budget: the last good data, the listing's time.
	e := &Engine{last: map[string]map[string]evaluate.RepoScan{"s": {"r": {Repo: source.Repo{Name: "r"}, Head: "h1", HeadTime: old}}}}
	if got := e.deferRepo("s", source.Repo{Name: "r", Head: "h2", HeadTime: recent}); !got.Stale || !got.HeadTime.Equal(recent) {
		t.Errorf("deferred: stale %v, head time %v, want the listing's %v", got.Stale, got.HeadTime, recent)
	}
}
