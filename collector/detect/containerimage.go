package detect

import (
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
	"go.yaml.in/yaml/v3"
)

func init() { Register(containerImage{}) }

// containerImage finds the images deployment files run: `image:` fields of
// Kubernetes manifests (every document of a multi-document file) and
// docker-compose services, and Helm values' image maps (`image: {registry,
// repository, tag}`, `collectorImage: {repository, tag}`, any map with both
// repository and tag). A value holding a template ({{ }}) or a variable
// (${VAR}, $(VAR)) is skipped: its image is decided elsewhere.
//
// Kustomizations are rendered as kustomize would (kustomizeimages.go): the
// files they name are followed, and their `images:` overrides and patches
// rewrite the images of what they render.
//
// CI configuration runs images too: GitLab CI's `image:` (also
// `image: {name}`) and `services:`, with variables of the same file
// resolved (gitlabvars.go), and a GitHub workflow job's `container:`,
// `services.*.image` and `uses: docker://…` steps.
//
// YAML is everywhere, so only paths where deployment and CI files
// conventionally live are read (see Patterns), plus the catalog's
// scan.container_image_paths. A chart's templates/ are Go templates, not
// YAML, and are left out; a file that does not parse but holds template
// markers is one too, and is skipped without an error.
type containerImage struct {
	// extra are the catalog's scan.container_image_paths.
	extra []string
}

func (containerImage) Kind() string { return "container_image" }

// imagePatterns are where deployment and CI files conventionally live,
// found in real layouts (kubebuilder's config/, kubeflow's
// applications/*/upstream/, chart-testing's charts/*/ci/*-values.yaml).
var imagePatterns = []string{
	"**/docker-compose*.y*ml", "**/compose*.y*ml", // compose.yaml, docker-compose.override.yml
	"**/values*.y*ml", "**/*-values.y*ml", // Helm values, also under charts/ and in charts/*/ci/
	"**/k8s/**/*.y*ml", "**/kubernetes/**/*.y*ml", "**/manifests/**/*.y*ml", "**/deploy/**/*.y*ml",
	"**/kubernetes-manifests/**/*.y*ml", "**/kustomize/base/**/*.y*ml", "**/kustomize/components/**/*.y*ml",
	"**/overlays/**/*.y*ml", "**/release/**/*.y*ml", "**/examples/**/*.y*ml", "**/config/**/*.y*ml",
	"**/applications/**/upstream/**/*.y*ml",
	"**/kustomization.yaml", "**/kustomization.yml", "**/Kustomization", // followed wherever they are
	"**/.gitlab-ci.yml", "**/*.gitlab-ci.yml", // GitLab CI, and files named for inclusion
	".github/workflows/*.y*ml",
}

func (d containerImage) Patterns() []string {
	return append(append([]string(nil), imagePatterns...), d.extra...)
}

// WithPaths reads the catalog's globs too.
func (containerImage) WithPaths(globs []string) Detector {
	return containerImage{extra: append([]string(nil), globs...)}
}

// declares reports a path the detector's Patterns match: read with Read,
// anything else a kustomization names with Follow.
func (d containerImage) declares(p string) bool {
	for _, pattern := range d.Patterns() {
		if ok, _ := doublestar.Match(pattern, p); ok {
			return true
		}
	}
	return false
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
	var paths, kusts []string
	for _, p := range patternPaths(f, d.Patterns()) {
		switch {
		case inChartTemplates(p, charts):
		case isKustomization(p):
			kusts = append(kusts, p)
		default:
			paths = append(paths, p)
		}
	}
	g := newKustomizeGraph(f, d, kusts)
	// A file a kustomization renders is reported as rendered, not as written.
	var unclaimed []string
	for _, p := range paths {
		if !g.claimed[p] {
			unclaimed = append(unclaimed, p)
		}
	}
	out, errs := scanPaths(f, unclaimed, func(p string, data []byte) ([]Component, error) {
		hits, err := parseImageYAML(p, data)
		return hitComponents(hits), err
	})
	kc, kerrs := g.components()
	return append(out, kc...), append(errs, kerrs...)
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

// imageHit is an image reference a file writes, with what kustomize's
// transformers need to know of where it is.
type imageHit struct {
	path string
	line int
	// ref is the reference as written, a split map's parts joined.
	ref string
	// attrs say where ref differs from what the line writes (a variable
	// resolved, a global registry joined).
	attrs map[string]string
	// res is the Kubernetes resource the image is in.
	res resourceID
	// slot is where in the resource: the container (containers/NAME,
	// initContainers/NAME) or the field path (spec.image); indexSlot is
	// the container by index (containers/#0).
	slot, indexSlot string
	// container is set for an image of a containers or initContainers
	// item, the only ones kustomize's `images:` rewrite.
	container bool
}

// resourceID is a Kubernetes resource's kind and metadata.name.
type resourceID struct{ kind, name string }

// hitComponents turns hits into components, leaving out what is no image.
func hitComponents(hits []imageHit) []Component {
	var out []Component
	for _, h := range hits {
		if c, ok := h.component(h.attrs); ok {
			out = append(out, c)
		}
	}
	return out
}

// component is the hit as a component: templated, variable or malformed
// references are none.
func (h imageHit) component(extra map[string]string) (Component, bool) {
	if isTemplated(h.ref) {
		return Component{}, false
	}
	img, ok := ParseImage(h.ref)
	if !ok || !validImage(img) {
		return Component{}, false
	}
	c := Component{Kind: "container_image", Name: img.Name, Version: img.Tag, Path: h.path, Line: h.line}
	a := map[string]string{}
	for k, v := range extra {
		a[k] = v
	}
	if img.Digest != "" {
		a["digest"] = img.Digest
	}
	if len(a) > 0 {
		c.Attrs = a
	}
	return c, true
}

var (
	// The grammar of docker/distribution's reference package: lower-case
	// path components, a tag of word characters, a digest algo:hex.
	imagePathRE   = regexp.MustCompile(`^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$`)
	imageHostRE   = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?(?::[0-9]+)?$`)
	imageTagRE    = regexp.MustCompile(`^[\w][\w.-]{0,127}$`)
	imageDigestRE = regexp.MustCompile(`^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[0-9a-fA-F]+$`)
)

// fileExts are what a value naming a file ends with (`image: logo.png`):
// the grammar allows the dot, no registry holds such an image.
var fileExts = []string{".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".ico", ".yaml", ".yml", ".json"}

// validImage reports a reference a registry could serve: a placeholder
// (CONTAINER_IMAGES_REGISTRY/adservice, adservice) or a file name is none.
func validImage(img ImageRef) bool {
	host, repo, _ := strings.Cut(img.Name, "/")
	if !imageHostRE.MatchString(host) {
		return false
	}
	for _, p := range strings.Split(repo, "/") {
		if !imagePathRE.MatchString(p) {
			return false
		}
	}
	for _, ext := range fileExts {
		if strings.HasSuffix(repo, ext) {
			return false
		}
	}
	if name, ok := strings.CutPrefix(repo, "library/"); ok && host == "docker.io" && !officialImages[name] {
		// A single name only Docker's official images have: this one
		// ("adservice", "controller") is a placeholder that skaffold, ko
		// or a kustomize override replaces, or the repo's own local build.
		return false
	}
	return (img.Tag == "" || imageTagRE.MatchString(img.Tag)) && (img.Digest == "" || imageDigestRE.MatchString(img.Digest))
}

// parseImageYAML returns the image references a YAML file writes.
func parseImageYAML(p string, data []byte) ([]imageHit, error) {
	docs, err := yamlDocs(data)
	if err != nil {
		if isTemplated(string(data)) {
			return nil, nil
		}
		return nil, err
	}
	budget := expansionFor(data)
	w := &imageWalker{path: p, gitlab: isGitLabCI(p), budget: &budget}
	for _, d := range docs {
		switch {
		case isGitHubWorkflow(p):
			w.workflow(d)
		case w.gitlab:
			w.gitlabDoc(d)
		default:
			w.global = helmGlobalRegistry(d)
			w.res = resourceID{kind: scalar(mapGet(d, "kind")), name: scalar(mapGet(mapGet(d, "metadata"), "name"))}
			w.walk(d, "", "", 0, nil)
		}
	}
	return w.hits, w.err
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
			w.add(c, c.Value, nil)
		} else if img := field(c, "image"); scalar(img) {
			w.add(img, img.Value, nil)
		}
		if svcs := field(job, "services"); svcs != nil && svcs.Kind == yaml.MappingNode {
			for j := 1; j < len(svcs.Content); j += 2 {
				if img := field(svcs.Content[j], "image"); scalar(img) {
					w.add(img, img.Value, nil)
				}
			}
		}
		if steps := field(job, "steps"); steps != nil && steps.Kind == yaml.SequenceNode {
			for _, step := range steps.Content {
				if u := field(step, "uses"); scalar(u) && strings.HasPrefix(u.Value, "docker://") {
					w.add(u, strings.TrimPrefix(u.Value, "docker://"), nil)
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
	// vars are the GitLab CI variables in scope, budget what expanding
	// them may still write.
	vars   ciVars
	budget *expansion
	// global is a Helm values file's global image registry.
	global string
	// res is the resource of the document walked.
	res resourceID
	// depth counts the strings holding the YAML walked.
	depth int
	hits  []imageHit
	err   error
}

// containerAt is the containers or initContainers item being walked.
type containerAt struct {
	list, name string
	index      int
}

// walk visits every mapping below n; at is n's key path. Aliases are not
// followed: what they name is visited where it is written, once.
func (w *imageWalker) walk(n *yaml.Node, key, at string, depth int, ctr *containerAt) {
	if n == nil || depth > maxImageDepth {
		return
	}
	switch n.Kind {
	case yaml.SequenceNode:
		for i, c := range n.Content {
			if w.gitlab && key == "services" && c.Kind == yaml.ScalarNode && c.Tag == "!!str" {
				w.add(c, c.Value, nil) // services: [postgres:16]
				continue
			}
			var item *containerAt
			if key == "containers" || key == "initContainers" {
				item = &containerAt{list: key, name: scalar(mapGet(c, "name")), index: i}
			}
			w.walk(c, key, at+"[]", depth+1, item)
		}
	case yaml.MappingNode:
		if w.gitlab && (key == "image" || key == "services") {
			// image: {name: …, entrypoint: […]}; services: [{name: …, alias: …}]
			for i := 0; i+1 < len(n.Content); i += 2 {
				if v := n.Content[i+1]; n.Content[i].Value == "name" && v.Kind == yaml.ScalarNode && v.Tag == "!!str" {
					w.add(v, v.Value, nil)
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
				w.addAt(v, v.Value, nil, at+".image", ctr)
				continue
			}
			if v.Kind == yaml.ScalarNode && v.Style&yaml.LiteralStyle != 0 && !w.gitlab {
				w.embedded(v)
				continue
			}
			w.walk(v, k.Value, at+"."+k.Value, depth+1, nil)
		}
	}
}

// maxEmbedding bounds YAML in a string in YAML in a string.
const maxEmbedding = 2

// embedded reads a literal block that holds YAML itself: a ConfigMap's
// config file, a chart's `runtimeConfig: |` (kubeflow's katib). Its lines
// are the file's, from the one below the | indicator. No kustomize
// override rewrites an image in a string, so none is a container's.
func (w *imageWalker) embedded(v *yaml.Node) {
	if w.depth >= maxEmbedding || !strings.Contains(v.Value, "image") {
		return
	}
	docs, err := yamlDocs([]byte(v.Value))
	if err != nil {
		return // a script, a template: not YAML
	}
	inner := &imageWalker{path: w.path, budget: w.budget, depth: w.depth + 1}
	for _, d := range docs {
		if d.Kind != yaml.MappingNode && d.Kind != yaml.SequenceNode {
			continue
		}
		inner.res = resourceID{kind: scalar(mapGet(d, "kind")), name: scalar(mapGet(mapGet(d, "metadata"), "name"))}
		inner.walk(d, "", "", 0, nil)
	}
	for _, h := range inner.hits {
		h.line += v.Line
		h.container, h.slot, h.indexSlot = false, "", ""
		w.hits = append(w.hits, h)
	}
	if inner.err != nil {
		w.err = inner.err
	}
}

// isImageKey reports a key whose map value is an image split into fields
// even without a tag: image, collectorImage, configReloaderImage.
func isImageKey(key string) bool {
	return key == "image" || len(key) > len("Image") && strings.HasSuffix(key, "Image")
}

// pair reads the image maps split into fields, Helm values' above all:
// `image: {registry, repository, tag, digest}`, `*Image: {repository}`,
// any map with a repository and a tag or a registry, the digest's hex as
// `sha` (prometheus-community), strimzi's `{registry, repository, name,
// tag}`, and ingress-nginx's `image: {registry, image, tag, digest}`. A
// file's global.imageRegistry (or global.image.registry) is the registry
// of maps naming none, but for Docker's official images. It reports
// whether the map's own `image` field was read as part of such a split
// reference.
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
	join := func(at *yaml.Node, repo string) {
		if name := field("name"); name != nil && name.Tag == "!!str" && name.Value != "" {
			repo = strings.TrimRight(repo, "/") + "/" + name.Value // strimzi: repository is the namespace
		}
		tag, digest := value(field("tag")), value(field("digest"))
		if sha := value(field("sha")); digest == "" && sha != "" && !strings.Contains(sha, ":") {
			digest = "sha256:" + sha // prometheus-community's charts: the digest's hex alone
		}
		ref, reg := repo, strings.TrimRight(value(field("registry")), "/")
		if reg != "" {
			ref = reg + "/" + ref
		}
		if tag == "" && digest == "" && registryOnly(ref) {
			return // a prefix the chart's templates complete
		}
		var attrs map[string]string
		if w.global != "" && !hasRegistry(repo) && (reg != "" || !officialImages[repo]) {
			// The global registry replaces the map's own, as the charts'
			// helpers write it (`global.imageRegistry | default
			// .image.registry`: bitnami's common, prometheus-community's,
			// grafana's). An official image ("mysql") naming no registry is
			// Docker Hub's: charts that set a global registry for their own
			// images leave such dependencies on it (kubeflow's katib).
			attrs = map[string]string{"original": joinRef(ref, tag, digest)}
			ref = w.global + "/" + repo
		}
		w.add(at, joinRef(ref, tag, digest), attrs)
	}
	// Under another key an empty tag is no sign of an image: microservices-demo's
	// `images: {repository: REG/PATH, tag: ""}` is the prefix of all of them.
	if repo := field("repository"); repo != nil && repo.Tag == "!!str" && (isImageKey(key) || value(field("tag")) != "" || value(field("registry")) != "") {
		join(repo, repo.Value)
		return false
	}
	if img := field("image"); img != nil && img.Tag == "!!str" && key == "image" && (field("registry") != nil || field("tag") != nil) {
		join(img, img.Value)
		return true
	}
	return false
}

// joinRef writes a reference with its tag and digest given apart, which
// replace any the repository carries.
func joinRef(repo, tag, digest string) string {
	if tag == "" && digest == "" {
		return repo
	}
	if i := strings.LastIndex(repo, "@"); i >= 0 {
		repo = repo[:i]
	}
	if tag != "" {
		if i := strings.LastIndex(repo, ":"); i > strings.LastIndex(repo, "/") {
			repo = repo[:i]
		}
		repo += ":" + tag
	}
	if digest != "" {
		repo += "@" + digest
	}
	return repo
}

// isRegistryHost reports a first path component that names a registry.
func isRegistryHost(s string) bool {
	return strings.ContainsAny(s, ".:") || s == "localhost"
}

// hasRegistry reports a reference that names its registry.
func hasRegistry(ref string) bool {
	first, _, ok := strings.Cut(ref, "/")
	return ok && isRegistryHost(first)
}

// registryOnly reports an untagged value that is only where images live:
// "gcr.io", "registry.acme.io/", "docker.io/bitnami" (on Docker Hub a
// repository written with its host has a namespace).
func registryOnly(ref string) bool {
	if strings.HasSuffix(ref, "/") {
		return true
	}
	parts := strings.Split(ref, "/")
	switch {
	case len(parts) == 1:
		return isRegistryHost(parts[0])
	case len(parts) == 2:
		switch strings.ToLower(parts[0]) {
		case "docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com":
			return true
		}
	}
	return false
}

// helmGlobalRegistry is a values file's global.imageRegistry, or its
// global.image.registry: the registry Helm charts put before the
// repository of every image that names none.
func helmGlobalRegistry(doc *yaml.Node) string {
	global := mapGet(doc, "global")
	for _, n := range []*yaml.Node{mapGet(global, "imageRegistry"), mapGet(mapGet(global, "image"), "registry")} {
		if n != nil && n.Kind == yaml.ScalarNode && n.Tag == "!!str" && n.Value != "" && !isTemplated(n.Value) {
			return strings.TrimRight(n.Value, "/")
		}
	}
	return ""
}

// add records an image written at node n, its GitLab CI variables
// resolved.
func (w *imageWalker) add(n *yaml.Node, ref string, attrs map[string]string) {
	w.addAt(n, ref, attrs, "", nil)
}

func (w *imageWalker) addAt(n *yaml.Node, ref string, attrs map[string]string, at string, ctr *containerAt) {
	if w.gitlab && strings.Contains(ref, "$") {
		expanded, used, err := w.vars.expand(ref, w.budget)
		if err != nil {
			w.err = err
			return
		}
		if used != "" {
			attrs = map[string]string{"original": ref, "variables": used}
			ref = expanded
		}
	}
	line := n.Line
	if n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		line++ // a block scalar's text starts below its | or > indicator
	}
	h := imageHit{path: w.path, line: line, ref: ref, attrs: attrs, res: w.res, slot: strings.TrimPrefix(at, ".")}
	if ctr != nil {
		h.container = true
		h.slot = ctr.list + "/" + ctr.name
		h.indexSlot = fmt.Sprintf("%s/#%d", ctr.list, ctr.index)
	}
	w.hits = append(w.hits, h)
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
	bare, _, _ := strings.Cut(raw, "@")
	if i := strings.LastIndexByte(bare, ':'); i > strings.LastIndexByte(bare, '/') {
		bare = bare[:i]
	}
	switch {
	case !ok:
		return nil, fmt.Errorf("image: %q is not an image reference", raw)
	case ref.Tag != "":
		return nil, fmt.Errorf("image: %q has a tag (%s), which a rule does not match on: write image: %s "+
			"(the tag is measured as each repo's version: set the offering's latest to count drift)", raw, ref.Tag, bare)
	case ref.Digest != "":
		return nil, fmt.Errorf("image: %q has a digest, which a rule does not match on: write image: %s", raw, bare)
	}
	match, err := compileName("image", NormalizeImageRule(raw), true)
	if err != nil {
		return nil, err
	}
	return MatcherFunc(func(c Component) bool {
		return c.Kind == kind && match(c.Name)
	}), nil
}
