// Command generator writes deploy/kubernetes/common/prometheusrule.yaml from
// deploy/prometheus/uptake-rules.yml; `go generate ./deploy/...` runs it in deploy/.
package main

import (
	"fmt"
	"os"

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
	return os.WriteFile(deploy.PrometheusRuleFile, out, 0o644)
}
