package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	versioncollector "github.com/prometheus/client_golang/prometheus/collectors/version"
	"github.com/prometheus/common/version"
	"github.com/prometheus/exporter-toolkit/web"
	"github.com/prometheus/exporter-toolkit/web/kingpinflag"
	"go.uber.org/zap"

	"github.com/uptake-dev/uptake/collector"
	"github.com/uptake-dev/uptake/collector/cache"
	"github.com/uptake-dev/uptake/collector/evaluate"
	"github.com/uptake-dev/uptake/collector/snapshot"
	"github.com/uptake-dev/uptake/collector/source"
	"github.com/uptake-dev/uptake/config"
	"github.com/uptake-dev/uptake/exporter"
)

type serveCmd struct {
	cmd      *kingpin.CmdClause
	config   *string
	interval *time.Duration
	storage  *string
	shard    *string
	web      *web.FlagConfig
}

func newServeCmd(app *kingpin.Application) *serveCmd {
	c := &serveCmd{cmd: app.Command("serve", "Scan on a schedule and serve the results on /metrics.").Default()}
	c.config = c.cmd.Flag("config", "Path to the config file; reloaded on SIGHUP and POST /-/reload.").Short('c').Required().String()
	c.interval = c.cmd.Flag("scan.interval", "Time between scan starts; a tick that finds a scan still running is skipped.").Default("1h").Duration()
	c.storage = c.cmd.Flag("storage.path", "Directory of the scan cache (an embedded database): unchanged repos are not read again, and the last good data survives restarts.").Default("./data").String()
	c.shard = c.cmd.Flag("shard", "Scan only shard i of n (0-based i/n); a StatefulSet pod name works for i (uptake-2/4).").Envar("UPTAKE_SHARD").Default("0/1").String()
	c.web = kingpinflag.AddFlags(c.cmd, defaultAddress)
	return c
}

// server holds the serving state: the current config and snapshot, swapped
// whole, never edited in place.
type server struct {
	log      *zap.Logger
	path     string
	interval time.Duration
	store    *cache.Store
	metrics  *source.Metrics
	engine   *collector.Engine

	reloadMu sync.Mutex // serialises reloads: the newest file wins

	mu         sync.Mutex // guards every field below it
	current    *collector.Loaded
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

func (c *serveCmd) run(log *zap.Logger) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return c.serve(ctx, log)
}

// serve runs until ctx ends.
func (c *serveCmd) serve(ctx context.Context, log *zap.Logger) int {
	log.Info("starting uptake", zap.String("version", version.Info()), zap.String("build", version.BuildContext()))
	l, err := load(*c.config)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	shard, shards, err := parseShard(*c.shard)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	if *c.interval <= 0 {
		fmt.Fprintln(os.Stderr, "--scan.interval must be positive")
		return 2
	}
	store, err := cache.Open(*c.storage)
	if err != nil {
		log.Error("cannot open the scan cache", zap.Error(err))
		return 1
	}
	defer store.Close()

	s := &server{
		log: log, path: *c.config, interval: *c.interval, store: store, metrics: source.NewMetrics(),
		current: l, kick: make(chan struct{}, 1),
		reloadOK: prometheus.NewGauge(prometheus.GaugeOpts{Name: "uptake_config_last_reload_successful",
			Help: "Whether the last config load or reload succeeded (1) or was rejected (0, the previous config is kept)."}),
		reloadTime: prometheus.NewGauge(prometheus.GaugeOpts{Name: "uptake_config_last_reload_success_timestamp_seconds",
			Help: "When the config was last loaded successfully, as a Unix timestamp."}),
	}
	// A server logs progress as lines: a bar would tangle with its logs.
	s.engine = collector.NewEngine(collector.Options{Logger: log, Store: store, Shard: shard, Shards: shards,
		OnProgress: newProgress(log, false).update})
	if s.sources, err = collector.NewSources(l.Config, s.sourceOptions()); err != nil {
		log.Error("cannot set up sources", zap.Error(err))
		return 1
	}
	s.sourcesKey = sourcesKey(l)
	// A scan still running at shutdown must end before the store closes.
	defer s.scans.Wait()
	s.reloadOK.Set(1)
	s.reloadTime.SetToCurrentTime()

	reg, err := newRegistry(exporter.NewCollector(s.snapshot.Load, s.interval), s.metrics, s.reloadOK, s.reloadTime)
	if err != nil {
		log.Error("registering metrics", zap.Error(err))
		return 1
	}

	go s.loop(ctx)
	go s.watchSIGHUP(ctx)

	mux, err := exporter.NewMux(exporter.WebOptions{
		Gatherer: reg,
		Logger:   slogger(log),
		Ready:    func() bool { return s.snapshot.Load() != nil },
		Reload:   s.reload,
		Snapshot: s.snapshot.Load,
	})
	if err != nil {
		log.Error("building web handlers", zap.Error(err))
		return 1
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- web.ListenAndServe(srv, c.web, slogger(log)) }()
	select {
	case err := <-errc:
		log.Error("web server failed", zap.Error(err))
		return 1
	case <-ctx.Done():
		log.Info("shutting down")
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdownCtx)
		return 0
	}
}

// newRegistry holds every metric /metrics serves: the snapshot's const
// metrics, build info, Go and process metrics, and the running totals.
func newRegistry(snapshot prometheus.Collector, metrics *source.Metrics, extra ...prometheus.Collector) (*prometheus.Registry, error) {
	reg := prometheus.NewRegistry()
	cs := append([]prometheus.Collector{
		snapshot,
		versioncollector.NewCollector("uptake"),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	}, extra...)
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return reg, metrics.Register(reg)
}

func (s *server) sourceOptions() source.Options {
	return source.Options{Logger: s.log, Metrics: s.metrics, Store: s.store}
}

// loop scans at start, then every interval, and when a reload asks for it.
func (s *server) loop(ctx context.Context) {
	ticker := time.NewTicker(s.interval)
	defer ticker.Stop()
	s.startScan(ctx)
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			s.startScan(ctx)
		case <-s.kick:
			s.startScan(ctx)
		}
	}
}

// startScan runs scans in one goroutine until none is owed: a reload
// during a scan that needs other files sets rescan, and the same goroutine
// scans again, so no request is lost between two scans.
func (s *server) startScan(ctx context.Context) {
	s.mu.Lock()
	if s.scanning {
		s.mu.Unlock()
		s.log.Warn("scan still running; skipping this tick")
		return
	}
	s.scanning = true
	s.mu.Unlock()
	s.scans.Add(1)
	go func() {
		defer s.scans.Done()
		for {
			again := s.scanOnce(ctx)
			s.mu.Lock()
			if !again || ctx.Err() != nil {
				s.scanning = false
				s.mu.Unlock()
				return
			}
			s.mu.Unlock()
		}
	}()
}

// scanOnce scans with the current config and publishes the result; it
// reports whether the config changed under it so that another scan is owed.
func (s *server) scanOnce(ctx context.Context) bool {
	s.mu.Lock()
	l, sources, key := s.current, s.sources, s.sourcesKey
	s.rescan = false
	s.mu.Unlock()

	start := time.Now()
	res := s.engine.Scan(ctx, l, sources)
	if ctx.Err() != nil {
		return false
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	s.last, s.lastKey = res, key
	// A reload during the scan may have changed the catalog: evaluate with
	// the newest config when it reads the same files, else scan again.
	again := s.rescan
	if cur := s.current; cur != l {
		if cur.Plan.Hash() == res.RuleHash && s.sourcesKey == key {
			l = cur
		} else {
			again = true
		}
	}
	s.snapshot.Store(evaluate.Build(l.Config, l.Catalog, res, time.Now(), s.log))
	s.log.Info("scan complete", zap.Duration("duration", time.Since(start)), zap.Int("repos", len(res.Repos)), zap.Bool("rescan", again))
	return again
}

func (s *server) requestScan() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

func (s *server) watchSIGHUP(ctx context.Context) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			_ = s.reload()
		}
	}
}

// reload applies the config file anew. A bad file is rejected and the
// running config kept. A change that reads the same files from the same
// sources re-evaluates the last scan at once; any other change scans.
func (s *server) reload() error {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	l, err := load(s.path)
	if err != nil {
		s.reloadOK.Set(0)
		s.log.Error("config reload rejected; keeping the running config", zap.Error(err))
		return err
	}
	key := sourcesKey(l)
	s.mu.Lock()
	defer s.mu.Unlock()
	if key != s.sourcesKey {
		sources, err := collector.NewSources(l.Config, s.sourceOptions())
		if err != nil {
			s.reloadOK.Set(0)
			s.log.Error("config reload rejected; keeping the running config", zap.Error(err))
			return err
		}
		s.sources, s.sourcesKey = sources, key
	}
	s.current = l
	s.reloadOK.Set(1)
	s.reloadTime.SetToCurrentTime()
	switch {
	case s.last != nil && l.Plan.Hash() == s.last.RuleHash && key == s.lastKey:
		s.snapshot.Store(evaluate.Build(l.Config, l.Catalog, s.last, time.Now(), s.log))
		s.log.Info("config reloaded; re-evaluated the last scan without reading repos")
	case s.scanning:
		s.rescan = true
		s.log.Info("config reloaded during a scan; scanning again after it")
	default:
		s.log.Info("config reloaded; the rule set or sources changed, scanning")
		s.requestScan()
	}
	return nil
}

// sourcesKey identifies what the sources are built from, file positions
// aside: equal keys mean the running sources serve the new config as is.
func sourcesKey(l *collector.Loaded) string {
	type key struct {
		Sources     []config.Source
		GitHubTeams bool
		Concurrency int
	}
	k := key{Concurrency: l.Config.Scan.Concurrency}
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
