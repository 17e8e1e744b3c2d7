package harvest_test

import (
	"fmt"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/uptake-dev/uptake/collector/harvest"
	"github.com/uptake-dev/uptake/collector/inventory"
	"github.com/uptake-dev/uptake/collector/snapshot"
	"github.com/uptake-dev/uptake/exporter"
)

// The same normalised lines copied as a Dockerfile by three teams and as
// a Makefile by three others are two clusters of one id (the sha256 of the
// content): the scrape still succeeds, with one series for the id.
func TestClustersOfTwoKindsOfOneContentShareAnIDAndOneSeries(t *testing.T) {
	lines := []string{"FROM golang:1.26 AS build", "COPY . .", "RUN go build -o /svc", "FROM scratch"}
	var repos []harvest.Repo
	for i := range 6 {
		path, kind := "Dockerfile", "dockerfile"
		if i >= 3 {
			path, kind = "Makefile", "makefile"
		}
		repos = append(repos, harvest.Repo{Source: "s", Name: fmt.Sprint("r", i), Team: fmt.Sprint("t", i),
			Files: []inventory.HarvestFile{{Path: path, Kind: kind, Lines: lines}}})
	}
	got, _ := harvest.Clusters(repos, 3, "unowned")
	if len(got) != 2 || got[0].ID != got[1].ID || got[0].Kind == got[1].Kind {
		t.Fatalf("clusters %+v", got)
	}
	s := &snapshot.Snapshot{Harvest: &snapshot.Harvest{Enabled: true, MinTeams: 3, Top: 25, Clusters: got}}
	c := exporter.NewCollector(func() *snapshot.Snapshot { return s }, 0)
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	if _, err := reg.Gather(); err != nil {
		t.Fatalf("gather: %v", err)
	}
	if n := testutil.CollectAndCount(c, "uptake_harvest_cluster_repos"); n != 1 {
		t.Errorf("%d cluster series, want 1", n)
	}
}
