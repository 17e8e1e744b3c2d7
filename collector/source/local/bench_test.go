package local

import (
	"context"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/uptake-dev/uptake/collector/source"
	uconfig "github.com/uptake-dev/uptake/config"
)

// benchRepos builds n repos of 60 Go files each under a temp dir; packed
// runs git gc on each, as a clone leaves them.
func benchRepos(b *testing.B, n int, packed bool) string {
	b.Helper()
	root := b.TempDir()
	for i := range n {
		files := map[string]string{}
		for f := range 60 {
			files[fmt.Sprintf("pkg%d/file%02d.go", f%6, f)] = fmt.Sprintf("package pkg%d\n\n// repo %d file %d\n%s", f%6, i, f, strings.Repeat("func x() { _ = \"acme/service-kit\" }\n", 30))
		}
		dir := filepath.Join(root, fmt.Sprintf("repo-%03d", i))
		commitFiles(b, dir, files)
		if packed {
			if out, err := exec.Command("git", "-C", dir, "gc", "-q").CombinedOutput(); err != nil {
				b.Fatalf("git gc: %v %s", err, out)
			}
		}
	}
	return root
}

// BenchmarkLocalRead reads every file of 100 repos × 60 files through the
// local source, beside a `git grep` loop over the same repos measured in
// the same run (the reference the read path is held to).
func BenchmarkLocalRead(b *testing.B) {
	if _, err := exec.LookPath("git"); err != nil {
		b.Skip("git not installed")
	}
	for _, packed := range []bool{false, true} {
		root := benchRepos(b, 100, packed)
		s := New(uconfig.Source{Name: "bench", Path: root}, nil)
		repos, err := s.List(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		layout := map[bool]string{false: "loose", true: "packed"}[packed]
		b.Run(layout+"/uptake", func(b *testing.B) {
			for b.Loop() {
				for _, r := range repos {
					readAll(b, s, r)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(repos))/1e6, "ms/repo")
		})
		b.Run(layout+"/git-grep-reference", func(b *testing.B) {
			for b.Loop() {
				for _, r := range repos {
					// Exit status 1 is "no match"; only output matters here.
					_, _ = exec.Command("git", "-C", r.Ref, "grep", "-I", "-c", "-E", "-e", "acme/service-kit", "HEAD").Output()
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(repos))/1e6, "ms/repo")
		})
	}
}

func readAll(b *testing.B, s *Source, r source.Repo) {
	head, err := s.Head(context.Background(), r)
	if err != nil {
		b.Fatal(err)
	}
	t, err := s.Open(context.Background(), r, head)
	if err != nil {
		b.Fatal(err)
	}
	defer t.(io.Closer).Close()
	for _, e := range t.Entries() {
		if _, err := t.Read(context.Background(), e.Path, 1<<20); err != nil {
			b.Fatal(err)
		}
	}
}
