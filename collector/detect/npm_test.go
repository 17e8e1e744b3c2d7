package detect_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/uptake-dev/uptake/collector/detect"
	"github.com/uptake-dev/uptake/collector/detect/detecttest"
)

func TestNpmDetectWorkspaces(t *testing.T) {
	repo := detecttest.Dir(t, "testdata/npm/monorepo")
	dev := func(line int, name, ver, declared, lock string) detect.Component {
		return component("npm", "package.json", line, name, ver, "section", "devDependencies", "declared", declared, "lockfile", lock)
	}
	want := []detect.Component{
		dev(12, "@acme/eslint-config", "2.3.1", "^2.1.0", "package-lock.json:18"),
		dev(13, "eslint", "8.57.0", "^8.57.0", "package-lock.json:28"),
		dev(14, "typescript", "5.4.5", "~5.4.2", "package-lock.json:39"),
		// A peer of a workspace member resolves to the hoisted copy.
		{Kind: "npm", Name: "react", Version: "18.3.1", Path: "packages/ui/package.json", Line: 5,
			Section: "peerDependencies", Lockfile: "package-lock.json", Attrs: map[string]string{"declared": "^17.0.0 || ^18.0.0", "lockfile": "package-lock.json:34"}},
		// A workspace sibling is linked: its version is its own entry's.
		{Kind: "npm", Name: "@acme/ui", Version: "1.4.0", Path: "packages/web/package.json", Line: 5,
			Section: "dependencies", Lockfile: "package-lock.json", Attrs: map[string]string{"declared": "^1.0.0", "lockfile": "package-lock.json:49"}},
		// Not hoisted: the member's own node_modules wins over the root's.
		{Kind: "npm", Name: "react", Version: "17.0.2", Path: "packages/web/package.json", Line: 6,
			Section: "dependencies", Lockfile: "package-lock.json", Attrs: map[string]string{"declared": "^17.0.2", "lockfile": "package-lock.json:62"}},
		// A git dependency at a tag, which no lockfile entry pins: the tag.
		{Kind: "npm", Name: "left-pad", Version: "v1.3.0", Path: "packages/web/package.json", Line: 7,
			Section: "dependencies", Attrs: map[string]string{"declared": "github:stevemao/left-pad#v1.3.0"}},
		// Lockfile v1: top-level entries only; the nested semver 7 is @acme/changelog's.
		{Kind: "npm", Name: "@acme/changelog", Version: "1.9.3", Path: "tools/release/package.json", Line: 5,
			Section: "dependencies", Lockfile: "tools/release/package-lock.json", Attrs: map[string]string{"declared": "1.x", "lockfile": "tools/release/package-lock.json:7"}},
		{Kind: "npm", Name: "semver", Version: "5.7.2", Path: "tools/release/package.json", Line: 6,
			Section: "dependencies", Lockfile: "tools/release/package-lock.json", Attrs: map[string]string{"declared": "^5.7.1", "lockfile": "tools/release/package-lock.json:20"}},
	}
	for name, files := range variants(repo) {
		t.Run(name, func(t *testing.T) {
			got, errs := mustDetector(t, "npm").Detect(files)
			assertInventory(t, got, want)
			assertFileErrors(t, errs, "broken/package.json")
		})
	}
}

func TestNpmDetectLockfiles(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files detecttest.Files
		want  []detect.Component
		bad   []string
	}{{
		name: "no lockfile: the floor of the declared range",
		files: detecttest.Files{"package.json": `{
  "dependencies": {"@acme/logger": "^3.2.0", "lodash": "4.17.21", "next": "latest", "shared": "file:../shared"},
  "optionalDependencies": {"fsevents": ">=2.3.2 <3"}
}`},
		want: []detect.Component{
			{Kind: "npm", Name: "@acme/logger", Version: "3.2.0", Path: "package.json", Line: 2, Section: "dependencies", Attrs: map[string]string{"declared": "^3.2.0"}},
			{Kind: "npm", Name: "lodash", Version: "4.17.21", Path: "package.json", Line: 2, Section: "dependencies", Attrs: map[string]string{"declared": "4.17.21"}},
			{Kind: "npm", Name: "next", Version: "unknown", Path: "package.json", Line: 2, Section: "dependencies", Attrs: map[string]string{"declared": "latest"}},
			{Kind: "npm", Name: "shared", Version: "unknown", Path: "package.json", Line: 2, Section: "dependencies", Attrs: map[string]string{"declared": "file:../shared"}},
			{Kind: "npm", Name: "fsevents", Version: "2.3.2", Path: "package.json", Line: 3, Section: "optionalDependencies", Attrs: map[string]string{"declared": ">=2.3.2 <3"}},
		},
	}, {
		// An alias installs another package under the key: it is that package
		// that is used, at the version the lockfile pins under the key.
		name: "npm: aliases",
		files: detecttest.Files{
			"package.json": "{\n  \"dependencies\": {\n    \"ui\": \"npm:@acme/ui-next@^2.0.0\",\n    \"react18\": \"npm:react@18.2.0\",\n    \"bare\": \"npm:left-pad\"\n  }\n}\n",
			"package-lock.json": `{
  "lockfileVersion": 3,
  "packages": {
    "": {"dependencies": {"ui": "npm:@acme/ui-next@^2.0.0"}},
    "node_modules/ui": {
      "name": "@acme/ui-next",
      "version": "2.3.1"
    }
  }
}
`,
			"web/package.json":   "{\n  \"dependencies\": {\n    \"ui\": \"npm:@acme/ui-next@^2.0.0\"\n  }\n}\n",
			"web/pnpm-lock.yaml": "lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies:\n      ui:\n        specifier: npm:@acme/ui-next@^2.0.0\n        version: '@acme/ui-next@2.4.0'\n",
		},
		want: []detect.Component{
			{Kind: "npm", Name: "@acme/ui-next", Version: "2.3.1", Path: "package.json", Line: 3, Section: "dependencies", Lockfile: "package-lock.json", Attrs: map[string]string{"declared": "npm:@acme/ui-next@^2.0.0", "lockfile": "package-lock.json:7"}},
			{Kind: "npm", Name: "react", Version: "18.2.0", Path: "package.json", Line: 4, Section: "dependencies", Attrs: map[string]string{"declared": "npm:react@18.2.0"}},
			{Kind: "npm", Name: "left-pad", Version: "unknown", Path: "package.json", Line: 5, Section: "dependencies", Attrs: map[string]string{"declared": "npm:left-pad"}},
			{Kind: "npm", Name: "@acme/ui-next", Version: "2.4.0", Path: "web/package.json", Line: 3, Section: "dependencies", Lockfile: "web/pnpm-lock.yaml", Attrs: map[string]string{"declared": "npm:@acme/ui-next@^2.0.0", "lockfile": "web/pnpm-lock.yaml:7"}},
		},
	}, {
		// Internal libraries are often installed from git at a tag.
		name: "git dependencies pinned by tag or semver range",
		files: detecttest.Files{"package.json": `{
  "dependencies": {
    "a": "github:acme/a#v1.2.0",
    "b": "git+https://github.com/acme/b.git#semver:^2.1.0",
    "c": "acme/c#main",
    "d": "git+ssh://git@gitlab.acme.io/platform/d.git#3.0.1",
    "e": "github:acme/e",
    "f": "file:../f#notgit"
  }
}`},
		want: []detect.Component{
			{Kind: "npm", Name: "a", Version: "v1.2.0", Path: "package.json", Line: 3, Section: "dependencies", Attrs: map[string]string{"declared": "github:acme/a#v1.2.0"}},
			{Kind: "npm", Name: "b", Version: "2.1.0", Path: "package.json", Line: 4, Section: "dependencies", Attrs: map[string]string{"declared": "git+https://github.com/acme/b.git#semver:^2.1.0"}},
			{Kind: "npm", Name: "c", Version: "unknown", Path: "package.json", Line: 5, Section: "dependencies", Attrs: map[string]string{"declared": "acme/c#main"}},
			{Kind: "npm", Name: "d", Version: "3.0.1", Path: "package.json", Line: 6, Section: "dependencies", Attrs: map[string]string{"declared": "git+ssh://git@gitlab.acme.io/platform/d.git#3.0.1"}},
			{Kind: "npm", Name: "e", Version: "unknown", Path: "package.json", Line: 7, Section: "dependencies", Attrs: map[string]string{"declared": "github:acme/e"}},
			{Kind: "npm", Name: "f", Version: "unknown", Path: "package.json", Line: 8, Section: "dependencies", Attrs: map[string]string{"declared": "file:../f#notgit"}},
		},
	}, {
		name: "yarn classic",
		files: detecttest.Files{
			"package.json": "{\n  \"dependencies\": {\n    \"@acme/logger\": \"^3.2.0\",\n    \"chalk\": \"^4.1.0\"\n  }\n}\n",
			"yarn.lock": `# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.
# yarn lockfile v1


"@acme/logger@^3.0.0", "@acme/logger@^3.2.0":
  version "3.4.1"
  resolved "https://npm.acme.internal/@acme/logger/-/logger-3.4.1.tgz#0123abcd"
  integrity sha512-abc
  dependencies:
    chalk "^4.0.0"

chalk@^4.0.0, chalk@^4.1.0:
  version "4.1.2"
  resolved "https://registry.yarnpkg.com/chalk/-/chalk-4.1.2.tgz#aac4e2b7734a740867aeb16bf02aad556a1e7a01"
  integrity sha512-oKnbhFyRIXpUuez8iBMmyEa4nbj4IOQyuhc/wy9kY7/WVPcwIO9VA668Pu8RkO7+0G76SLROeyw9CpQ061i4mA==
  dependencies:
    ansi-styles "^4.1.0"
    version "^1.0.0"
`},
		want: []detect.Component{
			{Kind: "npm", Name: "@acme/logger", Version: "3.4.1", Path: "package.json", Line: 3,
				Section: "dependencies", Lockfile: "yarn.lock", Attrs: map[string]string{"declared": "^3.2.0", "lockfile": "yarn.lock:6"}},
			{Kind: "npm", Name: "chalk", Version: "4.1.2", Path: "package.json", Line: 4,
				Section: "dependencies", Lockfile: "yarn.lock", Attrs: map[string]string{"declared": "^4.1.0", "lockfile": "yarn.lock:13"}},
		},
	}, {
		name: "yarn berry workspace",
		files: detecttest.Files{
			"package.json":          `{"workspaces": {"packages": ["apps/*"]}, "devDependencies": {"typescript": "^5.3.0"}}`,
			"apps/api/package.json": "{\n  \"dependencies\": {\n    \"@acme/logger\": \"^3.2.0\",\n    \"@acme/ui\": \"workspace:^\"\n  }\n}\n",
			"yarn.lock": `# This file is generated by running "yarn install" inside your project.
# Manual changes might be lost - proceed with caution!

__metadata:
  version: 8
  cacheKey: 10c0

"@acme/logger@npm:^3.2.0":
  version: 3.5.0
  resolution: "@acme/logger@npm:3.5.0"
  checksum: 10c0/abc
  languageName: node
  linkType: hard

"@acme/ui@workspace:^, @acme/ui@workspace:packages/ui":
  version: 0.0.0-use.local
  resolution: "@acme/ui@workspace:packages/ui"
  languageName: unknown
  linkType: soft

"api@workspace:apps/api":
  version: 0.0.0-use.local
  resolution: "api@workspace:apps/api"
  languageName: unknown
  linkType: soft

"typescript@npm:^5.3.0":
  version: 5.3.3
  resolution: "typescript@npm:5.3.3"
  languageName: node
  linkType: hard

"typescript@patch:typescript@npm%3A^5.3.0#optional!builtin<compat/typescript>":
  version: 5.3.3
  resolution: "typescript@patch:typescript@npm%3A5.3.3#optional!builtin<compat/typescript>::version=5.3.3&hash=e012d7"
  languageName: node
  linkType: hard
`},
		want: []detect.Component{
			{Kind: "npm", Name: "typescript", Version: "5.3.3", Path: "package.json", Line: 1,
				Section: "devDependencies", Lockfile: "yarn.lock", Attrs: map[string]string{"declared": "^5.3.0", "lockfile": "yarn.lock:28"}},
			{Kind: "npm", Name: "@acme/logger", Version: "3.5.0", Path: "apps/api/package.json", Line: 3,
				Section: "dependencies", Lockfile: "yarn.lock", Attrs: map[string]string{"declared": "^3.2.0", "lockfile": "yarn.lock:9"}},
			{Kind: "npm", Name: "@acme/ui", Version: "unknown", Path: "apps/api/package.json", Line: 4,
				Section: "dependencies", Attrs: map[string]string{"declared": "workspace:^"}},
		},
	}, {
		name: "pnpm v9 workspace importers",
		files: detecttest.Files{
			"package.json":          `{"devDependencies": {"turbo": "^1.13.0"}}`,
			"apps/web/package.json": "{\n  \"dependencies\": {\n    \"@acme/ui\": \"workspace:*\",\n    \"next\": \"14.1.0\"\n  }\n}\n",
			"pnpm-lock.yaml": `lockfileVersion: '9.0'

settings:
  autoInstallPeers: true
  excludeLinksFromLockfile: false

importers:

  .:
    devDependencies:
      turbo:
        specifier: ^1.13.0
        version: 1.13.4

  apps/web:
    dependencies:
      '@acme/ui':
        specifier: workspace:*
        version: link:../../packages/ui
      next:
        specifier: 14.1.0
        version: 14.1.0(react-dom@18.2.0(react@18.2.0))(react@18.2.0)

packages:

  next@14.1.0:
    resolution: {integrity: sha512-wlzrsbfeSU48YQBjZhDzOwhWhGsy+uQycR8bHAOt1LY1bn3zZEcDyHQOEoN3aWzQ8LHCAJ1nqrWCc9XF2+O45Q==}
`},
		want: []detect.Component{
			{Kind: "npm", Name: "turbo", Version: "1.13.4", Path: "package.json", Line: 1,
				Section: "devDependencies", Lockfile: "pnpm-lock.yaml", Attrs: map[string]string{"declared": "^1.13.0", "lockfile": "pnpm-lock.yaml:13"}},
			{Kind: "npm", Name: "@acme/ui", Version: "unknown", Path: "apps/web/package.json", Line: 3,
				Section: "dependencies", Lockfile: "pnpm-lock.yaml", Attrs: map[string]string{"declared": "workspace:*", "lockfile": "pnpm-lock.yaml:19"}},
			{Kind: "npm", Name: "next", Version: "14.1.0", Path: "apps/web/package.json", Line: 4,
				Section: "dependencies", Lockfile: "pnpm-lock.yaml", Attrs: map[string]string{"declared": "14.1.0", "lockfile": "pnpm-lock.yaml:22"}},
		},
	}, {
		name: "pnpm v5 single project with peer suffix",
		files: detecttest.Files{
			"package.json": `{"dependencies": {"@acme/forms": "^2.0.0"}}`,
			"pnpm-lock.yaml": `lockfileVersion: 5.4

specifiers:
  '@acme/forms': ^2.0.0

dependencies:
  '@acme/forms': 2.2.0_react@18.2.0

packages:

  /@acme/forms/2.2.0_react@18.2.0:
    resolution: {integrity: sha512-abc}
`},
		want: []detect.Component{
			{Kind: "npm", Name: "@acme/forms", Version: "2.2.0", Path: "package.json", Line: 1,
				Section: "dependencies", Lockfile: "pnpm-lock.yaml", Attrs: map[string]string{"declared": "^2.0.0", "lockfile": "pnpm-lock.yaml:7"}},
		},
	}, {
		// pnpm 11+ writes its own version into an env document first.
		name: "pnpm: an env lockfile document before the project's",
		files: detecttest.Files{
			"package.json": `{"devDependencies": {"typescript": "catalog:", "ramda": "catalog:"}}`,
			"pnpm-lock.yaml": `---
lockfileVersion: '9.0'

importers:

  .:
    configDependencies: {}
    packageManagerDependencies:
      pnpm:
        specifier: 12.0.0
        version: 12.0.0

packages:

  pnpm@12.0.0:
    resolution: {integrity: sha512-x}

---
lockfileVersion: '9.0'

importers:

  .:
    devDependencies:
      typescript:
        specifier: 'catalog:'
        version: 5.9.3
      ramda:
        specifier: 'catalog:'
        version: '@pnpm/ramda@0.28.1'
`},
		want: []detect.Component{
			{Kind: "npm", Name: "typescript", Version: "5.9.3", Path: "package.json", Line: 1,
				Section: "devDependencies", Lockfile: "pnpm-lock.yaml", Attrs: map[string]string{"declared": "catalog:", "lockfile": "pnpm-lock.yaml:27"}},
			// A catalog alias: the lockfile says which package is installed.
			{Kind: "npm", Name: "@pnpm/ramda", Version: "0.28.1", Path: "package.json", Line: 1,
				Section: "devDependencies", Lockfile: "pnpm-lock.yaml", Attrs: map[string]string{"declared": "catalog:", "lockfile": "pnpm-lock.yaml:30"}},
		},
	}, {
		name: "pnpm: an env lockfile document alone locks nothing of the project's",
		files: detecttest.Files{
			"package.json":   `{"dependencies": {"react": "^19.0.0"}}`,
			"pnpm-lock.yaml": "lockfileVersion: '9.0'\nimporters:\n  .:\n    packageManagerDependencies:\n      pnpm: {specifier: 12.0.0, version: 12.0.0}\n",
		},
		want: []detect.Component{
			{Kind: "npm", Name: "react", Version: "19.0.0", Path: "package.json", Line: 1, Section: "dependencies", Attrs: map[string]string{"declared": "^19.0.0"}},
		},
	}, {
		name: "peers: compatibility, not use",
		files: detecttest.Files{
			"package.json": `{
  "peerDependencies": {"react": "^17 || ^18 || ^19", "react-dom": "^17 || ^18 || ^19", "@acme/theme": ">=2", "@types/react": "*"},
  "peerDependenciesMeta": {"@types/react": {"optional": true}},
  "devDependencies": {"react": "19.1.0"}
}`,
			"web/package.json": `{"peerDependencies": {"react": "^18.2.0", "@acme/theme": "^2.0.0"}}`,
			"web/package-lock.json": `{"lockfileVersion": 3, "packages": {
  "node_modules/react": {"version": "18.3.1"}
}}`,
		},
		want: []detect.Component{
			// Installed as a devDependency: that entry alone.
			{Kind: "npm", Name: "react", Version: "19.1.0", Path: "package.json", Line: 4, Section: "devDependencies", Attrs: map[string]string{"declared": "19.1.0"}},
			// A peer alone: no version, whatever its range's floor.
			{Kind: "npm", Name: "react-dom", Version: "unknown", Path: "package.json", Line: 2, Section: "peerDependencies", Attrs: map[string]string{"declared": "^17 || ^18 || ^19"}},
			{Kind: "npm", Name: "@acme/theme", Version: "unknown", Path: "package.json", Line: 2, Section: "peerDependencies", Attrs: map[string]string{"declared": ">=2"}},
			// npm installs peers: the lockfile's version is the one in use.
			{Kind: "npm", Name: "react", Version: "18.3.1", Path: "web/package.json", Line: 1,
				Section: "peerDependencies", Lockfile: "web/package-lock.json", Attrs: map[string]string{"declared": "^18.2.0", "lockfile": "web/package-lock.json:2"}},
			{Kind: "npm", Name: "@acme/theme", Version: "unknown", Path: "web/package.json", Line: 1, Section: "peerDependencies", Attrs: map[string]string{"declared": "^2.0.0"}},
		},
	}, {
		name: "packageManager names the tool whose lockfile resolves",
		files: detecttest.Files{
			"package.json":           `{"packageManager": "pnpm@11.3.0+sha512.2c40", "dependencies": {"zod": "^4.0.0"}}`,
			"package-lock.json":      `{"lockfileVersion": 3, "packages": {"node_modules/zod": {"version": "4.0.1"}}}`,
			"pnpm-lock.yaml":         "lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies:\n      zod: {specifier: ^4.0.0, version: 4.1.5}\n",
			"yarn/package.json":      `{"devEngines": {"packageManager": {"name": "yarn", "version": "1.22.22"}}, "dependencies": {"zod": "^4.0.0"}}`,
			"yarn/package-lock.json": `{"lockfileVersion": 3, "packages": {"node_modules/zod": {"version": "4.0.1"}}}`,
			"yarn/yarn.lock":         "zod@^4.0.0:\n  version \"4.0.17\"\n",
		},
		want: []detect.Component{
			{Kind: "npm", Name: "zod", Version: "4.1.5", Path: "package.json", Line: 1,
				Section: "dependencies", Lockfile: "pnpm-lock.yaml", Attrs: map[string]string{"declared": "^4.0.0", "lockfile": "pnpm-lock.yaml:5"}},
			{Kind: "npm", Name: "zod", Version: "4.0.17", Path: "yarn/package.json", Line: 1,
				Section: "dependencies", Lockfile: "yarn/yarn.lock", Attrs: map[string]string{"declared": "^4.0.0", "lockfile": "yarn/yarn.lock:2"}},
		},
	}, {
		name: "a nested project outside the workspace keeps its declared range",
		files: detecttest.Files{
			"package.json":               `{"workspaces": ["packages/*"]}`,
			"package-lock.json":          `{"lockfileVersion": 3, "packages": {"node_modules/react": {"version": "18.3.1"}}}`,
			"examples/demo/package.json": `{"dependencies": {"react": "^18.0.0"}}`,
		},
		want: []detect.Component{
			{Kind: "npm", Name: "react", Version: "18.0.0", Path: "examples/demo/package.json", Line: 1,
				Section: "dependencies", Attrs: map[string]string{"declared": "^18.0.0"}},
		},
	}, {
		name: "a shrinkwrap wins over a package-lock; a broken lockfile is skipped and the manifest still counts",
		files: detecttest.Files{
			"package.json":        `{"dependencies": {"express": "^4.18.0"}}`,
			"package-lock.json":   `{"lockfileVersion": 3, "packages": {"node_modules/express": {"version": "4.18.1"}}}`,
			"npm-shrinkwrap.json": `{"lockfileVersion": 3, "packages": {"node_modules/express": {"version": "4.19.2"}}}`,
			"svc/package.json":    `{"dependencies": {"express": "^4.17.0"}}`,
			"svc/yarn.lock":       "express@^4.17.0\n  version \"4.17.3\"\n",
		},
		want: []detect.Component{
			{Kind: "npm", Name: "express", Version: "4.19.2", Path: "package.json", Line: 1,
				Section: "dependencies", Lockfile: "npm-shrinkwrap.json", Attrs: map[string]string{"declared": "^4.18.0", "lockfile": "npm-shrinkwrap.json:1"}},
			{Kind: "npm", Name: "express", Version: "4.17.0", Path: "svc/package.json", Line: 1,
				Section: "dependencies", Attrs: map[string]string{"declared": "^4.17.0"}},
		},
		bad: []string{"svc/yarn.lock"},
	}, {
		name: "hostile and odd files",
		files: detecttest.Files{
			"a/package.json":      `[]`,
			"b/package.json":      `{"dependencies": {"x": "1.0.0"}} {"more": true}`,
			"c/package.json":      "\x00\x01binary",
			"d/package.json":      ``,
			"e/package.json":      `{"dependencies": ["react"], "devDependencies": {"n": 1, "ok": "2.0.0"}}`,
			"e/pnpm-lock.yaml":    "importers: [\n",
			"f/package.json":      `{"dependencies": {"y": "1.0.0"}}`,
			"f/package-lock.json": `{"packages": {"node_modules/y": {"version": 7}}}`,
		},
		want: []detect.Component{
			{Kind: "npm", Name: "ok", Version: "2.0.0", Path: "e/package.json", Line: 1, Section: "devDependencies", Attrs: map[string]string{"declared": "2.0.0"}},
			{Kind: "npm", Name: "y", Version: "1.0.0", Path: "f/package.json", Line: 1, Section: "dependencies", Attrs: map[string]string{"declared": "1.0.0"}},
		},
		bad: []string{"a/package.json", "b/package.json", "c/package.json", "d/package.json", "e/pnpm-lock.yaml"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			got, errs := mustDetector(t, "npm").Detect(tc.files)
			assertInventory(t, got, tc.want)
			assertFileErrors(t, errs, tc.bad...)
		})
	}
}

func TestNpmDetectHugeLockfile(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"lockfileVersion": 3, "packages": {`)
	for i := range 50000 {
		b.WriteString(`"node_modules/pkg-` + strconv.Itoa(i) + `": {"version": "1.0.` + strconv.Itoa(i) + `", "resolved": "https://registry.npmjs.org/x.tgz"},` + "\n")
	}
	b.WriteString(`"node_modules/@acme/kit": {"version": "9.1.0"}}}`)
	files := detecttest.Files{"package.json": `{"dependencies": {"@acme/kit": "^9.0.0"}}`, "package-lock.json": b.String()}
	got, errs := mustDetector(t, "npm").Detect(files)
	assertFileErrors(t, errs)
	assertInventory(t, got, []detect.Component{{Kind: "npm", Name: "@acme/kit", Version: "9.1.0", Path: "package.json", Line: 1,
		Section: "dependencies", Lockfile: "package-lock.json", Attrs: map[string]string{"declared": "^9.0.0", "lockfile": "package-lock.json:50001"}}})
}

func TestNpmCompile(t *testing.T) {
	for _, tc := range []struct {
		params  map[string]string
		wantErr string
		match   []string
		noMatch []string
	}{
		{params: map[string]string{"package": "@acme/ui"}, match: []string{"@acme/ui"}, noMatch: []string{"@acme/ui-kit", "ui", "@acme/UI"}},
		{params: map[string]string{"package": "@acme"}, match: []string{"@acme/ui", "@acme/logger"}, noMatch: []string{"@acme-labs/ui"}},
		{params: map[string]string{"package": "@acme/eslint-*"}, match: []string{"@acme/eslint-config"}, noMatch: []string{"@acme/ui"}},
		{params: map[string]string{"package": "react"}, match: []string{"react"}, noMatch: []string{"react-dom"}},
		{params: map[string]string{}, wantErr: "package is required"},
		{params: map[string]string{"package": "react", "version": "18"}, wantErr: "unknown key version (allowed: package)"},
		{params: map[string]string{"package": "react@18"}, wantErr: "package: \"react@18\" must be a package name without a version"},
		{params: map[string]string{"package": "@acme/[ui"}, wantErr: "package: bad glob"},
	} {
		m, err := mustDetector(t, "npm").Compile(tc.params)
		if !errorMatches(err, tc.wantErr) {
			t.Errorf("Compile(%v) error %v, want %q", tc.params, err, tc.wantErr)
			continue
		}
		if err == nil {
			assertMatches(t, m, "npm", tc.match, tc.noMatch)
			if m.Match(detect.Component{Kind: "python", Name: tc.match[0]}) {
				t.Errorf("Compile(%v) matches another kind", tc.params)
			}
		}
	}
}

func FuzzNpm(f *testing.F) {
	for _, p := range []string{"testdata/npm/monorepo/package.json", "testdata/npm/monorepo/package-lock.json", "testdata/npm/monorepo/tools/release/package-lock.json"} {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(filepath.Base(p), data)
	}
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		// The same content as each file kind, beside a manifest naming what it may resolve.
		files := detecttest.Files{"package.json": `{"dependencies": {"a": "^1.0.0", "@s/b": "1.x"}}`}
		for _, n := range []string{"package.json", "package-lock.json", "yarn.lock", "pnpm-lock.yaml"} {
			files["x/"+n] = string(data)
			if strings.Contains(name, n) {
				files[n] = string(data)
			}
		}
		cs, _ := mustDetector(t, "npm").Detect(files)
		for _, c := range cs {
			if c.Line < 1 || c.Path == "" || c.Name == "" {
				t.Fatalf("component without evidence: %+v", c)
			}
		}
	})
}
