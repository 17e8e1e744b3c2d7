package demo

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bmatcuk/doublestar/v4"
	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/uptake-dev/uptake/collector/detect"
	"github.com/uptake-dev/uptake/config"
)

func TestGenerate(t *testing.T) {
	dirA := t.TempDir()
	a, err := Generate(dirA, false)
	if err != nil {
		t.Fatal(err)
	}

	// A second generation over stale output: refused without force,
	// replaced with it, and identical to the first.
	dirB := t.TempDir()
	stale := filepath.Join(dirB, ReposDir, "stale-repo")
	if err := os.MkdirAll(stale, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := Generate(dirB, false); !errors.Is(err, ErrExists) {
		t.Fatalf("Generate over existing output: %v, want ErrExists", err)
	}
	b, err := Generate(dirB, true)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("deterministic", func(t *testing.T) {
		if len(a.Repos) != len(b.Repos) {
			t.Fatalf("%d repos, then %d", len(a.Repos), len(b.Repos))
		}
		for i := range a.Repos {
			if x, y := a.Repos[i], b.Repos[i]; x.Name != y.Name || x.Bare != y.Bare || x.Head != y.Head {
				t.Errorf("repo %d: %+v, then %+v", i, x, y)
			}
		}
		// Also proves force removed the stale repo.
		if diff := compareTrees(t, dirA, dirB); diff != "" {
			t.Error(diff)
		}
	})

	t.Run("layout", func(t *testing.T) {
		var bare, clones int
		for _, r := range a.Repos {
			if r.Bare {
				bare++
				if !strings.HasSuffix(r.Path, ".git") {
					t.Errorf("bare mirror %s is not named name.git", r.Path)
				}
			} else {
				clones++
			}
		}
		if len(a.Repos) < 48 || bare < 20 || clones < 20 {
			t.Errorf("%d repos (%d bare, %d clones), want at least 48 with 20 of each", len(a.Repos), bare, clones)
		}
		entries, err := os.ReadDir(filepath.Join(dirA, ReposDir))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := len(entries), len(a.Repos)+len(a.Broken); got != want {
			t.Errorf("repos/ holds %d entries, want %d repos and broken ones", got, want)
		}
	})

	specs := map[string]*repo{}
	for _, r := range org() {
		specs[r.name] = r
	}
	for _, r := range a.Repos {
		t.Run("repo/"+r.Name, func(t *testing.T) {
			checkRepo(t, r, specs[r.Name])
		})
	}

	t.Run("broken", func(t *testing.T) {
		for _, p := range a.Broken {
			repo, err := git.PlainOpen(p)
			var head *plumbing.Reference
			if err == nil {
				head, err = repo.Head()
			}
			if err == nil {
				_, err = repo.CommitObject(head.Hash())
			}
			if err == nil {
				t.Errorf("%s: HEAD resolves to a commit; want a repository that cannot be read", p)
			}
		}
	})

	t.Run("config", func(t *testing.T) {
		checkConfig(t, a)
	})
}

// compareTrees describes the first difference between two directories:
// paths, file modes, contents and symlink targets.
func compareTrees(t *testing.T, a, b string) string {
	t.Helper()
	type entry struct {
		mode fs.FileMode
		data []byte
	}
	read := func(root string) map[string]entry {
		out := map[string]entry{}
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, p)
			e := entry{mode: info.Mode()}
			switch {
			case info.Mode()&fs.ModeSymlink != 0:
				var target string
				target, err = os.Readlink(p)
				e.data = []byte(target)
			case info.Mode().IsRegular():
				e.data, err = os.ReadFile(p)
			}
			out[rel] = e
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	ea, eb := read(a), read(b)
	for p, x := range ea {
		y, ok := eb[p]
		switch {
		case !ok:
			return p + ": only in the first generation"
		case x.mode != y.mode:
			return p + ": mode differs: " + x.mode.String() + " vs " + y.mode.String()
		case !bytes.Equal(x.data, y.data):
			return p + ": content differs"
		}
	}
	for p := range eb {
		if _, ok := ea[p]; !ok {
			return p + ": only in the second generation"
		}
	}
	return ""
}

// checkRepo reads a generated repository back with go-git and compares it
// with its spec: history, HEAD tree, refs, and a clone's working tree.
func checkRepo(t *testing.T, r Repo, spec *repo) {
	if spec == nil {
		t.Fatalf("no spec for %s", r.Name)
	}
	repo, err := git.PlainOpen(r.Path)
	if err != nil {
		t.Fatal(err)
	}
	if len(spec.files) == 0 {
		if _, err := repo.Head(); !errors.Is(err, plumbing.ErrReferenceNotFound) {
			t.Errorf("empty repository: HEAD gives %v, want reference not found", err)
		}
		if r.Head != "" {
			t.Errorf("empty repository reported HEAD %s", r.Head)
		}
		return
	}
	head, err := repo.Head()
	if err != nil {
		t.Fatal(err)
	}
	if head.Name() != plumbing.Main || head.Hash().String() != r.Head {
		t.Errorf("HEAD is %s at %s, want refs/heads/main at %s", head.Name(), head.Hash(), r.Head)
	}
	commit, err := repo.CommitObject(head.Hash())
	if err != nil {
		t.Fatal(err)
	}

	history := spec.history()
	var n int
	err = object.NewCommitPreorderIter(commit, nil, nil).ForEach(func(c *object.Commit) error {
		n++
		if c.Author.Email != spec.author.email || !c.Author.When.Equal(c.Committer.When) {
			t.Errorf("commit %s: author %s at %s, committed at %s", c.Hash, c.Author.Email, c.Author.When, c.Committer.When)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != len(history) || n < 2 || n > 4 {
		t.Errorf("%d commits, want %d (2 to 4)", n, len(history))
	}
	if want := history[len(history)-1].message + "\n"; commit.Message != want {
		t.Errorf("HEAD message %q, want %q", commit.Message, want)
	}

	tree, err := commit.Tree()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]file{}
	err = tree.Files().ForEach(func(f *object.File) error {
		rd, err := f.Reader()
		if err != nil {
			return err
		}
		defer rd.Close()
		data, err := io.ReadAll(rd)
		got[f.Name] = file{path: f.Name, data: data, mode: f.Mode}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	want := spec.head()
	if len(got) != len(want) {
		t.Errorf("HEAD has %d files, want %d", len(got), len(want))
	}
	for _, w := range want {
		g, ok := got[w.path]
		switch {
		case !ok:
			t.Errorf("HEAD lacks %s", w.path)
		case g.fileMode() != w.fileMode() || !bytes.Equal(g.data, w.data):
			t.Errorf("%s at HEAD differs from the spec (mode %s, %d bytes)", w.path, g.fileMode(), len(g.data))
		}
	}
	checkCanaries(t, got)

	if r.Bare {
		cfg, err := repo.Config()
		if err != nil {
			t.Fatal(err)
		}
		if !cfg.Core.IsBare || cfg.Remotes["origin"] == nil || !cfg.Remotes["origin"].Mirror {
			t.Error("not configured as a bare mirror of origin")
		}
		return
	}
	checkClone(t, repo, head.Hash())
}

// checkCanaries asserts the demo's rule for planted versions: an -rc version
// at HEAD is only in a path a scan excludes or in a file past its size limit.
func checkCanaries(t *testing.T, tree map[string]file) {
	for p, f := range tree {
		if !bytes.Contains(f.data, []byte("-rc.")) {
			continue
		}
		excluded := false
		for _, g := range config.DefaultExclude {
			if ok, _ := doublestar.Match(g, p); ok {
				excluded = true
			}
		}
		if !excluded && len(f.data) <= 1<<20 {
			t.Errorf("%s: an -rc version at HEAD where a scan reads it", p)
		}
	}
}

func checkClone(t *testing.T, repo *git.Repository, head plumbing.Hash) {
	originHead, err := repo.Reference(plumbing.NewRemoteHEADReferenceName("origin"), false)
	if err != nil {
		t.Fatal(err)
	}
	if originHead.Type() != plumbing.SymbolicReference || originHead.Target() != plumbing.NewRemoteReferenceName("origin", "main") {
		t.Errorf("origin/HEAD is %s, want a symbolic ref to refs/remotes/origin/main", originHead)
	}
	originMain, err := repo.Reference(plumbing.NewRemoteReferenceName("origin", "main"), true)
	if err != nil {
		t.Fatal(err)
	}
	if originMain.Hash() != head {
		t.Errorf("origin/main is %s, want HEAD %s", originMain.Hash(), head)
	}
	wt, err := repo.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	status, err := wt.Status()
	if err != nil {
		t.Fatal(err)
	}
	if status.IsClean() {
		t.Error("the working tree equals HEAD; a clone must carry uncommitted changes")
	}
	for path, s := range status {
		if s.Staging != git.Unmodified && s.Staging != git.Untracked {
			t.Errorf("%s is staged (%c); the index must match HEAD", path, s.Staging)
		}
	}
}

func checkConfig(t *testing.T, res *Result) {
	cfg, err := config.Load(res.Config)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Sources) != 1 || cfg.Sources[0].Type != "local" {
		t.Fatalf("sources: %+v, want one local source", cfg.Sources)
	}
	// The file says `path: repos`; Load resolves it against the file's directory.
	if got, want := cfg.Sources[0].Path, filepath.Join(filepath.Dir(res.Config), ReposDir); got != want {
		t.Errorf("source path resolves to %q, want %q", got, want)
	}

	kinds := map[string]bool{}
	gitlabForms := map[string]bool{}
	lifecycles := map[string]bool{}
	for _, o := range cfg.Offerings {
		lifecycles[o.Lifecycle] = true
		for _, r := range o.Detect {
			kinds[r.Kind] = true
			if r.Kind == "gitlab_ci" {
				for k := range r.Params {
					gitlabForms[k] = true
				}
			}
		}
	}
	for _, k := range []string{"file", "regex", "gomod", "dockerfile", "github_actions", "gitlab_ci", "npm", "python", "maven", "gradle", "helm", "terraform", "kustomize", "jenkins", "container_image", "cargo"} {
		if !kinds[k] {
			t.Errorf("no offering detects with kind %s", k)
		}
	}
	for _, k := range []string{"project", "component", "template", "remote"} {
		if !gitlabForms[k] {
			t.Errorf("no gitlab_ci rule matches on %s", k)
		}
	}
	for _, l := range config.Lifecycles {
		if !lifecycles[l] {
			t.Errorf("no offering is %s", l)
		}
	}

	// Names in the config must name repos of the org, or they test nothing.
	names := make([]string, 0, len(res.Repos))
	for _, r := range res.Repos {
		names = append(names, r.Name)
	}
	matches := func(glob string) bool {
		for _, n := range names {
			if ok, _ := doublestar.Match(glob, n); ok {
				return true
			}
		}
		return false
	}
	for _, o := range cfg.Offerings {
		for _, w := range o.Waivers {
			if !matches(w.Repo) {
				t.Errorf("offering %s: waiver for %q matches no repo", o.Name, w.Repo)
			}
		}
		if o.Eligible != nil {
			for _, g := range o.Eligible.ExcludeRepos {
				if !matches(g) {
					t.Errorf("offering %s: exclude_repos %q matches no repo", o.Name, g)
				}
			}
		}
	}
	for _, e := range cfg.Teams.Map {
		for _, g := range e.Repos {
			if !matches(g) {
				t.Errorf("teams.map.%s: %q matches no repo", e.Team, g)
			}
		}
	}
}

// TestRulesCompile compiles every detect rule of the config with the
// detector registered for its kind, so a parameter the detector does not
// take fails here rather than at `uptake check`.
func TestRulesCompile(t *testing.T) {
	cfg, err := config.Parse(ConfigFile, configYAML)
	if err != nil {
		t.Fatal(err)
	}
	missing := map[string]bool{}
	for _, o := range cfg.Offerings {
		for _, r := range o.Detect {
			d, ok := detect.Get(r.Kind)
			if !ok {
				missing[r.Kind] = true
				continue
			}
			if _, err := d.Compile(r.Params); err != nil {
				t.Errorf("%s:%d: offering %s: %s rule: %v", ConfigFile, r.Line, o.Name, r.Kind, err)
			}
		}
	}
	if len(missing) > 0 {
		t.Logf("no detector registered yet for %v; their rules are unchecked", slices.Sorted(maps.Keys(missing)))
	}
}

// TestHostileFiles pins the files that exist to trip a scanner up, so a
// change to the org cannot drop one silently.
func TestHostileFiles(t *testing.T) {
	specs := map[string]map[string]file{}
	for _, r := range org() {
		m := map[string]file{}
		for _, f := range r.head() {
			m[f.path] = f
		}
		specs[r.name] = m
	}
	get := func(repo, path string) file {
		t.Helper()
		f, ok := specs[repo][path]
		if !ok {
			t.Fatalf("%s has no %s", repo, path)
		}
		return f
	}

	if f := get("search-crawler", "link"); f.mode != filemode.Symlink || string(f.data) != "/etc/passwd" {
		t.Errorf("search-crawler/link: mode %s -> %q, want a symlink to /etc/passwd", f.mode, f.data)
	}
	if f := get("payments-gateway", "deploy/huge-values.yaml"); len(f.data) < 2<<20 {
		t.Errorf("huge-values.yaml is %d bytes, want at least 2 MiB", len(f.data))
	}
	if f := get("ops-runbooks", "assets/logo.png"); !bytes.HasPrefix(f.data, []byte("\x89PNG\r\n\x1a\n")) || bytes.IndexByte(f.data, 0) < 0 {
		t.Error("assets/logo.png is not a binary PNG")
	}
	if f := get("growth-web", "package.json"); json.Valid(f.data) {
		t.Error("growth-web/package.json parses; it must be malformed")
	}
	if f := get("identity-portal", "package.json"); !bytes.HasPrefix(f.data, []byte("\ufeff")) {
		t.Error("identity-portal/package.json has no byte-order mark")
	}
	if f := get("growth-analytics", "requirements.txt"); !bytes.Contains(f.data, []byte("acme-platform==2.2.0\r\n")) {
		t.Error("growth-analytics/requirements.txt does not use CRLF")
	}
	if f := get("search-query-parser", "vendor/github.com/acme/legacy-proto/go.mod"); !bytes.Contains(f.data, []byte(serviceKit)) {
		t.Error("the vendored go.mod does not require service-kit")
	}
	if f := get("shared-scripts", "bin/release.sh"); f.mode != filemode.Executable {
		t.Errorf("bin/release.sh has mode %s, want executable", f.mode)
	}
}

// The history is a scripted year before the time it is generated at: the
// same trees at HEAD whatever the time, every commit within the year (the
// idle repo's within the year its idleYears before), and the scripted drops
// (payments-web leaves the base image).
func TestScriptedYear(t *testing.T) {
	now := time.Date(2027, time.January, 10, 15, 0, 0, 0, time.UTC)
	ref, err := Generate(t.TempDir(), false)
	if err != nil {
		t.Fatal(err)
	}
	res, err := GenerateAt(t.TempDir(), false, now)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res.Repos {
		if r.Head == "" {
			continue
		}
		if r.Head == ref.Repos[i].Head {
			t.Errorf("%s: the same commit id a year apart", r.Name)
		}
		tree := func(path, head string) (*object.Commit, plumbing.Hash) {
			repo, err := git.PlainOpen(path)
			if err != nil {
				t.Fatal(err)
			}
			c, err := repo.CommitObject(plumbing.NewHash(head))
			if err != nil {
				t.Fatal(err)
			}
			return c, c.TreeHash
		}
		c, got := tree(r.Path, r.Head)
		if _, want := tree(ref.Repos[i].Path, ref.Repos[i].Head); got != want {
			t.Errorf("%s: HEAD tree %s, %s at the reference time", r.Name, got, want)
		}
		idle := 0
		for _, spec := range org() {
			if spec.name == r.Name {
				idle = spec.idleYears
			}
		}
		end := now.AddDate(-idle, 0, 0)
		err := object.NewCommitPreorderIter(c, nil, nil).ForEach(func(c *object.Commit) error {
			if when := c.Committer.When; !when.After(end.AddDate(0, 0, -366)) || when.After(end.AddDate(0, 0, -1)) {
				t.Errorf("%s: commit %q at %s, outside the year before %s", r.Name, strings.TrimSpace(c.Message), when, end)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, spec := range org() {
		if spec.name != "payments-web" {
			continue
		}
		h := spec.history()
		base := func(c commit) bool {
			for _, f := range c.files {
				if f.path == "Dockerfile" && strings.Contains(string(f.data), registry+"/platform/base:") {
					return true
				}
			}
			return false
		}
		if len(h) != 3 || !base(h[1]) || base(h[2]) || h[2].day <= h[1].day {
			t.Errorf("payments-web: want the base image adopted, then dropped later; history %d commits", len(h))
		}
	}
}
