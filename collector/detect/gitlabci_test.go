package detect_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/uptake-dev/uptake/collector/detect"
	"github.com/uptake-dev/uptake/collector/detect/detecttest"
)

func ciComponent(typ, name, version, path string, line int, attrs ...string) detect.Component {
	c := detect.Component{Kind: "gitlab_ci", Name: name, Version: version, Path: path, Line: line, Attrs: map[string]string{"type": typ}}
	for i := 0; i+1 < len(attrs); i += 2 {
		c.Attrs[attrs[i]] = attrs[i+1]
	}
	return c
}

func TestGitLabCIDetect(t *testing.T) {
	repo := detecttest.Dir(t, "testdata/gitlabci/repo")
	const root = ".gitlab-ci.yml"
	want := []detect.Component{
		ciComponent("project", "acme/ci-templates", "v3.2.0", root, 3, "file", "/templates/go.gitlab-ci.yml"),
		ciComponent("project", "acme/ci-templates", "v3.2.0", root, 3, "file", "/templates/docker.gitlab-ci.yml"),
		ciComponent("project", "acme/security/scanners", "", root, 8, "file", "/sast.yml"),
		ciComponent("template", "Security/SAST.gitlab-ci.yml", "", root, 10),
		ciComponent("remote", "https://gitlab.com/acme/shared/-/raw/v1.0.0/lint.yml", "", root, 11),
		ciComponent("component", "$CI_SERVER_FQDN/acme/components/go-test", "1.4.0", root, 12),
		ciComponent("component", "gitlab.com/components/secret-detection/secret-detection", "~latest", root, 13),
		ciComponent("remote", "https://example.com/ci/shared.yml", "", root, 20),
		// line 21 names its project with a variable: skipped.
		ciComponent("project", "acme/ci-templates", "unknown", root, 23, "file", "/templates/lint.gitlab-ci.yml"),
		ciComponent("project", "acme/deploy-pipelines", "v0.9.1", root, 43, "file", "k8s.yml"),
		ciComponent("component", "$CI_SERVER_HOST/acme/components/deploy", "2.0.1", "ci/common.yml", 2),
		ciComponent("remote", "https://gitlab.acme.io/platform/ci/-/raw/main/lint.yml", "", "ci/jobs/lint.yml", 1),
		ciComponent("template", "Jobs/Code-Quality.gitlab-ci.yml", "", "ci/jobs/test.yml", 7),
		ciComponent("project", "acme/child-templates", "1.2.3", "ci/child.yml", 2, "file", "child.yml"),
	}
	for name, files := range variants(repo) {
		t.Run(name, func(t *testing.T) {
			got, errs := mustDetector(t, "gitlab_ci").Detect(files)
			assertInventory(t, got, want)
			assertFileErrors(t, errs, "ci/jobs/broken.yml")
		})
	}
}

func TestGitLabCIDetectForms(t *testing.T) {
	for _, tc := range []struct {
		name    string
		files   detecttest.Files
		want    []detect.Component
		errs    []string
		errText string
	}{{
		name:  "single string, local",
		files: detecttest.Files{".gitlab-ci.yml": "include: ci/a.yml\n", "ci/a.yml": "include:\n  template: A.gitlab-ci.yml\n"},
		want:  []detect.Component{ciComponent("template", "A.gitlab-ci.yml", "", "ci/a.yml", 2)},
	}, {
		name:  "single mapping",
		files: detecttest.Files{".gitlab-ci.yml": "include:\n  project: g/p\n  ref: main\n  file: a.yml\n"},
		want:  []detect.Component{ciComponent("project", "g/p", "main", ".gitlab-ci.yml", 2, "file", "a.yml")},
	}, {
		name:  "project without file or ref",
		files: detecttest.Files{".gitlab-ci.yml": "include:\n  - project: g/p\n"},
		want:  []detect.Component{ciComponent("project", "g/p", "", ".gitlab-ci.yml", 2)},
	}, {
		name: "recursive ** glob in GitLab's form",
		files: detecttest.Files{
			".gitlab-ci.yml":  "include: 'ci/**.yml'\n",
			"ci/a.yml":        "include: {template: A.yml}\n",
			"ci/deep/b.yml":   "include: [{template: B.yml}]\n",
			"ci/deep/c.txt":   "include: {template: C.yml}\n",
			"other/d.yml":     "include: {template: D.yml}\n",
			"ci/deep/e.yml":   "",
			"ci/deep/f/g.yml": "# only a comment\n",
		},
		want: []detect.Component{
			ciComponent("template", "A.yml", "", "ci/a.yml", 1),
			ciComponent("template", "B.yml", "", "ci/deep/b.yml", 1),
		},
	}, {
		name: "variables skip values but a component's server host is kept",
		files: detecttest.Files{".gitlab-ci.yml": "include:\n" +
			"  - local: $CI_PROJECT_DIR/x.yml\n" +
			"  - template: $TEMPLATE\n" +
			"  - remote: https://$HOST/x.yml\n" +
			"  - component: $MY_HOST/g/p/c@1.0\n" +
			"  - component: ${CI_SERVER_FQDN}/G/P/C@$VERSION\n" +
			"  - component: gitlab.example.com/g/$P/c@1.0\n"},
		want: []detect.Component{ciComponent("component", "$CI_SERVER_FQDN/g/p/c", "unknown", ".gitlab-ci.yml", 6)},
	}, {
		name:  "missing local include",
		files: detecttest.Files{".gitlab-ci.yml": "include:\n  - local: ci/missing.yml\n  - template: A.yml\n"},
		want:  []detect.Component{ciComponent("template", "A.yml", "", ".gitlab-ci.yml", 3)},
		errs:  []string{"ci/missing.yml"},
		// The path once, then where it was included from and why it failed.
		errText: "ci/missing.yml: included from .gitlab-ci.yml:2: file does not exist]",
	}, {
		name:    "local glob matching nothing",
		files:   detecttest.Files{".gitlab-ci.yml": "include: 'ci/*.yml'\n"},
		errs:    []string{".gitlab-ci.yml"},
		errText: "line 1: include local \"ci/*.yml\" matches no file",
	}, {
		name:  "a local include cannot leave the repo",
		files: detecttest.Files{".gitlab-ci.yml": "include: ../../etc/x.yml\n"},
	}, {
		name:  "self include",
		files: detecttest.Files{".gitlab-ci.yml": "include: .gitlab-ci.yml\nx:\n  trigger:\n    include: /.gitlab-ci.yml\n"},
	}, {
		name:  "aliases and odd shapes are tolerated",
		files: detecttest.Files{".gitlab-ci.yml": ".inc: &inc\n  - template: A.yml\ninclude: *inc\njob:\n  trigger: g/downstream\nj2:\n  trigger:\n    include:\n      - artifact: gen.yml\n        job: gen\n  script: [1, 2]\ninclude2: [[nested]]\n"},
		want:  []detect.Component{ciComponent("template", "A.yml", "", ".gitlab-ci.yml", 2)},
	}, {
		name:    "malformed root",
		files:   detecttest.Files{".gitlab-ci.yml": "include:\n  - project: g/p\n  file: [\n"},
		errs:    []string{".gitlab-ci.yml"},
		errText: "yaml: line",
	}, {
		name:  "no pipeline",
		files: detecttest.Files{"ci/a.yml": "include: {template: A.yml}\n"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			got, errs := mustDetector(t, "gitlab_ci").Detect(tc.files)
			assertInventory(t, got, tc.want)
			assertFileErrors(t, errs, tc.errs...)
			if tc.errText != "" && !strings.Contains(fmt.Sprint(errs), tc.errText) {
				t.Errorf("errors %v do not say %q", errs, tc.errText)
			}
		})
	}
}

func TestGitLabCIDepthLimit(t *testing.T) {
	files := detecttest.Files{".gitlab-ci.yml": "include: ci/1.yml\n"}
	var want []detect.Component
	for i := 1; i <= 15; i++ {
		p := fmt.Sprintf("ci/%d.yml", i)
		files[p] = fmt.Sprintf("include:\n  - template: T%d.yml\n  - local: ci/%d.yml\n", i, i+1)
		if i <= 10 {
			want = append(want, ciComponent("template", fmt.Sprintf("T%d.yml", i), "", p, 2))
		}
	}
	got, errs := mustDetector(t, "gitlab_ci").Detect(files)
	assertInventory(t, got, want)
	assertFileErrors(t, errs, "ci/10.yml")
	if !strings.Contains(fmt.Sprint(errs), "line 3: includes nested over 10 deep, ci/11.yml not read") {
		t.Errorf("errors: %v", errs)
	}
}

func TestGitLabCIFileLimit(t *testing.T) {
	files := detecttest.Files{".gitlab-ci.yml": "include: 'ci/*.yml'\n"}
	for i := range 200 {
		files[fmt.Sprintf("ci/%03d.yml", i)] = fmt.Sprintf("include: {template: T%d.yml}\n", i)
	}
	got, errs := mustDetector(t, "gitlab_ci").Detect(files)
	if len(got) != 149 {
		t.Errorf("read %d included files, want 149 (150 with the root)", len(got))
	}
	if len(errs) != 51 || !strings.Contains(errs[0].Error(), "over 150 included files") {
		t.Errorf("got %d errors, want 51 about the file limit: %v", len(errs), errs[:min(len(errs), 3)])
	}
}

func TestGitLabCICompile(t *testing.T) {
	for _, tc := range []struct {
		params  map[string]string
		wantErr string
		match   []detect.Component
		noMatch []detect.Component
	}{
		{
			params: map[string]string{"project": "/Acme/CI-Templates"},
			match:  []detect.Component{ciComponent("project", "acme/ci-templates", "", "x", 1)},
			noMatch: []detect.Component{
				ciComponent("project", "acme/ci-templates-legacy", "", "x", 1),
				ciComponent("project", "acme/ci-templates/sub", "", "x", 1),
				ciComponent("remote", "acme/ci-templates", "", "x", 1),
			},
		},
		{
			params:  map[string]string{"project": "acme/ci/*"},
			match:   []detect.Component{ciComponent("project", "acme/ci/go", "", "x", 1)},
			noMatch: []detect.Component{ciComponent("project", "acme/ci", "", "x", 1)},
		},
		{
			params: map[string]string{"component": "gitlab.acme.io/acme/components/go-test"},
			match: []detect.Component{
				ciComponent("component", "gitlab.acme.io/acme/components/go-test", "", "x", 1),
				ciComponent("component", "$CI_SERVER_FQDN/acme/components/go-test", "", "x", 1),
				ciComponent("component", "$CI_SERVER_HOST/acme/components/go-test", "", "x", 1),
			},
			noMatch: []detect.Component{
				ciComponent("component", "gitlab.com/acme/components/go-test", "", "x", 1),
				ciComponent("component", "gitlab.acme.io/acme/components/go-test-v2", "", "x", 1),
				ciComponent("component", "gitlab.acme.io/acme/components/go-lint", "", "x", 1),
				ciComponent("project", "gitlab.acme.io/acme/components/go-test", "", "x", 1),
			},
		},
		{
			params: map[string]string{"component": "GitLab.Acme.io/Acme/Components"},
			match: []detect.Component{
				ciComponent("component", "gitlab.acme.io/acme/components/go-test", "", "x", 1),
				ciComponent("component", "$CI_SERVER_FQDN/acme/components/deploy", "", "x", 1),
			},
			noMatch: []detect.Component{ciComponent("component", "gitlab.acme.io/acme/components-old/x", "", "x", 1)},
		},
		{
			params: map[string]string{"component": "$CI_SERVER_FQDN/acme/components"},
			match: []detect.Component{
				ciComponent("component", "gitlab.acme.io/acme/components/go-test", "", "x", 1),
				ciComponent("component", "localhost:8080/acme/components/go-test", "", "x", 1),
			},
			noMatch: []detect.Component{ciComponent("component", "gitlab.acme.io/other/components/go-test", "", "x", 1)},
		},
		{
			params: map[string]string{"component": "gitlab.acme.io/*/go-test"},
			match: []detect.Component{
				ciComponent("component", "gitlab.acme.io/acme/components/go-test", "", "x", 1),
				ciComponent("component", "$CI_SERVER_HOST/acme/go-test", "", "x", 1),
			},
			noMatch: []detect.Component{ciComponent("component", "gitlab.com/acme/components/go-test", "", "x", 1)},
		},
		{
			params:  map[string]string{"project": "*/ci-templates"},
			match:   []detect.Component{ciComponent("project", "acme/ci-templates", "", "x", 1), ciComponent("project", "acme/platform/ci-templates", "", "x", 1)},
			noMatch: []detect.Component{ciComponent("project", "acme/ci-templates-old", "", "x", 1)},
		},
		{
			params:  map[string]string{"template": "Jobs/*"},
			match:   []detect.Component{ciComponent("template", "Jobs/SAST.gitlab-ci.yml", "", "x", 1)},
			noMatch: []detect.Component{ciComponent("template", "Security/SAST.gitlab-ci.yml", "", "x", 1)},
		},
		{
			params:  map[string]string{"template": "/Security/SAST.gitlab-ci.yml"},
			match:   []detect.Component{ciComponent("template", "Security/SAST.gitlab-ci.yml", "", "x", 1)},
			noMatch: []detect.Component{ciComponent("template", "Security/SAST-IaC.gitlab-ci.yml", "", "x", 1)},
		},
		{
			params:  map[string]string{"remote": "https://gitlab.com/acme/shared/-/raw/"},
			match:   []detect.Component{ciComponent("remote", "https://gitlab.com/acme/shared/-/raw/v1.0.0/lint.yml", "", "x", 1)},
			noMatch: []detect.Component{ciComponent("remote", "https://gitlab.com/acme/other/-/raw/v1/lint.yml", "", "x", 1)},
		},
		{params: map[string]string{}, wantErr: "one of project, component, template or remote is required"},
		{params: map[string]string{"project": " "}, wantErr: "one of project, component, template or remote is required"},
		{params: map[string]string{"project": "a/b", "template": "A.yml"}, wantErr: "project, template: only one of"},
		{params: map[string]string{"project": "a/b", "ref": "v1"}, wantErr: "unknown key ref"},
		{params: map[string]string{"project": "ci-templates"}, wantErr: "project: want group/name"},
		{params: map[string]string{"project": "a/[b*"}, wantErr: "project: bad glob"},
		{params: map[string]string{"component": "gitlab.com/g/p/c@1.0"}, wantErr: "component: \"gitlab.com/g/p/c@1.0\" must not include @version"},
		{params: map[string]string{"component": "gitlab.com/c"}, wantErr: "component: want host/group/project/name"},
		// Without a host the first group would be taken for one and the
		// rule would match nothing.
		{params: map[string]string{"component": "acme/components/go-test"}, wantErr: `component: "acme/components/go-test" has no host: ` +
			`components are named host/group/project/name, as an include writes them: write component: gitlab.example.com/acme/components/go-test ` +
			`with your GitLab's host, or $CI_SERVER_FQDN/acme/components/go-test to match it on any host`},
		{params: map[string]string{"component": "*/acme/components"}, wantErr: `component: "*/acme/components" has no host`},
		{params: map[string]string{"remote": "gitlab.com/x"}, wantErr: "remote: want an http(s):// URL prefix"},
	} {
		t.Run(fmt.Sprint(tc.params), func(t *testing.T) {
			m, err := mustDetector(t, "gitlab_ci").Compile(tc.params)
			if !errorMatches(err, tc.wantErr) {
				t.Fatalf("Compile error = %v, want %q", err, tc.wantErr)
			}
			if err != nil {
				return
			}
			for _, c := range tc.match {
				if !m.Match(c) {
					t.Errorf("does not match %s %s", c.Attrs["type"], c.Name)
				}
				c.Kind = "github_actions"
				if m.Match(c) {
					t.Errorf("matches a component of another kind")
				}
			}
			for _, c := range tc.noMatch {
				if m.Match(c) {
					t.Errorf("matches %s %s", c.Attrs["type"], c.Name)
				}
			}
		})
	}
}

// FuzzGitLabCI gives the same content to the pipeline and to files it may
// include, so include chains and cycles get exercised too.
func FuzzGitLabCI(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		s := string(data)
		fuzzDetect(t, "gitlab_ci", detecttest.Files{".gitlab-ci.yml": s, "ci/a.yml": s, "ci/b.yml": s, "templates/ci.yml": s})
	})
}
