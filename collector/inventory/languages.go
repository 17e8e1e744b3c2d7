package inventory

import (
	"path"
	"sort"
	"strings"
)

// languageMarkers is the one definition of the languages eligible.languages
// accepts and of the files that mark each: a repo is in a language when
// any of its (non-excluded) paths is a marker of it.
var languageMarkers = []struct {
	name   string
	marker func(base, ext string) bool
}{
	{"go", func(base, ext string) bool { return base == "go.mod" || ext == ".go" }},
	{"java", func(base, ext string) bool {
		return base == "pom.xml" || ext == ".java" || base == "build.gradle" || base == "build.gradle.kts"
	}},
	{"kotlin", func(base, ext string) bool { return base == "build.gradle.kts" || ext == ".kt" }},
	{"node", func(base, _ string) bool { return base == "package.json" }},
	{"python", func(base, ext string) bool {
		return base == "pyproject.toml" || base == "setup.py" || ext == ".py" ||
			strings.HasPrefix(base, "requirements") && ext == ".txt"
	}},
	{"ruby", func(base, _ string) bool { return base == "Gemfile" }},
	{"rust", func(base, _ string) bool { return base == "Cargo.toml" }},
	{"dotnet", func(_, ext string) bool { return ext == ".csproj" || ext == ".sln" }},
	{"terraform", func(_, ext string) bool { return ext == ".tf" }},
	{"docker", func(base, _ string) bool { return isDockerfile(base) }},
}

// LanguageNames are the accepted eligible.languages values, in the order
// the docs list them.
func LanguageNames() []string {
	out := make([]string, len(languageMarkers))
	for i, l := range languageMarkers {
		out[i] = l.name
	}
	return out
}

// Languages classifies a repo by its paths, sorted.
func Languages(paths []string) []string {
	found := map[string]bool{}
	for _, p := range paths {
		base := path.Base(p)
		ext := path.Ext(base)
		for _, l := range languageMarkers {
			if !found[l.name] && l.marker(base, ext) {
				found[l.name] = true
			}
		}
	}
	out := make([]string, 0, len(found))
	for l := range found {
		out = append(out, l)
	}
	sort.Strings(out)
	return out
}

// isDockerfile reports the file names Docker builds from: Dockerfile,
// Dockerfile.*, *.Dockerfile, *.dockerfile, Containerfile.
func isDockerfile(base string) bool {
	return base == "Dockerfile" || base == "Containerfile" || strings.HasPrefix(base, "Dockerfile.") ||
		strings.HasSuffix(base, ".Dockerfile") || strings.HasSuffix(base, ".dockerfile")
}
