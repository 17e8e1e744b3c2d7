package runner

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"go.uber.org/zap"

	"github.com/uptake-dev/uptake/collector/evaluate"
	"github.com/uptake-dev/uptake/collector/snapshot"
	"github.com/uptake-dev/uptake/config"
)

// sourceRun is one source's last finished scan as the store keeps it: its
// status and its repo set, so a restart publishes exactly that scan (a
// repo deleted since is not resurrected from its cache entry). The repos'
// data is their cache entries.
type sourceRun struct {
	Status snapshot.SourceScan `json:"status"`
	Repos  []runRepo           `json:"repos"`
	// Reads are the plan's detector kinds and probes: the inventories hold
	// nothing for a kind added since, so such a run is not restored.
	Reads []string `json:"reads"`
	// RuleHash is the plan the run's fresh entries were read with; an entry
	// under another one was written by a later, unfinished scan.
	RuleHash string `json:"rule_hash"`
	// SourceKey identifies the source's config: another org, group or
	// filter under the same name lists other repos.
	SourceKey string    `json:"source_key"`
	Time      time.Time `json:"time"`
}

// runRepo is one repo of a run: counted from its cache entry unless Err
// says it had no data.
type runRepo struct {
	Name       string    `json:"name"`
	Stale      bool      `json:"stale,omitempty"`
	Err        string    `json:"error,omitempty"`
	Deferred   bool      `json:"deferred,omitempty"`
	ResultTime time.Time `json:"result_time,omitzero"`
}

// uncounted says the repo had no data in the run: failed, or deferred
// before its first read.
func (rr runRepo) uncounted() bool { return !rr.Stale && (rr.Err != "" || rr.Deferred) }

// runKey names a source's runs per shard: each replica keeps its own.
func (e *Engine) runKey(name string) string {
	return fmt.Sprintf("%s\x00shard-%d-of-%d", name, e.opts.Shard, max(1, e.opts.Shards))
}

// sourceKey hashes a source's config, file position aside.
func sourceKey(s config.Source) string {
	s.Line = 0
	b, _ := json.Marshal(s)
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:8])
}

// saveRun persists a source's finished scan (complete, or cut short by
// scan.source_timeout: every listed repo is then fresh or stale); a failure
// costs only the restore after a restart, so it is logged, not returned.
func (e *Engine) saveRun(job scanJob, status snapshot.SourceScan, repos []evaluate.RepoScan, log *zap.Logger) {
	if e.opts.Store == nil {
		return
	}
	run := sourceRun{Status: status, Reads: job.plan.Reads(), RuleHash: job.plan.Hash(), SourceKey: job.sourceKey, Time: time.Now()}
	for _, r := range repos {
		run.Repos = append(run.Repos, runRepo{Name: r.Repo.Name, Stale: r.Stale, Err: r.Err, Deferred: r.Deferred, ResultTime: r.ResultTime})
	}
	data, err := json.Marshal(run)
	if err == nil {
		err = e.opts.Store.SaveRun(e.runKey(status.Name), data)
	}
	if err != nil {
		e.storeFailed(log, "saving the scan result for the next start failed", err)
	}
}

// loadRun reads a source's last finished scan, if the store has one.
func (e *Engine) loadRun(name string) (sourceRun, bool) {
	var run sourceRun
	if e.opts.Store == nil {
		return run, false
	}
	data, ok := e.opts.Store.Run(e.runKey(name))
	return run, ok && json.Unmarshal(data, &run) == nil
}

// Restore rebuilds the last finished scan of every source from the store,
// for publishing at start before the first scan ends. It returns nil when
// some source has no usable run: a partial snapshot would read as a drop.
// The snapshot's time is the oldest source's, so its age is never
// understated.
func (e *Engine) Restore(l *Loaded) *evaluate.Result {
	if e.opts.Store == nil || len(l.Config.Sources) == 0 {
		return nil
	}
	reads := l.Plan.Reads()
	res := &evaluate.Result{RuleHash: l.Plan.Hash(), Readers: l.Plan.Readers(), Restored: true}
	for _, s := range l.Config.Sources {
		log := e.log.With(zap.String("source", s.Name))
		run, ok := e.loadRun(s.Name)
		if !ok {
			log.Info("no finished scan of the source in the store; nothing published before the first scan")
			return nil
		}
		if run.SourceKey != sourceKey(s) {
			log.Info("the source's config changed since the stored scan; nothing published before the first scan")
			return nil
		}
		for _, r := range reads {
			if !slices.Contains(run.Reads, r) {
				log.Info("the stored scan predates a rule that reads other files; nothing published before the first scan", zap.String("needs", r))
				return nil
			}
		}
		repos, ok := e.restoreRepos(s.Name, run, log)
		if !ok {
			return nil
		}
		res.Repos = append(res.Repos, repos...)
		res.Sources = append(res.Sources, run.Status)
		if res.Time.IsZero() || run.Time.Before(res.Time) {
			res.Time = run.Time
		}
	}
	// The repos just read are the sources' last good data: a failing first
	// listing keeps them, with this scan's error, not the stored one's.
	bySource := map[string][]evaluate.RepoScan{}
	for _, r := range res.Repos {
		if r.Counted() {
			r.Stale, r.Err, r.Deferred = false, "", false
			bySource[r.Repo.Source] = append(bySource[r.Repo.Source], r)
		}
	}
	for _, s := range l.Config.Sources {
		e.seed(s.Name, bySource[s.Name])
	}
	return res
}

// restoreRepos reads a run's repos back from their cache entries.
func (e *Engine) restoreRepos(name string, run sourceRun, log *zap.Logger) ([]evaluate.RepoScan, bool) {
	var out []evaluate.RepoScan
	for _, rr := range run.Repos {
		if rr.uncounted() {
			r := evaluate.RepoScan{Err: rr.Err, Deferred: rr.Deferred}
			r.Repo.Source, r.Repo.Name = name, rr.Name
			out = append(out, r)
			continue
		}
		r, entryHash, ok := e.entry(name, rr.Name)
		if !ok {
			log.Info("a repo of the stored scan has no cache entry; nothing published before the first scan", zap.String("repo", rr.Name))
			return nil, false
		}
		// A fresh repo's entry must be the run's: a later scan under other
		// rules that never finished may have replaced it.
		if !rr.Stale && entryHash != run.RuleHash {
			log.Info("a repo's cache entry is from an unfinished later scan; nothing published before the first scan", zap.String("repo", rr.Name))
			return nil, false
		}
		if !rr.ResultTime.IsZero() {
			r.ResultTime = rr.ResultTime
		}
		r.Stale, r.Err, r.Deferred = rr.Stale, rr.Err, rr.Deferred
		out = append(out, r)
	}
	return out, true
}

// entry reads one repo's cache entry and the plan hash it was read with.
func (e *Engine) entry(source, repo string) (evaluate.RepoScan, string, bool) {
	var r evaluate.RepoScan
	entry, ok := e.opts.Store.Last(source, repo)
	if !ok || json.Unmarshal(entry.Data, &r) != nil {
		return r, "", false
	}
	if r.ResultTime.IsZero() {
		r.ResultTime = entry.Time
	}
	return r, entry.RuleHash, true
}

// runRepos is the last good data of a run's repos that have any, from
// their cache entries: the repo set a failing first listing keeps.
func (e *Engine) runRepos(name string) ([]evaluate.RepoScan, bool) {
	run, ok := e.loadRun(name)
	if !ok {
		return nil, false
	}
	var out []evaluate.RepoScan
	for _, rr := range run.Repos {
		if rr.uncounted() {
			continue
		}
		if r, _, ok := e.entry(name, rr.Name); ok {
			if !rr.ResultTime.IsZero() {
				r.ResultTime = rr.ResultTime
			}
			out = append(out, r)
		}
	}
	return out, true
}

// seed makes repos a source's last good data unless a scan set it already.
func (e *Engine) seed(name string, repos []evaluate.RepoScan) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, seen := e.last[name]; seen {
		return
	}
	m := map[string]evaluate.RepoScan{}
	for _, r := range repos {
		m[r.Repo.Name] = r
	}
	e.last[name] = m
}
