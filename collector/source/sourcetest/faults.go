package sourcetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/uptake-dev/uptake/collector/source"
	"github.com/uptake-dev/uptake/collector/source/remote"
)

// Fault is one way a forge's answer goes wrong.
type Fault int

// The faults Injector serves.
const (
	None        Fault = iota
	ServerError       // 502, as a burst when picked for each attempt
	Reset             // headers and half the body, then a TCP reset
	Stall             // headers and half the body, then silence until the client gives up
	RateLimited       // 429 or 403 with Retry-After
	NotFound          // 404 for what exists
	Truncated         // half the body, with a Content-Length that matches it
	Substituted       // a different body of the same length
	CrossHost         // a 302 to another host
)

// Faults lists every fault but None.
var Faults = []Fault{ServerError, Reset, Stall, RateLimited, NotFound, Truncated, Substituted, CrossHost}

func (f Fault) String() string {
	return [...]string{"none", "5xx", "reset", "stall", "rate-limited", "404", "truncated", "substituted", "cross-host"}[f]
}

// Injector serves Next's answers, spoiled as Pick says. Elsewhere is the
// other host of CrossHost; it must never be asked.
type Injector struct {
	Next      http.Handler
	Pick      func(r *http.Request) Fault
	Elsewhere string
	// MaxStall bounds a stall, so a client without a deadline still ends.
	MaxStall time.Duration
}

func (in *Injector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f := None
	if in.Pick != nil {
		f = in.Pick(r)
	}
	switch f {
	case None:
		in.Next.ServeHTTP(w, r)
		return
	case ServerError:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = w.Write([]byte(`{"message":"502 Bad Gateway"}`))
		return
	case RateLimited:
		w.Header().Set("Retry-After", "1")
		w.Header().Set("Content-Type", "application/json")
		code := http.StatusTooManyRequests
		if len(r.URL.Path)%2 == 0 {
			code = http.StatusForbidden // GitHub's secondary limit
		}
		w.WriteHeader(code)
		_, _ = w.Write([]byte(`{"message":"You have exceeded a secondary rate limit."}`))
		return
	case NotFound:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"message":"404 Not Found"}`))
		return
	case CrossHost:
		w.Header().Set("Location", in.Elsewhere+r.URL.RequestURI())
		w.WriteHeader(http.StatusFound)
		return
	}
	// The rest spoil the true answer.
	rec := httptest.NewRecorder()
	in.Next.ServeHTTP(rec, r)
	body := rec.Body.Bytes()
	h := w.Header()
	maps.Copy(h, rec.Header())
	half := body[:len(body)/2]
	switch f {
	case Truncated:
		h.Set("Content-Length", strconv.Itoa(len(half)))
		w.WriteHeader(rec.Code)
		_, _ = w.Write(half)
	case Substituted:
		h.Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(rec.Code)
		_, _ = w.Write(bytes.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' {
				return 'a' + (r-'a'+1)%26
			}
			return r
		}, body))
	case Stall:
		h.Set("Content-Length", strconv.Itoa(len(body)+1))
		w.WriteHeader(rec.Code)
		_, _ = w.Write(half)
		_ = http.NewResponseController(w).Flush()
		select {
		case <-r.Context().Done():
		case <-time.After(in.MaxStall):
		}
	case Reset:
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			panic(err)
		}
		fmt.Fprintf(buf, "HTTP/1.1 %d %s\r\nContent-Length: %d\r\n", rec.Code, http.StatusText(rec.Code), len(body)+1)
		for k, vs := range rec.Header() {
			for _, v := range vs {
				fmt.Fprintf(buf, "%s: %s\r\n", k, v)
			}
		}
		fmt.Fprintf(buf, "\r\n")
		_, _ = buf.Write(half)
		_ = buf.Flush()
		if tc, ok := conn.(*net.TCPConn); ok {
			_ = tc.SetLinger(0) // close with RST, not FIN
		}
		_ = conn.Close()
	}
}

// Elsewhere is another host that fails t if it is ever asked anything.
func Elsewhere(t testing.TB) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		t.Errorf("the other host was asked %s (Authorization %t, Private-Token %t)",
			r.URL.Path, r.Header.Get("Authorization") != "", r.Header.Get("Private-Token") != "")
	}))
	t.Cleanup(srv.Close)
	return srv
}

// Outcome counts what a checked scan saw.
type Outcome struct {
	ListFailed              bool
	Reads, Good, ReadFaults int
}

// CheckScan lists src and reads every file of every repo, and fails t
// unless each answer is the truth or an honest error: List returns exactly
// the repos of want (name → path → content) or an error; an opened tree
// lists exactly the repo's files; every Read returns the file's content or
// an error matching neither fs.ErrNotExist nor source.ErrTooLarge.
func CheckScan(ctx context.Context, t testing.TB, src source.Source, want map[string]map[string]string) Outcome {
	t.Helper()
	var out Outcome
	repos, err := src.List(ctx)
	if err != nil {
		out.ListFailed = true
		return out
	}
	var names []string
	for _, r := range repos {
		names = append(names, r.Name)
	}
	slices.Sort(names)
	if wantNames := slices.Sorted(maps.Keys(want)); !slices.Equal(names, wantNames) {
		t.Errorf("List = %d repos %q…, want %d", len(names), names[:min(len(names), 3)], len(wantNames))
		return out
	}
	for _, r := range repos {
		head, err := src.Head(ctx, r)
		if err != nil {
			if errors.Is(err, source.ErrEmpty) {
				t.Errorf("%s: Head = %v, a fault read as an empty repo", r.Name, err)
			}
			continue
		}
		tr, err := src.Open(ctx, r, head)
		if err != nil {
			if errors.Is(err, source.ErrEmpty) {
				t.Errorf("%s: Open = %v, a fault read as an empty repo", r.Name, err)
			}
			continue
		}
		files := want[r.Name]
		var paths []string
		for _, e := range tr.Entries() {
			paths = append(paths, e.Path)
		}
		slices.Sort(paths)
		if wantPaths := slices.Sorted(maps.Keys(files)); !slices.Equal(paths, wantPaths) {
			t.Errorf("%s: Entries = %q, want %q", r.Name, paths, wantPaths)
			continue
		}
		for _, p := range paths {
			out.Reads++
			b, err := tr.Read(ctx, p, 1<<20)
			switch {
			case err == nil && string(b) == files[p]:
				out.Good++
			case err == nil:
				t.Errorf("%s: Read(%s) = %q, want %q", r.Name, p, b, files[p])
			case errors.Is(err, fs.ErrNotExist) || errors.Is(err, source.ErrTooLarge):
				t.Errorf("%s: Read(%s) = %v: a fault read as a missing or large file", r.Name, p, err)
			default:
				out.ReadFaults++
			}
		}
	}
	return out
}

// CheckStored fails t for any stored blob ("<host>/blob/<id>") whose
// content is not that blob.
func CheckStored(t testing.TB, entries map[string][]byte) {
	t.Helper()
	for k, v := range entries {
		_, id, ok := strings.Cut(k, "/blob/")
		if !ok {
			continue
		}
		if err := remote.VerifyBlob(id, v); err != nil {
			t.Errorf("store %s: %v", k, err)
		}
	}
}
