package collector

import (
	"context"
	"fmt"
	"testing"

	"github.com/uptake-dev/uptake/collector/inventory"
	"github.com/uptake-dev/uptake/collector/source"
)

// BenchmarkInventoryLargeTree reads a monorepo-sized tree (50,000 files,
// a few hundred of them manifests) with every detector kind in use: the
// cost of deciding from paths alone which files to read.
func BenchmarkInventoryLargeTree(b *testing.B) {
	files := map[string]string{}
	for i := 0; i < 50000; i++ {
		dir := fmt.Sprintf("services/svc%03d/pkg/mod%02d", i/500, (i/10)%50)
		files[fmt.Sprintf("%s/file%d.go", dir, i)] = "package x\n"
		if i%500 == 0 {
			files[fmt.Sprintf("services/svc%03d/go.mod", i/500)] = goMod("v1.2.0")
			files[fmt.Sprintf("services/svc%03d/Dockerfile", i/500)] = "FROM registry.acme.io/base/golang:1.22\n"
			files[fmt.Sprintf("services/svc%03d/package.json", i/500)] = `{"dependencies":{"@acme/web-sdk":"^3.4.0"}}`
		}
	}
	cfg, cat := loadTest(b, testConfig+`
  - {name: web, owner: o, lifecycle: ga, detect: [{kind: npm, package: "@acme/web-sdk"}]}
  - {name: chart, owner: o, lifecycle: ga, detect: [{kind: helm, chart: service}]}
  - {name: tf, owner: o, lifecycle: ga, detect: [{kind: terraform, source: acme/svc/aws}]}
  - {name: img, owner: o, lifecycle: ga, detect: [{kind: container_image, image: acme/x}]}
  - {name: py, owner: o, lifecycle: ga, detect: [{kind: python, package: acme}]}
  - {name: mvn, owner: o, lifecycle: ga, detect: [{kind: maven, group: com.acme, artifact: bom}]}
  - {name: gh, owner: o, lifecycle: ga, detect: [{kind: github_actions, uses: acme/wf}]}
  - {name: gl, owner: o, lifecycle: ga, detect: [{kind: gitlab_ci, project: acme/ci}]}
`)
	src := &fakeSource{name: "fake", repos: map[string]fakeRepo{"mono": {head: "h", files: files}}}
	repo := source.Repo{Source: "fake", Name: "mono"}
	tree, _ := src.Open(context.Background(), repo, "h")
	e := NewEngine(Options{})
	b.ResetTimer()
	var inv inventory.Inventory
	for i := 0; i < b.N; i++ {
		inv = e.inventory(context.Background(), cfg, cat, repo, tree)
	}
	b.ReportMetric(float64(inv.FilesRead), "files-read")
	b.ReportMetric(float64(len(inv.Components)), "components")
}
