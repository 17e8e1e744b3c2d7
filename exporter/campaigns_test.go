package exporter

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/common/expfmt"

	"github.com/uptake-dev/uptake/collector/snapshot"
)

func campaignSnapshot() *snapshot.Snapshot {
	return &snapshot.Snapshot{Campaigns: []snapshot.CampaignReport{
		{Name: "base-image-v3", To: "base-image", Owner: "platform-runtime", Deadline: time.Date(2027, 3, 31, 0, 0, 0, 0, time.UTC),
			ProjectedCompletion: time.Unix(1800000000, 0),
			Teams: []snapshot.CampaignTeam{
				{Team: "payments", CampaignCounts: snapshot.CampaignCounts{Done: 3, Remaining: 2, Idle: 1}},
				{Team: "unowned", CampaignCounts: snapshot.CampaignCounts{Waived: 1}},
			}},
		// Implicit: no deadline; no projection.
		{Name: "ci-v1", To: "ci-v2", Owner: "platform-ci", Teams: []snapshot.CampaignTeam{{Team: "search", CampaignCounts: snapshot.CampaignCounts{Remaining: 4}}}},
	}}
}

func TestCampaignMetrics(t *testing.T) {
	snap := campaignSnapshot()
	c := NewCollector(func() *snapshot.Snapshot { return snap }, 0)
	// The help texts are long and said in one place: compare the series.
	got, err := testutil.CollectAndFormat(c, expfmt.TypeTextPlain, "uptake_campaign_repos", "uptake_campaign_deadline_timestamp_seconds",
		"uptake_campaign_projected_completion_timestamp_seconds", "uptake_campaign_info")
	if err != nil {
		t.Fatal(err)
	}
	var series []string
	for _, l := range strings.Split(string(got), "\n") {
		if l != "" && !strings.HasPrefix(l, "#") {
			series = append(series, l)
		}
	}
	wantSeries := []string{
		`uptake_campaign_deadline_timestamp_seconds{campaign="base-image-v3"} 1.8064512e+09`,
		`uptake_campaign_info{campaign="base-image-v3",owner="platform-runtime",to="base-image"} 1`,
		`uptake_campaign_info{campaign="ci-v1",owner="platform-ci",to="ci-v2"} 1`,
		`uptake_campaign_projected_completion_timestamp_seconds{campaign="base-image-v3"} 1.8e+09`,
		`uptake_campaign_repos{campaign="base-image-v3",state="done",team="payments"} 3`,
		`uptake_campaign_repos{campaign="base-image-v3",state="done",team="unowned"} 0`,
		`uptake_campaign_repos{campaign="base-image-v3",state="idle",team="payments"} 1`,
		`uptake_campaign_repos{campaign="base-image-v3",state="idle",team="unowned"} 0`,
		`uptake_campaign_repos{campaign="base-image-v3",state="remaining",team="payments"} 2`,
		`uptake_campaign_repos{campaign="base-image-v3",state="remaining",team="unowned"} 0`,
		`uptake_campaign_repos{campaign="base-image-v3",state="waived",team="payments"} 0`,
		`uptake_campaign_repos{campaign="base-image-v3",state="waived",team="unowned"} 1`,
		`uptake_campaign_repos{campaign="ci-v1",state="done",team="search"} 0`,
		`uptake_campaign_repos{campaign="ci-v1",state="idle",team="search"} 0`,
		`uptake_campaign_repos{campaign="ci-v1",state="remaining",team="search"} 4`,
		`uptake_campaign_repos{campaign="ci-v1",state="waived",team="search"} 0`,
	}
	if strings.Join(series, "\n") != strings.Join(wantSeries, "\n") {
		t.Errorf("series:\n%s\nwant:\n%s", strings.Join(series, "\n"), strings.Join(wantSeries, "\n"))
	}
	problems, err := testutil.CollectAndLint(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
}
