package github

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/uptake-dev/uptake/collector/cache"
	"github.com/uptake-dev/uptake/collector/evaluate"
	"github.com/uptake-dev/uptake/collector/runner"
	"github.com/uptake-dev/uptake/collector/snapshot"
	"github.com/uptake-dev/uptake/collector/source"
	"github.com/uptake-dev/uptake/collector/source/sourcetest"
	"github.com/uptake-dev/uptake/config"
)

const soakConfig = `
sources: [{name: gh, type: github, org: octo-org}]
teams: {from: [codeowners]}
offerings:
  - {name: service-kit, owner: platform, lifecycle: ga, latest: v1.4.0, detect: [{kind: gomod, module: github.com/acme/service-kit}]}
  - {name: charts, owner: platform, lifecycle: beta, detect: [{kind: file, path: deploy/values.yaml}]}
`

// TestSoakUnderRandomFaults runs 30 scans of an org whose repos keep
// committing, with about 8% of the API requests spoiled, through the real
// engine and cache: every published cell and every team equals the
// fault-free truth at every scan, faults show as errors and staleness, and
// the first scan after the faults stop ends exactly at the truth.
func TestSoakUnderRandomFaults(t *testing.T) {
	var repos []*fakeRepo
	for i := range 30 {
		files := map[string]string{
			".github/CODEOWNERS": fmt.Sprintf("* @octo-org/%s\n", []string{"payments", "search", "checkout"}[i%3]),
			"go.mod":             fmt.Sprintf("module example.com/svc%d\n\nrequire github.com/acme/service-kit v1.%d.0\n", i, i%5),
		}
		if i%4 == 0 {
			files["go.mod"] = fmt.Sprintf("module example.com/svc%d\n", i)
		}
		if i%2 == 0 {
			files["deploy/values.yaml"] = "replicas: 2\n"
		}
		repos = append(repos, &fakeRepo{Name: fmt.Sprintf("svc-%02d", i), Files: files})
	}
	commits := rand.New(rand.NewPCG(30, 8))
	faults := sourcetest.NewRandomFaults(3008, 0.08, isBlob)
	inj := &sourcetest.Injector{Pick: faults.Pick}
	faults.On.Store(false)
	f := newFake(t, repos...)
	f.perPage = 10
	inj.Next, inj.Elsewhere, inj.MaxStall = f.srv.Config.Handler, sourcetest.Elsewhere(t).URL, 2*time.Second
	f.srv.Config.Handler = inj
	store, err := cache.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	src := f.source(t, config.Source{}, Options{Store: store, HTTPTimeout: 150 * time.Millisecond, Concurrency: 4})
	cfg, err := config.Parse("soak.yml", []byte(soakConfig))
	if err != nil {
		t.Fatal(err)
	}
	l, err := runner.Compile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	engine := runner.NewEngine(runner.Options{Store: store})
	scan := func() (*evaluate.Result, *snapshot.Snapshot) {
		res := engine.Scan(t.Context(), l, []source.Source{src})
		return res, evaluate.Build(l.Config, l.Catalog, res, time.Now(), nil)
	}
	teams := func(s *snapshot.Snapshot) map[string]string {
		out := map[string]string{}
		for _, r := range s.Repos {
			out[r.Name] = r.Team
		}
		return out
	}
	_, truth := scan()
	if len(truth.Repos) != 30 || truth.Sources[0].RepoErrors != 0 {
		t.Fatalf("fault-free scan: %+v", truth.Sources[0])
	}

	faults.On.Store(true)
	var repoErrors, stale, listFailures int
	for i := range 30 {
		// New commits that change nothing a rule sees: their files must be
		// read again, through the faults.
		f.mu.Lock()
		for _, j := range commits.Perm(len(repos))[:6] {
			repos[j].Files["go.mod"] += fmt.Sprintf("// scan %d\n", i)
		}
		f.mu.Unlock()
		res, snap := scan()
		st := res.Sources[0]
		repoErrors += st.RepoErrors
		stale += st.StaleRepos
		if !st.OK {
			listFailures++
		}
		if !reflect.DeepEqual(snap.Summary, truth.Summary) {
			t.Fatalf("scan %d under faults published other cells than the truth:\n%+v\nwant\n%+v", i, snap.Summary, truth.Summary)
		}
		if !reflect.DeepEqual(teams(snap), teams(truth)) {
			t.Fatalf("scan %d under faults moved repos between teams", i)
		}
		if st.StaleRepos > 0 && st.OldestResult.IsZero() {
			t.Fatalf("scan %d: %d stale repos and no oldest result time", i, st.StaleRepos)
		}
	}
	if repoErrors == 0 || stale == 0 {
		t.Fatalf("30 scans under faults showed %d repo errors and %d stale repos: the faults did not reach the reads", repoErrors, stale)
	}

	faults.On.Store(false)
	res, final := scan()
	st := res.Sources[0]
	if !st.OK || st.RepoErrors != 0 || st.StaleRepos != 0 || !reflect.DeepEqual(final.Summary, truth.Summary) {
		t.Fatalf("first scan after the faults: %+v", st)
	}
	f.mu.Lock()
	heads := map[string]string{}
	for _, r := range repos {
		heads["octo-org/"+r.Name] = r.head()
	}
	f.mu.Unlock()
	for _, r := range final.Repos {
		if r.Head != heads[r.Name] || r.Stale {
			t.Fatalf("%s after the faults: head %s stale %v, want the newest commit %s", r.Name, r.Head, r.Stale, heads[r.Name])
		}
	}
	_, injected := faults.Counts()
	t.Logf("faults injected %v; over 30 scans %d repo errors, %d stale repo-scans, %d failed listings", injected, repoErrors, stale, listFailures)
}
