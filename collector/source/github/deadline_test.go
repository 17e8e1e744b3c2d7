package github

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptake-dev/uptake/collector/source"
	"github.com/uptake-dev/uptake/collector/source/remote"
	"github.com/uptake-dev/uptake/config"
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

func manyRepos(n int) []*fakeRepo {
	var out []*fakeRepo
	for i := range n {
		out = append(out, &fakeRepo{Name: fmt.Sprintf("svc-%03d", i), Files: map[string]string{"go.mod": fmt.Sprintf("module svc%d\n", i)}})
	}
	return out
}

// TestHTTPTimeout: a listing page whose body stalls mid-way fails List
// with the deadline; one that is slow but complete within it is taken.
func TestHTTPTimeout(t *testing.T) {
	f := newFake(t, manyRepos(150)...)
	var stall atomic.Bool
	stall.Store(true)
	f.hook = func(w http.ResponseWriter, r *http.Request) bool {
		if !strings.HasSuffix(r.URL.Path, "/orgs/octo-org/repos") || r.URL.Query().Get("page") != "2" {
			return false
		}
		if !stall.Load() {
			f.orgRepos(slowWriter{w, 20 * time.Millisecond}, r)
			return true
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(`[{"id":1,"name":"svc-100","full_name":"octo-org/svc-100"`))
		_ = http.NewResponseController(w).Flush()
		<-r.Context().Done()
		return true
	}
	// The slow page takes about 80 ms: 2 s leaves it room on a loaded
	// machine, and the stalled one still meets the deadline.
	s := f.source(t, config.Source{}, Options{HTTPTimeout: 2 * time.Second})
	if repos, err := s.List(t.Context()); !errors.Is(err, remote.ErrHTTPTimeout) {
		t.Errorf("List with a stalled page = %d repos, %v; want the deadline", len(repos), err)
	}
	stall.Store(false)
	if repos, err := s.List(t.Context()); err != nil || len(repos) != 150 {
		t.Errorf("List with a slow page = %d repos, %v; want all 150", len(repos), err)
	}
}

// TestRateLimitWaitIsNotTheDeadline: a secondary-limit wait longer than
// http_timeout does not fail the request it holds.
func TestRateLimitWaitIsNotTheDeadline(t *testing.T) {
	const content = "module a\n"
	f := newFake(t, &fakeRepo{Name: "api", Files: map[string]string{"go.mod": content}})
	var limited atomic.Bool
	limited.Store(true)
	f.hook = func(w http.ResponseWriter, r *http.Request) bool {
		if !strings.Contains(r.URL.Path, "/git/blobs/") || !limited.CompareAndSwap(true, false) {
			return false
		}
		w.Header().Set("Retry-After", "1")
		writeJSON(w, http.StatusForbidden, `{"message":"You have exceeded a secondary rate limit."}`)
		return true
	}
	f.srv.Start()
	waited := time.Duration(0)
	s, err := New(f.config(t), Options{
		HTTPTimeout: 200 * time.Millisecond,
		// Really waits, longer than the deadline, whatever the limit asks.
		Sleep: func(ctx context.Context, _ time.Duration) error {
			waited += 400 * time.Millisecond
			return sleep(ctx, 400*time.Millisecond)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	tr, err := s.Open(t.Context(), source.Repo{Name: "octo-org/api"}, f.repo("api").head())
	if err != nil {
		t.Fatal(err)
	}
	if b, err := tr.Read(t.Context(), "go.mod", 1<<20); err != nil || string(b) != content {
		t.Errorf("Read after a rate-limit wait = %q, %v", b, err)
	}
	if waited == 0 {
		t.Error("no rate-limit wait: the test proves nothing")
	}
}
