package evaluate

import (
	"math"
	"time"

	"github.com/uptake-dev/uptake/collector/snapshot"
)

// ProjectCompletion fits a least-squares line through the remaining counts
// of points (oldest first) no older than window before the last, and says
// when it reaches 0. ok is false with fewer than two distinct times in the
// window or a slope ≥ 0 (no progress projects no date), or when the line
// reaches 0 after year 9999.
func ProjectCompletion(points []snapshot.CampaignPoint, window time.Duration) (at time.Time, ok bool) {
	if len(points) == 0 {
		return time.Time{}, false
	}
	last := points[len(points)-1].Time
	var in []snapshot.CampaignPoint
	for _, p := range points {
		if !p.Time.Before(last.Add(-window)) && !p.Time.After(last) {
			in = append(in, p)
		}
	}
	if len(in) < 2 {
		return time.Time{}, false
	}
	// Seconds from the first point keep the sums well inside float64's
	// precision.
	origin := in[0].Time
	var mx, my float64
	for _, p := range in {
		mx += p.Time.Sub(origin).Seconds()
		my += float64(p.Remaining)
	}
	n := float64(len(in))
	mx, my = mx/n, my/n
	var sxy, sxx float64
	for _, p := range in {
		dx := p.Time.Sub(origin).Seconds() - mx
		sxy += dx * (float64(p.Remaining) - my)
		sxx += dx * dx
	}
	if sxx == 0 {
		return time.Time{}, false
	}
	slope := sxy / sxx
	if slope >= 0 {
		return time.Time{}, false
	}
	// In seconds, not a time.Duration: a slow burndown's zero lies past
	// its 292 years, and the conversion would wrap into the past.
	zero := mx - my/slope
	if float64(origin.Unix())+zero > maxProjected {
		return time.Time{}, false
	}
	sec, frac := math.Modf(zero)
	return time.Unix(origin.Unix()+int64(sec), int64(origin.Nanosecond())+int64(frac*1e9)).UTC(), true
}

// maxProjected is the end of year 9999 in Unix seconds: a later date is no
// date to plan by, and JSON (RFC 3339) cannot write it.
var maxProjected = float64(time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC).Unix())
