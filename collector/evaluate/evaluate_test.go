package evaluate

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/uptake-dev/uptake/collector/detect"
	"github.com/uptake-dev/uptake/collector/inventory"
	"github.com/uptake-dev/uptake/collector/match"
	"github.com/uptake-dev/uptake/collector/snapshot"
	"github.com/uptake-dev/uptake/collector/source"
	"github.com/uptake-dev/uptake/config"
)

func compile(t *testing.T, yml string) (*config.Config, *match.Catalog) {
	t.Helper()
	cfg, err := config.Parse("test.yml", []byte("sources: [{name: s, type: local, path: /x}]\n"+yml))
	if err != nil {
		t.Fatal(err)
	}
	cat, err := match.Compile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return cfg, cat
}

func kit(v string) detect.Component {
	return detect.Component{Kind: "gomod", Name: "github.com/acme/kit", Version: v, Path: "go.mod", Line: 3}
}

func adopts(team, v string) repoEval {
	return repoEval{team: team, adoption: map[string]match.Adoption{"kit": {Version: v}}, status: map[string]match.Status{"kit": match.Adopted}}
}

func standing(team string, s match.Status) repoEval {
	return repoEval{team: team, status: map[string]match.Status{"kit": s}}
}

func TestResolveLatest(t *testing.T) {
	for _, tc := range []struct {
		latest string
		evals  []repoEval
		want   string
	}{
		{"v2.0.0", []repoEval{adopts("a", "v3.0.0")}, "v2.0.0"},
		{"", []repoEval{adopts("a", "v3.0.0")}, ""},
		{"auto", []repoEval{adopts("a", "v1.2.0"), adopts("b", "v1.10.0"), adopts("c", "unknown")}, "v1.10.0"},
		{"auto", []repoEval{adopts("a", "unknown")}, ""},
		// A floating tag is never latest over a release within it.
		{"auto", []repoEval{adopts("a", "v7"), adopts("b", "v7.0.1"), adopts("c", "v6.4.0")}, "v7.0.1"},
		{"auto", []repoEval{adopts("a", "v4"), adopts("b", "v3")}, "v4"},
		{"auto", []repoEval{standing("a", match.Eligible)}, ""},
	} {
		o := &match.Offering{Offering: &config.Offering{Name: "kit", Latest: tc.latest}}
		if got := resolveLatest(o, tc.evals); got != tc.want {
			t.Errorf("latest %q over %d repos = %q, want %q", tc.latest, len(tc.evals), got, tc.want)
		}
	}
}

func TestTallyCells(t *testing.T) {
	teams := []snapshot.TeamReport{{Name: "a", Repos: 5}, {Name: "b", Repos: 1}, {Name: "idle", Repos: 1}}
	evals := []repoEval{
		adopts("a", "v2.1.0"),  // current
		adopts("a", "v2.0.0"),  // outdated, same major
		adopts("a", "v1.9.0"),  // outdated, a major behind
		adopts("a", "unknown"), // never outdated
		standing("a", match.Waived),
		standing("b", match.Eligible),
		standing("idle", match.Ineligible),
	}
	cells, versions := tallyCells("kit", "v2.1.0", teams, evals)
	one, zero := 1.0, 0.0
	want := []snapshot.Cell{
		{Offering: "kit", Team: "a", TeamRepos: 5, Adopted: 4, Total: 4, Waived: 1, Ratio: &one, Outdated: 2, OutdatedMajor: 1, UnknownVersion: 1},
		{Offering: "kit", Team: "b", TeamRepos: 1, Total: 1, Ratio: &zero},
		{Offering: "kit", Team: "idle", TeamRepos: 1},
	}
	if !reflect.DeepEqual(cells, want) {
		t.Errorf("cells =\n%+v\nwant\n%+v", cells, want)
	}
	if want := map[string]int{"v2.1.0": 1, "v2.0.0": 1, "v1.9.0": 1, "unknown": 1}; !reflect.DeepEqual(versions, want) {
		t.Errorf("versions = %v", versions)
	}
	// Without a latest, nothing is outdated.
	cells, _ = tallyCells("kit", "", teams, evals)
	if cells[0].Outdated != 0 || cells[0].OutdatedMajor != 0 || cells[0].UnknownVersion != 1 {
		t.Errorf("no latest: %+v", cells[0])
	}
}

// Evidence carries where the version came from: the section declaring it
// and the lockfile that pinned it.
func TestRepoOfferingEvidence(t *testing.T) {
	c := detect.Component{Kind: "npm", Name: "@acme/ui", Version: "2.1.0", Path: "web/package.json", Line: 7, URL: "u",
		Section: "dependencies", Lockfile: "pnpm-lock.yaml", Attrs: map[string]string{"lockfile": "pnpm-lock.yaml:40"}}
	got := repoOffering("ui", match.Adoption{Version: "2.1.0", Evidence: []detect.Component{c}})
	want := snapshot.RepoOffering{Offering: "ui", Version: "2.1.0", Evidence: []snapshot.Evidence{{Path: "web/package.json", Line: 7, URL: "u",
		Kind: "npm", Name: "@acme/ui", Version: "2.1.0", VersionSource: &snapshot.VersionSource{Section: "dependencies", Lockfile: "pnpm-lock.yaml"}}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("repoOffering = %+v, want %+v", got, want)
	}
	// Neither known: no VersionSource, and no JSON fields for it.
	got = repoOffering("kit", match.Adoption{Version: "v1.0.0", Evidence: []detect.Component{kit("v1.0.0")}})
	if got.Evidence[0].VersionSource != nil {
		t.Errorf("evidence without section or lockfile has %+v", got.Evidence[0].VersionSource)
	}
	data, err := json.Marshal(snapshot.Evidence{Path: "p", Kind: "npm", Name: "a", VersionSource: &snapshot.VersionSource{Section: "dependencies"}})
	if err != nil || string(data) != `{"path":"p","line":0,"kind":"npm","name":"a","section":"dependencies"}` {
		t.Errorf("evidence JSON = %s, %v", data, err)
	}
}

// A floating tag tracks the newest release within its components: v7 is
// current against latest v7.0.1, v6 is a major behind.
func TestTallyCellsFloating(t *testing.T) {
	teams := []snapshot.TeamReport{{Name: "a", Repos: 4}}
	evals := []repoEval{adopts("a", "v7"), adopts("a", "v7.0.1"), adopts("a", "v7.0.0"), adopts("a", "v6")}
	cells, _ := tallyCells("kit", "v7.0.1", teams, evals)
	if c := cells[0]; c.Adopted != 4 || c.Outdated != 2 || c.OutdatedMajor != 1 {
		t.Errorf("cell = %+v, want 4 adopted, 2 outdated (v7.0.0, v6), 1 a major behind (v6)", c)
	}
}

func vc(v string, n int) snapshot.VersionCount { return snapshot.VersionCount{Version: v, Repos: n} }

func TestBucketVersions(t *testing.T) {
	counts := map[string]int{"v1.0.0": 1, "v1.2.0": 2, "v1.10.0": 3, "v0.9.0": 4, "unknown": 5}
	for _, tc := range []struct {
		n    int
		want []snapshot.VersionCount
	}{
		{10, []snapshot.VersionCount{vc("v1.10.0", 3), vc("v1.2.0", 2), vc("v1.0.0", 1), vc("v0.9.0", 4), vc("unknown", 5)}},
		{2, []snapshot.VersionCount{vc("v1.10.0", 3), vc("v1.2.0", 2), vc("other", 5), vc("unknown", 5)}},
		{0, []snapshot.VersionCount{vc("other", 10), vc("unknown", 5)}},
	} {
		if got := bucketVersions(counts, tc.n); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("n=%d: %v, want %v", tc.n, got, tc.want)
		}
	}
	if got := bucketVersions(map[string]int{}, 3); got == nil || len(got) != 0 {
		t.Errorf("no adopters: %#v, want an empty list (JSON [])", got)
	}
}

func TestApplyROI(t *testing.T) {
	roi := &config.OfferingROI{HoursSavedPerRepoMonth: 4, HoursSavedPerTeamMonth: 10, CostPerMonth: 2000, OnboardingHoursPerRepo: 8}
	cells := []snapshot.Cell{{Team: "a", Adopted: 2, Total: 3}, {Team: "b", Adopted: 0, Total: 2}}
	rep := applyROI(roi, 100, cells)
	// a: 2×4 + 10 = 18 h, 1,800; b: no adopter, no team hours; onboarding 8 and 16.
	if cells[0].HoursSaved != 18 || cells[0].Value != 1800 || cells[0].OnboardingRemaining != 8 {
		t.Errorf("cell a = %+v", cells[0])
	}
	if cells[1].HoursSaved != 0 || cells[1].Value != 0 || cells[1].OnboardingRemaining != 16 {
		t.Errorf("cell b = %+v", cells[1])
	}
	if rep.HoursPerMonth != 18 || rep.ValuePerMonth != 1800 || rep.Ratio == nil || *rep.Ratio != -0.1 {
		t.Errorf("offering ROI = %+v", rep)
	}
	free := applyROI(&config.OfferingROI{HoursSavedPerRepoMonth: 1}, 100, []snapshot.Cell{{Adopted: 1, Total: 1}})
	if free.Ratio != nil {
		t.Errorf("cost 0: ratio %v, want none", *free.Ratio)
	}
}

func TestBuild(t *testing.T) {
	cfg, cat := compile(t, `teams:
  from: [map]
  map: {pay: ["pay-*"]}
offerings:
  - name: kit
    owner: o
    lifecycle: ga
    latest: auto
    detect: [{kind: gomod, module: github.com/acme/kit}]
    waivers:
      - {repo: pay-old, reason: gone soon, expires: "2026-01-31"}
`)
	repo := func(name string) source.Repo { return source.Repo{Source: "s", Name: name} }
	res := &Result{Time: time.Unix(1700000000, 0), Repos: []RepoScan{
		{Repo: repo("pay-b"), Head: "h2", Inventory: inventory.Inventory{Components: []detect.Component{kit("v1.3.0")}}},
		{Repo: repo("pay-a"), Head: "h1", Inventory: inventory.Inventory{Components: []detect.Component{kit("v1.2.0")}}},
		// A failed read whose last good data is kept still counts, marked stale.
		{Repo: repo("pay-stale"), Stale: true, Err: "timeout", Inventory: inventory.Inventory{Components: []detect.Component{kit("v1.0.0")},
			FileErrors: 3, ReaderErrors: map[string]int{"gomod": 2, "codeowners": 1}}},
		// A failed repo without data is reported, never counted.
		{Repo: repo("pay-gone"), Err: "404 Not Found"},
		{Repo: repo("pay-old")},
		{Repo: repo("misc")},
	}, Sources: []snapshot.SourceScan{{Name: "s", OK: true}}, Readers: []string{"codeowners", "gomod", "npm"}}
	core, logs := observer.New(zap.InfoLevel)
	snap := Build(cfg, cat, res, time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), zap.New(core))

	var names []string
	for _, r := range snap.Repos {
		names = append(names, r.Name)
	}
	if want := []string{"misc", "pay-a", "pay-b", "pay-gone", "pay-old", "pay-stale"}; !reflect.DeepEqual(names, want) {
		t.Errorf("repos = %v, want sorted %v", names, want)
	}
	byName := map[string]snapshot.RepoReport{}
	for _, r := range snap.Repos {
		byName[r.Name] = r
	}
	if g := byName["pay-gone"]; g.Team != "" || g.Error == "" || g.Offerings == nil {
		t.Errorf("failed repo = %+v, want its error, no team, an empty offering list", g)
	}
	if s := byName["pay-stale"]; !s.Stale || len(s.Offerings) != 1 {
		t.Errorf("stale repo = %+v", s)
	}
	if o := byName["pay-old"]; len(o.Waived) != 0 {
		t.Errorf("expired waiver still excuses pay-old: %+v", o.Waived)
	}
	if want := []snapshot.TeamReport{{Name: "pay", Repos: 4}, {Name: "unowned", Repos: 1}}; !reflect.DeepEqual(snap.Teams, want) {
		t.Errorf("teams = %+v, want %+v", snap.Teams, want)
	}
	o := snap.Offerings[0]
	if o.Latest != "v1.3.0" || o.Adopted != 3 || o.Eligible != 5 {
		t.Errorf("offering = %+v, want latest auto → v1.3.0, 3 adopted of 5 eligible", o)
	}
	if c := snap.Summary[0]; c.Team != "pay" || c.Adopted != 3 || c.Total != 4 || c.Outdated != 2 || c.OutdatedMajor != 0 {
		t.Errorf("pay cell = %+v", c)
	}
	if logs.FilterMessage("waiver expired; the repo counts as eligible again").Len() != 1 {
		t.Errorf("expired waiver not logged: %v", logs.All())
	}
	if want := map[string]int{"codeowners": 1, "gomod": 2, "npm": 0}; !reflect.DeepEqual(snap.Sources[0].DetectorFileErrors, want) {
		t.Errorf("detector file errors = %v, want %v", snap.Sources[0].DetectorFileErrors, want)
	}
	if res.Sources[0].DetectorFileErrors != nil {
		t.Error("Build wrote into the shared scan result")
	}
	if snap.ROI || snap.Offerings[0].ROI != nil {
		t.Errorf("no offering has roi, but the snapshot says ROI")
	}
}

// TestAttributionQuality: repos counted by the source that gave their team,
// placeholders by the source that named them, and every repo that fell to
// the default team listed with each source's reason; failed repos are in
// neither.
func TestAttributionQuality(t *testing.T) {
	cfg, cat := compile(t, `teams:
  from: [backstage, codeowners, map]
  known: [payments, search]
  map: {search: ["search-*"]}
offerings:
  - {name: kit, owner: o, lifecycle: ga, detect: [{kind: gomod, module: github.com/acme/kit}]}
`)
	repo := func(name string, inv inventory.Inventory) RepoScan {
		return RepoScan{Repo: source.Repo{Source: "s", Name: name}, Inventory: inv}
	}
	res := &Result{Repos: []RepoScan{
		repo("pay-api", inventory.Inventory{CatalogOwner: "group:default/payments", Owners: []string{"@acme/search"}}),
		repo("pay-web", inventory.Inventory{CatalogOwner: "user:default/alice", Owners: []string{"@acme/payments"}}),
		// A placeholder owner falls through to the map.
		repo("search-ui", inventory.Inventory{CatalogOwner: "group:team-tbd"}),
		repo("tools", inventory.Inventory{CatalogOwner: "john@example.com", Owners: []string{"@acme/owners"}}),
		repo("broken", inventory.Inventory{ReaderErrors: map[string]int{inventory.BackstageReader: 1}}),
		{Repo: source.Repo{Source: "s", Name: "gone"}, Err: "404"},
	}, Sources: []snapshot.SourceScan{{Name: "s", OK: true}}}
	snap := Build(cfg, cat, res, time.Now(), nil)
	want := []snapshot.AttributionCount{{Via: "backstage", Repos: 1, Placeholders: 1}, {Via: "codeowners", Repos: 1, Placeholders: 1},
		{Via: "map", Repos: 1}, {Via: "default", Repos: 2}}
	if !reflect.DeepEqual(snap.Attribution, want) {
		t.Errorf("attribution = %+v, want %+v", snap.Attribution, want)
	}
	wantU := []snapshot.UnattributedRepo{
		{Source: "s", Name: "broken", Reasons: []snapshot.AttributionReason{
			{Via: "backstage", Reason: "catalog-info file could not be used (a file error)"},
			{Via: "codeowners", Reason: "no CODEOWNERS owner of the repo root"},
			{Via: "map", Reason: "no teams.map glob matches"}}},
		{Source: "s", Name: "tools", Reasons: []snapshot.AttributionReason{
			{Via: "backstage", Reason: `spec.owner "john@example.com" is an e-mail`},
			{Via: "codeowners", Reason: `"owners" is not a known team`},
			{Via: "map", Reason: "no teams.map glob matches"}}},
	}
	if !reflect.DeepEqual(snap.Unattributed, wantU) {
		t.Errorf("unattributed = %+v, want %+v", snap.Unattributed, wantU)
	}
	for _, r := range snap.Repos {
		if r.Name == "search-ui" && (r.Team != "search" || r.TeamVia != "map" || !reflect.DeepEqual(r.TeamPlaceholders, []string{"backstage"})) {
			t.Errorf("search-ui = %s via %s, placeholders %v", r.Team, r.TeamVia, r.TeamPlaceholders)
		}
	}
}

// Each rule counts the counted repos with a component it matches: once per
// repo however many components match, stale repos included, a failed repo
// without data not; a rule matching nothing is listed at 0.
func TestRuleReports(t *testing.T) {
	cfg, cat := compile(t, `offerings:
  - name: kit
    owner: o
    lifecycle: ga
    detect:
      - {kind: gomod, module: github.com/acme/kit}
      - {kind: dockerfile, image: registry.acme.io/kit}
      - {kind: npm, package: "@acme/kit"}
`)
	image := detect.Component{Kind: "dockerfile", Name: "registry.acme.io/kit/runtime", Path: "Dockerfile", Line: 1}
	repo := func(name string) source.Repo { return source.Repo{Source: "s", Name: name} }
	res := &Result{Repos: []RepoScan{
		{Repo: repo("a"), Inventory: inventory.Inventory{Components: []detect.Component{kit("v1.0.0"), kit("v1.1.0"), image}}},
		{Repo: repo("b"), Stale: true, Err: "timeout", Inventory: inventory.Inventory{Components: []detect.Component{kit("v1.0.0")}}},
		{Repo: repo("c"), Err: "404 Not Found", Inventory: inventory.Inventory{Components: []detect.Component{image}}},
		{Repo: repo("d")},
	}, Sources: []snapshot.SourceScan{{Name: "s", OK: true}}}
	snap := Build(cfg, cat, res, time.Now(), nil)
	want := []snapshot.RuleReport{
		{Kind: "gomod", Params: map[string]string{"module": "github.com/acme/kit"}, Line: 7, MatchedRepos: 2},
		{Kind: "dockerfile", Params: map[string]string{"image": "registry.acme.io/kit"}, Line: 8, MatchedRepos: 1},
		{Kind: "npm", Params: map[string]string{"package": "@acme/kit"}, Line: 9, MatchedRepos: 0},
	}
	if got := snap.Offerings[0].Rules; !reflect.DeepEqual(got, want) {
		t.Errorf("rules = %+v, want %+v", got, want)
	}
}

// A repo's skipped files reach its report; a cache entry written before
// the list existed still decodes, its count kept and no list.
func TestFileErrorListReachesTheReport(t *testing.T) {
	cfg, cat := compile(t, `offerings: [{name: kit, owner: o, lifecycle: ga, detect: [{kind: gomod, module: github.com/acme/kit}]}]
`)
	var old RepoScan
	if err := json.Unmarshal([]byte(`{"repo":{"source":"s","name":"old"},"head":"h0",
		"inventory":{"components":[{"kind":"gomod","name":"github.com/acme/kit","version":"v1.0.0","path":"go.mod","line":3}],"file_errors":2,"files_read":3},
		"result_time":"2026-11-01T00:00:00Z"}`), &old); err != nil {
		t.Fatal(err)
	}
	list := []inventory.FileError{{Path: "a/go.mod", Error: "gomod: not parseable (line 3)"}, {Path: "b\n\"c", Error: "gomod: binary file"}}
	res := &Result{Repos: []RepoScan{
		{Repo: source.Repo{Source: "s", Name: "new"}, Inventory: inventory.Inventory{FileErrors: 2, FileErrorList: list}},
		{Repo: source.Repo{Source: "s", Name: "clean"}},
		old,
	}, Sources: []snapshot.SourceScan{{Name: "s", OK: true}}}
	snap := Build(cfg, cat, res, time.Now(), nil)
	byName := map[string]snapshot.RepoReport{}
	for _, r := range snap.Repos {
		byName[r.Name] = r
	}
	want := []snapshot.FileError{{Path: "a/go.mod", Error: "gomod: not parseable (line 3)"}, {Path: "b\n\"c", Error: "gomod: binary file"}}
	if r := byName["new"]; r.FileErrors != 2 || !reflect.DeepEqual(r.FileErrorList, want) {
		t.Errorf("new: %d file errors, list %+v; want %+v", r.FileErrors, r.FileErrorList, want)
	}
	if r := byName["clean"]; r.FileErrorList != nil {
		t.Errorf("clean: list %+v, want nil", r.FileErrorList)
	}
	if r := byName["old"]; r.FileErrors != 2 || r.FileErrorList != nil || len(r.Offerings) != 1 {
		t.Errorf("old cache entry: %d file errors, list %+v, offerings %+v", r.FileErrors, r.FileErrorList, r.Offerings)
	}
	data, err := json.Marshal(byName["new"])
	if err != nil || !strings.Contains(string(data), `"file_error_list":[{"path":"a/go.mod","error":"gomod: not parseable (line 3)"},{"path":"b\n\"c"`) {
		t.Errorf("JSON %s (%v)", data, err)
	}
}

// A memo's snapshots are Build's: a repo at a new head, and one whose
// waiver expired between two times, are evaluated again.
func TestBuildWithMemo(t *testing.T) {
	cfg, cat := compile(t, `teams:
  from: [map]
  map: {pay: ["pay-*"]}
offerings:
  - name: kit
    owner: o
    lifecycle: ga
    detect: [{kind: gomod, module: github.com/acme/kit}]
    waivers:
      - {repo: pay-old, reason: gone soon, expires: "2026-01-31"}
`)
	scan := func(name, head string, comps ...detect.Component) RepoScan {
		return RepoScan{Repo: source.Repo{Source: "s", Name: name}, Head: head, Inventory: inventory.Inventory{Components: comps}}
	}
	jan, feb := time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC), time.Date(2026, 2, 15, 0, 0, 0, 0, time.UTC)
	steps := []struct {
		at    time.Time
		repos []RepoScan
	}{
		{jan, []RepoScan{scan("pay-a", "h1"), scan("pay-old", "o1")}},
		{jan.AddDate(0, 0, 7), []RepoScan{scan("pay-a", "h2", kit("v1.0.0")), scan("pay-old", "o1")}},
		{feb, []RepoScan{scan("pay-a", "h2", kit("v1.0.0")), scan("pay-old", "o1")}},
	}
	memo := NewMemo()
	for i, st := range steps {
		res := &Result{Time: st.at, Repos: st.repos}
		want := Build(cfg, cat, res, st.at, nil)
		got := BuildWith(cfg, cat, res, st.at, memo)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("step %d: with the memo\n%+v\nwithout\n%+v", i, got.Summary, want.Summary)
		}
	}
	// The last step's pay cell: the waiver expired, pay-old is eligible.
	if c := BuildWith(cfg, cat, &Result{Repos: steps[2].repos}, feb, memo).Summary[0]; c.Total != 2 || c.Adopted != 1 {
		t.Errorf("after the waiver expired: %+v", c)
	}
}
