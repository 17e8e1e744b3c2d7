// Package local reads repositories from a directory of git clones with
// go-git: working clones and bare mirrors, committed content only.
package local

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"go.uber.org/zap"

	"github.com/uptake-dev/uptake/collector/source"
	"github.com/uptake-dev/uptake/config"
)

func init() {
	source.Register("local", source.Type{
		Keys: []string{"path"},
		Validate: func(s config.Source) []string {
			if s.Path == "" {
				return []string{"path is required for type local"}
			}
			return nil
		},
		New: func(cfg config.Source, o source.Options) (source.Source, error) { return New(cfg, o.Logger), nil },
	})
}

// Source is a directory whose immediate subdirectories are git repos.
type Source struct {
	name string
	dir  string
	log  *zap.Logger
}

// New returns the local source for cfg.
func New(cfg config.Source, log *zap.Logger) *Source {
	if log == nil {
		log = zap.NewNop()
	}
	return &Source{name: cfg.Name, dir: cfg.Path, log: log}
}

// Name is the configured source name.
func (s *Source) Name() string { return s.name }

// List returns every working clone (a directory holding .git) and bare
// repo (HEAD and objects/ at its top) directly below the directory.
// Other entries are not repos and are left out.
func (s *Source) List(context.Context) ([]source.Repo, error) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("listing %s: %w", s.dir, err)
	}
	var repos []source.Repo
	seen := map[string]string{}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		p := filepath.Join(s.dir, e.Name())
		if !isRepo(p) {
			continue
		}
		name := strings.TrimSuffix(e.Name(), ".git")
		if first, dup := seen[name]; dup {
			// A clone "x" and a mirror "x.git" would share one identity.
			s.log.Warn("two repos with one name; scanning the first only", zap.String("name", name),
				zap.String("scanned", first), zap.String("skipped", p))
			continue
		}
		seen[name] = p
		repos = append(repos, source.Repo{Source: s.name, Name: name, Ref: p})
	}
	sort.Slice(repos, func(i, j int) bool { return repos[i].Name < repos[j].Name })
	return repos, nil
}

func isRepo(dir string) bool {
	if _, err := os.Lstat(filepath.Join(dir, ".git")); err == nil {
		return true
	}
	_, errHead := os.Stat(filepath.Join(dir, "HEAD"))
	objects, errObj := os.Stat(filepath.Join(dir, "objects"))
	return errHead == nil && errObj == nil && objects.IsDir()
}

func open(repo source.Repo) (*git.Repository, error) {
	r, err := git.PlainOpenWithOptions(repo.Ref, &git.PlainOpenOptions{EnableDotGitCommonDir: true})
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", repo.Ref, err)
	}
	return r, nil
}

// Head resolves origin/HEAD where a clone has it (the remote's default
// branch), else HEAD. The working tree is never looked at.
func (s *Source) Head(_ context.Context, repo source.Repo) (string, error) {
	r, err := open(repo)
	if err != nil {
		return "", err
	}
	ref, err := r.Reference(plumbing.NewRemoteHEADReferenceName("origin"), true)
	if err != nil {
		ref, err = r.Head()
	}
	if errors.Is(err, plumbing.ErrReferenceNotFound) {
		return "", source.ErrEmpty
	}
	if err != nil {
		return "", fmt.Errorf("resolving HEAD of %s: %w", repo.Name, err)
	}
	// A corrupt HEAD can resolve to a hash that names no commit.
	if _, err := r.CommitObject(ref.Hash()); err != nil {
		return "", fmt.Errorf("HEAD of %s (%s): %w", repo.Name, ref.Hash(), err)
	}
	return ref.Hash().String(), nil
}

// Open lists the files of the commit's tree without reading any blob.
func (s *Source) Open(ctx context.Context, repo source.Repo, head string) (source.Tree, error) {
	r, err := open(repo)
	if err != nil {
		return nil, err
	}
	commit, err := r.CommitObject(plumbing.NewHash(head))
	if err != nil {
		return nil, fmt.Errorf("reading commit %s of %s: %w", head, repo.Name, err)
	}
	root, err := commit.Tree()
	if err != nil {
		return nil, fmt.Errorf("reading tree of %s: %w", repo.Name, err)
	}
	t := &tree{repo: r, blobs: map[string]plumbing.Hash{}}
	walker := object.NewTreeWalker(root, true, nil)
	defer walker.Close()
	for {
		name, entry, err := walker.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("walking tree of %s: %w", repo.Name, err)
		}
		if len(t.entries)%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		if len(t.entries) >= source.MaxTreeEntries {
			return nil, fmt.Errorf("tree of %s has more than %d files", repo.Name, source.MaxTreeEntries)
		}
		// Symlinks and submodules are not followed: a link could point
		// outside the repo, a submodule is another repo.
		if entry.Mode != filemode.Regular && entry.Mode != filemode.Executable && entry.Mode != filemode.Deprecated {
			continue
		}
		t.entries = append(t.entries, source.Entry{Path: name, Size: -1, Blob: entry.Hash.String()})
		t.blobs[name] = entry.Hash
	}
	return t, nil
}

type tree struct {
	repo    *git.Repository
	entries []source.Entry
	blobs   map[string]plumbing.Hash
}

func (t *tree) Entries() []source.Entry { return t.entries }

func (t *tree) Read(ctx context.Context, path string, limit int64) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	h, ok := t.blobs[path]
	if !ok {
		return nil, fmt.Errorf("%s: %w", path, os.ErrNotExist)
	}
	// Size first, from the object header: loading a hostile 2 GB blob to
	// learn it is too large would be the attack.
	if sized, ok := t.repo.Storer.(interface {
		EncodedObjectSize(plumbing.Hash) (int64, error)
	}); ok && limit > 0 {
		if size, err := sized.EncodedObjectSize(h); err == nil && size > limit {
			return nil, source.TooLarge(path, size, limit)
		}
	}
	blob, err := t.repo.BlobObject(h)
	if err != nil {
		// The tree lists the file: a missing object or pack is a broken
		// clone, not a missing file.
		return nil, source.Fault(fmt.Errorf("%s: reading blob: %w", path, err))
	}
	if limit > 0 && blob.Size > limit {
		return nil, source.TooLarge(path, blob.Size, limit)
	}
	rd, err := blob.Reader()
	if err != nil {
		return nil, source.Fault(fmt.Errorf("%s: reading blob: %w", path, err))
	}
	defer rd.Close()
	b, err := io.ReadAll(rd)
	if err != nil {
		return nil, source.Fault(fmt.Errorf("%s: reading blob: %w", path, err))
	}
	return b, nil
}

// FileURL is empty: a local clone has no web view.
func (t *tree) FileURL(string, int) string { return "" }
