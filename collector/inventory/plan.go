package inventory

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime/debug"
	"sort"
	"strings"

	"github.com/prometheus/common/version"

	"github.com/uptake-dev/uptake/collector/detect"
	"github.com/uptake-dev/uptake/collector/source"
	"github.com/uptake-dev/uptake/config"
)

// inventoryVersion is part of the plan hash: bump it when a detector's
// output changes for the same files, so cached inventories are rebuilt.
// 6: a scan keeps its HEAD commit's time; an entry written before has
// none, and an unchanged repo (an idle one above all) would never get it.
const inventoryVersion = "6"

// CodeownersReader is the reader name CODEOWNERS failures are counted under.
const CodeownersReader = "codeowners"

// Plan is what a scan reads and how, compiled once from the catalog: the
// detectors some rule uses, the raw-file probes, excludes and the size
// limit. Which files it reads is decided from paths alone, before any
// content is fetched, plus the includes a detector follows.
type Plan struct {
	detectors []detect.Detector
	probes    []detect.Probe
	excluders []func(string) bool
	maxBytes  int64
	units     bool
	harvest   bool
	hash      string
}

// NewPlan compiles a plan for the detector kinds and probes in use.
func NewPlan(kinds []string, probes []detect.Probe, scan config.Scan) (*Plan, error) {
	return newPlan(kinds, probes, scan, false)
}

// NewHarvestPlan is NewPlan in harvest mode: the inventory also keeps the
// repo's CI, build and container files, normalised (HarvestFile).
func NewHarvestPlan(kinds []string, probes []detect.Probe, scan config.Scan) (*Plan, error) {
	return newPlan(kinds, probes, scan, true)
}

func newPlan(kinds []string, probes []detect.Probe, scan config.Scan, harvest bool) (*Plan, error) {
	p := &Plan{probes: probes, maxBytes: scan.MaxFileBytes, harvest: harvest}
	h := sha256.New()
	fmt.Fprintf(h, "inventory=%s\nbuild=%s\n", inventoryVersion, buildID())
	fmt.Fprintf(h, "kinds=%s\n", strings.Join(kinds, ","))
	for _, k := range kinds {
		d, ok := detect.Get(k)
		if !ok {
			return nil, fmt.Errorf("detector kind %q is not registered", k)
		}
		if extra := widenedPaths(scan)[k]; len(extra) > 0 {
			w, ok := d.(detect.Widener)
			if !ok {
				return nil, fmt.Errorf("detector kind %q reads no other paths", k)
			}
			d = w.WithPaths(extra)
			// Other paths are other files read: cached inventories of
			// the old set lack what the new one finds.
			sorted := append([]string(nil), extra...)
			sort.Strings(sorted)
			fmt.Fprintf(h, "paths.%s=%s\n", k, strings.Join(sorted, ","))
		}
		p.detectors = append(p.detectors, d)
	}
	exclude := append([]string(nil), scan.Exclude...)
	sort.Strings(exclude)
	for _, g := range scan.Exclude {
		p.excluders = append(p.excluders, compileGlob(g))
	}
	for _, pr := range probes {
		fmt.Fprintf(h, "probe=%s\n", pr.Key())
	}
	fmt.Fprintf(h, "exclude=%s\nmax=%d\n", strings.Join(exclude, ","), scan.MaxFileBytes)
	if scan.Units == config.UnitsProject {
		// Units read their catalog-info files and CODEOWNERS rules.
		p.units = true
		fmt.Fprintf(h, "units=%s\n", scan.Units)
	}
	if harvest {
		// Harvest files are kept in the inventory: one read without
		// them lacks what the clusters compare.
		fmt.Fprintf(h, "harvest=%d,%d\n", maxHarvestFiles, maxHarvestBytes)
	}
	p.hash = hex.EncodeToString(h.Sum(nil))[:16]
	return p, nil
}

// widenedPaths are the catalog's globs that widen a detector's Patterns,
// by kind.
func widenedPaths(scan config.Scan) map[string][]string {
	return map[string][]string{"container_image": scan.ContainerImagePaths}
}

// Hash identifies the plan: equal hashes mean a cached inventory is still
// valid for the same commit. It covers the detectors' code (the build), so
// an upgrade reads repos again with the new detectors.
func (p *Plan) Hash() string { return p.hash }

// Kinds are the detector kinds the plan runs, sorted.
func (p *Plan) Kinds() []string {
	out := make([]string, len(p.detectors))
	for i, d := range p.detectors {
		out[i] = d.Kind()
	}
	return out
}

// Reads names what the plan reads files for: its detector kinds and its
// probes, sorted. An inventory read by a plan whose Reads include another's
// holds everything that other plan would find.
func (p *Plan) Reads() []string {
	out := p.Kinds()
	for _, pr := range p.probes {
		out = append(out, "probe "+pr.Key())
	}
	sort.Strings(out)
	return out
}

// Readers names everything that may count a file error: the detectors in
// use, the probe kinds that read content, and the CODEOWNERS and
// catalog-info readers.
func (p *Plan) Readers() []string {
	set := map[string]bool{CodeownersReader: true, BackstageReader: true}
	if p.harvest {
		set[HarvestReader] = true
	}
	for _, k := range p.Kinds() {
		set[k] = true
	}
	for _, pr := range p.probes {
		if pr.NeedsContent() {
			set[pr.Kind()] = true
		}
	}
	out := make([]string, 0, len(set))
	for r := range set {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}

// buildID identifies the binary's code: the release version when linked
// in, else what the Go toolchain recorded (module version, VCS revision).
func buildID() string {
	id := version.Version + " " + version.Revision
	if bi, ok := debug.ReadBuildInfo(); ok {
		id += " " + bi.Main.Version
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" || s.Key == "vcs.modified" {
				id += " " + s.Value
			}
		}
	}
	return id
}

// FileFailure is a file a reader skipped: unreadable, binary, over the size
// limit, or not parseable.
type FileFailure struct {
	Path string
	// Reader is the detector kind, probe kind or built-in reader that
	// could not use the file.
	Reader string
	Err    error
}

// Read builds the inventory of one tree: languages from its paths, each
// detector over the files its patterns match (and the includes it
// follows), each probe, the root owners from CODEOWNERS and the owner
// catalog-info.yaml declares. Components
// get their evidence URL and are sorted and deduplicated. It fails when
// the tree is over source.MaxTreeEntries, when ctx ends, and with a
// *TransportError when a listed file could not be read (anything but "not
// in the tree" or "too large"); a file that was read and cannot be used
// (binary, unparseable) is a FileFailure and the rest still count.
func (p *Plan) Read(ctx context.Context, tree source.Tree) (Inventory, []FileFailure, error) {
	return p.ReadWith(ctx, tree, nil)
}

// ReadWith is Read reusing memo's findings of the same repo at another
// commit where a reader would see the same files (see Memo); a nil memo
// reads everything. After a read that succeeds, memo holds this tree's.
// The findings equal Read's, but for a repo whose reads hit the per-repo
// bound: a reused detector's reads do not count against it.
func (p *Plan) ReadWith(ctx context.Context, tree source.Tree, memo *Memo) (Inventory, []FileFailure, error) {
	if n := len(tree.Entries()); n > source.MaxTreeEntries {
		return Inventory{}, nil, fmt.Errorf("tree has %d files, more than the %d a scan reads", n, source.MaxTreeEntries)
	}
	files := newTreeFiles(ctx, tree, p.excluders, p.maxBytes)
	if pf, ok := tree.(source.Prefetcher); ok {
		pf.Prefetch(ctx, p.planned(files), p.maxBytes)
	}
	mr := memo.begin(files)
	inv := Inventory{Languages: mr.languages(files.paths)}
	comps := make([]detect.Component, 0, mr.components())
	for _, d := range p.detectors {
		f := mr.reader("detector "+d.Kind(), files, func(v detect.Files) found {
			comps, errs := runDetector(d, detect.Scope(d, v))
			return found{comps: comps, errs: errs}
		})
		comps = append(comps, f.comps...)
		for _, err := range f.errs {
			files.fail(d.Kind(), err)
		}
	}
	for _, pr := range p.probes {
		comps = runProbe(comps, pr, files, mr)
	}
	// Owners, the catalog file and units are read each time: a file or
	// two, and what attribution reads.
	var codeownersData []byte
	inv.Owners, inv.OwnersAt, codeownersData = readOwners(files)
	inv.CatalogOwner = readCatalogOwner(files)
	if p.units {
		inv.Units = readUnits(files, codeownersData)
	}
	if p.harvest {
		inv.Files = readHarvestFiles(files)
	}
	for i := range comps {
		comps[i].URL = tree.FileURL(comps[i].Path, comps[i].Line)
	}
	sortComponents(comps)
	inv.Components = dedupe(comps)
	inv.FilesRead = files.reads
	failures := make([]FileFailure, 0, len(files.failed))
	for _, f := range files.failed {
		failures = append(failures, f)
	}
	sort.Slice(failures, func(i, j int) bool { return failures[i].Path < failures[j].Path })
	inv.FileErrors = len(failures)
	inv.FileErrorList = listFailures(failures)
	for _, f := range failures {
		if inv.ReaderErrors == nil {
			inv.ReaderErrors = map[string]int{}
		}
		inv.ReaderErrors[f.Reader]++
	}
	if err := ctx.Err(); err != nil {
		return Inventory{}, nil, err
	}
	if files.broken != nil {
		return Inventory{}, nil, files.broken
	}
	mr.commit(inv)
	return inv, failures, nil
}

// planned is every path the plan reads in this tree, from paths alone:
// the detectors' and content probes' globs, the CODEOWNERS and catalog-info
// candidates,
// at most maxReadsPerRepo. Includes a detector follows are not known yet.
func (p *Plan) planned(files *treeFiles) []string {
	seen := map[string]bool{}
	var out []string
	add := func(paths ...string) {
		for _, path := range paths {
			if !seen[path] && len(out) < maxReadsPerRepo {
				seen[path] = true
				out = append(out, path)
			}
		}
	}
	for _, d := range p.detectors {
		for _, pattern := range d.Patterns() {
			add(files.Glob(pattern)...)
		}
	}
	for _, pr := range p.probes {
		if pr.NeedsContent() {
			for _, pattern := range pr.Patterns() {
				add(files.Glob(pattern)...)
			}
		}
	}
	for _, path := range append(CodeownersPaths, CatalogInfoPaths...) {
		if files.has(path) {
			add(path)
		}
	}
	if p.units {
		for _, base := range CatalogInfoPaths {
			add(files.Glob("**/" + base)...)
		}
	}
	if p.harvest {
		paths, _ := harvestPaths(files)
		add(paths...)
	}
	return out
}

// runProbe appends the probe's findings to out.
func runProbe(out []detect.Component, pr detect.Probe, files *treeFiles, mr *memoRead) []detect.Component {
	for _, pattern := range pr.Patterns() {
		for _, path := range files.Glob(pattern) {
			if !pr.NeedsContent() {
				out = append(out, pr.Scan(path, nil)...)
				continue
			}
			blob, _ := files.blob(path)
			r := mr.probe(pr.Key(), path, blob, func() probeResult {
				data, err := files.Read(path)
				if err != nil {
					return probeResult{err: err}
				}
				return probeResult{comps: pr.Scan(path, data)}
			})
			if r.err != nil {
				files.fail(pr.Kind(), r.err)
				continue
			}
			out = append(out, r.comps...)
		}
	}
	return out
}

// readOwners reads the first CODEOWNERS file GitHub or GitLab would use:
// its root owners, and the file for the units' rules.
func readOwners(files *treeFiles) (owners []string, at string, data []byte) {
	for _, path := range CodeownersPaths {
		if !files.has(path) {
			continue
		}
		data, err := files.Read(path)
		if err != nil {
			files.fail(CodeownersReader, err)
			return nil, "", nil
		}
		owners, line := RootOwnersAt(data)
		if line > 0 {
			at = fmt.Sprintf("%s:%d", path, line)
		}
		return owners, at, data
	}
	return nil, "", nil
}

var errPanicked = errors.New("detector panicked")

// runDetector isolates a detector: hostile input that makes a parser panic
// costs that detector's findings in this repo, not the scan.
func runDetector(d detect.Detector, files detect.Files) (comps []detect.Component, errs []error) {
	defer func() {
		if p := recover(); p != nil {
			comps, errs = nil, []error{&detect.FileError{Path: "(" + d.Kind() + ")", Err: fmt.Errorf("%w: %v", errPanicked, p)}}
		}
	}()
	return d.Detect(files)
}

func sortComponents(comps []detect.Component) {
	sort.SliceStable(comps, func(i, j int) bool {
		a, b := comps[i], comps[j]
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.Version < b.Version
	})
}

func dedupe(comps []detect.Component) []detect.Component {
	out := comps[:0]
	for i, c := range comps {
		if i > 0 {
			p := comps[i-1]
			if p.Kind == c.Kind && p.Name == c.Name && p.Path == c.Path && p.Line == c.Line && p.Version == c.Version {
				continue
			}
		}
		out = append(out, c)
	}
	return out
}
