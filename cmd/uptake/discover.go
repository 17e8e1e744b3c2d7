package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"
	"unicode"

	"github.com/alecthomas/kingpin/v2"
	"go.uber.org/zap"

	"github.com/uptake-dev/uptake/collector/harvest"
	"github.com/uptake-dev/uptake/collector/runner"
	"github.com/uptake-dev/uptake/collector/snapshot"
	"github.com/uptake-dev/uptake/collector/source"
	"github.com/uptake-dev/uptake/config"
	"github.com/uptake-dev/uptake/exporter"
	"github.com/uptake-dev/uptake/internal/output"
	"github.com/uptake-dev/uptake/internal/progress"
)

// discoverCmd lists what to productise next: candidates, copy-paste
// clusters and alternatives in use, from a harvest-mode scan.
type discoverCmd struct {
	cmd      *kingpin.CmdClause
	config   *string
	shard    *string
	minTeams *int
	kinds    *[]string
	internal *[]string
	format   *string
	output   *string
	server   *string
	// stderr is where notes go (the shard's, the server's).
	stderr io.Writer
	// incomplete is set when the scan missed repos: written, and exit 1.
	incomplete bool
}

func newDiscoverCmd(app *kingpin.Application) *discoverCmd {
	c := &discoverCmd{cmd: app.Command("discover", "List what teams already build alike and where they chose something else: components several teams use that no offering covers, CI and build files copied across teams, and repos using an offering's alternatives. Scans in harvest mode, without the store (serve's cache is never opened), or reads a running serve's /api/v1/harvest."),
		stderr: os.Stderr}
	c.config = c.cmd.Flag("config", "Path to the config file (not needed with --server); its harvest section is the defaults of the flags below.").Short('c').String()
	c.minTeams = c.cmd.Flag("min-teams", "Only components and copies used by at least this many teams (default harvest.min_teams, else 3).").Int()
	c.kinds = c.cmd.Flag("kind", "Only candidates of this detector kind (repeatable).").Strings()
	c.internal = c.cmd.Flag("internal", "A glob of the estate's own component names, ranked first, as harvest.internal (repeatable; * crosses /): github.com/acme/*, @acme/*, registry.acme.io/*.").Strings()
	c.format = c.cmd.Flag("format", "Output format: table, markdown, json (as /api/v1/harvest) or csv (one row per candidate, cluster member and alternative use).").Default("table").Enum("table", "markdown", "json", "csv")
	c.output = c.cmd.Flag("output", "Write to this file instead of standard output, as scan --output does.").Short('o').String()
	c.server = c.cmd.Flag("server", "Read a running uptake serve's /api/v1/harvest at this URL (its config needs a harvest section) instead of scanning.").String()
	c.shard = c.cmd.Flag("shard", "Scan only shard i of n (i/n, 0-based), as in serve: the findings are then that shard's repos' only. Not with --server (it says its own shard).").Default("0/1").String()
	return c
}

func (c *discoverCmd) run(log *zap.Logger) int {
	var (
		ans *exporter.HarvestAnswer
		err error
	)
	if *c.server != "" {
		if *c.shard != "0/1" {
			// The server scanned its own shard; it says which.
			fmt.Fprintln(os.Stderr, "uptake discover: --shard applies to a scan, not to --server: the server reports the shard it scanned")
			return 1
		}
		ans, err = fetchHarvest(*c.server)
	} else {
		ans, err = c.scan(log)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "uptake discover:", err)
		return 1
	}
	h := ans.Data
	if ans.Shard != "" {
		fmt.Fprintf(c.stderr, "uptake discover: shard %s: candidates, clusters and alternatives are that shard's repos' only; teams count within it\n", ans.Shard)
	}
	if *c.server != "" {
		c.narrow(h)
	}
	if len(*c.kinds) > 0 {
		h.Candidates = slices.DeleteFunc(h.Candidates, func(cd snapshot.Candidate) bool { return !slices.Contains(*c.kinds, cd.Kind) })
	}
	var buf bytes.Buffer
	switch *c.format {
	case "json":
		enc := json.NewEncoder(&buf)
		enc.SetIndent("", "  ")
		err = enc.Encode(ans)
	case "csv":
		err = exporter.WriteHarvestCSV(&buf, h)
	case "markdown":
		writeDiscoverMarkdown(&buf, h)
	default:
		writeDiscoverTable(&buf, h)
	}
	if err == nil {
		err = output.Write(*c.output, buf.Bytes())
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "uptake discover:", err)
		return 1
	}
	if c.incomplete {
		// As scan: the findings are written, and a script learns they miss repos.
		return 1
	}
	return 0
}

// narrow applies --min-teams and --internal to a server's findings: it can
// raise the server's min_teams, not lower it.
func (c *discoverCmd) narrow(h *snapshot.Harvest) {
	if n := *c.minTeams; n > 0 {
		if n < h.MinTeams {
			fmt.Fprintf(c.stderr, "uptake discover: the server's harvest.min_teams is %d: --min-teams %d cannot show more than it found\n", h.MinTeams, n)
		} else {
			h.MinTeams = n
			h.Candidates = slices.DeleteFunc(h.Candidates, func(cd snapshot.Candidate) bool { return cd.Teams < n })
			h.Clusters = slices.DeleteFunc(h.Clusters, func(cl snapshot.Cluster) bool { return cl.Teams < n })
		}
	}
	if len(*c.internal) > 0 {
		harvest.MarkInternal(h.Candidates, *c.internal)
	}
}

// scan runs one harvest-mode scan without a store: the store is serve's
// (locked while it runs), and a scan in another mode must not rewrite its
// cache or record events in its history.
func (c *discoverCmd) scan(log *zap.Logger) (*exporter.HarvestAnswer, error) {
	if *c.config == "" {
		return nil, errors.New("--config or --server is required")
	}
	cfg, err := config.Load(*c.config)
	if err != nil {
		return nil, err
	}
	if cfg.Harvest == nil {
		cfg.Harvest = &config.Harvest{MinTeams: config.DefaultHarvestMinTeams, Top: config.DefaultHarvestTop}
	}
	if *c.minTeams < 0 {
		return nil, fmt.Errorf("--min-teams must be at least 1, got %d", *c.minTeams)
	}
	if *c.minTeams > 0 {
		cfg.Harvest.MinTeams = *c.minTeams
	}
	cfg.Harvest.Internal = append(cfg.Harvest.Internal, *c.internal...)
	l, err := runner.Compile(cfg)
	if err != nil {
		return nil, err
	}
	shard, shards, err := parseShard(*c.shard)
	if err != nil {
		return nil, err
	}
	bar := progress.New(log, true)
	r, err := runner.New(l, runner.Config{File: *c.config, Metrics: source.NewMetrics(), Shard: shard, Shards: shards, Logger: log, OnProgress: bar.Update})
	if err != nil {
		return nil, fmt.Errorf("cannot set up sources: %w", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	snap, err := r.ScanOnce(ctx)
	bar.Finish()
	if err != nil {
		return nil, fmt.Errorf("scan: %w", err)
	}
	for _, s := range snap.Sources {
		if !s.OK {
			fmt.Fprintf(c.stderr, "uptake discover: source %s could not be listed (%s): its repos are missing from the findings\n", s.Name, s.Error)
			c.incomplete = true
		}
	}
	if n := snap.Harvest.Pending; n > 0 {
		fmt.Fprintf(c.stderr, "uptake discover: %d repos could not be read (see the log): they are missing from the findings\n", n)
		c.incomplete = true
	}
	ans := &exporter.HarvestAnswer{Data: snap.Harvest}
	if shards > 1 {
		ans.Shard = fmt.Sprintf("%d/%d", shard, shards)
	}
	return ans, nil
}

// fetchHarvest reads a running uptake's /api/v1/harvest.
func fetchHarvest(server string) (*exporter.HarvestAnswer, error) {
	var a exporter.HarvestAnswer
	if err := fromServer(server, "/api/v1/harvest", nil, &a); err != nil {
		return nil, err
	}
	if a.Data == nil {
		return nil, errors.New("--server: the answer holds no harvest findings")
	}
	return &a, nil
}

func candidateName(c snapshot.Candidate) string {
	if c.Internal {
		return c.Name + " (internal)"
	}
	return c.Name
}

func builtBy(c snapshot.Candidate) string {
	if c.BuiltBy == "" {
		return ""
	}
	return c.BuiltBy + " (" + c.BuiltIn + ")"
}

func example(e []snapshot.RepoEvidence) string {
	if len(e) == 0 {
		return ""
	}
	return fmt.Sprintf("%s/%s %s:%d", e[0].Source, e[0].Repo, e[0].Path, e[0].Line)
}

func writeDiscoverTable(w io.Writer, h *snapshot.Harvest) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	if h.Enabled {
		fmt.Fprintf(tw, "CANDIDATES: used by %d teams or more, covered by no offering; internal first\n", h.MinTeams)
		fmt.Fprintln(tw, "#\tKIND\tCOMPONENT\tTEAMS\tREPOS\tVERSIONS\tBUILT BY\tEXAMPLE")
		for i, c := range h.Candidates {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%d\t%s\t%s\t%s\n", i+1, c.Kind, termCell(candidateName(c)), c.Teams, c.Repos,
				termCell(exporter.VersionList(c.Versions)), termCell(builtBy(c)), termCell(example(c.Evidence)))
		}
		fmt.Fprintf(tw, "\nCLUSTERS: CI, build and container files copied across repos of %d teams or more (Jaccard >= %.1f once normalised)\n", h.MinTeams, harvest.Threshold)
		fmt.Fprintln(tw, "#\tCLUSTER\tKIND\tREPRESENTATIVE\tTEAMS\tREPOS\tIDENTICAL\tOTHER COPIES (SIMILARITY)")
		for i, c := range h.Clusters {
			rep := c.Members[0]
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%d\t%d\t%s\n", i+1, c.ID, c.Kind, termCell(rep.Source+"/"+rep.Repo+" "+rep.Path),
				c.Teams, c.Repos, c.Identical, termCell(otherCopies(c)))
		}
		_ = tw.Flush()
		for _, c := range h.Clusters {
			differ, more := differing(c)
			for _, m := range differ {
				fmt.Fprintf(w, "  %s %s differs from the representative:\n", c.ID, termCell(m.Source+"/"+m.Repo+" "+m.Path))
				for _, d := range m.Diff {
					fmt.Fprintf(w, "    %s\n", printable(d))
				}
				if m.DiffMore > 0 {
					fmt.Fprintf(w, "    … %d more lines\n", m.DiffMore)
				}
			}
			if more > 0 {
				fmt.Fprintf(w, "  %s: %d more members differ (--format json lists them)\n", c.ID, more)
			}
		}
		fmt.Fprintln(tw)
	}
	fmt.Fprintln(tw, "ALTERNATIVES: eligible repos using an alternative instead of the offering")
	fmt.Fprintln(tw, "OFFERING\tALTERNATIVE\tTEAM\tREPOS\tEXAMPLE")
	for _, a := range h.Alternatives {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", termCell(a.Offering), termCell(a.Alternative), termCell(a.Team), len(a.Repos), termCell(alternativeExample(a)))
	}
	_ = tw.Flush()
}

// printable replaces control characters in a scanned file's line: an
// escape sequence in a repo must not reach the terminal.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) && r != '\t' {
			return '?'
		}
		return r
	}, s)
}

// termCell is a scanned name as a tabwriter cell: printable, and a tab
// in it would end the cell.
func termCell(s string) string {
	return strings.ReplaceAll(printable(s), "\t", " ")
}

// mdCell is a scanned name as a markdown table cell: printable (a newline
// would end the row) and its pipes escaped.
func mdCell(s string) string {
	return strings.ReplaceAll(termCell(s), "|", `\|`)
}

// mdCode is s as a code span of a markdown table cell: fenced by more
// backticks than any run in it, so that none ends the span early.
func mdCode(s string) string {
	s = mdCell(s)
	run, longest := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	if longest > 0 {
		return fence + " " + s + " " + fence
	}
	return fence + s + fence
}

// maxListedMembers bounds the other copies and the diffs the table and
// markdown list a cluster: it lists up to 500 members.
const maxListedMembers = 8

// otherCopies lists a cluster's first members but the representative.
func otherCopies(c snapshot.Cluster) string {
	var out []string
	others := c.Members[1:]
	for i, m := range others {
		if i == maxListedMembers {
			out = append(out, fmt.Sprintf("… %d more", len(others)-i))
			break
		}
		out = append(out, fmt.Sprintf("%s/%s (%.2f)", m.Source, m.Repo, m.Similarity))
	}
	return strings.Join(out, ", ")
}

// differing are a cluster's first members that differ from the
// representative, and how many more do.
func differing(c snapshot.Cluster) ([]snapshot.ClusterMember, int) {
	var out []snapshot.ClusterMember
	more := 0
	for _, m := range c.Members[1:] {
		switch {
		case len(m.Diff) == 0:
		case len(out) < maxListedMembers:
			out = append(out, m)
		default:
			more++
		}
	}
	return out, more
}

func alternativeExample(a snapshot.AlternativeUse) string {
	r := a.Repos[0]
	return fmt.Sprintf("%s/%s %s %s:%d", r.Source, r.Repo, r.Name, r.Path, r.Line)
}

func writeDiscoverMarkdown(w io.Writer, h *snapshot.Harvest) {
	if h.Enabled {
		fmt.Fprintf(w, "## Candidates\n\nUsed by %d teams or more, covered by no offering; internal first.\n\n", h.MinTeams)
		fmt.Fprintln(w, "| # | kind | component | teams | repos | versions | built by | example |\n|---|---|---|---|---|---|---|---|")
		for i, c := range h.Candidates {
			fmt.Fprintf(w, "| %d | %s | %s | %d | %d | %s | %s | %s |\n", i+1, c.Kind, mdCode(candidateName(c)), c.Teams, c.Repos,
				mdCell(exporter.VersionList(c.Versions)), mdCell(builtBy(c)), mdCell(example(c.Evidence)))
		}
		fmt.Fprintf(w, "\n## Copy-paste clusters\n\nCI, build and container files copied across repos of %d teams or more (Jaccard ≥ %.1f once normalised).\n\n", h.MinTeams, harvest.Threshold)
		fmt.Fprintln(w, "| # | cluster | kind | representative | teams | repos | identical | others |\n|---|---|---|---|---|---|---|---|")
		for i, c := range h.Clusters {
			rep := c.Members[0]
			fmt.Fprintf(w, "| %d | `%s` | %s | %s %s | %d | %d | %d | %s |\n", i+1, c.ID, c.Kind, mdCell(rep.Source+"/"+rep.Repo), mdCode(rep.Path),
				c.Teams, c.Repos, c.Identical, mdCell(otherCopies(c)))
		}
		fmt.Fprintln(w)
		writeDiffsMarkdown(w, h.Clusters)
	}
	fmt.Fprintln(w, "## Alternatives\n\nEligible repos using an alternative instead of the offering.\n\n| offering | alternative | team | repos | example |\n|---|---|---|---|---|")
	for _, a := range h.Alternatives {
		fmt.Fprintf(w, "| %s | %s | %s | %d | %s |\n", mdCell(a.Offering), mdCode(a.Alternative), mdCell(a.Team), len(a.Repos), mdCell(alternativeExample(a)))
	}
}

// writeDiffsMarkdown says how each cluster's first members differ from
// its representative, the lines as indented code (nothing in a scanned
// line ends such a block or renders).
func writeDiffsMarkdown(w io.Writer, clusters []snapshot.Cluster) {
	for _, c := range clusters {
		differ, more := differing(c)
		for _, m := range differ {
			fmt.Fprintf(w, "`%s` %s %s differs from the representative:\n\n", c.ID, mdCode(m.Source+"/"+m.Repo), mdCode(m.Path))
			for _, d := range m.Diff {
				fmt.Fprintf(w, "    %s\n", termCell(d))
			}
			if m.DiffMore > 0 {
				fmt.Fprintf(w, "    … %d more lines\n", m.DiffMore)
			}
			fmt.Fprintln(w)
		}
		if more > 0 {
			fmt.Fprintf(w, "`%s`: %d more members differ (--format json lists them).\n\n", c.ID, more)
		}
	}
}
