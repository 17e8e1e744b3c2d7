package teams

import (
	"slices"
	"testing"

	"github.com/uptake-dev/uptake/collector/source"
	"github.com/uptake-dev/uptake/config"
)

func TestTeamFromOwners(t *testing.T) {
	for owners, want := range map[string]string{
		"@acme/payments":          "payments",
		"@alice @acme/search":     "search",
		"@acme/platform/identity": "identity",
		"dev@acme.io @bob":        "",
	} {
		if got := TeamFromOwners(splitFields(owners)); got != want {
			t.Errorf("TeamFromOwners(%s) = %q, want %q", owners, got, want)
		}
	}
}

func splitFields(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ' ' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return out
}

func TestAttributorChain(t *testing.T) {
	cfg := config.Teams{
		From:           []string{"codeowners", "topics", "github_teams", "namespace", "map"},
		TopicPrefix:    "team-",
		NamespaceDepth: 1,
		Map: config.TeamMap{
			{Team: "payments", Repos: []string{"pay-*", "billing-api"}},
			{Team: "catchall", Repos: []string{"*"}},
		},
		Default: "unowned",
		Aliases: map[string]string{"legacy-pay": "payments"},
	}
	a := New(cfg)
	tests := []struct {
		name   string
		repo   source.Repo
		owners []string
		team   string
		via    string
		// because is what of via gave the team.
		because string
	}{
		{"codeowners first", source.Repo{Name: "pay-api", Topics: []string{"team-x"}}, []string{"@acme/search"}, "search", "codeowners",
			"CODEOWNERS rule at .github/CODEOWNERS:4: @acme/search"},
		{"user owners fall through to topics", source.Repo{Name: "r", Topics: []string{"go", "team-growth"}}, []string{"@alice"}, "growth", "topics", "topic team-growth"},
		{"github teams", source.Repo{Name: "r", Teams: []string{"data"}}, nil, "data", "github_teams", "GitHub team data (admin or maintain)"},
		{"namespace depth 1", source.Repo{Name: "acme/mobile/ios/app", Namespace: "mobile/ios"}, nil, "mobile", "namespace", "namespace mobile/ios"},
		{"map by short name", source.Repo{Name: "acme/pay-gateway"}, nil, "payments", "map", "teams.map glob pay-*"},
		{"map by full name, file order", source.Repo{Name: "billing-api"}, nil, "payments", "map", "teams.map glob billing-api"},
		{"alias", source.Repo{Name: "r"}, []string{"@acme/legacy-pay"}, "payments", "codeowners", "CODEOWNERS rule at .github/CODEOWNERS:4: @acme/legacy-pay"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			at := a.Team(tt.repo, Owners{Codeowners: tt.owners, CodeownersAt: ".github/CODEOWNERS:4"})
			if at.Team != tt.team || at.Via != tt.via || at.Because != tt.because {
				t.Fatalf("Team = %q via %q because %q, want %q via %q because %q", at.Team, at.Via, at.Because, tt.team, tt.via, tt.because)
			}
		})
	}
	def := New(config.Teams{From: []string{"codeowners"}, Default: "unowned", NamespaceDepth: 1})
	if at := def.Team(source.Repo{Name: "x"}, Owners{Codeowners: []string{"dev@acme.io"}}); at.Team != "unowned" || at.Via != "default" {
		t.Fatalf("default: %q via %q", at.Team, at.Via)
	}
	deep := New(config.Teams{From: []string{"namespace"}, NamespaceDepth: 2, Default: "d"})
	if at := deep.Team(source.Repo{Namespace: "mobile"}, Owners{}); at.Team != "d" {
		t.Fatalf("namespace shallower than depth gave %q", at.Team)
	}
	if at := deep.Team(source.Repo{Namespace: "mobile/ios"}, Owners{}); at.Team != "ios" {
		t.Fatalf("namespace depth 2 gave %q", at.Team)
	}
}

func TestTeamFromCatalogOwner(t *testing.T) {
	for owner, want := range map[string]string{
		"group:default/payments": "payments",
		"group:payments":         "payments",
		"Group:payments":         "payments",
		"payments":               "payments",
		"default/payments":       "payments",
		"user:default/alice":     "",
		"user:alice":             "",
		"john@example.com":       "",
		"group:":                 "",
		"component:default/x":    "",
		"":                       "",
	} {
		got, reason := TeamFromCatalogOwner(owner)
		if got != want {
			t.Errorf("TeamFromCatalogOwner(%q) = %q, want %q", owner, got, want)
		}
		if (got == "") != (reason != "") {
			t.Errorf("TeamFromCatalogOwner(%q): team %q with reason %q", owner, got, reason)
		}
	}
}

func TestBackstageBeforeCodeowners(t *testing.T) {
	a := New(config.Teams{From: []string{"backstage", "codeowners", "map"}, Default: "unowned",
		Map: config.TeamMap{{Team: "mapped", Repos: []string{"*"}}}})
	repo := source.Repo{Name: "r"}
	co := []string{"@acme/search"}
	for _, tt := range []struct {
		name    string
		owners  Owners
		team    string
		via     string
		reasons []string
	}{
		{"catalog owner wins", Owners{Catalog: "group:default/payments", Codeowners: co}, "payments", "backstage", nil},
		{"user falls through to codeowners", Owners{Catalog: "user:default/alice", Codeowners: co}, "search", "codeowners",
			[]string{`spec.owner "user:default/alice" is a user`}},
		{"e-mail falls through", Owners{Catalog: "john@example.com", Codeowners: co}, "search", "codeowners",
			[]string{`spec.owner "john@example.com" is an e-mail`}},
		{"skipped catalog is not no owner", Owners{Catalog: "", CatalogSkipped: true}, "mapped", "map",
			[]string{"catalog-info file could not be used (a file error)", "no CODEOWNERS owner of the repo root"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			at := a.Team(repo, tt.owners)
			if at.Team != tt.team || at.Via != tt.via {
				t.Fatalf("Team = %q via %q, want %q via %q", at.Team, at.Via, tt.team, tt.via)
			}
			var reasons []string
			for _, m := range at.Misses {
				reasons = append(reasons, m.Reason)
			}
			if !slices.Equal(reasons, tt.reasons) {
				t.Fatalf("misses %q, want %q", reasons, tt.reasons)
			}
		})
	}
}

func TestKnownTeamsFilterEverySource(t *testing.T) {
	a := New(config.Teams{From: []string{"backstage", "codeowners", "map"}, Default: "unowned",
		Known:   []string{"payments", "search"},
		Aliases: map[string]string{"pay": "payments"},
		Map:     config.TeamMap{{Team: "tbd", Repos: []string{"x-*"}}, {Team: "search", Repos: []string{"*"}}}})
	at := a.Team(source.Repo{Name: "x-1"}, Owners{Catalog: "group:team-tbd", Codeowners: []string{"@acme/owners"}})
	// Every source named a team; the first two and the map's first match
	// are placeholders, so the map gives nothing known: default.
	if at.Team != "unowned" || at.Via != "default" || !slices.Equal(at.Placeholders, []string{"backstage", "codeowners", "map"}) {
		t.Fatalf("got %+v", at)
	}
	if want := `"team-tbd" is not a known team`; at.Misses[0].Reason != want {
		t.Fatalf("reason %q, want %q", at.Misses[0].Reason, want)
	}
	// An alias resolves before the known check.
	if at := a.Team(source.Repo{Name: "r"}, Owners{Catalog: "pay"}); at.Team != "payments" || at.Via != "backstage" || at.Placeholders != nil {
		t.Fatalf("alias: %+v", at)
	}
	// Unset, every name is accepted.
	open := New(config.Teams{From: []string{"backstage"}, Default: "unowned"})
	if at := open.Team(source.Repo{Name: "r"}, Owners{Catalog: "team-tbd"}); at.Team != "team-tbd" {
		t.Fatalf("without known: %+v", at)
	}
}

func TestUnitTeam(t *testing.T) {
	a := New(config.Teams{From: []string{"backstage", "codeowners", "map"}, Default: "unowned", Known: []string{"payments", "search", "platform"}})
	repoAt := Attribution{Team: "platform", Via: "codeowners"}
	for _, tt := range []struct {
		name         string
		unit         Owners
		team, via    string
		placeholders []string
	}{
		{"own catalog owner", Owners{Catalog: "group:default/payments", Codeowners: []string{"@acme/search"}}, "payments", "backstage", nil},
		{"a user owner falls to the unit's rule", Owners{Catalog: "user:bob", Codeowners: []string{"@acme/search"}}, "search", "codeowners", nil},
		{"placeholders fall to the repo's team", Owners{Catalog: "team-tbd", Codeowners: []string{"@acme/nobody"}}, "platform", "codeowners", []string{"backstage", "codeowners"}},
		{"nothing declared", Owners{}, "platform", "codeowners", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			at := a.UnitTeam(repoAt, tt.unit)
			if at.Team != tt.team || at.Via != tt.via || !slices.Equal(at.Placeholders, tt.placeholders) {
				t.Fatalf("got %+v, want %s via %s, placeholders %v", at, tt.team, tt.via, tt.placeholders)
			}
		})
	}
	// A source not in the chain is not read for units either.
	onlyMap := New(config.Teams{From: []string{"map"}, Default: "unowned"})
	if at := onlyMap.UnitTeam(repoAt, Owners{Catalog: "payments", Codeowners: []string{"@acme/search"}}); at.Team != "platform" {
		t.Fatalf("without backstage and codeowners in from: %+v", at)
	}
}
