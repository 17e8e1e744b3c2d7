package detect_test

import (
	"fmt"
	"strings"
	"testing"

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
	_, errs := mustDetector(t, "container_image").Detect(files)
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "applied more than 10000 times") {
		t.Errorf("errors %v, want the builds refused past 10,000 applications", errs)
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
	got, errs := detectWithinMemory(t, "container_image", files)
	assertFileErrors(t, errs)
	assertInventory(t, got, []detect.Component{
		ci("k00/x.yaml", 10, "docker.io/acme/y", "1"),
		ci("k00/x.yaml", 11, "docker.io/acme/z", "1"),
		ci("k00/x.yaml", 12, "docker.io/acme/w", "1"),
		ci("k18/p.yaml", 9, "docker.io/acme/x", "2"),
	})
}

// manyDeployments is n Deployments named prefix0…, one container each.
func manyDeployments(prefix, image string, n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "---\nkind: Deployment\nmetadata: {name: %s%d}\nspec: {template: {spec: {containers: [{name: c, image: %s}]}}}\n", prefix, i, image)
	}
	return b.String()
}

// Each image of a patch was compared with every image the build held (a
// patch of 30,000 Deployments over a base of as many took 900M
// comparisons); an untargeted patch's image is compared with its
// resource's only. This checks what the patch does; BenchmarkContainerImageKustomize
// measures the cost.
func TestContainerImageKustomizePatchesStayLinear(t *testing.T) {
	const n = 3_000
	files := detecttest.Files{
		"app/kustomization.yaml": "resources: [base.yaml]\npatches:\n  - path: patch.yaml\n",
		"app/base.yaml":          manyDeployments("d", "acme/a:1", n),
		"app/patch.yaml":         manyDeployments("d", "acme/b:2", n/2) + manyDeployments("p", "acme/c:3", n/2),
	}
	got, errs := mustDetector(t, "container_image").Detect(files)
	assertFileErrors(t, errs)
	count := map[string]int{}
	for _, c := range got {
		count[c.Name+":"+c.Version]++
	}
	if want := map[string]int{"docker.io/acme/a:1": n / 2, "docker.io/acme/b:2": n / 2, "docker.io/acme/c:3": n / 2}; fmt.Sprint(count) != fmt.Sprint(want) {
		t.Errorf("images %v, want %v", count, want)
	}

	files["app/kustomization.yaml"] = "resources: [base.yaml]\npatches:\n  - path: patch.yaml\n    target: {kind: Deployment}\n"
	files["app/patch.yaml"] = manyDeployments("p", "acme/c:3", 6000)
	_, errs = mustDetector(t, "container_image").Detect(files)
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "patches compared with more than 16777216 images") {
		t.Errorf("errors %v, want a targeted patch of 6,000 images over 3,000 refused", errs)
	}
}
