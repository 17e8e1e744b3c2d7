package remote

import (
	"slices"
	"strings"

	"github.com/uptake-dev/uptake/collector/source"
	"github.com/uptake-dev/uptake/config"
)

// Keys are the config keys every remote source type takes.
var Keys = []string{"base_url", "token_env", "token_file", "include", "exclude", "topics", "archived", "visibility", "tls"}

// Validate checks the keys remote sources share: include/exclude globs
// and one token source at most.
func Validate(s config.Source) []string {
	var out []string
	for _, g := range append(append([]string(nil), s.Include...), s.Exclude...) {
		if msg := config.GlobError("include/exclude", g); msg != "" {
			out = append(out, msg)
		}
	}
	if s.TokenEnv != "" && s.TokenFile != "" {
		out = append(out, "use either token_env or token_file, not both")
	}
	return out
}

// Filter is the include, exclude and topics keys, meaning the same on every
// host: a name glob matches a repo's last path component or its full path
// (as repo globs do everywhere in the config), and topics keep a repo with
// any of them, compared case-insensitively (GitLab topics are unique that
// way; GitHub's are lower case).
type Filter struct {
	include, exclude, topics []string
}

// NewFilter returns the filter s configures.
func NewFilter(s config.Source) Filter {
	return Filter{include: s.Include, exclude: s.Exclude, topics: s.Topics}
}

// Keep reports whether the filter keeps repo (by its Name and Topics).
func (f Filter) Keep(repo source.Repo) bool {
	if len(f.include) > 0 && !slices.ContainsFunc(f.include, repo.MatchName) {
		return false
	}
	if slices.ContainsFunc(f.exclude, repo.MatchName) {
		return false
	}
	if len(f.topics) == 0 {
		return true
	}
	return slices.ContainsFunc(repo.Topics, func(t string) bool {
		return slices.ContainsFunc(f.topics, func(want string) bool { return strings.EqualFold(t, want) })
	})
}
