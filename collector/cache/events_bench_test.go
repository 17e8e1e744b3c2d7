package cache

import (
	"fmt"
	"testing"

	"github.com/uptake-dev/uptake/collector/history"
)

// BenchmarkBaseline reads the baseline of 10,000 repos adopting 5
// offerings each, as every recorded scan of a large estate does.
func BenchmarkBaseline(b *testing.B) {
	s, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	var c history.Change
	for i := range 10_000 {
		r := history.Repo{Source: "src", Name: fmt.Sprintf("org/repo-%05d", i), Team: fmt.Sprintf("team-%d", i%300), Commit: "0123456789abcdef0123456789abcdef01234567", Hash: "h", Offerings: map[string]string{}}
		for o := range 5 {
			r.Offerings[fmt.Sprintf("offering-%d", o)] = "v1.0.0"
		}
		c.Put = append(c.Put, r)
	}
	if err := s.Record(c, "h", t0); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if m, err := s.Baseline(); err != nil || len(m) != 10_000 {
			b.Fatalf("%d, %v", len(m), err)
		}
	}
}
