// Package snapshot holds the immutable evaluated scan the exporter and the
// pages read: per-repo reports, offering × team cells, offerings, teams and
// per-source scan status. It holds types only, so its readers depend on
// nothing of sources, detectors, matching or attribution.
package snapshot

import "time"

// Snapshot is one complete, evaluated scan. It is never modified after
// it is built: scrapes and pages read it concurrently.
type Snapshot struct {
	// Time is when the scan behind it completed.
	Time time.Time `json:"time"`
	// Restored is set on the last complete scan read back from the store at
	// start, served until the first scan of this process ends.
	Restored  bool             `json:"restored,omitempty"`
	Repos     []RepoReport     `json:"repos"`
	Summary   []Cell           `json:"summary"`
	Offerings []OfferingReport `json:"offerings"`
	Teams     []TeamReport     `json:"teams"`
	Sources   []SourceScan     `json:"sources"`
	// Campaigns are the configured and implicit campaigns' scoreboards.
	Campaigns []CampaignReport `json:"campaigns,omitempty"`
	// Attribution counts the counted repos by the source that gave their
	// team, every configured one and default present.
	Attribution []AttributionCount `json:"attribution"`
	// Unattributed are the counted repos that fell to the default team,
	// each with why every attribution source gave nothing.
	Unattributed []UnattributedRepo `json:"unattributed"`
	// Currency is the ROI currency; ROI is set when any offering has roi.
	Currency string `json:"currency,omitempty"`
	ROI      bool   `json:"-"`
	// History is the store's event totals when the snapshot was published;
	// nil without a store. /api/v1/events serves the events themselves.
	History *History `json:"-"`
	// Harvest is harvest mode's findings; nil when neither harvest mode
	// nor an offering's alternatives asked for them.
	Harvest *Harvest `json:"harvest,omitempty"`
}

// RepoReport is one repo and what it adopts: the answer to "why is team X
// (not) counted?".
type RepoReport struct {
	Source  string `json:"source"`
	Name    string `json:"name"`
	Team    string `json:"team"`
	TeamVia string `json:"team_via"`
	// TeamBecause says what of TeamVia gave the team: the CODEOWNERS rule
	// (path:line), the teams.map glob, the topic, the catalog owner.
	TeamBecause string `json:"team_because,omitempty"`
	// TeamPlaceholders are the attribution sources that named a team not
	// among teams.known before TeamVia gave one.
	TeamPlaceholders []string `json:"team_placeholders,omitempty"`
	Head             string   `json:"head,omitempty"`
	// HeadTime is the HEAD commit's time; zero (absent) when unknown.
	HeadTime time.Time `json:"head_time,omitzero"`
	Empty    bool      `json:"empty,omitempty"`
	Stale    bool      `json:"stale,omitempty"`
	// Deferred says the last scan left the repo for the next one, the
	// host's rate budget spent: stale data, or none if never read.
	Deferred bool   `json:"deferred,omitempty"`
	Error    string `json:"error,omitempty"`
	Cached   bool   `json:"cached"`
	// ResultTime is when a scan last read or confirmed the data reported.
	ResultTime time.Time      `json:"result_time,omitzero"`
	Languages  []string       `json:"languages,omitempty"`
	Offerings  []RepoOffering `json:"offerings"`
	Waived     []RepoWaiver   `json:"waived,omitempty"`
	Ineligible []string       `json:"ineligible,omitempty"`
	// IneligibleReasons say, beside Ineligible and in its order, which
	// eligible clause left the repo out of each offering.
	IneligibleReasons []IneligibleReason `json:"ineligible_reasons,omitempty"`
	FileErrors        int                `json:"file_errors,omitempty"`
	// FileErrorList names the first 100 skipped files; nil when none.
	FileErrorList []FileError `json:"file_error_list,omitempty"`
}

// IneligibleReason is the eligible clause that excludes a repo from an
// offering: "languages", "topics", "teams", "paths" or "exclude_repos: GLOB".
type IneligibleReason struct {
	Offering string `json:"offering"`
	Clause   string `json:"clause"`
}

// FileError is a file a scan skipped and why, in uptake's words: a
// parser's message, which may quote the file, is never copied.
type FileError struct {
	Path  string `json:"path"`
	Error string `json:"error"`
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
	// VersionSource says where the version came from; nil (its JSON
	// fields absent) when the detection has neither, as most have: a
	// snapshot keeps hundreds of thousands of evidence entries.
	*VersionSource
}

// VersionSource is where an evidence's version came from.
type VersionSource struct {
	// Section is where the manifest declares it (dependencies,
	// peerDependencies, tool.poetry.group.dev.dependencies...).
	Section string `json:"section,omitempty"`
	// Lockfile is the repo path of the lockfile that pinned Version.
	Lockfile string `json:"lockfile,omitempty"`
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
	// ReplacedBy is the offering's successor, "" when none.
	ReplacedBy string `json:"replaced_by,omitempty"`
	// Latest is the resolved latest version ("auto" resolved), "" when unset.
	Latest   string         `json:"latest,omitempty"`
	Adopted  int            `json:"adopted"`
	Eligible int            `json:"eligible"`
	Versions []VersionCount `json:"versions"`
	// Rules are the offering's detect rules in config order, each with how
	// many repos it matched: a rule at 0 may be one that cannot match.
	Rules  []RuleReport  `json:"rules"`
	Target *TargetReport `json:"target,omitempty"`
	ROI    *ROIReport    `json:"roi,omitempty"`
}

// RuleReport is one detect rule of an offering and its reach in the scan.
type RuleReport struct {
	Kind string `json:"kind"`
	// Params are the rule's keys but kind, as the config writes them.
	Params map[string]string `json:"params"`
	// Line is the rule's line in the config file.
	Line int `json:"line"`
	// MatchedRepos counts the counted repos with a component it matches.
	MatchedRepos int `json:"matched_repos"`
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

// ViaDefault is the via of repos no attribution source gave a team.
const ViaDefault = "default"

// AttributionCount is how many repos one attribution source (via) gave
// their team, and how many it named a team that is not known (a placeholder).
type AttributionCount struct {
	Via          string `json:"via"`
	Repos        int    `json:"repos"`
	Placeholders int    `json:"placeholder_repos"`
}

// UnattributedRepo is a repo no attribution source gave a team.
type UnattributedRepo struct {
	Source  string              `json:"source"`
	Name    string              `json:"name"`
	Reasons []AttributionReason `json:"reasons"`
}

// AttributionReason is why one attribution source gave a repo no team.
type AttributionReason struct {
	Via    string `json:"via"`
	Reason string `json:"reason"`
}

// TeamReport is one team with at least one repo.
type TeamReport struct {
	Name  string `json:"name"`
	Repos int    `json:"repos"`
}

// OtherVersion and the newest-N rule keep the version label bounded.
const OtherVersion = "other"

// SourceScan is one source's outcome in a scan.
type SourceScan struct {
	Name     string        `json:"name"`
	Duration time.Duration `json:"duration_ns"`
	// OK is false when the source could not be listed; its repos are then
	// the last good ones.
	OK          bool      `json:"ok"`
	Error       string    `json:"error,omitempty"`
	LastSuccess time.Time `json:"last_success"`
	Repos       int       `json:"repos"`
	RepoErrors  int       `json:"repo_errors"`
	Cached      int       `json:"cached_repos"`
	FilesRead   int       `json:"files_read"`
	// StaleRepos are counted repos whose data is from an earlier scan,
	// because this one could not read them (or the source's listing failed).
	StaleRepos int `json:"stale_repos"`
	// DeferredRepos are repos the scan left for the next one because the
	// host's rate budget could not cover them before its reset; those with
	// last good data are among StaleRepos.
	DeferredRepos int `json:"deferred_repos"`
	// Units are the counted repos, or in project mode (scan.units) the
	// counted project units, which every per-repo figure then counts.
	Units int `json:"units"`
	// OldestResult is the oldest ResultTime of the counted repos; zero when
	// there are none.
	OldestResult time.Time `json:"oldest_result_time,omitzero"`
	// DetectorFileErrors splits the file errors of the source's repos by
	// the detector or built-in reader (codeowners) that skipped each file,
	// every reader of the scan listed, zeros included.
	DetectorFileErrors map[string]int `json:"detector_file_errors,omitempty"`
}
