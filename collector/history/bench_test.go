package history

import (
	"fmt"
	"testing"
	"time"

	"github.com/uptake-dev/uptake/collector/snapshot"
)

// BenchmarkDiff diffs a scan of 10,000 repos adopting 5 offerings each, a
// tenth of them at a new commit that upgrades one: what each scan of a
// large estate costs on top of the scan.
func BenchmarkDiff(b *testing.B) {
	const repos = 10_000
	var prevReps, curReps []snapshot.RepoReport
	for i := range repos {
		var ov []string
		for o := range 5 {
			ov = append(ov, fmt.Sprintf("offering-%d", o), "v1.0.0")
		}
		r := rep(fmt.Sprintf("repo-%05d", i), fmt.Sprintf("team-%d", i%300), "c1", ov...)
		prevReps = append(prevReps, r)
		if i%10 == 0 {
			r = rep(r.Name, r.Team, "c2", append([]string{"offering-0", "v1.1.0"}, ov[2:]...)...)
		}
		curReps = append(curReps, r)
	}
	prev := base("h", prevReps...)
	s := scan("h", true, curReps...)
	s.Time = time.Now()
	b.ResetTimer()
	for b.Loop() {
		if c := Diff(prev, s); len(c.Events) != repos/10 {
			b.Fatalf("%d events", len(c.Events))
		}
	}
}
