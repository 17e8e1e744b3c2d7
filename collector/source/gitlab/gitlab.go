// Package gitlab lists the projects of a GitLab group (gitlab.com or
// self-managed) and reads their trees through the REST API with client-go.
//
// Cost per project: one request to resolve HEAD (none with GraphQL, which
// batches 50 a query); on a cache miss, the recursive tree (one request per
// 100 entries) and one request per file a detector reads (with GraphQL, one
// query per 50). Blob contents are cached by blob id in the Store.
package gitlab

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go/v2"
	"go.uber.org/zap"
	"go.uber.org/zap/exp/zapslog"

	"github.com/uptake-dev/uptake/collector/source"
	"github.com/uptake-dev/uptake/collector/source/remote"
	"github.com/uptake-dev/uptake/config"
)

// perPage is the largest page GitLab serves.
const perPage = 100

func init() {
	source.Register("gitlab", source.Type{
		Keys:      append([]string{"group", "include_subgroups", "graphql"}, remote.Keys...),
		Validate:  validate,
		Preflight: remote.Preflight,
		New: func(cfg config.Source, o source.Options) (source.Source, error) {
			return New(cfg, Options{Metrics: o.Metrics, Logger: o.Logger, Store: o.Store, Concurrency: o.Concurrency, HTTPTimeout: o.HTTPTimeout})
		},
	})
}

// validate checks what a gitlab source needs beyond the shared keys.
func validate(s config.Source) []string {
	out := remote.Validate(s)
	if s.Group == "" {
		out = append(out, "group is required for type gitlab")
	}
	if s.Visibility != "" && !slices.Contains([]string{"public", "private", "internal"}, s.Visibility) {
		out = append(out, "visibility must be public, private or internal")
	}
	return out
}

// Options are the collaborators of a Source.
type Options struct {
	// Metrics counts requests and records the rate-limit budget; may be nil.
	Metrics *source.Metrics
	// Logger receives retries and listing summaries; nil discards them.
	Logger *zap.Logger
	// Store caches blob contents by blob id across scans; may be nil.
	Store source.Store
	// Concurrency is how many scan workers call the source at once; it
	// sizes the connection pool so they reuse connections. 0 means 8.
	Concurrency int
	// Backoff computes the wait before a retry (429 or 5xx). nil honours
	// Retry-After, then RateLimit-Reset, then backs off linearly. Tests use
	// it to record the wait instead of sleeping.
	Backoff func(waitMin, waitMax time.Duration, attempt int, resp *http.Response) time.Duration
	// HTTPTimeout bounds each request attempt, body included; client-go
	// paces and backs off between attempts, so no wait is counted. Default
	// config.DefaultHTTPTimeout.
	HTTPTimeout time.Duration
}

// Source is one configured GitLab group.
type Source struct {
	name   string
	group  string
	cfg    config.Source
	filter remote.Filter
	token  string
	client *gitlab.Client
	store  source.Store
	log    *zap.Logger

	// noGraphQL turns GraphQL off for good once the instance says it has
	// none (404).
	noGraphQL atomic.Bool
	// headTimes holds the commit times Head's branch lookups gave, by
	// commit id, until Open's tree takes them.
	headTimes sync.Map

	mu sync.Mutex
	// groupPath is the group's canonical full path, the root that
	// Repo.Namespace is relative to; resolved once when cfg.Group is an ID.
	groupPath string
}

// New returns the source for cfg. It makes no request.
func New(cfg config.Source, opts Options) (*Source, error) {
	group := strings.Trim(cfg.Group, "/")
	if group == "" {
		return nil, errors.New("group is required")
	}
	token, err := remote.Token(cfg)
	if err != nil {
		return nil, err
	}
	log := opts.Logger
	if log == nil {
		log = zap.NewNop()
	}

	t, err := remote.Transport(cfg)
	if err != nil {
		return nil, err
	}
	t.MaxIdleConnsPerHost = opts.Concurrency
	if t.MaxIdleConnsPerHost <= 0 {
		t.MaxIdleConnsPerHost = 8
	}
	lim := newLimiter()
	timeout := opts.HTTPTimeout
	if timeout <= 0 {
		timeout = config.DefaultHTTPTimeout
	}
	httpClient := &http.Client{
		Transport:     remote.Deadline(lim.observe(boundAnswers(remote.JoinLinks(remote.Instrument(t, cfg.Name, opts.Metrics, apiResource)))), timeout),
		CheckRedirect: remote.CheckRedirect(log),
	}

	wait := opts.Backoff
	if wait == nil {
		wait = backoff
	}
	slogger := slog.New(zapslog.NewHandler(log.Core()))
	options := []gitlab.ClientOptionFunc{
		gitlab.WithHTTPClient(httpClient),
		gitlab.WithCustomLimiter(lim),
		gitlab.WithCustomBackoff(func(waitMin, waitMax time.Duration, attempt int, resp *http.Response) time.Duration {
			d := wait(waitMin, waitMax, attempt, resp)
			if resp != nil && resp.StatusCode == http.StatusTooManyRequests {
				log.Info("rate limited by GitLab, waiting", zap.Duration("wait", d))
			}
			return d
		}),
		gitlab.WithCustomLeveledLogger(retryLog{slogger}),
		gitlab.WithURLWarningLogger(slogger),
		gitlab.WithUserAgent(remote.UserAgent()),
	}
	if cfg.BaseURL != "" {
		options = append(options, gitlab.WithBaseURL(cfg.BaseURL))
	}
	var client *gitlab.Client
	if token == "" {
		client, err = gitlab.NewAuthSourceClient(gitlab.Unauthenticated{}, options...)
	} else {
		client, err = gitlab.NewClient(token, options...)
	}
	if err != nil {
		return nil, remote.Redact(err, token)
	}
	s := &Source{name: cfg.Name, group: group, cfg: cfg, filter: remote.NewFilter(cfg), token: token, client: client, store: opts.Store, log: log}
	if !isID(group) {
		s.groupPath = group
	}
	return s, nil
}

// retryLog keeps retryablehttp's messages at debug level: it reports a
// failed attempt as an error even when the retry succeeds, and a final
// failure reaches the caller as an error anyway.
type retryLog struct{ l *slog.Logger }

func (r retryLog) Error(msg string, kv ...any) { r.l.Debug(msg, kv...) }
func (r retryLog) Warn(msg string, kv ...any)  { r.l.Debug(msg, kv...) }
func (r retryLog) Info(msg string, kv ...any)  { r.l.Debug(msg, kv...) }
func (r retryLog) Debug(msg string, kv ...any) { r.l.Debug(msg, kv...) }

func isID(s string) bool {
	_, err := strconv.ParseUint(s, 10, 64)
	return err == nil
}

// Name is the configured source name.
func (s *Source) Name() string { return s.name }

// GitCredentials are what git over HTTPS takes for the source's token:
// GitLab accepts an OAuth, personal, group or project access token as the
// password of user oauth2.
func (s *Source) GitCredentials(context.Context) (string, string, error) {
	if s.token == "" {
		return "", "", nil
	}
	return "oauth2", s.token, nil
}

func (s *Source) redact(err error) error { return remote.Redact(err, s.token) }

// List returns the group's projects, subgroups included unless
// include_subgroups is false. Archived projects are left out unless
// archived is set; visibility is filtered by GitLab, include, exclude and
// topics here. Empty projects are listed with no DefaultBranch, so they
// count as repos with no files and Head answers ErrEmpty for free.
func (s *Source) List(ctx context.Context) ([]source.Repo, error) {
	// A repo found in the cache is never opened: the times its Head kept
	// for Open go with the scan that looked them up.
	s.headTimes.Clear()
	root, err := s.root(ctx)
	if err != nil {
		return nil, err
	}
	opt := &gitlab.ListGroupProjectsOptions{
		// Offset pagination: this endpoint does not offer keyset. Ordering
		// by id keeps pages stable while projects are created.
		ListOptions:      gitlab.ListOptions{PerPage: perPage, OrderBy: "id", Sort: "asc"},
		IncludeSubGroups: gitlab.Ptr(s.cfg.IncludeSubgroups == nil || *s.cfg.IncludeSubgroups),
		// Projects shared into the group live elsewhere and have no
		// namespace below it.
		WithShared: gitlab.Ptr(false),
	}
	if !s.cfg.Archived {
		opt.Archived = gitlab.Ptr(false)
	}
	if s.cfg.Visibility != "" {
		opt.Visibility = gitlab.Ptr(gitlab.VisibilityValue(s.cfg.Visibility))
	}
	var (
		repos   []source.Repo
		seen    = map[int64]bool{}
		listed  int
		outside int
	)
	for p, err := range gitlab.Scan2(func(page gitlab.PaginationOptionFunc) ([]*gitlab.Project, *gitlab.Response, error) {
		return s.client.Groups.ListGroupProjects(s.group, opt, gitlab.WithContext(ctx), page)
	}) {
		if err != nil {
			return nil, fmt.Errorf("listing projects of group %s: %w", s.group, s.redact(err))
		}
		listed++
		// Offset pages can repeat a project when others are deleted meanwhile.
		if seen[p.ID] {
			continue
		}
		seen[p.ID] = true
		if !s.keep(p) {
			continue
		}
		ns, ok := relative(p, root)
		if !ok {
			outside++
		}
		r := source.Repo{
			Source:        s.name,
			Name:          p.PathWithNamespace,
			DefaultBranch: p.DefaultBranch,
			WebURL:        p.WebURL,
			CloneURL:      p.HTTPURLToRepo,
			Topics:        p.Topics,
			Namespace:     ns,
			Ref:           strconv.FormatInt(p.ID, 10),
		}
		// GitLab reports the instance's default branch name even when the
		// repository has no commits; empty_repo is authoritative.
		if p.EmptyRepo {
			r.DefaultBranch = ""
		}
		repos = append(repos, r)
	}
	if outside > 0 {
		s.log.Warn("projects outside the configured group path; their namespace is left empty",
			zap.String("group", root), zap.Int("projects", outside))
	}
	if s.graphqlOn() {
		s.resolveHeads(ctx, repos)
	}
	s.log.Debug("listed projects", zap.Int("listed", listed), zap.Int("kept", len(repos)))
	sort.Slice(repos, func(i, j int) bool { return repos[i].Name < repos[j].Name })
	return repos, nil
}

// root is the group's full path; an ID is resolved with one request the
// first time (GitLab paths are stable enough to keep for the source's life).
func (s *Source) root(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.groupPath != "" {
		return s.groupPath, nil
	}
	// with_projects still defaults to true: the details would carry up to
	// 100 projects, listed properly right after.
	g, _, err := s.client.Groups.GetGroup(s.group, &gitlab.GetGroupOptions{WithProjects: gitlab.Ptr(false)}, gitlab.WithContext(ctx))
	if err != nil {
		return "", fmt.Errorf("resolving group %s: %w", s.group, s.redact(err))
	}
	s.groupPath = g.FullPath
	return s.groupPath, nil
}

// keep applies the filters GitLab cannot: include/exclude/topics as every
// remote source does, and again archived and visibility, which a GitLab that predates them ignores
// like any unknown parameter. Projects pending deletion or without a
// repository (issues only) are not code that could adopt anything.
func (s *Source) keep(p *gitlab.Project) bool {
	if p.MarkedForDeletionOn != nil || p.RepositoryAccessLevel == gitlab.DisabledAccessControl {
		return false
	}
	if p.Archived && !s.cfg.Archived {
		return false
	}
	// A listing that does not say leaves it to the server's filter.
	if v := s.cfg.Visibility; v != "" && p.Visibility != "" && p.Visibility != gitlab.VisibilityValue(v) {
		return false
	}
	return s.filter.Keep(source.Repo{Name: p.PathWithNamespace, Topics: p.Topics})
}

// relative is p's namespace below root: "" for a project directly in the
// group, "payments/api-team" for one in acme/payments/api-team. Paths
// compare case-insensitively, as GitLab routes do.
func relative(p *gitlab.Project, root string) (string, bool) {
	if p.Namespace == nil {
		return "", false
	}
	ns := p.Namespace.FullPath
	switch {
	case strings.EqualFold(ns, root):
		return "", true
	case len(ns) > len(root) && ns[len(root)] == '/' && strings.EqualFold(ns[:len(root)], root):
		return ns[len(root)+1:], true
	}
	return "", false
}

// Head resolves the default branch's commit: free when List got it over
// GraphQL, else one request.
func (s *Source) Head(ctx context.Context, repo source.Repo) (string, error) {
	if repo.DefaultBranch == "" {
		return "", source.ErrEmpty
	}
	if repo.Head != "" {
		return repo.Head, nil
	}
	b, _, err := s.client.Branches.GetBranch(repo.Ref, repo.DefaultBranch, gitlab.WithContext(ctx))
	if errors.Is(err, gitlab.ErrNotFound) {
		// The listing may not have said empty_repo (an empty project still
		// names the instance's default branch), or the default branch was
		// renamed since: the project says which.
		p, _, perr := s.client.Projects.GetProject(repo.Ref, nil, gitlab.WithContext(ctx))
		switch {
		case perr != nil:
			return "", fmt.Errorf("%s: resolving HEAD: %w", repo.Name, s.redact(perr))
		case p.EmptyRepo || p.DefaultBranch == "":
			return "", source.ErrEmpty
		case p.DefaultBranch == repo.DefaultBranch:
			return "", fmt.Errorf("%s: default branch %q not found", repo.Name, repo.DefaultBranch)
		}
		b, _, err = s.client.Branches.GetBranch(repo.Ref, p.DefaultBranch, gitlab.WithContext(ctx))
	}
	if err != nil {
		return "", fmt.Errorf("%s: resolving HEAD: %w", repo.Name, s.redact(err))
	}
	if b.Commit == nil || b.Commit.ID == "" {
		return "", fmt.Errorf("%s: branch %q has no commit", repo.Name, b.Name)
	}
	if b.Commit.CommittedDate != nil {
		s.headTimes.Store(b.Commit.ID, *b.Commit.CommittedDate)
	}
	return b.Commit.ID, nil
}

// Open lists the tree at head recursively, with keyset pagination. No file
// content is fetched until Read.
func (s *Source) Open(ctx context.Context, repo source.Repo, head string) (source.Tree, error) {
	opt := &gitlab.ListTreeOptions{
		ListOptions: gitlab.ListOptions{PerPage: perPage, Pagination: "keyset"},
		Ref:         gitlab.Ptr(head),
		Recursive:   gitlab.Ptr(true),
	}
	t := &tree{src: s, repo: repo, head: head, blobs: map[string]string{}}
	if at, ok := s.headTimes.LoadAndDelete(head); ok {
		t.commitTime = at.(time.Time)
	}
	for n, err := range gitlab.Scan2(func(page gitlab.PaginationOptionFunc) ([]*gitlab.TreeNode, *gitlab.Response, error) {
		return s.client.Repositories.ListTree(repo.Ref, opt, gitlab.WithContext(ctx), page)
	}) {
		if err != nil {
			return nil, fmt.Errorf("%s: listing tree at %s: %w", repo.Name, head, s.redact(err))
		}
		// Directories are implied by paths; symlinks could point outside
		// the repo and submodules (type "commit") are other repos.
		if n.Type != "blob" || n.Mode == modeSymlink {
			continue
		}
		t.entries = append(t.entries, source.Entry{Path: n.Path, Size: -1, Blob: n.ID})
		t.blobs[n.Path] = n.ID
	}
	return t, nil
}

const modeSymlink = "120000"
