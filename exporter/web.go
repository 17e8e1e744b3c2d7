package exporter

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"path"

	"github.com/bmatcuk/doublestar/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/common/version"
	"github.com/prometheus/exporter-toolkit/web"

	"github.com/uptake-dev/uptake/collector/snapshot"
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
	Snapshot func() *snapshot.Snapshot
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
	mux.HandleFunc("/api/v1/snapshot", func(w http.ResponseWriter, r *http.Request) {
		s := o.Snapshot()
		if s == nil {
			http.Error(w, "No scan has completed yet.", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(filterSnapshot(s, r.URL.Query().Get("team"), r.URL.Query().Get("repo")))
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

// filterSnapshot narrows the snapshot to one team's and/or one repo's
// entries (a repo-name glob), the question a user asks of a large
// organisation. The snapshot itself is shared and never modified.
func filterSnapshot(s *snapshot.Snapshot, team, repo string) *snapshot.Snapshot {
	if team == "" && repo == "" {
		return s
	}
	out := *s
	out.Repos = nil
	for _, r := range s.Repos {
		if (team == "" || r.Team == team) && (repo == "" || matchRepo(repo, r.Name)) {
			out.Repos = append(out.Repos, r)
		}
	}
	out.Summary = nil
	for _, c := range s.Summary {
		if team == "" || c.Team == team {
			out.Summary = append(out.Summary, c)
		}
	}
	return &out
}

// matchRepo matches a repo-name glob against the full name or its last
// component, as repo globs do everywhere in the config.
func matchRepo(glob, name string) bool {
	if ok, _ := doublestar.Match(glob, name); ok {
		return true
	}
	ok, _ := doublestar.Match(glob, path.Base(name))
	return ok
}
