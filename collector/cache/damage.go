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
	branchFlag   = 0x01
	leafFlag     = 0x02
	elemSize     = 16 // branch: pos, ksize, pgid; leaf: flags, pos, ksize, vsize
	bucketFlag   = 0x01
	bucketHeader = 16 // a bucket's value: root page, sequence
)

type meta struct{ pageSize, root, freelist, pgid, txid uint64 }

// checkFile vets what bbolt trusts before reading anything through the
// map: it falls back silently to the other meta page when one is invalid
// (and overwrites it at the next commit), it maps past the end of a
// truncated file, where reads fault, and it trusts the page numbers and
// offsets in the tree (treeCheck).
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
	}
	used := m0 // bbolt reads the tree and freelist of the newer meta
	if m1.txid > m0.txid {
		used = m1
	}
	// Only the newer meta's freelist: a process killed while committing
	// may have written over the older one's (freed by the commit after
	// it), and both metas being valid, bbolt never falls back to it.
	if err := checkFreelist(f, used, size); err != nil {
		return &damagedError{path: path, cause: err}
	}
	t := treeCheck{f: f, m: used, seen: map[uint64]bool{}}
	if err := t.page(used.root, true); err != nil {
		return &damagedError{path: path, cause: err}
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
	out := meta{pageSize: uint64(le.Uint32(m[8:])), root: le.Uint64(m[16:]), freelist: le.Uint64(m[32:]),
		pgid: le.Uint64(m[40:]), txid: le.Uint64(m[48:])}
	// A freelist never synced (uptake always syncs it) would make bbolt's
	// read-write Open write one.
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

// treeCheck follows the bucket tree by pread, before bbolt reads it through
// the map: each page must be the one its parent names, reached once, and
// hold its elements. bbolt's cursors go round forever on a page naming an
// ancestor, and tx.Check reads branch keys in a goroutine of its own, where
// a key pointing out of the map faults past recovery.
type treeCheck struct {
	f    *os.File
	m    meta
	seen map[uint64]bool
	buf  []byte
}

// page checks the tree under page id; top is the root bucket's tree, the
// only one where uptake keeps buckets.
func (t *treeCheck) page(id uint64, top bool) error {
	if id < 2 || id >= t.m.pgid {
		return fmt.Errorf("a page names page %d, outside the %d pages in use", id, t.m.pgid)
	}
	if t.seen[id] {
		return fmt.Errorf("page %d is reached twice", id)
	}
	t.seen[id] = true
	b, err := t.read(id*t.m.pageSize, t.m.pageSize)
	if err != nil {
		return fmt.Errorf("page %d: %w", id, err)
	}
	le := binary.NativeEndian
	flags, count, overflow := le.Uint16(b[8:]), uint64(le.Uint16(b[10:])), uint64(le.Uint32(b[12:]))
	switch {
	case le.Uint64(b) != id:
		return fmt.Errorf("page %d reads as page %d", id, le.Uint64(b))
	case flags != branchFlag && flags != leafFlag:
		return fmt.Errorf("page %d has flags %#x, not a branch or leaf", id, flags)
	case id+overflow >= t.m.pgid:
		return fmt.Errorf("page %d runs %d pages past the %d in use", id, overflow, t.m.pgid)
	case flags == branchFlag && count == 0: // a cursor would follow element 0 anyway
		return fmt.Errorf("branch page %d is empty", id)
	}
	size := (overflow + 1) * t.m.pageSize
	if need := pageHeader + count*elemSize; need > size {
		return fmt.Errorf("page %d lists %d elements, more than it holds", id, count)
	} else if need > uint64(len(b)) {
		if b, err = t.read(id*t.m.pageSize, need); err != nil {
			return fmt.Errorf("page %d: %w", id, err)
		}
	}
	// Children are visited after the loop: they reuse the buffer.
	var children []uint64
	for i := range count {
		at := pageHeader + i*elemSize
		child, err := t.element(id, flags, b[at:at+elemSize], at, size, top)
		if err != nil {
			return err
		}
		if child != 0 {
			children = append(children, child)
		}
	}
	for _, c := range children {
		if err := t.page(c, top && flags == branchFlag); err != nil {
			return err
		}
	}
	return nil
}

// element checks one element of page id, at offset at, whose key and value
// must lie in the page's size bytes, and returns the page it leads to.
func (t *treeCheck) element(id uint64, flags uint16, e []byte, at, size uint64, top bool) (uint64, error) {
	le := binary.NativeEndian
	if flags == branchFlag {
		if end := at + uint64(le.Uint32(e)) + uint64(le.Uint32(e[4:])); end > size {
			return 0, fmt.Errorf("a key of branch page %d ends %d bytes past it", id, end-size)
		}
		child := le.Uint64(e[8:])
		if child == 0 {
			return 0, fmt.Errorf("branch page %d names page 0", id)
		}
		return child, nil
	}
	pos, ksize, vsize := uint64(le.Uint32(e[4:])), uint64(le.Uint32(e[8:])), uint64(le.Uint32(e[12:]))
	if end := at + pos + ksize + vsize; end > size {
		return 0, fmt.Errorf("an element of leaf page %d ends %d bytes past it", id, end-size)
	}
	if le.Uint32(e)&bucketFlag == 0 {
		return 0, nil
	}
	if !top || vsize < bucketHeader {
		return 0, fmt.Errorf("leaf page %d holds a bucket uptake never wrote", id)
	}
	var root [8]byte
	if _, err := t.f.ReadAt(root[:], int64(id*t.m.pageSize+at+pos+ksize)); err != nil {
		return 0, fmt.Errorf("page %d: %w", id, err)
	}
	return le.Uint64(root[:]), nil // 0: inline, in the value just checked
}

// read returns n bytes at off in the buffer every page shares.
func (t *treeCheck) read(off, n uint64) ([]byte, error) {
	if uint64(cap(t.buf)) < n {
		t.buf = make([]byte, n)
	}
	b := t.buf[:n]
	_, err := t.f.ReadAt(b, int64(off))
	return b, err
}

// verify runs bbolt's consistency check: pages both in use and free, which
// the next write would overwrite, and keys out of order. It runs in a
// goroutine of its own, where a fault cannot be recovered: treeCheck has
// made sure every page and key it reads lies in the file. Values, which
// it does not read, are left to the guarded reads that use them.
func verify(tx *bolt.Tx) error {
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
