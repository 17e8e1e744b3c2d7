package inventory

import (
	"testing"

	"github.com/bmatcuk/doublestar/v4"
)

// TestCompileGlobAgreesWithDoublestar: the fast paths must mean exactly
// what the general matcher means.
func TestCompileGlobAgreesWithDoublestar(t *testing.T) {
	patterns := []string{
		"**/go.mod", "**/*.tf", "**/Dockerfile.*", "**/docker-compose*.y*ml", "**/requirements*.txt",
		"**/vendor/**", "**/node_modules/**", "**/k8s/**/*.y*ml", ".github/workflows/*.y*ml", "Makefile",
		"**/{a,b}.json", "**/.platform/*.yaml", "**/*", "**/x?z", "**/src/test/**", "**/test/fixtures/**",
	}
	paths := []string{
		"go.mod", "a/go.mod", "a/b/go.mod", "go.mod.bak", "xgo.mod", "main.tf", "infra/x.tf", "x.tfvars",
		"Dockerfile", "Dockerfile.prod", "svc/Dockerfile.dev", "docker-compose.yml", "deploy/docker-compose.override.yaml",
		"requirements.txt", "py/requirements-dev.txt", "vendor/x/go.mod", "a/vendor/b", "vendor", "avendor/x",
		"node_modules/p/package.json", "k8s/app.yaml", "deploy/k8s/a/b.yml", ".github/workflows/ci.yml",
		".github/workflows/sub/ci.yml", "Makefile", "a/Makefile", "a.json", "x/b.json", "c.json", ".platform/kit.yaml",
		"x/.platform/kit.yaml", "xyz", "a/xaz", ".hidden", "a/.hidden",
		"src/test/java/A.java", "svc/src/test/resources/pom.xml", "src/test", "src/testing/x", "xsrc/test/x", "src/main/test/x",
		"test/fixtures/go.mod", "a/test/fixtures", "a/test/fixtures2/x", "test/fixture/x",
	}
	for _, pat := range patterns {
		m := compileGlob(pat)
		for _, p := range paths {
			want, _ := doublestar.Match(pat, p)
			if got := m(p); got != want {
				t.Errorf("compileGlob(%q)(%q) = %v, doublestar says %v", pat, p, got, want)
			}
		}
	}
}
