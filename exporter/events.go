package exporter

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/uptake-dev/uptake/collector/snapshot"
)

// EventReader is the store's read API for events, all the exporter knows
// of the store.
type EventReader interface {
	// Events returns the events f selects, oldest first.
	Events(f snapshot.EventFilter) ([]snapshot.Event, error)
}

// EventsAnswer is /api/v1/events' JSON document, and `uptake events
// --format json`'s.
type EventsAnswer struct {
	// Shard is "i/n" when the events cover one shard's repos only.
	Shard  string           `json:"shard,omitempty"`
	Events []snapshot.Event `json:"events"`
}

// eventParams are /api/v1/events' parameters, `uptake events`' flags.
var eventParams = []string{"since", "offering", "team", "event", "pretty"}

// ParseEventQuery parses /api/v1/events' parameters — the filters of
// `uptake events` — at time now: since (a Prometheus duration: 30d, 52w,
// 1h30m), offering and team (repeatable), event (comma-separated kinds,
// repeatable). An unknown parameter is an error: a misspelt filter would
// answer with every event.
func ParseEventQuery(v url.Values, now time.Time) (snapshot.EventFilter, error) {
	var f snapshot.EventFilter
	for k := range v {
		if !slices.Contains(eventParams, k) {
			return f, fmt.Errorf("unknown parameter %q (want %s)", k, strings.Join(eventParams, ", "))
		}
	}
	if s := v.Get("since"); s != "" {
		d, err := model.ParseDuration(s)
		if err != nil || d <= 0 {
			return f, fmt.Errorf("since: %q is not a positive duration like 30d, 52w or 1h30m", s)
		}
		f.Since = now.Add(-time.Duration(d))
	}
	for _, key := range []string{"offering", "team"} {
		for _, s := range v[key] {
			if s == "" || len(s) > maxPatternLength {
				return f, fmt.Errorf("%s: want a name of 1 to %d bytes", key, maxPatternLength)
			}
		}
	}
	f.Offerings, f.Teams = v["offering"], v["team"]
	for _, s := range v["event"] {
		kinds, err := snapshot.ParseEventKinds(s)
		if err != nil {
			return f, fmt.Errorf("event: %w", err)
		}
		f.Kinds = append(f.Kinds, kinds...)
	}
	return f, nil
}

// eventsAPI serves the store's events as JSON.
type eventsAPI struct {
	events EventReader
	shard  string
}

func (a *eventsAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if a.events == nil {
		http.Error(w, "No event log: uptake runs without its store (see uptake_storage_healthy and the log).", http.StatusServiceUnavailable)
		return
	}
	q := r.URL.Query()
	f, err := ParseEventQuery(q, time.Now())
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	pretty := false
	switch q.Get("pretty") {
	case "", "0", "false":
	case "1", "true":
		pretty = true
	default:
		http.Error(w, fmt.Sprintf("pretty: %q is not 1 or 0", q.Get("pretty")), http.StatusBadRequest)
		return
	}
	evs, err := a.events.Events(f)
	if err != nil {
		http.Error(w, "Reading the event log failed: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	if pretty {
		enc.SetIndent("", "  ")
	}
	_ = enc.Encode(EventsAnswer{Shard: a.shard, Events: evs})
}
