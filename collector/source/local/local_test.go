package local

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/uptake-dev/uptake/collector/source"
	uconfig "github.com/uptake-dev/uptake/config"
)

func commitFiles(t testing.TB, dir string, files map[string]string) (*git.Repository, plumbing.Hash) {
	t.Helper()
	r, err := git.PlainInit(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	wt, _ := r.Worktree()
	for p, c := range files {
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if c == "->" {
			if err := os.Symlink("/etc/passwd", full); err != nil {
				t.Fatal(err)
			}
		} else if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := wt.Add(p); err != nil {
			t.Fatal(err)
		}
	}
	h, err := wt.Commit("init", &git.CommitOptions{Author: &object.Signature{Name: "t", Email: "t@x", When: time.Unix(0, 0)}})
	if err != nil {
		t.Fatal(err)
	}
	return r, h
}

func TestListHeadOpen(t *testing.T) {
	root := t.TempDir()
	// A working clone whose origin/HEAD points at a branch other than HEAD,
	// with an uncommitted edit that must not be read.
	clone, first := commitFiles(t, filepath.Join(root, "svc"), map[string]string{"go.mod": "module a\n", "link": "->"})
	wt, _ := clone.Worktree()
	if err := os.WriteFile(filepath.Join(root, "svc", "go.mod"), []byte("module b\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := wt.Add("go.mod"); err != nil {
		t.Fatal(err)
	}
	if _, err := wt.Commit("local work", &git.CommitOptions{Author: &object.Signature{Name: "t", Email: "t@x", When: time.Unix(1, 0)}}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "svc", "go.mod"), []byte("module dirty\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	must(t, clone.Storer.SetReference(plumbing.NewHashReference("refs/remotes/origin/main", first)))
	must(t, clone.Storer.SetReference(plumbing.NewSymbolicReference(plumbing.NewRemoteHEADReferenceName("origin"), "refs/remotes/origin/main")))
	_, err := clone.CreateRemote(&config.RemoteConfig{Name: "origin", URLs: []string{"https://example.invalid/svc.git"}})
	must(t, err)

	// A bare mirror named lib.git, an empty repo and a plain directory.
	bare, err := git.PlainClone(filepath.Join(root, "lib.git"), true, &git.CloneOptions{URL: filepath.Join(root, "svc")})
	must(t, err)
	_ = bare
	// A mirror with the same name as a clone is skipped, not merged.
	_, err = git.PlainClone(filepath.Join(root, "svc.git"), true, &git.CloneOptions{URL: filepath.Join(root, "svc")})
	must(t, err)
	_, err = git.PlainInit(filepath.Join(root, "empty"), false)
	must(t, err)
	must(t, os.MkdirAll(filepath.Join(root, "notes"), 0o755))

	s := New(uconfig.Source{Name: "m", Path: root}, nil)
	repos, err := s.List(context.Background())
	must(t, err)
	var names []string
	for _, r := range repos {
		names = append(names, r.Name)
	}
	if got, want := names, []string{"empty", "lib", "svc"}; !equal(got, want) {
		t.Fatalf("List = %v, want %v", got, want)
	}

	head, err := s.Head(context.Background(), repos[2])
	must(t, err)
	if head != first.String() {
		t.Fatalf("Head = %s, want origin/HEAD %s", head, first)
	}
	tr, err := s.Open(context.Background(), repos[2], head)
	must(t, err)
	if len(tr.Entries()) != 1 || tr.Entries()[0].Path != "go.mod" {
		t.Fatalf("Entries = %+v, want only go.mod (the symlink left out)", tr.Entries())
	}
	if ct := tr.(source.CommitTimer).CommitTime(); !ct.Equal(time.Unix(0, 0)) {
		t.Errorf("CommitTime = %v, want origin/HEAD's committer time %v", ct, time.Unix(0, 0).UTC())
	}
	b, err := tr.Read(context.Background(), "go.mod", 1<<20)
	must(t, err)
	if string(b) != "module a\n" {
		t.Fatalf("read %q, want the committed content at origin/HEAD", b)
	}
	if _, err := tr.Read(context.Background(), "go.mod", 3); !errors.Is(err, source.ErrTooLarge) {
		t.Fatalf("Read over limit: err = %v, want ErrTooLarge", err)
	}
	if _, err := tr.Read(context.Background(), "link", 100); err == nil {
		t.Fatal("reading a symlink succeeded")
	}

	if _, err := s.Head(context.Background(), repos[0]); !errors.Is(err, source.ErrEmpty) {
		t.Fatalf("Head(empty) err = %v, want ErrEmpty", err)
	}
	if _, err := s.Head(context.Background(), repos[1]); err != nil {
		t.Fatalf("Head(bare) err = %v", err)
	}
}

func TestCorruptRepoIsAnError(t *testing.T) {
	root := t.TempDir()
	must(t, os.MkdirAll(filepath.Join(root, "broken", ".git"), 0o755))
	must(t, os.WriteFile(filepath.Join(root, "broken", ".git", "HEAD"), []byte("garbage"), 0o644))
	s := New(uconfig.Source{Name: "m", Path: root}, nil)
	repos, err := s.List(context.Background())
	must(t, err)
	if len(repos) != 1 {
		t.Fatalf("repos = %v", repos)
	}
	if _, err := s.Head(context.Background(), repos[0]); err == nil || errors.Is(err, source.ErrEmpty) {
		t.Fatalf("Head(corrupt) err = %v, want a read error", err)
	}
}

func TestListMissingDir(t *testing.T) {
	s := New(uconfig.Source{Name: "m", Path: filepath.Join(t.TempDir(), "nope")}, nil)
	if _, err := s.List(context.Background()); err == nil {
		t.Fatal("List of a missing directory succeeded")
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestGitCLILayouts reads repos laid out by the git CLI the way people
// clone: shallow clones, mirrors and linked worktrees (a .git file).
func TestGitCLILayouts(t *testing.T) {
	gitBin, err := exec.LookPath("git")
	if err != nil {
		t.Skip("git not installed")
	}
	root := t.TempDir()
	run := func(dir string, args ...string) {
		t.Helper()
		cmd := exec.Command(gitBin, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@x", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@x", "GIT_CONFIG_NOSYSTEM=1", "HOME="+root)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	up := filepath.Join(root, "up")
	must(t, os.MkdirAll(up, 0o755))
	run(up, "init", "-q", "-b", "main")
	must(t, os.WriteFile(filepath.Join(up, "go.mod"), []byte("module main\n"), 0o644))
	run(up, "add", "-A")
	run(up, "commit", "-qm", "one")
	run(up, "checkout", "-qb", "feature")
	must(t, os.WriteFile(filepath.Join(up, "go.mod"), []byte("module feature\n"), 0o644))
	run(up, "commit", "-qam", "two")
	run(up, "checkout", "-q", "main")

	repos := filepath.Join(root, "repos")
	must(t, os.MkdirAll(repos, 0o755))
	run(repos, "clone", "-q", "--depth", "1", "file://"+up, "shallow")
	run(repos, "clone", "-q", "--mirror", up, "mirror.git")
	run(repos, "clone", "-q", up, "full")
	run(filepath.Join(repos, "full"), "worktree", "add", "-q", "../wt", "origin/feature")

	s := New(uconfig.Source{Name: "m", Path: repos}, nil)
	list, err := s.List(context.Background())
	must(t, err)
	if len(list) != 4 {
		t.Fatalf("List = %+v, want full, mirror, shallow, wt", list)
	}
	for _, r := range list {
		head, err := s.Head(context.Background(), r)
		must(t, err)
		tr, err := s.Open(context.Background(), r, head)
		must(t, err)
		b, err := tr.Read(context.Background(), "go.mod", 1<<20)
		must(t, err)
		// Every layout reads the default branch (origin/HEAD or HEAD): a
		// worktree checked out on another branch still reports main.
		if string(b) != "module main\n" {
			t.Errorf("%s: go.mod = %q, want the default branch's", r.Name, b)
		}
	}
}

func TestListNestedLayoutsAndExplainsAnEmptyOne(t *testing.T) {
	root := t.TempDir()
	commitFiles(t, filepath.Join(root, "github.com", "acme", "pay-api"), map[string]string{"go.mod": "module a\n"})
	commitFiles(t, filepath.Join(root, "gitlab.example", "team", "web"), map[string]string{"go.mod": "module b\n"})
	must(t, os.MkdirAll(filepath.Join(root, "notes", "2026"), 0o755))
	// A symlinked directory is never followed, even to a repo.
	outside := t.TempDir()
	commitFiles(t, filepath.Join(outside, "secret"), map[string]string{"x": "y"})
	must(t, os.MkdirAll(filepath.Join(root, "github.com", "links"), 0o755))
	must(t, os.Symlink(filepath.Join(outside, "secret"), filepath.Join(root, "github.com", "links", "secret")))

	_, err := New(uconfig.Source{Name: "m", Path: root}, nil).List(context.Background())
	want := "no git repository under " + root + " (depth 1): skipped github.com, gitlab.example, notes (not git repositories); repos lie 3 levels down: set depth: 3"
	if err == nil || err.Error() != want {
		t.Fatalf("depth 1 over a ghq layout: err = %v\nwant %s", err, want)
	}

	repos, err := New(uconfig.Source{Name: "m", Path: root, Depth: 3}, nil).List(context.Background())
	must(t, err)
	var names []string
	for _, r := range repos {
		names = append(names, r.Name)
	}
	if !equal(names, []string{"github.com/acme/pay-api", "gitlab.example/team/web"}) {
		t.Fatalf("depth 3 lists %v", names)
	}

	empty := t.TempDir()
	if _, err := New(uconfig.Source{Name: "m", Path: empty}, nil).List(context.Background()); err == nil || err.Error() != "no git repository under "+empty+" (depth 1): it holds no directory" {
		t.Fatalf("empty dir: err = %v", err)
	}

	errs := source.Validate(&uconfig.Config{File: "u.yml", Sources: []uconfig.Source{{Name: "m", Type: "local", Path: root, Depth: 9}}})
	if len(errs) != 1 || errs[0].Msg != `source "m": depth must be from 1 to 8, got 9` {
		t.Fatalf("depth 9: %v", errs)
	}
}

func TestListNamesEmptyBranchesAndCutsTheListShort(t *testing.T) {
	root := t.TempDir()
	// depth 3 over host/org folders that end early: each branch is named.
	for _, d := range []string{"github.com", "gitlab.com/org", "notes/2026/q1"} {
		must(t, os.MkdirAll(filepath.Join(root, d), 0o755))
	}
	must(t, os.WriteFile(filepath.Join(root, "gitlab.com", "org", "README"), []byte("x"), 0o644))
	_, err := New(uconfig.Source{Name: "m", Path: root, Depth: 3}, nil).List(context.Background())
	want := "no git repository under " + root + " (depth 3): skipped github.com, gitlab.com/org, notes/2026/q1 (not git repositories)"
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v\nwant %s", err, want)
	}

	many := t.TempDir()
	for _, d := range []string{"a", "b", "c", "d", "e", "f", "g"} {
		must(t, os.MkdirAll(filepath.Join(many, d), 0o755))
	}
	_, err = New(uconfig.Source{Name: "m", Path: many}, nil).List(context.Background())
	want = "no git repository under " + many + " (depth 1): skipped a, b, c, d, e and 2 more (not git repositories)"
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v\nwant %s", err, want)
	}
}

// A path pointing at a clone, not at the directory of clones, is an error
// that says so; its .git used to be listed as a bare repo named "".
func TestListOfARepoItselfIsAnError(t *testing.T) {
	root := t.TempDir()
	commitFiles(t, filepath.Join(root, "svc"), map[string]string{"go.mod": "module a\n", "sub/x": "y"})
	_, err := git.PlainClone(filepath.Join(root, "lib.git"), true, &git.CloneOptions{URL: filepath.Join(root, "svc")})
	must(t, err)
	for _, dir := range []string{filepath.Join(root, "svc"), filepath.Join(root, "lib.git")} {
		repos, err := New(uconfig.Source{Name: "m", Path: dir}, nil).List(context.Background())
		want := dir + " is itself a git repository; set path to the directory that holds it (" + root + ")"
		if err == nil || err.Error() != want {
			t.Fatalf("List(%s) = %v, %v\nwant %s", dir, repos, err, want)
		}
	}
}

func TestListNamesUnreadableDirectories(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads every directory")
	}
	root := t.TempDir()
	must(t, os.MkdirAll(filepath.Join(root, "github.com", "locked"), 0o755))
	must(t, os.Chmod(filepath.Join(root, "github.com", "locked"), 0))
	t.Cleanup(func() { _ = os.Chmod(filepath.Join(root, "github.com", "locked"), 0o755) })
	_, err := New(uconfig.Source{Name: "m", Path: root, Depth: 3}, nil).List(context.Background())
	want := "no git repository under " + root + " (depth 3): could not read github.com/locked (permission denied)"
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v\nwant %s", err, want)
	}
}

func TestUnbornHeadWithOtherRefsIsAnError(t *testing.T) {
	root := t.TempDir()
	r, _ := commitFiles(t, filepath.Join(root, "svc"), map[string]string{"go.mod": "module a\n"})
	// HEAD names a branch that was deleted; master still exists.
	must(t, r.Storer.SetReference(plumbing.NewSymbolicReference(plumbing.HEAD, "refs/heads/gone")))
	_, err := git.PlainInit(filepath.Join(root, "fresh"), false)
	must(t, err)
	s := New(uconfig.Source{Name: "m", Path: root}, nil)
	repos, err := s.List(context.Background())
	must(t, err)
	_, err = s.Head(context.Background(), repos[1])
	if err == nil || errors.Is(err, source.ErrEmpty) || err.Error() != "HEAD of svc names refs/heads/gone, which does not exist; the repo has refs/heads/master" {
		t.Fatalf("HEAD naming a missing branch: err = %v, want a repo error", err)
	}
	if _, err := s.Head(context.Background(), repos[0]); !errors.Is(err, source.ErrEmpty) {
		t.Fatalf("a repo with no refs: err = %v, want ErrEmpty", err)
	}
}

func TestABadFileNameCostsThatFileOnly(t *testing.T) {
	root := t.TempDir()
	r, _ := commitFiles(t, filepath.Join(root, "svc"), map[string]string{"go.mod": "module a\n"})
	// Write a tree git would refuse to check out, with the plumbing.
	blob := r.Storer.NewEncodedObject()
	blob.SetType(plumbing.BlobObject)
	w, _ := blob.Writer()
	_, _ = w.Write([]byte("module a\n"))
	must(t, w.Close())
	bh, err := r.Storer.SetEncodedObject(blob)
	must(t, err)
	sub := &object.Tree{Entries: []object.TreeEntry{{Name: "bad\nname", Mode: filemode.Regular, Hash: bh}, {Name: "go.mod", Mode: filemode.Regular, Hash: bh}}}
	subObj := r.Storer.NewEncodedObject()
	must(t, sub.Encode(subObj))
	sh, err := r.Storer.SetEncodedObject(subObj)
	must(t, err)
	top := &object.Tree{Entries: []object.TreeEntry{
		{Name: "..", Mode: filemode.Regular, Hash: bh},
		{Name: ".GIT", Mode: filemode.Dir, Hash: sh},
		{Name: "bad\xffutf8", Mode: filemode.Regular, Hash: bh},
		{Name: "c1\u0085", Mode: filemode.Regular, Hash: bh},
		{Name: "ctl\x01", Mode: filemode.Regular, Hash: bh},
		{Name: "go.mod", Mode: filemode.Regular, Hash: bh},
		// Listed twice, as fsck's duplicateEntries: one file, not two.
		{Name: "go.mod", Mode: filemode.Regular, Hash: bh},
		{Name: "svc", Mode: filemode.Dir, Hash: sh},
	}}
	topObj := r.Storer.NewEncodedObject()
	must(t, top.Encode(topObj))
	th, err := r.Storer.SetEncodedObject(topObj)
	must(t, err)
	commit := &object.Commit{Author: object.Signature{Name: "t", Email: "t@x", When: time.Unix(0, 0)}, Committer: object.Signature{Name: "t", Email: "t@x", When: time.Unix(0, 0)}, Message: "bad names", TreeHash: th}
	cObj := r.Storer.NewEncodedObject()
	must(t, commit.Encode(cObj))
	ch, err := r.Storer.SetEncodedObject(cObj)
	must(t, err)

	s := New(uconfig.Source{Name: "m", Path: root}, nil)
	tr, err := s.Open(context.Background(), source.Repo{Name: "svc", Ref: filepath.Join(root, "svc")}, ch.String())
	must(t, err)
	var paths []string
	for _, e := range tr.Entries() {
		paths = append(paths, e.Path)
	}
	if !equal(paths, []string{"go.mod", "svc/go.mod"}) {
		t.Fatalf("entries %q, want the well-named files only", paths)
	}
	// The rest of the repo reads as usual.
	if b, err := tr.Read(context.Background(), "svc/go.mod", 1<<20); err != nil || string(b) != "module a\n" {
		t.Fatalf("Read(svc/go.mod) = %q, %v", b, err)
	}
}

// A listed file whose object is gone is a broken clone, not a missing file.
func TestMissingObjectIsAFault(t *testing.T) {
	root := t.TempDir()
	_, _ = commitFiles(t, filepath.Join(root, "svc"), map[string]string{"go.mod": "module a\n"})
	s := New(uconfig.Source{Name: "m", Path: root}, nil)
	repos, err := s.List(context.Background())
	must(t, err)
	head, err := s.Head(context.Background(), repos[0])
	must(t, err)
	tr, err := s.Open(context.Background(), repos[0], head)
	must(t, err)
	blob := tr.Entries()[0].Blob
	must(t, os.Remove(filepath.Join(root, "svc", ".git", "objects", blob[:2], blob[2:])))
	if _, err := tr.Read(context.Background(), "go.mod", 1<<20); err == nil || errors.Is(err, os.ErrNotExist) {
		t.Errorf("Read(go.mod) with its object gone = %v, want a fault", err)
	}
	if _, err := tr.Read(context.Background(), "nope", 1<<20); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Read(nope) = %v, want fs.ErrNotExist", err)
	}
}

// TestOversizedBlobIsNeverInflated: the size check reads the object header
// only, loose or packed, so a hostile large blob costs no memory.
func TestOversizedBlobIsNeverInflated(t *testing.T) {
	root := t.TempDir()
	commitFiles(t, filepath.Join(root, "svc"), map[string]string{"big.json": strings.Repeat("0", 32<<20), "go.mod": "module a\n"})
	s := New(uconfig.Source{Name: "m", Path: root}, nil)
	repos, err := s.List(context.Background())
	must(t, err)
	head, err := s.Head(context.Background(), repos[0])
	must(t, err)
	for _, layout := range []string{"loose", "packed"} {
		if layout == "packed" {
			if out, err := exec.Command("git", "-C", filepath.Join(root, "svc"), "gc", "-q").CombinedOutput(); err != nil {
				t.Skipf("git gc: %v %s", err, out)
			}
		}
		tr, err := s.Open(context.Background(), repos[0], head)
		must(t, err)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err = tr.Read(context.Background(), "big.json", 1<<20)
		runtime.ReadMemStats(&after)
		if !errors.Is(err, source.ErrTooLarge) {
			t.Fatalf("%s: err = %v, want ErrTooLarge", layout, err)
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4<<20 {
			t.Fatalf("%s: refusing a 32 MiB blob allocated %d bytes: it was inflated", layout, alloc)
		}
		if b, err := tr.Read(context.Background(), "go.mod", 1<<20); err != nil || string(b) != "module a\n" {
			t.Fatalf("%s: go.mod: %q %v", layout, b, err)
		}
		must(t, tr.(io.Closer).Close())
	}
}
