package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/uptake-dev/uptake/collector/runner"
	"github.com/uptake-dev/uptake/exporter"
	"github.com/uptake-dev/uptake/internal/estate"
)

// harvestEstate writes the harvest estate as local git repos and a config
// over them; withHarvest keeps its harvest section.
func harvestEstate(t *testing.T, withHarvest bool) string {
	t.Helper()
	dir := t.TempDir()
	for name, files := range estate.HarvestTrees() {
		writeRepo(t, filepath.Join(dir, "repos", name), files)
	}
	catalog := estate.HarvestCatalog
	if !withHarvest {
		catalog = strings.Replace(catalog, "harvest:\n  internal: [\"github.com/acme/*\"]\n", "", 1)
	}
	cfg := filepath.Join(dir, "uptake.yml")
	must(t, os.WriteFile(cfg, []byte("sources: [{name: mirror, type: local, path: repos}]\n"+catalog), 0o644))
	return cfg
}

func runDiscover(t *testing.T, args ...string) (code int, out, notes string) {
	t.Helper()
	app := kingpin.New("uptake", "")
	c := newDiscoverCmd(app)
	path := filepath.Join(t.TempDir(), "discover.out")
	_, err := app.Parse(append([]string{"discover", "-o", path}, args...))
	must(t, err)
	var stderr bytes.Buffer
	c.stderr = &stderr
	code = c.run(zap.NewNop())
	b, _ := os.ReadFile(path)
	return code, string(b), stderr.String()
}

func discoverJSON(t *testing.T, out string) exporter.HarvestAnswer {
	t.Helper()
	var a exporter.HarvestAnswer
	must(t, json.Unmarshal([]byte(out), &a))
	if a.Data == nil {
		t.Fatalf("no data:\n%s", out)
	}
	return a
}

// TestDiscover: a config without a harvest section still discovers (the
// command is harvest mode), --internal ranks the internal library first,
// the CI copies are one cluster, and the gin users are the alternatives.
func TestDiscover(t *testing.T) {
	cfg := harvestEstate(t, false)
	code, out, _ := runDiscover(t, "--config", cfg, "--format", "json", "--internal", "github.com/acme/*")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	h := discoverJSON(t, out).Data
	var names []string
	for _, c := range h.Candidates {
		names = append(names, fmt.Sprintf("%s %d %d", c.Name, c.Teams, c.Repos))
	}
	if want := []string{"github.com/acme/authlib 4 4", "github.com/sirupsen/logrus 4 4"}; !slices.Equal(names, want) {
		t.Errorf("candidates %q, want %q", names, want)
	}
	if len(h.Clusters) != 1 || len(h.Clusters[0].Members) != 4 || h.Clusters[0].Teams != 4 {
		t.Errorf("clusters %+v", h.Clusters)
	}
	if len(h.Alternatives) != 2 || h.Alternatives[0].Team != "delta" || h.Alternatives[1].Team != "gamma" {
		t.Errorf("alternatives %+v", h.Alternatives)
	}

	code, out, _ = runDiscover(t, "--config", cfg, "--min-teams", "2", "--kind", "gomod")
	if code != 0 {
		t.Fatalf("table: exit %d", code)
	}
	for _, re := range []string{
		`(?m)^CANDIDATES: used by 2 teams or more`,
		`(?m)^2\s+gomod\s+github\.com/sirupsen/logrus\s+4\s+4\s+v1\.9\.0 \(2\), v1\.8\.0 \(2\)\s+mirror/alpha-svc go\.mod:\d+$`,
		`(?m)^\d\s+gomod\s+github\.com/gin-gonic/gin\s+2\s+2\s`,
		`(?m)^1\s+[0-9a-f]{12}\s+gitlab_ci\s+mirror/alpha-svc \.gitlab-ci\.yml\s+4\s+4\s+4\s+mirror/beta-svc \(1\.00\), mirror/delta-svc \(1\.00\), mirror/gamma-svc \(1\.00\)$`,
		`(?m)^kit\s+github\.com/gin-gonic/\*\s+gamma\s+1\s+mirror/gamma-svc github\.com/gin-gonic/gin go\.mod:\d+$`,
	} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("table lacks %s:\n%s", re, out)
		}
	}
	if code, out, _ := runDiscover(t, "--config", cfg, "--format", "json", "--kind", "npm"); code != 0 || len(discoverJSON(t, out).Data.Candidates) != 0 {
		t.Errorf("--kind npm: exit %d, candidates of another kind:\n%s", code, out)
	}
	if code, out, _ := runDiscover(t, "--config", cfg, "--format", "csv"); code != 0 || !strings.HasPrefix(out, "list,rank,kind,name,") {
		t.Errorf("csv: exit %d:\n%s", code, out)
	}
	if code, out, _ := runDiscover(t, "--config", cfg, "--format", "markdown"); code != 0 || !strings.Contains(out, "## Copy-paste clusters") {
		t.Errorf("markdown: exit %d:\n%s", code, out)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(cfg), "data")); err == nil {
		t.Error("discover created a store")
	}
}

func TestDiscoverShardSaysSo(t *testing.T) {
	cfg := harvestEstate(t, true)
	code, out, notes := runDiscover(t, "--config", cfg, "--format", "json", "--shard", "0/2")
	if code != 0 || discoverJSON(t, out).Shard != "0/2" || !strings.Contains(notes, "shard 0/2: candidates, clusters and alternatives are that shard's repos' only") {
		t.Errorf("exit %d, notes %q:\n%s", code, notes, out)
	}
}

// TestDiscoverFromServer reads a running instance's /api/v1/harvest and
// narrows it with --min-teams.
func TestDiscoverFromServer(t *testing.T) {
	l, err := runner.Load(harvestEstate(t, true))
	must(t, err)
	r, err := runner.New(l, runner.Config{Interval: time.Hour})
	must(t, err)
	if _, err := r.ScanOnce(t.Context()); err != nil {
		t.Fatal(err)
	}
	mux, err := exporter.NewMux(exporter.WebOptions{Snapshots: exporter.NewCollector(r.Snapshot, 0), Live: prometheus.NewRegistry(),
		Logger: slog.New(slog.DiscardHandler), Ready: func() bool { return true }, Snapshot: r.Snapshot, Shard: "1/3"})
	must(t, err)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	code, out, notes := runDiscover(t, "--server", srv.URL, "--format", "json", "--min-teams", "4")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, notes)
	}
	a := discoverJSON(t, out)
	if len(a.Data.Candidates) != 2 || a.Data.Candidates[0].Name != "github.com/acme/authlib" || a.Data.MinTeams != 4 || len(a.Data.Clusters) != 1 {
		t.Errorf("answer %+v", a.Data)
	}
	if !strings.Contains(notes, "shard 1/3") {
		t.Errorf("notes %q do not say the shard", notes)
	}
	if code, _, notes := runDiscover(t, "--server", srv.URL, "--min-teams", "2"); code != 0 || !strings.Contains(notes, "harvest.min_teams is 3") {
		t.Errorf("--min-teams below the server's: exit %d, notes %q", code, notes)
	}
	if code, _, _ := runDiscover(t, "--server", srv.URL, "--shard", "0/3"); code != 1 {
		t.Errorf("--shard with --server: exit %d, want 1 (the server's shard is the server's)", code)
	}
}

// TestScanHarvestFromCache: with a harvest section, scan's JSON carries the
// findings, and a rescan served wholly from the cache finds the same
// clusters (the normalised files are kept in the cached inventory).
func TestScanHarvestFromCache(t *testing.T) {
	cfg := harvestEstate(t, true)
	storage := filepath.Join(t.TempDir(), "data")
	scan := func() (cached int, clusters int, members int) {
		out := filepath.Join(t.TempDir(), "scan.json")
		if code := run([]string{"scan", "-c", cfg, "--storage.path", storage, "--format", "json", "-o", out, "--log.level", "error"}); code != 0 {
			t.Fatalf("scan exited %d", code)
		}
		var rep struct {
			Sources []struct {
				Cached int `json:"cached_repos"`
			} `json:"sources"`
			Harvest *struct {
				Clusters []struct {
					Members []json.RawMessage `json:"members"`
				} `json:"clusters"`
			} `json:"harvest"`
		}
		data, err := os.ReadFile(out)
		must(t, err)
		must(t, json.Unmarshal(data, &rep))
		if rep.Harvest == nil || len(rep.Harvest.Clusters) == 0 {
			t.Fatalf("no harvest clusters in scan's JSON:\n%s", data)
		}
		return rep.Sources[0].Cached, len(rep.Harvest.Clusters), len(rep.Harvest.Clusters[0].Members)
	}
	if cached, clusters, members := scan(); cached != 0 || clusters != 1 || members != 4 {
		t.Errorf("first scan: %d cached, %d clusters of %d", cached, clusters, members)
	}
	if cached, clusters, members := scan(); cached != len(estate.HarvestRepos) || clusters != 1 || members != 4 {
		t.Errorf("rescan: %d cached, %d clusters of %d", cached, clusters, members)
	}
}

// TestDiscoverSaysWhatItMissed: a repo that cannot be read is named in
// the count, the findings are still written, and the exit code says so.
func TestDiscoverSaysWhatItMissed(t *testing.T) {
	cfg := harvestEstate(t, true)
	broken := filepath.Join(filepath.Dir(cfg), "repos", "broken")
	must(t, os.MkdirAll(broken, 0o755))
	must(t, os.WriteFile(filepath.Join(broken, ".git"), []byte("gitdir: /nonexistent\n"), 0o644))
	code, out, notes := runDiscover(t, "--config", cfg, "--format", "json")
	if code != 1 || !strings.Contains(notes, "1 repos could not be read") {
		t.Errorf("exit %d, notes %q; want 1 and the unread repo counted", code, notes)
	}
	if a := discoverJSON(t, out); a.Data.Pending != 1 || len(a.Data.Candidates) == 0 {
		t.Errorf("findings %+v, want pending 1 and the others' candidates", a.Data)
	}
}

func TestPrintableDefusesEscapes(t *testing.T) {
	if got := printable("run:\x1b]0;pwned\x07\tmake"); got != "run:?]0;pwned?\tmake" {
		t.Errorf("printable = %q", got)
	}
}
