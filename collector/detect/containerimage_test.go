package detect_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/uptake-dev/uptake/collector/detect"
	"github.com/uptake-dev/uptake/collector/detect/detecttest"
)

func TestContainerImageDetect(t *testing.T) {
	repo := detecttest.Dir(t, "testdata/container_image/repo")
	img := func(path string, line int, name, tag, digest string) detect.Component {
		c := detect.Component{Kind: "container_image", Name: name, Version: tag, Path: path, Line: line}
		if digest != "" {
			c.Attrs = map[string]string{"digest": digest}
		}
		return c
	}
	want := []detect.Component{
		// Compose: the anchor's image counts once, where it is written.
		img("docker-compose.yml", 3, "registry.acme.io/platform/base-runtime", "3.2.0", ""),
		img("docker-compose.yml", 14, "docker.io/library/postgres", "16.2-alpine", ""),
		img("docker-compose.yml", 18, "docker.io/library/redis", "", "sha256:8e6f6c4b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f"),
		img("docker-compose.yml", 22, "docker.io/otel/opentelemetry-collector-contrib", "", ""),
		// Kubernetes, multi-document.
		img("deploy/k8s/app.yaml", 15, "registry.acme.io/storefront/migrate", "v1.4.0", ""),
		img("deploy/k8s/app.yaml", 18, "registry.acme.io/storefront/api", "v1.4.0", ""),
		img("deploy/k8s/app.yaml", 21, "docker.io/envoyproxy/envoy", "v1.29.2", ""),
		img("deploy/k8s/app.yaml", 46, "registry.acme.io/platform/jobs", "2024.03.1", ""),
		// Helm values; the chart's templates are not read.
		img("deploy/chart/values.yaml", 5, "registry.acme.io/storefront/api", "1.4.0", ""),
		img("deploy/chart/values.yaml", 12, "quay.io/prometheus/statsd-exporter", "v0.26.0", ""),
		img("deploy/chart/values.yaml", 17, "docker.io/library/nginx", "", ""),
		// Kustomize image overrides.
		img("manifests/kustomization.yaml", 6, "docker.io/acme/api", "1.4.2", ""),
		img("manifests/kustomization.yaml", 9, "registry.acme.io/mirror/nginx", "1.25.3-alpine", ""),
		img("manifests/kustomization.yaml", 11, "docker.io/library/busybox", "", "sha256:24fd2e4f"),
	}
	for name, files := range variants(repo) {
		t.Run(name, func(t *testing.T) {
			got, errs := mustDetector(t, "container_image").Detect(files)
			assertInventory(t, got, want)
			assertFileErrors(t, errs, "kubernetes/broken.yaml")
		})
	}
}

func TestContainerImagePatterns(t *testing.T) {
	d := mustDetector(t, "container_image")
	files := detecttest.Files{}
	for _, p := range []string{
		"docker-compose.yml", "docker-compose.override.yaml", "compose.yaml", "svc/compose.prod.yml",
		"values.yaml", "charts/api/values-staging.yml", "k8s/deploy.yaml", "infra/kubernetes/base/svc.yml",
		"manifests/a.yaml", "deploy/overlays/prod/patch.yaml",
		".gitlab-ci.yml", "ci/test.gitlab-ci.yml",
		".github/workflows/ci.yml", "ops/random.yaml", "mkdocs.yml", "k8s/README.md", "ci/.github/workflows/x.yml",
		// Real layouts: microservices-demo, kustomize trees, kubebuilder, kubeflow, chart-testing.
		"kubernetes-manifests/a.yaml", "kustomize/base/a.yaml", "kustomize/components/x/a.yaml", "env/overlays/prod/a.yaml",
		"release/a.yaml", "examples/demo/a.yaml", "config/manager/manager.yaml", "applications/x/upstream/base/a.yaml",
		"charts/x/ci/default-values.yaml", "prod-values.yml",
		"kustomize/other.yaml", "applications/x/a.yaml", "src/app.yaml",
	} {
		files[p] = "image: acme/x:1.0\n"
	}
	got, _ := d.Detect(files)
	read := map[string]bool{}
	for _, c := range got {
		read[c.Path] = true
	}
	// A workflow is read, but only for its jobs' images: a top-level image: is none.
	for _, p := range []string{".github/workflows/ci.yml", "ops/random.yaml", "mkdocs.yml", "k8s/README.md", "ci/.github/workflows/x.yml",
		"kustomize/other.yaml", "applications/x/a.yaml", "src/app.yaml"} {
		if read[p] {
			t.Errorf("%s is read; it is not a deployment file", p)
		}
	}
	if len(read) != 22 {
		t.Errorf("read %d files, want 22: %v", len(read), read)
	}
}

func TestContainerImageDetectForms(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		want       []detect.Component
		bad        bool
	}{{
		name: "flow style and quoted keys",
		yaml: "spec: {containers: [{name: a, image: 'ghcr.io/acme/a:1.0'}, {\"image\": \"ghcr.io/acme/b@sha256:abc\"}]}\n",
		want: []detect.Component{
			{Kind: "container_image", Name: "ghcr.io/acme/a", Version: "1.0", Path: "k8s/x.yaml", Line: 1},
			{Kind: "container_image", Name: "ghcr.io/acme/b", Path: "k8s/x.yaml", Line: 1, Attrs: map[string]string{"digest": "sha256:abc"}},
		},
	}, {
		name: "not images: booleans, numbers, maps without a repository, URLs",
		yaml: "image: true\nbuild:\n  image: 42x x\nchart:\n  repository: https://charts.acme.io\n  tag: v1\nother:\n  tag: v1\n",
	}, {
		// kubernetes/ingress-nginx's chart names the repository `image`.
		name: "a split map whose repository field is image",
		yaml: "controller:\n  image:\n    registry: registry.k8s.io\n    image: ingress-nginx/controller\n    tag: \"v1.1.1\"\n    digest: sha256:0bc8\n" +
			"backend:\n  image:\n    image: acme/defaultbackend-amd64\n    tag: \"1.5\"\n" +
			"sidecar:\n  image:\n    image: busybox:1.36\n",
		want: []detect.Component{
			{Kind: "container_image", Name: "registry.k8s.io/ingress-nginx/controller", Version: "v1.1.1", Path: "k8s/x.yaml", Line: 4, Attrs: map[string]string{"digest": "sha256:0bc8"}},
			{Kind: "container_image", Name: "docker.io/acme/defaultbackend-amd64", Version: "1.5", Path: "k8s/x.yaml", Line: 9},
			{Kind: "container_image", Name: "docker.io/library/busybox", Version: "1.36", Path: "k8s/x.yaml", Line: 13},
		},
	}, {
		name: "templated values are skipped, not mis-parsed",
		yaml: "a:\n  image: \"{{ .Values.image }}\"\nb:\n  image: $(IMAGE)\nc:\n  repository: acme/c\n  tag: \"{{ .Chart.AppVersion }}\"\n",
	}, {
		name: "a second document fails: the file is skipped",
		yaml: "image: acme/a:1\n---\n: : :\n",
		bad:  true,
	}, {
		name: "a binary file",
		yaml: "image: acme/a:1\n\x00\x00",
		bad:  true,
	}, {
		name: "nesting past the budget",
		yaml: strings.Repeat("- ", 5000) + "image: acme/deep:1\n",
		bad:  true,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			got, errs := mustDetector(t, "container_image").Detect(detecttest.Files{"k8s/x.yaml": tc.yaml})
			assertInventory(t, got, tc.want)
			if tc.bad {
				assertFileErrors(t, errs, "k8s/x.yaml")
			} else {
				assertFileErrors(t, errs)
			}
		})
	}
}

// CI configuration runs images: GitLab CI jobs and services, GitHub workflow
// job containers, services and docker:// steps (gitlab-org/cli, prometheus).
func TestContainerImageCI(t *testing.T) {
	files := detecttest.Files{
		".gitlab-ci.yml": "image: registry.acme.io/ci/go:1.22\n" +
			"test:\n  image:\n    name: registry.acme.io/ci/node:20\n    entrypoint: [\"\"]\n" +
			"  services:\n    - postgres:16\n    - name: docker:28-dind\n      alias: docker\n" +
			"  variables:\n    IMAGE: acme/not-read:1\n" +
			"build:\n  image: $CI_REGISTRY_IMAGE/builder:latest\n",
		".github/workflows/ci.yml": "on: push\njobs:\n  a:\n    container: quay.io/prometheus/golang-builder:1.22-base\n" +
			"    services:\n      db:\n        image: postgres:16\n" +
			"    steps:\n      - uses: actions/checkout@v4\n      - uses: docker://rhysd/actionlint:1.6.26\n" +
			"      - uses: aquasecurity/trivy-action@0.24.0\n        with:\n          image: acme/app:built-here\n" +
			"  b:\n    container:\n      image: ghcr.io/acme/ci:2\n      credentials: {username: x}\n" +
			"  c:\n    container: ${{ matrix.image }}\n",
	}
	img := func(path string, line int, name, tag string) detect.Component {
		return detect.Component{Kind: "container_image", Name: name, Version: tag, Path: path, Line: line}
	}
	want := []detect.Component{
		img(".gitlab-ci.yml", 1, "registry.acme.io/ci/go", "1.22"),
		img(".gitlab-ci.yml", 4, "registry.acme.io/ci/node", "20"),
		img(".gitlab-ci.yml", 7, "docker.io/library/postgres", "16"),
		img(".gitlab-ci.yml", 8, "docker.io/library/docker", "28-dind"),
		img(".github/workflows/ci.yml", 4, "quay.io/prometheus/golang-builder", "1.22-base"),
		img(".github/workflows/ci.yml", 7, "docker.io/library/postgres", "16"),
		img(".github/workflows/ci.yml", 10, "docker.io/rhysd/actionlint", "1.6.26"),
		img(".github/workflows/ci.yml", 16, "ghcr.io/acme/ci", "2"),
	}
	for name, files := range variants(files) {
		t.Run(name, func(t *testing.T) {
			got, errs := mustDetector(t, "container_image").Detect(files)
			assertFileErrors(t, errs)
			assertInventory(t, got, want)
		})
	}
}

func TestContainerImageCompile(t *testing.T) {
	for _, tc := range []struct {
		params  map[string]string
		wantErr string
		match   []string
		noMatch []string
	}{
		{params: map[string]string{"image": "registry.acme.io/platform"}, match: []string{"registry.acme.io/platform/base-runtime"}, noMatch: []string{"registry.acme.io/platform-legacy/x"}},
		{params: map[string]string{"image": "nginx"}, match: []string{"docker.io/library/nginx"}, noMatch: []string{"registry.acme.io/mirror/nginx"}},
		{params: map[string]string{"image": "**/nginx"}, match: []string{"docker.io/library/nginx", "registry.acme.io/mirror/nginx"}},
		{params: map[string]string{}, wantErr: "image is required"},
		{params: map[string]string{"image": "nginx", "tag": "1"}, wantErr: "unknown key tag (allowed: image)"},
		{params: map[string]string{"image": "nginx:1.25"}, wantErr: `image: "nginx:1.25" has a tag (1.25), which a rule does not match on: write image: nginx (the tag is measured as each repo's version: set the offering's latest to count drift)`},
		{params: map[string]string{"image": "*-runtime"}, match: []string{"registry.acme.io/platform/base-runtime"}, noMatch: []string{"registry.acme.io/platform/base-runtime-v2"}},
		{params: map[string]string{"image": "Not An Image"}, wantErr: "is not an image reference"},
	} {
		m, err := mustDetector(t, "container_image").Compile(tc.params)
		if !errorMatches(err, tc.wantErr) {
			t.Errorf("Compile(%v) error %v, want %q", tc.params, err, tc.wantErr)
			continue
		}
		if err == nil {
			assertMatches(t, m, "container_image", tc.match, tc.noMatch)
			if m.Match(detect.Component{Kind: "dockerfile", Name: tc.match[0]}) {
				t.Errorf("%v matches the dockerfile kind", tc.params)
			}
		}
	}
}

func FuzzContainerImage(f *testing.F) {
	for _, p := range []string{"docker-compose.yml", "deploy/k8s/app.yaml", "deploy/chart/values.yaml", "manifests/kustomization.yaml"} {
		data, err := os.ReadFile("testdata/container_image/repo/" + p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// As a manifest, as Helm values and as GitLab CI, each read its way.
		files := detecttest.Files{"k8s/a.yaml": string(data), "values.yaml": string(data), ".gitlab-ci.yml": string(data)}
		cs, _ := mustDetector(t, "container_image").Detect(files)
		for _, c := range cs {
			if c.Line < 1 || c.Name == "" {
				t.Fatalf("component without evidence: %+v", c)
			}
		}
	})
}

// GitLab CI `image: $VAR` and ${VAR}: a literal of the file's top-level
// variables, or of the job's own, which win. A variable naming another, a
// parallel:matrix one, an undefined one (a project or group variable) or
// a component input leaves the image unresolved, and it is not reported.
func TestContainerImageGitLabVariables(t *testing.T) {
	files := detecttest.Files{".gitlab-ci.yml": "variables:\n" + // 1
		"  GO_VERSION: \"1.22\"\n" + // 2
		"  REGISTRY: {value: registry.acme.io, description: where images live}\n" + // 3
		"  NESTED: $CI_REGISTRY/acme/tool:1\n" + // 4
		"  INPUT: $[[ inputs.image ]]\n" + // 5
		"image: golang:$GO_VERSION\n" + // 6
		"default:\n  services: [\"${REGISTRY}/ci/postgres:16\"]\n" + // 7-8
		"lint:\n  variables:\n    GO_VERSION: 1.23.1\n  image: {name: \"${REGISTRY}/ci/golang:${GO_VERSION}\"}\n" + // 9-12
		"tool:\n  image: $NESTED\n" + // 13-14
		"input:\n  image: $INPUT\n" + // 15-16
		"undefined:\n  image: $CI_REGISTRY_IMAGE/builder:latest\n" + // 17-18
		"escaped:\n  image: acme/$$literal:1\n" + // 19-20
		"matrix:\n  parallel:\n    matrix:\n      - GO_VERSION: [\"1.21\", \"1.22\"]\n  image: golang:$GO_VERSION\n", // 21-25
	}
	want := []detect.Component{
		ci(".gitlab-ci.yml", 6, "docker.io/library/golang", "1.22", "original", "golang:$GO_VERSION", "variables", "GO_VERSION=.gitlab-ci.yml:2"),
		ci(".gitlab-ci.yml", 8, "registry.acme.io/ci/postgres", "16", "original", "${REGISTRY}/ci/postgres:16", "variables", "REGISTRY=.gitlab-ci.yml:3"),
		ci(".gitlab-ci.yml", 12, "registry.acme.io/ci/golang", "1.23.1", "original", "${REGISTRY}/ci/golang:${GO_VERSION}",
			"variables", "REGISTRY=.gitlab-ci.yml:3,GO_VERSION=.gitlab-ci.yml:11"),
	}
	for name, files := range variants(files) {
		t.Run(name, func(t *testing.T) {
			got, errs := mustDetector(t, "container_image").Detect(files)
			assertFileErrors(t, errs)
			assertInventory(t, got, want)
		})
	}
}

// Variables expand within the file's budget: a variable written a
// thousand times a line, on many lines, is a bomb.
func TestContainerImageGitLabVariablesBudget(t *testing.T) {
	var b strings.Builder
	b.WriteString("variables:\n  A: " + strings.Repeat("a", 4096) + "\n")
	for i := range 200 {
		fmt.Fprintf(&b, "j%d:\n  image: %s\n", i, strings.Repeat("$A", 500))
	}
	_, errs := mustDetector(t, "container_image").Detect(detecttest.Files{".gitlab-ci.yml": b.String()})
	assertFileErrors(t, errs, ".gitlab-ci.yml")
}

// Helm values: image maps under other keys, without a tag, with strimzi's
// name, prometheus-community's sha; a global registry before repositories
// replacing a map's own (not before official images naming none), as
// charts' helpers write `global.imageRegistry | default .image.registry`
// (bitnami's common, prometheus-community's, grafana's); registry prefixes and the
// prefix map of a chart's images are none.
func TestContainerImageHelmValues(t *testing.T) {
	files := detecttest.Files{"charts/app/values.yaml": "global:\n" + // 1
		"  imageRegistry: mirror.acme.io\n" + // 2
		"manager:\n  collectorImage:\n    repository: otel/collector-k8s\n" + // 3-5
		"  image:\n    repository: ghcr.io/acme/operator\n    tag: \"\"\n" + // 6-8
		"operator:\n  image:\n    registry: quay.io\n    repository: strimzi\n    name: operator\n    tag: 0.45.0\n" + // 9-14
		"db:\n  image:\n    repository: postgres\n    tag: \"16\"\n" + // 15-18
		"reloader:\n  image:\n    registry: quay.io\n    repository: prometheus-operator/config-reloader\n    tag: v0.80.0\n    sha: 0123abcd\n" + // 19-24
		"kubectl:\n  registry: registry.k8s.io\n  repository: kubectl\n  tag: \"\"\n" + // 25-28
		"images:\n  repository: us-docker.pkg.dev/acme/apps\n  tag: \"\"\n" + // 29-31
		"mirror:\n  image:\n    repository: gcr.io\n    tag: \"\"\n" + // 32-35
		"hub:\n  image: {repository: docker.io/bitnami, tag: \"\"}\n" + // 36-37
		"prefix:\n  image: {repository: \"registry.acme.io/team/\"}\n", // 38-39
		"charts/other/values-prod.yaml": "global:\n  image:\n    registry: cr.acme.io\n" + // 1-3
			"api:\n  image:\n    registry: docker.io\n    repository: acme/api\n    tag: 1.0.0\n" + // 4-8
			"worker:\n  image:\n    repository: acme/worker\n", // 9-11
		"placeholders/k8s/pod.yaml": "spec:\n  containers:\n    - image: CONTAINER_IMAGES_REGISTRY/adservice\n    - image: adservice\n" +
			"    - image: docs/logo.png\n    - image: centos:7\n",
	}
	want := []detect.Component{
		ci("charts/app/values.yaml", 5, "mirror.acme.io/otel/collector-k8s", "", "original", "otel/collector-k8s"),
		ci("charts/app/values.yaml", 7, "ghcr.io/acme/operator", ""),
		ci("charts/app/values.yaml", 12, "mirror.acme.io/strimzi/operator", "0.45.0", "original", "quay.io/strimzi/operator:0.45.0"),
		ci("charts/app/values.yaml", 17, "docker.io/library/postgres", "16"),
		ci("charts/app/values.yaml", 22, "mirror.acme.io/prometheus-operator/config-reloader", "v0.80.0", "digest", "sha256:0123abcd",
			"original", "quay.io/prometheus-operator/config-reloader:v0.80.0@sha256:0123abcd"),
		ci("charts/app/values.yaml", 27, "mirror.acme.io/kubectl", "", "original", "registry.k8s.io/kubectl"),
		// The global registry wins over the map's, as charts' helpers write it.
		ci("charts/other/values-prod.yaml", 7, "cr.acme.io/acme/api", "1.0.0", "original", "docker.io/acme/api:1.0.0"),
		ci("charts/other/values-prod.yaml", 11, "cr.acme.io/acme/worker", "", "original", "acme/worker"),
		ci("placeholders/k8s/pod.yaml", 6, "docker.io/library/centos", "7"),
	}
	got, errs := mustDetector(t, "container_image").Detect(files)
	assertFileErrors(t, errs)
	assertInventory(t, got, want)
}

// The catalog's scan.container_image_paths widen the paths read: a file
// there is read like the defaults, and the Scope serves it.
func TestContainerImageWithPaths(t *testing.T) {
	d, ok := detect.Get("container_image")
	if !ok {
		t.Fatal("container_image not registered")
	}
	w, ok := d.(detect.Widener)
	if !ok {
		t.Fatal("container_image does not take other paths")
	}
	files := detecttest.Files{"platform/apps/api.yml": "image: acme/api:1.0\n", "other/api.yml": "image: acme/api:2.0\n"}
	wide := w.WithPaths([]string{"platform/**/*.yml"})
	got, errs := wide.Detect(detect.Scope(wide, files))
	assertFileErrors(t, errs)
	assertInventory(t, got, []detect.Component{ci("platform/apps/api.yml", 1, "docker.io/acme/api", "1.0")})
	if got, _ := d.Detect(detect.Scope(d, files)); len(got) != 0 {
		t.Errorf("the registered detector read %v: the catalog's paths leaked into it", got)
	}
}
