package remote

import (
	"testing"

	"github.com/uptake-dev/uptake/collector/source"
	"github.com/uptake-dev/uptake/config"
)

func TestFilterMeansTheSameOnEveryHost(t *testing.T) {
	f := NewFilter(config.Source{Include: []string{"api-*", "acme/platform/**"}, Exclude: []string{"*-archive"}, Topics: []string{"Go"}})
	for _, tc := range []struct {
		repo source.Repo
		keep bool
	}{
		{source.Repo{Name: "acme/api-pay", Topics: []string{"go"}}, true},               // short name, topic case
		{source.Repo{Name: "acme/platform/ci/templates", Topics: []string{"GO"}}, true}, // full path
		{source.Repo{Name: "acme/api-pay-archive", Topics: []string{"go"}}, false},      // excluded
		{source.Repo{Name: "acme/web", Topics: []string{"go"}}, false},                  // not included
		{source.Repo{Name: "acme/api-search", Topics: []string{"node"}}, false},         // no topic
	} {
		if got := f.Keep(tc.repo); got != tc.keep {
			t.Errorf("Keep(%s %v) = %v, want %v", tc.repo.Name, tc.repo.Topics, got, tc.keep)
		}
	}
	if !NewFilter(config.Source{}).Keep(source.Repo{Name: "x"}) {
		t.Error("an empty filter keeps every repo")
	}
}
