package exporter

import (
	"encoding/csv"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/uptake-dev/uptake/collector/snapshot"
)

type fakeEvents struct {
	events []snapshot.Event
	err    error
}

func (f fakeEvents) Events(flt snapshot.EventFilter) ([]snapshot.Event, error) {
	var out []snapshot.Event
	for _, e := range f.events {
		if flt.Match(e) {
			out = append(out, e)
		}
	}
	return out, f.err
}

func day(n int) time.Time { return time.Date(2026, 11, n, 12, 0, 0, 0, time.UTC) }

var kitEvents = []snapshot.Event{
	{Time: day(1), Source: "demo", Repo: "a", Team: "payments", Offering: "service-kit", Event: snapshot.Adopted, ToVersion: "v1.2.0"},
	{Time: day(2), Source: "demo", Repo: hostileRepo, Team: "payments", Offering: "service-kit", Event: snapshot.Adopted, ToVersion: "v1.4.0"},
	{Time: day(3), Source: "demo", Repo: "b", Team: "search", Offering: "service-kit", Event: snapshot.Dropped, FromVersion: "v1.0.0"},
	{Time: day(4), Source: "demo", Repo: "a", Team: "payments", Offering: "service-kit", Event: snapshot.Upgraded, FromVersion: "v1.2.0", ToVersion: "v1.4.0"},
	{Time: day(4), Source: "demo", Repo: "c", Team: "payments", Offering: "base-image", Event: snapshot.Adopted},
}

// TestAdoptionTrendWalksBackFromToday: each point is the count from its
// time on, rebuilt from today's count by undoing the events newest first.
func TestAdoptionTrendWalksBackFromToday(t *testing.T) {
	got := adoptionTrend(kitEvents[:4], 5, day(10))
	want := []trendPoint{{day(1), 4}, {day(1), 5}, {day(2), 6}, {day(3), 5}, {day(4), 5}, {day(10), 5}}
	if !slices.Equal(got, want) {
		t.Errorf("trend = %v, want %v", got, want)
	}
	if adoptionTrend(nil, 5, day(10)) != nil || trendSVG(nil) != "" {
		t.Error("no event should draw no chart")
	}
}

// TestOfferingPageShowsTrendAndEvents: with a store, an offering's page
// draws its trend as inline SVG (numbers and dates only) and lists its
// events newest first, repo names escaped; an unreadable log costs that
// part of the page only.
func TestOfferingPageShowsTrendAndEvents(t *testing.T) {
	s := demoSnapshot(t)
	u := testMux(t, WebOptions{Snapshot: func() *snapshot.Snapshot { return s }, Events: fakeEvents{events: kitEvents}}).URL
	code, _, body := do(t, "GET", u+"/offerings/service-kit")
	if code != 200 || !strings.Contains(body, `<svg class="trend"`) || !strings.Contains(body, `<path class="line" d="M`) {
		t.Fatalf("offering page (%d) has no trend chart:\n%s", code, body)
	}
	svg := body[strings.Index(body, "<svg"):strings.Index(body, "</svg>")]
	if strings.Contains(svg, "script") || !strings.Contains(svg, "2026-11-01") {
		t.Errorf("the chart holds more than numbers and dates, or lacks its start: %s", svg)
	}
	if strings.Contains(body, "<script>") {
		t.Error("an event's hostile repo name reached the page unescaped")
	}
	_, _, out := do(t, "GET", u+"/offerings/service-kit?format=csv&table=events")
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(recs) != 5 || recs[1][3] != "upgraded" || recs[2][3] != "dropped" || recs[3][1] != hostileRepo || recs[4][3] != "adopted" {
		t.Errorf("events CSV is not service-kit's four events newest first (%v):\n%s", err, out)
	}

	broken := testMux(t, WebOptions{Snapshot: func() *snapshot.Snapshot { return s }, Events: fakeEvents{err: errors.New("store closed")}}).URL
	code, _, body = do(t, "GET", broken+"/offerings/service-kit")
	if code != 200 || !strings.Contains(body, "The event log could not be read: store closed") || !strings.Contains(body, "Funnel per team") {
		t.Errorf("an unreadable log broke the page (%d):\n%s", code, body)
	}
}

type fakeInventory map[string][]snapshot.Evidence

func (f fakeInventory) Inventory(source, repo string) ([]snapshot.Evidence, bool) {
	c, ok := f[source+"/"+repo]
	return c, ok
}

// TestRepoPageShowsTheWholeInventory: with the scan's inventory, a repo's
// page lists every component (those no offering counts marked so) and says,
// for an offering no rule matched, what the inventory holds of its kinds.
func TestRepoPageShowsTheWholeInventory(t *testing.T) {
	s := demoSnapshot(t)
	var rep *snapshot.RepoReport
	for i := range s.Repos {
		if s.Repos[i].Name == "data-api" {
			rep = &s.Repos[i]
		}
	}
	var comps []snapshot.Evidence
	for _, ro := range rep.Offerings {
		comps = append(comps, ro.Evidence...)
	}
	comps = append(comps, snapshot.Evidence{Path: "go.mod", Line: 9, Kind: "gomod", Name: hostileComponent, Version: "v0.1.0"})
	u := testMux(t, WebOptions{Snapshot: func() *snapshot.Snapshot { return s }, Inventory: fakeInventory{"demo/data-api": comps}}).URL
	_, _, out := do(t, "GET", u+"/repos/demo/data-api?format=csv&table=components")
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(recs) != len(comps)+1 {
		t.Fatalf("inventory CSV has %d rows for %d components (%v):\n%s", len(recs)-1, len(comps), err, out)
	}
	var kit, unused bool
	for _, r := range recs[1:] {
		kit = kit || (r[1] == "github.com/acme/service-kit" && strings.Contains(r[3], "service-kit"))
		unused = unused || (r[1] == hostileComponent && r[3] == "—")
	}
	if !kit || !unused {
		t.Errorf("inventory does not say which offering each component counts for:\n%s", out)
	}
	code, _, body := do(t, "GET", u+"/repos/demo/data-api")
	if code != 200 || !strings.Contains(body, "no rule matched; the inventory holds") || strings.Contains(body, "<script>") {
		t.Errorf("repo page (%d) lacks the inventory's why or shows a component unescaped:\n%s", code, body)
	}
}
