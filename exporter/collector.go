// Package exporter publishes the current Snapshot as Prometheus metrics and
// serves the web endpoints. It knows nothing of sources or detectors.
package exporter

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/uptake-dev/uptake/collector/snapshot"
)

const fromScan = " From the last completed scan."

// fromScanUnits is fromScan for the families that count repos, which in
// project mode count units: dashboards and rules read them alike.
const fromScanUnits = " From the last completed scan; with scan.units: project each repo is a project unit (repo//dir)."

var (
	teamReposDesc = prometheus.NewDesc("uptake_team_repos",
		"Repos attributed to the team."+fromScanUnits, []string{"team"}, nil)
	attributionDesc = prometheus.NewDesc("uptake_team_attribution_repos",
		"Repos by the attribution source that gave their team (via: an entry of teams.from, or default when none did)."+fromScan, []string{"via"}, nil)
	placeholderDesc = prometheus.NewDesc("uptake_team_attribution_placeholder_repos",
		"Repos for which the attribution source named a team that is not among teams.known, so attribution went on past it."+fromScan, []string{"via"}, nil)
	adoptedDesc = prometheus.NewDesc("uptake_offering_adopted_repos",
		"Repos of the team that adopt the offering."+fromScanUnits, []string{"offering", "team"}, nil)
	eligibleDesc = prometheus.NewDesc("uptake_offering_eligible_repos",
		"Repos of the team that count in the offering's adoption denominator: eligible and not waived, or adopting."+fromScanUnits, []string{"offering", "team"}, nil)
	waivedDesc = prometheus.NewDesc("uptake_offering_waived_repos",
		"Repos of the team that do not adopt the offering and are excused by a waiver in force; they are not counted in eligible."+fromScanUnits, []string{"offering", "team"}, nil)
	ratioDesc = prometheus.NewDesc("uptake_offering_adoption_ratio",
		"Adopted repos divided by eligible repos (0-1); absent when the team has no eligible repo."+fromScan, []string{"offering", "team"}, nil)
	offeringInfoDesc = prometheus.NewDesc("uptake_offering_info",
		"Offering metadata from the catalog; latest is the resolved latest version (empty when unset). Always 1.", []string{"offering", "owner", "lifecycle", "latest"}, nil)
	outdatedDesc = prometheus.NewDesc("uptake_offering_outdated_repos",
		"Adopting repos of the team on a version below the offering's latest."+fromScanUnits, []string{"offering", "team"}, nil)
	outdatedMajorDesc = prometheus.NewDesc("uptake_offering_outdated_major_repos",
		"Adopting repos of the team one or more major versions behind the offering's latest."+fromScanUnits, []string{"offering", "team"}, nil)
	unknownVersionDesc = prometheus.NewDesc("uptake_offering_unknown_version_repos",
		"Adopting repos of the team whose version is unknown (branch, SHA, variable); never counted as outdated."+fromScanUnits, []string{"offering", "team"}, nil)
	versionReposDesc = prometheus.NewDesc("uptake_offering_version_repos",
		"Adopting repos per version of the offering: the newest versions by name, older ones as version=\"other\", unknown ones as version=\"unknown\"."+fromScanUnits, []string{"offering", "version"}, nil)
	targetRatioDesc = prometheus.NewDesc("uptake_offering_target_ratio",
		"The offering's adoption target ratio (0-1).", []string{"offering"}, nil)
	targetDeadlineDesc = prometheus.NewDesc("uptake_offering_target_deadline_timestamp_seconds",
		"When the offering's adoption target is due (00:00 UTC of the date), as a Unix timestamp.", []string{"offering"}, nil)
	hoursSavedDesc = prometheus.NewDesc("uptake_offering_hours_saved_per_month",
		"Estimated hours saved per month by the team's adoption: adopted repos x hours per repo, plus hours per team when at least one repo adopts."+fromScan, []string{"offering", "team"}, nil)
	valueDesc = prometheus.NewDesc("uptake_offering_value_per_month",
		"Estimated value per month of the team's adoption: hours saved x hourly rate, in the currency of uptake_roi_info."+fromScan, []string{"offering", "team"}, nil)
	onboardingDesc = prometheus.NewDesc("uptake_offering_onboarding_hours_remaining",
		"Estimated hours to onboard the team's eligible repos that do not adopt yet."+fromScan, []string{"offering", "team"}, nil)
	costDesc = prometheus.NewDesc("uptake_offering_cost_per_month",
		"The offering's full monthly cost (run cost plus the platform team's time), in the currency of uptake_roi_info.", []string{"offering"}, nil)
	roiRatioDesc = prometheus.NewDesc("uptake_offering_roi_ratio",
		"(Summed value per month - cost per month) / cost per month; absent when the cost is 0."+fromScan, []string{"offering"}, nil)
	roiInfoDesc = prometheus.NewDesc("uptake_roi_info",
		"The currency ROI values are in. Always 1.", []string{"currency"}, nil)

	scanDurationDesc = prometheus.NewDesc("uptake_scan_duration_seconds",
		"How long the source's last scan took, in seconds.", []string{"source"}, nil)
	scanLastSuccessDesc = prometheus.NewDesc("uptake_scan_last_success_timestamp_seconds",
		"When the source last completed a scan (its repos listed), as a Unix timestamp in seconds; 0 before the first.", []string{"source"}, nil)
	scanUnitsDesc = prometheus.NewDesc("uptake_scan_units",
		"Units the source's repos count as: its counted repos, or with scan.units: project their project units (repo//dir), which every per-repo family then counts."+fromScan, []string{"source"}, nil)
	scanReposDesc = prometheus.NewDesc("uptake_scan_repos",
		"Repos of the source in the last scan, last good data of failed repos included.", []string{"source"}, nil)
	scanRepoErrorsDesc = prometheus.NewDesc("uptake_scan_repo_errors",
		"Repos of the source that could not be read in the last scan (their last good data, if any, is kept).", []string{"source"}, nil)
	scanFileErrorsDesc = prometheus.NewDesc("uptake_scan_file_errors",
		"Files skipped in the source's repos because they could not be parsed or read (malformed, binary, over the size limit).", []string{"source"}, nil)
	scanDetectorFileErrorsDesc = prometheus.NewDesc("uptake_scan_detector_file_errors",
		"Files skipped in the source's repos, by the detector or built-in reader (codeowners, backstage) that could not read or parse them; they sum to uptake_scan_file_errors.", []string{"source", "detector"}, nil)
	scanCachedDesc = prometheus.NewDesc("uptake_scan_cached_repos",
		"Repos of the source served from the scan cache in the last scan: unchanged HEAD and rule set, no file read.", []string{"source"}, nil)
	scanStaleReposDesc = prometheus.NewDesc("uptake_scan_stale_repos",
		"Repos of the source counted from the data of an earlier scan, because the last scan could not read them or list the source.", []string{"source"}, nil)
	scanDeferredReposDesc = prometheus.NewDesc("uptake_scan_deferred_repos",
		"Repos of the source the last scan left for the next one, the host's rate budget not covering them before its reset; counted from earlier data (stale) when they have any, and read first next scan.", []string{"source"}, nil)
	scanOldestResultDesc = prometheus.NewDesc("uptake_scan_oldest_result_timestamp_seconds",
		"The oldest time a scan read or confirmed (HEAD unchanged) the data of one of the source's counted repos, as a Unix timestamp in seconds; absent when the source has none.", []string{"source"}, nil)
	eventsTotalDesc = prometheus.NewDesc("uptake_offering_adoption_events_total",
		"Adoption events of the offering in the team's repos since the store began, by event: adopted, dropped, upgraded, downgraded, moved (to this team), removed. Read from the store, so it survives restarts; events pruned past history.retention stay counted.", []string{"offering", "team", "event"}, nil)
	firstAdoptedDesc = prometheus.NewDesc("uptake_offering_first_adopted_timestamp_seconds",
		"The earliest time the store knows a repo adopted the offering (its first adopted event, or the first scan that found it adopted), as a Unix timestamp in seconds.", []string{"offering"}, nil)

	scanIntervalDesc = prometheus.NewDesc("uptake_scan_interval_seconds",
		"The configured interval between scan starts, in seconds.", nil, nil)
)

// LintExceptions are the linter findings uptake accepts on purpose. The ROI
// gauges count person-hours of engineering effort, a budget unit that
// readers reason in; the issue contract names them so, and "64800 seconds
// saved per month" would serve no one. Every other finding is a defect.
var LintExceptions = map[string]string{
	"uptake_offering_hours_saved_per_month":      `use base unit "seconds" instead of "hours"`,
	"uptake_offering_onboarding_hours_remaining": `use base unit "seconds" instead of "hours"`,
}

var allDescs = append([]*prometheus.Desc{
	teamReposDesc, attributionDesc, placeholderDesc, adoptedDesc, eligibleDesc, waivedDesc, ratioDesc, offeringInfoDesc,
	outdatedDesc, outdatedMajorDesc, unknownVersionDesc, versionReposDesc,
	targetRatioDesc, targetDeadlineDesc, hoursSavedDesc, valueDesc, onboardingDesc, costDesc, roiRatioDesc, roiInfoDesc,
	scanDurationDesc, scanLastSuccessDesc, scanReposDesc, scanUnitsDesc, scanRepoErrorsDesc, scanFileErrorsDesc, scanDetectorFileErrorsDesc, scanCachedDesc,
	scanStaleReposDesc, scanDeferredReposDesc, scanOldestResultDesc,
	eventsTotalDesc, firstAdoptedDesc,
	scanIntervalDesc,
}, campaignDescs...)

// Collector emits const metrics from the current snapshot: a scrape costs
// the series it emits, never a scan.
type Collector struct {
	snapshot     func() *snapshot.Snapshot
	scanInterval time.Duration
}

// NewCollector returns a collector over the snapshot get returns (nil
// before the first scan completes). scanInterval 0 leaves out the interval gauge.
func NewCollector(get func() *snapshot.Snapshot, scanInterval time.Duration) *Collector {
	return &Collector{snapshot: get, scanInterval: scanInterval}
}

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range allDescs {
		ch <- d
	}
}

func gauge(ch chan<- prometheus.Metric, d *prometheus.Desc, v float64, labels ...string) {
	ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
}

// collectHistory emits the store's event totals and first adoptions for
// the catalog's offerings: an offering removed from the catalog leaves
// /metrics, its events stay in the store. A total exists from its first
// event on; a zero for every offering × team × event would be six series
// per cell that are almost all zero.
func collectHistory(ch chan<- prometheus.Metric, s *snapshot.Snapshot, offerings map[string]snapshot.OfferingReport) {
	h := s.History
	if h == nil {
		return
	}
	for _, t := range h.Totals {
		if _, ok := offerings[t.Offering]; ok {
			ch <- prometheus.MustNewConstMetric(eventsTotalDesc, prometheus.CounterValue, float64(t.Count), t.Offering, t.Team, string(t.Event))
		}
	}
	for o, at := range h.FirstAdopted {
		if _, ok := offerings[o]; ok {
			gauge(ch, firstAdoptedDesc, float64(at.UnixNano())/1e9, o)
		}
	}
}

// Collect implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	if c.scanInterval > 0 {
		gauge(ch, scanIntervalDesc, c.scanInterval.Seconds())
	}
	s := c.snapshot()
	if s == nil {
		return
	}
	for _, t := range s.Teams {
		gauge(ch, teamReposDesc, float64(t.Repos), t.Name)
	}
	for _, a := range s.Attribution {
		gauge(ch, attributionDesc, float64(a.Repos), a.Via)
		if a.Via != snapshot.ViaDefault {
			gauge(ch, placeholderDesc, float64(a.Placeholders), a.Via)
		}
	}
	offerings := map[string]snapshot.OfferingReport{}
	for _, o := range s.Offerings {
		offerings[o.Name] = o
		gauge(ch, offeringInfoDesc, 1, o.Name, o.Owner, o.Lifecycle, o.Latest)
		for _, v := range o.Versions {
			gauge(ch, versionReposDesc, float64(v.Repos), o.Name, v.Version)
		}
		if t := o.Target; t != nil {
			gauge(ch, targetRatioDesc, t.Ratio, o.Name)
			gauge(ch, targetDeadlineDesc, float64(t.Deadline.Unix()), o.Name)
		}
		if r := o.ROI; r != nil {
			gauge(ch, costDesc, r.CostPerMonth, o.Name)
			if r.Ratio != nil {
				gauge(ch, roiRatioDesc, *r.Ratio, o.Name)
			}
		}
	}
	if s.ROI {
		gauge(ch, roiInfoDesc, 1, s.Currency)
	}
	collectHistory(ch, s, offerings)
	collectHarvest(ch, s)
	collectCampaigns(ch, s)
	for _, cell := range s.Summary {
		l := []string{cell.Offering, cell.Team}
		gauge(ch, adoptedDesc, float64(cell.Adopted), l...)
		gauge(ch, eligibleDesc, float64(cell.Total), l...)
		gauge(ch, waivedDesc, float64(cell.Waived), l...)
		if cell.Ratio != nil {
			gauge(ch, ratioDesc, *cell.Ratio, l...)
		}
		o := offerings[cell.Offering]
		if o.Latest != "" {
			gauge(ch, outdatedDesc, float64(cell.Outdated), l...)
			gauge(ch, outdatedMajorDesc, float64(cell.OutdatedMajor), l...)
			gauge(ch, unknownVersionDesc, float64(cell.UnknownVersion), l...)
		}
		if o.ROI != nil {
			gauge(ch, hoursSavedDesc, cell.HoursSaved, l...)
			gauge(ch, valueDesc, cell.Value, l...)
			gauge(ch, onboardingDesc, cell.OnboardingRemaining, l...)
		}
	}
	fileErrors := map[string]int{}
	for _, r := range s.Repos {
		fileErrors[r.Source] += r.FileErrors
	}
	for _, src := range s.Sources {
		gauge(ch, scanDurationDesc, src.Duration.Seconds(), src.Name)
		last := 0.0
		if !src.LastSuccess.IsZero() {
			last = float64(src.LastSuccess.UnixNano()) / 1e9
		}
		gauge(ch, scanLastSuccessDesc, last, src.Name)
		gauge(ch, scanReposDesc, float64(src.Repos), src.Name)
		gauge(ch, scanUnitsDesc, float64(src.Units), src.Name)
		gauge(ch, scanRepoErrorsDesc, float64(src.RepoErrors), src.Name)
		gauge(ch, scanFileErrorsDesc, float64(fileErrors[src.Name]), src.Name)
		gauge(ch, scanCachedDesc, float64(src.Cached), src.Name)
		gauge(ch, scanStaleReposDesc, float64(src.StaleRepos), src.Name)
		gauge(ch, scanDeferredReposDesc, float64(src.DeferredRepos), src.Name)
		if !src.OldestResult.IsZero() {
			gauge(ch, scanOldestResultDesc, float64(src.OldestResult.UnixNano())/1e9, src.Name)
		}
		for detector, n := range src.DetectorFileErrors {
			gauge(ch, scanDetectorFileErrorsDesc, float64(n), src.Name, detector)
		}
	}
}
