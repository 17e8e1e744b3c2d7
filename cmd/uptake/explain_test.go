package main

import (
	"bytes"
	"context"
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

	"github.com/uptake-dev/uptake/collector/runner"
	"github.com/uptake-dev/uptake/collector/snapshot"
	"github.com/uptake-dev/uptake/exporter"
	"github.com/uptake-dev/uptake/internal/demo"
)

// explainCases are the four answers explain gives, on the demo organisation.
var explainCases = []struct{ name, repo, offering string }{
	{"adopted", "data-api", "service-kit"},
	{"ineligible", "docs-site", "service-kit"},
	{"waived", "identity-ldap-bridge", "service-kit"},
	{"unmatched", "data-api", "platform-sdk"},
}

func runExplain(t *testing.T, args ...string) (string, int) {
	t.Helper()
	app := kingpin.New("uptake", "")
	c := newExplainCmd(app)
	if _, err := app.Parse(append([]string{"explain"}, args...)); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	c.out = &buf
	code := c.run(zap.NewNop())
	return buf.String(), code
}

// TestExplainGolden explains an adopted, an ineligible, a waived and an
// unmatched case from a scan, and the same from a running serve's API.
func TestExplainGolden(t *testing.T) {
	dir := t.TempDir()
	res, err := demo.Generate(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	store := filepath.Join(dir, "data")
	for _, tc := range explainCases {
		got, code := runExplain(t, "--config", res.Config, "--storage.path", store, "--repo", tc.repo, "--offering", tc.offering)
		if code != 0 {
			t.Fatalf("%s: exit %d", tc.name, code)
		}
		path := filepath.Join("testdata", "explain-"+tc.name+".txt")
		if *update {
			must(t, os.WriteFile(path, []byte(got), 0o644))
		}
		want, err := os.ReadFile(path)
		must(t, err)
		if got != string(want) {
			t.Errorf("explain %s --offering %s differs from %s (-update rewrites it):\n%s", tc.repo, tc.offering, path, lineDiff(string(want), got))
		}
	}
	if _, code := runExplain(t, "--config", res.Config, "--storage.path", store, "--repo", "nope"); code != 1 {
		t.Errorf("unknown repo: exit %d, want 1", code)
	}
	if _, code := runExplain(t, "--config", res.Config, "--storage.path", store, "--repo", "data-api", "--offering", "nope"); code != 1 {
		t.Errorf("unknown offering: exit %d, want 1", code)
	}

	// --server asks the API of a running serve: the same answers.
	if code := run([]string{"--log.level=error", "scan", "--config", res.Config, "--storage.path", store, "--format", "json", "--output", filepath.Join(dir, "scan.json")}); code != 0 {
		t.Fatalf("scan: exit %d", code)
	}
	b, err := os.ReadFile(filepath.Join(dir, "scan.json"))
	must(t, err)
	var s snapshot.Snapshot
	must(t, json.Unmarshal(b, &s))
	get := func() *snapshot.Snapshot { return &s }
	mux, err := exporter.NewMux(exporter.WebOptions{Snapshots: exporter.NewCollector(get, 0), Live: prometheus.NewRegistry(),
		Logger: slog.New(slog.DiscardHandler), Ready: func() bool { return true }, Snapshot: get})
	must(t, err)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	for _, tc := range explainCases {
		got, code := runExplain(t, "--server", srv.URL, "--repo", tc.repo, "--offering", tc.offering)
		want, _ := os.ReadFile(filepath.Join("testdata", "explain-"+tc.name+".txt"))
		if code != 0 || got != string(want) {
			t.Errorf("--server %s: exit %d:\n%s", tc.name, code, lineDiff(string(want), got))
		}
	}
}

// TestInventoryGolden lists a demo repo's Go modules, the adopted one and
// every other, read from that repo alone.
func TestInventoryGolden(t *testing.T) {
	dir := t.TempDir()
	res, err := demo.Generate(dir, false)
	must(t, err)
	inv := func(args ...string) (string, int) {
		app := kingpin.New("uptake", "")
		c := newInventoryCmd(app)
		_, err := app.Parse(append([]string{"inventory", "--config", res.Config}, args...))
		must(t, err)
		var buf bytes.Buffer
		c.out = &buf
		code := c.run(zap.NewNop())
		return buf.String(), code
	}
	got, code := inv("--repo", "data-api", "--kind", "gomod")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	path := filepath.Join("testdata", "inventory-gomod.txt")
	if *update {
		must(t, os.WriteFile(path, []byte(got), 0o644))
	}
	want, err := os.ReadFile(path)
	must(t, err)
	if got != string(want) {
		t.Errorf("inventory differs from %s (-update rewrites it):\n%s", path, lineDiff(string(want), got))
	}
	for _, args := range [][]string{{"--repo", "nope"}, {"--repo", "data-api", "--kind", "nope"}} {
		if _, code := inv(args...); code != 1 {
			t.Errorf("%v: exit %d, want 1", args, code)
		}
	}
}

// TestInventoryFromServer: --server prints the inventory a running serve
// kept of its last scan (the kinds the catalog uses).
func TestInventoryFromServer(t *testing.T) {
	dir := t.TempDir()
	res, err := demo.Generate(dir, false)
	must(t, err)
	l, err := runner.Load(res.Config)
	must(t, err)
	r, err := runner.New(l, runner.Config{Interval: time.Hour})
	must(t, err)
	if _, err := r.ScanOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	mux, err := exporter.NewMux(exporter.WebOptions{Snapshots: exporter.NewCollector(r.Snapshot, 0), Live: prometheus.NewRegistry(),
		Logger: slog.New(slog.DiscardHandler), Ready: func() bool { return true }, Snapshot: r.Snapshot, Inventory: r})
	must(t, err)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	app := kingpin.New("uptake", "")
	c := newInventoryCmd(app)
	_, err = app.Parse([]string{"inventory", "--server", srv.URL, "--repo", "data-api", "--kind", "gomod"})
	must(t, err)
	var buf bytes.Buffer
	c.out = &buf
	if code := c.run(zap.NewNop()); code != 0 || !strings.Contains(buf.String(), "the kinds its catalog's rules use") ||
		!regexp.MustCompile(`(?m)^gomod\s+github\.com/acme/service-kit\s+v1\.4\.0\s+go\.mod:\d+$`).MatchString(buf.String()) {
		t.Errorf("inventory --server: exit %d:\n%s", code, buf.String())
	}
}
