package cache

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"runtime/debug"

	bolt "go.etcd.io/bbolt"
)

// ErrDamaged matches (errors.Is) every error reporting a damaged store file.
var ErrDamaged = errors.New("storage damaged")

// ErrLocked is a store another process holds open: the one case a server
// should not start without its cache, since two writers share a volume.
var ErrLocked = errors.New("locked by another uptake process")

type damagedError struct {
	path  string
	cause error
}

func (e *damagedError) Error() string {
	return fmt.Sprintf("storage %s is damaged (%v); uptake left it untouched and does not use it: move it aside or delete it to start with an empty cache", e.path, e.cause)
}

func (e *damagedError) Is(target error) bool { return target == ErrDamaged }
func (e *damagedError) Unwrap() error        { return e.cause }

// guarded runs a bbolt call: bbolt panics on a damaged page and faults
// when one points outside the memory map, and neither may take uptake down.
// SetPanicOnFault is per goroutine, so it is set here, around the call.
func guarded(path string, fn func() error) (err error) {
	old := debug.SetPanicOnFault(true)
	defer func() {
		debug.SetPanicOnFault(old)
		if r := recover(); r != nil {
			err = &damagedError{path: path, cause: fmt.Errorf("%v", r)}
		}
	}()
	return fn()
}

// bbolt's on-disk layout (internal/common): a 16-byte page header, then
// the meta's magic, version, page size, flags, root bucket (2×8),
// freelist, high water mark, txid and an FNV-64a of the bytes before it.
const (
	pageHeader   = 16
	metaSize     = 64
	boltMagic    = 0xED0CDAED
	boltVersion  = 2
	freelistFlag = 0x10
)

type meta struct{ pageSize, freelist, pgid uint64 }

// checkFile vets what bbolt trusts before reading anything through the
// map: it falls back silently to the other meta page when one is invalid
// (and overwrites it at the next commit), and it maps past the end of a
// truncated file, where reads fault.
func checkFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	size := uint64(info.Size())
	m0, err := readMeta(f, 0)
	if err != nil {
		return &damagedError{path: path, cause: fmt.Errorf("meta page 0: %w", err)}
	}
	m1, err := readMeta(f, m0.pageSize)
	if err != nil {
		return &damagedError{path: path, cause: fmt.Errorf("meta page 1: %w", err)}
	}
	for _, m := range []meta{m0, m1} {
		if m.pgid*m.pageSize > size {
			return &damagedError{path: path, cause: fmt.Errorf("file is %d bytes, its pages need %d: truncated", size, m.pgid*m.pageSize)}
		}
		if err := checkFreelist(f, m, size); err != nil {
			return &damagedError{path: path, cause: err}
		}
	}
	return nil
}

func readMeta(f *os.File, off uint64) (meta, error) {
	b := make([]byte, pageHeader+metaSize)
	if _, err := f.ReadAt(b, int64(off)); err != nil {
		return meta{}, fmt.Errorf("unreadable: %w", err)
	}
	le := binary.NativeEndian
	m := b[pageHeader:]
	h := fnv.New64a()
	_, _ = h.Write(m[:56])
	switch {
	case le.Uint32(m[0:]) != boltMagic:
		return meta{}, errors.New("not a bbolt database")
	case le.Uint32(m[4:]) != boltVersion:
		return meta{}, fmt.Errorf("bbolt format version %d", le.Uint32(m[4:]))
	case le.Uint64(m[56:]) != h.Sum64():
		return meta{}, errors.New("checksum mismatch")
	}
	out := meta{pageSize: uint64(le.Uint32(m[8:])), freelist: le.Uint64(m[32:]), pgid: le.Uint64(m[40:])}
	if out.pageSize < 1024 || out.freelist >= out.pgid {
		return meta{}, fmt.Errorf("page size %d, freelist page %d of %d", out.pageSize, out.freelist, out.pgid)
	}
	return out, nil
}

// checkFreelist makes sure bbolt can read the freelist without running off
// the file: it loads it at open, where a fault leaks the open file.
func checkFreelist(f *os.File, m meta, size uint64) error {
	b := make([]byte, pageHeader+8)
	off := m.freelist * m.pageSize
	if _, err := f.ReadAt(b, int64(off)); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	le := binary.NativeEndian
	id, flags, count := le.Uint64(b), le.Uint16(b[8:]), uint64(le.Uint16(b[10:]))
	if id != m.freelist || flags != freelistFlag {
		return fmt.Errorf("freelist page %d reads as page %d with flags %#x", m.freelist, id, flags)
	}
	if count == 0xFFFF {
		count = le.Uint64(b[pageHeader:]) + 1
	}
	if end := off + pageHeader + count*8; count > size/8 || end > size {
		return fmt.Errorf("freelist page %d lists %d pages, past the end of the file", m.freelist, count)
	}
	return nil
}

// verify reads every reachable page and key, then runs bbolt's consistency
// check (pages both in use and free, which the next write would overwrite;
// keys out of order). The walk comes first because tx.Check runs in a
// goroutine of its own, where a fault cannot be recovered; values, which
// tx.Check does not read, are left to the guarded reads that use them.
func verify(tx *bolt.Tx) error {
	var sink byte
	err := tx.ForEach(func(name []byte, b *bolt.Bucket) error {
		c := b.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			// uptake never nests buckets; a flag flipped into one would send
			// tx.Check through a garbage page number.
			if v == nil && b.Bucket(k) != nil {
				return fmt.Errorf("unexpected bucket %q in %q", k, name)
			}
			sink ^= k[0] ^ k[len(k)-1]
		}
		return nil
	})
	if err != nil {
		return err
	}
	var first error
	n := 0
	for err := range tx.Check() {
		if first == nil {
			first = err
		}
		n++
	}
	if n > 1 {
		return fmt.Errorf("%w (and %d more problems)", first, n-1)
	}
	return first
}
