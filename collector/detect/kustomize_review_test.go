package detect_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

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
