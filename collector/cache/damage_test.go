package cache

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// buildStore writes a real store of a few hundred entries through the API
// and returns its file and the page numbers worth damaging.
func buildStore(t *testing.T) (path string, pages map[string]int, pageSize int) {
	t.Helper()
	dir := t.TempDir()
	s, err := Open(dir)
	must(t, err)
	for i := range 300 {
		data := fmt.Sprintf(`{"n":%d,"pad":%q}`, i, strings.Repeat("x", 150))
		must(t, s.Save("src", fmt.Sprintf("org/repo-%03d", i), Entry{Head: fmt.Sprint("h", i), RuleHash: "r", Data: json.RawMessage(data)}))
	}
	for i := range 100 {
		must(t, s.Put(fmt.Sprintf("blob:%03d", i), []byte(strings.Repeat("b", 50+i*100))))
	}
	for i := range 3 {
		must(t, s.SaveRun(fmt.Sprintf("src\x00shard-%d", i), []byte(`{"repos":[]}`)))
	}
	must(t, s.Close())

	path = filepath.Join(dir, FileName)
	db, err := bolt.Open(path, 0, &bolt.Options{ReadOnly: true, PreLoadFreelist: true})
	must(t, err)
	defer db.Close()
	pages = map[string]int{"meta 0": 0, "meta 1": 1}
	var leaves []int
	must(t, db.View(func(tx *bolt.Tx) error {
		for id := 2; ; {
			p, err := tx.Page(id)
			if p == nil || err != nil {
				break
			}
			switch p.Type {
			case "branch":
				if _, ok := pages["branch"]; !ok {
					pages["branch"] = id
				}
			case "leaf":
				leaves = append(leaves, id)
			case "freelist":
				pages["freelist"] = id
			}
			if p.Type == "free" { // its header is stale
				id++
				continue
			}
			pages["last"] = id
			id += 1 + p.OverflowCount
		}
		return nil
	}))
	if _, ok := pages["branch"]; !ok || len(leaves) < 10 {
		t.Fatalf("the store is too small to damage interesting pages: %v, %d leaves", pages, len(leaves))
	}
	pages["leaf"] = leaves[len(leaves)/2]
	return path, pages, db.Info().PageSize
}

// damage is one way a store file goes bad, applied to a copy.
type damage struct {
	name  string
	apply func(t *testing.T, b []byte) []byte
}

func damages(pages map[string]int, pageSize int) []damage {
	var out []damage
	for _, name := range []string{"meta 0", "meta 1", "branch", "leaf", "freelist", "last"} {
		off := pages[name] * pageSize
		out = append(out,
			damage{"zeroed " + name, func(_ *testing.T, b []byte) []byte {
				clear(b[off : off+pageSize])
				return b
			}},
			damage{"random bytes in " + name, func(_ *testing.T, b []byte) []byte {
				r := rand.New(rand.NewPCG(uint64(off), 1))
				for i := off; i < off+64; i++ {
					b[i] = byte(r.Uint32())
				}
				return b
			}})
	}
	// Single bytes of page headers, metas and leaf counts. Not listed: bytes
	// inside keys and values, or a key length changed so that keys stay in
	// order; bbolt keeps no checksum of data pages, so nothing notices those.
	for _, at := range []struct {
		page   string
		offset int
	}{{"meta 0", 16 + 40}, {"meta 1", 16 + 8}, {"branch", 3}, {"branch", 9}, {"branch", 16 + 4}, {"branch", 16 + 40}, {"leaf", 11}} {
		off := pages[at.page]*pageSize + at.offset
		out = append(out, damage{fmt.Sprintf("byte %d of %s flipped", at.offset, at.page), func(_ *testing.T, b []byte) []byte {
			b[off] ^= 0xA5
			return b
		}})
	}
	branch := pages["branch"] * pageSize
	out = append(out,
		// tx.Check reads branch keys in its own goroutine: a fault there
		// is past recovery.
		damage{"branch key pointing out of the map", func(_ *testing.T, b []byte) []byte {
			binary.NativeEndian.PutUint32(b[branch+16:], 0x10000000)
			return b
		}},
		// bbolt's cursors would descend forever.
		damage{"branch naming itself", func(_ *testing.T, b []byte) []byte {
			binary.NativeEndian.PutUint64(b[branch+16+8:], uint64(pages["branch"]))
			return b
		}})
	for _, keep := range []int{100, 2 * pageSize, (pages["last"] + 1) * pageSize / 2, pages["last"] * pageSize} {
		out = append(out, damage{fmt.Sprintf("truncated to %d bytes", keep), func(_ *testing.T, b []byte) []byte { return b[:keep] }})
	}
	out = append(out,
		damage{"not a bbolt database (text)", func(_ *testing.T, _ []byte) []byte {
			return []byte(strings.Repeat("not a bolt database ", 4000))
		}},
		damage{"not a bbolt database (random)", func(_ *testing.T, b []byte) []byte {
			r := rand.New(rand.NewPCG(7, 7))
			for i := range b {
				b[i] = byte(r.Uint32())
			}
			return b
		}})
	return out
}

// TestDamagedStoreIsReportedNeverWritten opens damaged copies of a real
// store: each is refused at Open as ErrDamaged and its bytes stay as found.
func TestDamagedStoreIsReportedNeverWritten(t *testing.T) {
	orig, pages, pageSize := buildStore(t)
	good, err := os.ReadFile(orig)
	must(t, err)
	for _, d := range damages(pages, pageSize) {
		t.Run(d.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, FileName)
			must(t, os.WriteFile(path, d.apply(t, append([]byte{}, good...)), 0o600))
			before := fileSum(t, path)

			s, err := Open(dir)
			if err == nil {
				exercise(t, s)
				_ = s.Close()
				t.Errorf("Open accepted the damaged store; Healthy() = %v after use", s.Healthy())
			} else {
				if !errors.Is(err, ErrDamaged) {
					t.Errorf("Open err = %v; want one matching ErrDamaged", err)
				}
				for _, want := range []string{path, "is damaged", "move it aside or delete it"} {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("Open err = %q; want it to say %q", err, want)
					}
				}
			}
			if fileSum(t, path) != before {
				t.Error("the damaged file was modified")
			}
		})
	}
}

// exercise runs every operation and reports a hit or an accepted write.
func exercise(t *testing.T, s *Store) {
	t.Helper()
	if _, ok := s.Lookup("src", "org/repo-150", "h150", "r"); ok {
		t.Error("Lookup hit")
	}
	if _, ok := s.Last("src", "org/repo-001"); ok {
		t.Error("Last hit")
	}
	if n := len(s.All("src")); n != 0 {
		t.Errorf("All returned %d entries", n)
	}
	if _, ok := s.Get("blob:050"); ok {
		t.Error("Get hit")
	}
	if _, ok := s.Run("src\x00shard-1"); ok {
		t.Error("Run hit")
	}
	for name, err := range map[string]error{
		"Put":     s.Put("blob:new", []byte("x")),
		"Save":    s.Save("src", "org/new", Entry{Head: "h"}),
		"Prune":   s.Prune("src", map[string]bool{}),
		"SaveRun": s.SaveRun("src\x00shard-9", []byte("{}")),
	} {
		if !errors.Is(err, ErrDamaged) {
			t.Errorf("%s err = %v; want ErrDamaged", name, err)
		}
	}
}

func fileSum(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	must(t, err)
	return sha256.Sum256(b)
}

// TestDamageFoundInUse damages an open store under bbolt, the way a disk
// error would: the operation that meets it misses, the store turns
// unhealthy, and nothing after reaches bbolt or the file.
func TestDamageFoundInUse(t *testing.T) {
	orig, pages, pageSize := buildStore(t)
	good, err := os.ReadFile(orig)
	must(t, err)
	for name, hurt := range map[string]func(f *os.File) error{
		// bbolt panics on the page.
		"zeroed branch": func(f *os.File) error {
			_, err := f.WriteAt(make([]byte, pageSize), int64(pages["branch"]*pageSize))
			return err
		},
		// bbolt panics starting a transaction, holding its locks.
		"zeroed metas": func(f *os.File) error {
			_, err := f.WriteAt(make([]byte, 2*pageSize), 0)
			return err
		},
		// Reads past the end of the file fault (SIGBUS) in the memory map.
		"truncated": func(f *os.File) error { return f.Truncate(int64(2 * pageSize)) },
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, FileName)
			must(t, os.WriteFile(path, good, 0o600))
			s, err := Open(dir)
			must(t, err)
			defer s.Close()
			if !s.Healthy() || s.Err() != nil {
				t.Fatalf("a sound store reads as unhealthy: %v", s.Err())
			}
			f, err := os.OpenFile(path, os.O_RDWR, 0)
			must(t, err)
			must(t, hurt(f))
			must(t, f.Close())
			before := fileSum(t, path)

			if _, ok := s.Last("src", "org/repo-010"); ok {
				t.Error("Last hit in a damaged store")
			}
			if s.Healthy() || !errors.Is(s.Err(), ErrDamaged) || !strings.Contains(s.Err().Error(), path) {
				t.Fatalf("after damage Healthy() = %v, Err() = %v", s.Healthy(), s.Err())
			}
			exercise(t, s)
			if fileSum(t, path) != before {
				t.Error("the damaged file was modified")
			}
		})
	}
}

func TestPermissionErrorsSaySo(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root bypasses file permissions; run the tests as another user to cover this (TestOpenErrorsSayWhy covers the messages)")
	}
	for _, c := range []struct {
		name string
		mode os.FileMode
		file bool
	}{{"read-only directory", 0o500, false}, {"directory mode 000", 0, false}, {"read-only file", 0o400, true}, {"file mode 000", 0, true}} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			target := dir
			if c.file {
				s, err := Open(dir)
				must(t, err)
				must(t, s.Close())
				target = filepath.Join(dir, FileName)
			}
			must(t, os.Chmod(target, c.mode))
			t.Cleanup(func() { _ = os.Chmod(target, 0o700) }) // TempDir's removal needs it
			_, err := Open(dir)
			if err == nil || errors.Is(err, ErrDamaged) || !errors.Is(err, os.ErrPermission) ||
				!strings.Contains(err.Error(), "is not writable by this user: permission denied") {
				t.Fatalf("Open err = %v; want it to say the store is not writable", err)
			}
		})
	}
}

// TestOpenErrorsSayWhy covers, as root too, what each failure to open reads as.
func TestOpenErrorsSayWhy(t *testing.T) {
	const p = "/x/uptake.db"
	pathErr := func(errno syscall.Errno) error { return &fs.PathError{Op: "open", Path: p, Err: errno} }
	for _, c := range []struct {
		err  error
		want string
		is   error
	}{
		{pathErr(syscall.EACCES), "storage /x/uptake.db is not writable by this user: permission denied", os.ErrPermission},
		{pathErr(syscall.EPERM), "storage /x/uptake.db is not writable by this user: operation not permitted", os.ErrPermission},
		{pathErr(syscall.EROFS), "storage /x/uptake.db is on a read-only file system: read-only file system", syscall.EROFS},
		{berrors.ErrTimeout, "storage /x/uptake.db is locked by another uptake process", ErrLocked},
		{berrors.ErrChecksum, "storage /x/uptake.db is damaged (checksum error)", ErrDamaged},
	} {
		err := openError(p, c.err)
		if !strings.HasPrefix(err.Error(), c.want) || !errors.Is(err, c.is) || (c.is != ErrDamaged && errors.Is(err, ErrDamaged)) {
			t.Errorf("openError(%v) = %q; want it to start %q and match %v only", c.err, err, c.want, c.is)
		}
	}
}

// TestOpenAfterAKillMidCommit: a process killed while committing has
// written the transaction's pages but not its meta. Each such file opens,
// with the data of the last commit that finished. The transaction may
// have overwritten the older meta's freelist, freed two commits before.
func TestOpenAfterAKillMidCommit(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	s, err := Open(dir)
	must(t, err)
	pageSize := os.Getpagesize() // bbolt's default
	for i := range 40 {
		before, err := os.ReadFile(path)
		must(t, err)
		must(t, s.Put(fmt.Sprintf("blob:%03d", i), []byte(strings.Repeat("v", 100+i*300))))
		after, err := os.ReadFile(path)
		must(t, err)
		// The meta the commit wrote is the one whose bytes changed.
		crashed := append([]byte{}, after...)
		for slot := range 2 {
			off := slot * pageSize
			if !bytes.Equal(before[off:off+pageSize], after[off:off+pageSize]) {
				copy(crashed[off:off+pageSize], before[off:off+pageSize])
			}
		}
		cdir := t.TempDir()
		must(t, os.WriteFile(filepath.Join(cdir, FileName), crashed, 0o600))
		c, err := Open(cdir)
		if err != nil {
			t.Fatalf("commit %d killed before its meta: %v", i, err)
		}
		if _, ok := c.Get(fmt.Sprintf("blob:%03d", i)); ok {
			t.Errorf("commit %d killed before its meta is visible", i)
		}
		if i > 0 {
			if _, ok := c.Get(fmt.Sprintf("blob:%03d", i-1)); !ok {
				t.Errorf("commit %d, finished before the kill, is lost", i-1)
			}
		}
		must(t, c.Close())
	}
	must(t, s.Close())
}
