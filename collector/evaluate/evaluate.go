// Package evaluate turns a scan's inventories into the immutable Snapshot:
// each repo evaluated against the catalog and attributed to a team, then
// tallied per offering × team with drift, version buckets and ROI. It reads
// no repo, so a reload that changes only offerings, teams or ROI builds a
// new snapshot from the last scan.
package evaluate

import (
	"sort"
	"time"

	"go.uber.org/zap"

	"github.com/uptake-dev/uptake/collector/detect"
	"github.com/uptake-dev/uptake/collector/harvest"
	"github.com/uptake-dev/uptake/collector/inventory"
	"github.com/uptake-dev/uptake/collector/match"
	"github.com/uptake-dev/uptake/collector/snapshot"
	"github.com/uptake-dev/uptake/collector/source"
	"github.com/uptake-dev/uptake/collector/teams"
	"github.com/uptake-dev/uptake/collector/version"
	"github.com/uptake-dev/uptake/config"
)

// RepoScan is one repo's outcome in a scan.
type RepoScan struct {
	Repo source.Repo `json:"repo"`
	Head string      `json:"head"`
	// HeadTime is the HEAD commit's time; zero when unknown (a cache
	// entry written before it was kept, a host that did not say).
	HeadTime  time.Time           `json:"head_time,omitzero"`
	Inventory inventory.Inventory `json:"inventory"`
	// ResultTime is when a scan last read or confirmed this data (its HEAD
	// unchanged); a stale repo keeps the time of its last good scan.
	ResultTime time.Time `json:"result_time"`
	// Cached marks a repo served from the scan cache without reading files.
	Cached bool `json:"-"`
	// Stale marks last good data kept because this scan failed for the repo.
	Stale bool `json:"-"`
	// Err is why this scan failed for the repo ("" when it did not). A repo
	// with Err and not Stale has no data: it is reported, never counted.
	Err string `json:"-"`
	// Deferred marks a repo this scan left for the next one, its host's
	// rate budget spent: not an error; Stale when it has last good data,
	// else, never read yet, reported and not counted.
	Deferred bool `json:"-"`
}

// Counted reports whether the repo has data to count: it was read, or its
// last good data stands in for a failed or deferred read.
func (r RepoScan) Counted() bool { return r.Stale || (r.Err == "" && !r.Deferred) }

// Result is a complete scan: every source, every repo.
type Result struct {
	Repos    []RepoScan
	Sources  []snapshot.SourceScan
	RuleHash string
	// Readers are the plan's readers (detectors, probe kinds, CODEOWNERS)
	// whose file errors are reported, zeros included.
	Readers []string
	Time    time.Time
	// Restored marks the last complete scan read back from the store at
	// start, published until the first new scan ends.
	Restored bool
}

// repoEval is one counted repo's standing with every offering.
type repoEval struct {
	source, name string
	team         string
	headTime     time.Time
	attr         teams.Attribution
	adoption     map[string]match.Adoption
	status       map[string]match.Status
	// components are the repo's (unit's), for harvest.
	components []detect.Component
}

// Build evaluates a scan result against the catalog at time now (waivers
// expire by it).
func Build(cfg *config.Config, cat *match.Catalog, res *Result, now time.Time, log *zap.Logger) *snapshot.Snapshot {
	if log == nil {
		log = zap.NewNop()
	}
	logExpiredWaivers(cat, now, log)
	return BuildWith(cfg, cat, res, now, nil)
}

// Memo keeps each repo's last evaluation across the Builds of results
// that share repo scans, as a backfill's steps do: a repo at the head
// evaluated before, with the same waivers expired, is not evaluated
// again. One memo serves one config and catalog, and results whose repo
// scans are equal for equal heads.
type Memo struct {
	repos map[[2]string]memoEntry
}

// memoEntry is one repo's evaluation: a report and standing per unit.
type memoEntry struct {
	head    string
	expired int
	evs     []repoEval
	reps    []snapshot.RepoReport
}

// NewMemo returns an empty memo.
func NewMemo() *Memo { return &Memo{repos: map[[2]string]memoEntry{}} }

func (m *Memo) get(key [2]string) (memoEntry, bool) {
	if m == nil {
		return memoEntry{}, false
	}
	e, ok := m.repos[key]
	return e, ok
}

// BuildWith is Build reusing memo's evaluations (nil evaluates every
// repo), without logging.
func BuildWith(cfg *config.Config, cat *match.Catalog, res *Result, now time.Time, memo *Memo) *snapshot.Snapshot {
	attr := teams.New(cfg.Teams)
	snap := &snapshot.Snapshot{Time: res.Time, Restored: res.Restored, Sources: sourceReports(res), Currency: cfg.ROI.Currency}
	expired := 0
	if memo != nil {
		// Waivers are all a repo's standing depends on besides its scan
		// and the config: the count of those expired tells two times apart.
		for _, o := range cat.Offerings {
			expired += len(o.ExpiredWaivers(now))
		}
	}
	var evals []repoEval
	var harvested []harvest.Repo
	harvesting := harvest.Wanted(cfg)
	units := map[string]int{}
	pending := 0
	for _, r := range res.Repos {
		if r.Err != "" || r.Deferred {
			pending++
		}
		if !r.Counted() {
			snap.Repos = append(snap.Repos, uncounted(r))
			continue
		}
		key := [2]string{r.Repo.Source, r.Repo.Name}
		e, ok := memo.get(key)
		if !ok || e.head != r.Head || e.expired != expired {
			e = memoEntry{head: r.Head, expired: expired}
			e.evs, e.reps = evaluateUnits(cfg, cat, attr, r, now)
			if memo != nil {
				memo.repos[key] = e
			}
		}
		snap.Repos, evals = append(snap.Repos, e.reps...), append(evals, e.evs...)
		if harvesting {
			harvested = harvestRepos(harvested, r, e.evs)
		}
		units[r.Repo.Source] += len(e.reps)
	}
	for i := range snap.Sources {
		snap.Sources[i].Units = units[snap.Sources[i].Name]
	}
	sort.SliceStable(snap.Repos, func(i, j int) bool {
		a, b := snap.Repos[i], snap.Repos[j]
		if a.Source != b.Source {
			return a.Source < b.Source
		}
		return a.Name < b.Name
	})
	snap.Teams = teamReports(evals)
	snap.Attribution = attributionCounts(cfg.Teams.From, evals)
	snap.Unattributed = unattributed(snap.Repos, evals)
	for _, o := range cat.Offerings {
		latest := resolveLatest(o, evals)
		cells, versions := tallyCells(o.Name, latest, snap.Teams, evals)
		rep := snapshot.OfferingReport{Name: o.Name, Description: o.Description, Owner: o.Owner, Lifecycle: o.Lifecycle, ReplacedBy: o.ReplacedBy,
			Latest: latest, Versions: bucketVersions(versions, cfg.Exporter.MaxVersions), Rules: ruleReports(o, evals)}
		if t := o.Target; t != nil {
			rep.Target = &snapshot.TargetReport{Ratio: t.Ratio, Deadline: t.Deadline}
		}
		if o.ROI != nil {
			snap.ROI = true
			rep.ROI = applyROI(o.ROI, cfg.ROI.HourlyRate, cells)
		}
		for _, c := range cells {
			rep.Adopted += c.Adopted
			rep.Eligible += c.Total
		}
		snap.Summary = append(snap.Summary, cells...)
		snap.Offerings = append(snap.Offerings, rep)
	}
	snap.Harvest = harvest.Analyse(cfg, cat, harvested)
	if snap.Harvest != nil {
		snap.Harvest.Pending = pending
	}
	snap.Campaigns = campaignReports(cfg, cat, evals, now)
	return snap
}

// evaluateUnits evaluates one counted repo: the repo, or with scan.units
// project each of its units.
func evaluateUnits(cfg *config.Config, cat *match.Catalog, attr *teams.Attributor, r RepoScan, now time.Time) ([]repoEval, []snapshot.RepoReport) {
	at := attr.Team(r.Repo, ownersOf(r.Inventory))
	if cfg.Scan.Units != config.UnitsProject || r.Inventory.Units == nil {
		ev, rep := evaluateRepo(cat, at, r, now)
		return []repoEval{ev}, []snapshot.RepoReport{rep}
	}
	var evs []repoEval
	var reps []snapshot.RepoReport
	for _, u := range splitUnits(r, cfg.Scan.RepoWideFiles == "every_unit") {
		ev, rep := evaluateRepo(cat, attr.UnitTeam(at, u.owners), u.scan, now)
		evs, reps = append(evs, ev), append(reps, rep)
	}
	return evs, reps
}

// uncounted reports a repo without data (failed or deferred, nothing
// kept) with its error and no team: it is counted nowhere.
func uncounted(r RepoScan) snapshot.RepoReport {
	return snapshot.RepoReport{Source: r.Repo.Source, Name: r.Repo.Name, Error: r.Err, Deferred: r.Deferred, Offerings: []snapshot.RepoOffering{}}
}

// ownersOf is what attribution reads of an inventory: a file that was
// there and could not be used is said so, not taken for "no owner".
func ownersOf(inv inventory.Inventory) teams.Owners {
	return teams.Owners{Codeowners: inv.Owners, CodeownersAt: inv.OwnersAt, Catalog: inv.CatalogOwner,
		CodeownersSkipped: inv.ReaderErrors[inventory.CodeownersReader] > 0,
		CatalogSkipped:    inv.ReaderErrors[inventory.BackstageReader] > 0}
}

// evaluateRepo reports one counted repo (or unit) attributed at: its team,
// what it adopts with evidence, and where it is waived or ineligible.
func evaluateRepo(cat *match.Catalog, at teams.Attribution, r RepoScan, now time.Time) (repoEval, snapshot.RepoReport) {
	team := at.Team
	ev := repoEval{source: r.Repo.Source, name: r.Repo.Name, team: team, headTime: r.HeadTime, attr: at, adoption: cat.Evaluate(r.Inventory.Components), status: map[string]match.Status{},
		components: r.Inventory.Components}
	rep := snapshot.RepoReport{Source: r.Repo.Source, Name: r.Repo.Name, Team: team, TeamVia: at.Via, TeamBecause: at.Because, TeamPlaceholders: at.Placeholders, Head: r.Head, HeadTime: r.HeadTime,
		Empty: r.Inventory.Empty, Stale: r.Stale, Deferred: r.Deferred, Error: r.Err, Cached: r.Cached, ResultTime: r.ResultTime,
		Languages: r.Inventory.Languages, FileErrors: r.Inventory.FileErrors, FileErrorList: fileErrorList(r.Inventory.FileErrorList),
		// Sized once: reports are kept for every repo as long as the snapshot.
		Offerings: make([]snapshot.RepoOffering, 0, len(ev.adoption))}
	facts := match.Facts{Repo: r.Repo, Team: team, Languages: r.Inventory.Languages, Components: r.Inventory.Components}
	for _, o := range cat.Offerings {
		a, adopted := ev.adoption[o.Name]
		status, waiver, clause := o.Status(facts, adopted, now)
		ev.status[o.Name] = status
		switch status {
		case match.Adopted:
			rep.Offerings = append(rep.Offerings, repoOffering(o.Name, a))
		case match.Ineligible:
			rep.Ineligible = append(rep.Ineligible, o.Name)
			rep.IneligibleReasons = append(rep.IneligibleReasons, snapshot.IneligibleReason{Offering: o.Name, Clause: clause})
		case match.Waived:
			rep.Waived = append(rep.Waived, snapshot.RepoWaiver{Offering: o.Name, Reason: waiver.Reason, Expires: waiver.Expires})
		}
	}
	return ev, rep
}

// fileErrorList copies an inventory's skipped files; nil for the usual
// repo without any, so a large estate allocates nothing for them.
func fileErrorList(list []inventory.FileError) []snapshot.FileError {
	if len(list) == 0 {
		return nil
	}
	out := make([]snapshot.FileError, len(list))
	for i, e := range list {
		out[i] = snapshot.FileError(e)
	}
	return out
}

func repoOffering(name string, a match.Adoption) snapshot.RepoOffering {
	ro := snapshot.RepoOffering{Offering: name, Version: a.Version, Evidence: make([]snapshot.Evidence, 0, len(a.Evidence))}
	for _, c := range a.Evidence {
		ro.Evidence = append(ro.Evidence, EvidenceOf(c))
	}
	return ro
}

// EvidenceOf is a detection as the snapshot reports it.
func EvidenceOf(c detect.Component) snapshot.Evidence {
	e := snapshot.Evidence{Path: c.Path, Line: c.Line, URL: c.URL, Kind: c.Kind, Name: c.Name, Version: c.Version}
	if c.Section != "" || c.Lockfile != "" {
		e.VersionSource = &snapshot.VersionSource{Section: c.Section, Lockfile: c.Lockfile}
	}
	return e
}

// logExpiredWaivers says, every evaluation, which waivers no longer excuse
// their repos, so the catalog's owner knows to renew or remove them.
func logExpiredWaivers(cat *match.Catalog, now time.Time, log *zap.Logger) {
	for _, o := range cat.Offerings {
		for _, w := range o.ExpiredWaivers(now) {
			log.Info("waiver expired; the repo counts as eligible again", zap.String("offering", o.Name),
				zap.String("repo", w.Repo), zap.String("expires", w.Expires))
		}
	}
}

// sourceReports copies the scan's source statuses (the result is shared by
// every re-evaluation) with each source's file errors split by reader.
func sourceReports(res *Result) []snapshot.SourceScan {
	out := make([]snapshot.SourceScan, len(res.Sources))
	index := map[string]map[string]int{}
	for i, s := range res.Sources {
		out[i] = s
		byReader := make(map[string]int, len(res.Readers))
		for _, r := range res.Readers {
			byReader[r] = 0
		}
		out[i].DetectorFileErrors = byReader
		index[s.Name] = byReader
	}
	for _, r := range res.Repos {
		if byReader := index[r.Repo.Source]; byReader != nil && r.Counted() {
			for reader, n := range r.Inventory.ReaderErrors {
				byReader[reader] += n
			}
		}
	}
	return out
}

// teamReports counts the counted repos of each team, sorted by team.
func teamReports(evals []repoEval) []snapshot.TeamReport {
	n := map[string]int{}
	for _, ev := range evals {
		n[ev.team]++
	}
	out := make([]snapshot.TeamReport, 0, len(n))
	for t, c := range n {
		out = append(out, snapshot.TeamReport{Name: t, Repos: c})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// attributionCounts counts the repos each attribution source gave their
// team and those it named a placeholder for, in chain order, then default.
func attributionCounts(from []string, evals []repoEval) []snapshot.AttributionCount {
	out := make([]snapshot.AttributionCount, 0, len(from)+1)
	index := map[string]*snapshot.AttributionCount{}
	for _, via := range append(append([]string(nil), from...), teams.Default) {
		out = append(out, snapshot.AttributionCount{Via: via})
	}
	for i := range out {
		index[out[i].Via] = &out[i]
	}
	for _, ev := range evals {
		index[ev.attr.Via].Repos++
		for _, via := range ev.attr.Placeholders {
			index[via].Placeholders++
		}
	}
	return out
}

// unattributed lists the counted repos that fell to the default team with
// each source's reason, in the reports' order. reports are sorted; evals
// follow the scan's order, so they are matched by source and name.
func unattributed(reports []snapshot.RepoReport, evals []repoEval) []snapshot.UnattributedRepo {
	out := []snapshot.UnattributedRepo{}
	misses := map[[2]string][]teams.Miss{}
	for _, ev := range evals {
		if ev.attr.Via == teams.Default {
			misses[[2]string{ev.source, ev.name}] = ev.attr.Misses
		}
	}
	for _, r := range reports {
		m, ok := misses[[2]string{r.Source, r.Name}]
		if !ok {
			continue
		}
		u := snapshot.UnattributedRepo{Source: r.Source, Name: r.Name, Reasons: make([]snapshot.AttributionReason, len(m))}
		for i, miss := range m {
			u.Reasons[i] = snapshot.AttributionReason{Via: miss.Via, Reason: miss.Reason}
		}
		out = append(out, u)
	}
	return out
}

// ruleReports lists the offering's detect rules with the counted repos
// each matched, so a rule that matches nothing shows as 0, not as silence.
func ruleReports(o *match.Offering, evals []repoEval) []snapshot.RuleReport {
	counts := make([]int, len(o.Detect))
	for _, ev := range evals {
		if a, ok := ev.adoption[o.Name]; ok {
			o.CountRules(a, counts)
		}
	}
	out := make([]snapshot.RuleReport, len(o.Detect))
	for i, r := range o.Detect {
		out[i] = snapshot.RuleReport{Kind: r.Kind, Params: r.Params, Line: r.Line, MatchedRepos: counts[i]}
	}
	return out
}

// resolveLatest is the offering's latest version: as configured, or for
// "auto" the newest known version any repo adopts ("" when none), a
// floating one ("v7") only when no repo names a release within it.
func resolveLatest(o *match.Offering, evals []repoEval) string {
	if o.Latest != "auto" {
		return o.Latest
	}
	var labels []string
	for _, ev := range evals {
		if a, ok := ev.adoption[o.Name]; ok {
			labels = append(labels, a.Version)
		}
	}
	return version.Highest(labels)
}

// tallyCells counts one offering per team (every team gets a cell, zeros
// included) and the adopters per version. Drift is measured against latest
// with version.Behind, so a floating tag ("v7") within latest's release is
// current; an unknown version is never outdated.
func tallyCells(offering, latest string, teamList []snapshot.TeamReport, evals []repoEval) ([]snapshot.Cell, map[string]int) {
	latestMajor, latestKnown := version.Major(latest)
	cells := make([]snapshot.Cell, len(teamList))
	index := map[string]*snapshot.Cell{}
	for i, t := range teamList {
		cells[i] = snapshot.Cell{Offering: offering, Team: t.Name, TeamRepos: t.Repos}
		index[t.Name] = &cells[i]
	}
	versions := map[string]int{}
	for _, ev := range evals {
		c := index[ev.team]
		switch ev.status[offering] {
		case match.Adopted, match.Eligible:
			c.Total++
		case match.Waived:
			c.Waived++
		}
		a, adopted := ev.adoption[offering]
		if !adopted {
			continue
		}
		c.Adopted++
		versions[a.Version]++
		if !version.Known(a.Version) {
			c.UnknownVersion++
			continue
		}
		if latestKnown && version.Behind(a.Version, latest) {
			c.Outdated++
			if m, _ := version.Major(a.Version); m < latestMajor {
				c.OutdatedMajor++
			}
		}
	}
	for i := range cells {
		if c := &cells[i]; c.Total > 0 {
			r := float64(c.Adopted) / float64(c.Total)
			c.Ratio = &r
		}
	}
	return cells, versions
}

// applyROI fills each cell's ROI figures and returns the offering's: hours
// per adopting repo plus hours per adopting team, valued at the hourly
// rate; ROI ratio (value − cost) / cost, absent when the cost is 0.
func applyROI(roi *config.OfferingROI, hourlyRate float64, cells []snapshot.Cell) *snapshot.ROIReport {
	rep := &snapshot.ROIReport{CostPerMonth: roi.CostPerMonth}
	for i := range cells {
		c := &cells[i]
		c.HoursSaved = float64(c.Adopted) * roi.HoursSavedPerRepoMonth
		if c.Adopted > 0 {
			c.HoursSaved += roi.HoursSavedPerTeamMonth
		}
		c.Value = c.HoursSaved * hourlyRate
		c.OnboardingRemaining = float64(c.Total-c.Adopted) * roi.OnboardingHoursPerRepo
		rep.HoursPerMonth += c.HoursSaved
		rep.ValuePerMonth += c.Value
	}
	if roi.CostPerMonth > 0 {
		r := (rep.ValuePerMonth - roi.CostPerMonth) / roi.CostPerMonth
		rep.Ratio = &r
	}
	return rep
}

// bucketVersions keeps the newest n known versions, sums older ones into
// "other" and keeps "unknown" apart, so the label stays bounded.
func bucketVersions(counts map[string]int, n int) []snapshot.VersionCount {
	var known []string
	out := []snapshot.VersionCount{}
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
			out = append(out, snapshot.VersionCount{Version: v, Repos: counts[v]})
		} else {
			other += counts[v]
		}
	}
	if other > 0 {
		out = append(out, snapshot.VersionCount{Version: snapshot.OtherVersion, Repos: other})
	}
	if u := counts[version.Unknown]; u > 0 {
		out = append(out, snapshot.VersionCount{Version: version.Unknown, Repos: u})
	}
	return out
}
