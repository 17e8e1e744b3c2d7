// Package version normalises the version strings detectors find (tags,
// refs, ranges) into labels, and compares them semantically.
//
// A label is the version as the source writes it minus range operators:
// "^1.2.0" is "1.2.0", "~> 1.2" is "1.2", "[1.0,2.0)" is "1.0", "v1.2.0"
// stays "v1.2.0". The floor of a range is the label because it is the
// version a repo is on at least. Comparison goes through semver after
// coercing the common non-semver shapes (four components, Maven and PEP 440
// qualifiers, image variants).
package version

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/Masterminds/semver/v3"
)

// Unknown is the label of a version that cannot be compared: a branch, a
// bare commit SHA, a digest, a variable, a path, or nothing at all.
const Unknown = "unknown"

var (
	shaRE    = regexp.MustCompile(`^[0-9a-fA-F]{7,64}$`)
	schemeRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*:`)
	// opRE takes a comparator's operator off its version; "!" covers "!=".
	opRE = regexp.MustCompile(`^(===|==|!=|~=|~>|>=|<=|=>|=<|[~^=<>!])\s*`)
	// releaseRE splits a label into its numeric release and the rest.
	numericRE = regexp.MustCompile(`^[vV]?\d+(?:\.\d+)*$`)
	releaseRE = regexp.MustCompile(`^[vV]?(\d+(?:\.\d+)*)(.*)$`)
	// boundaryRE finds letter↔digit boundaries, so "rc10" orders as "rc.10".
	boundaryRE = regexp.MustCompile(`[A-Za-z]+|\d+`)
)

// releaseWords are qualifiers that mark a release or a build variant rather
// than a pre-release: Maven's "1.2.3.RELEASE" and "5.6.15.Final", PEP 440's
// post-releases, Guava's "31.1-jre", image tags such as "1.22-alpine". They
// compare equal to the plain release instead of before it, as semver would.
var releaseWords = map[string]bool{
	"release": true, "final": true, "ga": true, "post": true, "rev": true, "r": true, "sp": true,
	"jre": true, "jdk": true, "android": true,
	"alpine": true, "slim": true, "bookworm": true, "bullseye": true, "buster": true, "stretch": true,
	"trixie": true, "jammy": true, "focal": true, "noble": true, "bionic": true, "windowsservercore": true,
	"nanoserver": true, "ubi": true, "debian": true, "ubuntu": true, "distroless": true, "musl": true,
}

// Clean turns a version as a file writes it into its label. Range
// operators go (the floor of a range is kept); an upper bound alone, a
// digest, a SHA, a path, a URL, a variable or a dist-tag ("latest") is
// Unknown, as is anything that does not parse as a version.
//
// Understood: npm ranges ("^1.2.0", "~1.2", ">=1.2 <2", "1.2 - 2", "1.x",
// "^1 || ^2", "npm:pkg@^1", "workspace:^1"), PEP 440 specifiers (">=1.2,<2",
// "~=1.4", "==1.2.*"), Ruby and Terraform "~> 1.2", Maven and Gradle
// ranges ("[1.0,2.0)", "]1.0,2.0[", "[1.5]"), Gradle "1.+" and "1.2!!",
// calendar versions ("2024.01.15").
func Clean(raw string) string { return cleaned.get(raw, clean) }

func clean(raw string) string {
	s := strings.Trim(strings.TrimSpace(raw), `"'`)
	// PEP 508 environment markers follow a ';'.
	if i := strings.IndexByte(s, ';'); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return Unknown
	}
	if strings.HasPrefix(s, "npm:") {
		// An alias: npm:real-name@range.
		i := strings.LastIndexByte(s, '@')
		if i < 0 {
			return Unknown
		}
		s = s[i+1:]
	}
	s = strings.TrimPrefix(s, "workspace:")
	if strings.ContainsAny(s, "/\\$@{}") || schemeRE.MatchString(s) {
		return Unknown
	}
	floor := ""
	for _, alt := range strings.Split(s, "||") {
		f := altFloor(strings.TrimSpace(alt))
		if Known(f) && (floor == "" || Compare(f, floor) < 0) {
			floor = f
		}
	}
	if floor == "" {
		return Unknown
	}
	return floor
}

// altFloor returns the floor of one alternative of a range, or "".
func altFloor(s string) string {
	if isBracketRange(s) {
		return bracketFloor(s)
	}
	// npm hyphen range: the left side is the floor.
	if i := strings.Index(s, " - "); i > 0 {
		s = s[:i]
	}
	floor := ""
	for _, c := range comparators(s) {
		m := opRE.FindStringSubmatch(c)
		op, v := "", c
		if m != nil {
			op, v = m[1], c[len(m[0]):]
		}
		switch op {
		case "<", "<=", "=<", "!=", "!":
			continue // an upper bound or an exclusion is no floor
		}
		v = trimWildcard(strings.TrimSuffix(v, "!!"))
		if !Known(v) {
			continue
		}
		// Several lower bounds intersect: the highest is the floor.
		if floor == "" || Compare(v, floor) > 0 {
			floor = v
		}
	}
	return floor
}

// comparators splits a constraint on commas and blanks, joining an operator
// written apart from its version ("~> 1.2", ">= 1.0").
func comparators(s string) []string {
	var out []string
	pending := ""
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
		if m := opRE.FindString(f); m != "" && m == f {
			pending += f
			continue
		}
		out = append(out, pending+f)
		pending = ""
	}
	return out
}

// trimWildcard drops trailing wildcard parts of a numeric release: "1.2.*",
// "1.x", "1.+" → "1.2", "1", "1". A pre-release such as "1.0.0-alpha.x" keeps them.
func trimWildcard(v string) string {
	t := v
	for {
		u := t
		for _, w := range []string{".*", ".x", ".X", ".+"} {
			u = strings.TrimSuffix(u, w)
		}
		if u == t {
			break
		}
		t = u
	}
	if t != v && numericRE.MatchString(t) {
		return t
	}
	return v
}

func isBracketRange(s string) bool {
	return len(s) >= 3 && strings.ContainsRune("[(]", rune(s[0])) && strings.ContainsRune("])[", rune(s[len(s)-1]))
}

// bracketFloor reads Maven and Gradle ranges: "[1.0,2.0)", "(,1.0]",
// "[1.5]", "]1.0,2.0[" and unions "[1.0,2.0),[3.0,)". Only the first
// bracket group counts: Maven lists unions in order.
func bracketFloor(s string) string {
	inner := s[1:]
	if i := strings.IndexAny(inner, "])["); i >= 0 {
		inner = inner[:i]
	}
	lower, _, _ := strings.Cut(inner, ",")
	lower = trimWildcard(strings.TrimSpace(lower))
	if !Known(lower) {
		return ""
	}
	return lower
}

// Known reports whether label is comparable.
func Known(label string) bool {
	_, ok := parse(label)
	return ok
}

// parsed is a label coerced to semver; extra holds numeric components past
// the third ("1.2.3.4"), which semver has no room for but which still order.
// written is how many numeric components the label has.
type parsed struct {
	v       *semver.Version
	extra   []uint64
	written int
}

func parse(label string) (parsed, bool) {
	p := parsedLabels.get(label, func(l string) parseResult {
		v, ok := parseLabel(l)
		return parseResult{v, ok}
	})
	return p.v, p.ok
}

type parseResult struct {
	v  parsed
	ok bool
}

// An estate writes a few hundred distinct versions tens of thousands of
// times; every evaluation compares them again. Results are memoised, up to
// a bound a hostile estate cannot grow past.
var (
	cleaned      = memo[string]{m: map[string]string{}}
	parsedLabels = memo[parseResult]{m: map[string]parseResult{}}
)

const memoEntries = 1 << 16

type memo[V any] struct {
	mu sync.RWMutex
	m  map[string]V
}

func (c *memo[V]) get(key string, compute func(string) V) V {
	c.mu.RLock()
	v, ok := c.m[key]
	c.mu.RUnlock()
	if ok {
		return v
	}
	v = compute(key)
	c.mu.Lock()
	if len(c.m) < memoEntries {
		c.m[key] = v
	}
	c.mu.Unlock()
	return v
}

func parseLabel(label string) (parsed, bool) {
	if label == "" || label == Unknown || len(label) > semver.MaxVersionLen {
		return parsed{}, false
	}
	if shaRE.MatchString(label) && strings.IndexFunc(label, isLetter) >= 0 {
		return parsed{}, false // a commit SHA, not a hex-looking version
	}
	m := releaseRE.FindStringSubmatch(label)
	if m == nil {
		return parsed{}, false
	}
	var nums []uint64
	for _, p := range strings.Split(m[1], ".") {
		n, err := strconv.ParseUint(p, 10, 64)
		if err != nil {
			return parsed{}, false
		}
		nums = append(nums, n)
	}
	// Build metadata never orders, but it must still be well formed.
	rest, meta, hasMeta := strings.Cut(m[2], "+")
	if hasMeta && (meta == "" || strings.Trim(meta, metaChars) != "") {
		return parsed{}, false
	}
	pre, ok := prerelease(rest)
	if !ok {
		return parsed{}, false
	}
	written := len(nums)
	for len(nums) < 3 {
		nums = append(nums, 0)
	}
	s := fmt.Sprintf("%d.%d.%d", nums[0], nums[1], nums[2])
	if pre != "" {
		s += "-" + pre
	}
	v, err := semver.StrictNewVersion(s)
	if err != nil {
		return parsed{}, false
	}
	return parsed{v: v, extra: nums[3:], written: written}, true
}

// prerelease turns what follows the numeric release into a semver
// pre-release: "" for a release or a variant, "rc.1" for "rc1", "-RC1",
// ".rc.1", "a.1" for PEP 440's "a1", "snapshot" for "-SNAPSHOT".
func prerelease(rest string) (string, bool) {
	if rest == "" {
		return "", true
	}
	if !strings.ContainsRune("-._", rune(rest[0])) && !isLetter(rune(rest[0])) {
		return "", false
	}
	rest = strings.ToLower(strings.TrimLeft(rest, "-._"))
	if rest == "" {
		return "", false
	}
	var ids []string
	for _, part := range strings.FieldsFunc(rest, func(r rune) bool { return r == '.' || r == '-' || r == '_' }) {
		if strings.Trim(part, "abcdefghijklmnopqrstuvwxyz0123456789") != "" {
			return "", false
		}
		for _, id := range boundaryRE.FindAllString(part, -1) {
			if id[0] >= '0' && id[0] <= '9' {
				id = strings.TrimLeft(id, "0")
				if id == "" {
					id = "0"
				}
			}
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 || releaseWords[ids[0]] {
		return "", true
	}
	return strings.Join(ids, "."), true
}

const metaChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-."

func isLetter(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' }

// Compare orders two labels semantically: "v1.2" equals "1.2.0",
// "1.0.0-rc.1" is before "1.0.0", "1.2.3.RELEASE" equals "1.2.3". Unknown
// sorts before every known version; two unknown labels order as strings.
func Compare(a, b string) int {
	pa, oka := parse(a)
	pb, okb := parse(b)
	switch {
	case !oka && !okb:
		return strings.Compare(a, b)
	case !oka:
		return -1
	case !okb:
		return 1
	}
	if c := pa.v.Compare(pb.v); c != 0 {
		return c
	}
	for i := 0; i < max(len(pa.extra), len(pb.extra)); i++ {
		var x, y uint64
		if i < len(pa.extra) {
			x = pa.extra[i]
		}
		if i < len(pb.extra) {
			y = pb.extra[i]
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}

// floatingParts is how many components a floating label fixes ("v7" 1,
// "1.29" 2), or 0 for a label that names one release. A tag written with
// fewer than three numeric components and no pre-release moves with the
// newest release within them (actions/checkout@v4, golang:1.22-alpine).
func floatingParts(p parsed) int {
	if p.written >= 3 || p.v.Prerelease() != "" {
		return 0
	}
	return p.written
}

// prefixCompare orders the first n (1 or 2) components of two labels.
func prefixCompare(a, b parsed, n int) int {
	x := []uint64{a.v.Major(), a.v.Minor()}[:n]
	y := []uint64{b.v.Major(), b.v.Minor()}[:n]
	for i := range x {
		if x[i] != y[i] {
			if x[i] < y[i] {
				return -1
			}
			return 1
		}
	}
	return 0
}

// inside reports whether b lies within the components floating label a
// fixes: 7.0.1 within v7, 1.29.3 and 1.29-alpine within 1.29.
func inside(a, b parsed) bool {
	n := floatingParts(a)
	return n > 0 && prefixCompare(a, b, n) == 0
}

// Behind reports whether a known label is older than target: the one
// comparison behind drift and any minimum version. A floating label is
// behind only when its components are ("v7" is not behind "v7.0.1", nor
// "1.29" behind "1.29.3"; "1.28" is behind "1.29.0"); any other label is
// behind when Compare orders it first. An unknown label is never behind,
// nor is anything behind an unknown target.
func Behind(label, target string) bool {
	p, ok := parse(label)
	t, okt := parse(target)
	switch {
	case !ok || !okt:
		return false
	case floatingParts(p) > 0:
		return prefixCompare(p, t, floatingParts(p)) < 0
	}
	return Compare(label, target) < 0
}

// Lowest returns the lowest known label, or Unknown when none is known.
// It is the version a repo is counted at: the usage to upgrade. A label
// within a floating one's components is lower than it (1.29.1 than 1.29,
// which has 1.29.3 when that is out).
func Lowest(labels []string) string {
	if low := extreme(labels, -1); low != "" {
		return low
	}
	return Unknown
}

// Highest returns the newest known label, or "" when none is known: the
// latest version in use. A label within a floating one's components is
// newer than it (7.0.1 than v7), so a floating label is the highest only
// when no release within it is known.
func Highest(labels []string) string { return extreme(labels, 1) }

// extreme returns the known label that Compare puts first in direction dir
// (-1 the lowest, 1 the highest), a label naming a release winning over a
// floating one it lies within; "" when none is known. Of equal labels the
// first is kept.
func extreme(labels []string, dir int) string {
	best, bp := "", parsed{}
	for _, l := range labels {
		p, ok := parse(l)
		if !ok {
			continue
		}
		switch {
		case best == "":
		case inside(p, bp):
			continue
		case inside(bp, p):
		case Compare(l, best) != dir:
			continue
		}
		best, bp = l, p
	}
	return best
}

// Major returns a known label's major version.
func Major(label string) (uint64, bool) {
	p, ok := parse(label)
	if !ok {
		return 0, false
	}
	return p.v.Major(), true
}
