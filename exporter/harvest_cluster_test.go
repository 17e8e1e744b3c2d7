package exporter

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/uptake-dev/uptake/collector/snapshot"
)

// A snapshot whose clusters repeat an id still scrapes: the first is
// emitted, the repeat skipped, and top counts distinct clusters.
func TestHarvestClusterGaugesNeverRepeatASeries(t *testing.T) {
	h := &snapshot.Harvest{Enabled: true, MinTeams: 3, Top: 2, Clusters: []snapshot.Cluster{
		{ID: "aaaaaaaaaaaa", Kind: "dockerfile", Path: "Dockerfile", Teams: 3, Repos: 4},
		{ID: "aaaaaaaaaaaa", Kind: "makefile", Path: "Makefile", Teams: 3, Repos: 3},
		{ID: "bbbbbbbbbbbb", Kind: "makefile", Path: "Makefile", Teams: 3, Repos: 3},
		{ID: "cccccccccccc", Kind: "makefile", Path: "Makefile", Teams: 3, Repos: 3},
	}}
	s := &snapshot.Snapshot{Harvest: h}
	c := NewCollector(func() *snapshot.Snapshot { return s }, 0)
	pedanticGather(t, c)
	for _, name := range []string{"uptake_harvest_cluster_repos", "uptake_harvest_cluster_info"} {
		if n := testutil.CollectAndCount(c, name); n != 2 {
			t.Errorf("%s: %d series, want 2", name, n)
		}
	}
}
