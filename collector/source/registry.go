package source

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/uptake-dev/uptake/config"
)

// Type is one kind of source, registered by name from its package's init
// (as detectors are): the config keys it takes, how it checks them, and how
// it is built.
type Type struct {
	// Keys are the config keys the type takes besides name and type; any
	// other key set on such a source is an error.
	Keys []string
	// Validate checks a source of this type; each message is reported at
	// the source's line, after its name. Nil accepts every source.
	Validate func(config.Source) []string
	// Preflight checks what a scan of the source needs from this machine —
	// paths that exist, token variables that are set, files that can be
	// read — without a request; nil needs nothing. `uptake check` runs it.
	Preflight func(config.Source) []string
	// New builds the source; it makes no request. Its errors need not name
	// the source: New in this package does.
	New func(config.Source, Options) (Source, error)
	// History says the type's sources are Historians: backfill can walk
	// their past. It is known before New, which may need credentials.
	History bool
}

// Options are what the process, not a source's config, decides.
type Options struct {
	// Logger is the process's; New names the source in it.
	Logger *zap.Logger
	// Metrics counts remote API requests; nil counts nothing.
	Metrics *Metrics
	// Store keeps blobs and validators across scans; nil keeps nothing.
	Store Store
	// Concurrency is how many scan workers call the source at once.
	Concurrency int
	// HostTeams asks for Repo.Teams from the host (teams.from has github_teams).
	HostTeams bool
	// HTTPTimeout is scan.http_timeout; 0 means config.DefaultHTTPTimeout.
	HTTPTimeout time.Duration
}

var (
	typesMu sync.RWMutex
	types   = map[string]Type{}
)

// Register adds a source type; it panics on a duplicate name, a
// programming error caught at start.
func Register(name string, t Type) {
	typesMu.Lock()
	defer typesMu.Unlock()
	if _, dup := types[name]; dup {
		panic("source: duplicate source type " + name)
	}
	types[name] = t
}

// Types lists the registered type names, sorted.
func Types() []string {
	typesMu.RLock()
	defer typesMu.RUnlock()
	out := make([]string, 0, len(types))
	for n := range types {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func lookup(name string) (Type, bool) {
	typesMu.RLock()
	defer typesMu.RUnlock()
	t, ok := types[name]
	return t, ok
}

// HasHistory reports whether sources of the named type are Historians.
func HasHistory(typeName string) bool {
	t, ok := lookup(typeName)
	return ok && t.History
}

// New builds the source cfg configures; its error names the source once.
func New(cfg config.Source, opts Options) (Source, error) {
	t, ok := lookup(cfg.Type)
	if !ok {
		return nil, fmt.Errorf("source %q: unknown type %q", cfg.Name, cfg.Type)
	}
	if opts.Logger == nil {
		opts.Logger = zap.NewNop()
	}
	opts.Logger = opts.Logger.With(zap.String("source", cfg.Name))
	src, err := t.New(cfg, opts)
	if err != nil {
		return nil, fmt.Errorf("source %q: %w", cfg.Name, err)
	}
	return src, nil
}

// Validate checks every source of cfg against its type: a known type, only
// the keys it takes, and the type's own rules. Errors are at each source's
// line, ready to merge with the config's own.
func Validate(cfg *config.Config) config.Errors {
	var errs config.Errors
	for _, s := range cfg.Sources {
		where := "source"
		if s.Name != "" {
			where = fmt.Sprintf("source %q", s.Name)
		}
		add := func(msg string) {
			errs = append(errs, config.Error{File: cfg.File, Line: s.Line, Msg: where + ": " + msg})
		}
		t, ok := lookup(s.Type)
		if !ok {
			add(fmt.Sprintf("type must be one of %s, got %q", strings.Join(Types(), ", "), s.Type))
			continue
		}
		for _, k := range s.SetKeys() {
			if !slices.Contains(t.Keys, k) {
				add(fmt.Sprintf("%s does not apply to type %s", k, s.Type))
			}
		}
		if t.Validate != nil {
			for _, msg := range t.Validate(s) {
				add(msg)
			}
		}
	}
	return errs
}

// Preflight runs every source type's Preflight over cfg's sources (which
// Validate accepted), with errors at each source's line.
func Preflight(cfg *config.Config) config.Errors {
	var errs config.Errors
	for _, s := range cfg.Sources {
		t, ok := lookup(s.Type)
		if !ok || t.Preflight == nil {
			continue
		}
		for _, msg := range t.Preflight(s) {
			errs = append(errs, config.Error{File: cfg.File, Line: s.Line, Msg: fmt.Sprintf("source %q: %s", s.Name, msg)})
		}
	}
	return errs
}
