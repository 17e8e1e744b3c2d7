// Package dashboards builds uptake's Grafana dashboards with the Grafana
// Foundation SDK. `go generate ./dashboards/...` writes them as the JSON
// files beside this one, which Grafana provisions from disk
// (provisioning/dashboards/uptake.yml); a test fails when they are stale.
//
// Every panel queries the `datasource` variable. Adoption panels read the
// recording rules of deploy/prometheus/uptake-rules.yml, so they are right
// with `uptake serve --shard=i/n` too: ratios are recomputed from sums there.
// History panels recompute the same sums from the exported series, so that
// backfilled history shows (see history).
package dashboards

//go:generate go run ./generator

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/grafana/grafana-foundation-sdk/go/barchart"
	"github.com/grafana/grafana-foundation-sdk/go/bargauge"
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/variants"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/heatmap"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"
	"github.com/grafana/grafana-foundation-sdk/go/stat"
	"github.com/grafana/grafana-foundation-sdk/go/table"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"
)

// File is one dashboard as committed.
type File struct {
	Name string // file name in this directory
	JSON []byte
}

// builders are the dashboards, by file name.
var builders = []struct {
	name  string
	build func() *dashboard.DashboardBuilder
}{
	{"uptake-overview.json", overview},
	{"uptake-offering.json", offering},
	{"uptake-team.json", team},
	{"uptake-exporter.json", exporterHealth},
	{"uptake-harvest.json", harvest},
	{"uptake-campaigns.json", campaigns},
}

// Render builds every dashboard and returns its JSON as committed.
func Render() ([]File, error) {
	files := make([]File, 0, len(builders))
	for _, b := range builders {
		d, err := b.build().Build()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", b.name, err)
		}
		numberPanels(d.Panels)
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(d); err != nil {
			return nil, fmt.Errorf("%s: %w", b.name, err)
		}
		files = append(files, File{Name: b.name, JSON: buf.Bytes()})
	}
	return files, nil
}

// EmptyOnDemo names the panels, as "dashboard uid/panel title", that show no
// data on the demo organisation, and why. docs/operations.md lists them too.
var EmptyOnDemo = map[string]string{
	"uptake-overview/Stalled and at-risk offerings": "adoption alerts need 7 to 30 days of history",
	"uptake-exporter/API requests":                  "the demo's only source is local: no API requests",
	"uptake-exporter/Rate-limit budget left":        "the demo's only source is local: no rate limit",
	// deploy/harvest_integration_test.go checks these against a harvest
	// estate instead.
	"uptake-harvest/Top candidates":            "the demo's catalog has no harvest section",
	"uptake-harvest/Teams per candidate":       "the demo's catalog has no harvest section",
	"uptake-harvest/Copied files":              "the demo's catalog has no harvest section",
	"uptake-harvest/Alternatives by team":      "no demo offering lists alternatives",
	"uptake-harvest/Alternative use over time": "no demo offering lists alternatives",
	"uptake-campaigns/Projected completion":    "a projection needs a falling remaining count: the demo's history is flat",
}

// numberPanels gives panels the unique ids Grafana expects, in layout order.
func numberPanels(panels []dashboard.PanelOrRowPanel) {
	id := uint32(1)
	for _, p := range panels {
		switch {
		case p.Panel != nil:
			p.Panel.Id = cog.ToPtr(id)
		case p.RowPanel != nil:
			p.RowPanel.Id = id
			for i := range p.RowPanel.Panels {
				id++
				p.RowPanel.Panels[i].Id = cog.ToPtr(id)
			}
		}
		id++
	}
}

// datasource is what every panel and variable queries.
var datasource = common.DataSourceRef{Type: cog.ToPtr("prometheus"), Uid: cog.ToPtr("${datasource}")}

// newDashboard starts a dashboard with the settings and variables all share.
func newDashboard(uid, title, description string, vars ...cog.Builder[dashboard.VariableModel]) *dashboard.DashboardBuilder {
	b := dashboard.NewDashboardBuilder(title).
		Uid(uid).
		Description(description).
		Tags([]string{"uptake"}).
		Editable().
		Tooltip(dashboard.DashboardCursorSyncCrosshair).
		Time("now-30d", "now").
		Refresh("5m").
		Timezone(common.TimeZoneBrowser).
		Link(dashboard.NewDashboardLinkBuilder("uptake").
			Type(dashboard.DashboardLinkTypeDashboards).
			Tags([]string{"uptake"}).
			AsDropdown(true).
			IncludeVars(true).
			KeepTime(true)).
		WithVariable(dashboard.NewDatasourceVariableBuilder("datasource").
			Label("Data source").
			Type("prometheus"))
	for _, v := range vars {
		b.WithVariable(v)
	}
	return b
}

// queryVar is a variable listing a label's values. Multi-valued variables
// get an "All" of ".*" (they are always used with =~).
func queryVar(name, label, query string, multi bool) *dashboard.QueryVariableBuilder {
	v := dashboard.NewQueryVariableBuilder(name).
		Label(label).
		Datasource(datasource).
		Query(dashboard.StringOrMap{String: cog.ToPtr(query)}).
		Definition(query).
		Refresh(dashboard.VariableRefreshOnTimeRangeChanged).
		Sort(dashboard.VariableSortAlphabeticalAsc)
	if multi {
		v.Multi(true).IncludeAll(true).AllValue(".*")
	}
	return v
}

var (
	offeringsQuery = "label_values(uptake_offering_info, offering)"
	teamsQuery     = "label_values(uptake_team_repos, team)"
)

// series is a range query drawn over time.
func series(expr, legend string) *prometheus.DataqueryBuilder {
	return prometheus.NewDataqueryBuilder().Datasource(datasource).Expr(expr).LegendFormat(legend).Range()
}

// history is a range query over exported series that may be backfilled:
// `uptake backfill` writes one sample per step (a day, a week), far sparser
// than the 5m lookback of a plain selector, which would show a point only
// where a step of the graph falls within 5m after one. last_over_time over
// the graph's own step catches each sample once, backfilled or scraped, at
// the cost of a plain range query. agg ("sum by (team) ") is applied to it.
// History panels read the exported series, not the recording rules, whose
// past exists only where they were evaluated or backfilled.
func history(agg, selector, legend string) *prometheus.DataqueryBuilder {
	return series(historyExpr(agg, selector), legend)
}

func historyExpr(agg, selector string) string {
	return agg + "(last_over_time(" + selector + "[$__interval]))"
}

// historyRatio is adopted / eligible repos by the labels of by ("offering",
// "team"), recomputed from the sums as the recording rules do; absent where
// nothing is eligible.
func historyRatio(by, selector, legend string) *prometheus.DataqueryBuilder {
	agg := "sum by (" + by + ") "
	return series(historyExpr(agg, "uptake_offering_adopted_repos"+selector)+
		" / ("+historyExpr(agg, "uptake_offering_eligible_repos"+selector)+" > 0)", legend)
}

// historyGap is the longest gap a history panel draws a line across: a
// week's backfill step and then some, so that weekly points are one line
// while a longer outage still shows.
const historyGap = 8 * 24 * 60 * 60 * 1000 // ms

// instant is a query for the current value, as a table.
func instant(expr string) *prometheus.DataqueryBuilder {
	return prometheus.NewDataqueryBuilder().Datasource(datasource).Expr(expr).Instant().Format(prometheus.PromQueryFormatTable)
}

// now is a query for the current value, one field per series.
func now(expr, legend string) *prometheus.DataqueryBuilder {
	return prometheus.NewDataqueryBuilder().Datasource(datasource).Expr(expr).LegendFormat(legend).Instant()
}

// targets names queries A, B, C... in order; tables merge them by those names.
func targets(qs ...*prometheus.DataqueryBuilder) []cog.Builder[variants.Dataquery] {
	out := make([]cog.Builder[variants.Dataquery], len(qs))
	for i, q := range qs {
		out[i] = q.RefId(string(rune('A' + i)))
	}
	return out
}

// The panel constructors set what every panel of a kind shares: its title,
// the datasource variable, and for single values the last non-null value.
func newStat(title string) *stat.PanelBuilder {
	return stat.NewPanelBuilder().Title(title).Datasource(datasource).ReduceOptions(last())
}

func newBarGauge(title string) *bargauge.PanelBuilder {
	return bargauge.NewPanelBuilder().Title(title).Datasource(datasource).ReduceOptions(last())
}

// newTable sets the footer the table builder leaves out: Grafana's schema
// requires its reducer list.
func newTable(title string) *table.PanelBuilder {
	return table.NewPanelBuilder().Title(title).Datasource(datasource).
		Footer(common.NewTableFooterOptionsBuilder().Show(false).Reducer([]string{}))
}

func newTimeseries(title string) *timeseries.PanelBuilder {
	return timeseries.NewPanelBuilder().Title(title).Datasource(datasource)
}

// newHistory is a time series of history queries: lines span the gaps
// between backfilled points.
func newHistory(title string) *timeseries.PanelBuilder {
	return newTimeseries(title).SpanNulls(common.BoolOrFloat64{Float64: cog.ToPtr(float64(historyGap))})
}

func newBarChart(title string) *barchart.PanelBuilder {
	return barchart.NewPanelBuilder().Title(title).Datasource(datasource)
}

// newHeatmap draws series as rows of cells. Grafana's default hides cells
// with values up to 1e-9; a ratio of 0 is data, so nothing is hidden.
func newHeatmap(title string) *heatmap.PanelBuilder {
	return heatmap.NewPanelBuilder().Title(title).Datasource(datasource).
		Calculate(false).
		FilterValues(heatmap.NewFilterValueRangeBuilder()).
		Tooltip(heatmap.NewHeatmapTooltipBuilder().Mode(common.TooltipDisplayModeSingle).YHistogram(false))
}

func last() *common.ReduceDataOptionsBuilder {
	return common.NewReduceDataOptionsBuilder().Calcs([]string{"lastNotNull"})
}

// ratioThresholds colour an adoption ratio.
func ratioThresholds() *dashboard.ThresholdsConfigBuilder {
	return dashboard.NewThresholdsConfigBuilder().
		Mode(dashboard.ThresholdsModeAbsolute).
		Steps([]dashboard.Threshold{
			{Color: "red"},
			{Value: cog.ToPtr(0.5), Color: "orange"},
			{Value: cog.ToPtr(0.8), Color: "green"},
		})
}

// countThresholds are neutral until a count is above zero.
func countThresholds(color string) *dashboard.ThresholdsConfigBuilder {
	return dashboard.NewThresholdsConfigBuilder().
		Mode(dashboard.ThresholdsModeAbsolute).
		Steps([]dashboard.Threshold{
			{Color: "green"},
			{Value: cog.ToPtr(1.0), Color: color},
		})
}

// merged merges instant queries into one row per label set, the label
// columns first and then the values in query order, and names the value
// columns. Grafana calls a value column "Value #A" after its query, or just
// "Value" when the table has one query.
func merged(columns ...column) []dashboard.DataTransformerConfig {
	rename := map[string]string{}
	for _, c := range columns {
		name := "Value #" + c.refID
		if len(columns) == 1 {
			name = "Value"
		}
		rename[name] = c.title
	}
	return []dashboard.DataTransformerConfig{
		{Id: "merge", Options: map[string]any{}},
		{Id: "organize", Options: map[string]any{
			"excludeByName": map[string]bool{"Time": true},
			"renameByName":  rename,
		}},
	}
}

// column is the value of query refID, shown as title.
type column struct{ refID, title string }

func col(refID, title string) column { return column{refID, title} }

// unit sets a field's unit in an override.
func unit(u string) []dashboard.DynamicConfigValue {
	return []dashboard.DynamicConfigValue{{Id: "unit", Value: u}}
}

// dashed draws matching series as dashed lines.
func dashed() []dashboard.DynamicConfigValue {
	return []dashboard.DynamicConfigValue{{Id: "custom.lineStyle", Value: map[string]any{"fill": "dash", "dash": []int{10, 10}}}}
}

// row starts a section of a dashboard.
func row(title string) *dashboard.RowBuilder { return dashboard.NewRowBuilder(title) }
