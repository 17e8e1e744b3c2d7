package local

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"

	uconfig "github.com/uptake-dev/uptake/config"
)

// TestObjectSymlinksReadOnlyInsideTheRepo: a hostile clone whose object
// directory or object file is a symlink reads only what go-git's chroot
// allows — a link inside the git directory is followed, one leaving it is
// never — with the one-call object opens as with the chroot's.
func TestObjectSymlinksReadOnlyInsideTheRepo(t *testing.T) {
	const public, secret = "module public\n", "module TOPSECRET\n"
	blob := plumbing.ComputeHash(plumbing.BlobObject, []byte(public)).String()
	secretBlob := plumbing.ComputeHash(plumbing.BlobObject, []byte(secret)).String()
	cases := map[string]struct {
		// plant rewires the victim's object for go.mod; outside is a
		// directory beside the repo holding a planted object whose name
		// is go.mod's hash and whose content is the secret.
		plant    func(t *testing.T, gitDir, outside string)
		want     string // "" when the read must fail
		wantFail bool
	}{
		"object directory linked outside": {plant: func(t *testing.T, gitDir, outside string) {
			dir := filepath.Join(gitDir, "objects", blob[:2])
			must(t, os.RemoveAll(dir))
			must(t, os.Symlink(filepath.Join(outside, blob[:2]), dir))
		}, wantFail: true},
		"object file linked outside": {plant: func(t *testing.T, gitDir, outside string) {
			file := filepath.Join(gitDir, "objects", blob[:2], blob[2:])
			must(t, os.Remove(file))
			must(t, os.Symlink(filepath.Join(outside, blob[:2], blob[2:]), file))
		}, wantFail: true},
		"objects directory linked inside": {plant: func(t *testing.T, gitDir, _ string) {
			must(t, os.Rename(filepath.Join(gitDir, "objects"), filepath.Join(gitDir, "objects.real")))
			must(t, os.Symlink(filepath.Join(gitDir, "objects.real"), filepath.Join(gitDir, "objects")))
		}, want: public},
		"object directory linked inside": {plant: func(t *testing.T, gitDir, _ string) {
			dir := filepath.Join(gitDir, "objects", blob[:2])
			moved := filepath.Join(gitDir, "moved-"+blob[:2])
			must(t, os.Rename(dir, moved))
			must(t, os.Symlink(moved, dir))
		}, want: public},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			root := t.TempDir()
			commitFiles(t, filepath.Join(root, "repos", "svc"), map[string]string{"go.mod": public})
			// The secret's loose object, renamed to go.mod's hash.
			commitFiles(t, filepath.Join(root, "secret"), map[string]string{"go.mod": secret})
			outside := filepath.Join(root, "planted")
			must(t, os.MkdirAll(filepath.Join(outside, blob[:2]), 0o755))
			obj, err := os.ReadFile(filepath.Join(root, "secret", ".git", "objects", secretBlob[:2], secretBlob[2:]))
			must(t, err)
			must(t, os.WriteFile(filepath.Join(outside, blob[:2], blob[2:]), obj, 0o644))

			s := New(uconfig.Source{Name: "m", Path: filepath.Join(root, "repos")}, nil)
			repos, err := s.List(context.Background())
			must(t, err)
			head, err := s.Head(context.Background(), repos[0])
			must(t, err)
			c.plant(t, filepath.Join(root, "repos", "svc", ".git"), outside)
			tr, err := s.Open(context.Background(), repos[0], head)
			must(t, err)
			got, err := tr.Read(context.Background(), "go.mod", 1<<20)
			if strings.Contains(string(got), "TOPSECRET") {
				t.Fatalf("read the planted object outside the repo: %q", got)
			}
			if c.wantFail {
				if err == nil {
					t.Fatalf("Read = %q, want an error", got)
				}
				return
			}
			if err != nil || string(got) != c.want {
				t.Fatalf("Read = %q, %v; want %q", got, err, c.want)
			}
		})
	}
}
