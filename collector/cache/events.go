package cache

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"sort"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/uptake-dev/uptake/collector/history"
	"github.com/uptake-dev/uptake/collector/snapshot"
)

var (
	// eventsBucket holds the event log, keyed by eventKey: in time order.
	eventsBucket = []byte("events")
	// totalsBucket counts events per offering, team and kind, pruned ones
	// included.
	totalsBucket = []byte("event_totals")
	// firstBucket holds each offering's first known adoption time.
	firstBucket = []byte("first_adopted")
	// baselineBucket holds each repo's last recorded standing
	// (history.Repo), keyed as the scans bucket.
	baselineBucket = []byte("baseline")
	historyBuckets = [][]byte{eventsBucket, totalsBucket, firstBucket, baselineBucket}

	// evalHashKey (meta) is the evaluation hash of the last recorded scan.
	evalHashKey = []byte("eval_hash")
	// prunedBeforeKey (meta) is the retention cutoff events were pruned
	// to: an older event appended later would be counted a second time.
	prunedBeforeKey = []byte("pruned_before")
)

// pruneBatch bounds one pruning transaction, so a year of events pruned at
// once does not hold the write lock for long.
const pruneBatch = 10_000

// eventKey orders events by time: 8 bytes of Unix nanoseconds, then 8 of a
// hash of the encoded event, so the same event appended twice (a backfill
// run again, an import) is kept and counted once.
func eventKey(t time.Time, encoded []byte) []byte {
	h := sha256.Sum256(encoded)
	return append(timeKey(t), h[:8]...)
}

func timeKey(t time.Time) []byte {
	return binary.BigEndian.AppendUint64(nil, uint64(max(0, t.UnixNano())))
}

func keyTime(b []byte) time.Time {
	return time.Unix(0, int64(binary.BigEndian.Uint64(b))).UTC()
}

func totalKey(offering, team string, kind snapshot.EventKind) []byte {
	return []byte(offering + "\x00" + team + "\x00" + string(kind))
}

// Record writes one scan's change in one transaction: its events (their
// totals and first adoptions too), the baseline entries it wrote and
// deleted, and hash, the evaluation hash it was diffed under. at is the
// scan's time: offerings the baseline shows adopted for the first time are
// first adopted then at the latest.
func (s *Store) Record(c history.Change, hash string, at time.Time) error {
	puts := make([][2][]byte, 0, len(c.Put))
	for _, r := range c.Put {
		v, err := json.Marshal(r)
		if err != nil {
			return err
		}
		puts = append(puts, [2][]byte{scanKey(r.Source, r.Name), v})
	}
	return s.update(func(tx *bolt.Tx) error {
		if err := appendEvents(tx, c.Events); err != nil {
			return err
		}
		b, first := tx.Bucket(baselineBucket), tx.Bucket(firstBucket)
		for _, kv := range puts {
			if err := b.Put(kv[0], kv[1]); err != nil {
				return err
			}
		}
		for _, r := range c.Put {
			for o := range r.Offerings {
				if err := earliest(first, o, at); err != nil {
					return err
				}
			}
		}
		for _, k := range c.Delete {
			if err := b.Delete(scanKey(k.Source, k.Repo)); err != nil {
				return err
			}
		}
		return tx.Bucket(metaBucket).Put(evalHashKey, []byte(hash))
	})
}

// AppendEvents appends events to the log in one transaction, with their
// totals and first adoptions, as Record does: for events not diffed by a
// scan (backfill's). An event already in the log, or older than the
// retention cutoff events were pruned to, is skipped, so the totals count
// each event once.
func (s *Store) AppendEvents(evs []snapshot.Event) error {
	return s.update(func(tx *bolt.Tx) error { return appendEvents(tx, evs) })
}

func appendEvents(tx *bolt.Tx, evs []snapshot.Event) error {
	cutoff := prunedBefore(tx)
	b, totals, first := tx.Bucket(eventsBucket), tx.Bucket(totalsBucket), tx.Bucket(firstBucket)
	for _, e := range evs {
		if e.Time.Before(cutoff) {
			continue
		}
		v, err := json.Marshal(e)
		if err != nil {
			return err
		}
		k := eventKey(e.Time, v)
		if b.Get(k) != nil {
			continue
		}
		if err := b.Put(k, v); err != nil {
			return err
		}
		tk := totalKey(e.Offering, e.Team, e.Event)
		var n uint64
		if old := totals.Get(tk); len(old) == 8 {
			n = binary.BigEndian.Uint64(old)
		}
		if err := totals.Put(tk, binary.BigEndian.AppendUint64(nil, n+1)); err != nil {
			return err
		}
		if e.Event == snapshot.Adopted {
			if err := earliest(first, e.Offering, e.Time); err != nil {
				return err
			}
		}
	}
	return nil
}

// earliest lowers an offering's first adoption time to t.
func earliest(first *bolt.Bucket, offering string, t time.Time) error {
	if old := first.Get([]byte(offering)); len(old) == 8 && !t.Before(keyTime(old)) {
		return nil
	}
	return first.Put([]byte(offering), timeKey(t))
}

func prunedBefore(tx *bolt.Tx) time.Time {
	if m := tx.Bucket(metaBucket); m != nil {
		if v := m.Get(prunedBeforeKey); len(v) == 8 {
			return keyTime(v)
		}
	}
	return time.Time{}
}

// Events returns the events f selects, oldest first. A store of an older
// schema, opened read-only, has none.
func (s *Store) Events(f snapshot.EventFilter) ([]snapshot.Event, error) {
	out := []snapshot.Event{}
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(eventsBucket)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, v := c.Seek(timeKey(f.Since)); k != nil; k, v = c.Next() {
			if !f.Until.IsZero() && !keyTime(k).Before(f.Until) {
				break
			}
			var e snapshot.Event
			if err := json.Unmarshal(v, &e); err != nil {
				return &damagedError{path: s.path, cause: err}
			}
			if f.Match(e) {
				out = append(out, e)
			}
		}
		return nil
	})
	// Keys order events by time, then by hash: a scan's events, all of
	// one time, come in Diff's order.
	history.Sort(out)
	return out, err
}

// History returns the event totals, sorted, and each offering's first
// adoption time.
func (s *Store) History() (*snapshot.History, error) {
	h := &snapshot.History{Totals: []snapshot.EventTotal{}, FirstAdopted: map[string]time.Time{}}
	err := s.view(func(tx *bolt.Tx) error {
		if b := tx.Bucket(totalsBucket); b != nil {
			err := b.ForEach(func(k, v []byte) error {
				parts := strings.SplitN(string(k), "\x00", 3)
				if len(parts) == 3 && len(v) == 8 {
					h.Totals = append(h.Totals, snapshot.EventTotal{Offering: parts[0], Team: parts[1],
						Event: snapshot.EventKind(parts[2]), Count: binary.BigEndian.Uint64(v)})
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		if b := tx.Bucket(firstBucket); b != nil {
			return b.ForEach(func(k, v []byte) error {
				if len(v) == 8 {
					h.FirstAdopted[string(k)] = keyTime(v)
				}
				return nil
			})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(h.Totals, func(i, j int) bool {
		a, b := h.Totals[i], h.Totals[j]
		return string(totalKey(a.Offering, a.Team, a.Event)) < string(totalKey(b.Offering, b.Team, b.Event))
	})
	return h, nil
}

// Baseline returns every repo's last recorded standing.
func (s *Store) Baseline() (map[history.Key]history.Repo, error) {
	out := map[history.Key]history.Repo{}
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(baselineBucket)
		if b == nil {
			return nil
		}
		return b.ForEach(func(_, v []byte) error {
			var r history.Repo
			if err := json.Unmarshal(v, &r); err != nil {
				return &damagedError{path: s.path, cause: err}
			}
			out[r.Key()] = r
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// EvalHash is the evaluation hash of the last scan Record wrote; "" before
// the first.
func (s *Store) EvalHash() string {
	var h string
	_ = s.view(func(tx *bolt.Tx) error {
		if m := tx.Bucket(metaBucket); m != nil {
			h = string(m.Get(evalHashKey))
		}
		return nil
	})
	return h
}

// PruneEvents deletes the events older than before, a batch per
// transaction, and returns how many it deleted. The totals keep counting
// them.
func (s *Store) PruneEvents(before time.Time) (int, error) {
	err := s.update(func(tx *bolt.Tx) error {
		if !before.After(prunedBefore(tx)) {
			return nil
		}
		return tx.Bucket(metaBucket).Put(prunedBeforeKey, timeKey(before))
	})
	if err != nil {
		return 0, err
	}
	end := timeKey(before)
	deleted := 0
	for {
		n := 0
		err := s.update(func(tx *bolt.Tx) error {
			b := tx.Bucket(eventsBucket)
			// Keys first: a cursor may skip the element after one it deletes.
			var keys [][]byte
			c := b.Cursor()
			for k, _ := c.First(); k != nil && bytes.Compare(k[:8], end) < 0 && len(keys) < pruneBatch; k, _ = c.Next() {
				keys = append(keys, bytes.Clone(k))
			}
			for _, k := range keys {
				if err := b.Delete(k); err != nil {
					return err
				}
			}
			n = len(keys)
			return nil
		})
		deleted += n
		if err != nil || n < pruneBatch {
			return deleted, err
		}
	}
}
