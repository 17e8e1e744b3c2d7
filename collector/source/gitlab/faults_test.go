package gitlab

import (
	"encoding/json"
	"hash/crc32"
	"maps"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptake-dev/uptake/collector/source/sourcetest"
)

// faultGroup is n generated projects of 40 files each; want is what a
// faultless scan reads.
func faultGroup(t *testing.T, n int) ([]*fakeProject, map[string]map[string]string) {
	projects := groupProjects(t, n)
	want := map[string]map[string]string{}
	for _, p := range projects {
		files := map[string]string{}
		for path, b := range p.files {
			files[path] = string(b)
		}
		want[parseName(t, p)] = files
	}
	return projects, want
}

func parseName(t *testing.T, p *fakeProject) string {
	var v struct {
		Path string `json:"path_with_namespace"`
	}
	if err := json.Unmarshal(p.raw, &v); err != nil {
		t.Fatal(err)
	}
	return v.Path
}

func faultySource(t *testing.T, projects []*fakeProject, inj *sourcetest.Injector) (*Source, *memStore) {
	f := newFake(t, projects)
	f.maxPerPage = 5 // several listing pages
	inj.Next, inj.Elsewhere, inj.MaxStall = http.HandlerFunc(f.serve), sourcetest.Elsewhere(t).URL, 2*time.Second
	f.front = inj
	store := newMemStore()
	return newTestSource(t, testConfig(t, f), Options{Store: store, HTTPTimeout: 150 * time.Millisecond}), store
}

func isRaw(r *http.Request) bool { return strings.HasSuffix(r.URL.Path, "/raw") }

func (s *memStore) snapshot() map[string][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.m)
}

// TestFaults: under each fault, every answer is the truth or an error that
// says so; nothing wrong is stored; and once the faults stop, a scan reads
// everything right.
func TestFaults(t *testing.T) {
	t.Parallel()
	for _, fault := range sourcetest.Faults {
		t.Run(fault.String(), func(t *testing.T) {
			projects, want := faultGroup(t, 6)
			var on atomic.Bool
			on.Store(true)
			var mu sync.Mutex
			tries, injected := map[string]int{}, 0
			inj := &sourcetest.Injector{Pick: func(r *http.Request) sourcetest.Fault {
				key := r.URL.RequestURI()
				// The first listing page is spared, so the reads are
				// faulted too; substitution only where a hash can tell.
				first := strings.HasSuffix(r.URL.Path, "/projects") && r.URL.Query().Get("page") == ""
				// A third of the files and pages, a seventh of HEADs and
				// trees, so that most projects get as far as their reads.
				every := uint32(3)
				if !isRaw(r) && !strings.HasSuffix(r.URL.Path, "/projects") {
					every = 7
				}
				if !on.Load() || first || crc32.ChecksumIEEE([]byte(key))%every != 0 || (fault == sourcetest.Substituted && !isRaw(r)) {
					return sourcetest.None
				}
				mu.Lock()
				defer mu.Unlock()
				if tries[key]++; tries[key] > 6 {
					return sourcetest.None
				}
				injected++
				return fault
			}}
			s, store := faultySource(t, projects, inj)
			out := sourcetest.CheckScan(t.Context(), t, s, want)
			mu.Lock()
			n := injected
			mu.Unlock()
			if n == 0 {
				t.Fatal("no fault injected")
			}
			sourcetest.CheckStored(t, store.snapshot())
			on.Store(false)
			clean := sourcetest.CheckScan(t.Context(), t, s, want)
			if clean.ListFailed || clean.Good != clean.Reads || clean.Reads != 40*len(projects) {
				t.Errorf("after the faults: %+v, want all %d reads good", clean, 40*len(projects))
			}
			sourcetest.CheckStored(t, store.snapshot())
			t.Logf("%d faults injected; faulted scan %+v", n, out)
		})
	}
}

// TestRandomFaults: a seeded run over many projects with about 8% of the
// requests spoiled, of every kind, checking every read.
func TestRandomFaults(t *testing.T) {
	t.Parallel()
	projects, want := faultGroup(t, 25)
	faults := sourcetest.NewRandomFaults(202612, 0.08, isRaw)
	inj := &sourcetest.Injector{Pick: faults.Pick}
	s, store := faultySource(t, projects, inj)
	var readFaults, reads int
	for range 2 {
		out := sourcetest.CheckScan(t.Context(), t, s, want)
		reads += out.Reads
		readFaults += out.ReadFaults
	}
	sourcetest.CheckStored(t, store.snapshot())
	faults.On.Store(false)
	if clean := sourcetest.CheckScan(t.Context(), t, s, want); clean.ListFailed || clean.Good != 40*len(projects) {
		t.Errorf("after the faults: %+v", clean)
	}
	requests, injected := faults.Counts()
	t.Logf("%d requests, faults injected %v; %d reads checked, %d of them faults", requests, injected, reads, readFaults)
	if len(injected) < len(sourcetest.Faults)-1 {
		t.Errorf("only %v injected: the run misses kinds", injected)
	}
}
