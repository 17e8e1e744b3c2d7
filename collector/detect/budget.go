package detect

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/BurntSushi/toml"
	"go.yaml.in/yaml/v3"
)

// Every scanned file is hostile input. The parsers recurse (hcl/v2 overflows
// the stack, fatally, at some 100,000 levels), or cost more than linear in
// nesting (BurntSushi/toml copies the key path into every value below it), or
// are walked by code that follows YAML aliases; so each format gets a budget,
// checked before or while parsing, and a file over it is a file error.

// maxDepth is the nesting-depth budget of every format. The deepest real
// files found (OpenAPI documents in JSON, CRDs in YAML, Helm values) nest
// some 30 levels; 256 is generous for them while keeping a recursive parser's
// stack well under a megabyte.
const maxDepth = 256

// errTooDeep is what a file nesting past maxDepth reports.
var errTooDeep = fmt.Errorf("nesting deeper than %d levels", maxDepth)

func tooDeep(line int) error { return fmt.Errorf("line %d: %w", line, errTooDeep) }

// tomlFreeLevels and tomlBytesPerLevel bound what BurntSushi/toml spends on
// nesting: each key and each array or inline table costs it some 500 bytes
// per level of its depth, and a dotted key or table header as much for
// each of its parts (the parser builds every prefix: a 250-part key cost
// 11 MB), so the sum of those depths may reach one per tomlBytesPerLevel
// bytes of the file, plus tomlFreeLevels (room for one chain 256 deep).
// Real files sum to one per 7 bytes or fewer (the densest found, a Gradle
// version catalog; a Cargo.lock is one per 19); a file of chains at the
// budget costs the parser about what a flat file of the same size does
// (some 50 times its size).
const (
	tomlFreeLevels    = 1 << 16
	tomlBytesPerLevel = 4
)

// decodeTOML is toml.Decode after checkTOML.
func decodeTOML(data []byte, v any) error {
	if err := checkTOML(data); err != nil {
		return err
	}
	_, err := toml.Decode(string(data), v)
	return err
}

// checkTOML measures a TOML file's nesting without parsing it: brackets and
// braces, and the parts of dotted keys and table headers, outside strings
// and comments. It rejects a file nesting deeper than maxDepth or whose
// depths add up past the work budget.
func checkTOML(data []byte) error {
	var (
		// stack holds the depth of each open array or inline table.
		stack []int
		// base is the depth of the current [table] header's keys; key is
		// that of the key just assigned, which its value is at, 0 outside
		// a value.
		base, key, dots, line = 0, 0, 0, 1
		header, lineStart     = false, true
		work                  = 0
		budget                = tomlFreeLevels + len(data)/tomlBytesPerLevel
	)
	depth := func() int {
		if len(stack) > 0 {
			return stack[len(stack)-1]
		}
		return base
	}
	// spend accounts for the levels from+1 to d of one key or value: one
	// level for a bracket, one per part for a dotted key or a header.
	spend := func(from, d int) error {
		if d > maxDepth {
			return tooDeep(line)
		}
		if work += (from + 1 + d) * (d - from) / 2; work > budget {
			return fmt.Errorf("line %d: nesting adds up past %d levels in all, a bomb rather than a manifest", line, budget)
		}
		return nil
	}
	for i := 0; i < len(data); i++ {
		c := data[i]
		atStart := lineStart
		lineStart = false
		switch c {
		case '\n':
			line++
			dots, key, lineStart = 0, 0, true
		case ' ', '\t':
			lineStart = atStart
		case '#':
			for i < len(data) && data[i] != '\n' {
				i++
			}
			i--
			lineStart = atStart
		case '"', '\'':
			end, lines := tomlStringEnd(data, i)
			i, line = end-1, line+lines
		case '.':
			dots++
		case '=':
			key = depth() + dots + 1
			if err := spend(depth(), key); err != nil {
				return err
			}
			dots = 0
		case ',':
			dots, key = 0, 0
		case '[', '{':
			if c == '[' && atStart && len(stack) == 0 {
				header, dots = true, 0
				if i+1 < len(data) && data[i+1] == '[' {
					i++
				}
				continue
			}
			// A key's value is at the key's depth, an array's item one
			// below the array.
			d := depth() + 1
			if key > 0 {
				d = key
			}
			if err := spend(d-1, d); err != nil {
				return err
			}
			stack, dots, key = append(stack, d), 0, 0
		case ']', '}':
			if header {
				header, base = false, dots+1
				if err := spend(0, base); err != nil {
					return err
				}
				if i+1 < len(data) && data[i+1] == ']' {
					i++
				}
			} else if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			dots, key = 0, 0
		}
	}
	return nil
}

// tomlStringEnd returns the index after the string opening at data[i]
// (basic or literal, single or multi-line) and the newlines it spans; an
// unterminated string runs to the end, which the parser reports.
func tomlStringEnd(data []byte, i int) (end, lines int) {
	q := data[i]
	multi := bytes.HasPrefix(data[i:], []byte{q, q, q})
	j := i + 1
	if multi {
		j = i + 3
	}
	for ; j < len(data); j++ {
		switch {
		case data[j] == '\\' && q == '"':
			if j+1 < len(data) && data[j+1] == '\n' {
				lines++
			}
			j++
		case data[j] == '\n':
			lines++
			if !multi {
				return j, lines - 1 // the newline is the caller's
			}
		case data[j] == q && !multi:
			return j + 1, lines
		case data[j] == q && bytes.HasPrefix(data[j:], []byte{q, q, q}):
			j += 3
			for k := 0; k < 2 && j < len(data) && data[j] == q; k++ {
				j++ // """a"""" ends with a quote inside the string
			}
			return j, lines
		}
	}
	return len(data), lines
}

// expansion is what a file's variable substitutions may still write, in
// bytes: Gradle's "$a", a Dockerfile's ${A}, a pom's ${a}. A bound per
// value is not enough: each line may double the one before (b = "$a$a"),
// or name one long value again (ARG y=$x: 9 bytes writing 4 KB).
type expansion int

// expansionFor is a file's budget: 4 times its size, plus 64 KiB.
func expansionFor(data []byte) expansion { return expansion(4*len(data) + 64<<10) }

var errExpansion = errors.New("variables expand past their budget (4 times the file's size, plus 64 KiB)")

// spend takes n bytes; past the budget, it is errExpansion.
func (e *expansion) spend(n int) error {
	if *e -= expansion(n); *e < 0 {
		return errExpansion
	}
	return nil
}

// goModFreeLines and goModBytesPerLine bound what golang.org/x/mod/modfile
// spends: some 1 KB for each line that is not blank, and as much again for
// each error it collects, one a line (a 1 MB file of "a" lines took
// 520 MB). A go.mod may hold one such line per goModBytesPerLine bytes,
// plus goModFreeLines; real ones run 20 to 50 bytes a line.
const (
	goModFreeLines    = 4096
	goModBytesPerLine = 16
)

// checkGoMod rejects a go.mod with more lines that are not blank than its
// budget.
func checkGoMod(data []byte) error {
	budget := goModFreeLines + len(data)/goModBytesPerLine
	for n, lines := 1, 0; len(data) > 0; n++ {
		var line []byte
		line, data, _ = bytes.Cut(data, []byte("\n"))
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if lines++; lines > budget {
			return fmt.Errorf("line %d: more than %d lines that are not blank, a bomb rather than a go.mod", n, budget)
		}
	}
	return nil
}

// maxAliasNodes bounds the nodes YAML aliases and merge keys add to a file
// when expanded. The tree yaml.v3 returns keeps each alias as one node (it
// expands them only when decoding into Go values, with its own guard), but
// lookups through aliases and `<<:` merges cost what the expansion would: a
// thousand aliases of a thousand-key mapping are a million steps.
const maxAliasNodes = 1_000_000

var errAliasBomb = fmt.Errorf("aliases expand to more than %d nodes", maxAliasNodes)

// checkYAML walks a document's tree, aliases not followed, rejecting one
// nesting deeper than maxDepth, one whose aliases expand past
// maxAliasNodes in sum over the stream (expanded counts carries that sum),
// or an alias naming a node that contains it. It is iterative: yaml.v3 lets
// a tree nest 10,000 levels.
func checkYAML(root *yaml.Node, expanded map[*yaml.Node]int, total *int) error {
	type frame struct {
		n    *yaml.Node
		next int // index of the next child to visit
		size int // nodes below n so far, aliases expanded
	}
	stack := []frame{{n: root}}
	for len(stack) > 0 {
		top := &stack[len(stack)-1]
		if top.next < len(top.n.Content) {
			child := top.n.Content[top.next]
			top.next++
			if child.Kind == yaml.AliasNode {
				size, done := expanded[child.Alias]
				if !done {
					return fmt.Errorf("line %d: alias *%s names a node that contains it", child.Line, child.Value)
				}
				if *total += size; *total > maxAliasNodes {
					return fmt.Errorf("line %d: %w", child.Line, errAliasBomb)
				}
				top.size += size
				continue
			}
			if len(stack) >= maxDepth {
				return tooDeep(child.Line)
			}
			stack = append(stack, frame{n: child})
			continue
		}
		size := top.size + 1
		if top.n.Anchor != "" {
			expanded[top.n] = size
		}
		stack = stack[:len(stack)-1]
		if len(stack) > 0 {
			stack[len(stack)-1].size += size
		}
	}
	return nil
}

// hclFrame is one open construct in checkHCL: an expression bracket ( [ {,
// a template interpolation or directive (${ %{), a quoted string, or a
// heredoc (delim set).
type hclFrame struct {
	kind  byte // '(', '[', '{', '$' (interpolation), '"' (string), 'h' (heredoc)
	delim string
	// ops counts the unary operators and conditionals pending in this
	// frame's expression, and template if/for directives in a string: hcl/v2
	// recurses on each of them as on a bracket.
	ops int
}

// maxHCLTokens bounds an HCL file's size in tokens: hcl/v2 spends some
// 800 bytes on each (a 1 MiB list of numbers takes 850 MB), while real
// Terraform runs some 8 bytes a token, so 1 MiB of it passes.
const maxHCLTokens = 1 << 17

// checkHCL measures an HCL file's nesting without parsing it, as hcl/v2's
// recursive descent will meet it: brackets, interpolations, nested strings
// and heredocs, template directives, runs of unary operators and chains of
// conditionals; and counts its tokens. Comments are skipped and strings
// scanned as templates, so neither can make a real file look deep.
func checkHCL(data []byte) error {
	s := &hclScan{data: data, stack: []hclFrame{{kind: '{'}}, line: 1, prev: '\n'} // the file is a body
	for s.i = 0; s.i < len(data); s.i++ {
		c := data[s.i]
		if c == '\n' {
			s.line++
		}
		var err error
		if k := s.top().kind; k == '"' || k == 'h' {
			err = s.template(c)
		} else {
			err = s.expression(c)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

type hclScan struct {
	data  []byte
	i     int
	stack []hclFrame
	// ops sums the frames' ops; line, tokens count what their names say.
	line, ops, tokens int
	prev              byte // the last significant byte of an expression
}

func (s *hclScan) top() *hclFrame { return &s.stack[len(s.stack)-1] }

func (s *hclScan) depthError() error {
	if len(s.stack)-1+s.ops > maxDepth {
		return tooDeep(s.line)
	}
	return nil
}

func (s *hclScan) push(f hclFrame) error {
	s.stack = append(s.stack, f)
	return s.depthError()
}

func (s *hclScan) pop() {
	s.ops -= s.top().ops
	s.stack = s.stack[:len(s.stack)-1]
}

// addOp adds n pending operators (or directives) to the innermost frame.
func (s *hclScan) addOp(n int) error {
	top := s.top()
	n = max(n, -top.ops)
	top.ops += n
	s.ops += n
	return s.depthError()
}

// endItem is a comma or a body's newline: the pending operators are done.
func (s *hclScan) endItem() {
	s.ops -= s.top().ops
	s.top().ops = 0
}

// template scans a byte of a quoted string or a heredoc.
func (s *hclScan) template(c byte) error {
	data, i, top := s.data, s.i, s.top()
	switch {
	case c == '\n' && top.kind == '"':
		s.pop() // hcl/v2 reports the unterminated string
	case c == '\n':
		if end := bytes.IndexByte(data[i+1:], '\n'); string(bytes.TrimSpace(lineAt(data[i+1:], end))) == top.delim {
			s.pop()
		}
	case c == '\\' && top.kind == '"':
		s.i++
	case c == '"' && top.kind == '"':
		s.pop()
	case (c == '$' || c == '%') && bytes.HasPrefix(data[i+1:], []byte{c, '{'}):
		s.i += 2 // $${ and %%{ are literal
	case (c == '$' || c == '%') && i+1 < len(data) && data[i+1] == '{':
		if c == '%' {
			if err := s.addOp(directiveNesting(data[i+2:])); err != nil {
				return err
			}
		}
		s.i++
		s.prev = '('
		return s.push(hclFrame{kind: '$'})
	}
	return nil
}

// expression scans a byte outside strings.
func (s *hclScan) expression(c byte) error {
	data, i := s.data, s.i
	var err error
	switch c {
	case ' ', '\t', '\r':
		return nil
	case '\n':
		if s.top().kind == '{' {
			s.endItem() // a body or object item ends at a newline
		}
	case '#':
		s.i = skipLine(data, i)
		return nil
	case '/':
		if bytes.HasPrefix(data[i:], []byte("//")) {
			s.i = skipLine(data, i)
			return nil
		}
		if bytes.HasPrefix(data[i:], []byte("/*")) {
			end := bytes.Index(data[i+2:], []byte("*/"))
			if end < 0 {
				s.i = len(data) // hcl/v2 reports the unterminated comment
				return nil
			}
			s.line += bytes.Count(data[i:i+2+end], []byte("\n"))
			s.i += end + 3
			return nil
		}
	case '"':
		err = s.push(hclFrame{kind: '"'})
	case '<':
		if delim, n := heredocStart(data[i:]); n > 0 {
			s.i += n - 1 // up to the newline, which the heredoc frame sees
			return s.push(hclFrame{kind: 'h', delim: delim})
		}
	case '(', '[', '{':
		err = s.push(hclFrame{kind: c})
	case ')', ']', '}':
		if len(s.stack) > 1 {
			s.pop()
		}
	case ',':
		s.endItem()
	case '?':
		err = s.addOp(1)
	case '!':
		if i+1 >= len(data) || data[i+1] != '=' {
			err = s.addOp(1)
		}
	case '-':
		if bytes.IndexByte([]byte("\n=([{,?:!-+*/%<>&|"), s.prev) >= 0 {
			err = s.addOp(1)
		}
	}
	if err != nil {
		return err
	}
	// A name or number is one token, every other byte one more.
	if !isWordByte(c) || i == 0 || !isWordByte(data[i-1]) {
		if s.tokens++; s.tokens > maxHCLTokens {
			return fmt.Errorf("line %d: more than %d tokens", s.line, maxHCLTokens)
		}
	}
	s.prev = c
	return nil
}

func lineAt(data []byte, end int) []byte {
	if end < 0 {
		return data
	}
	return data[:end]
}

// skipLine returns the index of the newline ending the line at i (or the
// last index).
func skipLine(data []byte, i int) int {
	if end := bytes.IndexByte(data[i:], '\n'); end >= 0 {
		return i + end - 1
	}
	return len(data) - 1
}

// heredocStart reads `<<EOF` or `<<-EOF` up to the end of its line,
// returning the delimiter and the bytes up to the newline; n is 0 for
// anything else (a << inside an expression is no HCL operator).
func heredocStart(data []byte) (delim string, n int) {
	rest, ok := bytes.CutPrefix(data, []byte("<<"))
	if !ok {
		return "", 0
	}
	rest = bytes.TrimPrefix(rest, []byte("-"))
	end := 0
	for end < len(rest) && (rest[end] == '_' || rest[end] == '-' || isAlnum(rest[end])) {
		end++
	}
	if end == 0 || end < len(rest) && rest[end] != '\n' && rest[end] != '\r' {
		return "", 0
	}
	return string(rest[:end]), len(data) - len(rest) + end
}

func isWordByte(c byte) bool { return c == '_' || c == '.' || c == '-' || isAlnum(c) }

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// directiveNesting is +1 for a template directive opening a level
// (`%{ if`, `%{ for`), -1 for one closing it, 0 otherwise.
func directiveNesting(after []byte) int {
	word := bytes.TrimLeft(after, " \t~")
	for _, w := range []struct {
		word  string
		delta int
	}{{"if", 1}, {"for", 1}, {"endif", -1}, {"endfor", -1}} {
		if rest, ok := bytes.CutPrefix(word, []byte(w.word)); ok && (len(rest) == 0 || !isAlnum(rest[0])) {
			return w.delta
		}
	}
	return 0
}
