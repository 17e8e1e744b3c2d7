package exporter

import (
	"bytes"
	"compress/gzip"
	"io"
	"log/slog"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/uptake-dev/uptake/collector/snapshot"
)

func scrape(t *testing.T, h *MetricsHandler, accept, encoding string) (contentType string, body []byte) {
	t.Helper()
	req := httptest.NewRequest("GET", "/metrics", nil)
	req.Header.Set("Accept", accept)
	req.Header.Set("Accept-Encoding", encoding)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if v := rec.Header().Get("Vary"); v != "Accept, Accept-Encoding" {
		t.Errorf("Vary %q: a cache in between must key on both negotiations", v)
	}
	body = rec.Body.Bytes()
	if rec.Header().Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if body, err = io.ReadAll(zr); err != nil {
			t.Fatal(err)
		}
	}
	return rec.Header().Get("Content-Type"), body
}

func sortedLines(b []byte) []string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	slices.Sort(lines)
	return lines
}

// TestMetricsHandlerServesWhatPromhttpWould compares the cached handler
// with promhttp over one registry of the same collectors, in every format
// and encoding Prometheus asks for.
func TestMetricsHandlerServesWhatPromhttpWould(t *testing.T) {
	snap := semanticsSnapshot(t)
	current := atomic.Pointer[snapshot.Snapshot]{}
	current.Store(snap)
	get := current.Load
	scans := prometheus.NewCounter(prometheus.CounterOpts{Name: "uptake_test_scans_total", Help: "A live counter."})
	live := prometheus.NewRegistry()
	live.MustRegister(scans)
	h := NewMetricsHandler(NewCollector(get, time.Hour), live, slog.New(slog.DiscardHandler))

	whole := prometheus.NewRegistry()
	whole.MustRegister(NewCollector(get, time.Hour), scans)
	reference := promhttp.HandlerFor(whole, promhttp.HandlerOpts{EnableOpenMetrics: true})

	for _, accept := range []string{
		"", "text/plain;version=0.0.4;q=0.3,*/*;q=0.2",
		"application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2",
	} {
		for _, encoding := range []string{"", "gzip"} {
			scans.Inc()
			req := httptest.NewRequest("GET", "/metrics", nil)
			req.Header.Set("Accept", accept)
			rec := httptest.NewRecorder()
			reference.ServeHTTP(rec, req)
			ct, got := scrape(t, h, accept, encoding)
			if ct != rec.Header().Get("Content-Type") {
				t.Errorf("Accept %q: Content-Type %q, promhttp says %q", accept, ct, rec.Header().Get("Content-Type"))
			}
			if !slices.Equal(sortedLines(got), sortedLines(rec.Body.Bytes())) {
				t.Errorf("Accept %q, encoding %q: the series differ from promhttp's", accept, encoding)
			}
			if strings.Contains(ct, "openmetrics") && (strings.Count(string(got), "# EOF") != 1 || !strings.HasSuffix(string(got), "# EOF\n")) {
				t.Errorf("OpenMetrics body must end with one # EOF:\n%s", got[max(0, len(got)-200):])
			}
		}
	}

	// The snapshot part is encoded once per snapshot and format.
	a, _ := h.snapshotPart(acceptedFormats[2])
	b, _ := h.snapshotPart(acceptedFormats[2])
	if a != b {
		t.Fatal("an unchanged snapshot was encoded twice")
	}
	next := semanticsSnapshot(t)
	current.Store(next)
	if c, _ := h.snapshotPart(acceptedFormats[2]); c == a {
		t.Fatal("a new snapshot was served from the old encoding")
	}
}
