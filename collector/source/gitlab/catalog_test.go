package gitlab

import (
	"fmt"
	"testing"
	"time"

	"github.com/uptake-dev/uptake/collector/evaluate"
	"github.com/uptake-dev/uptake/collector/runner"
	"github.com/uptake-dev/uptake/collector/source"
	"github.com/uptake-dev/uptake/collector/source/remote"
	"github.com/uptake-dev/uptake/config"
)

// catalogConfig reads nothing but the owners' files: a file rule needs no
// content, so the blobs requested are CODEOWNERS' and catalog-info's.
const catalogConfig = `
sources: [{name: gl, type: gitlab, group: acme}]
teams: {from: [backstage, codeowners]}
offerings:
  - {name: kit, owner: platform, lifecycle: ga, detect: [{kind: file, path: go.mod}]}
`

// TestCatalogInfoReadLikeCodeowners: catalog-info.yaml costs one raw-file
// request per project at most, and none again once cached by blob (a
// rescan without the inventory cache lists trees again, reads no file).
func TestCatalogInfoReadLikeCodeowners(t *testing.T) {
	projects := groupProjects(t, 4)
	for i, p := range projects {
		content := fmt.Appendf(nil, "kind: Component\nspec:\n  owner: group:default/team-%02d\n", i)
		p.files["catalog-info.yaml"] = content
		p.tree = append(p.tree, treeNode{ID: remote.BlobID(content, false), Name: "catalog-info.yaml", Type: "blob", Path: "catalog-info.yaml", Mode: "100644"})
	}
	f := newFake(t, projects)
	store := newMemStore()
	cfg, err := config.Parse("catalog.yml", []byte(catalogConfig))
	if err != nil {
		t.Fatal(err)
	}
	l, err := runner.Compile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for scan := range 2 {
		before := map[int64]int{}
		for _, p := range projects {
			before[p.id] = f.count(epRaw, p.id)
		}
		src := newTestSource(t, testConfig(t, f), Options{Store: store})
		res := runner.NewEngine(runner.Options{}).Scan(t.Context(), l, []source.Source{src})
		snap := evaluate.Build(l.Config, l.Catalog, res, time.Now(), nil)
		for i, r := range snap.Repos {
			if want := fmt.Sprintf("team-%02d", i); r.Team != want || r.TeamVia != "backstage" {
				t.Errorf("scan %d: %s is %s via %s, want %s via backstage", scan, r.Name, r.Team, r.TeamVia, want)
			}
		}
		for _, p := range projects {
			// CODEOWNERS where the project has one, and catalog-info.
			want := 1
			if _, ok := p.files[".gitlab/CODEOWNERS"]; ok {
				want++
			} else if _, ok := p.files["CODEOWNERS"]; ok {
				want++
			}
			if scan == 1 {
				want = 0
			}
			if got := f.count(epRaw, p.id) - before[p.id]; got != want {
				t.Errorf("scan %d, project %d: %d raw-file requests, want %d", scan, p.id, got, want)
			}
		}
	}
}
