package github

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"

	"github.com/google/go-github/v89/github"
	"go.uber.org/zap"

	"github.com/uptake-dev/uptake/collector/source"
	"github.com/uptake-dev/uptake/collector/source/remote"
)

// Open lists the files at head with one recursive Git Trees request (more
// only when GitHub truncates the tree); contents are fetched on Read.
func (s *Source) Open(ctx context.Context, repo source.Repo, head string) (source.Tree, error) {
	if err := s.resolveAPI(ctx); err != nil {
		return nil, err
	}
	owner, name, _ := strings.Cut(repo.Name, "/")
	t := &tree{s: s, repo: repo, owner: owner, name: name, head: head, files: map[string]source.Entry{}}
	root, err := head, error(nil)
	if s.treeByTreeSHA.Load() {
		root, err = s.rootTree(ctx, owner, name, head)
	}
	if err == nil {
		err = t.walk(ctx, root, "")
	}
	if status(err) == http.StatusNotFound && root == head {
		// The trees endpoint documents a tree SHA or a ref name. GitHub takes
		// a commit SHA too, which saves a request; a host that does not is
		// asked for the commit's tree, and from now on first.
		if root, err = s.rootTree(ctx, owner, name, head); err == nil {
			s.treeByTreeSHA.Store(true)
			t.entries, t.files = nil, map[string]source.Entry{}
			err = t.walk(ctx, root, "")
		}
	}
	switch {
	case status(err) == http.StatusConflict:
		// "Git Repository is empty." A 404 is not: the commit just resolved
		// as HEAD is gone, and the repo keeps its last good data.
		return nil, source.ErrEmpty
	case err != nil:
		return nil, s.errorf("%s: tree at %s: %w", repo.Name, head, err)
	}
	sort.Slice(t.entries, func(i, j int) bool { return t.entries[i].Path < t.entries[j].Path })
	return t, nil
}

// rootTree is the SHA of a commit's root tree.
func (s *Source) rootTree(ctx context.Context, owner, name, commit string) (string, error) {
	c, _, err := s.client.Git.GetCommit(ctx, owner, name, commit)
	if err != nil {
		return "", err
	}
	if c.GetTree().GetSHA() == "" {
		return "", fmt.Errorf("commit %s names no tree", commit)
	}
	return c.GetTree().GetSHA(), nil
}

type tree struct {
	s           *Source
	repo        source.Repo
	owner, name string
	head        string
	entries     []source.Entry
	files       map[string]source.Entry

	mu sync.Mutex
	// prefetched holds verified contents Prefetch fetched over GraphQL.
	prefetched map[string][]byte
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

// add keeps regular files only: symlinks (mode 120000) could point outside
// the repo and submodules (type commit) are other repos. Any other blob mode
// is a file: old histories carry 100664 and the like.
func (t *tree) add(prefix string, entries []*github.TreeEntry) {
	for _, e := range entries {
		if e.GetType() != "blob" || e.GetMode() == "120000" {
			continue
		}
		size := int64(-1)
		if e.Size != nil {
			size = int64(*e.Size)
		}
		en := source.Entry{Path: prefix + e.GetPath(), Size: size, Blob: e.GetSHA()}
		t.entries = append(t.entries, en)
		t.files[en.Path] = en
	}
}

func (t *tree) Entries() []source.Entry { return t.entries }

// Read fetches a blob by SHA once ever: contents are kept in the store, so
// an unchanged file in a changed repo, or the same file in many repos, costs
// nothing. The size check uses the tree's sizes, before any fetch. Content,
// fetched or stored, is taken only when it hashes to the blob's SHA.
func (t *tree) Read(ctx context.Context, path string, limit int64) ([]byte, error) {
	e, ok := t.files[path]
	if !ok {
		return nil, fmt.Errorf("%s: %s: %w", t.repo.Name, path, fs.ErrNotExist)
	}
	if limit > 0 && e.Size > limit {
		return nil, source.TooLarge(path, e.Size, limit)
	}
	if b, ok := t.takePrefetched(path); ok {
		return b, nil
	}
	key := "github/blob/" + e.Blob
	if t.s.store != nil {
		if b, ok := t.s.store.Get(key); ok {
			// A corrupted store entry is a miss, fetched again.
			if err := remote.VerifyBlob(e.Blob, b); err == nil {
				if limit > 0 && int64(len(b)) > limit {
					return nil, source.TooLarge(path, int64(len(b)), limit)
				}
				return b, nil
			}
			t.s.log.Warn("stored blob does not match its id, fetching it again", zap.String("repo", t.repo.Name), zap.String("path", path), zap.String("blob", e.Blob))
		}
	}
	// A longer body cannot be the blob: the tree's size bounds what is
	// taken from the wire, or the limit when the tree did not say.
	most := e.Size
	if most < 0 && limit > 0 {
		most = limit
	}
	b, err := t.s.blob(ctx, t.owner, t.name, e.Blob, most)
	if err == nil && e.Size < 0 && limit > 0 && int64(len(b)) > limit {
		// Cut at the limit, so unchecked, but over it whatever it is.
		return nil, source.TooLarge(path, int64(len(b)), limit)
	}
	if err == nil {
		err = remote.VerifyBlob(e.Blob, b)
	}
	if err != nil {
		// The tree lists the blob: even a 404 is a fault, not a missing file.
		return nil, source.Fault(t.s.errorf("%s: reading %s: %w", t.repo.Name, path, err))
	}
	if t.s.store != nil {
		if err := t.s.store.Put(key, b); err != nil {
			t.s.log.Warn("storing blob", zap.String("repo", t.repo.Name), zap.String("path", path), zap.Error(err))
		}
	}
	// The tree may not have said the size.
	if limit > 0 && int64(len(b)) > limit {
		return nil, source.TooLarge(path, int64(len(b)), limit)
	}
	return b, nil
}

// blob reads a blob in the raw media type the Git Blobs API documents,
// taking at most most+1 bytes of content (most < 0: all of it): enough to
// tell a body longer than the blob, which then fails verification, without
// holding whatever a faulty host streams. go-github's GetBlobRaw is not
// used: it sends the older v3 media type and takes any body for the
// content. A host that ignores the media type answers with the default
// JSON, whose base64 content is decoded when it names the blob asked for (a
// raw JSON file would have to hold its own hash to be taken for one).
func (s *Source) blob(ctx context.Context, owner, name, sha string, most int64) ([]byte, error) {
	req, err := s.client.NewRequest(ctx, http.MethodGet,
		fmt.Sprintf("repos/%s/%s/git/blobs/%s", url.PathEscape(owner), url.PathEscape(name), url.PathEscape(sha)), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/vnd.github.raw+json")
	resp, err := s.client.BareDo(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	var r io.Reader = resp.Body
	switch {
	case most < 0:
	case mt == "application/json":
		// Base64 with line breaks, in a JSON object.
		r = io.LimitReader(r, 2*most+64<<10)
	default:
		r = io.LimitReader(r, most+1)
	}
	body, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	if mt != "application/json" {
		return body, nil
	}
	var b github.Blob
	if json.Unmarshal(body, &b) != nil || b.GetSHA() != sha {
		return body, nil
	}
	switch b.GetEncoding() {
	case "base64":
		// GitHub wraps the base64 at 60 columns.
		return base64.StdEncoding.DecodeString(strings.Map(func(r rune) rune {
			if r == '\n' || r == '\r' {
				return -1
			}
			return r
		}, b.GetContent()))
	case "utf-8":
		return []byte(b.GetContent()), nil
	}
	return nil, fmt.Errorf("blob %s in unknown encoding %q", sha, b.GetEncoding())
}

// FileURL links to the file at this commit: <repo>/blob/<sha>/<path>#L<line>.
func (t *tree) FileURL(path string, line int) string {
	if t.repo.WebURL == "" {
		return ""
	}
	return remote.FileURL(t.repo.WebURL+"/blob/"+t.head, path, line)
}
