package detect

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/uptake-dev/uptake/collector/version"
)

func init() { Register(maven{}) }

// maven finds the artifacts pom.xml files use: dependencies,
// dependencyManagement entries (BOM imports among them), the parent,
// build plugins (and what they depend on), pluginManagement and build
// extensions, in profiles too.
// ${property} references are substituted from the same pom's <properties>
// and project coordinates; a dependency without a version takes it from the
// same pom's dependencyManagement. A parent pom is not fetched: it counts on
// its own when it is in the repo. target/ directories (build output) are
// left out.
type maven struct{}

func (maven) Kind() string { return "maven" }

func (maven) Patterns() []string { return []string{"**/pom.xml"} }

func (m maven) Detect(f Files) ([]Component, []error) {
	var paths []string
	for _, p := range patternPaths(f, m.Patterns()) {
		if !hasDir(p, "target") {
			paths = append(paths, p)
		}
	}
	return scanPaths(f, paths, parsePom)
}

// mavenDefaultPluginGroup is the groupId a plugin without one has.
const mavenDefaultPluginGroup = "org.apache.maven.plugins"

type pomCoord struct {
	section                         string
	group, artifact, version, scope string
	line                            int
}

// pomSections maps the element paths holding coordinates (below <project>
// or a <profile>) to the section they are reported in.
var pomSections = map[string]string{
	"parent":                  "parent",
	"dependencies/dependency": "dependencies",
	"dependencyManagement/dependencies/dependency": "dependencyManagement",
	"build/plugins/plugin":                         "plugins",
	"build/pluginManagement/plugins/plugin":        "pluginManagement",
	"build/extensions/extension":                   "extensions",
	"reporting/plugins/plugin":                     "plugins",
}

// openCoord is a coordinate element being read and len(stack) at it.
type openCoord struct {
	c     *pomCoord
	depth int
}

func isPluginSection(s string) bool { return s == "plugins" || s == "pluginManagement" }

func pomSection(stack []string) (string, bool) {
	if len(stack) < 2 || stack[0] != "project" {
		return "", false
	}
	rest := stack[1:]
	if len(rest) > 2 && rest[0] == "profiles" && rest[1] == "profile" {
		rest = rest[2:]
	}
	s, ok := pomSections[strings.Join(rest, "/")]
	return s, ok
}

func parsePom(p string, data []byte) ([]Component, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.CharsetReader = latin1Reader
	r := &pomReader{dec: dec, props: map[string]string{}, project: map[string]string{}}
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if err := r.start(t); err != nil {
				return nil, err
			}
		case xml.CharData:
			r.text.Write(t)
		case xml.EndElement:
			r.end(t)
		}
	}
	if !r.seenTop {
		return nil, errors.New("no <project> element")
	}
	return r.components(p, expansionFor(data))
}

// pomReader walks one pom's elements, collecting the coordinates of its
// sections, its properties and the project's own coordinates.
type pomReader struct {
	dec   *xml.Decoder
	stack []string
	text  strings.Builder
	// open holds the coordinates being read, innermost last: a plugin's
	// own <dependencies> nest inside it.
	open    []openCoord
	coords  []*pomCoord
	props   map[string]string
	project map[string]string // groupId, artifactId, version; parent.*
	seenTop bool
}

func (r *pomReader) start(t xml.StartElement) error {
	if len(r.stack) == 0 {
		if r.seenTop || t.Name.Local != "project" {
			return fmt.Errorf("root element is <%s>, not <project>", t.Name.Local)
		}
		r.seenTop = true
	}
	if len(r.stack) >= maxDepth {
		// pomSection joins the element path at each start: past the
		// budget, quadratic.
		line, _ := r.dec.InputPos()
		return tooDeep(line)
	}
	r.stack = append(r.stack, t.Name.Local)
	r.text.Reset()
	line, _ := r.dec.InputPos()
	stack := r.stack
	if len(r.open) == 0 {
		if sec, ok := pomSection(stack); ok {
			r.open = append(r.open, openCoord{&pomCoord{section: sec, line: line}, len(stack)})
		}
	} else if top := r.open[len(r.open)-1]; isPluginSection(top.c.section) && len(stack) == top.depth+2 &&
		stack[top.depth] == "dependencies" && t.Name.Local == "dependency" {
		// <plugin><dependencies><dependency>: what the plugin runs with.
		r.open = append(r.open, openCoord{&pomCoord{section: "pluginDependencies", line: line}, len(stack)})
	} else if isPluginSection(top.c.section) && t.Name.Local == "path" && stack[len(stack)-2] == "annotationProcessorPaths" {
		// maven-compiler-plugin's <annotationProcessorPaths><path>:
		// processors (Lombok, MapStruct) resolved like dependencies.
		r.open = append(r.open, openCoord{&pomCoord{section: "annotationProcessorPaths", line: line}, len(stack)})
	}
	if n := len(r.open); n > 0 && len(stack) == r.open[n-1].depth+1 && t.Name.Local == "artifactId" {
		r.open[n-1].c.line = line
	}
	return nil
}

func (r *pomReader) end(t xml.EndElement) {
	name, value := t.Name.Local, strings.TrimSpace(r.text.String())
	r.text.Reset()
	var cur *pomCoord
	depth := -1
	if n := len(r.open); n > 0 {
		cur, depth = r.open[n-1].c, r.open[n-1].depth
	}
	stack := r.stack
	switch {
	case cur != nil && len(stack) == depth+1:
		cur.set(name, value)
	case cur != nil && len(stack) == depth:
		r.coords = append(r.coords, cur)
		if cur.section == "parent" && len(stack) == 2 {
			r.project["parent.groupId"], r.project["parent.version"] = cur.group, cur.version
		}
		r.open = r.open[:len(r.open)-1]
	case len(stack) == 3 && stack[1] == "properties":
		r.props[name] = value
	case len(stack) == 2:
		r.project[name] = value
	}
	r.stack = stack[:len(stack)-1]
}

// set records one of a coordinate's child elements.
func (c *pomCoord) set(name, value string) {
	switch name {
	case "groupId":
		c.group = value
	case "artifactId":
		c.artifact = value
	case "version":
		c.version = value
	case "scope":
		c.scope = value
	}
}

// components resolves the coordinates read: properties expanded (within
// budget), the default plugin group filled in, a missing version taken from
// the pom's dependencyManagement or pluginManagement.
func (r *pomReader) components(p string, budget expansion) ([]Component, error) {
	ex := &pomExpander{props: r.props, project: r.project, budget: budget}
	coordinates := func(c *pomCoord) (string, string) {
		group, artifact := ex.expand(c.group), ex.expand(c.artifact)
		if group == "" && (c.section == "plugins" || c.section == "pluginManagement") {
			group = mavenDefaultPluginGroup
		}
		return group, artifact
	}
	managed := map[string]string{}
	for _, c := range r.coords {
		if c.section == "dependencyManagement" || c.section == "pluginManagement" {
			group, artifact := coordinates(c)
			managed[c.section+" "+group+":"+artifact] = c.version
		}
	}
	var out []Component
	for _, c := range r.coords {
		group, artifact := coordinates(c)
		if group == "" || artifact == "" || strings.Contains(group+artifact, "${") {
			continue
		}
		declared := c.version
		if declared == "" {
			switch c.section {
			case "dependencies", "annotationProcessorPaths":
				declared = managed["dependencyManagement "+group+":"+artifact]
			case "plugins":
				declared = managed["pluginManagement "+group+":"+artifact]
			}
		}
		out = append(out, Component{
			Kind:    "maven",
			Name:    group + ":" + artifact,
			Version: version.Clean(ex.expand(declared)),
			Path:    p,
			Line:    c.line,
			Section: c.section,
			Attrs:   attrs("declared", c.version, "scope", c.scope),
		})
	}
	if ex.err != nil {
		return nil, ex.err
	}
	return out, nil
}

// pomExpander substitutes ${...} references as Maven does for one pom:
// <properties>, then the project's own coordinates (falling back to the
// parent's, as Maven inherits them).
type pomExpander struct {
	props, project map[string]string
	// budget is what substitutions may still write; err is the first past it.
	budget expansion
	err    error
}

// maxPomDepth bounds rounds of substitution (properties may refer to
// properties) and maxPomExpansion the size of a value: a hostile pom could
// make them double at every round.
const (
	maxPomDepth     = 10
	maxPomExpansion = 1024
)

func (e *pomExpander) expand(s string) string {
	for range maxPomDepth {
		if e.err != nil || !strings.Contains(s, "${") {
			return s
		}
		next, ok := e.substitute(s)
		if !ok || next == s {
			return s
		}
		s = next
	}
	return s
}

// substitute replaces each ${name} of s that has a value, once. It stops
// (ok false) before the result passes maxPomExpansion: one round may name
// a long property many times. What it writes is charged to the budget;
// references are found with strings.Index, which allocates nothing a
// budget would not see, as a regexp's match state does.
func (e *pomExpander) substitute(s string) (string, bool) {
	var b strings.Builder
	ok := true
	for {
		start, end, found := pomRef(s)
		if !found {
			break
		}
		v, known := e.lookup(s[start+2 : end-1])
		if !known {
			v = s[start:end]
		}
		if b.Len()+start+len(v) > maxPomExpansion {
			ok = false
			break
		}
		b.WriteString(s[:start])
		b.WriteString(v)
		s = s[end:]
	}
	if ok && b.Len()+len(s) <= maxPomExpansion {
		b.WriteString(s)
	} else {
		ok = false
	}
	if err := e.budget.spend(b.Len()); err != nil {
		e.err, ok = err, false
	}
	return b.String(), ok
}

// pomRef finds the first ${name} in s, a name being one or more bytes
// other than "}": its start and end offsets, found false for none.
func pomRef(s string) (start, end int, found bool) {
	for from := 0; ; {
		i := strings.Index(s[from:], "${")
		if i < 0 {
			return 0, 0, false
		}
		i += from
		j := strings.IndexByte(s[i+2:], '}')
		if j < 0 {
			return 0, 0, false
		}
		if j > 0 {
			return i, i + 3 + j, true
		}
		from = i + 1 // "${}" names nothing
	}
}

func (e *pomExpander) lookup(name string) (string, bool) {
	if v, ok := e.props[name]; ok {
		return v, true
	}
	field := func(k string) (string, bool) {
		if v := e.project[k]; v != "" {
			return v, true
		}
		v := e.project["parent."+k]
		return v, v != ""
	}
	switch name {
	case "project.version", "pom.version", "version":
		return field("version")
	case "project.groupId", "pom.groupId", "groupId":
		return field("groupId")
	case "project.artifactId", "pom.artifactId", "artifactId":
		v := e.project["artifactId"]
		return v, v != ""
	case "project.parent.version":
		v := e.project["parent.version"]
		return v, v != ""
	case "project.parent.groupId":
		v := e.project["parent.groupId"]
		return v, v != ""
	}
	return "", false
}

// latin1Reader decodes ISO-8859-1 (and, closely enough, windows-1252 and
// ASCII), which older poms declare; anything else is refused by name.
func latin1Reader(charset string, in io.Reader) (io.Reader, error) {
	switch strings.ToLower(charset) {
	case "iso-8859-1", "iso8859-1", "latin1", "latin-1", "windows-1252", "cp1252", "us-ascii", "ascii":
	default:
		return nil, fmt.Errorf("unsupported encoding %q", charset)
	}
	b, err := io.ReadAll(in)
	if err != nil {
		return nil, err
	}
	out := make([]rune, len(b))
	for i, c := range b {
		out[i] = rune(c)
	}
	return strings.NewReader(string(out)), nil
}

// Compile takes `group` and `artifact`, compared case-insensitively, each
// exact or a glob ("com.acme.*", "spring-boot-starter-*").
func (maven) Compile(params map[string]string) (Matcher, error) {
	return compileCoordRule("maven", params, false)
}

// compileCoordRule builds the matcher of a Maven-coordinates rule; with
// plugins, a `plugin` key may name a Gradle plugin id instead.
func compileCoordRule(kind string, params map[string]string, plugins bool) (Matcher, error) {
	if plugins {
		if _, ok := params["plugin"]; ok {
			if err := Params(params, []string{"plugin"}, nil); err != nil {
				return nil, err
			}
			id, err := compileCoord("plugin", params["plugin"])
			if err != nil {
				return nil, err
			}
			return MatcherFunc(func(c Component) bool {
				return c.Kind == kind && !strings.Contains(c.Name, ":") && id(strings.ToLower(c.Name))
			}), nil
		}
	}
	optional := []string(nil)
	if plugins {
		optional = []string{"plugin"}
	}
	if err := Params(params, []string{"group", "artifact"}, optional); err != nil {
		return nil, err
	}
	group, err := compileCoord("group", params["group"])
	if err != nil {
		return nil, err
	}
	artifact, err := compileCoord("artifact", params["artifact"])
	if err != nil {
		return nil, err
	}
	return MatcherFunc(func(c Component) bool {
		g, a, ok := strings.Cut(strings.ToLower(c.Name), ":")
		return c.Kind == kind && ok && group(g) && artifact(a)
	}), nil
}

// compileCoord compiles one coordinate (a groupId, artifactId or plugin
// id), compared case-insensitively, exact or a name glob.
func compileCoord(key, value string) (func(string) bool, error) {
	value = strings.ToLower(strings.TrimSpace(value))
	const forbidden = ":/ \t"
	if strings.ContainsAny(value, forbidden) {
		return nil, fmt.Errorf("%s: %q holds one of %q", key, value, forbidden)
	}
	return compileName(key, value, false)
}
