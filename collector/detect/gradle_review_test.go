package detect_test

import (
	"fmt"
	"testing"

	"github.com/uptake-dev/uptake/collector/detect/detecttest"
)

// Each subproject looked for a settings script in each directory above it
// with a glob over the whole tree: 3,000 modules three deep in a tree of
// 60,000 files made 12,000 globs (720M path matches).
func TestGradleBuildRootsFoundInTheListing(t *testing.T) {
	files := detecttest.Files{"settings.gradle": "", "build.gradle": "ext.v = '1.0'\n"}
	for i := range 3000 {
		dir := fmt.Sprintf("group%d/sub%d/module%d", i%10, i%300, i)
		files[dir+"/build.gradle"] = "dependencies { implementation \"g:a:$v\" }\n"
		for j := range 19 {
			files[fmt.Sprintf("%s/src/F%d.java", dir, j)] = ""
		}
	}
	counted := &globCounter{Files: files}
	got, errs := mustDetector(t, "gradle").Detect(counted)
	if counted.globs > 10 {
		t.Errorf("%d globs over the tree for 3,000 modules, want the build roots from a few listings", counted.globs)
	}
	assertFileErrors(t, errs)
	if len(got) != 3000 || got[0].Version != "1.0" {
		t.Errorf("%d components (first %+v), want 3000 at the root's 1.0", len(got), got[0])
	}
}
