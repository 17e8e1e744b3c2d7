package detect

import (
	"errors"
	"fmt"
	"path"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/uptake-dev/uptake/collector/version"
)

func init() { Register(helm{}) }

// helm finds the charts Helm charts depend on: `dependencies` of Chart.yaml
// (apiVersion v2) and of requirements.yaml (v1). Chart.lock and
// requirements.lock beside them give the resolved versions. A subchart
// vendored unpacked into another chart's charts/ directory is that chart's
// business, not the repo's, and is left out; so are file:// dependencies,
// which are the repo's own charts, and dependencies without a repository,
// which Helm takes from the chart's charts/ directory.
//
// A kustomization's `helmCharts:` (name, repo, version) inflates a chart
// too, and counts the same way.
type helm struct{}

func (helm) Kind() string { return "helm" }

func (helm) Patterns() []string {
	return []string{"**/Chart.yaml", "**/requirements.yaml", "**/Chart.lock", "**/requirements.lock",
		"**/kustomization.yaml", "**/kustomization.yml", "**/Kustomization"}
}

func isKustomization(p string) bool {
	b := path.Base(p)
	return b == "kustomization.yaml" || b == "kustomization.yml" || b == "Kustomization"
}

// helmLocks maps a manifest to its lockfile.
var helmLocks = map[string]string{"Chart.yaml": "Chart.lock", "requirements.yaml": "requirements.lock"}

type helmDep struct {
	name, version, repository, alias string
	line                             int
}

func (h helm) Detect(f Files) ([]Component, []error) {
	var (
		errs      []error
		manifests []string
		parsed    = map[string][]helmDep{} // manifests and lockfiles alike
	)
	paths := patternPaths(f, h.Patterns())
	isChart := map[string]bool{}
	for _, p := range paths {
		if path.Base(p) == "Chart.yaml" {
			isChart[path.Dir(p)] = true
		}
	}
	for _, p := range paths {
		if dir := path.Dir(path.Dir(p)); path.Base(dir) == "charts" && isChart[path.Dir(dir)] {
			continue // parent/charts/sub/...: a vendored subchart
		}
		data, err := readText(f, p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		parse := parseHelmDeps
		if isKustomization(p) {
			parse = parseKustomizeHelmCharts
		}
		deps, err := parse(data)
		if err != nil {
			if isKustomization(p) {
				continue // the kustomize kind reports a kustomization that does not parse
			}
			errs = append(errs, &FileError{Path: p, Err: err})
			continue
		}
		parsed[p] = deps
		if !strings.HasSuffix(p, ".lock") {
			manifests = append(manifests, p)
		}
	}
	var out []Component
	for _, p := range manifests {
		lockPath := path.Join(path.Dir(p), helmLocks[path.Base(p)])
		// The lockfile's first entry for each chart and repository: looked
		// up, not searched for each dependency.
		lock := map[[2]string]helmDep{}
		for _, l := range parsed[lockPath] {
			if k := [2]string{l.name, l.repository}; lock[k].name == "" {
				lock[k] = l // helmDepList keeps no entry without a name
			}
		}
		for _, d := range parsed[p] {
			if d.repository == "" || strings.HasPrefix(d.repository, "file://") {
				// No repository: Helm takes the chart from charts/, as
				// kube-prometheus-stack does its crds subchart.
				continue
			}
			c := Component{
				Kind:    "helm",
				Name:    d.name,
				Version: version.Clean(d.version),
				Path:    p,
				Line:    d.line,
				Attrs:   attrs("repository", d.repository, "declared", d.version, "alias", d.alias),
			}
			if l, ok := lock[[2]string{d.name, d.repository}]; ok {
				resolveFromLock(&c, l.version, lockPath, l.line)
			}
			out = append(out, c)
		}
	}
	return out, errs
}

// parseHelmDeps reads the `dependencies` list shared by Chart.yaml,
// requirements.yaml and their lockfiles.
func parseHelmDeps(data []byte) ([]helmDep, error) {
	docs, err := yamlDocs(data)
	if err != nil {
		return nil, err
	}
	if len(docs) == 0 {
		return nil, nil
	}
	if len(docs) > 1 || docs[0].Kind != yaml.MappingNode {
		return nil, errors.New("not a single YAML mapping")
	}
	deps := mapGet(docs[0], "dependencies")
	if deps == nil || deps.Tag == "!!null" {
		return nil, nil
	}
	if deps.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("line %d: dependencies is not a list", deps.Line)
	}
	return helmDepList(deps, "repository", "alias"), nil
}

// helmDepList reads a list of chart entries (name, version, the repository
// under repoKey, an alias under aliasKey when there is one); entries
// without a name are skipped.
func helmDepList(list *yaml.Node, repoKey, aliasKey string) []helmDep {
	var out []helmDep
	for _, n := range list.Content {
		name := mapGet(n, "name")
		if name == nil || name.Kind != yaml.ScalarNode || name.Value == "" {
			continue
		}
		d := helmDep{
			name:       name.Value,
			version:    scalar(mapGet(n, "version")),
			repository: scalar(mapGet(n, repoKey)),
			line:       name.Line,
		}
		if aliasKey != "" {
			d.alias = scalar(mapGet(n, aliasKey))
		}
		out = append(out, d)
	}
	return out
}

// parseKustomizeHelmCharts reads a kustomization's `helmCharts` list
// (name, repo, version): the charts `kustomize build --enable-helm`
// inflates. An entry without a repo is a chart in the chartHome directory.
func parseKustomizeHelmCharts(data []byte) ([]helmDep, error) {
	docs, err := yamlDocs(data)
	if err != nil {
		return nil, err
	}
	if len(docs) != 1 || docs[0].Kind != yaml.MappingNode {
		return nil, nil
	}
	charts := mapGet(docs[0], "helmCharts")
	if charts == nil || charts.Kind != yaml.SequenceNode {
		return nil, nil
	}
	return helmDepList(charts, "repo", ""), nil
}

// scalar is a scalar node's value, "" for anything else.
func scalar(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return ""
	}
	return n.Value
}

// Compile takes `chart`, a chart name (or glob), and optionally
// `repository`, compared without its scheme and trailing slash on whole path
// components ("charts.acme.com" matches "https://charts.acme.com/stable"),
// or as a glob.
func (helm) Compile(params map[string]string) (Matcher, error) {
	if err := Params(params, []string{"chart"}, []string{"repository"}); err != nil {
		return nil, err
	}
	chart := strings.TrimSpace(params["chart"])
	if strings.ContainsAny(chart, "/ \t@:") {
		return nil, fmt.Errorf("chart: %q must be a chart name", chart)
	}
	chartMatch, err := compileName("chart", chart, true)
	if err != nil {
		return nil, err
	}
	repo := helmRepository(params["repository"])
	repoMatch, err := compileName("repository", repo, true)
	if err != nil {
		return nil, err
	}
	return MatcherFunc(func(c Component) bool {
		if c.Kind != "helm" || !chartMatch(c.Name) {
			return false
		}
		return repo == "" || repoMatch(helmRepository(c.Attrs["repository"]))
	}), nil
}

// helmRepository drops a repository URL's scheme and trailing slash and
// lower-cases its host; "@name" and "alias:name" repository aliases stay.
func helmRepository(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.Index(s, "://"); i >= 0 {
		s = s[i+3:]
	}
	s = strings.TrimRight(s, "/")
	if host, rest, ok := strings.Cut(s, "/"); ok {
		return strings.ToLower(host) + "/" + rest
	}
	if strings.HasPrefix(s, "@") || strings.HasPrefix(s, "alias:") {
		return s
	}
	return strings.ToLower(s)
}
