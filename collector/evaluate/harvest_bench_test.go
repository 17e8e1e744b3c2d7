package evaluate_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/uptake-dev/uptake/collector/evaluate"
	"github.com/uptake-dev/uptake/collector/inventory"
	"github.com/uptake-dev/uptake/collector/match"
	"github.com/uptake-dev/uptake/config"
	"github.com/uptake-dev/uptake/internal/estate"
)

// BenchmarkBuildEstateHarvest is BenchmarkBuildEstate's estate (10,000
// repos, 30 components, 50 offerings, 300 teams) with a CI file and a
// Dockerfile a repo (40 CI variants of 30 lines, each a few lines apart),
// built in harvest mode beside the same build without it (-reference):
// what the candidates, clusters and alternatives add to a Build.
func BenchmarkBuildEstateHarvest(b *testing.B) {
	res := estate.Result(10_000, 30, 300)
	for i := range res.Repos {
		var ci []string
		for l := range 30 {
			ci = append(ci, fmt.Sprintf("step-%d: run %d", l, l%(1+i%40)))
		}
		res.Repos[i].Inventory.Files = []inventory.HarvestFile{
			{Path: ".gitlab-ci.yml", Kind: "gitlab_ci", Lines: ci},
			{Path: "Dockerfile", Kind: "dockerfile", Lines: []string{"FROM golang:1.26", "COPY . .", fmt.Sprintf("RUN go build -o /svc-%d", i%7)}},
		}
	}
	for _, tc := range []struct {
		name    string
		harvest bool
	}{{"harvest", true}, {"harvest-reference", false}} {
		b.Run(tc.name, func(b *testing.B) {
			// 40 of the 60 modules are offerings: the other 20 are candidates.
			cfg, err := config.Parse("bench.yml", []byte("sources: [{name: s, type: local, path: /x}]\nteams: {from: [codeowners]}\n"+estate.Offerings(40)))
			if err != nil {
				b.Fatal(err)
			}
			if tc.harvest {
				cfg.Harvest = &config.Harvest{MinTeams: 3, Top: 25, Internal: []string{"github.com/acme/*"}}
				cfg.Offerings[0].Alternatives = []config.Alternative{{Text: "github.com/acme/lib-5*", Glob: "github.com/acme/lib-5*"}}
			}
			cat, err := match.Compile(cfg)
			if err != nil {
				b.Fatal(err)
			}
			var candidates, clusters int
			for b.Loop() {
				s := evaluate.Build(cfg, cat, res, time.Now(), nil)
				if s.Harvest != nil {
					candidates, clusters = len(s.Harvest.Candidates), len(s.Harvest.Clusters)
				}
			}
			if tc.harvest && (candidates != 20 || clusters == 0) {
				b.Fatalf("%d candidates, %d clusters", candidates, clusters)
			}
			b.ReportMetric(float64(clusters), "clusters")
		})
	}
}
