package exporter

import (
	"fmt"
	"html/template"
	"slices"
	"strings"
	"time"

	"github.com/uptake-dev/uptake/collector/snapshot"
)

// recentEvents is how many of an offering's events its page lists.
const recentEvents = 50

// Chart size in SVG user units; the stylesheet scales it to the page.
const (
	chartWidth, chartHeight = 600.0, 140.0
	chartPad                = 28.0
)

// adoptionDelta is what an event does to the count of adopting repos.
func adoptionDelta(k snapshot.EventKind) int {
	switch k {
	case snapshot.Adopted:
		return 1
	case snapshot.Dropped, snapshot.Removed:
		return -1
	}
	return 0
}

// trendPoint is the count of adopting repos from t on.
type trendPoint struct {
	t     time.Time
	count int
}

// adoptionTrend walks the offering's events (oldest first) back from the
// current count: the count before an event is the count after it less what
// it changed. It starts at the first event, with the count before it. A
// catalog change rebases without events, so the trend before one is drawn
// as the log recorded it.
func adoptionTrend(events []snapshot.Event, current int, now time.Time) []trendPoint {
	if len(events) == 0 {
		return nil
	}
	points := []trendPoint{{now, current}}
	count := current
	for i := len(events) - 1; i >= 0; i-- {
		points = append(points, trendPoint{events[i].Time, count})
		count -= adoptionDelta(events[i].Event)
	}
	points = append(points, trendPoint{events[0].Time, count})
	slices.Reverse(points)
	return points
}

// trendSVG draws the trend as a step line with its first and last dates and
// the highest count: numbers and dates only, so nothing from a repo is in it.
func trendSVG(points []trendPoint) template.HTML {
	if len(points) < 2 {
		return ""
	}
	start, end := points[0].t, points[len(points)-1].t
	span := end.Sub(start).Seconds()
	peak := 1
	for _, p := range points {
		peak = max(peak, p.count)
	}
	x := func(t time.Time) float64 {
		if span <= 0 {
			return chartPad
		}
		return chartPad + (chartWidth-2*chartPad)*t.Sub(start).Seconds()/span
	}
	y := func(n int) float64 {
		return chartHeight - chartPad - (chartHeight-2*chartPad)*float64(max(n, 0))/float64(peak)
	}
	var path strings.Builder
	fmt.Fprintf(&path, "M%.1f %.1f", x(points[0].t), y(points[0].count))
	for i := 1; i < len(points); i++ {
		fmt.Fprintf(&path, " H%.1f V%.1f", x(points[i].t), y(points[i].count))
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="trend" viewBox="0 0 %.0f %.0f" role="img" aria-label="Adopting repos from %s to %s">`,
		chartWidth, chartHeight, start.Format(time.DateOnly), end.Format(time.DateOnly))
	fmt.Fprintf(&b, `<line class="axis" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/>`, chartPad, y(0), chartWidth-chartPad, y(0))
	fmt.Fprintf(&b, `<path class="line" d="%s"/>`, path.String())
	fmt.Fprintf(&b, `<text x="%.1f" y="%.1f">%d</text>`, 2.0, y(peak)+4, peak)
	fmt.Fprintf(&b, `<text x="%.1f" y="%.1f">0</text>`, 2.0, y(0)+4)
	fmt.Fprintf(&b, `<text x="%.1f" y="%.1f">%s</text>`, chartPad, chartHeight-6, start.Format(time.DateOnly))
	fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="end">%s</text>`, chartWidth-chartPad, chartHeight-6, end.Format(time.DateOnly))
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) //nolint:gosec // built from numbers and dates only
}

// offeringHistory adds an offering's trend and its latest events to its
// page, when serve has a store; an unreadable log costs that part only.
func offeringHistory(pg *page, events EventReader, o snapshot.OfferingReport, now time.Time) {
	if events == nil {
		return
	}
	evs, err := events.Events(snapshot.EventFilter{Offerings: []string{o.Name}})
	if err != nil {
		pg.Notes = append(pg.Notes, "The event log could not be read: "+err.Error())
		return
	}
	pg.Chart = trendSVG(adoptionTrend(evs, o.Adopted, now))
	t := &table{ID: "events", Title: "Recent events", Empty: "No event recorded yet: events start with the second scan that sees a repo change.",
		Cols: []column{{Key: "time", Label: "Time"}, {Key: "repo", Label: "Repo"}, {Key: "team", Label: "Team"}, {Key: "event", Label: "Event"},
			{Key: "from", Label: "From"}, {Key: "to", Label: "To"}}}
	for i := len(evs) - 1; i >= 0 && len(t.Rows) < recentEvents; i-- {
		e := evs[i]
		t.Rows = append(t.Rows, []cell{date(e.Time.UTC().Format(time.DateTime)), href(e.Repo, repoHref(e.Source, e.Repo)), teamCell(e.Team),
			text(string(e.Event)), text(e.FromVersion), text(e.ToVersion)})
	}
	pg.Tables = append(pg.Tables, t)
}
