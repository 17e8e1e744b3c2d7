package detect_test

import (
	"testing"

	"github.com/uptake-dev/uptake/collector/detect"
	"github.com/uptake-dev/uptake/collector/detect/detecttest"
)

// A lockfile pinning a version below the manifest's floor was not updated
// since the manifest was (argo-helm's argo-cd chart asks for redis-ha
// 4.29.4 while its Chart.lock still says 4.15.0): the package manager would
// refuse it, so the declared floor stays and the outdated pin is named.
func TestStaleLockfileKeepsDeclaredFloor(t *testing.T) {
	for _, tc := range []struct {
		kind  string
		files detecttest.Files
		want  []detect.Component
	}{{
		kind: "helm",
		files: detecttest.Files{
			"Chart.yaml": "apiVersion: v2\ndependencies:\n  - name: redis-ha\n    version: 4.29.4\n    repository: https://dandydeveloper.github.io/charts/\n" +
				"  - name: common\n    version: 2.x.x\n    repository: oci://registry-1.docker.io/bitnamicharts\n",
			"Chart.lock": "dependencies:\n- name: redis-ha\n  repository: https://dandydeveloper.github.io/charts/\n  version: 4.15.0\n" +
				"- name: common\n  repository: oci://registry-1.docker.io/bitnamicharts\n  version: 2.29.1\n",
		},
		want: []detect.Component{
			{Kind: "helm", Name: "redis-ha", Version: "4.29.4", Path: "Chart.yaml", Line: 3, Attrs: map[string]string{
				"declared": "4.29.4", "repository": "https://dandydeveloper.github.io/charts/", "stale_lockfile": "Chart.lock:2"}},
			{Kind: "helm", Name: "common", Version: "2.29.1", Path: "Chart.yaml", Line: 6, Lockfile: "Chart.lock", Attrs: map[string]string{"declared": "2.x.x", "repository": "oci://registry-1.docker.io/bitnamicharts", "lockfile": "Chart.lock:5"}},
		},
	}, {
		kind: "npm",
		files: detecttest.Files{
			"package.json":   "{\"devDependencies\": {\"eslint\": \"^9.20.1\", \"tsx\": \"^4.19.2\"}}\n",
			"pnpm-lock.yaml": "lockfileVersion: '9.0'\nimporters:\n  .:\n    devDependencies:\n      eslint:\n        specifier: ^9.13.0\n        version: 9.13.0(jiti@1.21.0)\n      tsx:\n        specifier: ^4.19.2\n        version: 4.19.2\n",
		},
		want: []detect.Component{
			{Kind: "npm", Name: "eslint", Version: "9.20.1", Path: "package.json", Line: 1, Section: "devDependencies", Attrs: map[string]string{"declared": "^9.20.1", "stale_lockfile": "pnpm-lock.yaml:7"}},
			{Kind: "npm", Name: "tsx", Version: "4.19.2", Path: "package.json", Line: 1, Section: "devDependencies", Lockfile: "pnpm-lock.yaml", Attrs: map[string]string{"declared": "^4.19.2", "lockfile": "pnpm-lock.yaml:10"}},
		},
	}, {
		kind: "python",
		files: detecttest.Files{
			"pyproject.toml": "[project]\ndependencies = [\n  \"httpx>=0.28\",\n  \"rich\",\n]\n",
			"uv.lock":        "version = 1\n\n[[package]]\nname = \"httpx\"\nversion = \"0.27.2\"\n\n[[package]]\nname = \"rich\"\nversion = \"13.9.4\"\n",
		},
		want: []detect.Component{
			{Kind: "python", Name: "httpx", Version: "0.28", Path: "pyproject.toml", Line: 3, Section: "project.dependencies", Attrs: map[string]string{"declared": ">=0.28", "stale_lockfile": "uv.lock:4"}},
			// No floor declared: whatever is locked.
			{Kind: "python", Name: "rich", Version: "13.9.4", Path: "pyproject.toml", Line: 4, Section: "project.dependencies", Lockfile: "uv.lock", Attrs: map[string]string{"lockfile": "uv.lock:8"}},
		},
	}} {
		t.Run(tc.kind, func(t *testing.T) {
			got, errs := mustDetector(t, tc.kind).Detect(tc.files)
			assertFileErrors(t, errs)
			assertInventory(t, got, tc.want)
		})
	}
}
