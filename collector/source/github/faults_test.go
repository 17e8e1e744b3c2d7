package github

import (
	"fmt"
	"hash/crc32"
	"maps"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptake-dev/uptake/collector/source/sourcetest"
	"github.com/uptake-dev/uptake/config"
)

// faultOrg is n repos of a few files each, one of them shared, so the store
// serves some reads; want is what a faultless scan reads.
func faultOrg(n int) ([]*fakeRepo, map[string]map[string]string) {
	want := map[string]map[string]string{}
	var repos []*fakeRepo
	for i := range n {
		files := map[string]string{
			"go.mod":             fmt.Sprintf("module example.com/svc%d\n\ngo 1.26\n", i),
			".github/CODEOWNERS": "* @octo-org/payments\n",
			"deploy/values.yaml": strings.Repeat(fmt.Sprintf("replicas: %d\n", i), 40),
		}
		repos = append(repos, &fakeRepo{Name: fmt.Sprintf("svc-%03d", i), Files: files})
		want["octo-org/"+repos[i].Name] = files
	}
	return repos, want
}

// faultySource serves org through inj; the store is returned to be checked.
func faultySource(t *testing.T, repos []*fakeRepo, inj *sourcetest.Injector) (*Source, *memStore) {
	f := newFake(t, repos...)
	f.perPage = 25 // several listing pages
	inj.Next, inj.Elsewhere, inj.MaxStall = f.srv.Config.Handler, sourcetest.Elsewhere(t).URL, 2*time.Second
	f.srv.Config.Handler = inj
	store := newStore()
	return f.source(t, config.Source{}, Options{Store: store, HTTPTimeout: 150 * time.Millisecond}), store
}

func isBlob(r *http.Request) bool { return strings.Contains(r.URL.Path, "/git/blobs/") }

func (s *memStore) snapshot() map[string][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.m)
}

// TestFaults: under each fault, every answer is the truth or an error that
// says so; nothing wrong is stored; and once the faults stop, a scan reads
// everything right (no fault left a poisoned cache or switch behind).
func TestFaults(t *testing.T) {
	for _, fault := range sourcetest.Faults {
		t.Run(fault.String(), func(t *testing.T) {
			repos, want := faultOrg(12)
			var on atomic.Bool
			on.Store(true)
			var mu sync.Mutex
			tries, injected := map[string]int{}, 0
			inj := &sourcetest.Injector{Pick: func(r *http.Request) sourcetest.Fault {
				key := r.Method + " " + r.URL.RequestURI()
				// A third of the requests, past the retries; substitution
				// only where a hash can tell (TLS guards the rest).
				// The first listing page is spared, so the reads are
				// faulted too.
				first := strings.HasSuffix(r.URL.Path, "/repos") && r.URL.Query().Get("page") == ""
				if !on.Load() || first || crc32.ChecksumIEEE([]byte(key))%3 != 0 || (fault == sourcetest.Substituted && !isBlob(r)) {
					return sourcetest.None
				}
				mu.Lock()
				defer mu.Unlock()
				if tries[key]++; tries[key] > 4 {
					return sourcetest.None
				}
				injected++
				return fault
			}}
			s, store := faultySource(t, repos, inj)
			out := sourcetest.CheckScan(t.Context(), t, s, want)
			if injected == 0 {
				t.Fatal("no fault injected")
			}
			sourcetest.CheckStored(t, store.snapshot())
			on.Store(false)
			clean := sourcetest.CheckScan(t.Context(), t, s, want)
			if clean.ListFailed || clean.Good != clean.Reads || clean.Reads != 3*len(repos) {
				t.Errorf("after the faults: %+v, want all %d reads good", clean, 3*len(repos))
			}
			sourcetest.CheckStored(t, store.snapshot())
			t.Logf("%d faults injected; faulted scan %+v", injected, out)
		})
	}
}

// TestRandomFaults: a seeded run over many repos with about 8% of the
// requests spoiled, of every kind, checking every read.
func TestRandomFaults(t *testing.T) {
	repos, want := faultOrg(60)
	faults := sourcetest.NewRandomFaults(202612, 0.08, isBlob)
	s, store := faultySource(t, repos, &sourcetest.Injector{Pick: faults.Pick})
	var readFaults, reads int
	for range 3 {
		out := sourcetest.CheckScan(t.Context(), t, s, want)
		reads += out.Reads
		readFaults += out.ReadFaults
	}
	sourcetest.CheckStored(t, store.snapshot())
	faults.On.Store(false)
	if clean := sourcetest.CheckScan(t.Context(), t, s, want); clean.ListFailed || clean.Good != 3*len(repos) {
		t.Errorf("after the faults: %+v", clean)
	}
	requests, injected := faults.Counts()
	t.Logf("%d requests, faults injected %v; %d reads checked, %d of them faults", requests, injected, reads, readFaults)
	if len(injected) < len(sourcetest.Faults)-1 {
		t.Errorf("only %v injected: the run misses kinds", injected)
	}
}
