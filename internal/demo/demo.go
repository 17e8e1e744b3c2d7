// Package demo generates a sample organisation of real git repositories and
// the uptake configuration that measures it, for `make demo` and for tests
// that need a whole org to scan.
//
// The output is deterministic: every commit has a fixed author and date, so
// the same code always yields the same commit ids and the same bytes on disk,
// and a golden /metrics file can be built on a scan of it.
package demo

import (
	_ "embed"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"golang.org/x/sync/errgroup"
)

// ConfigFile and ReposDir are the names Generate writes below its directory.
const (
	ConfigFile = "uptake.yml"
	ReposDir   = "repos"
)

// configYAML is the uptake configuration for the generated org; its source path
// is relative to the file.
//
//go:embed uptake.yml
var configYAML []byte

// Repo is one generated repository.
type Repo struct {
	// Name is the repository's name, as a local source lists it.
	Name string
	// Path is the repository's directory.
	Path string
	// Bare is true for a bare mirror (name.git), false for a working clone.
	Bare bool
	// Head is the HEAD commit id; empty for a repository without commits.
	Head string
}

// Result is what Generate wrote.
type Result struct {
	Config string
	Repos  []Repo
	// Broken are the directories under repos/ that look like repositories
	// but cannot be read.
	Broken []string
}

// ErrExists is returned when the output is already there and force is off.
var ErrExists = errors.New("demo output already exists")

// Generate writes repos/ and uptake.yml under dir. Existing output is an
// error unless force is set, in which case it is replaced.
func Generate(dir string, force bool) (*Result, error) {
	reposDir := filepath.Join(dir, ReposDir)
	configPath := filepath.Join(dir, ConfigFile)
	for _, p := range []string{reposDir, configPath} {
		_, err := os.Lstat(p)
		switch {
		case err == nil && !force:
			return nil, fmt.Errorf("%w: %s (use force to regenerate)", ErrExists, p)
		case err != nil && !errors.Is(err, os.ErrNotExist):
			return nil, err
		}
	}
	if err := os.RemoveAll(reposDir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(reposDir, 0o755); err != nil {
		return nil, err
	}

	repos := org()
	res := &Result{Config: configPath, Repos: make([]Repo, len(repos)), Broken: []string{filepath.Join(reposDir, brokenRepo)}}
	// Writing is file-system bound: a few writers overlap its latency.
	var g errgroup.Group
	g.SetLimit(4)
	for i, r := range repos {
		g.Go(func() error {
			head, err := writeRepo(reposDir, r)
			if err != nil {
				return fmt.Errorf("repo %s: %w", r.name, err)
			}
			res.Repos[i] = Repo{Name: r.name, Path: filepath.Join(reposDir, r.dirName()), Bare: r.mirror, Head: head}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	if err := writeCorrupt(reposDir, brokenRepo); err != nil {
		return nil, err
	}
	if err := writeFile(configPath, configYAML, 0o644); err != nil {
		return nil, err
	}
	return res, nil
}

// brokenRepo is the working clone whose .git is corrupt.
const brokenRepo = "billing-legacy"

// file is one entry of a commit's tree.
type file struct {
	path string
	data []byte
	// mode is filemode.Regular when zero.
	mode filemode.FileMode
}

func (f file) fileMode() filemode.FileMode {
	if f.mode == 0 {
		return filemode.Regular
	}
	return f.mode
}

// person authors a team's commits; forge is the host of the team's repos.
type person struct {
	name, email, forge string
}

// repo describes one repository of the org.
type repo struct {
	name string
	// about is the README's first paragraph.
	about string
	// mirror makes a bare mirror clone (name.git) instead of a working clone.
	mirror bool
	author person
	// files is the tree at HEAD, README.md aside; none makes an empty repository.
	files []file
	// bump, when set, is a third commit: files is its tree, and the second
	// commit had bump.before in place of the same paths.
	bump *bump
	// dirty are a working clone's uncommitted changes: edits, untracked
	// files, and deletions (nil data).
	dirty []file
}

type bump struct {
	message string
	before  []file
}

func (r *repo) dirName() string {
	if r.mirror {
		return r.name + ".git"
	}
	return r.name
}

// head is the tree at HEAD: the README and the repo's files.
func (r *repo) head() []file {
	readme := text("README.md", fmt.Sprintf("# %s\n\n%s\n\n## Development\n\nSee CONTRIBUTING in acme/handbook. Run `make test` before opening a merge request.\n", r.name, r.about))
	return append([]file{readme}, r.files...)
}

type commit struct {
	message string
	files   []file
}

// history is the commits from the first to HEAD: the README, initial
// ignore rules and owners, then the project, then the bump if any.
func (r *repo) history() []commit {
	head := r.head()
	var initial []file
	for _, f := range head {
		if f.path == "README.md" || f.path == ".gitignore" || strings.HasSuffix(f.path, "CODEOWNERS") {
			initial = append(initial, f)
		}
	}
	out := []commit{{"Initial commit", initial}}
	if r.bump == nil {
		return append(out, commit{"Add build, CI and deployment configuration", head})
	}
	before := map[string]file{}
	for _, f := range r.bump.before {
		before[f.path] = f
	}
	second := make([]file, len(head))
	for i, f := range head {
		if b, ok := before[f.path]; ok {
			f = b
		}
		second[i] = f
	}
	return append(out,
		commit{"Add build, CI and deployment configuration", second},
		commit{r.bump.message, head})
}

// epoch is the date of the org's first commit.
var epoch = time.Date(2025, time.March, 3, 9, 30, 0, 0, time.FixedZone("", 3600))

// signature dates commit i of the repo: in working hours, two days apart.
// The start comes from the repo's name, not its place in the org, so adding
// a repo changes no other's ids.
func (r *repo) signature(i int) object.Signature {
	h := fnv.New32a()
	h.Write([]byte(r.name))
	n := h.Sum32()
	start := epoch.AddDate(0, 0, int(n%150)).Add(time.Duration(n/150%480) * time.Minute)
	return object.Signature{
		Name:  r.author.name,
		Email: r.author.email,
		When:  start.AddDate(0, 0, 2*i).Add(time.Duration(i) * 47 * time.Minute),
	}
}
