package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// harvest is the platform team's backlog from harvest mode: what several
// teams already use that no offering covers, files they copy, and the
// alternatives they chose over an offering. Candidates and clusters are
// each shard's own (teams count within a shard), so teams take the max
// over shards and repos the sum.
func harvest() *dashboard.DashboardBuilder {
	const asel = `{offering=~"$offering"}`
	return newDashboard("uptake-harvest", "uptake / Harvest",
		"What to productise next: components several teams use that no offering covers, CI and build files copied across teams, and the repos using an offering's alternative. Candidates and clusters need a harvest section in the config.",
		queryVar("offering", "Offering", "label_values(uptake_offering_alternative_repos, offering)", true)).
		WithRow(row("Candidates to productise")).
		WithPanel(newTable("Top candidates").
			Description("Components used by at least harvest.min_teams teams that no offering covers, the top harvest.top (internal first, then by teams). Interview the teams using one; an internal one's builders first. With shards, teams are the largest shard's count.").
			Targets(targets(
				instant(`max by (kind, component) (uptake_harvest_candidate_teams)`),
				instant(`sum by (kind, component) (uptake_harvest_candidate_repos)`),
			)).
			Transformations(merged(col("A", "Teams"), col("B", "Repos"))).
			SortBy([]cog.Builder[common.TableSortByFieldState]{
				common.NewTableSortByFieldStateBuilder().DisplayName("Teams").Desc(true),
			}).
			Span(14).Height(10)).
		WithPanel(newBarGauge("Teams per candidate").
			Targets(targets(now(`sort_desc(topk(10, max by (kind, component) (uptake_harvest_candidate_teams)))`, "{{component}}"))).
			Min(0).
			DisplayMode(common.BarGaugeDisplayModeGradient).
			Orientation(common.VizOrientationHorizontal).
			Span(10).Height(10)).
		WithRow(row("Copy-paste clusters")).
		WithPanel(newTable("Copied files").
			Description("CI, build and container files copied, identical or nearly (Jaccard >= 0.8 once normalised), across repos of harvest.min_teams teams: work a shared template could take over. The explorer's /harvest page says how each copy differs.").
			Targets(targets(instant(`max by (cluster, path, kind) (uptake_harvest_cluster_info) * on (cluster) group_left () sum by (cluster) (uptake_harvest_cluster_repos)`))).
			Transformations(merged(col("A", "Repos"))).
			SortBy([]cog.Builder[common.TableSortByFieldState]{
				common.NewTableSortByFieldStateBuilder().DisplayName("Repos").Desc(true),
			}).
			Span(24).Height(8)).
		WithRow(row("Alternatives")).
		WithPanel(newTable("Alternatives by team").
			Description("Eligible repos that do not adopt the offering and use one of its alternatives instead: customers telling the platform something.").
			Targets(targets(instant(`sort_desc(sum by (offering, alternative, team) (uptake_offering_alternative_repos` + asel + `))`))).
			Transformations(merged(col("A", "Repos"))).
			SortBy([]cog.Builder[common.TableSortByFieldState]{
				common.NewTableSortByFieldStateBuilder().DisplayName("Repos").Desc(true),
			}).
			Span(12).Height(9)).
		WithPanel(newHistory("Alternative use over time").
			Targets(targets(history("sum by (offering, alternative) ", `uptake_offering_alternative_repos`+asel, "{{offering}} ← {{alternative}}"))).
			Min(0).
			Span(12).Height(9))
}
