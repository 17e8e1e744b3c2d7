package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/alecthomas/kingpin/v2"

	"github.com/uptake-dev/uptake/collector/cache"
	"github.com/uptake-dev/uptake/collector/runner"
	"github.com/uptake-dev/uptake/collector/snapshot"
	"github.com/uptake-dev/uptake/exporter"
	"github.com/uptake-dev/uptake/internal/output"
)

type eventsCmd struct {
	cmd       *kingpin.CmdClause
	config    *string
	storage   *string
	server    *string
	since     *string
	offerings *[]string
	teams     *[]string
	kinds     *string
	format    *string
	output    *string
}

func newEventsCmd(app *kingpin.Application) *eventsCmd {
	c := &eventsCmd{cmd: app.Command("events", "List adoption events from the store: who adopted, dropped, upgraded, downgraded, moved or left.")}
	c.config = c.cmd.Flag("config", "Config file: an --offering the catalog does not have is reported (a typo shows no events).").Short('c').String()
	c.storage = c.cmd.Flag("storage.path", "Directory of the store, read read-only; a running serve holds it locked (use --server).").Default("./data").String()
	c.server = c.cmd.Flag("server", "Read the events from a running uptake's /api/v1/events at this URL (http://host:9877) instead of the store.").String()
	c.since = c.cmd.Flag("since", "Only events this recent: a duration like 30d, 52w or 1h30m.").String()
	c.offerings = c.cmd.Flag("offering", "Only this offering's events (repeatable).").Strings()
	c.teams = c.cmd.Flag("team", "Only this team's events (repeatable).").Strings()
	c.kinds = c.cmd.Flag("event", "Only these events, comma-separated: adopted, dropped, upgraded, downgraded, moved, removed.").String()
	c.format = c.cmd.Flag("format", "Output format: table, json (as /api/v1/events) or csv.").Default("table").Enum("table", "json", "csv")
	c.output = c.cmd.Flag("output", "Write to this file instead of standard output, as scan --output does.").Short('o').String()
	return c
}

// query is the flags as /api/v1/events' parameters.
func (c *eventsCmd) query() url.Values {
	v := url.Values{}
	if *c.since != "" {
		v.Set("since", *c.since)
	}
	for _, o := range *c.offerings {
		v.Add("offering", o)
	}
	for _, t := range *c.teams {
		v.Add("team", t)
	}
	if *c.kinds != "" {
		v.Set("event", *c.kinds)
	}
	return v
}

func (c *eventsCmd) run() int {
	v := c.query()
	f, err := exporter.ParseEventQuery(v, time.Now())
	if err != nil {
		fmt.Fprintln(os.Stderr, "uptake events:", err)
		return 2
	}
	if *c.config != "" {
		if code := c.checkOfferings(); code != 0 {
			return code
		}
	}
	var evs []snapshot.Event
	if *c.server != "" {
		evs, err = fetchEvents(*c.server, v)
	} else {
		evs, err = storedEvents(*c.storage, f)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "uptake events:", err)
		return 1
	}
	var buf bytes.Buffer
	switch *c.format {
	case "json":
		enc := json.NewEncoder(&buf)
		enc.SetIndent("", "  ")
		err = enc.Encode(exporter.EventsAnswer{Events: evs})
	case "csv":
		err = writeEventsCSV(&buf, evs)
	default:
		writeEventsTable(&buf, evs)
	}
	if err == nil {
		err = output.Write(*c.output, buf.Bytes())
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "uptake events:", err)
		return 1
	}
	return 0
}

// checkOfferings reports --offering names the catalog does not have.
func (c *eventsCmd) checkOfferings() int {
	l, err := runner.Load(*c.config)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	var names []string
	for _, o := range l.Config.Offerings {
		names = append(names, o.Name)
	}
	for _, o := range *c.offerings {
		if !slices.Contains(names, o) {
			fmt.Fprintf(os.Stderr, "uptake events: offering %q is not in %s (only events from before it left the catalog can match); it has %s\n",
				o, *c.config, strings.Join(names, ", "))
		}
	}
	return 0
}

// storedEvents reads the store beside whatever else reads it; a running
// serve holds it for writing, and the error says what to do instead.
func storedEvents(dir string, f snapshot.EventFilter) ([]snapshot.Event, error) {
	st, err := cache.OpenReadOnly(dir)
	if errors.Is(err, cache.ErrLocked) {
		return nil, fmt.Errorf("%w; a running uptake serve holds the store: read its API instead with --server http://HOST:9877", err)
	}
	if err != nil {
		return nil, err
	}
	defer st.Close()
	return st.Events(f)
}

// fetchEvents reads a running uptake's /api/v1/events.
func fetchEvents(server string, v url.Values) ([]snapshot.Event, error) {
	var a exporter.EventsAnswer
	if err := fromServer(server, "/api/v1/events", v, &a); err != nil {
		return nil, err
	}
	if a.Shard != "" {
		fmt.Fprintf(os.Stderr, "uptake events: %s scans shard %s: these are that shard's repos' events only; ask every shard for all\n", server, a.Shard)
	}
	return a.Events, nil
}

func writeEventsTable(w io.Writer, evs []snapshot.Event) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tEVENT\tOFFERING\tTEAM\tREPO\tVERSION\tCOMMIT")
	for _, e := range evs {
		team := e.Team
		if e.FromTeam != "" {
			team = e.FromTeam + " → " + e.Team
		}
		ver := e.ToVersion
		if e.FromVersion != "" && e.FromVersion != e.ToVersion {
			ver = strings.TrimSpace(e.FromVersion + " → " + e.ToVersion)
		}
		commit := e.Commit
		if len(commit) > 12 {
			commit = commit[:12]
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s/%s\t%s\t%s\n", e.Time.UTC().Format(time.RFC3339), e.Event, e.Offering, team, e.Source, e.Repo, ver, commit)
	}
	_ = tw.Flush()
}

func writeEventsCSV(w io.Writer, evs []snapshot.Event) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"time", "source", "repo", "team", "from_team", "offering", "event", "from_version", "to_version", "commit"})
	for _, e := range evs {
		_ = cw.Write([]string{e.Time.UTC().Format(time.RFC3339Nano), e.Source, e.Repo, e.Team, e.FromTeam, e.Offering, string(e.Event),
			e.FromVersion, e.ToVersion, e.Commit})
	}
	cw.Flush()
	return cw.Error()
}
