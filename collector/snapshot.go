package collector

import (
	"sort"
	"time"

	"go.uber.org/zap"

	"github.com/uptake-dev/uptake/collector/match"
	"github.com/uptake-dev/uptake/collector/teams"
	"github.com/uptake-dev/uptake/collector/version"
	"github.com/uptake-dev/uptake/config"
)

// Snapshot is one complete, evaluated scan. It is never modified after
// Build returns: scrapes and pages read it concurrently.
type Snapshot struct {
	// Time is when the scan behind it completed.
	Time      time.Time        `json:"time"`
	Repos     []RepoReport     `json:"repos"`
	Summary   []Cell           `json:"summary"`
	Offerings []OfferingReport `json:"offerings"`
	Teams     []TeamReport     `json:"teams"`
	Sources   []SourceScan     `json:"sources"`
	// Currency is the ROI currency; ROI is set when any offering has roi.
	Currency string `json:"currency,omitempty"`
	ROI      bool   `json:"-"`
}

// RepoReport is one repo and what it adopts: the answer to "why is team X
// (not) counted?".
type RepoReport struct {
	Source     string         `json:"source"`
	Name       string         `json:"name"`
	Team       string         `json:"team"`
	TeamVia    string         `json:"team_via"`
	Head       string         `json:"head,omitempty"`
	Empty      bool           `json:"empty,omitempty"`
	Stale      bool           `json:"stale,omitempty"`
	Error      string         `json:"error,omitempty"`
	Cached     bool           `json:"cached"`
	Languages  []string       `json:"languages,omitempty"`
	Offerings  []RepoOffering `json:"offerings"`
	Waived     []RepoWaiver   `json:"waived,omitempty"`
	Ineligible []string       `json:"ineligible,omitempty"`
	FileErrors int            `json:"file_errors,omitempty"`
}

// RepoOffering is an offering a repo adopts.
type RepoOffering struct {
	Offering string     `json:"offering"`
	Version  string     `json:"version"`
	Evidence []Evidence `json:"evidence"`
}

// Evidence locates a detection.
type Evidence struct {
	Path string `json:"path"`
	Line int    `json:"line"`
	URL  string `json:"url,omitempty"`
	Kind string `json:"kind"`
	Name string `json:"name"`
	// Version is as the file writes it.
	Version string `json:"version,omitempty"`
}

// RepoWaiver is a waiver in force for a repo that does not adopt.
type RepoWaiver struct {
	Offering string `json:"offering"`
	Reason   string `json:"reason"`
	Expires  string `json:"expires"`
}

// Cell is one offering × team: every pair exists, zeros included.
type Cell struct {
	Offering string `json:"offering"`
	Team     string `json:"team"`
	Adopted  int    `json:"adopted"`
	// Total is the denominator: eligible repos (all team repos unless the
	// offering narrows eligibility or repos are waived).
	Total     int `json:"total"`
	TeamRepos int `json:"team_repos"`
	Waived    int `json:"waived"`
	// Ratio is Adopted/Total; nil when Total is 0.
	Ratio          *float64 `json:"ratio"`
	Outdated       int      `json:"outdated"`
	OutdatedMajor  int      `json:"outdated_major"`
	UnknownVersion int      `json:"unknown_version"`
	// ROI figures, per month; set only for offerings with roi.
	HoursSaved          float64 `json:"hours_saved_per_month,omitempty"`
	Value               float64 `json:"value_per_month,omitempty"`
	OnboardingRemaining float64 `json:"onboarding_hours_remaining,omitempty"`
}

// OfferingReport is the offering-level view.
type OfferingReport struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Owner       string `json:"owner"`
	Lifecycle   string `json:"lifecycle"`
	// Latest is the resolved latest version ("auto" resolved), "" when unset.
	Latest   string         `json:"latest,omitempty"`
	Adopted  int            `json:"adopted"`
	Eligible int            `json:"eligible"`
	Versions []VersionCount `json:"versions"`
	Target   *TargetReport  `json:"target,omitempty"`
	ROI      *ROIReport     `json:"roi,omitempty"`
}

// VersionCount is how many repos use one version bucket.
type VersionCount struct {
	Version string `json:"version"`
	Repos   int    `json:"repos"`
}

// TargetReport is an offering's adoption target.
type TargetReport struct {
	Ratio    float64   `json:"ratio"`
	Deadline time.Time `json:"deadline"`
}

// ROIReport is an offering's ROI.
type ROIReport struct {
	CostPerMonth  float64 `json:"cost_per_month"`
	ValuePerMonth float64 `json:"value_per_month"`
	HoursPerMonth float64 `json:"hours_saved_per_month"`
	// Ratio is (value − cost) / cost; nil when cost is 0.
	Ratio *float64 `json:"roi_ratio"`
}

// TeamReport is one team with at least one repo.
type TeamReport struct {
	Name  string `json:"name"`
	Repos int    `json:"repos"`
}

// OtherVersion and the newest-N rule keep the version label bounded.
const OtherVersion = "other"

// Build evaluates a scan result against the catalog. It reads no repo:
// a reload that changes offerings, teams or ROI calls it again on the last
// result.
func Build(cfg *config.Config, cat *match.Catalog, res *Result, now time.Time, log *zap.Logger) *Snapshot {
	if log == nil {
		log = zap.NewNop()
	}
	attr := teams.New(cfg.Teams)
	snap := &Snapshot{Time: res.Time, Sources: res.Sources, Currency: cfg.ROI.Currency}

	type repoEval struct {
		team     string
		adoption map[string]match.Adoption
		eligible map[string]bool
		waived   map[string]bool
	}
	var evals []repoEval
	teamRepos := map[string]int{}
	for _, r := range res.Repos {
		if r.Err != "" && !r.Stale {
			// No data: reported with its error, counted nowhere.
			snap.Repos = append(snap.Repos, RepoReport{Source: r.Repo.Source, Name: r.Repo.Name, Error: r.Err, Offerings: []RepoOffering{}})
			continue
		}
		team, via := attr.Team(r.Repo, r.Inventory.Owners)
		teamRepos[team]++
		ad := cat.Evaluate(r.Inventory.Components)
		ev := repoEval{team: team, adoption: ad, eligible: map[string]bool{}, waived: map[string]bool{}}
		rep := RepoReport{Source: r.Repo.Source, Name: r.Repo.Name, Team: team, TeamVia: via, Head: r.Head,
			Empty: r.Inventory.Empty, Stale: r.Stale, Error: r.Err, Cached: r.Cached,
			Languages: r.Inventory.Languages, FileErrors: r.Inventory.FileErrors, Offerings: []RepoOffering{}}
		facts := match.Facts{Repo: r.Repo, Team: team, Languages: r.Inventory.Languages, Components: r.Inventory.Components}
		for _, o := range cat.Offerings {
			a, adopted := ad[o.Name]
			if adopted {
				ro := RepoOffering{Offering: o.Name, Version: a.Version}
				for _, c := range a.Evidence {
					ro.Evidence = append(ro.Evidence, Evidence{Path: c.Path, Line: c.Line, URL: c.URL, Kind: c.Kind, Name: c.Name, Version: c.Version})
				}
				rep.Offerings = append(rep.Offerings, ro)
				ev.eligible[o.Name] = true
				continue
			}
			if !o.EligibleByRules(facts) {
				rep.Ineligible = append(rep.Ineligible, o.Name)
				continue
			}
			if w := o.Waiver(r.Repo, now); w != nil {
				ev.waived[o.Name] = true
				rep.Waived = append(rep.Waived, RepoWaiver{Offering: o.Name, Reason: w.Reason, Expires: w.Expires})
				continue
			}
			ev.eligible[o.Name] = true
		}
		evals = append(evals, ev)
		snap.Repos = append(snap.Repos, rep)
	}
	for _, o := range cat.Offerings {
		for _, w := range o.Waivers {
			if !now.Before(w.ExpiresAt) {
				log.Info("waiver expired; the repo counts as eligible again", zap.String("offering", o.Name),
					zap.String("repo", w.Repo), zap.String("expires", w.Expires))
			}
		}
	}

	sort.SliceStable(snap.Repos, func(i, j int) bool {
		a, b := snap.Repos[i], snap.Repos[j]
		if a.Source != b.Source {
			return a.Source < b.Source
		}
		return a.Name < b.Name
	})
	for t, n := range teamRepos {
		snap.Teams = append(snap.Teams, TeamReport{Name: t, Repos: n})
	}
	sort.Slice(snap.Teams, func(i, j int) bool { return snap.Teams[i].Name < snap.Teams[j].Name })

	for _, o := range cat.Offerings {
		latest := o.Latest
		if latest == "auto" {
			latest = ""
			for _, ev := range evals {
				if a, ok := ev.adoption[o.Name]; ok && version.Known(a.Version) && (latest == "" || version.Compare(a.Version, latest) > 0) {
					latest = a.Version
				}
			}
		}
		latestMajor, latestKnown := version.Major(latest)
		rep := OfferingReport{Name: o.Name, Description: o.Description, Owner: o.Owner, Lifecycle: o.Lifecycle, Latest: latest}
		cells := map[string]*Cell{}
		for _, t := range snap.Teams {
			cells[t.Name] = &Cell{Offering: o.Name, Team: t.Name, TeamRepos: t.Repos}
		}
		versions := map[string]int{}
		for _, ev := range evals {
			c := cells[ev.team]
			if ev.eligible[o.Name] {
				c.Total++
			}
			if ev.waived[o.Name] {
				c.Waived++
			}
			a, adopted := ev.adoption[o.Name]
			if !adopted {
				continue
			}
			c.Adopted++
			versions[a.Version]++
			if !version.Known(a.Version) {
				c.UnknownVersion++
				continue
			}
			if latestKnown && version.Compare(a.Version, latest) < 0 {
				c.Outdated++
				if m, _ := version.Major(a.Version); m < latestMajor {
					c.OutdatedMajor++
				}
			}
		}
		rep.Versions = bucketVersions(versions, cfg.Exporter.MaxVersions)
		if t := o.Target; t != nil {
			rep.Target = &TargetReport{Ratio: t.Ratio, Deadline: t.Deadline}
		}
		var hours, value float64
		for _, t := range snap.Teams {
			c := cells[t.Name]
			if c.Total > 0 {
				r := float64(c.Adopted) / float64(c.Total)
				c.Ratio = &r
			}
			if roi := o.ROI; roi != nil {
				c.HoursSaved = float64(c.Adopted) * roi.HoursSavedPerRepoMonth
				if c.Adopted > 0 {
					c.HoursSaved += roi.HoursSavedPerTeamMonth
				}
				c.Value = c.HoursSaved * cfg.ROI.HourlyRate
				c.OnboardingRemaining = float64(c.Total-c.Adopted) * roi.OnboardingHoursPerRepo
				hours += c.HoursSaved
				value += c.Value
			}
			rep.Adopted += c.Adopted
			rep.Eligible += c.Total
			snap.Summary = append(snap.Summary, *c)
		}
		if roi := o.ROI; roi != nil {
			snap.ROI = true
			rep.ROI = &ROIReport{CostPerMonth: roi.CostPerMonth, ValuePerMonth: value, HoursPerMonth: hours}
			if roi.CostPerMonth > 0 {
				r := (value - roi.CostPerMonth) / roi.CostPerMonth
				rep.ROI.Ratio = &r
			}
		}
		snap.Offerings = append(snap.Offerings, rep)
	}
	return snap
}

// bucketVersions keeps the newest n known versions, sums older ones into
// "other" and keeps "unknown" apart, so the label stays bounded.
func bucketVersions(counts map[string]int, n int) []VersionCount {
	var known []string
	out := []VersionCount{}
	for v := range counts {
		if version.Known(v) {
			known = append(known, v)
		}
	}
	sort.Slice(known, func(i, j int) bool {
		if c := version.Compare(known[i], known[j]); c != 0 {
			return c > 0
		}
		return known[i] < known[j]
	})
	other := 0
	for i, v := range known {
		if i < n {
			out = append(out, VersionCount{Version: v, Repos: counts[v]})
		} else {
			other += counts[v]
		}
	}
	if other > 0 {
		out = append(out, VersionCount{Version: OtherVersion, Repos: other})
	}
	if u := counts[version.Unknown]; u > 0 {
		out = append(out, VersionCount{Version: version.Unknown, Repos: u})
	}
	return out
}
