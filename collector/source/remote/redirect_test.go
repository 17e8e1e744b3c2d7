package remote

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

func TestCheckRedirect(t *testing.T) {
	var other atomic.Int32
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		other.Add(1)
		if r.Header.Get("Authorization") != "" || r.Header.Get("Private-Token") != "" || r.Header.Get("Job-Token") != "" {
			t.Errorf("credentials sent to another host: %v", r.Header)
		}
		_, _ = w.Write([]byte("not the file"))
	}))
	defer elsewhere.Close()
	home := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/renamed":
			http.Redirect(w, r, "/file", http.StatusMovedPermanently)
		case "/away":
			http.Redirect(w, r, elsewhere.URL+"/file?token=s3cr3t", http.StatusFound)
		case "/file":
			if r.Header.Get("Private-Token") != "s3cr3t" || r.Header.Get("Authorization") != "Bearer s3cr3t" {
				t.Errorf("same-host redirect lost its credentials: %v", r.Header)
			}
			_, _ = w.Write([]byte("the file"))
		}
	}))
	defer home.Close()

	core, logs := observer.New(zap.WarnLevel)
	// Credentials added below net/http, as the API clients add them.
	auth := RoundTripperFunc(func(r *http.Request) (*http.Response, error) {
		r = r.Clone(r.Context())
		r.Header.Set("Authorization", "Bearer s3cr3t")
		r.Header.Set("Private-Token", "s3cr3t")
		r.Header.Set("Job-Token", "s3cr3t")
		return http.DefaultTransport.RoundTrip(r)
	})
	c := &http.Client{Transport: auth, CheckRedirect: CheckRedirect(zap.New(core))}
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := c.Get(home.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b [64]byte
		n, _ := resp.Body.Read(b[:])
		return resp.StatusCode, string(b[:n])
	}
	if code, body := get("/renamed"); code != http.StatusOK || body != "the file" {
		t.Errorf("same-host redirect: %d %q", code, body)
	}
	for range 2 {
		if code, body := get("/away"); code != http.StatusFound || body == "not the file" {
			t.Errorf("cross-host redirect: %d %q, want the 302 itself", code, body)
		}
	}
	if n := other.Load(); n != 0 {
		t.Errorf("the other host got %d requests", n)
	}
	if logs.Len() != 1 {
		t.Fatalf("%d warnings, want one per host", logs.Len())
	}
	if got := logs.All()[0].ContextMap(); got["to"] != elsewhere.URL || got["from"] != home.URL {
		t.Errorf("logged %v: want the bare hosts", got)
	}
}
