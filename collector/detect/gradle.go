package detect

import (
	"errors"
	"fmt"
	"maps"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/uptake-dev/uptake/collector/version"
)

func init() { Register(gradle{}) }

// gradle finds the libraries and plugins Gradle builds use:
//   - build.gradle, build.gradle.kts, settings.gradle(.kts) and precompiled
//     script plugins (src/main/kotlin/**/*.gradle.kts,
//     src/main/groovy/**/*.gradle: the convention plugins of buildSrc and
//     build-logic): string coordinates ("group:artifact:version") and Groovy
//     map notation (group: 'g', name: 'a', version: 'v') in dependencies {}
//     blocks and the blocks nested in them (if/else, loops, constraints {}),
//     buildscript classpath and platform() included, plugin ids with their
//     version in plugins {} blocks (id, kotlin()), `apply plugin:`;
//   - version catalogs *.versions.toml: [libraries] and [plugins],
//     version.ref resolved through [versions], rich versions read as
//     require, then strictly, then prefer.
//
// Scripts are tokenised, not run (see groovylex.go). $name and ${name} in a
// version are resolved from simple `name = "literal"` assignments of the
// same script (def, val, ext, extra[...] and `by extra(...)` forms), of the
// build scripts of the directories above it up to its build's root (a
// subproject sees its parents' ext properties), and from gradle.properties
// at the root and in the script's directory; anything else gives unknown. A catalog reference in a script
// (libs.acme.logging) is not followed: the catalog entry itself counts.
type gradle struct{}

func (gradle) Kind() string { return "gradle" }

func (gradle) Patterns() []string {
	return []string{
		"**/build.gradle", "**/build.gradle.kts", "**/settings.gradle", "**/settings.gradle.kts",
		"**/*.versions.toml", "**/gradle.properties",
		"**/src/main/kotlin/**/*.gradle.kts", "**/src/main/groovy/**/*.gradle",
	}
}

// precompiledScript reports a precompiled script plugin: it is applied to
// other projects, so it sees no build script's variables.
func precompiledScript(p string) bool {
	return strings.Contains("/"+p, "/src/main/kotlin/") || strings.Contains("/"+p, "/src/main/groovy/")
}

var (
	// gradleCoordRE is a dependency notation: group:artifact[:version[:classifier]][@ext].
	gradleCoordRE     = regexp.MustCompile(`^([\w.-]+):([\w.-]+)(?::([^:@]*))?(?::[\w.-]+)?(?:@\w+)?$`)
	gradleCoordPartRE = regexp.MustCompile(`^[\w.-]+$`)
)

func (g gradle) Detect(f Files) ([]Component, []error) {
	var (
		errs    []error
		out     []Component
		props   = map[string]map[string]string{} // dir → gradle.properties
		scripts []string
	)
	paths := patternPaths(f, g.Patterns())
	for _, p := range paths {
		if path.Base(p) == "gradle.properties" {
			data, err := readText(f, p)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			props[path.Dir(p)] = parseJavaProperties(string(data))
		}
	}
	for _, p := range paths {
		switch {
		case path.Base(p) == "gradle.properties":
		case strings.HasSuffix(p, ".versions.toml"):
			cs, err := scanOne(f, p, parseGradleCatalog)
			out, errs = append(out, cs...), append(errs, err...)
		default:
			scripts = append(scripts, p)
		}
	}
	// Parents first: a subproject's script sees its parents' variables.
	sort.SliceStable(scripts, func(i, j int) bool {
		return len(ancestors(path.Dir(scripts[i]))) < len(ancestors(path.Dir(scripts[j])))
	})
	defined := map[string]map[string]string{} // directory → its build script's variables
	// The build roots are the directories holding a settings script, from
	// two listings, not a glob over the tree for each directory above each
	// script.
	roots := map[string]bool{}
	for _, p := range append(f.Glob("**/settings.gradle"), f.Glob("**/settings.gradle.kts")...) {
		roots[path.Dir(p)] = true
	}
	for _, p := range scripts {
		vars := map[string]string{}
		maps.Copy(vars, props["."])
		if !precompiledScript(p) {
			maps.Copy(vars, inheritedGradleVars(path.Dir(p), defined, roots))
		}
		maps.Copy(vars, props[path.Dir(p)])
		var own map[string]string
		cs, err := scanOne(f, p, func(p string, data []byte) (cs []Component, err error) {
			cs, own, err = parseGradleScript(p, data, vars)
			return cs, err
		})
		if base := path.Base(p); (base == "build.gradle" || base == "build.gradle.kts") && own != nil {
			defined[path.Dir(p)] = own
		}
		out, errs = append(out, cs...), append(errs, err...)
	}
	return out, errs
}

// inheritedGradleVars are the variables the build scripts of the
// directories above dir define, the nearest winning, up to the root of its
// build: the directory holding a settings script, or a buildSrc (a build of
// its own).
func inheritedGradleVars(dir string, defined map[string]map[string]string, roots map[string]bool) map[string]string {
	var chain []map[string]string
	for d := dir; d != "."; {
		if path.Base(d) == "buildSrc" || roots[d] {
			break
		}
		d = path.Dir(d)
		chain = append(chain, defined[d])
	}
	out := map[string]string{}
	for i := len(chain) - 1; i >= 0; i-- {
		maps.Copy(out, chain[i])
	}
	return out
}

// scanOne reads and parses one file, as scanPaths does for many.
func scanOne(f Files, p string, parse func(string, []byte) ([]Component, error)) ([]Component, []error) {
	return scanPaths(f, []string{p}, parse)
}

// parseJavaProperties reads the key=value, key: value and key value lines
// of a .properties file; comments and continuation lines are understood.
func parseJavaProperties(s string) map[string]string {
	out := map[string]string{}
	lines := strings.Split(s, "\n")
	trim := func(l string) string { return strings.TrimLeft(l, " \t\f") }
	for i := 0; i < len(lines); i++ {
		l, last := joinContinued(lines, i, trim)
		i, l = last, trim(l)
		if l == "" || l[0] == '#' || l[0] == '!' {
			continue
		}
		end := strings.IndexAny(l, "=: \t")
		if end < 0 {
			out[l] = ""
			continue
		}
		key, val := l[:end], strings.TrimLeft(l[end:], " \t\f")
		if val != "" && (val[0] == '=' || val[0] == ':') {
			val = strings.TrimLeft(val[1:], " \t\f")
		}
		out[key] = strings.TrimRight(val, " \t")
	}
	return out
}

// gradleScript walks a script's tokens with the stack of enclosing blocks.
type gradleScript struct {
	path string
	toks []groovyTok
	vars map[string]string
	out  []Component
	// budget is what interpolations may still write; err is the first
	// interpolation past it.
	budget expansion
	err    error
}

// parseGradleScript returns the script's components and the variables it
// defines (for the scripts of its subprojects).
func parseGradleScript(p string, data []byte, fileVars map[string]string) ([]Component, map[string]string, error) {
	toks, err := lexGroovy(string(data))
	if err != nil {
		return nil, nil, err
	}
	vars := maps.Clone(fileVars)
	own := map[string]string{}
	budget := expansionFor(data)
	for i := range toks {
		name, lit, ok := gradleAssignment(toks, i)
		if !ok {
			continue
		}
		v, ok, err := interpolate(lit.text, lit.interpolated, vars, &budget)
		if err != nil {
			return nil, nil, fmt.Errorf("line %d: %w", lit.line, err)
		}
		if ok {
			vars[name], own[name] = v, v
		}
	}
	s := &gradleScript{path: p, toks: toks, vars: vars, budget: budget}
	var (
		blocks []gradleBlock
		// parens holds the indexes of the open "("; closed is that of the
		// one the previous token closed, -1 when it was no ")".
		parens []int
		closed = -1
	)
	for i, t := range toks {
		before := closed
		closed = -1
		switch {
		case t.is(tokPunct, "("):
			parens = append(parens, i)
		case t.is(tokPunct, ")") && len(parens) > 0:
			closed, parens = parens[len(parens)-1], parens[:len(parens)-1]
		}
		switch {
		case t.is(tokPunct, "{"):
			outer := gradleBlock("")
			if len(blocks) > 0 {
				outer = blocks[len(blocks)-1]
			}
			blocks = append(blocks, outer.enter(s.blockName(i, before)))
			continue
		case t.is(tokPunct, "}"):
			if len(blocks) == 0 {
				return nil, nil, fmt.Errorf("line %d: unbalanced }", t.line)
			}
			blocks = blocks[:len(blocks)-1]
			continue
		}
		inner := gradleBlock("")
		if len(blocks) > 0 {
			inner = blocks[len(blocks)-1]
		}
		switch inner {
		case blockDependencies, blockConstraints:
			s.dependency(i, inner == blockConstraints)
		case blockPlugins:
			s.plugin(i)
		}
		if t.is(tokIdent, "apply") {
			s.applyPlugin(i)
		}
		if s.err != nil {
			return nil, nil, s.err
		}
	}
	if len(blocks) > 0 {
		return nil, nil, errors.New("unbalanced {: a block is not closed")
	}
	return s.out, own, nil
}

// gradleAssignment reads a variable a script defines at token i, as one of
//
//	name = "v"   def name = "v"   val name = "v"   ext.name = "v"   ext { name = "v" }
//	val name: String = "v"   extra["name"] = "v"   ext["name"] = "v"
//	ext.set("name", "v")   extra.set("name", "v")   val name by extra("v")
//
// A literal followed by . or + is an expression ("1.2".trim(), "1." + minor).
func gradleAssignment(toks []groovyTok, i int) (name string, lit groovyTok, ok bool) {
	at := func(j int) groovyTok {
		if j >= 0 && j < len(toks) {
			return toks[j]
		}
		return groovyTok{}
	}
	literal := func(j int) (groovyTok, bool) {
		t := at(j)
		next := at(j + 1)
		return t, t.kind == tokString && !next.is(tokPunct, ".") && !next.is(tokPunct, "+")
	}
	t := toks[i]
	switch {
	case t.kind != tokIdent:
		return "", groovyTok{}, false
	case at(i+1).is(tokPunct, "="):
		lit, ok = literal(i + 2)
		return t.text, lit, ok
	case at(i+1).is(tokPunct, ":") && at(i+2).kind == tokIdent && at(i+3).is(tokPunct, "=") && at(i-1).kind == tokIdent:
		lit, ok = literal(i + 4) // Kotlin: val name: String = "v"
		return t.text, lit, ok && (at(i-1).text == "val" || at(i-1).text == "var")
	case t.text == "extra" || t.text == "ext":
		return extAssignment(at, literal, i)
	case at(i+1).is(tokIdent, "by") && at(i+2).is(tokIdent, "extra") && at(i+3).is(tokPunct, "("):
		lit, ok = literal(i + 4)
		return t.text, lit, ok && at(i+5).is(tokPunct, ")")
	}
	return "", groovyTok{}, false
}

// extAssignment reads ext["name"] = "v", extra["name"] = "v" and
// ext.set("name", "v") at the ext or extra token i.
func extAssignment(at func(int) groovyTok, literal func(int) (groovyTok, bool), i int) (string, groovyTok, bool) {
	switch {
	case at(i+1).is(tokPunct, "[") && at(i+2).kind == tokString && at(i+3).is(tokPunct, "]") && at(i+4).is(tokPunct, "="):
		lit, ok := literal(i + 5)
		return at(i + 2).text, lit, ok
	case at(i+1).is(tokPunct, ".") && at(i+2).is(tokIdent, "set") && at(i+3).is(tokPunct, "(") && at(i+4).kind == tokString && at(i+5).is(tokPunct, ","):
		lit, ok := literal(i + 6)
		return at(i + 4).text, lit, ok && at(i+7).is(tokPunct, ")")
	}
	return "", groovyTok{}, false
}

// gradleBlock is what a block's contents declare, as the reader tracks it.
type gradleBlock string

const (
	blockDependencies gradleBlock = "dependencies"
	blockConstraints  gradleBlock = "constraints"
	blockPlugins      gradleBlock = "plugins"
)

// notDependencies are the blocks within dependencies {} that declare no
// dependency: component metadata rules, module replacements, attribute
// schemas, and a dependency's own closure (version {}, capabilities {}).
var notDependencies = map[string]bool{
	"components": true, "modules": true, "attributesSchema": true, "artifactTypes": true, "registerTransform": true,
	"version": true, "capabilities": true, "attributes": true, "artifact": true, "exclude": true, "because": true,
}

// enter is what a block named name declares inside b: dependencies {} and
// plugins {} anywhere, constraints {} within dependencies; any other block
// nested in dependencies (if/else, a loop, a closure) declares what b does.
func (b gradleBlock) enter(name string) gradleBlock {
	switch {
	case name == "dependencies":
		return blockDependencies
	case name == "plugins":
		return blockPlugins
	case b == blockDependencies && name == "constraints":
		return blockConstraints
	case (b == blockDependencies || b == blockConstraints) && !notDependencies[name]:
		return b
	}
	return ""
}

// blockName is the name a "{" at i opens: the identifier before it, or
// before the argument list in front of it (`subprojects {`, `register("x") {`),
// whose "(" is at open (-1 for none). The caller tracks the parentheses:
// scanning back for each "{" was quadratic in `x(){}){}){}...`.
func (s *gradleScript) blockName(i, open int) string {
	j := i - 1
	if open >= 0 {
		j = open - 1
	}
	if j >= 0 && s.toks[j].kind == tokIdent {
		return s.toks[j].text
	}
	return ""
}

// configuration is the call a dependency string at i is the argument of:
// `implementation "g:a:v"`, `implementation("g:a:v")`, and through
// platform()/enforcedPlatform()/testFixtures() wrappers.
func (s *gradleScript) configuration(i int) string {
	for j := i - 1; j >= 0 && j >= i-10; j-- {
		t := s.toks[j]
		switch {
		case t.is(tokPunct, "("), t.is(tokPunct, ","):
		case t.kind == tokString && s.toks[j+1].is(tokPunct, ","):
			// implementation 'a:b:1', 'c:d:2': an earlier argument
		case t.kind == tokString && s.toks[j+1].is(tokPunct, "("):
			return t.text // "implementation"("g:a:v"), a configuration named by a string
		case t.kind == tokIdent && s.toks[j+1].is(tokPunct, ",") && j > 0 && s.toks[j-1].is(tokPunct, "("):
			// add(conf, "g:a:v"): a configuration held in a variable
		case t.kind == tokIdent:
			switch t.text {
			case "platform", "enforcedPlatform", "testFixtures":
				// A qualified wrapper: project.dependencies.enforcedPlatform(...).
				for j >= 2 && s.toks[j-1].is(tokPunct, ".") && s.toks[j-2].kind == tokIdent {
					j -= 2
				}
				continue
			}
			if t.text == "add" && s.toks[j+1].is(tokPunct, "(") && j+2 < i && s.toks[j+2].kind == tokString {
				return s.toks[j+2].text // add("implementation", "g:a:v")
			}
			return t.text
		default:
			return ""
		}
	}
	return ""
}

// dependency reads a dependency declared at token i, if one starts there;
// within constraints {} its section is constraints.
func (s *gradleScript) dependency(i int, constraint bool) {
	section := func(conf string) string {
		if constraint && conf != "" {
			return "constraints"
		}
		return conf
	}
	t := s.toks[i]
	switch {
	case t.kind == tokString:
		m := gradleCoordRE.FindStringSubmatch(t.text)
		if m == nil || strings.Contains(m[1]+m[2], "$") {
			return
		}
		conf := section(s.configuration(i))
		if conf == "" {
			return
		}
		s.add(int(t.line), m[1]+":"+m[2], m[3], t.interpolated, conf)
	case t.is(tokIdent, "group") && i+2 < len(s.toks) && isAssign(s.toks[i+1]) && s.toks[i+2].kind == tokString:
		// Map notation: group: 'g', name: 'a', version: 'v' (Groovy) or
		// group = "g", name = "a", version = "v" (Kotlin named arguments).
		fields := map[string]groovyTok{}
		for j := i; j+2 < len(s.toks) && j < i+12; j += 4 {
			if s.toks[j].kind != tokIdent || !isAssign(s.toks[j+1]) || s.toks[j+2].kind != tokString {
				break
			}
			fields[s.toks[j].text] = s.toks[j+2]
			if j+3 >= len(s.toks) || !s.toks[j+3].is(tokPunct, ",") {
				break
			}
		}
		name, ok := fields["name"]
		if !ok || !gradleCoordPartRE.MatchString(name.text) || !gradleCoordPartRE.MatchString(fields["group"].text) {
			return // exclude group: "x", module: "y"
		}
		v := fields["version"]
		s.add(int(name.line), fields["group"].text+":"+name.text, v.text, v.interpolated, section(s.configuration(i)))
	}
}

func isAssign(t groovyTok) bool { return t.is(tokPunct, ":") || t.is(tokPunct, "=") }

// plugin reads `id "x" version "v"`, `id("x") version("v")` and
// `kotlin("jvm") version "v"` in a plugins {} block.
func (s *gradleScript) plugin(i int) {
	t := s.toks[i]
	if t.kind != tokIdent || t.text != "id" && t.text != "kotlin" {
		return
	}
	j := i + 1
	if j < len(s.toks) && s.toks[j].is(tokPunct, "(") {
		j++
	}
	if j >= len(s.toks) || s.toks[j].kind != tokString {
		return
	}
	idTok := s.toks[j]
	id := idTok.text
	if t.text == "kotlin" {
		id = "org.jetbrains.kotlin." + id
	}
	j++
	if j < len(s.toks) && s.toks[j].is(tokPunct, ")") {
		j++
	}
	var v groovyTok
	if j < len(s.toks) && s.toks[j].is(tokIdent, "version") {
		j++
		if j < len(s.toks) && s.toks[j].is(tokPunct, "(") {
			j++
		}
		if j < len(s.toks) && s.toks[j].kind == tokString {
			v = s.toks[j]
		}
	}
	s.add(int(idTok.line), id, v.text, v.interpolated, "plugins")
}

// applyPlugin reads `apply plugin: "x"` and `apply(plugin = "x")`.
func (s *gradleScript) applyPlugin(i int) {
	j := i + 1
	if j < len(s.toks) && s.toks[j].is(tokPunct, "(") {
		j++
	}
	if j+2 < len(s.toks) && s.toks[j].is(tokIdent, "plugin") && isAssign(s.toks[j+1]) && s.toks[j+2].kind == tokString {
		s.add(int(s.toks[j+2].line), s.toks[j+2].text, "", false, "apply")
	}
}

func (s *gradleScript) add(line int, name, declared string, interpolated bool, section string) {
	if name == "" || strings.ContainsAny(name, "$ ") {
		return
	}
	v, ok, err := interpolate(declared, interpolated, s.vars, &s.budget)
	if err != nil {
		s.err = fmt.Errorf("line %d: %w", line, err)
		return
	}
	if !ok {
		v = version.Unknown
	}
	c := Component{Kind: "gradle", Name: name, Version: version.Clean(v), Path: s.path, Line: line, Section: section,
		Attrs: attrs("declared", declared)}
	s.out = append(s.out, c)
}

// gradleCatalog is a version catalog; entries are strings or tables.
type gradleCatalog struct {
	Versions  map[string]any `toml:"versions"`
	Libraries map[string]any `toml:"libraries"`
	Plugins   map[string]any `toml:"plugins"`
}

func parseGradleCatalog(p string, data []byte) ([]Component, error) {
	var cat gradleCatalog
	if err := decodeTOML(data, &cat); err != nil {
		return nil, err
	}
	t := newTOMLText(data)
	var out []Component
	add := func(table, alias, name string, v any) {
		c := Component{Kind: "gradle", Name: name, Path: p, Line: t.keyLine(table, alias, 0), Section: "catalog"}
		declared, ref := catalogVersion(v, cat.Versions)
		c.Version = version.Clean(declared)
		if ref != "" {
			c.Attrs = map[string]string{"version.ref": ref}
		} else {
			c.Attrs = attrs("declared", declared)
		}
		out = append(out, c)
	}
	for _, alias := range sortedTableKeys(cat.Libraries) {
		switch e := cat.Libraries[alias].(type) {
		case string: // "group:artifact:version"
			if m := gradleCoordRE.FindStringSubmatch(e); m != nil {
				add("libraries", alias, m[1]+":"+m[2], m[3])
			}
		case map[string]any:
			module, _ := e["module"].(string)
			if module == "" {
				group, _ := e["group"].(string)
				name, _ := e["name"].(string)
				if group == "" || name == "" {
					continue
				}
				module = group + ":" + name
			}
			if g, a, ok := strings.Cut(module, ":"); ok && gradleCoordPartRE.MatchString(g) && gradleCoordPartRE.MatchString(a) {
				add("libraries", alias, module, e["version"])
			}
		}
	}
	for _, alias := range sortedTableKeys(cat.Plugins) {
		switch e := cat.Plugins[alias].(type) {
		case string: // "id:version"
			id, v, _ := strings.Cut(e, ":")
			add("plugins", alias, id, v)
		case map[string]any:
			if id, _ := e["id"].(string); id != "" {
				add("plugins", alias, id, e["version"])
			}
		}
	}
	return out, nil
}

// catalogVersion resolves a catalog version: a string, a rich version
// table, or {ref = "name"} pointing into [versions]. It returns the
// version as written and the ref followed, if any.
func catalogVersion(v any, versions map[string]any) (declared, ref string) {
	if m, ok := v.(map[string]any); ok {
		if r, ok := m["ref"].(string); ok {
			d, _ := catalogVersion(versions[r], nil)
			return d, r
		}
		for _, k := range []string{"require", "strictly", "prefer"} {
			if s, ok := m[k].(string); ok {
				return s, ""
			}
		}
		return "", ""
	}
	s, _ := v.(string)
	return s, ""
}

// Compile takes `group` and `artifact` (case-insensitive, each exact or a
// glob) for libraries, or `plugin`, a plugin id (or glob), alone.
func (gradle) Compile(params map[string]string) (Matcher, error) {
	return compileCoordRule("gradle", params, true)
}
