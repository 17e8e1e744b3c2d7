package demo

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/filemode"
)

// The helpers below write the files real repositories have, in the shapes
// their tools write them. Hashes, digests and pinned SHAs are derived from
// what they stand for, so the same version is pinned to the same SHA in
// every repo, as it would be.

func text(path, s string) file { return file{path: path, data: []byte(s)} }

func executable(path, s string) file {
	return file{path: path, data: []byte(s), mode: filemode.Executable}
}

func symlink(path, target string) file {
	return file{path: path, data: []byte(target), mode: filemode.Symlink}
}

// deleted marks a file removed from a working tree.
func deleted(path string) file { return file{path: path} }

// crlf gives a file Windows line endings.
func crlf(f file) file {
	f.data = bytes.ReplaceAll(f.data, []byte("\n"), []byte("\r\n"))
	return f
}

// withBOM prefixes a UTF-8 byte-order mark, as some Windows editors save.
func withBOM(f file) file {
	f.data = append([]byte("\ufeff"), f.data...)
	return f
}

func join(groups ...[]file) []file {
	var out []file
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

func files(fs ...file) []file { return fs }

func hexOf(h []byte) string { return hex.EncodeToString(h) }

func sha1Hex(s string) string { h := sha1.Sum([]byte(s)); return hexOf(h[:]) }

func sha256Hex(s string) string { h := sha256.Sum256([]byte(s)); return hexOf(h[:]) }

// --- ownership ---

func codeowners(path string, lines ...string) file {
	return text(path, "# Ownership of this repository; see acme/handbook/ownership.md.\n"+strings.Join(lines, "\n")+"\n")
}

// catalogInfo is a Backstage descriptor: a Location beside the Component,
// as catalogs often register one.
func catalogInfo(path, name, owner string) file {
	return text(path, fmt.Sprintf(`apiVersion: backstage.io/v1alpha1
kind: Location
metadata:
  name: %[1]s-docs
spec:
  targets: [./docs/catalog.yaml]
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: %[1]s
  annotations:
    github.com/project-slug: acme/%[1]s
spec:
  type: service
  lifecycle: production
  owner: %[2]s
`, name, owner))
}

// under moves files into a directory of a monorepo.
func under(dir string, fs []file) []file {
	out := make([]file, len(fs))
	for i, f := range fs {
		f.path = dir + "/" + f.path
		out[i] = f
	}
	return out
}

func gitignore(lines ...string) file {
	return text(".gitignore", strings.Join(lines, "\n")+"\n")
}

// --- Go ---

type mod struct {
	path, version string
}

var goIndirect = []mod{
	{"github.com/beorn7/perks", "v1.0.1"},
	{"github.com/cespare/xxhash/v2", "v2.3.0"},
	{"github.com/prometheus/client_model", "v0.6.1"},
	{"github.com/prometheus/common", "v0.61.0"},
	{"golang.org/x/sys", "v0.28.0"},
	{"google.golang.org/protobuf", "v1.35.2"},
}

// goModule writes go.mod, go.sum and a main package. extra is appended to
// go.mod verbatim (replace directives).
func goModule(module, goVersion string, require []mod, extra string) []file {
	var b strings.Builder
	fmt.Fprintf(&b, "module %s\n\ngo %s\n\nrequire (\n", module, goVersion)
	for _, m := range require {
		fmt.Fprintf(&b, "\t%s %s\n", m.path, m.version)
	}
	b.WriteString(")\n\nrequire (\n")
	for _, m := range goIndirect {
		fmt.Fprintf(&b, "\t%s %s // indirect\n", m.path, m.version)
	}
	b.WriteString(")\n")
	if extra != "" {
		b.WriteString("\n" + extra)
	}
	name := module[strings.LastIndex(module, "/")+1:]
	return files(
		text("go.mod", b.String()),
		goSum(append(append([]mod(nil), require...), goIndirect...)),
		text("cmd/"+name+"/main.go", fmt.Sprintf(`// Command %s serves the %s API.
package main

import (
	"log"
	"net/http"
)

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	log.Fatal(http.ListenAndServe(":8080", mux))
}
`, name, name)),
	)
}

func goSum(mods []mod) file {
	var lines []string
	for _, m := range mods {
		lines = append(lines,
			fmt.Sprintf("%s %s h1:%s", m.path, m.version, h1(m.path+"@"+m.version)),
			fmt.Sprintf("%s %s/go.mod h1:%s", m.path, m.version, h1(m.path+"@"+m.version+"/go.mod")))
	}
	sort.Strings(lines)
	return text("go.sum", strings.Join(lines, "\n")+"\n")
}

// h1 is a go.sum-shaped hash of s.
func h1(s string) string {
	h := sha256.Sum256([]byte(s))
	return base64.StdEncoding.EncodeToString(h[:])
}

// --- Node ---

type npmDep struct {
	name, version string
}

type packageJSON struct {
	Name            string            `json:"name"`
	Version         string            `json:"version"`
	Private         bool              `json:"private"`
	Scripts         map[string]string `json:"scripts"`
	Dependencies    map[string]string `json:"dependencies,omitempty"`
	DevDependencies map[string]string `json:"devDependencies,omitempty"`
}

type lockPackage struct {
	Name            string            `json:"name,omitempty"`
	Version         string            `json:"version"`
	Resolved        string            `json:"resolved,omitempty"`
	Integrity       string            `json:"integrity,omitempty"`
	Dev             bool              `json:"dev,omitempty"`
	License         string            `json:"license,omitempty"`
	Dependencies    map[string]string `json:"dependencies,omitempty"`
	DevDependencies map[string]string `json:"devDependencies,omitempty"`
}

type packageLock struct {
	Name            string                 `json:"name"`
	Version         string                 `json:"version"`
	LockfileVersion int                    `json:"lockfileVersion"`
	Requires        bool                   `json:"requires"`
	Packages        map[string]lockPackage `json:"packages"`
}

func marshal(v any) string {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		panic(err) // only the types above are marshalled
	}
	return string(b) + "\n"
}

// npmRanges turns installed versions into the caret ranges `npm install` saves.
func npmRanges(deps []npmDep) map[string]string {
	if len(deps) == 0 {
		return nil
	}
	out := map[string]string{}
	for _, d := range deps {
		out[d.name] = "^" + d.version
	}
	return out
}

func npmManifest(name, version string, deps, dev []npmDep) packageJSON {
	return packageJSON{
		Name: name, Version: version, Private: true,
		Scripts:         map[string]string{"build": "vite build", "test": "vitest run", "lint": "eslint ."},
		Dependencies:    npmRanges(deps),
		DevDependencies: npmRanges(dev),
	}
}

func tarball(d npmDep) string {
	registry := "https://registry.npmjs.org/"
	if strings.HasPrefix(d.name, "@acme/") {
		registry = "https://npm.acme.example/"
	}
	return registry + d.name + "/-/" + d.name[strings.LastIndex(d.name, "/")+1:] + "-" + d.version + ".tgz"
}

func integrity(d npmDep) string {
	h := sha512.Sum512([]byte(d.name + "@" + d.version))
	return "sha512-" + base64.StdEncoding.EncodeToString(h[:])
}

// npmProject writes package.json and a lockfileVersion 3 package-lock.json.
func npmProject(name, version string, deps, dev []npmDep) []file {
	m := npmManifest(name, version, deps, dev)
	lock := packageLock{
		Name: name, Version: version, LockfileVersion: 3, Requires: true,
		Packages: map[string]lockPackage{"": {Name: name, Version: version, Dependencies: m.Dependencies, DevDependencies: m.DevDependencies}},
	}
	add := func(d npmDep, isDev bool) {
		lock.Packages["node_modules/"+d.name] = lockPackage{Version: d.version, Resolved: tarball(d), Integrity: integrity(d), Dev: isDev, License: "MIT"}
	}
	for _, d := range deps {
		add(d, false)
	}
	for _, d := range dev {
		add(d, true)
	}
	return files(text("package.json", marshal(m)), text("package-lock.json", marshal(lock)))
}

// yarnProject writes package.json and a yarn v1 yarn.lock.
func yarnProject(name, version string, deps, dev []npmDep) []file {
	m := npmManifest(name, version, deps, dev)
	all := append(append([]npmDep(nil), deps...), dev...)
	sort.Slice(all, func(i, j int) bool { return all[i].name < all[j].name })
	var b strings.Builder
	b.WriteString("# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.\n# yarn lockfile v1\n\n")
	for _, d := range all {
		fmt.Fprintf(&b, "\n\"%s@^%s\":\n  version \"%s\"\n  resolved \"%s#%s\"\n  integrity %s\n",
			d.name, d.version, d.version, tarball(d), sha1Hex(d.name+d.version), integrity(d))
	}
	return files(text("package.json", marshal(m)), text("yarn.lock", b.String()))
}

// --- Python ---

func requirements(lines ...string) file {
	return text("requirements.txt", "# Pinned by pip-compile; edit requirements.in instead.\n"+strings.Join(lines, "\n")+"\n")
}

// pep621 writes a pyproject.toml with PEP 621 dependencies.
func pep621(name string, deps ...string) file {
	quoted := make([]string, len(deps))
	for i, d := range deps {
		quoted[i] = fmt.Sprintf("  %q,", d)
	}
	return text("pyproject.toml", fmt.Sprintf(`[build-system]
requires = ["hatchling>=1.25"]
build-backend = "hatchling.build"

[project]
name = %q
version = "0.1.0"
requires-python = ">=3.12"
dependencies = [
%s
]

[project.optional-dependencies]
dev = ["pytest>=8.3", "ruff>=0.8"]

[tool.ruff]
line-length = 100
`, name, strings.Join(quoted, "\n")))
}

// poetry writes a Poetry pyproject.toml; deps are `name = "constraint"` lines.
func poetry(name string, deps ...string) file {
	return text("pyproject.toml", fmt.Sprintf(`[tool.poetry]
name = %q
version = "0.4.0"
description = ""
authors = ["Data Platform <data@acme.example>"]

[tool.poetry.dependencies]
python = "^3.11"
%s

[tool.poetry.group.dev.dependencies]
pytest = "^8.3.0"

[build-system]
requires = ["poetry-core>=1.9.0"]
build-backend = "poetry.core.masonry.api"
`, name, strings.Join(deps, "\n")))
}

// --- JVM ---

// pom writes a Maven pom.xml; properties, dependencyManagement and
// dependencies are XML fragments.
func pom(artifact, properties, management, dependencies string) file {
	return text("pom.xml", fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0"
         xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
         xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 https://maven.apache.org/xsd/maven-4.0.0.xsd">
  <modelVersion>4.0.0</modelVersion>

  <groupId>com.acme</groupId>
  <artifactId>%s</artifactId>
  <version>1.0.0-SNAPSHOT</version>
  <packaging>jar</packaging>

  <properties>
    <java.version>21</java.version>
    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>%s
  </properties>
%s
  <dependencies>%s
    <dependency>
      <groupId>org.junit.jupiter</groupId>
      <artifactId>junit-jupiter</artifactId>
      <version>5.11.3</version>
      <scope>test</scope>
    </dependency>
  </dependencies>
</project>
`, artifact, properties, management, dependencies))
}

// bomImport is a dependencyManagement section importing the platform BOM.
func bomImport(version string) string {
	return fmt.Sprintf(`
  <dependencyManagement>
    <dependencies>
      <dependency>
        <groupId>com.acme.platform</groupId>
        <artifactId>platform-bom</artifactId>
        <version>%s</version>
        <type>pom</type>
        <scope>import</scope>
      </dependency>
    </dependencies>
  </dependencyManagement>
`, version)
}

// versionCatalog writes gradle/libs.versions.toml.
func versionCatalog(bom, conventions string) file {
	return text("gradle/libs.versions.toml", fmt.Sprintf(`[versions]
acme-platform = "%s"
acme-conventions = "%s"
kotlin = "2.0.21"
junit = "5.11.3"

[libraries]
acme-platform-bom = { module = "com.acme.platform:platform-bom", version.ref = "acme-platform" }
junit-jupiter = { group = "org.junit.jupiter", name = "junit-jupiter", version.ref = "junit" }

[plugins]
acme-conventions = { id = "com.acme.conventions", version.ref = "acme-conventions" }
kotlin-jvm = { id = "org.jetbrains.kotlin.jvm", version.ref = "kotlin" }
`, bom, conventions))
}

func settingsKts(name string) file {
	return text("settings.gradle.kts", fmt.Sprintf(`pluginManagement {
    repositories {
        maven("https://maven.acme.example/releases")
        gradlePluginPortal()
    }
}

rootProject.name = %q
`, name))
}

// --- containers ---

const registry = "registry.acme.example"

func baseImage(tag string) string { return registry + "/platform/base:" + tag }

func digest(image string) string { return "sha256:" + sha256Hex(image) }

// goDockerfile builds a Go binary and ships it on from, which may refer to
// the global ARGs given as NAME=value.
func goDockerfile(from string, args ...string) file {
	var b strings.Builder
	b.WriteString("# syntax=docker/dockerfile:1.7\nARG GO_VERSION=1.23\n")
	for _, a := range args {
		b.WriteString("ARG " + a + "\n")
	}
	fmt.Fprintf(&b, `
FROM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/app ./cmd/...

FROM %s
COPY --from=build /out/app /usr/local/bin/app
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/app"]
`, from)
	return text("Dockerfile", b.String())
}

func pythonDockerfile(from string) file {
	return text("Dockerfile", fmt.Sprintf(`FROM python:3.12-slim AS build
WORKDIR /app
COPY requirements.txt .
RUN pip wheel --no-cache-dir --wheel-dir /wheels -r requirements.txt

FROM %s
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/* && rm -rf /wheels
COPY . /app
WORKDIR /app
CMD ["python", "-m", "app"]
`, from))
}

func javaDockerfile(from string, args ...string) file {
	var b strings.Builder
	for _, a := range args {
		b.WriteString("ARG " + a + "\n")
	}
	fmt.Fprintf(&b, `FROM maven:3.9-eclipse-temurin-21 AS build
WORKDIR /src
COPY pom.xml .
RUN mvn -B dependency:go-offline
COPY src ./src
RUN mvn -B package -DskipTests

FROM %s
COPY --from=build /src/target/app.jar /opt/app/app.jar
ENTRYPOINT ["java", "-jar", "/opt/app/app.jar"]
`, from)
	return text("Dockerfile", b.String())
}

func nodeDockerfile(from string) file {
	return text("Dockerfile", fmt.Sprintf(`FROM node:20-alpine AS build
WORKDIR /app
COPY package*.json ./
RUN npm ci
COPY . .
RUN npm run build

FROM %s
COPY --from=build /app/dist /srv/www
`, from))
}

// deployment is a Kubernetes Deployment with the app and an OpenTelemetry
// collector sidecar.
func deployment(path, name, appImage, otelTag string) file {
	return text(path, fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: %[1]s
  labels:
    app.kubernetes.io/name: %[1]s
spec:
  replicas: 2
  selector:
    matchLabels:
      app.kubernetes.io/name: %[1]s
  template:
    metadata:
      labels:
        app.kubernetes.io/name: %[1]s
    spec:
      containers:
        - name: app
          image: %[2]s
          ports:
            - containerPort: 8080
        - name: otel-collector
          image: %[3]s/platform/otel-collector:%[4]s
          args: ["--config=/conf/otel.yaml"]
`, name, appImage, registry, otelTag))
}

func compose(name, otelTag string) file {
	return text("docker-compose.yml", fmt.Sprintf(`services:
  %s:
    build: .
    ports:
      - "8080:8080"
    environment:
      OTEL_EXPORTER_OTLP_ENDPOINT: http://otel-collector:4317
  otel-collector:
    image: %s/platform/otel-collector:%s
    volumes:
      - ./otel.yaml:/etc/otelcol/config.yaml:ro
  postgres:
    image: postgres:16-alpine
    environment:
      POSTGRES_PASSWORD: local
`, name, registry, otelTag))
}

// hugeValues is a generated values file past the scanner's 1 MiB default
// limit. Its image tag appears nowhere else: seeing it in a scan means the
// size limit was not applied.
func hugeValues() file {
	var b strings.Builder
	b.WriteString("# Generated by tools/render-tenants; DO NOT EDIT.\ntenants:\n")
	for i := 0; b.Len() < 2<<20; i++ {
		fmt.Fprintf(&b, "  - name: tenant-%05d\n    image: %s/platform/otel-collector:0.110.0-rc.1\n    replicas: %d\n    region: eu-west-%d\n", i, registry, 2+i%3, 1+i%3)
	}
	return text("deploy/huge-values.yaml", b.String())
}

// logo is a small PNG: binary content under a path no detector wants.
func logo() file {
	img := image.NewNRGBA(image.Rect(0, 0, 48, 48))
	for y := 0; y < 48; y++ {
		for x := 0; x < 48; x++ {
			img.Set(x, y, color.NRGBA{R: uint8(x * 5), G: uint8(y * 5), B: 0x90, A: 0xff})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic(err) // encoding an in-memory image cannot fail
	}
	return file{path: "assets/logo.png", data: b.Bytes()}
}

// --- CI ---

// pinned is a `uses:` value pinned to the tag's commit, with the tag in a
// comment as Dependabot and Renovate write it.
func pinned(action, tag string) string {
	return action + "@" + sha1Hex(action+"@"+tag) + " # " + tag
}

// reusableWorkflow calls one of acme/platform-workflows' workflows.
func reusableWorkflow(path, workflow, ref string) file {
	return text(path, fmt.Sprintf(`name: CI

on:
  push:
    branches: [main]
  pull_request:

permissions:
  contents: read
  id-token: write

jobs:
  ci:
    uses: acme/platform-workflows/.github/workflows/%s@%s
    with:
      environment: staging
    secrets: inherit
`, workflow, ref))
}

// stepsWorkflow is a job of steps: checkout, the toolchain action given as a
// `uses:` value, then run.
func stepsWorkflow(path, name, toolchain, run string) file {
	return text(path, fmt.Sprintf(`name: %s

on:
  push:
    branches: [main]
    tags: ["v*"]
  pull_request:

permissions:
  contents: read

jobs:
  build:
    runs-on: ubuntu-24.04
    steps:
      - uses: %s
      - uses: %s
        with:
          cache: true
      - run: %s
`, name, pinned("actions/checkout", "v4.2.2"), toolchain, run))
}

// gitlabCI writes .gitlab-ci.yml with the given include section.
func gitlabCI(include string) file {
	return text(".gitlab-ci.yml", include+`
stages: [build, test, deploy]

variables:
  DOCKER_DRIVER: overlay2

unit-tests:
  stage: test
  image: golang:1.23
  script:
    - make test
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
`)
}

func jenkinsfile(library string) file {
	return text("Jenkinsfile", library+`

pipeline {
    agent { label 'linux' }
    options { timeout(time: 30, unit: 'MINUTES') }
    stages {
        stage('Build') {
            steps { acmeBuild() }
        }
        stage('Publish') {
            when { branch 'main' }
            steps { acmePublish(registry: '`+registry+`') }
        }
    }
}
`)
}

// --- deployment ---

// chart writes a Chart.yaml with the platform service chart and a Bitnami
// dependency, and its values.yaml.
func chart(dir, name, serviceVersion string) []file {
	return files(
		text(dir+"/Chart.yaml", fmt.Sprintf(`apiVersion: v2
name: %s
description: Deploys %s on the platform clusters.
type: application
version: 0.7.0
appVersion: "1.18.2"
dependencies:
  - name: service
    version: %s
    repository: oci://%s/charts
  - name: redis
    version: 20.3.0
    repository: https://charts.bitnami.com/bitnami
    condition: redis.enabled
`, name, name, serviceVersion, registry)),
		text(dir+"/values.yaml", fmt.Sprintf(`service:
  image:
    repository: %s/apps/%s
    tag: ""
  replicas: 3
  resources:
    requests:
      cpu: 100m
      memory: 128Mi
redis:
  enabled: false
`, registry, name)),
	)
}

func kustomization(path, namespace string, resources ...string) file {
	var b strings.Builder
	fmt.Fprintf(&b, "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: %s\nresources:\n", namespace)
	for _, r := range resources {
		b.WriteString("  - " + r + "\n")
	}
	b.WriteString("labels:\n  - pairs:\n      app.kubernetes.io/part-of: " + namespace + "\n    includeSelectors: false\n")
	return text(path, b.String())
}

// terraform writes a root module; modules are HCL module blocks.
func terraform(dir string, modules ...string) []file {
	return files(
		text(dir+"/versions.tf", `terraform {
  required_version = ">= 1.6"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.70"
    }
  }
}
`),
		text(dir+"/main.tf", strings.Join(modules, "\n")),
		text(dir+"/variables.tf", `variable "environment" {
  type        = string
  description = "Deployment environment: staging or production."
}
`),
	)
}

// tfModule is a module block; version is omitted when empty.
func tfModule(name, source, version string) string {
	v := ""
	if version != "" {
		v = fmt.Sprintf("  version = %q\n", version)
	}
	return fmt.Sprintf("module %q {\n  source  = %q\n%s\n  environment = var.environment\n}\n", name, source, v)
}

// --- platform markers ---

func serviceKitMarker(name string, tier int) file {
	return text(".platform/service-kit.yaml", fmt.Sprintf(`# Registers this service with service-kit's deployment integration.
apiVersion: platform.acme.example/v1
kind: ServiceKit
metadata:
  name: %s
spec:
  tier: %d
  slo:
    availability: "99.9"
`, name, tier))
}

func makefile(sdkVersion string) file {
	return text("Makefile", fmt.Sprintf(`PLATFORM_SDK_VERSION = "%s"
IMAGE ?= %s/apps/$(notdir $(CURDIR))

.PHONY: build test image

build:
	platform-sdk build --sdk-version $(PLATFORM_SDK_VERSION)

test:
	platform-sdk test

image:
	docker build -t $(IMAGE) .
`, sdkVersion, registry))
}
