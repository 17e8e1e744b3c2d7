package exporter

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/uptake-dev/uptake/collector/snapshot"
)

// Each cluster links to its own members: the anchor is on its first
// member's row, one per cluster even when two kinds share an id.
func TestHarvestPageClusterLinksToItsMembers(t *testing.T) {
	s := harvestPageSnapshot()
	c := s.Harvest.Clusters[0]
	other := c
	other.Kind = "dockerfile"
	s.Harvest.Clusters = append(s.Harvest.Clusters, other)
	u := testMux(t, WebOptions{Snapshot: func() *snapshot.Snapshot { return s }}).URL
	code, _, body := do(t, http.MethodGet, u+"/harvest")
	if code != http.StatusOK {
		t.Fatalf("%d: %s", code, body)
	}
	for _, kind := range []string{"gitlab_ci", "dockerfile"} {
		anchor := "members-" + kind + "-" + c.ID
		if n := strings.Count(body, `href="#`+anchor+`"`); n != 1 {
			t.Errorf("%d links to %s, want 1", n, anchor)
		}
		if n := strings.Count(body, `id="`+anchor+`"`); n != 1 {
			t.Errorf("%d elements %s, want 1", n, anchor)
		}
	}
	if strings.Contains(body, `href="#members"`) {
		t.Error("a cluster still links to the whole members table")
	}
}

// The members table holds at most maxPageMembers rows a cluster (the API
// and discover's CSV hold them all), and says so.
func TestHarvestPageMembersAreBounded(t *testing.T) {
	var members []snapshot.ClusterMember
	for i := range snapshot.MaxClusterMembers {
		members = append(members, snapshot.ClusterMember{Source: "s", Repo: fmt.Sprintf("repo-%03d", i), Team: "t", Path: "Makefile", Similarity: 1})
	}
	var clusters []snapshot.Cluster
	for i := range 20 {
		clusters = append(clusters, snapshot.Cluster{ID: fmt.Sprintf("%012x", i), Kind: "makefile", Path: "Makefile", Teams: 3,
			Repos: len(members), Identical: len(members), Members: members})
	}
	s := &snapshot.Snapshot{Harvest: &snapshot.Harvest{Enabled: true, MinTeams: 3, Top: 25, Clusters: clusters}}
	u := testMux(t, WebOptions{Snapshot: func() *snapshot.Snapshot { return s }}).URL
	code, _, body := do(t, http.MethodGet, u+"/harvest?format=csv&table=members")
	if code != http.StatusOK {
		t.Fatalf("%d: %s", code, body)
	}
	if rows := strings.Count(body, "\n") - 1; rows != 20*maxPageMembers {
		t.Errorf("%d member rows, want %d", rows, 20*maxPageMembers)
	}
	_, _, body = do(t, http.MethodGet, u+"/harvest")
	if want := fmt.Sprintf("20 clusters have more than %d members", maxPageMembers); !strings.Contains(body, want) {
		t.Errorf("the page does not say %q", want)
	}
}
