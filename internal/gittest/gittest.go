// Package gittest writes git repos for tests with go-git, so no test
// needs a git binary.
package gittest

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// Commit commits files (path → content; an empty content deletes the
// file) to the repo at dir as authored and committed at at, and returns
// the commit's hash. A dir with no repo gets one whose default branch is
// branch (go-git's master when empty).
func Commit(t testing.TB, dir, branch string, at time.Time, files map[string]string) string {
	t.Helper()
	r, err := git.PlainOpen(dir)
	if errors.Is(err, git.ErrRepositoryNotExists) {
		opts := &git.PlainInitOptions{}
		if branch != "" {
			opts.DefaultBranch = plumbing.NewBranchReferenceName(branch)
		}
		r, err = git.PlainInitWithOptions(dir, opts)
	}
	if err != nil {
		t.Fatal(err)
	}
	wt, err := r.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	for p, content := range files {
		if content == "" {
			if _, err := wt.Remove(p); err != nil {
				t.Fatal(err)
			}
			continue
		}
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := wt.Add(p); err != nil {
			t.Fatal(err)
		}
	}
	sig := &object.Signature{Name: "t", Email: "t@example.com", When: at}
	h, err := wt.Commit("change", &git.CommitOptions{Author: sig, Committer: sig, AllowEmptyCommits: true})
	if err != nil {
		t.Fatal(err)
	}
	return h.String()
}
