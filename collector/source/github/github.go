// Package github is the source for GitHub and GitHub Enterprise Server: it
// lists an organisation's (or a user's) repositories and reads their files
// through go-github at the smallest request cost the API allows. A changed
// repo costs one recursive tree and the blobs a detector needs; an unchanged
// one costs a conditional HEAD lookup (a 304, free of rate limit), or a
// hundredth of a GraphQL query when HEADs are batched.
package github

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bradleyfalzon/ghinstallation/v2"
	"github.com/google/go-github/v89/github"
	"go.uber.org/zap"

	"github.com/uptake-dev/uptake/collector/source"
	"github.com/uptake-dev/uptake/collector/source/remote"
	"github.com/uptake-dev/uptake/config"
)

// Options are what the wiring, not the source's config, decides.
type Options struct {
	// Teams fills Repo.Teams from the org's teams (teams.from has github_teams).
	Teams bool
	// Metrics counts requests and tracks the rate limit; nil counts nothing.
	Metrics *source.Metrics
	// Logger defaults to a no-op logger; the caller names the source in it.
	Logger *zap.Logger
	// Store keeps blob contents and ETags across scans; nil keeps nothing,
	// and every HEAD lookup is then a full request.
	Store source.Store
	// Concurrency bounds the source's requests in flight; default 4. GitHub
	// asks for few concurrent requests per credential, or secondary limits hit.
	Concurrency int
	// Sleep waits out rate limits and backoffs; default a timer. Tests
	// inject a fake together with Now.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock rate-limit resets are measured against; default time.Now.
	Now func() time.Time
	// HTTPTimeout bounds each request attempt, body included, but not the
	// waits for rate limits and retries; default config.DefaultHTTPTimeout.
	HTTPTimeout time.Duration
}

// Source is one configured GitHub org or user.
type Source struct {
	cfg    config.Source
	filter remote.Filter
	client *github.Client
	log    *zap.Logger
	store  source.Store
	teams  bool
	// secret is the static token, redacted from every returned error.
	secret string
	app    bool
	// installation mints the App's installation tokens git clones with.
	installation *ghinstallation.Transport
	// concurrency bounds the team listings run side by side.
	concurrency int

	// graphql is on when configured and authenticated (GraphQL needs a
	// credential); noGraphQL turns it off for good once the host says it
	// has none (404, 501).
	graphql    bool
	graphqlURL string
	noGraphQL  atomic.Bool
	// treeByTreeSHA is set once the host refused a commit SHA where the Git
	// Trees API documents a tree SHA; Open then asks for the commit's tree first.
	treeByTreeSHA atomic.Bool

	// enterprise is the other candidate API root when base_url could be
	// either a GHES host (API under /api/v3/) or an API root itself; the
	// first List probes which one answers.
	enterprise *github.Client
	apiMu      sync.Mutex

	// budgets are the REST and GraphQL rate limits as GitHub reports them;
	// graphqlSpentLogged says this scan logged GraphQL's as spent.
	budgets            *budgets
	graphqlSpentLogged atomic.Bool

	mu sync.Mutex
	// empty holds the repos the last List found without a default branch
	// through GraphQL, so Head needs no request for them.
	empty map[string]bool
}

var (
	_ source.Source   = (*Source)(nil)
	_ source.Budgeter = (*Source)(nil)
	_ source.Cloner   = (*Source)(nil)
)

// firstGuess is what reading a repo costs each budget before any read has
// measured it (BenchmarkOrgScan's first scan, rounded up): over REST its HEAD,
// tree and a few files; with GraphQL the tree over REST and the files in
// one query.
func firstGuess(graphql bool) map[string]float64 {
	if graphql {
		return map[string]float64{"core": 1.5, "graphql": 1}
	}
	return map[string]float64{"core": 4.5}
}

func init() {
	source.Register("github", source.Type{
		Keys:      append([]string{"org", "user", "app_id", "installation_id", "private_key_file", "forks", "graphql"}, remote.Keys...),
		Validate:  validate,
		Preflight: remote.Preflight,
		New: func(cfg config.Source, o source.Options) (source.Source, error) {
			return New(cfg, Options{Teams: o.HostTeams, Metrics: o.Metrics, Logger: o.Logger, Store: o.Store, Concurrency: o.Concurrency, HTTPTimeout: o.HTTPTimeout})
		},
	})
}

// validate checks what a github source needs beyond the shared keys.
func validate(s config.Source) []string {
	out := remote.Validate(s)
	if (s.Org == "") == (s.User == "") {
		out = append(out, "exactly one of org or user is required")
	}
	app := s.AppID != 0 || s.InstallationID != 0 || s.PrivateKeyFile != ""
	if app && (s.AppID == 0 || s.InstallationID == 0 || s.PrivateKeyFile == "") {
		out = append(out, "a GitHub App needs app_id, installation_id and private_key_file")
	}
	if app && (s.TokenEnv != "" || s.TokenFile != "") {
		out = append(out, "use either a token or a GitHub App, not both")
	}
	if s.Visibility != "" && !slices.Contains([]string{"all", "public", "private", "internal"}, s.Visibility) {
		out = append(out, "visibility must be all, public, private or internal")
	}
	return out
}

// New builds the source; it makes no request.
func New(cfg config.Source, opts Options) (*Source, error) {
	if cfg.Type != "github" {
		return nil, fmt.Errorf("type %q is not github", cfg.Type)
	}
	if opts.Logger == nil {
		opts.Logger = zap.NewNop()
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 4
	}
	if opts.Sleep == nil {
		opts.Sleep = sleep
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.HTTPTimeout <= 0 {
		opts.HTTPTimeout = config.DefaultHTTPTimeout
	}
	log := opts.Logger

	token, err := remote.Token(cfg)
	if err != nil {
		return nil, err
	}
	base, err := remote.Transport(cfg)
	if err != nil {
		return nil, err
	}
	identity := "anonymous"
	switch {
	case cfg.AppID != 0:
		identity = fmt.Sprintf("app/%d/%d", cfg.AppID, cfg.InstallationID)
	case token != "":
		sum := sha256.Sum256([]byte(token))
		identity = "token/" + hex.EncodeToString(sum[:])
	}
	graphql := (token != "" || cfg.AppID != 0) && (cfg.GraphQL == nil || *cfg.GraphQL)
	budgets := newBudgets(opts.Now, firstGuess(graphql))
	var rt http.RoundTripper = &revalidator{
		// The deadline is below the limiter, so that it bounds each attempt
		// and never a wait.
		next: newLimiter(remote.Deadline(remote.JoinLinks(remote.Instrument(base, cfg.Name, opts.Metrics, resource)), opts.HTTPTimeout),
			opts.Concurrency, opts.Sleep, opts.Now, budgets, log),
		store:    opts.Store,
		identity: identity,
		log:      log,
	}

	clientOpts := []github.ClientOptionsFunc{
		github.WithHTTPClient(&http.Client{CheckRedirect: remote.CheckRedirect(log)}),
		github.WithUserAgent(remote.UserAgent()), github.WithDisableRateLimitCheck(),
	}
	// apiRoots are the API roots base_url may mean, most literal first.
	var apiRoots []github.ClientOptionsFunc
	if cfg.BaseURL != "" {
		enterprise := github.WithEnterpriseURLs(cfg.BaseURL, cfg.BaseURL)
		if ambiguousBaseURL(cfg.BaseURL) {
			literal := strings.TrimSuffix(cfg.BaseURL, "/") + "/"
			apiRoots = append(apiRoots, github.WithURLs(&literal, &literal))
		}
		apiRoots = append(apiRoots, enterprise)
	}
	var installation *ghinstallation.Transport
	switch {
	case cfg.AppID != 0:
		installation, err = ghinstallation.NewKeyFromFile(rt, cfg.AppID, cfg.InstallationID, cfg.PrivateKeyFile)
		if err != nil {
			return nil, fmt.Errorf("GitHub App: %w", err)
		}
		// The token exchange has its own client: same redirect policy.
		installation.Client = &http.Client{Transport: rt, CheckRedirect: remote.CheckRedirect(log)}
		rt = installation
	case token != "":
		clientOpts = append(clientOpts, github.WithAuthToken(token))
	}
	clientOpts = append(clientOpts, github.WithTransport(rt))
	var clients []*github.Client
	for _, root := range apiRoots {
		c, err := github.NewClient(append(clientOpts, root)...)
		if err != nil {
			return nil, remote.Redact(fmt.Errorf("base_url: %w", err), token)
		}
		clients = append(clients, c)
	}
	if len(clients) == 0 {
		c, err := github.NewClient(clientOpts...)
		if err != nil {
			return nil, remote.Redact(err, token)
		}
		clients = append(clients, c)
	}
	client := clients[0]
	var enterpriseClient *github.Client
	if len(clients) == 2 {
		enterpriseClient = clients[1]
	}
	if installation != nil {
		// The token exchange goes to the same API as everything else.
		installation.BaseURL = strings.TrimSuffix(client.BaseURL(), "/")
	}
	return &Source{
		cfg:          cfg,
		filter:       remote.NewFilter(cfg),
		client:       client,
		log:          log,
		store:        opts.Store,
		teams:        opts.Teams,
		secret:       token,
		app:          cfg.AppID != 0,
		installation: installation,
		concurrency:  opts.Concurrency,
		graphql:      graphql,
		graphqlURL:   graphqlURL(client.BaseURL()),
		enterprise:   enterpriseClient,
		budgets:      budgets,
	}, nil
}

// GitCredentials are what git over HTTPS takes for the source's
// credential: GitHub accepts a token (an App's installation token too) as
// the password of user x-access-token.
func (s *Source) GitCredentials(ctx context.Context) (string, string, error) {
	switch {
	case s.installation != nil:
		token, err := s.installation.Token(ctx)
		if err != nil {
			return "", "", s.errorf("GitHub App installation token: %w", err)
		}
		return "x-access-token", token, nil
	case s.secret != "":
		return "x-access-token", s.secret, nil
	}
	return "", "", nil
}

// ambiguousBaseURL reports a base_url that names neither /api/v3 nor an
// api.* host: a GHES web host (whose API is under /api/v3/) or the root of
// an API served at its top, like api.github.com.
func ambiguousBaseURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	return !strings.HasSuffix(strings.TrimSuffix(u.Path, "/"), "/api/v3") &&
		!strings.HasPrefix(u.Host, "api.") && !strings.Contains(u.Host, ".api.")
}

// resolveAPI settles an ambiguous base_url with one request: the literal
// root is kept when it answers the first listing page with JSON; a 404 or
// a web page means a GHES host, whose API is under /api/v3/. A network
// error decides nothing and is tried again at the next List.
func (s *Source) resolveAPI(ctx context.Context) error {
	s.apiMu.Lock()
	defer s.apiMu.Unlock()
	if s.enterprise == nil {
		return nil
	}
	path := "orgs/" + url.PathEscape(s.cfg.Org) + "/repos?per_page=1"
	switch {
	case s.app:
		path = "installation/repositories?per_page=1"
	case s.cfg.Org == "":
		path = "users/" + url.PathEscape(s.cfg.User) + "/repos?per_page=1"
	}
	req, err := s.client.NewRequest(ctx, http.MethodGet, path, nil)
	if err != nil {
		return err
	}
	resp, err := s.client.BareDo(req)
	if resp == nil {
		return s.errorf("probing the API root %s: %w", s.client.BaseURL(), err)
	}
	resp.Body.Close()
	literal := resp.StatusCode != http.StatusNotFound && strings.Contains(resp.Header.Get("Content-Type"), "json")
	if !literal {
		s.client, s.graphqlURL = s.enterprise, graphqlURL(s.enterprise.BaseURL())
	}
	s.enterprise = nil
	s.log.Info("GitHub API root chosen", zap.String("url", s.client.BaseURL()))
	return nil
}

// graphqlURL is the GraphQL endpoint beside a REST base: api.github.com/graphql,
// or <host>/api/graphql on GHES.
func graphqlURL(restBase string) string {
	if b, ok := strings.CutSuffix(restBase, "/api/v3/"); ok {
		return b + "/api/graphql"
	}
	return restBase + "graphql"
}

// Name is the configured source name.
func (s *Source) Name() string { return s.cfg.Name }

// List returns the repos the config selects. Listing pages are revalidated,
// so an unchanged page costs no rate limit; with GraphQL, HEADs come along.
func (s *Source) List(ctx context.Context) ([]source.Repo, error) {
	if err := s.resolveAPI(ctx); err != nil {
		return nil, err
	}
	ctx = conditional(ctx)
	all, err := s.listing(ctx)
	if err != nil {
		return nil, err
	}
	var repos []source.Repo
	seen := 0
	for r, err := range all {
		if err != nil {
			return nil, s.errorf("listing repositories: %w", err)
		}
		seen++
		repo := source.Repo{
			Source:        s.cfg.Name,
			Name:          r.GetFullName(),
			DefaultBranch: r.GetDefaultBranch(),
			WebURL:        r.GetHTMLURL(),
			CloneURL:      r.GetCloneURL(),
			Topics:        r.Topics,
			Ref:           r.GetNodeID(),
		}
		if s.keep(r, repo) {
			repos = append(repos, repo)
		}
	}
	if s.teams && s.cfg.Org != "" {
		if err := s.attachTeams(ctx, repos); err != nil {
			return nil, err
		}
	}
	empty := map[string]bool{}
	s.graphqlSpentLogged.Store(false)
	if s.graphql && !s.noGraphQL.Load() {
		s.resolveHeads(ctx, repos, empty)
	}
	s.mu.Lock()
	s.empty = empty
	s.mu.Unlock()
	s.log.Debug("listed repositories", zap.Int("listed", seen), zap.Int("kept", len(repos)))
	return repos, nil
}

// listing picks the endpoint that lists the configured owner's repos.
func (s *Source) listing(ctx context.Context) (iter.Seq2[*github.Repository, error], error) {
	page := github.ListOptions{PerPage: 100}
	if s.cfg.Org != "" {
		return s.client.Repositories.ListByOrgIter(ctx, s.cfg.Org, &github.RepositoryListByOrgOptions{Type: s.orgType(), ListOptions: page}), nil
	}
	if s.app {
		// An installation sees exactly the repos it was granted, private ones too.
		return s.client.Apps.ListReposIter(ctx, &page), nil
	}
	if s.secret != "" {
		// /users/{user}/repos shows public repos only; the token's own user
		// lists its private ones through /user/repos.
		me, _, err := s.client.Users.Get(ctx, "")
		if err != nil {
			return nil, s.errorf("looking up the token's user: %w", err)
		}
		if strings.EqualFold(me.GetLogin(), s.cfg.User) {
			return s.client.Repositories.ListByAuthenticatedUserIter(ctx, &github.RepositoryListByAuthenticatedUserOptions{Affiliation: "owner", ListOptions: page}), nil
		}
	}
	return s.client.Repositories.ListByUserIter(ctx, s.cfg.User, &github.RepositoryListByUserOptions{Type: "owner", ListOptions: page}), nil
}

// orgType narrows the org listing on the server where the API can; keep
// applies every filter again.
func (s *Source) orgType() string {
	switch s.cfg.Visibility {
	case "public", "private":
		return s.cfg.Visibility
	}
	if !s.cfg.Forks {
		return "sources"
	}
	return "all"
}

// keep applies the config's filters: ownership, state and visibility here,
// include/exclude/topics as every remote source does.
func (s *Source) keep(r *github.Repository, repo source.Repo) bool {
	owner := s.cfg.Org
	if owner == "" {
		owner = s.cfg.User
	}
	switch {
	case !strings.EqualFold(r.GetOwner().GetLogin(), owner),
		r.GetDisabled(),
		r.GetArchived() && !s.cfg.Archived,
		r.GetFork() && !s.cfg.Forks:
		return false
	}
	if v := s.cfg.Visibility; v != "" && v != "all" && visibility(r) != v {
		return false
	}
	return s.filter.Keep(repo)
}

// visibility falls back on the private flag for servers that predate the field.
func visibility(r *github.Repository) string {
	if v := r.GetVisibility(); v != "" {
		return v
	}
	if r.GetPrivate() {
		return "private"
	}
	return "public"
}

// Head returns the HEAD commit of the default branch: free when List got it
// through GraphQL, else one conditional request that a 304 answers when
// nothing was pushed.
func (s *Source) Head(ctx context.Context, repo source.Repo) (string, error) {
	if repo.Head != "" {
		return repo.Head, nil
	}
	if err := s.resolveAPI(ctx); err != nil {
		return "", err
	}
	s.mu.Lock()
	empty := s.empty[repo.Name]
	s.mu.Unlock()
	if empty {
		return "", source.ErrEmpty
	}
	owner, name, _ := strings.Cut(repo.Name, "/")
	ctx = conditional(ctx)
	branch := repo.DefaultBranch
	if branch == "" {
		// default_branch is optional in the listing's schema; GitHub sends
		// it even for an empty repo, so only a sparse listing costs this.
		r, _, err := s.client.Repositories.Get(ctx, owner, name)
		if err != nil {
			return "", s.errorf("%s: looking up the default branch: %w", repo.Name, err)
		}
		if branch = r.GetDefaultBranch(); branch == "" {
			return "", source.ErrEmpty
		}
	}
	sha, err := s.commitSHA(ctx, owner, name, branch)
	switch {
	case status(err) == http.StatusConflict:
		// "Git Repository is empty."
		return "", source.ErrEmpty
	case err != nil:
		return "", s.errorf("%s: HEAD of %s: %w", repo.Name, branch, err)
	}
	return sha, nil
}

// commitSHA resolves ref with the sha media type the commits endpoint
// documents, whose body is the bare SHA. go-github's GetCommitSHA1 is not
// used: it sends the older v3 media type and returns whatever body comes
// back. A server that ignores the media type answers with the commit in
// JSON, which is read instead.
func (s *Source) commitSHA(ctx context.Context, owner, name, ref string) (string, error) {
	// The ref is one path parameter: a branch with a slash (release/1.x) is
	// escaped whole, as Octokit does.
	req, err := s.client.NewRequest(ctx, http.MethodGet,
		fmt.Sprintf("repos/%s/%s/commits/%s", url.PathEscape(owner), url.PathEscape(name), url.PathEscape(ref)), nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Accept", "application/vnd.github.sha")
	var buf bytes.Buffer
	if _, err := s.client.Do(req, &buf); err != nil {
		return "", err
	}
	body := bytes.TrimSpace(buf.Bytes())
	if remote.IsObjectID(string(body)) {
		return string(body), nil
	}
	var c struct {
		SHA string `json:"sha"`
	}
	if json.Unmarshal(body, &c) == nil && remote.IsObjectID(c.SHA) {
		return c.SHA, nil
	}
	return "", fmt.Errorf("no commit SHA in the %d-byte answer", len(body))
}

// errorf builds an error that is safe to log.
func (s *Source) errorf(format string, args ...any) error {
	return remote.Redact(fmt.Errorf(format, args...), s.secret)
}

// status is the HTTP status of a go-github error, or 0.
func status(err error) int {
	if e, ok := errors.AsType[*github.ErrorResponse](err); ok && e.Response != nil {
		return e.Response.StatusCode
	}
	return 0
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
