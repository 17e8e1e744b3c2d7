package gitlab

import (
	"errors"
	"net/http"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptake-dev/uptake/collector/source/remote"
)

// slowWriter sends a body in small chunks with a pause after each.
type slowWriter struct {
	http.ResponseWriter
	pause time.Duration
}

func (w slowWriter) Write(b []byte) (int, error) {
	n, size := 0, max(len(b)/4, 1)
	for len(b) > 0 {
		chunk := b[:min(len(b), size)]
		m, err := w.ResponseWriter.Write(chunk)
		n += m
		if err != nil {
			return n, err
		}
		_ = http.NewResponseController(w.ResponseWriter).Flush()
		time.Sleep(w.pause)
		b = b[len(chunk):]
	}
	return n, nil
}

// TestHTTPTimeout: a listing page whose body stalls mid-way fails List
// with the deadline; one that is slow but complete within it is taken.
func TestHTTPTimeout(t *testing.T) {
	t.Parallel()
	f := newFake(t, loadFixtures(t))
	f.maxPerPage = 2
	const (
		plain = iota
		slow
		stall
	)
	var mode atomic.Int32
	f.hook = func(w http.ResponseWriter, r *http.Request, ep string, _ int) bool {
		if ep != epProjects || r.URL.Query().Get("page") != "2" || mode.Load() == plain {
			return false
		}
		if mode.Load() == slow {
			f.serveProjects(slowWriter{w, 20 * time.Millisecond}, r, f.group.fullPath)
			return true
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(`[{"id":103,"path_with_namespace":"acme/`))
		_ = http.NewResponseController(w).Flush()
		<-r.Context().Done()
		return true
	}
	s := newTestSource(t, testConfig(t, f), Options{HTTPTimeout: 300 * time.Millisecond})
	want, err := s.List(t.Context())
	if err != nil || len(want) <= 2 {
		t.Fatalf("List = %d repos, %v: want more than a page", len(want), err)
	}
	mode.Store(stall)
	if repos, err := s.List(t.Context()); !errors.Is(err, remote.ErrHTTPTimeout) {
		t.Errorf("List with a stalled page = %d repos, %v; want the deadline", len(repos), err)
	}
	mode.Store(slow)
	if repos, err := s.List(t.Context()); err != nil || !slices.Equal(names(repos), names(want)) {
		t.Errorf("List with a slow page = %q, %v; want %q", names(repos), err, names(want))
	}
}

// TestRateLimitWaitIsNotTheDeadline: a 429's wait longer than
// http_timeout does not fail the request it holds.
func TestRateLimitWaitIsNotTheDeadline(t *testing.T) {
	t.Parallel()
	f := newFake(t, loadFixtures(t))
	f.fault = func(w http.ResponseWriter, ep string, _ int64, n int) bool {
		if ep != epProjects || n != 1 {
			return false
		}
		w.Header().Set("Retry-After", "1")
		message(w, http.StatusTooManyRequests, "429 Too Many Requests")
		return true
	}
	var waits atomic.Int32
	s := newTestSource(t, testConfig(t, f), Options{
		HTTPTimeout: 200 * time.Millisecond,
		Backoff: func(_, _ time.Duration, _ int, _ *http.Response) time.Duration {
			waits.Add(1)
			return 400 * time.Millisecond
		},
	})
	if _, err := s.List(t.Context()); err != nil {
		t.Errorf("List after a rate-limit wait: %v", err)
	}
	if waits.Load() == 0 {
		t.Error("no rate-limit wait: the test proves nothing")
	}
}
