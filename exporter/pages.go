package exporter

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/uptake-dev/uptake/collector/snapshot"
)

//go:embed pages
var pageFiles embed.FS

// contentSecurityPolicy allows the one served stylesheet and nothing else:
// no script, no inline style, so a hostile name cannot run or restyle.
const contentSecurityPolicy = "default-src 'none'; style-src 'self'; img-src 'self' data:"

// maxSearch bounds the search box's query, matched against every repo.
const (
	maxSearch     = 256
	maxSearchRows = 500
)

var pageTemplate = template.Must(template.New("page.html").Funcs(template.FuncMap{
	"percent": func(f float64) string { return fmt.Sprintf("%.0f%%", f*100) },
}).ParseFS(pageFiles, "pages/page.html"))

// pages serves the explorer: HTML pages over the current snapshot, each
// table sortable (?sort=) and downloadable (?format=csv).
type pages struct {
	current func() *snapshot.Snapshot
	shard   string
	// events reads the store's event log; nil without a store.
	events EventReader
	// inventory gives a repo's whole inventory; nil when not served.
	inventory InventoryReader

	mu   sync.Mutex
	view *view
}

// view indexes one snapshot for the pages, built once per snapshot.
type view struct {
	s         *snapshot.Snapshot
	events    EventReader
	inventory InventoryReader
	repos     map[repoKey]int
	offerings map[string]int
	teams     map[string]int
	// cells are the summary's cells by offering, in team order.
	cells map[string][]snapshot.Cell
}

type repoKey struct{ source, name string }

func newView(s *snapshot.Snapshot) *view {
	v := &view{s: s, repos: make(map[repoKey]int, len(s.Repos)), offerings: map[string]int{}, teams: map[string]int{}, cells: map[string][]snapshot.Cell{}}
	for i, r := range s.Repos {
		v.repos[repoKey{r.Source, r.Name}] = i
	}
	for i, o := range s.Offerings {
		v.offerings[o.Name] = i
	}
	for i, t := range s.Teams {
		v.teams[t.Name] = i
	}
	for _, c := range s.Summary {
		v.cells[c.Offering] = append(v.cells[c.Offering], c)
	}
	return v
}

func (p *pages) viewOf(s *snapshot.Snapshot) *view {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.view == nil || p.view.s != s {
		p.view = newView(s)
		p.view.events, p.view.inventory = p.events, p.inventory
	}
	return p.view
}

// page is what the one page template renders.
type page struct {
	Title    string
	Kind     string
	Shard    string
	Time     time.Time
	Restored bool
	Search   string
	Facts    []fact
	Notes    []string
	Tables   []*table
	Home     bool
	// Chart is an inline SVG drawn from numbers and dates only.
	Chart template.HTML
}

type fact struct{ Label, Value, Href string }

// errNotFound answers 404.
type errNotFound string

func (e errNotFound) Error() string { return string(e) }

func (p *pages) register(mux *http.ServeMux) {
	mux.HandleFunc("GET /{$}", p.handle(func(v *view, _ *http.Request) (*page, error) { return indexPage(v), nil }))
	mux.HandleFunc("GET /offerings/{name}", p.handle(offeringPage))
	mux.HandleFunc("GET /teams/{name}", p.handle(teamPage))
	mux.HandleFunc("GET /repos/{source}/{name}", p.handle(repoPage))
	mux.HandleFunc("GET /search", p.handle(searchPage))
	mux.HandleFunc("GET /harvest", p.handle(harvestPage))
	mux.HandleFunc("GET /campaigns", p.handle(campaignsPage))
	mux.HandleFunc("GET /campaigns/{name}", p.handle(campaignPage))
	css, err := pageFiles.ReadFile("pages/style.css")
	if err != nil {
		panic(err) // embedded at build time
	}
	mux.HandleFunc("GET /style.css", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
		w.Header().Set("Cache-Control", "max-age=300")
		_, _ = w.Write(css)
	})
}

func (p *pages) handle(build func(*view, *http.Request) (*page, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", contentSecurityPolicy)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		s := p.current()
		if s == nil {
			http.Error(w, "No scan has completed yet.", http.StatusServiceUnavailable)
			return
		}
		pg, err := build(p.viewOf(s), r)
		if err != nil {
			code := http.StatusBadRequest
			if _, ok := err.(errNotFound); ok {
				code = http.StatusNotFound
			}
			http.Error(w, err.Error(), code)
			return
		}
		if err := finish(pg, r); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if r.URL.Query().Get("format") == "csv" {
			writeTableCSV(w, pg, r.URL.Query().Get("table"))
			return
		}
		pg.Shard, pg.Time, pg.Restored = p.shard, s.Time, s.Restored
		var buf bytes.Buffer
		if err := pageTemplate.Execute(&buf, pg); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(buf.Bytes())
	}
}

// finish applies ?sort= to the table it names and checks ?format=.
func finish(pg *page, r *http.Request) error {
	q := r.URL.Query()
	switch f := q.Get("format"); f {
	case "", "html", "csv":
	default:
		return fmt.Errorf("format: %q is not html or csv", f)
	}
	keep := url.Values{}
	if s := q.Get("q"); s != "" {
		keep.Set("q", s)
	}
	sp := parseSort(q.Get("sort"))
	known := q.Get("sort") == ""
	for _, t := range pg.Tables {
		if err := t.apply(sp, keep.Encode()); err != nil {
			return err
		}
		known = known || t.ID == sp.table
	}
	if !known {
		return fmt.Errorf("sort: no table %q on this page", sp.table)
	}
	return nil
}

func writeTableCSV(w http.ResponseWriter, pg *page, id string) {
	if id == "" && len(pg.Tables) > 0 {
		id = pg.Tables[0].ID
	}
	for _, t := range pg.Tables {
		if t.ID == id {
			t.writeCSV(w)
			return
		}
	}
	http.Error(w, fmt.Sprintf("table: no table %q on this page", id), http.StatusBadRequest)
}

func offeringHref(name string) string { return "/offerings/" + url.PathEscape(name) }
func teamHref(name string) string     { return "/teams/" + url.PathEscape(name) }

// repoHref escapes the name as one segment: a GitLab group/sub/project is
// one %2F-escaped segment, never cleaned or split by the router.
func repoHref(source, name string) string {
	return "/repos/" + url.PathEscape(source) + "/" + url.PathEscape(name)
}

func repoCell(r *snapshot.RepoReport) cell { return href(r.Name, repoHref(r.Source, r.Name)) }

func teamCell(team string) cell {
	if team == "" {
		return text("—")
	}
	return href(team, teamHref(team))
}

func evidenceCell(ev []snapshot.Evidence) cell {
	c := cell{}
	for _, e := range ev {
		c.Links = append(c.Links, link{Text: fmt.Sprintf("%s:%d", e.Path, e.Line), Href: webURL(e.URL)})
	}
	return c
}

// webURL keeps a forge's http(s) link; anything else is shown unlinked.
func webURL(u string) string {
	if strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://") {
		return u
	}
	return ""
}

func indexPage(v *view) *page {
	pg := &page{Title: "Offerings", Home: true}
	offerings := &table{ID: "offerings", Title: "Offerings", Empty: "The catalog has no offerings.", Cols: []column{
		// Adoption beside the name: on a phone the first columns are what shows.
		{Key: "name", Label: "Offering"}, {Key: "ratio", Label: "Adoption", Num: true}, {Key: "adopted", Label: "Adopted", Num: true},
		{Key: "eligible", Label: "Eligible", Num: true}, {Key: "waived", Label: "Waived", Num: true},
		{Key: "target", Label: "Target", Num: true}, {Key: "deadline", Label: "Deadline"},
		{Key: "outdated", Label: "Outdated", Num: true}, {Key: "unknown", Label: "Unknown version", Num: true},
		{Key: "value", Label: "Value per month", Num: true}, {Key: "roi", Label: "ROI", Num: true},
		{Key: "owner", Label: "Owner"}, {Key: "lifecycle", Label: "Lifecycle"},
	}}
	var adopted, eligible, waived, outdated, unknown int
	var value float64
	for _, o := range v.s.Offerings {
		var w, out, unk int
		for _, c := range v.cells[o.Name] {
			w += c.Waived
			out += c.Outdated
			unk += c.UnknownVersion
		}
		adopted, eligible, waived, outdated, unknown = adopted+o.Adopted, eligible+o.Eligible, waived+w, outdated+out, unknown+unk
		target, deadline := float(-1, "—"), text("—")
		if o.Target != nil {
			target, deadline = float(o.Target.Ratio, fmt.Sprintf("%.0f%%", o.Target.Ratio*100)), date(o.Target.Deadline.Format(time.DateOnly))
		}
		val, roi := float(-1, "—"), ratio(nil)
		if o.ROI != nil {
			value += o.ROI.ValuePerMonth
			val = float(o.ROI.ValuePerMonth, money(o.ROI.ValuePerMonth, v.s.Currency))
			if o.ROI.Ratio != nil {
				roi = float(*o.ROI.Ratio, fmt.Sprintf("%.2f", *o.ROI.Ratio))
			}
		}
		offerings.Rows = append(offerings.Rows, []cell{href(o.Name, offeringHref(o.Name)), ratio(share(o.Adopted, o.Eligible)),
			num(o.Adopted), num(o.Eligible), num(w), target, deadline, num(out), num(unk), val, roi, text(o.Owner), text(o.Lifecycle)})
	}
	if len(v.s.Offerings) > 0 {
		total := float(value, "—")
		if v.s.ROI {
			total = float(value, money(value, v.s.Currency))
		}
		offerings.Foot = []cell{text("All offerings"), ratio(share(adopted, eligible)), num(adopted), num(eligible),
			num(waived), text(""), text(""), num(outdated), num(unknown), total, text(""), text(""), text("")}
	}
	teams := &table{ID: "teams", Title: "Teams", Empty: "No team has a repo.", Cols: []column{{Key: "name", Label: "Team"}, {Key: "repos", Label: "Repos", Num: true}}}
	for _, t := range v.s.Teams {
		teams.Rows = append(teams.Rows, []cell{teamCell(t.Name), num(t.Repos)})
	}
	pg.Tables = []*table{offerings, teams, attributionTable(v.s), unattributedTable(v.s), sourcesTable(v.s)}
	if len(v.s.Campaigns) > 0 {
		pg.Tables = append(pg.Tables[:1], append([]*table{campaignsTable(v.s)}, pg.Tables[1:]...)...)
	}
	return pg
}

// attributionTable is how good attribution is: the repos each source gave
// a team, and how many named a team that is not known.
func attributionTable(s *snapshot.Snapshot) *table {
	t := &table{ID: "attribution", Title: "Team attribution", Empty: "No repo counted.", Cols: []column{{Key: "via", Label: "Team from"},
		{Key: "repos", Label: "Repos", Num: true}, {Key: "placeholders", Label: "Named a team not known", Num: true}}}
	for _, a := range s.Attribution {
		t.Rows = append(t.Rows, []cell{text(a.Via), num(a.Repos), num(a.Placeholders)})
	}
	return t
}

// unattributedTable lists the repos that fell to the default team, with
// why each attribution source gave nothing: the owners to chase.
func unattributedTable(s *snapshot.Snapshot) *table {
	t := &table{ID: "unattributed", Title: "Repos no source gave a team", Empty: "Every repo has a team.", Cols: []column{
		{Key: "repo", Label: "Repo"}, {Key: "why", Label: "Why each source gave nothing"}}}
	for _, u := range s.Unattributed {
		reasons := make([]string, len(u.Reasons))
		for i, r := range u.Reasons {
			reasons[i] = r.Via + ": " + r.Reason
		}
		t.Rows = append(t.Rows, []cell{href(u.Name, repoHref(u.Source, u.Name)), text(strings.Join(reasons, "; "))})
	}
	return t
}

func sourcesTable(s *snapshot.Snapshot) *table {
	t := &table{ID: "sources", Title: "Sources", Cols: []column{{Key: "name", Label: "Source"}, {Key: "ok", Label: "Listed"},
		{Key: "repos", Label: "Repos", Num: true}, {Key: "errors", Label: "Repo errors", Num: true}, {Key: "stale", Label: "Stale", Num: true},
		{Key: "error", Label: "Error"}}}
	for _, src := range s.Sources {
		ok := "yes"
		if !src.OK {
			ok = "no (last good data kept)"
		}
		t.Rows = append(t.Rows, []cell{text(src.Name), text(ok), num(src.Repos), num(src.RepoErrors), num(src.StaleRepos), text(src.Error)})
	}
	return t
}

func share(n, of int) *float64 {
	if of == 0 {
		return nil
	}
	r := float64(n) / float64(of)
	return &r
}

func money(f float64, currency string) string {
	return strings.TrimSpace(fmt.Sprintf("%.0f %s", f, currency))
}

func offeringPage(v *view, r *http.Request) (*page, error) {
	name := r.PathValue("name")
	i, ok := v.offerings[name]
	if !ok {
		return nil, errNotFound(fmt.Sprintf("No offering %q in the catalog.", name))
	}
	o := v.s.Offerings[i]
	pg := &page{Title: o.Name, Kind: "Offering", Facts: []fact{{Label: "Owner", Value: o.Owner}, {Label: "Lifecycle", Value: o.Lifecycle}}}
	if o.Description != "" {
		pg.Notes = append(pg.Notes, o.Description)
	}
	if o.Latest != "" {
		pg.Facts = append(pg.Facts, fact{Label: "Latest", Value: o.Latest})
	}
	if o.ReplacedBy != "" {
		pg.Facts = append(pg.Facts, fact{Label: "Replaced by", Value: o.ReplacedBy, Href: offeringHref(o.ReplacedBy)})
	}
	pg.Facts = append(pg.Facts, fact{Label: "Adopted", Value: fmt.Sprintf("%d of %d eligible repos", o.Adopted, o.Eligible)})
	if o.Target != nil {
		pg.Facts = append(pg.Facts, fact{Label: "Target", Value: fmt.Sprintf("%.0f%% by %s", o.Target.Ratio*100, o.Target.Deadline.Format(time.DateOnly))})
	}
	funnel := &table{ID: "teams", Title: "Funnel per team", Cols: []column{{Key: "team", Label: "Team"}, {Key: "repos", Label: "Repos", Num: true},
		{Key: "eligible", Label: "Eligible", Num: true}, {Key: "adopted", Label: "Adopted", Num: true}, {Key: "current", Label: "Current version", Num: true},
		{Key: "ratio", Label: "Adoption", Num: true}, {Key: "waived", Label: "Waived", Num: true}, {Key: "outdated", Label: "Outdated", Num: true},
		{Key: "unknown", Label: "Unknown version", Num: true}}}
	var sum snapshot.Cell
	for _, c := range v.cells[o.Name] {
		current := c.Adopted - c.Outdated - c.UnknownVersion
		funnel.Rows = append(funnel.Rows, []cell{teamCell(c.Team), num(c.TeamRepos), num(c.Total), num(c.Adopted), num(current),
			ratio(c.Ratio), num(c.Waived), num(c.Outdated), num(c.UnknownVersion)})
		sum.TeamRepos, sum.Total, sum.Adopted, sum.Waived = sum.TeamRepos+c.TeamRepos, sum.Total+c.Total, sum.Adopted+c.Adopted, sum.Waived+c.Waived
		sum.Outdated, sum.UnknownVersion = sum.Outdated+c.Outdated, sum.UnknownVersion+c.UnknownVersion
	}
	funnel.Foot = []cell{text("All teams"), num(sum.TeamRepos), num(sum.Total), num(sum.Adopted), num(sum.Adopted - sum.Outdated - sum.UnknownVersion),
		ratio(share(sum.Adopted, sum.Total)), num(sum.Waived), num(sum.Outdated), num(sum.UnknownVersion)}
	versions := &table{ID: "versions", Title: "Versions", Empty: "No adopter.", Cols: []column{{Key: "version", Label: "Version"}, {Key: "repos", Label: "Repos", Num: true}}}
	for _, vc := range o.Versions {
		versions.Rows = append(versions.Rows, []cell{text(vc.Version), num(vc.Repos)})
	}
	adopters := &table{ID: "adopters", Title: "Adopting repos", Empty: "No repo adopts it.", Cols: []column{{Key: "repo", Label: "Repo"},
		{Key: "team", Label: "Team"}, {Key: "version", Label: "Version"}, {Key: "evidence", Label: "Evidence"}}}
	candidates := &table{ID: "candidates", Title: "Eligible repos that do not adopt it (customer discovery)", Empty: "Every eligible repo adopts it or is waived.",
		Cols: []column{{Key: "repo", Label: "Repo"}, {Key: "team", Label: "Team"}, {Key: "languages", Label: "Languages"}}}
	waived := &table{ID: "waived", Title: "Waived", Empty: "No waiver in force.", Cols: []column{{Key: "repo", Label: "Repo"},
		{Key: "team", Label: "Team"}, {Key: "reason", Label: "Reason"}, {Key: "expires", Label: "Expires"}}}
	ineligible := &table{ID: "ineligible", Title: "Not eligible", Empty: "Every repo is eligible.", Cols: []column{{Key: "repo", Label: "Repo"},
		{Key: "team", Label: "Team"}, {Key: "clause", Label: "Excluded by"}}}
	for i := range v.s.Repos {
		rep := &v.s.Repos[i]
		st := standing(rep, o.Name)
		switch st.status {
		case statusAdopted:
			adopters.Rows = append(adopters.Rows, []cell{repoCell(rep), teamCell(rep.Team), text(st.adoption.Version), evidenceCell(st.adoption.Evidence)})
		case statusCandidate:
			candidates.Rows = append(candidates.Rows, []cell{repoCell(rep), teamCell(rep.Team), text(strings.Join(rep.Languages, ", "))})
		case statusWaived:
			waived.Rows = append(waived.Rows, []cell{repoCell(rep), teamCell(rep.Team), text(st.waiver.Reason), date(st.waiver.Expires)})
		case statusIneligible:
			ineligible.Rows = append(ineligible.Rows, []cell{repoCell(rep), teamCell(rep.Team), text(st.clause)})
		}
	}
	pg.Tables = []*table{funnel, versions, adopters, candidates, waived, ineligible, rulesTable(o.Rules)}
	offeringHistory(pg, v.events, o, v.s.Time)
	return pg, nil
}

// rulesTable lists an offering's detect rules with the repos each matched:
// a rule at 0 may be one that cannot match.
func rulesTable(rules []snapshot.RuleReport) *table {
	t := &table{ID: "rules", Title: "Rules", Empty: "No detect rule.", Cols: []column{{Key: "kind", Label: "Kind"},
		{Key: "rule", Label: "Rule"}, {Key: "line", Label: "Config line", Num: true}, {Key: "matched", Label: "Repos matched", Num: true}}}
	for _, r := range rules {
		keys := make([]string, 0, len(r.Params))
		for k := range r.Params {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		params := make([]string, len(keys))
		for i, k := range keys {
			params[i] = k + ": " + r.Params[k]
		}
		t.Rows = append(t.Rows, []cell{text(r.Kind), text(strings.Join(params, ", ")), num(r.Line), num(r.MatchedRepos)})
	}
	return t
}

// Where a repo stands with one offering, computed on demand from its report.
const (
	statusNoData = iota
	statusAdopted
	statusIneligible
	statusWaived
	statusCandidate
)

type repoStanding struct {
	status   int
	adoption *snapshot.RepoOffering
	waiver   *snapshot.RepoWaiver
	clause   string
}

func standing(rep *snapshot.RepoReport, offering string) repoStanding {
	for i := range rep.Offerings {
		if rep.Offerings[i].Offering == offering {
			return repoStanding{status: statusAdopted, adoption: &rep.Offerings[i]}
		}
	}
	for i := range rep.Waived {
		if rep.Waived[i].Offering == offering {
			return repoStanding{status: statusWaived, waiver: &rep.Waived[i]}
		}
	}
	if slices.Contains(rep.Ineligible, offering) {
		clause := "the eligible rules"
		for _, r := range rep.IneligibleReasons {
			if r.Offering == offering {
				clause = r.Clause
			}
		}
		return repoStanding{status: statusIneligible, clause: clause}
	}
	if rep.Team == "" {
		return repoStanding{status: statusNoData}
	}
	return repoStanding{status: statusCandidate}
}

func teamPage(v *view, r *http.Request) (*page, error) {
	name := r.PathValue("name")
	i, ok := v.teams[name]
	if !ok {
		return nil, errNotFound(fmt.Sprintf("No team %q has a repo.", name))
	}
	t := v.s.Teams[i]
	pg := &page{Title: t.Name, Kind: "Team", Facts: []fact{{Label: "Repos", Value: fmt.Sprint(t.Repos)}}}
	latest := map[string]string{}
	for _, o := range v.s.Offerings {
		latest[o.Name] = o.Latest
	}
	offerings := &table{ID: "offerings", Title: "Offerings", Cols: []column{{Key: "offering", Label: "Offering"},
		{Key: "eligible", Label: "Eligible", Num: true}, {Key: "adopted", Label: "Adopted", Num: true}, {Key: "ratio", Label: "Adoption", Num: true},
		{Key: "waived", Label: "Waived", Num: true}, {Key: "outdated", Label: "Outdated", Num: true}, {Key: "major", Label: "A major behind", Num: true},
		{Key: "unknown", Label: "Unknown version", Num: true}}}
	for _, c := range v.s.Summary {
		if c.Team == name {
			offerings.Rows = append(offerings.Rows, []cell{href(c.Offering, offeringHref(c.Offering)), num(c.Total), num(c.Adopted), ratio(c.Ratio),
				num(c.Waived), num(c.Outdated), num(c.OutdatedMajor), num(c.UnknownVersion)})
		}
	}
	repos := &table{ID: "repos", Title: "Repos", Cols: []column{{Key: "repo", Label: "Repo"}, {Key: "adopted", Label: "Adopted", Num: true},
		{Key: "waived", Label: "Waived", Num: true}, {Key: "file_errors", Label: "File errors", Num: true}, {Key: "state", Label: "State"}}}
	versions := &table{ID: "versions", Title: "Versions in use", Cols: []column{{Key: "repo", Label: "Repo"}, {Key: "offering", Label: "Offering"},
		{Key: "version", Label: "Version"}, {Key: "latest", Label: "Latest"}, {Key: "current", Label: "Current"}}}
	waived := &table{ID: "waived", Title: "Waived", Empty: "No waiver in force.", Cols: []column{{Key: "repo", Label: "Repo"},
		{Key: "offering", Label: "Offering"}, {Key: "reason", Label: "Reason"}, {Key: "expires", Label: "Expires"}}}
	for i := range v.s.Repos {
		rep := &v.s.Repos[i]
		if rep.Team != name {
			continue
		}
		repos.Rows = append(repos.Rows, []cell{repoCell(rep), num(len(rep.Offerings)), num(len(rep.Waived)), num(rep.FileErrors), text(repoState(rep))})
		for _, ro := range rep.Offerings {
			cur := "—"
			if l := latest[ro.Offering]; l != "" {
				cur = "no"
				if ro.Version == l {
					cur = "yes"
				}
			}
			versions.Rows = append(versions.Rows, []cell{repoCell(rep), href(ro.Offering, offeringHref(ro.Offering)), text(ro.Version), text(latest[ro.Offering]), text(cur)})
		}
		for _, w := range rep.Waived {
			waived.Rows = append(waived.Rows, []cell{repoCell(rep), href(w.Offering, offeringHref(w.Offering)), text(w.Reason), date(w.Expires)})
		}
	}
	pg.Tables = []*table{offerings, repos, versions, waived}
	return pg, nil
}

func repoState(rep *snapshot.RepoReport) string {
	var s []string
	switch {
	case rep.Error != "" && rep.Team == "":
		s = append(s, "not read, no earlier data")
	case rep.Stale:
		s = append(s, "stale (earlier scan's data)")
	case rep.Cached:
		s = append(s, "unchanged (cache)")
	}
	if rep.Deferred {
		s = append(s, "deferred (rate budget)")
	}
	if rep.Empty {
		s = append(s, "empty")
	}
	if len(s) == 0 {
		return "read"
	}
	return strings.Join(s, ", ")
}

func repoPage(v *view, r *http.Request) (*page, error) {
	src, name := r.PathValue("source"), r.PathValue("name")
	i, ok := v.repos[repoKey{src, name}]
	if !ok {
		return nil, errNotFound(fmt.Sprintf("No repo %q in source %q.", name, src))
	}
	rep := &v.s.Repos[i]
	pg := &page{Title: rep.Name, Kind: "Repo", Facts: []fact{{Label: "Source", Value: rep.Source}}}
	if rep.Team != "" {
		via := rep.TeamVia
		if rep.TeamBecause != "" {
			via += ": " + rep.TeamBecause
		}
		pg.Facts = append(pg.Facts, fact{Label: "Team", Value: rep.Team, Href: teamHref(rep.Team)}, fact{Label: "Team from", Value: via})
	}
	if rep.Head != "" {
		pg.Facts = append(pg.Facts, fact{Label: "HEAD", Value: rep.Head})
	}
	if len(rep.Languages) > 0 {
		pg.Facts = append(pg.Facts, fact{Label: "Languages", Value: strings.Join(rep.Languages, ", ")})
	}
	pg.Facts = append(pg.Facts, fact{Label: "State", Value: repoState(rep)}, fact{Label: "Files skipped", Value: fmt.Sprint(rep.FileErrors)})
	if rep.Error != "" {
		pg.Notes = append(pg.Notes, "Last scan's error: "+rep.Error)
	}
	var inventory *table
	var kinds map[string]int
	if v.inventory != nil {
		if comps, ok := v.inventory.Inventory(rep.Source, rep.Name); ok {
			inventory, kinds = inventoryTable(rep, comps)
		}
	}
	explain := &table{ID: "explain", Title: "Why, offering by offering", Cols: []column{{Key: "offering", Label: "Offering"},
		{Key: "status", Label: "Status"}, {Key: "why", Label: "Why"}, {Key: "evidence", Label: "Evidence"}}}
	for _, o := range v.s.Offerings {
		st := standing(rep, o.Name)
		status, why, ev := explainStanding(st)
		if st.status == statusCandidate && kinds != nil {
			why = unmatchedWhy(o, kinds)
		}
		explain.Rows = append(explain.Rows, []cell{href(o.Name, offeringHref(o.Name)), text(status), text(why), ev})
	}
	if inventory != nil {
		pg.Tables = []*table{explain, inventory}
		return pg, nil
	}
	components := &table{ID: "components", Title: "Components matched", Empty: "No component matched a rule.", Cols: []column{
		{Key: "kind", Label: "Kind"}, {Key: "name", Label: "Component"}, {Key: "version", Label: "Version"}, {Key: "offering", Label: "Offering"},
		{Key: "at", Label: "At"}}}
	for _, ro := range rep.Offerings {
		for _, e := range ro.Evidence {
			components.Rows = append(components.Rows, []cell{text(e.Kind), text(e.Name), text(e.Version), text(ro.Offering), evidenceCell([]snapshot.Evidence{e})})
		}
	}
	pg.Tables = []*table{explain, components}
	return pg, nil
}

// explainStanding says a standing in words: the repo page's and explain's
// answer.
func explainStanding(st repoStanding) (status, why string, evidence cell) {
	switch st.status {
	case statusAdopted:
		return "adopted", "version " + st.adoption.Version, evidenceCell(st.adoption.Evidence)
	case statusIneligible:
		return "ineligible", "excluded by eligible: " + st.clause, cell{}
	case statusWaived:
		return "waived", st.waiver.Reason + " (until " + st.waiver.Expires + ")", cell{}
	case statusCandidate:
		return "not adopted", "no rule matched", cell{}
	}
	return "no data", "the repo could not be read and no earlier data is kept", cell{}
}

func searchPage(v *view, r *http.Request) (*page, error) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if len(q) > maxSearch {
		return nil, fmt.Errorf("q: longer than %d bytes", maxSearch)
	}
	pg := &page{Title: "Search", Search: q}
	if q == "" {
		pg.Notes = []string{"Type a repo, team, offering or component name (part of one is enough)."}
		return pg, nil
	}
	pg.Title = "Search: " + q
	lq := strings.ToLower(q)
	has := func(s string) bool { return strings.Contains(strings.ToLower(s), lq) }
	offerings := &table{ID: "offerings", Title: "Offerings", Empty: "None.", Cols: []column{{Key: "name", Label: "Offering"}, {Key: "owner", Label: "Owner"}}}
	for _, o := range v.s.Offerings {
		if has(o.Name) || has(o.Owner) {
			offerings.Rows = append(offerings.Rows, []cell{href(o.Name, offeringHref(o.Name)), text(o.Owner)})
		}
	}
	teams := &table{ID: "teams", Title: "Teams", Empty: "None.", Cols: []column{{Key: "name", Label: "Team"}, {Key: "repos", Label: "Repos", Num: true}}}
	for _, t := range v.s.Teams {
		if has(t.Name) {
			teams.Rows = append(teams.Rows, []cell{teamCell(t.Name), num(t.Repos)})
		}
	}
	repos := &table{ID: "repos", Title: "Repos", Empty: "None.", Cols: []column{{Key: "repo", Label: "Repo"}, {Key: "source", Label: "Source"}, {Key: "team", Label: "Team"}}}
	components := &table{ID: "components", Title: "Components", Empty: "None.", Cols: []column{{Key: "name", Label: "Component"},
		{Key: "kind", Label: "Kind"}, {Key: "repo", Label: "Repo"}, {Key: "offering", Label: "Offering"}}}
	for i := range v.s.Repos {
		rep := &v.s.Repos[i]
		if has(rep.Name) && len(repos.Rows) < maxSearchRows {
			repos.Rows = append(repos.Rows, []cell{repoCell(rep), text(rep.Source), teamCell(rep.Team)})
		}
		for _, ro := range rep.Offerings {
			for _, e := range ro.Evidence {
				if has(e.Name) && len(components.Rows) < maxSearchRows {
					components.Rows = append(components.Rows, []cell{text(e.Name), text(e.Kind), repoCell(rep), href(ro.Offering, offeringHref(ro.Offering))})
				}
			}
		}
	}
	if len(repos.Rows) == maxSearchRows || len(components.Rows) == maxSearchRows {
		pg.Notes = append(pg.Notes, fmt.Sprintf("Only the first %d matches of a table are shown: narrow the search.", maxSearchRows))
	}
	pg.Tables = []*table{offerings, teams, repos, components}
	return pg, nil
}
