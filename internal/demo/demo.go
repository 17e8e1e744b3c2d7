// Package demo generates a sample organisation of real git repositories and
// the uptake configuration that measures it, for `make demo` and for tests
// that need a whole org to scan.
//
// The output is deterministic: every commit has a fixed author and a date
// counted from a reference time, so the same code and time always yield the
// same commit ids and the same bytes on disk, and a golden /metrics file can
// be built on a scan of it.
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

// Generate writes repos/ and uptake.yml under dir, their history the year
// before Reference. Existing output is an error unless force is set, in
// which case it is replaced.
func Generate(dir string, force bool) (*Result, error) { return GenerateAt(dir, force, Reference) }

// GenerateAt is Generate with the history the year before now: the same
// trees at HEAD, other commit ids.
func GenerateAt(dir string, force bool, now time.Time) (*Result, error) {
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

	// The year's first day, so that the last commit is a day or more old.
	start := now.UTC().Truncate(24*time.Hour).AddDate(0, 0, -yearDays-1)
	repos := org()
	res := &Result{Config: configPath, Repos: make([]Repo, len(repos)), Broken: []string{filepath.Join(reposDir, brokenRepo)}}
	// Writing is file-system bound: a few writers overlap its latency.
	var g errgroup.Group
	g.SetLimit(4)
	for i, r := range repos {
		g.Go(func() error {
			head, err := writeRepo(reposDir, r, start)
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
	// bump, when set, is an upgrade: files is its tree, and the commits
	// before it had bump.before in place of the same paths.
	bump *bump
	// drop, when set, is a later commit dropping an offering: the commits
	// before it had drop.before in place of the same paths.
	drop *bump
	// dirty are a working clone's uncommitted changes: edits, untracked
	// files, and deletions (nil data).
	dirty []file
	// idleYears dates the repo's history that many years earlier: a repo
	// nobody has committed to since, idle in the demo's campaign.
	idleYears int
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
	// day is the commit's day in the scripted year (see schedule).
	day int
}

// history is the commits from the first to HEAD: the README, initial
// ignore rules and owners; then the project, which adopts the offerings it
// uses (at the versions before its upgrade, and with the offering it drops
// later); then the upgrade and the drop, where the repo has them.
func (r *repo) history() []commit {
	head := r.head()
	var initial []file
	for _, f := range head {
		if f.path == "README.md" || f.path == ".gitignore" || strings.HasSuffix(f.path, "CODEOWNERS") {
			initial = append(initial, f)
		}
	}
	days := r.schedule()
	out := []commit{{"Initial commit", initial, days[0]}}
	var changes []*bump
	for _, c := range []*bump{r.bump, r.drop} {
		if c != nil {
			changes = append(changes, c)
		}
	}
	// tree is HEAD's with the before-files of changes[from:] in place.
	tree := func(from int) []file {
		before := map[string]file{}
		for _, c := range changes[from:] {
			for _, f := range c.before {
				if _, set := before[f.path]; !set {
					before[f.path] = f
				}
			}
		}
		out := make([]file, len(head))
		for i, f := range head {
			if b, ok := before[f.path]; ok {
				f = b
			}
			out[i] = f
		}
		return out
	}
	out = append(out, commit{"Add build, CI and deployment configuration", tree(0), days[1]})
	for i, c := range changes {
		out = append(out, commit{c.message, tree(i + 1), days[2+i]})
	}
	return out
}

// yearDays is the scripted year's length: every commit falls within the
// year before the generation's reference time.
const yearDays = 364

// schedule is the day in the year of each commit of the repo: created in
// the first four weeks, its project (and so its adoptions) within the next
// 200 days, then its upgrade and its drop a few weeks apart. It comes from
// the repo's name, not its place in the org, so adding a repo moves no
// other's commits.
func (r *repo) schedule() []int {
	n := r.hash()
	created := int(n % 28)
	second := created + 14 + int(n/7%200)
	third := second + 14 + int(n/11%40)
	return []int{created, second, third, third + 14 + int(n/13%40)}
}

func (r *repo) hash() uint32 {
	h := fnv.New32a()
	h.Write([]byte(r.name))
	return h.Sum32()
}

// Reference is the time Generate dates the scripted year back from, fixed so
// that tests get the same commit ids on every run; `uptake-demo` uses now,
// so that a backfill of the demo shows the last year.
var Reference = time.Date(2026, time.March, 2, 0, 0, 0, 0, time.UTC)

// signature dates commit i of the repo, the year starting at start: on its
// day, in working hours (the minute from the repo's name), an hour later
// for each commit before it on the same day.
func (r *repo) signature(start time.Time, c commit, i int) object.Signature {
	n := r.hash()
	at := start.AddDate(-r.idleYears, 0, c.day).Add(9*time.Hour + 30*time.Minute + time.Duration(n/150%480)*time.Minute + time.Duration(i)*time.Hour)
	return object.Signature{Name: r.author.name, Email: r.author.email, When: at.In(time.FixedZone("", 3600))}
}
