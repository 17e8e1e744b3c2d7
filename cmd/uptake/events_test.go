package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/uptake-dev/uptake/internal/gittest"

	"github.com/uptake-dev/uptake/exporter"
)

// commitRepo commits files to the repo at dir; an empty content deletes
// the file.
func commitRepo(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	gittest.Commit(t, dir, "", time.Now(), files)
}

func kitMod(v string) string { return "module x\n\nrequire github.com/acme/service-kit " + v + "\n" }

// runEvents runs `uptake events` in process and returns its output.
func runEvents(t *testing.T, args ...string) (int, string) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "events.out")
	code := run(append([]string{"events", "-o", out}, args...))
	b, _ := os.ReadFile(out)
	return code, string(b)
}

func eventLines(t *testing.T, jsonOut string) []string {
	t.Helper()
	var a exporter.EventsAnswer
	must(t, json.Unmarshal([]byte(jsonOut), &a))
	out := []string{}
	for _, e := range a.Events {
		out = append(out, fmt.Sprintf("%s %s %s %s→%s", e.Repo, e.Offering, e.Event, e.FromVersion, e.ToVersion))
	}
	return out
}

// TestEventsCommand: scans record events, `uptake events` filters and
// formats them, store export/import carries them, and beside a running
// serve the locked store names --server, which reads the same events.
func TestEventsCommand(t *testing.T) {
	dir := t.TempDir()
	repos := filepath.Join(dir, "repos")
	writeRepo(t, filepath.Join(repos, "pay-api"), map[string]string{".github/CODEOWNERS": "* @acme/payments\n", "go.mod": kitMod("v1.2.0")})
	writeRepo(t, filepath.Join(repos, "search-web"), map[string]string{".github/CODEOWNERS": "* @acme/search\n", "README.md": "x\n"})
	cfg := filepath.Join(dir, "uptake.yml")
	must(t, os.WriteFile(cfg, []byte(fmt.Sprintf(serveConfig, "runtime")), 0o644))
	data := filepath.Join(dir, "data")
	scan := func() {
		t.Helper()
		if code := run([]string{"scan", "--config", cfg, "--storage.path", data, "-o", filepath.Join(dir, "scan.out")}); code != 0 {
			t.Fatalf("scan exited %d", code)
		}
	}
	scan()
	if code, out := runEvents(t, "--storage.path", data, "--format", "json"); code != 0 || len(eventLines(t, out)) != 0 {
		t.Fatalf("after the first scan: %d %s; want no event (baselines only)", code, out)
	}
	commitRepo(t, filepath.Join(repos, "pay-api"), map[string]string{"go.mod": kitMod("v1.4.0")})
	commitRepo(t, filepath.Join(repos, "search-web"), map[string]string{"go.mod": kitMod("v1.3.0")})
	scan()

	all := []string{"pay-api service-kit upgraded v1.2.0→v1.4.0", "search-web service-kit adopted →v1.3.0"}
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{nil, all},
		{[]string{"--since", "1h"}, all},
		{[]string{"--event", "adopted,dropped"}, all[1:]},
		{[]string{"--team", "payments"}, all[:1]},
		{[]string{"--offering", "other"}, []string{}},
	} {
		code, out := runEvents(t, append([]string{"--storage.path", data, "--format", "json"}, tc.args...)...)
		if got := eventLines(t, out); code != 0 || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("events %v: %d %q, want %q", tc.args, code, got, tc.want)
		}
	}
	if code, out := runEvents(t, "--storage.path", data, "--format", "csv"); code != 0 ||
		!strings.HasPrefix(out, "time,source,repo,team,from_team,offering,event,from_version,to_version,commit\n") || strings.Count(out, "\n") != 3 {
		t.Errorf("csv: %d\n%s", code, out)
	}
	if code, out := runEvents(t, "--storage.path", data); code != 0 || !strings.Contains(out, "upgraded") ||
		!strings.Contains(out, "v1.2.0 → v1.4.0") || !strings.Contains(out, "mirror/search-web") {
		t.Errorf("table: %d\n%s", code, out)
	}
	for _, bad := range [][]string{{"--since", "soon"}, {"--event", "adopted,gone"}} {
		if code, _ := runEvents(t, append([]string{"--storage.path", data}, bad...)...); code != 2 {
			t.Errorf("events %v exited %d, want 2", bad, code)
		}
	}

	// Export, then import into an empty store: the same events.
	backup := filepath.Join(dir, "backup.jsonl")
	if code := run([]string{"store", "--storage.path", data, "export", "-o", backup}); code != 0 {
		t.Fatalf("export exited %d", code)
	}
	restored := filepath.Join(dir, "restored")
	if code := run([]string{"store", "--storage.path", restored, "import", backup}); code != 0 {
		t.Fatalf("import exited %d", code)
	}
	_, before := runEvents(t, "--storage.path", data, "--format", "json")
	if _, after := runEvents(t, "--storage.path", restored, "--format", "json"); after != before {
		t.Errorf("imported store's events:\n%s\nwant\n%s", after, before)
	}

	// Beside a running serve: the locked store names --server, which
	// answers the same.
	addr := freeAddr(t)
	startUptake(t, "serve", "--config", cfg, "--storage.path", data, "--web.listen-address", addr)
	servedSnapshot(t, addr)
	exe, err := os.Executable()
	must(t, err)
	cmd := exec.Command(exe, "events", "--storage.path", data)
	cmd.Env = append(os.Environ(), "UPTAKE_TEST_RUN_MAIN=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err == nil || !strings.Contains(stderr.String(), "--server") || !strings.Contains(stderr.String(), "locked") {
		t.Errorf("events beside serve: %v, %q; want a failure naming --server", err, stderr.String())
	}
	code, out := runEvents(t, "--server", "http://"+addr, "--format", "json")
	if got := eventLines(t, out); code != 0 || !reflect.DeepEqual(got, all) {
		t.Errorf("events --server: %d %q, want %q", code, got, all)
	}
	if code, _ := runEvents(t, "--server", "http://"+addr, "--team", ""); code == 0 {
		t.Error("a bad filter through --server succeeded")
	}
}
