package match

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/uptake-dev/uptake/collector/detect"
	"github.com/uptake-dev/uptake/collector/source"
	"github.com/uptake-dev/uptake/config"
)

func parse(t *testing.T, offerings string) *config.Config {
	t.Helper()
	cfg, err := config.Parse("c.yml", []byte("sources: [{name: s, type: local, path: x}]\nofferings:\n"+offerings))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestCompileErrorsNameDetectorFieldAndLine(t *testing.T) {
	cfg := parse(t, `  - name: a
    owner: o
    lifecycle: ga
    detect:
      - kind: gomod
        modul: x
      - kind: nope
      - kind: regex
        path: "*.txt"
        pattern: "(("
`)
	_, err := Compile(cfg)
	if err == nil {
		t.Fatal("compiled")
	}
	for _, want := range []string{
		`c.yml:8: offering "a": detector gomod: unknown key modul`,
		`c.yml:9: offering "a": unknown detector kind "nope"`,
		`c.yml:12: offering "a": detector regex: pattern`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

func TestEvaluateLowestKnownVersion(t *testing.T) {
	cfg := parse(t, `  - name: kit
    owner: o
    lifecycle: ga
    detect:
      - {kind: gomod, module: github.com/acme/kit}
      - {kind: file, path: .platform/kit.yaml}
`)
	cat, err := Compile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(cat.Kinds(), []string{"gomod"}) || len(cat.Probes()) != 1 {
		t.Fatalf("kinds %v, probes %d", cat.Kinds(), len(cat.Probes()))
	}
	marker := cat.Probes()[0].Scan(".platform/kit.yaml", nil)
	comps := append([]detect.Component{
		{Kind: "gomod", Name: "github.com/acme/kit", Version: "v1.4.0", Path: "a/go.mod", Line: 3},
		{Kind: "gomod", Name: "github.com/acme/kit", Version: "v1.2.0", Path: "b/go.mod", Line: 5},
		{Kind: "gomod", Name: "github.com/acme/kit-other", Version: "v0.1.0", Path: "c/go.mod", Line: 5},
	}, marker...)
	got := cat.Evaluate(comps)["kit"]
	if got.Version != "v1.2.0" || len(got.Evidence) != 3 {
		t.Fatalf("adoption = %+v, want v1.2.0 from 3 matches (file match has no version)", got)
	}
	if only := cat.Evaluate(marker)["kit"]; only.Version != "unknown" {
		t.Fatalf("file-only adoption version = %q, want unknown", only.Version)
	}
	if _, ok := cat.Evaluate(comps[2:3])["kit"]; ok {
		t.Fatal("kit-other matched kit")
	}
}

func TestEligibility(t *testing.T) {
	cfg := parse(t, `  - name: kit
    owner: o
    lifecycle: ga
    detect: [{kind: file, path: x}]
    eligible:
      languages: [go, java]
      teams: [payments]
      paths: [Dockerfile, "**/Dockerfile"]
      exclude_repos: ["*-archive"]
    waivers:
      - {repo: "legacy-*", reason: r, expires: "2026-11-25"}
`)
	cat, err := Compile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	o := cat.Offerings[0]
	var docker []detect.Component
	for _, p := range cat.Probes() {
		docker = append(docker, p.Scan("svc/Dockerfile", nil)...)
	}
	ok := Facts{Repo: source.Repo{Name: "pay-api"}, Team: "payments", Languages: []string{"java"}, Components: docker}
	if !o.EligibleByRules(ok) {
		t.Fatal("java payments repo with a Dockerfile not eligible")
	}
	for clause, f := range map[string]Facts{
		"languages":                {Repo: ok.Repo, Team: ok.Team, Languages: []string{"node"}, Components: docker},
		"teams":                    {Repo: ok.Repo, Team: "search", Languages: ok.Languages, Components: docker},
		"paths":                    {Repo: ok.Repo, Team: ok.Team, Languages: ok.Languages},
		"exclude_repos: *-archive": {Repo: source.Repo{Name: "acme/pay-archive"}, Team: ok.Team, Languages: ok.Languages, Components: docker},
	} {
		if o.EligibleByRules(f) {
			t.Errorf("%s: eligible", clause)
		}
		if got := o.IneligibleClause(f); got != clause {
			t.Errorf("excluded by %q, want %q", got, clause)
		}
	}
	legacy := source.Repo{Name: "legacy-billing"}
	if o.Waiver(legacy, time.Date(2026, 11, 25, 23, 59, 0, 0, time.UTC)) == nil {
		t.Error("waiver not in force on its expiry date")
	}
	if o.Waiver(legacy, time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)) != nil {
		t.Error("waiver in force after its expiry date")
	}
}

func TestStatusPrecedence(t *testing.T) {
	cfg := parse(t, `  - name: kit
    owner: o
    lifecycle: ga
    detect:
      - {kind: gomod, module: github.com/acme/kit}
    eligible: {languages: [go], exclude_repos: ["sandbox-*"]}
    waivers:
      - {repo: "legacy-*", reason: sunset, expires: "2026-12-02"}
      - {repo: "sandbox-*", reason: never counted anyway, expires: "2099-01-01"}
`)
	cat, err := Compile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	o := cat.Offerings[0]
	lastDay := time.Date(2026, 12, 2, 23, 59, 59, 0, time.UTC)
	dayAfter := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
	goFacts := func(name string) Facts {
		return Facts{Repo: source.Repo{Name: name}, Languages: []string{"go"}}
	}
	for _, tc := range []struct {
		name    string
		facts   Facts
		adopted bool
		now     time.Time
		want    Status
		clause  string
	}{
		{"adopter waived", goFacts("legacy-a"), true, lastDay, Adopted, ""},
		{"adopter outside the eligible rules", Facts{Repo: source.Repo{Name: "sandbox-x"}}, true, lastDay, Adopted, ""},
		{"wrong language", Facts{Repo: source.Repo{Name: "legacy-a"}, Languages: []string{"node"}}, false, lastDay, Ineligible, "languages"},
		{"excluded beats waived", goFacts("sandbox-x"), false, lastDay, Ineligible, "exclude_repos: sandbox-*"},
		{"waiver on its expiry day", goFacts("legacy-a"), false, lastDay, Waived, ""},
		{"waiver the day after", goFacts("legacy-a"), false, dayAfter, Eligible, ""},
		{"no waiver", goFacts("pay-api"), false, lastDay, Eligible, ""},
	} {
		got, w, clause := o.Status(tc.facts, tc.adopted, tc.now)
		if got != tc.want || (got == Waived) != (w != nil) || clause != tc.clause {
			t.Errorf("%s: status %v (waiver %v, clause %q), want %v (clause %q)", tc.name, got, w, clause, tc.want, tc.clause)
		}
	}
	if exp := o.ExpiredWaivers(dayAfter); len(exp) != 1 || exp[0].Repo != "legacy-*" {
		t.Errorf("expired waivers the day after = %+v", exp)
	}
	if exp := o.ExpiredWaivers(lastDay); len(exp) != 0 {
		t.Errorf("expired waivers on the last day = %+v", exp)
	}
}

func TestCompileRejectsUnknownLanguage(t *testing.T) {
	cfg := parse(t, `  - name: a
    owner: o
    lifecycle: ga
    detect: [{kind: gomod, module: x}]
    eligible:
      languages: [go, cobol]
`)
	_, err := Compile(cfg)
	want := `c.yml:8: offering "a": eligible.languages: unknown language "cobol" (want one of go, java, kotlin, node, python, ruby, rust, dotnet, terraform, docker)`
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %s", err, want)
	}
}

// CountRules counts every rule that matched a repo, also when one
// component satisfies several, and a rule once however many match it.
func TestCountRules(t *testing.T) {
	cat, err := Compile(parse(t, `  - name: kit
    owner: o
    lifecycle: ga
    detect:
      - {kind: npm, package: "@acme/kit"}
      - {kind: gomod, module: github.com/acme/*}
      - {kind: gomod, module: github.com/acme/kit}
      - {kind: gomod, module: github.com/acme/other}
      - {kind: file, path: .kit.yaml}
`))
	if err != nil {
		t.Fatal(err)
	}
	counts := make([]int, 5)
	for _, comps := range [][]detect.Component{
		{{Kind: "gomod", Name: "github.com/acme/kit"}},
		{{Kind: "gomod", Name: "github.com/acme/tools"}, {Kind: "gomod", Name: "github.com/acme/kit"}, {Kind: "gomod", Name: "github.com/acme/kit", Path: "b/go.mod"}},
		{{Kind: "npm", Name: "@acme/kit"}, {Kind: "gomod", Name: "github.com/acme/other"}},
		{{Kind: "gomod", Name: "github.com/other/kit"}},
	} {
		if a, ok := cat.Evaluate(comps)["kit"]; ok {
			cat.Offerings[0].CountRules(a, counts)
		}
	}
	if want := []int{1, 3, 2, 1, 0}; !reflect.DeepEqual(counts, want) {
		t.Errorf("counts %v, want %v", counts, want)
	}
}

// Rules that would silently match nothing, or more than they say, are
// refused at their line with the fix; the messages are what `uptake check`
// prints.
func TestRulesBad(t *testing.T) {
	cfg, err := config.Load("testdata/rules-bad.yml")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Compile(cfg)
	if err == nil {
		t.Fatal("compiled")
	}
	const f = "testdata/rules-bad.yml"
	want := []string{
		f + `:8: offering "components": detector gitlab_ci: component: "acme/components/go-test" has no host: components are named host/group/project/name, as an include writes them: write component: gitlab.example.com/acme/components/go-test with your GitLab's host, or $CI_SERVER_FQDN/acme/components/go-test to match it on any host`,
		f + `:14: offering "modules": detector terraform: source: "git::https://github.com/acme/infra.git//modules/vpc?ref=v1.2.0" names a subdirectory (modules/vpc) and a ref (v1.2.0), which a rule does not match on: write source: github.com/acme/infra (it matches every subdirectory; the ref is measured as each repo's version: set the offering's latest to count drift)`,
		f + `:16: offering "modules": detector terraform: source: "github.com/acme/infra//modules/eks" names a subdirectory (modules/eks), which a rule does not match on: write source: github.com/acme/infra (it matches every subdirectory)`,
		f + `:18: offering "modules": detector kustomize: resource: "github.com/acme/k8s-bases?ref=v3" names a ref (v3), which a rule does not match on: write resource: github.com/acme/k8s-bases (the ref is measured as each repo's version: set the offering's latest to count drift)`,
		f + `:24: offering "images": detector dockerfile: image: "registry.acme.io/platform/base:1.4" has a tag (1.4), which a rule does not match on: write image: registry.acme.io/platform/base (the tag is measured as each repo's version: set the offering's latest to count drift)`,
		f + `:26: offering "images": detector container_image: image: "nginx@sha256:0bc88eb15f9e7f84e8e56c14fa5735aaa488b840983f87bd79b1054190e660de" has a digest, which a rule does not match on: write image: nginx`,
		f + `:32: offering "globs": detector jenkins: library: bad glob "{ces,dogu-build-lib": { without }`,
	}
	if got := strings.Split(err.Error(), "\n"); !reflect.DeepEqual(got, want) {
		t.Errorf("errors:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
