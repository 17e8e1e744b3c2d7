package detect

import (
	"errors"
	"path"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/uptake-dev/uptake/collector/version"
)

func init() { Register(kustomize{}) }

// kustomize finds the remote bases a kustomization pulls in: entries of
// `resources`, `bases` (deprecated) and `components` that are git or HTTP
// URLs ("https://github.com/acme/k8s-bases//base?ref=v1.2.0",
// "github.com/acme/k8s-bases/base?ref=v1.2.0", "git@github.com:acme/x.git").
// Local paths are the repo's own files and are left out. The version is the
// ?ref= (or legacy ?version=).
type kustomize struct{}

func (kustomize) Kind() string { return "kustomize" }

func (kustomize) Patterns() []string {
	return []string{"**/kustomization.yaml", "**/kustomization.yml", "**/Kustomization"}
}

var kustomizeFields = []string{"resources", "bases", "components"}

func (k kustomize) Detect(f Files) ([]Component, []error) {
	var local map[string]bool // the tree's paths and directories, listed on first need
	return scanPaths(f, patternPaths(f, k.Patterns()), func(p string, data []byte) ([]Component, error) {
		// A path that exists in the repo is local, as kustomize tries it
		// first. One listing serves every resource: a glob each cost a
		// pass over the tree per line of the file.
		exists := func(res string) bool {
			if local == nil {
				local = treePaths(f)
			}
			return local[path.Join(path.Dir(p), res)]
		}
		return parseKustomization(p, data, exists)
	})
}

// treePaths is the set of a tree's files and the directories holding them.
func treePaths(f Files) map[string]bool {
	out := map[string]bool{}
	for _, p := range f.Glob("**") {
		for ; p != "." && !out[p]; p = path.Dir(p) {
			out[p] = true
		}
	}
	return out
}

func parseKustomization(p string, data []byte, exists func(string) bool) ([]Component, error) {
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
	var out []Component
	for _, field := range kustomizeFields {
		list := mapGet(docs[0], field)
		if list == nil || list.Kind != yaml.SequenceNode {
			continue
		}
		for _, n := range list.Content {
			if n.Kind != yaml.ScalarNode || !isRemoteResource(n.Value) || exists(n.Value) {
				continue
			}
			ref := parseRemoteRef(n.Value)
			if ref.Name == "" {
				continue
			}
			out = append(out, Component{
				Kind:    "kustomize",
				Name:    ref.Name,
				Version: version.Clean(ref.Ref),
				Path:    p,
				Line:    n.Line,
				Attrs:   attrs("field", field, "source", n.Value, "subdir", ref.Subdir),
			})
		}
	}
	return out, nil
}

// isRemoteResource tells a URL from a local path by its form: a scheme, a
// forced getter, an scp-like address, or a host-looking first segment
// ("github.com/org/repo"), but not a file name ("deploy.yaml") nor a
// relative path. A host-looking path that exists in the repo is local all
// the same; Detect checks that.
func isRemoteResource(s string) bool {
	s = strings.TrimSpace(s)
	switch {
	case s == "" || isTemplated(s) || strings.HasPrefix(s, ".") || strings.HasPrefix(s, "/"):
		return false
	case strings.Contains(s, "://") || getterRE.MatchString(s) || scpRE.MatchString(s):
		return true
	}
	first, rest, ok := strings.Cut(s, "/")
	if !ok || !strings.Contains(first, ".") || rest == "" {
		return false
	}
	switch strings.ToLower(path.Ext(first)) {
	case ".yaml", ".yml", ".json":
		return false // a directory named like a file: local
	}
	return true
}

// Compile takes `resource`: a remote base compared after normalisation
// (scheme, git::, user info, .git, //subdir and ?ref= removed) on whole path
// components, or a glob.
func (kustomize) Compile(params map[string]string) (Matcher, error) {
	return compileRemoteRule("kustomize", "resource", params, func(s string) string { return parseRemoteRef(s).Name })
}
