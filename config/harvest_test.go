package config

import (
	"testing"
)

const harvestBase = `sources: [{name: a, type: local, path: x}]
offerings:
  - name: kit
    owner: p
    lifecycle: ga
    detect: [{kind: gomod, module: github.com/acme/kit}]
    alternatives: ["github.com/gin-gonic/*", "dockerfile:node*", "maven:junit:junit", "org.junit:junit"]
`

func TestHarvestSection(t *testing.T) {
	for _, tc := range []struct {
		name, section string
		want          *Harvest
	}{
		{"absent", "", nil},
		{"empty mapping takes the defaults", "harvest: {}\n", &Harvest{MinTeams: 3, Top: 25}},
		{"a key without a value is on too", "harvest:\n", &Harvest{MinTeams: 3, Top: 25}},
		{"set", "harvest: {min_teams: 2, top: 5, internal: [\"github.com/acme/*\"]}\n",
			&Harvest{MinTeams: 2, Top: 5, Internal: []string{"github.com/acme/*"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse("h.yml", []byte(harvestBase+tc.section))
			if err != nil {
				t.Fatal(err)
			}
			got := c.Harvest
			if (got == nil) != (tc.want == nil) {
				t.Fatalf("harvest = %+v, want %+v", got, tc.want)
			}
			if got != nil && (got.MinTeams != tc.want.MinTeams || got.Top != tc.want.Top || len(got.Internal) != len(tc.want.Internal)) {
				t.Errorf("harvest = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestAlternativesSplitKind(t *testing.T) {
	c, err := Parse("h.yml", []byte(harvestBase))
	if err != nil {
		t.Fatal(err)
	}
	want := []Alternative{
		{Text: "github.com/gin-gonic/*", Glob: "github.com/gin-gonic/*", Line: 7},
		{Text: "dockerfile:node*", Kind: "dockerfile", Glob: "node*", Line: 7},
		{Text: "maven:junit:junit", Kind: "maven", Glob: "junit:junit", Line: 7},
		// A dotted group is no kind: the name is a glob of the offering's kinds.
		{Text: "org.junit:junit", Glob: "org.junit:junit", Line: 7},
	}
	got := c.Offerings[0].Alternatives
	if len(got) != len(want) {
		t.Fatalf("alternatives = %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("alternative %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestGlobRECrossesSlashes(t *testing.T) {
	for glob, names := range map[string][2][]string{
		"github.com/labstack/echo*": {{"github.com/labstack/echo/v4", "github.com/labstack/echo"}, {"github.com/labstack/ech"}},
		"@acme/*":                   {{"@acme/ui", "@acme/ui/icons"}, {"acme/ui", "x@acme/ui"}},
		"node?":                     {{"node1"}, {"node", "node12"}},
		"a.b":                       {{"a.b"}, {"axb"}},
	} {
		re := GlobRE(glob)
		for _, n := range names[0] {
			if !re.MatchString(n) {
				t.Errorf("%q does not match %q", glob, n)
			}
		}
		for _, n := range names[1] {
			if re.MatchString(n) {
				t.Errorf("%q matches %q", glob, n)
			}
		}
	}
}
