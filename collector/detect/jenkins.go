package detect

import (
	"fmt"
	"strings"

	"github.com/uptake-dev/uptake/collector/version"
)

func init() { Register(jenkins{}) }

// jenkins finds the shared libraries Jenkins pipelines load:
// `@Library('name@version') _` (also a list, or value = ...), the
// `library 'name@version'` step (also `library(identifier: 'name@version', ...)`)
// and a declarative pipeline's `libraries { lib('name@version') }`.
// The file is tokenised as Groovy (see groovylex.go), so commented-out
// loads do not count. The version is what follows '@': a tag, a branch
// (unknown) or nothing (the library's default version, unknown).
type jenkins struct{}

func (jenkins) Kind() string { return "jenkins" }

func (jenkins) Patterns() []string {
	return []string{"**/Jenkinsfile", "**/Jenkinsfile.*", "**/*.jenkinsfile", "**/*.Jenkinsfile"}
}

func (j jenkins) Detect(f Files) ([]Component, []error) {
	return scanPaths(f, patternPaths(f, j.Patterns()), parseJenkinsfile)
}

func parseJenkinsfile(p string, data []byte) ([]Component, error) {
	toks, err := lexGroovy(string(data))
	if err != nil {
		return nil, err
	}
	var out []Component
	add := func(t groovyTok) {
		if t.kind != tokString {
			return
		}
		name, ver, _ := strings.Cut(t.text, "@")
		name = strings.TrimSpace(name)
		if name == "" || strings.ContainsAny(name, "$ \t\n") {
			return
		}
		out = append(out, Component{
			Kind: "jenkins", Name: name, Version: version.Clean(ver), Path: p, Line: int(t.line),
			Attrs: attrs("declared", ver),
		})
	}
	at := func(i int) groovyTok {
		if i < len(toks) {
			return toks[i]
		}
		return groovyTok{kind: tokPunct}
	}
	// depth counts open braces; libs is the depth of the declarative
	// libraries { lib('a@1') } block being read, -1 outside one.
	depth, libs := 0, -1
	for i := 0; i < len(toks); i++ {
		switch {
		case toks[i].is(tokPunct, "{"):
			depth++
			if i > 0 && toks[i-1].is(tokIdent, "libraries") {
				libs = depth
			}
		case toks[i].is(tokPunct, "}"):
			if depth == libs {
				libs = -1
			}
			depth--
		case libs >= 0 && depth == libs && toks[i].is(tokIdent, "lib"):
			// lib('a@1') or lib 'a@1' in a declarative pipeline's libraries {}.
			j := i + 1
			if at(j).is(tokPunct, "(") {
				j++
			}
			add(at(j))
		case toks[i].is(tokPunct, "@") && at(i+1).is(tokIdent, "Library") && at(i+2).is(tokPunct, "("):
			// @Library('a@1'), @Library(['a@1', 'b']), @Library(value = 'a@1', changelog = false)
			j := i + 3
			if at(j).is(tokIdent, "value") && at(j+1).is(tokPunct, "=") {
				j += 2
			}
			if at(j).is(tokPunct, "[") {
				for j++; at(j).kind == tokString || at(j).is(tokPunct, ","); j++ {
					add(at(j))
				}
			} else {
				add(at(j))
			}
		case toks[i].is(tokIdent, "library") && (i == 0 || !toks[i-1].is(tokPunct, ".")):
			// library 'a@1', library('a@1'), library identifier: 'a@1', ...
			j := i + 1
			if at(j).is(tokPunct, "(") {
				j++
			}
			if at(j).is(tokIdent, "identifier") && isAssign(at(j+1)) {
				j += 2
			}
			add(at(j))
		}
	}
	return out, nil
}

// Compile takes `library`: a shared library name as configured in Jenkins,
// exact or a glob.
func (jenkins) Compile(params map[string]string) (Matcher, error) {
	if err := Params(params, []string{"library"}, nil); err != nil {
		return nil, err
	}
	name := strings.TrimSpace(params["library"])
	if strings.Contains(name, "@") {
		return nil, fmt.Errorf("library: %q must be a library name without @version", name)
	}
	match, err := compileName("library", name, false)
	if err != nil {
		return nil, err
	}
	return MatcherFunc(func(c Component) bool {
		return c.Kind == "jenkins" && match(c.Name)
	}), nil
}
