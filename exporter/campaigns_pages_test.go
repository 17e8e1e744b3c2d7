package exporter

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/uptake-dev/uptake/collector/snapshot"
)

// campaignServer serves the demo snapshot with the demo's campaigns, as
// `uptake campaigns --format json` printed them (cmd/uptake's golden).
func campaignServer(t *testing.T) string {
	t.Helper()
	s := demoSnapshot(t)
	b, err := os.ReadFile("../cmd/uptake/testdata/campaigns.json")
	if err != nil {
		t.Fatal(err)
	}
	b = bytes.ReplaceAll(b, []byte(`"VOLATILE"`), []byte(`"2026-12-02T10:00:00Z"`))
	if err := json.Unmarshal(b, &s.Campaigns); err != nil {
		t.Fatal(err)
	}
	return testMux(t, WebOptions{Snapshot: func() *snapshot.Snapshot { return s }}).URL
}

func TestCampaignPages(t *testing.T) {
	u := campaignServer(t)
	for _, tc := range []struct {
		path string
		code int
		has  []string
	}{
		{"/", 200, []string{`<a href="/campaigns/base-image-v3">base-image-v3</a>`, `href="/campaigns"`}},
		{"/campaigns", 200, []string{`<a href="/campaigns/platform-workflows">platform-workflows</a>`, "2027-03-31", "base-image ≥ 3.0.0"}},
		{"/campaigns/base-image-v3", 200, []string{
			"Remaining repos (who is blocking)", `href="/repos/demo/legacy-monolith"`, "unowned: no source gave a team",
			"base-image 2.1.0 is below 3.0.0", "Dockerfile:11", "does not adopt base-image",
			"Idle repos (no commit in 1095 days)", "search-legacy-indexer", "2021-09-25",
			"Waived repos, soonest expiry first", "Moving to the managed notification platform in Q2",
			"At risk: no projected completion by the deadline"}},
		{"/campaigns/platform-workflows", 200, []string{`href="/offerings/setup-toolchain"`, "uses setup-toolchain", ".github/workflows/ci.yml:17"}},
		{"/offerings/setup-toolchain", 200, []string{"Replaced by", `href="/offerings/platform-workflows"`}},
		{"/campaigns/nope", 404, []string{`No campaign "nope"`}},
		{"/api/v1/campaigns", 200, []string{`"name":"base-image-v3"`, `"remaining":11`}},
		{"/api/v1/campaigns/base-image-v3", 200, []string{`"name":"legacy-monolith"`, `"unowned":true`, `"state":"idle"`}},
		{"/api/v1/campaigns/nope", 404, []string{`no campaign "nope"`}},
	} {
		code, _, body := do(t, "GET", u+tc.path)
		if code != tc.code {
			t.Errorf("GET %s: %d, want %d (%.200s)", tc.path, code, tc.code, body)
			continue
		}
		for _, s := range tc.has {
			if !strings.Contains(body, s) {
				t.Errorf("GET %s: no %q in\n%.4000s", tc.path, s, body)
			}
		}
	}
	// The list leaves the repos to each campaign's answer.
	if _, _, body := do(t, "GET", u+"/api/v1/campaigns"); strings.Contains(body, `"repos"`) {
		t.Errorf("/api/v1/campaigns lists repos: %.300s", body)
	}
	// The remaining repos as CSV, grouped by team (identity has the most).
	_, _, csv := do(t, "GET", u+"/campaigns/base-image-v3?format=csv&table=remaining")
	lines := strings.Split(strings.TrimSpace(csv), "\n")
	if len(lines) != 12 || lines[0] != "team,repo,version,why,evidence,owner" || !strings.HasPrefix(lines[1], "data,data-ingest,2.1.0,") ||
		!strings.HasPrefix(lines[11], "unowned,legacy-monolith,2.1.0,") {
		t.Errorf("remaining CSV:\n%s", csv)
	}
	_, _, teams := do(t, "GET", u+"/campaigns/base-image-v3?format=csv&table=teams")
	if rows := strings.Split(strings.TrimSpace(teams), "\n"); len(rows) < 2 || !strings.HasPrefix(rows[1], "identity,3,") {
		t.Errorf("teams CSV, most remaining first:\n%s", teams)
	}
}

// TestBrowserCampaigns walks from the nav to a campaign's "who is
// blocking" view in headless chromium, at a desktop and a phone width.
func TestBrowserCampaigns(t *testing.T) {
	ctx, shots := browser(t)
	u := campaignServer(t)
	for _, width := range widths {
		var list, teams, remaining, idle string
		var overflow bool
		err := chromedp.Do(ctx,
			chromedp.EmulateViewport(width.w, width.h),
			chromedp.Navigate(u+"/"),
			chromedp.Click(chromedp.CSS(`nav a[href="/campaigns"]`)),
			chromedp.WaitVisible(chromedp.CSS(`#campaigns table`)),
			into(&list, chromedp.Text(chromedp.CSS(`#campaigns tbody`))),
			screenshot(shots, width.name+"-campaigns"),
			chromedp.Click(chromedp.CSS(`#campaigns a[href="/campaigns/base-image-v3"]`)),
			chromedp.WaitVisible(chromedp.CSS(`#remaining table`)),
			into(&teams, chromedp.Text(chromedp.CSS(`#teams tbody`))),
			into(&remaining, chromedp.Text(chromedp.CSS(`#remaining tbody`))),
			into(&idle, chromedp.Text(chromedp.CSS(`#idle tbody`))),
			into(&overflow, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`)),
			screenshot(shots, width.name+"-campaign"),
		)
		if err != nil {
			t.Fatalf("%s: %v", width.name, err)
		}
		for _, c := range []struct{ what, got, want string }{
			{"campaigns", list, "base-image-v3"},
			{"campaigns", list, "2027-03-31"},
			{"teams", teams, "identity"},
			{"remaining", remaining, "legacy-monolith"},
			{"remaining", remaining, "unowned: no source gave a team"},
			{"remaining", remaining, "Dockerfile:11"},
			{"idle", idle, "search-legacy-indexer"},
		} {
			if !strings.Contains(c.got, c.want) {
				t.Errorf("%s: %s lacks %q:\n%s", width.name, c.what, c.want, c.got)
			}
		}
		if overflow {
			t.Errorf("%s: the campaign page is wider than the screen", width.name)
		}
	}
}

// TestCampaignWaiverExpiry: a waiver without an expiry never expires, so it
// is listed after the dated ones and never counted as expiring soon.
func TestCampaignWaiverExpiry(t *testing.T) {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	waived := func(name, expires string) snapshot.CampaignRepo {
		return snapshot.CampaignRepo{Source: "s", Name: name, Team: "a", State: snapshot.CampaignWaived, WaiverReason: "why " + name, WaiverExpires: expires}
	}
	s := &snapshot.Snapshot{Time: now, Campaigns: []snapshot.CampaignReport{{Name: "c", To: "o", Total: snapshot.CampaignCounts{Waived: 3},
		Teams: []snapshot.CampaignTeam{{Team: "a", CampaignCounts: snapshot.CampaignCounts{Waived: 3}}},
		Repos: []snapshot.CampaignRepo{waived("forever", ""), waived("late", "2027-12-01"), waived("soon", "2027-01-15")}}}}
	u := testMux(t, WebOptions{Snapshot: func() *snapshot.Snapshot { return s }}).URL
	_, _, body := do(t, "GET", u+"/campaigns/c")
	if !strings.Contains(body, "1 waivers expire within 90 days") {
		t.Errorf("the expiring count is not 1 (the waiver without expiry never expires):\n%.3000s", body)
	}
	_, _, csv := do(t, "GET", u+"/campaigns/c?format=csv&table=waived")
	want := "team,repo,expires,reason\na,soon,2027-01-15,why soon\na,late,2027-12-01,why late\na,forever,never,why forever\n"
	if csv != want {
		t.Errorf("waived CSV:\n%s\nwant\n%s", csv, want)
	}
}

// TestCampaignCSVHostile: a repo's name, team and evidence come from the
// scanned estate; in the CSV none may start a spreadsheet formula.
func TestCampaignCSVHostile(t *testing.T) {
	s := &snapshot.Snapshot{Time: time.Now(), Campaigns: []snapshot.CampaignReport{{Name: "c", To: "o", Total: snapshot.CampaignCounts{Remaining: 1},
		Teams: []snapshot.CampaignTeam{{Team: "+team", CampaignCounts: snapshot.CampaignCounts{Remaining: 1}}},
		Repos: []snapshot.CampaignRepo{{Source: "s", Name: `=HYPERLINK("http://x")`, Team: "+team", State: snapshot.CampaignRemaining,
			Version: "-1", Reason: "@SUM(1)", Evidence: []snapshot.Evidence{{Path: "=cmd", Line: 1}}}}}}}
	u := testMux(t, WebOptions{Snapshot: func() *snapshot.Snapshot { return s }}).URL
	_, _, csv := do(t, "GET", u+"/campaigns/c?format=csv&table=remaining")
	want := "team,repo,version,why,evidence,owner\n'+team,\"'=HYPERLINK(\"\"http://x\"\")\",'-1,'@SUM(1),'=cmd:1,\n"
	if csv != want {
		t.Errorf("remaining CSV:\n%s\nwant\n%s", csv, want)
	}
}
