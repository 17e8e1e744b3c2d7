// Package source defines where repositories come from: a Source lists repos
// and opens one repo's file tree at its HEAD commit, reading contents lazily.
// Sub-packages implement it for local clones, GitHub and GitLab.
package source

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/bmatcuk/doublestar/v4"
)

// Repo is one repository as its source lists it.
type Repo struct {
	// Source is the configured source's name.
	Source string `json:"source"`
	// Name is the repo's full path on its host ("org/repo", "group/sub/project")
	// or, for a local source, the directory name without ".git".
	Name string `json:"name"`
	// DefaultBranch is the branch scanned, when the source knows it.
	DefaultBranch string `json:"default_branch,omitempty"`
	// WebURL is the repo's page on its host, when there is one.
	WebURL string `json:"web_url,omitempty"`
	// Topics are the host's repo topics (GitHub topics, GitLab topics).
	Topics []string `json:"topics,omitempty"`
	// Namespace is the repo's namespace path below the scanned group or org.
	Namespace string `json:"namespace,omitempty"`
	// Teams are host teams with admin or maintain rights on the repo.
	Teams []string `json:"teams,omitempty"`
	// Head is the HEAD commit when listing already yielded it; else empty
	// until Source.Head resolves it.
	Head string `json:"head,omitempty"`
	// CloneURL is the repo's git-over-HTTP(S) URL, when the host lists one:
	// `uptake mirror` fetches from it.
	CloneURL string `json:"clone_url,omitempty"`
	// HeadTime is the HEAD commit's committer time when listing yielded
	// Head with it; zero when unknown.
	HeadTime time.Time `json:"head_time,omitzero"`
	// Ref is an opaque per-source handle (an API id) the source needs to open the repo.
	Ref string `json:"-"`
}

// ShortName is the last path component of Name; for a project unit
// (repo//dir, scan.units: project) the repo's short name and the unit's
// directory, so repo-name globs like "mono//services/*" match units.
func (r Repo) ShortName() string {
	if repo, dir, ok := strings.Cut(r.Name, "//"); ok {
		return Repo{Name: repo}.ShortName() + "//" + dir
	}
	for i := len(r.Name) - 1; i >= 0; i-- {
		if r.Name[i] == '/' {
			return r.Name[i+1:]
		}
	}
	return r.Name
}

// MatchName matches a repo-name glob (doublestar) against the repo's last
// path component or its full path.
func (r Repo) MatchName(glob string) bool {
	if ok, _ := doublestar.Match(glob, r.ShortName()); ok {
		return true
	}
	ok, _ := doublestar.Match(glob, r.Name)
	return ok
}

// MaxTreeEntries bounds the files of one tree a scan takes: a hostile or
// generated repo cannot make it hold millions of paths. The inventory stage
// refuses a larger tree from any source; a source that walks a tree itself
// stops there, so it never holds more.
const MaxTreeEntries = 500_000

// Entry is one file in a repo tree.
type Entry struct {
	Path string
	// Size in bytes; -1 when the source does not know it before reading.
	Size int64
	// Blob is the git object id of the content, when known; immutable content
	// is cached by it.
	Blob string
}

// Tree is one repo's committed files at one commit. Entries are regular
// files only: symlinks and submodules are left out, so no read can escape the repo.
// A Tree that holds resources (open pack files) implements io.Closer; the
// engine closes it once the repo is read.
type Tree interface {
	// Entries lists every regular file; it is cheap (fetched once).
	Entries() []Entry
	// Read returns a file's content, exactly as committed. Its errors say
	// what the caller may conclude, as the inventory stage relies on:
	//   - one matching fs.ErrNotExist only when path is not in Entries;
	//   - one matching ErrTooLarge past limit bytes;
	//   - any other is a fault (a listed blob answering 404 or 410, a 5xx
	//     after retries, a reset or truncated body, content that does not
	//     match its blob id, a rate limit given up on, a deadline) and never
	//     matches fs.ErrNotExist: the file exists, its content is unknown.
	Read(ctx context.Context, path string, limit int64) ([]byte, error)
	// FileURL links to the file at this commit and line on the host; "" when
	// there is no web view.
	FileURL(path string, line int) string
}

// CommitTimer is a Tree that knows when its commit was made, from what
// opening it fetched anyway.
type CommitTimer interface {
	// CommitTime is the commit's committer time; zero when unknown.
	CommitTime() time.Time
}

// Prefetcher is a Tree that can fetch many files in one request. The
// inventory stage calls Prefetch once with every path its plan will read
// (decided from paths alone), before any Read; a path Prefetch could not
// serve is read as usual. It never fails: a prefetch is an optimisation.
type Prefetcher interface {
	Prefetch(ctx context.Context, paths []string, limit int64)
}

// Budget is one of a host's rate limits as it last reported it.
type Budget struct {
	// Resource is the host's name for it: GitHub's "core" (REST), "graphql".
	Resource         string
	Limit, Remaining int
	// Reset is when the window starts whole again.
	Reset time.Time
	// PerRepo estimates what reading one repo draws on it.
	PerRepo float64
}

// Budgeter is a Source whose host rations requests per window of an hour
// or so. The engine reads repos in priority order while the budget covers one
// more, and defers the rest to the next scan instead of waiting for the reset.
type Budgeter interface {
	// Reserve sets aside what reading one more repo is expected to cost; ok
	// is false when the budget left, less what the repos reserved before
	// may still spend, cannot cover it. The returned context carries the
	// reservation to the repo's requests, which account what they spend;
	// release ends it once the repo is done. Reserve makes no request.
	Reserve(ctx context.Context) (rctx context.Context, release func(), ok bool)
	// Budgets are the host's budgets as last reported, for the logs.
	Budgets() []Budget
}

// Source lists and opens repositories.
type Source interface {
	// Name is the configured source name.
	Name() string
	// List returns every repo the source covers, filters applied.
	List(ctx context.Context) ([]Repo, error)
	// Head resolves the repo's HEAD commit on its default branch at the
	// smallest cost the host allows. ErrEmpty marks a repo with no commits.
	Head(ctx context.Context, repo Repo) (string, error)
	// Open returns the tree at commit head.
	Open(ctx context.Context, repo Repo, head string) (Tree, error)
}

// ErrEmpty is returned for a repository that has no commits; it is scanned as
// a repo with no files, not an error.
var ErrEmpty = errors.New("repository is empty")

// ErrTooLarge is returned by Tree.Read for a file over the size limit.
var ErrTooLarge = errors.New("file too large")

// TooLargeError is a file over the size limit; it matches ErrTooLarge.
type TooLargeError struct {
	Path        string
	Size, Limit int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("file too large (%d bytes, limit %d)", e.Size, e.Limit)
}

// Is makes errors.Is(err, ErrTooLarge) hold.
func (e *TooLargeError) Is(target error) bool { return target == ErrTooLarge }

// TooLarge wraps ErrTooLarge with the sizes involved.
func TooLarge(path string, size, limit int64) error {
	return &TooLargeError{Path: path, Size: size, Limit: limit}
}

// Fault makes err, met reading a file the tree lists, safe to return from
// Tree.Read: an error that matches fs.ErrNotExist (a vanished pack file, an
// ENOENT from below) would read as "no such file" and drop the file from
// the scan, so such an error keeps only its text. Others are returned as
// they are, so that context errors still match.
func Fault(err error) error {
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return faultError{err.Error()}
}

type faultError struct{ msg string }

func (e faultError) Error() string { return e.msg }

// Store is durable key-value storage a source may use for immutable blobs
// (keyed by object id) and conditional-request validators (ETags). Keys are
// namespaced by the caller; the scan cache implements it.
type Store interface {
	Get(key string) ([]byte, bool)
	Put(key string, value []byte) error
}

// Cloner is a Source whose repos git can fetch over HTTP(S) from their
// CloneURL: `uptake mirror` keeps bare copies of them, for backfill.
type Cloner interface {
	Source
	// GitCredentials are the HTTP basic-auth user and password git sends
	// the host for the source's own credential; both empty for an anonymous
	// source. A GitHub App's installation token is renewed as it nears its
	// expiry, so callers ask again per repo.
	GitCredentials(ctx context.Context) (user, password string, err error)
}

// Historian is a Source that can read a repo's past: backfill walks its
// default branch. Only local clones do; a remote host would cost a tree
// listing per commit.
type Historian interface {
	Source
	// History opens the repo for reading many commits; the caller closes it.
	History(ctx context.Context, repo Repo) (History, error)
}

// History is one repo opened for reading its commits.
type History interface {
	// Head is the default branch's commit, as Source.Head resolves it.
	Head(ctx context.Context) (string, error)
	// Log returns the first-parent chain from head, newest first, down to
	// the first commit committed at or before since (included). complete
	// is false when the chain ends at a commit whose parents the clone
	// lacks (a shallow clone) before reaching since: what came before it
	// is unknown, not absent.
	Log(ctx context.Context, head string, since time.Time) (commits []Commit, complete bool, err error)
	// Open returns the tree at commit; it stays valid until Close.
	Open(ctx context.Context, commit string) (Tree, error)
	Close() error
}

// Commit is one commit of a History.
type Commit struct {
	Hash string
	// Time is the committer's time: when the change landed on the branch,
	// not when it was first written.
	Time time.Time
}
