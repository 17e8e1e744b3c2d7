package detect_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/uptake-dev/uptake/collector/detect"
	"github.com/uptake-dev/uptake/collector/detect/detecttest"
)

func ci(path string, line int, name, tag string, kv ...string) detect.Component {
	c := detect.Component{Kind: "container_image", Name: name, Version: tag, Path: path, Line: line}
	if len(kv) > 0 {
		c.Attrs = map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			c.Attrs[kv[i]] = kv[i+1]
		}
	}
	return c
}

// deployment is a Deployment named name whose containers are the given
// name=image pairs, one a line from line 8.
func deployment(name string, containers ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: %s\nspec:\n  template:\n    spec:\n      containers:\n", name)
	for _, c := range containers {
		n, img, _ := strings.Cut(c, "=")
		fmt.Fprintf(&b, "        - {name: %s, image: %s}\n", n, img)
	}
	return b.String()
}

// A base two overlays build: each reports the images as its overrides
// leave them, at the base's lines; the base alone is no build. Overrides
// apply in order, inherit (the base's, then the overlay's), rename,
// re-tag, pin by digest or suffix the tag, and touch container images
// only.
func TestContainerImageKustomizeOverlays(t *testing.T) {
	files := detecttest.Files{
		"app/base/kustomization.yaml": "resources:\n  - deploy.yaml\n  - prometheus.yaml\n" +
			"images:\n  - name: acme/api\n    newTag: 1.0.0\n",
		"app/base/deploy.yaml": deployment("api", "api=acme/api:0.9", "proxy=envoyproxy/envoy:v1.29.0", "log=fluent/fluent-bit:3.0"),
		// A resource's own image field: not a container's, never rewritten.
		"app/base/prometheus.yaml": "kind: Prometheus\nmetadata: {name: k8s}\nspec:\n  image: quay.io/prometheus/prometheus:v2.50.0\n",
		"app/overlays/prod/kustomization.yaml": "resources:\n  - ../../base\n" +
			"images:\n" +
			"  - name: acme/api\n    newName: registry.acme.io/api\n" + // the base's 1.0.0 kept
			"  - name: registry.acme.io/api\n    newTag: 1.2.0\n" + // the entry before renamed it
			"  - name: envoyproxy/envoy\n    digest: sha256:aaaa\n" +
			"  - name: quay.io/prometheus/prometheus\n    newTag: v9\n",
		"app/overlays/dev/kustomization.yml": "resources: [../../base]\nimages:\n  - {name: fluent/fluent-bit, tagSuffix: -debug}\n",
	}
	// The overlays are built in path order, dev before prod.
	want := []detect.Component{
		ci("app/base/deploy.yaml", 9, "docker.io/acme/api", "1.0.0", "original", "acme/api:0.9", "override", "app/base/kustomization.yaml:5"),
		ci("app/base/deploy.yaml", 10, "docker.io/envoyproxy/envoy", "v1.29.0"),
		ci("app/base/deploy.yaml", 11, "docker.io/fluent/fluent-bit", "3.0-debug", "original", "fluent/fluent-bit:3.0", "override", "app/overlays/dev/kustomization.yml:3"),
		ci("app/base/prometheus.yaml", 4, "quay.io/prometheus/prometheus", "v2.50.0"),
		ci("app/base/deploy.yaml", 9, "registry.acme.io/api", "1.2.0", "original", "acme/api:0.9", "override", "app/overlays/prod/kustomization.yaml:6"),
		ci("app/base/deploy.yaml", 10, "docker.io/envoyproxy/envoy", "", "digest", "sha256:aaaa", "original", "envoyproxy/envoy:v1.29.0", "override", "app/overlays/prod/kustomization.yaml:8"),
		ci("app/base/deploy.yaml", 11, "docker.io/fluent/fluent-bit", "3.0"),
	}
	for name, files := range variants(files) {
		t.Run(name, func(t *testing.T) {
			got, errs := mustDetector(t, "container_image").Detect(files)
			assertFileErrors(t, errs)
			assertInventory(t, got, want)
		})
	}
}

// Components see what the kustomization including them rendered, and their
// overrides rewrite it; a component no one includes is built alone, its
// overrides matching nothing.
func TestContainerImageKustomizeComponents(t *testing.T) {
	files := detecttest.Files{
		"kustomization.yaml":      "resources: [base]\ncomponents:\n  - components/mirror\n",
		"base/kustomization.yaml": "resources: [app.yaml]\n",
		"base/app.yaml":           deployment("app", "app=acme/app:2.0"),
		"components/mirror/kustomization.yaml": "kind: Component\nresources: [sidecar.yaml]\n" +
			"images:\n  - {name: acme/app, newName: mirror.acme.io/acme/app}\n  - {name: acme/sidecar, newTag: '7'}\n",
		"components/mirror/sidecar.yaml":       deployment("sidecar", "s=acme/sidecar:6"),
		"components/unused/kustomization.yaml": "kind: Component\nimages:\n  - {name: acme/app, newTag: PLACEHOLDER_TAG}\n",
	}
	got, errs := mustDetector(t, "container_image").Detect(files)
	assertFileErrors(t, errs)
	assertInventory(t, got, []detect.Component{
		ci("base/app.yaml", 9, "mirror.acme.io/acme/app", "2.0", "original", "acme/app:2.0", "override", "components/mirror/kustomization.yaml:4"),
		ci("components/mirror/sidecar.yaml", 9, "docker.io/acme/sidecar", "7", "original", "acme/sidecar:6", "override", "components/mirror/kustomization.yaml:5"),
	})
}

// Patches: a strategic-merge patch file and an inline one replace the
// image of the container of their name (at the patch's line), JSON 6902
// operations that of the container at their index; a patch adding a
// container adds its image. Then the overrides apply to what the patches
// wrote.
func TestContainerImageKustomizePatches(t *testing.T) {
	files := detecttest.Files{
		"deploy/kustomization.yaml": "resources:\n  - app.yaml\n" + // 1-2
			"patchesStrategicMerge:\n  - patch-api.yaml\n" + // 3-4
			"patches:\n" + // 5
			"  - patch: |-\n" + // 6
			"      kind: Deployment\n" + // 7
			"      metadata: {name: app}\n" + // 8
			"      spec:\n" + // 9
			"        template:\n" + // 10
			"          spec:\n" + // 11
			"            containers:\n" + // 12
			"              - name: worker\n" + // 13
			"                image: acme/worker:3.1\n" + // 14
			"  - target: {kind: Deployment, name: app}\n" + // 15
			"    patch: |-\n" + // 16
			"      - op: replace\n" + // 17
			"        path: /spec/template/spec/containers/2/image\n" + // 18
			"        value: acme/cron:5.0\n" + // 19
			"      - op: add\n" + // 20
			"        path: /spec/template/spec/containers/-\n" + // 21
			"        value: {name: agent, image: datadog/agent:7.50.0}\n" + // 22
			"  - path: patch-other.json\n" + // 23
			"    target: {kind: Deployment, name: \"ap.*\"}\n" + // 24
			"images:\n  - name: acme/api\n    newTag: 2.2.2\n", // 25-27
		"deploy/app.yaml":       deployment("app", "api=acme/api:1.0", "worker=acme/worker:3.0", "cron=acme/cron:4.0", "sidecar=acme/sidecar:1.0"),
		"deploy/patch-api.yaml": deployment("app", "api=acme/api:2.0"),
		// Outside the default paths: read because the kustomization names it.
		"deploy/patch-other.json": `[{"op": "replace", "path": "/spec/template/spec/containers/3/image", "value": "acme/sidecar:1.1"}]`,
	}
	want := []detect.Component{
		ci("deploy/patch-api.yaml", 9, "docker.io/acme/api", "2.2.2", "original", "acme/api:2.0", "override", "deploy/kustomization.yaml:26"),
		ci("deploy/kustomization.yaml", 14, "docker.io/acme/worker", "3.1"),
		ci("deploy/kustomization.yaml", 19, "docker.io/acme/cron", "5.0"),
		ci("deploy/kustomization.yaml", 22, "docker.io/datadog/agent", "7.50.0"),
		ci("deploy/patch-other.json", 1, "docker.io/acme/sidecar", "1.1"),
	}
	for name, files := range variants(files) {
		t.Run(name, func(t *testing.T) {
			got, errs := mustDetector(t, "container_image").Detect(files)
			assertFileErrors(t, errs)
			assertInventory(t, got, want)
		})
	}
}

// What a kustomization names that is not the repo's (a URL, a path out of
// the repo, one that does not exist) is not read; its overrides that match
// nothing rendered are reported where written, as they may apply there. A
// kustomization rendering all it names has no such override: it is a no-op.
func TestContainerImageKustomizeOpen(t *testing.T) {
	files := detecttest.Files{
		"remote/kustomization.yaml": "resources:\n  - https://github.com/acme/bases//app?ref=v1\n  - ../../outside\n  - missing.yaml\n" +
			"images:\n  - name: acme/app\n    newName: registry.acme.io/app\n    newTag: 1.5.0\n",
		"local/kustomization.yaml": "resources: [a.yaml]\nimages:\n  - {name: acme/other, newTag: '9'}\n",
		"local/a.yaml":             deployment("a", "a=acme/a:1"),
		// A cycle: kustomize refuses it, the files it names still count.
		"loop/one/kustomization.yaml": "resources: [../two, x.yaml]\n",
		"loop/one/x.yaml":             deployment("x", "x=acme/x:1"),
		"loop/two/kustomization.yaml": "resources: [../one]\n",
	}
	got, errs := mustDetector(t, "container_image").Detect(files)
	assertFileErrors(t, errs)
	assertInventory(t, got, []detect.Component{
		ci("local/a.yaml", 9, "docker.io/acme/a", "1"),
		ci("loop/one/x.yaml", 9, "docker.io/acme/x", "1"),
		ci("remote/kustomization.yaml", 7, "registry.acme.io/app", "1.5.0"),
	})
}

// Every file a kustomization names is read through the detector's Scope:
// those outside its Patterns as follows, at most 500 in a repo.
func TestContainerImageKustomizeFollowsAreBounded(t *testing.T) {
	files := detecttest.Files{}
	var k strings.Builder
	k.WriteString("resources:\n")
	for i := range 501 {
		p := fmt.Sprintf("r%03d.yaml", i)
		k.WriteString("  - " + p + "\n")
		files["app/"+p] = deployment(fmt.Sprintf("d%d", i), fmt.Sprintf("c=acme/c%d:1", i))
	}
	files["app/kustomization.yaml"] = k.String()
	got, errs := mustDetector(t, "container_image").Detect(files)
	if len(got) != 500 || len(errs) != 1 || !strings.Contains(errs[0].Error(), "more than 500 included files") {
		t.Errorf("%d components, errors %v: want 500 files read and the 501st refused", len(got), errs)
	}
}

// Chains of kustomizations including each other are bounded too.
func TestContainerImageKustomizeDepth(t *testing.T) {
	files := detecttest.Files{"k0/x.yaml": deployment("x", "x=acme/x:1"), "k0/kustomization.yaml": "resources: [x.yaml]\n"}
	for i := 1; i <= 25; i++ {
		files[fmt.Sprintf("k%d/kustomization.yaml", i)] = fmt.Sprintf("resources: [../k%d]\n", i-1)
	}
	_, errs := mustDetector(t, "container_image").Detect(files)
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "over 20 deep") {
		t.Errorf("errors %v, want the chain refused past 20 kustomizations", errs)
	}
}

// FuzzContainerImageKustomize builds an overlay (the first input) over a
// resource file (the second) and a base naming that file too; its seeds
// are in testdata/fuzz.
func FuzzContainerImageKustomize(f *testing.F) {
	f.Fuzz(func(t *testing.T, kustomization, resource []byte) {
		files := detecttest.Files{
			"app/kustomization.yaml":  string(kustomization),
			"app/deploy.yaml":         string(resource),
			"base/kustomization.yaml": "resources: [../app/deploy.yaml]\nimages: [{name: acme/api, newTag: '9'}]\n",
		}
		cs, _ := mustDetector(t, "container_image").Detect(files)
		for _, c := range cs {
			if c.Line < 1 || c.Name == "" {
				t.Fatalf("component without evidence: %+v", c)
			}
		}
	})
}

// BenchmarkContainerImageKustomize builds 30 overlays of one base of 200
// Deployments (600 containers), each overlay with 10 overrides and a
// component: every build holds the whole base.
func BenchmarkContainerImageKustomize(b *testing.B) {
	files := detecttest.Files{}
	var base strings.Builder
	base.WriteString("resources:\n")
	for i := range 200 {
		p := fmt.Sprintf("d%03d.yaml", i)
		base.WriteString("  - " + p + "\n")
		files["base/"+p] = deployment(fmt.Sprintf("d%d", i), fmt.Sprintf("app=acme/app%d:1.0", i%10), "proxy=envoyproxy/envoy:v1.29.0", "log=fluent/fluent-bit:3.0")
	}
	files["base/kustomization.yaml"] = base.String()
	files["components/mirror/kustomization.yaml"] = "kind: Component\nimages:\n  - {name: envoyproxy/envoy, newName: mirror.acme.io/envoy}\n"
	for o := range 30 {
		var k strings.Builder
		k.WriteString("resources: [../../base]\ncomponents: [../../components/mirror]\nimages:\n")
		for i := range 10 {
			fmt.Fprintf(&k, "  - {name: acme/app%d, newTag: '%d.%d'}\n", i, o, i)
		}
		files[fmt.Sprintf("overlays/o%02d/kustomization.yaml", o)] = k.String()
	}
	d := mustDetector(b, "container_image")
	b.ResetTimer()
	var got []detect.Component
	for range b.N {
		got, _ = d.Detect(files)
	}
	b.ReportMetric(float64(len(got)), "images")
}
