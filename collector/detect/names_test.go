package detect_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/uptake-dev/uptake/collector/detect"
)

// The name-glob syntax every kind's rules share, through the jenkins kind,
// which compares a name without a glob character exactly.
func TestNameGlobs(t *testing.T) {
	for _, tc := range []struct {
		rule           string
		match, noMatch []string
	}{
		{"ces-build-lib", []string{"ces-build-lib"}, []string{"github.com/cloudogu/ces-build-lib", "ces-build-lib-v2"}},
		// * is any run of characters, / included.
		{"*ces-build-lib", []string{"ces-build-lib", "github.com/cloudogu/ces-build-lib"}, []string{"ces-build-lib-v2", "ces-build-lib/x"}},
		{"acme-*", []string{"acme-", "acme-lib", "acme-lib/v2"}, []string{"acme", "x/acme-lib"}},
		{"a*b*c", []string{"abc", "a/b/c", "axxbyyc"}, []string{"ab", "acb"}},
		// ** is * too, but as a whole path component it also matches none.
		{"acme**", []string{"acme", "acmex", "acme/x/y"}, []string{"acm"}},
		{"**/lib", []string{"lib", "a/lib", "a/b/lib"}, []string{"alib", "lib/x"}},
		{"acme/**/lib", []string{"acme/lib", "acme/x/lib", "acme/x/y/lib"}, []string{"acmelib", "acme/xlib"}},
		{"acme/**", []string{"acme", "acme/x", "acme/x/y"}, []string{"acmex"}},
		{"acme/**x", []string{"acme/x", "acme/ax", "acme/a/x"}, []string{"acme", "acmex"}},
		// ? is one character, / included.
		{"a?c", []string{"abc", "a/c", "a-c"}, []string{"ac", "abbc"}},
		{"lib-v?", []string{"lib-v2", "lib-vé"}, []string{"lib-v", "lib-v10"}},
		// Classes and alternatives.
		{"lib-[ab]", []string{"lib-a", "lib-b"}, []string{"lib-c", "lib-ab"}},
		{"lib-[a-c]", []string{"lib-b"}, []string{"lib-d", "lib--"}},
		{"lib-[!a]", []string{"lib-b", "lib-/"}, []string{"lib-a"}},
		{"lib-[^a]", []string{"lib-b"}, []string{"lib-a"}},
		{"lib-[-.]", []string{"lib--", "lib-."}, []string{"lib-a"}},
		{`lib-[a\]]`, []string{"lib-a", "lib-]"}, []string{"lib-b"}},
		{"lib-[d]", []string{"lib-d"}, []string{"lib-1"}}, // a letter, never a regexp class
		{"{ces,dogu}-build-lib", []string{"ces-build-lib", "dogu-build-lib"}, []string{"pipe-build-lib", "{ces,dogu}-build-lib"}},
		{"{a,{b,c}}-lib", []string{"a-lib", "c-lib"}, []string{"d-lib"}},
		{"a,b*", []string{"a,b", "a,bc"}, []string{"a"}},
		// Everything else is literal: regexp syntax and escaped glob characters.
		{"acme.lib*", []string{"acme.lib", "acme.lib2"}, []string{"acmexlib"}},
		{"(x)+*", []string{"(x)+", "(x)+y"}, []string{"xx"}},
		{`lib\*`, []string{"lib*"}, []string{"libx", "lib"}},
		{`\{a,b\}*`, []string{"{a,b}", "{a,b}x"}, []string{"a"}},
	} {
		m, err := mustDetector(t, "jenkins").Compile(map[string]string{"library": tc.rule})
		if err != nil {
			t.Errorf("%s: %v", tc.rule, err)
			continue
		}
		t.Run(tc.rule, func(t *testing.T) { assertMatches(t, m, "jenkins", tc.match, tc.noMatch) })
	}
}

func TestNameGlobErrors(t *testing.T) {
	for rule, want := range map[string]string{
		"lib-[a":    `library: bad glob "lib-[a": [ without ]`,
		"lib-[]":    `library: bad glob "lib-[]": [ without ]`,
		"{a,b":      `library: bad glob "{a,b": { without }`,
		"a}*":       `library: bad glob "a}*": } without {`,
		`lib*\`:     `library: bad glob "lib*\\": ends in a lone \`,
		"lib-[z-a]": `library: bad glob "lib-[z-a]": error parsing regexp: invalid character class range`,
	} {
		_, err := mustDetector(t, "jenkins").Compile(map[string]string{"library": rule})
		if !errorMatches(err, want) {
			t.Errorf("%s: error %v, want %q", rule, err, want)
		}
	}
}

// Without a glob character, kinds that name paths match whole path
// components; a glob is over the whole name.
func TestNameComponents(t *testing.T) {
	for _, tc := range []struct {
		rule           string
		match, noMatch []string
	}{
		{"@acme", []string{"@acme", "@acme/ui"}, []string{"@acme-labs/ui", "@acmeui"}},
		{"@acme/*", []string{"@acme/ui", "@acme/ui/x"}, []string{"@acme"}},
		{"*eslint-config*", []string{"@acme/eslint-config", "eslint-config-acme"}, []string{"@acme/eslint-plugin"}},
	} {
		m, err := mustDetector(t, "npm").Compile(map[string]string{"package": tc.rule})
		if err != nil {
			t.Fatalf("%s: %v", tc.rule, err)
		}
		t.Run(tc.rule, func(t *testing.T) { assertMatches(t, m, "npm", tc.match, tc.noMatch) })
	}
}

// FuzzNameGlob: any rule compiles or is refused without a panic, and any
// name written with every character escaped matches itself literally.
func FuzzNameGlob(f *testing.F) {
	for _, s := range []string{"*ces-build-lib", "acme/**/lib", "lib-[!a-c]", "{a,{b,c}}", `\*`, "[]]", "(x)+.*?", "é*"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, rule string) {
		_, _ = mustDetector(t, "jenkins").Compile(map[string]string{"library": rule})
		lit := strings.TrimSpace(rule)
		if lit == "" || strings.Contains(lit, "@") || !utf8.ValidString(lit) {
			return
		}
		var esc strings.Builder
		for _, r := range lit {
			esc.WriteString(`\` + string(r))
		}
		m, err := mustDetector(t, "jenkins").Compile(map[string]string{"library": esc.String() + "*"})
		if err != nil {
			t.Fatalf("%q escaped: %v", lit, err)
		}
		for _, name := range []string{lit, lit + "/x"} {
			if !m.Match(detect.Component{Kind: "jenkins", Name: name}) {
				t.Errorf("%q escaped does not match %q", lit, name)
			}
		}
	})
}
