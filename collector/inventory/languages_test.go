package inventory

import (
	"reflect"
	"testing"
)

func TestLanguages(t *testing.T) {
	got := Languages([]string{"go.mod", "web/package.json", "svc/build.gradle.kts", "infra/main.tf", "Dockerfile.prod",
		"tools/requirements-dev.txt", "x.csproj", "Gemfile", "Cargo.toml", "README.md"})
	want := []string{"docker", "dotnet", "go", "java", "kotlin", "node", "python", "ruby", "rust", "terraform"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Languages = %v, want %v", got, want)
	}
}
