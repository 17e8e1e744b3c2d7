// Package backfill evaluates the catalog over the past: it walks each
// local repo's default branch and, at each step of a time range, evaluates
// the commit current at that time into a snapshot, as a scan then would
// have. The exporter turns those snapshots into timestamped series.
package backfill

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
	"golang.org/x/sync/errgroup"

	"github.com/uptake-dev/uptake/collector/evaluate"
	"github.com/uptake-dev/uptake/collector/inventory"
	"github.com/uptake-dev/uptake/collector/runner"
	"github.com/uptake-dev/uptake/collector/snapshot"
	"github.com/uptake-dev/uptake/collector/source"
)

// Options configure a backfill.
type Options struct {
	// Steps are the times evaluated, oldest first (see Steps).
	Steps []time.Time
	// TeamsAsOfCommit attributes each step with the CODEOWNERS and
	// catalog file of its commit; otherwise every step uses today's (the
	// HEAD commit's), so the series line up with what a scan attributes
	// now. Units (scan.units: project) keep their commit's owners.
	TeamsAsOfCommit bool
	// Shard and Shards select the repos, as a sharded scan does.
	Shard, Shards int
	Logger        *zap.Logger
	// OnProgress, when set, is called after each repo's history.
	OnProgress func(runner.Progress)
}

// Summary is what a backfill read.
type Summary struct {
	// Repos are the repos walked; Listed those the sources listed (more
	// when sharded).
	Repos, Listed int
	// Commits is how many distinct commits were evaluated.
	Commits int
	// Runs and Reused count the detectors (and content-probe files) run
	// on a commit and those whose findings were reused, their files
	// unchanged since the commit read before.
	Runs, Reused int
	// RepoErrors counts repos whose history could not be read: left out
	// of every step, or, for a commit that could not be read, counted with
	// the step before's data.
	RepoErrors int
	// Shallow counts repos whose clone lacks the start of the range.
	Shallow int
}

// Steps are the times from until back over since, step apart, oldest
// first. The newest is until truncated to a multiple of step (counted from
// Go's zero time, so a week starts on Monday 00:00 UTC): backfills of the
// same range write the same timestamps.
func Steps(until time.Time, since, step time.Duration) ([]time.Time, error) {
	if step <= 0 || since < 0 {
		return nil, fmt.Errorf("step must be positive and since not negative (step %s, since %s)", step, since)
	}
	if n := since / step; n > maxSteps {
		return nil, fmt.Errorf("%s in steps of %s is %d steps, more than %d", since, step, n, maxSteps)
	}
	last := until.UTC().Truncate(step)
	var out []time.Time
	for t := last.Add(-since.Truncate(step)); !t.After(last); t = t.Add(step) {
		out = append(out, t)
	}
	return out, nil
}

// maxSteps bounds a backfill: ten years of days.
const maxSteps = 3660

// ErrNotLocal is a source backfill cannot walk.
var ErrNotLocal = errors.New("backfill reads git history from local clones only")

// Run walks every repo of the config's sources and calls emit with the
// snapshot of each step, oldest first. A source that is not local fails
// the run before anything is built or read. A repo that cannot be read is
// logged and counted in the summary; the others still count.
func Run(ctx context.Context, l *runner.Loaded, o Options, emit func(time.Time, *snapshot.Snapshot) error) (Summary, error) {
	if o.Logger == nil {
		o.Logger = zap.NewNop()
	}
	for _, s := range l.Config.Sources {
		if !source.HasHistory(s.Type) {
			return Summary{}, fmt.Errorf("source %q is of type %s: %w; keep bare mirrors of its repos "+
				"(uptake mirror --dir DIR) and backfill with --mirror DIR", s.Name, s.Type, ErrNotLocal)
		}
	}
	sources, err := runner.NewSources(l.Config, source.Options{Logger: o.Logger})
	if err != nil {
		return Summary{}, err
	}
	var hist []source.Historian
	for _, s := range sources {
		h, ok := s.(source.Historian)
		if !ok {
			return Summary{}, fmt.Errorf("source %q: %w", s.Name(), ErrNotLocal)
		}
		hist = append(hist, h)
	}
	var sum Summary
	var repos []*repoHistory
	for _, src := range hist {
		rs, err := walkSource(ctx, l, src, o, &sum)
		if err != nil {
			return sum, err
		}
		repos = append(repos, rs...)
	}
	memo := evaluate.NewMemo()
	for k, t := range o.Steps {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		res := &evaluate.Result{Time: t, RuleHash: l.Plan.Hash()}
		for _, r := range repos {
			if rs, ok := r.at(k, o.TeamsAsOfCommit); ok {
				res.Repos = append(res.Repos, rs)
			}
		}
		// BuildWith does not log Build's notes (expired waivers): they are
		// about now, and would repeat at every step.
		if err := emit(t, evaluate.BuildWith(l.Config, l.Catalog, res, t, memo)); err != nil {
			return sum, err
		}
	}
	return sum, nil
}

// repoHistory is one repo's states over the steps.
type repoHistory struct {
	repo source.Repo
	// states are the distinct commits read; step k has states[steps[k]],
	// or nothing when steps[k] is -1 (the repo had no commit yet).
	states []evaluate.RepoScan
	steps  []int
	// today is what attributes the repo at HEAD: CODEOWNERS (its owners
	// and the rule) and the catalog file's owner.
	today inventory.Inventory
}

// at is the repo's scan at step k.
func (h *repoHistory) at(k int, asOfCommit bool) (evaluate.RepoScan, bool) {
	i := h.steps[k]
	if i < 0 {
		return evaluate.RepoScan{}, false
	}
	r := h.states[i]
	if !asOfCommit {
		r.Inventory.Owners, r.Inventory.OwnersAt, r.Inventory.CatalogOwner = h.today.Owners, h.today.OwnersAt, h.today.CatalogOwner
	}
	return r, true
}

// walkSource walks the source's repos (its shard of them) with the scan's
// concurrency.
func walkSource(ctx context.Context, l *runner.Loaded, src source.Historian, o Options, sum *Summary) ([]*repoHistory, error) {
	log := o.Logger.With(zap.String("source", src.Name()))
	listed, err := src.List(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing source %s: %w", src.Name(), err)
	}
	var repos []source.Repo
	for _, r := range listed {
		if runner.InShard(r, o.Shard, o.Shards) {
			repos = append(repos, r)
		}
	}
	sum.Listed += len(listed)
	sum.Repos += len(repos)
	if o.Shards > 1 {
		log.Info("backfilling this shard's repos only", zap.String("shard", fmt.Sprintf("%d/%d", o.Shard, o.Shards)),
			zap.Int("repos", len(repos)), zap.Int("listed", len(listed)))
	} else {
		log.Info("backfilling source", zap.Int("repos", len(repos)), zap.Int("steps", len(o.Steps)))
	}
	w := &walker{plan: l.Plan, src: src, steps: o.Steps, timeout: l.Config.Scan.RepoTimeout, log: log}
	out := make([]*repoHistory, len(repos))
	var done atomic.Int64
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(1, l.Config.Scan.Concurrency))
	for i, repo := range repos {
		g.Go(func() error {
			h, st := w.walk(gctx, repo)
			mu.Lock()
			sum.Commits += st.commits
			sum.Runs += st.runs
			sum.Reused += st.reused
			if st.failed {
				sum.RepoErrors++
			}
			if st.shallow {
				sum.Shallow++
			}
			mu.Unlock()
			out[i] = h
			if o.OnProgress != nil {
				o.OnProgress(runner.Progress{Source: src.Name(), Done: int(done.Add(1)), Total: len(repos)})
			}
			return nil
		})
	}
	_ = g.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	kept := out[:0]
	for _, h := range out {
		if h != nil {
			kept = append(kept, h)
		}
	}
	return kept, nil
}

// walker reads one source's repos over the steps.
type walker struct {
	plan    *inventory.Plan
	src     source.Historian
	steps   []time.Time
	timeout time.Duration
	log     *zap.Logger
}

type walkStats struct {
	commits, runs, reused int
	failed, shallow       bool
}

// walk reads the repo at the commit current at each step; nil when its
// history could not be read at all.
func (w *walker) walk(ctx context.Context, repo source.Repo) (*repoHistory, walkStats) {
	var st walkStats
	log := w.log.With(zap.String("repo", repo.Name))
	fail := func(msg string, err error) (*repoHistory, walkStats) {
		if !errors.Is(err, source.ErrEmpty) {
			st.failed = true
			log.Warn(msg+"; the repo is left out of the backfill", zap.Error(err))
		}
		return nil, st
	}
	hist, err := w.src.History(ctx, repo)
	if err != nil {
		return fail("cannot open the repo's history", err)
	}
	defer hist.Close()
	head, err := hist.Head(ctx)
	if err != nil {
		// An empty repo has no past to show.
		return fail("cannot resolve HEAD", err)
	}
	lctx, cancel := context.WithTimeout(ctx, w.timeout)
	commits, complete, err := hist.Log(lctx, head, w.steps[0])
	cancel()
	if err != nil {
		return fail("cannot read the default branch's log", err)
	}
	current := currentCommits(commits, w.steps)
	if !complete && len(w.steps) > 0 && current[0] == "" {
		st.shallow = true
		log.Warn("the clone's history starts after the backfill's first step (a shallow clone?); earlier steps leave the repo out",
			zap.Time("oldest_commit", commits[len(commits)-1].Time))
	}
	h := &repoHistory{repo: repo, steps: make([]int, len(w.steps))}
	// Commits are read oldest first, each reusing what the one before saw.
	memo := inventory.NewMemo()
	read := map[string]int{}
	logged := map[string]bool{}
	state := func(commit string) (int, error) {
		if i, ok := read[commit]; ok {
			return i, nil
		}
		rctx, cancel := context.WithTimeout(ctx, w.timeout)
		defer cancel()
		r, err := w.read(rctx, hist, repo, commit, memo, logged)
		if err != nil {
			return -1, err
		}
		st.commits++
		h.states = append(h.states, r)
		read[commit] = len(h.states) - 1
		return len(h.states) - 1, nil
	}
	prev := -1
	for k, c := range current {
		h.steps[k] = -1
		if c == "" {
			continue
		}
		i, err := state(c)
		if err != nil {
			if ctx.Err() != nil {
				return nil, st
			}
			// The step before's data stands in, as a failed scan keeps its
			// last good data: an unreadable commit is not a drop.
			st.failed = true
			log.Warn("cannot read a commit; the step keeps the data of the step before", zap.String("commit", c),
				zap.Time("step", w.steps[k]), zap.Error(err))
			i = prev
		}
		h.steps[k], prev = i, i
	}
	i, err := state(head)
	st.runs, st.reused = memo.Runs, memo.Reused
	if err != nil {
		return fail("cannot read HEAD", err)
	}
	h.today = h.states[i].Inventory
	return h, st
}

// read is the repo's inventory at one commit.
func (w *walker) read(ctx context.Context, hist source.History, repo source.Repo, commit string, memo *inventory.Memo,
	logged map[string]bool) (evaluate.RepoScan, error) {
	tree, err := hist.Open(ctx, commit)
	if err != nil {
		return evaluate.RepoScan{}, err
	}
	inv, failures, err := w.plan.ReadWith(ctx, tree, memo)
	if err != nil {
		return evaluate.RepoScan{}, err
	}
	for _, f := range failures {
		// Each step would say it again.
		if key := f.Path + "\x00" + f.Err.Error(); !logged[key] {
			logged[key] = true
			w.log.Debug("file skipped", zap.String("repo", repo.Name), zap.String("commit", commit),
				zap.String("path", f.Path), zap.Error(f.Err))
		}
	}
	r := evaluate.RepoScan{Repo: repo, Head: commit, Inventory: inv}
	// The commit's time makes a campaign's idle repos idle at each step too.
	if ct, ok := tree.(source.CommitTimer); ok {
		r.HeadTime = ct.CommitTime()
	}
	return r, nil
}

// currentCommits is, for each step, the commit current at that time: the
// newest of the log (newest first) committed at or before it, "" before
// the first commit. First-parent order is the branch's order even where
// clocks disagree: walking back, the first commit not after t is current,
// and an older step's is never nearer HEAD.
func currentCommits(log []source.Commit, steps []time.Time) []string {
	out := make([]string, len(steps))
	i := 0
	for k := len(steps) - 1; k >= 0; k-- {
		for i < len(log) && log[i].Time.After(steps[k]) {
			i++
		}
		if i < len(log) {
			out[k] = log[i].Hash
		}
	}
	return out
}
