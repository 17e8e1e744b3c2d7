package estate

import (
	"fmt"
	"strings"
)

// HarvestCatalog is the harvest estate's catalog without its sources:
// teams by repo name, harvest mode with github.com/acme/* internal, and
// the kit (gin its alternative) and logkit offerings.
const HarvestCatalog = `teams:
  from: [map]
  map:
    alpha: ["alpha-*"]
    beta: ["beta-*"]
    gamma: ["gamma-*"]
    delta: ["delta-*"]
    core: ["authlib", "core-*"]
harvest:
  internal: ["github.com/acme/*"]
offerings:
  - name: kit
    owner: platform
    lifecycle: ga
    detect: [{kind: gomod, module: github.com/acme/kit}]
    alternatives: ["github.com/gin-gonic/*"]
  - name: logkit
    owner: platform
    lifecycle: ga
    detect: [{kind: gomod, module: github.com/acme/logkit}]
`

// HarvestRepos are the harvest estate's repos, sorted.
var HarvestRepos = []string{"alpha-svc", "authlib", "beta-svc", "core-tools", "delta-svc", "gamma-svc"}

// HarvestTrees is the estate harvest discovery is checked on, by repo: four
// product teams (alpha, beta, gamma, delta) each use logrus and the
// internal authlib that core builds, and copy one CI file in their own
// whitespace and comments; gamma and delta use gin where alpha and beta
// adopt kit; every repo adopts logkit; cobra is used by two teams only.
func HarvestTrees() map[string]map[string]string {
	trees := map[string]map[string]string{
		"authlib": {"go.mod": goMod("github.com/acme/authlib", "github.com/acme/logkit v1.0.0"),
			".gitlab-ci.yml": "release:\n  script:\n    - goreleaser release\n    - echo done\n"},
		"core-tools": {"go.mod": goMod("github.com/acme/tools", "github.com/acme/logkit v1.0.0", "github.com/spf13/cobra v1.8.0")},
	}
	for i, team := range []string{"alpha", "beta", "gamma", "delta"} {
		repo := team + "-svc"
		reqs := []string{fmt.Sprintf("github.com/acme/authlib v0.3.%d", i%2), fmt.Sprintf("github.com/sirupsen/logrus v1.%d.0", 8+i%2),
			"github.com/acme/logkit v1.0.0"}
		if team == "gamma" || team == "delta" {
			reqs = append(reqs, "github.com/gin-gonic/gin v1.10.0")
		} else {
			reqs = append(reqs, "github.com/acme/kit v1.4.0")
		}
		if team == "alpha" {
			reqs = append(reqs, "github.com/spf13/cobra v1.8.0")
		}
		trees[repo] = map[string]string{"go.mod": goMod("github.com/acme/"+repo, reqs...), ".gitlab-ci.yml": ciFile(repo, i)}
	}
	return trees
}

// ciFile is the CI config the product teams copied; variant writes it in
// one team's whitespace and comments, naming its own repo.
func ciFile(repo string, variant int) string {
	lines := []string{
		"stages: [test, build]",
		"test:",
		"  tags: [docker]",
		"  script:",
		"    - go test ./...",
		"build:",
		"  script:",
		"    - docker build -t registry.acme.io/" + repo + " .",
		"    - docker push registry.acme.io/" + repo,
	}
	var b strings.Builder
	for i, l := range lines {
		switch variant {
		case 1:
			l = strings.ReplaceAll(l, "  ", "    ")
		case 2:
			if i == 2 {
				b.WriteString("# pinned by the platform\n")
			}
			l += "   "
		case 3:
			l = strings.ReplaceAll(l, ": ", ":   ") + " # ok"
			b.WriteString("\n")
		}
		b.WriteString(l + "\n")
	}
	return b.String()
}

func goMod(module string, requires ...string) string {
	return "module " + module + "\n\ngo 1.26\n\nrequire (\n\t" + strings.Join(requires, "\n\t") + "\n)\n"
}
