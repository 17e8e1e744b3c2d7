package exporter

import (
	"io"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	versioncollector "github.com/prometheus/client_golang/prometheus/collectors/version"
	"github.com/prometheus/common/expfmt"
)

// NewLiveRegistry holds the metrics /metrics gathers at every scrape:
// build info, Go and process metrics, and extra (the running totals and
// the config gauges). The snapshot's series are MetricsHandler's.
// Registering snapshot beside them in a registry of its own checks that no
// name is served twice.
func NewLiveRegistry(snapshot *Collector, extra ...prometheus.Collector) (*prometheus.Registry, error) {
	check := prometheus.NewRegistry()
	if err := check.Register(snapshot); err != nil {
		return nil, err
	}
	reg := prometheus.NewRegistry()
	cs := append([]prometheus.Collector{
		versioncollector.NewCollector("uptake"),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	}, extra...)
	for _, c := range cs {
		if err := check.Register(c); err != nil {
			return nil, err
		}
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return reg, nil
}

// WriteText writes the snapshot's series and extra's in the text exposition
// format, and nothing else: no go_ or process_ series, which belong to the
// process that serves a textfile (node_exporter).
func WriteText(w io.Writer, snapshot *Collector, extra ...prometheus.Collector) error {
	reg := prometheus.NewPedanticRegistry()
	for _, c := range append([]prometheus.Collector{snapshot}, extra...) {
		if err := reg.Register(c); err != nil {
			return err
		}
	}
	mfs, err := reg.Gather()
	if err != nil {
		return err
	}
	enc := expfmt.NewEncoder(w, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			return err
		}
	}
	return nil
}
