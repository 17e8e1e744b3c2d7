package exporter

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/uptake-dev/uptake/collector/snapshot"
)

// harvestPage is /harvest: the platform team's backlog from harvest mode —
// candidates to productise, files copied across teams, and the teams using
// an offering's alternative.
func harvestPage(v *view, _ *http.Request) (*page, error) {
	h := v.s.Harvest
	if h == nil {
		return nil, errNoHarvest
	}
	pg := &page{Title: "Harvest", Kind: "Discovery"}
	if h.Pending > 0 {
		pg.Notes = append(pg.Notes, fmt.Sprintf("%d repos could not be read by the last scan (errors, or left for the next one by the host's rate budget): "+
			"the lists leave them out or count their older data, and may change once they are read.", h.Pending))
	}
	alternatives := alternativesTable(h)
	if !h.Enabled {
		pg.Notes = append(pg.Notes, "Harvest mode is off (no harvest section): only the offerings' alternatives are listed. uptake discover, or a harvest: {} section, lists candidates and copy-paste clusters too.")
		pg.Tables = []*table{alternatives}
		return pg, nil
	}
	pg.Facts = []fact{{Label: "Teams at least", Value: fmt.Sprint(h.MinTeams)}, {Label: "Candidates", Value: fmt.Sprint(len(h.Candidates))},
		{Label: "Clusters", Value: fmt.Sprint(len(h.Clusters))}}
	pg.Notes = append(pg.Notes, "Candidates are components several teams use that no offering covers: interview the teams using it, and the team that built an internal one. Clusters are CI, build and container files copied across teams: work a shared template could take over.")
	if h.Truncated {
		pg.Notes = append(pg.Notes, fmt.Sprintf("Only the first %d candidates and %d clusters are kept.", snapshot.MaxCandidates, snapshot.MaxClusters))
	}
	candidates := &table{ID: "candidates", Title: "Candidates to productise", Empty: "No component is used by that many teams without an offering covering it.",
		Cols: []column{{Key: "rank", Label: "#", Num: true}, {Key: "component", Label: "Component"}, {Key: "kind", Label: "Kind"},
			{Key: "teams", Label: "Teams", Num: true}, {Key: "repos", Label: "Repos", Num: true}, {Key: "versions", Label: "Versions in use"},
			{Key: "spread", Label: "Version spread", Num: true}, {Key: "internal", Label: "Internal"}, {Key: "built_by", Label: "Built by"},
			{Key: "team_names", Label: "Used by"}, {Key: "evidence", Label: "Examples"}}}
	for i, c := range h.Candidates {
		internal, builder := "", text("")
		if c.Internal {
			internal = "yes"
		}
		if c.BuiltBy != "" {
			builder = href(c.BuiltBy+" ("+c.BuiltIn+")", teamHref(c.BuiltBy))
		}
		ev := cell{}
		for _, e := range c.Evidence {
			ev.Links = append(ev.Links, link{Text: fmt.Sprintf("%s %s:%d", e.Repo, e.Path, e.Line), Href: webURL(e.URL)})
		}
		candidates.Rows = append(candidates.Rows, []cell{num(i + 1), text(c.Name), text(c.Kind), num(c.Teams), num(c.Repos),
			text(VersionList(c.Versions)), num(c.VersionSpread), text(internal), builder, text(strings.Join(c.TeamNames, ", ")), ev})
	}
	clusters := &table{ID: "clusters", Title: "Copy-paste clusters", Empty: "No CI, build or container file is copied across that many teams.",
		Cols: []column{{Key: "rank", Label: "#", Num: true}, {Key: "cluster", Label: "Cluster"}, {Key: "kind", Label: "Kind"},
			{Key: "path", Label: "Representative"}, {Key: "teams", Label: "Teams", Num: true}, {Key: "repos", Label: "Repos", Num: true},
			{Key: "identical", Label: "Identical", Num: true}}}
	members := &table{ID: "members", Title: "Cluster members and how they differ", Empty: "No cluster.",
		Cols: []column{{Key: "cluster", Label: "Cluster"}, {Key: "repo", Label: "Repo"}, {Key: "team", Label: "Team"}, {Key: "path", Label: "File"},
			{Key: "similarity", Label: "Similarity", Num: true}, {Key: "diff", Label: "Differs from the representative"}}}
	cut := 0
	for i, c := range h.Clusters {
		rep := c.Members[0]
		anchor := membersAnchor(c)
		clusters.Rows = append(clusters.Rows, []cell{num(i + 1), href(c.ID, "#"+anchor), text(c.Kind),
			fileCell(rep.Repo+" "+rep.Path, rep.URL), num(c.Teams), num(c.Repos), num(c.Identical)})
		shown := c.Members
		if len(shown) > maxPageMembers {
			shown = shown[:maxPageMembers]
			cut++
		}
		for j, m := range shown {
			diff := strings.Join(m.Diff, " · ")
			switch {
			case j == 0:
				diff = "(representative)"
			case m.DiffMore > 0:
				diff += fmt.Sprintf(" · … %d more", m.DiffMore)
			case diff == "":
				diff = "identical once normalised"
			}
			id := text(c.ID)
			if j == 0 {
				id.Anchor = anchor
			}
			members.Rows = append(members.Rows, []cell{id, href(m.Repo, repoHref(m.Source, m.Repo)), teamCell(m.Team),
				fileCell(m.Path, m.URL), float(m.Similarity, fmt.Sprintf("%.2f", m.Similarity)), text(diff)})
		}
	}
	if cut > 0 {
		pg.Notes = append(pg.Notes, fmt.Sprintf("%d clusters have more than %d members: the members table lists the first %d of each, /api/v1/harvest and uptake discover up to %d.",
			cut, maxPageMembers, maxPageMembers, snapshot.MaxClusterMembers))
	}
	pg.Tables = []*table{candidates, clusters, members, alternatives}
	return pg, nil
}

// maxPageMembers bounds a cluster's rows in the members table: 200
// clusters of 500 members would be a page of 100,000 rows.
const maxPageMembers = 25

// membersAnchor is the id of a cluster's first row in the members table:
// by kind and id, as one content clustered as two kinds shares an id.
func membersAnchor(c snapshot.Cluster) string {
	return "members-" + c.Kind + "-" + c.ID
}

func fileCell(s, u string) cell {
	if w := webURL(u); w != "" {
		return href(s, w)
	}
	return text(s)
}

func alternativesTable(h *snapshot.Harvest) *table {
	t := &table{ID: "alternatives", Title: "Alternatives in use: eligible repos using something else than the offering", Empty: "No eligible repo uses an offering's alternative.",
		Cols: []column{{Key: "offering", Label: "Offering"}, {Key: "alternative", Label: "Alternative"}, {Key: "team", Label: "Team"},
			{Key: "repos", Label: "Repos", Num: true}, {Key: "uses", Label: "Where"}}}
	for _, a := range h.Alternatives {
		uses := cell{}
		for _, r := range a.Repos {
			uses.Links = append(uses.Links, link{Text: fmt.Sprintf("%s: %s %s:%d", r.Repo, r.Name, r.Path, r.Line), Href: webURL(r.URL)})
		}
		t.Rows = append(t.Rows, []cell{href(a.Offering, offeringHref(a.Offering)), text(a.Alternative), teamCell(a.Team), num(len(a.Repos)), uses})
	}
	return t
}
