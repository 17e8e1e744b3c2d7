package exporter

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/uptake-dev/uptake/collector/snapshot"
)

// harvestSnapshot has more candidates and clusters than top: the gauges
// export the first top of each only.
func harvestSnapshot(top int) *snapshot.Snapshot {
	h := &snapshot.Harvest{Enabled: true, MinTeams: 3, Top: top}
	for i := range 10 {
		h.Candidates = append(h.Candidates, snapshot.Candidate{Kind: "gomod", Name: fmt.Sprintf("github.com/x/lib%d", i), Teams: 10 - i, Repos: 20 - i,
			Versions: []snapshot.VersionCount{{Version: "v1.0.0", Repos: 20 - i}},
			Evidence: []snapshot.RepoEvidence{{Source: "s", Repo: "a", Team: "ta", Evidence: snapshot.Evidence{Path: "go.mod", Line: 3, Kind: "gomod", Name: "x"}}}})
		h.Clusters = append(h.Clusters, snapshot.Cluster{ID: fmt.Sprintf("%012x", i), Kind: "gitlab_ci", Path: ".gitlab-ci.yml", Teams: 5, Repos: 9 - i,
			Members: []snapshot.ClusterMember{{Source: "s", Repo: "a", Team: "ta", Path: ".gitlab-ci.yml", Similarity: 1}}})
	}
	h.Alternatives = []snapshot.AlternativeUse{
		{Offering: "kit", Alternative: "github.com/gin-gonic/*", Team: "delta", Repos: []snapshot.RepoEvidence{{Source: "s", Repo: "d1"}, {Source: "s", Repo: "d2"}}},
		{Offering: "kit", Alternative: "github.com/gin-gonic/*", Team: "gamma", Repos: []snapshot.RepoEvidence{{Source: "s", Repo: "g1"}}},
	}
	return &snapshot.Snapshot{Harvest: h}
}

func TestHarvestGaugesAreBoundedByTop(t *testing.T) {
	s := harvestSnapshot(3)
	c := NewCollector(func() *snapshot.Snapshot { return s }, 0)
	want := `
# HELP uptake_offering_alternative_repos ` + descHelp(offeringAlternativeReposDesc) + `
# TYPE uptake_offering_alternative_repos gauge
uptake_offering_alternative_repos{alternative="github.com/gin-gonic/*",offering="kit",team="delta"} 2
uptake_offering_alternative_repos{alternative="github.com/gin-gonic/*",offering="kit",team="gamma"} 1
`
	if err := testutil.CollectAndCompare(c, strings.NewReader(want), "uptake_offering_alternative_repos"); err != nil {
		t.Error(err)
	}
	for name, n := range map[string]int{"uptake_harvest_candidate_teams": 3, "uptake_harvest_candidate_repos": 3,
		"uptake_harvest_cluster_repos": 3, "uptake_harvest_cluster_info": 3} {
		if got := testutil.CollectAndCount(c, name); got != n {
			t.Errorf("%s: %d series, want %d (harvest.top)", name, got, n)
		}
	}
	want = `
# HELP uptake_harvest_candidate_teams ` + descHelp(harvestCandidateTeamsDesc) + `
# TYPE uptake_harvest_candidate_teams gauge
uptake_harvest_candidate_teams{component="github.com/x/lib0",kind="gomod"} 10
uptake_harvest_candidate_teams{component="github.com/x/lib1",kind="gomod"} 9
uptake_harvest_candidate_teams{component="github.com/x/lib2",kind="gomod"} 8
`
	if err := testutil.CollectAndCompare(c, strings.NewReader(want), "uptake_harvest_candidate_teams"); err != nil {
		t.Error(err)
	}
	problems, err := testutil.CollectAndLint(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
	pedanticGather(t, c)
}

// descHelp is a Desc's help text, as its String writes it.
func descHelp(d *prometheus.Desc) string {
	s := d.String()
	i := strings.Index(s, `help: "`) + len(`help: "`)
	j := strings.Index(s[i:], `", `)
	return strings.ReplaceAll(s[i:i+j], `\"`, `"`)
}

func TestHarvestAPI(t *testing.T) {
	s := harvestSnapshot(3)
	srv := testMux(t, WebOptions{Snapshot: func() *snapshot.Snapshot { return s }, Shard: "1/2"})
	code, _, body := do(t, http.MethodGet, srv.URL+"/api/v1/harvest")
	if code != http.StatusOK {
		t.Fatalf("%d: %s", code, body)
	}
	var a HarvestAnswer
	if err := json.Unmarshal([]byte(body), &a); err != nil {
		t.Fatal(err)
	}
	if a.Shard != "1/2" || a.Data == nil || len(a.Data.Candidates) != 10 || a.Data.Candidates[0].Name != "github.com/x/lib0" {
		t.Errorf("answer %+v", a)
	}
	off := &snapshot.Snapshot{}
	srv = testMux(t, WebOptions{Snapshot: func() *snapshot.Snapshot { return off }})
	if code, _, body := do(t, http.MethodGet, srv.URL+"/api/v1/harvest"); code != http.StatusNotFound || !strings.Contains(body, "harvest mode is off") {
		t.Errorf("without harvest: %d %s", code, body)
	}
}

func TestHarvestCSV(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteHarvestCSV(&buf, harvestSnapshot(3).Harvest); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, r := range rows[1:] {
		counts[r[0]]++
	}
	if counts["candidate"] != 10 || counts["cluster"] != 10 || counts["alternative"] != 3 {
		t.Errorf("rows by list %v", counts)
	}
	if r := rows[1]; r[3] != "github.com/x/lib0" || r[8] != "v1.0.0 (20)" || r[12] != "go.mod" || r[13] != "3" {
		t.Errorf("first candidate row %q", r)
	}
}

func TestHarvestCSVDefusesFormulas(t *testing.T) {
	h := harvestSnapshot(3).Harvest
	h.Candidates[0].Name = `=HYPERLINK("http://evil.example","x")`
	h.Clusters[0].Members[0].Repo = "@SUM(1)"
	var buf bytes.Buffer
	if err := WriteHarvestCSV(&buf, h); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := rows[1][3]; got != `'=HYPERLINK("http://evil.example","x")` {
		t.Errorf("candidate name written as %q, want it quoted", got)
	}
	if got := rows[11][10]; got != "'@SUM(1)" {
		t.Errorf("cluster member repo written as %q, want it quoted", got)
	}
}
