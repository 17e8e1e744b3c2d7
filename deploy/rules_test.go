package deploy_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"sigs.k8s.io/yaml"

	"github.com/uptake-dev/uptake/deploy"
)

const runbookBase = "https://github.com/uptake-dev/uptake/blob/main/docs/operations.md#"

// lookPath returns the path of a Prometheus tool. Where it is missing the
// test is skipped, except in CI, which must have it.
func lookPath(t *testing.T, bin string) string {
	t.Helper()
	p, err := exec.LookPath(bin)
	if err != nil {
		if os.Getenv("CI") == "" {
			t.Skipf("%s not installed (apt-get install prometheus)", bin)
		}
		t.Fatalf("%s not installed; CI needs it: apt-get install prometheus", bin)
	}
	return p
}

func promtool(t *testing.T) string { return lookPath(t, "promtool") }

func TestRulesCheck(t *testing.T) {
	out, err := exec.Command(promtool(t), "check", "rules", deploy.RulesFile).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool check rules: %v\n%s", err, out)
	}
}

func TestRulesUnitTests(t *testing.T) {
	bin := promtool(t)
	files, err := filepath.Glob("prometheus/*_test.yml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no rule unit tests in prometheus/: %v", err)
	}
	out, err := exec.Command(bin, append([]string{"test", "rules"}, files...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool test rules: %v\n%s", err, out)
	}
}

// rules decodes the rules file strictly, as the Prometheus Operator would.
func rules(t *testing.T) monitoringv1.PrometheusRuleSpec {
	t.Helper()
	data, err := os.ReadFile(deploy.RulesFile)
	if err != nil {
		t.Fatal(err)
	}
	var spec monitoringv1.PrometheusRuleSpec
	if err := yaml.UnmarshalStrict(data, &spec); err != nil {
		t.Fatalf("%s: %v", deploy.RulesFile, err)
	}
	return spec
}

func alerts(t *testing.T) map[string]monitoringv1.Rule {
	t.Helper()
	out := map[string]monitoringv1.Rule{}
	for _, g := range rules(t).Groups {
		for _, r := range g.Rules {
			if r.Alert != "" {
				out[r.Alert] = r
			}
		}
	}
	return out
}

var (
	alertNameRE  = regexp.MustCompile(`^Uptake[A-Z][A-Za-z]+$`)
	recordNameRE = regexp.MustCompile(`^[a-z_]+:uptake_[a-z0-9_]+:[a-z0-9_]+$`)
	headingRE    = regexp.MustCompile(`(?m)^#+ (.+)$`)
)

// anchors are the GitHub anchors of a Markdown file's headings.
func anchors(t *testing.T, path string) map[string]bool {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, m := range headingRE.FindAllStringSubmatch(string(data), -1) {
		slug := strings.Map(func(r rune) rune {
			switch {
			case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
				return r
			case r == ' ':
				return '-'
			}
			return -1
		}, strings.ToLower(m[1]))
		out[slug] = true
	}
	return out
}

// TestRuleConventions checks the monitoring-mixin conventions: names,
// severities, annotations, and a runbook section for every alert.
func TestRuleConventions(t *testing.T) {
	docs := anchors(t, "../docs/operations.md")
	severities := map[string]bool{"critical": true, "warning": true, "info": true}
	spec := rules(t)
	n := 0
	for _, g := range spec.Groups {
		for _, r := range g.Rules {
			n++
			if r.Record != "" {
				if !recordNameRE.MatchString(r.Record) {
					t.Errorf("recording rule %s: want level:uptake_metric:operations", r.Record)
				}
				continue
			}
			if !alertNameRE.MatchString(r.Alert) {
				t.Errorf("alert %s: want CamelCase with the Uptake prefix", r.Alert)
			}
			if !severities[r.Labels["severity"]] {
				t.Errorf("alert %s: severity %q, want critical, warning or info", r.Alert, r.Labels["severity"])
			}
			for _, a := range []string{"summary", "description"} {
				if strings.TrimSpace(r.Annotations[a]) == "" {
					t.Errorf("alert %s has no %s", r.Alert, a)
				}
			}
			anchor := strings.ToLower(r.Alert)
			if got := r.Annotations["runbook_url"]; got != runbookBase+anchor {
				t.Errorf("alert %s: runbook_url %q, want %q", r.Alert, got, runbookBase+anchor)
			}
			if !docs[anchor] {
				t.Errorf("alert %s: docs/operations.md has no section #%s", r.Alert, anchor)
			}
		}
	}
	if n == 0 {
		t.Fatal("no rules")
	}
}

// TestEveryAlertTestedFiringAndNot checks the promtool unit tests expect
// each alert both to fire and not to fire.
func TestEveryAlertTestedFiringAndNot(t *testing.T) {
	files, err := filepath.Glob("prometheus/*_test.yml")
	if err != nil {
		t.Fatal(err)
	}
	firing, quiet := map[string]bool{}, map[string]bool{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var file struct {
			Tests []struct {
				AlertRuleTest []struct {
					Alertname string           `json:"alertname"`
					ExpAlerts []map[string]any `json:"exp_alerts"`
				} `json:"alert_rule_test"`
			} `json:"tests"`
		}
		if err := yaml.Unmarshal(data, &file); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, tg := range file.Tests {
			for _, a := range tg.AlertRuleTest {
				if len(a.ExpAlerts) > 0 {
					firing[a.Alertname] = true
				} else {
					quiet[a.Alertname] = true
				}
			}
		}
	}
	for name := range alerts(t) {
		if !firing[name] {
			t.Errorf("no unit test expects %s to fire", name)
		}
		if !quiet[name] {
			t.Errorf("no unit test expects %s not to fire", name)
		}
	}
}

var tuningRowRE = regexp.MustCompile("^\\| (Uptake\\w+) \\| [^|]+ \\| `((?:[^`\\\\]|\\\\.)+)` \\|")

// withRecorded is expr followed by the expressions of the recording rules
// it reads: a window set in such a rule is the alert's too.
func withRecorded(expr string, recorded map[string]string) string {
	out := expr
	for name, e := range recorded {
		if strings.Contains(expr, name) {
			out += "\n" + e
		}
	}
	return out
}

// TestTuningTable checks every row of the tuning table in
// docs/operations.md names a number or selector that really is in its
// alert, and that every alert has a row.
func TestTuningTable(t *testing.T) {
	data, err := os.ReadFile("../docs/operations.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(data), "\n## Tuning\n")
	if !ok {
		t.Fatal("docs/operations.md has no Tuning section")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	all := alerts(t)
	recorded := map[string]string{}
	for _, g := range rules(t).Groups {
		for _, r := range g.Rules {
			if r.Record != "" {
				recorded[r.Record] = r.Expr.String()
			}
		}
	}
	listed := map[string]bool{}
	for _, line := range strings.Split(section, "\n") {
		m := tuningRowRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		name, value := m[1], strings.ReplaceAll(m[2], `\|`, "|")
		r, ok := all[name]
		if !ok {
			t.Errorf("tuning table: no alert %s", name)
			continue
		}
		listed[name] = true
		inFor := r.For != nil && string(*r.For) == value
		if !strings.Contains(withRecorded(r.Expr.String(), recorded), value) && !inFor {
			t.Errorf("tuning table: %s has no %q in its expression (or the recording rules it reads) or for", name, value)
		}
	}
	for name := range all {
		if !listed[name] {
			t.Errorf("tuning table has no row for %s", name)
		}
	}
}

// TestPrometheusRuleIsGenerated checks the Kubernetes copy of the rules is
// what `go generate ./deploy/...` writes from the rules file, and that it
// holds the same groups when read back as the Operator reads it.
func TestPrometheusRuleIsGenerated(t *testing.T) {
	src, err := os.ReadFile(deploy.RulesFile)
	if err != nil {
		t.Fatal(err)
	}
	want, err := deploy.PrometheusRule(src)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(deploy.PrometheusRuleFile)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("%s is stale: run go generate ./deploy/...", deploy.PrometheusRuleFile)
	}
	var pr monitoringv1.PrometheusRule
	if err := yaml.UnmarshalStrict(got, &pr); err != nil {
		t.Fatalf("%s: %v", deploy.PrometheusRuleFile, err)
	}
	if pr.Kind != monitoringv1.PrometheusRuleKind || pr.APIVersion != monitoringv1.SchemeGroupVersion.String() {
		t.Errorf("%s: %s %s, want a %s", deploy.PrometheusRuleFile, pr.APIVersion, pr.Kind, monitoringv1.PrometheusRuleKind)
	}
	if !reflect.DeepEqual(pr.Spec, rules(t)) {
		t.Errorf("%s holds other groups than %s", deploy.PrometheusRuleFile, deploy.RulesFile)
	}
}
