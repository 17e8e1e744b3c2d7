// Package version normalises the version strings detectors find (tags,
// refs, ranges) into labels, and compares them semantically.
package version

import (
	"regexp"
	"strings"

	"github.com/Masterminds/semver/v3"
)

// Unknown is the label of a version that cannot be compared: a branch, a
// bare commit SHA, a digest, a variable, or nothing at all.
const Unknown = "unknown"

var (
	shaRE      = regexp.MustCompile(`^[0-9a-fA-F]{7,64}$`)
	rangeOpsRE = regexp.MustCompile(`^(?:[~^=<>!]=?|~>|>=|<=|==)\s*`)
)

// Clean turns a version as a file writes it into its label: range
// operators are removed (the floor of a range is what a repo is on at
// least), a digest or SHA is Unknown, so is anything not semver-shaped.
// What remains is written as the source wrote it ("v1.2.0" stays "v1.2.0").
func Clean(raw string) string {
	s := strings.TrimSpace(raw)
	s = strings.Trim(s, `"'`)
	if s == "" {
		return Unknown
	}
	// A compound range ("1.2 - 2.0", ">=1.2 <2", "^1 || ^2"): its first bound.
	for _, sep := range []string{"||", ",", " - ", " "} {
		if i := strings.Index(s, sep); i > 0 {
			s = strings.TrimSpace(s[:i])
		}
	}
	s = rangeOpsRE.ReplaceAllString(s, "")
	s = strings.TrimSuffix(strings.TrimSuffix(s, ".x"), ".*")
	if s == "" || s == "*" || s == "x" || strings.HasPrefix(s, "sha256:") || shaRE.MatchString(s) && !looksNumeric(s) {
		return Unknown
	}
	if _, err := semver.NewVersion(s); err != nil {
		return Unknown
	}
	return s
}

func looksNumeric(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// Known reports whether label is comparable.
func Known(label string) bool {
	_, ok := parse(label)
	return ok
}

func parse(label string) (*semver.Version, bool) {
	if label == "" || label == Unknown {
		return nil, false
	}
	v, err := semver.NewVersion(label)
	if err != nil {
		return nil, false
	}
	return v, true
}

// Compare orders two labels semantically ("v1.2" equals "1.2.0"). Unknown
// sorts before every known version.
func Compare(a, b string) int {
	va, oka := parse(a)
	vb, okb := parse(b)
	switch {
	case !oka && !okb:
		return strings.Compare(a, b)
	case !oka:
		return -1
	case !okb:
		return 1
	}
	return va.Compare(vb)
}

// Major returns a known label's major version.
func Major(label string) (uint64, bool) {
	v, ok := parse(label)
	if !ok {
		return 0, false
	}
	return v.Major(), true
}

// Lowest returns the lowest known label, or Unknown when none is known.
// It is the version a repo is counted at: the usage to upgrade.
func Lowest(labels []string) string {
	low := ""
	for _, l := range labels {
		if !Known(l) {
			continue
		}
		if low == "" || Compare(l, low) < 0 {
			low = l
		}
	}
	if low == "" {
		return Unknown
	}
	return low
}
