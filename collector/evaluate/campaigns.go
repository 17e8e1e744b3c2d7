package evaluate

import (
	"fmt"
	"sort"
	"time"

	"github.com/uptake-dev/uptake/collector/match"
	"github.com/uptake-dev/uptake/collector/snapshot"
	"github.com/uptake-dev/uptake/collector/source"
	"github.com/uptake-dev/uptake/collector/teams"
	"github.com/uptake-dev/uptake/collector/version"
	"github.com/uptake-dev/uptake/config"
)

// campaignReports builds every campaign's scoreboard from the evaluated
// repos at time now.
func campaignReports(cfg *config.Config, cat *match.Catalog, evals []repoEval, now time.Time) []snapshot.CampaignReport {
	if len(cfg.Campaigns) == 0 {
		return nil
	}
	byName := map[string]*match.Offering{}
	for _, o := range cat.Offerings {
		byName[o.Name] = o
	}
	out := make([]snapshot.CampaignReport, 0, len(cfg.Campaigns))
	for _, cp := range cfg.Campaigns {
		to := byName[cp.To]
		if to == nil {
			continue // refused by validation; a catalog compiled apart may lack it
		}
		out = append(out, campaignReport(cp, to, evals, now))
	}
	return out
}

func campaignReport(cp config.Campaign, to *match.Offering, evals []repoEval, now time.Time) snapshot.CampaignReport {
	rep := snapshot.CampaignReport{Name: cp.Name, Description: cp.Description, From: cp.From, To: cp.To, MinVersion: cp.MinVersion,
		EligibleOf: cp.Scope.EligibleOf, Owner: cp.Owner, Deadline: cp.DeadlineAt, Implicit: cp.Implicit,
		IdleAfter: time.Duration(cp.IdleAfter), ProjectionWindow: time.Duration(cp.ProjectionWindow), Repos: []snapshot.CampaignRepo{}}
	byTeam := map[string]*snapshot.CampaignCounts{}
	for _, ev := range evals {
		// A waiver leaves a repo in scope: only the eligible rules (or
		// adoption) of eligible_of decide it.
		if ev.status[cp.Scope.EligibleOf] == match.Ineligible {
			continue
		}
		r := campaignRepo(cp, to, ev, now)
		rep.Repos = append(rep.Repos, r)
		rep.Total.Add(r.State)
		if byTeam[r.Team] == nil {
			byTeam[r.Team] = &snapshot.CampaignCounts{}
		}
		byTeam[r.Team].Add(r.State)
	}
	rep.Teams = make([]snapshot.CampaignTeam, 0, len(byTeam))
	for t, c := range byTeam {
		rep.Teams = append(rep.Teams, snapshot.CampaignTeam{Team: t, CampaignCounts: *c})
	}
	sort.Slice(rep.Teams, func(i, j int) bool { return rep.Teams[i].Team < rep.Teams[j].Team })
	rank := map[string]int{}
	for i, s := range snapshot.CampaignStates {
		rank[s] = i
	}
	sort.SliceStable(rep.Repos, func(i, j int) bool {
		a, b := rep.Repos[i], rep.Repos[j]
		if a.State != b.State {
			return rank[a.State] < rank[b.State]
		}
		if a.Team != b.Team {
			return a.Team < b.Team
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.Source < b.Source
	})
	return rep
}

// campaignRepo decides one in-scope repo's state: done when it adopts to
// at min_version or above (an unknown version only without min_version)
// and uses none of from; else waived by a waiver of to in force; else idle
// when its HEAD commit is older than idle_after; else remaining.
func campaignRepo(cp config.Campaign, to *match.Offering, ev repoEval, now time.Time) snapshot.CampaignRepo {
	r := snapshot.CampaignRepo{Source: ev.source, Name: ev.name, Team: ev.team, Unowned: ev.attr.Via == teams.Default, HeadTime: ev.headTime}
	a, adopts := ev.adoption[cp.To]
	if adopts {
		r.Version = a.Version
	}
	for _, f := range cp.From {
		if u, ok := ev.adoption[f]; ok {
			r.Reason = "uses " + f
			r.Evidence = evidenceOf(u)
			break
		}
	}
	switch {
	case r.Reason != "":
	case !adopts:
		r.Reason = "does not adopt " + cp.To
	case cp.MinVersion != "" && !version.Known(a.Version):
		r.Reason, r.Evidence = fmt.Sprintf("%s at an unknown version, %s needed", cp.To, cp.MinVersion), evidenceOf(a)
	case cp.MinVersion != "" && version.Behind(a.Version, cp.MinVersion):
		r.Reason, r.Evidence = fmt.Sprintf("%s %s is below %s", cp.To, a.Version, cp.MinVersion), evidenceOf(a)
	default:
		r.State, r.Evidence = snapshot.CampaignDone, evidenceOf(a)
		return r
	}
	if w := to.Waiver(source.Repo{Source: ev.source, Name: ev.name}, now); w != nil {
		r.State, r.WaiverReason, r.WaiverExpires = snapshot.CampaignWaived, w.Reason, w.Expires
		return r
	}
	if !ev.headTime.IsZero() && now.Sub(ev.headTime) > time.Duration(cp.IdleAfter) {
		r.State = snapshot.CampaignIdle
		return r
	}
	r.State = snapshot.CampaignRemaining
	return r
}

func evidenceOf(a match.Adoption) []snapshot.Evidence {
	out := make([]snapshot.Evidence, len(a.Evidence))
	for i, c := range a.Evidence {
		out[i] = EvidenceOf(c)
	}
	return out
}
