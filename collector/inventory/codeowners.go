package inventory

import (
	"bytes"
	"regexp"
	"strings"

	"github.com/hmarr/codeowners"
)

// CodeownersPaths are where GitHub and GitLab look for CODEOWNERS, in the
// order the first found is used.
var CodeownersPaths = []string{".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS", ".gitlab/CODEOWNERS"}

// rootPatterns are the patterns that cover a repo's root and so name the
// repo's owners as a whole.
var rootPatterns = map[string]bool{"*": true, "/*": true, "/": true, "**": true, "/**": true}

var (
	// GitLab nests groups: @org/group/sub is a team too.
	teamRE    = regexp.MustCompile(`\A@([A-Za-z0-9][A-Za-z0-9_.-]*(?:/[A-Za-z0-9_.-]+)+)\z`)
	userRE    = regexp.MustCompile(`\A@([A-Za-z0-9_.-]+)\z`)
	emailRE   = regexp.MustCompile(`\A[^@\s]+@[^@\s]+\.[A-Za-z]{2,}\z`)
	sectionRE = regexp.MustCompile(`^\^?\[[^\]]+\](?:\[\d+\])?\s*(.*)$`)
	matchers  = []codeowners.OwnerMatcher{
		codeowners.OwnerMatchFunc(func(s string) (codeowners.Owner, error) {
			if m := teamRE.FindStringSubmatch(s); m != nil {
				return codeowners.Owner{Value: m[1], Type: codeowners.TeamOwner}, nil
			}
			return codeowners.Owner{}, codeowners.ErrNoMatch
		}),
		codeowners.OwnerMatchFunc(func(s string) (codeowners.Owner, error) {
			if m := userRE.FindStringSubmatch(s); m != nil {
				return codeowners.Owner{Value: m[1], Type: codeowners.UsernameOwner}, nil
			}
			return codeowners.Owner{}, codeowners.ErrNoMatch
		}),
		codeowners.OwnerMatchFunc(func(s string) (codeowners.Owner, error) {
			if emailRE.MatchString(s) {
				return codeowners.Owner{Value: s, Type: codeowners.EmailOwner}, nil
			}
			return codeowners.Owner{}, codeowners.ErrNoMatch
		}),
	}
)

// RootOwners returns the owners ("@org/team", "@user", "a@b.c") of the last
// rule whose pattern covers the repo root. Lines that do not parse are
// skipped; a GitLab section header's default owners apply to the section's
// rules that name none.
func RootOwners(data []byte) []string {
	owners, _ := RootOwnersAt(data)
	return owners
}

// RootOwnersAt is RootOwners and the 1-based line of the rule that gave
// them, 0 when none did.
func RootOwnersAt(data []byte) (owners []string, at int) {
	for _, r := range codeownersRules(data) {
		if rootPatterns[r.rule.RawPattern()] {
			owners, at = r.owners, r.line
		}
	}
	if len(owners) == 0 {
		at = 0
	}
	return owners, at
}

// ownerRule is one parsed CODEOWNERS rule, its 1-based line, and its
// owners (the section's defaults when the rule names none).
type ownerRule struct {
	rule   codeowners.Rule
	line   int
	owners []string
}

type ownerRules []ownerRule

// codeownersRules parses a CODEOWNERS file line by line: lines that do not
// parse are skipped, so one bad line costs that rule only.
func codeownersRules(data []byte) ownerRules {
	var out ownerRules
	var sectionDefaults []string
	for n, line := range strings.Split(string(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))), "\n") {
		line = strings.TrimSpace(strings.TrimSuffix(line, "\r"))
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if m := sectionRE.FindStringSubmatch(line); m != nil {
			sectionDefaults = ownersOf("* " + m[1])
			continue
		}
		rules, err := codeowners.ParseFile(strings.NewReader(line), codeowners.WithOwnerMatchers(matchers))
		if err != nil || len(rules) != 1 {
			continue
		}
		r := ownerRule{rule: rules[0], line: n + 1}
		for _, o := range rules[0].Owners {
			r.owners = append(r.owners, o.String())
		}
		if len(r.owners) == 0 {
			r.owners = sectionDefaults
		}
		out = append(out, r)
	}
	return out
}

// ownersOf parses the owners of one rule line, nil when it does not parse.
func ownersOf(line string) []string {
	rules, err := codeowners.ParseFile(strings.NewReader(line), codeowners.WithOwnerMatchers(matchers))
	if err != nil || len(rules) != 1 {
		return nil
	}
	var out []string
	for _, o := range rules[0].Owners {
		out = append(out, o.String())
	}
	return out
}
