package snapshot

// Harvest is what the estate already builds alike and where it chose
// something else than an offering: the platform team's backlog. It is set
// in harvest mode (a harvest section, or uptake discover) and, for the
// alternatives alone, when an offering lists alternatives.
type Harvest struct {
	// Enabled is harvest mode: every detector kind ran, so Candidates and
	// Clusters are computed. Without it only Alternatives are.
	Enabled  bool `json:"enabled"`
	MinTeams int  `json:"min_teams"`
	// Top is how many candidates and clusters the gauges export.
	Top int `json:"top"`
	// Candidates are components used by at least MinTeams teams that no
	// offering covers, internal ones first, then by teams and repos.
	Candidates []Candidate `json:"candidates"`
	// Clusters are CI, build and container files copied, identical or
	// nearly, across repos of at least MinTeams teams, largest first.
	Clusters []Cluster `json:"clusters"`
	// Alternatives are the eligible repos using an offering's alternative
	// instead of it, by offering (config order), alternative and team.
	Alternatives []AlternativeUse `json:"alternatives"`
	// Pending counts the repos this scan could not read (an error, or
	// left for the next scan by the host's rate budget): the findings leave
	// them out, or count them from older data, which may predate harvest
	// mode. Zero when the findings cover the whole estate as it is now.
	Pending int `json:"pending,omitempty"`
	// Truncated says more candidates or clusters were found than the
	// snapshot keeps (the first MaxCandidates and MaxClusters).
	Truncated bool `json:"truncated,omitempty"`
}

// The snapshot's bounds on what harvest keeps.
const (
	MaxCandidates     = 500
	MaxClusters       = 200
	MaxClusterMembers = 500
)

// Candidate is a component several teams use that no offering covers.
type Candidate struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
	// Internal says harvest.internal matches the name: the estate builds it.
	Internal bool `json:"internal,omitempty"`
	// BuiltBy is the team of the estate repo named like an internal
	// component (its last path segment), "" when none is.
	BuiltBy string `json:"built_by,omitempty"`
	// BuiltIn is that repo.
	BuiltIn string `json:"built_in,omitempty"`
	// Teams counts the teams using it, the default team aside; TeamNames
	// lists them.
	Teams     int      `json:"teams"`
	TeamNames []string `json:"team_names"`
	Repos     int      `json:"repos"`
	// Versions are the versions in use, each with its repos, newest first.
	Versions []VersionCount `json:"versions"`
	// VersionSpread is how many distinct known versions are in use;
	// MajorSpread how many major versions.
	VersionSpread int `json:"version_spread"`
	MajorSpread   int `json:"major_spread"`
	// Evidence is an example use per team, for the first few teams.
	Evidence []RepoEvidence `json:"evidence"`
}

// RepoEvidence is a detection in a named repo.
type RepoEvidence struct {
	Source string `json:"source"`
	Repo   string `json:"repo"`
	Team   string `json:"team"`
	Evidence
}

// Cluster is one file copied across repos.
type Cluster struct {
	// ID is the first 12 hex digits of the sha256 of the representative's
	// normalised content (repo names folded).
	ID string `json:"id"`
	// Kind is the file kind: gitlab_ci, github_workflow, jenkinsfile,
	// dockerfile, makefile, compose.
	Kind string `json:"kind"`
	// Path is the representative's path.
	Path  string `json:"path"`
	Teams int    `json:"teams"`
	Repos int    `json:"repos"`
	// Identical counts the members equal to the representative once
	// normalised.
	Identical int `json:"identical"`
	// Lines are the representative's normalised lines.
	Lines []string `json:"lines"`
	// Members are every copy, the representative first.
	Members []ClusterMember `json:"members"`
}

// ClusterMember is one copy of a cluster's file.
type ClusterMember struct {
	Source string `json:"source"`
	Repo   string `json:"repo"`
	Team   string `json:"team"`
	Path   string `json:"path"`
	URL    string `json:"url,omitempty"`
	// Similarity is the Jaccard similarity of the member's line shingles
	// and the representative's, 1 for an identical copy.
	Similarity float64 `json:"similarity"`
	// Diff is how the member differs from the representative: its normalised
	// lines the representative lacks (+) and the representative's it lacks
	// (-), at most MaxDiffLines; DiffMore counts the rest.
	Diff     []string `json:"diff,omitempty"`
	DiffMore int      `json:"diff_more,omitempty"`
}

// MaxDiffLines bounds a cluster member's Diff.
const MaxDiffLines = 12

// AlternativeUse is one team's repos using an alternative to an offering.
type AlternativeUse struct {
	Offering    string `json:"offering"`
	Alternative string `json:"alternative"`
	Team        string `json:"team"`
	// Repos are the eligible repos not adopting the offering that use the
	// alternative, each with the first component it matched.
	Repos []RepoEvidence `json:"repos"`
}
