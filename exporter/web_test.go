package exporter

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/uptake-dev/uptake/collector/snapshot"
)

func testSnapshot(repos int) *snapshot.Snapshot {
	s := &snapshot.Snapshot{Summary: []snapshot.Cell{{Offering: "kit", Team: "payments"}, {Offering: "kit", Team: "search"}}}
	for i := range repos {
		team := "payments"
		if i%2 == 1 {
			team = "search"
		}
		s.Repos = append(s.Repos, snapshot.RepoReport{Source: "s", Name: fmt.Sprintf("org/repo-%03d", i), Team: team, Offerings: []snapshot.RepoOffering{}})
	}
	return s
}

func testMux(t *testing.T, o WebOptions) *httptest.Server {
	t.Helper()
	if o.Snapshot == nil {
		o.Snapshot = func() *snapshot.Snapshot { return nil }
	}
	o.Snapshots = NewCollector(o.Snapshot, 0)
	o.Live = prometheus.NewRegistry()
	o.Logger = slog.New(slog.DiscardHandler)
	if o.Ready == nil {
		o.Ready = func() bool { return true }
	}
	mux, err := NewMux(o)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func do(t *testing.T, method, u string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func TestLifecycleEndpointsAreOffByDefault(t *testing.T) {
	reloads, scans := 0, 0
	o := WebOptions{
		Reload: func() error { reloads++; return nil },
		Scan:   func() bool { scans++; return scans == 1 },
	}
	off := testMux(t, o)
	for _, p := range []string{"/-/reload", "/-/scan"} {
		if code, _, body := do(t, "POST", off.URL+p); code != http.StatusForbidden || !strings.Contains(body, "--web.enable-lifecycle") {
			t.Errorf("POST %s without --web.enable-lifecycle: %d %q, want 403 naming the flag", p, code, body)
		}
	}
	if reloads+scans != 0 {
		t.Fatalf("disabled endpoints ran %d reloads and %d scans", reloads, scans)
	}

	o.EnableLifecycle = true
	on := testMux(t, o)
	if code, h, _ := do(t, "GET", on.URL+"/-/scan"); code != http.StatusMethodNotAllowed || h.Get("Allow") != "POST, PUT" {
		t.Errorf("GET /-/scan: %d, Allow %q", code, h.Get("Allow"))
	}
	if code, _, body := do(t, "POST", on.URL+"/-/scan"); code != http.StatusAccepted || body != "Scan started.\n" {
		t.Errorf("POST /-/scan: %d %q", code, body)
	}
	if code, _, body := do(t, "POST", on.URL+"/-/scan"); code != http.StatusAccepted || !strings.Contains(body, "already running") {
		t.Errorf("POST /-/scan during a scan: %d %q", code, body)
	}
	if code, _, _ := do(t, "POST", on.URL+"/-/reload"); code != http.StatusOK || reloads != 1 {
		t.Errorf("POST /-/reload: %d, %d reloads", code, reloads)
	}
	if code, _, _ := do(t, "GET", on.URL+"/metrics"); code != http.StatusOK {
		t.Errorf("/metrics: %d", code)
	}
}

func TestSnapshotAPIBoundsItsParameters(t *testing.T) {
	s := testSnapshot(10)
	srv := testMux(t, WebOptions{Snapshot: func() *snapshot.Snapshot { return s }})
	bomb := strings.Repeat("{a,b}", 16) // 65,536 patterns
	for _, q := range []string{
		"repo=" + url.QueryEscape(bomb),
		"repo=" + strings.Repeat("a", 300),
		"repo=" + url.QueryEscape(strings.Repeat("*a", 20)),
		"repo=" + url.QueryEscape("[unclosed"),
		"team=" + strings.Repeat("t", 300),
		"limit=0", "limit=x", "limit=1000000", "offset=-1",
	} {
		if code, _, body := do(t, "GET", srv.URL+"/api/v1/snapshot?"+q); code != http.StatusBadRequest {
			t.Errorf("?%.40s: %d %.80q, want 400", q, code, body)
		}
	}
	// Within the bounds, braces still work.
	code, _, body := do(t, "GET", srv.URL+"/api/v1/snapshot?repo="+url.QueryEscape("repo-00{1,2}"))
	var got snapshot.Snapshot
	if err := json.Unmarshal([]byte(body), &got); code != http.StatusOK || err != nil || len(got.Repos) != 2 {
		t.Fatalf("?repo=repo-00{1,2}: %d, %d repos (%v)", code, len(got.Repos), err)
	}
}

func TestAlternatives(t *testing.T) {
	for p, want := range map[string]int{
		"abc": 1, "{a,b}": 2, "{a,b}{c,d,e}": 6, "{a,{b,c}}": 3, `\{a,b}`: 1, "x{a,b}y{c,d}": 4,
		strings.Repeat("{a,b}", 16): maxPatternAlternatives + 1,
	} {
		if got := alternatives(p); got != want {
			t.Errorf("alternatives(%q) = %d, want %d", p, got, want)
		}
	}
}

func TestSnapshotAPIPages(t *testing.T) {
	s := testSnapshot(25)
	srv := testMux(t, WebOptions{Snapshot: func() *snapshot.Snapshot { return s }})
	var names []string
	for offset := 0; ; offset += 10 {
		code, h, body := do(t, "GET", fmt.Sprintf("%s/api/v1/snapshot?team=payments&limit=10&offset=%d", srv.URL, offset))
		var page snapshot.Snapshot
		if err := json.Unmarshal([]byte(body), &page); code != http.StatusOK || err != nil {
			t.Fatalf("page at %d: %d %v", offset, code, err)
		}
		if h.Get("X-Total-Count") != "13" {
			t.Fatalf("X-Total-Count = %q, want the 13 payments repos", h.Get("X-Total-Count"))
		}
		if len(page.Summary) != 1 || page.Summary[0].Team != "payments" {
			t.Fatalf("page summary = %+v", page.Summary)
		}
		if len(page.Repos) == 0 {
			break
		}
		for _, r := range page.Repos {
			names = append(names, r.Name)
		}
	}
	if len(names) != 13 || names[0] != "org/repo-000" || names[12] != "org/repo-024" {
		t.Fatalf("paged through %v", names)
	}
}

func TestSnapshotAPIEncodesOncePerSnapshot(t *testing.T) {
	s := testSnapshot(3)
	api := &snapshotAPI{current: func() *snapshot.Snapshot { return s }}
	a, err := api.whole(s)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := api.whole(s)
	if &a[0] != &b[0] {
		t.Fatal("the same snapshot was encoded twice")
	}
	next := testSnapshot(4)
	c, _ := api.whole(next)
	zr, err := gzip.NewReader(bytes.NewReader(c))
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	if &c[0] == &a[0] || !strings.Contains(string(plain), "repo-003") {
		t.Fatal("a new snapshot was served from the old encoding")
	}
}

func TestQueryStopsWhenTheClientLeaves(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := query(ctx, testSnapshot(5000), apiQuery{repo: "**/repo-1*"}); err == nil {
		t.Fatal("a query kept running for a request whose context ended")
	}
}

func TestSnapshotAPIIsCompactUnlessPretty(t *testing.T) {
	s := testSnapshot(2)
	srv := testMux(t, WebOptions{Snapshot: func() *snapshot.Snapshot { return s }})
	if _, _, body := do(t, "GET", srv.URL+"/api/v1/snapshot"); strings.Count(body, "\n") != 1 {
		t.Errorf("default answer is not compact:\n%.200s", body)
	}
	if _, _, body := do(t, "GET", srv.URL+"/api/v1/snapshot?pretty=1"); !strings.Contains(body, "\n  \"repos\": [") {
		t.Errorf("?pretty=1 is not indented:\n%.200s", body)
	}
	// A client that takes no gzip gets the JSON as is.
	raw := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	resp, err := raw.Get(srv.URL + "/api/v1/snapshot")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var got snapshot.Snapshot
	if resp.Header.Get("Content-Encoding") != "" || json.Unmarshal(b, &got) != nil || len(got.Repos) != 2 {
		t.Errorf("without gzip: encoding %q, body %.80q", resp.Header.Get("Content-Encoding"), b)
	}
	if code, _, _ := do(t, "GET", srv.URL+"/api/v1/snapshot?pretty=yes"); code != http.StatusBadRequest {
		t.Errorf("?pretty=yes: %d, want 400", code)
	}
}

// The unattributed list narrows with the repos a query matches.
func TestQueryNarrowsUnattributed(t *testing.T) {
	s := &snapshot.Snapshot{
		Repos: []snapshot.RepoReport{{Source: "s", Name: "pay-x", Team: "unowned"}, {Source: "s", Name: "tools", Team: "unowned"},
			{Source: "s", Name: "pay-api", Team: "payments"}},
		Unattributed: []snapshot.UnattributedRepo{{Source: "s", Name: "pay-x"}, {Source: "s", Name: "tools"}}}
	for q, want := range map[apiQuery]int{{}: 2, {repo: "pay-*"}: 1, {team: "payments"}: 0, {team: "unowned", limit: 1}: 2} {
		out, _, err := query(t.Context(), s, q)
		if err != nil || len(out.Unattributed) != want {
			t.Errorf("%+v: %d unattributed, %v; want %d", q, len(out.Unattributed), err, want)
		}
	}
}
