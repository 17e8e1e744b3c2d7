package github

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/uptake-dev/uptake/collector/source"
)

// reserveShare is the part of each rate-limit window the source leaves
// unspent: for other clients of the same credential, and for what its
// estimates miss.
const reserveShare = 0.02

// budget is one rate-limit resource as GitHub last reported it.
type budget struct {
	limit, remaining int
	// reset is on our clock, measured from the host's Date; window is the
	// host's own X-RateLimit-Reset, which names the window exactly.
	reset  time.Time
	window int64
}

// priorWeight is how many repos' worth of weight the first guess of a
// repo's cost has against what reads measure.
const priorWeight = 10

// budgets tracks GitHub's rate-limit resources apart — "core" for REST,
// "graphql" for GraphQL points — from the headers of every response, and
// what reading a repo spends of each, for source.Budgeter.
type budgets struct {
	now func() time.Time
	// prior is the first guess of a repo's cost per resource, before any
	// read measured it.
	prior map[string]float64

	mu   sync.Mutex
	seen map[string]budget
	// inflight counts reservations not released; spent sums what the
	// released ones (reads of them) cost.
	inflight int
	spent    map[string]int
	reads    int
}

func newBudgets(now func() time.Time, prior map[string]float64) *budgets {
	return &budgets{now: now, prior: prior, seen: map[string]budget{}, spent: map[string]int{}}
}

// spendKey carries a reservation's *spend in a request's context.
type spendKey struct{}

// spend tallies the billed requests of one reserved repo by resource.
type spend struct {
	mu sync.Mutex
	n  map[string]int
}

// perRepo estimates what reading one repo costs res: the prior, weighed
// against the mean of the reads measured so far. Callers hold b.mu.
func (b *budgets) perRepo(res string) float64 {
	return (b.prior[res]*priorWeight + float64(b.spent[res])) / float64(priorWeight+b.reads)
}

// reserve admits one more repo read while the REST budget, less its reserve
// and what the reads in flight may spend, covers it. REST alone decides:
// every read needs its tree over REST, while what GraphQL would serve falls
// back on REST when GraphQL's budget is spent. A budget GitHub never
// reported (GHES without rate limits) admits every repo.
func (b *budgets) reserve(ctx context.Context) (context.Context, func(), bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if r, ok := b.leftLocked("core"); ok {
		need := b.perRepo("core")*float64(b.inflight+1) + reserveShare*float64(r.limit)
		if float64(r.remaining) < need {
			return ctx, func() {}, false
		}
	}
	b.inflight++
	sp := &spend{n: map[string]int{}}
	var once sync.Once
	return context.WithValue(ctx, spendKey{}, sp), func() { once.Do(func() { b.release(sp) }) }, true
}

func (b *budgets) release(sp *spend) {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	b.mu.Lock()
	defer b.mu.Unlock()
	b.inflight--
	b.reads++
	for res, n := range sp.n {
		b.spent[res] += n
	}
}

// bill counts one billed request of res against the reservation in ctx.
func bill(ctx context.Context, res string) {
	if sp, ok := ctx.Value(spendKey{}).(*spend); ok {
		sp.mu.Lock()
		sp.n[res]++
		sp.mu.Unlock()
	}
}

// list is every budget GitHub reported, as it stands now.
func (b *budgets) list() []source.Budget {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []source.Budget
	for res := range b.seen {
		r, _ := b.leftLocked(res)
		out = append(out, source.Budget{Resource: res, Limit: r.limit, Remaining: r.remaining, Reset: r.reset, PerRepo: b.perRepo(res)})
	}
	slices.SortFunc(out, func(x, y source.Budget) int { return strings.Compare(x.Resource, y.Resource) })
	return out
}

// observe records what a response says of its resource. Concurrent answers
// overtake each other: within one window the lowest remaining is the
// latest, and an answer from the window before is stale.
func (b *budgets) observe(res string, r budget) {
	b.mu.Lock()
	defer b.mu.Unlock()
	old, ok := b.seen[res]
	switch {
	case ok && r.window < old.window:
		return
	case ok && r.window == old.window:
		r.remaining = min(r.remaining, old.remaining)
	}
	b.seen[res] = r
}

// exhaust marks res spent until its reset, for an answer that says so in
// its body alone (GraphQL's RATE_LIMITED): GitHub's windows are an hour.
func (b *budgets) exhaust(res string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	old := b.seen[res]
	if !old.reset.After(b.now()) {
		old.reset = b.now().Add(time.Hour)
	}
	old.remaining = 0
	b.seen[res] = old
}

// left is res as it stands now: a window past its reset is whole again.
// ok is false when GitHub never reported res (GHES without rate limits).
func (b *budgets) left(res string) (budget, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.leftLocked(res)
}

func (b *budgets) leftLocked(res string) (budget, bool) {
	r, ok := b.seen[res]
	if ok && !r.reset.After(b.now()) {
		r.remaining = r.limit
	}
	return r, ok
}

// afford reports whether res has n more to spend beyond its reserve; a
// budget GitHub never reported affords anything.
func (b *budgets) afford(res string, n int) bool {
	r, ok := b.left(res)
	return !ok || float64(r.remaining) >= float64(n)+reserveShare*float64(r.limit)
}

// record reads the budget headers of resp, for the resource res the
// request drew on unless the response names another, and bills the request
// to the repo reserved in ctx unless it cost nothing: a 304, or a refusal
// the limiter sends again.
func (l *limiter) record(ctx context.Context, resp *http.Response, res string, refused bool) {
	if r := resp.Header.Get("X-RateLimit-Resource"); r != "" {
		res = r
	}
	if !refused && resp.StatusCode != http.StatusNotModified {
		bill(ctx, res)
	}
	limit, err1 := strconv.Atoi(resp.Header.Get("X-RateLimit-Limit"))
	remaining, err2 := strconv.Atoi(resp.Header.Get("X-RateLimit-Remaining"))
	window, err3 := strconv.ParseInt(resp.Header.Get("X-RateLimit-Reset"), 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return
	}
	l.budgets.observe(res, budget{limit: limit, remaining: remaining, reset: l.reset(resp), window: window})
}

// Reserve implements source.Budgeter with the REST budget (budgets.reserve).
func (s *Source) Reserve(ctx context.Context) (context.Context, func(), bool) {
	return s.budgets.reserve(ctx)
}

// Budgets implements source.Budgeter.
func (s *Source) Budgets() []source.Budget { return s.budgets.list() }
