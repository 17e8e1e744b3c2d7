package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
	"text/tabwriter"
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
}

func newScanCmd(app *kingpin.Application) *scanCmd {
	c := &scanCmd{cmd: app.Command("scan", "Scan once, print the result and exit.")}
	c.flags.config = c.cmd.Flag("config", "Path to the config file.").Short('c').Required().String()
	c.format = c.cmd.Flag("format", "Output format: table (per-team adoption), json (repos with evidence, and summary) or prom (the uptake_* gauges in the text exposition format, for node_exporter's textfile collector).").Default("table").Enum("table", "json", "prom")
	c.output = c.cmd.Flag("output", "Write to this file instead of standard output: a regular file (or a symlink's target) is replaced atomically, a device, FIFO or /dev/stdout written in place.").Short('o').String()
	c.flags.storage = c.cmd.Flag("storage.path", "Directory of the scan cache; unchanged repos are not read again.").Default("./data").String()
	c.noCache = c.cmd.Flag("no-cache", "Scan without reading or writing the scan cache.").Bool()
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
	var buf bytes.Buffer
	switch *c.format {
	case "json":
		err = writeJSON(&buf, snap)
	case "prom":
		err = exporter.WriteText(&buf, exporter.NewCollector(func() *snapshot.Snapshot { return snap }, 0), p.metrics.Collectors()...)
	default:
		writeTable(&buf, snap)
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
}

func writeJSON(w io.Writer, s *snapshot.Snapshot) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(jsonReport{Time: s.Time, Repos: s.Repos, Summary: s.Summary, Offerings: s.Offerings, Teams: s.Teams, Sources: s.Sources,
		Attribution: s.Attribution, Unattributed: s.Unattributed})
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
		if src.DeferredRepos > 0 {
			state += fmt.Sprintf(", %d repos deferred to the next scan (rate budget)", src.DeferredRepos)
		}
		fmt.Fprintf(w, "source %s: %d repos, %d from cache, %d repo errors, %d files read, %s (%s)\n",
			src.Name, src.Repos, src.Cached, src.RepoErrors, src.FilesRead, src.Duration.Round(time.Millisecond), state)
	}
}
