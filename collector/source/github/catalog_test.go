package github

import (
	"testing"

	"github.com/uptake-dev/uptake/collector/cache"
	"github.com/uptake-dev/uptake/collector/evaluate"
	"github.com/uptake-dev/uptake/collector/runner"
	"github.com/uptake-dev/uptake/collector/source"
	"github.com/uptake-dev/uptake/config"
)

// catalogOnly reads nothing but the owners' files: a file rule needs no
// content, so the blobs requested are CODEOWNERS' and catalog-info's.
const catalogOnly = `
sources:
  - {name: gh, type: github, org: octo-org}
teams: {from: [backstage, codeowners]}
# One repo at a time: identical blobs read at once are each fetched.
scan: {concurrency: 1}
offerings:
  - {name: kit, owner: platform, lifecycle: ga, detect: [{kind: file, path: go.mod}]}
`

// TestCatalogInfoReadLikeCodeowners: catalog-info.yaml costs one blob
// request per repo at most, shared by identical content, and none once
// cached by blob: a repo whose HEAD moves for another file reads it no more.
func TestCatalogInfoReadLikeCodeowners(t *testing.T) {
	cfgFile, err := config.Parse("catalog.yml", []byte(catalogOnly))
	if err != nil {
		t.Fatal(err)
	}
	l, err := runner.Compile(cfgFile)
	if err != nil {
		t.Fatal(err)
	}
	payments := "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: x}\nspec:\n  owner: group:default/payments\n"
	f := newFake(t,
		&fakeRepo{Name: "pay-api", Files: map[string]string{"go.mod": "module a\n", "catalog-info.yaml": payments}},
		&fakeRepo{Name: "pay-web", Files: map[string]string{"go.mod": "module b\n", "catalog-info.yaml": payments}},
		&fakeRepo{Name: "search", Files: map[string]string{"catalog-info.yml": "kind: System\nspec: {owner: search}\n"}},
		&fakeRepo{Name: "plain", Files: map[string]string{"go.mod": "module d\n"}})
	f.srv.Start()
	store, err := cache.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	for _, graphql := range []bool{false, true} {
		cfg := f.config(t)
		cfg.GraphQL = &graphql
		scan := func() map[string]string {
			s := f.source(t, cfg, Options{Store: store})
			res := runner.NewEngine(runner.Options{Store: store}).Scan(t.Context(), l, []source.Source{s})
			snap := evaluate.Build(cfgFile, l.Catalog, res, f.clock.Now(), nil)
			teams := map[string]string{}
			for _, r := range snap.Repos {
				teams[r.Name] = r.Team + " via " + r.TeamVia
			}
			return teams
		}
		f.resetCounts()
		got := scan()
		for repo, want := range map[string]string{"octo-org/pay-api": "payments via backstage", "octo-org/pay-web": "payments via backstage",
			"octo-org/search": "search via backstage", "octo-org/plain": "unowned via default"} {
			if got[repo] != want {
				t.Errorf("graphql %v: %s is %q, want %q", graphql, repo, got[repo], want)
			}
		}
		if !graphql {
			// Two contents; the second scan finds them cached by blob.
			if n := f.count(routeBlob); n != 2 {
				t.Errorf("%d blob requests, want 2: one per distinct catalog-info", n)
			}
			continue
		}
		if n := f.count(routeBlob); n != 0 {
			t.Errorf("graphql: %d blob requests, want none (unchanged HEADs)", n)
		}
		// A HEAD moved by another file: its tree is listed again, its
		// catalog-info blob is not fetched again.
		f.repo("pay-api").Files["README.md"] = "moved\n"
		f.resetCounts()
		if got := scan(); got["octo-org/pay-api"] != "payments via backstage" {
			t.Errorf("after a move: %q", got["octo-org/pay-api"])
		}
		if n := f.count(routeBlob); n != 0 {
			t.Errorf("%d blob requests after the move, want 0: cached by blob", n)
		}
		if n := f.count(routeGraphQL); n > 2 {
			t.Errorf("%d GraphQL queries after the move, want the HEAD query and at most one for files", n)
		}
	}
}
