package detect_test

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/uptake-dev/uptake/collector/detect"
	"github.com/uptake-dev/uptake/collector/detect/detecttest"
)

func TestGomodDetect(t *testing.T) {
	repo := detecttest.Dir(t, "testdata/gomod/monorepo")
	want := []detect.Component{
		{Kind: "gomod", Name: "github.com/acme/kit", Version: "v1.4.2", Path: "go.mod", Line: 8},
		{Kind: "gomod", Name: "github.com/prometheus/client_golang", Version: "v1.20.0-rc.1", Path: "go.mod", Line: 9,
			Attrs: map[string]string{"replace": "github.com/prometheus/client_golang v1.20.0-rc.1"}},
		{Kind: "gomod", Name: "golang.org/x/sync", Version: "v0.7.0", Path: "go.mod", Line: 10},
		{Kind: "gomod", Name: "github.com/beorn7/perks", Version: "v1.0.1", Path: "go.mod", Line: 14, Attrs: map[string]string{"indirect": "true"}},
		{Kind: "gomod", Name: "github.com/acme/log/v2", Version: "v2.1.0", Path: "go.mod", Line: 15, Attrs: map[string]string{"indirect": "true"}},
		{Kind: "gomod", Name: "gopkg.in/yaml.v3", Version: "v3.0.1", Path: "go.mod", Line: 16, Attrs: map[string]string{"indirect": "true"}},
		{Kind: "gomod", Name: "github.com/acme/kit/v3", Version: "v3.0.0-20240101120000-abcdef123456", Path: "services/billing/go.mod", Line: 5},
		{Kind: "gomod", Name: "github.com/acme/log", Version: "unknown", Path: "services/billing/go.mod", Line: 7,
			Attrs: map[string]string{"replace": "../../log"}},
		{Kind: "gomod", Name: "github.com/acme/kit", Version: "unknown", Path: "tools/go.mod", Line: 8,
			Attrs: map[string]string{"replace": "github.com/acme-fork/kit v1.2.1"}},
		{Kind: "gomod", Name: "golang.org/x/tools", Version: "v0.22.0", Path: "tools/go.mod", Line: 9, Attrs: map[string]string{"indirect": "true"}},
	}
	for name, files := range variants(repo) {
		t.Run(name, func(t *testing.T) {
			got, errs := mustDetector(t, "gomod").Detect(files)
			assertInventory(t, got, want)
			assertFileErrors(t, errs, "broken/go.mod")
		})
	}
}

func TestGomodDetectVersions(t *testing.T) {
	for _, tc := range []struct {
		name, gomod string
		want        []detect.Component
	}{{
		name: "single-line require with a non-canonical version kept as written",
		gomod: "module example.com/svc\n\ngo 1.22\n\n" +
			"require github.com/acme/kit v1.2 // pinned by hand\n",
		want: []detect.Component{{Kind: "gomod", Name: "github.com/acme/kit", Version: "v1.2", Path: "go.mod", Line: 5}},
	}, {
		name: "version-specific replace wins over a path-wide one",
		gomod: "module example.com/svc\n\ngo 1.22\n\nrequire github.com/acme/kit v1.2.0\n\n" +
			"replace github.com/acme/kit => ../kit\n" +
			"replace github.com/acme/kit v1.2.0 => github.com/acme/kit v1.2.5\n",
		want: []detect.Component{{Kind: "gomod", Name: "github.com/acme/kit", Version: "v1.2.5", Path: "go.mod", Line: 5,
			Attrs: map[string]string{"replace": "github.com/acme/kit v1.2.5"}}},
	}, {
		name:  "replace of a module not required adds nothing",
		gomod: "module example.com/svc\n\ngo 1.22\n\nreplace github.com/acme/kit => ../kit\n",
	}, {
		name:  "module directive alone is not a dependency",
		gomod: "module github.com/acme/kit\n",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			got, errs := mustDetector(t, "gomod").Detect(detecttest.Files{"go.mod": tc.gomod})
			assertInventory(t, got, tc.want)
			assertFileErrors(t, errs)
		})
	}
}

func TestGomodDetectMalformed(t *testing.T) {
	files := detecttest.Files{
		"go.mod":          "module example.com/svc\n\nrequire github.com/acme/kit v1.0.0\n",
		"bad/go.mod":      "module example.com/bad\n\nfrobnicate everything\n",
		"binary/go.mod":   "module \x00\x01\x02",
		"garbage/go.mod":  "require (\n\tgithub.com/acme/kit v1\n",
		"unquoted/go.mod": "module \"example.com/x\n",
	}
	got, errs := mustDetector(t, "gomod").Detect(files)
	assertInventory(t, got, []detect.Component{{Kind: "gomod", Name: "github.com/acme/kit", Version: "v1.0.0", Path: "go.mod", Line: 3}})
	assertFileErrors(t, errs, "bad/go.mod", "binary/go.mod", "garbage/go.mod", "unquoted/go.mod")
	for _, err := range errs {
		var fe *detect.FileError
		if errors.As(err, &fe) && strings.HasPrefix(fe.Err.Error(), fe.Path) {
			t.Errorf("error names the file twice: %v", err)
		}
	}
	if !strings.Contains(fmt.Sprint(errs), "bad/go.mod: line 3: unknown directive: frobnicate") {
		t.Errorf("errors do not point at the bad line: %v", errs)
	}
}

func TestGomodCompile(t *testing.T) {
	for _, tc := range []struct {
		params  map[string]string
		wantErr string
		match   []string
		noMatch []string
	}{
		{
			params:  map[string]string{"module": "github.com/acme/kit"},
			match:   []string{"github.com/acme/kit", "github.com/acme/kit/v2", "github.com/acme/kit/v13"},
			noMatch: []string{"github.com/acme/kit-legacy", "github.com/acme/kit/v1", "github.com/acme/kit/sub", "github.com/acme/kitv2", "github.com/acme"},
		},
		{
			params:  map[string]string{"module": "github.com/acme/kit/v2"},
			match:   []string{"github.com/acme/kit/v2"},
			noMatch: []string{"github.com/acme/kit", "github.com/acme/kit/v3"},
		},
		{
			params:  map[string]string{"module": "gopkg.in/yaml"},
			match:   []string{"gopkg.in/yaml.v2", "gopkg.in/yaml.v3"},
			noMatch: []string{"gopkg.in/yaml-extra.v1"},
		},
		// Globs as every kind takes them, tried with and without the
		// major-version suffix.
		{
			params:  map[string]string{"module": "github.com/acme/*"},
			match:   []string{"github.com/acme/kit", "github.com/acme/kit/v2", "github.com/acme/tools/lint"},
			noMatch: []string{"github.com/acme", "github.com/acme-labs/kit"},
		},
		{
			params:  map[string]string{"module": "*/service-kit"},
			match:   []string{"github.com/acme/service-kit", "gitlab.acme.io/platform/go/service-kit", "github.com/acme/service-kit/v3"},
			noMatch: []string{"github.com/acme/service-kit/sub", "github.com/acme/old-service-kit"},
		},
		{params: map[string]string{"module": "github.com/acme/[kit"}, wantErr: `module: bad glob "github.com/acme/[kit": [ without ]`},
		{params: map[string]string{}, wantErr: "module is required"},
		{params: map[string]string{"module": " "}, wantErr: "module is required"},
		{params: map[string]string{"module": "github.com/acme/kit", "version": "v1"}, wantErr: "unknown key version"},
		{params: map[string]string{"module": "github.com/acme/kit@v1.2.0"}, wantErr: "module:"},
		{params: map[string]string{"module": "github.com/acme/k it"}, wantErr: "module:"},
	} {
		t.Run(fmt.Sprint(tc.params), func(t *testing.T) {
			m, err := mustDetector(t, "gomod").Compile(tc.params)
			if !errorMatches(err, tc.wantErr) {
				t.Fatalf("Compile error = %v, want %q", err, tc.wantErr)
			}
			if err != nil {
				return
			}
			assertMatches(t, m, "gomod", tc.match, tc.noMatch)
			if m.Match(detect.Component{Kind: "dockerfile", Name: tc.match[0]}) {
				t.Errorf("matches a component of another kind")
			}
		})
	}
}

// Helpers shared by the tests of the core detectors.

// component builds an expected component from key/value pairs: "section"
// is its Section, "lockfile" (path:line) its Attrs.lockfile and, the path
// alone, its Lockfile; any other pair is an Attrs entry.
func component(kind, path string, line int, name, ver string, kv ...string) detect.Component {
	c := detect.Component{Kind: kind, Name: name, Version: ver, Path: path, Line: line}
	for i := 0; i+1 < len(kv); i += 2 {
		switch k, v := kv[i], kv[i+1]; k {
		case "section":
			c.Section = v
			continue
		case "lockfile":
			c.Lockfile = v[:strings.LastIndexByte(v, ':')]
		}
		if c.Attrs == nil {
			c.Attrs = map[string]string{}
		}
		c.Attrs[kv[i]] = kv[i+1]
	}
	return c
}

func mustDetector(t testing.TB, kind string) detect.Detector {
	t.Helper()
	d, ok := detect.Get(kind)
	if !ok {
		t.Fatalf("kind %q not registered", kind)
	}
	return scopedDetector{d}
}

// scopedDetector runs a detector as a scan does: in its Scope, so a test
// fails when the detector reads a file its Patterns do not declare.
type scopedDetector struct{ detect.Detector }

func (s scopedDetector) Detect(f detect.Files) ([]detect.Component, []error) {
	return s.Detector.Detect(detect.Scope(s.Detector, f))
}

// variants gives a fixture as written, with CRLF endings, and with a BOM
// opening every file: each must yield the same components.
func variants(files detecttest.Files) map[string]detecttest.Files {
	bom := detecttest.Files{}
	for p, s := range files {
		bom[p] = "\ufeff" + s
	}
	return map[string]detecttest.Files{"LF": files, "CRLF": files.CRLF(), "BOM": bom}
}

func sortInventory(cs []detect.Component) {
	sort.SliceStable(cs, func(i, j int) bool {
		a, b := cs[i], cs[j]
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Name < b.Name
	})
}

func assertInventory(t *testing.T, got, want []detect.Component) {
	t.Helper()
	got = append([]detect.Component(nil), got...)
	want = append([]detect.Component(nil), want...)
	sortInventory(got)
	sortInventory(want)
	show := func(cs []detect.Component) string {
		var b strings.Builder
		for _, c := range cs {
			fmt.Fprintf(&b, "\n\t%s:%d %s %s %q section=%q lockfile=%q %v", c.Path, c.Line, c.Kind, c.Name, c.Version, c.Section, c.Lockfile, c.Attrs)
		}
		return b.String()
	}
	if show(got) != show(want) {
		t.Errorf("components:\ngot:%s\nwant:%s", show(got), show(want))
	}
}

// assertFileErrors checks errs are FileErrors for exactly these paths.
func assertFileErrors(t *testing.T, errs []error, paths ...string) {
	t.Helper()
	var got []string
	for _, err := range errs {
		var fe *detect.FileError
		if !errors.As(err, &fe) {
			t.Errorf("error %v is not a FileError", err)
			continue
		}
		got = append(got, fe.Path)
	}
	sort.Strings(got)
	sort.Strings(paths)
	if fmt.Sprint(got) != fmt.Sprint(paths) {
		t.Errorf("file errors for %v, want %v; errors: %v", got, paths, errs)
	}
}

func errorMatches(err error, want string) bool {
	if err == nil || want == "" {
		return (err == nil) == (want == "")
	}
	return strings.Contains(err.Error(), want)
}

func assertMatches(t *testing.T, m detect.Matcher, kind string, match, noMatch []string) {
	t.Helper()
	for _, name := range match {
		if !m.Match(detect.Component{Kind: kind, Name: name}) {
			t.Errorf("does not match %q", name)
		}
	}
	for _, name := range noMatch {
		if m.Match(detect.Component{Kind: kind, Name: name}) {
			t.Errorf("matches %q", name)
		}
	}
}

func FuzzGomod(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzDetect(t, "gomod", detecttest.Files{"go.mod": string(data)})
	})
}

// fuzzDetect runs a detector over hostile files and checks every component
// is of its kind and points at a line that exists in a file it was given.
func fuzzDetect(t *testing.T, kind string, files detecttest.Files) {
	t.Helper()
	cs, errs := mustDetector(t, kind).Detect(files)
	for _, c := range cs {
		data, ok := files[c.Path]
		if c.Kind != kind || !ok {
			t.Fatalf("component %+v: wrong kind or a path not in the repo", c)
		}
		if lines := strings.Count(string(detect.Clean([]byte(data))), "\n") + 1; c.Line < 1 || c.Line > lines {
			t.Fatalf("component %+v: line outside 1..%d", c, lines)
		}
		if c.Name == "" {
			t.Fatalf("component %+v has no name", c)
		}
	}
	for _, err := range errs {
		var fe *detect.FileError
		if !errors.As(err, &fe) || fe.Path == "" {
			t.Fatalf("error %v is not a FileError naming a file", err)
		}
	}
}
