// Package history turns complete scans into adoption events: Diff compares
// a scan's evaluated per-repo results with the baseline the previous
// complete scans left, and says which events to append and which baseline
// entries to write. It is pure; the runner loads the baseline from the
// store and writes the Change in one transaction (cache.Store.Record).
//
// Only a change of a repo's commit makes an adoption event. A baseline
// evaluated under another evaluation hash (the catalog, the teams config or
// a detector changed) is rebased without an event; so is a repo seen for
// the first time. A repo the scan could not read (stale, failed, timed out)
// keeps its baseline and makes no event.
package history

import (
	"maps"
	"slices"
	"sort"
	"time"

	"github.com/uptake-dev/uptake/collector/snapshot"
	"github.com/uptake-dev/uptake/collector/version"
)

// Key names a repo of the baseline.
type Key struct{ Source, Repo string }

// Repo is one repo's evaluated standing, kept as the baseline the next
// complete scan is diffed against.
type Repo struct {
	Source string `json:"source"`
	Name   string `json:"name"`
	Team   string `json:"team"`
	Commit string `json:"commit"`
	// Hash is the evaluation hash the standing was computed under.
	Hash string `json:"hash"`
	// Offerings maps each adopted offering to its version.
	Offerings map[string]string `json:"offerings,omitempty"`
}

// Key is the repo's key.
func (r Repo) Key() Key { return Key{Source: r.Source, Repo: r.Name} }

func (r Repo) equal(o Repo) bool {
	return r.Source == o.Source && r.Name == o.Name && r.Team == o.Team && r.Commit == o.Commit && r.Hash == o.Hash &&
		maps.Equal(r.Offerings, o.Offerings)
}

// Standing is a repo report's standing under evaluation hash hash.
func Standing(rep snapshot.RepoReport, hash string) Repo {
	r := Repo{Source: rep.Source, Name: rep.Name, Team: rep.Team, Commit: rep.Head, Hash: hash}
	if len(rep.Offerings) > 0 {
		r.Offerings = make(map[string]string, len(rep.Offerings))
		for _, o := range rep.Offerings {
			r.Offerings[o.Offering] = o.Version
		}
	}
	return r
}

// Scan is a complete, published scan.
type Scan struct {
	// Time is the events' time.
	Time time.Time
	// Hash covers everything that can change an evaluation: rules,
	// eligibility, waivers, the teams config, the plan (detector versions).
	Hash    string
	Repos   []snapshot.RepoReport
	Sources []snapshot.SourceScan
	// Owns says whether a repo is this process's to record (its shard);
	// nil owns all.
	Owns func(source, repo string) bool
}

// Change is what a scan changes: the events to append and the baseline
// entries to write and delete, all in one transaction.
type Change struct {
	Events []snapshot.Event
	Put    []Repo
	Delete []Key
	// New and Rebased count the repos whose standing was recorded without
	// an event: seen for the first time, or recorded before under another
	// evaluation hash (a reclassification).
	New, Rebased int
}

// Diff compares scan s with the baseline prev.
//
// A repo of prev the scan did not list is removed only when its source's
// listing completed and the repo is still this process's; one whose
// source left the config, or that another shard owns now, leaves the
// baseline without an event.
func Diff(prev map[Key]Repo, s Scan) Change {
	var c Change
	configured, complete := map[string]bool{}, map[string]bool{}
	for _, src := range s.Sources {
		configured[src.Name] = true
		complete[src.Name] = src.OK
	}
	listed := make(map[Key]bool, len(s.Repos))
	for _, rep := range s.Repos {
		k := Key{Source: rep.Source, Repo: rep.Name}
		listed[k] = true
		if rep.Error != "" || rep.Stale {
			continue // not read this time: no event, the baseline stands
		}
		cur := Standing(rep, s.Hash)
		old, ok := prev[k]
		switch {
		case !ok:
			c.New++
		case old.Hash != s.Hash:
			c.Rebased++
		default:
			c.Events = append(c.Events, diffRepo(old, cur, s.Time)...)
		}
		if !ok || !old.equal(cur) {
			c.Put = append(c.Put, cur)
		}
	}
	for k, old := range prev {
		if listed[k] {
			continue
		}
		switch {
		case !configured[k.Source]:
			c.Delete = append(c.Delete, k)
		case !complete[k.Source]:
			// The listing failed or was cut short: the repo may be there.
		case s.Owns != nil && !s.Owns(k.Source, k.Repo):
			c.Delete = append(c.Delete, k)
		default:
			if old.Hash == s.Hash {
				c.Events = append(c.Events, removed(old, s.Time)...)
			}
			c.Delete = append(c.Delete, k)
		}
	}
	Sort(c.Events)
	sort.Slice(c.Delete, func(i, j int) bool {
		a, b := c.Delete[i], c.Delete[j]
		return a.Source < b.Source || a.Source == b.Source && a.Repo < b.Repo
	})
	return c
}

// diffRepo is one repo's events between two standings under the same
// evaluation hash.
func diffRepo(old, cur Repo, at time.Time) []snapshot.Event {
	var out []snapshot.Event
	ev := func(team, offering string, kind snapshot.EventKind, from, to string) {
		out = append(out, snapshot.Event{Time: at, Source: cur.Source, Repo: cur.Name, Team: team, Offering: offering,
			Event: kind, FromVersion: from, ToVersion: to, Commit: cur.Commit})
	}
	// Without a new commit the inventory is the one evaluated before, so
	// any difference in adoption is not the repo's doing.
	if old.Commit != cur.Commit {
		for _, o := range offerings(old, cur) {
			from, wasAdopted := old.Offerings[o]
			to, adopted := cur.Offerings[o]
			switch {
			case adopted && !wasAdopted:
				ev(cur.Team, o, snapshot.Adopted, "", to)
			case wasAdopted && !adopted:
				// Counted against the team that had it.
				ev(old.Team, o, snapshot.Dropped, from, "")
			case from != to && version.Known(from) && version.Known(to):
				switch c := version.Compare(to, from); {
				case c > 0:
					ev(cur.Team, o, snapshot.Upgraded, from, to)
				case c < 0:
					ev(cur.Team, o, snapshot.Downgraded, from, to)
				}
			}
		}
	}
	if old.Team != cur.Team {
		for _, o := range offerings(old, cur) {
			from, wasAdopted := old.Offerings[o]
			to, adopted := cur.Offerings[o]
			if wasAdopted && adopted {
				out = append(out, snapshot.Event{Time: at, Source: cur.Source, Repo: cur.Name, Team: cur.Team, FromTeam: old.Team,
					Offering: o, Event: snapshot.Moved, FromVersion: from, ToVersion: to, Commit: cur.Commit})
			}
		}
	}
	return out
}

// removed is a repo's events when it left its source's listing.
func removed(old Repo, at time.Time) []snapshot.Event {
	var out []snapshot.Event
	for _, o := range offerings(old, Repo{}) {
		out = append(out, snapshot.Event{Time: at, Source: old.Source, Repo: old.Name, Team: old.Team, Offering: o,
			Event: snapshot.Removed, FromVersion: old.Offerings[o], Commit: old.Commit})
	}
	return out
}

// offerings are the offerings either standing adopts, sorted.
func offerings(a, b Repo) []string {
	set := maps.Clone(a.Offerings)
	if set == nil {
		set = map[string]string{}
	}
	maps.Copy(set, b.Offerings)
	return slices.Sorted(maps.Keys(set))
}

// Sort orders events by time, source, repo, offering and kind, so a
// scan's events read the same every time.
func Sort(evs []snapshot.Event) {
	rank := func(k snapshot.EventKind) int { return slices.Index(snapshot.EventKinds, k) }
	sort.SliceStable(evs, func(i, j int) bool {
		a, b := evs[i], evs[j]
		switch {
		case !a.Time.Equal(b.Time):
			return a.Time.Before(b.Time)
		case a.Source != b.Source:
			return a.Source < b.Source
		case a.Repo != b.Repo:
			return a.Repo < b.Repo
		case a.Offering != b.Offering:
			return a.Offering < b.Offering
		}
		return rank(a.Event) < rank(b.Event)
	})
}
