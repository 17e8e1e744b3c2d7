package runner

import (
	"errors"
	"sort"

	"github.com/uptake-dev/uptake/collector/inventory"
	"github.com/uptake-dev/uptake/collector/match"
	"github.com/uptake-dev/uptake/collector/source"
	"github.com/uptake-dev/uptake/config"
)

// Loaded is a validated config with what is compiled from it once: the
// catalog's matchers and the plan of what a scan reads.
type Loaded struct {
	Config  *config.Config
	Catalog *match.Catalog
	Plan    *inventory.Plan
}

// Load reads, validates and compiles the config file. The config's own
// errors, its sources' (by type) and the detectors' rule errors come in one
// report sorted by line, so a user fixes everything in one round.
func Load(path string) (*Loaded, error) {
	cfg, err := config.Load(path)
	var cfgErrs config.Errors
	if err != nil && (cfg == nil || !errors.As(err, &cfgErrs)) {
		return nil, err
	}
	return compile(cfg, cfgErrs)
}

// Compile validates and compiles a parsed config, as Load does.
func Compile(cfg *config.Config) (*Loaded, error) { return compile(cfg, nil) }

func compile(cfg *config.Config, errs config.Errors) (*Loaded, error) {
	errs = append(errs, source.Validate(cfg)...)
	cat, err := match.Compile(cfg)
	var ruleErrs config.Errors
	if err != nil && !errors.As(err, &ruleErrs) {
		return nil, err
	}
	if errs = append(errs, ruleErrs...); len(errs) > 0 {
		sort.SliceStable(errs, func(i, j int) bool { return errs[i].Line < errs[j].Line })
		return nil, errs
	}
	plan, err := cat.Plan(cfg.Scan)
	if err != nil {
		return nil, err
	}
	return &Loaded{Config: cfg, Catalog: cat, Plan: plan}, nil
}
