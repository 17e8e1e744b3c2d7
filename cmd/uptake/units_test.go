package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/uptake-dev/uptake/internal/demo"
)

// TestDemoProjectUnits scans the demo organisation with scan.units:
// project: commerce-monorepo is five units, each service its team's, and
// growth-referrals' placeholder owner is counted and passed over.
func TestDemoProjectUnits(t *testing.T) {
	dir := t.TempDir()
	res, err := demo.Generate(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := os.ReadFile(res.Config)
	if err != nil {
		t.Fatal(err)
	}
	units := filepath.Join(filepath.Dir(res.Config), "units.yml")
	if err := os.WriteFile(units, append(cfg, []byte("\nscan: {units: project}\n")...), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "units.json")
	if code := run([]string{"--log.level=error", "scan", "--config", units, "--no-cache", "--format", "json", "--output", out}); code != 0 {
		t.Fatalf("scan exited %d", code)
	}
	var doc struct {
		Repos []struct {
			Name, Team string
			TeamVia    string `json:"team_via"`
		}
		Attribution []struct {
			Via          string
			Placeholders int `json:"placeholder_repos"`
		}
		Sources []struct{ Repos, Units int }
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range doc.Repos {
		if strings.HasPrefix(r.Name, "commerce-monorepo") || r.Name == "growth-referrals" {
			got[r.Name] = r.Team + " via " + r.TeamVia
		}
	}
	want := map[string]string{
		"commerce-monorepo":                       "platform via codeowners",
		"commerce-monorepo//services/payments":    "payments via codeowners",
		"commerce-monorepo//services/search":      "search via codeowners",
		"commerce-monorepo//services/identity":    "identity via codeowners",
		"commerce-monorepo//services/mobile-sync": "mobile via backstage",
		"growth-referrals":                        "growth via map",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("units:\n got %v\nwant %v", got, want)
	}
	if s := doc.Sources[0]; s.Units <= s.Repos {
		t.Errorf("source: %d repos, %d units; want more units than repos", s.Repos, s.Units)
	}
	if doc.Attribution[0].Via != "backstage" || doc.Attribution[0].Placeholders != 1 {
		t.Errorf("attribution = %+v, want backstage's one placeholder first", doc.Attribution)
	}
}
