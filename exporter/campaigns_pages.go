package exporter

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"time"

	"github.com/uptake-dev/uptake/collector/snapshot"
)

// expiringWithin is how soon a waiver's expiry is said to come on a
// campaign page: a waived repo then turns remaining.
const expiringWithin = 90 * 24 * time.Hour

func campaignHref(name string) string { return "/campaigns/" + url.PathEscape(name) }

func dateCell(t time.Time) cell {
	if t.IsZero() {
		return text("—")
	}
	return date(t.UTC().Format(time.DateOnly))
}

// campaignsTable is every campaign's totals, on /campaigns and the index.
func campaignsTable(s *snapshot.Snapshot) *table {
	t := &table{ID: "campaigns", Title: "Campaigns", Empty: "The catalog has no campaign.", Cols: []column{
		{Key: "name", Label: "Campaign"}, {Key: "done", Label: "Done", Num: true}, {Key: "progress", Label: "Progress", Num: true},
		{Key: "remaining", Label: "Remaining", Num: true}, {Key: "idle", Label: "Idle", Num: true}, {Key: "waived", Label: "Waived", Num: true},
		{Key: "deadline", Label: "Deadline"}, {Key: "projected", Label: "Projected completion"}, {Key: "to", Label: "To"}, {Key: "owner", Label: "Owner"},
	}}
	for _, c := range s.Campaigns {
		n := c.Total
		t.Rows = append(t.Rows, []cell{href(c.Name, campaignHref(c.Name)), num(n.Done), ratio(share(n.Done, n.Done+n.Waived+n.Idle+n.Remaining)),
			num(n.Remaining), num(n.Idle), num(n.Waived), dateCell(c.Deadline), dateCell(c.ProjectedCompletion), href(toLabel(c), offeringHref(c.To)), text(c.Owner)})
	}
	return t
}

func toLabel(c snapshot.CampaignReport) string {
	if c.MinVersion != "" {
		return c.To + " ≥ " + c.MinVersion
	}
	return c.To
}

func campaignsPage(v *view, _ *http.Request) (*page, error) {
	return &page{Title: "Campaigns", Tables: []*table{campaignsTable(v.s)}}, nil
}

// campaignPage is the "who is blocking" view: the teams ranked by repos
// remaining, the remaining repos by team with their version and evidence,
// the idle repos, and the waivers, soonest expiry first.
func campaignPage(v *view, r *http.Request) (*page, error) {
	c, err := v.campaign(r.PathValue("name"))
	if err != nil {
		return nil, errNotFound(fmt.Sprintf("No campaign %q in the catalog.", r.PathValue("name")))
	}
	n := c.Total
	pg := &page{Title: c.Name, Kind: "Campaign", Facts: []fact{{Label: "To", Value: toLabel(*c), Href: offeringHref(c.To)}}}
	for _, f := range c.From {
		pg.Facts = append(pg.Facts, fact{Label: "From", Value: f, Href: offeringHref(f)})
	}
	if c.Owner != "" {
		pg.Facts = append(pg.Facts, fact{Label: "Owner", Value: c.Owner})
	}
	pg.Facts = append(pg.Facts, fact{Label: "Done", Value: fmt.Sprintf("%d of %d repos (%d waived, %d idle, %d remaining)", n.Done, n.Done+n.Waived+n.Idle+n.Remaining, n.Waived, n.Idle, n.Remaining)})
	if !c.Deadline.IsZero() {
		pg.Facts = append(pg.Facts, fact{Label: "Deadline", Value: c.Deadline.Format(time.DateOnly)})
	}
	if !c.ProjectedCompletion.IsZero() {
		pg.Facts = append(pg.Facts, fact{Label: "Projected completion", Value: c.ProjectedCompletion.Format(time.DateOnly)})
	}
	if c.Description != "" {
		pg.Notes = append(pg.Notes, c.Description)
	}
	if c.Implicit {
		pg.Notes = append(pg.Notes, fmt.Sprintf("Implicit: %s is deprecated and replaced by %s, and no campaign names it.", c.From[0], c.To))
	}
	if !c.Deadline.IsZero() && n.Remaining > 0 && (c.ProjectedCompletion.IsZero() || c.ProjectedCompletion.After(c.Deadline)) {
		pg.Notes = append(pg.Notes, "At risk: no projected completion by the deadline at the pace of the last "+days(c.ProjectionWindow)+".")
	}

	teams := &table{ID: "teams", Title: "Teams, most remaining first", Empty: "No repo is in scope.", Cols: []column{{Key: "team", Label: "Team"},
		{Key: "remaining", Label: "Remaining", Num: true}, {Key: "done", Label: "Done", Num: true}, {Key: "progress", Label: "Progress", Num: true},
		{Key: "idle", Label: "Idle", Num: true}, {Key: "waived", Label: "Waived", Num: true}}}
	ranked := append([]snapshot.CampaignTeam(nil), c.Teams...)
	sort.SliceStable(ranked, func(i, j int) bool { return ranked[i].Remaining > ranked[j].Remaining })
	for _, t := range ranked {
		teams.Rows = append(teams.Rows, []cell{teamCell(t.Team), num(t.Remaining), num(t.Done), ratio(share(t.Done, t.Done+t.Waived+t.Idle+t.Remaining)), num(t.Idle), num(t.Waived)})
	}
	teams.Foot = []cell{text("All teams"), num(n.Remaining), num(n.Done), ratio(share(n.Done, n.Done+n.Waived+n.Idle+n.Remaining)), num(n.Idle), num(n.Waived)}

	remaining := &table{ID: "remaining", Title: "Remaining repos (who is blocking)", Empty: "No repo remains.", Cols: []column{{Key: "team", Label: "Team"},
		{Key: "repo", Label: "Repo"}, {Key: "version", Label: "Version"}, {Key: "why", Label: "Why"}, {Key: "evidence", Label: "Evidence"}, {Key: "owner", Label: "Owner"}}}
	idle := &table{ID: "idle", Title: "Idle repos (no commit in " + days(c.IdleAfter) + ")", Empty: "No repo is idle.", Cols: []column{{Key: "team", Label: "Team"},
		{Key: "repo", Label: "Repo"}, {Key: "commit", Label: "Last commit"}, {Key: "why", Label: "Why not done"}}}
	waived := &table{ID: "waived", Title: "Waived repos, soonest expiry first", Empty: "No repo is waived.", Cols: []column{{Key: "team", Label: "Team"},
		{Key: "repo", Label: "Repo"}, {Key: "expires", Label: "Expires"}, {Key: "reason", Label: "Waiver"}}}
	done := &table{ID: "done", Title: "Done repos", Empty: "No repo is done yet.", Cols: []column{{Key: "team", Label: "Team"},
		{Key: "repo", Label: "Repo"}, {Key: "version", Label: "Version"}, {Key: "evidence", Label: "Evidence"}}}
	var waivedRepos []snapshot.CampaignRepo
	for _, rep := range c.Repos {
		repo := href(rep.Name, repoHref(rep.Source, rep.Name))
		switch rep.State {
		case snapshot.CampaignRemaining:
			owner := text("")
			if rep.Unowned {
				owner = text("unowned: no source gave a team")
			}
			remaining.Rows = append(remaining.Rows, []cell{teamCell(rep.Team), repo, text(dash(rep.Version)), text(rep.Reason), evidenceCell(rep.Evidence), owner})
		case snapshot.CampaignIdle:
			idle.Rows = append(idle.Rows, []cell{teamCell(rep.Team), repo, dateCell(rep.HeadTime), text(rep.Reason)})
		case snapshot.CampaignWaived:
			waivedRepos = append(waivedRepos, rep)
		case snapshot.CampaignDone:
			done.Rows = append(done.Rows, []cell{teamCell(rep.Team), repo, text(dash(rep.Version)), evidenceCell(rep.Evidence)})
		}
	}
	// Dates YYYY-MM-DD order as strings; a waiver without one never
	// expires: last, and never expiring soon.
	sort.SliceStable(waivedRepos, func(i, j int) bool {
		a, b := waivedRepos[i].WaiverExpires, waivedRepos[j].WaiverExpires
		return a != "" && (b == "" || a < b)
	})
	soon := v.s.Time.Add(expiringWithin).Format(time.DateOnly)
	expiring := 0
	for _, rep := range waivedRepos {
		expires := "never"
		if rep.WaiverExpires != "" {
			expires = rep.WaiverExpires
			if rep.WaiverExpires <= soon {
				expiring++
			}
		}
		waived.Rows = append(waived.Rows, []cell{teamCell(rep.Team), href(rep.Name, repoHref(rep.Source, rep.Name)), date(expires), text(rep.WaiverReason)})
	}
	if expiring > 0 {
		pg.Notes = append(pg.Notes, fmt.Sprintf("%d waivers expire within %s: those repos turn remaining.", expiring, days(expiringWithin)))
	}
	pg.Tables = []*table{teams, remaining, idle, waived, done}
	return pg, nil
}

func dash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func days(d time.Duration) string { return fmt.Sprintf("%d days", int(d.Hours()/24)) }
