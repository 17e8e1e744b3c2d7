package github

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"go.uber.org/zap"

	"github.com/uptake-dev/uptake/collector/source/remote"
)

// blobsPerQuery bounds the files one GraphQL query asks for: GitHub caps a
// query's nodes and cost, and a small batch keeps one failure cheap.
const blobsPerQuery = 50

// prefetchMaxBytes is the largest file asked for over GraphQL: GitHub
// truncates Blob.text of large blobs, and REST serves those well.
const prefetchMaxBytes = 256 << 10

type blobNode struct {
	OID         string `json:"oid"`
	IsBinary    bool   `json:"isBinary"`
	IsTruncated bool   `json:"isTruncated"`
	Text        string `json:"text"`
}

// Prefetch fetches the small files the plan will read in one GraphQL query
// per 50 instead of one REST request each. Each text is used only when it
// hashes to its blob id: a binary, truncated or altered one is left to
// Read over REST, as is everything when GraphQL is off or fails.
func (t *tree) Prefetch(ctx context.Context, paths []string, limit int64) {
	if !t.s.graphql || t.s.noGraphQL.Load() {
		return
	}
	var want []string
	for _, p := range paths {
		e, ok := t.files[p]
		if !ok || e.Size < 0 || e.Size > prefetchMaxBytes || (limit > 0 && e.Size > limit) {
			continue
		}
		if t.s.store != nil {
			if _, ok := t.s.store.Get("github/blob/" + e.Blob); ok {
				continue // Read serves it from the store
			}
		}
		want = append(want, p)
	}
	for start := 0; start < len(want) && ctx.Err() == nil; start += blobsPerQuery {
		if !t.s.graphqlAffords(1) {
			return
		}
		if !t.prefetchBatch(ctx, want[start:min(start+blobsPerQuery, len(want))]) {
			return
		}
	}
}

// prefetchBatch asks for one batch; false stops the prefetch.
func (t *tree) prefetchBatch(ctx context.Context, paths []string) bool {
	var q strings.Builder
	vars := map[string]any{"owner": t.owner, "name": t.name}
	q.WriteString("query($owner: String!, $name: String!")
	for i := range paths {
		fmt.Fprintf(&q, ", $e%d: String!", i)
	}
	q.WriteString(") {\n  repository(owner: $owner, name: $name) {\n")
	for i, p := range paths {
		fmt.Fprintf(&q, "    f%d: object(expression: $e%d) { ... on Blob { oid isBinary isTruncated text } }\n", i, i)
		vars[fmt.Sprintf("e%d", i)] = t.head + ":" + p
	}
	q.WriteString("  }\n}")
	req, err := t.s.client.NewRequest(ctx, http.MethodPost, t.s.graphqlURL, map[string]any{"query": q.String(), "variables": vars})
	if err != nil {
		return false
	}
	var out struct {
		Data struct {
			Repository map[string]*blobNode `json:"repository"`
		} `json:"data"`
		Errors []graphqlError `json:"errors"`
	}
	if _, err := t.s.client.Do(req, &out); err != nil {
		t.s.log.Debug("GraphQL prefetch failed, files go over REST", zap.String("repo", t.repo.Name), zap.Error(t.s.errorf("%w", err)))
		return false
	}
	if rateLimited(out.Errors) {
		t.s.budgets.exhaust("graphql")
		return false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for i, p := range paths {
		n := out.Data.Repository[fmt.Sprintf("f%d", i)]
		e := t.files[p]
		if n == nil || n.IsBinary || n.IsTruncated || n.OID != e.Blob {
			continue
		}
		content := []byte(n.Text)
		if remote.VerifyBlob(e.Blob, content) != nil {
			continue // text re-encoded on the way (not UTF-8): REST has the bytes
		}
		if t.prefetched == nil {
			t.prefetched = map[string][]byte{}
		}
		t.prefetched[p] = content
		if t.s.store != nil {
			if err := t.s.store.Put("github/blob/"+e.Blob, content); err != nil {
				t.s.log.Warn("storing blob", zap.String("repo", t.repo.Name), zap.String("path", p), zap.Error(err))
			}
		}
	}
	return true
}

// takePrefetched returns a prefetched file's verified content.
func (t *tree) takePrefetched(path string) ([]byte, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	b, ok := t.prefetched[path]
	return b, ok
}
