package runner

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/uptake-dev/uptake/collector/evaluate"
	"github.com/uptake-dev/uptake/collector/snapshot"
)

// campaignProgressKey prefixes each campaign's remaining-count series in
// the store's key-value area.
const campaignProgressKey = "campaign-progress/"

// campaignPointsPerWindow bounds a series: a point closer than
// window/campaignPointsPerWindow to the one before replaces it, so a scan
// every minute keeps no more than a scan every hour would over 28 days.
const campaignPointsPerWindow = 700

// recordCampaigns adds the published scan's remaining count to each
// campaign's series in the store (a restored snapshot adds nothing: it is
// no scan), drops points older than the projection window, and gives snap
// the series and, unsharded, the projected completion.
func (r *Runner) recordCampaigns(snap *snapshot.Snapshot, restored bool) {
	st := r.cfg.Store
	for i := range snap.Campaigns {
		c := &snap.Campaigns[i]
		key := campaignProgressKey + c.Name
		var stored campaignProgress
		if data, ok := st.Get(key); ok && json.Unmarshal(data, &stored) != nil {
			stored = campaignProgress{} // unreadable: start the series again
		}
		points := stored.Points
		if def := campaignDefinition(c); stored.Definition != def {
			// Counts under another definition are another campaign's: a
			// line through both would project from a jump, not progress.
			if len(points) > 0 {
				r.log.Info("campaign definition changed: its progress starts again", zap.String("campaign", c.Name))
			}
			points = nil
			stored.Definition = def
		}
		if !restored {
			points = addPoint(points, snapshot.CampaignPoint{Time: snap.Time.UTC(), Remaining: c.Total.Remaining}, c.ProjectionWindow)
			data, _ := json.Marshal(campaignProgress{Definition: stored.Definition, Points: points}) // plain data: cannot fail
			if err := st.Put(key, data); err != nil {
				r.engine.storeFailed(r.log, "recording a campaign's progress failed", err)
			}
		}
		c.Progress = points
		// A shard's line is not the campaign's: the rules fit the sum.
		if r.cfg.Shards <= 1 {
			c.ProjectedCompletion, _ = evaluate.ProjectCompletion(points, c.ProjectionWindow)
		}
	}
}

// campaignProgress is a campaign's stored series with the definition its
// counts were made under.
type campaignProgress struct {
	Definition string                   `json:"definition"`
	Points     []snapshot.CampaignPoint `json:"points"`
}

// campaignDefinition is what decides a campaign's counts: changing any of
// it restarts the series.
func campaignDefinition(c *snapshot.CampaignReport) string {
	return fmt.Sprintf("from=%s to=%s min_version=%s eligible_of=%s idle_after=%s",
		strings.Join(c.From, ","), c.To, c.MinVersion, c.EligibleOf, c.IdleAfter)
}

// addPoint appends p to a series (oldest first), replacing the last point
// when it is closer than window/campaignPointsPerWindow, or not older (a
// re-evaluation of the same scan), and drops the points older than window.
func addPoint(points []snapshot.CampaignPoint, p snapshot.CampaignPoint, window time.Duration) []snapshot.CampaignPoint {
	if n := len(points); n > 1 && p.Time.Sub(points[n-2].Time) < window/campaignPointsPerWindow || n > 0 && !p.Time.After(points[n-1].Time) {
		points = points[:n-1]
	}
	points = append(points, p)
	cut := 0
	for cut < len(points) && points[cut].Time.Before(p.Time.Add(-window)) {
		cut++
	}
	return append([]snapshot.CampaignPoint(nil), points[cut:]...)
}
