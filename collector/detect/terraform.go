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
// Local paths ("./modules/vpc") are the repo's own code and are left out, as
// are the .terraform directories `terraform init` downloads modules into.
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
	return scanPaths(f, paths, parseTerraform)
}

func parseTerraform(p string, data []byte) ([]Component, error) {
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
			if c, ok := moduleComponent(p, b.Body, b.Body.Attributes["version"]); ok {
				out = append(out, c)
			}
		case b.Type == "terraform" && path.Base(p) == "terragrunt.hcl":
			// Terragrunt takes a version constraint beside a tfr:// source.
			if c, ok := moduleComponent(p, b.Body, b.Body.Attributes["version"]); ok {
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

// moduleComponent reads a block's literal `source`; Terraform allows
// nothing else there, and Terragrunt's interpolated sources cannot be
// resolved without running it, so they are skipped.
func moduleComponent(p string, body *hclsyntax.Body, versionAttr *hclsyntax.Attribute) (Component, bool) {
	src, ok := literalString(body.Attributes["source"])
	src = strings.TrimSpace(src) // a heredoc ends in a newline
	if !ok || src == "" || strings.HasPrefix(src, "./") || strings.HasPrefix(src, "../") || strings.HasPrefix(src, "/") {
		return Component{}, false
	}
	ref := parseRemoteRef(src)
	if ref.Name == "" {
		return Component{}, false
	}
	c := Component{
		Kind:  "terraform",
		Name:  terraformName(ref.Name),
		Path:  p,
		Line:  body.Attributes["source"].SrcRange.Start.Line,
		Attrs: attrs("source", src, "subdir", ref.Subdir),
	}
	declared, hasVersion := literalString(versionAttr)
	switch {
	case hasVersion && ref.Ref == "" && (isRegistrySource(src) || strings.HasPrefix(src, "tfr://")):
		c.Version = version.Clean(declared)
		c.Attrs["declared"] = declared
	default:
		c.Version = version.Clean(ref.Ref)
	}
	return c, true
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
