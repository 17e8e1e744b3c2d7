package snapshot

import "time"

// Campaign states: each repo in a campaign's scope is in exactly one, in
// this order of precedence.
const (
	CampaignDone      = "done"
	CampaignWaived    = "waived"
	CampaignIdle      = "idle"
	CampaignRemaining = "remaining"
)

// CampaignStates are the states in order of precedence.
var CampaignStates = []string{CampaignDone, CampaignWaived, CampaignIdle, CampaignRemaining}

// CampaignReport is one campaign's scoreboard.
type CampaignReport struct {
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	From        []string `json:"from,omitempty"`
	To          string   `json:"to"`
	MinVersion  string   `json:"min_version,omitempty"`
	EligibleOf  string   `json:"eligible_of"`
	Owner       string   `json:"owner,omitempty"`
	// Deadline is the start of the deadline day, UTC; zero (absent) for none.
	Deadline time.Time `json:"deadline,omitzero"`
	// Implicit marks the campaign of a deprecated offering's replaced_by.
	Implicit         bool          `json:"implicit,omitempty"`
	IdleAfter        time.Duration `json:"idle_after_ns"`
	ProjectionWindow time.Duration `json:"projection_window_ns"`
	// Total counts the repos in scope by state.
	Total CampaignCounts `json:"total"`
	// Teams are the teams with a repo in scope, by name.
	Teams []CampaignTeam `json:"teams"`
	// Repos are the repos in scope, by state (precedence order), team, name.
	Repos []CampaignRepo `json:"repos,omitempty"`
	// Progress is the remaining count at each recorded scan within the
	// projection window, oldest first; nil without a store.
	Progress []CampaignPoint `json:"progress,omitempty"`
	// ProjectedCompletion is when a least-squares line through Progress
	// reaches 0 remaining; zero (absent) with fewer than two points, a
	// slope ≥ 0, a line reaching 0 after year 9999, or a sharded scan (the
	// rules project the summed series).
	ProjectedCompletion time.Time `json:"projected_completion,omitzero"`
}

// CampaignPoint is a campaign's remaining count at one scan.
type CampaignPoint struct {
	Time      time.Time `json:"time"`
	Remaining int       `json:"remaining"`
}

// CampaignCounts are repo counts by campaign state.
type CampaignCounts struct {
	Done      int `json:"done"`
	Waived    int `json:"waived"`
	Idle      int `json:"idle"`
	Remaining int `json:"remaining"`
}

// Of is the count of a state (a Campaign* constant).
func (c CampaignCounts) Of(state string) int {
	switch state {
	case CampaignDone:
		return c.Done
	case CampaignWaived:
		return c.Waived
	case CampaignIdle:
		return c.Idle
	case CampaignRemaining:
		return c.Remaining
	}
	return 0
}

// Add counts one repo in state.
func (c *CampaignCounts) Add(state string) {
	switch state {
	case CampaignDone:
		c.Done++
	case CampaignWaived:
		c.Waived++
	case CampaignIdle:
		c.Idle++
	case CampaignRemaining:
		c.Remaining++
	}
}

// CampaignTeam is one team's standing in a campaign.
type CampaignTeam struct {
	Team string `json:"team"`
	CampaignCounts
}

// CampaignRepo is one repo in a campaign's scope.
type CampaignRepo struct {
	Source string `json:"source"`
	Name   string `json:"name"`
	Team   string `json:"team"`
	// Unowned marks a repo no attribution source gave a team: it is
	// counted under the default team.
	Unowned bool   `json:"unowned,omitempty"`
	State   string `json:"state"`
	// Reason says why a repo is not done: "uses base-image-legacy",
	// "base-image 2.4.0 is below 3.0.0", "does not adopt base-image".
	Reason string `json:"reason,omitempty"`
	// Version is the repo's version of the campaign's to offering; "" when
	// it does not adopt it.
	Version string `json:"version,omitempty"`
	// Evidence locates what keeps the repo from done (its use of a from
	// offering, its adoption of to below min_version) or, for one done,
	// its adoption of to.
	Evidence []Evidence `json:"evidence,omitempty"`
	// HeadTime is the HEAD commit's time; zero (absent) when unknown.
	HeadTime time.Time `json:"head_time,omitzero"`
	// WaiverReason and WaiverExpires are the waiver of to in force for a
	// waived repo.
	WaiverReason  string `json:"waiver_reason,omitempty"`
	WaiverExpires string `json:"waiver_expires,omitempty"`
}
