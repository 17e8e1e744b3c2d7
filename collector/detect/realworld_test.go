package detect_test

import (
	"fmt"
	"os"
	"path"
	"sort"
	"strings"
	"testing"

	"github.com/uptake-dev/uptake/collector/detect"
	"github.com/uptake-dev/uptake/collector/detect/detecttest"
)

// Real files from public repositories, one directory per repository under
// testdata/realworld/<kind>/, laid out as in the repository (SOURCES.md of
// each kind says where each file comes from and under which license). The
// expectations below were read off the files by hand, not off the detector.

// rw is one expected component: its evidence (file and line), name and
// version, and optionally attributes that must be among its Attrs; the key
// "section" is its Section, and "lockfile" (path:line) also sets the
// Lockfile it must have ("" checks it has none).
type rw struct {
	path    string
	line    int
	name    string
	version string
	attrs   map[string]string
}

// rwCase is one fixture repository and what a detector must find in it.
type rwCase struct {
	kind, repo string
	// dir is the kind whose fixture directory is read, when it is not kind:
	// CI files hold container images too.
	dir string
	// want are components that must be found, each exactly once at its line.
	want []rw
	// count is the exact number of components the repo yields: it catches
	// false positives that want alone would not.
	count int
	// errs are the files expected to be reported; none for valid files.
	errs []string
	// absent are names no component may carry (false positives seen in
	// real files).
	absent []string
}

func kv(pairs ...string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(pairs); i += 2 {
		m[pairs[i]] = pairs[i+1]
	}
	return m
}

var realworldCases = []rwCase{
	// --- dockerfile ---
	{kind: "dockerfile", repo: "docker-buildx", count: 12, want: []rw{
		// Global ARGs substituted, --platform kept as written.
		{"Dockerfile", 16, "docker.io/tonistiigi/xx", "1.6.1", kv("stage", "xx", "platform", "$BUILDPLATFORM")},
		{"Dockerfile", 17, "docker.io/library/golang", "1.23-alpine3.21", kv("stage", "golatest")},
		// ARG DOCKER_CLI_VERSION=${DOCKER_VERSION}: an ARG default naming another.
		{"Dockerfile", 19, "docker.io/dockereng/cli-bin", "27.5.0", kv("stage", "docker-cli")},
		{"Dockerfile", 23, "docker.io/moby/buildkit", "v0.19.0-rc2", nil},
		// After two heredocs (<<EOT and COPY <<"EOF") the parser is still in step.
		{"Dockerfile", 142, "docker.io/library/alpine", "3.21", kv("stage", "releaser")},
		{"Dockerfile", 156, "docker.io/library/docker", "27.5.0", kv("stage", "dockerd-release")},
		{"Dockerfile", 157, "docker.io/library/alpine", "3.21", kv("stage", "shell")},
	}},
	{kind: "dockerfile", repo: "docker-library-golang", count: 4, want: []rw{
		{"1.24/bookworm/Dockerfile", 7, "docker.io/library/buildpack-deps", "bookworm-scm", kv("stage", "build")},
		// The final FROM follows a RUN continued over comment lines.
		{"1.24/bookworm/Dockerfile", 105, "docker.io/library/buildpack-deps", "bookworm-scm", nil},
		{"1.24/windows/nanoserver-ltsc2022/Dockerfile", 7, "mcr.microsoft.com/windows/nanoserver", "ltsc2022", nil},
		// Go itself comes from another image: COPY --from=golang:….
		{"1.24/windows/nanoserver-ltsc2022/Dockerfile", 27, "docker.io/library/golang", "1.24.0-windowsservercore-ltsc2022", kv("instruction", "COPY")},
	}},
	{kind: "dockerfile", repo: "prometheus-node_exporter", count: 1, want: []rw{
		// Quoted ARG defaults: ARG ARCH="amd64".
		{"Dockerfile", 3, "quay.io/prometheus/busybox-linux-amd64", "glibc", nil},
	}},
	// Every image comes from an ARG without a default: nothing, and no error.
	{kind: "dockerfile", repo: "kubernetes-kubernetes", count: 0},
	{kind: "dockerfile", repo: "argoproj-argo-cd", count: 4, want: []rw{
		{"Dockerfile", 7, "docker.io/library/golang", "1.14.12", kv("stage", "builder")},
		// FROM $BASE_IMAGE with ARG BASE_IMAGE=debian:10-slim on line 1.
		{"Dockerfile", 40, "docker.io/library/debian", "10-slim", kv("stage", "argocd-base")},
		{"Dockerfile", 90, "docker.io/library/node", "12.18.4", kv("stage", "argocd-ui")},
	}, absent: []string{"docker.io/library/argocd-base"}},

	// 40 stages: global ARG defaults in FROM, --platform=$BUILDPLATFORM,
	// a tag plus digest, stage names built from variables (alpine-$TARGETARCH,
	// buildkit-$TARGETOS${BUILDKIT_DEBUG:+-debug}: stages, not images),
	// RUN/COPY heredocs, an ARG re-declared inside a stage before a FROM.
	{kind: "dockerfile", repo: "moby-buildkit", count: 15, want: []rw{
		{"Dockerfile", 26, "docker.io/minio/minio", "RELEASE.2022-05-03T20-36-08Z", kv("stage", "minio")},
		{"Dockerfile", 36, "docker.io/library/alpine", "edge", kv("digest", "sha256:2d01a16bab53a8405876cec4c27235d47455a7b72b75334c614f2fb0968b3f90")},
		{"Dockerfile", 40, "docker.io/tonistiigi/xx", "1.3.0", kv("platform", "$BUILDPLATFORM")},
		{"Dockerfile", 43, "docker.io/library/golang", "1.21-alpine3.18", kv("stage", "golatest")},
		{"Dockerfile", 261, "docker.io/library/registry", "2.8.3", kv("stage", "registry")},
		// COPY --from=<image> pinned by tag and digest; COPY --from=<stage> is no image.
		{"Dockerfile", 192, "docker.io/tonistiigi/binfmt", "buildkit-v7.1.0-30", kv("instruction", "COPY", "digest", "sha256:45dd57b4ba2f24e2354f71f1e4e51f073cb7a28fd848ce6f5f2a7701142a6bf0")},
	}, absent: []string{"docker.io/library/alpine-$TARGETARCH", "docker.io/library/scratch", "docker.io/library/golatest", "docker.io/library/binaries", "docker.io/library/xx", "docker.io/library/runc"}},

	// --- github_actions ---
	{kind: "github_actions", repo: "prometheus-prometheus", count: 27, want: []rw{
		{".github/workflows/ci.yml", 16, "actions/checkout", "v4.1.6", kv("type", "step", "ref", "a5ac7e51b41094c92402da3b24376905380afc29")},
		{".github/workflows/ci.yml", 17, "prometheus/promci", "v0.1.0", nil},
		{".github/workflows/ci.yml", 78, "actions/setup-go", "v5.0.2", nil},
		{".github/workflows/ci.yml", 189, "golangci/golangci-lint-action", "v6.1.0", nil},
		{".github/workflows/ci.yml", 241, "actions/setup-node", "v4.0.2", nil},
		{".github/workflows/ci.yml", 245, "actions/cache", "v4.0.2", nil},
	}, absent: []string{".github/promci/actions/setup_environment", ".github/workflows/fuzzing.yml"}},
	{kind: "github_actions", repo: "argoproj-argo-cd", count: 11, want: []rw{
		// Reusable workflows of another repository, by tag.
		{".github/workflows/release.yaml", 41, "slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml", "v1.5.0", kv("type", "workflow")},
		{".github/workflows/release.yaml", 123, "slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml", "v1.5.0", kv("type", "workflow")},
		{".github/workflows/release.yaml", 62, "actions/checkout", "v3.5.2", kv("type", "step")},
		// The same SHA with another comment: the comment is what the file says.
		{".github/workflows/release.yaml", 141, "actions/checkout", "v3.2.0", nil},
		{".github/workflows/release.yaml", 152, "sigstore/cosign-installer", "v3.0.1", nil},
		{".github/workflows/release.yaml", 273, "peter-evans/create-pull-request", "v4.2.4", nil},
	}},
	{kind: "github_actions", repo: "aquasecurity-trivy-action", count: 2, want: []rw{
		// A composite action at the repo root; the pin comment quotes its version.
		{"action.yaml", 129, "aquasecurity/setup-trivy", "v0.2.4", kv("type", "step", "ref", "e6c2c5e321ed9123bda567646e2f96565e34abe1")},
		{"action.yaml", 142, "actions/cache", "v4.2.4", nil},
	}},
	{kind: "github_actions", repo: "helm-helm", count: 7, want: []rw{
		// "# pin@v4.2.2" and "# pin@5.5.0": the pin comment's version, v or not.
		{".github/workflows/release.yml", 23, "actions/checkout", "v4.2.2", kv("ref", "11bd71901bbe5b1630ceea73d27597364c9af683")},
		{".github/workflows/release.yml", 31, "actions/setup-go", "5.5.0", nil},
		{".github/workflows/release.yml", 56, "bacongobbler/azure-blob-storage-upload", "3.0.0", nil},
		{".github/workflows/release.yml", 102, "bacongobbler/azure-blob-storage-upload", "3.0.0", nil},
	}},
	// SHA pins with "# tag=v4.1.2" comments (Renovate's style), owner case folded.
	{kind: "github_actions", repo: "kubernetes-sigs-cluster-api", count: 7, want: []rw{
		{".github/workflows/pr-golangci-lint.yaml", 22, "actions/checkout", "v4.1.2", kv("ref", "9bb56186c3b09b4f86b1c65136769dd318469633", "type", "step")},
		{".github/workflows/pr-golangci-lint.yaml", 31, "golangci/golangci-lint-action", "v4.0.0", nil},
		{".github/workflows/pr-dependabot.yaml", 30, "actions/cache", "v4.0.2", nil},
		{".github/workflows/pr-dependabot.yaml", 43, "endbug/add-and-commit", "v9.1.4", kv("ref", "a94899bca583c204427a224a7af87c02f9b325d5")},
	}},
	// Major-version tags, local composite actions (the repo's own: not reported),
	// a `go install ...@sha` inside run: that is no action.
	{kind: "github_actions", repo: "grafana-grafana", count: 5, want: []rw{
		{".github/workflows/backend-unit-tests.yml", 25, "actions/checkout", "v4", kv("ref", "v4")},
		{".github/workflows/backend-unit-tests.yml", 60, "actions/setup-go", "v5", nil},
		{".github/workflows/backend-unit-tests.yml", 95, "actions/setup-go", "v5", nil},
	}, absent: []string{"./.github/actions/change-detection", ".github/actions/setup-enterprise", "github.com/jstemmer/go-junit-report/v2"}},

	// --- gitlab_ci ---
	// Templates, a project include with a file list and no ref (the default
	// branch: no version), YAML anchors reused as rules.
	{kind: "gitlab_ci", repo: "gitlabhq-gitlab-shell", count: 5, want: []rw{
		{".gitlab-ci.yml", 2, "Code-Quality.gitlab-ci.yml", "", kv("type", "template")},
		{".gitlab-ci.yml", 3, "Security/SAST.gitlab-ci.yml", "", kv("type", "template")},
		{".gitlab-ci.yml", 6, "gitlab-org/quality/pipeline-common", "", kv("type", "project", "file", "/ci/danger-review.yml")},
	}},
	// Local includes with a leading "/" followed into .gitlab/ci; GitLab's
	// !reference tags. Only test.gitlab-ci.yml of the included files is kept.
	{kind: "gitlab_ci", repo: "gitlabhq-gitlab-runner", count: 4, want: []rw{
		{".gitlab/ci/test.gitlab-ci.yml", 2, "Security/Dependency-Scanning.gitlab-ci.yml", "", kv("type", "template")},
		{".gitlab/ci/test.gitlab-ci.yml", 3, "Coverage-Fuzzing.gitlab-ci.yml", "", kv("type", "template")},
		{".gitlab/ci/test.gitlab-ci.yml", 5, "Security/License-Scanning.gitlab-ci.yml", "", kv("type", "template")},
	}, errs: []string{".gitlab/ci/_common.gitlab-ci.yml", ".gitlab/ci/_rules.gitlab-ci.yml", ".gitlab/ci/prepare.gitlab-ci.yml", ".gitlab/ci/fips-helper-binaries.gitlab-ci.yml", ".gitlab/ci/prebuild.gitlab-ci.yml", ".gitlab/ci/prerelease.gitlab-ci.yml", ".gitlab/ci/coverage.gitlab-ci.yml", ".gitlab/ci/build.gitlab-ci.yml", ".gitlab/ci/package.gitlab-ci.yml", ".gitlab/ci/release.gitlab-ci.yml", ".gitlab/ci/postrelease.gitlab-ci.yml", ".gitlab/ci/docs.gitlab-ci.yml"}},
	{kind: "gitlab_ci", repo: "gitlabhq-cli", count: 6, want: []rw{
		// A spec: header document comes first; the includes are in the second.
		{".gitlab-ci.yml", 90, "Jobs/SAST.gitlab-ci.yml", "", kv("type", "template")},
		{".gitlab-ci.yml", 92, "Jobs/Secret-Detection.gitlab-ci.yml", "", kv("type", "template")},
		// ${CI_SERVER_FQDN} is this instance, kept as $CI_SERVER_FQDN.
		{".gitlab-ci.yml", 93, "$CI_SERVER_FQDN/gitlab-org/components/danger-review/danger-review", "2.1.0", kv("type", "component")},
		{".gitlab-ci.yml", 94, "$CI_SERVER_FQDN/components/code-intelligence/golang-code-intel", "v0.4.1", kv("type", "component")},
		{".gitlab-ci.yml", 97, "gitlab-com/gl-security/security-operations/infrastructure-security-public/oidc-modules", "3.4.0",
			kv("type", "project", "file", "templates/gcp_auth.yaml")},
	}},
	{kind: "gitlab_ci", repo: "pipewire-pipewire", count: 3, want: []rw{
		// ref: *templates_sha, an alias to a commit SHA.
		{".gitlab-ci.yml", 15, "freedesktop/ci-templates", "0c312d9c7255f46e741d43bcd1930f09cd12efe7", kv("type", "project", "file", "/templates/fedora.yml")},
		{".gitlab-ci.yml", 18, "freedesktop/ci-templates", "0c312d9c7255f46e741d43bcd1930f09cd12efe7", kv("file", "/templates/ubuntu.yml")},
		{".gitlab-ci.yml", 21, "freedesktop/ci-templates", "0c312d9c7255f46e741d43bcd1930f09cd12efe7", kv("file", "/templates/alpine.yml")},
	}},
	// No include at all, and jobs merging two anchors with repeated <<: keys,
	// which GitLab accepts: nothing found, and no error.
	{kind: "gitlab_ci", repo: "wayland-project-libinput", count: 0},

	// --- gomod ---
	{kind: "gomod", repo: "kubernetes-kubernetes", count: 232, want: []rw{
		{"go.mod", 12, "bitbucket.org/bertimus9/systemstat", "v0.5.0", nil},
		{"go.mod", 13, "github.com/Azure/azure-sdk-for-go", "v68.0.0+incompatible", nil},
		{"go.mod", 94, "gopkg.in/yaml.v3", "v3.0.1", nil},
		// Required at v0.0.0 and replaced by a staging directory.
		{"go.mod", 95, "k8s.io/api", "unknown", kv("replace", "./staging/src/k8s.io/api")},
		{"go.mod", 100, "k8s.io/client-go", "unknown", kv("replace", "./staging/src/k8s.io/client-go")},
		{"go.mod", 110, "k8s.io/gengo", "v0.0.0-20220902162205-c0856e24416d", nil},
		{"go.mod", 245, "sigs.k8s.io/kustomize/kustomize/v5", "v5.0.4-0.20230601165947-6ce0bf390ce3", kv("indirect", "true")},
	}},
	{kind: "gomod", repo: "adguardteam-dnsproxy", count: 56, want: []rw{
		{"internal/tools/go.mod", 6, "github.com/fzipp/gocyclo", "v0.6.0", nil},
		{"internal/tools/go.mod", 11, "github.com/securego/gosec/v2", "v2.21.4", nil},
		{"internal/tools/go.mod", 17, "mvdan.cc/unparam", "v0.0.0-20240917084806-57a3b4290ba3", nil},
		{"internal/tools/go.mod", 27, "github.com/BurntSushi/toml", "v1.4.1-0.20240526193622-a339e1f7089c", kv("indirect", "true")},
	}},
	// Go 1.24 tool and Go 1.25 ignore blocks parse; tools are not requirements.
	{kind: "gomod", repo: "microsoft-typescript-go", count: 15, want: []rw{
		{"go.mod", 6, "github.com/Microsoft/go-winio", "v0.6.2", nil},
		{"go.mod", 16, "gotest.tools/v3", "v3.5.2", nil},
		{"go.mod", 21, "github.com/matryer/moq", "v0.7.1", kv("indirect", "true")},
		{"go.mod", 23, "golang.org/x/tools", "v0.44.0", kv("indirect", "true")},
	}, absent: []string{"golang.org/x/tools/cmd/stringer"}},
	// go 1.26 with toolchain, a replace block sending the repo's own modules
	// to local paths (unknown, Attrs.replace), pseudo-versions, indirects.
	{kind: "gomod", repo: "etcd-io-etcd", count: 86, want: []rw{
		{"go.mod", 24, "github.com/spf13/cobra", "v1.10.2", nil},
		{"go.mod", 29, "go.etcd.io/etcd/client/v3", "unknown", kv("replace", "./client/v3")},
		{"go.mod", 35, "go.etcd.io/raft/v3", "v3.6.0-beta.0.0.20260116184858-6d944ca211ee", nil},
		{"go.mod", 39, "google.golang.org/grpc", "v1.78.0", nil},
		{"go.mod", 52, "github.com/davecgh/go-spew", "v1.1.2-0.20180830191138-d8f796af33cc", kv("indirect", "true")},
	}},

	// --- npm ---
	// pnpm v9 workspace: each member resolves through its own importer.
	// Its eight peers are optional (peerDependenciesMeta): no use, left out;
	// sass, also a devDependency, is that entry alone.
	{kind: "npm", repo: "vitejs-vite", count: 101, want: []rw{
		{"package.json", 67, "picocolors", "1.1.1", kv("section", "devDependencies", "lockfile", "pnpm-lock.yaml:107")},
		// Not in the lockfile: the floor of the declared range.
		{"package.json", 69, "premove", "4.0.0", kv("declared", "^4.0.0")},
		// workspace:* locked as link:packages/vite is no version.
		{"package.json", 78, "vite", "unknown", kv("declared", "workspace:*")},
		{"packages/vite/package.json", 88, "esbuild", "0.24.0", kv("section", "dependencies", "lockfile", "pnpm-lock.yaml:234")},
		{"packages/vite/package.json", 93, "fsevents", "2.3.3", kv("section", "optionalDependencies", "lockfile", "pnpm-lock.yaml:244")},
		{"packages/vite/package.json", 99, "@polka/compression", "1.0.0-next.25", nil},
		// 1.18.1(patch_hash=...)(debug@4.3.7): the version before the suffixes.
		{"packages/vite/package.json", 124, "http-proxy", "1.18.1", kv("lockfile", "pnpm-lock.yaml:329")},
		{"packages/vite/package.json", 116, "dep-types", "unknown", kv("declared", "link:./src/types")},
		{"packages/vite/package.json", 145, "sass", "1.80.4", kv("section", "devDependencies", "declared", "^1.79.4", "lockfile", "pnpm-lock.yaml:392")},
	}, absent: []string{"less", "stylus", "terser", "sugarss"}},
	// pnpm 12 (lockfile 9.0) as two documents: the env document first (pnpm
	// itself, not the project's), the project's after it. catalog: specifiers
	// resolve through the lockfile; a catalog alias is the package it installs;
	// a peer also installed as a devDependency is that entry alone.
	{kind: "npm", repo: "pnpm-pnpm", count: 66, want: []rw{
		{"package.json", 38, "@commitlint/cli", "21.2.2", kv("section", "devDependencies", "declared", "catalog:", "lockfile", "pnpm-lock.yaml:902")},
		{"package.json", 41, "@pnpm/eslint-config", "unknown", kv("declared", "workspace:*")},
		{"package.json", 53, "eslint", "10.8.1", kv("lockfile", "pnpm-lock.yaml:947")},
		{"package.json", 61, "typescript", "6.0.3", kv("lockfile", "pnpm-lock.yaml:974")},
		{".meta-updater/package.json", 13, "@pnpm/meta-updater", "2.0.6", kv("section", "dependencies", "lockfile", "pnpm-lock.yaml:986")},
		{".meta-updater/package.json", 22, "semver", "7.8.5", kv("lockfile", "pnpm-lock.yaml:1013")},
		{"pnpm11/bins/linker/package.json", 49, "@pnpm/ramda", "0.28.1", kv("section", "dependencies", "declared", "catalog:", "lockfile", "pnpm-lock.yaml:1470")},
		{"pnpm11/bins/linker/package.json", 50, "semver", "7.8.5", kv("lockfile", "pnpm-lock.yaml:1473")},
		{"pnpm11/bins/linker/package.json", 57, "@jest/globals", "30.4.1", kv("section", "devDependencies", "lockfile", "pnpm-lock.yaml:1480")},
		{"pnpm11/bins/linker/package.json", 59, "@pnpm/logger", "unknown", kv("section", "devDependencies", "declared", "workspace:*")},
	}, absent: []string{"pnpm", "@pnpm/exe", "ramda", "node"}},
	// A React library: four optional peers, each also a devDependency, give
	// no version of their own (react >=18.0.0 is no use of 18.0.0). Both a
	// package-lock.json (stale, cut to its root entry) and a pnpm-lock.yaml
	// sit at the root: packageManager names pnpm, so its lockfile resolves.
	{kind: "npm", repo: "pmndrs-zustand", count: 39, want: []rw{
		{"package.json", 125, "@testing-library/jest-dom", "7.0.1", kv("section", "devDependencies", "lockfile", "pnpm-lock.yaml:31")},
		{"package.json", 128, "@types/react", "19.2.18", kv("lockfile", "pnpm-lock.yaml:40")},
		{"package.json", 142, "immer", "11.1.16", kv("section", "devDependencies", "lockfile", "pnpm-lock.yaml:82")},
		{"package.json", 146, "react", "19.2.8", kv("section", "devDependencies", "declared", "^19.2.8", "lockfile", "pnpm-lock.yaml:94")},
		{"package.json", 157, "vitest", "4.1.10", kv("lockfile", "pnpm-lock.yaml:127")},
	}},
	// Yarn berry (lockfile __metadata version 6) with multi-range entry keys.
	{kind: "npm", repo: "jestjs-jest", count: 80, want: []rw{
		{"package.json", 6, "@babel/core", "7.25.2", kv("declared", "^7.11.6", "lockfile", "yarn.lock:327")},
		{"package.json", 14, "@jest/globals", "unknown", kv("declared", "workspace:*")},
		{"package.json", 16, "@lerna-lite/cli", "3.0.0", kv("declared", "^3.0.0")},
	}},
	// Yarn classic; a git URL dependency has no version.
	{kind: "npm", repo: "argoproj-argo-cd", count: 87, want: []rw{
		{"ui/package.json", 85, "@babel/core", "7.7.2", kv("section", "devDependencies", "lockfile", "ui/yarn.lock:59")},
		{"ui/package.json", 30, "argo-ui", "unknown", kv("declared", "https://github.com/argoproj/argo-ui.git")},
		{"ui/package.json", 55, "react-form", "2.16.0", nil},
		{"ui/package.json", 64, "redoc", "2.0.0-rc.40", nil},
	}},

	// package-lock.json (v2, cut to its first entries): locked versions with
	// the line of their "version", a nested node_modules/x/node_modules/semver,
	// devDependencies the cut lock no longer holds at their floor, a "*" optional.
	{kind: "npm", repo: "actions-hello-world-javascript-action", count: 17, want: []rw{
		{"package.json", 41, "@actions/core", "1.11.1", kv("lockfile", "package-lock.json:39", "section", "dependencies")},
		{"package.json", 42, "@actions/github", "6.0.1", kv("lockfile", "package-lock.json:56")},
		{"package.json", 49, "eslint", "9.29.0", kv("section", "devDependencies", "declared", "^9.29.0")},
		{"package.json", 61, "@rollup/rollup-linux-x64-gnu", "unknown", kv("section", "optionalDependencies", "declared", "*")},
	}, absent: []string{"semver", "@babel/core", "hello-world-javascript-action"}},

	// --- python ---
	{kind: "python", repo: "home-assistant-core", count: 49, want: []rw{
		{"requirements_test.txt", 11, "ast-serialize", "0.3.0", kv("declared", "==0.3.0")},
		{"requirements_test.txt", 36, "pytest", "9.0.3", nil},
		{"requirements_test.txt", 42, "types-atomicwrites", "1.4.5.1", nil},
		// types-PyYAML, normalised per PEP 503.
		{"requirements_test.txt", 54, "types-pyyaml", "6.0.12.20260408", nil},
		// Reached by -r, and matched by name too: read once.
		{"requirements_test_pre_commit.txt", 5, "ruff", "0.8.6", nil},
	}},
	// pip-compile output: every requirement continued over --hash lines.
	{kind: "python", repo: "pypi-warehouse", count: 14, want: []rw{
		{"requirements/main.txt", 1, "alembic", "0.9.6", nil},
		{"requirements/main.txt", 30, "babel", "2.5.1", nil},
		{"requirements/main.txt", 63, "billiard", "3.5.0.3", nil},
		{"requirements/main.txt", 83, "certifi", "2017.11.5", nil},
		{"requirements/main.txt", 86, "chardet", "3.0.4", nil},
	}},
	{kind: "python", repo: "pydantic-pydantic", count: 44, want: []rw{
		{"pyproject.toml", 2, "hatch-fancy-pypi-readme", "22.5.0", kv("section", "build-system.requires")},
		// One package twice, under two markers.
		{"pyproject.toml", 50, "typing-extensions", "4.6.1", kv("section", "project.dependencies")},
		{"pyproject.toml", 51, "typing-extensions", "4.12.2", nil},
		{"pyproject.toml", 53, "pydantic-core", "2.20.1", nil},
		{"pyproject.toml", 58, "email-validator", "2.0.0", kv("section", "project.optional-dependencies.email")},
		// PDM's development groups.
		{"pyproject.toml", 113, "mike", "unknown", kv("section", "tool.pdm.dev-dependencies.docs")},
		{"pyproject.toml", 117, "pydantic-extra-types", "unknown", kv("declared", "main")},
		{"pyproject.toml", 121, "ruff", "0.5.0", kv("section", "tool.pdm.dev-dependencies.linting")},
		{"pyproject.toml", 146, "greenlet", "3.0.0rc3", kv("section", "tool.pdm.dev-dependencies.testing-extra")},
	}},
	{kind: "python", repo: "python-poetry-poetry", count: 25, want: []rw{
		{"pyproject.toml", 26, "cleo", "0.6.7", kv("section", "tool.poetry.dependencies", "declared", "^0.6.7")},
		{"pyproject.toml", 33, "cachecontrol", "0.12.4", nil},
		{"pyproject.toml", 45, "virtualenv", "16.0", nil},
		{"pyproject.toml", 55, "black", "18.3-alpha.0", kv("section", "tool.poetry.dev-dependencies")},
	}, absent: []string{"python"}},
	{kind: "python", repo: "pytest-dev-pytest", count: 17, want: []rw{
		{"setup.cfg", 49, "pluggy", "1.3.0", kv("section", "options.install_requires", "declared", ">=1.3.0,<2.0")},
		// An environment marker glued to the name.
		{"setup.cfg", 50, "colorama", "unknown", nil},
		{"setup.cfg", 51, "exceptiongroup", "1.0.0rc8", nil},
		{"setup.cfg", 58, "setuptools-scm", "6.0", kv("section", "options.setup_requires")},
		{"setup.cfg", 69, "attrs", "19.2.0", kv("section", "options.extras_require.testing")},
	}, absent: []string{"pytest", "src"}},
	{kind: "python", repo: "pypa-pipenv", count: 12, want: []rw{
		{"Pipfile", 4, "flake8", "3.3.0", kv("section", "dev-packages")},
		// An upper bound alone is no floor.
		{"Pipfile", 7, "sphinx", "unknown", kv("declared", "<=1.5.5")},
		{"Pipfile", 14, "stdeb", "unknown", kv("declared", "*")},
	}},

	// --- maven ---
	{kind: "maven", repo: "spring-projects-spring-petclinic", count: 34, want: []rw{
		{"pom.xml", 10, "org.springframework.boot:spring-boot-starter-parent", "3.2.1", kv("section", "parent")},
		// Managed by the parent, which is not in the repo.
		{"pom.xml", 54, "org.springframework.boot:spring-boot-starter-web", "unknown", kv("section", "dependencies")},
		{"pom.xml", 100, "org.webjars.npm:bootstrap", "5.3.2", kv("declared", "${webjars-bootstrap.version}")},
		// A property the parent defines stays unresolved.
		{"pom.xml", 164, "org.apache.maven.plugins:maven-deploy-plugin", "unknown", kv("declared", "${maven-deploy-plugin.version}")},
		{"pom.xml", 181, "org.apache.maven.plugins:maven-release-plugin", "3.0.1", kv("section", "plugins")},
		// The checkstyle plugin's own dependencies.
		{"pom.xml", 228, "com.puppycrawl.tools:checkstyle", "10.12.5", kv("section", "pluginDependencies")},
		{"pom.xml", 233, "io.spring.nohttp:nohttp-checkstyle", "0.0.11", kv("section", "pluginDependencies")},
		{"pom.xml", 283, "org.jacoco:jacoco-maven-plugin", "0.8.11", nil},
		// In a profile's pluginManagement.
		{"pom.xml", 411, "org.eclipse.m2e:lifecycle-mapping", "1.0.0", kv("section", "pluginManagement")},
	}, absent: []string{"org.springframework.samples:spring-petclinic"}},
	// A BOM import whose group, artifact and version all come from properties.
	{kind: "maven", repo: "quarkusio-quarkus-quickstarts", count: 8, want: []rw{
		{"getting-started/pom.xml", 25, "io.quarkus:quarkus-bom", "2.16.1.Final", kv("scope", "import", "section", "dependencyManagement")},
		{"getting-started/pom.xml", 36, "io.quarkus:quarkus-resteasy-reactive", "unknown", nil},
		// A plugin without groupId is org.apache.maven.plugins.
		{"getting-started/pom.xml", 53, "org.apache.maven.plugins:maven-compiler-plugin", "3.8.1", nil},
		{"getting-started/pom.xml", 68, "io.quarkus:quarkus-maven-plugin", "2.16.1.Final", nil},
		{"getting-started/pom.xml", 96, "org.apache.maven.plugins:maven-failsafe-plugin", "3.0.0-M7", kv("section", "plugins")},
	}},
	// A Spring Boot 4 parent, a BOM import through a property, plugin versions
	// from pluginManagement, ${spring-boot.version} → ${project.parent.version},
	// versions the parent manages (unknown here), annotation processors, profiles.
	{kind: "maven", repo: "jhipster-jhipster-sample-app", count: 118, want: []rw{
		{"pom.xml", 14, "org.springframework.boot:spring-boot-starter-parent", "4.0.6", kv("section", "parent")},
		{"pom.xml", 79, "org.springframework.cloud:spring-cloud-dependencies", "2025.1.1", kv("scope", "import", "declared", "${spring-cloud-dependencies.version}")},
		{"pom.xml", 90, "tech.jhipster:jhipster-framework", "9.1.0", nil},
		{"pom.xml", 175, "org.springframework.boot:spring-boot-starter-web", "unknown", kv("section", "dependencies")},
		{"pom.xml", 284, "org.liquibase:liquibase-core", "unknown", kv("declared", "${liquibase.version}")},
		{"pom.xml", 337, "org.apache.maven.plugins:maven-checkstyle-plugin", "3.6.0", kv("section", "plugins")},
		{"pom.xml", 410, "com.puppycrawl.tools:checkstyle", "13.4.2", kv("section", "pluginDependencies")},
		{"pom.xml", 451, "org.mapstruct:mapstruct-processor", "1.6.3", kv("section", "annotationProcessorPaths")},
		{"pom.xml", 841, "org.springframework.boot:spring-boot-starter-data-jpa", "4.0.6", kv("declared", "${spring-boot.version}")},
		{"pom.xml", 1032, "org.postgresql:postgresql", "unknown", nil},
	}},

	// --- gradle ---
	// Groovy: ext {} versions interpolated as $name, a classifier-less @ext.
	{kind: "gradle", repo: "reactivex-rxjava", count: 19, want: []rw{
		{"build.gradle", 2, "java-library", "unknown", kv("section", "plugins")},
		{"build.gradle", 7, "ru.vyarus.animalsniffer", "1.5.3", kv("section", "plugins")},
		{"build.gradle", 48, "org.codehaus.mojo.signature:java18", "1.0", kv("section", "signature")},
		{"build.gradle", 50, "org.reactivestreams:reactive-streams", "1.0.3", kv("section", "api", "declared", "$reactiveStreamsVersion")},
		{"build.gradle", 53, "junit:junit", "4.13.2", kv("section", "testImplementation")},
		{"build.gradle", 58, "com.google.guava:guava", "30.1.1-jre", nil},
	}, absent: []string{"io.reactivex.rxjava3"}},
	// A version catalog; a settings script that names no dependency.
	{kind: "gradle", repo: "android-nowinandroid", count: 89, want: []rw{
		{"gradle/libs.versions.toml", 64, "androidx.compose:compose-bom", "2023.01.00", kv("section", "catalog", "version.ref", "androidxComposeBom")},
		// Managed by the BOM: no version of its own.
		{"gradle/libs.versions.toml", 65, "androidx.compose.foundation:foundation", "unknown", nil},
		{"gradle/libs.versions.toml", 96, "androidx.tracing:tracing-ktx", "1.1.0", nil},
		{"gradle/libs.versions.toml", 97, "androidx.window:window", "1.0.0", kv("version.ref", "androidxWindowManager")},
		{"gradle/libs.versions.toml", 134, "com.google.devtools.ksp:com.google.devtools.ksp.gradle.plugin", "1.8.0-1.0.9", nil},
		{"gradle/libs.versions.toml", 137, "com.android.application", "7.4.1", kv("section", "catalog")},
	}},
	// Kotlin multiplatform: dependencies {} inside source sets, a BOM through
	// a qualified enforcedPlatform().
	{kind: "gradle", repo: "ktorio-ktor-samples", count: 17, want: []rw{
		{"chat/build.gradle.kts", 2, "org.jetbrains.kotlin.multiplatform", "2.2.21", kv("section", "plugins")},
		{"chat/build.gradle.kts", 24, "io.ktor:ktor-bom", "3.3.2", kv("section", "implementation")},
		{"chat/build.gradle.kts", 32, "io.ktor:ktor-server-netty", "unknown", nil},
		{"chat/build.gradle.kts", 37, "ch.qos.logback:logback-classic", "1.5.21", nil},
		{"chat/build.gradle.kts", 54, "org.jetbrains.kotlinx:kotlinx-coroutines-core-js", "1.10.2", nil},
	}},

	// --- helm ---
	{kind: "helm", repo: "bitnami-charts", count: 3, want: []rw{
		// 6.x.x resolved by the lock (in OCI registries).
		{"bitnami/wordpress/Chart.yaml", 11, "memcached", "7.6.1", kv("declared", "6.x.x", "lockfile", "bitnami/wordpress/Chart.lock:2")},
		{"bitnami/wordpress/Chart.yaml", 15, "mariadb", "20.2.2", kv("repository", "oci://registry-1.docker.io/bitnamicharts")},
		{"bitnami/wordpress/Chart.yaml", 18, "common", "2.29.1", kv("lockfile", "bitnami/wordpress/Chart.lock:8")},
	}},
	// The crds dependency has no repository (a chart of its own charts/),
	// and the stored Chart.lock is years older than the Chart.yaml.
	{kind: "helm", repo: "prometheus-community-helm-charts", count: 4, want: []rw{
		{"charts/kube-prometheus-stack/Chart.yaml", 47, "kube-state-metrics", "5.28",
			kv("declared", "5.28.*", "stale_lockfile", "charts/kube-prometheus-stack/Chart.lock:2")},
		{"charts/kube-prometheus-stack/Chart.yaml", 55, "grafana", "8.8", kv("repository", "https://grafana.github.io/helm-charts")},
		{"charts/kube-prometheus-stack/Chart.yaml", 59, "prometheus-windows-exporter", "0.7", kv("declared", "0.7.*")},
	}, absent: []string{"crds"}},
	{kind: "helm", repo: "argoproj-argo-helm", count: 1, want: []rw{
		{"charts/argo-cd/Chart.yaml", 20, "redis-ha", "4.29.4", kv("stale_lockfile", "charts/argo-cd/Chart.lock:2")},
	}},

	// --- terraform ---
	{kind: "terraform", repo: "cloudposse-terraform-aws-components", count: 1, want: []rw{
		// ?ref=tags/0.1.0 is tag 0.1.0.
		{"aws/kops-aws-platform/alb-ingress.tf", 7, "github.com/cloudposse/terraform-aws-kops-aws-alb-ingress", "0.1.0", nil},
	}},
	// Local modules (../.., ../../modules/karpenter) are the repo's own.
	{kind: "terraform", repo: "terraform-aws-modules-terraform-aws-eks", count: 1, want: []rw{
		{"examples/karpenter/main.tf", 288, "terraform-aws-modules/vpc/aws", "3.0", kv("declared", "~> 3.0", "source", "terraform-aws-modules/vpc/aws")},
	}},
	// A Terragrunt live repo: each unit's source is
	// "${include.envcommon.locals.base_source_url}?ref=v0.8.0", the URL an scp
	// address with //subdir in _envcommon/<component>.hcl, reached through an
	// include whose path is ${dirname(find_in_parent_folders("root.hcl"))};
	// that file's other locals read env.hcl with read_terragrunt_config.
	{kind: "terraform", repo: "gruntwork-io-terragrunt-infrastructure-live-example", count: 6, want: []rw{
		{"prod/us-east-1/prod/mysql/terragrunt.hcl", 24, "github.com/gruntwork-io/terragrunt-infrastructure-modules-example", "v0.8.0",
			kv("subdir", "modules/mysql", "source", "${include.envcommon.locals.base_source_url}?ref=v0.8.0",
				"resolved", "git::git@github.com:gruntwork-io/terragrunt-infrastructure-modules-example.git//modules/mysql?ref=v0.8.0")},
		{"prod/us-east-1/prod/webserver-cluster/terragrunt.hcl", 24, "github.com/gruntwork-io/terragrunt-infrastructure-modules-example", "v0.8.0",
			kv("subdir", "modules/asg-alb-service")},
		{"non-prod/us-east-1/qa/mysql/terragrunt.hcl", 24, "github.com/gruntwork-io/terragrunt-infrastructure-modules-example", "v0.8.0",
			kv("subdir", "modules/mysql")},
		{"non-prod/us-east-1/stage/webserver-cluster/terragrunt.hcl", 24, "github.com/gruntwork-io/terragrunt-infrastructure-modules-example", "v0.8.0",
			kv("subdir", "modules/asg-alb-service")},
	}},

	// Terragrunt's registry protocol: tfr://registry.terraform.io/ (the public
	// registry's host dropped), a //subdir, a version attribute beside the
	// source, and a source built from two locals, ?version= one of them.
	{kind: "terraform", repo: "gruntwork-io-terragrunt", count: 4, want: []rw{
		{"test/fixtures/tfr/version/terragrunt.hcl", 7, "terraform-aws-modules/iam/aws", "5.0",
			kv("source", "${local.base_source}?version=${local.version}", "resolved", "tfr:///terraform-aws-modules/iam/aws?version=~>5.0, <5.51.0, !=5.50.0")},
		{"test/fixtures/tfr/root/terragrunt.hcl", 3, "yorinasub17/terragrunt-registry-test/null", "0.0.2", nil},
		{"test/fixtures/tfr/subdir/terragrunt.hcl", 3, "yorinasub17/terragrunt-registry-test/null", "0.0.2", kv("subdir", "modules/one")},
		{"test/fixtures/tfr/version-constraint/terragrunt.hcl", 4, "registry.opentofu.org/yorinasub17/terragrunt-registry-test/null", "0.0.1", kv("declared", "~> 0.0.1")},
	}},

	// --- kustomize ---
	// Local resources; Argo CD from a raw file on master; a component by URL.
	{kind: "kustomize", repo: "argoproj-argoproj-deployments", count: 2, want: []rw{
		{"argocd/kustomization.yaml", 11, "github.com/argoproj/argo-cd", "unknown", kv("field", "resources", "subdir", "manifests/ha/install.yaml")},
		{"argocd/kustomization.yaml", 14, "github.com/argoproj-labs/argocd-extensions/manifests", "unknown", kv("field", "components")},
	}, absent: []string{"base/argo-cd-issuer.yaml"}},
	// Controllers pinned as a source archive and as release assets; account.yaml is local.
	{kind: "kustomize", repo: "fluxcd-flux2", count: 4, want: []rw{
		{"manifests/bases/kustomize-controller/kustomization.yaml", 4, "github.com/fluxcd/kustomize-controller", "v0.7.3", kv("subdir", "kustomize-controller-0.7.3/config/crd")},
		{"manifests/bases/kustomize-controller/kustomization.yaml", 5, "github.com/fluxcd/kustomize-controller", "v0.7.3", kv("subdir", "kustomize-controller-0.7.3/config/manager")},
		{"manifests/bases/image-reflector-controller/kustomization.yaml", 4, "github.com/fluxcd/image-reflector-controller", "v0.15.0", kv("subdir", "image-reflector-controller.crds.yaml")},
		{"manifests/bases/image-reflector-controller/kustomization.yaml", 5, "github.com/fluxcd/image-reflector-controller", "v0.15.0", kv("field", "resources")},
	}, absent: []string{"account.yaml"}},

	// --- jenkins ---
	// A 47 KB declarative pipeline: GStrings with escaped quotes and ${...},
	// triple-quoted strings, commented-out loads.
	{kind: "jenkins", repo: "harisekhon-jenkins", count: 1, want: []rw{
		{"Jenkinsfile", 40, "harisekhon", "unknown", kv("declared", "master")},
	}, absent: []string{"namedlibrary", "name"}},
	// A scripted pipeline loading no library: nothing to report, and the
	// ''' shell script with \\; and $( ) and the URLs in comments are no error.
	{kind: "jenkins", repo: "jenkins-infra-jenkins.io", count: 0},
	// A scripted pipeline: @Library on an import (no `_`), two libraries with
	// host-qualified names; triple-quoted JSON and escaped shell quoting later.
	{kind: "jenkins", repo: "cloudogu-usermgt", count: 2, want: []rw{
		{"Jenkinsfile", 2, "github.com/cloudogu/dogu-build-lib", "v2.1.0", kv("declared", "v2.1.0")},
		{"Jenkinsfile", 2, "github.com/cloudogu/ces-build-lib", "1.62.0", kv("declared", "1.62.0")},
	}},
	// The same library loaded by its host-qualified name from a list...
	{kind: "jenkins", repo: "cloudogu-k8s-service-discovery", count: 1, want: []rw{
		{"Jenkinsfile", 3, "github.com/cloudogu/ces-build-lib", "3.0.0", kv("declared", "3.0.0")},
	}},
	// ...and by its bare name, without a version, one per line of a list.
	{kind: "jenkins", repo: "cloudogu-nginx", count: 3, want: []rw{
		{"Jenkinsfile", 2, "pipe-build-lib", "unknown", nil},
		{"Jenkinsfile", 3, "ces-build-lib", "unknown", nil},
		{"Jenkinsfile", 4, "dogu-build-lib", "unknown", nil},
	}},

	// --- container_image ---
	// A plain Deployment behind a "---" document marker.
	{kind: "container_image", repo: "kubernetes-sigs-metrics-server", count: 1, want: []rw{
		{"manifests/base/deployment.yaml", 29, "gcr.io/k8s-staging-metrics-server/metrics-server", "master", nil},
	}},
	// Compose: Docker Hub short names, untagged images, a block-scalar entrypoint.
	{kind: "container_image", repo: "grafana-loki", count: 12, want: []rw{
		{"production/docker/docker-compose.yaml", 20, "docker.io/grafana/loki", "2.6.1", nil},
		{"production/docker/docker-compose.yaml", 46, "docker.io/prom/prometheus", "v2.27.0", nil},
		{"production/docker/docker-compose.yaml", 87, "docker.io/minio/minio", "", nil},
		{"production/docker/docker-compose.yaml", 108, "docker.io/library/nginx", "1.19", nil},
		{"production/docker/docker-compose.yaml", 186, "docker.io/prom/alertmanager", "v0.23.0", nil},
	}},
	// Helm values split as {registry, image, tag, digest}; images in comments are not read.
	{kind: "container_image", repo: "kubernetes-ingress-nginx", count: 3, want: []rw{
		{"charts/ingress-nginx/values.yaml", 20, "k8s.gcr.io/ingress-nginx/controller", "v1.1.1", kv("digest", "sha256:0bc88eb15f9e7f84e8e56c14fa5735aaa488b840983f87bd79b1054190e660de")},
		{"charts/ingress-nginx/values.yaml", 631, "k8s.gcr.io/ingress-nginx/kube-webhook-certgen", "v1.1.1", kv("digest", "sha256:64d8c73dca984af206adf9d6d7e46aa550362b1d7a01f3a0a91b20cc67868660")},
		{"charts/ingress-nginx/values.yaml", 758, "k8s.gcr.io/defaultbackend-amd64", "1.5", nil},
	}, absent: []string{"docker.io/ingress-nginx/controller", "docker.io/library/busybox", "docker.io/lemonldapng/lemonldap-ng-controller"}},

	// The CI fixtures of other kinds, read for the images their jobs run.
	{kind: "container_image", dir: "gitlab_ci", repo: "gitlabhq-cli", count: 8, want: []rw{
		{".gitlab-ci.yml", 212, "docker.io/library/ruby", "3.4-alpine3.23", nil},
		// services: [{name: docker:28-dind}]; the job image ${GITLAB_DEPENDENCY_PROXY}docker:stable is a variable.
		{".gitlab-ci.yml", 395, "docker.io/library/docker", "28-dind", nil},
		{".gitlab-ci.yml", 501, "registry.gitlab.com/gitlab-org/cli", "latest", nil},
	}},
	{kind: "container_image", dir: "gitlab_ci", repo: "wayland-project-libinput", count: 3, want: []rw{
		{".gitlab-ci.yml", 78, "docker.io/library/docker", "dind", nil},
	}},
	{kind: "container_image", dir: "gitlab_ci", repo: "gitlabhq-gitlab-runner", count: 6, want: []rw{
		{".gitlab/ci/test.gitlab-ci.yml", 142, "registry.gitlab.com/gitlab-org/ci-cd/runner-tools/runner-linters", "1.43.0-go1.17", nil},
		{".gitlab/ci/test.gitlab-ci.yml", 238, "docker.io/library/golang", "1.17.7", nil},
	}},
	{kind: "container_image", dir: "github_actions", repo: "prometheus-prometheus", count: 5, want: []rw{
		{".github/workflows/ci.yml", 14, "quay.io/prometheus/golang-builder", "1.22-base", nil},
		{".github/workflows/ci.yml", 44, "quay.io/prometheus/golang-builder", "1.21-base", nil},
	}},
	{kind: "container_image", dir: "github_actions", repo: "argoproj-argo-cd", count: 0},
	// GitLab CI variables of the same file: top-level ones in the default
	// image, a hidden job's and its services; the matrix job has no image.
	{kind: "container_image", dir: "gitlab_ci", repo: "gitlabhq-gitlab-shell", count: 5, want: []rw{
		{".gitlab-ci.yml", 27, "registry.gitlab.com/gitlab-org/gitlab-build-images/debian-bullseye-ruby-2.7-golang-1.18", "git-2.36", kv(
			"original", "registry.gitlab.com/gitlab-org/gitlab-build-images/debian-${DEBIAN_VERSION}-${RUBY_VERSION}-${GO_VERSION}:git-2.36",
			"variables", "DEBIAN_VERSION=.gitlab-ci.yml:14,RUBY_VERSION=.gitlab-ci.yml:15,GO_VERSION=.gitlab-ci.yml:13")},
		{".gitlab-ci.yml", 32, "docker.io/library/docker", "20.10.15", kv("original", "docker:${DOCKER_VERSION}", "variables", "DOCKER_VERSION=.gitlab-ci.yml:11")},
		{".gitlab-ci.yml", 34, "docker.io/library/docker", "20.10.15-dind", nil},
		{".gitlab-ci.yml", 50, "registry.gitlab.com/gitlab-org/build/cng/gitaly", "master", nil},
		{".gitlab-ci.yml", 77, "docker.io/sourcegraph/lsif-go", "v1.9", nil},
	}},
	// kubernetes-manifests/ names skaffold's artifacts (image: adservice):
	// only an official image has a single name on Docker Hub. kustomize/base
	// is built by kustomize/kustomization.yaml, a component no one includes
	// on its own; release/ is one 20-document file; the chart's
	// `images: {repository, tag: ""}` is the prefix of all its images.
	{kind: "container_image", repo: "googlecloudplatform-microservices-demo", count: 20, want: []rw{
		{"kubernetes-manifests/cartservice.yaml", 118, "docker.io/library/redis", "alpine", nil},
		{"kubernetes-manifests/loadgenerator.yaml", 67, "docker.io/library/busybox", "1.38.0", kv("digest", "sha256:fd8d9aa63ba2f0982b5304e1ee8d3b90a210bc1ffb5314d980eb6962f1a9715d")},
		{"kustomize/base/adservice.yaml", 46, "us-central1-docker.pkg.dev/online-boutique-ci/microservices-demo/adservice", "v0.10.6", nil},
		{"kustomize/base/cartservice.yaml", 118, "docker.io/library/redis", "alpine", nil},
		{"kustomize/components/google-cloud-operations/otel-collector.yaml", 71, "docker.io/otel/opentelemetry-collector-contrib", "0.157.0",
			kv("digest", "sha256:f2f01157055a9b2aab9df7118e1f1c9abf345e99b23bc7a2bc791db374a7d0f6")},
		{"release/kubernetes-manifests.yaml", 53, "us-central1-docker.pkg.dev/online-boutique-ci/microservices-demo/frontend", "v0.10.6", nil},
		{"release/kubernetes-manifests.yaml", 401, "docker.io/library/redis", "alpine", nil},
		{"release/kubernetes-manifests.yaml", 939, "us-central1-docker.pkg.dev/online-boutique-ci/microservices-demo/productcatalogservice", "v0.10.6", nil},
	}, absent: []string{"docker.io/library/adservice", "docker.io/library/cartservice", "docker.io/library/loadgenerator",
		"us-central1-docker.pkg.dev/online-boutique-ci/microservices-demo"}},
	// Kustomize as it builds: images: overrides of a base two includes
	// down, of the overlay over a container its patch adds, newName over a
	// Docker Hub name in a directory no default path covers (followed);
	// a patch no kustomization names counts as a file. Katib's chart:
	// global.imageRegistry before its own repositories, not before the
	// official mysql and postgres; YAML in a `runtimeConfig: |` string.
	{kind: "container_image", repo: "kubeflow-manifests", count: 30, want: []rw{
		{"applications/profiles/upstream/manager/manager.yaml", 31, "ghcr.io/kubeflow/kubeflow/profile-controller", "v1.10.0",
			kv("original", "ghcr.io/kubeflow/kubeflow/profile-controller", "override", "applications/profiles/upstream/base/kustomization.yaml:14")},
		{"applications/profiles/upstream/overlays/kubeflow/patches/kfam.yaml", 26, "ghcr.io/kubeflow/kubeflow/kfam", "v1.10.0",
			kv("override", "applications/profiles/upstream/overlays/kubeflow/kustomization.yaml:31")},
		{"applications/profiles/upstream/default/manager_auth_proxy_patch.yaml", 13, "quay.io/brancz/kube-rbac-proxy", "v0.11.0", nil},
		{"applications/centraldashboard/upstream/base/deployment.yaml", 23, "ghcr.io/kubeflow/kubeflow/central-dashboard", "v1.10.0",
			kv("override", "applications/centraldashboard/upstream/base/kustomization.yaml:15")},
		{"applications/kserve/models-web-app/base/deployment.yaml", 21, "ghcr.io/kserve/models-web-app", "0.16.1",
			kv("original", "kserve/models-web-app:latest", "override", "applications/kserve/models-web-app/base/kustomization.yaml:9")},
		{"common/oauth2-proxy/components/cluster-jwks-proxy/cluster-jwks-proxy.yaml", 46, "docker.io/bitnamisecure/kubectl", "latest",
			kv("original", "docker.io/bitnami/kubectl", "override", "common/oauth2-proxy/components/cluster-jwks-proxy/kustomization.yaml:9")},
		{"experimental/helm/charts/katib/values.yaml", 49, "ghcr.io/kubeflow/katib/katib-controller", "", kv("original", "katib-controller")},
		{"experimental/helm/charts/katib/values.yaml", 187, "docker.io/library/mysql", "8.0", nil},
		{"experimental/helm/charts/katib/values.yaml", 299, "docker.io/library/postgres", "14.5-alpine", nil},
		{"experimental/helm/charts/katib/values.yaml", 783, "ghcr.io/kubeflow/katib/file-metrics-collector", "v0.19.0", nil},
		{"experimental/helm/charts/katib/values.yaml", 825, "ghcr.io/kubeflow/katib/earlystopping-medianstop", "v0.19.0", nil},
		{"experimental/helm/charts/katib/values.yaml", 832, "ghcr.io/kubeflow/katib/pytorch-mnist-cpu", "v0.19.0", nil},
	}, absent: []string{"docker.io/library/katib-controller", "ghcr.io/kubeflow/katib/mysql", "docker.io/kserve/models-web-app", "docker.io/bitnami/kubectl"}},
	// Image maps under other keys (collectorImage), without a tag (the
	// chart's appVersion: unknown here), repositories left empty for the
	// operator to choose; chart-testing's ci/*-values.yaml, examples/.
	{kind: "container_image", repo: "open-telemetry-opentelemetry-helm-charts", count: 10, want: []rw{
		{"charts/opentelemetry-operator/values.yaml", 53, "ghcr.io/open-telemetry/opentelemetry-operator/opentelemetry-operator", "", nil},
		{"charts/opentelemetry-operator/values.yaml", 57, "ghcr.io/open-telemetry/opentelemetry-collector-releases/opentelemetry-collector-k8s", "0.158.0", nil},
		{"charts/opentelemetry-operator/values.yaml", 410, "docker.io/library/busybox", "latest", nil},
		{"charts/opentelemetry-kube-stack/values.yaml", 64, "docker.io/otel/opentelemetry-collector-k8s", "", nil},
		{"charts/opentelemetry-collector/ci/deployment-values.yaml", 7, "ghcr.io/open-telemetry/opentelemetry-collector-releases/opentelemetry-collector-k8s", "", nil},
		{"charts/opentelemetry-collector/examples/deployment-otlp-traces/rendered/deployment.yaml", 50,
			"ghcr.io/open-telemetry/opentelemetry-collector-releases/opentelemetry-collector-k8s", "0.158.0", nil},
	}},
	// {registry, repository, tag, sha} maps beside an empty
	// global.imageRegistry; a ci/ map with a repository alone.
	{kind: "container_image", repo: "prometheus-community-helm-charts", count: 4, want: []rw{
		{"charts/prometheus-kafka-exporter/ci/ci-values.yaml", 9, "docker.io/bitnamilegacy/kafka", "", nil},
		{"charts/prometheus-node-exporter/values.yaml", 6, "quay.io/prometheus/node-exporter", "", nil},
		{"charts/prometheus-node-exporter/values.yaml", 49, "quay.io/brancz/kube-rbac-proxy", "v0.22.1", nil},
		{"charts/prometheus-node-exporter/values.yaml", 553, "quay.io/prometheus/busybox", "latest", nil},
	}},

	// --- cargo ---
	// A workspace whose member inherits with `x.workspace = true` and path
	// crates; read without its Cargo.lock.
	{kind: "cargo", repo: "helix-editor-helix", count: 37, want: []rw{
		{"Cargo.toml", 43, "slotmap", "1.0.7", kv("section", "workspace.dependencies")},
		{"helix-core/Cargo.toml", 34, "slotmap", "1.0.7", kv("declared", "1.0.7", "workspace", "Cargo.toml:43")},
		{"helix-core/Cargo.toml", 35, "tree-sitter", "0.22", kv("workspace", "Cargo.toml:41")},
		{"helix-core/Cargo.toml", 32, "unicode-width", "0.1.12", kv("declared", "=0.1.12")},
		{"helix-core/Cargo.toml", 66, "quickcheck", "1", kv("section", "dev-dependencies")},
	}, absent: []string{"helix-stdx", "helix-loader", "helix-parsec"}},
	// [dependencies.clap] tables, a cfg() target table, a v4 Cargo.lock
	// (a later commit's) at the root shared by a member crate.
	{kind: "cargo", repo: "BurntSushi-ripgrep", count: 23, want: []rw{
		{"Cargo.toml", 45, "bstr", "1.13.0", kv("declared", "1.1.0", "lockfile", "Cargo.lock:30")},
		{"Cargo.toml", 54, "clap", "2.33.0", kv("section", "dependencies")},
		{"Cargo.toml", 59, "jemallocator", "0.5.0", kv("section", `target.cfg(all(target_env = "musl", target_pointer_width = "64")).dependencies`)},
		{"Cargo.toml", 73, "walkdir", "2.5.0", kv("section", "dev-dependencies", "declared", "2", "lockfile", "Cargo.lock:555")},
		{"crates/ignore/Cargo.toml", 33, "winapi-util", "0.1.11", kv("section", "target.cfg(windows).dependencies", "lockfile", "Cargo.lock:565")},
		{"crates/ignore/Cargo.toml", 30, "thread_local", "1", nil},
	}, absent: []string{"grep", "ignore", "globset"}},
	// [patch.crates-io] sends the workspace's own crates to their paths: a
	// member's `tokio = "1.38.0"` is the workspace's tokio, no adoption.
	{kind: "cargo", repo: "tokio-rs-tokio", count: 7, want: []rw{
		{"tokio-stream/Cargo.toml", 41, "futures-core", "0.3.0", kv("section", "dependencies")},
		{"tokio-stream/Cargo.toml", 48, "async-stream", "0.3", kv("section", "dev-dependencies")},
		{"tokio-test/Cargo.toml", 26, "futures-util", "0.3.0", kv("section", "dev-dependencies")},
	}, absent: []string{"tokio", "tokio-util", "tokio-stream", "tokio-test", "tokio-macros"}},
	// lsp-types is patched to a git fork: unknown, though Cargo.lock (cut to
	// six packages) locks the fork's 0.95.1; [workspace.dependencies.x]
	// header tables; members inheriting with `x = { workspace = true }`.
	{kind: "cargo", repo: "lapce-lapce", count: 87, want: []rw{
		{"Cargo.toml", 37, "clap", "4.5.1", kv("section", "workspace.dependencies", "declared", "4.5.0", "lockfile", "Cargo.lock:12")},
		{"Cargo.toml", 70, "lsp-types", "unknown", kv("declared", "0.95.1", "patch", "https://github.com/lapce/lsp-types feaa1e2ec80975c9dadd400a238ceacf071058e6", "lockfile", "")},
		{"Cargo.toml", 94, "tracing", "unknown", kv("declared", "908cc432a5994f6e17c8f36e13c217dc40085704")},
		{"lapce-proxy/Cargo.toml", 12, "clap", "4.5.1", kv("workspace", "Cargo.toml:37", "lockfile", "Cargo.lock:12")},
		{"lapce-proxy/Cargo.toml", 33, "lsp-types", "unknown", kv("section", "dependencies", "workspace", "Cargo.toml:70", "lockfile", "")},
		{"lapce-proxy/Cargo.toml", 44, "walkdir", "2.5.0", kv("declared", "2.4.0", "lockfile", "Cargo.lock:53")},
		{"lapce-proxy/Cargo.toml", 67, "locale_config", "unknown", kv("section", `target.cfg(target_os = "macos").dependencies`, "declared", "lapce")},
	}, absent: []string{"lapce-core", "lapce-rpc", "lapce-app", "lapce-proxy", "regalloc2", "dpi"}},
	// A uv workspace: a member (pydantic_graph, listed in [tool.uv.workspace]
	// members and locked as editable) resolves through the root's uv.lock,
	// cut to its header and seven packages.
	{kind: "python", repo: "pydantic-pydantic-ai", count: 39, want: []rw{
		{"pydantic_graph/pyproject.toml", 51, "anyio", "4.14.1", kv("section", "project.dependencies", "declared", ">=4.7.0", "lockfile", "uv.lock:76")},
		{"pydantic_graph/pyproject.toml", 52, "logfire-api", "4.37.0", kv("lockfile", "uv.lock:102")},
		{"pydantic_graph/pyproject.toml", 53, "pydantic", "2.13.4", kv("declared", ">=2.12", "lockfile", "uv.lock:111")},
		{"pydantic_graph/pyproject.toml", 54, "typing-inspection", "0.4.2", kv("lockfile", "uv.lock:154")},
		{"pydantic_graph/pyproject.toml", 2, "hatchling", "unknown", kv("section", "build-system.requires", "lockfile", "")},
		{"pyproject.toml", 205, "pytest", "9.1.1", kv("section", "dependency-groups.dev", "lockfile", "uv.lock:136")},
		{"pyproject.toml", 221, "fastmcp", "3.4.2", kv("declared", ">=3.3.0,<5", "lockfile", "uv.lock:90")},
	}, absent: []string{"ray", "urllib3", "pydantic-ai-slim"}},
	// Poetry and PDM monorepos: a virtual root project depends on its
	// workspaces by path (-e ./workspaces/x for PDM); its lockfile (whole)
	// locks them as directory sources or editable paths, and each workspace's
	// own requirements resolve through it. PDM's lock has no orjson: its floor.
	{kind: "python", repo: "adriangb-python-monorepo", count: 21, want: []rw{
		{"pdm/workspaces/cli/pyproject.toml", 7, "rich", "12.6.0", kv("section", "project.dependencies", "lockfile", "pdm/pdm.lock:88")},
		{"pdm/workspaces/lib/pyproject.toml", 7, "pydantic", "1.10.2", kv("declared", ">=1.10.2", "lockfile", "pdm/pdm.lock:62")},
		{"pdm/workspaces/app/pyproject.toml", 7, "orjson", "3.8.0", kv("declared", ">=3.8.0", "lockfile", "")},
		{"poetry/workspaces/app/pyproject.toml", 10, "orjson", "3.8.0", kv("section", "tool.poetry.dependencies", "declared", "^3.8.0", "lockfile", "poetry/poetry.lock:182")},
		{"poetry/workspaces/cli/pyproject.toml", 10, "rich", "12.6.0", kv("lockfile", "poetry/poetry.lock:358")},
		{"poetry/workspaces/lib/pyproject.toml", 10, "pydantic", "1.10.2", kv("declared", ">=1.10.2", "lockfile", "poetry/poetry.lock:265")},
		{"poetry/workspaces/lib/pyproject.toml", 11, "pytest", "7.2.2", kv("declared", "*", "lockfile", "poetry/poetry.lock:334")},
		{"poetry/pyproject.toml", 13, "namespace-app", "0.0.0", kv("section", "tool.poetry.group.app.dependencies")},
	}, absent: []string{"python"}},
	// Composite builds with precompiled convention plugins in
	// gradle-conventions/src/main/kotlin (plugin ids, an apply() in a settings
	// plugin), the community plugins they use as implementation dependencies,
	// and a catalog outside gradle/ (dependency-versions/libs.versions.toml).
	// The platform() in dependency-rules sits in no dependencies {}: no component.
	{kind: "gradle", repo: "jjohannes-idiomatic-gradle", count: 79, want: []rw{
		{"gradle-conventions/build.gradle.kts", 11, "org.gradlex:jvm-dependency-conflict-resolution", "2.5", kv("section", "implementation")},
		{"gradle-conventions/src/main/kotlin/com.example.idiomatic.gradle.build.feature.compilation.gradle.kts", 4, "org.gradlex.reproducible-builds", "unknown", kv("section", "plugins")},
		{"gradle-conventions/src/main/kotlin/com.example.idiomatic.gradle.build.module.app.gradle.kts", 9, "org.gradlex.jvm-dependency-conflict-resolution", "unknown", kv("section", "plugins")},
		{"gradle-conventions/src/main/kotlin/com.example.idiomatic.gradle.build.settings.gradle.kts", 32, "com.example.idiomatic.gradle.build.feature.lifecycle.root", "unknown", kv("section", "apply")},
		{"aggregation/settings.gradle.kts", 8, "com.example.idiomatic.gradle.build", "0.5", kv("section", "plugins", "declared", "0.5")},
		{"dependency-versions/libs.versions.toml", 16, "org.slf4j:slf4j-api", "2.0.18", kv("section", "catalog")},
		{"dependency-versions/libs.versions.toml", 18, "org.slf4j:slf4j-jdk14", "unknown", kv("section", "catalog")},
		{"jamcatch/jamcatch-stage/build.gradle.kts", 2, "com.example.idiomatic.gradle.build.module.lib", "unknown", kv("section", "plugins")},
	}, absent: []string{"com.example.idiomatic.gradle:dependency-versions"}},
}

func TestRealWorld(t *testing.T) {
	for _, tc := range realworldCases {
		t.Run(tc.kind+"/"+tc.repo, func(t *testing.T) {
			dir := tc.kind
			if tc.dir != "" {
				dir = tc.dir
			}
			repo := detecttest.Dir(t, path.Join("testdata/realworld", dir, tc.repo))
			if len(repo) == 0 {
				t.Fatal("no fixture files")
			}
			for name, files := range variants(repo) {
				got, errs := mustDetector(t, tc.kind).Detect(files)
				assertFileErrors(t, errs, tc.errs...)
				checkRealWorld(t, name, got, tc)
			}
		})
	}
}

func checkRealWorld(t *testing.T, variant string, got []detect.Component, tc rwCase) {
	t.Helper()
	show := func() string {
		sortInventory(got)
		var b strings.Builder
		for _, c := range got {
			fmt.Fprintf(&b, "\n\t%s:%d %s %q section=%q lockfile=%q %v", c.Path, c.Line, c.Name, c.Version, c.Section, c.Lockfile, c.Attrs)
		}
		return b.String()
	}
	if len(got) != tc.count {
		t.Errorf("%s: %d components, want %d:%s", variant, len(got), tc.count, show())
	}
	for _, w := range tc.want {
		var found []detect.Component
		for _, c := range got {
			if c.Path == w.path && c.Line == w.line && c.Name == w.name {
				found = append(found, c)
			}
		}
		if len(found) != 1 {
			t.Errorf("%s: %s:%d %s found %d times, want once:%s", variant, w.path, w.line, w.name, len(found), show())
			continue
		}
		c := found[0]
		if c.Kind != tc.kind {
			t.Errorf("%s: %s:%d %s has kind %q", variant, w.path, w.line, w.name, c.Kind)
		}
		if c.Version != w.version {
			t.Errorf("%s: %s:%d %s version %q, want %q", variant, w.path, w.line, w.name, c.Version, w.version)
		}
		for k, v := range w.attrs {
			got := c.Attrs[k]
			switch k {
			case "section":
				got = c.Section
			case "lockfile":
				if want, _, _ := strings.Cut(v, ":"); c.Lockfile != want {
					t.Errorf("%s: %s:%d %s Lockfile = %q, want %q", variant, w.path, w.line, w.name, c.Lockfile, want)
				}
			}
			if got != v {
				t.Errorf("%s: %s:%d %s %s = %q, want %q", variant, w.path, w.line, w.name, k, got, v)
			}
		}
	}
	for _, name := range tc.absent {
		for _, c := range got {
			if c.Name == name {
				t.Errorf("%s: false positive %s at %s:%d", variant, name, c.Path, c.Line)
			}
		}
	}
}

// Every fixture repository has its case, every case its fixture, and every
// kind directory says where its files come from.
func TestRealWorldFixturesAreCovered(t *testing.T) {
	cases := map[string]bool{} // fixture directory: kind/repo
	detectors := map[string]bool{}
	for _, tc := range realworldCases {
		dir := tc.kind
		if tc.dir != "" {
			dir = tc.dir
		}
		key := dir + "/" + tc.repo
		if detectors[tc.kind+" "+key] {
			t.Errorf("%s: two %s cases", key, tc.kind)
		}
		detectors[tc.kind+" "+key] = true
		cases[key] = true
		if tc.count > 0 && len(tc.want) == 0 {
			t.Errorf("%s: a count without a single checked component", key)
		}
	}
	kinds, err := os.ReadDir("testdata/realworld")
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	for _, k := range kinds {
		if !k.IsDir() {
			continue
		}
		if _, ok := detect.Get(k.Name()); !ok {
			t.Errorf("testdata/realworld/%s: no such detector kind", k.Name())
		}
		sources, err := os.ReadFile(path.Join("testdata/realworld", k.Name(), "SOURCES.md"))
		if err != nil {
			t.Errorf("kind %s: %v", k.Name(), err)
		}
		repos, err := os.ReadDir(path.Join("testdata/realworld", k.Name()))
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range repos {
			if !r.IsDir() {
				continue
			}
			key := k.Name() + "/" + r.Name()
			seen = append(seen, key)
			if !cases[key] {
				t.Errorf("fixture %s has no case", key)
			}
			if !strings.Contains(string(sources), "`"+r.Name()+"`") {
				t.Errorf("fixture %s is not in its SOURCES.md", key)
			}
		}
	}
	sort.Strings(seen)
	for key := range cases {
		if i := sort.SearchStrings(seen, key); i == len(seen) || seen[i] != key {
			t.Errorf("case %s has no fixture", key)
		}
	}
}

// One library, loaded as "ces-build-lib" by some repos and as
// "github.com/cloudogu/ces-build-lib" by others: only a glob whose `*`
// crosses `/` names it in both, and the whole name alone misses the
// host-qualified loads.
func TestRealWorldNameGlob(t *testing.T) {
	var comps []detect.Component
	for _, repo := range []string{"cloudogu-usermgt", "cloudogu-k8s-service-discovery", "cloudogu-nginx"} {
		got, errs := mustDetector(t, "jenkins").Detect(detecttest.Dir(t, path.Join("testdata/realworld/jenkins", repo)))
		assertFileErrors(t, errs)
		for _, c := range got {
			c.Path = repo + "/" + c.Path
			comps = append(comps, c)
		}
	}
	for rule, want := range map[string][]string{
		"*ces-build-lib": {
			"cloudogu-k8s-service-discovery/Jenkinsfile:3 github.com/cloudogu/ces-build-lib",
			"cloudogu-nginx/Jenkinsfile:3 ces-build-lib",
			"cloudogu-usermgt/Jenkinsfile:2 github.com/cloudogu/ces-build-lib",
		},
		"ces-build-lib":         {"cloudogu-nginx/Jenkinsfile:3 ces-build-lib"},
		"github.com/cloudogu/*": {"cloudogu-k8s-service-discovery/Jenkinsfile:3 github.com/cloudogu/ces-build-lib", "cloudogu-usermgt/Jenkinsfile:2 github.com/cloudogu/ces-build-lib", "cloudogu-usermgt/Jenkinsfile:2 github.com/cloudogu/dogu-build-lib"},
	} {
		m, err := mustDetector(t, "jenkins").Compile(map[string]string{"library": rule})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, c := range comps {
			if m.Match(c) {
				got = append(got, fmt.Sprintf("%s:%d %s", c.Path, c.Line, c.Name))
			}
		}
		sort.Strings(got)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("library: %s matches\n\t%s\nwant\n\t%s", rule, strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
		}
	}
}
