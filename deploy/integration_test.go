package deploy_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/uptake-dev/uptake/dashboards"
	"github.com/uptake-dev/uptake/deploy"
)

// The integration test runs the real thing: uptake serving the demo
// organisation, scraped by a real Prometheus that evaluates the rules, with
// 31 days of history backfilled so the adoption alerts have their windows.
// It checks every rule evaluates without error, every recording rule and
// every dashboard query returns data (except panels empty by design), and
// that the stalled and behind-target alerts pick exactly the offerings the
// exporter's own numbers say they should.

// Values the single-valued template variables take; multi-valued ones take
// their "All" value.
var panelVariables = map[string]string{
	"offering": "service-kit",
	"team":     "search",
}

const history = 31 * 24 * time.Hour

func TestIntegration(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: builds uptake and runs Prometheus")
	}
	promBin := lookPath(t, "prometheus")
	promtoolBin := promtool(t)
	dir := t.TempDir()

	// uptake and the demo organisation.
	build := exec.Command("go", "build", "-o", dir, "./cmd/uptake", "./cmd/uptake-demo")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	demo := filepath.Join(dir, "demo")
	if out, err := exec.Command(filepath.Join(dir, "uptake-demo"), "-out", demo).CombinedOutput(); err != nil {
		t.Fatalf("uptake-demo: %v\n%s", err, out)
	}
	uptakeAddr := freeAddr(t)
	start(t, "uptake", filepath.Join(dir, "uptake"), "serve",
		"--config", filepath.Join(demo, "uptake.yml"),
		"--storage.path", filepath.Join(dir, "uptake-data"),
		"--web.listen-address", uptakeAddr)
	waitFor(t, "uptake ready", func() error { _, err := get("http://" + uptakeAddr + "/-/ready"); return err })
	body, err := get("http://" + uptakeAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("parsing /metrics: %v", err)
	}

	// Backfill the adoption series over the windows the rules look at, with
	// the values of now: adoption has been flat for 31 days.
	data := filepath.Join(dir, "prometheus-data")
	backfill(t, promtoolBin, dir, data, families, map[string]string{"job": "uptake", "instance": uptakeAddr})

	promConfig := writePromConfig(t, dir, uptakeAddr)
	promAddr := freeAddr(t)
	start(t, "prometheus", promBin,
		"--config.file="+promConfig,
		"--storage.tsdb.path="+data,
		"--storage.tsdb.retention.time=60d",
		"--web.listen-address="+promAddr,
		// The backfilled history has a sample an hour.
		"--query.lookback-delta=61m")
	api := "http://" + promAddr + "/api/v1/"

	recorded, ruleErrs := loadedRules(t, api)
	if len(recorded) == 0 {
		t.Fatal("Prometheus loaded no recording rule")
	}
	var queries []namedQuery
	for _, r := range recorded {
		_, empty := emptyOnFlatHistory[r]
		queries = append(queries, namedQuery{"recording rule " + r, r, !empty})
	}
	queries = append(queries, panelQueries(t)...)
	stalled, behind := expectedAlerts(t, families)
	queries = append(queries,
		namedQuery{"UptakeAdoptionStalled offerings", `ALERTS{alertname="UptakeAdoptionStalled"}`, len(stalled) > 0},
		namedQuery{"UptakeBehindTarget offerings", `ALERTS{alertname="UptakeBehindTarget"}`, len(behind) > 0},
	)
	if len(stalled) == 0 || len(behind) == 0 {
		t.Fatalf("the demo should make some offering stall (%v) and fall behind its target (%v)", stalled, behind)
	}
	atRisk := campaignsAtRisk(families)
	if len(atRisk) == 0 {
		t.Fatal("the demo should have a campaign with a deadline and repos remaining")
	}

	// Rules run every second; wait until every expectation holds at once,
	// then report the last attempt's failures.
	var failures []string
	deadline := time.Now().Add(2 * time.Minute)
	for {
		failures = nil
		if errs := ruleErrs(); len(errs) > 0 {
			failures = append(failures, errs...)
		}
		for _, q := range queries {
			series, err := query(api, q.expr)
			switch {
			case err != nil:
				failures = append(failures, fmt.Sprintf("%s: %v", q.name, err))
			case q.nonEmpty && len(series) == 0:
				failures = append(failures, fmt.Sprintf("%s returns no series: %s", q.name, q.expr))
			}
		}
		failures = append(failures, checkAlerts(api, "UptakeAdoptionStalled", stalled)...)
		failures = append(failures, checkAlerts(api, "UptakeBehindTarget", behind)...)
		failures = append(failures, checkLabelled(api, "UptakeCampaignAtRisk", "campaign", atRisk)...)
		failures = append(failures, checkLabelled(api, "UptakeCampaignRegressed", "campaign", nil)...)
		if len(failures) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Second)
	}
	for _, f := range failures {
		t.Error(f)
	}
	t.Logf("%d recording rules and dashboard queries; UptakeAdoptionStalled for %v, UptakeBehindTarget for %v, UptakeCampaignAtRisk for %v",
		len(queries), stalled, behind, atRisk)
}

type namedQuery struct {
	name, expr string
	nonEmpty   bool // must return at least one series
}

// freeAddr returns a loopback address with a port free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// start runs a server until the test ends; its output is logged if the
// test fails.
func start(t *testing.T, name, bin string, args ...string) {
	t.Helper()
	var out bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("%s output:\n%s", name, out.String())
		}
	})
}

// waitFor polls until check passes; a server that never gets there fails
// the test after a minute.
func waitFor(t *testing.T, what string, check func() error) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: %v", what, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func get(u string) ([]byte, error) {
	resp, err := http.Get(u)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s", u, resp.Status)
	}
	return body, nil
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// backfilled are the series the adoption rules look back at.
var backfilled = []string{
	"uptake_offering_adopted_repos",
	"uptake_offering_eligible_repos",
	"uptake_offering_info",
	"uptake_offering_target_ratio",
	"uptake_offering_target_deadline_timestamp_seconds",
	"uptake_campaign_repos",
	"uptake_campaign_deadline_timestamp_seconds",
}

// emptyOnFlatHistory are the recording rules the backfilled history, flat
// for 31 days, leaves empty.
var emptyOnFlatHistory = map[string]string{
	"campaign:uptake_campaign_projected_completion_timestamp_seconds:deriv28d": "no progress: no projected completion",
}

// backfill writes the current values of the backfilled series, an hour
// apart over the last 31 days, as TSDB blocks in data.
func backfill(t *testing.T, promtoolBin, dir, data string, families map[string]*dto.MetricFamily, target map[string]string) {
	t.Helper()
	var om strings.Builder
	end := time.Now().Add(-time.Hour).Truncate(time.Hour)
	for _, name := range backfilled {
		mf, ok := families[name]
		if !ok {
			t.Fatalf("uptake does not export %s on the demo", name)
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for k, v := range target {
				labels[k] = v
			}
			for _, lp := range m.GetLabel() {
				labels[lp.GetName()] = lp.GetValue()
			}
			series := name + openMetricsLabels(labels)
			for ts := end.Add(-history); !ts.After(end); ts = ts.Add(time.Hour) {
				fmt.Fprintf(&om, "%s %g %d\n", series, m.GetGauge().GetValue(), ts.Unix())
			}
		}
	}
	om.WriteString("# EOF\n")
	input := filepath.Join(dir, "history.om")
	writeFile(t, input, om.String())
	out, err := exec.Command(promtoolBin, "tsdb", "create-blocks-from", "openmetrics",
		"--max-block-duration=240h", input, data).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool tsdb create-blocks-from openmetrics: %v\n%s", err, out)
	}
}

func openMetricsLabels(labels map[string]string) string {
	names := make([]string, 0, len(labels))
	for k := range labels {
		names = append(names, k)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	escape := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	for i, k := range names {
		parts[i] = k + `="` + escape.Replace(labels[k]) + `"`
	}
	return "{" + strings.Join(parts, ",") + "}"
}

type apiResponse struct {
	Status string          `json:"status"`
	Error  string          `json:"error"`
	Data   json.RawMessage `json:"data"`
}

func apiGet(u string) (json.RawMessage, error) {
	body, err := get(u)
	if err != nil {
		return nil, err
	}
	var r apiResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, err
	}
	if r.Status != "success" {
		return nil, fmt.Errorf("%s", r.Error)
	}
	return r.Data, nil
}

// loadedRules waits for Prometheus to load the rules file and returns the
// recording rules' names, and a function listing rules not evaluating cleanly.
func loadedRules(t *testing.T, api string) ([]string, func() []string) {
	t.Helper()
	type ruleGroups struct {
		Groups []struct {
			Name  string `json:"name"`
			Rules []struct {
				Name      string `json:"name"`
				Type      string `json:"type"`
				Health    string `json:"health"`
				LastError string `json:"lastError"`
			} `json:"rules"`
		} `json:"groups"`
	}
	fetch := func() (ruleGroups, error) {
		var g ruleGroups
		data, err := apiGet(api + "rules")
		if err != nil {
			return g, err
		}
		return g, json.Unmarshal(data, &g)
	}
	var loaded ruleGroups
	waitFor(t, "Prometheus rules", func() error {
		var err error
		if loaded, err = fetch(); err == nil && len(loaded.Groups) == 0 {
			err = fmt.Errorf("no rule groups loaded")
		}
		return err
	})
	var recorded []string
	for _, g := range loaded.Groups {
		for _, r := range g.Rules {
			if r.Type == "recording" {
				recorded = append(recorded, r.Name)
			}
		}
	}
	return recorded, func() []string {
		g, err := fetch()
		if err != nil {
			return []string{"rules API: " + err.Error()}
		}
		var bad []string
		for _, gr := range g.Groups {
			for _, r := range gr.Rules {
				if r.Health != "ok" {
					bad = append(bad, fmt.Sprintf("rule %s/%s: health %q %s", gr.Name, r.Name, r.Health, r.LastError))
				}
			}
		}
		return bad
	}
}

type sample struct {
	Metric map[string]string `json:"metric"`
}

func query(api, expr string) ([]sample, error) {
	data, err := apiGet(api + "query?query=" + url.QueryEscape(expr))
	if err != nil {
		return nil, err
	}
	var r struct {
		ResultType string   `json:"resultType"`
		Result     []sample `json:"result"`
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, err
	}
	if r.ResultType == "scalar" {
		return []sample{{}}, nil
	}
	return r.Result, nil
}

var templateVarRE = regexp.MustCompile(`\$(\w+)`)

// panelQueries are the dashboards' queries with their variables set.
func panelQueries(t *testing.T) []namedQuery {
	t.Helper()
	files, err := dashboards.Render()
	if err != nil {
		t.Fatal(err)
	}
	var out []namedQuery
	for _, f := range files {
		d, queries, err := dashboards.Decode(f.JSON)
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		values := map[string]string{"__rate_interval": "1m", "__interval": "1m"}
		for _, v := range d.Templating.List {
			if v.Multi != nil && *v.Multi {
				values[v.Name] = ".*"
			} else if val, ok := panelVariables[v.Name]; ok {
				values[v.Name] = val
			}
		}
		for _, q := range queries {
			expr := templateVarRE.ReplaceAllStringFunc(q.Expr, func(m string) string {
				v, ok := values[m[1:]]
				if !ok {
					t.Fatalf("%s panel %q: no value for %s", f.Name, q.Panel, m)
				}
				return v
			})
			panel := *d.Uid + "/" + q.Panel
			_, empty := dashboards.EmptyOnDemo[panel]
			out = append(out, namedQuery{fmt.Sprintf("panel %s query %s", panel, q.RefID), expr, !empty})
		}
	}
	return out
}

// expectedAlerts derives, from the exporter's own numbers and flat history,
// which offerings UptakeAdoptionStalled and UptakeBehindTarget must pick.
func expectedAlerts(t *testing.T, families map[string]*dto.MetricFamily) (stalled, behind []string) {
	t.Helper()
	sum := func(name string) map[string]float64 {
		out := map[string]float64{}
		for _, m := range families[name].GetMetric() {
			out[label(m, "offering")] += m.GetGauge().GetValue()
		}
		return out
	}
	adopted, eligible := sum("uptake_offering_adopted_repos"), sum("uptake_offering_eligible_repos")
	target := map[string]float64{}
	for _, m := range families["uptake_offering_target_ratio"].GetMetric() {
		target[label(m, "offering")] = m.GetGauge().GetValue()
	}
	for _, m := range families["uptake_offering_info"].GetMetric() {
		o := label(m, "offering")
		if eligible[o] == 0 {
			continue
		}
		ratio := adopted[o] / eligible[o]
		goal, hasTarget := target[o]
		if !hasTarget {
			goal = 1
		}
		if lc := label(m, "lifecycle"); (lc == "beta" || lc == "ga") && ratio < goal {
			stalled = append(stalled, o)
		}
		// Flat history: no progress, so any gap stays open.
		if hasTarget && ratio < goal {
			behind = append(behind, o)
		}
	}
	sort.Strings(stalled)
	sort.Strings(behind)
	return stalled, behind
}

func label(m *dto.Metric, name string) string {
	for _, lp := range m.GetLabel() {
		if lp.GetName() == name {
			return lp.GetValue()
		}
	}
	return ""
}

// checkAlerts compares the offerings an alert is pending or firing for
// with the expected ones.
func checkAlerts(api, alert string, want []string) []string {
	return checkLabelled(api, alert, "offering", want)
}

// checkLabelled compares the values of label an alert is pending or firing
// for with the expected ones.
func checkLabelled(api, alert, label string, want []string) []string {
	series, err := query(api, `ALERTS{alertname="`+alert+`"}`)
	if err != nil {
		return []string{alert + ": " + err.Error()}
	}
	var got []string
	for _, s := range series {
		got = append(got, s.Metric[label])
	}
	sort.Strings(got)
	if !slices.Equal(got, want) {
		return []string{fmt.Sprintf("%s active for %s %v, want %v", alert, label, got, want)}
	}
	return nil
}

// campaignsAtRisk are the campaigns UptakeCampaignAtRisk must pick on flat
// history: those with a deadline and repos remaining, which made no
// progress in 30 days.
func campaignsAtRisk(families map[string]*dto.MetricFamily) []string {
	remaining := map[string]float64{}
	for _, m := range families["uptake_campaign_repos"].GetMetric() {
		if label(m, "state") == "remaining" {
			remaining[label(m, "campaign")] += m.GetGauge().GetValue()
		}
	}
	var out []string
	for _, m := range families["uptake_campaign_deadline_timestamp_seconds"].GetMetric() {
		if c := label(m, "campaign"); remaining[c] > 0 {
			out = append(out, c)
		}
	}
	sort.Strings(out)
	return out
}

// writePromConfig writes a Prometheus config that loads the bundled rules
// and scrapes uptake at addr every second, and returns its path.
func writePromConfig(t *testing.T, dir, addr string) string {
	t.Helper()
	rulesFile, err := filepath.Abs(deploy.RulesFile)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "prometheus.yml")
	writeFile(t, path, fmt.Sprintf(`global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: [%q]
scrape_configs:
  - job_name: uptake
    static_configs:
      - targets: [%q]
`, rulesFile, addr))
	return path
}
