package detect_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/uptake-dev/uptake/collector/detect"
	"github.com/uptake-dev/uptake/collector/detect/detecttest"
)

func TestTerraformDetect(t *testing.T) {
	repo := detecttest.Dir(t, "testdata/terraform/repo")
	tf := func(path string, line int, name, ver string, kv ...string) detect.Component {
		c := detect.Component{Kind: "terraform", Name: name, Version: ver, Path: path, Line: line, Attrs: map[string]string{}}
		for i := 0; i+1 < len(kv); i += 2 {
			c.Attrs[kv[i]] = kv[i+1]
		}
		return c
	}
	want := []detect.Component{
		tf("main.tf", 13, "terraform-aws-modules/vpc/aws", "5.5", "source", "terraform-aws-modules/vpc/aws", "declared", "~> 5.5"),
		tf("main.tf", 21, "github.com/acme/terraform-modules", "v2.3.1",
			"source", "git::https://github.com/acme/terraform-modules.git//eks?ref=v2.3.1", "subdir", "eks"),
		tf("main.tf", 26, "github.com/acme/terraform-modules", "unknown",
			"source", "git@github.com:acme/terraform-modules.git//route53?ref=3f5c2a9d1b7e4f6a8c0d2e4f6a8b0c2d4e6f8a0b", "subdir", "route53"),
		tf("main.tf", 34, "app.terraform.io/acme/platform-baseline/aws", "1.4.0",
			"source", "app.terraform.io/acme/platform-baseline/aws", "declared", ">= 1.4.0, < 2.0.0"),
		tf("modules/network/main.tf", 7, "github.com/acme/tf-network", "v0.4.0", "source", "github.com/acme/tf-network?ref=v0.4.0"),
		tf("modules/network/main.tf", 12, "s3-eu-west-1.amazonaws.com/acme-modules/flow-logs.zip", "unknown",
			"source", "s3::https://s3-eu-west-1.amazonaws.com/acme-modules/flow-logs.zip"),
		tf("modules/network/main.tf", 16, "cloudposse/label/null", "0.25.0", "source", "registry.terraform.io/cloudposse/label/null", "declared", "0.25.0"),
		tf("live/prod/terragrunt.hcl", 6, "github.com/acme/infrastructure-modules", "v0.8.0",
			"source", "git::git@github.com:acme/infrastructure-modules.git//networking/vpc?ref=v0.8.0", "subdir", "networking/vpc"),
		// A source built from a local.
		tf("live/stage/terragrunt.hcl", 6, "github.com/acme/infrastructure-modules", "v0.9.0",
			"source", "${local.base_source_url}?ref=v0.9.0", "subdir", "networking/vpc",
			"resolved", "git::git@github.com:acme/infrastructure-modules.git//networking/vpc?ref=v0.9.0"),
	}
	for name, files := range variants(repo) {
		t.Run(name, func(t *testing.T) {
			got, errs := mustDetector(t, "terraform").Detect(files)
			assertInventory(t, got, want)
			assertFileErrors(t, errs, "broken.tf")
			if !strings.Contains(errs[0].Error(), "broken.tf: line ") {
				t.Errorf("error does not point at a line: %v", errs[0])
			}
		})
	}
}

func TestTerraformDetectForms(t *testing.T) {
	for _, tc := range []struct {
		name, tf string
		want     []detect.Component
		bad      bool
	}{{
		name: "a version argument on a git source is not a registry version",
		tf:   "module \"a\" {\n  source  = \"git::https://gitlab.acme.com/platform/tf/vpc.git?ref=v1.0.0\"\n  version = \"2.0.0\"\n}\n",
		want: []detect.Component{{Kind: "terraform", Name: "gitlab.acme.com/platform/tf/vpc", Version: "v1.0.0", Path: "x.tf", Line: 2,
			Attrs: map[string]string{"source": "git::https://gitlab.acme.com/platform/tf/vpc.git?ref=v1.0.0"}}},
	}, {
		// cloudposse's components pin their modules this way.
		name: "a ref naming tags/ or refs/tags/ is the tag",
		tf: "module \"a\" {\n  source = \"git::https://github.com/cloudposse/terraform-aws-kops-aws-alb-ingress.git?ref=tags/0.1.0\"\n}\n" +
			"module \"b\" {\n  source = \"git::https://github.com/acme/m.git?ref=refs/tags/v2.3.0\"\n}\n",
		want: []detect.Component{
			{Kind: "terraform", Name: "github.com/cloudposse/terraform-aws-kops-aws-alb-ingress", Version: "0.1.0", Path: "x.tf", Line: 2,
				Attrs: map[string]string{"source": "git::https://github.com/cloudposse/terraform-aws-kops-aws-alb-ingress.git?ref=tags/0.1.0"}},
			{Kind: "terraform", Name: "github.com/acme/m", Version: "v2.3.0", Path: "x.tf", Line: 5,
				Attrs: map[string]string{"source": "git::https://github.com/acme/m.git?ref=refs/tags/v2.3.0"}},
		},
	}, {
		name: "a GitHub source archive over HTTPS is the repository at that ref",
		tf:   "module \"a\" {\n  source = \"https://github.com/acme/modules/archive/v1.4.0.tar.gz//vpc\"\n}\n",
		want: []detect.Component{{Kind: "terraform", Name: "github.com/acme/modules", Version: "v1.4.0", Path: "x.tf", Line: 2,
			Attrs: map[string]string{"source": "https://github.com/acme/modules/archive/v1.4.0.tar.gz//vpc", "subdir": "vpc"}}},
	}, {
		// Terragrunt's registry protocol: tfr:/// is the public registry.
		name: "tfr:// sources name the registry module, ?version= its version",
		tf: "module \"a\" {\n  source = \"tfr:///terraform-aws-modules/vpc/aws?version=5.1.0\"\n}\n" +
			"module \"b\" {\n  source = \"tfr://registry.acme.io/acme/vpc/aws?version=1.2.0\"\n}\n" +
			"module \"c\" {\n  source = \"tfr:///terraform-aws-modules/security-group/aws//?version=5.1.2\"\n}\n" +
			"module \"d\" {\n  source = \"tfr:///terraform-aws-modules/eks/aws//modules/karpenter//?version=19.10.0\"\n}\n",
		want: []detect.Component{
			{Kind: "terraform", Name: "terraform-aws-modules/vpc/aws", Version: "5.1.0", Path: "x.tf", Line: 2,
				Attrs: map[string]string{"source": "tfr:///terraform-aws-modules/vpc/aws?version=5.1.0"}},
			{Kind: "terraform", Name: "registry.acme.io/acme/vpc/aws", Version: "1.2.0", Path: "x.tf", Line: 5,
				Attrs: map[string]string{"source": "tfr://registry.acme.io/acme/vpc/aws?version=1.2.0"}},
			// Terragrunt configurations commonly end the address in // before the query.
			{Kind: "terraform", Name: "terraform-aws-modules/security-group/aws", Version: "5.1.2", Path: "x.tf", Line: 8,
				Attrs: map[string]string{"source": "tfr:///terraform-aws-modules/security-group/aws//?version=5.1.2"}},
			{Kind: "terraform", Name: "terraform-aws-modules/eks/aws", Version: "19.10.0", Path: "x.tf", Line: 11,
				Attrs: map[string]string{"source": "tfr:///terraform-aws-modules/eks/aws//modules/karpenter//?version=19.10.0", "subdir": "modules/karpenter"}},
		},
	}, {
		name: "github shorthand with a version argument is still git",
		tf:   "module \"a\" {\n  source = \"github.com/acme/tf/aws\"\n  version = \"1.0.0\"\n}\n",
		want: []detect.Component{{Kind: "terraform", Name: "github.com/acme/tf/aws", Version: "unknown", Path: "x.tf", Line: 2,
			Attrs: map[string]string{"source": "github.com/acme/tf/aws"}}},
	}, {
		name: "registry source without a version, source from a variable, heredoc",
		tf: "module \"a\" {\n  source = \"acme/vpc/aws\"\n}\nmodule \"b\" {\n  source = var.src\n}\n" +
			"module \"c\" {\n  source = <<EOT\nacme/c/aws\nEOT\n}\n",
		want: []detect.Component{
			{Kind: "terraform", Name: "acme/vpc/aws", Version: "unknown", Path: "x.tf", Line: 2, Attrs: map[string]string{"source": "acme/vpc/aws"}},
			{Kind: "terraform", Name: "acme/c/aws", Version: "unknown", Path: "x.tf", Line: 8, Attrs: map[string]string{"source": "acme/c/aws"}},
		},
	}, {
		name: "ssh URL with user and port, git ref with a query after it",
		tf:   "module \"a\" {\n  source = \"git::ssh://git@Git.Acme.com:2222/platform/modules.git//db?depth=1&ref=v3.1.0\"\n}\n",
		want: []detect.Component{{Kind: "terraform", Name: "git.acme.com:2222/platform/modules", Version: "v3.1.0", Path: "x.tf", Line: 2,
			Attrs: map[string]string{"source": "git::ssh://git@Git.Acme.com:2222/platform/modules.git//db?depth=1&ref=v3.1.0", "subdir": "db"}}},
	}, {
		name: "a terraform block in a .tf file names no module",
		tf:   "terraform {\n  source = \"acme/x/aws\"\n}\n",
	}, {
		name: "malformed",
		tf:   "module \"a\" {\n  source = \"acme/vpc/aws\n}\n",
		bad:  true,
	}, {
		name: "not HCL at all",
		tf:   "{\"module\": {\"a\": {\"source\": \"acme/vpc/aws\"}}}",
		bad:  true,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			got, errs := mustDetector(t, "terraform").Detect(detecttest.Files{"x.tf": tc.tf})
			assertInventory(t, got, tc.want)
			if tc.bad {
				assertFileErrors(t, errs, "x.tf")
			} else {
				assertFileErrors(t, errs)
			}
		})
	}
}

// Terragrunt takes a registry version constraint beside a tfr:// source
// (gruntwork-io/terragrunt's test/fixtures/tfr/version-constraint); a
// ?version= in the address wins, and a git source has no registry version.
func TestTerragruntVersionAttribute(t *testing.T) {
	files := detecttest.Files{
		"a/terragrunt.hcl": "terraform {\n  source  = \"tfr:///acme/vpc/aws\"\n  version = \"~> 1.4\"\n}\n",
		"b/terragrunt.hcl": "terraform {\n  source  = \"tfr:///acme/vpc/aws?version=1.2.0\"\n  version = \"~> 1.4\"\n}\n",
		"c/terragrunt.hcl": "terraform {\n  source  = \"git::https://github.com/acme/m.git?ref=v2.0.0\"\n  version = \"~> 1.4\"\n}\n",
	}
	got, errs := mustDetector(t, "terraform").Detect(files)
	assertFileErrors(t, errs)
	assertInventory(t, got, []detect.Component{
		{Kind: "terraform", Name: "acme/vpc/aws", Version: "1.4", Path: "a/terragrunt.hcl", Line: 2,
			Attrs: map[string]string{"source": "tfr:///acme/vpc/aws", "declared": "~> 1.4"}},
		{Kind: "terraform", Name: "acme/vpc/aws", Version: "1.2.0", Path: "b/terragrunt.hcl", Line: 2,
			Attrs: map[string]string{"source": "tfr:///acme/vpc/aws?version=1.2.0"}},
		{Kind: "terraform", Name: "github.com/acme/m", Version: "v2.0.0", Path: "c/terragrunt.hcl", Line: 2,
			Attrs: map[string]string{"source": "git::https://github.com/acme/m.git?ref=v2.0.0"}},
	})
}

func TestTerraformCompile(t *testing.T) {
	for _, tc := range []struct {
		params  map[string]string
		wantErr string
		match   []string
		noMatch []string
	}{
		{
			params:  map[string]string{"source": "git::https://github.com/acme/terraform-modules.git"},
			match:   []string{"github.com/acme/terraform-modules"},
			noMatch: []string{"github.com/acme/terraform-modules-legacy", "github.com/acme"},
		},
		// What normalisation would drop is refused: the rule would match every subdir and version.
		{params: map[string]string{"source": "git@github.com:acme/terraform-modules.git//eks?ref=v1"}, wantErr: `source: "git@github.com:acme/terraform-modules.git//eks?ref=v1" names a subdirectory (eks) and a ref (v1), which a rule does not match on: write source: github.com/acme/terraform-modules (it matches every subdirectory; the ref is measured as each repo's version: set the offering's latest to count drift)`},
		{params: map[string]string{"source": "github.com/acme/terraform-modules//modules/vpc"}, wantErr: `source: "github.com/acme/terraform-modules//modules/vpc" names a subdirectory (modules/vpc), which a rule does not match on: write source: github.com/acme/terraform-modules (it matches every subdirectory)`},
		{params: map[string]string{"source": "git::https://github.com/acme/terraform-modules.git?ref=v1.2.0"}, wantErr: `source: "git::https://github.com/acme/terraform-modules.git?ref=v1.2.0" names a ref (v1.2.0), which a rule does not match on: write source: github.com/acme/terraform-modules (the ref is measured as each repo's version: set the offering's latest to count drift)`},
		{params: map[string]string{"source": "git::https://github.com/acme/terraform-modules.git?depth=1"}, wantErr: `names a query (?depth=1), which a rule does not match on: write source: github.com/acme/terraform-modules (a rule matches the address without it)`},
		{params: map[string]string{"source": "https://github.com/acme/terraform-modules/archive/v1.4.0.tar.gz"}, wantErr: `names a ref (v1.4.0)`},
		{params: map[string]string{"source": "*terraform-modules"}, match: []string{"github.com/acme/terraform-modules", "gitlab.acme.io/platform/terraform-modules"}, noMatch: []string{"github.com/acme/terraform-modules/x"}},
		{params: map[string]string{"source": "github.com/acme"}, match: []string{"github.com/acme/terraform-modules", "github.com/acme/tf-network"}, noMatch: []string{"github.com/acme-labs/x"}},
		{params: map[string]string{"source": "registry.terraform.io/terraform-aws-modules/vpc/aws"}, match: []string{"terraform-aws-modules/vpc/aws"}},
		{params: map[string]string{"source": "terraform-aws-modules/*/aws"}, match: []string{"terraform-aws-modules/vpc/aws"}, noMatch: []string{"terraform-aws-modules/vpc/google"}},
		{params: map[string]string{}, wantErr: "source is required"},
		{params: map[string]string{"source": "x", "version": "1"}, wantErr: "unknown key version (allowed: source)"},
		{params: map[string]string{"source": "?ref=v1"}, wantErr: "source: \"?ref=v1\" is not a source address"},
		{params: map[string]string{"source": "github.com/[acme"}, wantErr: "source: bad glob"},
	} {
		m, err := mustDetector(t, "terraform").Compile(tc.params)
		if !errorMatches(err, tc.wantErr) {
			t.Errorf("Compile(%v) error %v, want %q", tc.params, err, tc.wantErr)
			continue
		}
		if err == nil {
			assertMatches(t, m, "terraform", tc.match, tc.noMatch)
		}
	}
}

// Terragrunt sources built from locals resolve through literals only:
// locals, labelled includes' locals and read_terragrunt_config of files in
// the repo. What does not resolve keeps the static host and path and ?ref=.
func TestTerragruntSources(t *testing.T) {
	unit := func(body string) string {
		return "include \"root\" {\n  path = find_in_parent_folders(\"root.hcl\")\n}\n" + body
	}
	files := detecttest.Files{
		"root.hcl": "locals {\n  org  = read_terragrunt_config(find_in_parent_folders(\"org.hcl\"))\n" +
			"  base = \"git::https://github.com/${local.org.locals.name}/modules.git\"\n}\n",
		"live/org.hcl": "locals {\n  name = \"acme\"\n}\n",
		// Through the include: the org from live/org.hcl, found above the unit.
		"live/a/terragrunt.hcl": unit("terraform {\n  source = \"${include.root.locals.base}//vpc?ref=v1.2.0\"\n}\n"),
		// Locals of its own, one built on another; a tfr source's ?version=.
		"live/b/terragrunt.hcl": "locals {\n  v    = \"~> 5.1\"\n  src  = \"tfr:///terraform-aws-modules/${local.name}/aws\"\n  name = \"iam\"\n}\n" +
			"terraform {\n  source = \"${local.src}?version=${local.v}\"\n}\n",
		// Unresolvable parts after the repository: its name and static ref stay.
		"live/c/terragrunt.hcl": "terraform {\n  source = \"git::git@github.com:acme/modules.git//${local.nope}?ref=v2.0.0\"\n}\n",
		"live/d/terragrunt.hcl": "terraform {\n  source = \"git::https://github.com/acme/${get_env(\"REPO\", \"x\")}.git?ref=${local.nope}\"\n}\n",
		// Nothing static names a module: nothing.
		"live/e/terragrunt.hcl": "terraform {\n  source = \"${include.missing.locals.url}?ref=v0.8.0\"\n}\n",
		// No run_cmd, no file outside the repo, no cycle followed.
		"live/f/terragrunt.hcl": "locals {\n  u = run_cmd(\"sh\", \"-c\", \"echo github.com/acme/x\")\n" +
			"  o = read_terragrunt_config(\"../../../outside.hcl\")\n  c = read_terragrunt_config(\"cycle.hcl\")\n}\n" +
			"terraform {\n  source = \"${local.u}${local.o.locals.x}${local.c.locals.x}?ref=v1\"\n}\n",
		"live/f/cycle.hcl": "locals {\n  me = read_terragrunt_config(\"cycle.hcl\")\n  x = \"github.com/acme/c\"\n  y = local.me.locals.x\n}\n",
		// A chain of doublings stops at the value budget.
		"live/g/terragrunt.hcl": "locals {\n  a0 = \"xxxxxxxxxxxxxxxx\"\n" + doublings(12) + "}\nterraform {\n  source = \"github.com/acme/${local.a12}?ref=v3\"\n}\n",
	}
	want := []detect.Component{
		{Kind: "terraform", Name: "github.com/acme/modules", Version: "v1.2.0", Path: "live/a/terragrunt.hcl", Line: 5, Attrs: map[string]string{
			"source": "${include.root.locals.base}//vpc?ref=v1.2.0", "resolved": "git::https://github.com/acme/modules.git//vpc?ref=v1.2.0", "subdir": "vpc"}},
		{Kind: "terraform", Name: "terraform-aws-modules/iam/aws", Version: "5.1", Path: "live/b/terragrunt.hcl", Line: 7, Attrs: map[string]string{
			"source": "${local.src}?version=${local.v}", "resolved": "tfr:///terraform-aws-modules/iam/aws?version=~> 5.1"}},
		{Kind: "terraform", Name: "github.com/acme/modules", Version: "v2.0.0", Path: "live/c/terragrunt.hcl", Line: 2, Attrs: map[string]string{
			"source": "git::git@github.com:acme/modules.git//${local.nope}?ref=v2.0.0", "subdir": "${…}"}},
		{Kind: "terraform", Name: "github.com/acme", Version: "unknown", Path: "live/d/terragrunt.hcl", Line: 2, Attrs: map[string]string{
			"source": `git::https://github.com/acme/${get_env("REPO", "x")}.git?ref=${local.nope}`}},
		{Kind: "terraform", Name: "github.com/acme", Version: "v3", Path: "live/g/terragrunt.hcl", Line: 17, Attrs: map[string]string{
			"source": "github.com/acme/${local.a12}?ref=v3"}},
	}
	for name, files := range variants(files) {
		t.Run(name, func(t *testing.T) {
			got, errs := mustDetector(t, "terraform").Detect(files)
			assertInventory(t, got, want)
			assertFileErrors(t, errs)
		})
	}
}

// doublings declares a1 = "${local.a0}${local.a0}" up to an.
func doublings(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "  a%d = \"${local.a%d}${local.a%d}\"\n", i, i-1, i-1)
	}
	return b.String()
}

func FuzzTerraform(f *testing.F) {
	for _, p := range []string{"testdata/terraform/repo/main.tf", "testdata/terraform/repo/modules/network/main.tf", "testdata/terraform/repo/live/prod/terragrunt.hcl"} {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// The same content as a unit, a unit below it and a file units include or read.
		files := detecttest.Files{"main.tf": string(data), "terragrunt.hcl": string(data), "a/terragrunt.hcl": string(data), "root.hcl": string(data)}
		cs, _ := mustDetector(t, "terraform").Detect(files)
		for _, c := range cs {
			if c.Line < 1 || c.Name == "" {
				t.Fatalf("component without evidence: %+v", c)
			}
		}
	})
}
