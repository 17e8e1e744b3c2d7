package backfill

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/uptake-dev/uptake/internal/gittest"

	"github.com/uptake-dev/uptake/collector/runner"
	"github.com/uptake-dev/uptake/collector/snapshot"
	"github.com/uptake-dev/uptake/collector/source"

	_ "github.com/uptake-dev/uptake/collector/source/github"
	_ "github.com/uptake-dev/uptake/collector/source/local"
)

// until is the newest step of the tests: a Monday, so weekly steps fall on it.
var until = time.Date(2026, time.June, 1, 0, 0, 0, 0, time.UTC)

// weeksAgo is an hour before the weekly step w weeks before until: the
// step sees the commit, the one before does not.
func weeksAgo(w int) time.Time { return until.AddDate(0, 0, -7*w).Add(-time.Hour) }

// change is one commit: files to write (content "" deletes).
type change struct {
	at    time.Time
	files map[string]string
}

// writeRepo commits the changes in order on main, each dated at its time.
func writeRepo(t *testing.T, dir string, changes ...change) {
	t.Helper()
	for _, c := range changes {
		gittest.Commit(t, dir, "", c.at, c.files)
	}
}

func gomod(kit string) string {
	if kit == "" {
		return "module example.com/svc\n\ngo 1.22\n"
	}
	return "module example.com/svc\n\ngo 1.22\n\nrequire github.com/acme/kit " + kit + "\n"
}

const owners = "CODEOWNERS"

// scripted writes the estate of the scripted year: an adoption 30 weeks
// ago, an upgrade 20 weeks ago, a drop 10 weeks ago, a team move 15 weeks
// ago, a Dockerfile on the base image 40 weeks ago, and a repo born 5
// weeks ago.
func scripted(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	start := weeksAgo(60)
	writeRepo(t, filepath.Join(root, "adopter"),
		change{start, map[string]string{"go.mod": gomod(""), owners: "* @acme/alpha\n"}},
		change{weeksAgo(30), map[string]string{"go.mod": gomod("v1.2.0")}})
	writeRepo(t, filepath.Join(root, "upgrader"),
		change{start, map[string]string{"go.mod": gomod("v1.0.0"), owners: "* @acme/alpha\n"}},
		change{weeksAgo(20), map[string]string{"go.mod": gomod("v1.4.0")}})
	writeRepo(t, filepath.Join(root, "dropper"),
		change{start, map[string]string{"go.mod": gomod("v1.4.0"), owners: "* @acme/beta\n"}},
		change{weeksAgo(10), map[string]string{"go.mod": gomod("")}})
	writeRepo(t, filepath.Join(root, "mover"),
		change{start, map[string]string{"go.mod": gomod(""), owners: "* @acme/alpha\n", "Dockerfile": "FROM debian:12\n"}},
		change{weeksAgo(40), map[string]string{"Dockerfile": "FROM registry.acme.io/base:3.1\n"}},
		change{weeksAgo(15), map[string]string{owners: "* @acme/beta\n"}})
	writeRepo(t, filepath.Join(root, "newcomer"),
		change{weeksAgo(5), map[string]string{"go.mod": gomod("v1.4.0"), owners: "* @acme/beta\n"}})
	return root
}

const kitOffering = `
  - name: kit
    owner: platform
    lifecycle: ga
    latest: v1.4.0
    detect:
      - {kind: gomod, module: github.com/acme/kit}
    eligible: {languages: [go]}
`

const baseOffering = `
  - name: base
    owner: platform
    lifecycle: ga
    detect:
      - {kind: dockerfile, image: registry.acme.io/base}
`

func load(t *testing.T, repos string, offerings ...string) *runner.Loaded {
	t.Helper()
	cfg := filepath.Join(t.TempDir(), "uptake.yml")
	body := fmt.Sprintf("sources:\n  - {name: local, type: local, path: %s}\nteams:\n  from: [codeowners]\n  default: unowned\nofferings:%s",
		repos, strings.Join(offerings, ""))
	if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := runner.Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// point is what a test reads from one step's snapshot.
type point map[string]int

// run backfills and returns, per step, the cells as "offering/team
// adopted/eligible outdated" counts and team repos.
func run(t *testing.T, l *runner.Loaded, o Options) []point {
	t.Helper()
	var out []point
	_, err := Run(context.Background(), l, o, func(_ time.Time, s *snapshot.Snapshot) error {
		p := point{}
		for _, tm := range s.Teams {
			p["repos "+tm.Name] = tm.Repos
		}
		for _, c := range s.Summary {
			p["adopted "+c.Offering+"/"+c.Team] = c.Adopted
			p["eligible "+c.Offering+"/"+c.Team] = c.Total
			p["outdated "+c.Offering+"/"+c.Team] = c.Outdated
		}
		out = append(out, p)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// weekly is 52 weekly steps up to until.
func weekly(t *testing.T) []time.Time {
	t.Helper()
	steps, err := Steps(until, 52*7*24*time.Hour, 7*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return steps
}

// ago is the index of the step w weeks before until among 53 weekly steps.
func ago(w int) int { return 52 - w }

func TestScriptedYear(t *testing.T) {
	repos := scripted(t)
	steps := weekly(t)
	if len(steps) != 53 || !steps[52].Equal(until) || !steps[0].Equal(until.AddDate(0, 0, -52*7)) {
		t.Fatalf("steps %v … %v (%d)", steps[0], steps[len(steps)-1], len(steps))
	}
	got := run(t, load(t, repos, kitOffering), Options{Steps: steps})

	// Today's CODEOWNERS attribute every step: mover is beta's throughout.
	for k, p := range got {
		wantAlpha, wantBeta := 2, 2
		if k >= ago(5) {
			wantBeta = 3 // newcomer
		}
		if p["repos alpha"] != wantAlpha || p["repos beta"] != wantBeta {
			t.Errorf("step %d: alpha %d beta %d repos, want %d and %d", k, p["repos alpha"], p["repos beta"], wantAlpha, wantBeta)
		}
		adoptedAlpha := 1 // upgrader
		if k >= ago(30) {
			adoptedAlpha = 2 // adopter
		}
		adoptedBeta := 0
		if k < ago(10) {
			adoptedBeta = 1 // dropper, until it drops
		}
		if k >= ago(5) {
			adoptedBeta++ // newcomer
		}
		outdated := 1 // upgrader on v1 until week 20
		if k >= ago(30) {
			outdated = 2 // and adopter's v1.2.0
		}
		if k >= ago(20) {
			outdated = 1
		}
		if p["adopted kit/alpha"] != adoptedAlpha || p["adopted kit/beta"] != adoptedBeta || p["outdated kit/alpha"] != outdated {
			t.Errorf("step %d (%d weeks ago): kit adopted alpha %d beta %d, outdated alpha %d; want %d, %d, %d", k, 52-k,
				p["adopted kit/alpha"], p["adopted kit/beta"], p["outdated kit/alpha"], adoptedAlpha, adoptedBeta, outdated)
		}
		// mover has no Go dependency on kit, and its Go module makes it eligible.
		if p["eligible kit/alpha"] != 2 || p["eligible kit/beta"] != wantBeta {
			t.Errorf("step %d: kit eligible alpha %d beta %d", k, p["eligible kit/alpha"], p["eligible kit/beta"])
		}
	}
}

func TestTeamsAsOfCommit(t *testing.T) {
	got := run(t, load(t, scripted(t), kitOffering), Options{Steps: weekly(t), TeamsAsOfCommit: true})
	for k, p := range got {
		alpha, beta := 3, 1 // mover is alpha's until it moves
		if k >= ago(15) {
			alpha, beta = 2, 2
		}
		if k >= ago(5) {
			beta++
		}
		if p["repos alpha"] != alpha || p["repos beta"] != beta {
			t.Errorf("step %d (%d weeks ago): alpha %d beta %d repos, want %d and %d", k, 52-k, p["repos alpha"], p["repos beta"], alpha, beta)
		}
	}
}

// A catalog change is not history: the backfill evaluates today's catalog
// on every commit, so an offering added today shows its past adoption and
// the others' series do not move.
func TestCatalogChangeIsAppliedToThePast(t *testing.T) {
	repos := scripted(t)
	before := run(t, load(t, repos, kitOffering), Options{Steps: weekly(t)})
	after := run(t, load(t, repos, kitOffering, baseOffering), Options{Steps: weekly(t)})
	for k := range after {
		for key, v := range before[k] {
			if after[k][key] != v {
				t.Errorf("step %d: %s %d after the catalog change, %d before", k, key, after[k][key], v)
			}
		}
		want := 0
		if k >= ago(40) {
			want = 1
		}
		if got := after[k]["adopted base/beta"]; got != want {
			t.Errorf("step %d (%d weeks ago): base adopted by beta %d, want %d", k, 52-k, got, want)
		}
		if _, ok := before[k]["adopted base/beta"]; ok {
			t.Errorf("step %d: base reported before it was in the catalog", k)
		}
	}
}

func TestShardCoversItsRepos(t *testing.T) {
	repos := scripted(t)
	l := load(t, repos, kitOffering)
	total := 0
	for i := range 2 {
		got := run(t, l, Options{Steps: weekly(t)[52:], Shard: i, Shards: 2})
		for key, v := range got[0] {
			if strings.HasPrefix(key, "repos ") {
				total += v
			}
		}
	}
	if total != 5 {
		t.Errorf("two shards count %d repos at the last step, want 5", total)
	}
}

func TestRemoteSourcesAreRefused(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "uptake.yml")
	// No token is set: the type alone refuses it, before any set-up.
	body := "sources:\n  - {name: gh, type: github, org: acme, token_env: NO_SUCH_TOKEN_VARIABLE}\nofferings:" + kitOffering
	if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := runner.Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Run(context.Background(), l, Options{Steps: weekly(t)}, func(time.Time, *snapshot.Snapshot) error { return nil })
	if !errors.Is(err, ErrNotLocal) || !strings.Contains(err.Error(), "uptake mirror") || !strings.Contains(err.Error(), `"gh" is of type github`) {
		t.Errorf("error %v, want ErrNotLocal naming the source, its type and uptake mirror", err)
	}
}

func TestSteps(t *testing.T) {
	day := 24 * time.Hour
	steps, err := Steps(time.Date(2026, 3, 4, 15, 0, 0, 0, time.UTC), 3*day, day)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range steps {
		got = append(got, s.Format(time.DateOnly))
	}
	if strings.Join(got, " ") != "2026-03-01 2026-03-02 2026-03-03 2026-03-04" {
		t.Errorf("steps %v", got)
	}
	if _, err := Steps(until, 20*365*day, time.Hour); err == nil {
		t.Error("175,200 steps accepted")
	}
	if _, err := Steps(until, day, 0); err == nil {
		t.Error("a zero step accepted")
	}
}

func TestCurrentCommits(t *testing.T) {
	at := func(h int) time.Time { return until.Add(time.Duration(h) * time.Hour) }
	// Newest first; c2's clock is behind c1's (a rebase): branch order wins.
	log := []source.Commit{{Hash: "c3", Time: at(10)}, {Hash: "c2", Time: at(1)}, {Hash: "c1", Time: at(3)}, {Hash: "c0", Time: at(0)}}
	got := currentCommits(log, []time.Time{at(-1), at(0), at(2), at(4), at(11)})
	want := []string{"", "c0", "c2", "c2", "c3"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("current commits %v, want %v", got, want)
	}
}

// The scripted year's events, exactly: each change once, at the first step
// that saw it; the baseline before the range makes none; a repo born in
// the range adopts then; the team move is an event with the CODEOWNERS of
// each commit and none with today's.
func TestEventsOfTheScriptedYear(t *testing.T) {
	repos := scripted(t)
	for _, asOfCommit := range []bool{false, true} {
		l := load(t, repos, kitOffering, baseOffering)
		ev := NewEvents("h")
		_, err := Run(context.Background(), l, Options{Steps: weekly(t), TeamsAsOfCommit: asOfCommit},
			func(at time.Time, s *snapshot.Snapshot) error { ev.Add(at, s); return nil })
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range ev.List() {
			weeks := int(until.Sub(e.Time) / (7 * 24 * time.Hour))
			got = append(got, fmt.Sprintf("%d %s %s %s %s %s>%s %s>%s", weeks, e.Repo, e.Offering, e.Event, e.Team, e.FromVersion, e.ToVersion, e.FromTeam, e.Team))
		}
		want := []string{
			"40 mover base adopted beta >3.1 >beta",
			"30 adopter kit adopted alpha >v1.2.0 >alpha",
			"20 upgrader kit upgraded alpha v1.0.0>v1.4.0 >alpha",
			"10 dropper kit dropped beta v1.4.0> >beta",
			"5 newcomer kit adopted beta >v1.4.0 >beta",
		}
		if asOfCommit {
			want = []string{
				"40 mover base adopted alpha >3.1 >alpha",
				"30 adopter kit adopted alpha >v1.2.0 >alpha",
				"20 upgrader kit upgraded alpha v1.0.0>v1.4.0 >alpha",
				"15 mover base moved beta 3.1>3.1 alpha>beta",
				"10 dropper kit dropped beta v1.4.0> >beta",
				"5 newcomer kit adopted beta >v1.4.0 >beta",
			}
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("as of commit %v: events\n%s\nwant\n%s", asOfCommit, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		initial, at := ev.Initial()
		final, last := ev.Final()
		if len(initial) != 4 || len(final) != 5 || !at.Equal(weekly(t)[0]) || !last.Equal(until) {
			t.Errorf("baselines: %d repos at %s, %d at %s", len(initial), at, len(final), last)
		}
	}
}
