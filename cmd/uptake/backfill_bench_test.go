package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"
)

// benchBackfillRepos is the estate of the cost check: 300 repos.
const benchBackfillRepos = 300

// benchUntil is the backfill's newest step, a Monday.
var benchUntil = time.Date(2026, time.June, 1, 0, 0, 0, 0, time.UTC)

// BenchmarkBackfill backfills 52 weekly steps of 300 repos of 60 files,
// each beside one full scan of the same repos measured in the same run:
// the cost contract is about one scan plus the changes. Two estates: each
// repo committing every 4 weeks (a Go file changed; go.mod every 6th
// commit, the npm lockfile every 13th), and every repo every week, the
// worst case, where all 15,900 commits differ.
func BenchmarkBackfill(b *testing.B) {
	if _, err := exec.LookPath("git"); err != nil {
		b.Skip("git not installed")
	}
	for _, every := range []int{4, 1} {
		name := "commit-every-4-weeks"
		if every == 1 {
			name = "commit-every-week"
		}
		root := b.TempDir()
		reposDir := filepath.Join(root, "repos")
		var g errgroup.Group
		g.SetLimit(runtime.NumCPU())
		for i := range benchBackfillRepos {
			g.Go(func() error { return benchHistoryRepo(filepath.Join(reposDir, fmt.Sprintf("repo-%03d", i)), i, every) })
		}
		must(b, g.Wait())
		cfg := filepath.Join(root, "uptake.yml")
		must(b, os.WriteFile(cfg, []byte(fmt.Sprintf(`sources: [{name: local, type: local, path: %q}]
teams: {from: [codeowners]}
offerings:
  - {name: kit, owner: platform, lifecycle: ga, latest: v1.9.0, detect: [{kind: gomod, module: github.com/acme/kit}]}
  - {name: sdk, owner: platform, lifecycle: ga, detect: [{kind: npm, package: "@acme/sdk"}]}
  - {name: base, owner: platform, lifecycle: ga, detect: [{kind: dockerfile, image: registry.acme.io/base}]}
  - {name: tracing, owner: platform, lifecycle: beta, detect: [{kind: regex, path: "**/*.go", pattern: 'acme/tracing'}]}
`, reposDir)), 0o644))
		b.Run(name+"/52-weekly-steps", func(b *testing.B) {
			for b.Loop() {
				if code := run([]string{"--log.level=error", "backfill", "-c", cfg, "--since", "52w", "--step", "1w",
					"--until", benchUntil.Format(time.DateOnly), "--label", "job=uptake", "--no-events", "-o", os.DevNull}); code != 0 {
					b.Fatalf("uptake backfill exited %d", code)
				}
			}
		})
		b.Run(name+"/scan-reference", func(b *testing.B) {
			for b.Loop() {
				if code := run([]string{"--log.level=error", "scan", "-c", cfg, "--no-cache", "--format", "prom", "-o", os.DevNull}); code != 0 {
					b.Fatalf("uptake scan exited %d", code)
				}
			}
		})
	}
}

// benchHistoryRepo writes one repo of 60 files with a year of commits
// through git fast-import, one every `every` weeks (staggered by repo),
// each dated an hour before a step.
func benchHistoryRepo(dir string, i, every int) error {
	if err := gitRun(nil, "init", "-q", "-b", "main", dir); err != nil {
		return err
	}
	var stream bytes.Buffer
	file := func(path, body string) {
		fmt.Fprintf(&stream, "M 100644 inline %s\ndata %d\n%s\n", path, len(body), body)
	}
	gomod := func(minor int) string {
		return fmt.Sprintf("module example.com/repo%d\n\ngo 1.22\n\nrequire github.com/acme/kit v1.%d.0\n", i, minor)
	}
	lock := func(patch int) string {
		return fmt.Sprintf(`{"lockfileVersion": 3, "packages": {"": {"name": "web%d"}, "node_modules/@acme/sdk": {"version": "2.0.%d"}}}`, i, patch)
	}
	goFile := func(f, week int) string {
		// One import the regex rule matches, as code imports a library once.
		return fmt.Sprintf("package pkg%d\n\nimport _ \"github.com/acme/tracing\"\n\n// repo %d file %d week %d\n%s", f%6, i, f, week,
			strings.Repeat("func x() { _ = 1 }\n", 30))
	}
	commits := 0
	for week := 0; week <= 52; week++ {
		if week > 0 && (week+i)%every != 0 {
			continue
		}
		when := benchUntil.AddDate(0, 0, 7*(week-52)).Add(-time.Hour)
		fmt.Fprintf(&stream, "commit refs/heads/main\ncommitter t <t@example.com> %d +0000\ndata 5\nweek\n", when.Unix())
		if week == 0 {
			file("CODEOWNERS", fmt.Sprintf("* @acme/team%d\n", i%12))
			file("Dockerfile", "FROM registry.acme.io/base:3.1\n")
			file("package.json", `{"name": "web", "dependencies": {"@acme/sdk": "^2.0.0"}}`)
			file("package-lock.json", lock(0))
			file("go.mod", gomod(0))
			for f := range 55 {
				file(fmt.Sprintf("pkg%d/file%02d.go", f%6, f), goFile(f, 0))
			}
			continue
		}
		commits++
		f := (week*7 + i) % 55
		file(fmt.Sprintf("pkg%d/file%02d.go", f%6, f), goFile(f, week))
		if commits%6 == 0 {
			file("go.mod", gomod(commits/6))
		}
		if commits%13 == 0 {
			file("package-lock.json", lock(commits/13))
		}
	}
	return gitRun(&stream, "-C", dir, "fast-import", "--quiet")
}
