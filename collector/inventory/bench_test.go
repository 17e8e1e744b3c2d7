package inventory_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/uptake-dev/uptake/collector/inventory"
	"github.com/uptake-dev/uptake/collector/match"
	"github.com/uptake-dev/uptake/collector/source/sourcetest"
	"github.com/uptake-dev/uptake/config"
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
			files[fmt.Sprintf("services/svc%03d/go.mod", i/500)] = "module example.com/x\n\ngo 1.22\n\nrequire github.com/acme/service-kit v1.2.0\n"
			files[fmt.Sprintf("services/svc%03d/Dockerfile", i/500)] = "FROM registry.acme.io/base/golang:1.22\n"
			files[fmt.Sprintf("services/svc%03d/package.json", i/500)] = `{"dependencies":{"@acme/web-sdk":"^3.4.0"}}`
		}
	}
	cfg, err := config.Parse("bench.yml", []byte(`sources: [{name: s, type: local, path: /x}]
offerings:
  - {name: kit, owner: o, lifecycle: ga, detect: [{kind: gomod, module: github.com/acme/service-kit}]}
  - {name: base, owner: o, lifecycle: ga, detect: [{kind: dockerfile, image: registry.acme.io/base}]}
  - {name: marker, owner: o, lifecycle: ga, detect: [{kind: file, path: .platform/marker.yaml}]}
  - {name: web, owner: o, lifecycle: ga, detect: [{kind: npm, package: "@acme/web-sdk"}]}
  - {name: chart, owner: o, lifecycle: ga, detect: [{kind: helm, chart: service}]}
  - {name: tf, owner: o, lifecycle: ga, detect: [{kind: terraform, source: acme/svc/aws}]}
  - {name: img, owner: o, lifecycle: ga, detect: [{kind: container_image, image: acme/x}]}
  - {name: py, owner: o, lifecycle: ga, detect: [{kind: python, package: acme}]}
  - {name: mvn, owner: o, lifecycle: ga, detect: [{kind: maven, group: com.acme, artifact: bom}]}
  - {name: gh, owner: o, lifecycle: ga, detect: [{kind: github_actions, uses: acme/wf}]}
  - {name: gl, owner: o, lifecycle: ga, detect: [{kind: gitlab_ci, project: acme/ci}]}
`))
	if err != nil {
		b.Fatal(err)
	}
	cat, err := match.Compile(cfg)
	if err != nil {
		b.Fatal(err)
	}
	p, err := cat.Plan(cfg.Scan)
	if err != nil {
		b.Fatal(err)
	}
	tree := sourcetest.NewTree(files)
	b.ResetTimer()
	var inv inventory.Inventory
	for i := 0; i < b.N; i++ {
		if inv, _, err = p.Read(context.Background(), tree); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(inv.FilesRead), "files-read")
	b.ReportMetric(float64(len(inv.Components)), "components")
}
