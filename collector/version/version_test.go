package version

import (
	"testing"
)

func TestClean(t *testing.T) {
	for _, tc := range []struct {
		raw, want string
	}{
		// Exact versions keep the source's spelling.
		{"1.2.3", "1.2.3"},
		{"v1.2.0", "v1.2.0"},
		{" '1.4.0' ", "1.4.0"},
		{`"2.0"`, "2.0"},
		{"1.0.0-rc.1", "1.0.0-rc.1"},
		{"v0.0.0-20210101000000-abcdef123456", "v0.0.0-20210101000000-abcdef123456"},
		{"v2.3.0+incompatible", "v2.3.0+incompatible"},
		{"2024.01.15", "2024.01.15"},
		{"22.04", "22.04"},
		{"1.2.3.4", "1.2.3.4"},

		// npm.
		{"^1.2.0", "1.2.0"},
		{"~1.2", "1.2"},
		{"=1.2.3", "1.2.3"},
		{">=1.2.0 <2.0.0", "1.2.0"},
		{">= 1.2.0 < 2", "1.2.0"},
		{">1.0", "1.0"},
		{"1.2.3 - 2.3.4", "1.2.3"},
		{"^2 || ^1.4", "1.4"},
		{"1.x", "1"},
		{"1.2.X", "1.2"},
		{"1.x.x", "1"},
		{"*", Unknown},
		{"x", Unknown},
		{"", Unknown},
		{"latest", Unknown},
		{"next", Unknown},
		{"workspace:*", Unknown},
		{"workspace:^", Unknown},
		{"workspace:^1.3.0", "1.3.0"},
		{"npm:string-width@^4.2.0", "4.2.0"},
		{"npm:@scope/pkg@~1.0.1", "1.0.1"},
		{"file:../shared", Unknown},
		{"link:./pkg", Unknown},
		{"git+https://github.com/org/repo.git#v1.2.0", Unknown},
		{"github:org/repo#semver:^1.0", Unknown},
		{"org/repo#v1.0.0", Unknown},
		{"https://example.com/pkg-1.0.0.tgz", Unknown},
		{"catalog:", Unknown},
		{"<2.0.0", Unknown},

		// PEP 440.
		{">=1.2,<2", "1.2"},
		{">=1.2, <2, !=1.5", "1.2"},
		{"!=1.5,>=1.2", "1.2"},
		{"~=1.4", "1.4"},
		{"~=1.4.2", "1.4.2"},
		{"==1.2.*", "1.2"},
		{"===1.0", "1.0"},
		{"==2.31.0 ; python_version >= '3.7'", "2.31.0"},
		{"1.0a1", "1.0a1"},
		{"1.0.post1", "1.0.post1"},
		{"!=1.5", Unknown},

		// Ruby and Terraform.
		{"~> 1.2", "1.2"},
		{"~>5.0", "5.0"},
		{">= 3.0, < 4.0", "3.0"},
		{"= 1.2.3", "1.2.3"},

		// Maven and Gradle.
		{"[1.0,2.0)", "1.0"},
		{"[1.0, 2.0)", "1.0"},
		{"(1.0,2.0]", "1.0"},
		{"[1.5]", "1.5"},
		{"[1.0,)", "1.0"},
		{"(,1.0]", Unknown},
		{"[1.0,2.0),[3.0,)", "1.0"},
		{"]1.0,2.0[", "1.0"},
		{"1.2.3.RELEASE", "1.2.3.RELEASE"},
		{"5.6.15.Final", "5.6.15.Final"},
		{"31.1-jre", "31.1-jre"},
		{"1.0-SNAPSHOT", "1.0-SNAPSHOT"},
		{"2.0.0-M1", "2.0.0-M1"},
		{"1.+", "1"},
		{"+", Unknown},
		{"latest.release", Unknown},
		{"1.7.36!!", "1.7.36"},
		{"${slf4j.version}", Unknown},
		{"Hoxton.SR12", Unknown},

		// Refs, digests, templates.
		{"main", Unknown},
		{"3f5c2a9d1b7e4f6a8c0d2e4f6a8b0c2d4e6f8a0b", Unknown},
		{"abc1234", Unknown},
		{"sha256:2d3e5f", Unknown},
		{"{{ .Values.image.tag }}", Unknown},
		{"$VERSION", Unknown},
		{"1.22-alpine", "1.22-alpine"},
		{"20240115", "20240115"},
	} {
		if got := Clean(tc.raw); got != tc.want {
			t.Errorf("Clean(%q) = %q, want %q", tc.raw, got, tc.want)
		}
	}
}

func TestCompare(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"1.2.0", "1.2.0", 0},
		{"v1.2", "1.2.0", 0},
		{"V1.2.0", "1.2", 0},
		{"1.2.0", "1.10.0", -1},
		{"2.0.0", "1.99.99", 1},
		// Pre-releases order before their release and among themselves.
		{"1.0.0-rc.1", "1.0.0", -1},
		{"1.0.0-alpha", "1.0.0-alpha.1", -1},
		{"1.0.0-alpha.1", "1.0.0-alpha.beta", -1},
		{"1.0.0-alpha.beta", "1.0.0-beta", -1},
		{"1.0.0-beta.2", "1.0.0-beta.11", -1},
		{"1.0.0-beta.11", "1.0.0-rc.1", -1},
		{"1.0.0-rc2", "1.0.0-rc10", -1},
		{"1.0.0-RC1", "1.0.0-rc.1", 0},
		{"1.0a1", "1.0b1", -1},
		{"1.0rc1", "1.0", -1},
		{"1.0-SNAPSHOT", "1.0", -1},
		{"2.0.0-M1", "2.0.0", -1},
		// Release qualifiers and variants are the release.
		{"1.2.3.RELEASE", "1.2.3", 0},
		{"5.6.15.Final", "5.6.14", 1},
		{"31.1-jre", "31.1-android", 0},
		{"31.1-jre", "32.0", -1},
		{"1.22-alpine", "1.22", 0},
		{"1.0.post1", "1.0", 0},
		// Components past the third still order.
		{"1.2.3.4", "1.2.3.10", -1},
		{"1.2.3.0", "1.2.3", 0},
		// Calendar versions.
		{"2024.01.15", "2024.1.15", 0},
		{"2023.12.01", "2024.01.15", -1},
		// Build metadata is ignored.
		{"v2.3.0+incompatible", "v2.3.0", 0},
		// Unknown sorts first.
		{Unknown, "0.0.1", -1},
		{"main", "0.0.1", -1},
		{"1.0", Unknown, 1},
		{Unknown, Unknown, 0},
	} {
		if got := Compare(tc.a, tc.b); got != tc.want {
			t.Errorf("Compare(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
		if got := Compare(tc.b, tc.a); got != -tc.want {
			t.Errorf("Compare(%q, %q) = %d, want %d", tc.b, tc.a, got, -tc.want)
		}
	}
}

func TestKnownMajor(t *testing.T) {
	for _, tc := range []struct {
		label string
		known bool
		major uint64
	}{
		{"v3.1.0", true, 3},
		{"2024.01.15", true, 2024},
		{"1.2.3.RELEASE", true, 1},
		{"0.9", true, 0},
		{Unknown, false, 0},
		{"", false, 0},
		{"main", false, 0},
		{"deadbeef", false, 0},
		{"99999999999999999999.0", false, 0},
	} {
		if got := Known(tc.label); got != tc.known {
			t.Errorf("Known(%q) = %v, want %v", tc.label, got, tc.known)
		}
		major, ok := Major(tc.label)
		if ok != tc.known || major != tc.major {
			t.Errorf("Major(%q) = %d, %v, want %d, %v", tc.label, major, ok, tc.major, tc.known)
		}
	}
}

func TestLowest(t *testing.T) {
	for _, tc := range []struct {
		labels []string
		want   string
	}{
		{[]string{"1.4.0", "v1.2.0", "1.3"}, "v1.2.0"},
		{[]string{Unknown, "2.0", "main"}, "2.0"},
		{[]string{"1.0.0", "1.0.0-rc.1"}, "1.0.0-rc.1"},
		{[]string{Unknown, "main"}, Unknown},
		{nil, Unknown},
		// A release within a floating tag is the usage to upgrade, in any order.
		{[]string{"1.29", "1.29.1"}, "1.29.1"},
		{[]string{"1.29.1", "1.29"}, "1.29.1"},
		{[]string{"v7", "v6.5.0"}, "v6.5.0"},
		{[]string{"v7.1", "v7"}, "v7.1"},
		{[]string{"v7", "v7.1"}, "v7.1"},
		{[]string{"1.28", "1.29.1"}, "1.28"},
	} {
		if got := Lowest(tc.labels); got != tc.want {
			t.Errorf("Lowest(%q) = %q, want %q", tc.labels, got, tc.want)
		}
	}
}

func TestFloating(t *testing.T) {
	for label, want := range map[string]bool{
		"v7": true, "7": true, "1.29": true, "v1.29": true, "1.22-alpine": true, "1.22-alpine3.18": true, "31.1-jre": true,
		"7.0.1": false, "v1.2.3.4": false, "1.0a1": false, "2.0-rc.1": false, "v1-beta": false, Unknown: false, "main": false,
	} {
		p, ok := parse(label)
		if got := ok && floatingParts(p) > 0; got != want {
			t.Errorf("%q floating: %v, want %v", label, got, want)
		}
	}
}

func TestBehind(t *testing.T) {
	for _, tc := range []struct {
		label, target string
		want          bool
	}{
		// A floating tag tracks the newest release within its components.
		{"v7", "v7.0.1", false},
		{"v7", "7.9.0", false},
		{"1.29", "1.29.3", false},
		{"1.29-alpine", "1.29.3", false},
		{"v7", "v7.0.0-rc.1", false},
		{"v6", "v7.0.1", true},
		{"1.28", "1.29.0", true},
		{"1.28", "2.0", true},
		{"1.30", "1.29.3", false},
		{"v8", "v7.0.1", false},
		// A release compares as usual, floating target or not.
		{"7.0.0", "v7.0.1", true},
		{"v7.0.1", "v7.0.1", false},
		{"1.29.3", "1.29", false},
		{"7.0.0", "v7.1", true},
		{"1.0.0-rc.1", "1.0.0", true},
		{"1.2.3.4", "1.2.3.10", true},
		// Unknown is never behind, and nothing is behind unknown.
		{Unknown, "1.0.0", false},
		{"main", "1.0.0", false},
		{"1.0.0", Unknown, false},
		{"1.0.0", "", false},
	} {
		if got := Behind(tc.label, tc.target); got != tc.want {
			t.Errorf("Behind(%q, %q) = %v, want %v", tc.label, tc.target, got, tc.want)
		}
	}
}

func TestHighest(t *testing.T) {
	for _, tc := range []struct {
		labels []string
		want   string
	}{
		{[]string{"v1.2.0", "v1.10.0", Unknown}, "v1.10.0"},
		// A floating tag is never the highest over a release within it.
		{[]string{"v7", "v7.0.1"}, "v7.0.1"},
		{[]string{"v7.0.1", "v7"}, "v7.0.1"},
		{[]string{"7.0.0", "v7"}, "7.0.0"},
		{[]string{"v7", "7.0.0"}, "7.0.0"},
		{[]string{"1.29", "1.29.3", "1.28.9"}, "1.29.3"},
		// Only when nothing within it is known: v8 is ahead of every 7.x.
		{[]string{"v7.0.1", "v8"}, "v8"},
		{[]string{"v4", "v3"}, "v4"},
		{[]string{Unknown, "main"}, ""},
		{nil, ""},
	} {
		if got := Highest(tc.labels); got != tc.want {
			t.Errorf("Highest(%q) = %q, want %q", tc.labels, got, tc.want)
		}
	}
}

func FuzzVersionClean(f *testing.F) {
	for _, s := range []string{
		"^1.2.0", ">=1.2,<2", "~> 1.2", "[1.0,2.0)", "1.x", "workspace:*", "npm:a@^1",
		"1.2.3.RELEASE", "1.0a1", "2024.01.15", "v1.0.0-rc.1+meta", "(,1.0]", "^1 || ^2",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		label := Clean(raw)
		if label != Unknown && !Known(label) {
			t.Fatalf("Clean(%q) = %q, which is not Known", raw, label)
		}
		if again := Clean(label); again != label {
			t.Fatalf("Clean is not idempotent: Clean(%q) = %q, Clean(%q) = %q", raw, label, label, again)
		}
		if Compare(label, label) != 0 {
			t.Fatalf("Compare(%q, %q) != 0", label, label)
		}
		if Behind(label, label) {
			t.Fatalf("%q is behind itself", label)
		}
		if Known(label) && (Highest([]string{label}) != label || Lowest([]string{label}) != label) {
			t.Fatalf("%q alone is not its own highest and lowest", label)
		}
		if Compare(raw, label) != -Compare(label, raw) {
			t.Fatalf("Compare is not antisymmetric on %q, %q", raw, label)
		}
	})
}
