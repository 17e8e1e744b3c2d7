package github

import (
	"context"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/google/go-github/v89/github"
	"go.uber.org/zap"

	"github.com/uptake-dev/uptake/collector/source"
)

// Open lists the files at head with one recursive Git Trees request (more
// only when GitHub truncates the tree); contents are fetched on Read.
func (s *Source) Open(ctx context.Context, repo source.Repo, head string) (source.Tree, error) {
	owner, name, _ := strings.Cut(repo.Name, "/")
	t := &tree{s: s, repo: repo, owner: owner, name: name, head: head, files: map[string]source.Entry{}}
	if err := t.walk(ctx, head, ""); err != nil {
		if c := status(err); c == http.StatusNotFound || c == http.StatusConflict {
			// The branch was emptied (404) or never had a commit (409).
			return nil, source.ErrEmpty
		}
		return nil, s.errorf("%s: tree at %s: %w", repo.Name, head, err)
	}
	sort.Slice(t.entries, func(i, j int) bool { return t.entries[i].Path < t.entries[j].Path })
	return t, nil
}

type tree struct {
	s           *Source
	repo        source.Repo
	owner, name string
	head        string
	entries     []source.Entry
	files       map[string]source.Entry
}

// walk lists the files below the tree (or commit) sha, whose path is prefix.
// GitHub truncates a recursive listing past 100,000 entries or 7 MB; then this
// level is listed alone and each subtree walked the same way, so the extra
// cost is one request per directory on the way down to the parts that fit.
func (t *tree) walk(ctx context.Context, sha, prefix string) error {
	gt, _, err := t.s.client.Git.GetTree(ctx, t.owner, t.name, sha, true)
	if err != nil {
		return err
	}
	if !gt.GetTruncated() {
		t.add(prefix, gt.Entries)
		return nil
	}
	t.s.log.Warn("tree truncated by GitHub, walking its subtrees", zap.String("repo", t.repo.Name), zap.String("dir", prefix))
	if gt, _, err = t.s.client.Git.GetTree(ctx, t.owner, t.name, sha, false); err != nil {
		return err
	}
	if gt.GetTruncated() {
		t.s.log.Warn("directory listing truncated by GitHub, files past its limit are not scanned", zap.String("repo", t.repo.Name), zap.String("dir", prefix))
	}
	t.add(prefix, gt.Entries)
	for _, e := range gt.Entries {
		if e.GetType() == "tree" {
			if err := t.walk(ctx, e.GetSHA(), prefix+e.GetPath()+"/"); err != nil {
				return err
			}
		}
	}
	return nil
}

// add keeps regular files only: symlinks (120000) could point outside the
// repo and submodules (160000) are other repos.
func (t *tree) add(prefix string, entries []*github.TreeEntry) {
	for _, e := range entries {
		if e.GetType() != "blob" || (e.GetMode() != "100644" && e.GetMode() != "100755") {
			continue
		}
		en := source.Entry{Path: prefix + e.GetPath(), Size: int64(e.GetSize()), Blob: e.GetSHA()}
		t.entries = append(t.entries, en)
		t.files[en.Path] = en
	}
}

func (t *tree) Entries() []source.Entry { return t.entries }

// Read fetches a blob by SHA once ever: contents are kept in the store, so
// an unchanged file in a changed repo, or the same file in many repos, costs
// nothing. The size check uses the tree's sizes, before any fetch.
func (t *tree) Read(ctx context.Context, path string, limit int64) ([]byte, error) {
	e, ok := t.files[path]
	if !ok {
		return nil, fmt.Errorf("%s: %s: %w", t.repo.Name, path, fs.ErrNotExist)
	}
	if limit > 0 && e.Size > limit {
		return nil, source.TooLarge(path, e.Size, limit)
	}
	key := "github/blob/" + e.Blob
	if t.s.store != nil {
		if b, ok := t.s.store.Get(key); ok {
			return b, nil
		}
	}
	b, _, err := t.s.client.Git.GetBlobRaw(ctx, t.owner, t.name, e.Blob)
	if err != nil {
		return nil, t.s.errorf("%s: reading %s: %w", t.repo.Name, path, err)
	}
	if t.s.store != nil {
		if err := t.s.store.Put(key, b); err != nil {
			t.s.log.Warn("storing blob", zap.String("repo", t.repo.Name), zap.String("path", path), zap.Error(err))
		}
	}
	return b, nil
}

// FileURL links to the file at this commit: <repo>/blob/<sha>/<path>#L<line>.
func (t *tree) FileURL(path string, line int) string {
	if t.repo.WebURL == "" {
		return ""
	}
	parts := strings.Split(path, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	u := t.repo.WebURL + "/blob/" + t.head + "/" + strings.Join(parts, "/")
	if line > 0 {
		u += "#L" + strconv.Itoa(line)
	}
	return u
}
