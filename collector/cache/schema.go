package cache

import (
	"errors"
	"fmt"
	"strconv"

	bolt "go.etcd.io/bbolt"
)

// SchemaVersion is the store layout this build reads and writes. A store
// without a meta bucket is version 0: the scan cache before history.
const SchemaVersion = 1

// migrations[v] upgrades a store of version v to v+1, in the transaction
// that then records the new version: a crash leaves the old version whole.
var migrations = []func(*bolt.Tx) error{
	// 0 → 1: the event log, its totals, the first adoptions and the
	// baseline the next scan is diffed against.
	func(tx *bolt.Tx) error { return createAll(tx, historyBuckets) },
}

var (
	metaBucket = []byte("meta")
	schemaKey  = []byte("schema")
	// v0Buckets are the scan cache's; every version has them.
	v0Buckets = [][]byte{scansBucket, kvBucket, runsBucket}
)

// ErrNewerSchema matches (errors.Is) a store written by a newer uptake,
// which this one does not open: it could not tell what it would break.
var ErrNewerSchema = errors.New("storage written by a newer uptake")

type newerError struct {
	path    string
	version int
}

func (e *newerError) Error() string {
	return fmt.Sprintf("storage %s has schema version %d, and this uptake reads versions up to %d: a newer uptake wrote it. uptake left it untouched: run that newer uptake on it, or give this one another --storage.path", e.path, e.version, SchemaVersion)
}

func (e *newerError) Is(target error) bool { return target == ErrNewerSchema }

// schemaVersion reads a store's version; a value uptake never wrote is
// damage.
func schemaVersion(tx *bolt.Tx) (int, error) {
	b := tx.Bucket(metaBucket)
	if b == nil {
		return 0, nil
	}
	v := b.Get(schemaKey)
	n, err := strconv.Atoi(string(v))
	if v == nil || err != nil || n < 1 {
		return 0, fmt.Errorf("meta bucket holds schema version %q", v)
	}
	return n, nil
}

// migrate brings an opened store to SchemaVersion. It writes only when the
// store is new, older, or misses a bucket.
func (s *Store) migrate() error {
	var version int
	missing := false
	err := s.view(func(tx *bolt.Tx) (err error) {
		version, err = schemaVersion(tx)
		for _, b := range allBuckets() {
			missing = missing || tx.Bucket(b) == nil
		}
		return err
	})
	if err != nil {
		return err
	}
	if version > SchemaVersion {
		// Checked at vet already; a store replaced since is refused too.
		return &newerError{path: s.path, version: version}
	}
	if version == SchemaVersion && !missing {
		return nil
	}
	return s.update(func(tx *bolt.Tx) error {
		if err := createAll(tx, v0Buckets); err != nil {
			return err
		}
		for v := version; v < SchemaVersion; v++ {
			if err := migrations[v](tx); err != nil {
				return fmt.Errorf("migrating the store from schema version %d: %w", v, err)
			}
		}
		// A bucket lost by hand would otherwise stay missing.
		if err := createAll(tx, allBuckets()); err != nil {
			return err
		}
		return tx.Bucket(metaBucket).Put(schemaKey, []byte(strconv.Itoa(SchemaVersion)))
	})
}

func allBuckets() [][]byte {
	return append(append(append([][]byte{}, v0Buckets...), metaBucket), historyBuckets...)
}

func createAll(tx *bolt.Tx, buckets [][]byte) error {
	for _, b := range buckets {
		if _, err := tx.CreateBucketIfNotExists(b); err != nil {
			return err
		}
	}
	return nil
}
