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
	"errors"
	"fmt"
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
	"github.com/uptake-dev/uptake/collector/source/remote"
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
	sub.Sources = selected
	sources, err := runner.NewSources(&sub, source.Options{Logger: opts.Logger, Metrics: opts.Metrics})
	if err != nil {
		return Summary{}, err
	}
	var sum Summary
	for i, src := range sources {
		cl, ok := src.(source.Cloner)
		if !ok {
			return sum, fmt.Errorf("source %q: type %s cannot be cloned", src.Name(), selected[i].Type)
		}
		s, err := mirrorSource(ctx, cl, selected[i], opts)
		sum.Sources = append(sum.Sources, s)
		if err != nil {
			return sum, fmt.Errorf("source %q: %w", src.Name(), err)
		}
	}
	return sum, nil
}

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
	repos, err := src.List(ctx)
	if err != nil {
		return sum, err
	}
	sum.Listed = len(repos)
	user, password, err := src.GitCredentials(ctx)
	if err != nil {
		return sum, err
	}
	fetcher, err := newFetcher(cfg, user, password)
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

	prev, _, err := local.ReadManifest(dir)
	if err != nil {
		log.Warn("the previous mirror manifest cannot be read; writing a new one", zap.Error(err))
	}
	m := local.Manifest{Source: cfg.Name, Type: cfg.Type, Updated: time.Now().UTC()}
	listed := map[string]bool{}
	for i, r := range repos {
		listed[r.Name] = true
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
	for _, r := range prev.Repos {
		if listed[r.Name] {
			continue
		}
		sum.Left++
		if !opts.Prune {
			continue
		}
		p, err := local.MirrorPath(dir, r.Name)
		if err != nil {
			continue
		}
		if err := os.RemoveAll(p); err != nil {
			log.Warn("cannot delete the mirror of a repo no longer listed", zap.String("repo", r.Name), zap.Error(err))
		}
	}
	sum.Pruned = opts.Prune && sum.Left > 0
	if sum.Left > 0 && !opts.Prune {
		log.Info("mirrors of repos the source no longer lists are left on disk, out of the manifest (--prune deletes them)",
			zap.Int("repos", sum.Left))
	}
	return sum, local.WriteManifest(dir, m)
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// fetcher fetches repos of one source with its credentials and TLS settings.
type fetcher struct {
	auth     *githttp.BasicAuth
	secret   string
	caBundle []byte
	insecure bool
}

func newFetcher(cfg config.Source, user, password string) (*fetcher, error) {
	f := &fetcher{secret: password, insecure: cfg.TLS.InsecureSkipVerify}
	if password != "" {
		f.auth = &githttp.BasicAuth{Username: user, Password: password}
	}
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
	res, err := f.fetch(ctx, dir, r)
	if err != nil {
		log.Warn("cannot mirror the repo; an older mirror, if any, is kept", zap.Error(remote.Redact(err, f.secret)))
		return failed
	}
	return res
}

func (f *fetcher) fetch(ctx context.Context, dir string, r source.Repo) (outcome, error) {
	path, err := local.MirrorPath(dir, r.Name)
	if err != nil {
		return failed, err
	}
	cloneURL, err := checkCloneURL(r.CloneURL)
	if err != nil {
		return failed, err
	}
	replace := false
	if _, err := os.Stat(path); err == nil {
		res, err := f.update(ctx, path, cloneURL, r.DefaultBranch)
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
	tmp, err := os.MkdirTemp(filepath.Dir(path), ".uptake-clone-*")
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
	if _, err := f.fetchBranch(ctx, repo, r.DefaultBranch); err != nil {
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
func (f *fetcher) update(ctx context.Context, path, cloneURL, branch string) (outcome, error) {
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
	changed, err := f.fetchBranch(ctx, repo, branch)
	if err != nil {
		return failed, err
	}
	if changed {
		return updated, nil
	}
	return unchanged, nil
}

// fetchBranch fetches branch into refs/heads/branch, points HEAD at it and
// drops every other branch (a renamed default branch's old name). An empty
// branch name, or a host with no refs, is an empty repo: HEAD points at
// nothing, which the local source reads as a repo with no files.
func (f *fetcher) fetchBranch(ctx context.Context, repo *git.Repository, branch string) (bool, error) {
	if branch == "" {
		return false, dropBranches(repo, "")
	}
	name := plumbing.NewBranchReferenceName(branch)
	before, _ := repo.Reference(name, false)
	err := repo.FetchContext(ctx, &git.FetchOptions{
		RemoteName:      "origin",
		RefSpecs:        []gitconfig.RefSpec{gitconfig.RefSpec("+" + name.String() + ":" + name.String())},
		Auth:            f.auth,
		Tags:            git.NoTags,
		Force:           true,
		CABundle:        f.caBundle,
		InsecureSkipTLS: f.insecure,
	})
	switch {
	case errors.Is(err, transport.ErrEmptyRemoteRepository):
		return before != nil, dropBranches(repo, "")
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

// checkCloneURL accepts only http(s) URLs without credentials: a listing
// is input from the host, and a file://, ssh:// or ext:: URL there must not
// make uptake read this machine's files or run a command.
func checkCloneURL(raw string) (string, error) {
	if raw == "" {
		return "", errors.New("the host lists no clone URL for the repo")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("clone URL: %w", err)
	}
	if scheme := strings.ToLower(u.Scheme); (scheme != "https" && scheme != "http") || u.Host == "" {
		return "", fmt.Errorf("clone URL %s: only http and https are fetched", u.Redacted())
	}
	if u.User != nil {
		return "", fmt.Errorf("clone URL %s carries credentials: refused", u.Redacted())
	}
	return u.String(), nil
}
