package main

import "testing"

func TestZZBackfill(t *testing.T) {
	if code := run([]string{"--log.level=error", "backfill", "-c", "/tmp/bf/est/uptake.yml", "--since", "52w", "--step", "1w", "--until", "2026-06-01", "--label", "job=u", "-o", "/dev/null"}); code != 0 {
		t.Fatal(code)
	}
}
