package main

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

func scanFixture(t *testing.T) (dir, cfgPath string) {
	t.Helper()
	dir = t.TempDir()
	writeRepo(t, filepath.Join(dir, "repos", "pay-api"), map[string]string{
		".github/CODEOWNERS": "* @acme/payments\n",
		"go.mod":             "module x\n\nrequire github.com/acme/service-kit v1.2.0\n",
	})
	writeRepo(t, filepath.Join(dir, "repos", "search-web"), map[string]string{
		"CODEOWNERS": "* @alice @acme/search\n",
		"README.md":  "hello\n",
	})
	cfgPath = filepath.Join(dir, "uptake.yml")
	must(t, os.WriteFile(cfgPath, []byte(strings.ReplaceAll(serveConfig, "%s", "runtime")), 0o644))
	return dir, cfgPath
}

func TestScanJSON(t *testing.T) {
	dir, cfgPath := scanFixture(t)
	out := filepath.Join(dir, "out.json")
	if code := run([]string{"--log.level=error", "scan", "--config", cfgPath, "--storage.path", filepath.Join(dir, "data"), "--format", "json", "--output", out}); code != 0 {
		t.Fatalf("scan exited %d", code)
	}
	b, err := os.ReadFile(out)
	must(t, err)
	var doc struct {
		Repos []struct {
			Source, Name, Team string
			Offerings          []struct {
				Offering, Version string
				Evidence          []struct {
					Path string
					Line int
				}
			}
		}
		Summary []struct {
			Offering, Team string
			Adopted, Total int
			Ratio          *float64
		}
	}
	must(t, json.Unmarshal(b, &doc))
	if len(doc.Repos) != 2 || doc.Repos[0].Name != "pay-api" || doc.Repos[0].Source != "mirror" || doc.Repos[0].Team != "payments" {
		t.Fatalf("repos = %+v", doc.Repos)
	}
	o := doc.Repos[0].Offerings
	if len(o) != 1 || o[0].Offering != "service-kit" || o[0].Version != "v1.2.0" || o[0].Evidence[0].Path != "go.mod" || o[0].Evidence[0].Line != 3 {
		t.Fatalf("pay-api offerings = %+v", o)
	}
	if doc.Repos[1].Team != "search" || len(doc.Repos[1].Offerings) != 0 {
		t.Fatalf("search-web = %+v", doc.Repos[1])
	}
	if len(doc.Summary) != 2 || doc.Summary[1].Team != "search" || doc.Summary[1].Adopted != 0 || doc.Summary[1].Total != 1 || *doc.Summary[1].Ratio != 0 {
		t.Fatalf("summary = %+v", doc.Summary)
	}
}

func TestScanProm(t *testing.T) {
	dir, cfgPath := scanFixture(t)
	out := filepath.Join(dir, "uptake.prom")
	if code := run([]string{"--log.level=error", "scan", "--config", cfgPath, "--no-cache", "--format", "prom", "--output", out}); code != 0 {
		t.Fatalf("scan exited %d", code)
	}
	f, err := os.Open(out)
	must(t, err)
	defer f.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := parser.TextToMetricFamilies(f)
	must(t, err)
	for name := range mfs {
		if !strings.HasPrefix(name, "uptake_") {
			t.Errorf("%s in textfile output; only uptake_* belongs there", name)
		}
	}
	adopted := mfs["uptake_offering_adopted_repos"]
	if adopted == nil || len(adopted.Metric) != 2 {
		t.Fatalf("uptake_offering_adopted_repos = %v", adopted)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp") {
			t.Errorf("temp file %s left behind", e.Name())
		}
	}
}

func TestCheck(t *testing.T) {
	_, cfgPath := scanFixture(t)
	if code := run([]string{"check", "--config", cfgPath}); code != 0 {
		t.Fatalf("check of a good config exited %d", code)
	}
	bad := filepath.Join(t.TempDir(), "bad.yml")
	must(t, os.WriteFile(bad, []byte("sources: [{name: s, type: local, path: x}]\nofferings:\n  - name: a\n    owner: o\n    lifecycle: ga\n    detect:\n      - kind: gomod\n        modul: x\n      - kind: nope\n"), 0o644))
	if code := run([]string{"check", "--config", bad}); code != 1 {
		t.Fatalf("check of a bad config exited %d", code)
	}
	// A rule that would match nothing is refused with its fix, never dropped.
	hostless := filepath.Join(t.TempDir(), "hostless.yml")
	must(t, os.WriteFile(hostless, []byte("sources: [{name: s, type: local, path: x}]\nofferings:\n  - name: a\n    owner: o\n    lifecycle: ga\n    detect:\n      - kind: gitlab_ci\n        component: acme/components/go-test\n"), 0o644))
	out := captureStderr(t, func() {
		if code := run([]string{"check", "--config", hostless, "--syntax-only"}); code != 1 {
			t.Errorf("check of a host-less component rule exited %d", code)
		}
	})
	if want := hostless + `:8: offering "a": detector gitlab_ci: component: "acme/components/go-test" has no host: `; !strings.Contains(out, want) {
		t.Errorf("check output lacks %q:\n%s", want, out)
	}

	// A valid file naming what this machine lacks: the syntax passes, the
	// preflight does not.
	dir := t.TempDir()
	needs := filepath.Join(dir, "needs.yml")
	must(t, os.WriteFile(needs, []byte(`sources:
  - {name: mirror, type: local, path: ./missing}
  - {name: gh, type: github, org: acme, token_env: UPTAKE_TEST_UNSET_TOKEN, tls: {ca_file: ./ca.pem}}
offerings:
  - {name: a, owner: o, lifecycle: ga, detect: [{kind: gomod, module: x}]}
`), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "ca.pem"), []byte("not a certificate"), 0o644))
	if code := run([]string{"check", "--config", needs, "--syntax-only"}); code != 0 {
		t.Fatalf("check --syntax-only of a valid file exited %d", code)
	}
	out = captureStderr(t, func() {
		if code := run([]string{"check", "--config", needs}); code != 1 {
			t.Errorf("check of a file whose paths and token are missing exited %d", code)
		}
	})
	for _, want := range []string{
		`needs.yml:2: source "mirror": path ` + filepath.Join(dir, "missing") + `: no such file or directory`,
		`needs.yml:3: source "gh": environment variable UPTAKE_TEST_UNSET_TOKEN is empty or unset`,
		`needs.yml:3: source "gh": tls.ca_file ` + filepath.Join(dir, "ca.pem") + ` holds no PEM certificate`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("check output lacks %q:\n%s", want, out)
		}
	}
}

// captureStderr returns what f writes to os.Stderr.
func captureStderr(t *testing.T, f func()) string {
	t.Helper()
	r, w, err := os.Pipe()
	must(t, err)
	saved := os.Stderr
	os.Stderr = w
	done := make(chan string)
	go func() { b, _ := io.ReadAll(r); done <- string(b) }()
	f()
	os.Stderr = saved
	must(t, w.Close())
	return <-done
}
