package main

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/uptake-dev/uptake/collector/snapshot"
	"github.com/uptake-dev/uptake/exporter"
	"github.com/uptake-dev/uptake/internal/demo"
)

var progressTimeRE = regexp.MustCompile(`"time": "[^"]*"`)

var scanTimeRE = regexp.MustCompile(`Scan of \d{4}-\d\d-\d\d \d\d:\d\d UTC`)

func runCampaigns(t *testing.T, args ...string) (string, int) {
	t.Helper()
	app := kingpin.New("uptake", "")
	c := newCampaignsCmd(app)
	path := filepath.Join(t.TempDir(), "campaigns.out")
	if _, err := app.Parse(append([]string{"campaigns", "-o", path}, args...)); err != nil {
		t.Fatal(err)
	}
	code := c.run(zap.NewNop())
	b, _ := os.ReadFile(path)
	return string(b), code
}

// TestCampaignsGolden prints the demo's campaigns as a table and as
// Markdown from a scan, and the same from a running serve's API.
func TestCampaignsGolden(t *testing.T) {
	dir := t.TempDir()
	res, err := demo.Generate(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	store := filepath.Join(dir, "data")
	outputs := map[string]string{}
	for _, format := range []string{"table", "markdown", "json"} {
		got, code := runCampaigns(t, "--config", res.Config, "--storage.path", store, "--format", format)
		if code != 0 {
			t.Fatalf("--format %s: exit %d", format, code)
		}
		got = scanTimeRE.ReplaceAllString(got, "Scan of VOLATILE")
		outputs[format] = got
		// Each run adds a point to the progress series in the store.
		got = progressTimeRE.ReplaceAllString(got, `"time": "VOLATILE"`)
		// The JSON is also the explorer tests' demo campaigns.
		path := filepath.Join("testdata", "campaigns-"+format+".txt")
		if format == "json" {
			path = filepath.Join("testdata", "campaigns.json")
		}
		if *update {
			must(t, os.WriteFile(path, []byte(got), 0o644))
		}
		want, err := os.ReadFile(path)
		must(t, err)
		if got != string(want) {
			t.Errorf("campaigns --format %s differs from %s (-update rewrites it):\n%s", format, path, lineDiff(string(want), got))
		}
	}
	// The demo plants what the scoreboard must show.
	table := outputs["table"]
	for _, want := range []string{
		"base-image-v3       mobile",
		"legacy-monolith", "unowned (default team)",
		"base-image 2.1.0 is below 3.0.0",
	} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
	if md := outputs["markdown"]; !strings.Contains(md, "search-legacy-indexer") || !strings.Contains(md, "Moving to the managed notification platform") {
		t.Errorf("markdown lacks the idle repo or the waiver:\n%s", md)
	}
	if _, code := runCampaigns(t, "--config", res.Config, "--storage.path", store, "--campaign", "nope"); code != 1 {
		t.Errorf("unknown campaign: exit %d, want 1", code)
	}

	var campaigns []snapshot.CampaignReport
	must(t, json.Unmarshal([]byte(outputs["json"]), &campaigns))
	s := &snapshot.Snapshot{Campaigns: campaigns}
	get := func() *snapshot.Snapshot { return s }
	mux, err := exporter.NewMux(exporter.WebOptions{Snapshots: exporter.NewCollector(get, 0), Live: prometheus.NewRegistry(),
		Logger: slog.New(slog.DiscardHandler), Ready: func() bool { return true }, Snapshot: get})
	must(t, err)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	got, code := runCampaigns(t, "--server", srv.URL)
	if code != 0 || got != outputs["table"] {
		t.Errorf("--server: exit %d:\n%s", code, lineDiff(outputs["table"], got))
	}
	got, code = runCampaigns(t, "--server", srv.URL, "--campaign", "platform-workflows", "--format", "json")
	var one []snapshot.CampaignReport
	if code != 0 || json.Unmarshal([]byte(got), &one) != nil || len(one) != 1 || one[0].Name != "platform-workflows" || len(one[0].Repos) == 0 {
		t.Errorf("--server --campaign: exit %d: %s", code, got)
	}
}

// TestCampaignsHostileText: a scanned repo's file names, CODEOWNERS teams
// and versions reach the table and the markdown; an escape sequence must
// not reach the terminal, nor a tab or newline shift the columns.
func TestCampaignsHostileText(t *testing.T) {
	c := []snapshot.CampaignReport{{Name: "c", To: "o", Total: snapshot.CampaignCounts{Remaining: 1},
		Teams: []snapshot.CampaignTeam{{Team: "a\x1b]0;pwned\a", CampaignCounts: snapshot.CampaignCounts{Remaining: 1}}},
		Repos: []snapshot.CampaignRepo{{Source: "s", Name: "r\x1b[2J", Team: "a\x1b]0;pwned\a", State: snapshot.CampaignRemaining,
			Version: "1.0\t0", Reason: "o 1.0\x1b[31m is below 2", Evidence: []snapshot.Evidence{{Path: "Docker\x1bfile\n", Line: 3}}}}}}
	var table, md bytes.Buffer
	writeCampaignsTable(&table, c)
	writeCampaignsMarkdown(&md, c, time.Now())
	for name, out := range map[string]string{"table": table.String(), "markdown": md.String()} {
		if strings.ContainsAny(out, "\x1b\a") {
			t.Errorf("%s writes a control character:\n%q", name, out)
		}
	}
	if !strings.Contains(table.String(), "1.0 0") || !strings.Contains(table.String(), "Docker?file :3") {
		t.Errorf("table: a tab or newline of a cell is not replaced:\n%q", table.String())
	}
}

func TestOnlyCampaignNamesTheCampaigns(t *testing.T) {
	_, err := onlyCampaign([]snapshot.CampaignReport{{Name: "a"}, {Name: "b"}}, "nope")
	if err == nil || err.Error() != `--campaign "nope": no such campaign in the catalog (it has a, b)` {
		t.Errorf("err = %v", err)
	}
	if _, err := onlyCampaign(nil, "nope"); err == nil || err.Error() != `--campaign "nope": the catalog has no campaign` {
		t.Errorf("no campaigns: err = %v", err)
	}
}
