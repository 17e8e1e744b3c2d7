package cache

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/uptake-dev/uptake/collector/history"
	"github.com/uptake-dev/uptake/collector/snapshot"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func ev(days int, offering, team string, kind snapshot.EventKind) snapshot.Event {
	return snapshot.Event{Time: t0.AddDate(0, 0, days), Source: "src", Repo: "r-" + team, Team: team, Offering: offering, Event: kind, ToVersion: "1.0.0"}
}

func kinds(evs []snapshot.Event) []string {
	out := []string{}
	for _, e := range evs {
		out = append(out, e.Offering+"/"+e.Team+"/"+string(e.Event))
	}
	return out
}

func TestRecordQueryReopen(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	must(t, err)
	change := history.Change{
		Events: []snapshot.Event{ev(1, "kit", "pay", snapshot.Adopted), ev(2, "kit", "search", snapshot.Dropped), ev(3, "lib", "pay", snapshot.Upgraded)},
		Put:    []history.Repo{{Source: "src", Name: "a", Team: "pay", Commit: "c1", Hash: "h", Offerings: map[string]string{"kit": "1.0.0", "ci": "v2"}}},
	}
	must(t, s.Record(change, "h", t0.AddDate(0, 0, 5)))
	must(t, s.Close())

	s, err = Open(dir)
	must(t, err)
	defer s.Close()
	for _, tc := range []struct {
		f    snapshot.EventFilter
		want []string
	}{
		{snapshot.EventFilter{}, []string{"kit/pay/adopted", "kit/search/dropped", "lib/pay/upgraded"}},
		{snapshot.EventFilter{Since: t0.AddDate(0, 0, 2)}, []string{"kit/search/dropped", "lib/pay/upgraded"}},
		{snapshot.EventFilter{Until: t0.AddDate(0, 0, 2)}, []string{"kit/pay/adopted"}},
		{snapshot.EventFilter{Offerings: []string{"kit"}, Teams: []string{"pay"}}, []string{"kit/pay/adopted"}},
		{snapshot.EventFilter{Kinds: []snapshot.EventKind{snapshot.Dropped, snapshot.Upgraded}}, []string{"kit/search/dropped", "lib/pay/upgraded"}},
		{snapshot.EventFilter{Teams: []string{"nobody"}}, []string{}},
	} {
		got, err := s.Events(tc.f)
		must(t, err)
		if !reflect.DeepEqual(kinds(got), tc.want) {
			t.Errorf("Events(%+v) = %v, want %v", tc.f, kinds(got), tc.want)
		}
	}
	b, err := s.Baseline()
	must(t, err)
	if r := b[history.Key{Source: "src", Repo: "a"}]; r.Commit != "c1" || r.Offerings["ci"] != "v2" {
		t.Errorf("baseline = %+v", b)
	}
	if s.EvalHash() != "h" {
		t.Errorf("EvalHash = %q", s.EvalHash())
	}
	h, err := s.History()
	must(t, err)
	if len(h.Totals) != 3 || h.Totals[0] != (snapshot.EventTotal{Offering: "kit", Team: "pay", Event: snapshot.Adopted, Count: 1}) {
		t.Errorf("totals = %+v", h.Totals)
	}
	// kit: its adopted event is earlier than the baseline that shows it;
	// ci: only the baseline (the scan's time) shows it.
	if !h.FirstAdopted["kit"].Equal(t0.AddDate(0, 0, 1)) || !h.FirstAdopted["ci"].Equal(t0.AddDate(0, 0, 5)) || len(h.FirstAdopted) != 2 {
		t.Errorf("first adopted = %v", h.FirstAdopted)
	}

	must(t, s.Record(history.Change{Delete: []history.Key{{Source: "src", Repo: "a"}}}, "h2", t0.AddDate(0, 0, 6)))
	if b, _ := s.Baseline(); len(b) != 0 || s.EvalHash() != "h2" {
		t.Errorf("after delete: baseline %v, hash %q", b, s.EvalHash())
	}
}

// The same event appended twice is kept and counted once; pruning deletes
// events but not their totals, and an event older than the cutoff appended
// later is not counted again.
func TestAppendPruneTotalsNeverGoBack(t *testing.T) {
	s, err := Open(t.TempDir())
	must(t, err)
	defer s.Close()
	evs := []snapshot.Event{ev(1, "kit", "pay", snapshot.Adopted), ev(10, "kit", "pay", snapshot.Adopted), ev(20, "kit", "pay", snapshot.Adopted)}
	must(t, s.AppendEvents(evs))
	must(t, s.AppendEvents(evs[:2]))
	count := func() uint64 {
		h, err := s.History()
		must(t, err)
		if len(h.Totals) != 1 {
			t.Fatalf("totals %+v", h.Totals)
		}
		return h.Totals[0].Count
	}
	if n := count(); n != 3 {
		t.Fatalf("total %d after appending twice, want 3", n)
	}
	n, err := s.PruneEvents(t0.AddDate(0, 0, 15))
	must(t, err)
	left, _ := s.Events(snapshot.EventFilter{})
	if n != 2 || len(left) != 1 || count() != 3 {
		t.Fatalf("pruned %d, %d left, total %d; want 2, 1, 3", n, len(left), count())
	}
	must(t, s.AppendEvents(evs))
	if left, _ := s.Events(snapshot.EventFilter{}); len(left) != 1 || count() != 3 {
		t.Fatalf("appending pruned events again: %d kept, total %d; want 1, 3", len(left), count())
	}
	// A later cutoff never moves back.
	if _, err := s.PruneEvents(t0); err != nil {
		t.Fatal(err)
	}
	must(t, s.AppendEvents([]snapshot.Event{ev(2, "kit", "pay", snapshot.Dropped)}))
	if left, _ := s.Events(snapshot.EventFilter{}); len(left) != 1 {
		t.Fatalf("an event before the first cutoff was kept: %v", kinds(left))
	}
}

// Pruning many events goes batch by batch and misses none.
func TestPruneBatches(t *testing.T) {
	s, err := Open(t.TempDir())
	must(t, err)
	defer s.Close()
	var evs []snapshot.Event
	for i := range pruneBatch + 10 {
		e := ev(0, "kit", "pay", snapshot.Adopted)
		e.Time = t0.Add(time.Duration(i) * time.Second)
		evs = append(evs, e)
	}
	must(t, s.AppendEvents(evs))
	n, err := s.PruneEvents(t0.AddDate(0, 0, 1))
	must(t, err)
	left, _ := s.Events(snapshot.EventFilter{})
	if n != len(evs) || len(left) != 0 {
		t.Fatalf("pruned %d of %d, %d left", n, len(evs), len(left))
	}
}

// A store of schema version 0 (the scan cache before history) migrates in
// place, its data kept.
func TestOpenMigratesVersion0(t *testing.T) {
	dir := t.TempDir()
	db, err := bolt.Open(filepath.Join(dir, FileName), 0o600, nil)
	must(t, err)
	must(t, db.Update(func(tx *bolt.Tx) error {
		must(t, createAll(tx, v0Buckets))
		return tx.Bucket(kvBucket).Put([]byte("blob:a"), []byte("kept"))
	}))
	must(t, db.Close())

	s, err := Open(dir)
	must(t, err)
	if v, ok := s.Get("blob:a"); !ok || string(v) != "kept" {
		t.Fatalf("Get = %q, %v", v, ok)
	}
	must(t, s.AppendEvents([]snapshot.Event{ev(1, "kit", "pay", snapshot.Adopted)}))
	var version int
	must(t, s.view(func(tx *bolt.Tx) (err error) { version, err = schemaVersion(tx); return err }))
	if version != SchemaVersion {
		t.Fatalf("schema version %d after Open, want %d", version, SchemaVersion)
	}
	must(t, s.Close())
	// Read-only, a version-0 store reads as having no history.
	must(t, os.Remove(filepath.Join(dir, FileName)))
	db, err = bolt.Open(filepath.Join(dir, FileName), 0o600, nil)
	must(t, err)
	must(t, db.Update(func(tx *bolt.Tx) error { return createAll(tx, v0Buckets) }))
	must(t, db.Close())
	before := fileSum(t, filepath.Join(dir, FileName))
	ro, err := OpenReadOnly(dir)
	must(t, err)
	evs, err := ro.Events(snapshot.EventFilter{})
	must(t, err)
	h, err := ro.History()
	must(t, err)
	must(t, ro.Close())
	if len(evs) != 0 || len(h.Totals) != 0 || fileSum(t, filepath.Join(dir, FileName)) != before {
		t.Fatalf("read-only v0: %d events, %d totals, file changed %v", len(evs), len(h.Totals), fileSum(t, filepath.Join(dir, FileName)) != before)
	}
}

// A store a newer uptake wrote is refused, read-write and read-only, and
// its bytes stay as they were.
func TestNewerSchemaRefusedUntouched(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	must(t, err)
	must(t, s.update(func(tx *bolt.Tx) error {
		return tx.Bucket(metaBucket).Put(schemaKey, []byte("99"))
	}))
	must(t, s.Close())
	path := filepath.Join(dir, FileName)
	before, err := os.ReadFile(path)
	must(t, err)
	for name, open := range map[string]func(string) (*Store, error){"Open": Open, "OpenReadOnly": OpenReadOnly} {
		_, err := open(dir)
		if !errors.Is(err, ErrNewerSchema) || errors.Is(err, ErrDamaged) {
			t.Errorf("%s err = %v; want ErrNewerSchema", name, err)
		}
		for _, want := range []string{path, "schema version 99", "newer uptake", "untouched"} {
			if err != nil && !strings.Contains(err.Error(), want) {
				t.Errorf("%s err = %q; want it to say %q", name, err, want)
			}
		}
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(after, before) {
		t.Fatal("the store of a newer schema was modified")
	}
}

// A damaged store is refused by OpenReadOnly too, its bytes untouched.
func TestOpenReadOnlyDamaged(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	damaged := bytes.Repeat([]byte("not a bbolt page\n"), 1000)
	must(t, os.WriteFile(path, damaged, 0o600))
	if _, err := OpenReadOnly(dir); !errors.Is(err, ErrDamaged) {
		t.Fatalf("err = %v; want ErrDamaged", err)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(after, damaged) {
		t.Fatal("the damaged store was modified")
	}
	if _, err := OpenReadOnly(t.TempDir()); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("a missing store: err = %v", err)
	}
}

// OpenReadOnly beside a writer fails with ErrLocked, and writes through a
// read-only store fail.
func TestOpenReadOnlyLockedAndReadOnly(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	must(t, err)
	must(t, s.AppendEvents([]snapshot.Event{ev(1, "kit", "pay", snapshot.Adopted)}))
	if _, err := OpenReadOnly(dir); !errors.Is(err, ErrLocked) {
		t.Fatalf("beside a writer: err = %v; want ErrLocked", err)
	}
	must(t, s.Close())
	ro, err := OpenReadOnly(dir)
	must(t, err)
	defer ro.Close()
	if evs, _ := ro.Events(snapshot.EventFilter{}); len(evs) != 1 {
		t.Fatalf("read-only: %d events", len(evs))
	}
	if err := ro.AppendEvents([]snapshot.Event{ev(2, "kit", "pay", snapshot.Adopted)}); err == nil {
		t.Fatal("a read-only store accepted a write")
	}
}

// An export imported into an empty store gives the same history; imported
// again, nothing changes.
func TestExportImport(t *testing.T) {
	src, err := Open(t.TempDir())
	must(t, err)
	defer src.Close()
	must(t, src.Record(history.Change{
		Events: []snapshot.Event{ev(1, "kit", "pay", snapshot.Adopted), ev(30, "kit", "pay", snapshot.Dropped)},
		Put:    []history.Repo{{Source: "src", Name: "a", Team: "pay", Commit: "c1", Hash: "h", Offerings: map[string]string{"kit": "1.0.0"}}},
	}, "h", t0))
	_, err = src.PruneEvents(t0.AddDate(0, 0, 10))
	must(t, err)
	var buf bytes.Buffer
	must(t, src.Export(&buf, t0.AddDate(0, 0, 40)))

	dst, err := Open(t.TempDir())
	must(t, err)
	defer dst.Close()
	st, err := dst.Import(bytes.NewReader(buf.Bytes()))
	must(t, err)
	if st != (ImportStats{Events: 1, Totals: 2, FirstAdopted: 1, Baseline: 1}) {
		t.Errorf("stats %+v", st)
	}
	var again bytes.Buffer
	must(t, dst.Export(&again, t0.AddDate(0, 0, 40)))
	if again.String() != buf.String() {
		t.Errorf("re-export differs:\n%s\nwant\n%s", again.String(), buf.String())
	}
	st, err = dst.Import(bytes.NewReader(buf.Bytes()))
	must(t, err)
	if st != (ImportStats{}) {
		t.Errorf("second import changed %+v", st)
	}
	// The cutoff came along: the pruned event is not counted again.
	must(t, dst.AppendEvents([]snapshot.Event{ev(1, "kit", "pay", snapshot.Adopted)}))
	if h, _ := dst.History(); h.Totals[0].Count != 1 {
		t.Errorf("totals %+v", h.Totals)
	}

	for name, bad := range map[string]string{
		"no header":     `{"event":{"offering":"kit"}}`,
		"newer":         `{"header":{"format":"uptake-store-history","schema":9}}`,
		"two fields":    "{\"header\":{\"format\":\"uptake-store-history\",\"schema\":1}}\n{\"event\":{\"offering\":\"k\"},\"total\":{}}",
		"unknown field": "{\"header\":{\"format\":\"uptake-store-history\",\"schema\":1}}\n{\"evnt\":{}}",
		"empty":         "",
	} {
		if _, err := dst.Import(strings.NewReader(bad)); err == nil {
			t.Errorf("%s: imported", name)
		}
	}
}
