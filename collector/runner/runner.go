// Package runner runs uptake's scans: the engine lists each source's repos,
// serves unchanged ones from the scan cache, reads the others through the
// plan, and keeps every repo's last good data; the Runner schedules scans
// (at start, every interval, after a reload), re-evaluates the last scan when
// a reload changes nothing a scan reads, and publishes each immutable
// Snapshot. A reload that fails keeps the running config, as
// blackbox_exporter does.
package runner

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/uptake-dev/uptake/collector/cache"
	"github.com/uptake-dev/uptake/collector/evaluate"
	"github.com/uptake-dev/uptake/collector/snapshot"
	"github.com/uptake-dev/uptake/collector/source"
	"github.com/uptake-dev/uptake/config"
)

// Config configures a Runner.
type Config struct {
	// File is the config file Reload reads.
	File string
	// Interval is the time between scan starts.
	Interval time.Duration
	// Store is the scan cache; nil scans everything every time.
	Store *cache.Store
	// Metrics counts the remote sources' API requests; may be nil.
	Metrics *source.Metrics
	// Shard and Shards select the repos this process scans (Shards ≤ 1: all).
	Shard, Shards int
	Logger        *zap.Logger
	// OnProgress, when set, is called after each repo.
	OnProgress func(Progress)
}

// Runner holds the serving state: the current config and snapshot, each
// swapped whole, never edited in place.
type Runner struct {
	cfg    Config
	log    *zap.Logger
	engine *Engine

	reloadMu sync.Mutex // serialises reloads: the newest file wins

	mu         sync.Mutex // guards every field below it
	current    *Loaded
	sources    []source.Source
	sourcesKey string
	last       *evaluate.Result
	lastKey    string // sourcesKey of the config last scanned
	scanning   bool
	rescan     bool

	snapshot atomic.Pointer[snapshot.Snapshot]
	kick     chan struct{}
	scans    sync.WaitGroup

	reloadOK   prometheus.Gauge
	reloadTime prometheus.Gauge
}

// New returns a runner for the loaded config; it builds the sources and
// makes no request.
func New(l *Loaded, cfg Config) (*Runner, error) {
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	r := &Runner{
		cfg: cfg, log: cfg.Logger, current: l, kick: make(chan struct{}, 1),
		engine: NewEngine(Options{Logger: cfg.Logger, Store: cfg.Store, Shard: cfg.Shard, Shards: cfg.Shards, OnProgress: cfg.OnProgress}),
		reloadOK: prometheus.NewGauge(prometheus.GaugeOpts{Name: "uptake_config_last_reload_successful",
			Help: "Whether the last config load or reload succeeded (1) or was rejected (0, the previous config is kept)."}),
		reloadTime: prometheus.NewGauge(prometheus.GaugeOpts{Name: "uptake_config_last_reload_success_timestamp_seconds",
			Help: "When the config was last loaded successfully, as a Unix timestamp."}),
	}
	var err error
	if r.sources, err = NewSources(l.Config, r.sourceOptions()); err != nil {
		return nil, err
	}
	r.sourcesKey = sourcesKey(l)
	r.reloadOK.Set(1)
	r.reloadTime.SetToCurrentTime()
	return r, nil
}

// Collectors are the runner's own metrics: whether the config loaded.
func (r *Runner) Collectors() []prometheus.Collector {
	return []prometheus.Collector{r.reloadOK, r.reloadTime}
}

// Snapshot is the current snapshot, nil before the first scan completes.
func (r *Runner) Snapshot() *snapshot.Snapshot { return r.snapshot.Load() }

// Inventory is every component the scan behind the current snapshot found
// in a repo, offering or not: what the repo page and a new rule's author
// look at. The snapshot keeps only adoptions' evidence.
func (r *Runner) Inventory(source, repo string) ([]snapshot.Evidence, bool) {
	r.mu.Lock()
	res := r.last
	r.mu.Unlock()
	if res == nil {
		return nil, false
	}
	for _, rs := range res.Repos {
		if rs.Repo.Source == source && rs.Repo.Name == repo {
			out := make([]snapshot.Evidence, len(rs.Inventory.Components))
			for i, c := range rs.Inventory.Components {
				out[i] = evaluate.EvidenceOf(c)
			}
			return out, true
		}
	}
	return nil, false
}

func (r *Runner) sourceOptions() source.Options {
	opts := source.Options{Logger: r.log, Metrics: r.cfg.Metrics}
	if r.cfg.Store != nil {
		// A nil *cache.Store in the interface would not read as nil.
		opts.Store = r.cfg.Store
	}
	return opts
}

// ErrInterrupted is ScanOnce's error when ctx ended mid-scan: a partial
// result would read as a drop in adoption, so none is returned.
var ErrInterrupted = errors.New("scan interrupted")

// ScanOnce scans every source once and returns the evaluated snapshot.
func (r *Runner) ScanOnce(ctx context.Context) (*snapshot.Snapshot, error) {
	r.mu.Lock()
	l, sources, key := r.current, r.sources, r.sourcesKey
	r.mu.Unlock()
	res := r.engine.Scan(ctx, l, sources)
	if ctx.Err() != nil {
		return nil, ErrInterrupted
	}
	snap := evaluate.Build(l.Config, l.Catalog, res, time.Now(), r.log)
	r.mu.Lock()
	r.last, r.lastKey = res, key
	r.record(l, snap, false)
	r.mu.Unlock()
	r.snapshot.Store(snap)
	r.logUnmatchedRules(l.Config.File, res, snap)
	r.pruneEvents()
	return snap, nil
}

// Run scans at start, then every interval, and when a reload asks for it,
// until ctx ends; it returns once no scan is running.
func (r *Runner) Run(ctx context.Context) {
	defer r.scans.Wait()
	ticker := time.NewTicker(r.cfg.Interval)
	defer ticker.Stop()
	r.restore()
	r.startScan(ctx)
	r.scans.Add(1)
	go func() { defer r.scans.Done(); r.pruneLoop(ctx) }()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			r.startScan(ctx)
		case <-r.kick:
			r.startScan(ctx)
		}
	}
}

// restore publishes the last complete scan kept in the store, so a restart
// serves the numbers it served before while the first scan runs.
func (r *Runner) restore() {
	r.mu.Lock()
	l, key := r.current, r.sourcesKey
	r.mu.Unlock()
	// Outside the lock: reading a large store must not hold up a reload.
	res := r.engine.Restore(l)
	if res == nil {
		return
	}
	snap := evaluate.Build(l.Config, l.Catalog, res, time.Now(), r.log)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.current != l || r.snapshot.Load() != nil {
		return // a reload or a scan got there first
	}
	r.last, r.lastKey = res, key
	r.record(l, snap, true)
	r.snapshot.Store(snap)
	r.log.Info("published the last complete scan from the store until the first scan ends",
		zap.Time("scanned", res.Time), zap.Duration("age", time.Since(res.Time).Round(time.Second)), zap.Int("repos", len(res.Repos)))
}

// startScan runs scans in one goroutine until none is owed: a reload
// during a scan that needs other files sets rescan, and the same goroutine
// scans again, so no request is lost between two scans.
func (r *Runner) startScan(ctx context.Context) {
	r.mu.Lock()
	if r.scanning {
		r.mu.Unlock()
		r.log.Warn("scan still running; skipping this tick")
		return
	}
	r.scanning = true
	r.mu.Unlock()
	r.scans.Add(1)
	go func() {
		defer r.scans.Done()
		for {
			again := r.scanOnce(ctx)
			r.mu.Lock()
			if !again || ctx.Err() != nil {
				r.scanning = false
				r.mu.Unlock()
				return
			}
			r.mu.Unlock()
		}
	}()
}

// scanOnce scans with the current config and publishes the result; it
// reports whether the config changed under it so that another scan is owed.
func (r *Runner) scanOnce(ctx context.Context) bool {
	r.mu.Lock()
	l, sources, key := r.current, r.sources, r.sourcesKey
	r.rescan = false
	r.mu.Unlock()

	start := time.Now()
	res := r.engine.Scan(ctx, l, sources)
	if ctx.Err() != nil {
		return false
	}

	r.mu.Lock()
	defer r.mu.Unlock()
	r.last, r.lastKey = res, key
	// A reload during the scan may have changed the catalog: evaluate with
	// the newest config when it reads the same files, else scan again.
	again := r.rescan
	if cur := r.current; cur != l {
		if cur.Plan.Hash() == res.RuleHash && r.sourcesKey == key {
			l = cur
		} else {
			again = true
		}
	}
	snap := evaluate.Build(l.Config, l.Catalog, res, time.Now(), r.log)
	r.record(l, snap, false)
	r.snapshot.Store(snap)
	r.logUnmatchedRules(l.Config.File, res, snap)
	r.log.Info("scan complete", zap.Duration("duration", time.Since(start)), zap.Int("repos", len(res.Repos)), zap.Bool("rescan", again))
	return again
}

// logUnmatchedRules names, once per scan, every detect rule that matched no
// repo: a misspelt name or a rule no detector can satisfy otherwise reads
// as zero adoption. Only after a complete scan: a source that could not be
// listed, or a repo counted nowhere, may hold the repos it matches.
func (r *Runner) logUnmatchedRules(file string, res *evaluate.Result, snap *snapshot.Snapshot) {
	for _, s := range res.Sources {
		if !s.OK {
			return
		}
	}
	for _, repo := range res.Repos {
		if !repo.Counted() {
			return
		}
	}
	msg := "rule matched no repo: a misspelt name, one the repos' files write otherwise (a glob's * crosses /), or one no repo uses yet"
	if r.cfg.Shards > 1 {
		msg = "rule matched no repo of this shard: a misspelt name, one the repos' files write otherwise (a glob's * crosses /), or one no repo of the shard uses"
	}
	for _, o := range snap.Offerings {
		for _, rule := range o.Rules {
			if rule.MatchedRepos == 0 {
				r.log.Warn(msg, zap.String("offering", o.Name), zap.String("kind", rule.Kind), zap.Any("params", rule.Params),
					zap.String("at", fmt.Sprintf("%s:%d", file, rule.Line)))
			}
		}
	}
}

// ScanNow starts a scan unless one is running; it reports whether it did.
func (r *Runner) ScanNow() bool {
	r.mu.Lock()
	running := r.scanning
	r.mu.Unlock()
	if !running {
		r.requestScan()
	}
	return !running
}

// WatchConfig reloads when the config file's content changes, checked
// every interval until ctx ends. Content, not mtime: a Kubernetes ConfigMap
// update swaps a symlink and leaves times as they were.
func (r *Runner) WatchConfig(ctx context.Context, interval time.Duration) {
	last, err := fileHash(r.cfg.File)
	failing := err != nil
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		h, err := fileHash(r.cfg.File)
		if err != nil {
			if !failing {
				r.log.Warn("cannot read the config file to check for changes; the running config is kept", zap.Error(err))
			}
			failing = true
			continue
		}
		failing = false
		if h == last {
			continue
		}
		last = h
		r.log.Info("config file changed; reloading", zap.String("file", r.cfg.File))
		_ = r.Reload() // a rejected file is logged and counted by Reload
	}
}

func fileHash(path string) ([sha256.Size]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return [sha256.Size]byte{}, err
	}
	return sha256.Sum256(b), nil
}

func (r *Runner) requestScan() {
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

// Reload applies the config file anew. A bad file is rejected and the
// running config kept. A change that reads the same files from the same
// sources re-evaluates the last scan at once; any other change scans.
func (r *Runner) Reload() error {
	r.reloadMu.Lock()
	defer r.reloadMu.Unlock()
	l, err := Load(r.cfg.File)
	if err != nil {
		return r.rejected(err)
	}
	key := sourcesKey(l)
	r.mu.Lock()
	defer r.mu.Unlock()
	if key != r.sourcesKey {
		sources, err := NewSources(l.Config, r.sourceOptions())
		if err != nil {
			return r.rejected(err)
		}
		r.sources, r.sourcesKey = sources, key
	}
	r.current = l
	r.reloadOK.Set(1)
	r.reloadTime.SetToCurrentTime()
	switch {
	case r.last != nil && l.Plan.Hash() == r.last.RuleHash && key == r.lastKey:
		snap := evaluate.Build(l.Config, l.Catalog, r.last, time.Now(), r.log)
		// Recorded now, a catalog change rebases the baseline on the scan it
		// re-evaluates, and the next scan's new commits make their events.
		r.record(l, snap, r.last.Restored)
		r.snapshot.Store(snap)
		r.log.Info("config reloaded; re-evaluated the last scan without reading repos")
	case r.scanning:
		r.rescan = true
		r.log.Info("config reloaded during a scan; scanning again after it")
	default:
		r.log.Info("config reloaded; the rule set or sources changed, scanning")
		r.requestScan()
	}
	return nil
}

func (r *Runner) rejected(err error) error {
	r.reloadOK.Set(0)
	r.log.Error("config reload rejected; keeping the running config", zap.Error(err))
	return err
}

// sourcesKey identifies what the sources are built from, file positions
// aside: equal keys mean the running sources serve the new config as is.
func sourcesKey(l *Loaded) string {
	type key struct {
		Sources     []config.Source
		GitHubTeams bool
		Concurrency int
		HTTPTimeout time.Duration
	}
	k := key{Concurrency: l.Config.Scan.Concurrency, HTTPTimeout: l.Config.Scan.HTTPTimeout}
	for _, src := range l.Config.Sources {
		src.Line = 0
		k.Sources = append(k.Sources, src)
	}
	for _, f := range l.Config.Teams.From {
		k.GitHubTeams = k.GitHubTeams || f == "github_teams"
	}
	b, _ := json.Marshal(k)
	return string(b)
}
