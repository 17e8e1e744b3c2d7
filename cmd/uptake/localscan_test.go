package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/sync/errgroup"
)

// benchScanRepos is the estate BenchmarkLocalScan scans, as the issue's
// held-out check does: 2,000 repos of 60 files.
const benchScanRepos = 2000

// BenchmarkLocalScan runs `uptake scan` (first scan, then a cached
// rescan) over 2,000 local repos of 60 files with a regex rule over
// **/*.go, loose and packed, beside a `git grep` loop and a `git archive`
// loop over the same repos measured in the same run.
func BenchmarkLocalScan(b *testing.B) {
	if _, err := exec.LookPath("git"); err != nil {
		b.Skip("git not installed")
	}
	for _, layout := range []string{"loose", "packed"} {
		root := b.TempDir()
		repos := benchScanEstate(b, filepath.Join(root, "repos"), benchScanRepos, layout == "packed")
		cfg := filepath.Join(root, "uptake.yml")
		must(b, os.WriteFile(cfg, []byte(fmt.Sprintf(`sources: [{name: local, type: local, path: %q}]
offerings:
  - {name: service-kit, owner: platform, lifecycle: ga, detect: [{kind: regex, path: "**/*.go", pattern: 'acme/service-kit'}]}
  - {name: lib, owner: platform, lifecycle: ga, detect: [{kind: gomod, module: github.com/acme/lib}]}
`, filepath.Join(root, "repos"))), 0o644))
		scan := func(b *testing.B, storage string) {
			if code := run([]string{"scan", "-c", cfg, "--storage.path", storage, "--format", "json", "-o", os.DevNull, "--log.level", "error"}); code != 0 {
				b.Fatalf("uptake scan exited %d", code)
			}
		}
		perRepo := func(b *testing.B) {
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(repos))/1e6, "ms/repo")
		}
		b.Run(layout+"/uptake-first", func(b *testing.B) {
			i := 0
			for b.Loop() {
				scan(b, filepath.Join(root, fmt.Sprintf("data-%d", i)))
				i++
			}
			perRepo(b)
		})
		b.Run(layout+"/uptake-cached", func(b *testing.B) {
			storage := filepath.Join(root, "data-cached")
			scan(b, storage)
			for b.Loop() {
				scan(b, storage)
			}
			perRepo(b)
		})
		for name, args := range map[string][]string{
			"git-grep-reference":    {"grep", "-I", "-c", "-E", "-e", "acme/service-kit", "HEAD"},
			"git-archive-reference": {"archive", "HEAD"},
		} {
			b.Run(layout+"/"+name, func(b *testing.B) {
				for b.Loop() {
					for _, r := range repos {
						// git grep exits 1 on no match; only the work matters.
						_ = exec.Command("git", append([]string{"-C", r}, args...)...).Run()
					}
				}
				perRepo(b)
			})
		}
	}
}

// benchScanEstate writes n repos of a go.mod and 59 Go files each, one
// commit, through git fast-import (which writes a pack); loose repos have
// it unpacked into loose objects, as a fresh commit leaves them. Written
// on every core: the estate takes longer to write than to scan.
func benchScanEstate(b *testing.B, root string, n int, packed bool) []string {
	b.Helper()
	repos := make([]string, n)
	var g errgroup.Group
	g.SetLimit(runtime.NumCPU())
	for i := range n {
		repos[i] = filepath.Join(root, fmt.Sprintf("repo-%04d", i))
		g.Go(func() error { return benchScanRepo(repos[i], i, packed) })
	}
	must(b, g.Wait())
	return repos
}

func benchScanRepo(dir string, i int, packed bool) error {
	if err := gitRun(nil, "init", "-q", "-b", "main", dir); err != nil {
		return err
	}
	var stream bytes.Buffer
	stream.WriteString("commit refs/heads/main\ncommitter t <t@example.com> 0 +0000\ndata 4\ninit\n")
	file := func(path, body string) {
		fmt.Fprintf(&stream, "M 100644 inline %s\ndata %d\n%s\n", path, len(body), body)
	}
	file("go.mod", fmt.Sprintf("module example.com/repo%d\n\ngo 1.22\n\nrequire github.com/acme/lib v1.%d.0\n", i, i%5))
	for f := 1; f < 60; f++ {
		file(fmt.Sprintf("pkg%d/file%02d.go", f%6, f), fmt.Sprintf("package pkg%d\n\n// repo %d file %d\n%s", f%6, i, f,
			strings.Repeat("func x() { _ = \"acme/service-kit\" }\n", 30)))
	}
	if err := gitRun(&stream, "-C", dir, "fast-import", "--quiet"); err != nil || packed {
		return err
	}
	packs, err := filepath.Glob(filepath.Join(dir, ".git", "objects", "pack", "*.pack"))
	if err != nil {
		return err
	}
	for _, p := range packs {
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := errors.Join(os.Remove(p), os.Remove(strings.TrimSuffix(p, ".pack")+".idx")); err != nil {
			return err
		}
		if err := gitRun(bytes.NewReader(data), "-C", dir, "unpack-objects", "-q"); err != nil {
			return err
		}
	}
	return nil
}

func gitRun(stdin io.Reader, args ...string) error {
	cmd := exec.Command("git", args...)
	cmd.Stdin = stdin
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("git %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	return nil
}
