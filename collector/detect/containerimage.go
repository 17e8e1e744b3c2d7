package detect

import (
	"fmt"
	"path"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
	"go.yaml.in/yaml/v3"
)

func init() { Register(containerImage{}) }

// containerImage finds the images deployment files run: `image:` fields of
// Kubernetes manifests (every document of a multi-document file) and
// docker-compose services, Helm values' `image: {registry, repository, tag}`
// maps and other `repository` + `tag` pairs, and kustomize `images:`
// overrides (newName, newTag). A value holding a template ({{ }}) or a
// variable (${VAR}, $(VAR)) is skipped: its image is decided elsewhere.
//
// CI configuration runs images too: GitLab CI's `image:` (also
// `image: {name}`) and `services:`, and a GitHub workflow job's `container:`,
// `services.*.image` and `uses: docker://…` steps.
//
// YAML is everywhere, so only paths where deployment and CI files
// conventionally live are read (see Patterns). A chart's templates/ are Go templates, not
// YAML, and are left out; a file that does not parse but holds template
// markers is one too, and is skipped without an error.
type containerImage struct{}

func (containerImage) Kind() string { return "container_image" }

func (containerImage) Patterns() []string {
	return []string{
		"**/docker-compose*.y*ml", "**/compose*.y*ml", // compose.yaml, docker-compose.override.yml
		"**/values*.y*ml", // Helm values, also under charts/
		"**/k8s/**/*.y*ml", "**/kubernetes/**/*.y*ml", "**/manifests/**/*.y*ml", "**/deploy/**/*.y*ml",
		"**/.gitlab-ci.yml", "**/*.gitlab-ci.yml", // GitLab CI, and files named for inclusion
		".github/workflows/*.y*ml",
	}
}

func isGitHubWorkflow(p string) bool {
	return path.Dir(p) == ".github/workflows"
}

func isGitLabCI(p string) bool {
	return strings.HasSuffix(path.Base(p), ".gitlab-ci.yml")
}

func (d containerImage) Detect(f Files) ([]Component, []error) {
	charts := map[string]bool{}
	for _, p := range f.Glob("**/Chart.yaml") {
		charts[path.Dir(p)] = true
	}
	var paths []string
	for _, p := range patternPaths(f, d.Patterns()) {
		if !inChartTemplates(p, charts) {
			paths = append(paths, p)
		}
	}
	return scanPaths(f, paths, parseImageYAML)
}

// inChartTemplates reports a path below some chart's templates/ directory.
func inChartTemplates(p string, charts map[string]bool) bool {
	for dir := path.Dir(p); dir != "." && dir != "/"; dir = path.Dir(dir) {
		if path.Base(dir) == "templates" && charts[path.Dir(dir)] {
			return true
		}
	}
	return false
}

func parseImageYAML(p string, data []byte) ([]Component, error) {
	docs, err := yamlDocs(data)
	if err != nil {
		if isTemplated(string(data)) {
			return nil, nil
		}
		return nil, err
	}
	w := &imageWalker{path: p, gitlab: isGitLabCI(p)}
	for _, d := range docs {
		if isGitHubWorkflow(p) {
			w.workflow(d)
		} else {
			w.walk(d, "", 0)
		}
	}
	return w.out, nil
}

// workflow reads the images a GitHub Actions workflow runs: only these
// fields, as `with:` inputs named image often name one the job builds.
func (w *imageWalker) workflow(doc *yaml.Node) {
	field := func(m *yaml.Node, k string) *yaml.Node {
		if m == nil || m.Kind != yaml.MappingNode {
			return nil
		}
		for i := 0; i+1 < len(m.Content); i += 2 {
			if m.Content[i].Value == k {
				return m.Content[i+1]
			}
		}
		return nil
	}
	scalar := func(n *yaml.Node) bool { return n != nil && n.Kind == yaml.ScalarNode && n.Tag == "!!str" }
	jobs := field(doc, "jobs")
	if jobs == nil || jobs.Kind != yaml.MappingNode {
		return
	}
	for i := 1; i < len(jobs.Content); i += 2 {
		job := jobs.Content[i]
		if c := field(job, "container"); scalar(c) {
			w.add(c, c.Value)
		} else if img := field(c, "image"); scalar(img) {
			w.add(img, img.Value)
		}
		if svcs := field(job, "services"); svcs != nil && svcs.Kind == yaml.MappingNode {
			for j := 1; j < len(svcs.Content); j += 2 {
				if img := field(svcs.Content[j], "image"); scalar(img) {
					w.add(img, img.Value)
				}
			}
		}
		if steps := field(job, "steps"); steps != nil && steps.Kind == yaml.SequenceNode {
			for _, step := range steps.Content {
				if u := field(step, "uses"); scalar(u) && strings.HasPrefix(u.Value, "docker://") {
					w.add(u, strings.TrimPrefix(u.Value, "docker://"))
				}
			}
		}
	}
}

// maxImageDepth bounds the walk; real manifests nest a dozen levels.
const maxImageDepth = 64

type imageWalker struct {
	path   string
	gitlab bool // GitLab CI: `image: {name}` and `services:` lists too
	out    []Component
}

// walk visits every mapping below n. Aliases are not followed: what they
// name is visited where it is written, once.
func (w *imageWalker) walk(n *yaml.Node, key string, depth int) {
	if n == nil || depth > maxImageDepth {
		return
	}
	switch n.Kind {
	case yaml.SequenceNode:
		for _, c := range n.Content {
			if w.gitlab && key == "services" && c.Kind == yaml.ScalarNode && c.Tag == "!!str" {
				w.add(c, c.Value) // services: [postgres:16]
				continue
			}
			w.walk(c, key, depth+1)
		}
	case yaml.MappingNode:
		if w.gitlab && (key == "image" || key == "services") {
			// image: {name: …, entrypoint: […]}; services: [{name: …, alias: …}]
			for i := 0; i+1 < len(n.Content); i += 2 {
				if v := n.Content[i+1]; n.Content[i].Value == "name" && v.Kind == yaml.ScalarNode && v.Tag == "!!str" {
					w.add(v, v.Value)
				}
			}
		}
		split := w.pair(n, key)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Value == "image" && v.Kind == yaml.ScalarNode {
				if v.Tag != "!!str" || split {
					continue // image: true, image: 42; or a field of a split map, read by pair
				}
				w.add(v, v.Value, "")
				continue
			}
			w.walk(v, k.Value, depth+1)
		}
	}
}

// pair reads the image maps split into fields: Helm values
// (`image: {registry, repository, tag, digest}`, or any map with both
// repository and tag; ingress-nginx's chart names the repository `image`:
// `image: {registry, image, tag, digest}`) and kustomize overrides
// (`images: [{name, newName, newTag}]`). It reports whether the map's own
// `image` field was read as part of such a split reference.
func (w *imageWalker) pair(m *yaml.Node, key string) bool {
	field := func(k string) *yaml.Node {
		for i := 0; i+1 < len(m.Content); i += 2 {
			if m.Content[i].Value == k && m.Content[i+1].Kind == yaml.ScalarNode && m.Content[i+1].Tag != "!!null" {
				return m.Content[i+1]
			}
		}
		return nil
	}
	value := func(n *yaml.Node) string {
		if n == nil {
			return ""
		}
		return n.Value
	}
	if repo := field("repository"); repo != nil && repo.Tag == "!!str" && (key == "image" || field("tag") != nil) {
		ref := repo.Value
		if reg := value(field("registry")); reg != "" {
			ref = strings.TrimRight(reg, "/") + "/" + ref
		}
		w.add(repo, ref, value(field("tag")), value(field("digest")))
		return false
	}
	if img := field("image"); img != nil && img.Tag == "!!str" && key == "image" && (field("registry") != nil || field("tag") != nil) {
		ref := img.Value
		if reg := value(field("registry")); reg != "" {
			ref = strings.TrimRight(reg, "/") + "/" + ref
		}
		w.add(img, ref, value(field("tag")), value(field("digest")))
		return true
	}
	if name := field("name"); name != nil && key == "images" && (field("newName") != nil || field("newTag") != nil || field("digest") != nil) {
		at := name
		if nn := field("newName"); nn != nil {
			at = nn
		}
		w.add(at, at.Value, value(field("newTag")), value(field("digest")))
	}
	return false
}

// add records an image written at node n: a reference, optionally with its
// tag and digest given apart.
func (w *imageWalker) add(n *yaml.Node, ref string, tagDigest ...string) {
	for _, s := range append([]string{ref}, tagDigest...) {
		if isTemplated(s) {
			return
		}
	}
	img, ok := ParseImage(ref)
	if !ok {
		return
	}
	if len(tagDigest) > 0 && tagDigest[0] != "" {
		img.Tag = tagDigest[0]
	}
	if len(tagDigest) > 1 && tagDigest[1] != "" {
		img.Digest = tagDigest[1]
	}
	line := n.Line
	if n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		line++ // a block scalar's text starts below its | or > indicator
	}
	c := Component{Kind: "container_image", Name: img.Name, Version: img.Tag, Path: w.path, Line: line}
	if img.Digest != "" {
		c.Attrs = map[string]string{"digest": img.Digest}
	}
	w.out = append(w.out, c)
}

// isTemplated reports a value some tool fills in before it is an image:
// Go/Helm/Jinja templates, shell and compose variables.
func isTemplated(s string) bool {
	return strings.Contains(s, "{{") || strings.Contains(s, "${") || strings.Contains(s, "$(") || strings.Contains(s, "{%")
}

// Compile takes `image`: a repository normalised as Docker does ("golang"
// is docker.io/library/golang), matched on whole path components, or a
// glob; as the dockerfile kind's.
func (containerImage) Compile(params map[string]string) (Matcher, error) {
	return compileImageRule("container_image", params)
}

func compileImageRule(kind string, params map[string]string) (Matcher, error) {
	if err := Params(params, []string{"image"}, nil); err != nil {
		return nil, err
	}
	raw := strings.TrimSpace(params["image"])
	ref, ok := ParseImage(strings.ReplaceAll(raw, "*", "x"))
	switch {
	case !ok:
		return nil, fmt.Errorf("image: %q is not an image reference", raw)
	case ref.Tag != "" || ref.Digest != "":
		return nil, fmt.Errorf("image: %q must name a repository without tag or digest", raw)
	}
	rule := NormalizeImageRule(raw)
	if !doublestar.ValidatePattern(rule) {
		return nil, fmt.Errorf("image: bad glob %q", raw)
	}
	return MatcherFunc(func(c Component) bool {
		return c.Kind == kind && MatchName(rule, c.Name)
	}), nil
}
