package exporter

import (
	"encoding/json"
	"log/slog"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/common/version"
	"github.com/prometheus/exporter-toolkit/web"

	"github.com/uptake-dev/uptake/collector"
)

// WebOptions wire the handlers to the running process.
type WebOptions struct {
	Gatherer prometheus.Gatherer
	Logger   *slog.Logger
	// Ready reports whether the first scan has completed.
	Ready func() bool
	// Reload applies the config file anew; its error is shown to the caller.
	Reload func() error
	// Snapshot returns the current snapshot, nil before the first scan.
	Snapshot func() *collector.Snapshot
}

// NewMux returns uptake's HTTP routes: /metrics, the health and reload
// endpoints, the snapshot as JSON and a landing page.
func NewMux(o WebOptions) (*http.ServeMux, error) {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(o.Gatherer, promhttp.HandlerOpts{
		ErrorLog:          slog.NewLogLogger(o.Logger.Handler(), slog.LevelError),
		EnableOpenMetrics: true,
	}))
	mux.HandleFunc("/-/healthy", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte("Healthy.\n"))
	})
	mux.HandleFunc("/-/ready", func(w http.ResponseWriter, _ *http.Request) {
		if !o.Ready() {
			http.Error(w, "Not ready: the first scan has not completed.", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("Ready.\n"))
	})
	mux.HandleFunc("/-/reload", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost && r.Method != http.MethodPut {
			w.Header().Set("Allow", "POST, PUT")
			http.Error(w, "Only POST or PUT reloads the config.", http.StatusMethodNotAllowed)
			return
		}
		if err := o.Reload(); err != nil {
			http.Error(w, "Reload rejected, running config kept:\n"+err.Error(), http.StatusInternalServerError)
			return
		}
		_, _ = w.Write([]byte("Config reloaded.\n"))
	})
	mux.HandleFunc("/api/v1/snapshot", func(w http.ResponseWriter, _ *http.Request) {
		s := o.Snapshot()
		if s == nil {
			http.Error(w, "No scan has completed yet.", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(s)
	})
	landing, err := web.NewLandingPage(web.LandingConfig{
		Name:        "uptake",
		Description: "Adoption of platform offerings across repositories",
		Version:     version.Info(),
		Links: []web.LandingLinks{
			{Address: "metrics", Text: "Metrics", Description: "Adoption, drift, ROI and scan health"},
			{Address: "api/v1/snapshot", Text: "Snapshot", Description: "The last scan as JSON: every repo, its team and the evidence of each adoption"},
			{Address: "-/healthy", Text: "Health", Description: "200 while the process is alive"},
			{Address: "-/ready", Text: "Readiness", Description: "200 once the first scan has completed"},
		},
	})
	if err != nil {
		return nil, err
	}
	mux.Handle("/", landing)
	return mux, nil
}
