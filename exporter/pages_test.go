package exporter

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/uptake-dev/uptake/collector/snapshot"
)

// hostile is a GitLab subgroup repo whose name and component carry markup:
// every page must show it as text.
const (
	hostileRepo      = `grp/sub/<script>alert(1)</script>`
	hostileComponent = `<script>alert("c")</script>`
)

// demoSnapshot is the demo organisation's scan (the scan golden file), plus
// one hostile repo.
func demoSnapshot(t testing.TB) *snapshot.Snapshot {
	t.Helper()
	b, err := os.ReadFile("../cmd/uptake/testdata/scan-output.json")
	if err != nil {
		t.Fatal(err)
	}
	b = bytes.ReplaceAll(b, []byte(`"VOLATILE"`), []byte(`"2026-12-02T10:00:00Z"`))
	var s snapshot.Snapshot
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	s.Repos = append(s.Repos, snapshot.RepoReport{Source: "gl", Name: hostileRepo, Team: "payments", TeamVia: "map",
		Offerings: []snapshot.RepoOffering{{Offering: "service-kit", Version: "v1.4.0", Evidence: []snapshot.Evidence{
			{Path: "go.mod", Line: 3, URL: "javascript:alert(2)", Kind: "gomod", Name: hostileComponent, Version: "v1.4.0"}}}}})
	return &s
}

func demoServer(t *testing.T, shard string) string {
	t.Helper()
	s := demoSnapshot(t)
	return testMux(t, WebOptions{Snapshot: func() *snapshot.Snapshot { return s }, Shard: shard}).URL
}

func TestPagesAnswer(t *testing.T) {
	u := demoServer(t, "")
	for _, tc := range []struct {
		path string
		code int
		has  []string
	}{
		{"/", 200, []string{`<a href="/offerings/service-kit">service-kit</a>`, "All offerings", `href="/metrics"`, `href="/-/healthy"`, `href="/api/v1/offerings"`, `<meter`}},
		{"/offerings/service-kit", 200, []string{"Funnel per team", "identity-ldap-bridge", "Scheduled for decommission", "2099-12-31",
			"customer discovery", `href="/teams/data"`, "go.mod:6", "languages"}},
		{"/teams/data", 200, []string{`href="/repos/demo/data-api"`, "Versions in use"}},
		{"/repos/demo/data-api", 200, []string{"adopted", "version v1.4.0", "excluded by eligible: paths", "codeowners"}},
		{"/repos/demo/identity-ldap-bridge", 200, []string{"waived", "Scheduled for decommission with the directory migration (until 2099-12-31)"}},
		{"/repos/demo/docs-site", 200, []string{"no rule matched", "excluded by eligible: languages"}},
		{"/repos/demo/billing-legacy", 200, []string{"no data", "object not found"}},
		{"/repos/gl/" + url.PathEscape(hostileRepo), 200, []string{"&lt;script&gt;alert(1)&lt;/script&gt;"}},
		{"/search?q=ldap", 200, []string{"identity-ldap-bridge"}},
		{"/search?q=acme%2Fservice-kit", 200, []string{"github.com/acme/service-kit"}},
		{"/search", 200, []string{"Type a repo"}},
		{"/offerings/nope", 404, []string{`No offering "nope"`}},
		{"/teams/nope", 404, nil},
		{"/repos/demo/nope", 404, nil},
		{"/repos/demo/data-api/extra", 404, nil},
		{"/nope", 404, nil},
		{"/?sort=offerings.nope", 400, []string{"known: offerings.name"}},
		{"/?sort=nope.name", 400, []string{`no table "nope"`}},
		{"/?format=pdf", 400, nil},
		{"/search?q=" + strings.Repeat("x", 300), 400, nil},
	} {
		code, h, body := do(t, "GET", u+tc.path)
		if code != tc.code {
			t.Errorf("GET %s: %d, want %d (%.200s)", tc.path, code, tc.code, body)
			continue
		}
		for _, s := range tc.has {
			if !strings.Contains(body, s) {
				t.Errorf("GET %s: no %q in\n%.3000s", tc.path, s, body)
			}
		}
		if code == 200 && h.Get("Content-Security-Policy") != contentSecurityPolicy {
			t.Errorf("GET %s: CSP %q", tc.path, h.Get("Content-Security-Policy"))
		}
	}
}

func TestPagesEscapeHostileNames(t *testing.T) {
	u := demoServer(t, "")
	for _, p := range []string{"/", "/offerings/service-kit", "/teams/payments", "/search?q=script",
		"/repos/gl/grp%2Fsub%2F%3Cscript%3Ealert(1)%3C%2Fscript%3E"} {
		_, _, body := do(t, "GET", u+p)
		if strings.Contains(body, "<script") {
			t.Errorf("GET %s: unescaped <script in the page", p)
		}
		if strings.Contains(body, "javascript:") {
			t.Errorf("GET %s: a javascript: URL kept as a link", p)
		}
	}
	_, _, body := do(t, "GET", u+"/offerings/service-kit")
	// The link to the repo is its name as one escaped segment.
	if !strings.Contains(body, `href="/repos/gl/grp%2fsub%2f%3cscript%3ealert%281%29%3c%2fscript%3e"`) &&
		!strings.Contains(body, `href="/repos/gl/grp%2Fsub%2F%3Cscript%3Ealert%281%29%3C%2Fscript%3E"`) {
		t.Errorf("no one-segment link to the hostile repo in\n%s", body)
	}
	_, _, body = do(t, "GET", u+"/search?q=script")
	if !strings.Contains(body, "&lt;script&gt;alert(&#34;c&#34;)&lt;/script&gt;") {
		t.Errorf("the hostile component is not shown escaped:\n%s", body)
	}
}

func TestPagesSortAndCSV(t *testing.T) {
	u := demoServer(t, "")
	code, h, body := do(t, "GET", u+"/?sort=-offerings.adopted&format=csv")
	if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/csv") {
		t.Fatalf("CSV: %d %s", code, h.Get("Content-Type"))
	}
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(recs[0], ","); got != "name,ratio,adopted,eligible,waived,target,deadline,outdated,unknown,value,roi,owner,lifecycle" {
		t.Errorf("CSV header %s", got)
	}
	// base-image has the most adopters; the totals stay last.
	if recs[1][0] != "base-image" || recs[1][2] != "23" || recs[len(recs)-1][0] != "All offerings" {
		t.Errorf("sorted by adopted, descending: first %v, last %v", recs[1], recs[len(recs)-1])
	}
	// Ascending sorts the other way; the header link toggles it.
	_, _, html := do(t, "GET", u+"/?sort=offerings.adopted")
	if !strings.Contains(html, `href="?sort=-offerings.adopted"`) {
		t.Error("the sorted column's header does not link to the descending sort")
	}
	_, _, body = do(t, "GET", u+"/offerings/service-kit?format=csv&table=adopters")
	recs, _ = csv.NewReader(strings.NewReader(body)).ReadAll()
	found := false
	for _, r := range recs {
		if r[0] == hostileRepo {
			found = r[3] == "go.mod:3"
		}
	}
	if !found {
		t.Errorf("adopters CSV lacks the hostile repo with its evidence:\n%s", body)
	}
	_, _, body = do(t, "GET", u+"/?format=csv&table=unattributed")
	if !strings.Contains(body, "docs-site,backstage: no catalog-info entity names spec.owner; codeowners: no CODEOWNERS owner of the repo root") {
		t.Errorf("unattributed CSV lacks docs-site with each source's reason:\n%s", body)
	}
	_, _, body = do(t, "GET", u+"/?format=csv&table=attribution")
	if !strings.Contains(body, "backstage,0,1") || !strings.Contains(body, "codeowners,46,0") {
		t.Errorf("attribution CSV is not the demo's counts by source:\n%s", body)
	}
	_, _, body = do(t, "GET", u+"/offerings/service-kit?format=csv&table=rules")
	recs, _ = csv.NewReader(strings.NewReader(body)).ReadAll()
	if len(recs) != 3 || recs[1][0] != "gomod" || recs[1][1] != "module: github.com/acme/service-kit" || recs[1][3] == "0" ||
		recs[2][1] != "path: .platform/service-kit.yaml" {
		t.Errorf("rules CSV is not the offering's two rules with their matches:\n%s", body)
	}
	if code, _, _ := do(t, "GET", u+"/offerings/service-kit?format=csv&table=nope"); code != 400 {
		t.Errorf("CSV of an unknown table: %d", code)
	}
	// A value a spreadsheet would run as a formula is quoted.
	if got := csvValue(text("=HYPERLINK(1)")); got != "'=HYPERLINK(1)" {
		t.Errorf("formula cell = %q", got)
	}
}

func TestPagesSayTheShard(t *testing.T) {
	u := demoServer(t, "1/4")
	for _, p := range []string{"/", "/offerings/service-kit", "/teams/data", "/repos/demo/data-api", "/search?q=x"} {
		if _, _, body := do(t, "GET", u+p); !strings.Contains(body, "Shard 1/4") {
			t.Errorf("GET %s does not say the shard", p)
		}
	}
	if _, _, body := do(t, "GET", u+"/api/v1/offerings"); !strings.Contains(body, `"shard":"1/4"`) {
		t.Errorf("API answer does not say the shard: %.200s", body)
	}
}

func TestPagesBeforeTheFirstScan(t *testing.T) {
	u := testMux(t, WebOptions{}).URL
	for _, p := range []string{"/", "/offerings/x", "/api/v1/offerings"} {
		if code, _, _ := do(t, "GET", u+p); code != http.StatusServiceUnavailable {
			t.Errorf("GET %s before a scan: %d", p, code)
		}
	}
	if code, h, _ := do(t, "GET", u+"/style.css"); code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/css") {
		t.Errorf("stylesheet: %d %s", code, h.Get("Content-Type"))
	}
}

func TestAPIv1(t *testing.T) {
	u := demoServer(t, "")
	get := func(p string, into any) {
		t.Helper()
		code, h, body := do(t, "GET", u+p)
		if code != 200 || h.Get("Content-Type") != "application/json" {
			t.Fatalf("GET %s: %d %s %.200s", p, code, h.Get("Content-Type"), body)
		}
		env := struct {
			Time time.Time       `json:"time"`
			Data json.RawMessage `json:"data"`
		}{}
		if err := json.Unmarshal([]byte(body), &env); err != nil || env.Time.IsZero() {
			t.Fatalf("GET %s: %v, time %v", p, err, env.Time)
		}
		dec := json.NewDecoder(bytes.NewReader(env.Data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(into); err != nil {
			t.Fatalf("GET %s: %v", p, err)
		}
	}
	var offerings []apiOffering
	get("/api/v1/offerings", &offerings)
	if len(offerings) != 18 || offerings[0].Name != "service-kit" || offerings[0].Adopted != 18 || offerings[0].Waived != 1 || offerings[0].Ratio == nil {
		t.Errorf("offerings[0] = %+v of %d", offerings[0], len(offerings))
	}
	// The hostile repo is among the adopters, not in the demo scan's counts.
	var detail apiOfferingDetail
	get("/api/v1/offerings/service-kit", &detail)
	if len(detail.Adopters) != 19 || len(detail.Waived) != 1 || detail.Waived[0].Name != "identity-ldap-bridge" || len(detail.Ineligible) == 0 {
		t.Errorf("service-kit: %d adopters, waived %+v, %d ineligible", len(detail.Adopters), detail.Waived, len(detail.Ineligible))
	}
	var team apiTeam
	get("/api/v1/teams/data", &team)
	if team.Team.Repos != 9 || len(team.Repos) != 9 || len(team.Cells) != 18 {
		t.Errorf("team data: %+v, %d repos, %d cells", team.Team, len(team.Repos), len(team.Cells))
	}
	var repos []snapshot.RepoReport
	get("/api/v1/repos?offering=service-kit&adopted=false", &repos)
	for _, r := range repos {
		if standing(&r, "service-kit").status != statusCandidate {
			t.Errorf("adopted=false lists %s, which is not a candidate", r.Name)
		}
	}
	if len(repos) != len(detail.Candidates) {
		t.Errorf("adopted=false: %d repos, the offering lists %d candidates", len(repos), len(detail.Candidates))
	}
	get("/api/v1/repos?team=data&repo=data-a*", &repos)
	if len(repos) != 2 {
		t.Errorf("team=data&repo=data-a*: %d repos", len(repos))
	}
	var repo RepoAnswer
	get("/api/v1/repos/gl/"+url.PathEscape(hostileRepo), &repo)
	if repo.Repo.Name != hostileRepo || repo.Explain[0].Status != "adopted" || repo.Explain[0].Evidence[0].Name != hostileComponent {
		t.Errorf("hostile repo: %+v", repo.Explain[0])
	}
	get("/api/v1/repos/demo/docs-site", &repo)
	if e := repo.Explain[0]; e.Status != "ineligible" || e.Why != "excluded by eligible: languages" {
		t.Errorf("docs-site service-kit: %+v", e)
	}
	for p, code := range map[string]int{
		"/api/v1/offerings/nope":                        404,
		"/api/v1/teams/nope":                            404,
		"/api/v1/repos/demo/nope":                       404,
		"/api/v1/repos?colour=blue":                     400,
		"/api/v1/repos?offering=nope":                   400,
		"/api/v1/repos?adopted=maybe&offering=sast":     400,
		"/api/v1/repos?adopted=true":                    400,
		"/api/v1/repos?repo=%5B":                        400,
		"/api/v1/repos?repo=" + strings.Repeat("*", 20): 400,
		"/api/v1/offerings?team=x":                      400,
	} {
		if got, _, body := do(t, "GET", u+p); got != code || body == "" {
			t.Errorf("GET %s: %d %q, want %d with a message", p, got, body, code)
		}
	}
}
