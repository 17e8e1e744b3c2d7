package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/heatmap"
)

// offering is one offering in depth: its teams, versions and value.
func offering() *dashboard.DashboardBuilder {
	const (
		sel  = `{offering="$offering", team=~"$team"}`
		osel = `{offering="$offering"}`
	)
	adopted := `offering_team:uptake_offering_adopted_repos:sum` + sel
	eligible := `offering_team:uptake_offering_eligible_repos:sum` + sel
	return newDashboard("uptake-offering", "uptake / Offering",
		"One offering: which teams adopt it, at which versions, and what it is worth.",
		queryVar("offering", "Offering", offeringsQuery, false),
		queryVar("team", "Team", `label_values(uptake_offering_eligible_repos{offering="$offering"}, team)`, true)).
		WithRow(row("$offering")).
		WithPanel(newTable("Catalog entry").
			Targets(targets(instant(`max by (offering, owner, lifecycle, latest) (uptake_offering_info` + osel + `)`))).
			Transformations([]dashboard.DataTransformerConfig{{Id: "organize", Options: map[string]any{
				"excludeByName": map[string]bool{"Time": true, "Value": true},
				"indexByName":   map[string]int{"offering": 0, "owner": 1, "lifecycle": 2, "latest": 3},
			}}}).
			Span(8).Height(4)).
		WithPanel(newStat("Adoption").
			Description("Adopted / eligible repos of the selected teams.").
			Targets(targets(now(`sum(`+adopted+`) / (sum(`+eligible+`) > 0)`, "adoption"))).
			Unit("percentunit").
			Thresholds(ratioThresholds()).
			ColorMode(common.BigValueColorModeBackground).
			Span(4).Height(4)).
		WithPanel(newStat("Adopted / eligible repos").
			Targets(targets(
				now(`sum(`+adopted+`)`, "adopted"),
				now(`sum(`+eligible+`)`, "eligible"),
				now(`sum(uptake_offering_waived_repos`+sel+`)`, "waived"),
			)).
			TextMode(common.BigValueTextModeValueAndName).
			GraphMode(common.BigValueGraphModeNone).
			Span(5).Height(4)).
		WithPanel(newStat("Target").
			Description("Target adoption ratio and its deadline; none when the catalog sets no target.").
			Targets(targets(
				now(`max(uptake_offering_target_ratio`+osel+`)`, "ratio"),
				now(`max(uptake_offering_target_deadline_timestamp_seconds`+osel+`) * 1000`, "by"),
			)).
			OverrideByName("ratio", unit("percentunit")).
			OverrideByName("by", unit("dateTimeAsIsoNoDateIfToday")).
			TextMode(common.BigValueTextModeValueAndName).
			GraphMode(common.BigValueGraphModeNone).
			NoValue("none").
			Span(4).Height(4)).
		WithPanel(newStat("At the deadline").
			Description("All teams' adoption at the target's deadline if the last 30 days' pace holds: adopted and eligible repos each continued, then divided. None without a target, or before 30 days of history (backfilled history counts).").
			Targets(targets(now(`max(offering:uptake_offering_adopted_repos_per_eligible_repos:ratio_at_deadline`+osel+`)`, "projected"))).
			Unit("percentunit").
			Thresholds(ratioThresholds()).
			ColorMode(common.BigValueColorModeBackground).
			NoValue("none").
			Span(3).Height(4)).
		WithRow(row("Teams")).
		WithPanel(newHeatmap("Adoption by team").
			Description("Each row a team, each cell its adoption ratio at that time.").
			Targets(targets(historyRatio("team", sel, "{{team}}"))).
			Color(heatmap.NewHeatmapColorOptionsBuilder().
				Mode(heatmap.HeatmapColorModeScheme).
				Scheme("RdYlGn").
				Scale(heatmap.HeatmapColorScaleLinear).
				Steps(64).
				Min(0).Max(1)).
			CellValues(heatmap.NewCellValuesBuilder().Unit("percentunit")).
			Span(16).Height(10)).
		WithPanel(newTable("Top non-adopting teams").
			Description("Eligible repos that do not adopt the offering (waived repos excluded), most first.").
			Targets(targets(instant(`sort_desc(topk(10, ` + eligible + ` - ` + adopted + ` > 0))`))).
			Transformations(merged(col("A", "Repos not adopting"))).
			SortBy([]cog.Builder[common.TableSortByFieldState]{
				common.NewTableSortByFieldStateBuilder().DisplayName("Repos not adopting").Desc(true),
			}).
			Span(8).Height(10)).
		WithPanel(newBarGauge("Adoption by team now").
			Targets(targets(now(`sort_desc(offering_team:uptake_offering_adopted_repos_per_eligible_repos:ratio`+sel+`)`, "{{team}}"))).
			Unit("percentunit").Min(0).Max(1).
			Thresholds(ratioThresholds()).
			DisplayMode(common.BarGaugeDisplayModeGradient).
			Orientation(common.VizOrientationHorizontal).
			Span(8).Height(9)).
		WithPanel(newTable("Version drift by team").
			Description("Adopting repos behind the catalog's latest version; empty for an offering without one.").
			Targets(targets(
				instant(`sum by (team) (uptake_offering_outdated_repos`+sel+`)`),
				instant(`sum by (team) (uptake_offering_outdated_major_repos`+sel+`)`),
				instant(`sum by (team) (uptake_offering_unknown_version_repos`+sel+`)`),
			)).
			Transformations(merged(col("A", "Outdated"), col("B", "A major behind"), col("C", "Unknown version"))).
			Span(8).Height(9)).
		WithPanel(newHistory("Repos by version").
			Description("All teams: the newest versions, then \"other\" and \"unknown\".").
			Targets(targets(history("sum by (version) ", `uptake_offering_version_repos`+osel, "{{version}}"))).
			Stacking(common.NewStackingConfigBuilder().Mode(common.StackingModeNormal)).
			FillOpacity(30).
			Min(0).
			Span(8).Height(9)).
		WithRow(row("Value")).
		WithPanel(newHistory("Value vs cost per month").
			Description("Value per team, stacked, against the offering's cost (dashed).").
			Targets(targets(
				history("sum by (team) ", `uptake_offering_value_per_month`+sel, "{{team}}"),
				history("max ", `uptake_offering_cost_per_month`+osel, "cost"),
			)).
			Stacking(common.NewStackingConfigBuilder().Mode(common.StackingModeNormal)).
			FillOpacity(30).
			OverrideByName("cost", append(dashed(),
				dashboard.DynamicConfigValue{Id: "custom.stacking", Value: map[string]any{"mode": "none"}},
				dashboard.DynamicConfigValue{Id: "custom.fillOpacity", Value: 0})).
			Min(0).
			Span(12).Height(9)).
		WithPanel(newBarGauge("Onboarding hours remaining").
			Description("Estimated engineering hours for the selected teams' non-adopting repos to adopt.").
			Targets(targets(now(`sort_desc(sum by (team) (uptake_offering_onboarding_hours_remaining`+sel+`))`, "{{team}}"))).
			Unit("h").
			DisplayMode(common.BarGaugeDisplayModeGradient).
			Orientation(common.VizOrientationHorizontal).
			Span(12).Height(9))
}
