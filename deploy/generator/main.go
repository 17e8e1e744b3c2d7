// Command generator writes deploy/kubernetes/common/prometheusrule.yaml and
// the recording rules by dependency level in deploy/prometheus/backfill/ from
// deploy/prometheus/uptake-rules.yml; `go generate ./deploy/...` runs it in deploy/.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/uptake-dev/uptake/deploy"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "generator:", err)
		os.Exit(1)
	}
}

func run() error {
	rules, err := os.ReadFile(deploy.RulesFile)
	if err != nil {
		return err
	}
	out, err := deploy.PrometheusRule(rules)
	if err != nil {
		return err
	}
	if err := os.WriteFile(deploy.PrometheusRuleFile, out, 0o644); err != nil {
		return err
	}
	files, err := deploy.BackfillRules(rules)
	if err != nil {
		return err
	}
	// Levels that no longer exist must not be left behind.
	stale, err := filepath.Glob(filepath.Join(deploy.BackfillRulesDir, "uptake-rules-*.yml"))
	if err != nil {
		return err
	}
	for _, f := range stale {
		if err := os.Remove(f); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(deploy.BackfillRulesDir, 0o755); err != nil {
		return err
	}
	for _, f := range files {
		if err := os.WriteFile(f.Path, f.Data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
