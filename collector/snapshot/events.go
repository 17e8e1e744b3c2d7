package snapshot

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// EventKind is what changed in a repo's adoption of an offering between
// two complete scans.
type EventKind string

// The event kinds. Every event names one offering: a repo that adopts
// nothing makes no event when it moves or leaves.
const (
	// Adopted: the offering is found at a commit where it was not before.
	Adopted EventKind = "adopted"
	// Dropped: the offering is no longer found at the repo's new commit.
	Dropped EventKind = "dropped"
	// Upgraded and Downgraded: the repo's version of the offering rose or
	// fell with its commit (a change to or from an unknown version is none).
	Upgraded   EventKind = "upgraded"
	Downgraded EventKind = "downgraded"
	// Moved: the repo's team changed; one event per offering it adopts.
	Moved EventKind = "moved"
	// Removed: the repo left its source's complete listing (deleted,
	// archived, excluded); one event per offering it adopted.
	Removed EventKind = "removed"
)

// EventKinds are every kind, in the order the docs list them.
var EventKinds = []EventKind{Adopted, Dropped, Upgraded, Downgraded, Moved, Removed}

// ParseEventKinds parses a comma-separated list of kinds ("adopted,dropped");
// "" is none, which selects all.
func ParseEventKinds(s string) ([]EventKind, error) {
	var out []EventKind
	for _, k := range strings.Split(s, ",") {
		k = strings.TrimSpace(k)
		if k == "" {
			continue
		}
		if !slices.Contains(EventKinds, EventKind(k)) {
			return nil, fmt.Errorf("unknown event %q (want one of %s)", k, joinKinds(EventKinds))
		}
		out = append(out, EventKind(k))
	}
	return out, nil
}

func joinKinds(ks []EventKind) string {
	s := make([]string, len(ks))
	for i, k := range ks {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}

// Event is one adoption event of the store's event log.
type Event struct {
	Time     time.Time `json:"time"`
	Source   string    `json:"source"`
	Repo     string    `json:"repo"`
	Team     string    `json:"team"`
	Offering string    `json:"offering"`
	Event    EventKind `json:"event"`
	// FromVersion is the version before (dropped, upgraded, downgraded,
	// moved, removed); ToVersion the version after (adopted, upgraded,
	// downgraded, moved).
	FromVersion string `json:"from_version,omitempty"`
	ToVersion   string `json:"to_version,omitempty"`
	// FromTeam is the team a moved repo left; Team is the one it joined.
	FromTeam string `json:"from_team,omitempty"`
	// Commit is the repo's commit that showed the change; for removed, the
	// last one seen.
	Commit string `json:"commit,omitempty"`
}

// EventFilter selects events; a zero field selects all.
type EventFilter struct {
	// Since and Until bound the events' time: Since ≤ time < Until.
	Since, Until time.Time
	Offerings    []string
	Teams        []string
	Kinds        []EventKind
}

// Match reports whether the filter selects e.
func (f EventFilter) Match(e Event) bool {
	return (f.Since.IsZero() || !e.Time.Before(f.Since)) && (f.Until.IsZero() || e.Time.Before(f.Until)) &&
		(len(f.Offerings) == 0 || slices.Contains(f.Offerings, e.Offering)) &&
		(len(f.Teams) == 0 || slices.Contains(f.Teams, e.Team)) &&
		(len(f.Kinds) == 0 || slices.Contains(f.Kinds, e.Event))
}

// EventTotal is how many events of a kind an offering × team has had since
// the store began, pruned ones included: the totals never go backwards.
type EventTotal struct {
	Offering string    `json:"offering"`
	Team     string    `json:"team"`
	Event    EventKind `json:"event"`
	Count    uint64    `json:"count"`
}

// History is what the store knows beyond one scan, published with each
// snapshot for the metrics.
type History struct {
	Totals []EventTotal
	// FirstAdopted is, per offering, the earliest time the store knows it
	// adopted: its first adopted event, or the first scan that found it.
	FirstAdopted map[string]time.Time
}
