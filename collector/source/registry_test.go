package source_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/uptake-dev/uptake/collector/source"
	_ "github.com/uptake-dev/uptake/collector/source/github"
	_ "github.com/uptake-dev/uptake/collector/source/gitlab"
	_ "github.com/uptake-dev/uptake/collector/source/local"
	"github.com/uptake-dev/uptake/config"
)

// memorySource is a whole source type in one file: a registration with the
// keys it takes, its validation and its constructor.
type memorySource struct{ name, path string }

func (m memorySource) Name() string { return m.name }
func (m memorySource) List(context.Context) ([]source.Repo, error) {
	return []source.Repo{{Source: m.name, Name: m.path}}, nil
}
func (memorySource) Head(context.Context, source.Repo) (string, error) { return "", source.ErrEmpty }
func (memorySource) Open(context.Context, source.Repo, string) (source.Tree, error) {
	return nil, source.ErrEmpty
}

func init() {
	source.Register("memory", source.Type{
		Keys: []string{"path"},
		Validate: func(s config.Source) []string {
			if !strings.HasPrefix(s.Path, "/") {
				return []string{"path must be absolute"}
			}
			return nil
		},
		New: func(s config.Source, _ source.Options) (source.Source, error) {
			if s.Path == "/fail" {
				return nil, errors.New("cannot open /fail")
			}
			return memorySource{name: s.Name, path: s.Path}, nil
		},
	})
}

func parse(t *testing.T, yml string) *config.Config {
	t.Helper()
	cfg, err := config.Parse("c.yml", []byte(yml+"offerings: [{name: a, owner: o, lifecycle: ga, detect: [{kind: file, path: x}]}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		yml  string
		want []string
	}{
		{"sources: [{name: m, type: memory, path: /repos}]\n", nil},
		{"sources: [{name: m, type: memory, path: repos}]\n", []string{`c.yml:1: source "m": path must be absolute`}},
		{"sources: [{name: m, type: memory, path: /r, org: acme}]\n", []string{`c.yml:1: source "m": org does not apply to type memory`}},
		{"sources: [{name: mirror, type: svn, path: ./repos}]\n", []string{`c.yml:1: source "mirror": type must be one of github, gitlab, local, memory, got "svn"`}},
		{"sources:\n  - {name: gh, type: github, org: acme, user: bob, path: ./repos}\n", []string{
			`c.yml:2: source "gh": path does not apply to type github`, `c.yml:2: source "gh": exactly one of org or user is required`}},
		{"sources:\n  - {name: gl, type: gitlab, visibility: all, include: ['a[']}\n", []string{
			`c.yml:2: source "gl": include/exclude: bad glob "a["`, `c.yml:2: source "gl": group is required for type gitlab`,
			`c.yml:2: source "gl": visibility must be public, private or internal`}},
		{"sources: [{name: gl, type: gitlab, group: acme, graphql: false}, {name: l, type: local, path: /r, graphql: false}]\n", []string{
			`c.yml:1: source "l": graphql does not apply to type local`}},
		{"sources: [{name: l, type: local}]\n", []string{`c.yml:1: source "l": path is required for type local`}},
		{"sources: [{name: l, type: local, path: /r, depth: -1}, {name: g, type: github, org: acme, depth: 3}]\n", []string{
			`c.yml:1: source "l": depth must be from 1 to 8, got -1`, `c.yml:1: source "g": depth does not apply to type github`}},
	} {
		var got []string
		for _, e := range source.Validate(parse(t, tc.yml)) {
			got = append(got, e.Error())
		}
		if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
			t.Errorf("%s: errors\n%s\nwant\n%s", tc.yml, strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
		}
	}
}

func TestNewNamesTheSourceOnce(t *testing.T) {
	cfg := parse(t, "sources: [{name: m, type: memory, path: /repos}, {name: bad, type: memory, path: /fail}]\n")
	src, err := source.New(cfg.Sources[0], source.Options{})
	if err != nil || src.Name() != "m" {
		t.Fatalf("New = %v, %v", src, err)
	}
	if _, err := source.New(cfg.Sources[1], source.Options{}); err == nil || err.Error() != `source "bad": cannot open /fail` {
		t.Fatalf("err = %v", err)
	}
	gl := config.Source{Name: "gl", Type: "gitlab", Group: "acme", TokenEnv: "UPTAKE_TEST_UNSET_TOKEN"}
	if _, err := source.New(gl, source.Options{}); err == nil || strings.Count(err.Error(), `source "gl"`) != 1 {
		t.Fatalf("err = %v, want the source named once", err)
	}
}

// Preflight's errors name the source once, at its line, as Validate's do.
func TestPreflightNamesTheSourceOnce(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "nope")
	cfg := parse(t, "sources:\n  - {name: gone, type: local, path: "+missing+"}\n  - {name: flat, type: local, path: "+file+"}\n  - {name: m, type: memory, path: /r}\n")
	var got []string
	for _, e := range source.Preflight(cfg) {
		got = append(got, e.Error())
	}
	want := []string{`c.yml:2: source "gone": path ` + missing + `: no such file or directory`, `c.yml:3: source "flat": path ` + file + ` is not a directory`}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("Preflight:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestBadConfigFiles: the shipped bad examples are rejected as documented.
func TestBadConfigFiles(t *testing.T) {
	for file, want := range map[string]string{
		"testdata/source-type-bad.yml": `testdata/source-type-bad.yml:2: source "mirror": type must be one of github, gitlab, local, memory, got "svn"`,
		"testdata/github-both-bad.yml": `testdata/github-both-bad.yml:2: source "gh": path does not apply to type github`,
	} {
		cfg, err := config.Load(file)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		errs := source.Validate(cfg)
		if len(errs) == 0 || errs[0].Error() != want {
			t.Errorf("%s: %v, want %s", file, errs, want)
		}
	}
}
