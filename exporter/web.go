package exporter

import (
	"log/slog"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/uptake-dev/uptake/collector/snapshot"
)

// WebOptions wire the handlers to the running process.
type WebOptions struct {
	// Snapshots is the snapshot's const-metric collector; Live gathers the
	// process's own series at every scrape.
	Snapshots *Collector
	Live      prometheus.Gatherer
	Logger    *slog.Logger
	// Ready reports whether the first scan has completed.
	Ready func() bool
	// Reload applies the config file anew; its error is shown to the caller.
	Reload func() error
	// Scan starts a scan now; false when one is already running.
	Scan func() bool
	// EnableLifecycle opens the write endpoints, /-/reload and /-/scan, as
	// Prometheus' --web.enable-lifecycle does; off, they answer 403.
	EnableLifecycle bool
	// Snapshot returns the current snapshot, nil before the first scan.
	Snapshot func() *snapshot.Snapshot
	// Events reads the store's event log; nil without a store.
	Events EventReader
	// Inventory gives a repo's whole inventory for its page; nil shows the
	// components that matched a rule only.
	Inventory InventoryReader
	// Rendered, when set, runs in its own goroutine each time a snapshot's
	// /metrics exposition or JSON has been encoded and cached: encoding an
	// estate is a burst of garbage once per snapshot, and serve returns it
	// to the OS then rather than keeping it until the next scan.
	Rendered func()
	// Shard is "i/n" when the process scans one shard of n, said on every
	// page and API answer (events cover that shard's repos); "" unsharded.
	Shard string
}

// NewMux returns uptake's HTTP routes: /metrics, the health and reload
// endpoints, the snapshot as JSON, the API v1 and the explorer's pages.
func NewMux(o WebOptions) (*http.ServeMux, error) {
	mux := http.NewServeMux()
	metrics := NewMetricsHandler(o.Snapshots, o.Live, o.Logger)
	metrics.Rendered = o.Rendered
	mux.Handle("/metrics", metrics)
	mux.HandleFunc("/-/healthy", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte("Healthy.\n"))
	})
	mux.HandleFunc("/-/ready", func(w http.ResponseWriter, _ *http.Request) {
		if !o.Ready() {
			http.Error(w, "Not ready: no snapshot yet (none kept in the store, and the first scan has not completed).", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("Ready.\n"))
	})
	mux.HandleFunc("/-/reload", lifecycle(o, func(w http.ResponseWriter) {
		if err := o.Reload(); err != nil {
			http.Error(w, "Reload rejected, running config kept:\n"+err.Error(), http.StatusInternalServerError)
			return
		}
		_, _ = w.Write([]byte("Config reloaded.\n"))
	}))
	mux.HandleFunc("/-/scan", lifecycle(o, func(w http.ResponseWriter) {
		w.WriteHeader(http.StatusAccepted)
		if !o.Scan() {
			_, _ = w.Write([]byte("A scan is already running; its result will be published when it ends.\n"))
			return
		}
		_, _ = w.Write([]byte("Scan started.\n"))
	}))
	mux.Handle("/api/v1/snapshot", &snapshotAPI{current: o.Snapshot, rendered: o.Rendered})
	mux.Handle("/api/v1/events", &eventsAPI{events: o.Events, shard: o.Shard})
	pg := &pages{current: o.Snapshot, shard: o.Shard, events: o.Events, inventory: o.Inventory}
	pg.register(mux)
	pg.registerAPI(mux)
	return mux, nil
}

// lifecycle guards a write endpoint: POST or PUT only, and only when the
// lifecycle endpoints are enabled.
func lifecycle(o WebOptions, do func(http.ResponseWriter)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !o.EnableLifecycle {
			http.Error(w, "Lifecycle API is not enabled (start uptake with --web.enable-lifecycle; SIGHUP reloads the config).", http.StatusForbidden)
			return
		}
		if r.Method != http.MethodPost && r.Method != http.MethodPut {
			w.Header().Set("Allow", "POST, PUT")
			http.Error(w, "Only POST or PUT is accepted here.", http.StatusMethodNotAllowed)
			return
		}
		do(w)
	}
}
