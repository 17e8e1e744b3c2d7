package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMirrorCommandRefusesWhatItCannotMirror(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "uptake.yml")
	must(t, os.WriteFile(cfg, []byte(`sources:
  - {name: here, type: local, path: `+dir+`}
  - {name: gh, type: github, org: acme}
offerings:
  - name: kit
    owner: platform
    lifecycle: ga
    detect:
      - {kind: gomod, module: github.com/acme/kit}
`), 0o644))
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"mirror", "--config", cfg, "--dir", dir, "--source", "here"}, 2, `--source "here" is of type local`},
		{[]string{"mirror", "--config", cfg, "--dir", dir, "--source", "nope"}, 2, "no such source"},
		{[]string{"mirror", "--config", cfg, "--dir", dir, "--repo-timeout", "soon"}, 2, "--repo-timeout"},
		{[]string{"backfill", "--config", cfg, "--no-events", "--mirror", dir}, 1, `source "gh" has no mirror`},
	} {
		var code int
		stderr := captureStderr(t, func() { code = run(tc.args) })
		if code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("uptake %s: exit %d, stderr %q; want exit %d and %q", strings.Join(tc.args, " "), code, stderr, tc.code, tc.want)
		}
	}
}
