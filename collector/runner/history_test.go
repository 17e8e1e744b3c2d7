package runner

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/uptake-dev/uptake/collector/cache"
	"github.com/uptake-dev/uptake/collector/snapshot"
	"github.com/uptake-dev/uptake/collector/source"
)

const historyConfig = `
sources:
  - name: fake
    type: fake
    path: /history-test
teams:
  from: [codeowners, map]
  map:
    search: ["search-*"]
offerings:
  - name: service-kit
    owner: platform
    lifecycle: ga
    detect:
      - kind: gomod
        module: github.com/acme/service-kit
`

// withBaseImage is the catalog change: an offering of a detector kind not
// used before, which pay-api's Dockerfile adopts already.
const withBaseImage = historyConfig + `
  - name: base-image
    owner: platform
    lifecycle: beta
    detect:
      - kind: dockerfile
        image: registry.acme.io/base
`

func (s *fakeSource) set(name, head string, files map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if files == nil {
		delete(s.repos, name)
		return
	}
	s.repos[name] = fakeRepo{head: head, files: files}
}

func (s *fakeSource) failHead(name string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.repos[name]
	r.headErr = err
	s.repos[name] = r
}

// storedEvents renders the store's events as "repo offering kind
// from→to team" lines, oldest first.
func storedEvents(t *testing.T, store *cache.Store, f snapshot.EventFilter) []string {
	t.Helper()
	evs, err := store.Events(f)
	must(t, err)
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

// TestScriptedHistory runs a scripted history of scans, each step's
// events exactly as scripted: adoptions, an upgrade, catalog changes (a
// new offering, a teams map change) that make no event, a team move by a
// commit, a drop, a removal, and faults that make none.
func TestScriptedHistory(t *testing.T) {
	src := newFake()
	src.repos = map[string]fakeRepo{}
	fakes.Store("/history-test", src)
	dir := t.TempDir()
	file := filepath.Join(dir, "uptake.yml")
	writeConfig(t, file, historyConfig)
	l, err := Load(file)
	must(t, err)
	store := openStore(t)
	r, err := New(l, Config{File: file, Interval: time.Hour, Store: store})
	must(t, err)
	owners := func(team string) string { return "* @acme/" + team + "\n" }
	dockerfile := "FROM registry.acme.io/base/golang:1.22\n"

	var seen int
	step := func(name string, want ...string) *snapshot.Snapshot {
		t.Helper()
		snap, err := r.ScanOnce(context.Background())
		must(t, err)
		all := storedEvents(t, store, snapshot.EventFilter{})
		if got := all[seen:]; !reflect.DeepEqual(got, append([]string{}, want...)) {
			t.Fatalf("%s: events\n%q\nwant\n%q", name, got, want)
		}
		seen = len(all)
		return snap
	}

	src.set("pay-api", "p1", map[string]string{".github/CODEOWNERS": owners("payments"), "go.mod": goMod("v1.2.0"), "Dockerfile": dockerfile})
	src.set("search-web", "s1", map[string]string{"package.json": "{}"})
	src.set("lib-x", "l1", map[string]string{"go.mod": goMod("v1.0.0")})
	step("first scan: baselines only")
	step("nothing changed")

	src.set("search-web", "s2", map[string]string{"package.json": "{}", "go.mod": goMod("v1.3.0")})
	src.set("pay-api", "p2", map[string]string{".github/CODEOWNERS": owners("payments"), "go.mod": goMod("v1.4.0"), "Dockerfile": dockerfile})
	step("adopt and upgrade",
		"pay-api service-kit upgraded v1.2.0→v1.4.0 payments",
		"search-web service-kit adopted →v1.3.0 search")

	// A catalog change that needs a new detector: scanned again, and
	// pay-api's Dockerfile, adopted all along, is no adoption, though a
	// commit came in the same scan.
	src.set("pay-api", "p2b", map[string]string{".github/CODEOWNERS": owners("payments"), "go.mod": goMod("v1.4.0"), "Dockerfile": dockerfile,
		"README.md": "# pay-api\n"})
	writeConfig(t, file, withBaseImage)
	must(t, r.Reload())
	if snap := step("catalog change: a new offering"); adopted(snap, "base-image", "payments") != 1 {
		t.Fatal("the new offering is not counted")
	}

	// A teams config change re-evaluates at once: lib-x moves to libs by
	// the config, which is no move.
	writeConfig(t, file, strings.Replace(withBaseImage, `search: ["search-*"]`, `search: ["search-*"]
    libs: ["lib-*"]`, 1))
	must(t, r.Reload())
	if adopted(r.Snapshot(), "service-kit", "libs") != 1 {
		t.Fatal("the reload did not re-evaluate")
	}
	step("teams config change")

	src.set("pay-api", "p3", map[string]string{".github/CODEOWNERS": owners("search"), "go.mod": goMod("v1.4.0"), "Dockerfile": dockerfile})
	step("a team move by a commit",
		"pay-api base-image moved 1.22→1.22 search from payments",
		"pay-api service-kit moved v1.4.0→v1.4.0 search from payments")

	src.set("search-web", "s3", map[string]string{"package.json": "{}"})
	src.set("lib-x", "", nil)
	step("a drop and a repo deleted",
		"lib-x service-kit removed v1.0.0→ libs",
		"search-web service-kit dropped v1.3.0→ search")

	// Faults make no event: a repo whose read fails keeps its last good
	// data, and a listing that fails removes nothing.
	src.set("pay-api", "p4", map[string]string{".github/CODEOWNERS": owners("search"), "Dockerfile": dockerfile})
	src.failHead("pay-api", errors.New("HTTP 502"))
	step("a repo read fails")
	src.listErr = errors.New("HTTP 503")
	step("the listing fails")
	src.listErr = nil
	src.failHead("pay-api", nil)
	snap := step("read again", "pay-api service-kit dropped v1.4.0→ search")

	want := map[string]uint64{"service-kit/payments/upgraded": 1, "service-kit/search/adopted": 1, "service-kit/search/moved": 1,
		"base-image/search/moved": 1, "service-kit/libs/removed": 1, "service-kit/search/dropped": 2}
	got := map[string]uint64{}
	for _, tot := range snap.History.Totals {
		got[tot.Offering+"/"+tot.Team+"/"+string(tot.Event)] = tot.Count
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("totals %v, want %v", got, want)
	}
	if len(snap.History.FirstAdopted) != 2 {
		t.Errorf("first adopted %v; want service-kit and base-image", snap.History.FirstAdopted)
	}

	// The totals survive a restart: a new runner's restored snapshot has them.
	r2, err := New(l, Config{File: file, Interval: time.Hour, Store: store})
	must(t, err)
	r2.restore()
	if s := r2.Snapshot(); s == nil || !s.Restored || !reflect.DeepEqual(s.History.Totals, snap.History.Totals) {
		t.Fatalf("restored snapshot's history: %+v", s)
	}
	if got := storedEvents(t, store, snapshot.EventFilter{}); len(got) != seen {
		t.Fatalf("publishing the restored snapshot wrote events: %q", got[seen:])
	}
}

// Each shard records only its own repos: the shards' events together are
// the unsharded scan's, and no shard removes another's repos.
func TestShardsRecordTheirOwnRepos(t *testing.T) {
	src := newFake()
	src.repos = map[string]fakeRepo{}
	fakes.Store("/history-shards", src)
	for i := range 6 {
		src.set(fmt.Sprintf("repo-%d", i), "c1", map[string]string{"go.mod": goMod("v1.0.0")})
	}
	yml := strings.Replace(historyConfig, "/history-test", "/history-shards", 1)
	l := loadTest(t, yml)
	const shards = 3
	var stores [shards]*cache.Store
	var runners [shards]*Runner
	for i := range shards {
		stores[i] = openStore(t)
		var err error
		runners[i], err = New(l, Config{Interval: time.Hour, Store: stores[i], Shard: i, Shards: shards})
		must(t, err)
	}
	scanAll := func() {
		for _, r := range runners {
			_, err := r.ScanOnce(context.Background())
			must(t, err)
		}
	}
	scanAll()
	for i := range 6 {
		src.set(fmt.Sprintf("repo-%d", i), "c2", map[string]string{"go.mod": goMod("v1.1.0")})
	}
	scanAll()
	total := 0
	for i, st := range stores {
		evs, err := st.Events(snapshot.EventFilter{})
		must(t, err)
		for _, e := range evs {
			if e.Event != snapshot.Upgraded || !InShard(sourceRepo(e), i, shards) {
				t.Errorf("shard %d recorded %+v", i, e)
			}
		}
		total += len(evs)
	}
	if total != 6 {
		t.Fatalf("the shards recorded %d upgrades, want 6", total)
	}
}

func sourceRepo(e snapshot.Event) source.Repo { return source.Repo{Source: e.Source, Name: e.Repo} }
