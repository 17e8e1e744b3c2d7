package exporter

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/uptake-dev/uptake/collector/snapshot"
)

// logReader is an in-memory event log, filtered as the store filters.
type logReader struct {
	evs []snapshot.Event
	err error
}

func (l logReader) Events(f snapshot.EventFilter) ([]snapshot.Event, error) {
	out := []snapshot.Event{}
	for _, e := range l.evs {
		if f.Match(e) {
			out = append(out, e)
		}
	}
	return out, l.err
}

func testLog() logReader {
	now := time.Now()
	return logReader{evs: []snapshot.Event{
		{Time: now.Add(-40 * 24 * time.Hour), Source: "s", Repo: "pay-a", Team: "payments", Offering: "kit", Event: snapshot.Adopted, ToVersion: "v1.2.0"},
		{Time: now.Add(-10 * 24 * time.Hour), Source: "s", Repo: "pay-a", Team: "payments", Offering: "kit", Event: snapshot.Upgraded, FromVersion: "v1.2.0", ToVersion: "v1.4.0"},
		{Time: now.Add(-2 * time.Hour), Source: "s", Repo: "search-a", Team: "search", Offering: "docs", Event: snapshot.Dropped, FromVersion: "unknown"},
	}}
}

func TestEventsAPI(t *testing.T) {
	srv := testMux(t, WebOptions{Events: testLog()})
	for query, want := range map[string][]snapshot.EventKind{
		"":                                  {snapshot.Adopted, snapshot.Upgraded, snapshot.Dropped},
		"?since=30d":                        {snapshot.Upgraded, snapshot.Dropped},
		"?since=1h30m":                      {},
		"?offering=kit":                     {snapshot.Adopted, snapshot.Upgraded},
		"?offering=kit&offering=docs":       {snapshot.Adopted, snapshot.Upgraded, snapshot.Dropped},
		"?team=search":                      {snapshot.Dropped},
		"?event=adopted,dropped":            {snapshot.Adopted, snapshot.Dropped},
		"?event=adopted&event=upgraded":     {snapshot.Adopted, snapshot.Upgraded},
		"?since=52w&team=payments&event=up": nil, // 400, below
	} {
		code, h, body := do(t, "GET", srv.URL+"/api/v1/events"+query)
		if want == nil {
			if code != http.StatusBadRequest {
				t.Errorf("%s: %d", query, code)
			}
			continue
		}
		if code != http.StatusOK || h.Get("Content-Type") != "application/json" {
			t.Fatalf("%s: %d %s", query, code, body)
		}
		var a EventsAnswer
		if err := json.Unmarshal([]byte(body), &a); err != nil {
			t.Fatal(err)
		}
		got := []snapshot.EventKind{}
		for _, e := range a.Events {
			got = append(got, e.Event)
		}
		if strings.Join(kindStrings(got), ",") != strings.Join(kindStrings(want), ",") {
			t.Errorf("%s: %v, want %v", query, got, want)
		}
	}
	code, _, body := do(t, "GET", srv.URL+"/api/v1/events?team=payments")
	if code != 200 || !strings.Contains(body, `"from_version":"v1.2.0","to_version":"v1.4.0"`) || strings.Contains(body, "from_team") ||
		strings.Contains(body, "shard") {
		t.Errorf("the JSON fields: %s", body)
	}
	sharded := testMux(t, WebOptions{Events: testLog(), Shard: "1/3"})
	if _, _, body := do(t, "GET", sharded.URL+"/api/v1/events"); !strings.HasPrefix(body, `{"shard":"1/3","events":[`) {
		t.Errorf("a shard's answer does not say so: %.60s", body)
	}
}

func kindStrings(ks []snapshot.EventKind) []string {
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = string(k)
	}
	return out
}

func TestEventsAPIRejectsBadFilters(t *testing.T) {
	srv := testMux(t, WebOptions{Events: testLog()})
	for query, want := range map[string]string{
		"?since=soon":         `since: "soon" is not a positive duration`,
		"?since=0":            "positive duration",
		"?since=-1d":          "positive duration",
		"?event=adopted,gone": `event: unknown event "gone"`,
		"?offerings=kit":      `unknown parameter "offerings"`,
		"?team=":              "team: want a name",
		"?pretty=yes":         "pretty",
	} {
		code, _, body := do(t, "GET", srv.URL+"/api/v1/events"+query)
		if code != http.StatusBadRequest || !strings.Contains(body, want) {
			t.Errorf("%s: %d %q; want 400 saying %q", query, code, body, want)
		}
	}
}

func TestEventsAPIWithoutStore(t *testing.T) {
	srv := testMux(t, WebOptions{})
	if code, _, _ := do(t, "GET", srv.URL+"/api/v1/events"); code != http.StatusServiceUnavailable {
		t.Errorf("without a store: %d, want 503", code)
	}
	srv = testMux(t, WebOptions{Events: logReader{err: errors.New("storage damaged")}})
	if code, _, body := do(t, "GET", srv.URL+"/api/v1/events"); code != http.StatusInternalServerError || !strings.Contains(body, "storage damaged") {
		t.Errorf("a failing read: %d %q", code, body)
	}
}

// The history metrics: the totals as counters, first adoptions as
// timestamps, for the catalog's offerings only.
func TestHistoryMetrics(t *testing.T) {
	snap := semanticsSnapshot(t)
	withHistory := *snap
	withHistory.History = &snapshot.History{
		Totals: []snapshot.EventTotal{
			{Offering: "service-kit", Team: "payments", Event: snapshot.Adopted, Count: 3},
			{Offering: "service-kit", Team: "search", Event: snapshot.Moved, Count: 1},
			{Offering: "retired", Team: "payments", Event: snapshot.Adopted, Count: 9},
		},
		FirstAdopted: map[string]time.Time{"service-kit": time.Unix(1600000000, 0), "retired": time.Unix(1500000000, 0)},
	}
	c := NewCollector(func() *snapshot.Snapshot { return &withHistory }, 0)
	want := `
# HELP uptake_offering_adoption_events_total Adoption events of the offering in the team's repos since the store began, by event: adopted, dropped, upgraded, downgraded, moved (to this team), removed. Read from the store, so it survives restarts; events pruned past history.retention stay counted.
# TYPE uptake_offering_adoption_events_total counter
uptake_offering_adoption_events_total{event="adopted",offering="service-kit",team="payments"} 3
uptake_offering_adoption_events_total{event="moved",offering="service-kit",team="search"} 1
# HELP uptake_offering_first_adopted_timestamp_seconds The earliest time the store knows a repo adopted the offering (its first adopted event, or the first scan that found it adopted), as a Unix timestamp in seconds.
# TYPE uptake_offering_first_adopted_timestamp_seconds gauge
uptake_offering_first_adopted_timestamp_seconds{offering="service-kit"} 1.6e+09
`
	if err := testutil.CollectAndCompare(c, strings.NewReader(want), "uptake_offering_adoption_events_total",
		"uptake_offering_first_adopted_timestamp_seconds"); err != nil {
		t.Fatal(err)
	}
	problems, err := testutil.CollectAndLint(c, "uptake_offering_adoption_events_total", "uptake_offering_first_adopted_timestamp_seconds")
	if err != nil || len(problems) > 0 {
		t.Fatalf("lint: %v %v", problems, err)
	}
	// Without a store, neither is exported.
	plain := NewCollector(func() *snapshot.Snapshot { return snap }, 0)
	if n := testutil.CollectAndCount(plain, "uptake_offering_adoption_events_total", "uptake_offering_first_adopted_timestamp_seconds"); n != 0 {
		t.Fatalf("%d history series without a store", n)
	}
}
