package github

import (
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/google/go-github/v89/github"
	"golang.org/x/sync/errgroup"

	"github.com/uptake-dev/uptake/collector/source"
)

// attachTeams sets each repo's Teams to the slugs of the org teams holding
// admin or maintain permission on it. It lists every team's repos once per
// scan (pages revalidated like the repo listing), not one call per repo.
func (s *Source) attachTeams(ctx context.Context, repos []source.Repo) error {
	var teams []string
	for t, err := range s.client.Teams.ListTeamsIter(ctx, s.cfg.Org, &github.ListOptions{PerPage: 100}) {
		if err != nil {
			return s.errorf("listing teams (the token needs Members read): %w", err)
		}
		teams = append(teams, t.GetSlug())
	}
	var mu sync.Mutex
	owners := map[string][]string{}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(s.concurrency)
	for _, slug := range teams {
		g.Go(func() error {
			for r, err := range s.client.Teams.ListTeamReposBySlugIter(gctx, s.cfg.Org, slug, &github.ListOptions{PerPage: 100}) {
				if err != nil {
					return s.errorf("listing repositories of team %s: %w", slug, err)
				}
				// On this endpoint permissions are the team's, not the caller's;
				// both permissions and role_name are optional in its schema.
				if p, role := r.GetPermissions(), r.GetRoleName(); p.GetAdmin() || p.GetMaintain() || role == "admin" || role == "maintain" {
					name := strings.ToLower(r.GetFullName())
					mu.Lock()
					owners[name] = append(owners[name], slug)
					mu.Unlock()
				}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	for i := range repos {
		ts := owners[strings.ToLower(repos[i].Name)]
		slices.Sort(ts)
		repos[i].Teams = ts
	}
	return nil
}
