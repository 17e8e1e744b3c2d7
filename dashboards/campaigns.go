package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

var campaignsQuery = "label_values(uptake_campaign_info, campaign)"

// campaigns is the migrations' scoreboard: the burndown of each campaign
// against its deadline, the teams with the most repos remaining, and when
// the current pace finishes.
func campaigns() *dashboard.DashboardBuilder {
	const sel = `{campaign=~"$campaign"}`
	remaining := `uptake_campaign_repos{state="remaining", campaign=~"$campaign"}`
	deadline := `max by (campaign) (uptake_campaign_deadline_timestamp_seconds` + sel + `)`
	projected := `campaign:uptake_campaign_projected_completion_timestamp_seconds:deriv28d` + sel
	state := func(s string) string {
		return `sum by (campaign) (campaign_state:uptake_campaign_repos:sum{state="` + s + `", campaign=~"$campaign"})`
	}
	return newDashboard("uptake-campaigns", "uptake / Campaigns",
		"Migrations with a deadline: repos remaining per campaign and team, and when the last 28 days' pace finishes each.",
		queryVar("campaign", "Campaign", campaignsQuery, true)).
		// The deadline marked on the time series: the series' value is the time.
		Annotation(dashboard.NewAnnotationQueryBuilder().
			Name("Deadlines").
			Datasource(datasource).
			Enable(true).
			IconColor("red").
			Expr(deadline+` * 1000`).
			Step("1h").
			UseValueForTime(true).
			TitleFormat("{{campaign}} deadline")).
		// Ahead too, where the deadlines are.
		Time("now-90d", "now+90d").
		WithRow(row("Campaigns")).
		WithPanel(newTable("Scoreboard").
			Description("Per campaign across shards: repos done, waived (a waiver of the offering to adopt), idle (no recent commit) and remaining, and the deadline.").
			Targets(targets(
				instant(state("done")),
				instant(state("waived")),
				instant(state("idle")),
				instant(state("remaining")),
				instant(deadline+` * 1000`),
			)).
			Transformations(merged(
				col("A", "Done"), col("B", "Waived"), col("C", "Idle"), col("D", "Remaining"), col("E", "Deadline"),
			)).
			OverrideByName("Deadline", unit("dateTimeAsIsoNoDateIfToday")).
			Span(16).Height(7)).
		WithPanel(newTable("Projected completion").
			Description("Where a least-squares line through the remaining count summed across shards over the last 28 days reaches 0; a campaign whose count does not fall has none.").
			Targets(targets(instant(projected+` * 1000`))).
			Transformations(merged(col("A", "Projected completion"))).
			OverrideByName("Projected completion", unit("dateTimeAsIsoNoDateIfToday")).
			Span(8).Height(7)).
		WithPanel(newHistory("Burndown").
			Description("Repos remaining per campaign over time, summed across shards (backfilled history included), and dashed the last 28 days' least-squares line at each point; red markers are the deadlines, in the 90 days ahead the dashboard shows. Projected completion gives the date that line reaches 0.").
			Targets(targets(
				history("sum by (campaign) ", remaining, "{{campaign}}"),
				// Only where there is data: ahead of now its window would shrink to the last samples.
				series(`clamp_min(predict_linear(sum by (campaign) (`+remaining+`)[28d:1h], 0), 0) and sum by (campaign) (`+remaining+`)`, "{{campaign}} line"),
			)).
			OverrideByRegexp(".* line", dashed()).
			Min(0).
			Span(16).Height(10)).
		WithPanel(newBarGauge("Days to the deadline").
			Description("Days left until each campaign's deadline; negative once missed.").
			Targets(targets(now(`sort((`+deadline+` - time()) / 86400)`, "{{campaign}}"))).
			Unit("d").
			DisplayMode(common.BarGaugeDisplayModeGradient).
			Orientation(common.VizOrientationHorizontal).
			Span(8).Height(10)).
		WithRow(row("Teams")).
		WithPanel(newBarGauge("Remaining per team").
			Description("Repos remaining per team, most first, summed over the campaigns selected: who is blocking. Unowned repos count under the default team.").
			Targets(targets(now(`sort_desc(sum by (team) (`+remaining+`) > 0)`, "{{team}}"))).
			Thresholds(countThresholds("orange")).
			DisplayMode(common.BarGaugeDisplayModeGradient).
			Orientation(common.VizOrientationHorizontal).
			Span(12).Height(12)).
		WithPanel(newHistory("Remaining per team over time").
			Targets(targets(history("sum by (team) ", remaining, "{{team}}"))).
			Min(0).
			Span(12).Height(12))
}
