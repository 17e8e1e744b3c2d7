package detect_test

import (
	"os"
	"testing"

	"github.com/uptake-dev/uptake/collector/detect"
	"github.com/uptake-dev/uptake/collector/detect/detecttest"
)

func TestHelmDetect(t *testing.T) {
	repo := detecttest.Dir(t, "testdata/helm/repo")
	want := []detect.Component{
		{Kind: "helm", Name: "postgresql", Version: "15.2.5", Path: "charts/storefront/Chart.yaml", Line: 9, Lockfile: "charts/storefront/Chart.lock", Attrs: map[string]string{"repository": "https://charts.bitnami.com/bitnami", "declared": "~15.2.0", "lockfile": "charts/storefront/Chart.lock:2"}},
		{Kind: "helm", Name: "acme-common", Version: "1.7.0", Path: "charts/storefront/Chart.yaml", Line: 13, Lockfile: "charts/storefront/Chart.lock", Attrs: map[string]string{"repository": "https://charts.acme.internal/stable/", "declared": "1.x", "lockfile": "charts/storefront/Chart.lock:5"}},
		{Kind: "helm", Name: "redis", Version: "18.6.1", Path: "charts/storefront/Chart.yaml", Line: 18, Lockfile: "charts/storefront/Chart.lock", Attrs: map[string]string{"repository": "oci://registry-1.docker.io/bitnamicharts", "declared": "18.6.1", "alias": "cache", "lockfile": "charts/storefront/Chart.lock:8"}},
		// requirements.yaml (apiVersion v1); the lock resolves one of two.
		{Kind: "helm", Name: "nginx-ingress", Version: "1.41.3", Path: "charts/legacy/requirements.yaml", Line: 2, Lockfile: "charts/legacy/requirements.lock", Attrs: map[string]string{"repository": "@stable", "declared": ">=1.36.0 <2.0.0", "lockfile": "charts/legacy/requirements.lock:2"}},
		{Kind: "helm", Name: "acme-common", Version: "0.9.0", Path: "charts/legacy/requirements.yaml", Line: 5, Attrs: map[string]string{
			"repository": "https://charts.acme.internal/stable", "declared": "^0.9.0"}},
	}
	for name, files := range variants(repo) {
		t.Run(name, func(t *testing.T) {
			got, errs := mustDetector(t, "helm").Detect(files)
			assertInventory(t, got, want)
			assertFileErrors(t, errs, "charts/broken/Chart.yaml")
		})
	}
}

func TestHelmDetectMalformed(t *testing.T) {
	files := detecttest.Files{
		"a/Chart.yaml":        "apiVersion: v2\ndependencies: redis\n",
		"b/Chart.yaml":        "- just\n- a list\n",
		"c/Chart.yaml":        "apiVersion: v2\n---\napiVersion: v2\n",
		"d/Chart.yaml":        "apiVersion: v2\ndependencies:\n  - name: redis\n    version: 18.0.0\n    repository: https://charts.example\n",
		"d/Chart.lock":        "dependencies: {",
		"e/Chart.yaml":        "\x00\x01\x02",
		"f/Chart.yaml":        "",
		"g/Chart.yaml":        "dependencies:\n  - name: [x]\n  - name: ok\n    version: *anchor\n",
		"h/Chart.yaml":        "base: &b\n  name: redis\n  version: 1.2.3\n  repository: '@stable'\ndependencies:\n  - *b\n",
		"i/requirements.yaml": "dependencies:\n  - name: mysql\n    version: ~> 1.0\n    repository: alias:stable\n",
		// No repository: a chart of its own charts/ directory, as
		// kube-prometheus-stack's crds.
		"j/Chart.yaml": "apiVersion: v2\ndependencies:\n  - name: crds\n    version: \"0.0.0\"\n    condition: crds.enabled\n",
	}
	got, errs := mustDetector(t, "helm").Detect(files)
	assertInventory(t, got, []detect.Component{
		{Kind: "helm", Name: "redis", Version: "18.0.0", Path: "d/Chart.yaml", Line: 3, Attrs: map[string]string{"declared": "18.0.0", "repository": "https://charts.example"}},
		// An alias is followed: the name is written on line 2.
		{Kind: "helm", Name: "redis", Version: "1.2.3", Path: "h/Chart.yaml", Line: 2, Attrs: map[string]string{"declared": "1.2.3", "repository": "@stable"}},
		{Kind: "helm", Name: "mysql", Version: "1.0", Path: "i/requirements.yaml", Line: 2, Attrs: map[string]string{"declared": "~> 1.0", "repository": "alias:stable"}},
	})
	assertFileErrors(t, errs, "a/Chart.yaml", "b/Chart.yaml", "c/Chart.yaml", "d/Chart.lock", "e/Chart.yaml", "g/Chart.yaml")
}

// A kustomization's helmCharts inflate charts as a Chart.yaml dependency
// does; one without a repo is a local chart; a broken kustomization is the
// kustomize kind's to report.
func TestHelmKustomizeHelmCharts(t *testing.T) {
	files := detecttest.Files{
		"apps/ingress/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n" +
			"helmCharts:\n- name: ingress-nginx\n  repo: https://kubernetes.github.io/ingress-nginx\n  version: 4.10.0\n  releaseName: ingress\n" +
			"- name: podinfo\n  repo: oci://ghcr.io/stefanprodan/charts\n  version: 6.5.4\n" +
			"- name: local-chart\n  releaseName: x\n",
		"apps/other/kustomization.yml": "resources:\n- deploy.yaml\n",
		"apps/broken/Kustomization":    "helmCharts: [\n",
	}
	got, errs := mustDetector(t, "helm").Detect(files)
	assertFileErrors(t, errs)
	assertInventory(t, got, []detect.Component{
		{Kind: "helm", Name: "ingress-nginx", Version: "4.10.0", Path: "apps/ingress/kustomization.yaml", Line: 4,
			Attrs: map[string]string{"repository": "https://kubernetes.github.io/ingress-nginx", "declared": "4.10.0"}},
		{Kind: "helm", Name: "podinfo", Version: "6.5.4", Path: "apps/ingress/kustomization.yaml", Line: 8,
			Attrs: map[string]string{"repository": "oci://ghcr.io/stefanprodan/charts", "declared": "6.5.4"}},
	})
}

func TestHelmCompile(t *testing.T) {
	for _, tc := range []struct {
		params  map[string]string
		wantErr string
		match   [][2]string // name, repository
		noMatch [][2]string
	}{
		{
			params:  map[string]string{"chart": "acme-common"},
			match:   [][2]string{{"acme-common", "https://charts.acme.internal/stable"}, {"acme-common", ""}},
			noMatch: [][2]string{{"acme-common-extra", ""}, {"common", ""}},
		},
		{
			params:  map[string]string{"chart": "acme-common", "repository": "charts.acme.internal"},
			match:   [][2]string{{"acme-common", "https://charts.acme.internal/stable/"}, {"acme-common", "oci://Charts.Acme.Internal/x"}},
			noMatch: [][2]string{{"acme-common", "https://charts.bitnami.com/bitnami"}, {"acme-common", ""}, {"acme-common", "https://charts.acme.internal.evil.com"}},
		},
		{
			params: map[string]string{"chart": "acme-*", "repository": "https://charts.acme.internal/stable/"},
			match:  [][2]string{{"acme-common", "https://charts.acme.internal/stable"}, {"acme-db", "https://charts.acme.internal/stable"}},
		},
		{params: map[string]string{"chart": "nginx-ingress", "repository": "@stable"}, match: [][2]string{{"nginx-ingress", "@stable"}}},
		{params: map[string]string{"repository": "x"}, wantErr: "chart is required"},
		{params: map[string]string{"chart": "x", "version": "1"}, wantErr: "unknown key version (allowed: chart, repository)"},
		{params: map[string]string{"chart": "bitnami/redis"}, wantErr: "chart: \"bitnami/redis\" must be a chart name"},
		{params: map[string]string{"chart": "x", "repository": "charts.acme.com/[x"}, wantErr: "repository: bad glob"},
	} {
		m, err := mustDetector(t, "helm").Compile(tc.params)
		if !errorMatches(err, tc.wantErr) {
			t.Errorf("Compile(%v) error %v, want %q", tc.params, err, tc.wantErr)
			continue
		}
		if err != nil {
			continue
		}
		for _, c := range tc.match {
			if !m.Match(detect.Component{Kind: "helm", Name: c[0], Attrs: map[string]string{"repository": c[1]}}) {
				t.Errorf("%v does not match %v", tc.params, c)
			}
		}
		for _, c := range tc.noMatch {
			if m.Match(detect.Component{Kind: "helm", Name: c[0], Attrs: map[string]string{"repository": c[1]}}) {
				t.Errorf("%v matches %v", tc.params, c)
			}
		}
	}
}

func FuzzHelm(f *testing.F) {
	for _, p := range []string{"charts/storefront/Chart.yaml", "charts/storefront/Chart.lock", "charts/legacy/requirements.yaml"} {
		data, err := os.ReadFile("testdata/helm/repo/" + p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		files := detecttest.Files{
			"Chart.yaml": string(data), "Chart.lock": string(data),
			"b/Chart.yaml": "dependencies:\n- name: redis\n  version: 1.0.0\n  repository: https://x\n", "b/Chart.lock": string(data),
		}
		cs, _ := mustDetector(t, "helm").Detect(files)
		for _, c := range cs {
			if c.Line < 1 || c.Name == "" {
				t.Fatalf("component without evidence: %+v", c)
			}
		}
	})
}
