package detect_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/uptake-dev/uptake/collector/detect"
	"github.com/uptake-dev/uptake/collector/detect/detecttest"
)

// Components are not memoised: each naming the next many times used to
// apply the last one fan^depth times.
func TestContainerImageKustomizeComponentFanOut(t *testing.T) {
	files := detecttest.Files{"app/x.yaml": deployment("x", "x=acme/x:1")}
	const depth, fan = 19, 8
	for i := 0; i < depth; i++ {
		var b strings.Builder
		b.WriteString("kind: Component\ncomponents:\n")
		for j := 0; j < fan; j++ {
			fmt.Fprintf(&b, "  - ../c%02d\n", i+1)
		}
		files[fmt.Sprintf("c%02d/kustomization.yaml", i)] = b.String()
	}
	files[fmt.Sprintf("c%02d/kustomization.yaml", depth)] = "kind: Component\n"
	files["app/kustomization.yaml"] = "resources: [x.yaml]\ncomponents: [../c00]\n"
	done := make(chan []error, 1)
	go func() {
		_, errs := mustDetector(t, "container_image").Detect(files)
		done <- errs
	}()
	select {
	case errs := <-done:
		if len(errs) != 1 || !strings.Contains(errs[0].Error(), "applied more than 10000 times") {
			t.Errorf("errors %v, want the builds refused past 10,000 applications", errs)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("components applied each other exponentially often")
	}
}

// A kustomization naming its base twice holds its images twice: eighteen
// such, each over the one before, held 2^20 images (549 MB allocated
// from 986 bytes of files, and every image lost to the bound).
func TestContainerImageKustomizeDoublingWithinMemory(t *testing.T) {
	files := detecttest.Files{"k00/x.yaml": deployment("x", "x=acme/x:1", "y=acme/y:1", "z=acme/z:1", "w=acme/w:1"), "k00/kustomization.yaml": "resources: [x.yaml]\n"}
	for i := 1; i <= 18; i++ {
		files[fmt.Sprintf("k%02d/kustomization.yaml", i)] = fmt.Sprintf("resources: [../k%02d, ../k%02d/]\n", i-1, i-1)
	}
	files["k18/p.yaml"] = deployment("x", "x=acme/x:2")
	files["k19/kustomization.yaml"] = "resources: [../k18]\npatches:\n  - path: ../k18/p.yaml\n"
	start := time.Now()
	got, errs := detectWithinMemory(t, "container_image", files)
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v", d)
	}
	assertFileErrors(t, errs)
	assertInventory(t, got, []detect.Component{
		ci("k00/x.yaml", 10, "docker.io/acme/y", "1"),
		ci("k00/x.yaml", 11, "docker.io/acme/z", "1"),
		ci("k00/x.yaml", 12, "docker.io/acme/w", "1"),
		ci("k18/p.yaml", 9, "docker.io/acme/x", "2"),
	})
}
