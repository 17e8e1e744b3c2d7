package github

import (
	"net/http"
	"strconv"
	"sync"
	"time"
)

// reserveShare is the part of each rate-limit window the source leaves
// unspent: for other clients of the same credential, and for what its
// estimates miss.
const reserveShare = 0.02

// budget is one rate-limit resource as GitHub last reported it.
type budget struct {
	limit, remaining int
	// reset is on our clock, measured from the host's Date.
	reset time.Time
}

// budgets tracks GitHub's rate-limit resources apart — "core" for REST,
// "graphql" for GraphQL points — from the headers of every response.
type budgets struct {
	now func() time.Time

	mu   sync.Mutex
	seen map[string]budget
}

func newBudgets(now func() time.Time) *budgets {
	return &budgets{now: now, seen: map[string]budget{}}
}

// observe records what a response says of its resource. Concurrent answers
// overtake each other: within one window the lowest remaining is the latest.
func (b *budgets) observe(res string, limit, remaining int, reset time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	old, ok := b.seen[res]
	if ok && old.reset.Equal(reset) && old.remaining < remaining {
		remaining = old.remaining
	}
	if ok && reset.Before(old.reset) {
		return // an answer from the window before
	}
	b.seen[res] = budget{limit: limit, remaining: remaining, reset: reset}
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
// request drew on unless the response names another.
func (l *limiter) record(resp *http.Response, res string) {
	if r := resp.Header.Get("X-RateLimit-Resource"); r != "" {
		res = r
	}
	limit, err1 := strconv.Atoi(resp.Header.Get("X-RateLimit-Limit"))
	remaining, err2 := strconv.Atoi(resp.Header.Get("X-RateLimit-Remaining"))
	if err1 != nil || err2 != nil || resp.Header.Get("X-RateLimit-Reset") == "" {
		return
	}
	l.budgets.observe(res, limit, remaining, l.reset(resp))
}
