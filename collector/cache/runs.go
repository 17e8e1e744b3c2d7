package cache

import bolt "go.etcd.io/bbolt"

var runsBucket = []byte("runs")

// SaveRun keeps the last complete scan's record under key (a source and
// shard), replacing the previous one.
func (s *Store) SaveRun(key string, data []byte) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(runsBucket)
		if err != nil {
			return err
		}
		return b.Put([]byte(key), data)
	})
}

// Run reads the record SaveRun kept under key.
func (s *Store) Run(key string) ([]byte, bool) {
	var out []byte
	_ = s.db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(runsBucket); b != nil {
			if v := b.Get([]byte(key)); v != nil {
				out = append([]byte{}, v...)
			}
		}
		return nil
	})
	return out, out != nil
}
