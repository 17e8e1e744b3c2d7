package detect

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/uptake-dev/uptake/collector/version"
)

func init() { Register(githubActions{}) }

// githubActions finds the actions and reusable workflows a repo's GitHub
// workflows and composite actions use.
type githubActions struct{}

func (githubActions) Kind() string { return "github_actions" }

func (githubActions) Patterns() []string {
	return []string{
		".github/workflows/*.{yml,yaml}",
		".github/actions/**/action.{yml,yaml}",
		"action.{yml,yaml}",
	}
}

func (g githubActions) Detect(f Files) ([]Component, []error) {
	return scanPatterns(f, g.Patterns(), parseWorkflow)
}

// Compile takes `uses`: owner/repo or owner/repo/path, matching that and any
// path below it, case-insensitively as GitHub does; or a glob.
func (githubActions) Compile(params map[string]string) (Matcher, error) {
	if err := Params(params, []string{"uses"}, nil); err != nil {
		return nil, err
	}
	rule := strings.ToLower(strings.Trim(strings.TrimSpace(params["uses"]), "/"))
	switch {
	case strings.Contains(rule, "@"):
		return nil, fmt.Errorf("uses: %q must not include @ref (versions are measured, not matched)", params["uses"])
	case !isNameGlob(rule) && !isActionName(rule):
		return nil, fmt.Errorf("uses: want owner/repo or owner/repo/path, got %q", params["uses"])
	}
	match, err := compileName("uses", rule, true)
	if err != nil {
		return nil, err
	}
	return MatcherFunc(func(c Component) bool {
		return c.Kind == "github_actions" && match(c.Name)
	}), nil
}

func parseWorkflow(path string, data []byte) ([]Component, error) {
	docs, err := yamlDocs(data)
	if err != nil {
		return nil, err
	}
	w := &workflowWalker{path: path, seen: map[*yaml.Node]bool{}}
	for _, doc := range docs {
		eachPair(mapGet(doc, "jobs"), func(_, job *yaml.Node) {
			if w.once(job) {
				w.uses(job, "workflow")
				w.steps(mapGet(job, "steps"))
			}
		})
		w.steps(mapGet(mapGet(doc, "runs"), "steps")) // composite action
	}
	return w.out, nil
}

type workflowWalker struct {
	path string
	out  []Component
	// seen holds the nodes already walked: YAML aliases can make one steps
	// list appear under many jobs, and walking it once keeps work linear in
	// the file's size.
	seen map[*yaml.Node]bool
}

func (w *workflowWalker) once(n *yaml.Node) bool {
	if n == nil || w.seen[n] {
		return false
	}
	w.seen[n] = true
	return true
}

func (w *workflowWalker) steps(seq *yaml.Node) {
	if seq == nil || seq.Kind != yaml.SequenceNode || !w.once(seq) {
		return
	}
	for _, step := range seq.Content {
		if step = resolve(step); w.once(step) {
			w.uses(step, "step")
		}
	}
}

// uses records the `uses:` of a step or job mapping when it names a
// repository; local actions and docker:// images do not.
func (w *workflowWalker) uses(m *yaml.Node, typ string) {
	key, v := mapEntry(m, "uses")
	if v == nil || v.Kind != yaml.ScalarNode {
		return
	}
	name, ref, hasRef := strings.Cut(strings.TrimSpace(v.Value), "@")
	name = strings.ToLower(strings.TrimSuffix(name, "/"))
	if !isActionName(name) {
		return
	}
	c := Component{Kind: "github_actions", Name: name, Path: w.path, Line: v.Line, Attrs: map[string]string{"type": typ}}
	if hasRef {
		c.Attrs["ref"] = ref
		c.Version = actionVersion(ref, v.LineComment, key.LineComment, m.LineComment)
	}
	w.out = append(w.out, c)
}

// isActionName accepts a lower-cased owner/repo[/path] (GHES and EMU
// owners may hold _); it rejects ./local actions, docker:// images and
// expressions.
func isActionName(name string) bool { return actionNameRE.MatchString(name) }

var (
	actionNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*/[a-z0-9_.-]+(?:/[^\s:$@]+)?$`)
	shaRefRE     = regexp.MustCompile(`^[0-9a-f]{40}$|^[0-9a-f]{64}$`)
	// commentVersionRE is a version token in a pin comment: "v4", "v4.2.2",
	// "4.2.2"; a bare number without "v" is too likely a date or an issue.
	commentVersionRE = regexp.MustCompile(`^(?:v\d+|\d+\.\d+)(?:\.\d+)*(?:[-+][0-9A-Za-z.-]+)?$`)
)

// actionVersion derives the version from a ref: a tag as written; for a
// commit SHA, the version its pin comment names (`@<sha> # v4.2.2`, also
// `# tag=v4.2.2` and `# pin@v4`); a branch or a bare SHA is unknown.
func actionVersion(ref string, comments ...string) string {
	if shaRefRE.MatchString(strings.ToLower(ref)) {
		for _, c := range comments {
			if v := commentVersion(c); v != "" {
				return v
			}
		}
		return version.Unknown
	}
	if version.Known(version.Clean(ref)) {
		return ref
	}
	return version.Unknown
}

func commentVersion(comment string) string {
	tokens := strings.FieldsFunc(strings.TrimLeft(comment, "# "), func(r rune) bool {
		return r == ' ' || r == '\t' || r == '=' || r == '@' || r == ',' || r == '(' || r == ')'
	})
	for _, t := range tokens {
		// Quoting around the version is prose: "# equivalent to `v0.2.4`".
		t = strings.Trim(t, "`\"'[]{}<>;:!?.")
		if commentVersionRE.MatchString(t) {
			return t
		}
	}
	return ""
}

// yamlDocs parses every document of a YAML stream, returning their roots;
// a stream over the nesting or alias budget (checkYAML) is an error.
func yamlDocs(data []byte) ([]*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var (
		docs     []*yaml.Node
		expanded = map[*yaml.Node]int{}
		aliases  int
	)
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, err
		}
		if err := checkYAML(&n, expanded, &aliases); err != nil {
			return nil, err
		}
		if len(n.Content) > 0 {
			docs = append(docs, n.Content[0])
		}
	}
}

// maxAliasDepth bounds alias and merge-key chains.
const maxAliasDepth = 8

// resolve follows an alias to the node it names.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < maxAliasDepth; i++ {
		n = n.Alias
	}
	if n != nil && n.Kind == yaml.AliasNode {
		return nil
	}
	return n
}

// mapGet returns the value of key in a mapping, aliases resolved; nil when
// n is not a mapping or has no such key.
func mapGet(n *yaml.Node, key string) *yaml.Node {
	_, v := mapEntry(n, key)
	return v
}

// mapEntry returns the key and value nodes of key in a mapping, looking
// through merge keys (<<: *defaults) when the mapping itself lacks it.
func mapEntry(n *yaml.Node, key string) (k, v *yaml.Node) {
	return mapEntryDepth(resolve(n), key, 0)
}

func mapEntryDepth(n *yaml.Node, key string, depth int) (k, v *yaml.Node) {
	if n == nil || n.Kind != yaml.MappingNode || depth > maxAliasDepth {
		return nil, nil
	}
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		switch n.Content[i].Value {
		case key:
			return n.Content[i], resolve(n.Content[i+1])
		case "<<":
			merges = append(merges, n.Content[i+1])
		}
	}
	for _, m := range merges {
		m = resolve(m)
		if m != nil && m.Kind == yaml.SequenceNode {
			for _, mm := range m.Content {
				if k, v := mapEntryDepth(resolve(mm), key, depth+1); v != nil {
					return k, v
				}
			}
			continue
		}
		if k, v := mapEntryDepth(m, key, depth+1); v != nil {
			return k, v
		}
	}
	return nil, nil
}

// eachPair calls fn for every key and value of a mapping, aliases resolved.
func eachPair(n *yaml.Node, fn func(k, v *yaml.Node)) {
	if n = resolve(n); n == nil || n.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value != "<<" {
			fn(n.Content[i], resolve(n.Content[i+1]))
		}
	}
}
