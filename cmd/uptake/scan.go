package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"go.uber.org/zap"

	"github.com/uptake-dev/uptake/collector/snapshot"
	"github.com/uptake-dev/uptake/exporter"
	"github.com/uptake-dev/uptake/internal/output"
	"github.com/uptake-dev/uptake/internal/progress"
)

type scanCmd struct {
	cmd     *kingpin.CmdClause
	flags   scanFlags
	format  *string
	output  *string
	noCache *bool
	filter  struct {
		offering, team *string
		all            *bool
	}
}

func newScanCmd(app *kingpin.Application) *scanCmd {
	c := &scanCmd{cmd: app.Command("scan", "Scan once, print the result and exit.")}
	c.flags.config = c.cmd.Flag("config", "Path to the config file.").Short('c').Required().String()
	c.format = c.cmd.Flag("format", "Output format: table (adoption per offering, org-wide and per team), markdown (the offerings and per-team tables, for a wiki or a PR comment), csv (the offering × team cells), json (repos with evidence, and summary) or prom (the uptake_* gauges in the text exposition format, for node_exporter's textfile collector).").Default("table").Enum("table", "json", "prom", "markdown", "csv")
	c.output = c.cmd.Flag("output", "Write to this file instead of standard output: a regular file (or a symlink's target) is replaced atomically, a device, FIFO or /dev/stdout written in place.").Short('o').String()
	c.flags.storage = c.cmd.Flag("storage.path", "Directory of the store: the scan cache (unchanged repos are not read again) and the adoption history this scan adds its events to.").Default("./data").String()
	c.filter.offering = c.cmd.Flag("offering", "table, markdown, csv: only this offering.").String()
	c.filter.team = c.cmd.Flag("team", "table, markdown, csv: only this team's cells (the org-wide rows then total that team).").String()
	c.filter.all = c.cmd.Flag("all", "table, markdown: keep the rows where nothing is eligible, adopted or waived.").Bool()
	c.noCache = c.cmd.Flag("no-cache", "Scan without reading or writing the store: nothing cached, no event recorded.").Bool()
	c.flags.shard = c.cmd.Flag("shard", "Scan only shard i of n (i/n, 0-based), as in serve.").Default("0/1").String()
	return c
}

func (c *scanCmd) run(log *zap.Logger) int {
	progress := progress.New(log, true)
	p, code := prepare(log, c.flags, *c.noCache, false, 0, progress.Update)
	if p == nil {
		return code
	}
	defer p.close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	snap, err := p.runner.ScanOnce(ctx)
	progress.Finish()
	if err != nil {
		log.Error("scan interrupted; nothing written")
		return 1
	}
	f := reportFilter{offering: *c.filter.offering, team: *c.filter.team, all: *c.filter.all}
	if err := f.check(snap); err != nil {
		log.Error("nothing written", zap.Error(err))
		return 1
	}
	var buf bytes.Buffer
	switch *c.format {
	case "json":
		err = writeJSON(&buf, snap)
	case "prom":
		err = exporter.WriteText(&buf, exporter.NewCollector(func() *snapshot.Snapshot { return snap }, 0), p.metrics.Collectors()...)
	case "markdown":
		writeMarkdown(&buf, snap, f)
	case "csv":
		err = writeCSV(&buf, snap, f)
	default:
		writeTable(&buf, snap, f)
	}
	if err == nil {
		err = output.Write(*c.output, buf.Bytes())
	}
	if err != nil {
		log.Error("writing the result failed", zap.Error(err))
		return 1
	}
	if p.store != nil && !p.store.Healthy() {
		log.Error("the scan cache is damaged; the result was written from this scan alone", zap.Error(p.store.Err()))
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
	// Attribution and Unattributed say how good the teams are.
	Attribution  []snapshot.AttributionCount `json:"attribution"`
	Unattributed []snapshot.UnattributedRepo `json:"unattributed"`
	// Harvest is harvest mode's findings (a harvest section, or an
	// offering with alternatives).
	Harvest *snapshot.Harvest `json:"harvest,omitempty"`
}

func writeJSON(w io.Writer, s *snapshot.Snapshot) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(jsonReport{Time: s.Time, Repos: s.Repos, Summary: s.Summary, Offerings: s.Offerings, Teams: s.Teams, Sources: s.Sources,
		Attribution: s.Attribution, Unattributed: s.Unattributed, Harvest: s.Harvest})
}
