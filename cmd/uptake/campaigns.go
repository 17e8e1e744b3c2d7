package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"
	"unicode"

	"github.com/alecthomas/kingpin/v2"
	"go.uber.org/zap"

	"github.com/uptake-dev/uptake/collector/snapshot"
	"github.com/uptake-dev/uptake/internal/output"
	"github.com/uptake-dev/uptake/internal/progress"
)

// campaignsCmd prints the campaigns' scoreboards: per team by state, and
// the repos that block each.
type campaignsCmd struct {
	cmd      *kingpin.CmdClause
	flags    scanFlags
	campaign *string
	format   *string
	server   *string
	output   *string
}

func newCampaignsCmd(app *kingpin.Application) *campaignsCmd {
	c := &campaignsCmd{cmd: app.Command("campaigns", "Print each campaign's scoreboard: repos per team by state, and the repos remaining.")}
	c.flags.config = c.cmd.Flag("config", "Path to the config file (not needed with --server).").Short('c').String()
	c.flags.storage = c.cmd.Flag("storage.path", "Directory of the scan cache; unchanged repos are not read again.").Default("./data").String()
	c.flags.shard = c.cmd.Flag("shard", "Scan only shard i of n (i/n, 0-based), as in serve.").Default("0/1").String()
	c.campaign = c.cmd.Flag("campaign", "Only this campaign.").String()
	c.format = c.cmd.Flag("format", "Output format: table, markdown or json (as /api/v1/campaigns/{name}, a list).").Default("table").Enum("table", "markdown", "json")
	c.server = c.cmd.Flag("server", "Ask a running uptake serve at this URL (it holds the cache locked) instead of scanning.").String()
	c.output = c.cmd.Flag("output", "Write to this file instead of standard output, as scan --output does.").Short('o').String()
	return c
}

func (c *campaignsCmd) run(log *zap.Logger) int {
	var (
		campaigns []snapshot.CampaignReport
		at        time.Time
		err       error
	)
	if *c.server != "" {
		campaigns, at, err = askCampaigns(*c.server, *c.campaign)
	} else {
		campaigns, at, err = c.scan(log)
	}
	if err == nil && *c.campaign != "" {
		campaigns, err = onlyCampaign(campaigns, *c.campaign)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "uptake campaigns:", err)
		return 1
	}
	var buf bytes.Buffer
	switch *c.format {
	case "json":
		enc := json.NewEncoder(&buf)
		enc.SetIndent("", "  ")
		err = enc.Encode(campaigns)
	case "markdown":
		writeCampaignsMarkdown(&buf, campaigns, at)
	default:
		writeCampaignsTable(&buf, campaigns)
	}
	if err == nil {
		err = output.Write(*c.output, buf.Bytes())
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "uptake campaigns:", err)
		return 1
	}
	return 0
}

func onlyCampaign(all []snapshot.CampaignReport, name string) ([]snapshot.CampaignReport, error) {
	for _, c := range all {
		if c.Name == name {
			return []snapshot.CampaignReport{c}, nil
		}
	}
	names := make([]string, len(all))
	for i, c := range all {
		names[i] = c.Name
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("--campaign %q: the catalog has no campaign", name)
	}
	return nil, fmt.Errorf("--campaign %q: no such campaign in the catalog (it has %s)", name, strings.Join(names, ", "))
}

// scan runs a scan through the cache, as explain does.
func (c *campaignsCmd) scan(log *zap.Logger) ([]snapshot.CampaignReport, time.Time, error) {
	if *c.flags.config == "" {
		return nil, time.Time{}, errors.New("--config or --server is required")
	}
	p, code := prepare(log, c.flags, false, false, 0, progress.New(log, false).Update)
	if p == nil {
		return nil, time.Time{}, fmt.Errorf("cannot start a scan (exit %d)", code)
	}
	defer p.close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	snap, err := p.runner.ScanOnce(ctx)
	if err != nil {
		return nil, time.Time{}, errors.New("scan interrupted")
	}
	return snap.Campaigns, snap.Time, nil
}

// askCampaigns asks a running serve: the list, then each campaign (or the
// one named) with its repos.
func askCampaigns(server, only string) ([]snapshot.CampaignReport, time.Time, error) {
	var list struct {
		Time time.Time                 `json:"time"`
		Data []snapshot.CampaignReport `json:"data"`
	}
	if err := fromServer(server, "/api/v1/campaigns", nil, &list); err != nil {
		return nil, time.Time{}, err
	}
	out := make([]snapshot.CampaignReport, 0, len(list.Data))
	for _, c := range list.Data {
		if only != "" && c.Name != only {
			continue
		}
		var one struct {
			Data snapshot.CampaignReport `json:"data"`
		}
		if err := fromServer(server, "/api/v1/campaigns/"+url.PathEscape(c.Name), nil, &one); err != nil {
			return nil, time.Time{}, err
		}
		out = append(out, one.Data)
	}
	return out, list.Time, nil
}

// byRemaining ranks a campaign's teams: most repos remaining first, the
// question being which team is slow.
func byRemaining(teams []snapshot.CampaignTeam) []snapshot.CampaignTeam {
	out := append([]snapshot.CampaignTeam(nil), teams...)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Remaining != out[j].Remaining {
			return out[i].Remaining > out[j].Remaining
		}
		return out[i].Team < out[j].Team
	})
	return out
}

func dateOr(t time.Time, none string) string {
	if t.IsZero() {
		return none
	}
	return t.UTC().Format(time.DateOnly)
}

// repoTeam marks the repos no attribution source owned, counted under
// the default team.
func repoTeam(r snapshot.CampaignRepo) string {
	if r.Unowned {
		return r.Team + " (default team)"
	}
	return r.Team
}

func evidenceAt(r snapshot.CampaignRepo) string {
	if len(r.Evidence) == 0 {
		return ""
	}
	e := r.Evidence[0]
	return fmt.Sprintf("%s:%d", e.Path, e.Line)
}

// writeCampaignsTable prints each campaign's totals (team "*"), its teams
// ranked by remaining repos, then its remaining repos by team.
func writeCampaignsTable(w io.Writer, campaigns []snapshot.CampaignReport) {
	if len(campaigns) == 0 {
		fmt.Fprintln(w, "no campaigns in the catalog")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CAMPAIGN\tTEAM\tTO\tDEADLINE\tPROJECTED\tDONE\tWAIVED\tIDLE\tREMAINING")
	for _, c := range campaigns {
		t := c.Total
		fmt.Fprintf(tw, "%s\t*\t%s\t%s\t%s\t%d\t%d\t%d\t%d\n", c.Name, cellText(toOffering(c)), dateOr(c.Deadline, "-"), dateOr(c.ProjectedCompletion, "-"), t.Done, t.Waived, t.Idle, t.Remaining)
		for _, team := range byRemaining(c.Teams) {
			fmt.Fprintf(tw, "%s\t%s\t\t\t\t%d\t%d\t%d\t%d\n", c.Name, cellText(team.Team), team.Done, team.Waived, team.Idle, team.Remaining)
		}
	}
	_ = tw.Flush()
	for _, c := range campaigns {
		var blocking []snapshot.CampaignRepo
		for _, r := range c.Repos {
			if r.State == snapshot.CampaignRemaining {
				blocking = append(blocking, r)
			}
		}
		if len(blocking) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s: %d remaining\n", c.Name, len(blocking))
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "TEAM\tREPO\tVERSION\tWHY\tEVIDENCE")
		for _, r := range blocking {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", cellText(repoTeam(r)), cellText(r.Source+"/"+r.Name), cellText(orDash(r.Version)), cellText(r.Reason), cellText(evidenceAt(r)))
		}
		_ = tw.Flush()
	}
}

func toOffering(c snapshot.CampaignReport) string {
	if c.MinVersion != "" {
		return c.To + " >= " + c.MinVersion
	}
	return c.To
}

// cellText keeps a scanned repo's text (file names, CODEOWNERS teams,
// versions) from the terminal's control: an escape sequence becomes ?, and
// a tab or line break, which would shift the columns, a space.
func cellText(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			return ' '
		case unicode.IsControl(r):
			return '?'
		}
		return r
	}, s)
}

// md is a markdown table cell: control characters out, then escaped.
func md(s string) string { return mdEscape.Replace(cellText(s)) }

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// writeCampaignsMarkdown renders the scoreboards for a wiki page or a
// pull-request comment: the campaigns, then per campaign its teams ranked,
// the repos remaining, the idle ones and the waivers.
func writeCampaignsMarkdown(w io.Writer, campaigns []snapshot.CampaignReport, at time.Time) {
	fmt.Fprintf(w, "## Campaigns\n\nScan of %s.\n\n", at.UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintln(w, "| Campaign | To | Owner | Deadline | Projected | Done | Waived | Idle | Remaining |")
	fmt.Fprintln(w, "|---|---|---|---|---|--:|--:|--:|--:|")
	for _, c := range campaigns {
		t := c.Total
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %d | %d | %d | %d |\n", md(c.Name), md(toOffering(c)), md(orDash(c.Owner)),
			dateOr(c.Deadline, "-"), dateOr(c.ProjectedCompletion, "-"), t.Done, t.Waived, t.Idle, t.Remaining)
	}
	for _, c := range campaigns {
		fmt.Fprintf(w, "\n### %s\n\n", md(c.Name))
		if c.Description != "" {
			fmt.Fprintf(w, "%s\n\n", md(c.Description))
		}
		fmt.Fprintln(w, "| Team | Done | Waived | Idle | Remaining |\n|---|--:|--:|--:|--:|")
		for _, team := range byRemaining(c.Teams) {
			fmt.Fprintf(w, "| %s | %d | %d | %d | %d |\n", md(team.Team), team.Done, team.Waived, team.Idle, team.Remaining)
		}
		writeCampaignRepos(w, c, snapshot.CampaignRemaining, "Remaining", "| Team | Repo | Version | Why | Evidence |", func(r snapshot.CampaignRepo) string {
			return fmt.Sprintf("| %s | %s | %s | %s | %s |", md(repoTeam(r)), md(r.Name), md(orDash(r.Version)), md(r.Reason), md(evidenceAt(r)))
		})
		writeCampaignRepos(w, c, snapshot.CampaignIdle, "Idle (no commit in "+durationDays(c.IdleAfter)+")", "| Team | Repo | Last commit | Why |", func(r snapshot.CampaignRepo) string {
			return fmt.Sprintf("| %s | %s | %s | %s |", md(repoTeam(r)), md(r.Name), dateOr(r.HeadTime, "-"), md(r.Reason))
		})
		writeCampaignRepos(w, c, snapshot.CampaignWaived, "Waived", "| Team | Repo | Waiver | Expires |", func(r snapshot.CampaignRepo) string {
			return fmt.Sprintf("| %s | %s | %s | %s |", md(repoTeam(r)), md(r.Name), md(r.WaiverReason), md(r.WaiverExpires))
		})
	}
}

func writeCampaignRepos(w io.Writer, c snapshot.CampaignReport, state, title, header string, row func(snapshot.CampaignRepo) string) {
	first := true
	for _, r := range c.Repos {
		if r.State != state {
			continue
		}
		if first {
			fmt.Fprintf(w, "\n#### %s\n\n%s\n%s\n", title, header, strings.Repeat("|---", strings.Count(header, "|")-1)+"|")
			first = false
		}
		fmt.Fprintln(w, row(r))
	}
}

func durationDays(d time.Duration) string {
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}
