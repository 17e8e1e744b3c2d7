package main

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/uptake-dev/uptake/collector/snapshot"
)

func reportSnapshot() *snapshot.Snapshot {
	half := 0.5
	return &snapshot.Snapshot{
		Offerings: []snapshot.OfferingReport{{Name: "kit", Lifecycle: "ga", Owner: "rt"}, {Name: "a|b<i>", Lifecycle: "beta", Owner: "x_y"}},
		Teams:     []snapshot.TeamReport{{Name: "pay", Repos: 2}, {Name: "idle", Repos: 1}},
		Summary: []snapshot.Cell{
			{Offering: "kit", Team: "pay", Adopted: 1, Total: 2, Ratio: &half, Outdated: 1},
			{Offering: "kit", Team: "idle"},
			{Offering: "a|b<i>", Team: "pay", Waived: 1},
			{Offering: "a|b<i>", Team: "idle"},
		},
	}
}

func TestReportFilters(t *testing.T) {
	s := reportSnapshot()
	var buf bytes.Buffer
	writeTable(&buf, s, reportFilter{})
	if out := buf.String(); strings.Contains(out, "idle") || !regexp.MustCompile(`(?m)^kit\s+\*\s+ga`).MatchString(out) {
		t.Errorf("default table: the all-zero rows are shown or the org-wide row missing:\n%s", out)
	}
	buf.Reset()
	writeTable(&buf, s, reportFilter{all: true, offering: "kit"})
	if out := buf.String(); !strings.Contains(out, "idle") || strings.Contains(out, "a|b") {
		t.Errorf("--all --offering kit:\n%s", out)
	}
	buf.Reset()
	if err := writeCSV(&buf, s, reportFilter{team: "pay"}); err != nil {
		t.Fatal(err)
	}
	if want := "offering,team,adopted,eligible,ratio,outdated\na|b<i>,pay,0,0,,0\nkit,pay,1,2,0.5000,1\n"; buf.String() != want {
		t.Errorf("csv --team pay =\n%s\nwant\n%s", buf.String(), want)
	}
	buf.Reset()
	writeMarkdown(&buf, s, reportFilter{})
	if out := buf.String(); !strings.Contains(out, `| a\|b&lt;i&gt; | beta | x\_y |`) || strings.Contains(out, "<i>") {
		t.Errorf("markdown does not escape names:\n%s", out)
	}
	for _, f := range []reportFilter{{offering: "nope"}, {team: "nope"}} {
		if f.check(s) == nil {
			t.Errorf("%+v accepted", f)
		}
	}
}
