package exporter

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/uptake-dev/uptake/collector/snapshot"
)

var (
	campaignReposDesc = prometheus.NewDesc("uptake_campaign_repos",
		"Repos in the campaign's scope of the team, by state: done (adopts to at min_version or above, uses none of from), else waived (a waiver of to in force), else idle (HEAD commit older than idle_after), else remaining. Every state of every team with a repo in scope, zeros included; unowned repos are under the default team."+fromScanUnits,
		[]string{"campaign", "team", "state"}, nil)
	campaignDeadlineDesc = prometheus.NewDesc("uptake_campaign_deadline_timestamp_seconds",
		"When the campaign is due (00:00 UTC of its deadline date), as a Unix timestamp; absent without a deadline.", []string{"campaign"}, nil)
	campaignProjectedDesc = prometheus.NewDesc("uptake_campaign_projected_completion_timestamp_seconds",
		"When a least-squares line through the campaign's remaining count over its projection_window reaches 0, as a Unix timestamp; absent with fewer than two scans in the window, no progress (slope >= 0), a line that reaches 0 after year 9999, or --shard (the rules project the summed uptake_campaign_repos).", []string{"campaign"}, nil)
	campaignInfoDesc = prometheus.NewDesc("uptake_campaign_info",
		"Campaign metadata from the catalog: the offering to adopt and the campaign's owner. Always 1.", []string{"campaign", "to", "owner"}, nil)
)

var campaignDescs = []*prometheus.Desc{campaignReposDesc, campaignDeadlineDesc, campaignProjectedDesc, campaignInfoDesc}

// collectCampaigns emits each campaign's scoreboard: campaign × team ×
// state, bounded by the catalog and the teams.
func collectCampaigns(ch chan<- prometheus.Metric, s *snapshot.Snapshot) {
	for _, c := range s.Campaigns {
		gauge(ch, campaignInfoDesc, 1, c.Name, c.To, c.Owner)
		if !c.Deadline.IsZero() {
			gauge(ch, campaignDeadlineDesc, float64(c.Deadline.Unix()), c.Name)
		}
		if !c.ProjectedCompletion.IsZero() {
			gauge(ch, campaignProjectedDesc, float64(c.ProjectedCompletion.Unix()), c.Name)
		}
		for _, t := range c.Teams {
			for _, state := range snapshot.CampaignStates {
				gauge(ch, campaignReposDesc, float64(t.Of(state)), c.Name, t.Team, state)
			}
		}
	}
}
