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
		".github/workflows/ci.yml", "ops/random.yaml", "mkdocs.yml", "k8s/README.md",
	} {
		files[p] = "image: acme/x:1.0\n"
	}
	got, _ := d.Detect(files)
	read := map[string]bool{}
	for _, c := range got {
		read[c.Path] = true
	}
	for _, p := range []string{".github/workflows/ci.yml", "ops/random.yaml", "mkdocs.yml", "k8s/README.md"} {
		if read[p] {
			t.Errorf("%s is read; it is not a deployment file", p)
		}
	}
	if len(read) != 10 {
		t.Errorf("read %d files, want 10: %v", len(read), read)
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
			"backend:\n  image:\n    image: defaultbackend-amd64\n    tag: \"1.5\"\n" +
			"sidecar:\n  image:\n    image: busybox:1.36\n",
		want: []detect.Component{
			{Kind: "container_image", Name: "registry.k8s.io/ingress-nginx/controller", Version: "v1.1.1", Path: "k8s/x.yaml", Line: 4, Attrs: map[string]string{"digest": "sha256:0bc8"}},
			{Kind: "container_image", Name: "docker.io/library/defaultbackend-amd64", Version: "1.5", Path: "k8s/x.yaml", Line: 9},
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
		name: "deep nesting",
		yaml: strings.Repeat("- ", 5000) + "image: acme/deep:1\n",
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
