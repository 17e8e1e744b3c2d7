package deploy_test

import (
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/object"

	bf "github.com/uptake-dev/uptake/collector/backfill"
	"github.com/uptake-dev/uptake/dashboards"
	"github.com/uptake-dev/uptake/deploy"
)

// TestBackfillIntegration runs docs/backfill.md's procedure for real: a
// year of weekly history of repos with a scripted past is backfilled with
// uptake backfill and the real promtool, loaded by the real Prometheus
// beside the scrape of uptake serve on the same repos, the recording rules
// backfilled level by level, and then the past is queried and the forecast
// evaluated: every series as scripted.
func TestBackfillIntegration(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: builds uptake and runs Prometheus")
	}
	promBin := lookPath(t, "prometheus")
	promtoolBin := promtool(t)
	dir := t.TempDir()
	build := exec.Command("go", "build", "-o", dir, "./cmd/uptake")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	uptake := filepath.Join(dir, "uptake")

	now := time.Now()
	steps, err := bf.Steps(now.Add(-3*time.Hour), 52*7*24*time.Hour, 7*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	until := steps[len(steps)-1]
	weeksAgo := func(w int) time.Time { return until.AddDate(0, 0, -7*w).Add(-time.Hour) }
	deadline := until.AddDate(0, 0, 63) // a Monday: the catalog's date is the deadline's 00:00 UTC
	scriptedEstate(t, filepath.Join(dir, "repos"), weeksAgo)
	cfg := filepath.Join(dir, "uptake.yml")
	writeFile(t, cfg, fmt.Sprintf(`sources:
  - {name: local, type: local, path: repos}
teams:
  from: [codeowners]
  default: unowned
offerings:
  - name: kit
    owner: platform
    lifecycle: ga
    latest: v1.4.0
    detect: [{kind: gomod, module: github.com/acme/kit}]
    eligible: {languages: [go]}
    # Behind now (3 of 9), on track at the last 30 days' pace.
    target: {ratio: 0.5, by: %q}
  # Added to the catalog today: its past is evaluated as well.
  - name: base
    owner: platform
    lifecycle: ga
    detect: [{kind: dockerfile, image: registry.acme.io/base}]
    target: {ratio: 0.5, by: %q}
`, deadline.Format(time.DateOnly), deadline.Format(time.DateOnly)))

	uptakeAddr := freeAddr(t)
	om := filepath.Join(dir, "history.om")
	run := func(name string, args ...string) {
		t.Helper()
		if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
			t.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, out)
		}
	}
	store := filepath.Join(dir, "uptake-data")
	run(uptake, "backfill", "--config", cfg, "--since", "52w", "--step", "1w", "--until", until.Format(time.RFC3339),
		"--label", "job=uptake", "--label", "instance="+uptakeAddr, "--storage.path", store, "--output", om)
	data := filepath.Join(dir, "prometheus-data")
	run(promtoolBin, "tsdb", "create-blocks-from", "openmetrics", om, data)

	start(t, "uptake", uptake, "serve", "--config", cfg, "--storage.path", store, "--web.listen-address", uptakeAddr)
	waitFor(t, "uptake ready", func() error { _, err := get("http://" + uptakeAddr + "/-/ready"); return err })

	// The event log the backfill filled, as serve's API reads it after its
	// first scan, which diffs against the backfill's baseline: no event of
	// its own, nothing twice.
	body, err := get("http://" + uptakeAddr + "/api/v1/events")
	if err != nil {
		t.Fatal(err)
	}
	var log struct {
		Events []struct {
			Time                        time.Time
			Repo, Team, Offering, Event string
			ToVersion                   string `json:"to_version"`
		}
	}
	if err := json.Unmarshal(body, &log); err != nil {
		t.Fatal(err)
	}
	var events []string
	for _, e := range log.Events {
		events = append(events, fmt.Sprintf("%d %s %s %s %s %s", int(until.Sub(e.Time)/(7*24*time.Hour)), e.Repo, e.Offering, e.Event, e.Team, e.ToVersion))
	}
	wantEvents := []string{
		"40 mover base adopted beta 3.1",
		"30 adopter kit adopted alpha v1.4.0",
		"20 upgrader kit upgraded alpha v1.4.0",
		"10 dropper kit dropped beta ",
		"3 latecomer kit adopted beta v1.4.0",
	}
	if strings.Join(events, "\n") != strings.Join(wantEvents, "\n") {
		t.Errorf("events\n%s\nwant\n%s", strings.Join(events, "\n"), strings.Join(wantEvents, "\n"))
	}
	promConfig := writePromConfig(t, dir, uptakeAddr)
	promAddr := freeAddr(t)
	start(t, "prometheus", promBin, "--config.file="+promConfig, "--storage.tsdb.path="+data,
		// The default 15d would delete the backfilled year at once.
		"--storage.tsdb.retention.time=2y", "--web.listen-address="+promAddr)
	api := "http://" + promAddr + "/api/v1/"
	waitFor(t, "Prometheus ready", func() error { _, err := get("http://" + promAddr + "/-/ready"); return err })

	// The scripted year, by weeks before the last step.
	at := func(k int) time.Time { return steps[len(steps)-1-k] }
	expect := func(w int) map[string]float64 {
		adoptedKit := 1.0 // upgrader
		if w <= 30 {
			adoptedKit++ // adopter
		}
		if w > 10 {
			adoptedKit++ // dropper, until it drops
		}
		if w <= 3 {
			adoptedKit++ // latecomer
		}
		outdated := 0.0
		if w > 20 {
			outdated = 1 // upgrader on v1.2.0
		}
		base := 0.0
		if w <= 40 {
			base = 1 // mover's Dockerfile
		}
		return map[string]float64{
			`sum(uptake_offering_adopted_repos{offering="kit"})`:                               adoptedKit,
			`sum(uptake_offering_eligible_repos{offering="kit"})`:                              9,
			`sum(uptake_offering_outdated_repos{offering="kit"})`:                              outdated,
			`sum(uptake_offering_version_repos{offering="kit",version="v1.2.0"}) or vector(0)`: outdated,
			`sum(uptake_offering_adopted_repos{offering="base"})`:                              base,
			`sum(uptake_team_repos{team="beta"})`:                                              3, // mover is beta's throughout: today's CODEOWNERS
			`sum(uptake_team_repos{team="alpha"})`:                                             2,
			`count(uptake_offering_adopted_repos{job="uptake",instance="` + uptakeAddr + `"})`: 2 * 3, // two offerings × three teams
		}
	}
	for k := 0; k <= 52; k++ {
		for expr, want := range expect(k) {
			if got, err := valueAt(api, expr, at(k)); err != nil || got != want {
				t.Errorf("%d weeks ago: %s = %v (%v), want %v", k, expr, got, err, want)
			}
		}
	}

	// The overview's trend draws the backfilled year at a weekly resolution.
	trend := panelQuery(t, "uptake-overview.json", "Adoption trend", "A")
	trend = strings.NewReplacer("$offering", "kit", "$__interval", "1w").Replace(trend)
	for k := 0; k <= 52; k++ {
		want := expect(k)[`sum(uptake_offering_adopted_repos{offering="kit"})`] / 9
		if got, err := valueAt(api, trend, at(k)); err != nil || math.Abs(got-want) > 1e-9 {
			t.Errorf("%d weeks ago: the Adoption trend panel shows %v (%v), want %v", k, got, err, want)
		}
	}

	// Recording rules, level by level, each once the level before is loaded,
	// over the last weeks: promtool 2.42 writes a block per rule and 2h.
	const rulesWeeks = 2
	levels, err := filepath.Glob(filepath.Join(deploy.BackfillRulesDir, "uptake-rules-*.yml"))
	if err != nil || len(levels) < 2 {
		t.Fatalf("backfill levels %v: %v", levels, err)
	}
	probe := map[int]string{ // a series of each level to wait for
		1: `offering_team:uptake_offering_adopted_repos:sum{offering="kit",team="alpha"}`,
		2: `offering:uptake_offering_adopted_repos:sum{offering="kit"}`,
		3: `offering:uptake_offering_adopted_repos_per_eligible_repos:ratio{offering="kit"}`,
	}
	for i, level := range levels {
		out := filepath.Join(dir, fmt.Sprintf("rules-%d", i+1))
		run(promtoolBin, "tsdb", "create-blocks-from", "rules", "--url=http://"+promAddr,
			"--start="+strconv.FormatInt(at(rulesWeeks).Unix(), 10), "--end="+strconv.FormatInt(until.Add(20*time.Minute).Unix(), 10),
			"--eval-interval=5m", "--output-dir="+out, level)
		blocks, err := os.ReadDir(out)
		if err != nil || len(blocks) == 0 {
			t.Fatalf("%s made no block: %v", level, err)
		}
		for _, b := range blocks {
			if err := os.Rename(filepath.Join(out, b.Name()), filepath.Join(data, b.Name())); err != nil {
				t.Fatal(err)
			}
		}
		if expr, ok := probe[i+1]; ok {
			waitFor(t, "Prometheus loading level "+strconv.Itoa(i+1), func() error {
				_, err := valueAt(api, recordedAt(expr), at(rulesWeeks).Add(15*time.Minute))
				return err
			})
		}
	}
	for k := 0; k <= rulesWeeks; k++ {
		e := expect(k)
		ratio := e[`sum(uptake_offering_adopted_repos{offering="kit"})`] / 9
		if got, err := valueAt(api, recordedAt(`offering:uptake_offering_adopted_repos_per_eligible_repos:ratio{offering="kit"}`), at(k).Add(15*time.Minute)); err != nil || math.Abs(got-ratio) > 1e-9 {
			t.Errorf("%d weeks ago: recorded kit ratio %v (%v), want %v", k, got, err, ratio)
		}
	}

	// The forecast on the joined series: kit gained the latecomer in the
	// last 30 days, base nothing.
	var failures []string
	waitUntil := time.Now().Add(2 * time.Minute)
	for {
		failures = forecastFailures(api, deadline)
		if len(failures) == 0 || time.Now().After(waitUntil) {
			break
		}
		time.Sleep(time.Second)
	}
	for _, f := range failures {
		t.Error(f)
	}
}

// forecastFailures checks ratio_at_deadline against the projection of the
// scripted sums, and UptakeBehindTarget against it.
func forecastFailures(api string, deadline time.Time) []string {
	var out []string
	for offering, sums := range map[string][2]float64{"kit": {3, 2}, "base": {1, 1}} { // adopted now, 30 days ago
		v, ts, err := sampleNow(api, `offering:uptake_offering_adopted_repos_per_eligible_repos:ratio_at_deadline{offering="`+offering+`"}`)
		if err != nil {
			out = append(out, fmt.Sprintf("%s ratio_at_deadline: %v", offering, err))
			continue
		}
		left := deadline.Sub(ts).Seconds()
		want := math.Min(1, (sums[0]+(sums[0]-sums[1])/2592000*left)/9)
		if math.Abs(v-want) > 1e-6 {
			out = append(out, fmt.Sprintf("%s ratio_at_deadline %v at %s, want %v", offering, v, ts, want))
		}
	}
	return append(out, checkAlerts(api, "UptakeBehindTarget", []string{"base"})...)
}

// panelQuery is the expression of one query of a committed dashboard.
func panelQuery(t *testing.T, file, panel, refID string) string {
	t.Helper()
	files, err := dashboards.Render()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if f.Name != file {
			continue
		}
		_, queries, err := dashboards.Decode(f.JSON)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range queries {
			if q.Panel == panel && q.RefID == refID {
				return q.Expr
			}
		}
	}
	t.Fatalf("%s has no panel %q with query %s", file, panel, refID)
	return ""
}

// recordedAt reads a backfilled recording rule after a step: each level
// is evaluated every 5m at its group's offset, so it lies up to 5m after
// the series it reads, and level 3 within 15m of the step.
func recordedAt(expr string) string { return "last_over_time(" + expr + "[15m])" }

// valueAt is the single value expr has at t.
func valueAt(api, expr string, t time.Time) (float64, error) {
	v, _, err := instantValue(api+"query?query="+url.QueryEscape(expr)+"&time="+strconv.FormatInt(t.Unix(), 10), expr)
	return v, err
}

// sampleNow is expr's single value now, and the time it was evaluated at.
func sampleNow(api, expr string) (float64, time.Time, error) {
	return instantValue(api+"query?query="+url.QueryEscape(expr), expr)
}

func instantValue(u, expr string) (float64, time.Time, error) {
	data, err := apiGet(u)
	if err != nil {
		return 0, time.Time{}, err
	}
	var r struct {
		Result []struct {
			Value [2]json.RawMessage `json:"value"`
		} `json:"result"`
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return 0, time.Time{}, err
	}
	if len(r.Result) != 1 {
		return 0, time.Time{}, fmt.Errorf("%s: %d series, want 1", expr, len(r.Result))
	}
	var ts float64
	var s string
	if err := json.Unmarshal(r.Result[0].Value[0], &ts); err != nil {
		return 0, time.Time{}, err
	}
	if err := json.Unmarshal(r.Result[0].Value[1], &s); err != nil {
		return 0, time.Time{}, err
	}
	v, err := strconv.ParseFloat(s, 64)
	return v, time.Unix(0, int64(ts*1e9)), err
}

// scriptedEstate writes nine Go repos with a scripted year: adopter adopts
// kit 30 weeks ago, upgrader upgrades from v1.2.0 20 weeks ago, dropper
// drops kit 10 weeks ago, mover moves from alpha to beta 15 weeks ago and
// took the base image 40 weeks ago, latecomer adopts kit 3 weeks ago, and
// four repos never adopt anything.
func scriptedEstate(t *testing.T, root string, weeksAgo func(int) time.Time) {
	t.Helper()
	gomod := func(kit string) string {
		s := "module example.com/svc\n\ngo 1.22\n"
		if kit != "" {
			s += "\nrequire github.com/acme/kit " + kit + "\n"
		}
		return s
	}
	type change struct {
		w     int
		files map[string]string
	}
	repos := map[string][]change{
		"adopter":  {{60, map[string]string{"go.mod": gomod(""), "CODEOWNERS": "* @acme/alpha\n"}}, {30, map[string]string{"go.mod": gomod("v1.4.0")}}},
		"upgrader": {{60, map[string]string{"go.mod": gomod("v1.2.0"), "CODEOWNERS": "* @acme/alpha\n"}}, {20, map[string]string{"go.mod": gomod("v1.4.0")}}},
		"dropper":  {{60, map[string]string{"go.mod": gomod("v1.4.0"), "CODEOWNERS": "* @acme/beta\n"}}, {10, map[string]string{"go.mod": gomod("")}}},
		"mover": {{60, map[string]string{"go.mod": gomod(""), "CODEOWNERS": "* @acme/alpha\n", "Dockerfile": "FROM debian:12\n"}},
			{40, map[string]string{"Dockerfile": "FROM registry.acme.io/base:3.1\n"}}, {15, map[string]string{"CODEOWNERS": "* @acme/beta\n"}}},
		"latecomer": {{60, map[string]string{"go.mod": gomod(""), "CODEOWNERS": "* @acme/beta\n"}}, {3, map[string]string{"go.mod": gomod("v1.4.0")}}},
	}
	for i := range 4 {
		repos[fmt.Sprintf("plain-%d", i)] = []change{{60, map[string]string{"go.mod": gomod(""), "CODEOWNERS": "* @acme/gamma\n"}}}
	}
	for name, changes := range repos {
		dir := filepath.Join(root, name)
		r, err := git.PlainInit(dir, false)
		if err != nil {
			t.Fatal(err)
		}
		wt, err := r.Worktree()
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range changes {
			for p, content := range c.files {
				writeFile(t, filepath.Join(dir, p), content)
				if _, err := wt.Add(p); err != nil {
					t.Fatal(err)
				}
			}
			sig := &object.Signature{Name: "t", Email: "t@example.com", When: weeksAgo(c.w)}
			if _, err := wt.Commit(fmt.Sprintf("%d weeks ago", c.w), &git.CommitOptions{Author: sig, Committer: sig}); err != nil {
				t.Fatal(err)
			}
		}
	}
}
