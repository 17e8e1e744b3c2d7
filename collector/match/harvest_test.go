package match

import (
	"slices"
	"strings"
	"testing"

	"github.com/uptake-dev/uptake/collector/detect"
	"github.com/uptake-dev/uptake/config"
)

const kitOffering = `  - name: kit
    owner: o
    lifecycle: ga
    detect: [{kind: gomod, module: github.com/acme/kit}]
`

func TestAlternativesAddTheirKindsToThePlan(t *testing.T) {
	cfg := parse(t, kitOffering+`    alternatives: ["github.com/gin-gonic/*", "dockerfile:node*"]
`)
	cat, err := Compile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got := cat.Kinds(); !slices.Equal(got, []string{"dockerfile", "gomod"}) {
		t.Errorf("kinds = %v, want dockerfile (the alternative's) and gomod", got)
	}
	if cat.Harvest() {
		t.Error("harvest mode without a harvest section")
	}
	alts := cat.Offerings[0].Alts()
	for _, tc := range []struct {
		alt  int
		comp detect.Component
		want bool
	}{
		{0, detect.Component{Kind: "gomod", Name: "github.com/gin-gonic/gin"}, true},
		{0, detect.Component{Kind: "npm", Name: "github.com/gin-gonic/gin"}, false},
		{1, detect.Component{Kind: "dockerfile", Name: "docker.io/library/node"}, true},
		{1, detect.Component{Kind: "dockerfile", Name: "docker.io/bitnami/node"}, false},
		{1, detect.Component{Kind: "dockerfile", Name: "ghcr.io/acme/node"}, false},
		{1, detect.Component{Kind: "gomod", Name: "node"}, false},
	} {
		if got := alts[tc.alt].Match(tc.comp); got != tc.want {
			t.Errorf("%s.Match(%+v) = %v, want %v", alts[tc.alt].Text, tc.comp, got, tc.want)
		}
	}
}

func TestAlternativesUnknownKind(t *testing.T) {
	cfg := parse(t, kitOffering+`    alternatives:
      - "dockerfil:node*"
  - name: probe-only
    owner: o
    lifecycle: ga
    detect: [{kind: file, path: x}]
    alternatives: ["anything"]
`)
	_, err := Compile(cfg)
	if err == nil {
		t.Fatal("compiled")
	}
	for _, want := range []string{
		`c.yml:8: offering "kit": alternatives: "dockerfil:node*": unknown detector kind "dockerfil"`,
		`c.yml:13: offering "probe-only": alternatives: "anything" needs a KIND: prefix`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

func TestHarvestRunsEveryDetectorKindAndChangesThePlanHash(t *testing.T) {
	cfg := parse(t, kitOffering)
	cat, err := Compile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := cat.Plan(cfg.Scan)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Harvest = &config.Harvest{MinTeams: 3, Top: 25}
	hcat, err := Compile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	hp, err := hcat.Plan(cfg.Scan)
	if err != nil {
		t.Fatal(err)
	}
	if hp.Hash() == plain.Hash() {
		t.Error("harvest mode kept the plan hash: cached inventories would lack what it reads")
	}
	for _, k := range detect.Kinds() {
		d, _ := detect.Get(k)
		if got := slices.Contains(hp.Kinds(), k); got != (len(d.Patterns()) > 0) {
			t.Errorf("harvest plan runs %s: %v", k, got)
		}
	}
	if !slices.Contains(hp.Readers(), "harvest") {
		t.Errorf("readers %v lack harvest", hp.Readers())
	}
}

func TestCovers(t *testing.T) {
	cat, err := Compile(parse(t, kitOffering))
	if err != nil {
		t.Fatal(err)
	}
	if !cat.Covers(detect.Component{Kind: "gomod", Name: "github.com/acme/kit", Version: "v1.2.0"}) {
		t.Error("the offering's own module is not covered")
	}
	if cat.Covers(detect.Component{Kind: "gomod", Name: "github.com/acme/other"}) {
		t.Error("another module is covered")
	}
}
