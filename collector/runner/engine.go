package runner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
	"golang.org/x/sync/errgroup"

	"github.com/uptake-dev/uptake/collector/cache"
	"github.com/uptake-dev/uptake/collector/evaluate"
	"github.com/uptake-dev/uptake/collector/inventory"
	"github.com/uptake-dev/uptake/collector/snapshot"
	"github.com/uptake-dev/uptake/collector/source"
)

// Progress reports a scan's advance.
type Progress struct {
	Source      string
	Done, Total int
}

// Options configure an Engine.
type Options struct {
	Logger *zap.Logger
	// Store is the scan cache; nil scans everything every time.
	Store *cache.Store
	// Shard and Shards select the repos whose stable hash modulo Shards is
	// Shard; Shards 0 or 1 scans all.
	Shard, Shards int
	// OnProgress, when set, is called after each repo.
	OnProgress func(Progress)
}

// Engine runs scans and remembers the last good result of every repo.
type Engine struct {
	opts Options
	log  *zap.Logger

	// damageLogged says the store's damage was logged: it refuses every
	// write from then on, and one line says so.
	damageLogged atomic.Bool

	mu          sync.Mutex
	last        map[string]map[string]evaluate.RepoScan
	lastSuccess map[string]time.Time
}

// NewEngine returns an engine.
func NewEngine(opts Options) *Engine {
	if opts.Logger == nil {
		opts.Logger = zap.NewNop()
	}
	return &Engine{opts: opts, log: opts.Logger, last: map[string]map[string]evaluate.RepoScan{}, lastSuccess: map[string]time.Time{}}
}

// InShard reports whether a repo belongs to shard i of n.
func InShard(repo source.Repo, i, n int) bool {
	if n <= 1 {
		return true
	}
	h := fnv.New32a()
	h.Write([]byte(repo.Source + "/" + repo.Name))
	return int(h.Sum32()%uint32(n)) == i
}

// scanJob is one source's scan: what it reads, how, and where from.
type scanJob struct {
	plan        *inventory.Plan
	concurrency int
	repoTimeout time.Duration
	// sourceTimeout bounds the whole source's scan; 0 leaves only ctx.
	sourceTimeout time.Duration
	src           source.Source
	// sourceKey identifies the source's config in the runs it saves.
	sourceKey string
	// fileLogs bounds the per-file warnings of this source's scan: a repo
	// of 100,000 unreadable files must not write 100,000 log lines.
	fileLogs *logBudget
	// saves batches the source's cache writes.
	saves *saveBatch
}

// saveBatchSize is how many repos' results go into one cache transaction.
// A crash loses at most that many cached results, which the next scan
// reads again; it never loses or damages data.
const saveBatchSize = 256

// saveBatch collects a source's results for the cache.
type saveBatch struct {
	store   *cache.Store
	source  string
	mu      sync.Mutex
	pending map[string]cache.Entry
}

func (b *saveBatch) add(repo string, e cache.Entry) error {
	b.mu.Lock()
	b.pending[repo] = e
	full := len(b.pending) >= saveBatchSize
	b.mu.Unlock()
	if full {
		return b.flush()
	}
	return nil
}

func (b *saveBatch) flush() error {
	b.mu.Lock()
	pending := b.pending
	b.pending = map[string]cache.Entry{}
	b.mu.Unlock()
	if len(pending) == 0 {
		return nil
	}
	return b.store.SaveMany(b.source, pending)
}

// Log lines a source's scan writes one by one before it summarises.
const (
	maxFileWarnings = 50
	maxRepoWarnings = 50
)

// logBudget counts lines past a limit; the caller logs a summary of them.
type logBudget struct {
	limit int64
	n     atomic.Int64
}

// take reports whether one more line may be logged.
func (b *logBudget) take() bool { return b.n.Add(1) <= b.limit }

// over is how many lines were not logged.
func (b *logBudget) over() int { return int(max(0, b.n.Load()-b.limit)) }

// maxConcurrentSources bounds the sources scanned at once; each also has
// its own repo concurrency, so a stalled forge holds only its own slots.
const maxConcurrentSources = 8

// Scan scans every source with l's plan, sources concurrently. It never
// fails as a whole: a source that cannot be listed and a repo that cannot
// be read keep their last good data and are reported in the source's
// status.
func (e *Engine) Scan(ctx context.Context, l *Loaded, sources []source.Source) *evaluate.Result {
	res := &evaluate.Result{RuleHash: l.Plan.Hash(), Readers: l.Plan.Readers(), Time: time.Now()}
	repos := make([][]evaluate.RepoScan, len(sources))
	res.Sources = make([]snapshot.SourceScan, len(sources))
	var g errgroup.Group
	g.SetLimit(maxConcurrentSources)
	keys := map[string]string{}
	for _, s := range l.Config.Sources {
		keys[s.Name] = sourceKey(s)
	}
	for i, src := range sources {
		job := scanJob{sourceKey: keys[src.Name()], plan: l.Plan, concurrency: l.Config.Scan.Concurrency, repoTimeout: l.Config.Scan.RepoTimeout,
			sourceTimeout: l.Config.Scan.SourceTimeout, src: src,
			fileLogs: &logBudget{limit: maxFileWarnings}}
		if e.opts.Store != nil {
			job.saves = &saveBatch{store: e.opts.Store, source: src.Name(), pending: map[string]cache.Entry{}}
		}
		g.Go(func() error {
			repos[i], res.Sources[i] = e.scanSource(ctx, job)
			return nil
		})
	}
	_ = g.Wait()
	for _, r := range repos {
		res.Repos = append(res.Repos, r...)
	}
	return res
}

func (e *Engine) scanSource(parent context.Context, job scanJob) ([]evaluate.RepoScan, snapshot.SourceScan) {
	ctx := parent
	if job.sourceTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(parent, job.sourceTimeout)
		defer cancel()
	}
	src := job.src
	start := time.Now()
	name := src.Name()
	log := e.log.With(zap.String("source", name))
	status := snapshot.SourceScan{Name: name}
	listed, err := src.List(ctx)
	if err != nil {
		status.Error = err.Error()
		status.Duration = time.Since(start)
		repos := e.lastGood(name)
		status.Repos = len(repos)
		status.LastSuccess = e.getLastSuccess(name)
		status.StaleRepos, status.OldestResult = staleness(repos)
		log.Error("listing repos failed; keeping the last good data", zap.Error(err), zap.Int("repos_kept", len(repos)))
		return repos, status
	}
	var repos []source.Repo
	for _, r := range listed {
		if InShard(r, e.opts.Shard, e.opts.Shards) {
			repos = append(repos, r)
		}
	}
	log.Info("scanning source", zap.Int("repos", len(repos)), zap.Int("listed", len(listed)))

	out := e.scanRepos(ctx, job, repos)
	if job.saves != nil {
		if err := job.saves.flush(); err != nil {
			e.storeFailed(log, "saving to the scan cache failed", err)
		}
	}
	interrupted := ctx.Err() != nil
	kept, uncounted, repoLogs := tally(&status, out, interrupted, log)
	if status.DeferredRepos > 0 && !interrupted {
		logDeferred(log, src, status.DeferredRepos, len(repos))
	}
	keep := map[string]bool{}
	for _, r := range out {
		keep[r.Repo.Name] = true
	}
	status.OK = !interrupted
	status.Repos = len(kept)
	status.StaleRepos, status.OldestResult = staleness(kept)
	status.Duration = time.Since(start)
	status.LastSuccess = e.remember(name, kept, status.OK)
	if status.OK && e.opts.Store != nil && e.opts.Shards <= 1 {
		if err := e.opts.Store.Prune(name, keep); err != nil {
			e.storeFailed(log, "pruning the scan cache failed", err)
		}
	}
	if n := repoLogs.over(); n > 0 && !interrupted {
		log.Warn("more repo scans failed; not logged one by one", zap.Int("repos", n))
	}
	if n := job.fileLogs.over(); n > 0 {
		log.Warn("more files skipped; not logged one by one (uptake_scan_file_errors counts them all)", zap.Int("files", n))
	}
	if interrupted && parent.Err() == nil {
		status.Error = fmt.Sprintf("source scan stopped after scan.source_timeout (%s); repos not read keep their last good data", job.sourceTimeout)
		e.saveRun(job, status, append(kept, uncounted...), log)
		log.Warn("source scan timed out; repos not read keep their last good data", zap.Duration("source_timeout", job.sourceTimeout),
			zap.Int("repo_errors", status.RepoErrors))
		return append(kept, uncounted...), status
	}
	if interrupted {
		status.Error = ctx.Err().Error()
		log.Warn("source scan interrupted; nothing of it is published", zap.Error(ctx.Err()))
		return append(kept, uncounted...), status
	}
	e.saveRun(job, status, append(kept, uncounted...), log)
	log.Info("source scanned", zap.Int("repos", status.Repos), zap.Int("cached", status.Cached),
		zap.Int("repo_errors", status.RepoErrors), zap.Int("deferred", status.DeferredRepos), zap.Int("files_read", status.FilesRead),
		zap.Duration("duration", status.Duration))
	return append(kept, uncounted...), status
}

// scanRepos scans the repos with the job's concurrency, reporting progress.
// A source whose host rations requests has its repos read in priority order
// while the budget covers one more; the rest are deferred (budgetGate).
func (e *Engine) scanRepos(ctx context.Context, job scanJob, repos []source.Repo) []evaluate.RepoScan {
	out := make([]evaluate.RepoScan, len(repos))
	var done atomic.Int64
	progress := func() {
		if e.opts.OnProgress != nil {
			e.opts.OnProgress(Progress{Source: job.src.Name(), Done: int(done.Add(1)), Total: len(repos)})
		}
	}
	gate := newGate(job)
	order := make([]int, len(repos))
	for i := range order {
		order[i] = i
	}
	if gate != nil {
		order = e.priority(job.src.Name(), repos)
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(1, job.concurrency))
	for _, i := range order {
		repo := repos[i]
		rctx, release, ok := gate.admit(gctx, gate != nil && e.cached(job, repo))
		if !ok {
			out[i] = e.deferRepo(job.src.Name(), repo)
			progress()
			continue
		}
		g.Go(func() error {
			defer release()
			out[i] = e.scanRepo(rctx, job, repo)
			progress()
			return nil
		})
	}
	_ = g.Wait()
	return out
}

// tally counts the repos' outcomes into status: kept are the repos with
// data to count (fresh or stale), uncounted those with none (failed, or
// deferred before their first read). Failures are logged up to a budget,
// whose overflow the caller summarises.
func tally(status *snapshot.SourceScan, out []evaluate.RepoScan, interrupted bool, log *zap.Logger) (kept, uncounted []evaluate.RepoScan, logs *logBudget) {
	kept = make([]evaluate.RepoScan, 0, len(out))
	logs = &logBudget{limit: maxRepoWarnings}
	for _, r := range out {
		if r.Deferred {
			status.DeferredRepos++
		}
		if r.Err != "" {
			status.RepoErrors++
			// An interrupted scan is published nowhere: one line says so.
			if !interrupted && logs.take() {
				log.Warn("repo scan failed", zap.String("repo", r.Repo.Name), zap.String("error", r.Err), zap.Bool("kept_last_good", r.Stale))
			}
		}
		if !r.Counted() {
			// No data to count, but listed so "why is it missing" has an answer.
			uncounted = append(uncounted, r)
			continue
		}
		if r.Cached {
			status.Cached++
		} else if !r.Stale {
			status.FilesRead += r.Inventory.FilesRead
		}
		kept = append(kept, r)
	}
	return kept, uncounted, logs
}

// remember makes a source's kept repos its last good data and returns its
// last success: all of them after a complete scan; after one cut short,
// only those it read, the rest staying as they were.
func (e *Engine) remember(name string, kept []evaluate.RepoScan, complete bool) time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	if complete {
		e.lastSuccess[name] = time.Now()
		m := map[string]evaluate.RepoScan{}
		for _, r := range kept {
			m[r.Repo.Name] = r
		}
		e.last[name] = m
	} else if e.last[name] != nil {
		for _, r := range kept {
			if !r.Stale {
				e.last[name][r.Repo.Name] = r
			}
		}
	}
	return e.lastSuccess[name]
}

// storeFailed logs a failed cache write; a damaged store's refusals are
// logged once, not once per repo and scan.
func (e *Engine) storeFailed(log *zap.Logger, msg string, err error) {
	if !errors.Is(err, cache.ErrDamaged) {
		log.Warn(msg, zap.Error(err))
		return
	}
	if e.damageLogged.CompareAndSwap(false, true) {
		e.log.Error("the scan cache is damaged; scanning without it until it is moved aside (uptake_storage_healthy 0)", zap.Error(err))
	}
}

// staleness counts the stale repos and finds the oldest result among them all.
func staleness(repos []evaluate.RepoScan) (stale int, oldest time.Time) {
	for _, r := range repos {
		if r.Stale {
			stale++
		}
		if !r.ResultTime.IsZero() && (oldest.IsZero() || r.ResultTime.Before(oldest)) {
			oldest = r.ResultTime
		}
	}
	return stale, oldest
}

func (e *Engine) getLastSuccess(name string) time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.lastSuccess[name]
}

// lastGood returns a source's last good repos: from memory, else from the
// cache (a restart followed by a failing source still shows the old data).
func (e *Engine) lastGood(name string) []evaluate.RepoScan {
	e.mu.Lock()
	m := e.last[name]
	e.mu.Unlock()
	var out []evaluate.RepoScan
	if len(m) > 0 {
		for _, r := range m {
			r.Stale, r.Cached = true, false
			out = append(out, r)
		}
	} else if repos, ok := e.runRepos(name); ok {
		// The last finished scan's repo set: a cache entry outliving its
		// repo (never pruned when sharded) must not come back.
		for _, r := range repos {
			if InShard(r.Repo, e.opts.Shard, e.opts.Shards) {
				r.Stale, r.Cached = true, false
				out = append(out, r)
			}
		}
	} else if e.opts.Store != nil {
		for _, entry := range e.opts.Store.All(name) {
			var r evaluate.RepoScan
			if json.Unmarshal(entry.Data, &r) == nil && InShard(r.Repo, e.opts.Shard, e.opts.Shards) {
				r.Stale = true
				if r.ResultTime.IsZero() {
					r.ResultTime = entry.Time
				}
				out = append(out, r)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Repo.Name < out[j].Repo.Name })
	return out
}

// lastGoodRepo returns one repo's last good result, if any.
func (e *Engine) lastGoodRepo(srcName, repo string) (evaluate.RepoScan, bool) {
	e.mu.Lock()
	r, ok := e.last[srcName][repo]
	e.mu.Unlock()
	if !ok && e.opts.Store != nil {
		if entry, found := e.opts.Store.Last(srcName, repo); found {
			ok = json.Unmarshal(entry.Data, &r) == nil
			if r.ResultTime.IsZero() {
				r.ResultTime = entry.Time
			}
		}
	}
	return r, ok
}

func (e *Engine) scanRepo(ctx context.Context, job scanJob, repo source.Repo) evaluate.RepoScan {
	ctx, cancel := context.WithTimeout(ctx, job.repoTimeout)
	defer cancel()
	r, err := e.readRepo(ctx, job, repo)
	if err == nil {
		return r
	}
	failed := evaluate.RepoScan{Repo: repo, Err: err.Error()}
	if prev, ok := e.lastGoodRepo(job.src.Name(), repo.Name); ok {
		prev.Repo, prev.Stale, prev.Cached, prev.Err, prev.Deferred = repo, true, false, err.Error(), false
		return laterHead(prev)
	}
	return failed
}

// laterHead gives a repo kept from its last good scan the HEAD time the
// listing has, when later: a commit since is known though not read, and an
// idle repo that got one is no longer idle.
func laterHead(r evaluate.RepoScan) evaluate.RepoScan {
	if r.Repo.HeadTime.After(r.HeadTime) {
		r.HeadTime = r.Repo.HeadTime
	}
	return r
}

// headTime is the HEAD commit's time as the listing gave it, else as
// opening the tree learnt it; zero when neither did.
func headTime(repo source.Repo, tree source.Tree) time.Time {
	if !repo.HeadTime.IsZero() {
		return repo.HeadTime
	}
	if ct, ok := tree.(source.CommitTimer); ok {
		return ct.CommitTime()
	}
	return time.Time{}
}

func (e *Engine) readRepo(ctx context.Context, job scanJob, repo source.Repo) (evaluate.RepoScan, error) {
	src, hash := job.src, job.plan.Hash()
	head := repo.Head
	if head == "" {
		var err error
		head, err = src.Head(ctx, repo)
		if errors.Is(err, source.ErrEmpty) {
			return evaluate.RepoScan{Repo: repo, Inventory: inventory.Inventory{Empty: true}, ResultTime: time.Now()}, nil
		}
		if err != nil {
			return evaluate.RepoScan{}, err
		}
	}
	store := e.opts.Store
	if store != nil {
		if data, ok := store.Lookup(src.Name(), repo.Name, head, hash); ok {
			var cached evaluate.RepoScan
			if err := json.Unmarshal(data, &cached); err == nil {
				// Listing metadata (topics, teams) may change without a commit.
				cached.Repo, cached.Cached, cached.ResultTime = repo, true, time.Now()
				if cached.HeadTime.IsZero() {
					cached.HeadTime = repo.HeadTime
				}
				return cached, nil
			}
		}
	}
	tree, err := src.Open(ctx, repo, head)
	if errors.Is(err, source.ErrEmpty) {
		return evaluate.RepoScan{Repo: repo, Head: head, Inventory: inventory.Inventory{Empty: true}, ResultTime: time.Now()}, nil
	}
	if err != nil {
		return evaluate.RepoScan{}, err
	}
	inv, failures, err := job.plan.Read(ctx, tree)
	if c, ok := tree.(io.Closer); ok {
		_ = c.Close() // what it holds open (a local repo's pack files); reading is done
	}
	if ctx.Err() != nil {
		return evaluate.RepoScan{}, fmt.Errorf("scan of %s interrupted: %w", repo.Name, ctx.Err())
	}
	if err != nil {
		return evaluate.RepoScan{}, fmt.Errorf("%s: %w", repo.Name, err)
	}
	for _, f := range failures {
		if job.fileLogs.take() {
			e.log.Warn("file skipped", zap.String("source", repo.Source), zap.String("repo", repo.Name), zap.String("path", f.Path), zap.Error(f.Err))
		}
	}
	r := evaluate.RepoScan{Repo: repo, Head: head, HeadTime: headTime(repo, tree), Inventory: inv, ResultTime: time.Now()}
	if store != nil {
		data, err := json.Marshal(r)
		if err == nil {
			err = job.saves.add(repo.Name, cache.Entry{Head: head, RuleHash: hash, Time: time.Now(), Data: data})
		}
		if err != nil {
			e.storeFailed(e.log.With(zap.String("repo", repo.Name)), "saving to the scan cache failed", err)
		}
	}
	return r, nil
}
