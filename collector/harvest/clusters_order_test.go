package harvest

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/uptake-dev/uptake/collector/inventory"
)

// orderEstate is three families of CI files and Dockerfiles, each copied
// identically by some repos and nearly by others, with ties in the copies
// count, spread over teams and the default team.
func orderEstate() []Repo {
	var repos []Repo
	for i := range 24 {
		team := fmt.Sprint("t", i%5)
		if i%7 == 0 {
			team = "unowned"
		}
		var files []inventory.HarvestFile
		for fam := range 3 {
			lines := make([]string, 20)
			for l := range lines {
				lines[l] = fmt.Sprintf("fam%d step-%d: make target-%d", fam, l, l)
			}
			if i%3 != 0 {
				lines[(i+fam)%20] = fmt.Sprintf("fam%d step changed in %d", fam, i%4)
			}
			kind, path := "gitlab_ci", ".gitlab-ci.yml"
			if fam == 2 {
				kind, path = "dockerfile", fmt.Sprintf("svc%d/Dockerfile", i%2)
			}
			if fam == 1 {
				path = "ci/.gitlab-ci.yml"
			}
			files = append(files, inventory.HarvestFile{Path: path, Kind: kind, Lines: lines})
		}
		repos = append(repos, Repo{Source: "s", Name: fmt.Sprintf("acme/svc-%02d", i), Team: team, Files: files})
	}
	return repos
}

// The clusters are the same whatever the order of the repos and of their
// files, every member at the threshold or more to its representative.
func TestClustersIgnoreInputOrder(t *testing.T) {
	want, _ := Clusters(orderEstate(), 3, "unowned")
	if len(want) < 3 {
		t.Fatalf("%d clusters, want at least 3", len(want))
	}
	for _, c := range want {
		for _, m := range c.Members {
			if m.Similarity < Threshold {
				t.Errorf("cluster %s: %s at %.2f", c.ID, m.Repo, m.Similarity)
			}
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20 {
		repos := orderEstate()
		rng.Shuffle(len(repos), func(i, j int) { repos[i], repos[j] = repos[j], repos[i] })
		for i := range repos {
			f := repos[i].Files
			rng.Shuffle(len(f), func(i, j int) { f[i], f[j] = f[j], f[i] })
		}
		got, _ := Clusters(repos, 3, "unowned")
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("shuffled input, other clusters:\n%+v\nwant\n%+v", got, want)
		}
	}
	// Identical copies are always one cluster's.
	where := map[string]string{}
	for _, c := range want {
		for _, m := range c.Members {
			key := m.Repo + " " + m.Path
			if where[key] != "" {
				t.Errorf("%s in two clusters", key)
			}
			where[key] = c.ID
		}
	}
	for _, r := range orderEstate() {
		for _, f := range r.Files {
			for _, o := range orderEstate() {
				for _, g := range o.Files {
					a, b := where[r.Name+" "+f.Path], where[o.Name+" "+g.Path]
					if f.Kind == g.Kind && slices.Equal(fold(f.Lines, r.Name), fold(g.Lines, o.Name)) && a != b {
						t.Errorf("identical %s %s and %s %s in clusters %q and %q", r.Name, f.Path, o.Name, g.Path, a, b)
					}
				}
			}
		}
	}
}

// The representative is the content copied into the most repos: one repo
// holding many copies of a variant (svc-0/Dockerfile … svc-7/Dockerfile)
// does not make it the file the estate shares.
func TestClustersRepresentativeIsTheMostReposContent(t *testing.T) {
	shared := []string{"FROM golang:1.26 AS build", "WORKDIR /src", "COPY . .", "RUN go build -o /out/svc ./cmd/svc",
		"FROM gcr.io/distroless/static", "COPY --from=build /out/svc /svc", "USER nonroot", "ENTRYPOINT [\"/svc\"]",
		"EXPOSE 8080", "LABEL team=platform"}
	variant := slices.Clone(shared)
	variant[len(variant)-1] = "LABEL team=mono"
	mono := Repo{Source: "s", Name: "acme/mono", Team: "t0"}
	for i := range 8 {
		mono.Files = append(mono.Files, inventory.HarvestFile{Path: fmt.Sprintf("svc-%d/Dockerfile", i), Kind: "dockerfile", Lines: variant})
	}
	repos := []Repo{mono}
	for i := 1; i <= 3; i++ {
		repos = append(repos, Repo{Source: "s", Name: fmt.Sprintf("acme/svc-%d", i), Team: fmt.Sprint("t", i),
			Files: []inventory.HarvestFile{{Path: "Dockerfile", Kind: "dockerfile", Lines: shared}}})
	}
	got, _ := Clusters(repos, 3, "unowned")
	if len(got) != 1 {
		t.Fatalf("%d clusters, want 1", len(got))
	}
	c := got[0]
	if c.ID != contentSum(shared)[:12] || c.Members[0].Repo != "acme/svc-1" || c.Identical != 3 || c.Repos != 4 || c.Teams != 4 {
		t.Errorf("representative %s of %s (identical %d, repos %d, teams %d), want the content of the three repos",
			c.Members[0].Repo, c.ID, c.Identical, c.Repos, c.Teams)
	}
}

// Repos of the default team count as repos, never as a team; one repo's
// copies are no cluster whatever its teams.
func TestClustersCountTheDefaultTeamAsReposOnly(t *testing.T) {
	file := []inventory.HarvestFile{{Path: "Makefile", Kind: "makefile", Lines: makefile()}}
	repos := []Repo{{Source: "s", Name: "a", Team: "ta", Files: file}, {Source: "s", Name: "b", Team: "tb", Files: file},
		{Source: "s", Name: "c", Team: "unowned", Files: file}, {Source: "s", Name: "d", Team: "unowned", Files: file}}
	if got, _ := Clusters(repos, 3, "unowned"); len(got) != 0 {
		t.Errorf("two teams and the default team's repos: %d clusters at min_teams 3", len(got))
	}
	if got, _ := Clusters(repos, 2, "unowned"); len(got) != 1 || got[0].Teams != 2 || got[0].Repos != 4 {
		t.Errorf("min_teams 2: %+v, want one cluster of 2 teams and 4 repos", got)
	}
	one := []Repo{{Source: "s", Name: "mono", Team: "ta", Files: []inventory.HarvestFile{file[0], {Path: "b/Makefile", Kind: "makefile", Lines: makefile()}}}}
	if got, _ := Clusters(one, 1, "unowned"); len(got) != 0 {
		t.Errorf("one repo's two copies: %d clusters", len(got))
	}
}
