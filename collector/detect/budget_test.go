package detect_test

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/uptake-dev/uptake/collector/detect"
	"github.com/uptake-dev/uptake/collector/detect/detecttest"
)

// nested writes open n times, then mid, then end n times.
func nested(open, mid, end string, n int) string {
	return strings.Repeat(open, n) + mid + strings.Repeat(end, n)
}

// yamlLaughs is the billion laughs: each level an alias list of nine of
// the level below.
func yamlLaughs(key string) string {
	var b strings.Builder
	b.WriteString("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n")
	for i := 1; i <= 9; i++ {
		fmt.Fprintf(&b, "a%d: &a%d [%s]\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*a%d, ", i-1), 9), ", "))
	}
	fmt.Fprintf(&b, "%s: *a9\n", key)
	return b.String()
}

// yamlFanOut is a mapping of 5,000 keys aliased 5,000 times: small as text,
// 25 million steps for a walker looking a key up through each alias.
func yamlFanOut(prefix, alias string) string {
	var b strings.Builder
	b.WriteString("big: &big {")
	for i := 0; i < 5000; i++ {
		fmt.Fprintf(&b, "k%d: 1, ", i)
	}
	b.WriteString("}\n" + prefix)
	for i := 0; i < 5000; i++ {
		fmt.Fprintf(&b, alias, i)
	}
	return b.String()
}

// xmlLaughs is the billion laughs as a DTD's entities.
func xmlLaughs() string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?><!DOCTYPE project [<!ENTITY a0 "lol">`)
	for i := 1; i <= 9; i++ {
		fmt.Fprintf(&b, `<!ENTITY a%d "%s">`, i, strings.Repeat(fmt.Sprintf("&a%d;", i-1), 10))
	}
	return b.String() + "]><project>&a9;</project>"
}

// fanOut is head with a 1000-byte value for its %s, then line n times,
// each naming the value again.
func fanOut(head, line string, n int) string {
	return fmt.Sprintf(head, strings.Repeat("a", 1000)) + strings.Repeat(line, n)
}

// gradleDoubling defines 40 variables, each twice the one before.
func gradleDoubling() string {
	var b strings.Builder
	b.WriteString("def v0 = \"xxxxxxxx\"\n")
	for i := 1; i <= 40; i++ {
		fmt.Fprintf(&b, "def v%d = \"$v%d$v%d\"\n", i, i-1, i-1)
	}
	return b.String() + "dependencies { implementation \"g:a:$v40\" }\n"
}

var bombs = []struct {
	name, kind, path, data, want string
}{
	{"toml inline tables", "cargo", "Cargo.toml", "[dependencies]\nx = " + nested("{a=", "1", "}", 1000) + "\n", "nesting deeper than 256 levels"},
	{"toml arrays", "cargo", "Cargo.lock", "x = " + nested("[", "1", "]", 100_000) + "\n", "nesting deeper than 256 levels"},
	{"toml dotted key", "python", "pyproject.toml", strings.Repeat("a.", 1000) + "a = 1\n", "nesting deeper than 256 levels"},
	{"toml header", "python", "poetry.lock", "[" + strings.Repeat("a.", 1000) + "a]\n", "nesting deeper than 256 levels"},
	{"toml chains within depth", "gradle", "gradle/libs.versions.toml", chains(), "nesting adds up past"},
	{"toml pipfile", "python", "Pipfile", "[packages]\nx = " + nested("{a=", "1", "}", 1000) + "\n", "nesting deeper than 256 levels"},
	{"toml dotted keys within depth", "cargo", "Cargo.toml", tomlLines("%sa%d = 1\n", 20), "nesting adds up past"},
	{"toml headers within depth", "python", "pyproject.toml", tomlLines("[%sa%d]\n", 200), "nesting adds up past"},
	{"toml dotted key then inline tables", "cargo", "Cargo.lock", strings.Repeat("a.", 200) + "a = " + nested("{a=", "1", "}", 100) + "\n", "nesting deeper than 256 levels"},
	{"hcl list", "terraform", "main.tf", "x = " + nested("[", "1", "]", 100_000) + "\n", "nesting deeper than 256 levels"},
	{"hcl blocks", "terraform", "main.tf", nested("a {\n", "", "}\n", 100_000), "nesting deeper than 256 levels"},
	{"hcl unary", "terraform", "main.tf", "x = " + strings.Repeat("!", 100_000) + "true\n", "nesting deeper than 256 levels"},
	{"hcl conditionals", "terraform", "main.tf", "x = " + strings.Repeat("a ? b : ", 100_000) + "c\n", "nesting deeper than 256 levels"},
	{"hcl templates", "terraform", "terragrunt.hcl", "x = " + nested(`"${`, "1", `}"`, 100_000) + "\n", "nesting deeper than 256 levels"},
	{"hcl directives", "terraform", "main.tf", "x = <<EOT\n" + nested("%{ if a }", "", "%{ endif }", 100_000) + "\nEOT\n", "nesting deeper than 256 levels"},
	{"hcl tokens", "terraform", "main.tf", "x = [" + strings.Repeat("1,", 200_000) + "1]\n", "more than 131072 tokens"},
	{"yaml flow", "github_actions", ".github/workflows/ci.yml", "jobs: " + nested("[", "1", "]", 1000) + "\n", "nesting deeper than 256 levels"},
	{"yaml block", "container_image", "k8s/app.yaml", strings.Repeat("- ", 1000) + "image: a:1\n", "nesting deeper than 256 levels"},
	{"yaml laughs", "container_image", "deploy/values.yaml", yamlLaughs("image"), "aliases expand to more than 1000000 nodes"},
	{"yaml laughs helm", "helm", "Chart.yaml", yamlLaughs("dependencies"), "aliases expand to more than 1000000 nodes"},
	{"yaml laughs kustomize", "kustomize", "kustomization.yaml", yamlLaughs("resources"), "aliases expand to more than 1000000 nodes"},
	{"yaml laughs pnpm", "npm", "pnpm-lock.yaml", yamlLaughs("importers"), "aliases expand to more than 1000000 nodes"},
	{"yaml fan-out gitlab", "gitlab_ci", ".gitlab-ci.yml", yamlFanOut("", "job%d: *big\n"), "aliases expand to more than 1000000 nodes"},
	{"yaml merge fan-out actions", "github_actions", ".github/workflows/ci.yml", yamlFanOut("jobs:\n", "  j%d: {<<: *big}\n"), "aliases expand to more than 1000000 nodes"},
	{"yaml self alias", "github_actions", ".github/workflows/ci.yml", "jobs: &j {a: {<<: [*j, *j, *j, *j, *j, *j, *j, *j, *j, *j]}}\n", "names a node that contains it"},
	{"json objects", "npm", "package.json", nested(`{"a":`, "1", "}", 100_000), "nesting deeper than 256 levels"},
	{"json arrays", "npm", "package-lock.json", `{"a":` + nested("[", "1", "]", 100_000) + "}", "nesting deeper than 256 levels"},
	{"json pipfile lock", "python", "Pipfile.lock", nested(`{"a":`, "1", "}", 100_000), "nesting deeper than 256 levels"},
	{"xml pom", "maven", "pom.xml", "<project>" + nested("<a>", "", "</a>", 100_000) + "</project>", "nesting deeper than 256 levels"},
	// encoding/xml expands no entity a DTD declares: the laughs are an error.
	{"xml entities", "maven", "pom.xml", xmlLaughs(), "invalid character entity &a9;"},
	{"groovy closures", "gradle", "build.gradle", nested("a {", "", "}", 100_000), "nesting deeper than 256 levels"},
	{"groovy calls", "gradle", "build.gradle.kts", strings.Repeat("a(", 100_000) + strings.Repeat("){", 100_000) + strings.Repeat("}", 100_000), "nesting deeper than 256 levels"},
	{"groovy interpolation", "gradle", "build.gradle", gradleDoubling(), "variables expand past their budget"},
	{"dockerfile args", "dockerfile", "Dockerfile", fanOut("ARG x=%s\n", "ARG y=$x\n", 20_000), "variables expand past their budget"},
	{"dockerfile from", "dockerfile", "Dockerfile", fanOut("ARG x=%s\n", "FROM $x\n", 20_000), "variables expand past their budget"},
	{"pom properties", "maven", "pom.xml", fanOut("<project><properties><x>%s</x></properties><dependencies>",
		"<dependency><groupId>${x}</groupId><artifactId>${x}</artifactId></dependency>", 2000) + "</dependencies></project>", "variables expand past their budget"},
	{"go.mod lines", "gomod", "go.mod", "module m\n" + strings.Repeat("a\n", 100_000), "lines that are not blank"},
	{"jenkins brackets", "jenkins", "Jenkinsfile", nested("[", "", "]", 100_000), "nesting deeper than 256 levels"},
}

// tomlLines writes n lines of format, each with a different key of 200
// parts: within the depth budget, but BurntSushi/toml builds every prefix
// of each (some 7 MB for a dotted key, 80 KB for a header).
func tomlLines(format string, n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, format, strings.Repeat("a.", 199), i)
	}
	return b.String()
}

// attributes writes n attributes of distinct names.
func attributes(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "a%d='' ", i)
	}
	return b.String()
}

// requirements writes n go.mod requirements, each replaced.
func requirements(n int) string {
	var b strings.Builder
	for _, format := range []string{"require github.com/acme/m%d v1.2.3\n", "replace github.com/acme/m%[1]d => ../m%[1]d\n"} {
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, format, i)
		}
	}
	return b.String()
}

// yarnVersions is a yarn.lock entry of 40,000 specs, its version line
// written 10,000 times.
func yarnVersions() string {
	var b strings.Builder
	for i := 0; i < 40_000; i++ {
		fmt.Fprintf(&b, "a@%d, ", i)
	}
	return b.String() + "a@x:\n" + strings.Repeat("  version \"1\"\n", 10_000)
}

// chains is 300 inline-table chains 200 deep, each within the depth
// budget: BurntSushi/toml spends some 10 MB on each.
func chains() string {
	var b strings.Builder
	for i := 0; i < 300; i++ {
		fmt.Fprintf(&b, "x%d = %s\n", i, nested("{a=", "1", "}", 200))
	}
	return b.String()
}

func TestBombsAreFileErrorsWithinMemory(t *testing.T) {
	for _, tc := range bombs {
		t.Run(tc.name, func(t *testing.T) {
			_, errs := detectWithinMemory(t, tc.kind, detecttest.Files{tc.path: tc.data})
			assertFileErrors(t, errs, tc.path)
			if len(errs) == 1 && !strings.Contains(errs[0].Error(), tc.want) {
				t.Errorf("error %q, want it to say %q", errs[0], tc.want)
			}
		})
	}
}

// TestHostileShapesStayLinear runs files whose reading was quadratic,
// in memory or in steps, though each is legal or fails on its own terms.
// The ones quadratic in steps allocate little: were one to come back, the
// test would not finish.
func TestHostileShapesStayLinear(t *testing.T) {
	for _, tc := range []struct {
		name, kind string
		files      detecttest.Files
		components int
	}{
		// Each backslash copied the line joined so far: 475 MB for 60 KB.
		{"requirements continuations", "python", detecttest.Files{"requirements.txt": "requests==2.31\n" + strings.Repeat("\\\n", 30_000)}, 1},
		{"gradle.properties continuations", "gradle", detecttest.Files{"gradle.properties": strings.Repeat("a\\\n", 20_000)}, 0},
		// One round of substitution wrote 1000 copies of a 100 KB property
		// before checking the value's size: 690 MB.
		{"pom property named often", "maven", detecttest.Files{"pom.xml": "<project><properties><x>" + strings.Repeat("a", 100_000) +
			"</x></properties><dependencies><dependency><groupId>" + strings.Repeat("${x}", 1000) + "</groupId><artifactId>a</artifactId></dependency></dependencies></project>"}, 0},
		// Every version line wrote the version for every spec of the
		// header: 10 s for these 490 KB.
		{"yarn.lock version lines", "npm", detecttest.Files{"yarn.lock": yarnVersions(), "package.json": `{"dependencies": {"a": "1"}}`}, 1},
		// Within the go.mod budget however long (real lines run 20 bytes
		// and more); each replace was searched for each requirement.
		{"go.mod of 20,000 replaced requirements", "gomod", detecttest.Files{"go.mod": "module m\n\n" + requirements(20_000)}, 20_000},
		{"pom attributes", "maven", detecttest.Files{"pom.xml": "<project " + attributes(50_000) + "/>"}, 0},
		// Each "{" after an unmatched ")" scanned back to the file's start:
		// 95 s for these 600 KB.
		{"gradle block names", "gradle", detecttest.Files{"build.gradle": "dependencies { implementation 'g:a:1' }\nx(" + strings.Repeat("){}", 200_000)}, 1},
		// Terragrunt locals each resolved one pass after the next (a pass
		// over all of them per local resolved: 65,536 evaluations for 256), and locals each reading a file whose
		// locals read another, 8 deep (the answers measured at every read:
		// 5.5 GB and 18 s for 300 a file).
		{"terragrunt locals chained backwards", "terraform", detecttest.Files{"live/terragrunt.hcl": terragruntChain(300)}, 1},
		{"terragrunt configs read by every local", "terraform", terragruntReads(100, 8), 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cs, errs := detectWithinMemory(t, tc.kind, tc.files)
			assertFileErrors(t, errs)
			if len(cs) != tc.components {
				t.Errorf("%d components, want %d", len(cs), tc.components)
			}
		})
	}
}

// terragruntChain declares n locals, each naming the next in sorted order,
// so a pass resolves one; the source is a literal beside them.
func terragruntChain(n int) string {
	var b strings.Builder
	b.WriteString("locals {\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "  l%06d = \"${local.l%06d}x\"\n", i, i+1)
	}
	fmt.Fprintf(&b, "  l%06d = \"x\"\n}\nterraform {\n  source = \"github.com/acme/m?ref=${local.l000000}\"\n}\n", n)
	return b.String()
}

// terragruntReads is a unit and depth files, each with n locals reading the
// next file.
func terragruntReads(n, depth int) detecttest.Files {
	files := detecttest.Files{}
	for d := 0; d < depth; d++ {
		var b strings.Builder
		b.WriteString("locals {\n")
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "  r%d = read_terragrunt_config(\"c%d.hcl\")\n", i, d+1)
		}
		b.WriteString("}\n")
		files[fmt.Sprintf("live/c%d.hcl", d)] = b.String()
	}
	files["live/a/terragrunt.hcl"] = "locals {\n  c = read_terragrunt_config(\"../c0.hcl\")\n}\nterraform {\n  source = \"github.com/acme/m?ref=${local.c.locals.r0.locals.r1}\"\n}\n"
	return files
}

// detectWithinMemory runs a detector, checking it allocates at most 64
// times the files' size plus 8 MiB.
func detectWithinMemory(t *testing.T, kind string, files detecttest.Files) ([]detect.Component, []error) {
	t.Helper()
	d := mustDetector(t, kind)
	size := 0
	for _, data := range files {
		size += len(data)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	cs, errs := d.Detect(files)
	runtime.ReadMemStats(&after)
	if got, bound := after.TotalAlloc-before.TotalAlloc, uint64(64*size+8<<20); got > bound {
		t.Errorf("allocated %d bytes for %d bytes of files, want at most %d", got, size, bound)
	}
	return cs, errs
}

func TestDeepButLegalFilesParse(t *testing.T) {
	for _, tc := range []struct {
		kind, path, data, name string
	}{
		{"cargo", "Cargo.toml", "[dependencies]\nserde = { version = \"1\", x = " + nested("{a=", "1", "}", 50) + " }\n", "serde"},
		{"python", "pyproject.toml", "[project]\ndependencies = [\"requests\"]\n[tool." + strings.Repeat("a.", 48) + "a]\n" + strings.Repeat("b.", 49) + "b = 1\n", "requests"},
		{"terraform", "main.tf", "module \"vpc\" {\n  source = \"acme/vpc/aws\"\n  version = \"1.0.0\"\n  x = " + nested("[", "!true ? -1 : \"${\"a\"}\"", "]", 50) + "\n}\n", "acme/vpc/aws"},
		{"github_actions", ".github/workflows/ci.yml", "jobs:\n  a:\n    steps:\n      - uses: o/a@v1\n        with: " + nested("[", "1", "]", 50) + "\n", "o/a"},
		{"npm", "package.json", `{"dependencies": {"left-pad": "1.0.0"}, "x": ` + nested(`{"a":`, "1", "}", 50) + "}", "left-pad"},
		{"maven", "pom.xml", "<project><dependencies><dependency><groupId>g</groupId><artifactId>a</artifactId><version>1</version></dependency></dependencies>" + nested("<x>", "", "</x>", 50) + "</project>", "g:a"},
		{"gradle", "build.gradle", "dependencies { implementation 'g:a:1' }\n" + nested("a {", "", "}", 50), "g:a"},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			got, errs := mustDetector(t, tc.kind).Detect(detecttest.Files{tc.path: tc.data})
			assertFileErrors(t, errs)
			if len(got) != 1 || got[0].Name != tc.name {
				t.Errorf("components %+v, want one named %s", got, tc.name)
			}
		})
	}
}

// globCounter counts the tree listings a detector asks for: each is a pass
// over every path of the repo, tens of thousands in a monorepo.
type globCounter struct {
	detecttest.Files
	globs int
}

func (g *globCounter) Glob(pattern string) []string {
	g.globs++
	return g.Files.Glob(pattern)
}

// TestTreeListingsAreBounded checks that lines of a file cannot each make
// a detector list the tree.
func TestTreeListingsAreBounded(t *testing.T) {
	for _, tc := range []struct {
		name, kind, path, format string
		maxGlobs                 int
	}{
		// Patterns, then one listing to tell local resources from remote.
		{"kustomize resources", "kustomize", "kustomization.yaml", "resources:\n%s", 4},
		// The pipeline, then GitLab's 150 includes.
		{"gitlab wildcard includes", "gitlab_ci", ".gitlab-ci.yml", "include:\n%s", 151},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var lines strings.Builder
			for i := 0; i < 5000; i++ {
				fmt.Fprintf(&lines, "  - local.d/x%d*\n", i)
			}
			f := &globCounter{Files: detecttest.Files{tc.path: fmt.Sprintf(tc.format, lines.String())}}
			mustDetector(t, tc.kind).Detect(f)
			if f.globs > tc.maxGlobs {
				t.Errorf("%d tree listings for 5000 lines, want at most %d", f.globs, tc.maxGlobs)
			}
		})
	}
}
