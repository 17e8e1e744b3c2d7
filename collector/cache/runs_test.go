package cache

import (
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"
)

func TestRunSaveReplaceReopen(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	must(t, err)
	if _, ok := s.Run("src\x00shard-0-of-1"); ok {
		t.Fatal("Run hit in an empty store")
	}
	must(t, s.SaveRun("src\x00shard-0-of-1", []byte(`{"n":1}`)))
	must(t, s.SaveRun("src\x00shard-0-of-1", []byte(`{"n":2}`)))
	must(t, s.SaveRun("src\x00shard-1-of-2", []byte(`{"n":3}`)))
	got, ok := s.Run("src\x00shard-0-of-1")
	if !ok || string(got) != `{"n":2}` {
		t.Fatalf("Run = %s, %v; want the newer record", got, ok)
	}
	got[0] = 'X' // a slice of bbolt's read-only map would fault here
	if again, _ := s.Run("src\x00shard-0-of-1"); string(again) != `{"n":2}` {
		t.Fatalf("Run after the caller changed its copy = %s", again)
	}
	if _, ok := s.Get("src\x00shard-0-of-1"); ok {
		t.Fatal("a run record reads through the key-value area")
	}
	must(t, s.Close())

	s, err = Open(dir)
	must(t, err)
	defer s.Close()
	for key, want := range map[string]string{"src\x00shard-0-of-1": `{"n":2}`, "src\x00shard-1-of-2": `{"n":3}`} {
		if got, ok := s.Run(key); !ok || string(got) != want {
			t.Errorf("Run(%q) after reopen = %s, %v; want %s", key, got, ok, want)
		}
	}
}

// A store written before runs were kept gains their bucket at Open.
func TestOpenAddsMissingBuckets(t *testing.T) {
	dir := t.TempDir()
	db, err := bolt.Open(filepath.Join(dir, FileName), 0o600, nil)
	must(t, err)
	must(t, db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{scansBucket, kvBucket} {
			if _, err := tx.CreateBucket(b); err != nil {
				return err
			}
		}
		return tx.Bucket(kvBucket).Put([]byte("blob:a"), []byte("kept"))
	}))
	must(t, db.Close())

	s, err := Open(dir)
	must(t, err)
	defer s.Close()
	must(t, s.SaveRun("src\x00shard-0-of-1", []byte(`{}`)))
	if v, ok := s.Get("blob:a"); !ok || string(v) != "kept" {
		t.Fatalf("Get = %q, %v; the old store's data must stay", v, ok)
	}
}
