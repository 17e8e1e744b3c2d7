package github

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/uptake-dev/uptake/collector/source"
	"github.com/uptake-dev/uptake/collector/source/remote"
)

// The HTTP stack below go-github, outermost first:
//
//	auth (token or GitHub App) → revalidator (ETags) → limiter (slots, rate limits, retries) → remote.Instrument → network
//
// go-github's own rate-limit bookkeeping is disabled: it fails requests
// instead of waiting, and reads the wall clock, which tests cannot drive.
// gofri/go-github-ratelimit was considered; its primary limiter also fails
// requests and its sleeps cannot be injected.

const (
	// maxRetries bounds retries of 5xx answers and transport errors; rate
	// limits are waited out without a bound.
	maxRetries = 3
	// firstBackoff doubles with every retry: 1s, 2s, 4s.
	firstBackoff = time.Second
	// secondaryWait is GitHub's advice for a secondary limit that names no
	// wait: at least a minute, growing on repeats.
	secondaryWait = time.Minute
)

// limiter bounds the requests in flight, holds every request while a rate
// limit is active, and retries what is worth retrying. Every request the
// source makes is a read, so all of them are safe to repeat.
type limiter struct {
	next  http.RoundTripper
	slots chan struct{}
	sleep func(context.Context, time.Duration) error
	now   func() time.Time
	log   *zap.Logger
	// budgets learns every response's rate-limit headers.
	budgets *budgets

	mu sync.Mutex
	// until holds requests of a rate-limit resource ("core", "graphql") until
	// that time; the "" entry is the secondary limit, which covers all.
	until map[string]time.Time
}

func newLimiter(next http.RoundTripper, concurrency int, sleep func(context.Context, time.Duration) error, now func() time.Time, b *budgets, log *zap.Logger) *limiter {
	return &limiter{
		next:    next,
		slots:   make(chan struct{}, concurrency),
		sleep:   sleep,
		now:     now,
		log:     log,
		budgets: b,
		until:   map[string]time.Time{},
	}
}

func (l *limiter) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	select {
	case l.slots <- struct{}{}:
	case <-ctx.Done():
		closeBody(req)
		return nil, ctx.Err()
	}
	defer func() { <-l.slots }()

	res := resource(req)
	attempt := req
	failures, secondaries := 0, 0
	for {
		if err := l.hold(ctx, res); err != nil {
			closeBody(attempt)
			return nil, err
		}
		resp, err := l.next.RoundTrip(attempt)
		if ctx.Err() != nil {
			return resp, err
		}
		again := repeatable(req)
		refused := err == nil && l.limited(resp, res, secondaries)
		if err == nil {
			l.record(ctx, resp, res, refused)
		}
		switch {
		case refused && again:
			secondaries++
			discard(resp)
		case again && failures < maxRetries && (err != nil || retryable(resp.StatusCode)):
			wait := firstBackoff << failures
			failures++
			if err != nil {
				l.log.Debug("retrying after transport error", zap.String("path", req.URL.Path), zap.Duration("wait", wait), zap.Error(err))
			} else {
				l.log.Debug("retrying after server error", zap.String("path", req.URL.Path), zap.Int("code", resp.StatusCode), zap.Duration("wait", wait))
				discard(resp)
			}
			if err := l.sleep(ctx, wait); err != nil {
				return nil, err
			}
		default:
			return resp, err
		}
		if attempt, err = rewind(req); err != nil {
			return nil, err
		}
	}
}

// hold waits while a rate limit covering res is active. One wait suffices: a
// request sent early is answered with a limit again and waits once more.
func (l *limiter) hold(ctx context.Context, res string) error {
	l.mu.Lock()
	until := l.until[res]
	if s := l.until[""]; s.After(until) {
		until = s
	}
	l.mu.Unlock()
	if d := until.Sub(l.now()); d > 0 {
		return l.sleep(ctx, d)
	}
	return nil
}

// limited records the rate limit resp reports, if any, and says whether the
// request must be sent again once it has passed. secondaries counts the
// secondary limits this request has met so far.
func (l *limiter) limited(resp *http.Response, res string, secondaries int) bool {
	if r := resp.Header.Get("X-RateLimit-Resource"); r != "" {
		res = r
	}
	exhausted := resp.Header.Get("X-RateLimit-Remaining") == "0"
	if resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusTooManyRequests {
		if exhausted {
			// The last request of the window: hold the next ones, not this one.
			l.setUntil(res, l.reset(resp), "primary")
		}
		return false
	}
	if d, ok := l.retryAfter(resp); ok {
		l.setUntil("", l.now().Add(d), "secondary")
		return true
	}
	if exhausted {
		l.setUntil(res, l.reset(resp), "primary")
		return true
	}
	if resp.StatusCode == http.StatusTooManyRequests || rateLimitBody(resp) {
		l.setUntil("", l.now().Add(secondaryWait<<min(secondaries, 4)), "secondary")
		return true
	}
	return false
}

// reset is when the primary window resets. X-RateLimit-Reset is epoch
// seconds on the host's clock, so the wait is measured from its Date header:
// ours may be off by more than a window, and a reset that looks past would
// resend at once into the same refusal. A second is added, as the header
// has whole seconds.
func (l *limiter) reset(resp *http.Response) time.Time {
	s, err := strconv.ParseInt(resp.Header.Get("X-RateLimit-Reset"), 10, 64)
	if err != nil {
		return l.now().Add(secondaryWait)
	}
	return l.now().Add(max(time.Unix(s, 0).Sub(l.hostTime(resp)), 0) + time.Second)
}

// retryAfter reads Retry-After: GitHub sends seconds, HTTP also allows a
// date, measured like the reset from the host's Date.
func (l *limiter) retryAfter(resp *http.Response) (time.Duration, bool) {
	v := resp.Header.Get("Retry-After")
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(l.hostTime(resp)), 0), true
	}
	return 0, false
}

// hostTime is the host's clock when it answered, or ours without a Date.
func (l *limiter) hostTime(resp *http.Response) time.Time {
	if t, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
		return t
	}
	return l.now()
}

func (l *limiter) setUntil(res string, t time.Time, kind string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !t.After(l.until[res]) {
		return
	}
	l.until[res] = t
	l.log.Info("GitHub rate limit reached, waiting", zap.String("limit", kind), zap.String("resource", res),
		zap.Duration("wait", t.Sub(l.now()).Round(time.Second)))
}

// rateLimitBody tells a 403 for a rate limit from one for missing rights. It
// leaves resp.Body readable.
func rateLimitBody(resp *http.Response) bool {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body = readCloser{io.MultiReader(bytes.NewReader(b), resp.Body), resp.Body}
	return bytes.Contains(bytes.ToLower(b), []byte("rate limit"))
}

func retryable(code int) bool {
	switch code {
	case http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	// 501 is not retried: it is how GHES says GraphQL is off.
	return false
}

// resource is the rate-limit bucket req draws from.
func resource(req *http.Request) string {
	if strings.HasSuffix(req.URL.Path, "/graphql") {
		return "graphql"
	}
	return "core"
}

// repeatable says whether req can be sent again: its body, if any, can be
// produced afresh.
func repeatable(req *http.Request) bool {
	return req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
}

// rewind returns a copy of repeatable req with a fresh body.
func rewind(req *http.Request) (*http.Request, error) {
	if req.GetBody == nil {
		return req, nil
	}
	body, err := req.GetBody()
	if err != nil {
		return nil, err
	}
	r := req.Clone(req.Context())
	r.Body = body
	return r, nil
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

func discard(resp *http.Response) {
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) //nolint:errcheck // draining for connection reuse only
	resp.Body.Close()
}

type readCloser struct {
	io.Reader
	io.Closer
}

type conditionalKey struct{}

// conditional marks ctx's GET requests for revalidation with stored ETags: a
// 304 costs no primary rate limit. Git objects are not marked: they are
// immutable and the source keeps their contents by SHA instead.
func conditional(ctx context.Context) context.Context {
	return context.WithValue(ctx, conditionalKey{}, true)
}

// revalidator keeps the ETag and body of marked GET responses in the store,
// sends If-None-Match next time, and turns a 304 back into the stored 200 so
// that go-github never sees the difference.
type revalidator struct {
	next  http.RoundTripper
	store source.Store
	// identity names the credential (a hash of the token, never the token)
	// so that two credentials never share a response.
	identity string
	log      *zap.Logger
}

func (c *revalidator) RoundTrip(req *http.Request) (*http.Response, error) {
	if c.store == nil || req.Method != http.MethodGet || req.Context().Value(conditionalKey{}) == nil {
		return c.next.RoundTrip(req)
	}
	key := c.key(req)
	cached, hit := c.load(key)
	if hit {
		req = req.Clone(req.Context())
		req.Header.Set("If-None-Match", cached.etag)
	}
	resp, err := c.next.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	switch etag := resp.Header.Get("ETag"); {
	case hit && resp.StatusCode == http.StatusNotModified:
		resp.Body.Close()
		resp.StatusCode, resp.Status = http.StatusOK, "200 OK"
		resp.Header.Set("Content-Type", cached.contentType)
		if cached.link != "" {
			resp.Header.Set("Link", cached.link)
		}
		resp.Body = io.NopCloser(bytes.NewReader(cached.body))
		resp.ContentLength = int64(len(cached.body))
	case resp.StatusCode == http.StatusOK && etag != "":
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
		rec := validated{etag: etag, link: resp.Header.Get("Link"), contentType: resp.Header.Get("Content-Type"), body: body}
		// A truncated body would be served for every 304 after: only a
		// whole one is kept.
		if !rec.whole() {
			break
		}
		if err := c.store.Put(key, rec.encode()); err != nil {
			c.log.Warn("storing ETag", zap.Error(err))
		}
	}
	return resp, nil
}

func (c *revalidator) key(req *http.Request) string {
	h := sha256.New()
	for _, s := range []string{c.identity, req.Header.Get("Accept"), req.URL.String()} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return "github/etag/" + hex.EncodeToString(h.Sum(nil))
}

func (c *revalidator) load(key string) (validated, bool) {
	b, ok := c.store.Get(key)
	if !ok {
		return validated{}, false
	}
	v, ok := decodeValidated(b)
	// A damaged entry is a miss: the full answer replaces it.
	return v, ok && v.whole()
}

// validated is a stored response: header lines cannot hold a newline, so
// three lines and the body need no escaping.
type validated struct {
	etag, link, contentType string
	body                    []byte
}

// whole says whether the body is complete in its media type: a JSON value,
// or a bare commit SHA. Other types are not kept, as nothing could tell.
func (v validated) whole() bool {
	mt, _, _ := mime.ParseMediaType(v.contentType)
	switch mt {
	case "application/json":
		return json.Valid(v.body)
	case "application/vnd.github.sha":
		return remote.IsObjectID(string(bytes.TrimSpace(v.body)))
	}
	return false
}

func (v validated) encode() []byte {
	return append([]byte(v.etag+"\n"+v.link+"\n"+v.contentType+"\n"), v.body...)
}

func decodeValidated(b []byte) (validated, bool) {
	var lines [3]string
	for i := range lines {
		line, rest, ok := bytes.Cut(b, []byte{'\n'})
		if !ok {
			return validated{}, false
		}
		lines[i], b = string(line), rest
	}
	if lines[0] == "" {
		return validated{}, false
	}
	return validated{etag: lines[0], link: lines[1], contentType: lines[2], body: b}, true
}
