package backfill

import (
	"sort"
	"time"

	"github.com/uptake-dev/uptake/collector/history"
	"github.com/uptake-dev/uptake/collector/snapshot"
)

// Events diffs a backfill's consecutive steps into the adoption events
// scans at those times would have recorded (history.Diff, under the
// evaluation hash serve records its baseline under), each dated at the
// first step that saw it. The first step is the baseline: what was adopted
// before the range makes no event. A repo whose first commit lies within
// the range joins the estate then, with an adopted event per offering it
// adopts from its first commit.
type Events struct {
	hash    string
	prev    map[history.Key]history.Repo
	initial []history.Repo
	initAt  time.Time
	events  []snapshot.Event
	last    time.Time
}

// NewEvents diffs steps under the evaluation hash hash (runner.EvalHash).
func NewEvents(hash string) *Events {
	return &Events{hash: hash}
}

// Add diffs the snapshot of the step at t with the step before.
func (e *Events) Add(t time.Time, s *snapshot.Snapshot) {
	cur := map[history.Key]history.Repo{}
	for _, rep := range s.Repos {
		if rep.Error == "" && !rep.Stale {
			r := history.Standing(rep, e.hash)
			cur[r.Key()] = r
		}
	}
	e.last = t
	if e.prev == nil {
		e.prev, e.initAt = cur, t
		for _, r := range cur {
			e.initial = append(e.initial, r)
		}
		sortRepos(e.initial)
		return
	}
	prev := make(map[history.Key]history.Repo, len(e.prev))
	for k, r := range e.prev {
		prev[k] = r
	}
	for k, r := range cur {
		if _, ok := prev[k]; !ok {
			// Born in the range: from nothing, at no commit, on its team.
			prev[k] = history.Repo{Source: r.Source, Name: r.Name, Team: r.Team, Hash: e.hash}
		}
	}
	// No source listing is complete in the past: a repo missing from a
	// step is not removed (backfill walks today's repos only).
	c := history.Diff(prev, history.Scan{Time: t, Hash: e.hash, Repos: s.Repos})
	e.events = append(e.events, c.Events...)
	for k, r := range cur {
		e.prev[k] = r
	}
}

// Initial is the first step's baseline and its time.
func (e *Events) Initial() ([]history.Repo, time.Time) { return e.initial, e.initAt }

// Final is the last step's baseline, every repo seen (a repo not read at
// the last step keeps the standing it had), and its time.
func (e *Events) Final() ([]history.Repo, time.Time) {
	out := make([]history.Repo, 0, len(e.prev))
	for _, r := range e.prev {
		out = append(out, r)
	}
	sortRepos(out)
	return out, e.last
}

// List is the events, oldest first.
func (e *Events) List() []snapshot.Event {
	history.Sort(e.events)
	return e.events
}

func sortRepos(rs []history.Repo) {
	sort.Slice(rs, func(i, j int) bool {
		a, b := rs[i], rs[j]
		return a.Source < b.Source || a.Source == b.Source && a.Name < b.Name
	})
}
