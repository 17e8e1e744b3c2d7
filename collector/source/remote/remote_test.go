package remote

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestJoinLinks(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("split") != "" {
			w.Header().Add("Link", `<http://x/?page=1>; rel="first"`)
			w.Header().Add("Link", `<http://x/?page=3>; rel="next"`)
		}
	}))
	defer srv.Close()
	c := &http.Client{Transport: JoinLinks(http.DefaultTransport)}
	for query, want := range map[string][]string{
		"?split=1": {`<http://x/?page=1>; rel="first", <http://x/?page=3>; rel="next"`},
		"":         nil,
	} {
		resp, err := c.Get(srv.URL + query)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Values("Link"); len(got) != len(want) || (len(want) > 0 && got[0] != want[0]) {
			t.Errorf("%s: Link = %q, want %q", query, got, want)
		}
	}
}
