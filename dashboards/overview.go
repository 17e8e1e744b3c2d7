package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// overview is the organisation-wide view: one line per offering.
func overview() *dashboard.DashboardBuilder {
	const sel = `{offering=~"$offering"}`
	return newDashboard("uptake-overview", "uptake / Overview",
		"Adoption of every platform offering across the organisation, from the last completed scans.",
		queryVar("offering", "Offering", offeringsQuery, true)).
		WithRow(row("Organisation")).
		WithPanel(newStat("Repos").
			Description("Repos attributed to a team, all sources and shards.").
			Targets(targets(now(`sum(uptake_team_repos)`, "repos"))).
			GraphMode(common.BigValueGraphModeNone).
			Span(4).Height(4)).
		WithPanel(newStat("Teams").
			Targets(targets(now(`count(sum by (team) (uptake_team_repos))`, "teams"))).
			GraphMode(common.BigValueGraphModeNone).
			Span(4).Height(4)).
		WithPanel(newStat("Offerings").
			Targets(targets(now(`count(max by (offering) (uptake_offering_info`+sel+`))`, "offerings"))).
			GraphMode(common.BigValueGraphModeNone).
			Span(4).Height(4)).
		WithPanel(newStat("Adoption alerts firing").
			Description("UptakeAdoptionStalled, UptakeAdoptionDropping and UptakeBehindTarget alerts firing now.").
			Targets(targets(now(`count(ALERTS{alertstate="firing", alertname=~"UptakeAdoption.*|UptakeBehindTarget", offering=~"$offering"}) or vector(0)`, "alerts"))).
			Thresholds(countThresholds("orange")).
			ColorMode(common.BigValueColorModeBackground).
			GraphMode(common.BigValueGraphModeNone).
			Span(4).Height(4)).
		WithPanel(newStat("Value per month").
			Description("Hours the offerings save, valued at the configured hourly rate, in the currency of uptake_roi_info.").
			Targets(targets(now(`sum(offering:uptake_offering_value_per_month:sum`+sel+`) * on () group_left (currency) max by (currency) (uptake_roi_info)`, "{{currency}}"))).
			DisplayName("${__field.labels.currency}").
			GraphMode(common.BigValueGraphModeArea).
			Span(4).Height(4)).
		WithPanel(newStat("Cost per month").
			Description("What the offerings cost to run, in the currency of uptake_roi_info.").
			Targets(targets(now(`sum(offering:uptake_offering_cost_per_month:max`+sel+`) * on () group_left (currency) max by (currency) (uptake_roi_info)`, "{{currency}}"))).
			DisplayName("${__field.labels.currency}").
			GraphMode(common.BigValueGraphModeNone).
			Span(4).Height(4)).
		WithRow(row("Adoption")).
		WithPanel(newBarGauge("Adoption by offering").
			Description("Adopted / eligible repos across all teams.").
			Targets(targets(now(`sort_desc(offering:uptake_offering_adopted_repos_per_eligible_repos:ratio`+sel+`)`, "{{offering}}"))).
			Unit("percentunit").Min(0).Max(1).
			Thresholds(ratioThresholds()).
			DisplayMode(common.BarGaugeDisplayModeGradient).
			Orientation(common.VizOrientationHorizontal).
			Span(10).Height(10)).
		WithPanel(newTable("Adopted vs eligible").
			Description("Per offering across all teams; at the deadline: the adoption the last 30 days' pace reaches by the target's deadline; growth is the change in adopted repos over 7 and 30 days.").
			Targets(targets(
				instant(`offering:uptake_offering_adopted_repos:sum`+sel),
				instant(`offering:uptake_offering_eligible_repos:sum`+sel),
				instant(`offering:uptake_offering_adopted_repos_per_eligible_repos:ratio`+sel),
				instant(`max by (offering) (uptake_offering_target_ratio`+sel+`)`),
				instant(`offering:uptake_offering_adopted_repos_per_eligible_repos:ratio_at_deadline`+sel),
				instant(`max by (offering) (uptake_offering_target_deadline_timestamp_seconds`+sel+`) * 1000`),
				instant(`offering:uptake_offering_adopted_repos:delta7d`+sel),
				instant(`offering:uptake_offering_adopted_repos:delta30d`+sel),
			)).
			Transformations(merged(
				col("A", "Adopted"), col("B", "Eligible"), col("C", "Adoption"), col("D", "Target"),
				col("E", "At the deadline"), col("F", "Deadline"), col("G", "Growth 7d"), col("H", "Growth 30d"),
			)).
			OverrideByName("Adoption", unit("percentunit")).
			OverrideByName("Target", unit("percentunit")).
			OverrideByName("At the deadline", unit("percentunit")).
			OverrideByName("Deadline", unit("dateTimeAsIsoNoDateIfToday")).
			Span(14).Height(10)).
		WithPanel(newHistory("Adoption trend").
			Description("Adoption ratio per offering; dashed: its target.").
			Targets(targets(
				historyRatio("offering", sel, "{{offering}}"),
				history("max by (offering) ", `uptake_offering_target_ratio`+sel, "{{offering}} target"),
			)).
			Unit("percentunit").Min(0).Max(1).
			OverrideByRegexp("/ target$/", dashed()).
			Span(12).Height(9)).
		WithPanel(newHistory("Adopted repos").
			Targets(targets(history("sum by (offering) ", `uptake_offering_adopted_repos`+sel, "{{offering}}"))).
			Min(0).
			Span(12).Height(9)).
		WithRow(row("Stalled offerings and ROI")).
		WithPanel(newTable("Stalled and at-risk offerings").
			Description("Adoption alerts pending or firing: see docs/operations.md for what each means.").
			Targets(targets(instant(`max by (alertname, offering, alertstate, severity) (ALERTS{alertname=~"UptakeAdoption.*|UptakeBehindTarget", offering=~"$offering"})`))).
			Transformations([]dashboard.DataTransformerConfig{{Id: "organize", Options: map[string]any{
				"excludeByName": map[string]bool{"Time": true, "Value": true},
			}}}).
			Span(8).Height(9)).
		WithPanel(newBarChart("Value vs cost per month").
			Description("Value: hours saved across all teams times the hourly rate; cost: the offering's running cost.").
			Targets(targets(
				instant(`offering:uptake_offering_value_per_month:sum`+sel),
				instant(`offering:uptake_offering_cost_per_month:max`+sel),
			)).
			Transformations(merged(col("A", "Value"), col("B", "Cost"))).
			XField("offering").
			Orientation(common.VizOrientationHorizontal).
			Span(8).Height(9)).
		WithPanel(newBarGauge("Return on investment").
			Description("(value − cost) / cost per month; offerings without a cost have none.").
			Targets(targets(now(`sort_desc(offering:uptake_offering_roi:ratio`+sel+`)`, "{{offering}}"))).
			Unit("percentunit").
			Thresholds(dashboard.NewThresholdsConfigBuilder().
				Mode(dashboard.ThresholdsModeAbsolute).
				Steps([]dashboard.Threshold{{Color: "red"}, {Value: cog.ToPtr(0.0), Color: "green"}})).
			DisplayMode(common.BarGaugeDisplayModeGradient).
			Orientation(common.VizOrientationHorizontal).
			Span(8).Height(9))
}
