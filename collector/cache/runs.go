package cache

import bolt "go.etcd.io/bbolt"

// SaveRun keeps the last complete scan's record under key (a source and
// shard), replacing the previous one.
func (s *Store) SaveRun(key string, data []byte) error {
	return s.update(func(tx *bolt.Tx) error {
		return tx.Bucket(runsBucket).Put([]byte(key), data)
	})
}

// Run reads the record SaveRun kept under key.
func (s *Store) Run(key string) ([]byte, bool) {
	var out []byte
	err := s.view(func(tx *bolt.Tx) error {
		if v := tx.Bucket(runsBucket).Get([]byte(key)); v != nil {
			out = append([]byte{}, v...)
		}
		return nil
	})
	if err != nil {
		return nil, false
	}
	return out, out != nil
}
