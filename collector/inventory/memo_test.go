package inventory

import (
	"context"
	"errors"
	"maps"
	"reflect"
	"testing"

	"github.com/uptake-dev/uptake/collector/detect"
	"github.com/uptake-dev/uptake/collector/source/sourcetest"
	"github.com/uptake-dev/uptake/config"
)

func regexProbe(t *testing.T) detect.Probe {
	t.Helper()
	k, _ := detect.Get("regex")
	m, err := k.Compile(map[string]string{"path": "**/*.go", "pattern": `acme/kit v(?P<version>[0-9.]+)`})
	if err != nil {
		t.Fatal(err)
	}
	return m.(detect.Probe)
}

var memoBase = map[string]string{
	"README.md":            "hello\n",
	"CODEOWNERS":           "* @acme/alpha\n",
	"go.mod":               "module x\n\nrequire github.com/acme/kit v1.2.0\n",
	"main.go":              "package main // acme/kit v1.2.0\n",
	"util.go":              "package main\n",
	"package.json":         `{"name": "web", "dependencies": {"@acme/sdk": "^1.0.0"}}`,
	"package-lock.json":    `{"lockfileVersion": 3, "packages": {"": {"name": "web"}, "node_modules/@acme/sdk": {"version": "1.0.4"}}}`,
	".gitlab-ci.yml":       "include:\n  - local: ci/build.yml\n",
	"ci/build.yml":         "include:\n  - project: acme/ci\n    ref: v1\n    file: go.yml\n",
	"services/api/main.go": "package api\n",
}

// with is base with changes (content "" deletes).
func with(base map[string]string, changes map[string]string) map[string]string {
	out := maps.Clone(base)
	for p, c := range changes {
		if c == "" {
			delete(out, p)
		} else {
			out[p] = c
		}
	}
	return out
}

// Each commit read with a memo gives the inventory a plain read gives, and
// reruns only the readers whose files changed.
func TestMemoReadsOnlyWhatChanged(t *testing.T) {
	p, err := NewPlan([]string{"gitlab_ci", "gomod", "npm"}, []detect.Probe{regexProbe(t)},
		config.Scan{Exclude: config.DefaultExclude, MaxFileBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	memo := NewMemo()
	steps := []struct {
		name    string
		changes map[string]string
		// runs are the detectors and probe files run or scanned again.
		runs int
	}{
		{"first read", nil, 3 + 3},
		{"README only", map[string]string{"README.md": "bye\n"}, 0},
		{"the lockfile", map[string]string{"package-lock.json": `{"lockfileVersion": 3, "packages": {"": {"name": "web"}, "node_modules/@acme/sdk": {"version": "1.1.0"}}}`}, 1},
		{"go.mod", map[string]string{"go.mod": "module x\n\nrequire github.com/acme/kit v1.3.0\n"}, 1},
		{"a new package.json", map[string]string{"tools/package.json": `{"name": "tools"}`}, 1},
		{"an included CI file", map[string]string{"ci/build.yml": "include:\n  - project: acme/ci\n    ref: v2\n    file: go.yml\n"}, 1},
		{"CODEOWNERS, read each time", map[string]string{"CODEOWNERS": "* @acme/beta\n"}, 0},
		{"one Go file", map[string]string{"main.go": "package main // acme/kit v1.3.0\n"}, 1},
		{"a new Go file", map[string]string{"cmd/tool.go": "package main // acme/kit v1.3.0\n"}, 1},
		{"go.mod unparseable", map[string]string{"go.mod": "module x\nrequire (\n"}, 1},
		{"its failure kept", map[string]string{"README.md": "again\n"}, 0},
		{"a file removed", map[string]string{"package-lock.json": ""}, 1},
	}
	files := memoBase
	for _, st := range steps {
		files = with(files, st.changes)
		want, wantFail, err := p.Read(context.Background(), sourcetest.NewTree(files))
		if err != nil {
			t.Fatal(err)
		}
		before := memo.Runs
		got, gotFail, err := p.ReadWith(context.Background(), sourcetest.NewTree(files), memo)
		if err != nil {
			t.Fatal(err)
		}
		got.FilesRead, want.FilesRead = 0, 0
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: inventory with the memo\n%+v\nwithout\n%+v", st.name, got, want)
		}
		if len(gotFail) != len(wantFail) || (len(gotFail) > 0 && gotFail[0].Path != wantFail[0].Path) {
			t.Errorf("%s: failures %v with the memo, %v without", st.name, gotFail, wantFail)
		}
		if n := memo.Runs - before; n != st.runs {
			t.Errorf("%s: %d readers and probe files run, want %d", st.name, n, st.runs)
		}
	}
	if memo.Reused == 0 {
		t.Error("nothing reused")
	}
}

// A read that fails leaves the memo as it was: what a detector saw of a
// file it could not read is not remembered.
func TestMemoIsKeptWhenAReadFails(t *testing.T) {
	p := plan(t, "gomod")
	memo := NewMemo()
	if _, _, err := p.ReadWith(context.Background(), sourcetest.NewTree(memoBase), memo); err != nil {
		t.Fatal(err)
	}
	changed := with(memoBase, map[string]string{"go.mod": "module x\n\nrequire github.com/acme/kit v1.3.0\n"})
	broken := sourcetest.NewTree(changed)
	broken.Fail = map[string]error{"go.mod": errors.New("connection reset")}
	if _, _, err := p.ReadWith(context.Background(), broken, memo); err == nil {
		t.Fatal("a transport failure read without error")
	}
	got, _, err := p.ReadWith(context.Background(), sourcetest.NewTree(changed), memo)
	if err != nil {
		t.Fatal(err)
	}
	want, _, _ := p.Read(context.Background(), sourcetest.NewTree(changed))
	got.FilesRead, want.FilesRead = 0, 0
	if !reflect.DeepEqual(got, want) {
		t.Errorf("after a failed read: %+v, want %+v", got, want)
	}
}
