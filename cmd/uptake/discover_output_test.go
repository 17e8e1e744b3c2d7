package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"unicode"

	"github.com/uptake-dev/uptake/collector/snapshot"
)

// hostileHarvest names paths, components, teams and repos as a hostile
// repo (or its host's API) can: escapes, newlines, tabs, pipes, backticks.
func hostileHarvest() *snapshot.Harvest {
	ev := snapshot.RepoEvidence{Source: "s", Repo: "r\x1b[2J", Team: "t|x\n", Evidence: snapshot.Evidence{Path: "go.mod\n| injected |", Line: 3, Name: "evil`|\x1b]0;x\x07"}}
	m := snapshot.ClusterMember{Source: "s", Repo: "r\x1b[2J", Team: "t", Path: ".github/workflows/\x1b[31mci\t.yml\n# injected", Similarity: 1}
	near := m
	near.Similarity, near.Diff = 0.9, []string{"+ x"}
	return &snapshot.Harvest{Enabled: true, MinTeams: 3,
		Candidates: []snapshot.Candidate{{Kind: "gomod", Name: "evil`|\x1b]0;x\x07\n", Teams: 3, Repos: 3, Evidence: []snapshot.RepoEvidence{ev}}},
		Clusters:   []snapshot.Cluster{{ID: "0123456789ab", Kind: "github_workflow", Path: m.Path, Teams: 3, Repos: 3, Members: []snapshot.ClusterMember{m, near}}},
		Alternatives: []snapshot.AlternativeUse{{Offering: "kit", Alternative: "gin|\x1b[0m", Team: "t|x\n",
			Repos: []snapshot.RepoEvidence{ev}}},
	}
}

// The terminal table carries no control character but its own newlines,
// and every line of it is one it wrote (no newline smuggled in a path).
func TestDiscoverTableDefusesScannedNames(t *testing.T) {
	var buf bytes.Buffer
	writeDiscoverTable(&buf, hostileHarvest())
	out := buf.String()
	if strings.ContainsFunc(out, func(r rune) bool { return unicode.IsControl(r) && r != '\n' }) {
		t.Errorf("control characters reach the terminal:\n%q", out)
	}
	if strings.Contains(out, "\n# injected") || strings.Contains(out, "\n| injected") {
		t.Errorf("a scanned newline starts a line of its own:\n%s", out)
	}
}

// Markdown rows stay rows: no newline, pipe or code span escape from a
// scanned name.
func TestDiscoverMarkdownDefusesScannedNames(t *testing.T) {
	var buf bytes.Buffer
	writeDiscoverMarkdown(&buf, hostileHarvest())
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if strings.ContainsFunc(line, unicode.IsControl) {
			t.Errorf("control characters in %q", line)
		}
		if !strings.HasPrefix(line, "|") {
			continue
		}
		// Cells: unescaped pipes outside code spans split the row.
		if n := cells(line); n != 5 && n != 8 {
			t.Errorf("%d cells in %q (want 5 or 8)", n, line)
		}
	}
}

// cells counts a markdown table row's cells as GitHub does: a pipe not
// escaped by a backslash ends a cell, code spans included.
func cells(row string) int {
	n := 0
	for i := 1; i < len(row); i++ {
		if row[i] == '|' && row[i-1] != '\\' {
			n++
		}
	}
	return n
}

// bigCluster is one cluster of a representative and 20 near copies.
func bigCluster() *snapshot.Harvest {
	c := snapshot.Cluster{ID: "0123456789ab", Kind: "makefile", Path: "Makefile", Teams: 21, Repos: 21, Identical: 1,
		Members: []snapshot.ClusterMember{{Source: "s", Repo: "rep", Team: "t", Path: "Makefile", Similarity: 1}}}
	for i := range 20 {
		c.Members = append(c.Members, snapshot.ClusterMember{Source: "s", Repo: fmt.Sprintf("r%02d", i), Team: fmt.Sprint("t", i), Path: "Makefile",
			Similarity: 0.9, Diff: []string{fmt.Sprintf("+ lint-%02d:", i), "- lint:"}})
	}
	return &snapshot.Harvest{Enabled: true, MinTeams: 3, Clusters: []snapshot.Cluster{c}}
}

// A cluster's other copies and diffs are bounded in the table (a cluster
// lists up to 500 members: one line of them all, 6,000 diff lines), and
// markdown says how the members differ too.
func TestDiscoverBoundsAClustersMembers(t *testing.T) {
	var buf bytes.Buffer
	writeDiscoverTable(&buf, bigCluster())
	out := buf.String()
	if !strings.Contains(out, fmt.Sprintf("s/r%02d (0.90), … 12 more", maxListedMembers-1)) {
		t.Errorf("other copies not cut after %d:\n%s", maxListedMembers, out)
	}
	if n := strings.Count(out, "differs from the representative"); n != maxListedMembers {
		t.Errorf("%d diffs, want %d:\n%s", n, maxListedMembers, out)
	}
	if !strings.Contains(out, "0123456789ab: 12 more members differ (--format json lists them)") {
		t.Errorf("the table does not say how many diffs it left out:\n%s", out)
	}
	buf.Reset()
	writeDiscoverMarkdown(&buf, bigCluster())
	out = buf.String()
	for _, want := range []string{"… 12 more |", "`s/r00` `Makefile` differs from the representative:\n\n    + lint-00:\n    - lint:\n", "12 more members differ"} {
		if !strings.Contains(out, want) {
			t.Errorf("markdown lacks %q:\n%s", want, out)
		}
	}
}
