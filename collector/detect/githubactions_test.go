package detect_test

import (
	"fmt"
	"testing"

	"github.com/uptake-dev/uptake/collector/detect"
	"github.com/uptake-dev/uptake/collector/detect/detecttest"
)

func TestGitHubActionsDetect(t *testing.T) {
	repo := detecttest.Dir(t, "testdata/githubactions/repo")
	step := func(name, version, path string, line int, ref string) detect.Component {
		return detect.Component{Kind: "github_actions", Name: name, Version: version, Path: path, Line: line,
			Attrs: map[string]string{"type": "step", "ref": ref}}
	}
	const ci, deploy, action = ".github/workflows/ci.yml", ".github/workflows/deploy.yaml", ".github/actions/setup-tools/action.yml"
	want := []detect.Component{
		step("actions/setup-node", "v4.0.2", action, 6, "60edb5dd545a775178f52524783378180af0d1f8"),
		step("actions/checkout", "v4.2.2", ci, 18, "11bd71901bbe5b1630ceea73d27597364c9af683"),
		step("actions/setup-go", "v5.0.0", ci, 20, "0c52d547c9bc32b1aa3301fd7a9cb496313a4491"),
		step("golangci/golangci-lint-action", "v6", ci, 23, "v6"),
		// ./local and docker:// steps (lines 27, 28) are not repositories.
		step("acme/platform-actions/cache", "unknown", ci, 29, "main"),
		step("codecov/codecov-action", "unknown", ci, 30, "e28ff129e5465c2c0dcc6f003fc735cb6ae0c673"),
		{Kind: "github_actions", Name: "acme/platform-workflows/.github/workflows/release.yml", Version: "v2.1.0", Path: ci, Line: 34,
			Attrs: map[string]string{"type": "workflow", "ref": "v2.1.0"}},
		{Kind: "github_actions", Name: "acme/platform-workflows/.github/workflows/terraform.yml", Version: "v3.0.1", Path: deploy, Line: 7,
			Attrs: map[string]string{"type": "workflow", "ref": "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"}},
		// smoke-eu reuses the anchored steps: reported once, where written.
		step("actions/checkout", "v4", deploy, 14, "v4"),
		step("acme/smoke-test", "v1.4.0", deploy, 15, "8e5e7e5ab8b370d6c329ec480221332ada57f0ab"),
	}
	for name, files := range variants(repo) {
		t.Run(name, func(t *testing.T) {
			got, errs := mustDetector(t, "github_actions").Detect(files)
			assertInventory(t, got, want)
			assertFileErrors(t, errs, ".github/workflows/broken.yml")
		})
	}
}

func TestGitHubActionsDetectForms(t *testing.T) {
	const wf = ".github/workflows/wf.yml"
	for _, tc := range []struct {
		name, yaml string
		want       []detect.Component
		wantErr    bool
	}{{
		name: "pin comment forms",
		yaml: "jobs:\n  a:\n    steps:\n" +
			"      - uses: o/a@8e5e7e5ab8b370d6c329ec480221332ada57f0ab # pin@v2.3.4\n" +
			"      - uses: o/b@8e5e7e5ab8b370d6c329ec480221332ada57f0ab #v1\n" +
			"      - uses: o/c@8e5e7e5ab8b370d6c329ec480221332ada57f0ab # ratchet:o/c@v3.1\n" +
			"      - uses: o/d@8e5e7e5ab8b370d6c329ec480221332ada57f0ab # 2024-05-01 see #123\n" +
			"      - {uses: o/e@8E5E7E5AB8B370D6C329EC480221332ADA57F0AB} # 1.2.0\n" +
			// aquasecurity/trivy-action's action.yaml quotes its pin.
			"      - uses: o/f@8e5e7e5ab8b370d6c329ec480221332ada57f0ab # equivalent to `v0.2.4`\n" +
			"      - uses: o/g@8e5e7e5ab8b370d6c329ec480221332ada57f0ab # \"v5.1.0\".\n",
		want: []detect.Component{
			{Kind: "github_actions", Name: "o/a", Version: "v2.3.4", Path: wf, Line: 4, Attrs: map[string]string{"type": "step", "ref": "8e5e7e5ab8b370d6c329ec480221332ada57f0ab"}},
			{Kind: "github_actions", Name: "o/b", Version: "v1", Path: wf, Line: 5, Attrs: map[string]string{"type": "step", "ref": "8e5e7e5ab8b370d6c329ec480221332ada57f0ab"}},
			{Kind: "github_actions", Name: "o/c", Version: "v3.1", Path: wf, Line: 6, Attrs: map[string]string{"type": "step", "ref": "8e5e7e5ab8b370d6c329ec480221332ada57f0ab"}},
			{Kind: "github_actions", Name: "o/d", Version: "unknown", Path: wf, Line: 7, Attrs: map[string]string{"type": "step", "ref": "8e5e7e5ab8b370d6c329ec480221332ada57f0ab"}},
			{Kind: "github_actions", Name: "o/e", Version: "1.2.0", Path: wf, Line: 8, Attrs: map[string]string{"type": "step", "ref": "8E5E7E5AB8B370D6C329EC480221332ADA57F0AB"}},
			{Kind: "github_actions", Name: "o/f", Version: "v0.2.4", Path: wf, Line: 9, Attrs: map[string]string{"type": "step", "ref": "8e5e7e5ab8b370d6c329ec480221332ada57f0ab"}},
			{Kind: "github_actions", Name: "o/g", Version: "v5.1.0", Path: wf, Line: 10, Attrs: map[string]string{"type": "step", "ref": "8e5e7e5ab8b370d6c329ec480221332ada57f0ab"}},
		},
	}, {
		name: "a comment does not override a tag",
		yaml: "jobs:\n  a:\n    steps:\n      - uses: o/a@v1.0.0 # v9.9.9\n",
		want: []detect.Component{{Kind: "github_actions", Name: "o/a", Version: "v1.0.0", Path: wf, Line: 4, Attrs: map[string]string{"type": "step", "ref": "v1.0.0"}}},
	}, {
		name: "merge keys and block scalars",
		yaml: "x-defaults: &defaults\n  runs-on: ubuntu-latest\n  steps:\n    - uses: o/merged@v1\n" +
			"jobs:\n  a:\n    <<: *defaults\n  b:\n    uses: >-\n      o/folded/.github/workflows/w.yml@v2\n",
		want: []detect.Component{
			{Kind: "github_actions", Name: "o/merged", Version: "v1", Path: wf, Line: 4, Attrs: map[string]string{"type": "step", "ref": "v1"}},
			{Kind: "github_actions", Name: "o/folded/.github/workflows/w.yml", Version: "v2", Path: wf, Line: 9, Attrs: map[string]string{"type": "workflow", "ref": "v2"}},
		},
	}, {
		name: "no ref, expressions and odd shapes are tolerated",
		yaml: "jobs:\n  a:\n    steps:\n      - uses: o/noref\n      - uses: ${{ matrix.action }}\n      - uses: [not, a, string]\n      - uses: justone@v1\n      - just a string\n  b: 3\n  c:\n    steps: {uses: o/x@v1}\n",
		want: []detect.Component{{Kind: "github_actions", Name: "o/noref", Path: wf, Line: 4, Attrs: map[string]string{"type": "step"}}},
	}, {
		name: "a later document counts too",
		yaml: "---\non: push\n---\njobs:\n  a:\n    steps:\n      - uses: o/a@v1\n",
		want: []detect.Component{{Kind: "github_actions", Name: "o/a", Version: "v1", Path: wf, Line: 7, Attrs: map[string]string{"type": "step", "ref": "v1"}}},
	}, {
		name: "not a mapping",
		yaml: "- uses: o/a@v1\n",
	}, {
		name: "empty",
		yaml: "",
	}, {
		// yaml.v3 decodes it into no Go value either; walking it through
		// merge keys would be exponential.
		name:    "alias inside the node it names",
		yaml:    "jobs: &j\n  a: *j\n  b:\n    steps:\n      - uses: o/a@v1\n",
		wantErr: true,
	}, {
		name:    "tab indentation",
		yaml:    "jobs:\n\ta:\n",
		wantErr: true,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			got, errs := mustDetector(t, "github_actions").Detect(detecttest.Files{wf: tc.yaml})
			if tc.wantErr {
				assertFileErrors(t, errs, wf)
			} else {
				assertFileErrors(t, errs)
			}
			assertInventory(t, got, tc.want)
		})
	}
}

func TestGitHubActionsCompile(t *testing.T) {
	for _, tc := range []struct {
		params  map[string]string
		wantErr string
		match   []string
		noMatch []string
	}{
		{
			params:  map[string]string{"uses": "acme/platform-workflows"},
			match:   []string{"acme/platform-workflows", "acme/platform-workflows/.github/workflows/release.yml"},
			noMatch: []string{"acme/platform-workflows-legacy", "acme/platform", "other/platform-workflows"},
		},
		{
			params:  map[string]string{"uses": "Acme/Platform-Actions/cache"},
			match:   []string{"acme/platform-actions/cache", "acme/platform-actions/cache/restore"},
			noMatch: []string{"acme/platform-actions", "acme/platform-actions/cache-v2"},
		},
		{
			params:  map[string]string{"uses": "acme/*"},
			match:   []string{"acme/setup", "acme/octo_emu", "acme/setup/sub"},
			noMatch: []string{"acmex/setup"},
		},
		{
			params:  map[string]string{"uses": "*/setup-go"},
			match:   []string{"actions/setup-go", "acme/mirrors/setup-go"},
			noMatch: []string{"actions/setup-go-cache", "acme/setup-go/x"},
		},
		{params: map[string]string{}, wantErr: "uses is required"},
		{params: map[string]string{"uses": "acme/x", "ref": "v1"}, wantErr: "unknown key ref"},
		{params: map[string]string{"uses": "actions/checkout@v4"}, wantErr: "uses: \"actions/checkout@v4\" must not include @ref"},
		{params: map[string]string{"uses": "octocat_acme/setup"}, match: []string{"octocat_acme/setup/sub"}, noMatch: []string{"octocat/setup"}},
		{params: map[string]string{"uses": "checkout"}, wantErr: "uses: want owner/repo"},
		{params: map[string]string{"uses": "./.github/actions/x"}, wantErr: "uses: want owner/repo"},
		{params: map[string]string{"uses": "docker://alpine"}, wantErr: "uses: want owner/repo"},
		{params: map[string]string{"uses": "acme/[x"}, wantErr: "uses: bad glob"},
		{params: map[string]string{"uses": "acme/{x*"}, wantErr: "uses: bad glob"},
	} {
		t.Run(fmt.Sprint(tc.params), func(t *testing.T) {
			m, err := mustDetector(t, "github_actions").Compile(tc.params)
			if !errorMatches(err, tc.wantErr) {
				t.Fatalf("Compile error = %v, want %q", err, tc.wantErr)
			}
			if err != nil {
				return
			}
			assertMatches(t, m, "github_actions", tc.match, tc.noMatch)
			if m.Match(detect.Component{Kind: "gitlab_ci", Name: tc.match[0]}) {
				t.Error("matches a component of another kind")
			}
		})
	}
}

func FuzzGitHubActions(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzDetect(t, "github_actions", detecttest.Files{".github/workflows/ci.yml": string(data)})
	})
}
