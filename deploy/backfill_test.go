package deploy_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"sigs.k8s.io/yaml"

	"github.com/uptake-dev/uptake/deploy"
)

// TestBackfillRulesAreGenerated checks the levels in prometheus/backfill/
// are what `go generate ./deploy/...` writes, that they hold every
// recording rule once and no alert, that each level reads only lower
// levels' series, and that promtool accepts them.
func TestBackfillRulesAreGenerated(t *testing.T) {
	src, err := os.ReadFile(deploy.RulesFile)
	if err != nil {
		t.Fatal(err)
	}
	want, err := deploy.BackfillRules(src)
	if err != nil {
		t.Fatal(err)
	}
	committed, err := filepath.Glob(filepath.Join(deploy.BackfillRulesDir, "*"))
	if err != nil {
		t.Fatal(err)
	}
	if len(committed) != len(want) {
		t.Errorf("%s holds %v, want %d levels: run go generate ./deploy/...", deploy.BackfillRulesDir, committed, len(want))
	}
	for _, f := range want {
		got, err := os.ReadFile(f.Path)
		if err != nil || string(got) != string(f.Data) {
			t.Errorf("%s is stale: run go generate ./deploy/... (%v)", f.Path, err)
		}
	}

	recorded := map[string]bool{}
	for _, g := range rules(t).Groups {
		for _, r := range g.Rules {
			if r.Record != "" {
				recorded[r.Record] = true
			}
		}
	}
	name := regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*`)
	done := map[string]bool{}
	for _, f := range want {
		var spec monitoringv1.PrometheusRuleSpec
		if err := yaml.UnmarshalStrict(f.Data, &spec); err != nil {
			t.Fatalf("%s: %v", f.Path, err)
		}
		var level []string
		for _, g := range spec.Groups {
			for _, r := range g.Rules {
				if r.Alert != "" {
					t.Errorf("%s: alert %s would backfill ALERTS", f.Path, r.Alert)
				}
				for _, n := range name.FindAllString(r.Expr.String(), -1) {
					if recorded[n] && !done[n] {
						t.Errorf("%s: %s reads %s, which no lower level records", f.Path, r.Record, n)
					}
				}
				if done[r.Record] {
					t.Errorf("%s: %s recorded twice", f.Path, r.Record)
				}
				level = append(level, r.Record)
			}
		}
		for _, r := range level {
			done[r] = true
		}
	}
	for r := range recorded {
		if !done[r] {
			t.Errorf("recording rule %s is in no backfill level", r)
		}
	}
	if len(want) < 2 {
		t.Errorf("%d levels: the ratios read the sums, so there are at least two", len(want))
	}

	args := []string{"check", "rules"}
	for _, f := range want {
		args = append(args, f.Path)
	}
	if out, err := exec.Command(promtool(t), args...).CombinedOutput(); err != nil {
		t.Fatalf("promtool check rules: %v\n%s", err, out)
	}
}

func TestBackfillRulesRefuseACycle(t *testing.T) {
	_, err := deploy.BackfillRules([]byte(`groups:
  - name: g
    rules:
      - {record: "a:x:sum", expr: "sum(b:x:sum)"}
      - {record: "b:x:sum", expr: "sum(a:x:sum)"}
`))
	if err == nil || !strings.Contains(err.Error(), "depends on itself") {
		t.Errorf("a cycle gave %v", err)
	}
}
