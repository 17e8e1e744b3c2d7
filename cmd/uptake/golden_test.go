package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/uptake-dev/uptake/internal/demo"
)

// scanVolatile are the values of a scan's JSON and table output that change
// from run to run: times and durations.
var scanVolatile = []struct {
	re   *regexp.Regexp
	repl string
}{
	{regexp.MustCompile(`"(time|last_success|result_time|oldest_result_time)": "[^"]*"`), `"$1": "VOLATILE"`},
	{regexp.MustCompile(`"duration_ns": \d+`), `"duration_ns": 0`},
	{regexp.MustCompile(`files read, [0-9.]+[µnm]?s \(`), `files read, VOLATILE (`},
	{regexp.MustCompile(`Scan of \d{4}-\d\d-\d\d \d\d:\d\d UTC`), `Scan of VOLATILE`},
}

// TestScanOutputsGolden runs `uptake scan` on the demo organisation in the
// json, table, markdown and csv formats and compares each with its golden file
// (testdata/scan-output.*; -update rewrites them).
func TestScanOutputsGolden(t *testing.T) {
	dir := t.TempDir()
	res, err := demo.Generate(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	for format, golden := range map[string]string{"json": "scan-output.json", "table": "scan-output.txt", "markdown": "scan-output.md", "csv": "scan-output.csv"} {
		out := filepath.Join(dir, golden)
		if code := run([]string{"--log.level=error", "scan", "--config", res.Config, "--no-cache", "--format", format, "--output", out}); code != 0 {
			t.Fatalf("scan --format %s exited %d", format, code)
		}
		got, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range scanVolatile {
			got = v.re.ReplaceAll(got, []byte(v.repl))
		}
		path := filepath.Join("testdata", golden)
		if *update {
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test ./cmd/uptake -run Golden -update)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("scan --format %s differs from %s (go test ./cmd/uptake -run Golden -update, then review the diff):\n%s", format, path, lineDiff(string(want), string(got)))
		}
	}
}
