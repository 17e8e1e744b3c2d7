package source

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the running API totals of every remote source. They are
// direct instrumentation (not snapshot data): they count requests as made.
type Metrics struct {
	Requests *prometheus.CounterVec
	// The rate-limit gauges are per budget: GitHub keeps REST ("core") and
	// GraphQL ("graphql") apart; GitLab has one ("api").
	RateLimitRemaining *prometheus.GaugeVec
	RateLimitLimit     *prometheus.GaugeVec
	RateLimitReset     *prometheus.GaugeVec
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
			Help: "API requests (GitHub GraphQL: points) left in the current rate-limit window of the resource, as the host last reported it.",
		}, []string{"source", "resource"}),
		RateLimitLimit: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "uptake_source_rate_limit_limit",
			Help: "API requests (GitHub GraphQL: points) allowed per rate-limit window of the resource, as the host last reported it.",
		}, []string{"source", "resource"}),
		RateLimitReset: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "uptake_source_rate_limit_reset_timestamp_seconds",
			Help: "When the resource's current rate-limit window resets, as a Unix timestamp on the host's clock, as the host last reported it.",
		}, []string{"source", "resource"}),
	}
}

// Collectors are the metrics, to register.
func (m *Metrics) Collectors() []prometheus.Collector {
	return []prometheus.Collector{m.Requests, m.RateLimitRemaining, m.RateLimitLimit, m.RateLimitReset}
}
