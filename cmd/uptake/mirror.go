package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/prometheus/common/model"
	"go.uber.org/zap"

	"github.com/uptake-dev/uptake/collector/mirror"
	"github.com/uptake-dev/uptake/collector/runner"
	"github.com/uptake-dev/uptake/internal/progress"
)

type mirrorCmd struct {
	cmd         *kingpin.CmdClause
	config      *string
	dir         *string
	sources     *[]string
	concurrency *int
	timeout     *string
	prune       *bool
}

func newMirrorCmd(app *kingpin.Application) *mirrorCmd {
	c := &mirrorCmd{cmd: app.Command("mirror", "Keep bare git mirrors of the repos of the config's GitHub and GitLab sources (their default branches, with the source's filters and credentials), so backfill --mirror and local scans can read them. Run it again to fetch what changed.")}
	c.config = c.cmd.Flag("config", "Path to the config file.").Short('c').Required().String()
	c.dir = c.cmd.Flag("dir", "Directory of the mirrors: one subdirectory per source, named after it, holding ORG/REPO.git and the listing (uptake-mirror.json).").Required().String()
	c.sources = c.cmd.Flag("source", "Mirror only this source (repeatable); default every github and gitlab source.").Strings()
	c.concurrency = c.cmd.Flag("concurrency", "Repos fetched at once; default scan.concurrency.").Int()
	c.timeout = c.cmd.Flag("repo-timeout", "Longest one repo's clone or fetch may take (Prometheus duration); a first clone of a large repo is the slow one.").Default("1h").String()
	c.prune = c.cmd.Flag("prune", "Delete the mirrors of repos the source no longer lists (deleted, archived, excluded); without it they stay on disk, out of the listing.").Bool()
	return c
}

func (c *mirrorCmd) run(log *zap.Logger) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	timeout, err := model.ParseDuration(*c.timeout)
	if err != nil {
		fmt.Fprintf(os.Stderr, "--repo-timeout: %v\n", err)
		return 2
	}
	if *c.concurrency < 0 {
		fmt.Fprintln(os.Stderr, "--concurrency must not be negative (0 takes scan.concurrency)")
		return 2
	}
	l, err := runner.Load(*c.config)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if _, err := mirror.Select(l.Config, *c.sources); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	bar := progress.NewFor("mirroring", "mirror progress", log, true)
	start := time.Now()
	sum, err := mirror.Run(ctx, l.Config, mirror.Options{Dir: *c.dir, Sources: *c.sources, Concurrency: *c.concurrency,
		RepoTimeout: time.Duration(timeout), Prune: *c.prune, Logger: log, OnProgress: bar.Update})
	bar.Finish()
	for _, s := range sum.Sources {
		log.Info("mirrored", zap.String("source", s.Source), zap.String("dir", s.Dir), zap.Int("listed", s.Listed),
			zap.Int("cloned", s.Cloned), zap.Int("updated", s.Updated), zap.Int("unchanged", s.Unchanged),
			zap.Int("failed", s.Failed), zap.Int("no_longer_listed", s.Left), zap.Bool("pruned", s.Pruned))
	}
	if err != nil {
		log.Error("mirror failed; the mirrors and listing of the sources before it are written", zap.Error(err))
		return 1
	}
	if n := sum.Failures(); n > 0 {
		log.Error("some repos could not be mirrored (see above); their older mirrors, if any, are kept and listed", zap.Int("repos", n))
		return 1
	}
	log.Info("mirrors up to date", zap.Duration("took", time.Since(start).Round(time.Millisecond)))
	return 0
}
