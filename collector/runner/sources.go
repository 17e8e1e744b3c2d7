package runner

import (
	"slices"

	"github.com/uptake-dev/uptake/collector/source"
	"github.com/uptake-dev/uptake/config"
)

// NewSources builds one Source per configured source from the registered
// source types.
func NewSources(cfg *config.Config, opts source.Options) ([]source.Source, error) {
	opts.Concurrency = cfg.Scan.Concurrency
	opts.HostTeams = slices.Contains(cfg.Teams.From, "github_teams")
	opts.HTTPTimeout = cfg.Scan.HTTPTimeout
	out := make([]source.Source, 0, len(cfg.Sources))
	for _, s := range cfg.Sources {
		src, err := source.New(s, opts)
		if err != nil {
			return nil, err
		}
		out = append(out, src)
	}
	return out, nil
}
