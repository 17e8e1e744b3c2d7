package evaluate

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/uptake-dev/uptake/collector/snapshot"
)

func TestProjectCompletion(t *testing.T) {
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	// A steady burndown of 2 repos a day from 100, scanned every 6 hours
	// with ±1 of noise: the line reaches 0 on day 50.
	var steady []snapshot.CampaignPoint
	for i := range 4 * 20 {
		noise := []int{1, 0, -1, 0}[i%4]
		steady = append(steady, snapshot.CampaignPoint{Time: start.Add(time.Duration(i) * 6 * time.Hour), Remaining: 100 - i/2 + noise})
	}
	at, ok := ProjectCompletion(steady, 28*24*time.Hour)
	want := start.Add(50 * 24 * time.Hour)
	if !ok || at.Sub(want).Abs() > 24*time.Hour {
		t.Errorf("steady burndown: %v %v, want within a day of %v", at, ok, want)
	}
	// Only the window counts: a fast start outside it does not pull the
	// date in.
	fast := append([]snapshot.CampaignPoint{{Time: start.Add(-60 * 24 * time.Hour), Remaining: 1000}}, steady...)
	if at2, ok := ProjectCompletion(fast, 28*24*time.Hour); !ok || !at2.Equal(at) {
		t.Errorf("a point outside the window changed the projection: %v, want %v", at2, at)
	}

	flat := []snapshot.CampaignPoint{{Time: start, Remaining: 40}, {Time: start.Add(24 * time.Hour), Remaining: 40}, {Time: start.Add(48 * time.Hour), Remaining: 40}}
	rising := []snapshot.CampaignPoint{{Time: start, Remaining: 40}, {Time: start.Add(24 * time.Hour), Remaining: 41}}
	one := []snapshot.CampaignPoint{{Time: start, Remaining: 40}}
	sameTime := []snapshot.CampaignPoint{{Time: start, Remaining: 40}, {Time: start, Remaining: 30}}
	for name, pts := range map[string][]snapshot.CampaignPoint{"flat": flat, "rising": rising, "one point": one, "one time": sameTime, "none": nil} {
		if at, ok := ProjectCompletion(pts, 28*24*time.Hour); ok {
			t.Errorf("%s: projected %v, want none", name, at)
		}
	}
	// Two points falling 10 a day from 40: 0 four days after the first.
	two := []snapshot.CampaignPoint{{Time: start, Remaining: 40}, {Time: start.Add(24 * time.Hour), Remaining: 30}}
	if at, ok := ProjectCompletion(two, 28*24*time.Hour); !ok || !at.Equal(start.Add(4*24*time.Hour)) {
		t.Errorf("two points: %v %v, want %v", at, ok, start.Add(4*24*time.Hour))
	}
	// The first point's fraction of a second is kept.
	half := start.Add(500 * time.Millisecond)
	two = []snapshot.CampaignPoint{{Time: half, Remaining: 40}, {Time: half.Add(24 * time.Hour), Remaining: 30}}
	if at, ok := ProjectCompletion(two, 28*24*time.Hour); !ok || at.Sub(half.Add(4*24*time.Hour)).Abs() > time.Millisecond {
		t.Errorf("two points half a second in: %v %v, want %v", at, ok, half.Add(4*24*time.Hour))
	}
}

// TestProjectCompletionFarOff: a burndown so slow its line reaches 0
// centuries on must not wrap around into the past (time.Duration holds
// 292 years) nor give a year JSON cannot write: past year 9999 there is
// no date to project.
func TestProjectCompletionFarOff(t *testing.T) {
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	var slow, slower []snapshot.CampaignPoint
	for i := range 28 * 24 {
		at := start.Add(time.Duration(i) * time.Hour)
		// One repo less for the last hour of 28 days, out of 100: the
		// line's slope is ~6/672 of a repo in 28 days, 0 in ~860 years;
		// out of 100000, far past year 9999.
		slow = append(slow, snapshot.CampaignPoint{Time: at, Remaining: 100 - i/(28*24-1)})
		slower = append(slower, snapshot.CampaignPoint{Time: at, Remaining: 100000 - i/(28*24-1)})
	}
	last := slow[len(slow)-1].Time
	at, ok := ProjectCompletion(slow, 28*24*time.Hour)
	if !ok || at.Before(last.AddDate(300, 0, 0)) || at.Year() > 9999 {
		t.Errorf("slow burndown: %v %v, want a date centuries on", at, ok)
	}
	if _, err := json.Marshal(at); err != nil {
		t.Errorf("slow burndown: %v", err)
	}
	if at, ok := ProjectCompletion(slower, 28*24*time.Hour); ok {
		t.Errorf("slower burndown: projected %v, want none past year 9999", at)
	}
}
