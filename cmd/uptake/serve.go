package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/prometheus/common/version"
	"github.com/prometheus/exporter-toolkit/web"
	"github.com/prometheus/exporter-toolkit/web/kingpinflag"
	"go.uber.org/zap"

	"github.com/uptake-dev/uptake/collector/runner"
	"github.com/uptake-dev/uptake/exporter"
	"github.com/uptake-dev/uptake/internal/progress"
)

type serveCmd struct {
	cmd       *kingpin.CmdClause
	flags     scanFlags
	interval  *time.Duration
	poll      *time.Duration
	lifecycle *bool
	web       *web.FlagConfig
}

func newServeCmd(app *kingpin.Application) *serveCmd {
	c := &serveCmd{cmd: app.Command("serve", "Scan on a schedule and serve the results on /metrics.").Default()}
	c.flags.config = c.cmd.Flag("config", "Path to the config file; reloaded on SIGHUP, when its content changes, and on POST /-/reload.").Short('c').Required().String()
	c.poll = c.cmd.Flag("config.poll-interval", "How often the config file's content is checked for a change, which reloads it (a Kubernetes ConfigMap update swaps a symlink); 0 disables.").Default("30s").Duration()
	c.lifecycle = c.cmd.Flag("web.enable-lifecycle", "Enable POST /-/reload (reload the config) and POST /-/scan (scan now); off, they answer 403.").Bool()
	c.interval = c.cmd.Flag("scan.interval", "Time between scan starts; a tick that finds a scan still running is skipped.").Default("1h").Duration()
	c.flags.storage = c.cmd.Flag("storage.path", "Directory of the store (an embedded database): the scan cache (unchanged repos are not read again, the last good data survives restarts) and the adoption history, which exists nowhere else: keep it on a persistent volume and back it up (uptake store export).").Default("./data").String()
	c.flags.shard = c.cmd.Flag("shard", "Scan only shard i of n (0-based i/n); a StatefulSet pod name works for i (uptake-2/4).").Envar("UPTAKE_SHARD").Default("0/1").String()
	c.web = kingpinflag.AddFlags(c.cmd, defaultAddress)
	return c
}

func (c *serveCmd) run(log *zap.Logger) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return c.serve(ctx, log)
}

// serve runs until ctx ends.
func (c *serveCmd) serve(ctx context.Context, log *zap.Logger) int {
	log.Info("starting uptake", zap.String("version", version.Info()), zap.String("build", version.BuildContext()))
	if *c.interval <= 0 {
		fmt.Fprintln(os.Stderr, "--scan.interval must be positive")
		return 2
	}
	if *c.poll < 0 {
		fmt.Fprintln(os.Stderr, "--config.poll-interval must not be negative")
		return 2
	}
	// A server logs progress as lines: a bar would tangle with its logs.
	p, code := prepare(log, c.flags, false, true, *c.interval, progress.New(log, false).Update)
	if p == nil {
		return code
	}
	defer p.close()
	r := p.runner

	snapshots := exporter.NewCollector(r.Snapshot, *c.interval)
	live, err := exporter.NewLiveRegistry(snapshots, append(p.metrics.Collectors(), append(r.Collectors(), p.storageHealthy())...)...)
	if err != nil {
		log.Error("registering metrics", zap.Error(err))
		return 1
	}
	// A scan still running at shutdown must end before the store closes.
	ran := make(chan struct{})
	defer func() { <-ran }()
	go func() { r.Run(ctx); close(ran) }()
	go watchSIGHUP(ctx, r)
	if *c.poll > 0 {
		go r.WatchConfig(ctx, *c.poll)
	}

	var events exporter.EventReader
	if p.store != nil {
		// A nil *cache.Store in the interface would not read as nil.
		events = p.store
	}
	mux, err := exporter.NewMux(exporter.WebOptions{
		Snapshots: snapshots,
		Live:      live,
		Logger:    slogger(log),
		Ready:     func() bool { return r.Snapshot() != nil },
		Reload:    r.Reload,
		Scan:      r.ScanNow,
		Snapshot:  r.Snapshot,
		Events:    events,
		Inventory: r,
		Shard:     p.shard,
		Rendered:  releaseMemory,

		EnableLifecycle: *c.lifecycle,
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

func watchSIGHUP(ctx context.Context, r *runner.Runner) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			_ = r.Reload()
		}
	}
}

// releaseMemory returns the heap's free pages to the OS. serve runs it after
// each snapshot is encoded: a scan and an encoding are bursts of garbage
// minutes apart, and the runtime would otherwise keep up to twice the live
// heap resident until the next one.
func releaseMemory() { debug.FreeOSMemory() }
