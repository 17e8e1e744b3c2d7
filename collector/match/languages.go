package match

import (
	"path"
	"sort"
	"strings"
)

// Languages classifies a repo by the paths of its (non-excluded) files,
// with the markers eligible.languages documents.
func Languages(paths []string) []string {
	found := map[string]bool{}
	for _, p := range paths {
		base := path.Base(p)
		ext := path.Ext(base)
		switch {
		case base == "go.mod" || ext == ".go":
			found["go"] = true
		case base == "pom.xml" || ext == ".java":
			found["java"] = true
		case base == "build.gradle":
			found["java"] = true
		case base == "build.gradle.kts":
			found["java"] = true
			found["kotlin"] = true
		case ext == ".kt":
			found["kotlin"] = true
		case base == "package.json":
			found["node"] = true
		case base == "pyproject.toml" || base == "setup.py" || ext == ".py" ||
			strings.HasPrefix(base, "requirements") && ext == ".txt":
			found["python"] = true
		case base == "Gemfile":
			found["ruby"] = true
		case base == "Cargo.toml":
			found["rust"] = true
		case ext == ".csproj" || ext == ".sln":
			found["dotnet"] = true
		case ext == ".tf":
			found["terraform"] = true
		case IsDockerfile(base):
			found["docker"] = true
		}
	}
	out := make([]string, 0, len(found))
	for l := range found {
		out = append(out, l)
	}
	sort.Strings(out)
	return out
}

// IsDockerfile reports the file names Docker builds from: Dockerfile,
// Dockerfile.*, *.Dockerfile, *.dockerfile, Containerfile.
func IsDockerfile(base string) bool {
	return base == "Dockerfile" || base == "Containerfile" || strings.HasPrefix(base, "Dockerfile.") ||
		strings.HasSuffix(base, ".Dockerfile") || strings.HasSuffix(base, ".dockerfile")
}
