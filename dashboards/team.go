package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// team is one team: which offerings it uses and how far behind it is.
func team() *dashboard.DashboardBuilder {
	const sel = `{team="$team", offering=~"$offering"}`
	adopted := `offering_team:uptake_offering_adopted_repos:sum` + sel
	eligible := `offering_team:uptake_offering_eligible_repos:sum` + sel
	ratio := `offering_team:uptake_offering_adopted_repos_per_eligible_repos:ratio` + sel
	// Repos still to adopt for the team to meet each offering's target.
	toTarget := `clamp_min(ceil(max by (offering) (uptake_offering_target_ratio{offering=~"$offering"}) * on (offering) group_right ` +
		eligible + ` - on (offering, team) ` + adopted + `), 0)`
	return newDashboard("uptake-team", "uptake / Team",
		"One team: the offerings it uses, and how far it is behind the organisation and the targets.",
		queryVar("team", "Team", teamsQuery, false),
		queryVar("offering", "Offering", offeringsQuery, true)).
		WithRow(row("$team")).
		WithPanel(newStat("Repos").
			Targets(targets(now(`sum(uptake_team_repos{team="$team"})`, "repos"))).
			GraphMode(common.BigValueGraphModeNone).
			Span(6).Height(4)).
		WithPanel(newStat("Offerings adopted").
			Description("Offerings at least one of the team's repos adopts.").
			Targets(targets(now(`count(`+adopted+` > 0) or vector(0)`, "offerings"))).
			GraphMode(common.BigValueGraphModeNone).
			Span(6).Height(4)).
		WithPanel(newStat("Repos to adopt to meet targets").
			Description("Summed over offerings with a target: repos the team still has to move for its own ratio to reach the target.").
			Targets(targets(now(`sum(`+toTarget+`) or vector(0)`, "repos"))).
			Thresholds(countThresholds("orange")).
			GraphMode(common.BigValueGraphModeNone).
			Span(6).Height(4)).
		WithPanel(newStat("Onboarding hours remaining").
			Targets(targets(now(`sum(uptake_offering_onboarding_hours_remaining`+sel+`)`, "hours"))).
			Unit("h").
			GraphMode(common.BigValueGraphModeNone).
			Span(6).Height(4)).
		WithRow(row("Offerings")).
		WithPanel(newTable("Offerings used by the team").
			Description("Per offering: the team's adoption against the organisation's, repos left to reach the target, and adopters behind the latest version.").
			Targets(targets(
				instant(adopted),
				instant(eligible),
				instant(ratio),
				// The organisation's ratio, labelled with the team so it merges into the team's rows.
				instant(`0 * `+eligible+` + on (offering) group_left offering:uptake_offering_adopted_repos_per_eligible_repos:ratio`),
				instant(toTarget),
				instant(`sum by (offering, team) (uptake_offering_outdated_repos`+sel+`)`),
			)).
			Transformations(merged(
				col("A", "Adopted"), col("B", "Eligible"), col("C", "Adoption"), col("D", "Organisation"),
				col("E", "Repos to target"), col("F", "Outdated"),
			)).
			OverrideByName("Adoption", unit("percentunit")).
			OverrideByName("Organisation", unit("percentunit")).
			Span(24).Height(10)).
		WithPanel(newBarGauge("Gap to the organisation").
			Description("The team's adoption ratio minus the organisation's, per offering: below zero, the team is behind.").
			Targets(targets(now(`sort(`+ratio+` - on (offering) group_left offering:uptake_offering_adopted_repos_per_eligible_repos:ratio)`, "{{offering}}"))).
			Unit("percentunit").Min(-1).Max(1).
			Thresholds(dashboard.NewThresholdsConfigBuilder().
				Mode(dashboard.ThresholdsModeAbsolute).
				Steps([]dashboard.Threshold{{Color: "red"}, {Value: cog.ToPtr(0.0), Color: "green"}})).
			DisplayMode(common.BarGaugeDisplayModeGradient).
			Orientation(common.VizOrientationHorizontal).
			Span(12).Height(10)).
		WithPanel(newHistory("Adoption trend").
			Targets(targets(historyRatio("offering", sel, "{{offering}}"))).
			Unit("percentunit").Min(0).Max(1).
			Span(12).Height(10))
}
