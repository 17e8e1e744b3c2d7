package sourcetest

import (
	"maps"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
)

// RandomFaults picks, while On, a fault of a random kind for about Rate of
// the requests, from a seeded generator so a failing run can be replayed.
// Substituted is picked only where Hashable says a hash can tell (a blob);
// elsewhere it becomes Truncated, since only TLS guards the rest.
type RandomFaults struct {
	On       atomic.Bool
	Rate     float64
	Hashable func(*http.Request) bool

	mu       sync.Mutex
	rng      *rand.Rand
	requests int
	injected map[Fault]int
}

// NewRandomFaults returns a picker seeded with seed, on, at rate.
func NewRandomFaults(seed uint64, rate float64, hashable func(*http.Request) bool) *RandomFaults {
	r := &RandomFaults{Rate: rate, Hashable: hashable, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), injected: map[Fault]int{}}
	r.On.Store(true)
	return r
}

// Pick is an Injector's Pick.
func (r *RandomFaults) Pick(req *http.Request) Fault {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests++
	if !r.On.Load() || r.rng.Float64() >= r.Rate {
		return None
	}
	f := Faults[r.rng.IntN(len(Faults))]
	if f == Substituted && !r.Hashable(req) {
		f = Truncated
	}
	r.injected[f]++
	return f
}

// Counts are the requests seen and the faults injected, by kind.
func (r *RandomFaults) Counts() (requests int, injected map[Fault]int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.requests, maps.Clone(r.injected)
}
