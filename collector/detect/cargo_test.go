package detect_test

import (
	"os"
	"strings"
	"testing"

	"github.com/uptake-dev/uptake/collector/detect"
	"github.com/uptake-dev/uptake/collector/detect/detecttest"
)

func TestCargoDetect(t *testing.T) {
	repo := detecttest.Dir(t, "testdata/cargo/repo")
	crate := func(path string, line int, name, ver string, kv ...string) detect.Component {
		return component("cargo", path, line, name, ver, kv...)
	}
	const api = "crates/api/Cargo.toml"
	want := []detect.Component{
		crate("Cargo.toml", 6, "tokio", "1.36.0", "section", "workspace.dependencies", "declared", "1.36", "lockfile", "Cargo.lock:50"),
		crate("Cargo.toml", 7, "acme-telemetry", "0.8.2", "section", "workspace.dependencies", "declared", "0.8", "lockfile", "Cargo.lock:11"),
		// Inherited from the workspace: only the lockfile knows the version.
		crate(api, 7, "tokio", "1.36.0", "section", "dependencies", "declared", "1.36", "workspace", "Cargo.toml:6", "lockfile", "Cargo.lock:50"),
		crate(api, 8, "serde", "1.0.197", "section", "dependencies", "declared", "1.0", "lockfile", "Cargo.lock:33"),
		crate(api, 9, "serde_json", "1.0.114", "section", "dependencies", "declared", "1", "lockfile", "Cargo.lock:37"),
		crate(api, 10, "json5", "0.4.1", "section", "dependencies", "declared", "0.4", "lockfile", "Cargo.lock:16"),
		crate(api, 11, "acme-auth", "2.3.0", "section", "dependencies", "declared", "v2.3.0", "lockfile", "Cargo.lock:6"),
		// Two versions of rand are locked: each requirement gets its own.
		crate(api, 13, "rand", "0.8.5", "section", "dependencies", "declared", "0.8", "lockfile", "Cargo.lock:29"),
		crate(api, 16, "rand", "0.7.3", "section", "dev-dependencies", "declared", "0.7", "lockfile", "Cargo.lock:25"),
		crate(api, 19, "nix", "0.28.0", "section", "target.cfg(unix).dependencies", "declared", "0.28", "lockfile", "Cargo.lock:21"),
		crate(api, 21, "tracing", "0.1.40", "section", "dependencies", "declared", "0.1.40", "lockfile", "Cargo.lock:54"),
	}
	for name, files := range variants(repo) {
		t.Run(name, func(t *testing.T) {
			got, errs := mustDetector(t, "cargo").Detect(files)
			assertInventory(t, got, want)
			assertFileErrors(t, errs, "broken/Cargo.toml")
		})
	}
}

// A member's `x.workspace = true` is what the nearest workspace root declares
// (helix-editor/helix's crates inherit slotmap, regex and tree-sitter so, with
// no Cargo.lock committed); a workspace path crate is the repo's own.
func TestCargoWorkspaceInheritance(t *testing.T) {
	files := detecttest.Files{
		"Cargo.toml": "[workspace]\nmembers = [\"crates/*\"]\n\n[workspace.dependencies]\nslotmap = \"1.0.7\"\n" +
			"json = { package = \"serde_json\", version = \"1.0.114\" }\nacme-core = { path = \"crates/core\", version = \"0.3\" }\n" +
			"\n[package]\nname = \"root\"\n\n[dependencies]\nslotmap = { workspace = true }\n",
		"crates/api/Cargo.toml": "[package]\nname = \"api\"\n\n[dependencies]\nslotmap.workspace = true\njson = { workspace = true, features = [\"std\"] }\n" +
			"acme-core.workspace = true\nunknown-crate.workspace = true\n",
		"other/Cargo.toml": "[workspace]\n\n[package]\nname = \"other\"\n\n[dependencies]\nslotmap.workspace = true\n",
	}
	crate := func(path string, line int, name, ver string, kv ...string) detect.Component {
		return component("cargo", path, line, name, ver, kv...)
	}
	want := []detect.Component{
		crate("Cargo.toml", 5, "slotmap", "1.0.7", "section", "workspace.dependencies", "declared", "1.0.7"),
		crate("Cargo.toml", 6, "serde_json", "1.0.114", "section", "workspace.dependencies", "declared", "1.0.114"),
		crate("Cargo.toml", 13, "slotmap", "1.0.7", "section", "dependencies", "declared", "1.0.7", "workspace", "Cargo.toml:5"),
		crate("crates/api/Cargo.toml", 5, "slotmap", "1.0.7", "section", "dependencies", "declared", "1.0.7", "workspace", "Cargo.toml:5"),
		crate("crates/api/Cargo.toml", 6, "serde_json", "1.0.114", "section", "dependencies", "declared", "1.0.114", "workspace", "Cargo.toml:6"),
		// Not declared by the workspace: nothing to inherit.
		crate("crates/api/Cargo.toml", 8, "unknown-crate", "unknown", "section", "dependencies"),
		// other/ is a workspace of its own that declares no slotmap.
		crate("other/Cargo.toml", 7, "slotmap", "unknown", "section", "dependencies"),
	}
	for name, files := range variants(files) {
		t.Run(name, func(t *testing.T) {
			got, errs := mustDetector(t, "cargo").Detect(files)
			assertInventory(t, got, want)
			assertFileErrors(t, errs)
		})
	}
}

// [patch.*] at the root: a path makes the crate the workspace's own, a git
// fork gives it no known release (whatever Cargo.lock locks for the fork);
// a member's own [patch] is ignored, as Cargo ignores it.
func TestCargoPatch(t *testing.T) {
	files := detecttest.Files{
		"ws/Cargo.toml": "[workspace]\nmembers = [\"crates/*\"]\n\n[workspace.dependencies]\nacme-log = \"1.2\"\n\n" +
			"[patch.crates-io]\nacme-core = { path = \"crates/core\" }\nacme-log = { git = \"https://github.com/me/acme-log\", branch = \"fix\" }\n" +
			"serde = { version = \"1.0.200\", registry = \"mirror\" }\n\n[patch.\"https://github.com/acme/net\"]\nacme-net = { path = \"../net\" }\nacme-util = { path = \"../util\" }\n",
		"ws/Cargo.lock": "version = 4\n\n[[package]]\nname = \"acme-log\"\nversion = \"1.3.0\"\nsource = \"git+https://github.com/me/acme-log?branch=fix#abc\"\n\n" +
			"[[package]]\nname = \"serde\"\nversion = \"1.0.210\"\n",
		"ws/crates/api/Cargo.toml": "[package]\nname = \"api\"\n\n[dependencies]\nacme-core = \"0.4\"\nacme-log.workspace = true\n" +
			"serde = \"1\"\nacme-net = { git = \"https://github.com/acme/net.git\", tag = \"v2.0.0\" }\nacme-util = \"0.9\"\n\n[patch.crates-io]\nserde = { path = \"vendor/serde\" }\n",
		"tool/Cargo.toml": "[package]\nname = \"tool\"\n\n[dependencies]\nclap = \"4\"\n\n[patch.crates-io]\nclap = { git = \"https://github.com/me/clap\", rev = \"0123abc\" }\n",
	}
	const fork = "https://github.com/me/acme-log fix"
	want := []detect.Component{
		component("cargo", "ws/Cargo.toml", 5, "acme-log", "unknown", "section", "workspace.dependencies", "declared", "1.2", "patch", fork),
		component("cargo", "ws/crates/api/Cargo.toml", 6, "acme-log", "unknown", "section", "dependencies", "declared", "1.2", "patch", fork, "workspace", "ws/Cargo.toml:5"),
		// A patch to another registry's version is neither a path nor a fork: untouched.
		component("cargo", "ws/crates/api/Cargo.toml", 7, "serde", "1.0.210", "section", "dependencies", "declared", "1", "lockfile", "ws/Cargo.lock:9"),
		// A patch of a git source applies to that source's crates only: acme-util
		// from crates-io is untouched (acme-net, from that repo, is patched).
		component("cargo", "ws/crates/api/Cargo.toml", 9, "acme-util", "0.9", "section", "dependencies", "declared", "0.9"),
		// tool/ is a crate in no workspace: its own [patch] applies.
		component("cargo", "tool/Cargo.toml", 5, "clap", "unknown", "section", "dependencies", "declared", "4", "patch", "https://github.com/me/clap 0123abc"),
	}
	for name, files := range variants(files) {
		t.Run(name, func(t *testing.T) {
			got, errs := mustDetector(t, "cargo").Detect(files)
			assertInventory(t, got, want)
			assertFileErrors(t, errs)
		})
	}
}

func TestCargoCompile(t *testing.T) {
	for _, tc := range []struct {
		params  map[string]string
		wantErr string
		match   []string
		noMatch []string
	}{
		{params: map[string]string{"crate": "serde-json"}, match: []string{"serde_json", "serde-json"}, noMatch: []string{"serde"}},
		{params: map[string]string{"crate": "acme-*"}, match: []string{"acme-auth", "acme_telemetry"}, noMatch: []string{"tokio"}},
		{params: map[string]string{}, wantErr: "crate is required"},
		{params: map[string]string{"crate": "serde", "package": "x"}, wantErr: "unknown key package (allowed: crate)"},
		{params: map[string]string{"crate": "serde ^1"}, wantErr: "crate: \"serde ^1\" must be a package name without a version"},
	} {
		m, err := mustDetector(t, "cargo").Compile(tc.params)
		if !errorMatches(err, tc.wantErr) {
			t.Errorf("Compile(%v) error %v, want %q", tc.params, err, tc.wantErr)
			continue
		}
		if err == nil {
			assertMatches(t, m, "cargo", tc.match, tc.noMatch)
		}
	}
}

// The worked example of docs/detectors.md is this detector, verbatim.
func TestCargoIsTheDocumentedExample(t *testing.T) {
	doc, err := os.ReadFile("../../docs/detectors.md")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("cargo.go")
	if err != nil {
		t.Fatal(err)
	}
	_, example, ok := strings.Cut(string(doc), "```go\n")
	example, _, closed := strings.Cut(example, "```")
	if !ok || !closed {
		t.Fatal("docs/detectors.md has no go code block")
	}
	if example != string(src) {
		t.Error("docs/detectors.md shows a cargo.go that is not the shipped one; paste the file again")
	}
}

func FuzzCargo(f *testing.F) {
	for _, p := range []string{"Cargo.toml", "crates/api/Cargo.toml", "Cargo.lock"} {
		data, err := os.ReadFile("testdata/cargo/repo/" + p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		files := detecttest.Files{"Cargo.toml": string(data), "Cargo.lock": string(data), "a/Cargo.toml": "[dependencies]\nrand = \"0.8\"\n"}
		cs, _ := mustDetector(t, "cargo").Detect(files)
		for _, c := range cs {
			if c.Line < 1 || c.Name == "" {
				t.Fatalf("component without evidence: %+v", c)
			}
		}
	})
}
