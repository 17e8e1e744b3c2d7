package github

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"go.uber.org/zap"

	"github.com/uptake-dev/uptake/collector/source"
	"github.com/uptake-dev/uptake/collector/source/remote"
)

// headsPerQuery is GraphQL's limit on nodes(ids:).
const headsPerQuery = 100

const headsQuery = `query($ids: [ID!]!) {
  nodes(ids: $ids) {
    ... on Repository { defaultBranchRef { target { oid ... on Commit { committedDate } } } }
  }
}`

type headsResponse struct {
	Data struct {
		// Nodes stay raw: a node that does not say defaultBranchRef (not
		// answered as a Repository) must not read as one whose ref is null.
		Nodes []json.RawMessage `json:"nodes"`
	} `json:"data"`
	Errors []graphqlError `json:"errors"`
}

type graphqlError struct {
	Type    string `json:"type"`
	Message string `json:"message"`
}

// rateLimited reports an answer refused for GraphQL's primary rate limit:
// HTTP 200, and the type in the errors, RATE_LIMITED (or RATE_LIMIT).
func rateLimited(errs []graphqlError) bool {
	for _, e := range errs {
		if e.Type == "RATE_LIMITED" || e.Type == "RATE_LIMIT" {
			return true
		}
	}
	return false
}

// graphqlAffords says whether GraphQL's budget covers n more points. When it
// does not, HEADs and files go over REST (logged once a scan) rather than
// wait up to an hour for its reset.
func (s *Source) graphqlAffords(n int) bool {
	if s.budgets.afford("graphql", n) {
		return true
	}
	if s.graphqlSpentLogged.CompareAndSwap(false, true) {
		b, _ := s.budgets.left("graphql")
		s.log.Info("GraphQL rate budget spent; HEADs and files go over REST until it resets",
			zap.Int("remaining", b.remaining), zap.Int("limit", b.limit), zap.Time("reset", b.reset))
	}
	return false
}

// resolveHeads fills Repo.Head with one GraphQL query per 100 repos and
// marks in empty the repos without a default branch. Whatever GraphQL does
// not answer keeps an empty Head, for Head to look up over REST. Queries run
// one after another: concurrent GraphQL requests weigh more against GitHub's
// secondary limits, and there are few.
func (s *Source) resolveHeads(ctx context.Context, repos []source.Repo, empty map[string]bool) {
	for start := 0; start < len(repos) && ctx.Err() == nil; start += headsPerQuery {
		var batch []*source.Repo
		var ids []string
		for i := start; i < min(start+headsPerQuery, len(repos)); i++ {
			// Servers that predate node ids leave Ref empty; REST serves those.
			if repos[i].Ref != "" {
				batch = append(batch, &repos[i])
				ids = append(ids, repos[i].Ref)
			}
		}
		if len(ids) == 0 {
			continue
		}
		if !s.graphqlAffords(1) {
			return
		}
		req, err := s.client.NewRequest(ctx, http.MethodPost, s.graphqlURL, map[string]any{
			"query":     headsQuery,
			"variables": map[string]any{"ids": ids},
		})
		if err != nil {
			s.log.Warn("building GraphQL query, HEADs go over REST", zap.Error(s.errorf("%w", err)))
			return
		}
		var out headsResponse
		_, err = s.client.Do(req, &out)
		switch c := status(err); {
		case c == http.StatusNotFound || c == http.StatusNotImplemented:
			s.log.Info("GitHub has no GraphQL API here, HEADs go over REST", zap.Int("code", c))
			s.noGraphQL.Store(true)
			return
		case err != nil:
			// Rate limits and server errors were waited out and retried
			// below; what is left (a refused credential, 401 or 403) would
			// refuse the next batch too.
			s.log.Warn("GraphQL query failed, HEADs go over REST", zap.Error(s.errorf("%w", err)))
			return
		case rateLimited(out.Errors):
			s.budgets.exhaust("graphql")
			s.graphqlAffords(1) // logs it
			return
		case len(out.Data.Nodes) != len(batch):
			first := ""
			if len(out.Errors) > 0 {
				first = out.Errors[0].Message
			}
			s.log.Warn("GraphQL gave no answer, HEADs go over REST", zap.Int("asked", len(batch)),
				zap.Int("answered", len(out.Data.Nodes)), zap.String("error", first))
			continue
		case len(out.Errors) > 0:
			s.log.Debug("GraphQL left repos unresolved, their HEADs go over REST",
				zap.Int("errors", len(out.Errors)), zap.String("first", out.Errors[0].Message))
		}
		for i, raw := range out.Data.Nodes {
			var n map[string]json.RawMessage
			if json.Unmarshal(raw, &n) != nil {
				continue
			}
			ref, ok := n["defaultBranchRef"]
			switch {
			case !ok:
			case string(ref) == "null":
				empty[batch[i].Name] = true
			default:
				var r struct {
					Target struct {
						OID           string    `json:"oid"`
						CommittedDate time.Time `json:"committedDate"`
					} `json:"target"`
				}
				if json.Unmarshal(ref, &r) == nil && remote.IsObjectID(r.Target.OID) {
					batch[i].Head, batch[i].HeadTime = r.Target.OID, r.Target.CommittedDate
				}
			}
		}
	}
}
