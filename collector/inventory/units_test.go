package inventory

import (
	"context"
	"reflect"
	"testing"

	"github.com/uptake-dev/uptake/collector/source/sourcetest"
	"github.com/uptake-dev/uptake/config"
)

func TestReadUnits(t *testing.T) {
	files := map[string]string{
		".gitlab/CODEOWNERS": "[Web] @acme/web\n/web/\n* @acme/platform\n/web/app/ @acme/app\n",
		// Read by the npm detector: workspaces and no dependencies root a
		// workspace only, so web is no unit.
		"web/package.json":      `{"private": true, "workspaces": ["app", "admin"]}`,
		"web/app/package.json":  `{"name": "app", "dependencies": {"react": "18.3.1"}}`,
		"web/app/src/main.ts":   "export {}\n",
		"web/admin/setup.cfg":   "[metadata]\nname = admin\n",
		"docs/catalog-info.yml": "kind: Location\nspec: {targets: []}\n",
		"vendor/x/go.mod":       "module x\n",
	}
	p, err := NewPlan([]string{"npm"}, nil, config.Scan{Units: config.UnitsProject, Exclude: config.DefaultExclude, MaxFileBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	inv, failures, err := p.Read(context.Background(), sourcetest.NewTree(files))
	if err != nil || len(failures) != 0 {
		t.Fatalf("failures %v, err %v", failures, err)
	}
	want := []Unit{
		// web/package.json is the root unit's: the nearest unit above it.
		{Dir: "", Languages: []string{"node"}},
		// The root rule comes after /web/: last match wins.
		{Dir: "web/admin", Languages: []string{}, Codeowners: []string{"@acme/platform"}},
		{Dir: "web/app", Languages: []string{"node"}, Codeowners: []string{"@acme/app"}},
	}
	if !reflect.DeepEqual(inv.Units, want) {
		t.Errorf("units:\n got %+v\nwant %+v", inv.Units, want)
	}
	if p.Hash() == mustPlan(t, config.Scan{Exclude: config.DefaultExclude, MaxFileBytes: 1 << 20}).Hash() {
		t.Error("project mode must change the rule-set hash")
	}
}

func mustPlan(t *testing.T, scan config.Scan) *Plan {
	t.Helper()
	p, err := NewPlan([]string{"npm"}, nil, scan)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
