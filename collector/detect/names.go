package detect

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// nameGlobChars make a rule's name a glob.
const nameGlobChars = "*?[{"

// isNameGlob reports a rule value holding a glob character.
func isNameGlob(s string) bool { return strings.ContainsAny(s, nameGlobChars) }

// compileName compiles the value a rule names components by. A value
// holding a glob character is a glob over the whole name (see nameGlob);
// any other matches the name exactly or, with components, on whole path
// components: "a/b" matches "a/b" and "a/b/c", not "a/bc".
func compileName(key, rule string, components bool) (func(string) bool, error) {
	if isNameGlob(rule) {
		re, err := nameGlob(rule)
		if err != nil {
			return nil, fmt.Errorf("%s: bad glob %q: %v", key, rule, err)
		}
		return re.MatchString, nil
	}
	if components {
		return func(name string) bool { return name == rule || strings.HasPrefix(name, rule+"/") }, nil
	}
	return func(name string) bool { return name == rule }, nil
}

// nameGlob translates a name glob into an anchored RE2 expression, which
// matches in linear time whatever the rule. Names are not paths, so `*`
// matches any run of characters, `/` included ("*ces-build-lib" matches
// "github.com/cloudogu/ces-build-lib"), and `?` any one character. `**` is
// `*`, except that as a whole path component it also matches none, as in
// file globs ("a/**/b" matches "a/b", "a/**" matches "a"). `[abc]`, `[a-z]`,
// `[!a]` are character classes, `{x,y}` alternatives, `\` escapes.
func nameGlob(glob string) (*regexp.Regexp, error) {
	var b strings.Builder
	b.WriteString("^(?s:")
	depth := 0
	for i := 0; i < len(glob); {
		c := glob[i]
		switch {
		case c == '\\':
			if i+1 == len(glob) {
				return nil, errors.New("ends in a lone \\")
			}
			r, size := utf8.DecodeRuneInString(glob[i+1:])
			b.WriteString(regexp.QuoteMeta(string(r)))
			i += 1 + size
		case c == '/' && stars(glob[i+1:]) >= 2:
			n := stars(glob[i+1:])
			switch rest := glob[i+1+n:]; {
			case rest == "":
				b.WriteString("(?:/.*)?") // a/** matches a and below
				i = len(glob)
			case rest[0] == '/':
				b.WriteString("/(?:.*/)?") // a/**/b matches a/b
				i += 2 + n
			default:
				b.WriteString("/")
				i++
			}
		case c == '*' && i == 0 && stars(glob) >= 2 && strings.HasPrefix(glob[stars(glob):], "/"):
			b.WriteString("(?:.*/)?") // **/b matches b
			i = stars(glob) + 1
		case c == '*':
			b.WriteString(".*")
			i += stars(glob[i:])
		case c == '?':
			b.WriteString(".")
			i++
		case c == '[':
			n, err := nameClass(&b, glob[i:])
			if err != nil {
				return nil, err
			}
			i += n
		case c == '{':
			b.WriteString("(?:")
			depth++
			i++
		case c == ',' && depth > 0:
			b.WriteString("|")
			i++
		case c == '}' && depth > 0:
			b.WriteString(")")
			depth--
			i++
		case c == '}':
			return nil, errors.New("} without {")
		default:
			r, size := utf8.DecodeRuneInString(glob[i:])
			b.WriteString(regexp.QuoteMeta(string(r)))
			i += size
		}
	}
	if depth > 0 {
		return nil, errors.New("{ without }")
	}
	b.WriteString(")$")
	return regexp.Compile(b.String())
}

// stars counts the leading '*' of s.
func stars(s string) int {
	n := 0
	for n < len(s) && s[n] == '*' {
		n++
	}
	return n
}

// nameClass writes the character class s starts with ("[a-z]", "[!a]") as
// an RE2 class and returns how many bytes of s it took.
func nameClass(b *strings.Builder, s string) (int, error) {
	i := 1
	b.WriteString("[")
	if i < len(s) && (s[i] == '!' || s[i] == '^') {
		b.WriteString("^")
		i++
	}
	first := i
	for i < len(s) && (s[i] != ']' || i == first) {
		r, size := utf8.DecodeRuneInString(s[i:])
		escaped := r == '\\' && i+1 < len(s)
		if escaped {
			i++
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		rangeDash := r == '-' && !escaped && i > first && i+1 < len(s) && s[i+1] != ']'
		if r < utf8.RuneSelf && !isAlnum(byte(r)) && !rangeDash {
			b.WriteString(`\` + string(r))
		} else {
			b.WriteRune(r)
		}
		i += size
	}
	if i == len(s) {
		return 0, errors.New("[ without ]")
	}
	b.WriteString("]")
	return i + 1, nil
}
