package evaluate

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/uptake-dev/uptake/collector/detect"
	"github.com/uptake-dev/uptake/collector/inventory"
	"github.com/uptake-dev/uptake/collector/source"
)

// BenchmarkBuildEstate evaluates 10,000 repos (30 components each) against
// 50 offerings for 300 teams and reports the heap the snapshot keeps.
func BenchmarkBuildEstate(b *testing.B) {
	var yml strings.Builder
	yml.WriteString("teams: {from: [codeowners]}\nofferings:\n")
	for o := range 50 {
		fmt.Fprintf(&yml, "  - {name: offering-%02d, owner: platform, lifecycle: ga, latest: v1.4.0, detect: [{kind: gomod, module: github.com/acme/lib-%02d}]}\n", o, o)
	}
	cfg, cat := compile(b, yml.String())
	res := &Result{Time: time.Now()}
	for r := range 10_000 {
		inv := inventory.Inventory{Owners: []string{fmt.Sprintf("@acme/team-%03d", r%300)}, Languages: []string{"go"}}
		for c := range 30 {
			inv.Components = append(inv.Components, detect.Component{Kind: "gomod", Name: fmt.Sprintf("github.com/acme/lib-%02d", (r+c)%60),
				Version: fmt.Sprintf("v1.%d.0", c%5), Path: "go.mod", Line: 3 + c, URL: fmt.Sprintf("https://github.com/acme/repo-%05d/blob/abc/go.mod#L%d", r, 3+c)})
		}
		res.Repos = append(res.Repos, RepoScan{Repo: source.Repo{Source: "gh", Name: fmt.Sprintf("acme/repo-%05d", r)}, Head: "abc", Inventory: inv, ResultTime: time.Now()})
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var kept any
	for b.Loop() {
		kept = Build(cfg, cat, res, time.Now(), nil)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric((float64(after.HeapAlloc)-float64(before.HeapAlloc))/(1<<20), "snapshot-MB")
	runtime.KeepAlive(kept)
	runtime.KeepAlive(res)
}
