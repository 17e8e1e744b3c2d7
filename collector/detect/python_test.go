package detect_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/uptake-dev/uptake/collector/detect"
	"github.com/uptake-dev/uptake/collector/detect/detecttest"
)

func TestPythonDetect(t *testing.T) {
	repo := detecttest.Dir(t, "testdata/python/repo")
	py := func(path string, line int, name, ver string, kv ...string) detect.Component {
		return component("python", path, line, name, ver, kv...)
	}
	want := []detect.Component{
		// requirements.txt, its -r include (read once despite the cycle back) and requirements-dev.txt.
		py("requirements.txt", 6, "django", "4.2.11", "declared", "==4.2.11"),
		py("requirements.txt", 8, "acme-telemetry", "2.4", "declared", "~=2.4"),
		py("requirements.txt", 9, "psycopg2-binary", "2.9.9", "declared", ">=2.9.9,<3"),
		py("requirements.txt", 10, "acme-feature-flags", "v1.8.0", "declared", "v1.8.0"),
		py("requirements.txt", 13, "gunicorn", "unknown"),
		py("requirements.txt", 14, "acme-auth", "3.1.0", "declared", "3.1.0"),
		py("requirements/base.txt", 3, "certifi", "2024.2.2", "declared", "==2024.2.2"),
		py("requirements-dev.txt", 3, "pytest", "8.1.1", "declared", "==8.1.1"),
		py("requirements-dev.txt", 4, "pytest-django", "4.8", "declared", ">=4.8"),
		// PEP 621 with uv.lock beside it; build requirements are not locked.
		py("pyproject.toml", 2, "hatchling", "1.21", "section", "build-system.requires", "declared", ">=1.21"),
		py("pyproject.toml", 10, "acme-telemetry", "2.6.1", "section", "project.dependencies", "declared", ">=2.4", "lockfile", "uv.lock:5"),
		py("pyproject.toml", 11, "httpx", "0.27.0", "section", "project.dependencies", "declared", ">= 0.27, < 1", "lockfile", "uv.lock:13"),
		py("pyproject.toml", 12, "pydantic", "2.7.0", "section", "project.dependencies", "lockfile", "uv.lock:23"),
		py("pyproject.toml", 16, "pytest", "8", "section", "project.optional-dependencies.test", "declared", ">=8"),
		py("pyproject.toml", 20, "ruff", "0.4.1", "section", "dependency-groups.lint", "declared", "==0.4.1"),
		// Poetry with poetry.lock.
		py("services/worker/pyproject.toml", 8, "celery", "5.3.6", "section", "tool.poetry.dependencies", "declared", "^5.3", "lockfile", "services/worker/poetry.lock:17"),
		py("services/worker/pyproject.toml", 9, "acme-queue", "1.4.2", "section", "tool.poetry.dependencies", "declared", "^1.2.0", "lockfile", "services/worker/poetry.lock:4"),
		py("services/worker/pyproject.toml", 10, "acme-retry", "v0.9.1", "section", "tool.poetry.dependencies", "declared", "v0.9.1"),
		py("services/worker/pyproject.toml", 11, "local-utils", "unknown", "section", "tool.poetry.dependencies"),
		py("services/worker/pyproject.toml", 14, "pytest", "unknown", "section", "tool.poetry.group.dev.dependencies", "declared", "*"),
		py("services/worker/pyproject.toml", 17, "poetry-core", "unknown", "section", "build-system.requires"),
		// Pipfile with Pipfile.lock.
		py("tools/ops/Pipfile", 7, "boto3", "1.34.69", "section", "packages", "declared", "==1.34.69"),
		py("tools/ops/Pipfile", 8, "acme-cli", "3.2.0", "section", "packages", "declared", ">=3.0", "lockfile", "tools/ops/Pipfile.lock:17"),
		py("tools/ops/Pipfile", 9, "click", "8.1.7", "section", "packages", "declared", "*", "lockfile", "tools/ops/Pipfile.lock:20"),
		py("tools/ops/Pipfile", 12, "black", "24.3.0", "section", "dev-packages", "declared", "*", "lockfile", "tools/ops/Pipfile.lock:25"),
		// setup.cfg.
		py("legacy/setup.cfg", 10, "requests", "2.25", "section", "options.install_requires", "declared", ">=2.25"),
		py("legacy/setup.cfg", 11, "pyyaml", "6.0.1", "section", "options.install_requires", "declared", "==6.0.1"),
		py("legacy/setup.cfg", 12, "setuptools-scm", "6.2", "section", "options.setup_requires", "declared", ">=6.2"),
		py("legacy/setup.cfg", 16, "sphinx", "7.2", "section", "options.extras_require.docs", "declared", "~=7.2"),
	}
	for name, files := range variants(repo) {
		t.Run(name, func(t *testing.T) {
			got, errs := mustDetector(t, "python").Detect(files)
			assertInventory(t, got, want)
			assertFileErrors(t, errs, "broken/pyproject.toml")
		})
	}
}

func TestPythonDetectForms(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files detecttest.Files
		want  []detect.Component
		bad   []string
	}{{
		name: "requirements options and odd lines",
		files: detecttest.Files{"requirements.txt": "--requirement=common.txt\n" +
			"-i https://pypi.org/simple\n" +
			"\t Flask  ( >=2.0 )   \n" +
			"# requests==2.0\n" +
			"zope.interface==6.2 # trailing comment\n" +
			"./vendor/wheels/acme-1.0-py3-none-any.whl\n" +
			"acme-1.0.tar.gz\n" +
			"--editable=git+https://github.com/acme/a.git#egg=acme-a&subdirectory=py\n",
			"common.txt": "numpy>=1.26\n",
		},
		want: []detect.Component{
			{Kind: "python", Name: "flask", Version: "2.0", Path: "requirements.txt", Line: 3, Attrs: map[string]string{"declared": ">=2.0"}},
			{Kind: "python", Name: "zope-interface", Version: "6.2", Path: "requirements.txt", Line: 5, Attrs: map[string]string{"declared": "==6.2"}},
			{Kind: "python", Name: "acme-a", Version: "unknown", Path: "requirements.txt", Line: 8},
			// Not a requirements file name, but included.
			{Kind: "python", Name: "numpy", Version: "1.26", Path: "common.txt", Line: 1, Attrs: map[string]string{"declared": ">=1.26"}},
		},
	}, {
		// pip reads a VCS URL with #egg= as a requirement, editable or not.
		name: "VCS URL lines",
		files: detecttest.Files{"requirements.txt": "git+https://github.com/acme/other.git@2.0.1#egg=acme-other\n" +
			"hg+https://hg.acme.io/tool@v3#egg=acme-tool\n" +
			"git+https://github.com/acme/noegg.git@v1\n" +
			"-e git+ssh://git@github.com/acme/third.git@main#egg=third\n"},
		want: []detect.Component{
			{Kind: "python", Name: "acme-other", Version: "2.0.1", Path: "requirements.txt", Line: 1, Attrs: map[string]string{"declared": "2.0.1"}},
			{Kind: "python", Name: "acme-tool", Version: "v3", Path: "requirements.txt", Line: 2, Attrs: map[string]string{"declared": "v3"}},
			{Kind: "python", Name: "third", Version: "unknown", Path: "requirements.txt", Line: 4, Attrs: map[string]string{"declared": "main"}},
		},
	}, {
		name:  "an include outside the repo or absolute is not followed",
		files: detecttest.Files{"requirements.txt": "-r ../../etc/requirements.txt\n-r /etc/requirements.txt\nsix\n"},
		want:  []detect.Component{{Kind: "python", Name: "six", Version: "unknown", Path: "requirements.txt", Line: 3}},
	}, {
		name: "poetry multiple constraints and a pdm.lock",
		files: detecttest.Files{
			"pyproject.toml": "[tool.poetry.dependencies]\nnumpy = [\n  {version = \"^1.24\", python = \"<3.12\"},\n  {version = \"^1.26\", python = \">=3.12\"},\n]\n",
			"pdm.lock":       "[metadata]\ngroups = [\"default\"]\n\n[[package]]\nname = \"numpy\"\nversion = \"1.26.4\"\n",
		},
		want: []detect.Component{{Kind: "python", Name: "numpy", Version: "1.26.4", Path: "pyproject.toml", Line: 2,
			Section: "tool.poetry.dependencies", Lockfile: "pdm.lock", Attrs: map[string]string{"declared": "^1.24", "lockfile": "pdm.lock:5"}}},
	}, {
		// pydantic's pyproject.toml lists its development groups for PDM.
		name: "pdm and uv development dependencies, locked",
		files: detecttest.Files{
			"pyproject.toml": "[project]\ndependencies = []\n\n[tool.pdm.dev-dependencies]\nlinting = [\n    \"ruff==0.5.0\",\n    \"mypy~=1.1.1\",\n]\n" +
				"testing = [\"pytest>=8.2.2\"]\n",
			"pdm.lock":          "[[package]]\nname = \"pytest\"\nversion = \"8.3.2\"\n",
			"uv/pyproject.toml": "[tool.uv]\ndev-dependencies = [\n  \"coverage[toml]>=7.4\",\n]\n",
			"uv/uv.lock":        "version = 1\n\n[[package]]\nname = \"coverage\"\nversion = \"7.6.1\"\n",
		},
		want: []detect.Component{
			{Kind: "python", Name: "ruff", Version: "0.5.0", Path: "pyproject.toml", Line: 6, Section: "tool.pdm.dev-dependencies.linting", Attrs: map[string]string{"declared": "==0.5.0"}},
			{Kind: "python", Name: "mypy", Version: "1.1.1", Path: "pyproject.toml", Line: 7, Section: "tool.pdm.dev-dependencies.linting", Attrs: map[string]string{"declared": "~=1.1.1"}},
			{Kind: "python", Name: "pytest", Version: "8.3.2", Path: "pyproject.toml", Line: 9, Section: "tool.pdm.dev-dependencies.testing", Lockfile: "pdm.lock", Attrs: map[string]string{"declared": ">=8.2.2", "lockfile": "pdm.lock:2"}},
			{Kind: "python", Name: "coverage", Version: "7.6.1", Path: "uv/pyproject.toml", Line: 3, Section: "tool.uv.dev-dependencies", Lockfile: "uv/uv.lock", Attrs: map[string]string{"declared": ">=7.4", "lockfile": "uv/uv.lock:4"}},
		},
	}, {
		name: "broken lockfiles and setup.cfg are skipped, manifests still count",
		files: detecttest.Files{
			"pyproject.toml":     "[project]\ndependencies = [\"attrs>=23\"]\n",
			"poetry.lock":        "[[package]\nname = \"attrs\"\n",
			"a/Pipfile":          "[packages]\nrich = \"==13.7.1\"\n",
			"a/Pipfile.lock":     "{\"default\": {\"rich\": ",
			"b/setup.cfg":        "[options\ninstall_requires = x\n",
			"c/setup.cfg":        "[options]\njust some words\n",
			"d/requirements.txt": "\x00\x00\x00",
		},
		want: []detect.Component{
			{Kind: "python", Name: "attrs", Version: "23", Path: "pyproject.toml", Line: 2, Section: "project.dependencies", Attrs: map[string]string{"declared": ">=23"}},
			{Kind: "python", Name: "rich", Version: "13.7.1", Path: "a/Pipfile", Line: 2, Section: "packages", Attrs: map[string]string{"declared": "==13.7.1"}},
		},
		bad: []string{"poetry.lock", "a/Pipfile.lock", "b/setup.cfg", "c/setup.cfg", "d/requirements.txt"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			got, errs := mustDetector(t, "python").Detect(tc.files)
			assertInventory(t, got, tc.want)
			assertFileErrors(t, errs, tc.bad...)
		})
	}
}

// A workspace member without a lockfile of its own resolves through the
// workspace root's: a uv workspace (members and exclude globs, or a member the
// lockfile installs as editable), Poetry and PDM path dependencies.
func TestPythonWorkspaces(t *testing.T) {
	files := detecttest.Files{
		"pyproject.toml": "[project]\nname = \"root\"\ndependencies = []\n\n[tool.uv.workspace]\nmembers = [\"packages/*\"]\nexclude = [\"packages/legacy\"]\n",
		"uv.lock": "version = 1\n\n[[package]]\nname = \"anyio\"\nversion = \"4.4.0\"\n\n" +
			"[[package]]\nname = \"numpy\"\nversion = \"1.26.4\"\nsource = { registry = \"https://pypi.org/simple\" }\n\n" +
			"[[package]]\nname = \"numpy\"\nversion = \"2.1.0\"\n\n" +
			"[[package]]\nname = \"cli\"\nversion = \"0.1.0\"\nsource = { editable = \"tools/cli\" }\n",
		"packages/api/pyproject.toml":    "[project]\nname = \"api\"\ndependencies = [\"anyio>=4\", \"numpy>=2.0\", \"numpy>=1.20\"]\n",
		"packages/legacy/pyproject.toml": "[project]\nname = \"legacy\"\ndependencies = [\"anyio>=3\"]\n",
		"tools/cli/pyproject.toml":       "[project]\nname = \"cli\"\ndependencies = [\"anyio\"]\n",
		"examples/demo/pyproject.toml":   "[project]\nname = \"demo\"\ndependencies = [\"anyio\"]\n",

		"py/pyproject.toml": "[tool.poetry.dependencies]\nlib-a = { path = \"libs/a\", develop = true }\n",
		"py/poetry.lock": "[[package]]\nname = \"lib-a\"\nversion = \"0.2.0\"\ndevelop = true\n\n[package.source]\ntype = \"directory\"\nurl = \"libs/a\"\n\n" +
			"[[package]]\nname = \"requests\"\nversion = \"2.32.3\"\n",
		"py/libs/a/pyproject.toml": "[tool.poetry.dependencies]\nrequests = \"^2.31\"\n",

		"pdm/pdm.lock":                 "[[package]]\nname = \"x\"\nversion = \"1.0.0\"\npath = \"./plugins/x\"\neditable = true\n\n[[package]]\nname = \"click\"\nversion = \"8.1.7\"\n",
		"pdm/plugins/x/pyproject.toml": "[project]\nname = \"x\"\ndependencies = [\"click>=8\"]\n",
		"pdm/plugins/y/pyproject.toml": "[project]\nname = \"y\"\ndependencies = [\"click>=8\"]\n",
	}
	py := func(path string, line int, name, ver string, kv ...string) detect.Component {
		return component("python", path, line, name, ver, append([]string{"section", "project.dependencies"}, kv...)...)
	}
	want := []detect.Component{
		py("packages/api/pyproject.toml", 3, "anyio", "4.4.0", "declared", ">=4", "lockfile", "uv.lock:4"),
		// Two numpy locked (a fork per Python version): the lowest at or above the floor.
		py("packages/api/pyproject.toml", 3, "numpy", "2.1.0", "declared", ">=2.0", "lockfile", "uv.lock:13"),
		py("packages/api/pyproject.toml", 3, "numpy", "1.26.4", "declared", ">=1.20", "lockfile", "uv.lock:8"),
		// Excluded from the workspace: not locked by it.
		py("packages/legacy/pyproject.toml", 3, "anyio", "3", "declared", ">=3"),
		// Not matched by members, but the lockfile installs it as editable.
		py("tools/cli/pyproject.toml", 3, "anyio", "4.4.0", "lockfile", "uv.lock:4"),
		// Neither: a project of its own, without a lockfile.
		py("examples/demo/pyproject.toml", 3, "anyio", "unknown"),
		component("python", "py/pyproject.toml", 2, "lib-a", "0.2.0", "section", "tool.poetry.dependencies", "lockfile", "py/poetry.lock:2"),
		component("python", "py/libs/a/pyproject.toml", 2, "requests", "2.32.3", "section", "tool.poetry.dependencies", "declared", "^2.31", "lockfile", "py/poetry.lock:11"),
		py("pdm/plugins/x/pyproject.toml", 3, "click", "8.1.7", "declared", ">=8", "lockfile", "pdm/pdm.lock:8"),
		py("pdm/plugins/y/pyproject.toml", 3, "click", "8", "declared", ">=8"),
	}
	for name, files := range variants(files) {
		t.Run(name, func(t *testing.T) {
			got, errs := mustDetector(t, "python").Detect(files)
			assertInventory(t, got, want)
			assertFileErrors(t, errs)
		})
	}
}

func TestPythonDetectHugeRequirements(t *testing.T) {
	var b strings.Builder
	for i := range 100000 {
		b.WriteString("# pinned by the platform team, see go/pins\n")
		if i == 99999 {
			b.WriteString("Acme-SDK==4.0.0\n")
		}
	}
	got, errs := mustDetector(t, "python").Detect(detecttest.Files{"requirements.txt": b.String()})
	assertFileErrors(t, errs)
	assertInventory(t, got, []detect.Component{{Kind: "python", Name: "acme-sdk", Version: "4.0.0", Path: "requirements.txt", Line: 100001,
		Attrs: map[string]string{"declared": "==4.0.0"}}})
}

func TestPythonCompile(t *testing.T) {
	for _, tc := range []struct {
		params  map[string]string
		wantErr string
		match   []string
		noMatch []string
	}{
		{params: map[string]string{"package": "Acme_Telemetry"}, match: []string{"acme-telemetry"}, noMatch: []string{"acme-telemetry-extra", "acme"}},
		{params: map[string]string{"package": "zope.interface"}, match: []string{"zope-interface"}},
		{params: map[string]string{"package": "acme-*"}, match: []string{"acme-sdk", "acme-auth"}, noMatch: []string{"django"}},
		{params: map[string]string{}, wantErr: "package is required"},
		{params: map[string]string{"package": "x", "group": "y"}, wantErr: "unknown key group (allowed: package)"},
		{params: map[string]string{"package": "requests>=2"}, wantErr: "package: \"requests>=2\" must be a package name without a version"},
	} {
		m, err := mustDetector(t, "python").Compile(tc.params)
		if !errorMatches(err, tc.wantErr) {
			t.Errorf("Compile(%v) error %v, want %q", tc.params, err, tc.wantErr)
			continue
		}
		if err == nil {
			assertMatches(t, m, "python", tc.match, tc.noMatch)
		}
	}
}

func FuzzPython(f *testing.F) {
	for _, p := range []string{"requirements.txt", "pyproject.toml", "uv.lock", "services/worker/pyproject.toml",
		"services/worker/poetry.lock", "tools/ops/Pipfile", "tools/ops/Pipfile.lock", "legacy/setup.cfg"} {
		data, err := os.ReadFile(filepath.Join("testdata/python/repo", p))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		files := detecttest.Files{}
		for _, n := range []string{"requirements.txt", "pyproject.toml", "setup.cfg", "Pipfile", "poetry.lock", "Pipfile.lock"} {
			files["a/"+n] = string(data)
		}
		// A member below a/, resolved through a/'s lockfile when a/ is a workspace root.
		files["a/m/pyproject.toml"] = "[project]\ndependencies = [\"requests>=2\"]\n"
		files["b/requirements.txt"] = "-r ../a/requirements.txt\n"
		files["b/pyproject.toml"] = "[project]\ndependencies = [\"requests\", \"acme-sdk>=1\"]\n"
		files["b/uv.lock"] = string(data)
		cs, _ := mustDetector(t, "python").Detect(files)
		for _, c := range cs {
			if c.Line < 1 || c.Path == "" || c.Name == "" {
				t.Fatalf("component without evidence: %+v", c)
			}
		}
	})
}
