// Package estate builds the synthetic estate the scale benchmarks share:
// repos with components and CODEOWNERS teams, and a catalog of offerings
// over them.
package estate

import (
	"fmt"
	"strings"
	"time"

	"github.com/uptake-dev/uptake/collector/detect"
	"github.com/uptake-dev/uptake/collector/evaluate"
	"github.com/uptake-dev/uptake/collector/inventory"
	"github.com/uptake-dev/uptake/collector/source"
)

// Offerings is a catalog's offerings section: n Go-module offerings,
// offering-NN over github.com/acme/lib-NN.
func Offerings(n int) string {
	var yml strings.Builder
	yml.WriteString("offerings:\n")
	for o := range n {
		fmt.Fprintf(&yml, "  - {name: offering-%02d, owner: platform, lifecycle: ga, latest: v1.4.0, detect: [{kind: gomod, module: github.com/acme/lib-%02d}]}\n", o, o)
	}
	return yml.String()
}

// Result is a scan of repos repos in source "gh", each owned by one of teams
// teams through CODEOWNERS, each using components Go modules among
// github.com/acme/lib-00 to lib-59.
func Result(repos, components, teams int) *evaluate.Result {
	res := &evaluate.Result{Time: time.Now()}
	for r := range repos {
		inv := inventory.Inventory{Owners: []string{fmt.Sprintf("@acme/team-%03d", r%teams)}, Languages: []string{"go"}}
		for c := range components {
			inv.Components = append(inv.Components, detect.Component{Kind: "gomod", Name: fmt.Sprintf("github.com/acme/lib-%02d", (r+c)%60),
				Version: fmt.Sprintf("v1.%d.0", c%5), Path: "go.mod", Line: 3 + c, URL: fmt.Sprintf("https://github.com/acme/repo-%05d/blob/abc/go.mod#L%d", r, 3+c)})
		}
		res.Repos = append(res.Repos, evaluate.RepoScan{Repo: source.Repo{Source: "gh", Name: fmt.Sprintf("acme/repo-%05d", r)}, Head: "abc", Inventory: inv, ResultTime: time.Now()})
	}
	return res
}
