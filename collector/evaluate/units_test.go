package evaluate

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/uptake-dev/uptake/collector/snapshot"
	"github.com/uptake-dev/uptake/collector/source"
	"github.com/uptake-dev/uptake/collector/source/sourcetest"
)

// monorepo is four teams' services in one repo, owned through nested
// CODEOWNERS rules, per-directory catalog-info files and a root catch-all.
var monorepo = map[string]string{
	".github/CODEOWNERS":       "* @acme/platform\n/services/pay/ @acme/payments\n/services/search/ @acme/search\n",
	".github/workflows/ci.yml": "on: push\njobs:\n  ci:\n    uses: acme/ci/.github/workflows/build.yml@v2\n",
	"README.md":                "# mono\n",
	// A workspace root only: not a unit.
	"package.json":         `{"private": true, "workspaces": ["services/*", "web/*"]}`,
	"pnpm-workspace.yaml":  "packages: ['services/*']\n",
	"services/pay/go.mod":  "module example.com/pay\n\nrequire github.com/acme/kit v1.2.0\n",
	"services/pay/main.go": "package main\n",
	// A nested module: its own unit, under the payments rule.
	"services/pay/internal/ledgerclient/go.mod": "module example.com/pay/ledgerclient\n",
	"services/search/package.json":              `{"name": "search", "dependencies": {"@acme/ui": "2.0.0"}}`,
	"services/search/src/index.js":              "export {}\n",
	// A Backstage Component: its owner beats the root rule.
	"services/ledger/pom.xml":           "<project><groupId>x</groupId><artifactId>ledger</artifactId></project>\n",
	"services/ledger/catalog-info.yaml": "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: ledger}\nspec:\n  owner: group:default/ledger\n",
	// A Component owned by a user: the unit falls through to CODEOWNERS.
	"tools/catalog-info.yaml": "kind: Component\nmetadata: {name: tools}\nspec: {owner: 'user:default/bob'}\n",
	"tools/run.sh":            "#!/bin/sh\n",
	// A Location is no project.
	"docs/catalog-info.yaml": "kind: Location\nspec: {targets: [../tools/catalog-info.yaml]}\n",
}

const monoCatalog = `teams:
  from: [backstage, codeowners, map]
offerings:
  - name: kit
    owner: o
    lifecycle: ga
    latest: v1.4.0
    detect: [{kind: gomod, module: github.com/acme/kit}]
    eligible: {languages: [go]}
    waivers:
      - {repo: "mono//services/pay/internal/*", reason: a client library, expires: "2099-01-01"}
  - name: ui
    owner: o
    lifecycle: ga
    detect: [{kind: npm, package: "@acme/ui"}]
    eligible: {languages: [node]}
  - name: ci
    owner: o
    lifecycle: ga
    detect: [{kind: github_actions, uses: acme/ci}]
`

type unitRow struct {
	team, via string
	adopted   []string
	waived    int
}

func scanMono(t *testing.T, scan string) *snapshot.Snapshot {
	t.Helper()
	cfg, cat := compile(t, scan+monoCatalog)
	plan, err := cat.Plan(cfg.Scan)
	if err != nil {
		t.Fatal(err)
	}
	tree := sourcetest.NewTree(monorepo)
	inv, _, err := plan.Read(context.Background(), tree)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range tree.Reads() {
		if strings.HasSuffix(r, "README.md") || strings.HasSuffix(r, "run.sh") || strings.HasSuffix(r, "pnpm-workspace.yaml") {
			t.Errorf("read %s: units come from paths", r)
		}
	}
	res := &Result{Repos: []RepoScan{{Repo: source.Repo{Source: "s", Name: "acme/mono"}, Head: "h", Inventory: inv}},
		Sources: []snapshot.SourceScan{{Name: "s", OK: true, Repos: 1}}}
	return Build(cfg, cat, res, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), nil)
}

func rows(snap *snapshot.Snapshot) map[string]unitRow {
	out := map[string]unitRow{}
	for _, r := range snap.Repos {
		row := unitRow{team: r.Team, via: r.TeamVia, waived: len(r.Waived)}
		for _, o := range r.Offerings {
			row.adopted = append(row.adopted, o.Offering+"@"+o.Version)
		}
		out[r.Name] = row
	}
	return out
}

func TestProjectUnits(t *testing.T) {
	snap := scanMono(t, "scan: {units: project}\n")
	want := map[string]unitRow{
		"acme/mono":               {team: "platform", via: "codeowners", adopted: []string{"ci@v2"}},
		"acme/mono//services/pay": {team: "payments", via: "codeowners", adopted: []string{"kit@v1.2.0"}},
		"acme/mono//services/pay/internal/ledgerclient": {team: "payments", via: "codeowners", waived: 1},
		"acme/mono//services/search":                    {team: "search", via: "codeowners", adopted: []string{"ui@2.0.0"}},
		"acme/mono//services/ledger":                    {team: "ledger", via: "backstage"},
		"acme/mono//tools":                              {team: "platform", via: "codeowners"},
	}
	if got := rows(snap); !reflect.DeepEqual(got, want) {
		t.Errorf("units:\n got %+v\nwant %+v", got, want)
	}
	if got := snap.Sources[0]; got.Units != 6 || got.Repos != 1 {
		t.Errorf("source = %d repos, %d units; want 1 and 6", got.Repos, got.Units)
	}
	cells := map[string]snapshot.Cell{}
	for _, c := range snap.Summary {
		cells[c.Offering+"/"+c.Team] = c
	}
	// kit: pay adopts; ledgerclient is waived; no other unit writes Go.
	if c := cells["kit/payments"]; c.Adopted != 1 || c.Total != 1 || c.Waived != 1 || c.Outdated != 1 {
		t.Errorf("kit/payments = %+v", c)
	}
	if c := cells["ui/search"]; c.Adopted != 1 || c.Total != 1 {
		t.Errorf("ui/search = %+v", c)
	}
	// The root workflow counts for the root unit only, by default.
	if c := cells["ci/platform"]; c.Adopted != 1 || c.Total != 2 {
		t.Errorf("ci/platform = %+v, want the root unit adopting, tools not", c)
	}
	if c := cells["ci/ledger"]; c.Adopted != 0 || c.Total != 1 {
		t.Errorf("ci/ledger = %+v", c)
	}

	every := rows(scanMono(t, "scan: {units: project, repo_wide_files: every_unit}\n"))
	for name, r := range every {
		if !strings.Contains(strings.Join(r.adopted, ","), "ci@v2") {
			t.Errorf("every_unit: %s does not count the root workflow: %v", name, r.adopted)
		}
	}
}

// The same estate scanned as one repo is what it was before units.
func TestRepoModeUnchanged(t *testing.T) {
	snap := scanMono(t, "")
	want := map[string]unitRow{"acme/mono": {team: "platform", via: "codeowners", adopted: []string{"kit@v1.2.0", "ui@2.0.0", "ci@v2"}}}
	if got := rows(snap); !reflect.DeepEqual(got, want) {
		t.Errorf("repo mode = %+v, want %+v", got, want)
	}
	if snap.Sources[0].Units != 1 {
		t.Errorf("units = %d, want 1 (the repo)", snap.Sources[0].Units)
	}
}
