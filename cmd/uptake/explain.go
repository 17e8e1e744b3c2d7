package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"go.uber.org/zap"

	"github.com/uptake-dev/uptake/collector/snapshot"
	"github.com/uptake-dev/uptake/exporter"
	"github.com/uptake-dev/uptake/internal/progress"
)

// explainCmd prints the repo page's answer: for each offering, adopted or
// not and why.
type explainCmd struct {
	cmd      *kingpin.CmdClause
	flags    scanFlags
	repo     *string
	offering *string
	server   *string
	out      io.Writer
}

func newExplainCmd(app *kingpin.Application) *explainCmd {
	c := &explainCmd{cmd: app.Command("explain", "Say, offering by offering, why a repo is (not) counted."), out: os.Stdout}
	c.flags.config = c.cmd.Flag("config", "Path to the config file (not needed with --server).").Short('c').String()
	c.flags.storage = c.cmd.Flag("storage.path", "Directory of the scan cache; unchanged repos are not read again.").Default("./data").String()
	c.flags.shard = c.cmd.Flag("shard", "Scan only shard i of n (i/n, 0-based), as in serve.").Default("0/1").String()
	c.repo = c.cmd.Flag("repo", "The repo: its name, or SOURCE/NAME when several sources hold one of that name.").Required().String()
	c.offering = c.cmd.Flag("offering", "Only this offering.").String()
	c.server = c.cmd.Flag("server", "Ask a running uptake serve at this URL (it holds the cache locked) instead of scanning.").String()
	return c
}

func (c *explainCmd) run(log *zap.Logger) int {
	var (
		ans *exporter.RepoAnswer
		err error
	)
	if *c.server != "" {
		ans, err = askServer(*c.server, *c.repo)
	} else {
		ans, err = c.scan(log)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "uptake explain:", err)
		return 1
	}
	if *c.offering != "" {
		var keep []exporter.Explanation
		for _, e := range ans.Explain {
			if e.Offering == *c.offering {
				keep = append(keep, e)
			}
		}
		if keep == nil {
			fmt.Fprintf(os.Stderr, "uptake explain: --offering %q: no such offering in the catalog\n", *c.offering)
			return 1
		}
		ans.Explain = keep
	}
	writeExplain(c.out, ans)
	return 0
}

// scan runs a scan through the cache (a repo whose HEAD is unchanged is not
// read again) and explains the repo from its snapshot.
func (c *explainCmd) scan(log *zap.Logger) (*exporter.RepoAnswer, error) {
	if *c.flags.config == "" {
		return nil, errors.New("--config or --server is required")
	}
	p, code := prepare(log, c.flags, false, false, 0, progress.New(log, false).Update)
	if p == nil {
		return nil, fmt.Errorf("cannot start a scan (exit %d)", code)
	}
	defer p.close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	snap, err := p.runner.ScanOnce(ctx)
	if err != nil {
		return nil, errors.New("scan interrupted")
	}
	rep, err := findRepo(snap, *c.repo)
	if err != nil {
		return nil, err
	}
	return &exporter.RepoAnswer{Repo: *rep, Explain: exporter.Explain(snap, rep)}, nil
}

// findRepo finds NAME, or SOURCE/NAME when the name is ambiguous.
func findRepo(s *snapshot.Snapshot, name string) (*snapshot.RepoReport, error) {
	var found []*snapshot.RepoReport
	for i := range s.Repos {
		r := &s.Repos[i]
		if r.Name == name || r.Source+"/"+r.Name == name {
			found = append(found, r)
		}
	}
	switch len(found) {
	case 0:
		return nil, fmt.Errorf("no repo %q in the scan", name)
	case 1:
		return found[0], nil
	}
	var names []string
	for _, r := range found {
		names = append(names, r.Source+"/"+r.Name)
	}
	return nil, fmt.Errorf("repo %q is in several sources; name one of %s", name, strings.Join(names, ", "))
}

// askServer asks a running serve: the repo list narrowed to the name, then
// the repo's explain.
func askServer(server, name string) (*exporter.RepoAnswer, error) {
	base := strings.TrimSuffix(server, "/")
	client := &http.Client{Timeout: 30 * time.Second}
	var list struct {
		Data []snapshot.RepoReport `json:"data"`
	}
	glob := name
	if i := strings.LastIndex(name, "/"); i >= 0 {
		glob = name[i+1:] // matched against the name's last component too
	}
	if err := getJSON(client, base+"/api/v1/repos?repo="+url.QueryEscape(escapeGlob(glob)), &list); err != nil {
		return nil, err
	}
	rep, err := findRepo(&snapshot.Snapshot{Repos: list.Data}, name)
	if err != nil {
		return nil, err
	}
	var ans struct {
		Data exporter.RepoAnswer `json:"data"`
	}
	if err := getJSON(client, base+"/api/v1/repos/"+url.PathEscape(rep.Source)+"/"+url.PathEscape(rep.Name), &ans); err != nil {
		return nil, err
	}
	return &ans.Data, nil
}

// escapeGlob makes a repo name a glob matching only itself.
func escapeGlob(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[]{}\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func getJSON(client *http.Client, u string, into any) error {
	resp, err := client.Get(u)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s: %s", u, resp.Status, strings.TrimSpace(string(body)))
	}
	return json.Unmarshal(body, into)
}

// writeExplain prints the answer: the repo, its team, then one line per
// offering and one per piece of evidence.
func writeExplain(w io.Writer, a *exporter.RepoAnswer) {
	r := a.Repo
	fmt.Fprintf(w, "repo %s/%s\n", r.Source, r.Name)
	if r.Team != "" {
		if r.TeamBecause != "" {
			fmt.Fprintf(w, "team %s (from %s: %s)\n", r.Team, r.TeamVia, r.TeamBecause)
		} else {
			fmt.Fprintf(w, "team %s (from %s)\n", r.Team, r.TeamVia)
		}
	}
	if r.Error != "" {
		fmt.Fprintf(w, "error %s\n", r.Error)
	}
	if r.FileErrors > 0 {
		fmt.Fprintf(w, "files skipped %d\n", r.FileErrors)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "OFFERING\tSTATUS\tWHY")
	for _, e := range a.Explain {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", e.Offering, e.Status, e.Why)
		for _, ev := range e.Evidence {
			v := ""
			if ev.Version != "" {
				v = " " + ev.Version
			}
			fmt.Fprintf(tw, "\t\t%s:%d %s %s%s\n", ev.Path, ev.Line, ev.Kind, ev.Name, v)
		}
	}
	_ = tw.Flush()
}
