package runner

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/uptake-dev/uptake/collector/snapshot"
	"github.com/uptake-dev/uptake/collector/source"
	"github.com/uptake-dev/uptake/config"
)

// fakes are the in-memory sources the "fake" source type serves, by path:
// a test-only source type is a registration in one file.
var fakes sync.Map

func init() {
	source.Register("fake", source.Type{
		Keys: []string{"path"},
		New: func(cfg config.Source, _ source.Options) (source.Source, error) {
			if src, ok := fakes.Load(cfg.Path); ok {
				return src.(*fakeSource), nil
			}
			return &fakeSource{name: cfg.Name}, nil
		},
	})
}

func writeConfig(t *testing.T, path, yml string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(yml), 0o644); err != nil {
		t.Fatal(err)
	}
}

func adopted(s *snapshot.Snapshot, offering, team string) int {
	for _, c := range s.Summary {
		if c.Offering == offering && c.Team == team {
			return c.Adopted
		}
	}
	return -1
}

func TestRunnerScansAndReloads(t *testing.T) {
	src := newFake()
	fakes.Store("/runner-test", src)
	dir := t.TempDir()
	file := filepath.Join(dir, "uptake.yml")
	yml := strings.Replace(testConfig, "/nonexistent", "/runner-test", 1)
	writeConfig(t, file, yml)
	l, err := Load(file)
	if err != nil {
		t.Fatal(err)
	}
	r, err := New(l, Config{File: file, Interval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan struct{})
	go func() { r.Run(ctx); close(ran) }()
	defer func() { cancel(); <-ran }()
	waitFor(t, func() bool { return r.Snapshot() != nil })
	first := r.Snapshot()
	if got := adopted(first, "service-kit", "payments"); got != 2 {
		t.Fatalf("service-kit/payments adopted = %d, want 2", got)
	}
	opens := src.opens.Load()

	// A change that reads no other file re-evaluates the last scan at once.
	writeConfig(t, file, strings.Replace(yml, "owner: platform\n", "owner: platform-core\n", 1))
	if err := r.Reload(); err != nil {
		t.Fatal(err)
	}
	if s := r.Snapshot(); s == first || s.Time != first.Time || s.Offerings[0].Owner != "platform-core" || src.opens.Load() != opens {
		t.Fatalf("catalog-only reload: owner %q, scan time %v → %v, %d trees opened; want a re-evaluation without reading",
			s.Offerings[0].Owner, first.Time, s.Time, src.opens.Load()-opens)
	}

	// A bad file is rejected; the running config keeps serving.
	writeConfig(t, file, "offerings: [{name: Bad Name}]\n")
	if err := r.Reload(); err == nil {
		t.Fatal("a bad config was accepted")
	}
	if v := testutil.ToFloat64(r.reloadOK); v != 0 || r.Snapshot().Offerings[0].Owner != "platform-core" {
		t.Fatalf("after a rejected reload: gauge %v, owner %q", v, r.Snapshot().Offerings[0].Owner)
	}

	// A rule that reads other files scans again.
	writeConfig(t, file, yml+`  - {name: readme, owner: o, lifecycle: beta, detect: [{kind: regex, path: README.md, pattern: not}]}
`)
	if err := r.Reload(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return r.Snapshot().Time.After(first.Time) && len(r.Snapshot().Offerings) == 5 })
	if v := testutil.ToFloat64(r.reloadOK); v != 1 {
		t.Fatalf("reload gauge = %v after a good reload", v)
	}
}

func TestScanOnceInterrupted(t *testing.T) {
	l := loadTest(t, testConfig)
	r, err := New(l, Config{Interval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if snap, err := r.ScanOnce(ctx); err != ErrInterrupted || snap != nil {
		t.Fatalf("ScanOnce on an ended context = %v, %v; want no snapshot", snap, err)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestWatchConfigReloadsOnAContentChange(t *testing.T) {
	src := newFake()
	fakes.Store("/watch-test", src)
	dir := t.TempDir()
	yml := strings.Replace(testConfig, "/nonexistent", "/watch-test", 1)
	// A ConfigMap mount: the file is a symlink into a versioned directory,
	// and an update swaps the link.
	for _, v := range []string{"v1", "v2"} {
		must(t, os.MkdirAll(filepath.Join(dir, v), 0o755))
	}
	writeConfig(t, filepath.Join(dir, "v1", "uptake.yml"), yml)
	writeConfig(t, filepath.Join(dir, "v2", "uptake.yml"), strings.Replace(yml, "owner: platform\n", "owner: platform-core\n", 1))
	file := filepath.Join(dir, "uptake.yml")
	must(t, os.Symlink(filepath.Join(dir, "v1", "uptake.yml"), file))
	l, err := Load(file)
	must(t, err)
	r, err := New(l, Config{File: file, Interval: time.Hour})
	must(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go r.WatchConfig(ctx, 10*time.Millisecond)
	if _, err := r.ScanOnce(ctx); err != nil {
		t.Fatal(err)
	}

	tmp := filepath.Join(dir, "uptake.yml.tmp")
	must(t, os.Symlink(filepath.Join(dir, "v2", "uptake.yml"), tmp))
	must(t, os.Rename(tmp, file))
	waitFor(t, func() bool { return r.Snapshot().Offerings[0].Owner == "platform-core" })
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
