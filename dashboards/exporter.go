package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// exporterHealth is uptake itself: scans, errors, cache and API budget.
func exporterHealth() *dashboard.DashboardBuilder {
	const sel = `{source=~"$source"}`
	return newDashboard("uptake-exporter", "uptake / Exporter health",
		"Is uptake scanning: scan duration and age, errors, cache hits, API requests and rate-limit budget, per source and shard.",
		queryVar("source", "Source", "label_values(uptake_scan_repos, source)", true)).
		WithRow(row("Status")).
		WithPanel(newStat("Targets up").
			Description("uptake targets Prometheus scrapes successfully (job=\"uptake\"), of all.").
			Targets(targets(
				now(`sum(up{job="uptake"})`, "up"),
				now(`count(up{job="uptake"})`, "targets"),
			)).
			TextMode(common.BigValueTextModeValueAndName).
			GraphMode(common.BigValueGraphModeNone).
			Span(5).Height(4)).
		WithPanel(newStat("Oldest successful scan").
			Description("Age of the least recent successful scan of a source. UptakeScanFailing fires past 3 scan intervals.").
			Targets(targets(now(`max(time() - uptake_scan_last_success_timestamp_seconds`+sel+`)`, "age"))).
			Unit("s").
			Thresholds(dashboard.NewThresholdsConfigBuilder().
				Mode(dashboard.ThresholdsModeAbsolute).
				Steps([]dashboard.Threshold{{Color: "green"}, {Value: cog.ToPtr(7200.0), Color: "orange"}, {Value: cog.ToPtr(10800.0), Color: "red"}})).
			ColorMode(common.BigValueColorModeBackground).
			GraphMode(common.BigValueGraphModeNone).
			Span(5).Height(4)).
		WithPanel(newStat("Scan interval").
			Targets(targets(now(`max(uptake_scan_interval_seconds)`, "interval"))).
			Unit("s").
			GraphMode(common.BigValueGraphModeNone).
			Span(4).Height(4)).
		WithPanel(newStat("Last config reload").
			Description("Whether every instance's last config load or reload succeeded; a rejected reload keeps the old config.").
			Targets(targets(now(`min(uptake_config_last_reload_successful)`, "reload"))).
			Mappings([]dashboard.ValueMapping{{ValueMap: &dashboard.ValueMap{
				Type: dashboard.MappingTypeValueToText,
				Options: map[string]dashboard.ValueMappingResult{
					"0": {Text: cog.ToPtr("rejected"), Color: cog.ToPtr("red")},
					"1": {Text: cog.ToPtr("ok"), Color: cog.ToPtr("green")},
				},
			}}}).
			ColorMode(common.BigValueColorModeBackground).
			GraphMode(common.BigValueGraphModeNone).
			Span(5).Height(4)).
		WithPanel(newStat("Version").
			Targets(targets(now(`count by (version, revision) (uptake_build_info)`, "{{version}} ({{revision}})"))).
			TextMode(common.BigValueTextModeName).
			GraphMode(common.BigValueGraphModeNone).
			Span(5).Height(4)).
		WithRow(row("Scans")).
		WithPanel(newTimeseries("Scan duration").
			Targets(targets(series(`uptake_scan_duration_seconds`+sel, "{{source}} {{instance}}"))).
			Unit("s").Min(0).
			Span(12).Height(8)).
		WithPanel(newTimeseries("Time since last successful scan").
			Description("Dashed: 3 scan intervals, where UptakeScanFailing starts.").
			Targets(targets(
				series(`time() - uptake_scan_last_success_timestamp_seconds`+sel, "{{source}} {{instance}}"),
				series(`3 * max(uptake_scan_interval_seconds)`, "3 intervals"),
			)).
			Unit("s").Min(0).
			OverrideByName("3 intervals", dashed()).
			Span(12).Height(8)).
		WithPanel(newTimeseries("Repos and errors").
			Description("Repos in the last scan, repos that could not be read (their last good data is kept), and files skipped.").
			Targets(targets(
				series(`sum by (source) (uptake_scan_repos`+sel+`)`, "{{source}} repos"),
				series(`sum by (source) (uptake_scan_repo_errors`+sel+`)`, "{{source}} repo errors"),
				series(`sum by (source) (uptake_scan_file_errors`+sel+`)`, "{{source}} file errors"),
			)).
			Min(0).
			Span(12).Height(8)).
		WithPanel(newTimeseries("Cache hits").
			Description("Share of the last scan's repos served from the scan cache: unchanged HEAD and rule set, nothing read.").
			Targets(targets(series(`sum by (source) (uptake_scan_cached_repos`+sel+`) / (sum by (source) (uptake_scan_repos`+sel+`) > 0)`, "{{source}}"))).
			Unit("percentunit").Min(0).Max(1).
			Span(12).Height(8)).
		WithRow(row("Remote APIs")).
		WithPanel(newTimeseries("API requests").
			Description("Requests to GitHub and GitLab APIs by response code; local sources make none.").
			Targets(targets(series(`sum by (source, code) (rate(uptake_source_requests_total`+sel+`[$__rate_interval]))`, "{{source}} {{code}}"))).
			Unit("reqps").Min(0).
			Span(12).Height(8)).
		WithPanel(newTimeseries("Rate-limit budget left").
			Description("Remaining / limit of each remote source's API rate limits, by budget (GitHub: core for REST, graphql); UptakeRateLimitLow fires under 10%.").
			Targets(targets(series(`min by (source, resource) (uptake_source_rate_limit_remaining`+sel+` / uptake_source_rate_limit_limit`+sel+`)`, "{{source}} {{resource}}"))).
			Unit("percentunit").Min(0).Max(1).
			Span(12).Height(8))
}
