package source

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the running API totals of every remote source. They are
// direct instrumentation (not snapshot data): they count requests as made.
type Metrics struct {
	Requests           *prometheus.CounterVec
	RateLimitRemaining *prometheus.GaugeVec
	RateLimitLimit     *prometheus.GaugeVec
}

// NewMetrics creates the API metrics; register its Collectors.
func NewMetrics() *Metrics {
	return &Metrics{
		Requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "uptake_source_requests_total",
			Help: "API requests a remote source made, by HTTP status code (code=\"error\" when no response came back).",
		}, []string{"source", "code"}),
		RateLimitRemaining: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "uptake_source_rate_limit_remaining",
			Help: "API requests left in the current rate-limit window, as the host last reported it.",
		}, []string{"source"}),
		RateLimitLimit: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "uptake_source_rate_limit_limit",
			Help: "API requests allowed per rate-limit window, as the host last reported it.",
		}, []string{"source"}),
	}
}

// Collectors are the metrics, to register.
func (m *Metrics) Collectors() []prometheus.Collector {
	return []prometheus.Collector{m.Requests, m.RateLimitRemaining, m.RateLimitLimit}
}
