package teams

import (
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
	}{
		{"codeowners first", source.Repo{Name: "pay-api", Topics: []string{"team-x"}}, []string{"@acme/search"}, "search", "codeowners"},
		{"user owners fall through to topics", source.Repo{Name: "r", Topics: []string{"go", "team-growth"}}, []string{"@alice"}, "growth", "topics"},
		{"github teams", source.Repo{Name: "r", Teams: []string{"data"}}, nil, "data", "github_teams"},
		{"namespace depth 1", source.Repo{Name: "acme/mobile/ios/app", Namespace: "mobile/ios"}, nil, "mobile", "namespace"},
		{"map by short name", source.Repo{Name: "acme/pay-gateway"}, nil, "payments", "map"},
		{"map by full name, file order", source.Repo{Name: "billing-api"}, nil, "payments", "map"},
		{"alias", source.Repo{Name: "r"}, []string{"@acme/legacy-pay"}, "payments", "codeowners"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			team, via := a.Team(tt.repo, tt.owners)
			if team != tt.team || via != tt.via {
				t.Fatalf("Team = %q via %q, want %q via %q", team, via, tt.team, tt.via)
			}
		})
	}
	def := New(config.Teams{From: []string{"codeowners"}, Default: "unowned", NamespaceDepth: 1})
	if team, via := def.Team(source.Repo{Name: "x"}, []string{"dev@acme.io"}); team != "unowned" || via != "default" {
		t.Fatalf("default: %q via %q", team, via)
	}
	deep := New(config.Teams{From: []string{"namespace"}, NamespaceDepth: 2, Default: "d"})
	if team, _ := deep.Team(source.Repo{Namespace: "mobile"}, nil); team != "d" {
		t.Fatalf("namespace shallower than depth gave %q", team)
	}
	if team, _ := deep.Team(source.Repo{Namespace: "mobile/ios"}, nil); team != "ios" {
		t.Fatalf("namespace depth 2 gave %q", team)
	}
}
