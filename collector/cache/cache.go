// Package cache is the scan cache in --storage.path: an embedded bbolt
// database holding each repo's last inventory keyed by HEAD commit and
// rule-set hash, plus a key-value area sources use for blobs and ETags.
//
// A store that cannot be opened is reported, never wiped: it may hold the
// only copy of the last good scan.
package cache

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// FileName is the database file inside the storage directory.
const FileName = "uptake.db"

var (
	scansBucket = []byte("scans")
	kvBucket    = []byte("kv")
)

// Store is an open scan cache.
type Store struct {
	db *bolt.DB
}

// Entry is one repo's cached scan result.
type Entry struct {
	Head     string          `json:"head"`
	RuleHash string          `json:"rule_hash"`
	Time     time.Time       `json:"time"`
	Data     json.RawMessage `json:"data"`
}

// Open opens or creates the store in dir.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("storage path %s: %w", dir, err)
	}
	path := filepath.Join(dir, FileName)
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("storage %s is locked by another uptake process", path)
	}
	if err != nil {
		return nil, fmt.Errorf("storage %s cannot be opened (corrupt? move it aside to start with an empty cache; it was left untouched): %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{scansBucket, kvBucket} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		_ = db.Close() // the error that matters is err
		return nil, fmt.Errorf("storage %s: %w", path, err)
	}
	return &Store{db: db}, nil
}

// Close releases the database.
func (s *Store) Close() error { return s.db.Close() }

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
	_ = s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(scansBucket).Get(scanKey(source, repo))
		if v == nil {
			return nil
		}
		found = json.Unmarshal(v, &e) == nil
		return nil
	})
	return e, found
}

// Save records a repo's result.
func (s *Store) Save(source, repo string, e Entry) error {
	v, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(scansBucket).Put(scanKey(source, repo), v)
	})
}

// All returns every cached repo of a source, by repo name.
func (s *Store) All(source string) map[string]Entry {
	out := map[string]Entry{}
	prefix := []byte(source + "\x00")
	_ = s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(scansBucket).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			var e Entry
			if json.Unmarshal(v, &e) == nil {
				out[string(k[len(prefix):])] = e
			}
		}
		return nil
	})
	return out
}

// Prune deletes a source's entries for repos not in keep: repos that left
// the source stop taking space.
func (s *Store) Prune(source string, keep map[string]bool) error {
	prefix := []byte(source + "\x00")
	return s.db.Update(func(tx *bolt.Tx) error {
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
	_ = s.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(kvBucket).Get([]byte(key)); v != nil {
			out, found = append([]byte{}, v...), true
		}
		return nil
	})
	return out, found
}

// Put writes a key of the key-value area (source.Store).
func (s *Store) Put(key string, value []byte) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(kvBucket).Put([]byte(key), value)
	})
}
