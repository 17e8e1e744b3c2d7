package github

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/uptake-dev/uptake/collector/source"
	"github.com/uptake-dev/uptake/config"
)

// restOnly is the fake's config without GraphQL, so Head goes over REST.
func restOnly(t *testing.T, f *fakeGitHub) config.Source {
	t.Helper()
	f.srv.Start()
	cfg := f.config(t)
	off := false
	cfg.GraphQL = &off
	return cfg
}

var apiRepo = source.Repo{Name: "octo-org/api", DefaultBranch: "main"}

func TestRateLimitsAreWaitedOut(t *testing.T) {
	for _, tc := range []struct {
		name    string
		answer  func(f *fakeGitHub, w http.ResponseWriter)
		slept   []time.Duration
		fails   bool
		commits int
	}{
		{"secondary, 403 with Retry-After", func(_ *fakeGitHub, w http.ResponseWriter) {
			w.Header().Set("Retry-After", "30")
			writeJSON(w, http.StatusForbidden, string(fixture(t, "secondary-rate-limit.json")))
		}, []time.Duration{30 * time.Second}, false, 2},
		{"secondary, 429 with Retry-After", func(_ *fakeGitHub, w http.ResponseWriter) {
			w.Header().Set("Retry-After", "7")
			writeJSON(w, http.StatusTooManyRequests, string(fixture(t, "secondary-rate-limit.json")))
		}, []time.Duration{7 * time.Second}, false, 2},
		{"secondary, 403 naming no wait", func(_ *fakeGitHub, w http.ResponseWriter) {
			writeJSON(w, http.StatusForbidden, string(fixture(t, "secondary-rate-limit.json")))
		}, []time.Duration{time.Minute}, false, 2},
		{"429 alone", func(_ *fakeGitHub, w http.ResponseWriter) {
			w.WriteHeader(http.StatusTooManyRequests)
		}, []time.Duration{time.Minute}, false, 2},
		{"primary exhausted", func(f *fakeGitHub, w http.ResponseWriter) {
			w.Header().Set("X-RateLimit-Remaining", "0")
			w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(f.clock.Now().Add(2*time.Minute).Unix(), 10))
			writeJSON(w, http.StatusForbidden, string(fixture(t, "rate-limit.json")))
		}, []time.Duration{2*time.Minute + time.Second}, false, 2},
		{"403 for missing rights is no limit", func(_ *fakeGitHub, w http.ResponseWriter) {
			writeJSON(w, http.StatusForbidden, `{"message":"Resource not accessible by personal access token","status":"403"}`)
		}, nil, true, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, org()...)
			once := sync.Once{}
			f.hook = func(w http.ResponseWriter, r *http.Request) bool {
				hit := false
				if r.Pattern == routeCommit {
					once.Do(func() { tc.answer(f, w); hit = true })
				}
				return hit
			}
			head, err := f.source(t, restOnly(t, f), Options{}).Head(context.Background(), apiRepo)
			if tc.fails != (err != nil) {
				t.Fatalf("Head = %q, %v", head, err)
			}
			if !tc.fails && head != f.repo("api").head() {
				t.Errorf("Head = %q, want %q", head, f.repo("api").head())
			}
			if got := f.clock.Slept(); !slices.Equal(got, tc.slept) {
				t.Errorf("slept %v, want %v", got, tc.slept)
			}
			if n := f.count(routeCommit); n != tc.commits {
				t.Errorf("commit requests = %d, want %d", n, tc.commits)
			}
		})
	}
}

func TestRepeatedSecondaryLimitBacksOff(t *testing.T) {
	f := newFake(t, org()...)
	left := 3
	f.hook = func(w http.ResponseWriter, r *http.Request) bool {
		if r.Pattern != routeCommit || left == 0 {
			return false
		}
		left--
		writeJSON(w, http.StatusForbidden, string(fixture(t, "secondary-rate-limit.json")))
		return true
	}
	if _, err := f.source(t, restOnly(t, f), Options{}).Head(context.Background(), apiRepo); err != nil {
		t.Fatal(err)
	}
	if got, want := f.clock.Slept(), []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute}; !slices.Equal(got, want) {
		t.Errorf("slept %v, want %v", got, want)
	}
}

func TestExhaustedBudgetHoldsTheNextRequest(t *testing.T) {
	f := newFake(t, org()...)
	first := true
	f.hook = func(w http.ResponseWriter, _ *http.Request) bool {
		if first {
			// The last request of the window succeeds and says so.
			first = false
			w.Header().Set("X-RateLimit-Remaining", "0")
			w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(f.clock.Now().Add(50*time.Second).Unix(), 10))
		}
		return false
	}
	s := f.source(t, restOnly(t, f), Options{})
	ctx := context.Background()
	if _, err := s.Head(ctx, apiRepo); err != nil {
		t.Fatal(err)
	}
	if got := f.clock.Slept(); len(got) != 0 {
		t.Fatalf("the request that spent the budget waited %v", got)
	}
	if _, err := s.Head(ctx, source.Repo{Name: "octo-org/web", DefaultBranch: "main"}); err != nil {
		t.Fatal(err)
	}
	if got, want := f.clock.Slept(), []time.Duration{51 * time.Second}; !slices.Equal(got, want) {
		t.Errorf("slept %v, want %v before the next request", got, want)
	}
	if n := f.code(http.StatusForbidden); n != 0 {
		t.Errorf("%d requests were sent into the exhausted budget", n)
	}
}

func TestServerErrorsAreRetried(t *testing.T) {
	f := newFake(t, org()...)
	fail := map[string]int{"api": 2, "web": 100}
	f.hook = func(w http.ResponseWriter, r *http.Request) bool {
		if r.Pattern != routeCommit || fail[r.PathValue("repo")] == 0 {
			return false
		}
		fail[r.PathValue("repo")]--
		writeJSON(w, http.StatusBadGateway, string(fixture(t, "bad-gateway.json")))
		return true
	}
	s := f.source(t, restOnly(t, f), Options{})
	ctx := context.Background()
	if _, err := s.Head(ctx, apiRepo); err != nil {
		t.Fatalf("two 502s then success: %v", err)
	}
	if got, want := f.clock.Slept(), []time.Duration{time.Second, 2 * time.Second}; !slices.Equal(got, want) {
		t.Errorf("slept %v, want %v", got, want)
	}
	_, err := s.Head(ctx, source.Repo{Name: "octo-org/web", DefaultBranch: "main"})
	if err == nil || !strings.Contains(err.Error(), "502") || !strings.Contains(err.Error(), "octo-org/web") {
		t.Errorf("a repo that keeps failing: %v, want its 502", err)
	}
	if n := f.count(routeCommit); n != 3+4 {
		t.Errorf("commit requests = %d, want 3 for api and 4 for web", n)
	}
	// One failing repo does not stop the others.
	if _, err := s.Head(ctx, source.Repo{Name: "octo-org/tools", DefaultBranch: "main"}); err != nil {
		t.Error(err)
	}
}

func TestConcurrencyIsBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const limit, calls = 2, 8
		var mu sync.Mutex
		inFlight, most := 0, 0
		release := make(chan struct{})
		next := roundTripperFunc(func(r *http.Request) (*http.Response, error) {
			mu.Lock()
			inFlight++
			most = max(most, inFlight)
			mu.Unlock()
			<-release
			mu.Lock()
			inFlight--
			mu.Unlock()
			return &http.Response{StatusCode: http.StatusOK, Header: http.Header{}, Body: http.NoBody, Request: r}, nil
		})
		l := newLimiter(next, limit, sleep, time.Now, newBudgets(time.Now, nil), zap.NewNop())
		for range calls {
			go func() {
				req, _ := http.NewRequest(http.MethodGet, "https://api.github.com/repos/o/r/commits/main", nil)
				if _, err := l.RoundTrip(req); err != nil {
					t.Error(err)
				}
			}()
		}
		// Every goroutine is now either in a request or waiting for a slot.
		synctest.Wait()
		if inFlight != limit {
			t.Errorf("%d requests in flight, want the limit %d", inFlight, limit)
		}
		close(release)
		synctest.Wait()
		if most != limit {
			t.Errorf("at most %d requests in flight, want %d", most, limit)
		}
	})
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestTokenNeverLeaks(t *testing.T) {
	const token = "ghp_s3cr3tT0kenValue"
	f := newFake(t, org()...)
	f.auth = "Bearer " + token
	// A misbehaving proxy echoes the credential in every kind of error body.
	echo := func(w http.ResponseWriter, r *http.Request, code int) {
		writeJSON(w, code, `{"message":"upstream rejected `+r.Header.Get("Authorization")+`"}`)
	}
	f.hook = func(w http.ResponseWriter, r *http.Request) bool {
		switch r.Pattern {
		case routeGraphQL:
			echo(w, r, http.StatusInternalServerError)
		case routeCommit:
			echo(w, r, http.StatusBadGateway)
		case routeTree:
			echo(w, r, http.StatusUnauthorized)
		case routeBlob:
			echo(w, r, http.StatusForbidden)
		default:
			return false
		}
		return true
	}
	var logs bytes.Buffer
	core := zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewDevelopmentEncoderConfig()), zapcore.AddSync(&logs), zapcore.DebugLevel)
	s := f.source(t, config.Source{}, Options{Logger: zap.New(core), Store: newStore()})
	ctx := context.Background()
	var errs []error
	repos, err := s.List(ctx)
	errs = append(errs, err)
	_, err = s.Head(ctx, repos[0])
	errs = append(errs, err)
	_, err = s.Open(ctx, repos[0], "0000000000000000000000000000000000000000")
	errs = append(errs, err)
	f.hook = func(w http.ResponseWriter, r *http.Request) bool {
		if r.Pattern == routeBlob {
			echo(w, r, http.StatusForbidden)
			return true
		}
		return false
	}
	tr, err := s.Open(ctx, repos[0], f.repo("api").head())
	if err != nil {
		t.Fatal(err)
	}
	_, err = tr.Read(ctx, "go.mod", 1<<20)
	errs = append(errs, err)

	failed := 0
	for _, err := range errs {
		if err == nil {
			continue
		}
		failed++
		if strings.Contains(err.Error(), token) {
			t.Errorf("error carries the token: %v", err)
		}
	}
	if failed != 3 {
		t.Errorf("%d calls failed, want Head, Open and Read to", failed)
	}
	if !strings.Contains(logs.String(), "GraphQL query failed") {
		t.Errorf("the GraphQL failure was not logged:\n%s", logs.String())
	}
	if strings.Contains(logs.String(), token) {
		t.Errorf("the log carries the token:\n%s", logs.String())
	}
}

func TestMetrics(t *testing.T) {
	f := newFake(t, org()...)
	m := source.NewMetrics()
	s := f.source(t, config.Source{}, Options{Metrics: m, Store: newStore()})
	ctx := context.Background()
	for range 2 {
		if _, err := s.List(ctx); err != nil {
			t.Fatal(err)
		}
	}
	// List pages: one 200, then one 304; GraphQL: two 200s.
	if got := testutil.ToFloat64(m.Requests.WithLabelValues("gh", "200")); got != 3 {
		t.Errorf(`requests{code="200"} = %v, want 3`, got)
	}
	if got := testutil.ToFloat64(m.Requests.WithLabelValues("gh", "304")); got != 1 {
		t.Errorf(`requests{code="304"} = %v, want 1`, got)
	}
	// The rate-limit gauges: TestBudgetsTrackedApart.
}

func TestListingIsRevalidated(t *testing.T) {
	f := newFake(t, org()...)
	f.perPage = 2
	store := newStore()
	ctx := context.Background()
	first, err := f.source(t, config.Source{}, Options{Store: store}).List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	f.resetCounts()
	again, err := f.source(t, config.Source{}, Options{Store: store}).List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(names(first), names(again)) {
		t.Errorf("revalidated listing = %v, want %v", names(again), names(first))
	}
	if f.count(routeOrgRepos) != 3 || f.code(http.StatusNotModified) != 3 {
		t.Errorf("listing again: %d pages, %d answered 304; want 3 and 3", f.count(routeOrgRepos), f.code(http.StatusNotModified))
	}
}

func TestRevalidatorKeys(t *testing.T) {
	get := func(identity, accept, url string) string {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		req.Header.Set("Accept", accept)
		return (&revalidator{identity: identity}).key(req)
	}
	base := get("token/a", "application/vnd.github.v3.sha", "https://api.github.com/repos/o/r/commits/main")
	for _, other := range []string{
		get("token/b", "application/vnd.github.v3.sha", "https://api.github.com/repos/o/r/commits/main"),
		get("token/a", "application/vnd.github.v3+json", "https://api.github.com/repos/o/r/commits/main"),
		get("token/a", "application/vnd.github.v3.sha", "https://api.github.com/repos/o/r/commits/dev"),
	} {
		if other == base {
			t.Errorf("two requests share the key %s", base)
		}
	}

	v := validated{etag: `W/"abc"`, link: `<https://x/?page=2>; rel="next"`, contentType: "application/json", body: []byte("[1,\n2]")}
	got, ok := decodeValidated(v.encode())
	if !ok || got.etag != v.etag || got.link != v.link || got.contentType != v.contentType || !bytes.Equal(got.body, v.body) {
		t.Errorf("round trip = %+v, %v", got, ok)
	}
	if _, ok := decodeValidated([]byte("garbage")); ok {
		t.Error("garbage decoded")
	}
}

func TestCancelledWaitEndsTheRequest(t *testing.T) {
	f := newFake(t, org()...)
	f.hook = func(w http.ResponseWriter, _ *http.Request) bool {
		w.Header().Set("Retry-After", "3600")
		writeJSON(w, http.StatusForbidden, string(fixture(t, "secondary-rate-limit.json")))
		return true
	}
	cfg := restOnly(t, f)
	ctx, cancel := context.WithCancel(context.Background())
	s, err := New(cfg, Options{Now: f.clock.Now, Sleep: func(context.Context, time.Duration) error {
		cancel()
		return context.Canceled
	}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Head(ctx, apiRepo); !errors.Is(err, context.Canceled) {
		t.Errorf("Head = %v, want context.Canceled", err)
	}
	if n := f.count(routeCommit); n != 1 {
		t.Errorf("commit requests = %d, want 1", n)
	}
}
