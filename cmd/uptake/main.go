// Command uptake measures the adoption of a platform team's offerings
// across an organisation's repositories and exports it to Prometheus.
package main

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"strconv"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/version"
	"go.uber.org/zap"
	"go.uber.org/zap/exp/zapslog"
	"go.uber.org/zap/zapcore"

	"github.com/uptake-dev/uptake/collector/cache"
	"github.com/uptake-dev/uptake/collector/runner"
	"github.com/uptake-dev/uptake/collector/source"

	// The source types uptake is built with; each registers itself.
	_ "github.com/uptake-dev/uptake/collector/source/github"
	_ "github.com/uptake-dev/uptake/collector/source/gitlab"
	_ "github.com/uptake-dev/uptake/collector/source/local"
)

// defaultAddress is uptake's port in the exporter range.
const defaultAddress = ":9877"

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	app := kingpin.New("uptake", "Measures adoption of platform offerings across repositories and exports it to Prometheus.")
	app.Version(version.Print("uptake"))
	app.HelpFlag.Short('h')
	logLevel := app.Flag("log.level", "Only log messages with the given severity or above: debug, info, warn, error.").Default("info").Enum("debug", "info", "warn", "error")
	logFormat := app.Flag("log.format", "Log format: json or console.").Default("console").Enum("json", "console")

	serve := newServeCmd(app)
	scan := newScanCmd(app)
	check := newCheckCmd(app)
	backfill := newBackfillCmd(app)
	events := newEventsCmd(app)
	store := newStoreCmd(app)
	explain := newExplainCmd(app)
	inv := newInventoryCmd(app)
	mirror := newMirrorCmd(app)
	discover := newDiscoverCmd(app)
	campaigns := newCampaignsCmd(app)

	cmd, err := app.Parse(args)
	if err != nil {
		fmt.Fprintf(os.Stderr, "uptake: %v (try --help)\n", err)
		return 2
	}
	log, err := newLogger(*logLevel, *logFormat)
	if err != nil {
		fmt.Fprintf(os.Stderr, "uptake: %v\n", err)
		return 2
	}
	defer func() { _ = log.Sync() }()
	switch cmd {
	case serve.cmd.FullCommand():
		return serve.run(log)
	case scan.cmd.FullCommand():
		return scan.run(log)
	case check.cmd.FullCommand():
		return check.run()
	case backfill.cmd.FullCommand():
		return backfill.run(log)
	case events.cmd.FullCommand():
		return events.run()
	case store.export.FullCommand():
		return store.runExport()
	case store.imp.FullCommand():
		return store.runImport()
	case explain.cmd.FullCommand():
		return explain.run(log)
	case inv.cmd.FullCommand():
		return inv.run(log)
	case mirror.cmd.FullCommand():
		return mirror.run(log)
	case discover.cmd.FullCommand():
		return discover.run(log)
	case campaigns.cmd.FullCommand():
		return campaigns.run(log)
	}
	return 2
}

// newLogger builds the zap logger every part of uptake logs through.
func newLogger(level, format string) (*zap.Logger, error) {
	lvl, err := zapcore.ParseLevel(level)
	if err != nil {
		return nil, err
	}
	cfg := zap.NewProductionConfig()
	if format == "console" {
		cfg = zap.NewDevelopmentConfig()
		cfg.Development = false
		cfg.DisableStacktrace = true
	}
	cfg.Level = zap.NewAtomicLevelAt(lvl)
	cfg.Sampling = nil
	cfg.OutputPaths = []string{"stderr"}
	return cfg.Build()
}

// slogger bridges zap to slog for libraries that log with slog (the
// exporter toolkit), so every line goes through one core.
func slogger(log *zap.Logger) *slog.Logger {
	return slog.New(zapslog.NewHandler(log.Core()))
}

// scanFlags are the flags scan and serve share.
type scanFlags struct {
	config  *string
	storage *string
	shard   *string
}

// prepared is what scan and serve start from.
type prepared struct {
	store *cache.Store // nil without a cache
	// storeErr is why serve runs without the cache it was given.
	storeErr error
	metrics  *source.Metrics
	runner   *runner.Runner
	// shard is "i/n" when this process scans one shard of n > 1.
	shard string
}

// storageHealthy is 1 while the scan cache opened and has found no damage.
func (p *prepared) storageHealthy() prometheus.Collector {
	return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "uptake_storage_healthy",
		Help: "Whether the store in --storage.path opened and has found no damage (1); 0 runs without it, rescanning everything, recording no adoption event and restoring nothing after a restart."},
		func() float64 {
			if p.storeErr != nil || (p.store != nil && !p.store.Healthy()) {
				return 0
			}
			return 1
		})
}

func (p *prepared) close() {
	if p.store != nil {
		p.store.Close()
	}
}

// prepare is the preamble scan and serve share: load the config, parse the
// shard, open the cache (unless noCache) and build the runner. On failure
// it has said why and returns the exit code: 1 for the config or the
// cache, 2 for a bad flag. With withoutCache, a cache that cannot be opened
// (damaged, not writable) is logged and the runner goes on without it: a
// server must not crash-loop on its volume.
func prepare(log *zap.Logger, f scanFlags, noCache, withoutCache bool, interval time.Duration, progress func(runner.Progress)) (*prepared, int) {
	l, err := runner.Load(*f.config)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return nil, 1
	}
	shard, shards, err := parseShard(*f.shard)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return nil, 2
	}
	p := &prepared{metrics: source.NewMetrics()}
	if shards > 1 {
		p.shard = fmt.Sprintf("%d/%d", shard, shards)
	}
	if !noCache {
		if p.store, err = cache.Open(*f.storage); err != nil {
			if !withoutCache || errors.Is(err, cache.ErrLocked) {
				log.Error("cannot open the scan cache", zap.Error(err))
				return nil, 1
			}
			p.storeErr = err
			log.Error("cannot open the scan cache; running without it (uptake_storage_healthy 0)", zap.Error(err))
		}
	}
	p.runner, err = runner.New(l, runner.Config{File: *f.config, Interval: interval, Store: p.store, Metrics: p.metrics,
		Shard: shard, Shards: shards, Logger: log, OnProgress: progress})
	if err != nil {
		p.close()
		log.Error("cannot set up sources", zap.Error(err))
		return nil, 1
	}
	return p, 0
}

// shardRE accepts "i/n" and a StatefulSet pod name's ordinal "name-i/n".
var shardRE = regexp.MustCompile(`^(?:[A-Za-z0-9][A-Za-z0-9.-]*-)?(\d+)/(\d+)$`)

// parseShard parses "i/n" (0-based). A StatefulSet pod name such as
// "uptake-2" may stand for i: its trailing ordinal is used.
func parseShard(s string) (int, int, error) {
	m := shardRE.FindStringSubmatch(s)
	if m != nil {
		i, err1 := strconv.Atoi(m[1])
		n, err2 := strconv.Atoi(m[2])
		if err1 == nil && err2 == nil && n >= 1 && i < n {
			return i, n, nil
		}
	}
	return 0, 0, fmt.Errorf("--shard %q: want i/n with 0 <= i < n (or POD-NAME-i/n)", s)
}

type checkCmd struct {
	cmd        *kingpin.CmdClause
	config     *string
	syntaxOnly *bool
}

func newCheckCmd(app *kingpin.Application) *checkCmd {
	c := &checkCmd{cmd: app.Command("check", "Validate a config file, and what a scan needs from this machine (source paths, token variables, key and CA files); print FILE:LINE: message for each problem.")}
	c.config = c.cmd.Flag("config", "Path to the config file.").Short('c').Required().String()
	c.syntaxOnly = c.cmd.Flag("syntax-only", "Check the file alone, not the paths, variables and files it names (for CI, away from the machine that scans).").Bool()
	return c
}

func (c *checkCmd) run() int {
	l, err := runner.Load(*c.config)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if !*c.syntaxOnly {
		if errs := source.Preflight(l.Config); len(errs) > 0 {
			fmt.Fprintln(os.Stderr, errs)
			return 1
		}
	}
	fmt.Printf("%s: OK: %d sources, %d offerings, detectors in use: %v; rule set %s\n",
		*c.config, len(l.Config.Sources), len(l.Config.Offerings), l.Plan.Kinds(), l.Plan.Hash())
	return 0
}
