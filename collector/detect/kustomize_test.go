package detect_test

import (
	"os"
	"testing"

	"github.com/uptake-dev/uptake/collector/detect"
	"github.com/uptake-dev/uptake/collector/detect/detecttest"
)

func TestKustomizeDetect(t *testing.T) {
	repo := detecttest.Dir(t, "testdata/kustomize/repo")
	kz := func(path string, line int, name, ver string, kv ...string) detect.Component {
		c := detect.Component{Kind: "kustomize", Name: name, Version: ver, Path: path, Line: line, Attrs: map[string]string{}}
		for i := 0; i+1 < len(kv); i += 2 {
			c.Attrs[kv[i]] = kv[i+1]
		}
		return c
	}
	want := []detect.Component{
		kz("base/kustomization.yaml", 8, "github.com/acme/k8s-bases", "v1.4.0", "field", "resources",
			"source", "https://github.com/acme/k8s-bases//observability/otel-collector?ref=v1.4.0", "subdir", "observability/otel-collector"),
		kz("base/kustomization.yaml", 11, "github.com/acme/k8s-components/istio-sidecar", "v0.7.2", "field", "components",
			"source", "github.com/acme/k8s-components/istio-sidecar?ref=v0.7.2"),
		kz("overlays/prod/kustomization.yml", 6, "github.com/acme/k8s-bases", "unknown", "field", "bases",
			"source", "git@github.com:acme/k8s-bases.git//policies?ref=3f5c2a9d1b7e4f6a8c0d2e4f6a8b0c2d4e6f8a0b", "subdir", "policies"),
		// A raw file URL is its repository at the ref in the path.
		kz("overlays/prod/kustomization.yml", 8, "github.com/prometheus-operator/prometheus-operator",
			"v0.72.0", "field", "resources", "source", "https://raw.githubusercontent.com/prometheus-operator/prometheus-operator/v0.72.0/example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml",
			"subdir", "example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml"),
		kz("overlays/prod/kustomization.yml", 9, "gitlab.acme.com/platform/k8s", "unknown", "field", "resources",
			"source", "ssh://git@gitlab.acme.com/platform/k8s.git//network?ref=main&timeout=120s", "subdir", "network"),
		kz("legacy/Kustomization", 2, "github.com/acme/k8s-bases/legacy", "v0.9.0", "field", "resources",
			"source", "github.com/acme/k8s-bases/legacy?version=v0.9.0"),
	}
	for name, files := range variants(repo) {
		t.Run(name, func(t *testing.T) {
			got, errs := mustDetector(t, "kustomize").Detect(files)
			assertInventory(t, got, want)
			assertFileErrors(t, errs, "broken/kustomization.yaml")
		})
	}
}

// argoproj-deployments' argocd/kustomization.yaml installs Argo CD from a raw
// file on master; release assets, github.com/.../raw/... and source archives
// are files of a repository at a ref too.
func TestKustomizeGitHubFileURLs(t *testing.T) {
	files := detecttest.Files{"kustomization.yaml": "resources:\n" +
		"- https://raw.githubusercontent.com/argoproj/argo-cd/master/manifests/ha/install.yaml\n" +
		"- https://github.com/cert-manager/cert-manager/releases/download/v1.14.4/cert-manager.yaml\n" +
		"- https://github.com/acme/bases/raw/v2.0.1/deploy/app.yaml\n" +
		"- https://raw.githubusercontent.com/acme/short/main\n" +
		"- https://github.com/fluxcd/kustomize-controller/archive/v0.7.3.zip//kustomize-controller-0.7.3/config/crd\n" +
		"- https://github.com/acme/bases/archive/refs/tags/v1.2.0.tar.gz\n" +
		"- https://github.com/acme/bases/archive/main\n"}
	kz := func(path string, line int, name, ver string, kv ...string) detect.Component {
		c := detect.Component{Kind: "kustomize", Name: name, Version: ver, Path: path, Line: line, Attrs: map[string]string{}}
		for i := 0; i+1 < len(kv); i += 2 {
			c.Attrs[kv[i]] = kv[i+1]
		}
		return c
	}
	got, errs := mustDetector(t, "kustomize").Detect(files)
	assertFileErrors(t, errs)
	assertInventory(t, got, []detect.Component{
		kz("kustomization.yaml", 2, "github.com/argoproj/argo-cd", "unknown", "field", "resources",
			"source", "https://raw.githubusercontent.com/argoproj/argo-cd/master/manifests/ha/install.yaml", "subdir", "manifests/ha/install.yaml"),
		kz("kustomization.yaml", 3, "github.com/cert-manager/cert-manager", "v1.14.4", "field", "resources",
			"source", "https://github.com/cert-manager/cert-manager/releases/download/v1.14.4/cert-manager.yaml", "subdir", "cert-manager.yaml"),
		kz("kustomization.yaml", 4, "github.com/acme/bases", "v2.0.1", "field", "resources",
			"source", "https://github.com/acme/bases/raw/v2.0.1/deploy/app.yaml", "subdir", "deploy/app.yaml"),
		// Too short to be a file: kept as written.
		kz("kustomization.yaml", 5, "raw.githubusercontent.com/acme/short/main", "unknown", "field", "resources",
			"source", "https://raw.githubusercontent.com/acme/short/main"),
		// Source archives, as fluxcd/flux2's bases pinned their controllers.
		kz("kustomization.yaml", 6, "github.com/fluxcd/kustomize-controller", "v0.7.3", "field", "resources",
			"source", "https://github.com/fluxcd/kustomize-controller/archive/v0.7.3.zip//kustomize-controller-0.7.3/config/crd",
			"subdir", "kustomize-controller-0.7.3/config/crd"),
		kz("kustomization.yaml", 7, "github.com/acme/bases", "v1.2.0", "field", "resources",
			"source", "https://github.com/acme/bases/archive/refs/tags/v1.2.0.tar.gz"),
		// No archive extension: not a download GitHub serves, kept as written.
		kz("kustomization.yaml", 8, "github.com/acme/bases/archive/main", "unknown", "field", "resources",
			"source", "https://github.com/acme/bases/archive/main"),
	})
}

func TestKustomizeLocalOrRemote(t *testing.T) {
	for _, tc := range []struct {
		resource string
		remote   bool
	}{
		{"deployment.yaml", false},
		{"../../base", false},
		{"./overlays/dev", false},
		{"/abs/path", false},
		{"base", false},
		{"config.d/x.yaml", true},
		{"local.d/x.yaml", false}, // host-looking, but in the repo
		{"local.d", false},
		{"nested.d/base", false}, // a directory holding only directories
		{"configs.yaml/x", false},
		{"github.com/acme/repo", true},
		{"https://example.com/crd.yaml", true},
		{"git::https://gitlab.com/acme/x.git", true},
		{"git@github.com:acme/x.git", true},
		{"{{ .Values.base }}", false},
	} {
		files := detecttest.Files{
			"kustomization.yaml":                 "resources:\n  - " + tc.resource + "\n",
			"local.d/x.yaml":                     "kind: ConfigMap\n",
			"nested.d/base/a/kustomization.yaml": "resources: []\n",
		}
		got, errs := mustDetector(t, "kustomize").Detect(files)
		assertFileErrors(t, errs)
		if remote := len(got) == 1; remote != tc.remote {
			t.Errorf("%q: remote %v, want %v", tc.resource, remote, tc.remote)
		}
	}
}

func TestKustomizeMalformed(t *testing.T) {
	files := detecttest.Files{
		"a/kustomization.yaml": "- a list\n",
		"b/kustomization.yaml": "resources: github.com/acme/x\n",
		"c/kustomization.yaml": "resources:\n  - {url: github.com/acme/x}\n",
		"d/kustomization.yaml": "a: 1\n---\nb: 2\n",
		"e/kustomization.yaml": "",
		"f/kustomization.yaml": "resources: [\"github.com/acme/ok?ref=v1\"\n",
	}
	got, errs := mustDetector(t, "kustomize").Detect(files)
	assertInventory(t, got, nil)
	assertFileErrors(t, errs, "a/kustomization.yaml", "d/kustomization.yaml", "f/kustomization.yaml")
}

func TestKustomizeCompile(t *testing.T) {
	for _, tc := range []struct {
		params  map[string]string
		wantErr string
		match   []string
		noMatch []string
	}{
		{params: map[string]string{"resource": "https://github.com/acme/k8s-bases.git"}, match: []string{"github.com/acme/k8s-bases", "github.com/acme/k8s-bases/legacy"}, noMatch: []string{"github.com/acme/k8s-bases-old"}},
		{params: map[string]string{"resource": "github.com/acme/k8s-bases//observability?ref=v1"}, wantErr: `resource: "github.com/acme/k8s-bases//observability?ref=v1" names a subdirectory (observability) and a ref (v1), which a rule does not match on: write resource: github.com/acme/k8s-bases (it matches every subdirectory; the ref is measured as each repo's version: set the offering's latest to count drift)`},
		{params: map[string]string{"resource": "github.com/acme/*"}, match: []string{"github.com/acme/k8s-components", "github.com/acme/k8s-components/istio-sidecar"}, noMatch: []string{"gitlab.com/acme/x"}},
		{params: map[string]string{"resource": "github.com/acme/**"}, match: []string{"github.com/acme/k8s-components/istio-sidecar"}},
		{params: map[string]string{}, wantErr: "resource is required"},
		{params: map[string]string{"resource": "x", "ref": "v1"}, wantErr: "unknown key ref (allowed: resource)"},
	} {
		m, err := mustDetector(t, "kustomize").Compile(tc.params)
		if !errorMatches(err, tc.wantErr) {
			t.Errorf("Compile(%v) error %v, want %q", tc.params, err, tc.wantErr)
			continue
		}
		if err == nil {
			assertMatches(t, m, "kustomize", tc.match, tc.noMatch)
		}
	}
}

func FuzzKustomize(f *testing.F) {
	for _, p := range []string{"base/kustomization.yaml", "overlays/prod/kustomization.yml", "legacy/Kustomization"} {
		data, err := os.ReadFile("testdata/kustomize/repo/" + p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cs, _ := mustDetector(t, "kustomize").Detect(detecttest.Files{"kustomization.yaml": string(data)})
		for _, c := range cs {
			if c.Line < 1 || c.Name == "" {
				t.Fatalf("component without evidence: %+v", c)
			}
		}
	})
}
