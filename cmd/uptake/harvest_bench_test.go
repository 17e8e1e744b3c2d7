package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/sync/errgroup"
)

// benchHarvestRepos is the estate BenchmarkLocalScanHarvest scans.
const benchHarvestRepos = 500

// BenchmarkLocalScanHarvest runs `uptake scan --no-cache` over 500 local
// repos of a service's usual files (Go module, Dockerfile, Makefile,
// compose file, CI config, package.json, 30 Go files) with a harvest
// section, beside the same catalog without one in the same run
// (-reference): what harvest mode adds to a first local scan.
func BenchmarkLocalScanHarvest(b *testing.B) {
	if _, err := exec.LookPath("git"); err != nil {
		b.Skip("git not installed")
	}
	root := b.TempDir()
	repos := filepath.Join(root, "repos")
	var g errgroup.Group
	g.SetLimit(runtime.NumCPU())
	for i := range benchHarvestRepos {
		g.Go(func() error { return benchHarvestRepo(filepath.Join(repos, fmt.Sprintf("svc-%04d", i)), i) })
	}
	must(b, g.Wait())
	catalog := fmt.Sprintf(`sources: [{name: local, type: local, path: %q}]
offerings:
  - {name: lib, owner: platform, lifecycle: ga, detect: [{kind: gomod, module: github.com/acme/lib}]}
  - {name: ci, owner: platform, lifecycle: ga, detect: [{kind: gitlab_ci, project: acme/ci-templates}]}
`, repos)
	for _, tc := range []struct{ name, extra string }{{"harvest", "harvest: {}\n"}, {"harvest-reference", ""}} {
		b.Run(tc.name, func(b *testing.B) {
			cfg := filepath.Join(root, tc.name+".yml")
			must(b, os.WriteFile(cfg, []byte(catalog+tc.extra), 0o644))
			out := filepath.Join(root, tc.name+".json")
			for b.Loop() {
				if code := run([]string{"scan", "-c", cfg, "--no-cache", "--format", "json", "-o", out, "--log.level", "error"}); code != 0 {
					b.Fatalf("uptake scan exited %d", code)
				}
			}
			var rep struct {
				Sources []struct {
					FilesRead int `json:"files_read"`
				} `json:"sources"`
			}
			data, err := os.ReadFile(out)
			must(b, err)
			must(b, json.Unmarshal(data, &rep))
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchHarvestRepos)/1e6, "ms/repo")
			b.ReportMetric(float64(rep.Sources[0].FilesRead)/benchHarvestRepos, "files/repo")
		})
	}
}

func benchHarvestRepo(dir string, i int) error {
	if err := gitRun(nil, "init", "-q", "-b", "main", dir); err != nil {
		return err
	}
	var stream bytes.Buffer
	stream.WriteString("commit refs/heads/main\ncommitter t <t@example.com> 0 +0000\ndata 4\ninit\n")
	file := func(path, body string) {
		fmt.Fprintf(&stream, "M 100644 inline %s\ndata %d\n%s\n", path, len(body), body)
	}
	file("go.mod", fmt.Sprintf("module example.com/svc%d\n\ngo 1.26\n\nrequire (\n\tgithub.com/acme/lib v1.%d.0\n\tgithub.com/sirupsen/logrus v1.9.%d\n)\n", i, i%5, i%3))
	file("Dockerfile", fmt.Sprintf("FROM golang:1.26 AS build\nCOPY . .\nRUN go build -o /svc%d\nFROM gcr.io/distroless/base\n", i))
	file("Makefile", "build:\n\tgo build ./...\ntest:\n\tgo test ./...\nlint:\n\tgolangci-lint run\n")
	file("docker-compose.yml", "services:\n  db:\n    image: postgres:16\n")
	file(".gitlab-ci.yml", fmt.Sprintf("include:\n  - project: acme/ci-templates\n    file: go.yml\nvariables:\n  SERVICE: svc%d\n", i))
	file("web/package.json", `{"dependencies": {"react": "^18.2.0", "lodash": "^4.17.21"}}`)
	for f := range 30 {
		file(fmt.Sprintf("pkg%d/file%02d.go", f%5, f), fmt.Sprintf("package pkg%d\n\n%s", f%5, strings.Repeat("func x() {}\n", 20)))
	}
	return gitRun(&stream, "-C", dir, "fast-import", "--quiet")
}
