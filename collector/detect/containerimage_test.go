package detect_test

import (
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
	} {
		files[p] = "image: acme/x:1.0\n"
	}
	got, _ := d.Detect(files)
	read := map[string]bool{}
	for _, c := range got {
		read[c.Path] = true
	}
	// A workflow is read, but only for its jobs' images: a top-level image: is none.
	for _, p := range []string{".github/workflows/ci.yml", "ops/random.yaml", "mkdocs.yml", "k8s/README.md", "ci/.github/workflows/x.yml"} {
		if read[p] {
			t.Errorf("%s is read; it is not a deployment file", p)
		}
	}
	if len(read) != 12 {
		t.Errorf("read %d files, want 12: %v", len(read), read)
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
		{params: map[string]string{"image": "nginx:1.25"}, wantErr: "must name a repository without tag or digest"},
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
		cs, _ := mustDetector(t, "container_image").Detect(detecttest.Files{"k8s/a.yaml": string(data)})
		for _, c := range cs {
			if c.Line < 1 || c.Name == "" {
				t.Fatalf("component without evidence: %+v", c)
			}
		}
	})
}
