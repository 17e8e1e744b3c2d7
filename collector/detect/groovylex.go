package detect

import (
	"fmt"
	"slices"
	"strings"
)

// Gradle build scripts (Groovy or Kotlin) and Jenkinsfiles (Groovy) are
// programs; no Go parser for them exists, and running them is out of the
// question. Their dependency declarations are however plain calls with
// string literals, so they are tokenised — comments, the string forms and
// their lines understood — and read from the token stream. Nothing is
// evaluated but simple string interpolation.

type groovyTokKind uint8

const (
	tokIdent  groovyTokKind = iota // name, or `backticked` Kotlin name
	tokString                      // any string literal; text holds its content
	tokPunct                       // one character: ( ) { } [ ] , : = . @ and the rest
)

// groovyTok is kept small: a script of punctuation is a token per byte.
type groovyTok struct {
	text string
	line int32
	kind groovyTokKind
	// interpolated marks a double-quoted string, where $x and ${x} are expanded.
	interpolated bool
}

func (t groovyTok) is(kind groovyTokKind, text string) bool { return t.kind == kind && t.text == text }

// lexGroovy tokenises Groovy and Kotlin source. Numbers and operators come
// out as single-character punctuation, which is all the readers need.
// Brackets nesting past maxDepth are an error: the readers scan back over
// them.
func lexGroovy(src string) ([]groovyTok, error) {
	// Real scripts run some four bytes a token; a script of punctuation
	// is one a byte, the most there can be, which one reallocation
	// reaches (append's own growth would allocate four times the tokens).
	toks := make([]groovyTok, 0, len(src)/4+1)
	line, depth := 1, 0
	for i := 0; i < len(src); {
		if len(toks) == cap(toks) {
			toks = slices.Grow(toks, len(src)-len(toks))
		}
		c := src[i]
		switch {
		case c == '\n':
			line++
			i++
		case c == ' ' || c == '\t' || c == '\r' || c == '\f':
			i++
		case strings.HasPrefix(src[i:], "//"):
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case strings.HasPrefix(src[i:], "/*"):
			end := strings.Index(src[i+2:], "*/")
			if end < 0 {
				return nil, fmt.Errorf("line %d: unterminated comment", line)
			}
			line += strings.Count(src[i:i+2+end], "\n")
			i += end + 4
		case c == '"' || c == '\'':
			tok, next, lines, err := lexGroovyString(src, i, line)
			if err != nil {
				return nil, err
			}
			toks = append(toks, tok)
			i, line = next, line+lines
		case c == '`':
			end := strings.IndexAny(src[i+1:], "`\n")
			if end < 0 || src[i+1+end] != '`' {
				return nil, fmt.Errorf("line %d: unterminated backtick name", line)
			}
			toks = append(toks, groovyTok{kind: tokIdent, text: src[i+1 : i+1+end], line: int32(line)})
			i += end + 2
		case isIdentStart(c):
			j := i + 1
			for j < len(src) && (isIdentStart(src[j]) || src[j] >= '0' && src[j] <= '9') {
				j++
			}
			toks = append(toks, groovyTok{kind: tokIdent, text: src[i:j], line: int32(line)})
			i = j
		default:
			switch c {
			case '(', '[', '{':
				if depth++; depth > maxDepth {
					return nil, tooDeep(line)
				}
			case ')', ']', '}':
				depth = max(depth-1, 0)
			}
			toks = append(toks, groovyTok{kind: tokPunct, text: src[i : i+1], line: int32(line)})
			i++
		}
	}
	return toks, nil
}

// lexGroovyString reads the quoted string at src[i] ('…', "…", or
// tripled), returning its token, the index after it and the newlines it
// spans.
func lexGroovyString(src string, i, line int) (groovyTok, int, int, error) {
	quote := src[i : i+1]
	if strings.HasPrefix(src[i:], strings.Repeat(quote, 3)) {
		quote = strings.Repeat(quote, 3)
	}
	j, lines := i+len(quote), 0
	var b strings.Builder
	for {
		if j >= len(src) || len(quote) == 1 && src[j] == '\n' {
			return groovyTok{}, 0, 0, fmt.Errorf("line %d: unterminated string", line)
		}
		if strings.HasPrefix(src[j:], quote) {
			break
		}
		if src[j] == '\\' && j+1 < len(src) {
			if src[j+1] == '\n' {
				lines++
			}
			b.WriteByte(src[j+1])
			j += 2
			continue
		}
		if src[j] == '\n' {
			lines++
		}
		b.WriteByte(src[j])
		j++
	}
	tok := groovyTok{kind: tokString, text: b.String(), line: int32(line), interpolated: quote[0] == '"'}
	return tok, j + len(quote), lines, nil
}

func isIdentStart(c byte) bool {
	return c == '_' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

// interpolate expands $name and ${name} in a double-quoted string from
// vars; ok is false when a reference is left unresolved. "project.",
// "rootProject.", "ext." and "extra." prefixes name the same properties.
// What expansions write is taken from budget; past it, errExpansion.
func interpolate(s string, interpolated bool, vars map[string]string, budget *expansion) (string, bool, error) {
	if !interpolated || !strings.Contains(s, "$") {
		return s, true, nil
	}
	if err := budget.spend(len(s)); err != nil {
		return "", false, err
	}
	var b strings.Builder
	ok := true
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 >= len(s) {
			b.WriteByte(s[i])
			continue
		}
		var name string
		if s[i+1] == '{' {
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				return s, false, nil
			}
			name, i = strings.TrimSpace(s[i+2:i+end]), i+end
		} else {
			j := i + 1
			for j < len(s) && (isIdentStart(s[j]) && s[j] != '$' || s[j] >= '0' && s[j] <= '9' || s[j] == '.') {
				j++
			}
			name, i = strings.TrimRight(s[i+1:j], "."), j-1
		}
		for _, p := range []string{"rootProject.", "project.", "ext.", "extra."} {
			name = strings.TrimPrefix(name, p)
		}
		v, found := vars[name]
		if !found {
			ok = false
		}
		if err := budget.spend(len(v)); err != nil {
			return "", false, err
		}
		b.WriteString(v)
	}
	return b.String(), ok, nil
}
