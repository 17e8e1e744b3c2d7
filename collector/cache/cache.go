// Package cache is the store in --storage.path: an embedded bbolt database
// holding each repo's last inventory keyed by HEAD commit and rule-set
// hash, a key-value area sources use for blobs and ETags, each source's
// last complete scan, and the history: the adoption event log, its totals
// and the baseline the next scan is diffed against. Its layout is
// versioned (SchemaVersion) and migrated in place at Open.
//
// A store that cannot be opened is reported, never wiped: it may hold the
// only copy of the last good scan and of the history. A damaged one, or
// one of a newer version, is never written to.
package cache

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// FileName is the database file inside the storage directory.
const FileName = "uptake.db"

var (
	scansBucket = []byte("scans")
	kvBucket    = []byte("kv")
	runsBucket  = []byte("runs")
)

// Store is an open scan cache. Once an operation finds the file damaged
// the store stops using it: writes are refused, reads miss.
type Store struct {
	db       *bolt.DB
	path     string
	readOnly bool
	damage   atomic.Pointer[damagedError] // the first damage found
}

// Entry is one repo's cached scan result.
type Entry struct {
	Head     string          `json:"head"`
	RuleHash string          `json:"rule_hash"`
	Time     time.Time       `json:"time"`
	Data     json.RawMessage `json:"data"`
}

// Open opens or creates the store in dir, migrating an older layout. An
// existing file is vetted read-only first, so a damaged one, or one a newer
// uptake wrote, is reported before anything writes to it.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, openError(dir, err)
	}
	path := filepath.Join(dir, FileName)
	// An empty file holds nothing to lose: bbolt initialises it.
	if info, err := os.Stat(path); err == nil && info.Size() > 0 {
		if err := vet(path); err != nil {
			return nil, openError(path, err)
		}
	}
	s, err := open(path, false)
	if err != nil {
		return nil, err
	}
	if err := s.migrate(); err != nil {
		_ = s.Close() // the error that matters is err
		return nil, openError(path, err)
	}
	return s, nil
}

// OpenReadOnly opens the existing store in dir for reading only, as the
// commands that read the history do; a store older than SchemaVersion is
// read as it is (it has no history yet). bbolt shares the file's lock
// with other readers, so a running serve, which holds it for writing,
// makes this fail with ErrLocked.
func OpenReadOnly(dir string) (*Store, error) {
	path := filepath.Join(dir, FileName)
	info, err := os.Stat(path)
	if err != nil {
		return nil, openError(path, err)
	}
	if info.Size() == 0 {
		return nil, fmt.Errorf("storage %s is empty: no scan has written it yet", path)
	}
	if err := vet(path); err != nil {
		return nil, openError(path, err)
	}
	return open(path, true)
}

func open(path string, readOnly bool) (*Store, error) {
	var db *bolt.DB
	err := guarded(path, func() (err error) {
		db, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second, ReadOnly: readOnly})
		return err
	})
	if err != nil {
		return nil, openError(path, err)
	}
	return &Store{db: db, path: path, readOnly: readOnly}, nil
}

// vet checks an existing file through a read-only handle.
func vet(path string) error {
	if err := checkFile(path); err != nil {
		return err
	}
	var db *bolt.DB
	err := guarded(path, func() (err error) {
		// The freelist is loaded here, guarded, not later in tx.Check.
		db, err = bolt.Open(path, 0, &bolt.Options{Timeout: 2 * time.Second, ReadOnly: true, PreLoadFreelist: true})
		return err
	})
	if err != nil {
		return err
	}
	var version int
	err = guarded(path, func() error {
		return db.View(func(tx *bolt.Tx) (err error) {
			if err = verify(tx); err == nil {
				version, err = schemaVersion(tx)
			}
			return err
		})
	})
	if err != nil && !errors.Is(err, ErrDamaged) {
		err = &damagedError{path: path, cause: err}
	}
	if err == nil && version > SchemaVersion {
		err = &newerError{path: path, version: version}
	}
	// Safe after a panic: with both metas sound, bbolt cannot panic while
	// holding the locks Close takes.
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	return err
}

func openError(path string, err error) error {
	var pe *fs.PathError
	switch {
	case errors.Is(err, ErrDamaged), errors.Is(err, ErrNewerSchema):
		return err
	case errors.Is(err, berrors.ErrTimeout):
		return fmt.Errorf("storage %s is %w", path, ErrLocked)
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrVersionMismatch), errors.Is(err, berrors.ErrChecksum):
		return &damagedError{path: path, cause: err}
	case errors.Is(err, fs.ErrPermission):
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("storage %s is not writable by this user: %w", path, err)
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("storage %s does not exist: no scan has written it (is --storage.path right?)", path)
	case errors.Is(err, syscall.EROFS):
		return fmt.Errorf("storage %s is on a read-only file system: %w", path, syscall.EROFS)
	}
	return fmt.Errorf("storage %s cannot be opened: %w", path, err)
}

// Close releases the database. A damaged one stays open until the process
// exits: bbolt may have panicked holding the locks Close waits for.
func (s *Store) Close() error {
	if !s.Healthy() {
		return nil
	}
	return s.db.Close()
}

// Healthy reports whether no operation has found the file damaged. Callers
// publish it (uptake_storage_healthy) and log Err once when it turns false:
// from then on every write returns that error and every read misses, so
// the runner scans as if without a cache.
func (s *Store) Healthy() bool { return s.damage.Load() == nil }

// Err returns the first damage found (matching ErrDamaged), or nil while
// the store is healthy.
func (s *Store) Err() error {
	if d := s.damage.Load(); d != nil {
		return d
	}
	return nil
}

func (s *Store) view(fn func(*bolt.Tx) error) error   { return s.txn(s.db.View, fn) }
func (s *Store) update(fn func(*bolt.Tx) error) error { return s.txn(s.db.Update, fn) }

// txn runs every transaction; after damage, none reaches bbolt.
func (s *Store) txn(run func(func(*bolt.Tx) error) error, fn func(*bolt.Tx) error) error {
	if err := s.Err(); err != nil {
		return err
	}
	err := guarded(s.path, func() error { return run(fn) })
	if d := (*damagedError)(nil); errors.As(err, &d) {
		s.damage.CompareAndSwap(nil, d)
	}
	return err
}

func scanKey(source, repo string) []byte { return []byte(source + "\x00" + repo) }

// Lookup returns the cached data for a repo when it was computed at this
// head with this rule set.
func (s *Store) Lookup(source, repo, head, ruleHash string) (json.RawMessage, bool) {
	e, ok := s.Last(source, repo)
	if !ok || e.Head != head || e.RuleHash != ruleHash {
		return nil, false
	}
	return e.Data, true
}

// Last returns the repo's newest entry whatever its head: the last good data
// kept when a rescan of the repo fails.
func (s *Store) Last(source, repo string) (Entry, bool) {
	var e Entry
	var found bool
	err := s.view(func(tx *bolt.Tx) error {
		v := tx.Bucket(scansBucket).Get(scanKey(source, repo))
		if v == nil {
			return nil
		}
		found = json.Unmarshal(v, &e) == nil
		return nil
	})
	if err != nil {
		return Entry{}, false
	}
	return e, found
}

// Save records a repo's result.
func (s *Store) Save(source, repo string, e Entry) error {
	v, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return s.update(func(tx *bolt.Tx) error {
		return tx.Bucket(scansBucket).Put(scanKey(source, repo), v)
	})
}

// SaveMany records several repos' results of one source in one
// transaction: one fsync for a batch instead of one per repo.
func (s *Store) SaveMany(source string, entries map[string]Entry) error {
	values := make(map[string][]byte, len(entries))
	for repo, e := range entries {
		v, err := json.Marshal(e)
		if err != nil {
			return err
		}
		values[repo] = v
	}
	return s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(scansBucket)
		for repo, v := range values {
			if err := b.Put(scanKey(source, repo), v); err != nil {
				return err
			}
		}
		return nil
	})
}

// All returns every cached repo of a source, by repo name; none when the
// read failed part way, rather than a part of them.
func (s *Store) All(source string) map[string]Entry {
	out := map[string]Entry{}
	prefix := []byte(source + "\x00")
	err := s.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(scansBucket).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			var e Entry
			if json.Unmarshal(v, &e) == nil {
				out[string(k[len(prefix):])] = e
			}
		}
		return nil
	})
	if err != nil {
		return map[string]Entry{}
	}
	return out
}

// Prune deletes a source's entries for repos not in keep: repos that left
// the source stop taking space.
func (s *Store) Prune(source string, keep map[string]bool) error {
	prefix := []byte(source + "\x00")
	return s.update(func(tx *bolt.Tx) error {
		c := tx.Bucket(scansBucket).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			if !keep[string(k[len(prefix):])] {
				if err := c.Delete(); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// Get reads a key of the key-value area (source.Store).
func (s *Store) Get(key string) ([]byte, bool) {
	var out []byte
	var found bool
	err := s.view(func(tx *bolt.Tx) error {
		if v := tx.Bucket(kvBucket).Get([]byte(key)); v != nil {
			out, found = append([]byte{}, v...), true
		}
		return nil
	})
	if err != nil {
		return nil, false
	}
	return out, found
}

// Put writes a key of the key-value area (source.Store).
func (s *Store) Put(key string, value []byte) error {
	return s.update(func(tx *bolt.Tx) error {
		return tx.Bucket(kvBucket).Put([]byte(key), value)
	})
}
