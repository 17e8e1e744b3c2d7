package exporter

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/uptake-dev/uptake/collector/detect"
	"github.com/uptake-dev/uptake/collector/evaluate"
	"github.com/uptake-dev/uptake/collector/inventory"
	"github.com/uptake-dev/uptake/collector/match"
	"github.com/uptake-dev/uptake/collector/snapshot"
	"github.com/uptake-dev/uptake/collector/source"
	"github.com/uptake-dev/uptake/config"
)

const semanticsConfig = `
sources:
  - {name: s, type: local, path: /x}
teams:
  from: [map]
  map:
    payments: ["pay-*", "legacy-pay"]
    search: ["search-*", "old-search"]
roi: {hourly_rate: 100, currency: EUR}
offerings:
  - name: service-kit
    owner: platform-runtime
    lifecycle: ga
    latest: v1.4.0
    detect:
      - {kind: gomod, module: github.com/acme/service-kit}
    eligible: {languages: [go]}
    waivers:
      - {repo: "legacy-*", reason: sunset in Q3, expires: "2099-12-31"}
      - {repo: "old-*", reason: expired, expires: "2020-01-01"}
      - {repo: pay-waived-adopter, reason: adopts anyway, expires: "2099-12-31"}
    target: {ratio: 0.8, by: "2027-06-30"}
    roi:
      hours_saved_per_repo_month: 4
      hours_saved_per_team_month: 10
      cost_per_month: 2000
      onboarding_hours_per_repo: 8
  - name: docs-site
    owner: platform-docs
    lifecycle: beta
    detect:
      - {kind: file, path: docs/site.yaml}
    eligible: {paths: [mkdocs.yml]}
`

func kit(v string) detect.Component {
	return detect.Component{Kind: "gomod", Name: "github.com/acme/service-kit", Version: v, Path: "go.mod", Line: 3}
}

// semanticsSnapshot is a hand-made org whose figures are computed by hand
// in TestSemanticsMetrics.
func semanticsSnapshot(t *testing.T) *snapshot.Snapshot {
	t.Helper()
	cfg, err := config.Parse("test.yml", []byte(semanticsConfig))
	if err != nil {
		t.Fatal(err)
	}
	cat, err := match.Compile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var mkdocs detect.Component
	for _, p := range cat.Probes() {
		if p.Patterns()[0] == "mkdocs.yml" {
			mkdocs = p.Scan("mkdocs.yml", nil)[0]
		}
	}
	goRepo := func(name string, comps ...detect.Component) evaluate.RepoScan {
		return evaluate.RepoScan{Repo: source.Repo{Source: "s", Name: name}, Head: "h",
			Inventory: inventory.Inventory{Languages: []string{"go"}, Components: comps}}
	}
	res := &evaluate.Result{Time: time.Unix(1700000000, 0), Repos: []evaluate.RepoScan{
		goRepo("pay-a", kit("v1.2.0")),
		goRepo("pay-b"),
		goRepo("pay-waived-adopter", kit("v1.4.0")),
		goRepo("legacy-pay"),
		{Repo: source.Repo{Source: "s", Name: "pay-js"}, Inventory: inventory.Inventory{Languages: []string{"node"}}},
		goRepo("search-a", mkdocs),
		goRepo("old-search"),
	}, Sources: []snapshot.SourceScan{{Name: "s", OK: true, Repos: 7, Cached: 2, RepoErrors: 1,
		Duration: 1500 * time.Millisecond, LastSuccess: time.Unix(1700000000, 0)}}}
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	return evaluate.Build(cfg, cat, res, now, nil)
}

func TestSemanticsMetrics(t *testing.T) {
	snap := semanticsSnapshot(t)
	c := NewCollector(func() *snapshot.Snapshot { return snap }, time.Hour)
	// payments: pay-a (v1.2.0) and pay-waived-adopter (v1.4.0, waived but
	// adopting) adopt; pay-b is eligible; legacy-pay is waived; pay-js has no
	// Go, so is not eligible. search: search-a and old-search (its waiver
	// expired) are eligible, neither adopts.
	// hours(payments) = 2 x 4 + 10 = 18, value = 18 x 100 = 1800,
	// onboarding(payments) = (3 - 2) x 8 = 8, onboarding(search) = 2 x 8 = 16,
	// roi = (1800 - 2000) / 2000 = -0.1.
	// docs-site is eligible only where mkdocs.yml exists: search-a alone, so
	// payments has no eligible repo and no ratio.
	want := `
# HELP uptake_offering_adopted_repos Repos of the team that adopt the offering. From the last completed scan; with scan.units: project each repo is a project unit (repo//dir).
# TYPE uptake_offering_adopted_repos gauge
uptake_offering_adopted_repos{offering="docs-site",team="payments"} 0
uptake_offering_adopted_repos{offering="docs-site",team="search"} 0
uptake_offering_adopted_repos{offering="service-kit",team="payments"} 2
uptake_offering_adopted_repos{offering="service-kit",team="search"} 0
# HELP uptake_offering_adoption_ratio Adopted repos divided by eligible repos (0-1); absent when the team has no eligible repo. From the last completed scan.
# TYPE uptake_offering_adoption_ratio gauge
uptake_offering_adoption_ratio{offering="docs-site",team="search"} 0
uptake_offering_adoption_ratio{offering="service-kit",team="payments"} 0.6666666666666666
uptake_offering_adoption_ratio{offering="service-kit",team="search"} 0
# HELP uptake_offering_cost_per_month The offering's full monthly cost (run cost plus the platform team's time), in the currency of uptake_roi_info.
# TYPE uptake_offering_cost_per_month gauge
uptake_offering_cost_per_month{offering="service-kit"} 2000
# HELP uptake_offering_eligible_repos Repos of the team that count in the offering's adoption denominator: eligible and not waived, or adopting. From the last completed scan; with scan.units: project each repo is a project unit (repo//dir).
# TYPE uptake_offering_eligible_repos gauge
uptake_offering_eligible_repos{offering="docs-site",team="payments"} 0
uptake_offering_eligible_repos{offering="docs-site",team="search"} 1
uptake_offering_eligible_repos{offering="service-kit",team="payments"} 3
uptake_offering_eligible_repos{offering="service-kit",team="search"} 2
# HELP uptake_offering_hours_saved_per_month Estimated hours saved per month by the team's adoption: adopted repos x hours per repo, plus hours per team when at least one repo adopts. From the last completed scan.
# TYPE uptake_offering_hours_saved_per_month gauge
uptake_offering_hours_saved_per_month{offering="service-kit",team="payments"} 18
uptake_offering_hours_saved_per_month{offering="service-kit",team="search"} 0
# HELP uptake_offering_onboarding_hours_remaining Estimated hours to onboard the team's eligible repos that do not adopt yet. From the last completed scan.
# TYPE uptake_offering_onboarding_hours_remaining gauge
uptake_offering_onboarding_hours_remaining{offering="service-kit",team="payments"} 8
uptake_offering_onboarding_hours_remaining{offering="service-kit",team="search"} 16
# HELP uptake_offering_outdated_repos Adopting repos of the team on a version below the offering's latest. From the last completed scan; with scan.units: project each repo is a project unit (repo//dir).
# TYPE uptake_offering_outdated_repos gauge
uptake_offering_outdated_repos{offering="service-kit",team="payments"} 1
uptake_offering_outdated_repos{offering="service-kit",team="search"} 0
# HELP uptake_offering_roi_ratio (Summed value per month - cost per month) / cost per month; absent when the cost is 0. From the last completed scan.
# TYPE uptake_offering_roi_ratio gauge
uptake_offering_roi_ratio{offering="service-kit"} -0.1
# HELP uptake_offering_target_deadline_timestamp_seconds When the offering's adoption target is due (00:00 UTC of the date), as a Unix timestamp.
# TYPE uptake_offering_target_deadline_timestamp_seconds gauge
uptake_offering_target_deadline_timestamp_seconds{offering="service-kit"} 1.8143136e+09
# HELP uptake_offering_target_ratio The offering's adoption target ratio (0-1).
# TYPE uptake_offering_target_ratio gauge
uptake_offering_target_ratio{offering="service-kit"} 0.8
# HELP uptake_offering_value_per_month Estimated value per month of the team's adoption: hours saved x hourly rate, in the currency of uptake_roi_info. From the last completed scan.
# TYPE uptake_offering_value_per_month gauge
uptake_offering_value_per_month{offering="service-kit",team="payments"} 1800
uptake_offering_value_per_month{offering="service-kit",team="search"} 0
# HELP uptake_offering_version_repos Adopting repos per version of the offering: the newest versions by name, older ones as version="other", unknown ones as version="unknown". From the last completed scan; with scan.units: project each repo is a project unit (repo//dir).
# TYPE uptake_offering_version_repos gauge
uptake_offering_version_repos{offering="service-kit",version="v1.2.0"} 1
uptake_offering_version_repos{offering="service-kit",version="v1.4.0"} 1
# HELP uptake_offering_waived_repos Repos of the team that do not adopt the offering and are excused by a waiver in force; they are not counted in eligible. From the last completed scan; with scan.units: project each repo is a project unit (repo//dir).
# TYPE uptake_offering_waived_repos gauge
uptake_offering_waived_repos{offering="docs-site",team="payments"} 0
uptake_offering_waived_repos{offering="docs-site",team="search"} 0
uptake_offering_waived_repos{offering="service-kit",team="payments"} 1
uptake_offering_waived_repos{offering="service-kit",team="search"} 0
# HELP uptake_roi_info The currency ROI values are in. Always 1.
# TYPE uptake_roi_info gauge
uptake_roi_info{currency="EUR"} 1
# HELP uptake_team_repos Repos attributed to the team. From the last completed scan; with scan.units: project each repo is a project unit (repo//dir).
# TYPE uptake_team_repos gauge
uptake_team_repos{team="payments"} 5
uptake_team_repos{team="search"} 2
`
	names := []string{
		"uptake_offering_adopted_repos", "uptake_offering_adoption_ratio", "uptake_offering_cost_per_month",
		"uptake_offering_eligible_repos", "uptake_offering_hours_saved_per_month", "uptake_offering_onboarding_hours_remaining",
		"uptake_offering_outdated_repos", "uptake_offering_roi_ratio", "uptake_offering_target_deadline_timestamp_seconds",
		"uptake_offering_target_ratio", "uptake_offering_value_per_month", "uptake_offering_version_repos",
		"uptake_offering_waived_repos", "uptake_roi_info", "uptake_team_repos",
	}
	if err := testutil.CollectAndCompare(c, strings.NewReader(want), names...); err != nil {
		t.Fatal(err)
	}
}

func TestCollectorLintAndPedantic(t *testing.T) {
	snap := semanticsSnapshot(t)
	c := NewCollector(func() *snapshot.Snapshot { return snap }, time.Hour)
	problems, err := testutil.CollectAndLint(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		if LintExceptions[p.Metric] == p.Text {
			continue
		}
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
	pedanticGather(t, c)
}

func TestCollectorBeforeFirstScan(t *testing.T) {
	c := NewCollector(func() *snapshot.Snapshot { return nil }, 90*time.Second)
	want := `
# HELP uptake_scan_interval_seconds The configured interval between scan starts, in seconds.
# TYPE uptake_scan_interval_seconds gauge
uptake_scan_interval_seconds 90
`
	if err := testutil.CollectAndCompare(c, strings.NewReader(want)); err != nil {
		t.Fatal(err)
	}
}

func TestScanHealthMetrics(t *testing.T) {
	snap := semanticsSnapshot(t)
	c := NewCollector(func() *snapshot.Snapshot { return snap }, 0)
	want := `
# HELP uptake_scan_cached_repos Repos of the source served from the scan cache in the last scan: unchanged HEAD and rule set, no file read.
# TYPE uptake_scan_cached_repos gauge
uptake_scan_cached_repos{source="s"} 2
# HELP uptake_scan_duration_seconds How long the source's last scan took, in seconds.
# TYPE uptake_scan_duration_seconds gauge
uptake_scan_duration_seconds{source="s"} 1.5
# HELP uptake_scan_last_success_timestamp_seconds When the source last completed a scan (its repos listed), as a Unix timestamp in seconds; 0 before the first.
# TYPE uptake_scan_last_success_timestamp_seconds gauge
uptake_scan_last_success_timestamp_seconds{source="s"} 1.7e+09
# HELP uptake_scan_repo_errors Repos of the source that could not be read in the last scan (their last good data, if any, is kept).
# TYPE uptake_scan_repo_errors gauge
uptake_scan_repo_errors{source="s"} 1
`
	if err := testutil.CollectAndCompare(c, strings.NewReader(want), "uptake_scan_cached_repos", "uptake_scan_duration_seconds",
		"uptake_scan_last_success_timestamp_seconds", "uptake_scan_repo_errors"); err != nil {
		t.Fatal(err)
	}
}

func TestAttributionMetrics(t *testing.T) {
	snap := &snapshot.Snapshot{Attribution: []snapshot.AttributionCount{
		{Via: "backstage", Repos: 3, Placeholders: 2}, {Via: "codeowners", Repos: 1}, {Via: snapshot.ViaDefault, Repos: 4}}}
	c := NewCollector(func() *snapshot.Snapshot { return snap }, 0)
	want := `
# HELP uptake_team_attribution_placeholder_repos Repos for which the attribution source named a team that is not among teams.known, so attribution went on past it. From the last completed scan.
# TYPE uptake_team_attribution_placeholder_repos gauge
uptake_team_attribution_placeholder_repos{via="backstage"} 2
uptake_team_attribution_placeholder_repos{via="codeowners"} 0
# HELP uptake_team_attribution_repos Repos by the attribution source that gave their team (via: an entry of teams.from, or default when none did). From the last completed scan.
# TYPE uptake_team_attribution_repos gauge
uptake_team_attribution_repos{via="backstage"} 3
uptake_team_attribution_repos{via="codeowners"} 1
uptake_team_attribution_repos{via="default"} 4
`
	if err := testutil.CollectAndCompare(c, strings.NewReader(want), "uptake_team_attribution_repos", "uptake_team_attribution_placeholder_repos"); err != nil {
		t.Fatal(err)
	}
}

// pedanticGather fails the test unless c gathers cleanly under a pedantic
// registry: label values valid, no series repeated, descriptions kept.
func pedanticGather(t *testing.T, c prometheus.Collector) {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	if _, err := reg.Gather(); err != nil {
		t.Fatalf("pedantic gather: %v", err)
	}
}
