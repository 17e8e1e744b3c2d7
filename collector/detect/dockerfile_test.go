package detect_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/uptake-dev/uptake/collector/detect"
	"github.com/uptake-dev/uptake/collector/detect/detecttest"
)

func TestDockerfileDetect(t *testing.T) {
	repo := detecttest.Dir(t, "testdata/dockerfile/repo")
	want := []detect.Component{
		{Kind: "dockerfile", Name: "registry.access.redhat.com/ubi9/ubi-minimal", Version: "9.3", Path: "Containerfile", Line: 1},
		{Kind: "dockerfile", Name: "docker.io/library/golang", Version: "1.22-alpine3.19", Path: "Dockerfile", Line: 7,
			Attrs: map[string]string{"stage": "build", "platform": "$BUILDPLATFORM"}},
		// line 17 (FROM build) names a stage, not an image.
		{Kind: "dockerfile", Name: "gcr.io/distroless/static-debian12", Version: "nonroot", Path: "Dockerfile", Line: 20},
		{Kind: "dockerfile", Name: "mcr.microsoft.com/windows/servercore", Version: "ltsc2022", Path: "build/Dockerfile.windows", Line: 4,
			Attrs: map[string]string{"stage": "build"}},
		{Kind: "dockerfile", Name: "mcr.microsoft.com/windows/nanoserver", Version: "ltsc2022", Path: "build/Dockerfile.windows", Line: 9},
		{Kind: "dockerfile", Name: "docker.io/library/node", Version: "20.11-bookworm-slim", Path: "deploy/docker/api.Dockerfile", Line: 6,
			Attrs: map[string]string{"stage": "deps"}},
		// The image sits on a continuation line; BASE_TAG has no default.
		{Kind: "dockerfile", Name: "registry.acme.io/base/node", Version: "unknown", Path: "deploy/docker/api.Dockerfile", Line: 13,
			Attrs: map[string]string{"stage": "runtime"}},
		// line 16 is heredoc content; line 20 names ${NODE_IMAGE}, which has no value.
		{Kind: "dockerfile", Name: "registry.acme.io/tools/scanner", Path: "deploy/docker/api.Dockerfile", Line: 22,
			Attrs: map[string]string{"stage": "scan", "digest": "sha256:3e1f0c1e2f5a7b9c4d6e8f0a1b3c5d7e9f1a2b4c6d8e0f1a3b5c7d9e1f2a4b6c"}},
		{Kind: "dockerfile", Name: "docker.io/library/golang", Version: "1.22", Path: "tools/scratch.dockerfile", Line: 1,
			Attrs: map[string]string{"stage": "builder", "digest": "sha256:0b4d5b2e4b0e3bd5e6b8f3c1d2a4e6f8a0b2c4d6e8f0a2b4c6d8e0f2a4b6c8d0"}},
	}
	for name, files := range variants(repo) {
		t.Run(name, func(t *testing.T) {
			got, errs := mustDetector(t, "dockerfile").Detect(files)
			assertInventory(t, got, want)
			assertFileErrors(t, errs, "broken/Dockerfile")
			if !strings.Contains(fmt.Sprint(errs), "line 4: FROM names no image") {
				t.Errorf("error does not point at the bad line: %v", errs)
			}
		})
	}
}

func TestDockerfileDetectForms(t *testing.T) {
	for _, tc := range []struct {
		name, dockerfile string
		want             []detect.Component
		wantErr          bool
	}{{
		name:       "untagged image has no version",
		dockerfile: "FROM ubuntu\n",
		want:       []detect.Component{{Kind: "dockerfile", Name: "docker.io/library/ubuntu", Path: "Dockerfile", Line: 1}},
	}, {
		name:       "registry with port, lower-case keyword, as lower-case",
		dockerfile: "from localhost:5000/team/app:2.1.0 as app\n",
		want: []detect.Component{{Kind: "dockerfile", Name: "localhost:5000/team/app", Version: "2.1.0", Path: "Dockerfile", Line: 1,
			Attrs: map[string]string{"stage": "app"}}},
	}, {
		// uv's documented install, tools copied out of a pinned image, a
		// cache mount from an image; stages, stage indexes, unset variables
		// and bare words (named build contexts) are not images.
		name: "COPY --from and RUN --mount from an image",
		dockerfile: "ARG UV=0.4.18\nFROM python:3.12-slim AS Build\n" +
			"COPY --from=ghcr.io/astral-sh/uv:${UV} /uv /uvx /bin/\n" +
			"COPY --chown=app --from=composer:2 /usr/bin/composer /usr/bin/\n" +
			"RUN --mount=type=cache,target=/root/.cache --mount=type=bind,from=registry.acme.io/tools@sha256:abc,target=/t true\n" +
			"COPY --from=build /a /b\nCOPY --from=0 /a /b\nCOPY --from=$UNSET/x:1 /a /b\nCOPY --from=assets /a /b\n" +
			"COPY --link src/ /app/ --from=notaflag:1\nADD --from=x/y:1 a b\n",
		want: []detect.Component{
			{Kind: "dockerfile", Name: "docker.io/library/python", Version: "3.12-slim", Path: "Dockerfile", Line: 2, Attrs: map[string]string{"stage": "Build"}},
			{Kind: "dockerfile", Name: "ghcr.io/astral-sh/uv", Version: "0.4.18", Path: "Dockerfile", Line: 3, Attrs: map[string]string{"instruction": "COPY"}},
			{Kind: "dockerfile", Name: "docker.io/library/composer", Version: "2", Path: "Dockerfile", Line: 4, Attrs: map[string]string{"instruction": "COPY"}},
			{Kind: "dockerfile", Name: "registry.acme.io/tools", Path: "Dockerfile", Line: 5, Attrs: map[string]string{"instruction": "RUN", "digest": "sha256:abc"}},
		},
	}, {
		name:       "stage names are case-insensitive",
		dockerfile: "FROM alpine:3.19 AS Base\nFROM base\nFROM BASE AS again\n",
		want:       []detect.Component{{Kind: "dockerfile", Name: "docker.io/library/alpine", Version: "3.19", Path: "Dockerfile", Line: 1, Attrs: map[string]string{"stage": "Base"}}},
	}, {
		name:       "ARG inside a stage does not reach the next FROM",
		dockerfile: "ARG V=1.0\nFROM alpine:3.19\nARG V=2.0\nARG W=3.0\nFROM busybox:$V\nFROM busybox:${W}\n",
		want: []detect.Component{
			{Kind: "dockerfile", Name: "docker.io/library/alpine", Version: "3.19", Path: "Dockerfile", Line: 2},
			{Kind: "dockerfile", Name: "docker.io/library/busybox", Version: "1.0", Path: "Dockerfile", Line: 5},
			{Kind: "dockerfile", Name: "docker.io/library/busybox", Version: "unknown", Path: "Dockerfile", Line: 6},
		},
	}, {
		name: "substitution forms",
		dockerfile: "ARG EMPTY=\nARG SET=1.22\nARG IMG=\"golang\"\nARG BOTH=$IMG:$SET\n" +
			"FROM golang:${EMPTY:-1.21}\n" + // empty → default
			"FROM golang:1.20${EMPTY-alpine}\n" + // set (though empty) → value
			"FROM golang:${UNSET-1.19}\n" +
			"FROM golang:1.18${SET:+-alpine}\n" +
			"FROM golang:1.17${EMPTY:+-alpine}\n" +
			"FROM ${BOTH}\n" +
			"FROM golang:${SET%.*}\n", // a form Docker has but this parser does not resolve
		want: []detect.Component{
			{Kind: "dockerfile", Name: "docker.io/library/golang", Version: "1.21", Path: "Dockerfile", Line: 5},
			{Kind: "dockerfile", Name: "docker.io/library/golang", Version: "1.20", Path: "Dockerfile", Line: 6},
			{Kind: "dockerfile", Name: "docker.io/library/golang", Version: "1.19", Path: "Dockerfile", Line: 7},
			{Kind: "dockerfile", Name: "docker.io/library/golang", Version: "1.18-alpine", Path: "Dockerfile", Line: 8},
			{Kind: "dockerfile", Name: "docker.io/library/golang", Version: "1.17", Path: "Dockerfile", Line: 9},
			{Kind: "dockerfile", Name: "docker.io/library/golang", Version: "1.22", Path: "Dockerfile", Line: 10},
			{Kind: "dockerfile", Name: "docker.io/library/golang", Version: "unknown", Path: "Dockerfile", Line: 11},
		},
	}, {
		name:       "single quotes do not expand",
		dockerfile: "ARG IMG=golang\nFROM '${IMG}':1.16\n",
		wantErr:    true,
	}, {
		name:       "a global ARG without a default leaves the name unresolved",
		dockerfile: "ARG BASE\nFROM $BASE\nFROM ${BASE}:1.0\nFROM ${REGISTRY}/golang:1.22\n",
	}, {
		name:       "continuation with a comment and a blank line inside",
		dockerfile: "FROM \\\n# the base\n\n   golang:1.22 \\\n   AS build\nRUN true\n",
		want: []detect.Component{{Kind: "dockerfile", Name: "docker.io/library/golang", Version: "1.22", Path: "Dockerfile", Line: 4,
			Attrs: map[string]string{"stage": "build"}}},
	}, {
		name:       "heredocs with <<- and quoted delimiters",
		dockerfile: "FROM alpine:3.19\nRUN <<-'SCRIPT' cat > /Dockerfile\n\tFROM evil:1\n\tSCRIPT\nCOPY <<A <<B /x/\nFROM a:1\nA\nFROM b:1\nB\nFROM busybox:1.36\n",
		want: []detect.Component{
			{Kind: "dockerfile", Name: "docker.io/library/alpine", Version: "3.19", Path: "Dockerfile", Line: 1},
			{Kind: "dockerfile", Name: "docker.io/library/busybox", Version: "1.36", Path: "Dockerfile", Line: 10},
		},
	}, {
		name:       "shifts and here-strings are not heredocs",
		dockerfile: "FROM alpine:3.19\nRUN echo $((1<<BITS)) && cat <<< \"$X\"\nFROM busybox:1.36\nBITS\n",
		want: []detect.Component{
			{Kind: "dockerfile", Name: "docker.io/library/alpine", Version: "3.19", Path: "Dockerfile", Line: 1},
			{Kind: "dockerfile", Name: "docker.io/library/busybox", Version: "1.36", Path: "Dockerfile", Line: 3},
		},
	}, {
		name:       "an unterminated heredoc runs to the end",
		dockerfile: "FROM alpine:3.19\nRUN <<EOF\nFROM evil:1\n",
		want:       []detect.Component{{Kind: "dockerfile", Name: "docker.io/library/alpine", Version: "3.19", Path: "Dockerfile", Line: 1}},
	}, {
		name:       "continuation at end of file",
		dockerfile: "FROM golang:1.22 \\",
		want:       []detect.Component{{Kind: "dockerfile", Name: "docker.io/library/golang", Version: "1.22", Path: "Dockerfile", Line: 1}},
	}, {
		name:       "ARG chains that double are bounded",
		dockerfile: "ARG A0=xxxxxxxxxxxxxxxx\n" + doublingArgs(40) + "FROM golang:${A40}\n",
		want:       []detect.Component{{Kind: "dockerfile", Name: "docker.io/library/golang", Version: "unknown", Path: "Dockerfile", Line: 42}},
	}, {
		name:       "not an image reference",
		dockerfile: "FROM alpine:3.19\nFROM registry.acme.io//base:1\n",
		wantErr:    true,
	}, {
		name:       "empty file",
		dockerfile: "",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			got, errs := mustDetector(t, "dockerfile").Detect(detecttest.Files{"Dockerfile": tc.dockerfile})
			if tc.wantErr {
				assertFileErrors(t, errs, "Dockerfile")
			} else {
				assertFileErrors(t, errs)
			}
			assertInventory(t, got, tc.want)
		})
	}
}

func doublingArgs(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "ARG A%d=${A%d}$A%d\n", i, i-1, i-1)
	}
	return b.String()
}

func TestDockerfileCompile(t *testing.T) {
	for _, tc := range []struct {
		image   string
		params  map[string]string
		wantErr string
		match   []string
		noMatch []string
	}{
		{
			image:   "golang",
			match:   []string{"docker.io/library/golang"},
			noMatch: []string{"docker.io/library/golang-extra", "docker.io/acme/golang", "ghcr.io/library/golang"},
		},
		{
			image:   "docker.io/library/golang",
			match:   []string{"docker.io/library/golang"},
			noMatch: []string{"docker.io/library/golangci"},
		},
		{
			image:   "registry.acme.io/base",
			match:   []string{"registry.acme.io/base", "registry.acme.io/base/golang", "registry.acme.io/base/node/slim"},
			noMatch: []string{"registry.acme.io/base-legacy", "registry.acme.io/basement/x", "docker.io/library/base"},
		},
		{
			image:   "Registry.Acme.io/base",
			match:   []string{"registry.acme.io/base/golang"},
			noMatch: []string{"registry.acme.io/other"},
		},
		{
			// * crosses /: any path between the registry and the name.
			image:   "registry.acme.io/*/golang",
			match:   []string{"registry.acme.io/base/golang", "registry.acme.io/base/x/golang"},
			noMatch: []string{"registry.acme.io/golang", "registry.acme.io/base/golangci", "docker.io/library/golang"},
		},
		{
			image:   "Registry-*.acme.io/base/*",
			match:   []string{"registry-eu.acme.io/base/golang"},
			noMatch: []string{"registry-eu.acme.io/other/golang"},
		},
		{
			image:   "**/golang",
			match:   []string{"docker.io/library/golang", "registry.acme.io/mirror/golang"},
			noMatch: []string{"docker.io/library/golangci"},
		},
		{params: map[string]string{}, wantErr: "image is required"},
		{params: map[string]string{"image": "golang", "tag": "1.22"}, wantErr: "unknown key tag"},
		{image: "golang:1.22", wantErr: `image: "golang:1.22" has a tag (1.22), which a rule does not match on: write image: golang (the tag is measured as each repo's version: set the offering's latest to count drift)`},
		{image: "registry.acme.io:5000/base:1.22-alpine", wantErr: `has a tag (1.22-alpine), which a rule does not match on: write image: registry.acme.io:5000/base (`},
		{image: "registry.acme.io:5000/base", match: []string{"registry.acme.io:5000/base/golang"}, noMatch: []string{"registry.acme.io/base"}},
		{image: "golang@sha256:abc", wantErr: `image: "golang@sha256:abc" has a digest, which a rule does not match on: write image: golang`},
		{image: "registry.acme.io//base", wantErr: "image:"},
		{image: "registry.acme.io/[base", wantErr: "image: bad glob"},
	} {
		t.Run(fmt.Sprint(tc.image, tc.params), func(t *testing.T) {
			params := tc.params
			if params == nil {
				params = map[string]string{"image": tc.image}
			}
			m, err := mustDetector(t, "dockerfile").Compile(params)
			if !errorMatches(err, tc.wantErr) {
				t.Fatalf("Compile error = %v, want %q", err, tc.wantErr)
			}
			if err != nil {
				return
			}
			assertMatches(t, m, "dockerfile", tc.match, tc.noMatch)
			if m.Match(detect.Component{Kind: "gomod", Name: tc.match[0]}) {
				t.Error("matches a component of another kind")
			}
		})
	}
}

func FuzzDockerfile(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzDetect(t, "dockerfile", detecttest.Files{"Dockerfile": string(data)})
	})
}
