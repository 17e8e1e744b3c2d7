package local

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"

	"github.com/go-git/go-billy/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
)

// objectFS opens a repo's object files (loose objects and packs) with one
// system call each. go-git's chroot resolves every path component with an
// lstat on every open, to follow symlinks only inside the repo: here the
// directories above an object file are checked once per tree to be real
// directories, and the file is opened O_NOFOLLOW. Whatever involves a
// symlink, or is not an object file, goes through the chroot as before, so
// what can be read is exactly what the chroot allows.
type objectFS struct {
	billy.Filesystem
	root string

	mu   sync.Mutex
	dirs map[string]error // relative directory → nil when a real directory
}

// newObjectFS wraps a repo's git directory filesystem; a git directory that
// shares its objects (a worktree's commondir) keeps the chroot's mapping.
func newObjectFS(fs billy.Filesystem) billy.Filesystem {
	root := fs.Root()
	if _, err := os.Lstat(filepath.Join(root, "commondir")); err == nil || !filepath.IsAbs(root) {
		return fs
	}
	return &objectFS{Filesystem: fs, root: root, dirs: map[string]error{}}
}

func (fs *objectFS) Open(name string) (billy.File, error) {
	if f, ok, err := fs.openObject(name); ok {
		return f, err
	}
	return fs.Filesystem.Open(name)
}

// Join concatenates clean single names, as filepath.Join would return
// them, without cleaning: go-git joins every object path it opens.
func (fs *objectFS) Join(elem ...string) string {
	for _, e := range elem {
		if e == "" || e == "." || e == ".." || strings.ContainsAny(e, `/\`) {
			return fs.Filesystem.Join(elem...)
		}
	}
	return strings.Join(elem, "/")
}

// openObject opens objects/XX/… or objects/pack/… directly; ok is false
// when the chroot must decide.
func (fs *objectFS) openObject(name string) (_ billy.File, ok bool, _ error) {
	dir, file := filepath.Split(name)
	dir = strings.TrimSuffix(dir, "/")
	parent, _ := filepath.Split(dir)
	if parent != "objects/" || file == "" || filepath.Clean(name) != name {
		return nil, false, nil
	}
	if err := fs.realDir("objects"); err != nil {
		return nil, !errors.Is(err, errSymlink), err
	}
	if err := fs.realDir(dir); err != nil {
		return nil, !errors.Is(err, errSymlink), err
	}
	f, err := os.OpenFile(filepath.Join(fs.root, name), os.O_RDONLY|syscall.O_NOFOLLOW, 0)
	if errors.Is(err, syscall.ELOOP) {
		return nil, false, nil // a symlink: the chroot resolves it or refuses
	}
	if err != nil {
		return nil, true, err
	}
	return &objectFile{File: f, name: name}, true, nil
}

var errSymlink = errors.New("a symlink")

// realDir is nil when dir is a directory and no symlink, errSymlink when it
// is a symlink, else the lstat error; asked once per tree.
func (fs *objectFS) realDir(dir string) error {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if err, seen := fs.dirs[dir]; seen {
		return err
	}
	fi, err := os.Lstat(filepath.Join(fs.root, dir))
	switch {
	case err != nil:
	case fi.Mode()&os.ModeSymlink != 0:
		err = errSymlink
	case !fi.IsDir():
		err = &os.PathError{Op: "open", Path: dir, Err: syscall.ENOTDIR}
	}
	fs.dirs[dir] = err
	return err
}

// objectFile is a read-only object file; go-git never locks or writes one.
type objectFile struct {
	*os.File
	name string
}

// Name is the name as given to Open, as billy's files report it.
func (f *objectFile) Name() string       { return f.name }
func (*objectFile) Lock() error          { return nil }
func (*objectFile) Unlock() error        { return nil }
func (*objectFile) Truncate(int64) error { return os.ErrPermission }

// treeCache keeps the trees and commits a walk reads again, never a blob:
// each blob is read once, and caching one would hash it a second time.
type treeCache struct{ cache.Object }

func (c treeCache) Put(o plumbing.EncodedObject) {
	if o.Type() != plumbing.BlobObject {
		c.Object.Put(o)
	}
}
