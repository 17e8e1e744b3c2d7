package exporter

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/uptake-dev/uptake/collector/snapshot"
)

// The API v1 answers the pages' questions as JSON, from the same view.

// apiEnvelope is every v1 answer's frame: the scan's time, and the shard
// when the process scans one.
type apiEnvelope struct {
	Time  time.Time `json:"time"`
	Shard string    `json:"shard,omitempty"`
	Data  any       `json:"data"`
}

type apiOffering struct {
	snapshot.OfferingReport
	Ratio          *float64 `json:"ratio"`
	Waived         int      `json:"waived"`
	Outdated       int      `json:"outdated"`
	UnknownVersion int      `json:"unknown_version"`
}

type apiRepoRef struct {
	Source string `json:"source"`
	Name   string `json:"name"`
	Team   string `json:"team"`
}

type apiAdopter struct {
	apiRepoRef
	Version  string              `json:"version"`
	Evidence []snapshot.Evidence `json:"evidence"`
}

type apiWaived struct {
	apiRepoRef
	Reason  string `json:"reason"`
	Expires string `json:"expires"`
}

type apiIneligible struct {
	apiRepoRef
	Clause string `json:"clause"`
}

type apiOfferingDetail struct {
	Offering apiOffering     `json:"offering"`
	Teams    []snapshot.Cell `json:"teams"`
	Adopters []apiAdopter    `json:"adopters"`
	// Candidates are the eligible repos that do not adopt and are not waived.
	Candidates []apiRepoRef    `json:"candidates"`
	Waived     []apiWaived     `json:"waived"`
	Ineligible []apiIneligible `json:"ineligible"`
}

type apiTeam struct {
	Team  snapshot.TeamReport   `json:"team"`
	Cells []snapshot.Cell       `json:"cells"`
	Repos []snapshot.RepoReport `json:"repos"`
}

// Explanation is where a repo stands with one offering and why: the repo
// page's, the API's and `uptake explain`'s answer.
type Explanation struct {
	Offering string              `json:"offering"`
	Status   string              `json:"status"`
	Why      string              `json:"why"`
	Version  string              `json:"version,omitempty"`
	Evidence []snapshot.Evidence `json:"evidence,omitempty"`
}

// RepoAnswer is /api/v1/repos/{source}/{name}'s data.
type RepoAnswer struct {
	Repo    snapshot.RepoReport `json:"repo"`
	Explain []Explanation       `json:"explain"`
	// Inventory is every component the scan found (of the kinds the
	// catalog's rules use), when serve has it.
	Inventory []snapshot.Evidence `json:"inventory,omitempty"`
}

func (p *pages) registerAPI(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/offerings", p.api(nil, func(v *view, _ *http.Request) (any, error) {
		out := make([]apiOffering, 0, len(v.s.Offerings))
		for _, o := range v.s.Offerings {
			out = append(out, v.offering(o))
		}
		return out, nil
	}))
	mux.HandleFunc("GET /api/v1/offerings/{name}", p.api(nil, apiOfferingAnswer))
	mux.HandleFunc("GET /api/v1/teams/{name}", p.api(nil, apiTeamAnswer))
	mux.HandleFunc("GET /api/v1/repos", p.api([]string{"offering", "team", "adopted", "repo"}, apiReposAnswer))
	mux.HandleFunc("GET /api/v1/repos/{source}/{name}", p.api(nil, apiRepoAnswer))
	p.registerHarvest(mux)
	mux.HandleFunc("GET /api/v1/campaigns", p.api(nil, apiCampaignsAnswer))
	mux.HandleFunc("GET /api/v1/campaigns/{name}", p.api(nil, apiCampaignAnswer))
}

// api answers JSON; a parameter other than pretty and those allowed is
// refused, so a misspelt filter never silently answers everything.
func (p *pages) api(allowed []string, answer func(*view, *http.Request) (any, error)) http.HandlerFunc {
	allowed = append(allowed, "pretty")
	return func(w http.ResponseWriter, r *http.Request) {
		s := p.current()
		if s == nil {
			http.Error(w, "No scan has completed yet.", http.StatusServiceUnavailable)
			return
		}
		q := r.URL.Query()
		for k := range q {
			if !slices.Contains(allowed, k) {
				http.Error(w, fmt.Sprintf("unknown parameter %q (known: %s)", k, strings.Join(allowed, ", ")), http.StatusBadRequest)
				return
			}
		}
		data, err := answer(p.viewOf(s), r)
		if err != nil {
			code := http.StatusBadRequest
			if _, ok := err.(errNotFound); ok {
				code = http.StatusNotFound
			}
			http.Error(w, err.Error(), code)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		enc := json.NewEncoder(w)
		if q.Get("pretty") == "1" || q.Get("pretty") == "true" {
			enc.SetIndent("", "  ")
		}
		_ = enc.Encode(apiEnvelope{Time: s.Time, Shard: p.shard, Data: data})
	}
}

// offering adds the org-wide ratio, waived and drift counts to a report.
func (v *view) offering(o snapshot.OfferingReport) apiOffering {
	a := apiOffering{OfferingReport: o, Ratio: share(o.Adopted, o.Eligible)}
	for _, c := range v.cells[o.Name] {
		a.Waived += c.Waived
		a.Outdated += c.Outdated
		a.UnknownVersion += c.UnknownVersion
	}
	return a
}

func ref(r *snapshot.RepoReport) apiRepoRef {
	return apiRepoRef{Source: r.Source, Name: r.Name, Team: r.Team}
}

func apiOfferingAnswer(v *view, r *http.Request) (any, error) {
	name := r.PathValue("name")
	i, ok := v.offerings[name]
	if !ok {
		return nil, errNotFound(fmt.Sprintf("no offering %q in the catalog", name))
	}
	out := apiOfferingDetail{Offering: v.offering(v.s.Offerings[i]), Teams: v.cells[name], Adopters: []apiAdopter{},
		Candidates: []apiRepoRef{}, Waived: []apiWaived{}, Ineligible: []apiIneligible{}}
	for j := range v.s.Repos {
		rep := &v.s.Repos[j]
		switch st := standing(rep, name); st.status {
		case statusAdopted:
			out.Adopters = append(out.Adopters, apiAdopter{apiRepoRef: ref(rep), Version: st.adoption.Version, Evidence: st.adoption.Evidence})
		case statusCandidate:
			out.Candidates = append(out.Candidates, ref(rep))
		case statusWaived:
			out.Waived = append(out.Waived, apiWaived{apiRepoRef: ref(rep), Reason: st.waiver.Reason, Expires: st.waiver.Expires})
		case statusIneligible:
			out.Ineligible = append(out.Ineligible, apiIneligible{apiRepoRef: ref(rep), Clause: st.clause})
		}
	}
	return out, nil
}

func apiTeamAnswer(v *view, r *http.Request) (any, error) {
	name := r.PathValue("name")
	i, ok := v.teams[name]
	if !ok {
		return nil, errNotFound(fmt.Sprintf("no team %q has a repo", name))
	}
	out := apiTeam{Team: v.s.Teams[i], Cells: []snapshot.Cell{}, Repos: []snapshot.RepoReport{}}
	for _, c := range v.s.Summary {
		if c.Team == name {
			out.Cells = append(out.Cells, c)
		}
	}
	for _, rep := range v.s.Repos {
		if rep.Team == name {
			out.Repos = append(out.Repos, rep)
		}
	}
	return out, nil
}

// apiReposAnswer filters repos by offering, team, repo glob and adoption:
// adopted=false (with an offering) are the eligible repos that do not adopt
// and are not waived, the customer-discovery list.
func apiReposAnswer(v *view, r *http.Request) (any, error) {
	q := r.URL.Query()
	offering, team, glob := q.Get("offering"), q.Get("team"), q.Get("repo")
	if _, ok := v.offerings[offering]; offering != "" && !ok {
		return nil, fmt.Errorf("offering: no offering %q in the catalog", offering)
	}
	if len(team) > maxPatternLength {
		return nil, fmt.Errorf("team: longer than %d bytes", maxPatternLength)
	}
	if glob != "" {
		if err := checkPattern(glob); err != nil {
			return nil, fmt.Errorf("repo: %w", err)
		}
	}
	want := -1
	switch a := q.Get("adopted"); a {
	case "":
	case "true":
		want = statusAdopted
	case "false":
		want = statusCandidate
	default:
		return nil, fmt.Errorf("adopted: %q is not true or false", a)
	}
	if want >= 0 && offering == "" {
		return nil, fmt.Errorf("adopted: needs offering=NAME")
	}
	out := []snapshot.RepoReport{}
	for i := range v.s.Repos {
		rep := &v.s.Repos[i]
		if (team != "" && rep.Team != team) || (glob != "" && !matchRepo(glob, rep.Name)) {
			continue
		}
		if want >= 0 && standing(rep, offering).status != want {
			continue
		}
		out = append(out, *rep)
	}
	return out, nil
}

func apiRepoAnswer(v *view, r *http.Request) (any, error) {
	src, name := r.PathValue("source"), r.PathValue("name")
	i, ok := v.repos[repoKey{src, name}]
	if !ok {
		return nil, errNotFound(fmt.Sprintf("no repo %q in source %q", name, src))
	}
	ans := RepoAnswer{Repo: v.s.Repos[i], Explain: Explain(v.s, &v.s.Repos[i])}
	if v.inventory != nil {
		ans.Inventory, _ = v.inventory.Inventory(src, name)
	}
	return ans, nil
}

// Explain computes, from the snapshot alone, where the repo stands with
// each offering: adopted (version, evidence), ineligible (the clause),
// waived (reason, expiry), not adopted (no rule matched) or no data.
func Explain(s *snapshot.Snapshot, rep *snapshot.RepoReport) []Explanation {
	out := make([]Explanation, 0, len(s.Offerings))
	for _, o := range s.Offerings {
		st := standing(rep, o.Name)
		status, why, _ := explainStanding(st)
		e := Explanation{Offering: o.Name, Status: status, Why: why}
		if st.adoption != nil {
			e.Version, e.Evidence = st.adoption.Version, st.adoption.Evidence
		}
		out = append(out, e)
	}
	return out
}
