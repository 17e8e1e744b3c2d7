package harvest

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/uptake-dev/uptake/collector/inventory"
	"github.com/uptake-dev/uptake/collector/snapshot"
)

func makefile(extra ...string) []string {
	lines := []string{"build:", "go build ./...", "test:", "go test ./...", "lint:", "golangci-lint run", "image:", "docker build .", "push:", "docker push"}
	return append(lines, extra...)
}

func TestClustersNearCopiesAndHowTheyDiffer(t *testing.T) {
	repos := []Repo{
		{Source: "s", Name: "a", Team: "ta", Files: []inventory.HarvestFile{{Path: "Makefile", Kind: "makefile", Lines: makefile()}}},
		{Source: "s", Name: "b", Team: "tb", Files: []inventory.HarvestFile{{Path: "Makefile", Kind: "makefile", Lines: makefile()}}},
		{Source: "s", Name: "c", Team: "tc", Files: []inventory.HarvestFile{{Path: "build/Makefile", Kind: "makefile", Lines: makefile("deploy:", "kubectl apply")}}},
		// The same lines as another kind of file are not a copy of it.
		{Source: "s", Name: "d", Team: "td", Files: []inventory.HarvestFile{{Path: "Dockerfile", Kind: "dockerfile", Lines: makefile()}}},
		// Unrelated, and unowned: a repo but no team.
		{Source: "s", Name: "e", Team: "unowned", Files: []inventory.HarvestFile{{Path: "Makefile", Kind: "makefile", Lines: []string{"all:", "cargo build", "cargo test", "x"}}}},
	}
	got, truncated := Clusters(repos, 3, "unowned")
	if truncated || len(got) != 1 {
		t.Fatalf("%d clusters (truncated %v): %+v", len(got), truncated, got)
	}
	c := got[0]
	if c.Teams != 3 || c.Repos != 3 || c.Identical != 2 || c.Path != "Makefile" || c.Members[0].Repo != "a" {
		t.Errorf("cluster %+v", c)
	}
	if c.ID != contentSum(makefile())[:12] {
		t.Errorf("id %s is not the representative's content sum", c.ID)
	}
	near := c.Members[2]
	if near.Repo != "c" || near.Similarity >= 1 || near.Similarity < Threshold {
		t.Errorf("near copy %+v", near)
	}
	if want := []string{"+ deploy:", "+ kubectl apply"}; !slices.Equal(near.Diff, want) {
		t.Errorf("diff %q, want %q", near.Diff, want)
	}
	if got, _ := Clusters(repos, 4, "unowned"); len(got) != 0 {
		t.Errorf("min teams 4: %d clusters", len(got))
	}
}

func TestClustersBelowThresholdStayApart(t *testing.T) {
	var repos []Repo
	for i := range 4 {
		// Half the lines differ in each: far below the threshold.
		lines := makefile()
		for j := 0; j < len(lines); j += 2 {
			lines[j] = fmt.Sprintf("%s-%d", lines[j], i)
		}
		repos = append(repos, Repo{Source: "s", Name: fmt.Sprint(i), Team: fmt.Sprint(i), Files: []inventory.HarvestFile{{Path: "Makefile", Kind: "makefile", Lines: lines}}})
	}
	if got, _ := Clusters(repos, 2, "unowned"); len(got) != 0 {
		t.Errorf("%d clusters of files that share half their lines", len(got))
	}
}

func TestLineDiffIsBounded(t *testing.T) {
	var a, b []string
	for i := range 30 {
		a = append(a, fmt.Sprint("a", i))
		b = append(b, fmt.Sprint("b", i))
	}
	diff, more := lineDiff(a, b, 12)
	if len(diff) != 12 || more != 48 {
		t.Errorf("%d lines, %d more; want 12 and 48", len(diff), more)
	}
}

func TestFoldRepoNames(t *testing.T) {
	for _, tc := range []struct {
		repo     string
		in, want []string
	}{
		{"acme/payments-api",
			[]string{"docker build -t acme/payments-api .", "cd payments-api", "api", "image: registry.acme.io/payments-api:1.2",
				"go install github.com/acme/payments-api/cmd/x", "payments-api-v2", "mypayments-api", "deploy payments-api.yaml"},
			[]string{"docker build -t <repo> .", "cd <repo>", "api", "image: registry.acme.io/<repo>:1.2",
				"go install github.com/<repo>/cmd/x", "payments-api-v2", "mypayments-api", "deploy payments-api.yaml"}},
		// A word as the last segment folds as a path's last component only.
		{"acme/build",
			[]string{"go build ./...", "build:", "rebuild", "docker build -t acme/build .", "cp bin/build /usr/local/bin"},
			[]string{"go build ./...", "build:", "rebuild", "docker build -t <repo> .", "cp bin/<repo> /usr/local/bin"}},
		{"node", []string{"FROM node:20", "RUN npm ci --node-version=20"}, []string{"FROM node:20", "RUN npm ci --node-version=20"}},
		// owner/name@ref is another repo's action (or package): a checkout
		// service's workflow still uses actions/checkout; its own action is
		// folded as its full name.
		{"acme/checkout", []string{"- uses: actions/checkout@v4", "- uses: acme/checkout@v1", "cp bin/checkout /usr/local/bin"},
			[]string{"- uses: actions/checkout@v4", "- uses: <repo>@v1", "cp bin/<repo> /usr/local/bin"}},
		{"acme/setup-go", []string{"- uses: actions/setup-go@v5", "make setup-go"}, []string{"- uses: actions/setup-go@v5", "make <repo>"}},
	} {
		if got := fold(tc.in, tc.repo); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.repo, got, tc.want)
		}
	}
}

// nearCopies are n repos of n teams, each with a 30-line CI file one line
// away from a common template: n distinct near-copies.
func nearCopies(n int) []Repo {
	repos := make([]Repo, n)
	for i := range repos {
		lines := make([]string, 30)
		for l := range lines {
			lines[l] = fmt.Sprintf("step-%d: run make target-%d", l, l)
		}
		lines[i%30] = fmt.Sprintf("step-%d: run variant-%d", i%30, i)
		repos[i] = Repo{Source: "s", Name: fmt.Sprintf("acme/svc-%d", i), Team: fmt.Sprintf("t%d", i),
			Files: []inventory.HarvestFile{{Path: ".gitlab-ci.yml", Kind: "gitlab_ci", Lines: lines}}}
	}
	return repos
}

// BenchmarkClustersNearCopies clusters thousands of distinct near-copies,
// the LSH buckets' worst case: every file shares bands with most others.
func BenchmarkClustersNearCopies(b *testing.B) {
	for _, n := range []int{2_000, 10_000} {
		repos := nearCopies(n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			var clusters int
			for b.Loop() {
				got, _ := Clusters(repos, 3, "unowned")
				clusters = len(got)
			}
			b.ReportMetric(float64(clusters), "clusters")
		})
	}
}

// Twelve files, each one line away from the previous one: a chain whose
// ends share little. No member is below the threshold to its cluster's
// representative (single linkage put all twelve in one cluster, members
// down to 0.36).
func TestClustersDoNotChain(t *testing.T) {
	lines := make([]string, 30)
	for l := range lines {
		lines[l] = fmt.Sprintf("step-%d: run target-%d", l, l)
	}
	var repos []Repo
	byRepo := map[string][]string{}
	for i := range 12 {
		lines = slices.Clone(lines)
		lines[2*i] = fmt.Sprintf("step-%d: run changed-%d", 2*i, i)
		name := fmt.Sprint("r", i)
		byRepo[name] = lines
		repos = append(repos, Repo{Source: "s", Name: name, Team: fmt.Sprint("t", i),
			Files: []inventory.HarvestFile{{Path: ".gitlab-ci.yml", Kind: "gitlab_ci", Lines: lines}}})
	}
	got, _ := Clusters(repos, 2, "unowned")
	if len(got) == 0 {
		t.Fatal("no cluster of near copies")
	}
	seen := map[string]bool{}
	for _, c := range got {
		for _, m := range c.Members {
			if seen[m.Repo] {
				t.Errorf("%s in two clusters", m.Repo)
			}
			seen[m.Repo] = true
			sim := shingleJaccard(c.Lines, byRepo[m.Repo])
			if m.Similarity < Threshold || sim < Threshold {
				t.Errorf("cluster %s: member %s at %.2f (%.2f) to the representative", c.ID, m.Repo, m.Similarity, sim)
			}
		}
	}
}

// shingleJaccard is the Jaccard similarity of two files' line pairs,
// computed apart from the package's hashes.
func shingleJaccard(a, b []string) float64 {
	set := func(lines []string) map[string]bool {
		m := map[string]bool{}
		for i := 0; i+1 < len(lines); i++ {
			m[lines[i]+"\n"+lines[i+1]] = true
		}
		return m
	}
	sa, sb := set(a), set(b)
	inter := 0
	for s := range sa {
		if sb[s] {
			inter++
		}
	}
	return float64(inter) / float64(len(sa)+len(sb)-inter)
}

// A hostile pair: 16 KiB of one-character lines each (8,190 lines), and a
// 20 KiB line. The diff stays small in memory and in its lines (the LCS
// table alone was 537 MB).
func TestLineDiffOfHostileFiles(t *testing.T) {
	a, b := make([]string, 8190), make([]string, 8190)
	for i := range a {
		a[i] = string(rune('a' + i%2))
		b[i] = string(rune('a' + (i/3)%3))
	}
	long := strings.Repeat("é", 10_000)
	a[4000] = long
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	diff, more := lineDiff(a, b, snapshot.MaxDiffLines)
	runtime.ReadMemStats(&after)
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8<<20 {
		t.Errorf("lineDiff allocated %d MB", alloc>>20)
	}
	if len(diff) != snapshot.MaxDiffLines || more == 0 {
		t.Errorf("%d lines, %d more", len(diff), more)
	}
	for _, l := range diff {
		if len(l) > 2+maxDiffLineBytes+len("…") || !utf8.ValidString(l) {
			t.Errorf("diff line of %d bytes (valid UTF-8: %v)", len(l), utf8.ValidString(l))
		}
	}
	// Small middles keep the LCS diff: one line changed in a long file.
	c := slices.Clone(a)
	c[100] = "changed"
	if diff, more := lineDiff(a, c, 12); !slices.Equal(diff, []string{"+ changed", "- " + a[100]}) || more != 0 {
		t.Errorf("one line changed: %q, %d more", diff, more)
	}
}

// Files that are mostly one line repeated all share the same few shingles
// whatever their order: they are no cluster.
func TestClustersLeaveOutRepeatedLines(t *testing.T) {
	var repos []Repo
	for i := range 4 {
		lines := make([]string, 400)
		for l := range lines {
			lines[l] = string(rune('a' + (l/(i+1))%2))
		}
		repos = append(repos, Repo{Source: "s", Name: fmt.Sprint("r", i), Team: fmt.Sprint("t", i),
			Files: []inventory.HarvestFile{{Path: "Makefile", Kind: "makefile", Lines: lines}}})
	}
	if got, _ := Clusters(repos, 2, "unowned"); len(got) != 0 {
		t.Errorf("%d clusters of files of two lines repeated: %+v", len(got), got[0].Members)
	}
}
