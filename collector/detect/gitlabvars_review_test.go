package detect_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/uptake-dev/uptake/collector/detect"
	"github.com/uptake-dev/uptake/collector/detect/detecttest"
)

// A job that extends others has their variables, over the top-level ones
// and under its own: GitLab merges them in. One extending a job the file
// does not define (an include's) may have any variable, and resolves none.
func TestContainerImageGitLabVariablesExtends(t *testing.T) {
	files := detecttest.Files{".gitlab-ci.yml": "variables:\n" + // 1
		"  IMAGE: alpine:3.18\n" + // 2
		".go:\n  variables:\n    IMAGE: golang:1.22\n" + // 3-5
		".base:\n  extends: .go\n" + // 6-7
		"build:\n  extends: .base\n  image: $IMAGE\n" + // 8-10
		"test:\n  extends: [.go, .node]\n  image: $IMAGE\n" + // 11-13
		".node:\n  variables:\n    IMAGE: node:20\n" + // 14-16
		"own:\n  extends: .go\n  variables:\n    IMAGE: ruby:3.3\n  image: $IMAGE\n" + // 17-21
		"elsewhere:\n  extends: .from-an-include\n  image: $IMAGE\n" + // 22-24
		"plain:\n  image: $IMAGE\n", // 25-26
	}
	got, errs := mustDetector(t, "container_image").Detect(files)
	assertFileErrors(t, errs)
	assertInventory(t, got, []detect.Component{
		ci(".gitlab-ci.yml", 10, "docker.io/library/golang", "1.22", "original", "$IMAGE", "variables", "IMAGE=.gitlab-ci.yml:5"),
		ci(".gitlab-ci.yml", 13, "docker.io/library/node", "20", "original", "$IMAGE", "variables", "IMAGE=.gitlab-ci.yml:16"),
		ci(".gitlab-ci.yml", 21, "docker.io/library/ruby", "3.3", "original", "$IMAGE", "variables", "IMAGE=.gitlab-ci.yml:20"),
		ci(".gitlab-ci.yml", 26, "docker.io/library/alpine", "3.18", "original", "$IMAGE", "variables", "IMAGE=.gitlab-ci.yml:2"),
	})
}

// Each job extending the next twice, eleven deep, visits 2^11 jobs; one
// job's extends visit at most 64, and past that it resolves nothing.
func TestContainerImageGitLabExtendsAreBounded(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 11; i++ {
		fmt.Fprintf(&b, ".j%d:\n  extends: [%s]\n", i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf(".j%d, ", i+1), 200), ", "))
	}
	b.WriteString(".j11:\n  variables: {IMAGE: alpine:3.18}\nbuild:\n  extends: .j0\n  image: $IMAGE\n")
	got, errs := mustDetector(t, "container_image").Detect(detecttest.Files{".gitlab-ci.yml": b.String()})
	assertFileErrors(t, errs)
	if len(got) != 0 {
		t.Errorf("got %v, want the image unresolved", got)
	}
}
