package runner

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"go.uber.org/zap"

	"github.com/uptake-dev/uptake/collector/evaluate"
	"github.com/uptake-dev/uptake/collector/inventory"
	"github.com/uptake-dev/uptake/collector/snapshot"
)

// sourceRun is one source's last complete scan as the store keeps it: its
// status and its repo set, so a restart publishes exactly that scan (a
// repo deleted since is not resurrected from its cache entry). The repos'
// data is their cache entries.
type sourceRun struct {
	Status snapshot.SourceScan `json:"status"`
	Repos  []runRepo           `json:"repos"`
	// Reads are the plan's detector kinds and probes: the inventories hold
	// nothing for a kind added since, so such a run is not restored.
	Reads []string  `json:"reads"`
	Time  time.Time `json:"time"`
}

// runRepo is one repo of a run: counted from its cache entry unless Err
// says it had no data.
type runRepo struct {
	Name  string `json:"name"`
	Stale bool   `json:"stale,omitempty"`
	Err   string `json:"error,omitempty"`
}

// runKey names a source's runs per shard: each replica keeps its own.
func (e *Engine) runKey(name string) string {
	return fmt.Sprintf("%s\x00shard-%d-of-%d", name, e.opts.Shard, max(1, e.opts.Shards))
}

// saveRun persists a source's complete scan; a failure costs only the
// restore after a restart, so it is logged, not returned.
func (e *Engine) saveRun(plan *inventory.Plan, status snapshot.SourceScan, repos []evaluate.RepoScan, log *zap.Logger) {
	if e.opts.Store == nil {
		return
	}
	run := sourceRun{Status: status, Reads: plan.Reads(), Time: time.Now()}
	for _, r := range repos {
		run.Repos = append(run.Repos, runRepo{Name: r.Repo.Name, Stale: r.Stale, Err: r.Err})
	}
	data, err := json.Marshal(run)
	if err == nil {
		err = e.opts.Store.SaveRun(e.runKey(status.Name), data)
	}
	if err != nil {
		e.storeFailed(log, "saving the scan result for the next start failed", err)
	}
}

// Restore rebuilds the last complete scan of every source from the store,
// for publishing at start before the first scan ends. It returns nil when
// some source has no usable run: a partial snapshot would read as a drop.
func (e *Engine) Restore(l *Loaded, sources []string) *evaluate.Result {
	if e.opts.Store == nil || len(sources) == 0 {
		return nil
	}
	reads := l.Plan.Reads()
	res := &evaluate.Result{RuleHash: l.Plan.Hash(), Readers: l.Plan.Readers(), Restored: true}
	for _, name := range sources {
		data, ok := e.opts.Store.Run(e.runKey(name))
		var run sourceRun
		if !ok || json.Unmarshal(data, &run) != nil {
			e.log.Info("no complete scan of the source in the store; nothing published before the first scan", zap.String("source", name))
			return nil
		}
		for _, r := range reads {
			if !slices.Contains(run.Reads, r) {
				e.log.Info("the stored scan predates a rule that reads other files; nothing published before the first scan",
					zap.String("source", name), zap.String("needs", r))
				return nil
			}
		}
		repos, ok := e.restoreRepos(name, run)
		if !ok {
			return nil
		}
		res.Repos = append(res.Repos, repos...)
		res.Sources = append(res.Sources, run.Status)
		if run.Time.After(res.Time) {
			res.Time = run.Time
		}
	}
	return res
}

// restoreRepos reads a run's repos back from their cache entries and seeds
// the engine's last good data with them.
func (e *Engine) restoreRepos(name string, run sourceRun) ([]evaluate.RepoScan, bool) {
	var out []evaluate.RepoScan
	last := map[string]evaluate.RepoScan{}
	for _, rr := range run.Repos {
		if rr.Err != "" && !rr.Stale {
			r := evaluate.RepoScan{Err: rr.Err}
			r.Repo.Source, r.Repo.Name = name, rr.Name
			out = append(out, r)
			continue
		}
		entry, ok := e.opts.Store.Last(name, rr.Name)
		var r evaluate.RepoScan
		if !ok || json.Unmarshal(entry.Data, &r) != nil {
			e.log.Info("a repo of the stored scan has no cache entry; nothing published before the first scan",
				zap.String("source", name), zap.String("repo", rr.Name))
			return nil, false
		}
		if r.ResultTime.IsZero() {
			r.ResultTime = entry.Time
		}
		r.Stale, r.Err = rr.Stale, rr.Err
		out = append(out, r)
		last[rr.Name] = r
	}
	e.mu.Lock()
	if _, seen := e.last[name]; !seen {
		e.last[name] = last
		e.lastSuccess[name] = run.Status.LastSuccess
	}
	e.mu.Unlock()
	return out, true
}
