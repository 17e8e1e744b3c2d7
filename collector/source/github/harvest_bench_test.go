package github

import (
	"fmt"
	"testing"

	"github.com/uptake-dev/uptake/collector/cache"
	"github.com/uptake-dev/uptake/collector/runner"
	"github.com/uptake-dev/uptake/collector/source"
	"github.com/uptake-dev/uptake/config"
)

// harvestOrg is 500 repos of a service's usual files: a Go module, a
// workflow, CODEOWNERS, a Dockerfile, a Makefile, a compose file in one of
// two, a package.json in one of three, and code no reader wants.
func harvestOrg() []*fakeRepo {
	var org []*fakeRepo
	for i := range 500 {
		r := &fakeRepo{Name: fmt.Sprintf("svc-%04d", i), Files: map[string]string{
			"go.mod":                   fmt.Sprintf("module example.com/svc-%04d\n\ngo 1.26\n\nrequire example.com/kit v1.%d.0\n", i, i%3),
			"main.go":                  "package main\n",
			"internal/app/app.go":      "package app\n",
			"README.md":                fmt.Sprintf("# svc-%04d\n", i),
			".github/workflows/ci.yml": fmt.Sprintf("on: push\njobs:\n  ci:\n    uses: octo-org/ci/.github/workflows/go.yml@v%d\n", i%2+1),
			".github/CODEOWNERS":       fmt.Sprintf("* @octo-org/team-%d\n", i%20),
			"Dockerfile":               fmt.Sprintf("FROM golang:1.26 AS build\nCOPY . .\nRUN go build -o /svc-%04d\nFROM gcr.io/distroless/base\n", i),
			"Makefile":                 "build:\n\tgo build ./...\ntest:\n\tgo test ./...\n",
		}}
		if i%2 == 0 {
			r.Files["docker-compose.yml"] = "services:\n  db:\n    image: postgres:16\n"
		}
		if i%3 == 0 {
			r.Files["web/package.json"] = `{"dependencies": {"react": "^18.2.0"}}`
		}
		org = append(org, r)
	}
	return org
}

// BenchmarkHarvestScan measures what harvest mode adds on the GitHub fake:
// the first scan of 500 repos with the budget catalog in harvest mode
// (every detector kind runs; Dockerfiles, Makefiles and compose files are
// kept), beside the same catalog without a harvest section in the same run
// (-reference). The request caps per needed file hold in both: a repo's
// reads are the planned paths, batched or one request a file.
func BenchmarkHarvestScan(b *testing.B) {
	org := harvestOrg()
	f := newFake(b, org...)
	f.budget = 1 << 20
	f.srv.Start()
	for _, tc := range []struct {
		name    string
		harvest bool
		graphql bool
	}{{"rest/harvest", true, false}, {"rest/harvest-reference", false, false}, {"graphql/harvest", true, true}, {"graphql/harvest-reference", false, true}} {
		b.Run(tc.name, func(b *testing.B) {
			cfg, err := config.Parse("catalog.yml", []byte(budgetCatalog))
			if err != nil {
				b.Fatal(err)
			}
			if tc.harvest {
				cfg.Harvest = &config.Harvest{MinTeams: config.DefaultHarvestMinTeams, Top: config.DefaultHarvestTop}
			}
			l, err := runner.Compile(cfg)
			if err != nil {
				b.Fatal(err)
			}
			src := f.config(b)
			src.GraphQL = &tc.graphql
			var requests, files int
			for b.Loop() {
				// A fresh store: every repo is read, as a first scan.
				store, err := cache.Open(b.TempDir())
				if err != nil {
					b.Fatal(err)
				}
				f.resetCounts()
				engine := runner.NewEngine(runner.Options{Store: store})
				st := engine.Scan(b.Context(), l, []source.Source{f.source(b, src, Options{Store: store, Concurrency: 8})}).Sources[0]
				if !st.OK || st.RepoErrors != 0 || st.Repos != len(org) {
					b.Fatalf("scan = %+v", st)
				}
				requests, files = f.total()-f.count(routeOrgRepos), st.FilesRead
				if err := store.Close(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(requests)/float64(len(org)), "req/repo-first")
			b.ReportMetric(float64(files)/float64(len(org)), "files/repo")
		})
	}
}
