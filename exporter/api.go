package exporter

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/uptake-dev/uptake/collector/snapshot"
)

// Bounds on /api/v1/snapshot's parameters: a pattern is matched against
// every repo, so its cost is bounded before any repo is tried.
const (
	maxPatternLength = 256
	// maxPatternAlternatives bounds what a pattern's {a,b} groups expand
	// to: the matcher tries each combination.
	maxPatternAlternatives = 64
	maxPatternStars        = 16
	maxPageLimit           = 100_000
)

// snapshotAPI serves the snapshot as JSON: the whole snapshot is encoded
// once per snapshot; a filtered or paged answer is encoded per request.
type snapshotAPI struct {
	current func() *snapshot.Snapshot
	// rendered, when set, runs in its own goroutine after a snapshot is
	// encoded whole.
	rendered func()

	mu      sync.Mutex
	encoded *snapshot.Snapshot
	body    []byte
}

// apiQuery is a request's parsed parameters.
type apiQuery struct {
	team, repo    string
	limit, offset int
	pretty        bool
}

func (a *snapshotAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s := a.current()
	if s == nil {
		http.Error(w, "No scan has completed yet.", http.StatusServiceUnavailable)
		return
	}
	q, err := parseAPIQuery(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if q == (apiQuery{}) {
		gz, err := a.whole(s)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Vary", "Accept-Encoding")
		if acceptsGzip(r) {
			w.Header().Set("Content-Encoding", "gzip")
			_, _ = w.Write(gz)
			return
		}
		zr, err := gzip.NewReader(bytes.NewReader(gz))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		_, _ = io.Copy(w, zr)
		return
	}
	out, total, err := query(r.Context(), s, q)
	if err != nil {
		return // only the client leaving stops a query; nobody reads an answer
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Total-Count", strconv.Itoa(total))
	// Streamed: a filtered or pretty answer is encoded per request, never
	// held whole.
	_ = writeSnapshot(w, out, q.pretty)
}

// whole is the compact encoded snapshot, gzipped (an estate's JSON is tens
// of megabytes, kept as long as its snapshot), encoded once per snapshot.
func (a *snapshotAPI) whole(s *snapshot.Snapshot) ([]byte, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.encoded != s {
		body, err := encode(s)
		if err != nil {
			return nil, err
		}
		a.encoded, a.body = s, body
		if a.rendered != nil {
			go a.rendered()
		}
	}
	return a.body, nil
}

func encode(s *snapshot.Snapshot) ([]byte, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	if err != nil {
		return nil, err
	}
	if err := writeSnapshot(zw, s, false); err != nil {
		return nil, err
	}
	err = zw.Close()
	return bytes.Clone(buf.Bytes()), err
}

func parseAPIQuery(r *http.Request) (apiQuery, error) {
	v := r.URL.Query()
	q := apiQuery{team: v.Get("team"), repo: v.Get("repo")}
	switch v.Get("pretty") {
	case "", "0", "false":
	case "1", "true":
		q.pretty = true
	default:
		return q, fmt.Errorf("pretty: %q is not 1 or 0", v.Get("pretty"))
	}
	if len(q.team) > maxPatternLength {
		return q, fmt.Errorf("team: longer than %d bytes", maxPatternLength)
	}
	if q.repo != "" {
		if err := checkPattern(q.repo); err != nil {
			return q, fmt.Errorf("repo: %w", err)
		}
	}
	var err error
	if q.limit, err = intParam(v.Get("limit"), 1, maxPageLimit); err != nil {
		return q, fmt.Errorf("limit: %w", err)
	}
	if q.offset, err = intParam(v.Get("offset"), 0, 1<<31-1); err != nil {
		return q, fmt.Errorf("offset: %w", err)
	}
	return q, nil
}

// intParam parses an optional integer in [lo, hi]; absent is 0.
func intParam(s string, lo, hi int) (int, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%q is not a whole number from %d to %d", s, lo, hi)
	}
	return n, nil
}

// checkPattern bounds a repo glob's length, wildcards and brace expansion.
func checkPattern(p string) error {
	if len(p) > maxPatternLength {
		return fmt.Errorf("longer than %d bytes", maxPatternLength)
	}
	if !doublestar.ValidatePattern(p) {
		return fmt.Errorf("%q is not a valid glob", p)
	}
	if n := strings.Count(p, "*"); n > maxPatternStars {
		return fmt.Errorf("%d wildcards, more than %d", n, maxPatternStars)
	}
	if n := alternatives(p); n > maxPatternAlternatives {
		return fmt.Errorf("its {…} groups expand to more than %d patterns", maxPatternAlternatives)
	}
	return nil
}

// alternatives is how many patterns p's brace groups expand to (nested
// groups multiply), capped just past the limit so it cannot overflow.
func alternatives(p string) int {
	type group struct{ done, current int }
	stack := []group{{done: 0, current: 1}}
	escaped := false
	for _, c := range p {
		switch {
		case escaped:
			escaped = false
		case c == '\\':
			escaped = true
		case c == '{':
			stack = append(stack, group{done: 0, current: 1})
		case c == ',' && len(stack) > 1:
			g := &stack[len(stack)-1]
			g.done, g.current = min(g.done+g.current, maxPatternAlternatives+1), 1
		case c == '}' && len(stack) > 1:
			g := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			parent := &stack[len(stack)-1]
			parent.current = min(parent.current*min(g.done+g.current, maxPatternAlternatives+1), maxPatternAlternatives+1)
		}
	}
	return stack[0].current
}

// query narrows the snapshot to one team's and/or one repo glob's entries,
// the question a user asks of a large organisation, and pages its repos.
// The snapshot itself is shared and never modified. total is the number of
// repos before paging.
func query(ctx context.Context, s *snapshot.Snapshot, q apiQuery) (out *snapshot.Snapshot, total int, err error) {
	cp := *s
	cp.Repos = nil
	for i, r := range s.Repos {
		if i%1024 == 0 && ctx.Err() != nil {
			return nil, 0, ctx.Err()
		}
		if (q.team == "" || r.Team == q.team) && (q.repo == "" || matchRepo(q.repo, r.Name)) {
			cp.Repos = append(cp.Repos, r)
		}
	}
	total = len(cp.Repos)
	if q.team != "" || q.repo != "" {
		cp.Unattributed = unattributedOf(s.Unattributed, cp.Repos)
	}
	if q.offset > 0 || q.limit > 0 {
		start := min(q.offset, total)
		end := total
		if q.limit > 0 {
			end = min(start+q.limit, total)
		}
		cp.Repos = cp.Repos[start:end]
	}
	if q.team != "" {
		cp.Summary = nil
		for _, c := range s.Summary {
			if c.Team == q.team {
				cp.Summary = append(cp.Summary, c)
			}
		}
	}
	if cp.Repos == nil {
		cp.Repos = []snapshot.RepoReport{}
	}
	return &cp, total, nil
}

// unattributedOf keeps the unattributed entries of the repos matched
// (before paging: the list is short, one entry a repo of the default team).
func unattributedOf(all []snapshot.UnattributedRepo, matched []snapshot.RepoReport) []snapshot.UnattributedRepo {
	keep := make(map[[2]string]bool, len(matched))
	for _, r := range matched {
		keep[[2]string{r.Source, r.Name}] = true
	}
	out := []snapshot.UnattributedRepo{}
	for _, u := range all {
		if keep[[2]string{u.Source, u.Name}] {
			out = append(out, u)
		}
	}
	return out
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
