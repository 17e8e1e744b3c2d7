package remote

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestDeadline(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "8")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte("half"))
		w.(http.Flusher).Flush()
		if r.URL.Path == "/stall" {
			select {
			case <-release:
			case <-r.Context().Done():
			}
			return
		}
		for range 4 {
			// Slow but progressing: the whole answer still fits in the deadline.
			time.Sleep(20 * time.Millisecond)
			_, _ = w.Write([]byte("."))
			w.(http.Flusher).Flush()
		}
	}))
	defer srv.Close()
	defer close(release)
	c := &http.Client{Transport: Deadline(http.DefaultTransport, 300*time.Millisecond)}
	read := func(ctx context.Context, path string) (string, error) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+path, nil)
		resp, err := c.Do(req)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return string(b), err
	}
	if b, err := read(t.Context(), "/slow"); err != nil || b != "half...." {
		t.Errorf("slow answer = %q, %v", b, err)
	}
	if _, err := read(t.Context(), "/stall"); !errors.Is(err, ErrHTTPTimeout) {
		t.Errorf("stalled body: %v, want ErrHTTPTimeout", err)
	}
	// The caller's own cancellation is not reported as the deadline.
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(50*time.Millisecond, cancel)
	if _, err := read(ctx, "/stall"); errors.Is(err, ErrHTTPTimeout) || !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled read: %v, want context.Canceled", err)
	}
	if Deadline(http.DefaultTransport, 0) != http.DefaultTransport {
		t.Error("a zero deadline should leave the transport as it is")
	}
}
