package exporter

import (
	"encoding/csv"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/uptake-dev/uptake/collector/snapshot"
)

// harvestPageSnapshot is a harvest as the estate test finds it, with a
// near copy that differs.
func harvestPageSnapshot() *snapshot.Snapshot {
	ev := func(repo, team, path string, line int, name string) snapshot.RepoEvidence {
		return snapshot.RepoEvidence{Source: "s", Repo: repo, Team: team, Evidence: snapshot.Evidence{Path: path, Line: line, Kind: "gomod", Name: name,
			URL: "https://git.example.com/" + repo + "/blob/main/" + path}}
	}
	h := &snapshot.Harvest{Enabled: true, MinTeams: 3, Top: 25,
		Candidates: []snapshot.Candidate{
			{Kind: "gomod", Name: "github.com/acme/authlib", Internal: true, BuiltBy: "core", BuiltIn: "s/authlib", Teams: 4, Repos: 4,
				TeamNames: []string{"alpha", "beta", "delta", "gamma"}, Versions: []snapshot.VersionCount{{Version: "v0.3.1", Repos: 2}, {Version: "v0.3.0", Repos: 2}},
				VersionSpread: 2, MajorSpread: 1, Evidence: []snapshot.RepoEvidence{ev("alpha-svc", "alpha", "go.mod", 6, "github.com/acme/authlib")}},
			{Kind: "gomod", Name: "github.com/sirupsen/logrus", Teams: 4, Repos: 4, TeamNames: []string{"alpha", "beta", "delta", "gamma"},
				Versions: []snapshot.VersionCount{{Version: "v1.9.0", Repos: 2}, {Version: "v1.8.0", Repos: 2}}, VersionSpread: 2, MajorSpread: 1,
				Evidence: []snapshot.RepoEvidence{ev("alpha-svc", "alpha", "go.mod", 7, "github.com/sirupsen/logrus")}},
		},
		Clusters: []snapshot.Cluster{{ID: "25509193ed07", Kind: "gitlab_ci", Path: ".gitlab-ci.yml", Teams: 4, Repos: 4, Identical: 3,
			Members: []snapshot.ClusterMember{
				{Source: "s", Repo: "alpha-svc", Team: "alpha", Path: ".gitlab-ci.yml", Similarity: 1},
				{Source: "s", Repo: "beta-svc", Team: "beta", Path: ".gitlab-ci.yml", Similarity: 1},
				{Source: "s", Repo: "gamma-svc", Team: "gamma", Path: ".gitlab-ci.yml", Similarity: 1},
				{Source: "s", Repo: "delta-svc", Team: "delta", Path: "ci/.gitlab-ci.yml", Similarity: 0.82, Diff: []string{"+ - make lint"}},
			}}},
		Alternatives: []snapshot.AlternativeUse{
			{Offering: "kit", Alternative: "github.com/gin-gonic/*", Team: "delta", Repos: []snapshot.RepoEvidence{ev("delta-svc", "delta", "go.mod", 9, "github.com/gin-gonic/gin")}},
			{Offering: "kit", Alternative: "github.com/gin-gonic/*", Team: "gamma", Repos: []snapshot.RepoEvidence{ev("gamma-svc", "gamma", "go.mod", 9, "github.com/gin-gonic/gin")}},
		},
	}
	return &snapshot.Snapshot{Harvest: h, Offerings: []snapshot.OfferingReport{{Name: "kit"}}}
}

func TestHarvestPage(t *testing.T) {
	s := harvestPageSnapshot()
	u := testMux(t, WebOptions{Snapshot: func() *snapshot.Snapshot { return s }}).URL
	code, _, body := do(t, http.MethodGet, u+"/harvest")
	if code != http.StatusOK {
		t.Fatalf("%d: %s", code, body)
	}
	for _, want := range []string{`id="candidates"`, `id="clusters"`, `id="members"`, `id="alternatives"`, "github.com/acme/authlib", "make lint", "25509193ed07"} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	code, _, body = do(t, http.MethodGet, u+"/harvest?format=csv&table=alternatives")
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if code != http.StatusOK || err != nil || len(rows) != 3 || rows[1][2] != "delta" {
		t.Errorf("alternatives CSV: %d %v %q", code, err, rows)
	}
	code, _, body = do(t, http.MethodGet, u+"/harvest?format=csv&sort=-candidates.repos")
	if rows, _ := csv.NewReader(strings.NewReader(body)).ReadAll(); code != http.StatusOK || len(rows) != 3 || rows[1][1] != "github.com/acme/authlib" {
		t.Errorf("candidates CSV: %d %q", code, rows)
	}
	alts := &snapshot.Snapshot{Harvest: &snapshot.Harvest{Alternatives: s.Harvest.Alternatives}}
	u = testMux(t, WebOptions{Snapshot: func() *snapshot.Snapshot { return alts }}).URL
	if code, _, body := do(t, http.MethodGet, u+"/harvest"); code != http.StatusOK || strings.Contains(body, `id="candidates"`) || !strings.Contains(body, "Harvest mode is off") {
		t.Errorf("alternatives only: %d", code)
	}
	off := &snapshot.Snapshot{}
	u = testMux(t, WebOptions{Snapshot: func() *snapshot.Snapshot { return off }}).URL
	if code, _, _ := do(t, http.MethodGet, u+"/harvest"); code != http.StatusNotFound {
		t.Errorf("without harvest: %d, want 404", code)
	}
}

// TestBrowserHarvest opens /harvest in headless chromium at a desktop and
// a phone width, as TestBrowserExplorer does the other pages.
func TestBrowserHarvest(t *testing.T) {
	ctx, shots := browser(t)
	s := harvestPageSnapshot()
	u := testMux(t, WebOptions{Snapshot: func() *snapshot.Snapshot { return s }}).URL
	for _, width := range widths {
		var candidates, members, alternatives, target string
		var overflow bool
		err := chromedp.Do(ctx,
			chromedp.EmulateViewport(width.w, width.h),
			chromedp.Navigate(u+"/"),
			chromedp.Click(chromedp.CSS(`nav a[href="/harvest"]`)),
			chromedp.WaitVisible(chromedp.CSS(`#candidates table`)),
			into(&candidates, chromedp.Text(chromedp.CSS(`#candidates tbody`))),
			into(&members, chromedp.Text(chromedp.CSS(`#members tbody`))),
			into(&alternatives, chromedp.Text(chromedp.CSS(`#alternatives tbody`))),
			into(&overflow, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`)),
			screenshot(shots, width.name+"-harvest"),
			// A cluster's link lands on its own first member's row.
			chromedp.Click(chromedp.CSS(`#clusters tbody a[href="#members-gitlab_ci-25509193ed07"]`)),
			into(&target, chromedp.Evaluate[string](`document.querySelector(':target').closest('tr').textContent`)),
		)
		if err != nil {
			t.Fatalf("%s: %v", width.name, err)
		}
		for _, c := range []struct{ what, got, want string }{
			{"candidates", candidates, "github.com/acme/authlib"},
			{"candidates", candidates, "core (s/authlib)"},
			{"members", members, "+ - make lint"},
			{"members", members, "identical once normalised"},
			{"alternatives", alternatives, "gamma-svc: github.com/gin-gonic/gin go.mod:9"},
		} {
			if !strings.Contains(c.got, c.want) {
				t.Errorf("%s: %s lacks %q:\n%s", width.name, c.what, c.want, c.got)
			}
		}
		if !strings.Contains(target, "alpha-svc") || !strings.Contains(target, "(representative)") {
			t.Errorf("%s: the cluster link lands on %q, not its representative's row", width.name, target)
		}
		if overflow {
			t.Errorf("%s: the harvest page is wider than the screen", width.name)
		}
	}
}
