package local

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/storage/filesystem"

	"github.com/uptake-dev/uptake/collector/source"
)

// historyCache bounds a History's object cache. Blobs are kept too: one
// version of a file is stored as a delta of another, and reading a year of
// versions would otherwise inflate each one's chain of bases again.
const historyCache = 32 * cache.MiByte

// History opens a repo for reading many of its commits: the pack files
// stay open and objects, blobs included, stay cached across them.
func (s *Source) History(_ context.Context, repo source.Repo) (source.History, error) {
	r, st, err := openForReading(repo, cache.NewObjectLRU(historyCache))
	if err != nil {
		return nil, err
	}
	return &history{src: s, repo: repo, r: r, st: st, seen: &listings{cur: map[dirRef]*dirListing{}, roots: map[string]plumbing.Hash{}}}, nil
}

type history struct {
	src  *Source
	repo source.Repo
	r    *git.Repository
	st   *filesystem.Storage
	seen *listings
	// warned says the invalid names were logged once: every commit of the
	// history would log them again.
	warned bool
}

// Head resolves the default branch as Source.Head does.
func (h *history) Head(context.Context) (string, error) { return headOf(h.r, h.repo) }

// Log walks first parents: the default branch's own line, on which a
// merged branch's commits appear as its merge.
func (h *history) Log(ctx context.Context, head string, since time.Time) ([]source.Commit, bool, error) {
	shallow := map[plumbing.Hash]bool{}
	if list, err := h.r.Storer.Shallow(); err == nil {
		for _, c := range list {
			shallow[c] = true
		}
	}
	var out []source.Commit
	hash := plumbing.NewHash(head)
	for {
		if err := ctx.Err(); err != nil {
			return nil, false, err
		}
		c, err := h.r.CommitObject(hash)
		if err != nil {
			if len(out) > 0 && errors.Is(err, plumbing.ErrObjectNotFound) {
				// A grafted or pruned history: what came before is unknown.
				return out, false, nil
			}
			return nil, false, fmt.Errorf("reading commit %s of %s: %w", hash, h.repo.Name, err)
		}
		out = append(out, source.Commit{Hash: c.Hash.String(), Time: c.Committer.When})
		h.seen.roots[out[len(out)-1].Hash] = c.TreeHash
		if !c.Committer.When.After(since) {
			return out, true, nil
		}
		if c.NumParents() == 0 {
			return out, true, nil
		}
		if shallow[c.Hash] {
			return out, false, nil
		}
		hash = c.ParentHashes[0]
	}
}

func (h *history) Open(ctx context.Context, commit string) (source.Tree, error) {
	h.seen.next()
	t, skipped, err := openTree(ctx, h.r, h.repo, commit, h.seen)
	if err != nil {
		return nil, err
	}
	if !h.warned && len(skipped) > 0 {
		h.warned = true
		h.src.warnSkipped(h.repo, skipped)
	}
	return t, nil
}

func (h *history) Close() error { return h.st.Close() }

var _ source.Historian = (*Source)(nil)
