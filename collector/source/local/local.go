// Package local reads repositories from a directory of git clones with
// go-git: working clones and bare mirrors, committed content only.
package local

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/storage/filesystem"
	"go.uber.org/zap"

	"github.com/uptake-dev/uptake/collector/source"
	"github.com/uptake-dev/uptake/config"
)

// MaxDepth bounds `depth`: ghq's host/owner/repo is 3, a deeper search
// would walk unrelated trees.
const MaxDepth = 8

func init() {
	source.Register("local", source.Type{
		Keys: []string{"path", "depth"},
		Validate: func(s config.Source) []string {
			var errs []string
			if s.Path == "" {
				errs = append(errs, "path is required for type local")
			}
			if s.Depth < 0 || s.Depth > MaxDepth {
				errs = append(errs, fmt.Sprintf("depth must be from 1 to %d, got %d", MaxDepth, s.Depth))
			}
			return errs
		},
		Preflight: preflight,
		New:       func(cfg config.Source, o source.Options) (source.Source, error) { return New(cfg, o.Logger), nil },
		History:   true,
	})
}

// preflight checks that path is a directory this user can list.
func preflight(s config.Source) []string {
	info, err := os.Stat(s.Path)
	switch {
	case err != nil:
		return []string{fmt.Sprintf("path %s: %v", s.Path, errors.Unwrap(err))}
	case !info.IsDir():
		return []string{fmt.Sprintf("path %s is not a directory", s.Path)}
	}
	if _, err := os.ReadDir(s.Path); err != nil {
		return []string{fmt.Sprintf("path %s cannot be listed: %v", s.Path, errors.Unwrap(err))}
	}
	return nil
}

// Source is a directory whose subdirectories, depth levels down, are git repos.
type Source struct {
	name  string
	dir   string
	depth int
	log   *zap.Logger
}

// New returns the local source for cfg.
func New(cfg config.Source, log *zap.Logger) *Source {
	if log == nil {
		log = zap.NewNop()
	}
	return &Source{name: cfg.Name, dir: cfg.Path, depth: max(1, cfg.Depth), log: log}
}

// Name is the configured source name.
func (s *Source) Name() string { return s.name }

// List returns every working clone (a directory holding .git) and bare
// repo (HEAD and objects/ at its top) up to depth levels below the
// directory, named by their path below it without ".git". A repo is not
// searched for repos inside it, and symlinked directories are not followed.
// Finding none is an error that says what was there instead. A directory
// `uptake mirror` keeps is listed from its manifest instead.
func (s *Source) List(ctx context.Context) ([]source.Repo, error) {
	if _, err := os.ReadDir(s.dir); err != nil {
		return nil, fmt.Errorf("listing %s: %w", s.dir, err)
	}
	if m, found, err := ReadManifest(s.dir); found {
		if err != nil {
			return nil, err
		}
		return s.listManifest(m)
	}
	if isRepo(s.dir) {
		// Its .git would be listed as a bare repo with no name.
		return nil, fmt.Errorf("%s is itself a git repository; set path to the directory that holds it (%s)",
			s.dir, filepath.Dir(s.dir))
	}
	var repos []source.Repo
	var skipped, unreadable []string
	seen := map[string]string{}
	// visit reports whether rel holds any directory, so that a branch that
	// ends early (an empty github.com/) is named as skipped too.
	var visit func(rel string, level int) (bool, error)
	visit = func(rel string, level int) (bool, error) {
		if err := ctx.Err(); err != nil {
			return false, err
		}
		entries, err := os.ReadDir(filepath.Join(s.dir, rel))
		if err != nil {
			if rel == "" {
				return false, err
			}
			s.log.Warn("directory not readable; repos below it are not scanned", zap.String("dir", rel), zap.Error(err))
			unreadable = append(unreadable, fmt.Sprintf("%s (%v)", rel, errors.Unwrap(err)))
			return true, nil
		}
		found := false
		for _, e := range entries {
			if !e.IsDir() { // symlinks are not directories here: never followed
				continue
			}
			found = true
			child := path.Join(rel, e.Name())
			full := filepath.Join(s.dir, child)
			if !isRepo(full) {
				below := false
				if level < s.depth {
					if below, err = visit(child, level+1); err != nil {
						return false, err
					}
				}
				if !below {
					skipped = append(skipped, child)
				}
				continue
			}
			name := strings.TrimSuffix(child, ".git")
			if first, dup := seen[name]; dup {
				// A clone "x" and a mirror "x.git" would share one identity.
				s.log.Warn("two repos with one name; scanning the first only", zap.String("name", name),
					zap.String("scanned", first), zap.String("skipped", full))
				continue
			}
			seen[name] = full
			repos = append(repos, source.Repo{Source: s.name, Name: name, Ref: full})
		}
		return found, nil
	}
	if _, err := visit("", 1); err != nil {
		return nil, fmt.Errorf("listing %s: %w", s.dir, err)
	}
	if len(repos) == 0 {
		return nil, s.noRepos(skipped, unreadable)
	}
	sort.Slice(repos, func(i, j int) bool { return repos[i].Name < repos[j].Name })
	return repos, nil
}

// noRepos explains an empty listing: what was skipped or could not be
// read, and the depth that would find repos when there is one.
func (s *Source) noRepos(skipped, unreadable []string) error {
	if len(skipped) == 0 && len(unreadable) == 0 {
		return fmt.Errorf("no git repository under %s (depth %d): it holds no directory", s.dir, s.depth)
	}
	msg := fmt.Sprintf("no git repository under %s (depth %d)", s.dir, s.depth)
	sep := ": "
	if len(skipped) > 0 {
		msg += sep + "skipped " + few(skipped, 5) + " (not git repositories)"
		sep = "; "
	}
	if len(unreadable) > 0 {
		msg += sep + "could not read " + few(unreadable, 3)
	}
	if d := repoDepth(s.dir, s.depth+1); d > 0 {
		msg += fmt.Sprintf("; repos lie %d levels down: set depth: %d", d, d)
	}
	return errors.New(msg)
}

// few lists the first n of names, sorted, then how many more there are.
func few(names []string, n int) string {
	sort.Strings(names)
	out := strings.Join(names[:min(n, len(names))], ", ")
	if len(names) > n {
		out += fmt.Sprintf(" and %d more", len(names)-n)
	}
	return out
}

// repoDepth is the shallowest level from `from` to MaxDepth holding a repo
// below dir, or 0.
func repoDepth(dir string, from int) int {
	level := []string{dir}
	visited := 0
	for d := 1; d <= MaxDepth && len(level) > 0; d++ {
		var next []string
		for _, p := range level {
			if visited++; visited > 10_000 {
				return 0 // a home directory, not a layout of clones
			}
			entries, _ := os.ReadDir(p)
			for _, e := range entries {
				if !e.IsDir() {
					continue
				}
				child := filepath.Join(p, e.Name())
				if isRepo(child) {
					if d >= from {
						return d
					}
					continue
				}
				next = append(next, child)
			}
		}
		level = next
	}
	return 0
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

// largeObject is the object size above which go-git streams an object
// instead of holding it: the header says the size, so a hostile 2 GB blob
// is refused as too large without being inflated.
const largeObject = 1 << 20

// openForReading opens a repo whose pack files stay open until the
// storage is closed: a tree's reads then open and inflate each object once.
// objects caches what is read (trees and commits only for one tree).
func openForReading(repo source.Repo, objects cache.Object) (*git.Repository, *filesystem.Storage, error) {
	r, err := open(repo)
	if err != nil {
		return nil, nil, err
	}
	plain, ok := r.Storer.(*filesystem.Storage)
	if !ok {
		return nil, nil, fmt.Errorf("opening %s: not a filesystem repository", repo.Ref)
	}
	// The same filesystem, so the same symlink and escape checks, with
	// object files opened at one system call each (see objectFS).
	st := filesystem.NewStorageWithOptions(newObjectFS(plain.Filesystem()), objects,
		filesystem.Options{KeepDescriptors: true, LargeObjectThreshold: largeObject})
	kept, err := git.Open(st, nil)
	if err != nil {
		_ = st.Close()
		return nil, nil, fmt.Errorf("opening %s: %w", repo.Ref, err)
	}
	return kept, st, nil
}

// Head resolves origin/HEAD where a clone has it (the remote's default
// branch), else HEAD. The working tree is never looked at.
func (s *Source) Head(_ context.Context, repo source.Repo) (string, error) {
	r, err := open(repo)
	if err != nil {
		return "", err
	}
	return headOf(r, repo)
}

func headOf(r *git.Repository, repo source.Repo) (string, error) {
	ref, err := r.Reference(plumbing.NewRemoteHEADReferenceName("origin"), true)
	if err != nil {
		ref, err = r.Head()
	}
	if errors.Is(err, plumbing.ErrReferenceNotFound) {
		return "", unborn(r, repo)
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

// unborn explains a HEAD that resolves to nothing: a repo with no ref at
// all is empty; one whose HEAD names a missing branch while other refs
// exist is broken, and counting it as empty would drop its adoption.
func unborn(r *git.Repository, repo source.Repo) error {
	refs, err := r.References()
	if err != nil {
		return fmt.Errorf("listing refs of %s: %w", repo.Name, err)
	}
	var names []string
	_ = refs.ForEach(func(ref *plumbing.Reference) error {
		if ref.Name() != plumbing.HEAD && ref.Type() == plumbing.HashReference {
			names = append(names, ref.Name().String())
		}
		return nil
	})
	if len(names) == 0 {
		return source.ErrEmpty
	}
	target := "a missing ref"
	if head, err := r.Storer.Reference(plumbing.HEAD); err == nil && head.Type() == plumbing.SymbolicReference {
		target = head.Target().String()
	}
	return fmt.Errorf("HEAD of %s names %s, which does not exist; the repo has %s", repo.Name, target, few(names, 3))
}

// Open lists the files of the commit's tree without reading any blob.
func (s *Source) Open(ctx context.Context, repo source.Repo, head string) (source.Tree, error) {
	r, st, err := openForReading(repo, treeCache{cache.NewObjectLRUDefault()})
	if err != nil {
		return nil, err
	}
	t, skipped, err := openTree(ctx, r, repo, head, nil)
	if err != nil {
		_ = st.Close()
		return nil, err
	}
	s.warnSkipped(repo, skipped)
	t.storage = st
	return t, nil
}

func (s *Source) warnSkipped(repo source.Repo, skipped []string) {
	if len(skipped) > 0 {
		s.log.Warn("files with invalid or repeated names are not scanned", zap.String("repo", repo.Name),
			zap.Int("files", len(skipped)), zap.Strings("examples", skipped[:min(3, len(skipped))]))
	}
}

// openTree lists the files of a commit of an open repo, and returns the
// entries it left out (see walk); seen, when set, keeps directory listings
// across the commits of a History.
func openTree(ctx context.Context, r *git.Repository, repo source.Repo, head string, seen *listings) (*tree, []string, error) {
	root, ok := seen.root(head)
	var when time.Time
	if !ok {
		commit, err := r.CommitObject(plumbing.NewHash(head))
		if err != nil {
			return nil, nil, fmt.Errorf("reading commit %s of %s: %w", head, repo.Name, err)
		}
		root, when = commit.TreeHash, commit.Committer.When.UTC()
	}
	t := &tree{repo: r, entries: make([]source.Entry, 0, seen.size()), commitTime: when}
	skipped, err := t.walk(ctx, root, seen)
	if err != nil {
		return nil, nil, fmt.Errorf("walking tree of %s: %w", repo.Name, err)
	}
	// Stable, so of a path listed twice the first one walked is kept.
	sort.SliceStable(t.entries, func(i, j int) bool { return t.entries[i].Path < t.entries[j].Path })
	kept := t.entries[:0]
	for i, e := range t.entries {
		if i > 0 && e.Path == t.entries[i-1].Path {
			skipped = append(skipped, strconv.Quote(e.Path))
			continue
		}
		kept = append(kept, e)
	}
	t.entries = kept
	seen.sized(len(kept))
	return t, skipped, nil
}

// walk lists the regular files below root with an explicit stack, so a
// hostile tree nested 100,000 levels deep costs memory, not the goroutine
// stack. Entries with a name no checkout should create (see validName), and
// a path listed twice, are left out and returned, quoted: one bad name
// costs that file, not the repo. Directory listings come from seen when
// it holds them (a History's commits share most directories).
func (t *tree) walk(ctx context.Context, root plumbing.Hash, seen *listings) (skipped []string, err error) {
	stack := []dirRef{{"", root}}
	for len(stack) > 0 {
		d := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		l, err := t.list(d, seen)
		if err != nil {
			return nil, err
		}
		skipped = append(skipped, l.skipped...)
		if len(t.entries)+len(l.files) > source.MaxTreeEntries {
			return nil, fmt.Errorf("more than %d files", source.MaxTreeEntries)
		}
		t.entries = append(t.entries, l.files...)
		stack = append(stack, l.dirs...)
	}
	return skipped, nil
}

// dirRef is a directory of a tree: its path with a trailing slash ("" at
// the root) and its tree id.
type dirRef struct {
	prefix string
	hash   plumbing.Hash
}

// dirListing is one directory's regular files, its subdirectories, and
// the names left out.
type dirListing struct {
	files   []source.Entry
	dirs    []dirRef
	skipped []string
}

// listings keeps the directory listings of the last two commits a History
// opened: a commit shares most directories with the one read before.
type listings struct {
	prev, cur map[dirRef]*dirListing
	files     int
	// roots are the root trees of the commits the History's Log read.
	roots map[string]plumbing.Hash
}

func (l *listings) root(commit string) (plumbing.Hash, bool) {
	if l == nil {
		return plumbing.ZeroHash, false
	}
	h, ok := l.roots[commit]
	return h, ok
}

// next starts a commit's listings.
func (l *listings) next() { l.prev, l.cur = l.cur, map[dirRef]*dirListing{} }

// size is how many files the last commit had, to size the next one's list.
func (l *listings) size() int {
	if l == nil {
		return 0
	}
	return l.files
}

func (l *listings) sized(n int) {
	if l != nil {
		l.files = n
	}
}

// list reads one directory, or takes it from seen.
func (t *tree) list(d dirRef, seen *listings) (*dirListing, error) {
	if seen != nil {
		if l := seen.cur[d]; l != nil {
			return l, nil
		}
		if l := seen.prev[d]; l != nil {
			seen.cur[d] = l
			return l, nil
		}
	}
	obj, err := t.repo.TreeObject(d.hash)
	if err != nil {
		if d.prefix == "" {
			return nil, fmt.Errorf("reading the root tree: %w", err)
		}
		return nil, fmt.Errorf("%s: %w", strings.TrimSuffix(d.prefix, "/"), err)
	}
	l := &dirListing{}
	for _, e := range obj.Entries {
		p := d.prefix + e.Name
		if !validName(e.Name) {
			l.skipped = append(l.skipped, strconv.Quote(p))
			continue
		}
		switch e.Mode {
		case filemode.Dir:
			l.dirs = append(l.dirs, dirRef{p + "/", e.Hash})
		// Symlinks and submodules are not followed: a link could point
		// outside the repo, a submodule is another repo.
		case filemode.Regular, filemode.Executable, filemode.Deprecated:
			l.files = append(l.files, source.Entry{Path: p, Size: -1, Blob: e.Hash.String()})
		}
	}
	if seen != nil {
		seen.cur[d] = l
	}
	return l, nil
}

// validName is a tree entry name a checkout would create and every output
// can carry: not empty, "." or "..", no "/", not ".git" in any case (git
// refuses those), valid UTF-8 without control characters (C0, DEL, C1),
// which a terminal, log line or label would otherwise receive raw.
func validName(name string) bool {
	if name == "" || name == "." || name == ".." || strings.EqualFold(name, ".git") ||
		strings.Contains(name, "/") || !utf8.ValidString(name) {
		return false
	}
	return !strings.ContainsFunc(name, unicode.IsControl)
}

type tree struct {
	repo *git.Repository
	// storage holds the pack files open; Close releases them. It is nil
	// for a History's trees, which share the History's.
	storage *filesystem.Storage
	entries []source.Entry
	// commitTime is the commit's committer time; zero for a History's tree
	// whose root was known without reading the commit.
	commitTime time.Time
}

// CommitTime is the commit's committer time.
func (t *tree) CommitTime() time.Time { return t.commitTime }

func (t *tree) Entries() []source.Entry { return t.entries }

// Close releases the repo's open pack files.
func (t *tree) Close() error {
	if t.storage == nil {
		return nil
	}
	return t.storage.Close()
}

func (t *tree) Read(ctx context.Context, path string, limit int64) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	i, ok := sort.Find(len(t.entries), func(i int) int { return strings.Compare(path, t.entries[i].Path) })
	if !ok {
		return nil, fmt.Errorf("%s: %w", path, os.ErrNotExist)
	}
	h := plumbing.NewHash(t.entries[i].Blob)
	// One lookup: the size comes from the object header, and an object over
	// largeObject is streamed, never held, so a hostile 2 GB blob is refused
	// without being inflated.
	obj, err := t.repo.Storer.EncodedObject(plumbing.BlobObject, h)
	if err != nil {
		// The tree lists the file: a missing object or pack is a broken
		// clone, not a missing file.
		return nil, source.Fault(fmt.Errorf("%s: reading blob: %w", path, err))
	}
	if limit > 0 && obj.Size() > limit {
		return nil, source.TooLarge(path, obj.Size(), limit)
	}
	rd, err := obj.Reader()
	if err != nil {
		return nil, source.Fault(fmt.Errorf("%s: reading blob: %w", path, err))
	}
	defer rd.Close()
	b := make([]byte, obj.Size())
	if _, err := io.ReadFull(rd, b); err != nil {
		return nil, source.Fault(fmt.Errorf("%s: reading blob: %w", path, err))
	}
	return b, nil
}

// FileURL is empty: a local clone has no web view.
func (t *tree) FileURL(string, int) string { return "" }
