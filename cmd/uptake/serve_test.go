package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/uptake-dev/uptake/internal/gittest"

	"github.com/alecthomas/kingpin/v2"
	"go.uber.org/zap"
	"golang.org/x/crypto/bcrypt"
)

// writeRepo commits files into a new git repo at dir.
func writeRepo(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	gittest.Commit(t, dir, "", time.Unix(0, 0), files)
}

const serveConfig = `
sources:
  - name: mirror
    type: local
    path: repos
teams:
  from: [codeowners]
offerings:
  - name: service-kit
    owner: %s
    lifecycle: ga
    detect:
      - kind: gomod
        module: github.com/acme/service-kit
`

func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	certFile, keyFile = filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	must(t, os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	must(t, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600))
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestServeTLSBasicAuthReload runs `uptake serve` behind exporter-toolkit's
// TLS and basic auth, then reloads a valid and an invalid config.
func TestServeTLSBasicAuthReload(t *testing.T) {
	dir := t.TempDir()
	writeRepo(t, filepath.Join(dir, "repos", "pay-api"), map[string]string{
		".github/CODEOWNERS": "* @acme/payments\n",
		"go.mod":             "module x\n\nrequire github.com/acme/service-kit v1.2.0\n",
	})
	cfgPath := filepath.Join(dir, "uptake.yml")
	must(t, os.WriteFile(cfgPath, []byte(fmt.Sprintf(serveConfig, "runtime")), 0o644))
	certFile, keyFile, pool := selfSigned(t, dir)
	hash, err := bcrypt.GenerateFromPassword([]byte("s3cret"), bcrypt.MinCost)
	must(t, err)
	webCfg := filepath.Join(dir, "web.yml")
	must(t, os.WriteFile(webCfg, []byte(fmt.Sprintf("tls_server_config:\n  cert_file: %s\n  key_file: %s\nbasic_auth_users:\n  prom: %s\n", certFile, keyFile, hash)), 0o600))

	addr := freeAddr(t)
	app := kingpin.New("uptake", "")
	c := newServeCmd(app)
	if _, err := app.Parse([]string{"serve", "--config", cfgPath, "--storage.path", filepath.Join(dir, "data"),
		"--web.listen-address", addr, "--web.config.file", webCfg, "--web.enable-lifecycle", "--config.poll-interval=0"}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	go func() { done <- c.serve(ctx, zap.NewNop()) }()
	defer func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("serve exited %d", code)
		}
	}()

	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	get := func(method, path string, auth bool) (int, string) {
		req, _ := http.NewRequest(method, "https://"+addr+path, nil)
		if auth {
			req.SetBasicAuth("prom", "s3cret")
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if code, _ := get("GET", "/-/ready", true); code == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("not ready within 30s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if code, _ := get("GET", "/metrics", false); code != http.StatusUnauthorized {
		t.Fatalf("/metrics without credentials: %d, want 401", code)
	}
	// TLS and basic auth cover every page and API answer, not only /metrics.
	for _, p := range []string{"/", "/style.css", "/offerings/service-kit", "/teams/payments", "/repos/mirror/pay-api", "/search?q=pay",
		"/?format=csv", "/api/v1/offerings", "/api/v1/offerings/service-kit", "/api/v1/teams/payments", "/api/v1/repos?team=payments",
		"/api/v1/repos/mirror/pay-api", "/api/v1/snapshot", "/-/healthy"} {
		if code, _ := get("GET", p, false); code != http.StatusUnauthorized {
			t.Errorf("%s without credentials: %d, want 401", p, code)
		}
		if code, body := get("GET", p, true); code != http.StatusOK {
			t.Errorf("%s with credentials: %d %.200s", p, code, body)
		}
	}
	code, body := get("GET", "/metrics", true)
	for _, want := range []string{
		`uptake_offering_adopted_repos{offering="service-kit",team="payments"} 1`,
		`uptake_offering_info{latest="",lifecycle="ga",offering="service-kit",owner="runtime"} 1`,
		`uptake_config_last_reload_successful 1`,
		`uptake_build_info{`,
		`go_goroutines`,
	} {
		if code != http.StatusOK || !strings.Contains(body, want) {
			t.Fatalf("/metrics (%d) lacks %s", code, want)
		}
	}
	scanTime := func() string {
		_, b := get("GET", "/api/v1/snapshot", true)
		var s struct{ Time string }
		must(t, json.Unmarshal([]byte(b), &s))
		return s.Time
	}
	before := scanTime()

	// The snapshot API answers "why is team X (not) counted" per team.
	_, b := get("GET", "/api/v1/snapshot?team=payments&repo=pay-*", true)
	var filtered struct {
		Repos []struct {
			Name, Team string
			Offerings  []struct{ Offering string }
		}
		Summary []struct{ Team string }
	}
	must(t, json.Unmarshal([]byte(b), &filtered))
	if len(filtered.Repos) != 1 || filtered.Repos[0].Name != "pay-api" || len(filtered.Repos[0].Offerings) != 1 {
		t.Fatalf("filtered snapshot repos = %+v", filtered.Repos)
	}
	for _, c := range filtered.Summary {
		if c.Team != "payments" {
			t.Fatalf("filtered summary has team %q", c.Team)
		}
	}
	if _, b := get("GET", "/api/v1/snapshot?team=nobody", true); strings.Contains(b, "pay-api") {
		t.Fatal("a team filter matching nothing still lists repos")
	}

	// A valid change that reads no new file applies at once, without a scan.
	must(t, os.WriteFile(cfgPath, []byte(fmt.Sprintf(serveConfig, "platform-core")), 0o644))
	if code, body := get("GET", "/-/reload", true); code != http.StatusMethodNotAllowed {
		t.Fatalf("GET /-/reload: %d %s", code, body)
	}
	if code, body := get("POST", "/-/reload", true); code != http.StatusOK {
		t.Fatalf("reload: %d %s", code, body)
	}
	_, body = get("GET", "/metrics", true)
	if !strings.Contains(body, `owner="platform-core"`) {
		t.Fatal("reloaded owner not in /metrics")
	}
	if after := scanTime(); after != before {
		t.Fatalf("reload rescanned: snapshot time %s -> %s", before, after)
	}

	// An invalid config is rejected, the old one keeps serving.
	must(t, os.WriteFile(cfgPath, []byte("offerings: [{name: Bad Name}]\nbogus: 1\n"), 0o644))
	code, body = get("POST", "/-/reload", true)
	if code != http.StatusInternalServerError || !strings.Contains(body, "uptake.yml:") {
		t.Fatalf("bad reload: %d %s", code, body)
	}
	_, body = get("GET", "/metrics", true)
	if !strings.Contains(body, "uptake_config_last_reload_successful 0") || !strings.Contains(body, `owner="platform-core"`) {
		t.Fatal("after a rejected reload: want the gauge at 0 and the previous config serving")
	}
}

func TestParseShard(t *testing.T) {
	for in, want := range map[string][2]int{"0/1": {0, 1}, "2/4": {2, 4}, "uptake-3/4": {3, 4}} {
		i, n, err := parseShard(in)
		if err != nil || i != want[0] || n != want[1] {
			t.Errorf("parseShard(%q) = %d, %d, %v", in, i, n, err)
		}
	}
	for _, bad := range []string{"4/4", "1", "-1/2", "a/b", "0/0", "uptake/4"} {
		if _, _, err := parseShard(bad); err == nil {
			t.Errorf("parseShard(%q) accepted", bad)
		}
	}
}
