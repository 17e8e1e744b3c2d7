package gitlab

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/uptake-dev/uptake/collector/source/remote"
)

// paceShare is the part of GitLab's rate limit the limiter sustains.
const paceShare = 0.66

// limiter paces requests from the RateLimit-Limit header (requests per
// minute) with client-go's split: a third of a second's worth as burst, two
// thirds of the rate sustained. It replaces client-go's own limiter, which is
// set once from the first response without synchronisation and so races
// with concurrent requests; this one follows the header as it changes.
type limiter struct {
	cur atomic.Pointer[rate.Limiter]
}

func newLimiter() *limiter {
	l := &limiter{}
	l.cur.Store(rate.NewLimiter(rate.Inf, 0))
	return l
}

// Wait blocks until the pace allows one more request.
func (l *limiter) Wait(ctx context.Context) error { return l.cur.Load().Wait(ctx) }

// observe wraps next so that every response tunes the pace.
func (l *limiter) observe(next http.RoundTripper) http.RoundTripper {
	return remote.RoundTripperFunc(func(req *http.Request) (*http.Response, error) {
		resp, err := next.RoundTrip(req)
		if err == nil {
			l.update(resp.Header)
		}
		return resp, err
	})
}

func (l *limiter) update(h http.Header) {
	perMinute, err := strconv.ParseFloat(h.Get("RateLimit-Limit"), 64)
	if err != nil || perMinute <= 0 {
		return
	}
	perSecond := perMinute / 60
	limit := rate.Limit(perSecond * paceShare)
	if l.cur.Load().Limit() == limit {
		return
	}
	l.cur.Store(rate.NewLimiter(limit, max(1, int(perSecond*0.33))))
}

// apiResource names GitLab's one budget in the rate-limit gauges: its
// headers cover every API request alike.
func apiResource(*http.Request) string { return "api" }

// backoff is the wait before a retry. A 429 (or a 503 that says) waits as
// long as GitLab asks: Retry-After (seconds or a date), else until
// RateLimit-Reset, else exponentially from waitMin. Other 5xx wait linearly
// longer with jitter, as client-go does. Dates are GitLab's clock: they are
// measured from its Date header, as ours may be off by more than the wait.
func backoff(waitMin, waitMax time.Duration, attempt int, resp *http.Response) time.Duration {
	var code int
	if resp != nil {
		code = resp.StatusCode
	}
	if code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable {
		if d, ok := retryAfter(resp); ok {
			return d
		}
	}
	if code != http.StatusTooManyRequests {
		return time.Duration(attempt+1) * (700*time.Millisecond + jitter(200*time.Millisecond))
	}
	if reset, err := strconv.ParseInt(resp.Header.Get("RateLimit-Reset"), 10, 64); err == nil && reset > 0 {
		if d := time.Unix(reset, 0).Sub(hostTime(resp)); d > 0 {
			// Jitter keeps the workers from all returning in the same instant.
			return d + jitter(waitMax-waitMin)
		}
	}
	return waitMin << attempt
}

func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return time.Duration(rand.Int64N(int64(d)))
}

func retryAfter(resp *http.Response) (time.Duration, bool) {
	v := resp.Header.Get("Retry-After")
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(hostTime(resp)), 0), true
	}
	return 0, false
}

// hostTime is GitLab's clock when it answered, or ours without a Date.
func hostTime(resp *http.Response) time.Time {
	if t, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
		return t
	}
	return time.Now()
}
