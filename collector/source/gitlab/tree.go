package gitlab

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"sync"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go/v2"
	"go.uber.org/zap"

	"github.com/uptake-dev/uptake/collector/source"
	"github.com/uptake-dev/uptake/collector/source/remote"
)

// tree is one project's files at one commit.
type tree struct {
	src  *Source
	repo source.Repo
	head string
	// commitTime is head's committed date when Head looked it up.
	commitTime time.Time
	entries    []source.Entry
	// blobs maps a path to its blob id.
	blobs map[string]string

	mu sync.Mutex
	// prefetched holds verified contents Prefetch fetched over GraphQL;
	// tooLarge the sizes of files GraphQL said are over the limit.
	prefetched map[string][]byte
	tooLarge   map[string]int64
}

// CommitTime is the head commit's committed date, zero when Head did not
// look the branch up (GraphQL gave the listing the head and its time).
func (t *tree) CommitTime() time.Time { return t.commitTime }

// takePrefetched returns what Prefetch learnt of path: its verified
// content, or its size when over the limit.
func (t *tree) takePrefetched(path string) ([]byte, int64, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if n, ok := t.tooLarge[path]; ok {
		return nil, n, true
	}
	b, ok := t.prefetched[path]
	return b, 0, ok
}

func (t *tree) Entries() []source.Entry { return t.entries }

// Read serves the content from the Store when the blob was read before,
// else streams the raw file at head and stops after limit+1 bytes. The raw
// file endpoint is used rather than RawBlobContent because client-go
// buffers the whole blob there, however large. Content, fetched or stored,
// is taken only when it hashes to the tree's blob id.
func (t *tree) Read(ctx context.Context, path string, limit int64) ([]byte, error) {
	blob, ok := t.blobs[path]
	if !ok {
		return nil, fmt.Errorf("%s: %w", path, fs.ErrNotExist)
	}
	key := "gitlab/blob/" + blob
	if b, size, ok := t.takePrefetched(path); ok {
		if b == nil {
			return nil, source.TooLarge(path, size, limit)
		}
		t.store(key, blob, b)
		return b, nil
	}
	if t.src.store != nil {
		if b, ok := t.src.store.Get(key); ok {
			// A corrupted store entry is a miss, fetched again.
			if err := remote.VerifyBlob(blob, b); err == nil {
				if limit > 0 && int64(len(b)) > limit {
					return nil, source.TooLarge(path, int64(len(b)), limit)
				}
				return b, nil
			}
			t.src.log.Warn("stored blob does not match its id, fetching it again", zap.String("repo", t.repo.Name), zap.String("path", path), zap.String("blob", blob))
		}
	}
	rc, _, err := t.src.client.RepositoryFiles.GetRawFileReader(t.repo.Ref, path,
		&gitlab.GetRawFileOptions{Ref: gitlab.Ptr(t.head)}, gitlab.WithContext(ctx))
	if err != nil {
		// The tree lists the file: even a 404 is a fault, not a missing file.
		return nil, source.Fault(fmt.Errorf("%s: reading %s: %w", t.repo.Name, path, t.src.redact(err)))
	}
	defer rc.Close()
	r := io.Reader(rc)
	if limit > 0 {
		r = io.LimitReader(rc, limit+1)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, source.Fault(fmt.Errorf("%s: reading %s: %w", t.repo.Name, path, t.src.redact(err)))
	}
	if limit > 0 && int64(len(b)) > limit {
		// The rest is never downloaded, so the size is only a lower bound.
		return nil, fmt.Errorf("%s: %w (over %d bytes)", path, source.ErrTooLarge, limit)
	}
	// The file is read by path at head: only its blob id vouches that this
	// is the listed content, whole.
	if err := remote.VerifyBlob(blob, b); err != nil {
		return nil, source.Fault(fmt.Errorf("%s: reading %s: %w", t.repo.Name, path, err))
	}
	t.store(key, blob, b)
	return b, nil
}

// store keeps a verified blob for every later scan and repo.
func (t *tree) store(key, blob string, b []byte) {
	if t.src.store != nil {
		if err := t.src.store.Put(key, b); err != nil {
			t.src.log.Warn("caching blob", zap.String("blob", blob), zap.Error(err))
		}
	}
}

// FileURL links to the file at this commit: <web_url>/-/blob/<sha>/<path>#L<n>.
func (t *tree) FileURL(path string, line int) string {
	if t.repo.WebURL == "" {
		return ""
	}
	return remote.FileURL(strings.TrimSuffix(t.repo.WebURL, "/")+"/-/blob/"+t.head, path, line)
}
