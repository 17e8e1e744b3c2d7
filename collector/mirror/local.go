package mirror

import (
	"fmt"
	"path/filepath"

	"github.com/uptake-dev/uptake/collector/source/local"
	"github.com/uptake-dev/uptake/config"
)

// Local returns a copy of cfg whose remote sources are local sources over
// their mirrors under dir, keeping each live source's name: a backfill of
// the mirrors then yields the live source and repo names, so its series and
// events join the scraped ones. A remote source without a mirror is an
// error that says how to make one.
func Local(cfg *config.Config, dir string) (*config.Config, error) {
	out := *cfg
	out.Sources = make([]config.Source, len(cfg.Sources))
	for i, s := range cfg.Sources {
		if !Remote(s.Type) {
			out.Sources[i] = s
			continue
		}
		path := filepath.Join(dir, s.Name)
		m, found, err := local.ReadManifest(path)
		switch {
		case err != nil:
			return nil, fmt.Errorf("source %q: %w", s.Name, err)
		case !found:
			return nil, fmt.Errorf("source %q has no mirror in %s (no %s): run uptake mirror --dir %s first",
				s.Name, path, local.ManifestFile, dir)
		case m.Source != s.Name || m.Type != s.Type:
			return nil, fmt.Errorf("source %q: %s holds a mirror of %s source %q", s.Name, path, m.Type, m.Source)
		}
		out.Sources[i] = config.Source{Name: s.Name, Type: "local", Path: path, Line: s.Line}
	}
	return &out, nil
}
