package gitlab

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	pathpkg "path"
	"testing"

	"github.com/uptake-dev/uptake/collector/source/remote"
)

// groupProjects builds n projects shaped like the ledger fixture, spread
// over 40 team subgroups, each with a 40-file tree: a .gitlab-ci.yml in
// every project, CODEOWNERS in half (.gitlab/ or root), contents unique per
// project so the blob cache does not flatter the first scan.
func groupProjects(b testing.TB, n int) []*fakeProject {
	fixtures := loadFixtures(b)
	var tmpl, branchTmpl map[string]any
	for _, p := range fixtures {
		if p.id == 102 {
			if err := json.Unmarshal(p.raw, &tmpl); err != nil {
				b.Fatal(err)
			}
			if err := json.Unmarshal(p.branchRaw, &branchTmpl); err != nil {
				b.Fatal(err)
			}
		}
	}
	marshal := func(v any) json.RawMessage {
		out, err := json.Marshal(v)
		if err != nil {
			b.Fatal(err)
		}
		return out
	}
	var out []*fakeProject
	for i := range n {
		id := int64(1000 + i)
		ns := fmt.Sprintf("acme/team-%02d/svc", i%40)
		full := fmt.Sprintf("%s/service-%04d", ns, i)
		tmpl["id"] = id
		tmpl["path"] = fmt.Sprintf("service-%04d", i)
		tmpl["path_with_namespace"] = full
		tmpl["web_url"] = "https://gitlab.example.com/" + full
		tmpl["default_branch"] = "main"
		tmpl["namespace"].(map[string]any)["full_path"] = ns
		p := parseProject(b, marshal(tmpl))
		p.head = hash(fmt.Sprint("head", i))
		branchTmpl["name"] = "main"
		branchTmpl["commit"].(map[string]any)["id"] = p.head
		p.branchRaw = marshal(branchTmpl)
		p.files = map[string][]byte{
			".gitlab-ci.yml": fmt.Appendf(nil, "include:\n  - component: gitlab.example.com/acme/platform-ci/go-build@2.%d.0\n", i),
		}
		switch i % 4 {
		case 0:
			p.files[".gitlab/CODEOWNERS"] = fmt.Appendf(nil, "* @acme/team-%02d\n", i%40)
		case 1:
			p.files["CODEOWNERS"] = fmt.Appendf(nil, "* @acme/team-%02d\n", i%40)
		}
		for j := range 40 - len(p.files) {
			p.files[fmt.Sprintf("internal/pkg%d/file%d.go", j%5, j)] = fmt.Appendf(nil, "package pkg // %d %d\n", i, j)
		}
		for path, content := range p.files {
			p.tree = append(p.tree, treeNode{ID: remote.BlobID(content, false), Name: pathpkg.Base(path), Type: "blob", Path: path, Mode: "100644"})
		}
		out = append(out, p)
	}
	return out
}

func hash(s string) string {
	h := sha1.Sum([]byte(s))
	return hex.EncodeToString(h[:])
}

// BenchmarkGroupScan scans a 2,000-project group the way the engine does:
// a first scan (List, Head, Open, the CI and CODEOWNERS files) and a rescan
// with nothing changed (List and Head only), over REST and with GraphQL
// (HEADs with the listing, each project's files in one query). GitLab's
// budget is paced, not planned: the paced-min figures are the wall time each
// scan would take under a limit of 5,000 requests an hour.
func BenchmarkGroupScan(b *testing.B) {
	const projects = 2000
	f := newFake(b, groupProjects(b, projects))
	for _, tc := range []struct {
		name    string
		graphql bool
	}{{"rest", false}, {"graphql", true}} {
		b.Run(tc.name, func(b *testing.B) {
			cfg := testConfig(b, f)
			cfg.GraphQL = &tc.graphql
			var first, rescan int
			for b.Loop() {
				s := newTestSource(b, cfg, Options{Store: newMemStore(), Concurrency: 8})
				cache := map[string]string{}
				start := f.requests()
				n, err := scan(b.Context(), s, cache, 8)
				if err != nil {
					b.Fatal(err)
				}
				if n != projects {
					b.Fatalf("scanned %d projects, want %d", n, projects)
				}
				mid := f.requests()
				if _, err := scan(b.Context(), s, cache, 8); err != nil {
					b.Fatal(err)
				}
				first, rescan = mid-start, f.requests()-mid
			}
			b.ReportMetric(float64(first)/projects, "req/project-first")
			b.ReportMetric(float64(rescan)/projects, "req/project-rescan")
			// Under 5,000 requests an hour (RateLimit-Limit 83 a minute) the
			// limiter paces at paceShare of it and never meets a refusal: a
			// scan then takes its requests at that pace.
			const perMinute = 5000.0 / 60 * paceShare
			b.ReportMetric(float64(first)/perMinute, "paced-min/first-scan@5000/h")
			b.ReportMetric(float64(rescan)/perMinute, "paced-min/rescan@5000/h")
		})
	}
}
