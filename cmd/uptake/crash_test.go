package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/uptake-dev/uptake/collector/cache"
	"github.com/uptake-dev/uptake/collector/snapshot"
	"github.com/uptake-dev/uptake/collector/version"
)

var crashSeed = flag.Uint64("crash.seed", 0, "TestCrashDuringScans: the seed of the kill points (0: a new one)")

// TestCrashDuringScans kills `uptake scan` with SIGKILL at random points of
// 10 scans of an estate that changes before each, the next scan being the
// restart: after every kill the store opens and keeps every event it had
// committed; at the end no event is recorded twice or against the script
// (no false drop), each repo's events chain from version to version, and
// the baseline is the estate as it is.
func TestCrashDuringScans(t *testing.T) {
	seed := *crashSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (-crash.seed repeats the kill points)", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	dir := t.TempDir()
	repos, data := filepath.Join(dir, "repos"), filepath.Join(dir, "data")
	cfg := filepath.Join(dir, "uptake.yml")
	must(t, os.WriteFile(cfg, []byte(fmt.Sprintf(serveConfig, "runtime")), 0o644))

	// up-i upgrades at the rounds r with (r+i)%3 == 0; drop-j drops at
	// round 2j+1. history holds every version each repo had, in order
	// ("" for none).
	const ups, drops, rounds = 40, 4, 10
	history := map[string][]string{}
	for i := range ups {
		history[fmt.Sprintf("up-%d", i)] = []string{"v1.0.0"}
	}
	for j := range drops {
		history[fmt.Sprintf("drop-%d", j)] = []string{"v1.0.0"}
	}
	for name := range history {
		writeRepo(t, filepath.Join(repos, name), map[string]string{".github/CODEOWNERS": "* @acme/payments\n", "go.mod": kitMod("v1.0.0")})
	}
	scanArgs := []string{"scan", "--config", cfg, "--storage.path", data, "-o", filepath.Join(dir, "scan.out")}
	exe, err := os.Executable()
	must(t, err)
	scanCmd := func() *exec.Cmd {
		cmd := exec.Command(exe, scanArgs...)
		cmd.Env = append(os.Environ(), "UPTAKE_TEST_RUN_MAIN=1")
		return cmd
	}
	// The first scan, unkilled, sets the baseline and how long a scan
	// process runs: kills land anywhere from its start to past its end.
	start := time.Now()
	must(t, scanCmd().Run())
	span := time.Since(start) * 5 / 4

	var committed []snapshot.Event
	killed := 0
	for r := 1; r <= rounds; r++ {
		for i := range ups {
			if (r+i)%3 == 0 {
				name, v := fmt.Sprintf("up-%d", i), fmt.Sprintf("v1.%d.0", r)
				commitRepo(t, filepath.Join(repos, name), map[string]string{"go.mod": kitMod(v)})
				history[name] = append(history[name], v)
			}
		}
		if j := (r - 1) / 2; r%2 == 1 && j < drops {
			name := fmt.Sprintf("drop-%d", j)
			commitRepo(t, filepath.Join(repos, name), map[string]string{"go.mod": "", "README.md": "moved off service-kit\n"})
			history[name] = append(history[name], "")
		}
		cmd := scanCmd()
		must(t, cmd.Start())
		time.Sleep(time.Duration(rng.Int64N(int64(span))))
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			killed++
		}

		evs := openEvents(t, data)
		if len(evs) < len(committed) || !slices.Equal(evs[:len(committed)], committed) {
			t.Fatalf("round %d: the store lost committed events:\nhad %v\nhas %v", r, committed, evs)
		}
		committed = evs
	}
	t.Logf("%d of %d scans killed, the others finished first", killed, rounds)
	if code := run(scanArgs); code != 0 {
		t.Fatalf("last scan exited %d", code)
	}
	evs := openEvents(t, data)
	checkEvents(t, evs, history)

	st, err := cache.OpenReadOnly(data)
	must(t, err)
	defer st.Close()
	base, err := st.Baseline()
	must(t, err)
	for name, h := range history {
		var got string
		for k, r := range base {
			if k.Repo == name {
				got = r.Offerings["service-kit"]
			}
		}
		if want := h[len(h)-1]; got != want {
			t.Errorf("%s: baseline version %q, want %q", name, got, want)
		}
	}
}

func openEvents(t *testing.T, data string) []snapshot.Event {
	t.Helper()
	st, err := cache.Open(data)
	if err != nil {
		t.Fatalf("the store does not open after a kill: %v", err)
	}
	defer st.Close()
	evs, err := st.Events(snapshot.EventFilter{})
	must(t, err)
	return evs
}

// checkEvents checks each repo's events against its scripted history:
// up-* repos only upgrade, drop-* repos drop at most once, each event
// goes from one version of the repo's history to a later one, and each
// starts where the one before ended.
func checkEvents(t *testing.T, evs []snapshot.Event, history map[string][]string) {
	t.Helper()
	seen := map[string]bool{}
	last := map[string]string{}
	for _, e := range evs {
		line := fmt.Sprintf("%s %s %s→%s", e.Repo, e.Event, e.FromVersion, e.ToVersion)
		if seen[line] {
			t.Errorf("recorded twice: %s", line)
		}
		seen[line] = true
		h, ok := history[e.Repo]
		switch {
		case !ok:
			t.Errorf("an event of a repo not in the estate: %s", line)
			continue
		case strings.HasPrefix(e.Repo, "up-") && e.Event != snapshot.Upgraded,
			strings.HasPrefix(e.Repo, "drop-") && e.Event != snapshot.Dropped:
			t.Errorf("against the script: %s", line)
		}
		from, to := slices.Index(h, e.FromVersion), slices.Index(h, e.ToVersion)
		if from < 0 || to <= from || (e.Event == snapshot.Upgraded && version.Compare(e.ToVersion, e.FromVersion) <= 0) {
			t.Errorf("not a step of %s's history %q: %s", e.Repo, h, line)
		}
		if prev, ok := last[e.Repo]; ok && prev != e.FromVersion {
			t.Errorf("%s: starts at %q, the event before ended at %q", line, e.FromVersion, prev)
		}
		last[e.Repo] = e.ToVersion
	}
	for name, h := range history {
		if v, ok := last[name]; ok && v != h[len(h)-1] {
			t.Errorf("%s: its events end at %q, the repo is at %q", name, v, h[len(h)-1])
		}
	}
	if len(evs) == 0 {
		t.Error("no event at all: the last scan must record the changes since the baseline")
	}
}
