package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain lets a test run this binary as `uptake` in a child process, to
// kill it as a crash or an OOM kill would.
func TestMain(m *testing.M) {
	if os.Getenv("UPTAKE_TEST_RUN_MAIN") == "1" {
		os.Exit(run(os.Args[1:]))
	}
	os.Exit(m.Run())
}

func startUptake(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	must(t, err)
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), "UPTAKE_TEST_RUN_MAIN=1")
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if testing.Verbose() {
		cmd.Stderr = os.Stderr
	}
	must(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return cmd
}

// servedSnapshot waits for /-/ready and returns /api/v1/snapshot.
func servedSnapshot(t *testing.T, addr string) (restored bool, adopted map[string]int) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/-/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("not ready within 60s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	resp, err := http.Get("http://" + addr + "/api/v1/snapshot")
	must(t, err)
	defer resp.Body.Close()
	var s struct {
		Restored bool
		Summary  []struct {
			Offering, Team string
			Adopted        int
		}
	}
	must(t, json.NewDecoder(resp.Body).Decode(&s))
	adopted = map[string]int{}
	for _, c := range s.Summary {
		adopted[c.Offering+"/"+c.Team] = c.Adopted
	}
	return s.Restored, adopted
}

// TestRestartServesTheLastSnapshotBeforeTheFirstScan kills serve with
// SIGKILL, then starts it on a source whose scan cannot finish: the numbers
// it served before must be served again, at once.
func TestRestartServesTheLastSnapshotBeforeTheFirstScan(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"pay-api", "pay-web"} {
		writeRepo(t, filepath.Join(dir, "repos", name), map[string]string{
			".github/CODEOWNERS": "* @acme/payments\n",
			"go.mod":             "module x\n\nrequire github.com/acme/service-kit v1.2.0\n",
		})
	}
	cfg := filepath.Join(dir, "uptake.yml")
	must(t, os.WriteFile(cfg, []byte(fmt.Sprintf(serveConfig, "runtime")), 0o644))
	args := func(addr string) []string {
		return []string{"serve", "--config", cfg, "--storage.path", filepath.Join(dir, "data"), "--web.listen-address", addr}
	}

	addr := freeAddr(t)
	first := startUptake(t, args(addr)...)
	restored, before := servedSnapshot(t, addr)
	if restored || before["service-kit/payments"] != 2 {
		t.Fatalf("first start: restored %v, adoption %v", restored, before)
	}
	must(t, first.Process.Signal(syscall.SIGKILL))
	_ = first.Wait()

	// Opening a repo now blocks forever: its HEAD is a FIFO nobody writes.
	head := filepath.Join(dir, "repos", "pay-api", ".git", "HEAD")
	must(t, os.Remove(head))
	must(t, syscall.Mkfifo(head, 0o644))

	addr = freeAddr(t)
	startUptake(t, args(addr)...)
	restored, after := servedSnapshot(t, addr)
	if !restored {
		t.Fatal("after the restart the snapshot served is not the restored one; the first scan cannot have completed")
	}
	if fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("restored adoption %v, want what was served before the kill, %v", after, before)
	}
	resp, err := http.Get("http://" + addr + "/metrics")
	must(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `uptake_offering_adopted_repos{offering="service-kit",team="payments"} 2`) {
		t.Fatal("/metrics after the restart lacks the restored adoption")
	}
}

// TestDamagedStore: scan refuses to run on a damaged cache, serve serves
// without it and says so, and neither writes a byte to the file.
func TestDamagedStore(t *testing.T) {
	dir := t.TempDir()
	writeRepo(t, filepath.Join(dir, "repos", "pay-api"), map[string]string{
		".github/CODEOWNERS": "* @acme/payments\n",
		"go.mod":             "module x\n\nrequire github.com/acme/service-kit v1.2.0\n",
	})
	cfg := filepath.Join(dir, "uptake.yml")
	must(t, os.WriteFile(cfg, []byte(fmt.Sprintf(serveConfig, "runtime")), 0o644))
	data := filepath.Join(dir, "data")
	must(t, os.MkdirAll(data, 0o750))
	damaged := bytes.Repeat([]byte("this is not a bbolt page\n"), 700)
	db := filepath.Join(data, "uptake.db")
	must(t, os.WriteFile(db, damaged, 0o600))

	if code := run([]string{"scan", "--config", cfg, "--storage.path", data, "-o", filepath.Join(dir, "out.txt")}); code != 1 {
		t.Fatalf("scan on a damaged store exited %d, want 1", code)
	}

	addr := freeAddr(t)
	startUptake(t, "serve", "--config", cfg, "--storage.path", data, "--web.listen-address", addr)
	_, adopted := servedSnapshot(t, addr)
	if adopted["service-kit/payments"] != 1 {
		t.Fatalf("serve without its cache: adoption %v", adopted)
	}
	resp, err := http.Get("http://" + addr + "/metrics")
	must(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "uptake_storage_healthy 0") {
		t.Fatal("/metrics lacks uptake_storage_healthy 0")
	}
	if got, _ := os.ReadFile(db); !bytes.Equal(got, damaged) {
		t.Fatal("the damaged store file was changed")
	}
}
