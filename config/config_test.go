package config

import (
	"errors"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestGoodConfig(t *testing.T) {
	c, err := Load("testdata/good.yml")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.Sources[0].Path, filepath.Join("testdata", "repos"); got != want {
		t.Errorf("source path = %q, want %q (relative to the config file)", got, want)
	}
	if c.Scan.RepoTimeout != 30*time.Second || c.Scan.Concurrency != 4 {
		t.Errorf("scan = %+v", c.Scan)
	}
	if len(c.Scan.Exclude) != len(DefaultExclude) || c.Scan.MaxFileBytes != 1<<20 || c.Exporter.MaxVersions != 10 ||
		c.Scan.HTTPTimeout != 30*time.Second || c.Scan.SourceTimeout != 0 || c.History.Retention != DefaultRetention {
		t.Errorf("defaults not applied: %+v %+v", c.Scan, c.Exporter)
	}
	if got := c.Scan.ContainerImagePaths; !reflect.DeepEqual(got, []string{"platform/**/*.yaml", "**/argocd/*.yml"}) {
		t.Errorf("scan.container_image_paths = %q", got)
	}
	if len(c.Teams.Map) != 2 || c.Teams.Map[0].Team != "payments" || c.Teams.Map[1].Team != "search" || c.Teams.Map[0].Line != 8 {
		t.Errorf("teams.map lost its order or lines: %+v", c.Teams.Map)
	}
	r := c.Offerings[0].Detect[1]
	if r.Kind != "file" || r.Params["path"] != ".platform/service-kit.yaml" || r.Line != 21 || r.KeyLines["path"] != 22 {
		t.Errorf("rule = %+v", r)
	}
	if c.Offerings[0].Line != 13 {
		t.Errorf("offering line = %d", c.Offerings[0].Line)
	}
}

// A scan.exclude replaces the default list whole: nothing of it is kept,
// and an empty list excludes nothing.
func TestExcludeReplacesTheDefaults(t *testing.T) {
	for yml, want := range map[string][]string{
		"":                                   DefaultExclude,
		"scan: {exclude: [\"**/gen/**\"]}\n": {"**/gen/**"},
		"scan: {exclude: []}\n":              {},
	} {
		c, err := Parse("c.yml", []byte("sources: [{name: s, type: local, path: x}]\n"+
			"offerings: [{name: a, owner: o, lifecycle: ga, detect: [{kind: file, path: x}]}]\n"+yml))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(c.Scan.Exclude, want) {
			t.Errorf("%q: exclude = %q, want %q", yml, c.Scan.Exclude, want)
		}
	}
	for _, g := range []string{"**/src/test/**", "**/test/fixtures/**", "**/tests/fixtures/**", "**/__fixtures__/**"} {
		if !slices.Contains(DefaultExclude, g) {
			t.Errorf("default excludes lack %s", g)
		}
	}
}

// Each *-bad.yml must be rejected with these messages at these lines.
var badConfigs = map[string][]string{
	"unknown-key-bad.yml": {`unknown-key-bad.yml:5: unknown key "colour" in source "mirror"`},
	"typo-key-bad.yml":    {`typo-key-bad.yml:9: unknown key "lifecyle" in offering "a"; did you mean "lifecycle"?`, `typo-key-bad.yml:3: unknown key "concurency" in scan; did you mean "concurrency"?`},
	"type-error-bad.yml": {`type-error-bad.yml:2: scan.concurrency: "lots" is not a whole number`, `type-error-bad.yml:3: scan.repo_timeout: "soon" is not a duration like 30s or 2h`,
		`type-error-bad.yml:7: offering "a": owner is required`, `type-error-bad.yml:12: offering "b": target: "high" is not a mapping`},
	"missing-fields-bad.yml":     {`missing-fields-bad.yml:4: offering "a": owner is required`, `offering "a": lifecycle is required`, `offering "a": at least one detect rule is required`},
	"duplicate-offering-bad.yml": {`duplicate-offering-bad.yml:8: offering "a": duplicate name (first at line 4)`},
	"bad-lifecycle-bad.yml":      {`bad-lifecycle-bad.yml:4: offering "a": lifecycle must be one of experimental, beta, ga, deprecated, got "stable"`},
	"bad-name-bad.yml":           {`bad-name-bad.yml:4: offering "Service Kit": name must match [a-z0-9_-]+`},
	"bad-map-glob-bad.yml":       {`bad-map-glob-bad.yml:5: teams.map.payments: bad glob "pay-[*"`},
	"waiver-date-bad.yml":        {`waiver-date-bad.yml:9: offering "a": waiver: expires must be a date YYYY-MM-DD, got "31/12/2027"`, `target.ratio must be in (0, 1], got 1.5`},
	"rule-not-map-bad.yml":       {`rule-not-map-bad.yml:8: a detect rule must be a mapping with a kind`},
	"empty-bad.yml":              {"empty-bad.yml: empty configuration"},
	"retention-bad.yml":          {`retention-bad.yml:4: history.retention: "a-year" is not a duration like 30d, 52w or 1h30m`},
	"retention-zero-bad.yml":     {`retention-zero-bad.yml:4: history.retention must be positive, like 400d`},
	"timeouts-bad.yml":           {"timeouts-bad.yml:4: scan.http_timeout must be positive", "timeouts-bad.yml:5: scan.source_timeout must not be negative (0 means none)"},
	"image-paths-bad.yml": {`image-paths-bad.yml:6: scan.container_image_paths: bad glob "apps/[*.yaml"`,
		`image-paths-bad.yml:7: scan.container_image_paths: "/platform/*.yaml": globs are anchored at the repo root already; drop the leading /`,
		`image-paths-bad.yml:8: scan.container_image_paths: empty glob`},
	// Lists and mappings where the other is wanted, named by their key
	// path, and values past the decoder's 7 characters quoted whole.
	"collection-type-bad.yml": {
		`collection-type-bad.yml:2: sources: expected a list, got a mapping`,
		`collection-type-bad.yml:4: scan.repo_timeout: "eventually-later" is not a duration like 30s or 2h`,
		`collection-type-bad.yml:5: scan.concurrency: expected a whole number, got a list`,
		`collection-type-bad.yml:6: teams.aliases: expected a mapping, got a list`,
		`collection-type-bad.yml:6: teams.from: expected a string, got a list`,
		`collection-type-bad.yml:11: offering "a": target.ratio: "high" is not a number`,
		`collection-type-bad.yml:16: offering "b": waivers: expected a list, got a mapping`,
	},
	"units-bad.yml": {`units-bad.yml:4: scan.units must be repo or project, got "projects"`,
		`units-bad.yml:5: scan.repo_wide_files must be root or every_unit, got "all"`},
	"known-teams-bad.yml": {`known-teams-bad.yml:4: teams.known: empty team name`,
		`known-teams-bad.yml:5: teams.known_from: open testdata/known/missing.txt: no such file or directory`},
	"harvest-bad.yml": {
		`harvest-bad.yml:4: harvest.min_teams must be at least 1, got 0`,
		`harvest-bad.yml:5: harvest.top must be at least 1, got -1`,
		`harvest-bad.yml:7: harvest.internal: empty glob`,
		`harvest-bad.yml:16: offering "service-kit": alternatives: "dockerfile:" names no component`,
		`harvest-bad.yml:17: offering "service-kit": alternatives: "github.com/gin-gonic/*" repeated`,
		`harvest-bad.yml:18: an alternative must be a string: a component name glob, or KIND:GLOB`,
	},
	// A bad teams.map entry or detect rule used to stop decoding there.
	"hidden-errors-bad.yml": {
		`hidden-errors-bad.yml:5: teams.map.payments must be a list of repo-name globs`,
		`hidden-errors-bad.yml:12: a detect rule must be a mapping with a kind`,
		`hidden-errors-bad.yml:13: offering "b": lifecycle must be one of experimental, beta, ga, deprecated, got "stable"`,
	},
}

// completeBadConfigs are the files whose expected messages are all their
// errors: nothing repeats what a value that did not decode already says.
var completeBadConfigs = map[string]bool{"harvest-bad.yml": true, "collection-type-bad.yml": true, "hidden-errors-bad.yml": true, "image-paths-bad.yml": true}

func TestBadConfigs(t *testing.T) {
	files, _ := filepath.Glob("testdata/*-bad.yml")
	if len(files) != len(badConfigs) {
		t.Fatalf("%d bad configs in testdata, %d expectations", len(files), len(badConfigs))
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			_, err := Load(f)
			if err == nil {
				t.Fatal("accepted")
			}
			for _, want := range badConfigs[name] {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error lacks %q:\n%v", want, err)
				}
			}
			lines := strings.Split(err.Error(), "\n")
			for _, line := range lines {
				if !strings.HasPrefix(line, f+":") {
					t.Errorf("error line %q does not start with FILE:", line)
				}
				if decoderWords(line) {
					t.Errorf("error line %q is in the decoder's words", line)
				}
			}
			if completeBadConfigs[name] && len(lines) != len(badConfigs[name]) {
				t.Errorf("%d errors, want only the %d expected:\n%v", len(lines), len(badConfigs[name]), err)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"sources: [{name: a, type: local, path: x}]\nofferings: [{name: b, owner: c, lifecycle: ga, detect: [{kind: file, path: y}]}]\n",
		"teams: {map: {a: [x]}}\n",
		"offerings: [{waivers: [{repo: x, expires: 2020-01-01}]}]\n",
		"- - -\n",
		"sources: &a [*a]\n",
		"sources: {a: b}\nscan: [1]\nteams: {aliases: [x], from: [[y]]}\nofferings: [1, {name: a, target: {ratio: [z]}}]\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("fuzz.yml", data)
		if err == nil && (len(c.Sources) == 0 || len(c.Offerings) == 0) {
			t.Fatal("accepted a config without sources or offerings")
		}
		var errs Errors
		if errors.As(err, &errs) {
			for _, e := range errs {
				if decoderWords(e.Msg) {
					t.Fatalf("error in the decoder's words: %s", e.Msg)
				}
			}
		}
	})
}

// decoderWords reports a message still in the YAML decoder's terms: its
// phrasing, a tag or a Go type of this package, outside the quoted values
// that are the user's own.
func decoderWords(msg string) bool {
	msg = quotedRE.ReplaceAllString(msg, `""`)
	return strings.Contains(msg, "cannot unmarshal") || strings.Contains(msg, "!!") || strings.Contains(msg, "in type ") ||
		strings.Contains(msg, "config.")
}

var quotedRE = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)

func TestEditDistanceAndNearest(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{{"lifecyle", "lifecycle", 1}, {"ownr", "owner", 1}, {"detcet", "detect", 1}, {"", "abc", 3}, {"same", "same", 0}, {"kitten", "sitting", 3}} {
		if got := editDistance(c.a, c.b); got != c.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
	if got := nearest("colour", yamlKeys(reflect.TypeOf(Source{}))); got != "" {
		t.Errorf("nearest(colour) = %q, want no suggestion: nothing is close", got)
	}
}

func TestScanTimeouts(t *testing.T) {
	const base = "sources: [{name: a, type: local, path: x}]\nofferings: [{name: b, owner: c, lifecycle: ga, detect: [{kind: file, path: y}]}]\n"
	c, err := Parse("t.yml", []byte(base+"scan: {http_timeout: 5s, source_timeout: 10m}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Scan.HTTPTimeout != 5*time.Second || c.Scan.SourceTimeout != 10*time.Minute {
		t.Errorf("scan = %+v", c.Scan)
	}
	if _, err := Parse("t.yml", []byte(base+"scan: {http_timeout: 0s, source_timeout: 0s}\n")); err == nil ||
		!strings.Contains(err.Error(), "http_timeout must be positive") || strings.Contains(err.Error(), "source_timeout") {
		t.Errorf("http_timeout 0 and source_timeout 0: %v, want only http_timeout refused", err)
	}
}

func knownConfig(t *testing.T, teams string) (*Config, error) {
	t.Helper()
	return Parse("testdata/known.yml", []byte("sources: [{name: m, type: local, path: ./repos}]\nteams:\n"+teams+
		"\nofferings:\n  - {name: a, owner: o, lifecycle: ga, detect: [{kind: file, path: x}]}\n"))
}

func TestKnownTeams(t *testing.T) {
	c, err := knownConfig(t, "  from: [backstage, codeowners]")
	if err != nil || c.Teams.Known != nil || !c.Teams.IsKnown("anything") {
		t.Fatalf("unset: every name is known; got %v, %v", c.Teams.Known, err)
	}
	for from, want := range map[string][]string{
		// A Backstage org export: the Group's name, its Users skipped.
		"known/team-a-group.yaml": {"platform", "team-a"},
		"known/teams.txt":         {"platform", "payments", "search"},
	} {
		c, err := knownConfig(t, "  known: [platform]\n  known_from: "+from)
		if err != nil || !reflect.DeepEqual(c.Teams.Known, want) {
			t.Errorf("%s: known %q, %v; want %q", from, c.Teams.Known, err, want)
		}
		if c != nil && (c.Teams.IsKnown("breanna.davison") || !c.Teams.IsKnown("platform")) {
			t.Errorf("%s: users are not teams, and teams.known stays", from)
		}
	}
	c, err = knownConfig(t, "  known_from: known/seq.yaml")
	if err == nil || !strings.Contains(err.Error(), "no such file") || c.Teams.Known == nil || c.Teams.IsKnown("x") {
		t.Fatalf("unreadable known_from must refuse the file and know no team: %v, %v", err, c.Teams.Known)
	}
	_, err = knownConfig(t, "  known_from: known/bad-list.txt")
	if want := `testdata/known/bad-list.txt:5: "platform identity" is not a team name (one a line)`; err == nil || err.Error() != want {
		t.Fatalf("bad list: %v, want %s", err, want)
	}
}

// history.retention takes Prometheus-style durations.
func TestRetentionDurations(t *testing.T) {
	for in, want := range map[string]time.Duration{"52w": 364 * 24 * time.Hour, "30d": 720 * time.Hour, "1h30m": 90 * time.Minute} {
		c, err := Parse("x.yml", []byte("sources: [{name: m, type: local, path: .}]\nhistory: {retention: "+in+"}\n"+
			"offerings: [{name: a, owner: o, lifecycle: ga, detect: [{kind: file, path: x}]}]\n"))
		if err != nil || time.Duration(c.History.Retention) != want {
			t.Errorf("retention %s = %v, %v; want %v", in, c, err, want)
		}
	}
}
