package remote

import (
	"errors"
	"net/http"
	"strings"
	"sync"

	"go.uber.org/zap"
)

// maxRedirects is net/http's own bound.
const maxRedirects = 10

// CheckRedirect is the redirect policy of a source's HTTP client: a redirect
// to the same scheme and host is followed with the credentials (GitHub
// answers a renamed repo with a 301 on its own host); one to another host or
// scheme is not followed at all, its 3xx answer fails the request, and the
// first such redirect to each host is logged once at warn.
//
// Refusing rather than following without credentials: the token is added
// below net/http (go-github's and ghinstallation's transports) or as
// PRIVATE-TOKEN, which net/http never strips, so only not sending the
// request keeps it from the other host; and an anonymous answer from a host
// nobody configured cannot be trusted for listings or trees, which, unlike
// blobs, carry no hash to check. The scan fails and keeps its last good
// data; the log names the host so base_url can be fixed.
func CheckRedirect(log *zap.Logger) func(*http.Request, []*http.Request) error {
	var mu sync.Mutex
	warned := map[string]bool{}
	return func(req *http.Request, via []*http.Request) error {
		if len(via) >= maxRedirects {
			return errors.New("stopped after 10 redirects")
		}
		from := via[0].URL
		if req.URL.Scheme == from.Scheme && strings.EqualFold(req.URL.Host, from.Host) {
			return nil
		}
		to := req.URL.Scheme + "://" + req.URL.Host
		mu.Lock()
		first := !warned[to]
		warned[to] = true
		mu.Unlock()
		if first {
			// Hosts only: a URL's query could carry anything.
			log.Warn("not following a redirect to another host; the request fails",
				zap.String("from", from.Scheme+"://"+from.Host), zap.String("to", to))
		}
		return http.ErrUseLastResponse
	}
}
