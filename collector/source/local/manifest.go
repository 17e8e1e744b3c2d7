package local

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/uptake-dev/uptake/collector/source"
)

// ManifestFile names the listing `uptake mirror` writes beside the mirrors
// of one remote source. A local source whose path holds one lists the repos
// it names, with the remote names, topics, namespaces and host teams, so a
// scan or backfill of the mirrors attributes repos as the live source does.
const ManifestFile = "uptake-mirror.json"

// manifestVersion is bumped when a reader of an older one would misread it.
const manifestVersion = 1

// Manifest is the remote source's listing as its last mirror run saw it.
type Manifest struct {
	Version int `json:"version"`
	// Source and Type are the live source's name and type.
	Source string `json:"source"`
	Type   string `json:"type"`
	// Updated is when the run that wrote it ended.
	Updated time.Time `json:"updated"`
	// Repos are the listed repos that have a mirror; each lies at
	// MirrorPath(dir, Name).
	Repos []source.Repo `json:"repos"`
}

// MirrorPath is where the bare mirror of the repo named name lies below dir.
// It refuses a name that would leave dir: a listing is input from the host.
func MirrorPath(dir, name string) (string, error) {
	if name == "" || strings.ContainsAny(name, "\\\x00") || !filepath.IsLocal(name) || filepath.Clean(name) != name {
		return "", fmt.Errorf("repo name %q cannot be a path below the mirror directory", name)
	}
	for _, seg := range strings.Split(name, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return "", fmt.Errorf("repo name %q cannot be a path below the mirror directory", name)
		}
	}
	return filepath.Join(dir, filepath.FromSlash(name)+".git"), nil
}

// ReadManifest reads dir's manifest; found is false when dir has none.
func ReadManifest(dir string) (m Manifest, found bool, err error) {
	b, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if errors.Is(err, os.ErrNotExist) {
		return m, false, nil
	}
	if err != nil {
		return m, true, err
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, true, fmt.Errorf("%s: %w", filepath.Join(dir, ManifestFile), err)
	}
	if m.Version != manifestVersion {
		return m, true, fmt.Errorf("%s: version %d, this uptake reads version %d (run uptake mirror again)",
			filepath.Join(dir, ManifestFile), m.Version, manifestVersion)
	}
	return m, true, nil
}

// WriteManifest replaces dir's manifest atomically: a reader sees the old
// listing or the new one, never half of one.
func WriteManifest(dir string, m Manifest) error {
	m.Version = manifestVersion
	for i := range m.Repos {
		m.Repos[i].Head, m.Repos[i].Ref = "", ""
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ManifestFile+".*")
	if err != nil {
		return err
	}
	defer func() { _ = os.Remove(f.Name()) }()
	// Readable as the mirrors are, by a backfill run as another user.
	if err := f.Chmod(0o644); err != nil {
		_ = f.Close()
		return err
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), filepath.Join(dir, ManifestFile))
}

// listManifest lists the repos of a mirror directory's manifest that are
// there, under the local source's name; one missing or not a repository is
// skipped and said, as a broken clone is.
func (s *Source) listManifest(m Manifest) ([]source.Repo, error) {
	var repos []source.Repo
	for _, r := range m.Repos {
		p, err := MirrorPath(s.dir, r.Name)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Join(s.dir, ManifestFile), err)
		}
		if !isRepo(p) {
			s.log.Warn("a repo the mirror manifest lists has no mirror; run uptake mirror again",
				zap.String("repo", r.Name), zap.String("path", p))
			continue
		}
		r.Source, r.Ref, r.Head, r.CloneURL = s.name, p, "", ""
		repos = append(repos, r)
	}
	if len(repos) == 0 {
		return nil, fmt.Errorf("the mirror manifest in %s lists no repo that has a mirror (source %q, updated %s)",
			s.dir, m.Source, m.Updated.Format(time.RFC3339))
	}
	return repos, nil
}
