package history

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/uptake-dev/uptake/collector/snapshot"
)

var at = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

// rep is a repo report of source "src": name, team, head, then offering
// and version pairs.
func rep(name, team, head string, ov ...string) snapshot.RepoReport {
	r := snapshot.RepoReport{Source: "src", Name: name, Team: team, Head: head, Offerings: []snapshot.RepoOffering{}}
	for i := 0; i+1 < len(ov); i += 2 {
		r.Offerings = append(r.Offerings, snapshot.RepoOffering{Offering: ov[i], Version: ov[i+1]})
	}
	return r
}

func base(hash string, reps ...snapshot.RepoReport) map[Key]Repo {
	out := map[Key]Repo{}
	for _, r := range reps {
		s := Standing(r, hash)
		out[s.Key()] = s
	}
	return out
}

func scan(hash string, ok bool, reps ...snapshot.RepoReport) Scan {
	return Scan{Time: at, Hash: hash, Repos: reps, Sources: []snapshot.SourceScan{{Name: "src", OK: ok}}}
}

// short renders events as "repo offering kind from→to team" lines.
func short(evs []snapshot.Event) []string {
	out := []string{}
	for _, e := range evs {
		s := fmt.Sprintf("%s %s %s %s→%s %s", e.Repo, e.Offering, e.Event, e.FromVersion, e.ToVersion, e.Team)
		if e.FromTeam != "" {
			s += " from " + e.FromTeam
		}
		out = append(out, s)
	}
	return out
}

func TestDiff(t *testing.T) {
	stale := rep("a", "pay", "h2")
	stale.Stale, stale.Error = true, "timeout"
	failed := rep("a", "pay", "")
	failed.Error = "HTTP 502"
	tests := []struct {
		name        string
		prev        map[Key]Repo
		scan        Scan
		events      []string
		put, delete int
		newRepos    int
		rebased     int
	}{
		{name: "first scan: a baseline, no adopted event",
			prev: nil, scan: scan("h", true, rep("a", "pay", "c1", "kit", "1.0.0"), rep("b", "pay", "c1")),
			events: []string{}, put: 2, newRepos: 2},
		{name: "nothing changed: nothing written",
			prev: base("h", rep("a", "pay", "c1", "kit", "1.0.0")), scan: scan("h", true, rep("a", "pay", "c1", "kit", "1.0.0")),
			events: []string{}},
		{name: "a new commit adopts",
			prev: base("h", rep("a", "pay", "c1")), scan: scan("h", true, rep("a", "pay", "c2", "kit", "1.0.0")),
			events: []string{"a kit adopted →1.0.0 pay"}, put: 1},
		{name: "upgrade, downgrade, equal labels and unknown versions",
			prev:   base("h", rep("a", "pay", "c1", "kit", "1.0.0", "lib", "2.0.0", "ci", "v1.2", "img", "unknown", "tf", "1.0.0")),
			scan:   scan("h", true, rep("a", "pay", "c2", "kit", "1.1.0", "lib", "1.9.0", "ci", "1.2.0", "img", "3.0.0", "tf", "main")),
			events: []string{"a kit upgraded 1.0.0→1.1.0 pay", "a lib downgraded 2.0.0→1.9.0 pay"}, put: 1},
		{name: "a drop counts against the team that had it",
			prev: base("h", rep("a", "pay", "c1", "kit", "1.0.0")), scan: scan("h", true, rep("a", "search", "c2")),
			events: []string{"a kit dropped 1.0.0→ pay"}, put: 1},
		{name: "a team move without a commit: moved per adopted offering",
			prev: base("h", rep("a", "pay", "c1", "kit", "1.0.0", "lib", "2.0.0")), scan: scan("h", true, rep("a", "search", "c1", "kit", "1.0.0", "lib", "2.0.0")),
			events: []string{"a kit moved 1.0.0→1.0.0 search from pay", "a lib moved 2.0.0→2.0.0 search from pay"}, put: 1},
		{name: "a move and an adoption in one commit",
			prev: base("h", rep("a", "pay", "c1", "kit", "1.0.0")), scan: scan("h", true, rep("a", "search", "c2", "kit", "1.0.0", "lib", "2.0.0")),
			events: []string{"a kit moved 1.0.0→1.0.0 search from pay", "a lib adopted →2.0.0 search"}, put: 1},
		{name: "adoption changing without a commit is not the repo's doing",
			prev: base("h", rep("a", "pay", "c1")), scan: scan("h", true, rep("a", "pay", "c1", "kit", "1.0.0")),
			events: []string{}, put: 1},
		{name: "a reclassification rebases, even with a new commit",
			prev:   base("old", rep("a", "pay", "c1", "kit", "1.0.0"), rep("b", "pay", "c1")),
			scan:   scan("new", true, rep("a", "search", "c2"), rep("b", "pay", "c1", "kit", "1.0.0")),
			events: []string{}, put: 2, rebased: 2},
		{name: "stale and failed repos make no event and keep their baseline",
			prev: base("h", rep("a", "pay", "c1", "kit", "1.0.0")), scan: scan("h", true, stale),
			events: []string{}},
		{name: "a failed repo without data is still listed: not removed",
			prev: base("h", rep("a", "pay", "c1", "kit", "1.0.0")), scan: scan("h", true, failed),
			events: []string{}},
		{name: "a repo gone from a complete listing is removed",
			prev: base("h", rep("a", "pay", "c1", "kit", "1.0.0", "lib", "2.0.0"), rep("b", "pay", "c1")), scan: scan("h", true),
			events: []string{"a kit removed 1.0.0→ pay", "a lib removed 2.0.0→ pay"}, delete: 2},
		{name: "a listing that failed removes nothing",
			prev: base("h", rep("a", "pay", "c1", "kit", "1.0.0")), scan: scan("h", false),
			events: []string{}},
		{name: "a repo gone under another evaluation hash leaves silently",
			prev: base("old", rep("a", "pay", "c1", "kit", "1.0.0")), scan: scan("new", true),
			events: []string{}, delete: 1},
		{name: "a source gone from the config leaves silently",
			prev: base("h", rep("a", "pay", "c1", "kit", "1.0.0")), scan: Scan{Time: at, Hash: "h"},
			events: []string{}, delete: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := Diff(tc.prev, tc.scan)
			if got := short(c.Events); !reflect.DeepEqual(got, tc.events) {
				t.Errorf("events\n%q\nwant\n%q", got, tc.events)
			}
			if len(c.Put) != tc.put || len(c.Delete) != tc.delete || c.New != tc.newRepos || c.Rebased != tc.rebased {
				t.Errorf("put %d delete %d new %d rebased %d; want %d %d %d %d", len(c.Put), len(c.Delete), c.New, c.Rebased,
					tc.put, tc.delete, tc.newRepos, tc.rebased)
			}
			for _, e := range c.Events {
				if !e.Time.Equal(at) || e.Source != "src" {
					t.Errorf("event %+v: want time %v and source src", e, at)
				}
			}
		})
	}
}

// Another shard's repo leaves this replica's baseline without an event,
// while this shard's missing repo is removed.
func TestDiffShard(t *testing.T) {
	prev := base("h", rep("mine", "pay", "c1", "kit", "1.0.0"), rep("theirs", "pay", "c1", "kit", "1.0.0"))
	s := scan("h", true)
	s.Owns = func(_, repo string) bool { return repo == "mine" }
	c := Diff(prev, s)
	if got, want := short(c.Events), []string{"mine kit removed 1.0.0→ pay"}; !reflect.DeepEqual(got, want) {
		t.Errorf("events %q, want %q", got, want)
	}
	if len(c.Delete) != 2 {
		t.Errorf("deleted %v, want both", c.Delete)
	}
}

// The commit of an event is the one that showed it; a removed repo's the
// last one seen.
func TestDiffCommits(t *testing.T) {
	c := Diff(base("h", rep("a", "pay", "c1"), rep("b", "pay", "c7", "kit", "1.0.0")), scan("h", true, rep("a", "pay", "c2", "kit", "1.0.0")))
	if len(c.Events) != 2 || c.Events[0].Commit != "c2" || c.Events[1].Commit != "c7" {
		t.Fatalf("events %+v", c.Events)
	}
}

func TestParseEventKinds(t *testing.T) {
	got, err := snapshot.ParseEventKinds("adopted, dropped,")
	if err != nil || !reflect.DeepEqual(got, []snapshot.EventKind{snapshot.Adopted, snapshot.Dropped}) {
		t.Fatalf("= %v, %v", got, err)
	}
	if _, err := snapshot.ParseEventKinds("adopted,adpoted"); err == nil {
		t.Fatal("a misspelt kind was accepted")
	}
}
