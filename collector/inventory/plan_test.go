package inventory

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/uptake-dev/uptake/collector/detect"
	"github.com/uptake-dev/uptake/collector/source"
	"github.com/uptake-dev/uptake/collector/source/sourcetest"
	"github.com/uptake-dev/uptake/config"
)

// markerDetector is a whole detector in a few lines: a kind, the files it
// reads, a parser and a rule compiler, registered from init. It also tries
// to read a file it did not declare, which its Scope refuses.
type markerDetector struct{}

func (markerDetector) Kind() string       { return "test_marker" }
func (markerDetector) Patterns() []string { return []string{"**/marker.txt"} }
func (markerDetector) Detect(f detect.Files) ([]detect.Component, []error) {
	var out []detect.Component
	var errs []error
	for _, p := range f.Glob("**/marker.txt") {
		data, err := f.Read(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		name, ver, _ := strings.Cut(strings.TrimSpace(string(data)), "@")
		out = append(out, detect.Component{Kind: "test_marker", Name: name, Version: ver, Path: p, Line: 1})
		if _, err := f.Read("README.md"); err != nil {
			errs = append(errs, err)
		}
	}
	return out, errs
}
func (markerDetector) Compile(params map[string]string) (detect.Matcher, error) {
	if err := detect.Params(params, []string{"name"}, nil); err != nil {
		return nil, err
	}
	return detect.MatcherFunc(func(c detect.Component) bool { return c.Kind == "test_marker" && c.Name == params["name"] }), nil
}

func init() { detect.Register(markerDetector{}) }

func plan(t testing.TB, kinds ...string) *Plan {
	t.Helper()
	p, err := NewPlan(kinds, nil, config.Scan{Exclude: config.DefaultExclude, MaxFileBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Test fixtures name what a test feeds the code, not what the repo uses:
// the default excludes keep them from being read at all.
func TestDefaultExcludesSkipTestFixtures(t *testing.T) {
	files := map[string]string{"svc/marker.txt": "acme-kit@1.2.0\n"}
	fixtures := []string{
		"svc/src/test/resources/marker.txt", "src/test/marker.txt", "test/fixtures/marker.txt",
		"pkg/tests/fixtures/app/marker.txt", "web/__fixtures__/marker.txt",
	}
	for _, p := range fixtures {
		files[p] = "fixture-kit@0.0.1\n"
	}
	// Near misses stay in: only whole directory names are excluded.
	files["src/testing/marker.txt"] = "near-kit@1.0.0\n"
	files["test/fixtures-gen/marker.txt"] = "near-kit@1.0.0\n"
	tree := sourcetest.NewTree(files)
	inv, _, err := plan(t, "test_marker").Read(context.Background(), tree)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range inv.Components {
		got = append(got, c.Path)
	}
	if want := []string{"src/testing/marker.txt", "svc/marker.txt", "test/fixtures-gen/marker.txt"}; !reflect.DeepEqual(got, want) {
		t.Errorf("components from %v, want %v", got, want)
	}
	for _, p := range fixtures {
		if slices.Contains(tree.Reads(), p) {
			t.Errorf("%s was read", p)
		}
	}
}

func TestReadRunsDetectorsInTheirScope(t *testing.T) {
	tree := sourcetest.NewTree(map[string]string{
		"svc/marker.txt":        "acme-kit@1.2.0\n",
		"vendor/x/marker.txt":   "vendored@9.9.9\n",
		"README.md":             "not declared by test_marker\n",
		".github/CODEOWNERS":    "* @acme/payments\n",
		"go.mod":                "module x\n\nrequire github.com/acme/kit v1.0.0\n",
		"bad/go.mod":            "module !!! (((\n",
		"cmd/main.go":           "package main\n",
		"deploy/Dockerfile.app": "FROM scratch\n",
	})
	inv, failures, err := plan(t, "gomod", "test_marker").Read(context.Background(), tree)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range inv.Components {
		got = append(got, fmt.Sprintf("%s %s %s %s:%d %s", c.Kind, c.Name, c.Version, c.Path, c.Line, c.URL))
	}
	want := []string{
		"gomod github.com/acme/kit v1.0.0 go.mod:3 https://git.example/go.mod#L3",
		"test_marker acme-kit 1.2.0 svc/marker.txt:1 https://git.example/svc/marker.txt#L1",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("components:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if reads := tree.Reads(); slices.Contains(reads, "README.md") || slices.Contains(reads, "vendor/x/marker.txt") {
		t.Errorf("read %v: an undeclared or excluded file was fetched", reads)
	}
	if !reflect.DeepEqual(inv.Owners, []string{"@acme/payments"}) {
		t.Errorf("owners = %v", inv.Owners)
	}
	if !reflect.DeepEqual(inv.Languages, []string{"docker", "go"}) {
		t.Errorf("languages = %v", inv.Languages)
	}
	if inv.FileErrors != 2 || !reflect.DeepEqual(inv.ReaderErrors, map[string]int{"gomod": 1, "test_marker": 1}) {
		t.Errorf("file errors %d by reader %v, want bad/go.mod for gomod and README.md for test_marker", inv.FileErrors, inv.ReaderErrors)
	}
	if len(failures) != 2 || failures[0].Path != "README.md" || !errors.Is(failures[0].Err, detect.ErrUndeclared) || failures[1].Path != "bad/go.mod" {
		t.Errorf("failures = %+v", failures)
	}
	if inv.FilesRead != 4 {
		t.Errorf("files read = %d, want go.mod, bad/go.mod, svc/marker.txt and CODEOWNERS", inv.FilesRead)
	}
}

// oversized is a tree one entry over the cap, from any source.
type oversized struct{ *sourcetest.Tree }

func (oversized) Entries() []source.Entry { return make([]source.Entry, source.MaxTreeEntries+1) }

func TestReadRefusesATreeOverTheCap(t *testing.T) {
	_, _, err := plan(t, "gomod").Read(context.Background(), oversized{sourcetest.NewTree(nil)})
	if err == nil || !strings.Contains(err.Error(), "more than the 500000") {
		t.Fatalf("err = %v, want the tree refused", err)
	}
}

func TestReadersAndHash(t *testing.T) {
	p := plan(t, "gomod", "test_marker")
	if want := []string{"backstage", "codeowners", "gomod", "test_marker"}; !reflect.DeepEqual(p.Readers(), want) {
		t.Errorf("readers = %v, want %v", p.Readers(), want)
	}
	if p.Hash() == plan(t, "gomod").Hash() || p.Hash() != plan(t, "gomod", "test_marker").Hash() {
		t.Error("hash must change with the kinds and only with them")
	}
	if _, err := NewPlan([]string{"nope"}, nil, config.Scan{}); err == nil {
		t.Error("a plan with an unregistered kind compiled")
	}
}

func TestReadFailsTheRepoOnATransportFault(t *testing.T) {
	files := map[string]string{
		".github/CODEOWNERS": "* @acme/payments\n",
		"a/go.mod":           "module a\n\nrequire github.com/acme/kit v1.0.0\n",
		"b/go.mod":           "module b\n",
		"big/go.mod":         strings.Repeat("// padding\n", 200),
	}
	p, err := NewPlan([]string{"gomod"}, nil, config.Scan{MaxFileBytes: 1000})
	if err != nil {
		t.Fatal(err)
	}
	// Too large is a property of the file: it stays a file error.
	if _, failures, err := p.Read(context.Background(), sourcetest.NewTree(files)); err != nil || len(failures) != 1 || failures[0].Path != "big/go.mod" {
		t.Fatalf("err %v, failures %+v: want only big/go.mod skipped", err, failures)
	}

	for _, path := range []string{"a/go.mod", ".github/CODEOWNERS"} {
		tree := sourcetest.NewTree(files)
		tree.Fail = map[string]error{path: errors.New("connection reset by peer")}
		if path == ".github/CODEOWNERS" {
			// A listed file "not found" is a source breaking its contract, not a missing file.
			tree.Fail[path] = fmt.Errorf("pack vanished: %w", fs.ErrNotExist)
		}
		inv, _, err := p.Read(context.Background(), tree)
		var te *TransportError
		if !errors.As(err, &te) || te.Path != path || len(inv.Components) != 0 {
			t.Errorf("%s unreadable: err %v, inventory %+v; want a TransportError and no inventory", path, err, inv)
		}
		if reads := tree.Reads(); slices.Contains(reads, "b/go.mod") && path == "a/go.mod" {
			t.Errorf("read %v after a transport fault; later reads must not be tried", reads)
		}
	}
}

// scan.container_image_paths widen what the container_image kind reads: a
// file there is fetched and found, and the plan hash changes with the
// globs when the kind is in use, and only then.
func TestPlanWidensContainerImagePaths(t *testing.T) {
	scan := config.Scan{Exclude: config.DefaultExclude, MaxFileBytes: 1 << 20}
	wide := scan
	wide.ContainerImagePaths = []string{"platform/**/*.yaml", "ops/*.yml"}
	p, err := NewPlan([]string{"container_image"}, nil, wide)
	if err != nil {
		t.Fatal(err)
	}
	tree := sourcetest.NewTree(map[string]string{
		"platform/apps/api.yaml": "image: registry.acme.io/api:1.4.0\n",
		"other/api.yaml":         "image: registry.acme.io/api:0.1.0\n",
	})
	inv, failures, err := p.Read(context.Background(), tree)
	if err != nil || len(failures) != 0 {
		t.Fatalf("err %v, failures %+v", err, failures)
	}
	if len(inv.Components) != 1 || inv.Components[0].Path != "platform/apps/api.yaml" || inv.Components[0].Version != "1.4.0" {
		t.Errorf("components %+v, want the image of platform/apps/api.yaml alone", inv.Components)
	}
	if reads := tree.Reads(); slices.Contains(reads, "other/api.yaml") {
		t.Errorf("read %v: a path neither the defaults nor the catalog name was fetched", reads)
	}
	narrow, _ := NewPlan([]string{"container_image"}, nil, scan)
	reordered := wide
	reordered.ContainerImagePaths = []string{"ops/*.yml", "platform/**/*.yaml"}
	same, _ := NewPlan([]string{"container_image"}, nil, reordered)
	if p.Hash() == narrow.Hash() || p.Hash() != same.Hash() {
		t.Error("the hash must change with scan.container_image_paths, and not with their order")
	}
	otherKind, _ := NewPlan([]string{"gomod"}, nil, wide)
	if otherKind.Hash() != plan(t, "gomod").Hash() {
		t.Error("scan.container_image_paths changed the hash of a plan not reading images")
	}
}

// panicking fails on every repo it is given, as a detector bug would.
type panicking struct{}

func (panicking) Kind() string       { return "test_panicking" }
func (panicking) Patterns() []string { return []string{"**/boom.txt"} }
func (panicking) Detect(detect.Files) ([]detect.Component, []error) {
	panic("token ghp_secret0123456789 in a panic")
}
func (panicking) Compile(map[string]string) (detect.Matcher, error) { return nil, nil }

func init() { detect.Register(panicking{}) }

// The inventory names each skipped file and why in words of its own: what
// a parser says may quote the file, and the snapshot publishes the list.
func TestFileErrorListNamesSkippedFilesWithoutTheirContent(t *testing.T) {
	const secret = "hunter2-token-ghp_0123456789"
	tree := sourcetest.NewTree(map[string]string{
		"go.mod":               "module x\n\nrequire github.com/acme/kit v1.0.0\n",
		"a/go.mod":             "module a\n\n" + secret + " v1.0.0\n",
		"b/go.mod":             "module b\n\x00binary",
		"big/go.mod":           strings.Repeat("// "+secret+"\n", 100),
		"svc/marker.txt":       "acme-kit@1.2.0\n",
		"README.md":            secret,
		"boom.txt":             "x",
		"weird\n\"path/go.mod": "module ((( " + secret + "\n",
	})
	p, err := NewPlan([]string{"gomod", "test_marker", "test_panicking"}, nil, config.Scan{MaxFileBytes: 1000})
	if err != nil {
		t.Fatal(err)
	}
	inv, _, err := p.Read(context.Background(), tree)
	if err != nil {
		t.Fatal(err)
	}
	want := []FileError{
		{"(test_panicking)", "test_panicking: the detector failed on this repo (a bug: the scan log has its message)"},
		{"README.md", "test_marker: not among the files the detector declares"},
		{"a/go.mod", "gomod: not parseable (line 3)"},
		{"b/go.mod", "gomod: binary file"},
		{"big/go.mod", "gomod: larger than scan.max_file_bytes"},
		{"weird\n\"path/go.mod", "gomod: not parseable (line 1)"},
	}
	if !reflect.DeepEqual(inv.FileErrorList, want) || inv.FileErrors != len(want) {
		t.Errorf("file errors %d:\n%q\nwant\n%q", inv.FileErrors, inv.FileErrorList, want)
	}
	data, _ := json.Marshal(inv)
	if strings.Contains(string(data), "hunter2") || strings.Contains(string(data), "ghp_") {
		t.Errorf("the inventory's JSON holds file content or a token: %s", data)
	}

	// Bounded: the count stays whole, the list names the first ones by path.
	files := map[string]string{}
	for i := range MaxFileErrorList + 50 {
		files[fmt.Sprintf("m%03d/go.mod", i)] = "module (((\n"
	}
	inv, _, err = plan(t, "gomod").Read(context.Background(), sourcetest.NewTree(files))
	if err != nil {
		t.Fatal(err)
	}
	if inv.FileErrors != MaxFileErrorList+50 || len(inv.FileErrorList) != MaxFileErrorList || inv.FileErrorList[99].Path != "m099/go.mod" {
		t.Errorf("%d file errors, %d listed (last %+v); want all counted, the first %d listed", inv.FileErrors, len(inv.FileErrorList),
			inv.FileErrorList[len(inv.FileErrorList)-1], MaxFileErrorList)
	}

	// A repo without errors lists nothing, and its JSON says nothing of it.
	inv, _, err = plan(t, "gomod").Read(context.Background(), sourcetest.NewTree(map[string]string{"go.mod": "module x\n"}))
	if err != nil {
		t.Fatal(err)
	}
	if data, _ := json.Marshal(inv); inv.FileErrorList != nil || strings.Contains(string(data), "file_error") {
		t.Errorf("clean repo: list %v, JSON %s", inv.FileErrorList, data)
	}
}
