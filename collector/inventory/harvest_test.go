package inventory

import (
	"context"
	"slices"
	"testing"

	"github.com/uptake-dev/uptake/collector/source/sourcetest"
	"github.com/uptake-dev/uptake/config"
)

func TestNormaliseLines(t *testing.T) {
	a, _ := NormaliseLines("gitlab_ci", "# our pipeline\nbuild:\n  script:   make   build  # fast\n\n  image: \"registry/x#y\"\n")
	b, _ := NormaliseLines("gitlab_ci", "build:\n\tscript: make build\n  image: \"registry/x#y\"")
	want := []string{"build:", "script: make build", `image: "registry/x#y"`}
	if !slices.Equal(a, want) || !slices.Equal(b, want) {
		t.Errorf("normalised:\n%q\n%q\nwant %q", a, b, want)
	}
	j, _ := NormaliseLines("jenkinsfile", "// header\n/* block\n * more\n */\npipeline { // x\n  sh 'curl https://x'\n}\n")
	if want := []string{"pipeline {", "sh 'curl https://x'", "}"}; !slices.Equal(j, want) {
		t.Errorf("jenkinsfile: %q, want %q", j, want)
	}
	long := ""
	for range 3000 {
		long += "echo something long\n"
	}
	lines, truncated := NormaliseLines("makefile", long)
	if !truncated || len(lines) == 0 || len(lines) >= 3000 {
		t.Errorf("a long file: %d lines, truncated %v", len(lines), truncated)
	}
}

func TestHarvestPlanKeepsTheFilesTeamsCopy(t *testing.T) {
	tree := sourcetest.NewTree(map[string]string{
		".gitlab-ci.yml":              "build:\n  script: make\n",
		".github/workflows/ci.yaml":   "on: push\n",
		"Makefile":                    "all:\n\tgo build\n",
		"svc/Dockerfile":              "FROM golang:1.26\n",
		"deploy/docker-compose.yml":   "services: {}\n",
		"vendor/x/Makefile":           "excluded: true\n",
		"README.md":                   "not harvested\n",
		"build/Jenkinsfile":           "pipeline {}\n",
		"docker/app.Dockerfile":       "FROM alpine\n",
		"compose.override.yaml":       "services: {}\n",
		"docs/Makefile.am":            "not a Makefile\n",
		".github/workflows/notes.txt": "not a workflow\n",
	})
	p, err := NewHarvestPlan(nil, nil, config.Scan{Exclude: config.DefaultExclude, MaxFileBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	inv, _, err := p.Read(context.Background(), tree)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range inv.Files {
		got[f.Path] = f.Kind
		if f.Blob != sourcetest.BlobID(tree.Files[f.Path]) {
			t.Errorf("%s: blob %q", f.Path, f.Blob)
		}
	}
	want := map[string]string{".gitlab-ci.yml": "gitlab_ci", ".github/workflows/ci.yaml": "github_workflow", "Makefile": "makefile",
		"svc/Dockerfile": "dockerfile", "deploy/docker-compose.yml": "compose", "build/Jenkinsfile": "jenkinsfile",
		"docker/app.Dockerfile": "dockerfile", "compose.override.yaml": "compose"}
	if len(got) != len(want) {
		t.Errorf("harvest files %v, want %v", got, want)
	}
	for p, k := range want {
		if got[p] != k {
			t.Errorf("%s: kind %q, want %q", p, got[p], k)
		}
	}
	plain, _, err := plan(t).Read(context.Background(), tree)
	if err != nil {
		t.Fatal(err)
	}
	if plain.Files != nil {
		t.Errorf("a plan not in harvest mode kept %d files", len(plain.Files))
	}
}
