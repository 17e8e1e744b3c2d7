package detect

import (
	"errors"
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/uptake-dev/uptake/collector/version"
)

func init() { Register(terraform{}) }

// terraform finds the modules Terraform configurations call: `module`
// blocks in *.tf files, and the `terraform { source = ... }` of Terragrunt's
// terragrunt.hcl. Files are parsed as HCL, never grepped. A registry source
// takes its version from the `version` argument, a git source from ?ref=.
// A Terragrunt source built from locals, its includes' locals or
// read_terragrunt_config is evaluated over those literals (terragrunt.go);
// one that does not resolve still names the module by its static host and
// path, with the version of its static ?ref=. Local paths ("./modules/vpc")
// are the repo's own code and are left out, as are the .terraform
// directories `terraform init` downloads modules into.
type terraform struct{}

func (terraform) Kind() string { return "terraform" }

func (terraform) Patterns() []string { return []string{"**/*.tf", "**/terragrunt.hcl"} }

// registrySourceRE is a registry module address: [host/]namespace/name/provider.
var registrySourceRE = regexp.MustCompile(`^(?:[A-Za-z0-9.-]+\.[A-Za-z0-9-]+(?::\d+)?/)?[A-Za-z0-9][A-Za-z0-9_-]*/[A-Za-z0-9][A-Za-z0-9_-]*/[A-Za-z0-9]+(?://.*)?$`)

func (t terraform) Detect(f Files) ([]Component, []error) {
	var paths []string
	for _, p := range patternPaths(f, t.Patterns()) {
		if !hasDir(p, ".terraform") && !hasDir(p, ".terragrunt-cache") {
			paths = append(paths, p)
		}
	}
	tg := newTerragrunt(f)
	return scanPaths(f, paths, func(p string, data []byte) ([]Component, error) { return parseTerraform(p, data, tg) })
}

func parseTerraform(p string, data []byte, tg *terragrunt) ([]Component, error) {
	if err := checkHCL(data); err != nil {
		return nil, err
	}
	file, diags := hclsyntax.ParseConfig(data, p, hcl.InitialPos)
	if diags.HasErrors() {
		return nil, hclError(diags)
	}
	body, ok := file.Body.(*hclsyntax.Body)
	if !ok {
		return nil, errors.New("not native HCL syntax")
	}
	var out []Component
	for _, b := range body.Blocks {
		switch {
		case b.Type == "module" && strings.HasSuffix(p, ".tf"):
			if src, ok := literalString(b.Body.Attributes["source"]); ok {
				if c, ok := moduleComponent(p, b.Body, src, "", true); ok {
					out = append(out, c)
				}
			}
		case b.Type == "terraform" && path.Base(p) == "terragrunt.hcl" && b.Body.Attributes["source"] != nil:
			// Terragrunt takes a version constraint beside a tfr:// source.
			a := b.Body.Attributes["source"]
			src, literal := literalString(a)
			resolved, whole := src, literal
			if !literal {
				resolved, whole = tgSource(a, tg.unitContext(p, body))
				src = strings.Trim(strings.TrimSpace(string(a.Expr.Range().SliceBytes(data))), `"`)
			}
			if c, ok := moduleComponent(p, b.Body, src, resolved, whole); ok {
				out = append(out, c)
			}
		}
	}
	return out, nil
}

// hclError keeps the first diagnostic, whose text already holds the
// position; the file name is dropped since FileError adds it.
func hclError(diags hcl.Diagnostics) error {
	for _, d := range diags {
		if d.Severity != hcl.DiagError {
			continue
		}
		msg := d.Summary
		if d.Detail != "" {
			msg += ": " + d.Detail
		}
		if d.Subject != nil {
			return fmt.Errorf("line %d: %s", d.Subject.Start.Line, msg)
		}
		return errors.New(msg)
	}
	return diags
}

// moduleComponent reads a block's `source`: src as written, value what it
// evaluates to (for a literal, src itself), whole false when parts of it
// could not be evaluated (tgMarker stands for each). Terraform allows only a
// literal there; a Terragrunt source whose host and path are not static
// names no module and is skipped.
func moduleComponent(p string, body *hclsyntax.Body, src, value string, whole bool) (Component, bool) {
	src = strings.TrimSpace(src) // a heredoc ends in a newline
	if whole && value == "" {
		value = src
	}
	value = strings.TrimSpace(value)
	if value == "" || strings.HasPrefix(value, "./") || strings.HasPrefix(value, "../") || strings.HasPrefix(value, "/") {
		return Component{}, false
	}
	ref := parseRemoteRef(value)
	name := ref.Name
	if !whole {
		name = tgStaticName(name)
	}
	if name == "" {
		return Component{}, false
	}
	c := Component{
		Kind:  "terraform",
		Name:  terraformName(name),
		Path:  p,
		Line:  body.Attributes["source"].SrcRange.Start.Line,
		Attrs: attrs("source", src, "subdir", strings.ReplaceAll(ref.Subdir, tgMarker, "${…}")),
	}
	if value != src && whole {
		c.Attrs["resolved"] = value
	}
	declared, hasVersion := literalString(body.Attributes["version"])
	switch {
	case hasVersion && ref.Ref == "" && (isRegistrySource(value) || strings.HasPrefix(value, "tfr://")):
		c.Version = version.Clean(declared)
		c.Attrs["declared"] = declared
	case strings.Contains(ref.Ref, tgMarker):
		c.Version = version.Unknown
	default:
		c.Version = version.Clean(ref.Ref)
	}
	return c, true
}

// tgStaticName is the part of a partly evaluated source's name before its
// first unknown part, whole path components only, when that still names a
// host and a path below it ("github.com/acme/${local.repo}" names
// github.com/acme, which a rule for the organisation matches); else "".
func tgStaticName(name string) string {
	i := strings.Index(name, tgMarker)
	if i < 0 {
		return name
	}
	static := name[:i]
	if j := strings.LastIndexByte(static, '/'); j >= 0 && !strings.HasSuffix(static, "/") {
		static = static[:j]
	}
	static = strings.TrimSuffix(static, "/")
	if strings.Count(static, "/") < 1 {
		return ""
	}
	return static
}

// isRegistrySource tells a registry address from a remote one as Terraform
// does, which never reads github.com or bitbucket.org addresses as registry hosts.
func isRegistrySource(src string) bool {
	return registrySourceRE.MatchString(src) && !strings.HasPrefix(src, "github.com/") && !strings.HasPrefix(src, "bitbucket.org/")
}

// terraformName drops the public registry's host, which Terraform assumes
// when a source has none, as Terragrunt does for tfr:/// with an empty host
// (tfr:///terraform-aws-modules/vpc/aws?version=5.1.0).
func terraformName(name string) string {
	return strings.TrimPrefix(strings.TrimPrefix(name, "/"), "registry.terraform.io/")
}

// literalString reads an attribute holding a plain string (quoted or a
// heredoc); a reference or an interpolation is not one.
func literalString(a *hclsyntax.Attribute) (string, bool) {
	if a == nil {
		return "", false
	}
	t, ok := a.Expr.(*hclsyntax.TemplateExpr)
	if !ok || !t.IsStringLiteral() {
		return "", false
	}
	v, diags := t.Value(nil)
	if diags.HasErrors() {
		return "", false
	}
	return v.AsString(), true
}

// Compile takes `source`: a module source compared after normalisation
// (scheme, git::, user info, .git, //subdir and ?ref= removed; the public
// registry's host optional), on whole path components, or a glob.
func (terraform) Compile(params map[string]string) (Matcher, error) {
	return compileRemoteRule("terraform", "source", params, func(s string) string {
		return terraformName(parseRemoteRef(s).Name)
	})
}
