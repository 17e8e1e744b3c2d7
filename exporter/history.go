package exporter

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/model"

	"github.com/uptake-dev/uptake/collector/snapshot"
)

// History collects the adoption series of snapshots taken at many times
// and writes them as OpenMetrics with timestamps, the input of `promtool
// tsdb create-blocks-from openmetrics`. Series come from the Collector
// that /metrics serves, so names and labels are the scraped ones; the
// uptake_scan_* series are left out: they describe a scan this process ran,
// not the past. Each series keeps runs of equal values, so a year of
// mostly unchanged steps costs its changes in memory, not every sample.
type History struct {
	extra    []*dto.LabelPair
	times    []time.Time
	families map[string]*historyFamily
}

type historyFamily struct {
	help   string
	series map[string]*historySeries
}

type historySeries struct {
	labels string // rendered, sorted, extra labels included
	runs   []run
}

// run is a value held from step first to step last, inclusive.
type run struct {
	first, last int
	value       float64
}

// NewHistory returns an empty history whose series all carry extra (job
// and instance, so backfilled and scraped series are one).
func NewHistory(extra map[string]string) (*History, error) {
	h := &History{families: map[string]*historyFamily{}}
	for k, v := range extra {
		// Legacy names: the output writes them unquoted, as promtool 2.x reads them.
		if !model.LegacyValidation.IsValidLabelName(k) || strings.HasPrefix(k, "__") {
			return nil, fmt.Errorf("label %q: not a valid label name", k)
		}
		h.extra = append(h.extra, &dto.LabelPair{Name: &k, Value: &v})
	}
	return h, nil
}

// isHistory reports whether a family belongs in the past.
func isHistory(name string) bool { return !strings.HasPrefix(name, "uptake_scan_") }

// Add records the snapshot's series at time t; times must increase.
func (h *History) Add(t time.Time, s *snapshot.Snapshot) error {
	if n := len(h.times); n > 0 && !t.After(h.times[n-1]) {
		return fmt.Errorf("history step %s is not after %s", t, h.times[n-1])
	}
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(NewCollector(func() *snapshot.Snapshot { return s }, 0)); err != nil {
		return err
	}
	mfs, err := reg.Gather()
	if err != nil {
		return err
	}
	h.times = append(h.times, t)
	step := len(h.times) - 1
	for _, mf := range mfs {
		// Counters (event totals) count what this process recorded; the
		// past is the adoption gauges.
		if !isHistory(mf.GetName()) || mf.GetType() != dto.MetricType_GAUGE {
			continue
		}
		f := h.families[mf.GetName()]
		if f == nil {
			f = &historyFamily{help: mf.GetHelp(), series: map[string]*historySeries{}}
			h.families[mf.GetName()] = f
		}
		for _, m := range mf.GetMetric() {
			labels, err := h.render(m.GetLabel())
			if err != nil {
				return fmt.Errorf("%s: %w", mf.GetName(), err)
			}
			se := f.series[labels]
			if se == nil {
				se = &historySeries{labels: labels}
				f.series[labels] = se
			}
			se.add(step, m.GetGauge().GetValue())
		}
	}
	return nil
}

func (s *historySeries) add(step int, v float64) {
	if n := len(s.runs); n > 0 {
		r := &s.runs[n-1]
		if r.last == step-1 && math.Float64bits(r.value) == math.Float64bits(v) {
			r.last = step
			return
		}
	}
	s.runs = append(s.runs, run{first: step, last: step, value: v})
}

// render writes a series' labels and the extra ones, sorted, as
// OpenMetrics does: {a="x",b="y"}.
func (h *History) render(labels []*dto.LabelPair) (string, error) {
	all := make([]*dto.LabelPair, 0, len(labels)+len(h.extra))
	all = append(all, labels...)
	for _, e := range h.extra {
		for _, l := range labels {
			if l.GetName() == e.GetName() {
				return "", fmt.Errorf("label %s is the series' own; --label cannot set it", e.GetName())
			}
		}
		all = append(all, e)
	}
	if len(all) == 0 {
		return "", nil
	}
	sort.Slice(all, func(i, j int) bool { return all[i].GetName() < all[j].GetName() })
	var b strings.Builder
	b.WriteByte('{')
	for i, l := range all {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(l.GetName())
		b.WriteString(`="`)
		b.WriteString(labelEscaper.Replace(l.GetValue()))
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String(), nil
}

// OpenMetrics escapes these in label values and HELP text.
var labelEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`)

// Steps is how many times were added.
func (h *History) Steps() int { return len(h.times) }

// Series is how many series were seen.
func (h *History) Series() int {
	n := 0
	for _, f := range h.families {
		n += len(f.series)
	}
	return n
}

// WriteTo writes the history as OpenMetrics: each family once, its series
// in label order, each series' samples oldest first, then # EOF. Every
// series has a sample at each step it was present at, so a query at a step
// time sees exactly what a scrape then would have.
func (h *History) WriteTo(w io.Writer) (int64, error) {
	bw := bufio.NewWriter(w)
	cw := &countWriter{w: bw}
	names := make([]string, 0, len(h.families))
	for n := range h.families {
		names = append(names, n)
	}
	sort.Strings(names)
	stamps := make([]string, len(h.times))
	for i, t := range h.times {
		stamps[i] = strconv.FormatInt(t.Unix(), 10)
	}
	for _, name := range names {
		f := h.families[name]
		fmt.Fprintf(cw, "# HELP %s %s\n# TYPE %s gauge\n", name, labelEscaper.Replace(f.help), name)
		keys := make([]string, 0, len(f.series))
		for k := range f.series {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			for _, r := range f.series[k].runs {
				v := formatValue(r.value)
				for step := r.first; step <= r.last; step++ {
					fmt.Fprintf(cw, "%s%s %s %s\n", name, k, v, stamps[step])
				}
			}
		}
	}
	fmt.Fprint(cw, "# EOF\n")
	if cw.err != nil {
		return cw.n, cw.err
	}
	return cw.n, bw.Flush()
}

// formatValue writes a float as expfmt's OpenMetrics encoder does.
func formatValue(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	}
	s := strconv.FormatFloat(v, 'g', -1, 64)
	if !strings.ContainsAny(s, "e.") {
		s += ".0"
	}
	return s
}

type countWriter struct {
	w   io.Writer
	n   int64
	err error
}

func (c *countWriter) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(p)
	c.n += int64(n)
	c.err = err
	return n, err
}
