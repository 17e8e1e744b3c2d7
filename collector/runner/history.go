package runner

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"

	"go.uber.org/zap"

	"github.com/uptake-dev/uptake/collector/history"
	"github.com/uptake-dev/uptake/collector/snapshot"
	"github.com/uptake-dev/uptake/collector/source"
	"github.com/uptake-dev/uptake/config"
)

// pruneInterval is how often serve prunes events past history.retention.
const pruneInterval = time.Hour

// EvalHash covers everything that can change a repo's evaluation: the
// plan (detector kinds and versions, probes, excludes, limits), each
// offering's name, rules, eligibility and waivers, and the teams config.
// Owners, lifecycles, latest versions, targets and ROI change no repo's
// standing and are left out. A change of it is a reclassification; a
// baseline recorded outside a scan (backfill) is recorded under it too.
func EvalHash(l *Loaded) string {
	type offering struct {
		Name     string
		Detect   []config.Rule
		Eligible *config.Eligible
		Waivers  []config.Waiver
	}
	k := struct {
		Plan      string
		Offerings []offering
		Teams     config.Teams
	}{Plan: l.Plan.Hash(), Teams: l.Config.Teams}
	k.Teams.Map = nil
	for _, e := range l.Config.Teams.Map {
		e.Line = 0
		k.Teams.Map = append(k.Teams.Map, e)
	}
	for _, o := range l.Config.Offerings {
		ko := offering{Name: o.Name, Eligible: o.Eligible}
		for _, r := range o.Detect {
			r.Line, r.KeyLines = 0, nil
			ko.Detect = append(ko.Detect, r)
		}
		for _, w := range o.Waivers {
			w.Line = 0
			ko.Waivers = append(ko.Waivers, w)
		}
		k.Offerings = append(k.Offerings, ko)
	}
	b, _ := json.Marshal(k) // plain data: cannot fail
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:8])
}

// record diffs a published scan's repos against the store's baseline and
// writes the events and the new baseline in one transaction, then gives
// snap the store's event totals and the campaigns' progress (recordCampaigns);
// snap is not published yet. A restored
// snapshot is no scan: it gets the totals only. A write that fails loses
// nothing: the baseline stays, and the next scan diffs against it.
func (r *Runner) record(l *Loaded, snap *snapshot.Snapshot, restored bool) {
	st := r.cfg.Store
	if st == nil || !st.Healthy() {
		return
	}
	if !restored {
		hash, now := EvalHash(l), time.Now()
		prev, err := st.Baseline()
		if err == nil {
			c := history.Diff(prev, history.Scan{Time: now, Hash: hash, Repos: snap.Repos, Sources: snap.Sources, Owns: r.owns})
			was := st.EvalHash()
			if err = st.Record(c, hash, now); err == nil {
				r.logChange(c, was, hash)
			}
		}
		if err != nil {
			r.engine.storeFailed(r.log, "recording the scan's adoption events failed; the next scan diffs against the same baseline", err)
		}
	}
	if h, err := st.History(); err == nil {
		snap.History = h
	}
	r.recordCampaigns(snap, restored)
}

func (r *Runner) logChange(c history.Change, was, hash string) {
	if c.Rebased > 0 {
		if was != hash {
			r.log.Info("the catalog, the teams config or a detector changed: repos reclassified, their baseline rebased without adoption events",
				zap.Int("repos", c.Rebased), zap.String("evaluation", hash))
		} else {
			// Repos stale at the reclassification, read again since.
			r.log.Debug("repos reclassified", zap.Int("repos", c.Rebased))
		}
	}
	if len(c.Events) > 0 || c.New > 0 {
		r.log.Info("adoption events recorded", zap.Int("events", len(c.Events)), zap.Int("new_repos", c.New))
	}
}

// owns says whether a repo is this process's shard's.
func (r *Runner) owns(src, repo string) bool {
	return InShard(source.Repo{Source: src, Name: repo}, r.cfg.Shard, r.cfg.Shards)
}

// pruneEvents deletes the events older than the running config's
// history.retention; their totals stay.
func (r *Runner) pruneEvents() {
	st := r.cfg.Store
	if st == nil || !st.Healthy() {
		return
	}
	r.mu.Lock()
	retention := time.Duration(r.current.Config.History.Retention)
	r.mu.Unlock()
	n, err := st.PruneEvents(time.Now().Add(-retention))
	switch {
	case err != nil:
		r.engine.storeFailed(r.log, "pruning old adoption events failed", err)
	case n > 0:
		r.log.Info("pruned adoption events past history.retention", zap.Int("events", n), zap.Duration("retention", retention))
	}
}

// pruneLoop prunes at start and every pruneInterval until ctx ends.
func (r *Runner) pruneLoop(ctx context.Context) {
	t := time.NewTicker(pruneInterval)
	defer t.Stop()
	for {
		r.pruneEvents()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
