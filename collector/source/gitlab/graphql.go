package gitlab

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go/v2"
	"go.uber.org/zap"

	"github.com/uptake-dev/uptake/collector/source"
	"github.com/uptake-dev/uptake/collector/source/remote"
)

// headsPerQuery bounds the projects of one HEAD query: a page of
// projects(ids:) is at most 100, and each project's last commit is a Gitaly
// call, so half of that keeps a query well inside GitLab's timeout.
const headsPerQuery = 50

// projectGID is a project's global id in GitLab's GraphQL.
const projectGID = "gid://gitlab/Project/"

const headsQuery = `query($ids: [ID!]!, $first: Int!) {
  projects(ids: $ids, first: $first) {
    nodes { id repository { empty rootRef tree { lastCommit { sha committedDate } } } }
  }
}`

type headsAnswer struct {
	Projects struct {
		Nodes []struct {
			ID         string `json:"id"`
			Repository *struct {
				Empty   bool   `json:"empty"`
				RootRef string `json:"rootRef"`
				Tree    *struct {
					LastCommit *struct {
						SHA           string    `json:"sha"`
						CommittedDate time.Time `json:"committedDate"`
					} `json:"lastCommit"`
				} `json:"tree"`
			} `json:"repository"`
		} `json:"nodes"`
	} `json:"projects"`
}

// graphqlOn says whether GraphQL is to be tried: configured on (the default)
// and not found missing on this instance.
func (s *Source) graphqlOn() bool {
	return (s.cfg.GraphQL == nil || *s.cfg.GraphQL) && !s.noGraphQL.Load()
}

// queryGraphQL runs one query into out. The error says why GraphQL gave no
// answer; a 404 (an instance without GraphQL) turns it off for good.
func (s *Source) queryGraphQL(ctx context.Context, query string, vars map[string]any, out any) error {
	var answer struct {
		Data   any `json:"data"`
		Errors []struct {
			Message string `json:"message"`
		} `json:"errors"`
	}
	answer.Data = out
	resp, err := s.client.GraphQL.Do(gitlab.GraphQLQuery{Query: query, Variables: vars}, &answer, gitlab.WithContext(ctx))
	if resp != nil && resp.StatusCode == http.StatusNotFound {
		s.noGraphQL.Store(true)
		s.log.Info("GitLab has no GraphQL API here; HEADs and files go over REST")
	}
	if err != nil {
		return s.redact(err)
	}
	if len(answer.Errors) > 0 {
		return errors.New(answer.Errors[0].Message)
	}
	return nil
}

// resolveHeads fills the repos' Head (and DefaultBranch, the root ref GitLab
// now names) with one GraphQL query per 50 projects, and marks empty ones by
// clearing DefaultBranch, so Head needs no request for them. A project the
// answer leaves out keeps an empty Head, for Head to look up over REST; a
// query that fails leaves the rest to REST too.
func (s *Source) resolveHeads(ctx context.Context, repos []source.Repo) {
	byID := map[string]*source.Repo{}
	for start := 0; start < len(repos) && ctx.Err() == nil; start += headsPerQuery {
		var ids []string
		clear(byID)
		for i := start; i < min(start+headsPerQuery, len(repos)); i++ {
			if repos[i].DefaultBranch == "" {
				continue // listed empty: Head answers ErrEmpty for free
			}
			gid := projectGID + repos[i].Ref
			ids = append(ids, gid)
			byID[gid] = &repos[i]
		}
		if len(ids) == 0 {
			continue
		}
		var out headsAnswer
		if err := s.queryGraphQL(ctx, headsQuery, map[string]any{"ids": ids, "first": len(ids)}, &out); err != nil {
			s.log.Warn("GraphQL HEAD query failed; HEADs go over REST", zap.Error(err))
			return
		}
		for _, n := range out.Projects.Nodes {
			r, ok := byID[n.ID]
			switch {
			case !ok || n.Repository == nil:
			case n.Repository.Empty:
				r.DefaultBranch = ""
			case n.Repository.RootRef != "" && n.Repository.Tree != nil && n.Repository.Tree.LastCommit != nil && remote.IsObjectID(n.Repository.Tree.LastCommit.SHA):
				c := n.Repository.Tree.LastCommit
				r.DefaultBranch, r.Head, r.HeadTime = n.Repository.RootRef, c.SHA, c.CommittedDate
			}
		}
	}
}

// blobsPerQuery bounds the files of one blob query.
const blobsPerQuery = 50

// maxBlobsAnswer bounds the bytes of one blob query's answer: the tree
// listing gives no sizes, so a hostile repo's huge file is cut off here and
// its batch read over REST, with its own limit.
const maxBlobsAnswer = 4 << 20

const blobsQuery = `query($path: ID!, $ref: String!, $paths: [String!]!) {
  project(fullPath: $path) {
    repository { blobs(ref: $ref, paths: $paths) { nodes { path oid size rawTextBlob } } }
  }
}`

type blobsAnswer struct {
	Project *struct {
		Repository *struct {
			Blobs struct {
				Nodes []struct {
					Path        string          `json:"path"`
					OID         string          `json:"oid"`
					Size        json.RawMessage `json:"size"`
					RawTextBlob *string         `json:"rawTextBlob"`
				} `json:"nodes"`
			} `json:"blobs"`
		} `json:"repository"`
	} `json:"project"`
}

// Prefetch fetches the files the plan will read in one GraphQL query per 50
// instead of one REST request each. A text is kept only when its oid is the
// tree's blob id and it hashes to it; a binary, re-encoded or missing file
// is left to Read over REST, as is everything when GraphQL is off or fails.
// A file GitLab says is over limit is known too large without a request.
func (t *tree) Prefetch(ctx context.Context, paths []string, limit int64) {
	if !t.src.graphqlOn() {
		return
	}
	var want []string
	for _, p := range paths {
		blob, ok := t.blobs[p]
		if !ok {
			continue
		}
		if t.src.store != nil {
			if _, ok := t.src.store.Get("gitlab/blob/" + blob); ok {
				continue // Read serves it from the store
			}
		}
		want = append(want, p)
	}
	for start := 0; start < len(want) && ctx.Err() == nil; start += blobsPerQuery {
		batch := want[start:min(start+blobsPerQuery, len(want))]
		var out blobsAnswer
		vars := map[string]any{"path": t.repo.Name, "ref": t.head, "paths": batch}
		if err := t.src.queryGraphQL(limitAnswer(ctx), blobsQuery, vars, &out); err != nil {
			t.src.log.Debug("GraphQL file query failed; files go over REST", zap.String("repo", t.repo.Name), zap.Error(err))
			return
		}
		if out.Project == nil || out.Project.Repository == nil {
			return
		}
		for _, n := range out.Project.Repository.Blobs.Nodes {
			t.keep(n.Path, n.OID, n.Size, n.RawTextBlob, limit)
		}
	}
}

// keep records one prefetched file: its content once verified, or that it
// is over limit. size is a BigInt, which GitLab writes as a string.
func (t *tree) keep(path, oid string, size json.RawMessage, text *string, limit int64) {
	blob, ok := t.blobs[path]
	if !ok || !strings.EqualFold(oid, blob) {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if n, err := strconv.ParseInt(strings.Trim(string(size), `"`), 10, 64); err == nil && limit > 0 && n > limit {
		if t.tooLarge == nil {
			t.tooLarge = map[string]int64{}
		}
		t.tooLarge[path] = n
		return
	}
	if text == nil {
		return // binary: REST has the bytes
	}
	content := []byte(*text)
	if remote.VerifyBlob(blob, content) != nil || (limit > 0 && int64(len(content)) > limit) {
		return
	}
	if t.prefetched == nil {
		t.prefetched = map[string][]byte{}
	}
	t.prefetched[path] = content
}

// answerLimitKey carries maxBlobsAnswer to the transport.
type answerLimitKey struct{}

func limitAnswer(ctx context.Context) context.Context {
	return context.WithValue(ctx, answerLimitKey{}, int64(maxBlobsAnswer))
}

// errAnswerTooLarge fails a blob query whose answer runs past its bound.
var errAnswerTooLarge = fmt.Errorf("GraphQL answer over %d bytes", maxBlobsAnswer)

// boundAnswers cuts off the body of a response to a request whose context
// carries a bound (limitAnswer): reading past it fails.
func boundAnswers(next http.RoundTripper) http.RoundTripper {
	return remote.RoundTripperFunc(func(req *http.Request) (*http.Response, error) {
		resp, err := next.RoundTrip(req)
		if n, ok := req.Context().Value(answerLimitKey{}).(int64); ok && err == nil {
			resp.Body = &boundedBody{ReadCloser: resp.Body, left: n}
		}
		return resp, err
	})
}

type boundedBody struct {
	io.ReadCloser
	left int64
}

func (b *boundedBody) Read(p []byte) (int, error) {
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1] // one byte past the bound tells a longer body
	}
	n, err := b.ReadCloser.Read(p)
	if b.left -= int64(n); b.left < 0 {
		return 0, errAnswerTooLarge
	}
	return n, err
}
