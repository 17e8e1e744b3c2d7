package detect

import (
	"strings"

	"go.yaml.in/yaml/v3"
)

// ciVar is a GitLab CI variable a file defines: its literal value and
// where; unresolvable is set for one that cannot be known from the file (a
// value naming another variable, a parallel:matrix variable).
type ciVar struct {
	value        string
	at           string
	unresolvable bool
}

// ciVars are the variables in scope of a job: the file's top-level
// `variables:`, and the job's own, which win.
type ciVars map[string]ciVar

// ciVariables reads a `variables:` mapping: `NAME: value` or, at the top
// level, `NAME: {value: …, description: …}`.
func ciVariables(p string, m *yaml.Node, into ciVars) ciVars {
	out := ciVars{}
	for k, v := range into {
		out[k] = v
	}
	eachPair(m, func(k, v *yaml.Node) {
		if v != nil && v.Kind == yaml.MappingNode {
			v = mapGet(v, "value")
		}
		if v == nil || v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
			out[k.Value] = ciVar{unresolvable: true}
			return
		}
		out[k.Value] = ciVar{value: v.Value, at: evidence(p, v.Line), unresolvable: strings.Contains(v.Value, "$")}
	})
	return out
}

// jobVariables are the variables in scope of a job: the top-level ones,
// the job's own over them, and its parallel:matrix ones unknown (the job
// runs once for each of their values).
//
// A job extending others (`extends:`, in order, each after those it
// extends) has their variables between the top-level ones and its own, as
// GitLab merges them; one extending a job the file does not define (an
// include's, or a chain deeper than GitLab's 11) may have any variable, and
// resolves none.
func jobVariables(p string, doc, job *yaml.Node, top ciVars) ciVars {
	visits := 0
	scope, ok := extendedVariables(p, doc, job, top, 0, &visits)
	if !ok {
		return ciVars{}
	}
	out := ciVariables(p, mapGet(job, "variables"), scope)
	matrix := mapGet(mapGet(job, "parallel"), "matrix")
	if matrix != nil && matrix.Kind == yaml.SequenceNode {
		for _, entry := range matrix.Content {
			eachPair(entry, func(k, _ *yaml.Node) { out[k.Value] = ciVar{unresolvable: true} })
		}
	}
	return out
}

// maxExtendsDepth is GitLab's bound on chains of extends; maxExtends
// bounds the jobs one job's extends visit in all (each may extend several:
// a job extending two that each extend two... visits 2^depth).
const (
	maxExtendsDepth = 11
	maxExtends      = 64
)

// extendedVariables are the variables of the jobs job extends, over top;
// ok is false when one of them is not in the file.
func extendedVariables(p string, doc, job *yaml.Node, top ciVars, depth int, visits *int) (ciVars, bool) {
	ext := mapGet(job, "extends")
	if ext == nil {
		return top, true
	}
	names := []*yaml.Node{ext}
	if ext.Kind == yaml.SequenceNode {
		names = ext.Content
	}
	scope := top
	for _, n := range names {
		base := mapGet(doc, scalar(n))
		if *visits++; *visits > maxExtends || depth >= maxExtendsDepth || n.Kind != yaml.ScalarNode || base == nil || base.Kind != yaml.MappingNode {
			return nil, false
		}
		var ok bool
		if scope, ok = extendedVariables(p, doc, base, scope, depth+1, visits); !ok {
			return nil, false
		}
		scope = ciVariables(p, mapGet(base, "variables"), scope)
	}
	return scope, true
}

// gitlabDoc walks a GitLab CI document job by job, each with the variables
// in its scope.
func (w *imageWalker) gitlabDoc(doc *yaml.Node) {
	if doc.Kind != yaml.MappingNode {
		w.walk(doc, "", "", 0, nil)
		return
	}
	top := ciVariables(w.path, mapGet(doc, "variables"), nil)
	for i := 0; i+1 < len(doc.Content); i += 2 {
		k, v := doc.Content[i], doc.Content[i+1]
		if k.Value == "variables" {
			continue // values, not images a job runs
		}
		w.vars = top
		if v.Kind == yaml.MappingNode && k.Value != "default" {
			w.vars = jobVariables(w.path, doc, v, top)
		}
		// The pair alone, so a top-level image: is read as the walk reads one.
		w.walk(&yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{k, v}}, "", "", 0, nil)
	}
	w.vars = nil
}

// expand substitutes $NAME and ${NAME} in s from vars. Every variable must
// be a literal in scope, else s comes back as it is (GitLab resolves it, the
// file cannot say to what) and used is "". used names each variable
// substituted and where it is defined: "A=.gitlab-ci.yml:3,B=…". What the
// substitutions write is taken from budget.
func (vars ciVars) expand(s string, budget *expansion) (out, used string, err error) {
	var b, names strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' {
			b.WriteByte(s[i])
			continue
		}
		name, n := ciVarName(s[i+1:])
		v, ok := vars[name]
		if name == "" || !ok || v.unresolvable {
			return s, "", nil
		}
		if err := budget.spend(len(v.value)); err != nil {
			return "", "", err
		}
		b.WriteString(v.value)
		if names.Len() > 0 {
			names.WriteByte(',')
		}
		names.WriteString(name + "=" + v.at)
		i += n
	}
	return b.String(), names.String(), nil
}

// ciVarName reads the name after a $: NAME or {NAME}, returning it and the
// bytes it takes; "" when there is none ($$, $[[ inputs ]]).
func ciVarName(s string) (string, int) {
	braced := strings.HasPrefix(s, "{")
	rest := strings.TrimPrefix(s, "{")
	n := 0
	for n < len(rest) && (rest[n] == '_' || isAlnum(rest[n]) && (n > 0 || rest[n] < '0' || rest[n] > '9')) {
		n++
	}
	if n == 0 {
		return "", 0
	}
	if !braced {
		return rest[:n], n
	}
	if n >= len(rest) || rest[n] != '}' {
		return "", 0
	}
	return rest[:n], n + 2
}
