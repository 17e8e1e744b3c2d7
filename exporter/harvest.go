package exporter

import (
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/uptake-dev/uptake/collector/snapshot"
)

var (
	harvestCandidateTeamsDesc = prometheus.NewDesc("uptake_harvest_candidate_teams",
		"Teams using a component no offering covers, for the top harvest.top candidates (internal components first, then by teams and repos); component is the detector's name of it."+fromScan, []string{"kind", "component"}, nil)
	harvestCandidateReposDesc = prometheus.NewDesc("uptake_harvest_candidate_repos",
		"Repos using a component no offering covers, for the top harvest.top candidates."+fromScanUnits, []string{"kind", "component"}, nil)
	harvestClusterReposDesc = prometheus.NewDesc("uptake_harvest_cluster_repos",
		"Repos holding a copy (identical or near, Jaccard >= 0.8 once normalised) of a CI, build or container file, for the top harvest.top clusters; cluster is the first 12 hex digits of the sha256 of the representative's normalised content."+fromScan, []string{"cluster"}, nil)
	harvestClusterInfoDesc = prometheus.NewDesc("uptake_harvest_cluster_info",
		"A copy-paste cluster's representative file: its path and kind (gitlab_ci, github_workflow, jenkinsfile, dockerfile, makefile, compose). Always 1.", []string{"cluster", "path", "kind"}, nil)
	offeringAlternativeReposDesc = prometheus.NewDesc("uptake_offering_alternative_repos",
		"Eligible repos of the team that do not adopt the offering and use one of its alternatives (as the offering's alternatives entry writes it) instead."+fromScanUnits, []string{"offering", "alternative", "team"}, nil)
)

// harvestDescs join allDescs: a family of its own file, as the features
// they serve.
var harvestDescs = []*prometheus.Desc{harvestCandidateTeamsDesc, harvestCandidateReposDesc, harvestClusterReposDesc,
	harvestClusterInfoDesc, offeringAlternativeReposDesc}

func init() { allDescs = append(allDescs, harvestDescs...) }

// collectHarvest emits the harvest gauges: candidates and clusters for the
// top harvest.top only, so their series are bounded whatever the estate
// holds; alternatives are bounded by the catalog and the teams.
func collectHarvest(ch chan<- prometheus.Metric, s *snapshot.Snapshot) {
	h := s.Harvest
	if h == nil {
		return
	}
	// Names and paths are a scanned file's bytes, not always UTF-8, which a
	// label value must be (else the whole scrape fails): made valid, two
	// names can become one label, emitted once for the first (largest).
	candidates := map[[2]string]bool{}
	for _, c := range h.Candidates {
		if len(candidates) >= h.Top {
			break
		}
		key := [2]string{c.Kind, labelValue(c.Name)}
		if candidates[key] {
			continue
		}
		candidates[key] = true
		gauge(ch, harvestCandidateTeamsDesc, float64(c.Teams), key[0], key[1])
		gauge(ch, harvestCandidateReposDesc, float64(c.Repos), key[0], key[1])
	}
	// An id repeats when one content is clustered as two kinds (or on a
	// 48-bit prefix collision): it is emitted once, for its first (largest)
	// cluster, because a duplicate series fails the whole scrape.
	seen := map[string]bool{}
	for _, c := range h.Clusters {
		if len(seen) >= h.Top {
			break
		}
		if seen[c.ID] {
			continue
		}
		seen[c.ID] = true
		gauge(ch, harvestClusterReposDesc, float64(c.Repos), c.ID)
		gauge(ch, harvestClusterInfoDesc, 1, c.ID, labelValue(c.Path), c.Kind)
	}
	for _, a := range h.Alternatives {
		gauge(ch, offeringAlternativeReposDesc, float64(len(a.Repos)), a.Offering, a.Alternative, a.Team)
	}
}

// labelValue is s as a label value: invalid UTF-8 replaced.
func labelValue(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }

// errNoHarvest is the answer of a process whose config asks for no harvest
// findings.
const errNoHarvest = errNotFound("harvest mode is off: the config has no harvest section and no offering lists alternatives (uptake discover scans in harvest mode itself)")

// registerHarvest serves /api/v1/harvest: the snapshot's harvest findings.
func (p *pages) registerHarvest(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/harvest", p.api(nil, func(v *view, _ *http.Request) (any, error) {
		if v.s.Harvest == nil {
			return nil, errNoHarvest
		}
		return v.s.Harvest, nil
	}))
}

// HarvestAnswer is /api/v1/harvest's answer: the harvest findings and,
// for a shard, which (its findings are that shard's repos' only).
type HarvestAnswer struct {
	Shard string            `json:"shard,omitempty"`
	Data  *snapshot.Harvest `json:"data"`
}

// WriteHarvestCSV writes the three harvest lists as one CSV, a row per
// candidate, cluster member and alternative use, told apart by list.
func WriteHarvestCSV(w io.Writer, h *snapshot.Harvest) error {
	cw := safeCSV{csv.NewWriter(w)}
	_ = cw.Write([]string{"list", "rank", "kind", "name", "internal", "built_by", "teams", "repos", "versions", "source", "repo", "team", "path", "line", "similarity", "url"})
	for i, c := range h.Candidates {
		var ev snapshot.RepoEvidence
		if len(c.Evidence) > 0 {
			ev = c.Evidence[0]
		}
		_ = cw.Write([]string{"candidate", strconv.Itoa(i + 1), c.Kind, c.Name, strconv.FormatBool(c.Internal), c.BuiltBy,
			strconv.Itoa(c.Teams), strconv.Itoa(c.Repos), VersionList(c.Versions), ev.Source, ev.Repo, ev.Team, ev.Path, lineOf(ev.Line), "", ev.URL})
	}
	for i, c := range h.Clusters {
		for _, m := range c.Members {
			_ = cw.Write([]string{"cluster", strconv.Itoa(i + 1), c.Kind, c.ID, "", "", strconv.Itoa(c.Teams), strconv.Itoa(c.Repos), "",
				m.Source, m.Repo, m.Team, m.Path, "", strconv.FormatFloat(m.Similarity, 'f', 2, 64), m.URL})
		}
	}
	for _, a := range h.Alternatives {
		for _, r := range a.Repos {
			_ = cw.Write([]string{"alternative", "", r.Kind, a.Offering + " ← " + a.Alternative, "", "", "", strconv.Itoa(len(a.Repos)), r.Version,
				r.Source, r.Repo, a.Team, r.Path, lineOf(r.Line), "", r.URL})
		}
	}
	cw.Flush()
	return cw.Error()
}

// safeCSV writes every field spreadsheet-safe: the names, paths and URLs
// come from scanned repos (the numbers never start with a formula sign).
type safeCSV struct{ *csv.Writer }

func (w safeCSV) Write(rec []string) error {
	out := make([]string, len(rec))
	for i, f := range rec {
		out[i] = spreadsheetSafe(f)
	}
	return w.Writer.Write(out)
}

// VersionList writes versions in use as "v1.2.0 (3), v1.1.0 (1)".
func VersionList(vs []snapshot.VersionCount) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = fmt.Sprintf("%s (%d)", v.Version, v.Repos)
	}
	return strings.Join(parts, ", ")
}

func lineOf(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}
