// Command uptake measures the adoption of a platform team's offerings
// across an organisation's repositories and exports it to Prometheus.
package main

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sort"

	"github.com/alecthomas/kingpin/v2"
	"github.com/prometheus/common/version"
	"go.uber.org/zap"
	"go.uber.org/zap/exp/zapslog"
	"go.uber.org/zap/zapcore"

	"github.com/uptake-dev/uptake/collector"
	"github.com/uptake-dev/uptake/collector/source"
	// The source types uptake is built with; each registers itself.
	_ "github.com/uptake-dev/uptake/collector/source/github"
	_ "github.com/uptake-dev/uptake/collector/source/gitlab"
	_ "github.com/uptake-dev/uptake/collector/source/local"
	"github.com/uptake-dev/uptake/collector/match"
	"github.com/uptake-dev/uptake/config"
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

// load reads and validates the config and compiles its rules. The
// config's own errors and the detectors' rule errors come in one report,
// sorted by line, so a user fixes everything in one round.
func load(path string) (*collector.Loaded, error) {
	cfg, err := config.Load(path)
	var cfgErrs config.Errors
	if err != nil && (cfg == nil || !errors.As(err, &cfgErrs)) {
		return nil, err
	}
	srcErrs := source.Validate(cfg)
	cat, compileErr := match.Compile(cfg)
	var ruleErrs config.Errors
	if compileErr != nil && !errors.As(compileErr, &ruleErrs) {
		return nil, compileErr
	}
	if all := append(append(cfgErrs, srcErrs...), ruleErrs...); len(all) > 0 {
		sort.SliceStable(all, func(i, j int) bool { return all[i].Line < all[j].Line })
		return nil, all
	}
	plan, err := cat.Plan(cfg.Scan)
	if err != nil {
		return nil, err
	}
	return &collector.Loaded{Config: cfg, Catalog: cat, Plan: plan}, nil
}

type checkCmd struct {
	cmd    *kingpin.CmdClause
	config *string
}

func newCheckCmd(app *kingpin.Application) *checkCmd {
	c := &checkCmd{cmd: app.Command("check", "Validate a config file; print FILE:LINE: message for each problem.")}
	c.config = c.cmd.Flag("config", "Path to the config file.").Short('c').Required().String()
	return c
}

func (c *checkCmd) run() int {
	l, err := load(*c.config)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Printf("%s: OK: %d sources, %d offerings, detectors in use: %v; rule set %s\n",
		*c.config, len(l.Config.Sources), len(l.Config.Offerings), l.Catalog.Kinds(), l.Plan.Hash())
	return 0
}
