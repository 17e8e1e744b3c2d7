package inventory

import (
	"context"
	"fmt"
	"testing"

	"github.com/uptake-dev/uptake/collector/source/sourcetest"
	"github.com/uptake-dev/uptake/config"
)

// A repo of a thousand Dockerfiles keeps maxHarvestFiles files, and its
// Makefile and compose file among them: the kinds take turns.
func TestHarvestFilesOfAThousandDockerfiles(t *testing.T) {
	files := map[string]string{"Makefile": "all:\n\tgo build\n", "docker-compose.yml": "services: {}\n", ".gitlab-ci.yml": "build:\n  script: make\n"}
	for i := range 1000 {
		files[fmt.Sprintf("svc/%04d/Dockerfile", i)] = "FROM golang:1.26\n"
	}
	p, err := NewHarvestPlan(nil, nil, config.Scan{Exclude: config.DefaultExclude, MaxFileBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	inv, _, err := p.Read(context.Background(), sourcetest.NewTree(files))
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, f := range inv.Files {
		kinds[f.Kind]++
	}
	if len(inv.Files) != maxHarvestFiles || kinds["makefile"] != 1 || kinds["compose"] != 1 || kinds["gitlab_ci"] != 1 {
		t.Errorf("%d files kept, by kind %v", len(inv.Files), kinds)
	}
}
