// Package mirror keeps bare git mirrors of a remote source's repos on disk,
// with a manifest of the source's listing, so that backfill (which walks
// git history) and fast local scans work for GitHub and GitLab estates.
//
// Only each repo's default branch is fetched: it is all a scan or a
// backfill reads, and a host's other refs (GitHub's refs/pull/*) can
// outweigh it many times. No hook runs and no work tree is written.
package mirror

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/go-git/go-git/v5"
	gitconfig "github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	"go.uber.org/zap"

	"github.com/uptake-dev/uptake/collector/runner"
	"github.com/uptake-dev/uptake/collector/source"
	"github.com/uptake-dev/uptake/collector/source/local"
	"github.com/uptake-dev/uptake/config"
)

// Options configure a Run.
type Options struct {
	// Dir holds one directory per mirrored source, named after it.
	Dir string
	// Sources are the names of the sources to mirror; empty mirrors every
	// GitHub and GitLab source of the config.
	Sources []string
	// Concurrency is how many repos are fetched at once; 0 takes
	// scan.concurrency.
	Concurrency int
	// RepoTimeout bounds one repo's clone or fetch; 0 is no bound beyond ctx.
	RepoTimeout time.Duration
	// Prune deletes the mirrors of repos the source no longer lists.
	Prune      bool
	Logger     *zap.Logger
	OnProgress func(runner.Progress)
	// Metrics counts the listing's API requests; nil counts nothing.
	Metrics *source.Metrics
}

// Summary is what a Run did, per source and in total.
type Summary struct {
	Sources []SourceSummary
}

// SourceSummary is one source's run.
type SourceSummary struct {
	Source string
	Dir    string
	// Listed repos; Cloned, Updated and Unchanged of them succeeded,
	// Failed did not (a repo mirrored before keeps its older copy).
	Listed, Cloned, Updated, Unchanged, Failed int
	// Left are mirrors of repos no longer listed: out of the manifest,
	// deleted when Pruned.
	Left   int
	Pruned bool
}

// Failures is the number of repos that failed across sources.
func (s Summary) Failures() int {
	n := 0
	for _, src := range s.Sources {
		n += src.Failed
	}
	return n
}

// Remote reports a source type `uptake mirror` can mirror.
func Remote(typ string) bool { return typ == "github" || typ == "gitlab" }

// Select returns the config's sources opts names (every remote one when
// none is named), or an error naming what cannot be mirrored.
func Select(cfg *config.Config, names []string) ([]config.Source, error) {
	var out []config.Source
	if len(names) == 0 {
		for _, s := range cfg.Sources {
			if Remote(s.Type) {
				out = append(out, s)
			}
		}
		if len(out) == 0 {
			return nil, errors.New("the config has no github or gitlab source to mirror (local sources are clones already)")
		}
		return out, nil
	}
	for _, n := range names {
		i := -1
		for j, s := range cfg.Sources {
			if s.Name == n {
				i = j
			}
		}
		switch {
		case i < 0:
			return nil, fmt.Errorf("--source %q: the config has no such source", n)
		case !Remote(cfg.Sources[i].Type):
			return nil, fmt.Errorf("--source %q is of type %s: only github and gitlab sources are mirrored", n, cfg.Sources[i].Type)
		}
		out = append(out, cfg.Sources[i])
	}
	return out, nil
}

// Run mirrors the selected sources of cfg under opts.Dir. A listing that
// fails fails the run for that source; a repo that fails is logged and
// counted, its older mirror (if any) kept. The manifest is written last,
// so it never names a mirror that is not there.
func Run(ctx context.Context, cfg *config.Config, opts Options) (Summary, error) {
	if opts.Logger == nil {
		opts.Logger = zap.NewNop()
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = max(1, cfg.Scan.Concurrency)
	}
	selected, err := Select(cfg, opts.Sources)
	if err != nil {
		return Summary{}, err
	}
	sub := *cfg
	sub.Sources = make([]config.Source, len(selected))
	for i, s := range selected {
		// The HEADs GraphQL would resolve with the listing are not needed:
		// a fetch learns them.
		s.GraphQL = new(bool)
		sub.Sources[i] = s
	}
	sources, err := runner.NewSources(&sub, source.Options{Logger: opts.Logger, Metrics: opts.Metrics})
	if err != nil {
		return Summary{}, err
	}
	var (
		sum  Summary
		errs []error
	)
	for i, src := range sources {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		cl, ok := src.(source.Cloner)
		if !ok {
			errs = append(errs, fmt.Errorf("source %q: type %s cannot be cloned", src.Name(), selected[i].Type))
			continue
		}
		s, err := mirrorSource(ctx, cl, selected[i], opts)
		sum.Sources = append(sum.Sources, s)
		if err != nil {
			// One source's failure leaves the others' mirrors to be made.
			errs = append(errs, fmt.Errorf("source %q: %w", src.Name(), err))
		}
	}
	return sum, errors.Join(errs...)
}

// pruneShare is the largest share of the mirrors one run may prune: a
// listing that suddenly lacks most repos (a token that lost its scope) is
// taken for a fault, not for an estate that shrank.
const pruneShare = 0.5

// outcome is one repo's fetch.
type outcome int

const (
	failed outcome = iota
	cloned
	updated
	unchanged
)

func mirrorSource(ctx context.Context, src source.Cloner, cfg config.Source, opts Options) (SourceSummary, error) {
	dir := filepath.Join(opts.Dir, cfg.Name)
	sum := SourceSummary{Source: cfg.Name, Dir: dir}
	log := opts.Logger.With(zap.String("source", cfg.Name))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return sum, err
	}
	listed, err := src.List(ctx)
	if err != nil {
		return sum, err
	}
	repos := dedupe(listed, log)
	sum.Listed = len(repos)
	fetcher, err := newFetcher(cfg, src)
	if err != nil {
		return sum, err
	}
	results := make([]outcome, len(repos))
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		done int
	)
	work := make(chan int)
	for range min(opts.Concurrency, max(1, len(repos))) {
		wg.Go(func() {
			for i := range work {
				results[i] = fetcher.repo(ctx, dir, repos[i], opts.RepoTimeout, log)
				mu.Lock()
				done++
				if opts.OnProgress != nil {
					opts.OnProgress(runner.Progress{Source: cfg.Name, Done: done, Total: len(repos)})
				}
				mu.Unlock()
			}
		})
	}
feed:
	for i := range repos {
		select {
		case work <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		// An interrupted run keeps the previous manifest: its mirrors are
		// all still there, and none of the new ones is named half fetched.
		return sum, err
	}

	onDisk := mirrored(dir, log)
	if len(repos) == 0 && len(onDisk) > 0 {
		return sum, fmt.Errorf("the source lists no repo, but %d are mirrored: the listing is kept as it was, in case "+
			"this one is wrong (a token that lost its scope)", len(onDisk))
	}
	m := local.Manifest{Source: cfg.Name, Type: cfg.Type, Updated: time.Now().UTC()}
	kept := map[string]bool{}
	for i, r := range repos {
		kept[strings.ToLower(r.Name)] = true
		switch results[i] {
		case cloned:
			sum.Cloned++
		case updated:
			sum.Updated++
		case unchanged:
			sum.Unchanged++
		default:
			sum.Failed++
		}
		if p, err := local.MirrorPath(dir, r.Name); err == nil && exists(p) {
			m.Repos = append(m.Repos, r)
		}
	}
	sort.Slice(m.Repos, func(i, j int) bool { return m.Repos[i].Name < m.Repos[j].Name })
	var left []string
	for _, name := range onDisk {
		if !kept[strings.ToLower(name)] {
			left = append(left, name)
		}
	}
	sum.Left = len(left)
	// The listing is written before anything is pruned, so it never names
	// a mirror that is gone.
	if err := local.WriteManifest(dir, m); err != nil {
		return sum, err
	}
	switch {
	case len(left) == 0:
	case !opts.Prune:
		log.Info("mirrors of repos the source no longer lists are left on disk, out of the listing (--prune deletes them)",
			zap.Int("repos", len(left)))
	case float64(len(left)) > pruneShare*float64(len(onDisk)):
		log.Warn("the source no longer lists most of the mirrored repos: nothing pruned, in case the listing is wrong "+
			"(a token that lost its scope); delete the mirrors by hand if the repos are gone",
			zap.Int("no_longer_listed", len(left)), zap.Int("mirrored", len(onDisk)))
	default:
		for _, name := range left {
			if p, err := local.MirrorPath(dir, name); err == nil {
				if err := os.RemoveAll(p); err != nil {
					log.Warn("cannot delete the mirror of a repo no longer listed", zap.String("repo", name), zap.Error(err))
				}
			}
		}
		sum.Pruned = true
	}
	return sum, nil
}

// dedupe drops a repo listed twice (a listing page that shifted), by its
// name folded to lower case: host names are case-insensitive, and so may be
// the file system the mirrors are on.
func dedupe(repos []source.Repo, log *zap.Logger) []source.Repo {
	seen := map[string]bool{}
	out := repos[:0:0]
	for _, r := range repos {
		k := strings.ToLower(r.Name)
		if seen[k] {
			log.Warn("the listing names a repo twice; mirroring it once", zap.String("repo", r.Name))
			continue
		}
		seen[k] = true
		out = append(out, r)
	}
	return out
}

// staleClone prefixes the directories a clone is built in.
const staleClone = ".uptake-clone-"

// mirrored lists the repo names of the mirrors under dir, removing on the
// way what a killed run's clone left.
func mirrored(dir string, log *zap.Logger) []string {
	var names []string
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil || !d.IsDir() || p == dir:
			return nil
		case strings.HasPrefix(d.Name(), staleClone):
			if err := os.RemoveAll(p); err != nil {
				log.Warn("cannot remove what an interrupted clone left", zap.String("path", p), zap.Error(err))
			}
			return fs.SkipDir
		case strings.HasSuffix(d.Name(), ".git"):
			if rel, err := filepath.Rel(dir, p); err == nil {
				names = append(names, strings.TrimSuffix(filepath.ToSlash(rel), ".git"))
			}
			return fs.SkipDir
		}
		return nil
	})
	return names
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// fetcher fetches repos of one source with its credentials and TLS settings.
type fetcher struct {
	src source.Cloner
	// host and scheme are the only ones a clone URL may name: the
	// source's credential goes to no other host, and not in clear text
	// when the API is reached over https.
	host, scheme string
	caBundle     []byte
	insecure     bool
}

func newFetcher(cfg config.Source, src source.Cloner) (*fetcher, error) {
	host, scheme, err := gitHost(cfg)
	if err != nil {
		return nil, err
	}
	f := &fetcher{src: src, host: host, scheme: scheme, insecure: cfg.TLS.InsecureSkipVerify}
	if cfg.TLS.CAFile != "" {
		b, err := os.ReadFile(cfg.TLS.CAFile)
		if err != nil {
			return nil, fmt.Errorf("tls.ca_file: %w", err)
		}
		f.caBundle = b
	}
	return f, nil
}

// repo clones or updates one mirror; it logs its own failure.
func (f *fetcher) repo(ctx context.Context, dir string, r source.Repo, timeout time.Duration, log *zap.Logger) outcome {
	log = log.With(zap.String("repo", r.Name))
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	// Asked per repo: a GitHub App's installation token lasts an hour, a
	// first mirror of a large estate longer (the token is cached meanwhile).
	user, password, err := f.src.GitCredentials(ctx)
	if err != nil {
		log.Warn("cannot mirror the repo: no credential; an older mirror, if any, is kept", zap.Error(err))
		return failed
	}
	var auth *githttp.BasicAuth
	if password != "" {
		auth = &githttp.BasicAuth{Username: user, Password: password}
	}
	res, err := f.fetch(ctx, dir, r, auth)
	if err != nil {
		log.Warn("cannot mirror the repo; an older mirror, if any, is kept", zap.String("error", logged(err, user, password)))
		return failed
	}
	return res
}

// maxLoggedError bounds a logged error: go-git quotes a host's whole
// error body in it.
const maxLoggedError = 1 << 10

// logged is err as a log line may hold it: the credential taken out (as
// sent and base64-encoded in a header a host might echo), and cut short.
func logged(err error, user, password string) string {
	msg := err.Error()
	if password != "" {
		msg = strings.ReplaceAll(msg, password, "REDACTED")
		msg = strings.ReplaceAll(msg, base64.StdEncoding.EncodeToString([]byte(user+":"+password)), "REDACTED")
	}
	if len(msg) > maxLoggedError {
		msg = strings.ToValidUTF8(msg[:maxLoggedError], "") + "…"
	}
	return msg
}

func (f *fetcher) fetch(ctx context.Context, dir string, r source.Repo, auth *githttp.BasicAuth) (outcome, error) {
	path, err := local.MirrorPath(dir, r.Name)
	if err != nil {
		return failed, err
	}
	cloneURL, err := f.checkCloneURL(r.CloneURL)
	if err != nil {
		return failed, err
	}
	replace := false
	if _, err := os.Stat(path); err == nil {
		res, err := f.update(ctx, path, cloneURL, r.DefaultBranch, auth)
		if !errors.Is(err, git.ErrRepositoryNotExists) {
			return res, err
		}
		// Not a repository (damaged, or something else put there): cloned
		// again and swapped in only once the new clone is whole.
		replace = true
	}
	// A new mirror is built beside its place and moved there whole, so an
	// interrupted clone never looks like a repo with a short history.
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return failed, err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(path), staleClone+"*")
	if err != nil {
		return failed, err
	}
	defer func() { _ = os.RemoveAll(tmp) }()
	repo, err := git.PlainInit(tmp, true)
	if err != nil {
		return failed, err
	}
	if _, err := repo.CreateRemote(&gitconfig.RemoteConfig{Name: "origin", URLs: []string{cloneURL}}); err != nil {
		return failed, err
	}
	if _, err := f.fetchBranch(ctx, repo, r.DefaultBranch, auth); err != nil {
		return failed, err
	}
	if replace {
		old := tmp + ".replaced"
		if err := os.Rename(path, old); err != nil {
			return failed, err
		}
		defer func() { _ = os.RemoveAll(old) }()
	}
	if err := os.Rename(tmp, path); err != nil {
		return failed, err
	}
	return cloned, nil
}

// update fetches the default branch into an existing mirror, following a
// repo that moved (its clone URL) or renamed its default branch.
func (f *fetcher) update(ctx context.Context, path, cloneURL, branch string, auth *githttp.BasicAuth) (outcome, error) {
	repo, err := git.PlainOpen(path)
	if err != nil {
		return failed, fmt.Errorf("opening the mirror %s: %w", path, err)
	}
	if _, err := repo.Storer.Config(); err != nil {
		return failed, fmt.Errorf("the mirror %s: %w", path, err)
	}
	rc, err := repo.Remote("origin")
	if err != nil || len(rc.Config().URLs) != 1 || rc.Config().URLs[0] != cloneURL {
		_ = repo.DeleteRemote("origin")
		if _, err := repo.CreateRemote(&gitconfig.RemoteConfig{Name: "origin", URLs: []string{cloneURL}}); err != nil {
			return failed, err
		}
	}
	changed, err := f.fetchBranch(ctx, repo, branch, auth)
	if err != nil {
		return failed, err
	}
	if changed {
		return updated, nil
	}
	return unchanged, nil
}

// errNowEmpty is a mirror with history whose host now says the repo is
// empty: that may be a fault or a hostile answer, and dropping the branch
// would erase the history backfill reads and show a false drop.
var errNowEmpty = errors.New("the host lists the repo as empty but its mirror has commits: the mirror is kept as it is " +
	"(delete it by hand if the repo was emptied)")

// fetchBranch fetches branch into refs/heads/branch, points HEAD at it and
// drops every other branch (a renamed default branch's old name). A repo
// the host says is empty (no default branch, no refs) is mirrored as an
// empty repo, which the local source reads as a repo with no files, unless
// its mirror has commits.
func (f *fetcher) fetchBranch(ctx context.Context, repo *git.Repository, branch string, auth *githttp.BasicAuth) (bool, error) {
	if branch == "" {
		return false, emptyMirror(repo)
	}
	name := plumbing.NewBranchReferenceName(branch)
	before, _ := repo.Reference(name, false)
	err := repo.FetchContext(ctx, &git.FetchOptions{
		RemoteName:      "origin",
		RefSpecs:        []gitconfig.RefSpec{gitconfig.RefSpec("+" + name.String() + ":" + name.String())},
		Auth:            auth,
		Tags:            git.NoTags,
		Force:           true,
		CABundle:        f.caBundle,
		InsecureSkipTLS: f.insecure,
	})
	switch {
	case errors.Is(err, transport.ErrEmptyRemoteRepository):
		return false, emptyMirror(repo)
	case err != nil && !errors.Is(err, git.NoErrAlreadyUpToDate):
		return false, err
	}
	if err := repo.Storer.SetReference(plumbing.NewSymbolicReference(plumbing.HEAD, name)); err != nil {
		return false, err
	}
	after, err := repo.Reference(name, false)
	if err != nil {
		return false, fmt.Errorf("branch %s after the fetch: %w", branch, err)
	}
	if err := dropBranches(repo, branch); err != nil {
		return false, err
	}
	return before == nil || before.Hash() != after.Hash(), nil
}

// emptyMirror checks that a repo the host says is empty has no branch in
// its mirror either.
func emptyMirror(repo *git.Repository) error {
	refs, err := repo.Branches()
	if err != nil {
		return err
	}
	defer refs.Close()
	if _, err := refs.Next(); err == nil {
		return errNowEmpty
	}
	return nil
}

// dropBranches removes every branch but keep.
func dropBranches(repo *git.Repository, keep string) error {
	refs, err := repo.Branches()
	if err != nil {
		return err
	}
	var drop []plumbing.ReferenceName
	_ = refs.ForEach(func(r *plumbing.Reference) error {
		if r.Name().Short() != keep {
			drop = append(drop, r.Name())
		}
		return nil
	})
	for _, n := range drop {
		if err := repo.Storer.RemoveReference(n); err != nil {
			return err
		}
	}
	return nil
}

// checkCloneURL accepts only URLs on the source's own host and scheme,
// without credentials: a listing is input from the host, and a URL there
// must not make uptake send the source's credential elsewhere, read this
// machine's files (file://) or run a command (ext::).
func (f *fetcher) checkCloneURL(raw string) (string, error) {
	if raw == "" {
		return "", errors.New("the host lists no clone URL for the repo")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("clone URL: %w", err)
	}
	if u.User != nil {
		return "", fmt.Errorf("clone URL %s carries credentials: refused", u.Redacted())
	}
	if !strings.EqualFold(u.Scheme, f.scheme) || !strings.EqualFold(hostPort(u), f.host) {
		return "", fmt.Errorf("clone URL %s is not on the source's host %s://%s: refused", u.Redacted(), f.scheme, f.host)
	}
	return u.String(), nil
}

// gitHost is the host and scheme the source's repos are cloned from: its
// base_url's (a GitHub Enterprise Server or GitLab instance serves git and
// its API on one host), github.com's for GitHub's API, gitlab.com's by default.
func gitHost(cfg config.Source) (host, scheme string, err error) {
	if cfg.BaseURL == "" {
		if cfg.Type == "github" {
			return "github.com", "https", nil
		}
		return "gitlab.com", "https", nil
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || u.Host == "" {
		return "", "", fmt.Errorf("base_url %q: not a URL with a host", cfg.BaseURL)
	}
	host = hostPort(u)
	if strings.EqualFold(host, "api.github.com") {
		host = "github.com"
	}
	return host, strings.ToLower(u.Scheme), nil
}

// hostPort is u's host, with the scheme's default port left out.
func hostPort(u *url.URL) string {
	if p := u.Port(); (p == "443" && strings.EqualFold(u.Scheme, "https")) || (p == "80" && strings.EqualFold(u.Scheme, "http")) {
		return u.Hostname()
	}
	return u.Host
}
