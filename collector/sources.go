package collector

import (
	"fmt"

	"go.uber.org/zap"

	"github.com/uptake-dev/uptake/collector/source"
	"github.com/uptake-dev/uptake/collector/source/github"
	"github.com/uptake-dev/uptake/collector/source/gitlab"
	"github.com/uptake-dev/uptake/collector/source/local"
	"github.com/uptake-dev/uptake/collector/source/remote"
	"github.com/uptake-dev/uptake/config"
)

// SourceOptions are what remote sources share across a process.
type SourceOptions struct {
	Logger  *zap.Logger
	Metrics *remote.Metrics
	Store   source.Store
}

// NewSources builds one Source per configured source.
func NewSources(cfg *config.Config, opts SourceOptions) ([]source.Source, error) {
	if opts.Logger == nil {
		opts.Logger = zap.NewNop()
	}
	var out []source.Source
	for _, s := range cfg.Sources {
		src, err := newSource(cfg, s, opts)
		if err != nil {
			return nil, fmt.Errorf("source %q: %w", s.Name, err)
		}
		out = append(out, src)
	}
	return out, nil
}

func newSource(cfg *config.Config, s config.Source, opts SourceOptions) (source.Source, error) {
	switch s.Type {
	case "local":
		return local.New(s, opts.Logger.With(zap.String("source", s.Name))), nil
	case "github":
		return github.New(s, github.Options{
			Teams:       contains(cfg.Teams.From, "github_teams"),
			Metrics:     opts.Metrics,
			Logger:      opts.Logger.With(zap.String("source", s.Name)),
			Store:       opts.Store,
			Concurrency: cfg.Scan.Concurrency,
		})
	case "gitlab":
		return gitlab.New(s, gitlab.Options{
			Metrics:     opts.Metrics,
			Logger:      opts.Logger.With(zap.String("source", s.Name)),
			Store:       opts.Store,
			Concurrency: cfg.Scan.Concurrency,
		})
	}
	return nil, fmt.Errorf("unknown source type %q", s.Type)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
