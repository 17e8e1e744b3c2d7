// Package archtest checks the shape of the house: the documented package
// tables name every package, and the exporter depends on no source or
// detector.
package archtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const module = "github.com/uptake-dev/uptake/"

func goList(t *testing.T, args ...string) []string {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list"}, args...)...)
	cmd.Dir = filepath.Join("..", "..")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %v: %v", args, err)
	}
	var pkgs []string
	for _, p := range strings.Fields(string(out)) {
		if rel, ok := strings.CutPrefix(p, module); ok {
			pkgs = append(pkgs, rel)
		}
	}
	return pkgs
}

// TestDocsNameEveryPackage: the README's architecture table and
// docs/architecture.md name each package of go list ./..., and no package
// that does not exist.
func TestDocsNameEveryPackage(t *testing.T) {
	pkgs := goList(t, "./...")
	for _, doc := range []string{"README.md", "docs/architecture.md"} {
		b, err := os.ReadFile(filepath.Join("..", "..", doc))
		if err != nil {
			t.Fatal(err)
		}
		text := string(b)
		for _, p := range pkgs {
			if p == "internal/archtest" {
				continue
			}
			parent, last := filepath.Dir(p), filepath.Base(p)
			// "collector/source/local, github, gitlab" names siblings once.
			if !strings.Contains(text, "`"+p+"`") && !strings.Contains(text, "`"+last+"`") {
				t.Errorf("%s does not name package %s", doc, p)
			} else if !strings.Contains(text, "`"+p+"`") && !strings.Contains(text, parent) {
				t.Errorf("%s names %s only by its last element", doc, p)
			}
		}
		for _, line := range strings.Split(text, "\n") {
			if !strings.HasPrefix(line, "| `") {
				continue
			}
			cell := strings.Split(line, "|")[1]
			for _, f := range strings.Split(cell, "`") {
				if strings.HasPrefix(f, "collector/") || strings.HasPrefix(f, "cmd/") || strings.HasPrefix(f, "internal/") {
					if _, err := os.Stat(filepath.Join("..", "..", f)); err != nil {
						t.Errorf("%s names %s, which does not exist", doc, f)
					}
				}
			}
		}
	}
}

// TestExporterKnowsOnlyTheSnapshot: what the exporter links in holds no
// source, detector, matching or attribution package.
func TestExporterKnowsOnlyTheSnapshot(t *testing.T) {
	for _, p := range goList(t, "-deps", "./exporter") {
		if p != "exporter" && p != "collector/snapshot" {
			t.Errorf("the exporter depends on %s", p)
		}
	}
}
