package detect

import (
	"errors"
	"maps"
	"path"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
)

// Terragrunt builds a unit's module source from locals, often those of a
// file it includes (`source = "${include.envcommon.locals.base_source_url}?ref=v0.8.0"`,
// with the URL a literal in _envcommon/mysql.hcl). The few expressions a
// source needs are evaluated here with hcl/v2 over literals only: locals,
// `include` blocks and read_terragrunt_config of files in the repo, and the
// path functions that find them. Nothing else exists in the evaluation —
// no run_cmd, no get_env, no file() — so nothing is run and nothing outside
// the repo is read; a value that needs anything else stays unresolved.

const (
	// tgMaxDepth bounds chains of includes and read_terragrunt_config.
	tgMaxDepth = 8
	// tgMaxRefs bounds the references one local's expression may make, and
	// tgMaxValue the size of a value kept (string bytes and elements; a
	// source URL is a tenth of it, an env.hcl's locals less): with both, no
	// expression can build a value much larger (`b = "${a}${a}"` chains stop
	// at the first value too large), and measuring one stays cheap.
	tgMaxRefs  = 16
	tgMaxValue = 1024
	// tgMaxLocals bounds the locals evaluated per file (real files have a
	// few dozen): each pass over them resolves at least one, so a hostile
	// chain costs at most its square.
	tgMaxLocals = 256
)

// tgMarker stands in for a part of a source that could not be evaluated.
const tgMarker = "\x00"

// terragrunt evaluates the sources of the terragrunt.hcl files of one repo.
// Files it reads are parsed once per scan: units of a live repo all include
// the same root.hcl.
type terragrunt struct {
	f      Files
	bodies map[string]*hclsyntax.Body // repo path → parsed body; nil when unreadable
	// configs are read_terragrunt_config's answers by file and unit
	// directory (find_in_parent_folders depends on it), so a file a
	// hundred locals read is evaluated once.
	configs map[[2]string]tgConfig
	// files is the tree's listing, taken on first need: a lookup per
	// directory find_in_parent_folders tries, not a glob over the tree.
	files map[string]bool
}

type tgConfig struct {
	v  cty.Value
	ok bool
}

func newTerragrunt(f Files) *terragrunt {
	return &terragrunt{f: f, bodies: map[string]*hclsyntax.Body{}, configs: map[[2]string]tgConfig{}}
}

// body reads and parses a file a unit names (an include, a
// read_terragrunt_config), once.
func (tg *terragrunt) body(p string) *hclsyntax.Body {
	if b, ok := tg.bodies[p]; ok {
		return b
	}
	tg.bodies[p] = nil
	data, err := followText(tg.f, p)
	if err != nil || checkHCL(data) != nil {
		return nil
	}
	file, diags := hclsyntax.ParseConfig(data, p, hcl.InitialPos)
	if diags.HasErrors() {
		return nil
	}
	b, _ := file.Body.(*hclsyntax.Body)
	tg.bodies[p] = b
	return b
}

// tgScope is the evaluation of one file: the unit's directory, which path
// functions are relative to, and the file's own directory for relative paths.
type tgScope struct {
	tg       *terragrunt
	unitDir  string // repo-relative
	fileDir  string // repo-relative
	depth    int
	visiting map[string]bool
}

// unitContext is the evaluation context of a unit's terragrunt.hcl: its
// locals and its labelled includes' locals.
func (tg *terragrunt) unitContext(p string, body *hclsyntax.Body) *hcl.EvalContext {
	s := &tgScope{tg: tg, unitDir: path.Dir(p), fileDir: path.Dir(p), visiting: map[string]bool{p: true}}
	includes := map[string]cty.Value{}
	for _, b := range body.Blocks {
		if b.Type != "include" || len(b.Labels) != 1 || b.Body.Attributes["path"] == nil {
			continue
		}
		if v, ok := s.eval(b.Body.Attributes["path"].Expr, s.context(nil)); ok && v.Type() == cty.String {
			if inc, ok := s.readConfig(v.AsString(), s.unitDir); ok {
				includes[b.Labels[0]] = inc
			}
		}
	}
	vars := map[string]cty.Value{}
	if len(includes) > 0 {
		vars["include"] = cty.ObjectVal(includes)
	}
	return s.context(s.locals(body, vars))
}

// context is the evaluation context of the scope's file over vars (local,
// include).
func (s *tgScope) context(vars map[string]cty.Value) *hcl.EvalContext {
	return &hcl.EvalContext{Variables: vars, Functions: s.functions()}
}

// locals evaluates a file's locals blocks (the first tgMaxLocals by name),
// each after the locals it names, once; vars holds the other variables in
// scope (include). It returns vars with "local" added.
func (s *tgScope) locals(body *hclsyntax.Body, vars map[string]cty.Value) map[string]cty.Value {
	exprs := map[string]hcl.Expression{}
	for _, b := range body.Blocks {
		if b.Type == "locals" {
			for name, a := range b.Body.Attributes {
				exprs[name] = a.Expr
			}
		}
	}
	names := sortedTableKeys(exprs)
	if len(names) > tgMaxLocals {
		for _, n := range names[tgMaxLocals:] {
			delete(exprs, n)
		}
	}
	known := map[string]cty.Value{}
	state := map[string]bool{} // false: being evaluated, true: done
	var resolve func(name string)
	resolve = func(name string) {
		if _, seen := state[name]; seen {
			return
		}
		state[name] = false
		refs := exprs[name].Variables()
		if len(refs) > tgMaxRefs {
			state[name] = true
			return
		}
		// Only the locals it names are in scope: the context stays small.
		scope := map[string]cty.Value{}
		for _, r := range refs {
			if r.RootName() != "local" || len(r) < 2 {
				continue
			}
			if a, ok := r[1].(hcl.TraverseAttr); ok {
				if _, ok := exprs[a.Name]; ok {
					resolve(a.Name)
				}
				if v, ok := known[a.Name]; ok {
					scope[a.Name] = v
				}
			}
		}
		ctx := maps.Clone(vars)
		if ctx == nil {
			ctx = map[string]cty.Value{}
		}
		ctx["local"] = cty.ObjectVal(scope)
		if v, ok := s.eval(exprs[name], s.context(ctx)); ok {
			known[name] = v
		}
		state[name] = true
	}
	for _, name := range sortedTableKeys(exprs) {
		resolve(name)
	}
	out := maps.Clone(vars)
	if out == nil {
		out = map[string]cty.Value{}
	}
	out["local"] = cty.ObjectVal(known)
	return out
}

// tgBounded reports whether an expression is one evaluating it cannot make
// costly: no for expression (nested ones multiply what they build before
// the value is measured: five over 26 letters are 11.9M strings) and at
// most tgMaxRefs function calls (each find_in_parent_folders looks in
// every directory above the unit).
func tgBounded(e hcl.Expression) bool {
	se, ok := e.(hclsyntax.Expression)
	if !ok {
		return false
	}
	calls, bounded := 0, true
	_ = hclsyntax.VisitAll(se, func(n hclsyntax.Node) hcl.Diagnostics {
		switch n.(type) {
		case *hclsyntax.ForExpr:
			bounded = false
		case *hclsyntax.FunctionCallExpr:
			if calls++; calls > tgMaxRefs {
				bounded = false
			}
		}
		return nil
	})
	return bounded
}

// eval evaluates an expression to a known value within the size budget.
func (s *tgScope) eval(e hcl.Expression, ctx *hcl.EvalContext) (cty.Value, bool) {
	if !tgBounded(e) {
		return cty.NilVal, false
	}
	v, diags := e.Value(ctx)
	if diags.HasErrors() || !v.IsWhollyKnown() || v.IsNull() || tgSize(v, tgMaxValue) > tgMaxValue {
		return cty.NilVal, false
	}
	return v, true
}

// tgSize is what a value holds (string bytes, elements), counted up to limit.
func tgSize(v cty.Value, limit int) int {
	switch {
	case v.IsNull() || !v.IsKnown():
		return 0
	case v.Type() == cty.String:
		return len(v.AsString())
	case v.Type().IsPrimitiveType():
		return 1
	}
	n := 0
	for it := v.ElementIterator(); it.Next() && n <= limit; {
		k, e := it.Element()
		n += 1 + tgSize(k, limit-n) + tgSize(e, limit-n)
	}
	return n
}

// readConfig reads a Terragrunt config by path (virtual absolute, or
// relative to dir) and returns it as read_terragrunt_config does, as far as
// a source needs: {locals = {...}}, evaluated in its own directory.
func (s *tgScope) readConfig(p, dir string) (cty.Value, bool) {
	rel, ok := tgRepoPath(p, dir)
	if !ok || s.depth >= tgMaxDepth || s.visiting[rel] {
		return cty.NilVal, false
	}
	key := [2]string{rel, s.unitDir}
	if c, ok := s.tg.configs[key]; ok {
		return c.v, c.ok
	}
	s.tg.configs[key] = tgConfig{} // a cycle through other files ends here
	body := s.tg.body(rel)
	if body == nil {
		return cty.NilVal, false
	}
	visiting := map[string]bool{rel: true}
	for k := range s.visiting {
		visiting[k] = true
	}
	inner := &tgScope{tg: s.tg, unitDir: s.unitDir, fileDir: path.Dir(rel), depth: s.depth + 1, visiting: visiting}
	locals := inner.locals(body, nil)
	v := cty.ObjectVal(map[string]cty.Value{"locals": locals["local"]})
	// Measured once: a config too large to keep is no value, however
	// many locals read it.
	ok = tgSize(v, tgMaxValue) <= tgMaxValue
	s.tg.configs[key] = tgConfig{v: v, ok: ok}
	return v, ok
}

// tgRepoPath turns a path an expression computed into a repo path. Paths
// are virtual absolute ("/root.hcl" is the repo's root.hcl), as the path
// functions return them; a relative one is relative to dir. A path leaving
// the repo is refused.
func tgRepoPath(p, dir string) (string, bool) {
	if p == "" || strings.Contains(p, tgMarker) {
		return "", false
	}
	rel := path.Clean(path.Join(dir, p))
	if strings.HasPrefix(p, "/") {
		rel = path.Clean(strings.TrimPrefix(path.Clean(p), "/"))
	}
	if rel == ".." || strings.HasPrefix(rel, "../") || rel == "." {
		return "", false
	}
	return rel, true
}

// tgAbs is the virtual absolute form of a repo path.
func tgAbs(rel string) string { return path.Clean("/" + rel) }

// functions are the Terragrunt functions a source's path may use, over the
// scope's directories; any other call is an unknown function.
func (s *tgScope) functions() map[string]function.Function {
	str := func(name string) function.Parameter { return function.Parameter{Name: name, Type: cty.String} }
	pathFn := func(f func(string) string) function.Function {
		return function.New(&function.Spec{Params: []function.Parameter{str("path")}, Type: function.StaticReturnType(cty.String),
			Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
				return cty.StringVal(f(args[0].AsString())), nil
			}})
	}
	dirFn := func(dir string) function.Function {
		return function.New(&function.Spec{Type: function.StaticReturnType(cty.String),
			Impl: func([]cty.Value, cty.Type) (cty.Value, error) { return cty.StringVal(tgAbs(dir)), nil }})
	}
	return map[string]function.Function{
		"dirname":            pathFn(path.Dir),
		"basename":           pathFn(path.Base),
		"get_terragrunt_dir": dirFn(s.unitDir),
		"get_repo_root":      dirFn("."),
		"find_in_parent_folders": function.New(&function.Spec{
			VarParam: &function.Parameter{Name: "args", Type: cty.String},
			Type:     function.StaticReturnType(cty.String),
			Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
				name := "terragrunt.hcl"
				if len(args) > 0 {
					name = args[0].AsString()
				}
				if found, ok := s.findInParents(name); ok {
					return cty.StringVal(tgAbs(found)), nil
				}
				if len(args) > 1 {
					return args[1], nil
				}
				return cty.NilVal, errors.New("not found")
			},
		}),
		"read_terragrunt_config": function.New(&function.Spec{
			Params:   []function.Parameter{{Name: "path", Type: cty.String}},
			VarParam: &function.Parameter{Name: "default", Type: cty.DynamicPseudoType},
			Type:     function.StaticReturnType(cty.DynamicPseudoType),
			Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
				if v, ok := s.readConfig(args[0].AsString(), s.fileDir); ok {
					return v, nil
				}
				if len(args) > 1 {
					return args[1], nil
				}
				return cty.NilVal, errors.New("cannot read")
			},
		}),
	}
}

// has reports whether the tree lists the file p.
func (tg *terragrunt) has(p string) bool {
	if tg.files == nil {
		tg.files = map[string]bool{}
		for _, f := range tg.f.Glob("**") {
			tg.files[f] = true
		}
	}
	return tg.files[p]
}

// findInParents finds name in the directories above the unit's, nearest
// first, as find_in_parent_folders does; the tree listing answers without
// a read.
func (s *tgScope) findInParents(name string) (string, bool) {
	if name == "" || strings.ContainsAny(name, "*?[{\\") || path.IsAbs(name) {
		return "", false
	}
	for dir := s.unitDir; dir != "."; {
		dir = path.Dir(dir)
		p := path.Clean(path.Join(dir, name))
		if strings.HasPrefix(p, "../") || p == ".." {
			return "", false
		}
		if s.tg.has(p) {
			return p, true
		}
	}
	return "", false
}

// tgSource evaluates a unit's terraform.source: the whole value when it
// resolves (ok), else the template with each part that does not replaced by
// tgMarker, so a static host and path still name the module.
func tgSource(a *hclsyntax.Attribute, ctx *hcl.EvalContext) (src string, resolved bool) {
	if !tgBounded(a.Expr) {
		return tgMarker, false
	}
	if v, diags := a.Expr.Value(ctx); !diags.HasErrors() && v.IsWhollyKnown() && !v.IsNull() && v.Type() == cty.String {
		return v.AsString(), true
	}
	t, ok := a.Expr.(*hclsyntax.TemplateExpr)
	if !ok {
		return tgMarker, false
	}
	var b strings.Builder
	for _, part := range t.Parts {
		v, diags := part.Value(ctx)
		if diags.HasErrors() || !v.IsWhollyKnown() || v.IsNull() || v.Type() != cty.String {
			b.WriteString(tgMarker)
			continue
		}
		b.WriteString(v.AsString())
	}
	return b.String(), false
}
