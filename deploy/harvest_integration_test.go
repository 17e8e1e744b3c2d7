package deploy_test

import (
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/uptake-dev/uptake/internal/estate"
)

// TestHarvestIntegration runs uptake serve over the harvest estate (see
// internal/estate), scraped by a real Prometheus, and checks every Harvest
// dashboard query returns data — the demo has no harvest section — and
// the panels show the estate's counts.
func TestHarvestIntegration(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: builds uptake and runs Prometheus")
	}
	promBin := lookPath(t, "prometheus")
	dir := t.TempDir()
	build := exec.Command("go", "build", "-o", dir, "./cmd/uptake")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for name, files := range estate.HarvestTrees() {
		commitTree(t, filepath.Join(dir, "repos", name), files)
	}
	cfg := filepath.Join(dir, "uptake.yml")
	writeFile(t, cfg, "sources: [{name: mirror, type: local, path: repos}]\n"+estate.HarvestCatalog)
	uptakeAddr := freeAddr(t)
	start(t, "uptake", filepath.Join(dir, "uptake"), "serve", "--config", cfg,
		"--storage.path", filepath.Join(dir, "uptake-data"), "--web.listen-address", uptakeAddr)
	waitFor(t, "uptake ready", func() error { _, err := get("http://" + uptakeAddr + "/-/ready"); return err })
	metrics, err := get("http://" + uptakeAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(metrics), "uptake_harvest_cluster_info{") {
		t.Fatalf("/metrics has no harvest series:\n%s", metrics)
	}
	check := exec.Command(promtool(t), "check", "metrics")
	check.Stdin = strings.NewReader(string(metrics))
	if out, err := check.CombinedOutput(); err != nil {
		// Only the exporter's accepted exceptions (hours) may be reported.
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			if strings.Contains(line, "harvest") || strings.Contains(line, "alternative") {
				t.Errorf("promtool check metrics: %s", line)
			}
		}
	}
	promAddr := freeAddr(t)
	start(t, "prometheus", promBin, "--config.file="+writePromConfig(t, dir, uptakeAddr),
		"--storage.tsdb.path="+filepath.Join(dir, "prometheus-data"), "--web.listen-address="+promAddr)
	api := "http://" + promAddr + "/api/v1/"

	var queries []namedQuery
	for _, q := range panelQueries(t) {
		if strings.HasPrefix(q.name, "panel uptake-harvest/") {
			q.nonEmpty = true
			queries = append(queries, q)
		}
	}
	if len(queries) == 0 {
		t.Fatal("no Harvest dashboard query")
	}
	want := map[string]string{
		`max by (kind, component) (uptake_harvest_candidate_teams{component="github.com/acme/authlib"})`:    "4",
		`sum by (kind, component) (uptake_harvest_candidate_repos{component="github.com/sirupsen/logrus"})`: "4",
		`count(uptake_harvest_cluster_info{kind="gitlab_ci", path=".gitlab-ci.yml"})`:                       "1",
		`sum(uptake_harvest_cluster_repos)`: "4",
		`sum by (offering, alternative) (uptake_offering_alternative_repos{alternative="github.com/gin-gonic/*"})`: "2",
		`count(uptake_offering_alternative_repos)`: "2",
	}
	var failures []string
	deadline := time.Now().Add(time.Minute)
	for {
		failures = nil
		for _, q := range queries {
			series, err := query(api, q.expr)
			switch {
			case err != nil:
				failures = append(failures, q.name+": "+err.Error())
			case len(series) == 0:
				failures = append(failures, q.name+" returns no series: "+q.expr)
			}
		}
		for expr, v := range want {
			got, err := scalarValue(api, expr)
			if err != nil || got != v {
				failures = append(failures, expr+" = "+got+", want "+v)
			}
		}
		if len(failures) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Second)
	}
	for _, f := range failures {
		t.Error(f)
	}
}

// scalarValue is the value of a query's single series.
func scalarValue(api, expr string) (string, error) {
	data, err := apiGet(api + "query?query=" + url.QueryEscape(expr))
	if err != nil {
		return "", err
	}
	var r struct {
		Result []struct {
			Value [2]any `json:"value"`
		} `json:"result"`
	}
	if err := json.Unmarshal(data, &r); err != nil || len(r.Result) != 1 {
		return "", err
	}
	v, _ := r.Result[0].Value[1].(string)
	return v, nil
}

// commitTree commits files into a new git repo at dir.
func commitTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	r, err := git.PlainInit(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	wt, err := r.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	for p, c := range files {
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		writeFile(t, full, c)
		if _, err := wt.Add(p); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := wt.Commit("init", &git.CommitOptions{Author: &object.Signature{Name: "t", Email: "t@example.com", When: time.Unix(0, 0)}}); err != nil {
		t.Fatal(err)
	}
}
