// Package remote holds what the GitHub and GitLab sources share: the HTTP
// client (TLS, proxy, request accounting, rate-limit gauges), token loading
// that never lets a secret reach a log line, the repo filter and the config
// keys both take.
package remote

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/version"

	"github.com/uptake-dev/uptake/collector/source"
	"github.com/uptake-dev/uptake/config"
)

// Token reads a source's token from token_env or token_file. An empty
// result with no error means the source is anonymous.
func Token(s config.Source) (string, error) {
	switch {
	case s.TokenEnv != "":
		t := strings.TrimSpace(os.Getenv(s.TokenEnv))
		if t == "" {
			return "", fmt.Errorf("environment variable %s is empty or unset", s.TokenEnv)
		}
		return t, nil
	case s.TokenFile != "":
		b, err := os.ReadFile(s.TokenFile)
		if err != nil {
			// The path is not secret; the content never reaches here.
			return "", fmt.Errorf("reading token_file: %w", err)
		}
		t := strings.TrimSpace(string(b))
		if t == "" {
			return "", fmt.Errorf("token_file %s is empty", s.TokenFile)
		}
		return t, nil
	}
	return "", nil
}

// UserAgent names uptake and its version to the API, as GitHub and GitLab ask.
func UserAgent() string {
	if version.Version == "" {
		return "uptake"
	}
	return "uptake/" + version.Version
}

// Transport builds the base transport for a source: proxy from the
// environment (HTTPS_PROXY, NO_PROXY) and the source's TLS settings.
func Transport(s config.Source) (*http.Transport, error) {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = http.ProxyFromEnvironment
	// A stalled API is bounded per attempt by Deadline (scan.http_timeout).
	if s.TLS.CAFile != "" || s.TLS.InsecureSkipVerify {
		tc := &tls.Config{InsecureSkipVerify: s.TLS.InsecureSkipVerify} //nolint:gosec // opt-in for self-signed GHES/GitLab
		if s.TLS.CAFile != "" {
			pem, err := os.ReadFile(s.TLS.CAFile)
			if err != nil {
				return nil, fmt.Errorf("tls.ca_file: %w", err)
			}
			pool, err := x509.SystemCertPool()
			if err != nil || pool == nil {
				pool = x509.NewCertPool()
			}
			if !pool.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("tls.ca_file %s holds no PEM certificate", s.TLS.CAFile)
			}
			tc.RootCAs = pool
		}
		t.TLSClientConfig = tc
	}
	return t, nil
}

// Instrument wraps next so that every request is counted by status code and
// the rate-limit headers (GitHub's X-RateLimit-*, GitLab's RateLimit-*) feed
// the gauges of the budget resource names: GitHub's X-RateLimit-Resource
// when the response says it, else resource(req).
func Instrument(next http.RoundTripper, source string, m *source.Metrics, resource func(*http.Request) string) http.RoundTripper {
	return RoundTripperFunc(func(req *http.Request) (*http.Response, error) {
		resp, err := next.RoundTrip(req)
		if m == nil {
			return resp, err
		}
		if err != nil {
			m.Requests.WithLabelValues(source, "error").Inc()
			return resp, err
		}
		m.Requests.WithLabelValues(source, strconv.Itoa(resp.StatusCode)).Inc()
		res := resp.Header.Get("X-RateLimit-Resource")
		if res == "" {
			res = resource(req)
		}
		for _, g := range []struct {
			gauge *prometheus.GaugeVec
			names []string
		}{
			{m.RateLimitRemaining, []string{"X-RateLimit-Remaining", "RateLimit-Remaining"}},
			{m.RateLimitLimit, []string{"X-RateLimit-Limit", "RateLimit-Limit"}},
			{m.RateLimitReset, []string{"X-RateLimit-Reset", "RateLimit-Reset"}},
		} {
			if v, ok := header(resp.Header, g.names...); ok {
				g.gauge.WithLabelValues(source, res).Set(v)
			}
		}
		return resp, nil
	})
}

func header(h http.Header, names ...string) (float64, bool) {
	for _, n := range names {
		if s := h.Get(n); s != "" {
			if v, err := strconv.ParseFloat(s, 64); err == nil {
				return v, true
			}
		}
	}
	return 0, false
}

// JoinLinks wraps next so that a response's Link header fields reach the
// API client as one. RFC 8288 lets a server send one field per relation, but
// go-github and client-go read only the first field, and would miss a
// rel="next" in a later one and stop paginating early.
func JoinLinks(next http.RoundTripper) http.RoundTripper {
	return RoundTripperFunc(func(req *http.Request) (*http.Response, error) {
		resp, err := next.RoundTrip(req)
		if err == nil {
			if links := resp.Header.Values("Link"); len(links) > 1 {
				resp.Header.Set("Link", strings.Join(links, ", "))
			}
		}
		return resp, err
	})
}

// RoundTripperFunc adapts a function to http.RoundTripper.
type RoundTripperFunc func(*http.Request) (*http.Response, error)

// RoundTrip calls f.
func (f RoundTripperFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// Redact removes every occurrence of secret from err's text, so an error
// that echoes a request (a URL with a token, an auth header) is safe to log.
func Redact(err error, secret string) error {
	if err == nil || secret == "" || !strings.Contains(err.Error(), secret) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), secret, "[REDACTED]"))
}

// FileURL links to a file under base (a repo's web view at one commit),
// each path segment escaped, with a #L<line> anchor when line > 0.
func FileURL(base, path string, line int) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	u := strings.TrimSuffix(base, "/") + "/" + strings.Join(segs, "/")
	if line > 0 {
		u += "#L" + strconv.Itoa(line)
	}
	return u
}
