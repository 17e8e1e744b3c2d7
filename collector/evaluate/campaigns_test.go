package evaluate

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/uptake-dev/uptake/collector/detect"
	"github.com/uptake-dev/uptake/collector/inventory"
	"github.com/uptake-dev/uptake/collector/snapshot"
	"github.com/uptake-dev/uptake/collector/source"
)

const campaignCatalog = `teams:
  from: [map]
  map: {pay: ["pay-*"], search: ["srch-*"]}
offerings:
  - name: kit
    owner: platform
    lifecycle: ga
    detect: [{kind: gomod, module: github.com/acme/kit}]
    eligible: {exclude_repos: ["*-sandbox-*"]}
    waivers:
      - {repo: "*-waived-*", reason: frozen, expires: "2027-01-31"}
  - name: oldkit
    owner: platform
    lifecycle: deprecated
    replaced_by: kit
    detect: [{kind: gomod, module: github.com/acme/oldkit}]
campaigns:
  - name: kit-v2
    from: [oldkit]
    to: kit
    min_version: 2.0.0
    deadline: 2027-03-31
    owner: platform
    idle_after: 90d
  - name: any-kit
    to: kit
`

// plantedRepo is one kind of repo the test plants, and the state it must
// end in for kit-v2.
type plantedRepo struct {
	kind, state string
	comps       []detect.Component
	old         bool // HEAD commit older than idle_after
}

func mod(module, v string) detect.Component {
	return detect.Component{Kind: "gomod", Name: module, Version: v, Path: "go.mod", Line: 3}
}

var planted = []plantedRepo{
	{"done", snapshot.CampaignDone, []detect.Component{mod("github.com/acme/kit", "v2.1.0")}, false},
	// Done outranks idle: an untouched repo that finished is done.
	{"done-old", snapshot.CampaignDone, []detect.Component{mod("github.com/acme/kit", "v2.0.0")}, true},
	{"below", snapshot.CampaignRemaining, []detect.Component{mod("github.com/acme/kit", "v1.9.0")}, false},
	// Still using a from offering keeps a repo remaining though it adopts to.
	{"both", snapshot.CampaignRemaining, []detect.Component{mod("github.com/acme/kit", "v2.1.0"), mod("github.com/acme/oldkit", "v1.0.0")}, false},
	{"unknown", snapshot.CampaignRemaining, []detect.Component{mod("github.com/acme/kit", "master")}, false},
	{"none", snapshot.CampaignRemaining, nil, false},
	{"legacy", snapshot.CampaignRemaining, []detect.Component{mod("github.com/acme/oldkit", "v1.0.0")}, false},
	// A waiver of to marks the repo waived, and outranks idle.
	{"waived", snapshot.CampaignWaived, []detect.Component{mod("github.com/acme/oldkit", "v1.0.0")}, true},
	{"idle", snapshot.CampaignIdle, []detect.Component{mod("github.com/acme/oldkit", "v1.0.0")}, true},
	// Outside kit's eligible rules: not in scope at all.
	{"sandbox", "", nil, false},
}

func TestCampaignStates(t *testing.T) {
	cfg, cat := compile(t, campaignCatalog)
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	// Each team gets its own mix, so a count in the wrong team shows.
	perTeam := map[string]map[string]int{
		"pay":  {"done": 3, "done-old": 1, "below": 2, "both": 1, "unknown": 1, "none": 1, "legacy": 2, "waived": 1, "idle": 2, "sandbox": 2},
		"srch": {"done": 5, "idle": 1, "waived": 2},
		"misc": {"none": 2, "done": 1},
	}
	teamOf := map[string]string{"pay": "pay", "srch": "search", "misc": "unowned"}
	res := &Result{Time: now}
	want := map[string]*snapshot.CampaignCounts{}
	var wantTotal snapshot.CampaignCounts
	wantState := map[string]string{}
	for prefix, mix := range perTeam {
		for _, p := range planted {
			for i := range mix[p.kind] {
				name := fmt.Sprintf("%s-%s-%d", prefix, p.kind, i)
				head := now.Add(-24 * time.Hour)
				if p.old {
					head = now.Add(-91 * 24 * time.Hour)
				}
				res.Repos = append(res.Repos, RepoScan{Repo: source.Repo{Source: "s", Name: name}, Head: "h" + name, HeadTime: head,
					Inventory: inventory.Inventory{Components: p.comps}})
				if p.state == "" {
					continue
				}
				if want[teamOf[prefix]] == nil {
					want[teamOf[prefix]] = &snapshot.CampaignCounts{}
				}
				want[teamOf[prefix]].Add(p.state)
				wantTotal.Add(p.state)
				wantState[name] = p.state
			}
		}
	}
	snap := Build(cfg, cat, res, now, nil)
	if len(snap.Campaigns) != 2 {
		t.Fatalf("campaigns = %d, want kit-v2 and any-kit (oldkit is named by kit-v2: no implicit one)", len(snap.Campaigns))
	}
	c := snap.Campaigns[0]
	if c.Name != "kit-v2" || c.Total != wantTotal {
		t.Errorf("%s total = %+v, want %+v", c.Name, c.Total, wantTotal)
	}
	got := map[string]*snapshot.CampaignCounts{}
	for _, tm := range c.Teams {
		got[tm.Team] = &tm.CampaignCounts
	}
	if !reflect.DeepEqual(got, want) {
		for team := range want {
			t.Errorf("team %s: %+v, want %+v", team, got[team], want[team])
		}
	}
	if len(c.Repos) != len(wantState) {
		t.Errorf("%d repos in scope, want %d", len(c.Repos), len(wantState))
	}
	for _, r := range c.Repos {
		if r.State != wantState[r.Name] {
			t.Errorf("%s: %s (%s), want %s", r.Name, r.State, r.Reason, wantState[r.Name])
		}
		if r.Unowned != (r.Team == "unowned") {
			t.Errorf("%s: unowned = %v in team %s", r.Name, r.Unowned, r.Team)
		}
	}
	byName := map[string]snapshot.CampaignRepo{}
	for _, r := range c.Repos {
		byName[r.Name] = r
	}
	for name, reason := range map[string]string{
		"pay-below-0":   "kit v1.9.0 is below 2.0.0",
		"pay-both-0":    "uses oldkit",
		"pay-unknown-0": "kit at an unknown version, 2.0.0 needed",
		"pay-none-0":    "does not adopt kit",
	} {
		if r := byName[name]; r.Reason != reason || r.State != snapshot.CampaignRemaining {
			t.Errorf("%s: %q, want remaining because %q", name, r.Reason, reason)
		}
	}
	if r := byName["pay-both-0"]; r.Version != "v2.1.0" || len(r.Evidence) != 1 || r.Evidence[0].Name != "github.com/acme/oldkit" {
		t.Errorf("pay-both-0 = %+v, want kit's version and the oldkit use as evidence", r)
	}
	if r := byName["srch-waived-1"]; r.WaiverReason != "frozen" || r.WaiverExpires != "2027-01-31" {
		t.Errorf("waived repo = %+v, want the waiver", r)
	}
	// Sorted by state in precedence order, then team, then name.
	if first, last := c.Repos[0], c.Repos[len(c.Repos)-1]; first.State != snapshot.CampaignDone || first.Team != "pay" || last.State != snapshot.CampaignRemaining || last.Team != "unowned" {
		t.Errorf("repos not sorted by state, team: first %+v, last %+v", first, last)
	}
	// Without min_version an unknown version is done, and without from a
	// use of oldkit does not hold a kit adopter back.
	anyKit := snap.Campaigns[1]
	for _, r := range anyKit.Repos {
		if (r.Name == "pay-unknown-0" || r.Name == "pay-both-0") && r.State != snapshot.CampaignDone {
			t.Errorf("any-kit: %s is %s (%s), want done", r.Name, r.State, r.Reason)
		}
	}
}

// An unknown HEAD time (a cache entry from before it was kept) is never idle.
func TestCampaignUnknownHeadTimeIsNotIdle(t *testing.T) {
	cfg, cat := compile(t, campaignCatalog)
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	res := &Result{Time: now, Repos: []RepoScan{{Repo: source.Repo{Source: "s", Name: "pay-x"}, Head: "h"}}}
	c := Build(cfg, cat, res, now, nil).Campaigns[0]
	if c.Total != (snapshot.CampaignCounts{Remaining: 1}) {
		t.Errorf("total = %+v, want one remaining", c.Total)
	}
}
