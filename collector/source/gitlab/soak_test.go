package gitlab

import (
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/uptake-dev/uptake/collector/evaluate"
	"github.com/uptake-dev/uptake/collector/runner"
	"github.com/uptake-dev/uptake/collector/snapshot"
	"github.com/uptake-dev/uptake/collector/source"
	"github.com/uptake-dev/uptake/collector/source/sourcetest"
	"github.com/uptake-dev/uptake/config"
)

const soakConfig = `
sources: [{name: gl, type: gitlab, group: acme}]
teams: {from: [codeowners]}
offerings:
  - {name: ci, owner: platform, lifecycle: ga, detect: [{kind: gitlab_ci, component: gitlab.example.com/acme/platform-ci/go-build}]}
`

// TestSoakUnderRandomFaults runs 30 scans of a group with no cache at all,
// so every scan reads every needed file again, with about 8% of the API
// requests spoiled: every published cell and team equals the fault-free
// truth at every scan, and the first clean scan has no error left.
func TestSoakUnderRandomFaults(t *testing.T) {
	projects := groupProjects(t, 24)
	faults := sourcetest.NewRandomFaults(3024, 0.08, isRaw)
	inj := &sourcetest.Injector{Pick: faults.Pick}
	faults.On.Store(false)
	f := newFake(t, projects)
	f.maxPerPage = 5
	inj.Next, inj.Elsewhere, inj.MaxStall = http.HandlerFunc(f.serve), sourcetest.Elsewhere(t).URL, 2*time.Second
	f.front = inj
	src := newTestSource(t, testConfig(t, f), Options{HTTPTimeout: 150 * time.Millisecond, Concurrency: 4})
	cfg, err := config.Parse("soak.yml", []byte(soakConfig))
	if err != nil {
		t.Fatal(err)
	}
	l, err := runner.Compile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	engine := runner.NewEngine(runner.Options{})
	scan := func() (snapshot.SourceScan, *snapshot.Snapshot) {
		res := engine.Scan(t.Context(), l, []source.Source{src})
		return res.Sources[0], evaluate.Build(l.Config, l.Catalog, res, time.Now(), nil)
	}
	teams := func(s *snapshot.Snapshot) map[string]string {
		out := map[string]string{}
		for _, r := range s.Repos {
			out[r.Name] = r.Team
		}
		return out
	}
	st, truth := scan()
	if st.RepoErrors != 0 || len(truth.Repos) != 24 || truth.Offerings[0].Adopted != 24 {
		t.Fatalf("fault-free scan: %+v, offerings %+v", st, truth.Offerings)
	}

	faults.On.Store(true)
	var repoErrors, stale int
	for i := range 30 {
		st, snap := scan()
		repoErrors += st.RepoErrors
		stale += st.StaleRepos
		if !reflect.DeepEqual(snap.Summary, truth.Summary) || !reflect.DeepEqual(teams(snap), teams(truth)) {
			t.Fatalf("scan %d under faults published other cells or teams than the truth (%+v)", i, st)
		}
	}
	if repoErrors == 0 || stale == 0 {
		t.Fatalf("30 scans under faults showed %d repo errors and %d stale repos: the faults did not reach the reads", repoErrors, stale)
	}
	faults.On.Store(false)
	if st, final := scan(); !st.OK || st.RepoErrors != 0 || st.StaleRepos != 0 || !reflect.DeepEqual(final.Summary, truth.Summary) {
		t.Fatalf("first scan after the faults: %+v", st)
	}
	_, injected := faults.Counts()
	t.Logf("faults injected %v; over 30 scans %d repo errors, %d stale repo-scans", injected, repoErrors, stale)
}
