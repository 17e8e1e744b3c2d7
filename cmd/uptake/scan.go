package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
	"github.com/schollz/progressbar/v3"
	"go.uber.org/zap"
	"golang.org/x/term"

	"github.com/uptake-dev/uptake/collector"
	"github.com/uptake-dev/uptake/collector/cache"
	"github.com/uptake-dev/uptake/collector/evaluate"
	"github.com/uptake-dev/uptake/collector/snapshot"
	"github.com/uptake-dev/uptake/collector/source"
	"github.com/uptake-dev/uptake/exporter"
)

type scanCmd struct {
	cmd     *kingpin.CmdClause
	config  *string
	format  *string
	output  *string
	storage *string
	noCache *bool
	shard   *string
}

func newScanCmd(app *kingpin.Application) *scanCmd {
	c := &scanCmd{cmd: app.Command("scan", "Scan once, print the result and exit.")}
	c.config = c.cmd.Flag("config", "Path to the config file.").Short('c').Required().String()
	c.format = c.cmd.Flag("format", "Output format: table (per-team adoption), json (repos with evidence, and summary) or prom (the uptake_* gauges in the text exposition format, for node_exporter's textfile collector).").Default("table").Enum("table", "json", "prom")
	c.output = c.cmd.Flag("output", "Write to this file (atomically: temp file + rename) instead of standard output.").Short('o').String()
	c.storage = c.cmd.Flag("storage.path", "Directory of the scan cache; unchanged repos are not read again.").Default("./data").String()
	c.noCache = c.cmd.Flag("no-cache", "Scan without reading or writing the scan cache.").Bool()
	c.shard = c.cmd.Flag("shard", "Scan only shard i of n (i/n, 0-based), as in serve.").Default("0/1").String()
	return c
}

func (c *scanCmd) run(log *zap.Logger) int {
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
	var store *cache.Store
	if !*c.noCache {
		if store, err = cache.Open(*c.storage); err != nil {
			log.Error("cannot open the scan cache", zap.Error(err))
			return 1
		}
		defer store.Close()
	}
	apiMetrics := source.NewMetrics()
	sourceOpts := source.Options{Logger: log, Metrics: apiMetrics}
	if store != nil {
		sourceOpts.Store = store
	}
	sources, err := collector.NewSources(l.Config, sourceOpts)
	if err != nil {
		log.Error("cannot set up sources", zap.Error(err))
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	progress := newProgress(log, true)
	engine := collector.NewEngine(collector.Options{Logger: log, Store: store, Shard: shard, Shards: shards, OnProgress: progress.update})
	res := engine.Scan(ctx, l, sources)
	progress.finish()
	if ctx.Err() != nil {
		// A partial result would read as a drop in adoption: write nothing.
		log.Error("scan interrupted; nothing written")
		return 1
	}
	snap := evaluate.Build(l.Config, l.Catalog, res, time.Now(), log)

	var buf bytes.Buffer
	switch *c.format {
	case "json":
		err = writeJSON(&buf, snap)
	case "prom":
		err = writeProm(&buf, snap, apiMetrics)
	default:
		writeTable(&buf, snap)
	}
	if err == nil {
		err = writeOutput(*c.output, buf.Bytes())
	}
	if err != nil {
		log.Error("writing the result failed", zap.Error(err))
		return 1
	}
	for _, s := range snap.Sources {
		if !s.OK {
			log.Error("source could not be scanned; its last good data was used", zap.String("source", s.Name), zap.String("error", s.Error))
			return 1
		}
	}
	return 0
}

// jsonReport is the scan command's JSON document.
type jsonReport struct {
	Time      time.Time                 `json:"time"`
	Repos     []snapshot.RepoReport     `json:"repos"`
	Summary   []snapshot.Cell           `json:"summary"`
	Offerings []snapshot.OfferingReport `json:"offerings"`
	Teams     []snapshot.TeamReport     `json:"teams"`
	Sources   []snapshot.SourceScan     `json:"sources"`
}

func writeJSON(w io.Writer, s *snapshot.Snapshot) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(jsonReport{Time: s.Time, Repos: s.Repos, Summary: s.Summary, Offerings: s.Offerings, Teams: s.Teams, Sources: s.Sources})
}

// writeProm writes the uptake_* series only (the snapshot's gauges and the
// API totals of remote sources): no go_ or process_ series, which belong to
// the process that serves them.
func writeProm(w io.Writer, s *snapshot.Snapshot, api *source.Metrics) error {
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(exporter.NewCollector(func() *snapshot.Snapshot { return s }, 0)); err != nil {
		return err
	}
	if err := api.Register(reg); err != nil {
		return err
	}
	mfs, err := reg.Gather()
	if err != nil {
		return err
	}
	enc := expfmt.NewEncoder(w, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			return err
		}
	}
	return nil
}

func writeTable(w io.Writer, s *snapshot.Snapshot) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "OFFERING\tTEAM\tADOPTED\tELIGIBLE\tRATIO\tOUTDATED")
	cells := append([]snapshot.Cell(nil), s.Summary...)
	sort.SliceStable(cells, func(i, j int) bool {
		if cells[i].Offering != cells[j].Offering {
			return cells[i].Offering < cells[j].Offering
		}
		return cells[i].Team < cells[j].Team
	})
	for _, c := range cells {
		ratio := "-"
		if c.Ratio != nil {
			ratio = fmt.Sprintf("%.0f%%", *c.Ratio*100)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%d\n", c.Offering, c.Team, c.Adopted, c.Total, ratio, c.Outdated)
	}
	_ = tw.Flush()
	fmt.Fprintln(w)
	for _, src := range s.Sources {
		state := "ok"
		if !src.OK {
			state = "FAILED: " + src.Error
		}
		fmt.Fprintf(w, "source %s: %d repos, %d from cache, %d repo errors, %d files read, %s (%s)\n",
			src.Name, src.Repos, src.Cached, src.RepoErrors, src.FilesRead, src.Duration.Round(time.Millisecond), state)
	}
}

// writeOutput writes data to path atomically, or to stdout when path is "".
// A reader (node_exporter's textfile collector) never sees a partial file.
func writeOutput(path string, data []byte) error {
	if path == "" {
		_, err := os.Stdout.Write(data)
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// progress shows a bar on a terminal (when bars are allowed) and a log
// line every 10 s otherwise.
type progress struct {
	log *zap.Logger
	tty bool

	mu      sync.Mutex
	bar     *progressbar.ProgressBar
	source  string
	lastLog time.Time
}

func newProgress(log *zap.Logger, bar bool) *progress {
	return &progress{log: log, tty: bar && term.IsTerminal(int(os.Stderr.Fd())), lastLog: time.Now()}
}

func (p *progress) update(pr collector.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty {
		if p.bar == nil || p.source != pr.Source {
			p.finishLocked()
			p.source = pr.Source
			p.bar = progressbar.NewOptions(pr.Total, progressbar.OptionSetWriter(os.Stderr),
				progressbar.OptionSetDescription("scanning "+pr.Source), progressbar.OptionShowCount(),
				progressbar.OptionSetPredictTime(true), progressbar.OptionClearOnFinish())
		}
		_ = p.bar.Set(pr.Done)
		return
	}
	if time.Since(p.lastLog) >= 10*time.Second || pr.Done == pr.Total {
		p.lastLog = time.Now()
		p.log.Info("scan progress", zap.String("source", pr.Source), zap.Int("done", pr.Done), zap.Int("total", pr.Total))
	}
}

func (p *progress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.finishLocked()
}

func (p *progress) finishLocked() {
	if p.bar != nil {
		_ = p.bar.Finish()
		p.bar = nil
	}
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
