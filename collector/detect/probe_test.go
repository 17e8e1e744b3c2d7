package detect_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/uptake-dev/uptake/collector/detect"
	"github.com/uptake-dev/uptake/collector/detect/detecttest"
)

func compileProbe(t *testing.T, kind string, params map[string]string) detect.Probe {
	t.Helper()
	m, err := mustDetector(t, kind).Compile(params)
	if err != nil {
		t.Fatalf("Compile(%v): %v", params, err)
	}
	p, ok := m.(detect.Probe)
	if !ok {
		t.Fatalf("%s matcher %T is not a Probe", kind, m)
	}
	return p
}

func TestProbeDetectorsHaveNoInventory(t *testing.T) {
	repo := detecttest.Dir(t, "testdata/probe")
	for _, kind := range []string{"file", "regex"} {
		d := mustDetector(t, kind)
		if d.Patterns() != nil {
			t.Errorf("%s: Patterns() = %v, want nil", kind, d.Patterns())
		}
		if cs, errs := d.Detect(repo); cs != nil || errs != nil {
			t.Errorf("%s: Detect = %v, %v; want nothing", kind, cs, errs)
		}
	}
}

func TestFileProbe(t *testing.T) {
	p := compileProbe(t, "file", map[string]string{"path": "**/renovate.json"})
	if got := p.Patterns(); fmt.Sprint(got) != "[**/renovate.json]" {
		t.Errorf("Patterns() = %v", got)
	}
	if p.NeedsContent() {
		t.Error("file probe needs content")
	}
	got := p.Scan("renovate.json", nil)
	assertInventory(t, got, []detect.Component{{Kind: "file", Name: "**/renovate.json", Path: "renovate.json", Line: 1}})
	if len(got) == 1 && !p.Match(got[0]) {
		t.Error("probe does not match its own component")
	}
	if got := p.Scan("docs/renovate.md", nil); got != nil {
		t.Errorf("Scan of a path outside the glob = %v", got)
	}
	other := compileProbe(t, "file", map[string]string{"path": "renovate.json"})
	if other.Match(detect.Component{Kind: "file", Name: "**/renovate.json", Path: "renovate.json", Line: 1}) {
		t.Error("a probe matches another probe's component")
	}
}

func TestRegexProbe(t *testing.T) {
	repo := detecttest.Dir(t, "testdata/probe")
	for _, tc := range []struct {
		name    string
		params  map[string]string
		path    string
		version string
		line    int // 0: no component
	}{
		{"version group", map[string]string{"path": ".tool-versions", "pattern": `(?m)^golang (?P<version>\S+)`}, ".tool-versions", "1.22.3", 3},
		{"no version group", map[string]string{"path": "Makefile", "pattern": `include \.platform/platform\.mk`}, "Makefile", "", 5},
		{"first match wins", map[string]string{"path": "*", "pattern": `(?m)^\w+ (?P<version>[\d.]+)$`}, ".tool-versions", "20.11.1", 2},
		{"second alternative's version group", map[string]string{"path": "Makefile", "pattern": `NOPE(?P<version>x)|PLATFORM_MK_VERSION \?= (?P<version>v[\d.]+)`}, "Makefile", "v2.3.0", 4},
		{"multi-line match evidences its start", map[string]string{"path": "renovate.json", "pattern": `(?s)"extends".*renovate-config#(?P<version>v[\d.]+)`}, "renovate.json", "v1.8.0", 3},
		{"no match", map[string]string{"path": "Makefile", "pattern": `golangci-lint`}, "Makefile", "", 0},
		{"path outside the glob", map[string]string{"path": "Makefile", "pattern": `golang`}, ".tool-versions", "", 0},
	} {
		for variant, files := range variants(repo) {
			t.Run(tc.name+"/"+variant, func(t *testing.T) {
				p := compileProbe(t, "regex", tc.params)
				if !p.NeedsContent() {
					t.Error("regex probe does not need content")
				}
				var want []detect.Component
				if tc.line > 0 {
					// Evidence is named by the rule's own text.
					name := tc.params["path"] + " ~ " + tc.params["pattern"]
					want = []detect.Component{{Kind: "regex", Name: name, Version: tc.version, Path: tc.path, Line: tc.line}}
				}
				got := p.Scan(tc.path, []byte(files[tc.path]))
				assertInventory(t, got, want)
				for _, c := range got {
					if !p.Match(c) {
						t.Errorf("probe does not match its own component %+v", c)
					}
				}
			})
		}
	}
}

func TestRegexProbeSkipsBinary(t *testing.T) {
	p := compileProbe(t, "regex", map[string]string{"path": "**", "pattern": "golang"})
	if got := p.Scan("bin/tool", []byte("\x7fELF\x00\x00golang")); got != nil {
		t.Errorf("Scan of a binary file = %v", got)
	}
}

func TestProbeKey(t *testing.T) {
	key := func(kind string, params map[string]string) string {
		return compileProbe(t, kind, params).Key()
	}
	a := key("regex", map[string]string{"path": "Makefile", "pattern": "x"})
	if a != key("regex", map[string]string{"path": "Makefile", "pattern": "x"}) {
		t.Error("equal parameters give different keys")
	}
	for _, other := range []string{
		key("regex", map[string]string{"path": "Makefile", "pattern": "y"}),
		key("regex", map[string]string{"path": "Makefilex", "pattern": "x"}),
		key("file", map[string]string{"path": "Makefile"}),
	} {
		if other == a {
			t.Errorf("different parameters share key %s", a)
		}
	}
	// Where the path holds the separator, it is quoted.
	if key("regex", map[string]string{"path": "a ~ b", "pattern": "c"}) == key("regex", map[string]string{"path": "a", "pattern": "b ~ c"}) ||
		key("regex", map[string]string{"path": `"a" ~ b`, "pattern": "c"}) == key("regex", map[string]string{"path": `"a"`, "pattern": "b ~ c"}) {
		t.Error("keys collide across the \" ~ \" separator")
	}
	// A file rule and a regex rule never share a key, whatever their text.
	if key("file", map[string]string{"path": `x ~ "y"`}) == key("regex", map[string]string{"path": "x", "pattern": "y"}) {
		t.Error("a file and a regex rule share a key")
	}
	// Concatenating path and pattern must not collide.
	if key("regex", map[string]string{"path": "ab", "pattern": "c"}) == key("regex", map[string]string{"path": "a", "pattern": "bc"}) {
		t.Error("keys collide across the path/pattern boundary")
	}
}

func TestProbeCompileErrors(t *testing.T) {
	for _, tc := range []struct {
		kind    string
		params  map[string]string
		wantErr string
	}{
		{"file", map[string]string{}, "path is required"},
		{"file", map[string]string{"path": "go.mod", "pattern": "x"}, "unknown key pattern"},
		{"file", map[string]string{"path": "ci/[a-"}, "path: bad glob"},
		{"regex", map[string]string{"path": "Makefile"}, "pattern is required"},
		{"regex", map[string]string{"pattern": "x"}, "path is required"},
		{"regex", map[string]string{"path": "Makefile", "pattern": "include (", "glob": "x"}, "unknown key glob"},
		{"regex", map[string]string{"path": "Makefile", "pattern": "include ("}, "pattern: bad regex"},
		{"regex", map[string]string{"path": "Makefile", "pattern": `(?<=x)y`}, "pattern: bad regex"},
		{"regex", map[string]string{"path": "{a,", "pattern": "x"}, "path: bad glob"},
	} {
		t.Run(fmt.Sprint(tc.kind, tc.params), func(t *testing.T) {
			_, err := mustDetector(t, tc.kind).Compile(tc.params)
			if !errorMatches(err, tc.wantErr) {
				t.Errorf("Compile error = %v, want %q", err, tc.wantErr)
			}
		})
	}
}

func FuzzRegexProbe(f *testing.F) {
	f.Fuzz(func(t *testing.T, pattern string, data []byte) {
		m, err := mustDetector(t, "regex").Compile(map[string]string{"path": "**", "pattern": pattern})
		if err != nil {
			return
		}
		for _, c := range m.(detect.Probe).Scan("x/file", data) {
			lines := strings.Count(string(detect.Clean(data)), "\n") + 1
			if c.Kind != "regex" || c.Path != "x/file" || c.Line < 1 || c.Line > lines || !m.Match(c) {
				t.Fatalf("component %+v (file has %d lines)", c, lines)
			}
		}
	})
}
