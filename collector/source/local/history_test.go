package local

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/uptake-dev/uptake/collector/source"
	uconfig "github.com/uptake-dev/uptake/config"
)

// day is 2026-01-01 plus n days.
func day(n int) time.Time { return time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC).AddDate(0, 0, n) }

// commitAt writes go.mod with content and commits it at when, with the
// given extra parents (a merge).
func commitAt(t *testing.T, r *git.Repository, dir, content string, when time.Time, parents ...plumbing.Hash) plumbing.Hash {
	t.Helper()
	wt, err := r.Worktree()
	must(t, err)
	must(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte(content), 0o644))
	_, err = wt.Add("go.mod")
	must(t, err)
	sig := &object.Signature{Name: "t", Email: "t@x", When: when}
	h, err := wt.Commit(content, &git.CommitOptions{Author: sig, Committer: sig, Parents: parents})
	must(t, err)
	return h
}

func TestHistoryLogsFirstParentsAndOpensOldTrees(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "svc")
	r, err := git.PlainInit(dir, false)
	must(t, err)
	c0 := commitAt(t, r, dir, "module v0\n", day(0))
	c1 := commitAt(t, r, dir, "module v1\n", day(10))
	// A side branch's commit, merged at day 30: the log shows the merge,
	// not the side commit.
	side := commitAt(t, r, dir, "module side\n", day(20), c1)
	must(t, r.Storer.SetReference(plumbing.NewHashReference(plumbing.Master, c1)))
	wt, _ := r.Worktree()
	must(t, wt.Checkout(&git.CheckoutOptions{Branch: plumbing.Master, Force: true}))
	merge := commitAt(t, r, dir, "module merged\n", day(30), c1, side)

	src := New(uconfig.Source{Name: "local", Path: root}, nil)
	repos, err := src.List(context.Background())
	must(t, err)
	head, err := src.Head(context.Background(), repos[0])
	must(t, err)
	if head != merge.String() {
		t.Fatalf("HEAD %s, want the merge %s", head, merge)
	}
	h, err := src.History(context.Background(), repos[0])
	must(t, err)
	defer h.Close()

	log, complete, err := h.Log(context.Background(), head, day(5))
	must(t, err)
	var got []string
	for _, c := range log {
		got = append(got, c.Hash)
	}
	want := []string{merge.String(), c1.String(), c0.String()}
	if !complete || len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("log since day 5: %v (complete %v), want %v", got, complete, want)
	}
	if !log[1].Time.Equal(day(10)) {
		t.Errorf("commit time %v, want %v", log[1].Time, day(10))
	}
	// The walk stops at the first commit at or before since.
	if log, _, _ := h.Log(context.Background(), head, day(15)); len(log) != 2 {
		t.Errorf("log since day 15 has %d commits, want 2", len(log))
	}

	for commit, content := range map[plumbing.Hash]string{c0: "module v0\n", merge: "module merged\n"} {
		tree, err := h.Open(context.Background(), commit.String())
		must(t, err)
		data, err := tree.Read(context.Background(), "go.mod", 0)
		must(t, err)
		if string(data) != content {
			t.Errorf("go.mod at %s: %q, want %q", commit, data, content)
		}
		// A History's tree shares its pack files: closing it closes nothing.
		if c, ok := tree.(io.Closer); ok {
			must(t, c.Close())
		}
	}
	if _, err := h.Open(context.Background(), c1.String()); err != nil {
		t.Errorf("opening a tree after closing another: %v", err)
	}
}

func TestHistoryOfAShallowCloneIsIncomplete(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	root := t.TempDir()
	origin := filepath.Join(root, "origin")
	r, err := git.PlainInit(origin, false)
	must(t, err)
	for i := range 3 {
		commitAt(t, r, origin, "module v"+string(rune('0'+i))+"\n", day(10*i))
	}
	clones := filepath.Join(root, "clones")
	must(t, os.MkdirAll(clones, 0o755))
	cmd := exec.Command("git", "clone", "-q", "--depth", "2", "file://"+origin, filepath.Join(clones, "svc"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git clone --depth 2: %v\n%s", err, out)
	}
	src := New(uconfig.Source{Name: "local", Path: clones}, nil)
	repo := source.Repo{Source: "local", Name: "svc", Ref: filepath.Join(clones, "svc")}
	head, err := src.Head(context.Background(), repo)
	must(t, err)
	h, err := src.History(context.Background(), repo)
	must(t, err)
	defer h.Close()
	log, complete, err := h.Log(context.Background(), head, day(-1))
	must(t, err)
	if complete || len(log) != 2 {
		t.Errorf("shallow log: %d commits, complete %v; want 2, incomplete", len(log), complete)
	}
	// A range the clone covers is complete.
	if _, complete, _ := h.Log(context.Background(), head, day(15)); !complete {
		t.Error("a log within the clone's depth is incomplete")
	}
}
