package demo

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	git "github.com/go-git/go-git/v5"
	gitconfig "github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/index"
	"github.com/go-git/go-git/v5/plumbing/format/packfile"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
	"github.com/go-git/go-git/v5/storage/memory"
)

// writeRepo creates one repository under root and returns its HEAD commit
// (empty for a repository without commits). Objects are built in memory and
// written as one packfile, as a clone leaves them; no worktree API, no index
// stat data, no clock is involved, so the same spec always yields the same
// object ids and the same bytes on disk.
func writeRepo(root string, r *repo, start time.Time) (string, error) {
	dir := filepath.Join(root, r.dirName())
	repo, err := git.PlainInitWithOptions(dir, &git.PlainInitOptions{
		Bare:        r.mirror,
		InitOptions: git.InitOptions{DefaultBranch: plumbing.Main},
	})
	if err != nil {
		return "", err
	}
	if err := configureRemote(repo, r); err != nil {
		return "", err
	}
	if len(r.files) == 0 {
		return "", nil
	}

	objects := memory.NewStorage()
	var parent plumbing.Hash
	for i, c := range r.history() {
		tree, err := writeTree(objects, c.files)
		if err != nil {
			return "", fmt.Errorf("commit %d: %w", i+1, err)
		}
		sig := r.signature(start, c, i)
		commit := &object.Commit{Author: sig, Committer: sig, Message: c.message + "\n", TreeHash: tree}
		if !parent.IsZero() {
			commit.ParentHashes = []plumbing.Hash{parent}
		}
		if parent, err = store(objects, commit); err != nil {
			return "", err
		}
	}
	if err := writePack(repo.Storer, objects); err != nil {
		return "", err
	}

	if r.mirror {
		// git clone --mirror leaves every ref in packed-refs.
		packed := fmt.Sprintf("# pack-refs with: peeled fully-peeled sorted \n%s %s\n", parent, plumbing.Main)
		return parent.String(), writeFile(filepath.Join(dir, "packed-refs"), []byte(packed), 0o644)
	}
	for _, ref := range []*plumbing.Reference{
		plumbing.NewHashReference(plumbing.Main, parent),
		plumbing.NewHashReference(plumbing.NewRemoteReferenceName("origin", "main"), parent),
		plumbing.NewSymbolicReference(plumbing.NewRemoteHEADReferenceName("origin"), plumbing.NewRemoteReferenceName("origin", "main")),
	} {
		if err := repo.Storer.SetReference(ref); err != nil {
			return "", err
		}
	}
	return parent.String(), checkout(repo, dir, r)
}

// writePack stores every object of src in one packfile of dst, in object id
// order and without deltas, so the pack's bytes depend on its objects only.
func writePack(dst storer.Storer, src *memory.Storage) error {
	hashes := make([]plumbing.Hash, 0, len(src.Objects))
	for h := range src.Objects {
		hashes = append(hashes, h)
	}
	sort.Slice(hashes, func(i, j int) bool { return bytes.Compare(hashes[i][:], hashes[j][:]) < 0 })
	pw, ok := dst.(storer.PackfileWriter)
	if !ok {
		return fmt.Errorf("storage %T cannot write packfiles", dst)
	}
	w, err := pw.PackfileWriter()
	if err != nil {
		return err
	}
	// The encoder writes an object header at a time.
	bw := bufio.NewWriterSize(w, 256<<10)
	if _, err := packfile.NewEncoder(bw, src, false).Encode(hashes, 0); err != nil {
		w.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}

func configureRemote(repo *git.Repository, r *repo) error {
	cfg, err := repo.Config()
	if err != nil {
		return err
	}
	url := "https://" + r.author.forge + "/acme/" + r.name + ".git"
	if r.mirror {
		cfg.Remotes["origin"] = &gitconfig.RemoteConfig{Name: "origin", URLs: []string{url}, Fetch: []gitconfig.RefSpec{"+refs/*:refs/*"}, Mirror: true}
	} else {
		cfg.Remotes["origin"] = &gitconfig.RemoteConfig{Name: "origin", URLs: []string{url}, Fetch: []gitconfig.RefSpec{"+refs/heads/*:refs/remotes/origin/*"}}
		cfg.Branches["main"] = &gitconfig.Branch{Name: "main", Remote: "origin", Merge: plumbing.Main}
	}
	return repo.SetConfig(cfg)
}

// checkout writes HEAD's files and an index matching them, then applies the
// clone's uncommitted changes on top, so the working tree differs from HEAD.
func checkout(repo *git.Repository, dir string, r *repo) error {
	idx := &index.Index{Version: 2}
	for _, f := range r.head() {
		if err := writeWorktreeFile(dir, f); err != nil {
			return err
		}
		idx.Entries = append(idx.Entries, &index.Entry{Hash: blobHash(f), Name: f.path, Mode: f.fileMode(), Size: uint32(len(f.data))})
	}
	if err := repo.Storer.SetIndex(idx); err != nil {
		return err
	}
	for _, f := range r.dirty {
		if f.data == nil {
			if err := os.Remove(filepath.Join(dir, filepath.FromSlash(f.path))); err != nil {
				return err
			}
			continue
		}
		if err := writeWorktreeFile(dir, f); err != nil {
			return err
		}
	}
	return nil
}

func writeWorktreeFile(dir string, f file) error {
	p := filepath.Join(dir, filepath.FromSlash(f.path))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	switch f.fileMode() {
	case filemode.Symlink:
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		return os.Symlink(string(f.data), p)
	case filemode.Executable:
		return writeFile(p, f.data, 0o755)
	default:
		return writeFile(p, f.data, 0o644)
	}
}

// writeFile writes data with perm whatever the file's previous mode was.
func writeFile(p string, data []byte, perm os.FileMode) error {
	if err := os.WriteFile(p, data, perm); err != nil {
		return err
	}
	return os.Chmod(p, perm)
}

// writeTree stores the blobs of files (paths relative to the tree, unique)
// and the trees holding them, and returns the root tree's id.
func writeTree(s storer.EncodedObjectStorer, files []file) (plumbing.Hash, error) {
	var entries []object.TreeEntry
	subdirs := map[string][]file{}
	for _, f := range files {
		if dir, rest, nested := strings.Cut(f.path, "/"); nested {
			f.path = rest
			subdirs[dir] = append(subdirs[dir], f)
			continue
		}
		h, err := store(s, blob(f.data))
		if err != nil {
			return plumbing.ZeroHash, err
		}
		entries = append(entries, object.TreeEntry{Name: f.path, Mode: f.fileMode(), Hash: h})
	}
	for dir, sub := range subdirs {
		h, err := writeTree(s, sub)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		entries = append(entries, object.TreeEntry{Name: dir, Mode: filemode.Dir, Hash: h})
	}
	sort.Sort(object.TreeEntrySorter(entries))
	return store(s, &object.Tree{Entries: entries})
}

// encoder is a git object: a blob, tree or commit.
type encoder interface {
	Encode(plumbing.EncodedObject) error
}

func store(s storer.EncodedObjectStorer, o encoder) (plumbing.Hash, error) {
	obj := s.NewEncodedObject()
	if err := o.Encode(obj); err != nil {
		return plumbing.ZeroHash, err
	}
	return s.SetEncodedObject(obj)
}

// blob encodes raw content as a git blob.
type blob []byte

func (b blob) Encode(o plumbing.EncodedObject) error {
	o.SetType(plumbing.BlobObject)
	w, err := o.Writer()
	if err != nil {
		return err
	}
	if _, err := w.Write(b); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}

func blobHash(f file) plumbing.Hash {
	return plumbing.ComputeHash(plumbing.BlobObject, f.data)
}

// writeCorrupt creates a working clone whose .git has no valid HEAD, the way
// an interrupted clone or a disk error leaves one: it is a repository by
// its layout, and every attempt to read it fails.
func writeCorrupt(root, name string) error {
	gitDir := filepath.Join(root, name, ".git")
	for _, d := range []string{"objects/info", "objects/pack", "refs/heads", "refs/tags"} {
		if err := os.MkdirAll(filepath.Join(gitDir, filepath.FromSlash(d)), 0o755); err != nil {
			return err
		}
	}
	if err := writeFile(filepath.Join(gitDir, "config"), []byte("[core]\n\trepositoryformatversion = 0\n\tbare = false\n"), 0o644); err != nil {
		return err
	}
	if err := writeFile(filepath.Join(gitDir, "HEAD"), []byte("\x00\x17\xfe garbage after a failed disk write\n"), 0o644); err != nil {
		return err
	}
	return writeFile(filepath.Join(root, name, "README.md"), []byte("# billing-legacy\n\nDecommissioned in 2023.\n"), 0o644)
}
