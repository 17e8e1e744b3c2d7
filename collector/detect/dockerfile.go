package detect

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/uptake-dev/uptake/collector/version"
)

func init() { Register(dockerfile{}) }

// dockerfile finds the base images Dockerfiles and Containerfiles build FROM.
// It follows the Dockerfile reference closely enough to read FROM right:
// parser directives (escape), line continuations, comments, heredocs,
// global ARG defaults and multi-stage names. It never runs a build.
type dockerfile struct{}

func (dockerfile) Kind() string { return "dockerfile" }

func (dockerfile) Patterns() []string {
	return []string{
		"**/Dockerfile", "**/Dockerfile.*", "**/*.Dockerfile", "**/*.dockerfile",
		"**/Containerfile", "**/Containerfile.*",
	}
}

func (d dockerfile) Detect(f Files) ([]Component, []error) {
	return scanPatterns(f, d.Patterns(), parseDockerfile)
}

// Compile takes `image`: a repository normalised as Docker does ("golang" is
// docker.io/library/golang), matched on whole path components, or a glob.
func (dockerfile) Compile(params map[string]string) (Matcher, error) {
	return compileImageRule("dockerfile", params)
}

// unresolved stands for a variable with no known value; it cannot occur in
// text files (IsBinary rejects NUL), so it survives into the parsed image.
const unresolved = "\x00"

const (
	// maxExpansion bounds a variable's expanded size: ARG A=$B$B chains
	// double at every line.
	maxExpansion = 4096
	// maxNesting bounds ${A:-${B:-...}} recursion.
	maxNesting = 16
)

var (
	dockerDirectiveRE = regexp.MustCompile(`^#\s*([A-Za-z][A-Za-z0-9_-]*)\s*=\s*(\S*)\s*$`)
	// heredocRE is a word opening a heredoc, as BuildKit sees one: the word
	// starts with << (so $((1<<N)) and <<< here-strings are not heredocs).
	heredocRE = regexp.MustCompile(`^<<(-?)["']?([A-Za-z_][A-Za-z0-9_.-]*)["']?$`)
)

func parseDockerfile(path string, data []byte) ([]Component, error) {
	if strings.HasSuffix(path, ".dockerignore") {
		return nil, nil // Dockerfile.dockerignore: BuildKit's per-Dockerfile ignore file
	}
	p := &dockerParser{lines: strings.Split(string(data), "\n"), escape: '\\', budget: expansionFor(data)}
	p.directives()
	var (
		out    []Component
		args   = map[string]string{}
		stages = map[string]bool{}
		inBody = false // past the first FROM: ARGs are stage-scoped from there
	)
	for {
		in, ok := p.next()
		if !ok {
			return out, nil
		}
		ws := p.words(in.text)
		if len(ws) == 0 {
			continue
		}
		switch strings.ToUpper(ws[0].raw) {
		case "ARG":
			if inBody {
				continue
			}
			for _, w := range ws[1:] {
				name, value, hasDefault := strings.Cut(w.raw, "=")
				if hasDefault {
					args[name] = p.expand(value, args, 0)
				}
			}
		case "FROM":
			inBody = true
			c, stage, err := p.from(in, ws[1:], args, stages)
			if err != nil {
				return nil, err
			}
			if c != nil {
				c.Path = path
				out = append(out, *c)
			}
			if stage != "" {
				stages[strings.ToLower(stage)] = true
			}
		case "RUN", "COPY":
			if c := p.fromFlag(in, ws, args, stages); c != nil {
				c.Path = path
				out = append(out, *c)
			}
			p.skipHeredocs(ws[1:])
		case "ADD":
			p.skipHeredocs(ws[1:])
		}
		if p.err != nil {
			return nil, fmt.Errorf("line %d: %w", in.lineAt(0), p.err)
		}
	}
}

// from reads one FROM instruction's words (after the keyword). It returns no
// component for scratch, an earlier stage, or an image whose name depends
// on a variable without a value.
func (p *dockerParser) from(in instruction, ws []word, args map[string]string, stages map[string]bool) (*Component, string, error) {
	var platform string
	for len(ws) > 0 && strings.HasPrefix(ws[0].raw, "--") {
		if v, ok := strings.CutPrefix(ws[0].raw, "--platform="); ok {
			platform = v
		}
		ws = ws[1:]
	}
	if len(ws) == 0 {
		return nil, "", fmt.Errorf("line %d: FROM names no image", in.lineAt(0))
	}
	img := ws[0]
	var stage string
	if len(ws) >= 3 && strings.EqualFold(ws[1].raw, "AS") {
		stage = ws[2].raw
	}
	ref := p.expand(img.raw, args, 0)
	if lower := strings.ToLower(ref); lower == "scratch" || stages[lower] {
		return nil, stage, nil
	}
	line := in.lineAt(img.off)
	parsed, ok := ParseImage(ref)
	if !ok || strings.Contains(parsed.Name, unresolved) {
		if strings.Contains(ref, unresolved) {
			return nil, stage, nil
		}
		return nil, "", fmt.Errorf("line %d: FROM %q is not an image reference", line, ref)
	}
	c := &Component{Kind: "dockerfile", Name: parsed.Name, Version: parsed.Tag, Line: line}
	if strings.Contains(c.Version, unresolved) {
		c.Version = version.Unknown
	}
	attrs := map[string]string{}
	if stage != "" {
		attrs["stage"] = stage
	}
	if platform != "" {
		attrs["platform"] = platform
	}
	if parsed.Digest != "" && !strings.Contains(parsed.Digest, unresolved) {
		attrs["digest"] = parsed.Digest
	}
	if len(attrs) > 0 {
		c.Attrs = attrs
	}
	return c, stage, nil
}

// fromFlag reads the image a COPY --from=… or RUN --mount=…,from=… takes
// files from (`COPY --from=ghcr.io/astral-sh/uv:0.4 /uv /bin/`). An earlier
// stage, a stage index and a name that depends on an unset variable are not
// images; nor is a bare word (`--from=assets`), which BuildKit also resolves
// as a named build context: only a reference with a registry, a path, a tag
// or a digest counts.
func (p *dockerParser) fromFlag(in instruction, ws []word, args map[string]string, stages map[string]bool) *Component {
	keyword := strings.ToUpper(ws[0].raw)
	for _, w := range ws[1:] {
		if !strings.HasPrefix(w.raw, "--") {
			return nil // flags come first
		}
		var raw string
		switch {
		case keyword == "COPY" && strings.HasPrefix(w.raw, "--from="):
			raw = strings.TrimPrefix(w.raw, "--from=")
		case keyword == "RUN" && strings.HasPrefix(w.raw, "--mount="):
			for _, kv := range strings.Split(strings.TrimPrefix(w.raw, "--mount="), ",") {
				if v, ok := strings.CutPrefix(kv, "from="); ok {
					raw = v
				}
			}
		}
		if raw == "" {
			continue
		}
		ref := p.expand(raw, args, 0)
		lower := strings.ToLower(ref)
		if stages[lower] || strings.Contains(ref, unresolved) || !strings.ContainsAny(ref, "/:@") {
			continue
		}
		if _, err := strconv.Atoi(ref); err == nil {
			continue
		}
		parsed, ok := ParseImage(ref)
		if !ok {
			continue
		}
		c := &Component{Kind: "dockerfile", Name: parsed.Name, Version: parsed.Tag, Line: in.lineAt(w.off),
			Attrs: map[string]string{"instruction": keyword}}
		if parsed.Digest != "" {
			c.Attrs["digest"] = parsed.Digest
		}
		return c
	}
	return nil
}

type dockerParser struct {
	lines  []string
	pos    int // index of the next physical line
	escape byte
	// budget is what expansions may still write; err is the first past it.
	budget expansion
	err    error
}

// instruction is one logical line: continuations joined, the comment and
// blank lines between them dropped.
type instruction struct {
	text string
	segs []segment
}

// segment records where a physical line's text starts in the logical line.
type segment struct{ off, line int }

// lineAt is the 1-based physical line of a byte offset in the instruction.
func (in instruction) lineAt(off int) int {
	i := sort.Search(len(in.segs), func(i int) bool { return in.segs[i].off > off }) - 1
	return in.segs[max(i, 0)].line
}

// directives reads the parser directives at the top of the file; only
// escape changes how the rest is read.
func (p *dockerParser) directives() {
	for _, l := range p.lines {
		m := dockerDirectiveRE.FindStringSubmatch(l)
		if m == nil {
			return
		}
		if strings.EqualFold(m[1], "escape") && (m[2] == "`" || m[2] == `\`) {
			p.escape = m[2][0]
		}
	}
}

func (p *dockerParser) next() (instruction, bool) {
	for p.pos < len(p.lines) {
		l := p.lines[p.pos]
		p.pos++
		if t := strings.TrimSpace(l); t == "" || t[0] == '#' {
			continue
		}
		var (
			in instruction
			b  strings.Builder
		)
		for {
			in.segs = append(in.segs, segment{off: b.Len(), line: p.pos})
			body, more := p.continued(l)
			b.WriteString(body)
			if !more || !p.nextContinuation() {
				break
			}
			l = p.lines[p.pos]
			p.pos++
		}
		in.text = b.String()
		return in, true
	}
	return instruction{}, false
}

// continued strips a trailing escape character (and the blanks after it)
// and reports whether the instruction goes on.
func (p *dockerParser) continued(l string) (string, bool) {
	t := strings.TrimRight(l, " \t")
	if t != "" && t[len(t)-1] == p.escape {
		return t[:len(t)-1], true
	}
	return l, false
}

// nextContinuation skips the comment and empty lines Docker allows inside a
// continued instruction; false at the end of the file.
func (p *dockerParser) nextContinuation() bool {
	for p.pos < len(p.lines) {
		if t := strings.TrimSpace(p.lines[p.pos]); t != "" && t[0] != '#' {
			return true
		}
		p.pos++
	}
	return false
}

// skipHeredocs consumes the bodies of the heredocs (<<EOF, <<-EOF) an
// instruction opens, so a FROM inside one is not read as an instruction.
func (p *dockerParser) skipHeredocs(ws []word) {
	for _, w := range ws {
		m := heredocRE.FindStringSubmatch(w.raw)
		if m == nil {
			continue
		}
		for p.pos < len(p.lines) {
			l := p.lines[p.pos]
			p.pos++
			if m[1] == "-" {
				l = strings.TrimLeft(l, "\t")
			}
			if l == m[2] {
				break
			}
		}
	}
}

// word is one shell word of an instruction, quotes still in it.
type word struct {
	raw string
	off int
}

// words splits on blanks outside quotes, as the Dockerfile shell lexer does.
func (p *dockerParser) words(s string) []word {
	var out []word
	for i := 0; i < len(s); {
		if s[i] == ' ' || s[i] == '\t' {
			i++
			continue
		}
		start := i
		for i < len(s) && s[i] != ' ' && s[i] != '\t' {
			switch s[i] {
			case p.escape:
				i++
			case '\'', '"':
				if j := strings.IndexByte(s[i+1:], s[i]); j >= 0 {
					i += j + 1
				} else {
					i = len(s) - 1
				}
			}
			i++
		}
		out = append(out, word{raw: s[start:min(i, len(s))], off: start})
	}
	return out
}

// expand removes quotes and escapes and substitutes variables from vars:
// $NAME, ${NAME}, ${NAME:-word}, ${NAME-word}, ${NAME:+word}, ${NAME+word}.
// A variable without a value, or any other form, becomes unresolved.
func (p *dockerParser) expand(s string, vars map[string]string, depth int) string {
	if depth > maxNesting {
		return unresolved
	}
	var b strings.Builder
	quote := byte(0)
	for i := 0; i < len(s); i++ {
		if b.Len() > maxExpansion {
			return p.result(&b)
		}
		c := s[i]
		switch {
		case quote == '\'' && c != '\'':
			b.WriteByte(c)
		case c == '\'' || c == '"':
			switch quote {
			case 0:
				quote = c
			case c:
				quote = 0
			default:
				b.WriteByte(c)
			}
		case c == p.escape && i+1 < len(s):
			i++
			b.WriteByte(s[i])
		case c == '$':
			v, n := p.variable(s[i+1:], vars, depth)
			b.WriteString(v)
			i += n
		default:
			b.WriteByte(c)
		}
	}
	return p.result(&b)
}

// result is what an expansion wrote, charged to the file's budget, or
// unresolved past maxExpansion or the budget.
func (p *dockerParser) result(b *strings.Builder) string {
	if err := p.budget.spend(b.Len()); err != nil && p.err == nil {
		p.err = err
	}
	if b.Len() > maxExpansion || p.err != nil {
		return unresolved
	}
	return b.String()
}

// variable expands the reference after a '$' and returns how many bytes it
// consumed. A '$' not followed by a name is a literal.
func (p *dockerParser) variable(s string, vars map[string]string, depth int) (string, int) {
	if s == "" || s[0] != '{' {
		n := nameLen(s)
		if n == 0 {
			return "$", 0
		}
		return lookupVar(vars, s[:n]), n
	}
	end, nest := -1, 0
	for i := 0; i < len(s) && end < 0; i++ {
		switch s[i] {
		case '{':
			nest++
		case '}':
			if nest--; nest == 0 {
				end = i
			}
		}
	}
	if end < 0 {
		return unresolved, len(s)
	}
	inner := s[1:end]
	n := nameLen(inner)
	name, op := inner[:n], inner[n:]
	value, set := vars[name]
	switch {
	case n == 0:
		return unresolved, end + 1
	case op == "":
		return lookupVar(vars, name), end + 1
	case strings.HasPrefix(op, ":-"):
		if !set || value == "" {
			return p.expand(op[2:], vars, depth+1), end + 1
		}
		return value, end + 1
	case strings.HasPrefix(op, "-"):
		if !set {
			return p.expand(op[1:], vars, depth+1), end + 1
		}
		return value, end + 1
	case strings.HasPrefix(op, ":+"), strings.HasPrefix(op, "+"):
		if !set {
			return unresolved, end + 1
		}
		if value == "" && op[0] == ':' {
			return "", end + 1
		}
		return p.expand(op[strings.IndexByte(op, '+')+1:], vars, depth+1), end + 1
	}
	return unresolved, end + 1
}

func lookupVar(vars map[string]string, name string) string {
	if v, ok := vars[name]; ok {
		return v
	}
	return unresolved
}

func nameLen(s string) int {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || i > 0 && '0' <= c && c <= '9' {
			continue
		}
		return i
	}
	return len(s)
}
