package cache

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/uptake-dev/uptake/collector/history"
	"github.com/uptake-dev/uptake/collector/snapshot"
)

// exportFormat names an export in its header line.
const exportFormat = "uptake-store-history"

// ExportLine is one line of an export (JSON lines): exactly one field is
// set. The first line is the header; the scan cache itself is not
// exported, since the next scan rebuilds it.
type ExportLine struct {
	Header       *ExportHeader        `json:"header,omitempty"`
	Event        *snapshot.Event      `json:"event,omitempty"`
	Total        *snapshot.EventTotal `json:"total,omitempty"`
	FirstAdopted *FirstAdopted        `json:"first_adopted,omitempty"`
	Baseline     *history.Repo        `json:"baseline,omitempty"`
}

// ExportHeader describes an export.
type ExportHeader struct {
	Format       string    `json:"format"`
	Schema       int       `json:"schema"`
	Exported     time.Time `json:"exported"`
	PrunedBefore time.Time `json:"pruned_before,omitzero"`
	EvalHash     string    `json:"eval_hash,omitempty"`
}

// FirstAdopted is an offering's first known adoption time.
type FirstAdopted struct {
	Offering string    `json:"offering"`
	Time     time.Time `json:"time"`
}

// Export writes the store's history as JSON lines, read in one
// transaction: a header, then every event, total, first adoption and
// baseline entry.
func (s *Store) Export(w io.Writer, now time.Time) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	err := s.view(func(tx *bolt.Tx) error {
		h := ExportHeader{Format: exportFormat, Schema: SchemaVersion, Exported: now.UTC(), PrunedBefore: prunedBefore(tx)}
		if m := tx.Bucket(metaBucket); m != nil {
			h.EvalHash = string(m.Get(evalHashKey))
		}
		if err := enc.Encode(ExportLine{Header: &h}); err != nil {
			return err
		}
		return forEachHistory(tx, func(l ExportLine) error { return enc.Encode(l) })
	})
	if err != nil {
		return err
	}
	return bw.Flush()
}

// forEachHistory calls fn with every history record of tx as a line.
func forEachHistory(tx *bolt.Tx, fn func(ExportLine) error) error {
	each := func(bucket []byte, line func(k, v []byte) (ExportLine, error)) error {
		b := tx.Bucket(bucket)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			l, err := line(k, v)
			if err != nil {
				return err
			}
			return fn(l)
		})
	}
	err := each(eventsBucket, func(_, v []byte) (ExportLine, error) {
		var e snapshot.Event
		return ExportLine{Event: &e}, json.Unmarshal(v, &e)
	})
	if err == nil {
		err = each(totalsBucket, func(k, v []byte) (ExportLine, error) {
			parts := strings.SplitN(string(k), "\x00", 3)
			if len(parts) != 3 || len(v) != 8 {
				return ExportLine{}, fmt.Errorf("event total %q is malformed", k)
			}
			return ExportLine{Total: &snapshot.EventTotal{Offering: parts[0], Team: parts[1], Event: snapshot.EventKind(parts[2]),
				Count: binary.BigEndian.Uint64(v)}}, nil
		})
	}
	if err == nil {
		err = each(firstBucket, func(k, v []byte) (ExportLine, error) {
			if len(v) != 8 {
				return ExportLine{}, fmt.Errorf("first adoption of %q is malformed", k)
			}
			return ExportLine{FirstAdopted: &FirstAdopted{Offering: string(k), Time: keyTime(v)}}, nil
		})
	}
	if err == nil {
		err = each(baselineBucket, func(_, v []byte) (ExportLine, error) {
			var r history.Repo
			return ExportLine{Baseline: &r}, json.Unmarshal(v, &r)
		})
	}
	return err
}

// ImportStats counts what an import added.
type ImportStats struct {
	Events, Totals, FirstAdopted, Baseline int
}

// Import merges an export into the store in one transaction, after reading
// it whole (a bad line, reported as "line N", imports nothing). Merging
// never takes the store back: an event already kept, or older than the
// store's pruning cutoff, is skipped; a total is raised to the export's,
// never lowered; a first adoption only moves earlier; a baseline entry is
// added for a repo the store has none for. Importing the same export twice
// changes nothing the second time.
func (s *Store) Import(r io.Reader) (ImportStats, error) {
	var st ImportStats
	lines, err := readExport(r)
	if err != nil {
		return st, err
	}
	h := lines[0].Header
	err = s.update(func(tx *bolt.Tx) error {
		st = ImportStats{}
		meta := tx.Bucket(metaBucket)
		if h.PrunedBefore.After(prunedBefore(tx)) {
			if err := meta.Put(prunedBeforeKey, timeKey(h.PrunedBefore)); err != nil {
				return err
			}
		}
		if h.EvalHash != "" && meta.Get(evalHashKey) == nil {
			if err := meta.Put(evalHashKey, []byte(h.EvalHash)); err != nil {
				return err
			}
		}
		for _, l := range lines[1:] {
			if err := importLine(tx, l, &st); err != nil {
				return err
			}
		}
		return nil
	})
	return st, err
}

// readExport reads and checks an export's lines.
func readExport(r io.Reader) ([]ExportLine, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	var lines []ExportLine
	for n := 1; sc.Scan(); n++ {
		if len(strings.TrimSpace(sc.Text())) == 0 {
			continue
		}
		dec := json.NewDecoder(strings.NewReader(sc.Text()))
		dec.DisallowUnknownFields()
		var l ExportLine
		if err := dec.Decode(&l); err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		set := 0
		for _, p := range []bool{l.Header != nil, l.Event != nil, l.Total != nil, l.FirstAdopted != nil, l.Baseline != nil} {
			if p {
				set++
			}
		}
		switch {
		case set != 1:
			return nil, fmt.Errorf("line %d: want exactly one of header, event, total, first_adopted, baseline", n)
		case len(lines) == 0 && (l.Header == nil || l.Header.Format != exportFormat):
			return nil, fmt.Errorf("line %d: not an uptake store export (want a header line with format %q first)", n, exportFormat)
		case len(lines) == 0 && l.Header.Schema > SchemaVersion:
			return nil, fmt.Errorf("line %d: the export is of schema version %d, newer than this uptake's %d", n, l.Header.Schema, SchemaVersion)
		case len(lines) > 0 && l.Header != nil:
			return nil, fmt.Errorf("line %d: a second header", n)
		case l.Event != nil && l.Event.Offering == "":
			return nil, fmt.Errorf("line %d: an event without an offering", n)
		}
		lines = append(lines, l)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(lines) == 0 {
		return nil, fmt.Errorf("not an uptake store export: empty")
	}
	return lines, nil
}

func importLine(tx *bolt.Tx, l ExportLine, st *ImportStats) error {
	switch {
	case l.Event != nil:
		e := *l.Event
		if e.Time.Before(prunedBefore(tx)) {
			return nil
		}
		v, err := json.Marshal(e)
		if err != nil {
			return err
		}
		b, k := tx.Bucket(eventsBucket), eventKey(e.Time, v)
		if b.Get(k) != nil {
			return nil
		}
		st.Events++
		return b.Put(k, v) // counted by the export's totals
	case l.Total != nil:
		b, k := tx.Bucket(totalsBucket), totalKey(l.Total.Offering, l.Total.Team, l.Total.Event)
		if old := b.Get(k); len(old) == 8 && binary.BigEndian.Uint64(old) >= l.Total.Count {
			return nil
		}
		st.Totals++
		return b.Put(k, binary.BigEndian.AppendUint64(nil, l.Total.Count))
	case l.FirstAdopted != nil:
		b := tx.Bucket(firstBucket)
		if old := b.Get([]byte(l.FirstAdopted.Offering)); len(old) == 8 && !l.FirstAdopted.Time.Before(keyTime(old)) {
			return nil
		}
		st.FirstAdopted++
		return earliest(b, l.FirstAdopted.Offering, l.FirstAdopted.Time)
	default:
		b, k := tx.Bucket(baselineBucket), scanKey(l.Baseline.Source, l.Baseline.Name)
		if b.Get(k) != nil {
			return nil
		}
		v, err := json.Marshal(l.Baseline)
		if err != nil {
			return err
		}
		st.Baseline++
		return b.Put(k, v)
	}
}
