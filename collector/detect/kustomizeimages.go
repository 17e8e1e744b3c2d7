package detect

import (
	"errors"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The container_image kind renders kustomizations as `kustomize build`
// would, for their images only: a kustomization's resources (files, and
// directories holding another kustomization), then its components, which
// see what the resources rendered, then its patches, then its `images:`
// overrides, each on what came before. Every kustomization no other one
// includes is built; an image is reported at the line that writes it, as
// the overrides leave it. The files a kustomization names are read with
// Follow: inside the repo, bounded by the Scope.

const (
	// maxKustomizeDepth bounds chains of kustomizations including others.
	maxKustomizeDepth = 20
	// maxRendered bounds the images all builds hold in sum: overlays of a
	// large base each hold all of it, a diamond of bases holds it twice.
	maxRendered = 1 << 20
	// maxApplied bounds how many kustomizations and components all builds
	// apply in sum: components are applied wherever they are named, not
	// built once, so a chain of components each naming the next twice
	// would apply the last 2^depth times.
	maxApplied = 10_000
	// maxPatchCompares bounds the images patches' images are compared
	// with, in sum: a patch targeting every Deployment, of as many images
	// as the base, costs the product.
	maxPatchCompares = 1 << 24
)

// kustomization is what one kustomization file says of images.
type kustomization struct {
	path string
	// resources are files and the kustomization files of directories,
	// components kustomization files, all in the repo.
	resources, components []string
	patches               []kpatch
	images                []*kimage
	// open is set when it names what cannot be rendered here (a remote
	// base, a missing path, a chart): images may come from there.
	open bool
}

// kpatch is a patch: a file, or an inline body (a string node).
type kpatch struct {
	file   string
	body   *yaml.Node
	target *kselector
}

// kselector is a patch target: a kind and a name (a regexp, as kustomize
// reads it), either empty for any.
type kselector struct {
	kind string
	name *regexp.Regexp
}

func (s *kselector) matches(r resourceID) bool {
	return (s.kind == "" || s.kind == r.kind) && (s.name == nil || s.name.MatchString(r.name))
}

// kimage is one `images:` entry.
type kimage struct {
	name, newName, newTag, digest, tagSuffix string
	path                                     string
	at                                       *yaml.Node // newName, else name
}

// rendered is an image a build holds: the hit that writes it, rewritten.
type rendered struct {
	imageHit
	// original is the reference before the first override, override where
	// the last one applied is written; both "" when none applied.
	original, override string
}

type kustomizeGraph struct {
	f Files
	d containerImage
	// files and dirs are the tree's, listed on first need.
	files, dirs map[string]bool
	kusts       map[string]*kustomization
	included    map[string]bool
	// claimed are the files some kustomization renders.
	claimed  map[string]bool
	hits     map[string][]imageHit
	patched  map[string][]imageHit
	memo     map[string]build
	active   map[string]bool
	used     map[*kimage]bool
	open     map[string]bool
	work     int
	applied  int
	compared int
	errs     []error
	failed   map[string]bool
}

type build struct {
	images []rendered
	open   bool
}

func newKustomizeGraph(f Files, d containerImage, paths []string) *kustomizeGraph {
	g := &kustomizeGraph{f: f, d: d, kusts: map[string]*kustomization{}, included: map[string]bool{},
		claimed: map[string]bool{}, hits: map[string][]imageHit{}, patched: map[string][]imageHit{},
		memo: map[string]build{}, active: map[string]bool{}, used: map[*kimage]bool{}, open: map[string]bool{},
		failed: map[string]bool{}}
	for _, p := range paths {
		data, err := readText(f, p)
		if err != nil {
			g.errs = append(g.errs, err)
			continue
		}
		k, err := g.parse(p, data)
		if err != nil {
			g.errs = append(g.errs, &FileError{Path: p, Err: err})
			continue
		}
		if k != nil {
			g.kusts[p] = k
		}
	}
	for _, k := range g.kusts {
		for _, r := range append(append([]string(nil), k.resources...), k.components...) {
			if g.kusts[r] != nil {
				g.included[r] = true
			} else if !isKustomization(r) {
				g.claimed[r] = true
			}
		}
		for _, p := range k.patches {
			if p.file != "" {
				g.claimed[p.file] = true
			}
		}
	}
	return g
}

// parse reads a kustomization's resources, bases, components, patches and
// images; a file that is not a mapping says nothing of them.
func (g *kustomizeGraph) parse(p string, data []byte) (*kustomization, error) {
	docs, err := yamlDocs(data)
	if err != nil {
		return nil, err
	}
	if len(docs) != 1 || docs[0].Kind != yaml.MappingNode {
		return nil, nil
	}
	doc, dir := docs[0], path.Dir(p)
	k := &kustomization{path: p, open: mapGet(doc, "helmCharts") != nil}
	for _, field := range []string{"resources", "bases", "components"} {
		for _, n := range seq(mapGet(doc, field)) {
			target, ok := g.local(dir, n)
			switch {
			case !ok:
				k.open = true
			case field == "components":
				k.components = append(k.components, target)
			default:
				k.resources = append(k.resources, target)
			}
		}
	}
	for _, n := range seq(mapGet(doc, "patchesStrategicMerge")) {
		if n.Kind == yaml.ScalarNode && strings.Contains(n.Value, "\n") {
			k.patches = append(k.patches, kpatch{body: n})
		} else if target, ok := g.local(dir, n); ok {
			k.patches = append(k.patches, kpatch{file: target})
		}
	}
	for _, field := range []string{"patches", "patchesJson6902"} {
		for _, n := range seq(mapGet(doc, field)) {
			kp := kpatch{target: selector(mapGet(n, "target"))}
			if body := mapGet(n, "patch"); body != nil && body.Kind == yaml.ScalarNode {
				kp.body = body
			} else if file := mapGet(n, "path"); file != nil {
				target, ok := g.local(dir, file)
				if !ok {
					continue
				}
				kp.file = target
			} else {
				continue
			}
			k.patches = append(k.patches, kp)
		}
	}
	for _, n := range seq(mapGet(doc, "images")) {
		name := mapGet(n, "name")
		if scalar(name) == "" {
			continue
		}
		e := &kimage{name: name.Value, newName: scalar(mapGet(n, "newName")), newTag: scalar(mapGet(n, "newTag")),
			digest: scalar(mapGet(n, "digest")), tagSuffix: scalar(mapGet(n, "tagSuffix")), path: p, at: name}
		if nn := mapGet(n, "newName"); scalar(nn) != "" {
			e.at = nn
		}
		k.images = append(k.images, e)
	}
	return k, nil
}

func seq(n *yaml.Node) []*yaml.Node {
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	return n.Content
}

// selector reads a patch's target.
func selector(n *yaml.Node) *kselector {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	s := &kselector{kind: scalar(mapGet(n, "kind"))}
	if name := scalar(mapGet(n, "name")); name != "" {
		re, err := regexp.Compile("^(?:" + name + ")$")
		if err != nil {
			re = regexp.MustCompile(`^` + regexp.QuoteMeta(name) + `$`)
		}
		s.name = re
	}
	return s
}

// kustomizationNames are the files kustomize looks for in a directory, in
// its order.
var kustomizationNames = []string{"kustomization.yaml", "kustomization.yml", "Kustomization"}

// local resolves a path a kustomization names, relative to its directory:
// a file, or a directory's kustomization. A URL, a path out of the repo, a
// path the tree lacks (or excludes) or a directory without a
// kustomization is not ok.
func (g *kustomizeGraph) local(dir string, n *yaml.Node) (string, bool) {
	s := strings.TrimSpace(scalar(n))
	if s == "" || isTemplated(s) || strings.Contains(s, "://") || getterRE.MatchString(s) || scpRE.MatchString(s) {
		return "", false
	}
	target := path.Join(dir, s)
	if target == ".." || strings.HasPrefix(target, "../") || path.IsAbs(s) {
		return "", false
	}
	if g.files == nil {
		g.files, g.dirs = map[string]bool{}, map[string]bool{}
		for _, p := range g.f.Glob("**") {
			g.files[p] = true
			for d := path.Dir(p); d != "." && !g.dirs[d]; d = path.Dir(d) {
				g.dirs[d] = true
			}
		}
	}
	if g.files[target] {
		return target, true
	}
	if g.dirs[target] || target == "." {
		for _, name := range kustomizationNames {
			if p := path.Join(target, name); g.files[p] {
				return p, true
			}
		}
	}
	return "", false
}

// read reads a file a kustomization names: Read when the Patterns
// declare it, else Follow.
func (g *kustomizeGraph) read(p string) ([]byte, error) {
	if g.d.declares(p) {
		return readText(g.f, p)
	}
	return followText(g.f, p)
}

// fileHits are the images a resource file writes, parsed once.
func (g *kustomizeGraph) fileHits(p string) []imageHit {
	if hits, ok := g.hits[p]; ok {
		return hits
	}
	g.hits[p] = nil
	data, err := g.read(p)
	if err == nil {
		g.hits[p], err = parseImageYAML(p, data)
	}
	if err != nil {
		g.fail(p, err)
	}
	return g.hits[p]
}

func (g *kustomizeGraph) fail(p string, err error) {
	if g.failed[p] {
		return
	}
	g.failed[p] = true
	if !errors.As(err, new(*FileError)) {
		err = &FileError{Path: p, Err: err}
	}
	g.errs = append(g.errs, err)
}

// components builds every kustomization no other includes (and those only
// a cycle includes) and returns the images they hold, once each, with the
// overrides that matched nothing and may apply to what could not be
// rendered.
func (g *kustomizeGraph) components() ([]Component, []error) {
	paths := make([]string, 0, len(g.kusts))
	for p := range g.kusts {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	var builds []build
	for _, p := range paths {
		if !g.included[p] {
			builds = append(builds, g.render(p, 0))
		}
	}
	for _, p := range paths {
		if _, done := g.open[p]; !done {
			builds = append(builds, g.render(p, 0)) // in a cycle: kustomize refuses it, its files still count
		}
	}
	var out []Component
	seen := map[string]bool{}
	for _, b := range builds {
		for _, r := range b.images {
			var extra map[string]string
			if r.original != "" && r.original != r.ref {
				extra = map[string]string{"original": r.original, "override": r.override}
			} else {
				extra = r.attrs
			}
			c, ok := r.component(extra)
			if !ok {
				continue
			}
			key := fmt.Sprintf("%s:%d %s %s %s", c.Path, c.Line, c.Name, c.Version, c.Attrs["digest"])
			if !seen[key] {
				seen[key] = true
				out = append(out, c)
			}
		}
	}
	for _, p := range paths {
		if !g.open[p] {
			continue
		}
		for _, e := range g.kusts[p].images {
			if g.used[e] || (e.newName == "" && e.newTag == "" && e.digest == "") {
				continue
			}
			h := imageHit{path: p, line: e.at.Line, ref: joinRef(firstNonEmpty(e.newName, e.name), e.newTag, e.digest)}
			if c, ok := h.component(nil); ok {
				out = append(out, c)
			}
		}
	}
	return out, g.errs
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// renderedKey is what tells rendered images apart: all that the overrides,
// the patches and the component read or write.
type renderedKey struct {
	path, ref, kind, name, slot, indexSlot, original, override string
	line                                                       int
	container                                                  bool
}

func (r rendered) key() renderedKey {
	return renderedKey{path: r.path, ref: r.ref, kind: r.res.kind, name: r.res.name, slot: r.slot, indexSlot: r.indexSlot,
		original: r.original, override: r.override, line: r.line, container: r.container}
}

// render builds the kustomization at p.
func (g *kustomizeGraph) render(p string, depth int) build {
	if b, ok := g.memo[p]; ok {
		return b
	}
	k := g.kusts[p]
	if k == nil || g.active[p] {
		return build{open: true}
	}
	if depth > maxKustomizeDepth {
		g.fail(p, fmt.Errorf("kustomizations include each other over %d deep", maxKustomizeDepth))
		return build{open: true}
	}
	g.active[p] = true
	defer delete(g.active, p)
	images, open := g.accumulate(k, nil, depth)
	b := build{images: images, open: open}
	g.memo[p] = b
	return b
}

// accumulate adds what k renders to acc, which a component sees and
// rewrites, and returns it.
func (g *kustomizeGraph) accumulate(k *kustomization, acc []rendered, depth int) ([]rendered, bool) {
	if g.applied++; g.applied > maxApplied {
		if g.applied == maxApplied+1 { // reported once, at the first refused
			g.fail(k.path, fmt.Errorf("kustomizations and components applied more than %d times in all", maxApplied))
		}
		return nil, true
	}
	open := k.open
	// An image held twice alike (a base named twice, a diamond of bases:
	// kustomize refuses both) is held once: the same transformers rewrite
	// both copies alike, and a chain of kustomizations each naming the one
	// before twice would hold 2^depth copies.
	held := make(map[renderedKey]bool, len(acc))
	for _, r := range acc {
		held[r.key()] = true
	}
	add := func(r rendered) {
		if key := r.key(); !held[key] {
			held[key] = true
			acc = append(acc, r)
		}
	}
	for _, r := range k.resources {
		if isKustomization(r) {
			b := g.render(r, depth+1)
			for _, img := range b.images {
				add(img)
			}
			open = open || b.open
			continue
		}
		for _, h := range g.fileHits(r) {
			add(rendered{imageHit: h})
		}
	}
	for _, c := range k.components {
		kc := g.kusts[c]
		if kc == nil || g.active[c] || depth >= maxKustomizeDepth {
			open = true
			continue
		}
		g.active[c] = true
		var o bool
		acc, o = g.accumulate(kc, acc, depth+1)
		delete(g.active, c)
		open = open || o
	}
	acc = g.patch(k, acc)
	acc = g.retag(k, acc)
	g.open[k.path] = g.open[k.path] || open
	if g.work += len(acc); g.work > maxRendered {
		g.fail(k.path, fmt.Errorf("kustomizations render more than %d images in all", maxRendered))
		return nil, true
	}
	return acc, open
}

// retag applies k's `images:` entries in order, as kustomize's
// ImageTagTransformer does: to container images whose name (the reference
// without tag and digest, as written) is the entry's name.
func (g *kustomizeGraph) retag(k *kustomization, acc []rendered) []rendered {
	for _, e := range k.images {
		for i := range acc {
			r := &acc[i]
			if !r.container || r.res.kind == "CustomResourceDefinition" {
				continue
			}
			name, tag, digest := splitKustomizeImage(r.ref)
			if name != e.name {
				continue
			}
			if e.newName != "" {
				name = e.newName
			}
			switch {
			case e.newTag != "" && e.digest != "":
				tag, digest = e.newTag, e.digest
			case e.newTag != "":
				tag, digest = e.newTag, ""
			case e.digest != "":
				tag, digest = "", e.digest
			case e.tagSuffix != "":
				tag, digest = tag+e.tagSuffix, ""
			}
			ref := name
			if tag != "" {
				ref += ":" + tag
			}
			if digest != "" {
				ref += "@" + digest
			}
			if r.original == "" {
				r.original = r.ref
			}
			r.ref, r.override = ref, evidence(e.path, e.at.Line)
			g.used[e] = true
		}
	}
	return acc
}

// splitKustomizeImage is kustomize's image.Split: the name, and the tag
// and digest after the first : or @ past the host.
func splitKustomizeImage(ref string) (name, tag, digest string) {
	search, offset := ref, 0
	if i := strings.Index(ref, "/"); i > 0 {
		search, offset = ref[i:], i
	}
	at, colon := strings.Index(search, "@"), strings.Index(search, ":")
	switch {
	case at < 0 && colon < 0:
		return ref, "", ""
	case at >= 0 && (colon < 0 || at < colon):
		return ref[:offset+at], "", ref[offset+at+1:]
	case at >= 0:
		return ref[:offset+colon], ref[offset+colon+1 : offset+at], ref[offset+at+1:]
	}
	return ref[:offset+colon], ref[offset+colon+1:], ""
}

// patch applies k's patches: an image a patch writes replaces the one in
// the same place of the resources it targets (the container of that name,
// or of that index for a JSON 6902 path; the same field elsewhere), and is
// added when it targets none it can find.
//
// An untargeted patch's image is compared with the images of resources of
// its name only, a targeted one's with those its target selects; the
// comparisons all builds make are bounded (maxPatchCompares).
func (g *kustomizeGraph) patch(k *kustomization, acc []rendered) []rendered {
	if len(k.patches) == 0 {
		return acc
	}
	byName := map[string][]int{}
	for i := range acc {
		byName[acc[i].res.name] = append(byName[acc[i].res.name], i)
	}
	for _, kp := range k.patches {
		hits := g.patchHits(k.path, kp)
		var targeted []int
		if kp.target != nil && len(hits) > 0 {
			for i := range acc {
				if kp.target.matches(acc[i].res) {
					targeted = append(targeted, i)
				}
			}
		}
		for _, h := range hits {
			candidates := byName[h.res.name]
			if kp.target != nil {
				candidates = targeted
			}
			if g.compared += len(candidates); g.compared > maxPatchCompares {
				g.fail(k.path, fmt.Errorf("patches compared with more than %d images in all", maxPatchCompares))
				return acc
			}
			replaced := false
			for _, i := range candidates {
				r := &acc[i]
				if !samePlace(r.imageHit, h, kp.target) {
					continue
				}
				replaced = true
				res, container, slot, indexSlot := r.res, r.container, r.slot, r.indexSlot
				*r = rendered{imageHit: h}
				r.res, r.container, r.slot, r.indexSlot = res, container || h.container, slot, indexSlot
			}
			if !replaced {
				acc = append(acc, rendered{imageHit: h})
				byName[h.res.name] = append(byName[h.res.name], len(acc)-1)
				if kp.target != nil && kp.target.matches(h.res) {
					targeted = append(targeted, len(acc)-1)
				}
			}
		}
	}
	return acc
}

func samePlace(r, h imageHit, target *kselector) bool {
	if target != nil {
		if !target.matches(r.res) {
			return false
		}
	} else if (h.res.kind != "" && h.res.kind != r.res.kind) || h.res.name != r.res.name {
		return false
	}
	switch {
	case strings.Contains(h.slot, "/#"):
		return h.slot == r.indexSlot
	case h.slot != "":
		return h.slot == r.slot
	}
	return false
}

// patchHits are the images a patch writes, parsed once: a strategic merge
// patch's as any file's, a JSON 6902 patch's from its add and replace
// operations on an image field or a whole container.
func (g *kustomizeGraph) patchHits(kpath string, kp kpatch) []imageHit {
	key := kp.file
	if kp.body != nil {
		key = fmt.Sprintf("%s:%d:%d", kpath, kp.body.Line, kp.body.Column)
	}
	if hits, ok := g.patched[key]; ok {
		return hits
	}
	g.patched[key] = nil
	var (
		data  []byte
		err   error
		p     = kp.file
		lines func(int) int
	)
	if kp.body != nil {
		p, data = kpath, Clean([]byte(kp.body.Value))
		// A literal block's lines are the file's, from the one below its
		// indicator; any other style cannot say where its lines are.
		base, literal := kp.body.Line, kp.body.Style&yaml.LiteralStyle != 0
		lines = func(l int) int {
			if literal {
				return base + l
			}
			return base
		}
	} else if data, err = g.read(p); err != nil {
		g.fail(p, err)
		return nil
	}
	docs, err := yamlDocs(data)
	if err != nil {
		if kp.body == nil || !isTemplated(string(data)) {
			g.fail(p, err)
		}
		return nil
	}
	var hits []imageHit
	if len(docs) == 1 && docs[0].Kind == yaml.SequenceNode {
		hits = json6902Hits(p, docs[0])
	} else {
		hits, err = parseImageYAML(p, data)
		if err != nil {
			g.fail(p, err)
			return nil
		}
	}
	if lines != nil {
		for i := range hits {
			hits[i].line = lines(hits[i].line)
		}
	}
	g.patched[key] = hits
	return hits
}

// json6902PathRE is a JSON pointer to a container's image, or to a
// container: /spec/template/spec/containers/0/image, …/initContainers/-.
var json6902PathRE = regexp.MustCompile(`/(containers|initContainers)/(\d+|-)(/image)?$`)

// json6902Hits reads a JSON 6902 patch's operations.
func json6902Hits(p string, ops *yaml.Node) []imageHit {
	var hits []imageHit
	for _, op := range ops.Content {
		verb, ptr, value := scalar(mapGet(op, "op")), scalar(mapGet(op, "path")), mapGet(op, "value")
		if verb != "add" && verb != "replace" || value == nil {
			continue
		}
		m := json6902PathRE.FindStringSubmatch(ptr)
		switch {
		case m != nil && m[3] != "" && value.Kind == yaml.ScalarNode && value.Tag == "!!str":
			h := imageHit{path: p, line: value.Line, ref: value.Value, container: true}
			if m[2] != "-" {
				h.slot = fmt.Sprintf("%s/#%s", m[1], m[2])
			}
			hits = append(hits, h)
		case m != nil && m[3] == "" && value.Kind == yaml.MappingNode:
			if img := mapGet(value, "image"); scalar(img) != "" {
				hits = append(hits, imageHit{path: p, line: img.Line, ref: img.Value, container: true})
			}
		case m == nil && strings.HasSuffix(ptr, "/image") && value.Kind == yaml.ScalarNode && value.Tag == "!!str":
			slot := strings.ReplaceAll(strings.TrimPrefix(ptr, "/"), "/", ".")
			hits = append(hits, imageHit{path: p, line: value.Line, ref: value.Value, slot: slot})
		}
	}
	return hits
}
