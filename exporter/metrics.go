package exporter

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"

	"github.com/uptake-dev/uptake/collector/snapshot"
)

// acceptedFormats are the exposition formats /metrics speaks, by
// preference; Prometheus asks for OpenMetrics or text by default.
var acceptedFormats = []expfmt.Format{expfmt.FmtOpenMetrics_1_0_0, expfmt.FmtOpenMetrics_0_0_1, expfmt.FmtText}

// MetricsHandler serves /metrics with the snapshot's series encoded once
// per snapshot (per format, plain and gzipped) and the live ones — build
// info, Go, process, the runner's gauges — gathered per scrape. A scrape of
// 150,000 unchanged series then costs a copy, not a gather and an encode.
type MetricsHandler struct {
	// collector is the snapshot collector, copied per encoding with the
	// snapshot pinned, so a scan ending mid-encode cannot mix two.
	collector Collector
	live      prometheus.Gatherer
	log       *slog.Logger
	// Rendered, when set, runs in its own goroutine after a snapshot's
	// series are encoded: the garbage of encoding them is then done.
	Rendered func()

	mu      sync.Mutex
	encoded *snapshot.Snapshot
	cache   map[expfmt.Format]*encodedPart
}

// encodedPart is the snapshot's series in one format, without the
// OpenMetrics EOF line, as is and as one gzip member.
type encodedPart struct {
	plain, gzipped []byte
}

// NewMetricsHandler serves the snapshot get returns (through the same
// collector as WriteText) and the live gatherer's series.
func NewMetricsHandler(snap *Collector, live prometheus.Gatherer, log *slog.Logger) *MetricsHandler {
	return &MetricsHandler{collector: *snap, live: live, log: log, cache: map[expfmt.Format]*encodedPart{}}
}

func (h *MetricsHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	format := expfmt.NegotiateAccept(r.Header, acceptedFormats...)
	part, err := h.snapshotPart(format)
	if err != nil {
		h.fail(w, err)
		return
	}
	var live bytes.Buffer
	if err := encodeLive(&live, h.live, format); err != nil {
		h.fail(w, err)
		return
	}
	w.Header().Set("Content-Type", string(format))
	w.Header().Set("Vary", "Accept, Accept-Encoding")
	if !acceptsGzip(r) {
		_, _ = w.Write(part.plain)
		_, _ = w.Write(live.Bytes())
		return
	}
	// A gzip stream may hold several members, read as one (RFC 1952 2.2):
	// the cached member, then the live one.
	var tail bytes.Buffer
	if err := gzipInto(&tail, live.Bytes()); err != nil {
		h.fail(w, err)
		return
	}
	w.Header().Set("Content-Encoding", "gzip")
	_, _ = w.Write(part.gzipped)
	_, _ = w.Write(tail.Bytes())
}

func (h *MetricsHandler) fail(w http.ResponseWriter, err error) {
	h.log.Error("encoding /metrics", "err", err)
	http.Error(w, "An error occurred while encoding metrics: "+err.Error(), http.StatusInternalServerError)
}

// snapshotPart returns the current snapshot's series in format, encoding
// them on the first scrape after the snapshot changed.
func (h *MetricsHandler) snapshotPart(format expfmt.Format) (*encodedPart, error) {
	s := h.collector.snapshot()
	h.mu.Lock()
	defer h.mu.Unlock()
	if s != h.encoded {
		h.encoded, h.cache = s, map[expfmt.Format]*encodedPart{}
	}
	if p, ok := h.cache[format]; ok {
		return p, nil
	}
	c := h.collector
	c.snapshot = func() *snapshot.Snapshot { return s }
	reg := prometheus.NewRegistry()
	if err := reg.Register(&c); err != nil {
		return nil, err
	}
	mfs, err := reg.Gather()
	if err != nil {
		return nil, err
	}
	var plain bytes.Buffer
	enc := expfmt.NewEncoder(&plain, format)
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			return nil, err
		}
	}
	// Kept as long as the snapshot: cloned to their length, not the
	// buffers' doubled capacity.
	p := &encodedPart{plain: bytes.Clone(plain.Bytes())}
	var gz bytes.Buffer
	if err := gzipInto(&gz, p.plain); err != nil {
		return nil, err
	}
	p.gzipped = bytes.Clone(gz.Bytes())
	h.cache[format] = p
	if h.Rendered != nil {
		go h.Rendered()
	}
	return p, nil
}

// encodeLive gathers and encodes the live series, closing the format (the
// OpenMetrics EOF line).
func encodeLive(w io.Writer, g prometheus.Gatherer, format expfmt.Format) error {
	mfs, err := g.Gather()
	if err != nil {
		return err
	}
	enc := expfmt.NewEncoder(w, format)
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			return err
		}
	}
	if c, ok := enc.(expfmt.Closer); ok {
		return c.Close()
	}
	return nil
}

func gzipInto(w io.Writer, data []byte) error {
	gz, err := gzip.NewWriterLevel(w, gzip.BestSpeed)
	if err != nil {
		return err
	}
	if _, err := gz.Write(data); err != nil {
		return err
	}
	return gz.Close()
}

// acceptsGzip reads Accept-Encoding as promhttp does: gzip listed, with
// any q but 0.
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.TrimSpace(name) != "gzip" {
			continue
		}
		var q float64 = 1
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if _, err := fmt.Sscan(v, &q); err != nil {
				q = 1
			}
		}
		return q > 0
	}
	return false
}
