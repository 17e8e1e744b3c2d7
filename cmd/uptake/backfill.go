package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/prometheus/common/model"
	"go.uber.org/zap"

	"github.com/uptake-dev/uptake/collector/backfill"
	"github.com/uptake-dev/uptake/collector/cache"
	"github.com/uptake-dev/uptake/collector/history"
	"github.com/uptake-dev/uptake/collector/mirror"
	"github.com/uptake-dev/uptake/collector/runner"
	"github.com/uptake-dev/uptake/collector/snapshot"
	"github.com/uptake-dev/uptake/exporter"
	"github.com/uptake-dev/uptake/internal/output"
	"github.com/uptake-dev/uptake/internal/progress"
)

type backfillCmd struct {
	cmd      *kingpin.CmdClause
	config   *string
	since    *string
	step     *string
	until    *string
	output   *string
	labels   *[]string
	teams    *string
	shard    *string
	storage  *string
	noEvents *bool
	mirror   *string
	// now is the clock --until defaults from; tests set it.
	now func() time.Time
}

// headBlock is the span of the newest samples Prometheus still writes (its
// head block): blocks for it are not safe to add, so backfill ends before.
const headBlock = 3 * time.Hour

func newBackfillCmd(app *kingpin.Application) *backfillCmd {
	c := &backfillCmd{cmd: app.Command("backfill", "Evaluate the catalog over the past of local clones (or of mirrors, --mirror) and write the adoption series with timestamps as OpenMetrics, for promtool tsdb create-blocks-from openmetrics."), now: time.Now}
	c.config = c.cmd.Flag("config", "Path to the config file.").Short('c').Required().String()
	c.since = c.cmd.Flag("since", "How far back to go (Prometheus duration: 52w, 90d).").Default("52w").String()
	c.step = c.cmd.Flag("step", "Time between two evaluated points (Prometheus duration, at least 1m).").Default("1d").String()
	c.until = c.cmd.Flag("until", "The newest point: an RFC 3339 time or a date (YYYY-MM-DD); default 3h ago, before the block Prometheus is still writing. Points fall on multiples of --step.").String()
	c.output = c.cmd.Flag("output", "Write to this file instead of standard output (replaced atomically when it is a regular file).").Short('o').String()
	c.labels = c.cmd.Flag("label", "A label k=v every series carries, as the scrape adds it (job, instance); repeatable.").Strings()
	c.teams = c.cmd.Flag("teams", "Attribute teams as today's config and CODEOWNERS do (today), or with the CODEOWNERS of each point's commit (as-of-commit).").Default("today").Enum("today", "as-of-commit")
	c.shard = c.cmd.Flag("shard", "Backfill only shard i of n (i/n, 0-based), as serve --shard scans it.").Default("0/1").String()
	c.storage = c.cmd.Flag("storage.path", "The store serve uses: the adoption events the backfill saw are written to its event log, when no scan has recorded events in it yet.").Default("./data").String()
	c.noEvents = c.cmd.Flag("no-events", "Write the series only, not the events.").Bool()
	c.mirror = c.cmd.Flag("mirror", "Read each GitHub and GitLab source from its mirrors in this directory (uptake mirror --dir), keeping the live source and repo names so the series and events join the scraped ones.").String()
	return c
}

// backfillArgs are the flags, parsed.
type backfillArgs struct {
	steps  []time.Time
	labels map[string]string
	shard  int
	shards int
}

func (c *backfillCmd) parse() (backfillArgs, error) {
	var a backfillArgs
	since, err := model.ParseDuration(*c.since)
	if err != nil {
		return a, fmt.Errorf("--since: %w", err)
	}
	step, err := model.ParseDuration(*c.step)
	if err != nil {
		return a, fmt.Errorf("--step: %w", err)
	}
	if time.Duration(step) < time.Minute {
		return a, fmt.Errorf("--step %s: must be at least 1m", *c.step)
	}
	until := c.now().Add(-headBlock)
	if *c.until != "" {
		if until, err = parseTime(*c.until); err != nil {
			return a, fmt.Errorf("--until: %w", err)
		}
	}
	if a.steps, err = backfill.Steps(until, time.Duration(since), time.Duration(step)); err != nil {
		return a, err
	}
	a.labels = map[string]string{}
	for _, l := range *c.labels {
		k, v, ok := strings.Cut(l, "=")
		if !ok || k == "" {
			return a, fmt.Errorf("--label %q: want name=value", l)
		}
		if _, dup := a.labels[k]; dup {
			return a, fmt.Errorf("--label %s given twice", k)
		}
		a.labels[k] = v
	}
	a.shard, a.shards, err = parseShard(*c.shard)
	return a, err
}

func parseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither an RFC 3339 time nor a date (YYYY-MM-DD)", s)
	}
	return t, nil
}

func (c *backfillCmd) run(log *zap.Logger) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return c.backfill(ctx, log)
}

func (c *backfillCmd) backfill(ctx context.Context, log *zap.Logger) int {
	args, err := c.parse()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	l, err := runner.Load(*c.config)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if *c.mirror != "" {
		cfg, err := mirror.Local(l.Config, *c.mirror)
		if err != nil {
			fmt.Fprintf(os.Stderr, "--mirror: %v\n", err)
			return 1
		}
		l = &runner.Loaded{Config: cfg, Catalog: l.Catalog, Plan: l.Plan}
	}
	hist, err := exporter.NewHistory(args.labels)
	if err != nil {
		fmt.Fprintf(os.Stderr, "--label: %v\n", err)
		return 2
	}
	for _, k := range []string{"job", "instance"} {
		if _, ok := args.labels[k]; !ok {
			log.Warn("no --label "+k+"=…: the backfilled series will not join the scraped ones, which carry the scrape's", zap.String("label", k))
		}
	}
	var store *cache.Store
	if !*c.noEvents {
		// Opened first: a store serve holds is said before any work.
		if store, err = cache.Open(*c.storage); err != nil {
			log.Error("cannot open the store for the events; stop serve, or backfill the series only with --no-events", zap.Error(err))
			return 1
		}
		defer store.Close()
	}
	events := backfill.NewEvents(runner.EvalHash(l))
	bar := progress.New(log, true)
	sum, err := backfill.Run(ctx, l, backfill.Options{Steps: args.steps, TeamsAsOfCommit: *c.teams == "as-of-commit",
		Shard: args.shard, Shards: args.shards, Logger: log, OnProgress: bar.Update},
		func(t time.Time, s *snapshot.Snapshot) error {
			events.Add(t, s)
			return hist.Add(t, s)
		})
	bar.Finish()
	if err != nil {
		log.Error("backfill failed; nothing written", zap.Error(err))
		return 1
	}
	if err := output.Stream(*c.output, func(w io.Writer) error { _, err := hist.WriteTo(w); return err }); err != nil {
		log.Error("writing the result failed", zap.Error(err))
		return 1
	}
	if store != nil {
		if err := recordEvents(store, events, runner.EvalHash(l), log); err != nil {
			log.Error("the series were written; recording the events failed", zap.Error(err))
			return 1
		}
	}
	log.Info("backfill written", zap.Int("repos", sum.Repos), zap.Int("listed", sum.Listed), zap.Int("commits_read", sum.Commits),
		zap.Int("detector_runs", sum.Runs), zap.Int("detector_runs_reused", sum.Reused), zap.Int("steps", hist.Steps()),
		zap.Int("series", hist.Series()), zap.Time("from", args.steps[0]), zap.Time("until", args.steps[len(args.steps)-1]))
	if sum.Shallow > 0 {
		log.Warn("some clones lack the range's start (shallow); their earlier steps leave them out", zap.Int("repos", sum.Shallow))
	}
	if sum.RepoErrors > 0 {
		// As a scan: a repo that cannot be read is reported, not fatal.
		log.Warn("some repos could not be read (see above); the output counts the others", zap.Int("repos", sum.RepoErrors))
	}
	return 0
}

// recordEvents writes the events into a store whose event log no scan has
// begun: the baseline of the first step (so offerings adopted before the
// range are first adopted by then at the latest), then the events with the
// last step's baseline, which serve's first scan diffs against. A store
// with a baseline is left alone: its scans' events would overlap these.
func recordEvents(st *cache.Store, e *backfill.Events, hash string, log *zap.Logger) error {
	prev, err := st.Baseline()
	if err != nil {
		return err
	}
	evs := e.List()
	if len(prev) > 0 {
		log.Warn("the store already records adoption events (serve has scanned with it): backfill's would overlap them and are not written",
			zap.Int("events", len(evs)), zap.Int("baseline_repos", len(prev)))
		return nil
	}
	initial, at := e.Initial()
	if err := st.Record(history.Change{Put: initial}, hash, at); err != nil {
		return err
	}
	final, at := e.Final()
	if err := st.Record(history.Change{Events: evs, Put: final}, hash, at); err != nil {
		return err
	}
	log.Info("adoption events recorded", zap.Int("events", len(evs)), zap.Int("repos", len(final)))
	return nil
}
