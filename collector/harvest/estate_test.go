package harvest_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/uptake-dev/uptake/collector/detect"
	"github.com/uptake-dev/uptake/collector/evaluate"
	"github.com/uptake-dev/uptake/collector/harvest"
	"github.com/uptake-dev/uptake/collector/match"
	"github.com/uptake-dev/uptake/collector/snapshot"
	"github.com/uptake-dev/uptake/collector/source"
	"github.com/uptake-dev/uptake/collector/source/sourcetest"
	"github.com/uptake-dev/uptake/config"
	"github.com/uptake-dev/uptake/exporter"
	"github.com/uptake-dev/uptake/internal/estate"
)

// EstateConfig is the generated estate's config.
const EstateConfig = "sources: [{name: s, type: local, path: x}]\n" + estate.HarvestCatalog

// Estate scans the generated estate and builds its snapshot: four product
// teams use logrus and the internal authlib core builds, copy one CI file,
// and two of them use gin where the others adopt kit.
func Estate(t testing.TB, edit func(*config.Config)) *snapshot.Snapshot {
	t.Helper()
	cfg, err := config.Parse("estate.yml", []byte(EstateConfig))
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(cfg)
	}
	cat, err := match.Compile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := cat.Plan(cfg.Scan)
	if err != nil {
		t.Fatal(err)
	}
	trees := estate.HarvestTrees()
	res := &evaluate.Result{Time: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), RuleHash: plan.Hash()}
	for _, name := range estate.HarvestRepos {
		inv, _, err := plan.Read(context.Background(), sourcetest.NewTree(trees[name]))
		if err != nil {
			t.Fatal(err)
		}
		res.Repos = append(res.Repos, evaluate.RepoScan{Repo: source.Repo{Source: "s", Name: name}, Head: "h", Inventory: inv})
	}
	return evaluate.Build(cfg, cat, res, res.Time, nil)
}

func TestEstateCandidates(t *testing.T) {
	h := Estate(t, nil).Harvest
	if h == nil || !h.Enabled || h.MinTeams != 3 || h.Top != 25 {
		t.Fatalf("harvest = %+v", h)
	}
	var got []string
	for _, c := range h.Candidates {
		got = append(got, fmt.Sprintf("%s %s internal=%v teams=%d repos=%d built_by=%s", c.Kind, c.Name, c.Internal, c.Teams, c.Repos, c.BuiltBy))
	}
	want := []string{
		"gomod github.com/acme/authlib internal=true teams=4 repos=4 built_by=core",
		"gomod github.com/sirupsen/logrus internal=false teams=4 repos=4 built_by=",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("candidates:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	auth := h.Candidates[0]
	if !slices.Equal(auth.TeamNames, []string{"alpha", "beta", "delta", "gamma"}) || auth.BuiltIn != "s/authlib" {
		t.Errorf("authlib teams %v built in %q", auth.TeamNames, auth.BuiltIn)
	}
	if want := []snapshot.VersionCount{{Version: "v0.3.1", Repos: 2}, {Version: "v0.3.0", Repos: 2}}; !slices.Equal(auth.Versions, want) || auth.VersionSpread != 2 || auth.MajorSpread != 1 {
		t.Errorf("authlib versions %v spread %d majors %d, want %v spread 2 majors 1", auth.Versions, auth.VersionSpread, auth.MajorSpread, want)
	}
	if len(auth.Evidence) != 3 || auth.Evidence[0].Repo != "alpha-svc" || auth.Evidence[0].Path != "go.mod" || auth.Evidence[0].Line == 0 {
		t.Errorf("authlib evidence %+v", auth.Evidence)
	}
}

func TestIndirectRequirementsAreNoCandidates(t *testing.T) {
	var repos []harvest.Repo
	for _, team := range []string{"a", "b", "c"} {
		repos = append(repos, harvest.Repo{Source: "s", Name: team + "-svc", Team: team, Components: []detect.Component{
			{Kind: "gomod", Name: "golang.org/x/sys", Version: "v0.30.0", Path: "go.mod", Line: 9, Attrs: map[string]string{"indirect": "true"}},
			{Kind: "gomod", Name: "github.com/spf13/cobra", Version: "v1.8.0", Path: "go.mod", Line: 5},
		}})
	}
	cat, err := match.Compile(&config.Config{File: "c.yml"})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := harvest.Candidates(cat, repos, harvest.Options{MinTeams: 3})
	if len(got) != 1 || got[0].Name != "github.com/spf13/cobra" {
		t.Errorf("candidates %+v, want cobra only", got)
	}
}

func TestEstateCoveredComponentsAreNeverCandidates(t *testing.T) {
	for _, minTeams := range []int{1, 2, 3} {
		h := Estate(t, func(c *config.Config) { c.Harvest.MinTeams = minTeams }).Harvest
		for _, c := range h.Candidates {
			if c.Name == "github.com/acme/kit" || c.Name == "github.com/acme/logkit" {
				t.Errorf("min_teams %d: covered %s is a candidate", minTeams, c.Name)
			}
			if c.Teams < minTeams {
				t.Errorf("min_teams %d: %s has %d teams", minTeams, c.Name, c.Teams)
			}
		}
		if minTeams == 2 && !slices.ContainsFunc(h.Candidates, func(c snapshot.Candidate) bool { return c.Name == "github.com/gin-gonic/gin" }) {
			t.Error("min_teams 2: gin, used by two teams, is not a candidate")
		}
	}
}

func TestEstateClusterHoldsExactlyTheCopies(t *testing.T) {
	h := Estate(t, nil).Harvest
	if len(h.Clusters) != 1 {
		t.Fatalf("%d clusters: %+v", len(h.Clusters), h.Clusters)
	}
	c := h.Clusters[0]
	var members []string
	for _, m := range c.Members {
		members = append(members, m.Repo+":"+m.Path)
	}
	slices.Sort(members)
	if want := []string{"alpha-svc:.gitlab-ci.yml", "beta-svc:.gitlab-ci.yml", "delta-svc:.gitlab-ci.yml", "gamma-svc:.gitlab-ci.yml"}; !slices.Equal(members, want) {
		t.Errorf("members %v, want %v", members, want)
	}
	if c.Kind != "gitlab_ci" || c.Path != ".gitlab-ci.yml" || c.Teams != 4 || c.Repos != 4 || len(c.ID) != 12 {
		t.Errorf("cluster %+v", c)
	}
	if !slices.Contains(c.Lines, "- docker push registry.acme.io/<repo>") {
		t.Errorf("repo names not folded: %q", c.Lines)
	}
}

func TestEstateNearCopyDiffers(t *testing.T) {
	h := Estate(t, func(c *config.Config) { c.Harvest.MinTeams = 4 }).Harvest
	if len(h.Clusters) != 1 {
		t.Fatalf("%d clusters", len(h.Clusters))
	}
	for _, m := range h.Clusters[0].Members {
		if m.Similarity != 1 || len(m.Diff) != 0 {
			t.Errorf("%s differs from the representative after normalisation: %v %q", m.Repo, m.Similarity, m.Diff)
		}
	}
}

func TestEstateAlternatives(t *testing.T) {
	for _, harvest := range []bool{true, false} {
		h := Estate(t, func(c *config.Config) {
			if !harvest {
				c.Harvest = nil
			}
		}).Harvest
		if h == nil {
			t.Fatalf("harvest %v: no findings with alternatives configured", harvest)
		}
		var got []string
		for _, a := range h.Alternatives {
			for _, r := range a.Repos {
				got = append(got, fmt.Sprintf("%s %s %s %s %s", a.Offering, a.Alternative, a.Team, r.Repo, r.Name))
			}
		}
		want := []string{"kit github.com/gin-gonic/* delta delta-svc github.com/gin-gonic/gin", "kit github.com/gin-gonic/* gamma gamma-svc github.com/gin-gonic/gin"}
		if !slices.Equal(got, want) {
			t.Errorf("harvest %v: alternatives %q, want %q", harvest, got, want)
		}
		if !harvest && (h.Enabled || h.Candidates != nil || h.Clusters != nil) {
			t.Errorf("without a harvest section: %+v", h)
		}
	}
}

func TestEstateGauges(t *testing.T) {
	s := Estate(t, func(c *config.Config) { c.Harvest.Top = 2 })
	c := exporter.NewCollector(func() *snapshot.Snapshot { return s }, 0)
	var buf strings.Builder
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		if !strings.Contains(mf.GetName(), "harvest") && !strings.Contains(mf.GetName(), "alternative") {
			continue
		}
		for _, m := range mf.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetName()+"="+l.GetValue())
			}
			got[mf.GetName()+"{"+strings.Join(labels, ",")+"}"] = m.GetGauge().GetValue()
		}
	}
	id := s.Harvest.Clusters[0].ID
	want := map[string]float64{
		"uptake_harvest_candidate_repos{component=github.com/acme/authlib,kind=gomod}":                  4,
		"uptake_harvest_candidate_teams{component=github.com/sirupsen/logrus,kind=gomod}":               4,
		"uptake_harvest_candidate_repos{component=github.com/sirupsen/logrus,kind=gomod}":               4,
		"uptake_harvest_cluster_repos{cluster=" + id + "}":                                              4,
		"uptake_harvest_cluster_info{cluster=" + id + ",kind=gitlab_ci,path=.gitlab-ci.yml}":            1,
		"uptake_offering_alternative_repos{alternative=github.com/gin-gonic/*,offering=kit,team=delta}": 1,
		"uptake_offering_alternative_repos{alternative=github.com/gin-gonic/*,offering=kit,team=gamma}": 1,
		"uptake_harvest_candidate_teams{component=github.com/acme/authlib,kind=gomod}":                  4,
	}
	if len(got) != len(want) {
		fmt.Fprintf(&buf, "%d series, want %d\n", len(got), len(want))
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			fmt.Fprintf(&buf, "%s = %v (present %v), want %v\n", k, g, ok, v)
		}
	}
	if buf.Len() > 0 {
		t.Errorf("%s\ngot %v", buf.String(), got)
	}
}

func TestIndirectRequirementsAreNoAlternatives(t *testing.T) {
	cfg, err := config.Parse("c.yml", []byte(`
sources: [{name: s, type: local, path: /tmp}]
offerings:
  - name: kit
    owner: platform
    lifecycle: ga
    detect:
      - {kind: gomod, module: github.com/acme/kit}
    alternatives: [github.com/gin-gonic/*]
`))
	if err != nil {
		t.Fatal(err)
	}
	cat, err := match.Compile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	gin := func(attrs map[string]string) []detect.Component {
		return []detect.Component{{Kind: "gomod", Name: "github.com/gin-gonic/gin", Version: "v1.9.0", Path: "go.mod", Line: 5, Attrs: attrs}}
	}
	repos := []harvest.Repo{
		{Source: "s", Name: "direct", Team: "a", Status: map[string]match.Status{"kit": match.Eligible}, Components: gin(nil)},
		{Source: "s", Name: "indirect", Team: "b", Status: map[string]match.Status{"kit": match.Eligible}, Components: gin(map[string]string{"indirect": "true"})},
	}
	got := harvest.Alternatives(cat, repos)
	if len(got) != 1 || got[0].Team != "a" || len(got[0].Repos) != 1 || got[0].Repos[0].Repo != "direct" {
		t.Errorf("alternatives %+v, want the direct use only", got)
	}
}
