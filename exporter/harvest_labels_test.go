package exporter

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/uptake-dev/uptake/collector/snapshot"
)

// A component name or path that is not UTF-8 (a Latin-1 Dockerfile's FROM,
// a go.mod require: the detectors keep the bytes) is no label value: the
// collector panicked and the whole scrape failed. Its label is made valid,
// and two names made one label are one series, as the top counts.
func TestHarvestGaugesOfNamesThatAreNotUTF8(t *testing.T) {
	h := &snapshot.Harvest{Enabled: true, MinTeams: 3, Top: 2,
		Candidates: []snapshot.Candidate{
			{Kind: "dockerfile", Name: "registry.acme.io/caf\xe9", Teams: 4, Repos: 4},
			{Kind: "dockerfile", Name: "registry.acme.io/caf\xe8", Teams: 3, Repos: 3},
			{Kind: "gomod", Name: "github.com/acme/lib", Teams: 3, Repos: 3},
		},
		Clusters: []snapshot.Cluster{{ID: "aaaaaaaaaaaa", Kind: "dockerfile", Path: "caf\xe9/Dockerfile", Teams: 3, Repos: 3}},
	}
	s := &snapshot.Snapshot{Harvest: h}
	c := NewCollector(func() *snapshot.Snapshot { return s }, 0)
	pedanticGather(t, c)
	if n := testutil.CollectAndCount(c, "uptake_harvest_candidate_teams"); n != 2 {
		t.Errorf("%d candidate series, want 2", n)
	}
	if n := testutil.CollectAndCount(c, "uptake_harvest_cluster_info"); n != 1 {
		t.Errorf("%d cluster info series, want 1", n)
	}
}
