package inventory

import (
	"slices"
	"testing"
)

// Real-shaped files: a comment is dropped, a # or // that is content (in
// quotes, escaped, shell's $#, a URL fragment) never is.
func TestNormaliseLinesKeepsContent(t *testing.T) {
	for _, tc := range []struct {
		kind, content string
		want          []string
	}{
		{"github_workflow", `# CI for the service
name: ci
on:
  push:
    branches: [main]   # only main
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - name: Release notes
        run: echo "Build #${{ github.run_number }} of ${{ github.repository }}"
      - run: |
          # count the args
          if [ $# -gt 0 ]; then echo "args: ${#@}"; fi
          grep -v ' #' notes.txt > clean.txt
      - run: curl -fsS https://example.com/install.sh#sha256=abc | sh
`, []string{"name: ci", "on:", "push:", "branches: [main]", "jobs:", "build:", "runs-on: ubuntu-latest", "steps:",
			"- uses: actions/checkout@v4", "- name: Release notes", `run: echo "Build #${{ github.run_number }} of ${{ github.repository }}"`,
			"- run: |", `if [ $# -gt 0 ]; then echo "args: ${#@}"; fi`, "grep -v ' #' notes.txt > clean.txt",
			"- run: curl -fsS https://example.com/install.sh#sha256=abc | sh"}},
		{"gitlab_ci", `variables:
  SLACK_CHANNEL: "#deploys"  # where we announce
  MSG: 'Deploy #$CI_PIPELINE_IID done'
deploy:
  script:
    - 'curl -X POST -d "text=Deploy #$CI_PIPELINE_IID" $HOOK'
    - echo don't # an apostrophe opens no string a comment would hide in
`, []string{"variables:", `SLACK_CHANNEL: "#deploys"`, "MSG: 'Deploy #$CI_PIPELINE_IID done'", "deploy:", "script:",
			`- 'curl -X POST -d "text=Deploy #$CI_PIPELINE_IID" $HOOK'`, "- echo don't # an apostrophe opens no string a comment would hide in"}},
		{"dockerfile", `# syntax=docker/dockerfile:1
FROM node:20 AS build
LABEL org.opencontainers.image.description="Build #42 tools"
RUN echo "color: #fff" > theme.txt   # theme
RUN sed -i 's/ #.*//' /etc/app.conf
`, []string{"FROM node:20 AS build", `LABEL org.opencontainers.image.description="Build #42 tools"`, `RUN echo "color: #fff" > theme.txt`,
			`RUN sed -i 's/ #.*//' /etc/app.conf`}},
		{"makefile", "# Build\nVERSION := $(shell git describe --tags)  # the tag\nHASH = \\#\nbuild:\n\t@echo \"Building #$(VERSION)\"\n\tgo build ./...\n",
			[]string{"VERSION := $(shell git describe --tags)", `HASH = \#`, "build:", `@echo "Building #$(VERSION)"`, "go build ./..."}},
		{"compose", `services:
  web:
    image: "nginx:1.25" # pinned
    command: ["sh", "-c", "echo '#ready' && nginx -g 'daemon off;'"]
    healthcheck:
      test: ["CMD-SHELL", "curl -f http://localhost/ #probe"]
`, []string{"services:", "web:", `image: "nginx:1.25"`, `command: ["sh", "-c", "echo '#ready' && nginx -g 'daemon off;'"]`, "healthcheck:",
			`test: ["CMD-SHELL", "curl -f http://localhost/ #probe"]`}},
		{"jenkinsfile", `// Shared pipeline
pipeline {
  agent any /* any node */
  stages {
    stage('Build') {
      steps {
        sh 'make build // not a comment in sh'
        sh """
          # shell comment
          curl http://x // y
        """
        /* a block
           spanning lines */
        echo 'done'
        /* inline */ echo 'after'
      }
    }
  }
}
`, []string{"pipeline {", "agent any", "stages {", "stage('Build') {", "steps {", "sh 'make build // not a comment in sh'", `sh """`,
			"# shell comment", "curl http://x // y", `"""`, "echo 'done'", "echo 'after'", "}", "}", "}", "}"}},
	} {
		got, _ := NormaliseLines(tc.kind, tc.content)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s:\n got %q\nwant %q", tc.kind, got, tc.want)
		}
	}
}
