package runner

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/uptake-dev/uptake/collector/evaluate"
	"github.com/uptake-dev/uptake/collector/source"
)

// budgetGate admits the repos of a source whose host rations requests
// (source.Budgeter) while its budget covers one more, in priority order; it
// defers the rest to the next scan rather than wait up to an hour for the
// window's reset. A repo whose listed HEAD is in the scan cache costs no
// request and is always admitted.
type budgetGate struct {
	budgeter source.Budgeter
	// reserved counts the admitted repos still in flight.
	reserved sync.WaitGroup
	// deferring is set at the first repo the budget could not cover: the
	// rest, read after it, would jump the queue.
	deferring bool
}

// newGate returns the gate of the job's source; nil admits every repo.
func newGate(job scanJob) *budgetGate {
	b, ok := job.src.(source.Budgeter)
	if !ok {
		return nil
	}
	return &budgetGate{budgeter: b}
}

// admit returns the context to read repo with and what to call when done;
// ok is false when the repo is deferred. Called in order, from one goroutine.
func (g *budgetGate) admit(ctx context.Context, free bool) (context.Context, func(), bool) {
	if g == nil || free {
		return ctx, func() {}, true
	}
	if g.deferring {
		return ctx, nil, false
	}
	rctx, release, ok := g.budgeter.Reserve(ctx)
	if !ok {
		// The repos in flight hold reservations of all they might still
		// spend; once they are done, what is left is known exactly.
		g.reserved.Wait()
		rctx, release, ok = g.budgeter.Reserve(ctx)
	}
	if !ok {
		g.deferring = true
		return ctx, nil, false
	}
	g.reserved.Add(1)
	return rctx, func() { release(); g.reserved.Done() }, true
}

// cached reports whether repo's listed HEAD is in the scan cache under the
// job's plan: reading it then costs no request.
func (e *Engine) cached(job scanJob, repo source.Repo) bool {
	if e.opts.Store == nil || repo.Head == "" {
		return false
	}
	_, ok := e.opts.Store.Lookup(job.src.Name(), repo.Name, repo.Head, job.plan.Hash())
	return ok
}

// priority orders the repos of a rationed source: those never read first,
// then the oldest result first, the listing's order otherwise. A repo
// deferred keeps its old result, so the next scan picks it up first.
func (e *Engine) priority(name string, repos []source.Repo) []int {
	when := e.resultTimes(name)
	order := make([]int, len(repos))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		ta, reada := when[repos[order[a]].Name]
		tb, readb := when[repos[order[b]].Name]
		if reada != readb {
			return !reada
		}
		return ta.Before(tb)
	})
	return order
}

// resultTimes are the result times of a source's repos with last good
// data: from memory, else from the last finished scan the store kept.
func (e *Engine) resultTimes(name string) map[string]time.Time {
	out := map[string]time.Time{}
	e.mu.Lock()
	for n, r := range e.last[name] {
		out[n] = r.ResultTime
	}
	e.mu.Unlock()
	if len(out) > 0 {
		return out
	}
	if run, ok := e.loadRun(name); ok {
		for _, rr := range run.Repos {
			if !rr.uncounted() {
				out[rr.Name] = rr.ResultTime
			}
		}
	}
	return out
}

// deferRepo is a repo the budget could not cover. It is no error: its last
// good data stands, marked stale; a repo never read has none and is
// reported, not counted.
func (e *Engine) deferRepo(srcName string, repo source.Repo) evaluate.RepoScan {
	if prev, ok := e.lastGoodRepo(srcName, repo.Name); ok {
		prev.Repo, prev.Stale, prev.Cached, prev.Err, prev.Deferred = repo, true, false, "", true
		return laterHead(prev)
	}
	return evaluate.RepoScan{Repo: repo, Deferred: true}
}

// logDeferred says once a scan how many repos the budget left for the
// next scan, and the budget figures that decided it.
func logDeferred(log *zap.Logger, src source.Source, deferred, total int) {
	var figures []string
	if b, ok := src.(source.Budgeter); ok {
		for _, bu := range b.Budgets() {
			figures = append(figures, fmt.Sprintf("%s: %d of %d left until %s, ~%.2f a repo",
				bu.Resource, bu.Remaining, bu.Limit, bu.Reset.Format(time.RFC3339), bu.PerRepo))
		}
	}
	log.Info("rate budget does not cover every repo before it resets; the rest keep their last good data and are read first next scan",
		zap.Int("deferred", deferred), zap.Int("repos", total), zap.Strings("budgets", figures))
}
