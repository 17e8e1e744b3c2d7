package inventory

import (
	"strings"
)

// HarvestReader is the reader name harvest mode's file failures are counted
// under.
const HarvestReader = "harvest"

// Harvest mode's bounds on what one repo's inventory keeps of its
// CI, build and container files: the cache holds them per commit, and the
// last scan's inventories stay in memory for re-evaluation.
const (
	maxHarvestFiles = 32
	maxHarvestBytes = 16 << 10
)

// harvestPatterns are the files teams copy from one another, by the kind a
// cluster reports: CI configs, workflows, Jenkinsfiles, Dockerfiles,
// Makefiles and compose files.
var harvestPatterns = []struct{ kind, glob string }{
	{"gitlab_ci", ".gitlab-ci.yml"},
	{"github_workflow", ".github/workflows/*.{yml,yaml}"},
	{"jenkinsfile", "**/Jenkinsfile"},
	{"dockerfile", "**/{Dockerfile,Dockerfile.*,*.Dockerfile,*.dockerfile}"},
	{"makefile", "**/{Makefile,GNUmakefile,makefile}"},
	{"compose", "**/{docker-compose,compose}{,.*}.{yml,yaml}"},
}

// HarvestFile is one of a repo's CI, build or container files as harvest
// mode compares it: normalised (comments and blank lines dropped, runs of
// whitespace one space), bounded to maxHarvestBytes.
type HarvestFile struct {
	Path string `json:"path"`
	// Kind is gitlab_ci, github_workflow, jenkinsfile, dockerfile,
	// makefile or compose.
	Kind string `json:"kind"`
	// Blob is the file's blob id where the source gives one.
	Blob string `json:"blob,omitempty"`
	// URL links to the file on the repo's host.
	URL   string   `json:"url,omitempty"`
	Lines []string `json:"lines"`
	// Truncated says the file was longer than what is kept.
	Truncated bool `json:"truncated,omitempty"`
}

// harvestPaths are the tree's harvest files with their kind, the first
// maxHarvestFiles by path.
func harvestPaths(files *treeFiles) (paths, kinds []string) {
	seen := map[string]bool{}
	for _, hp := range harvestPatterns {
		for _, p := range files.Glob(hp.glob) {
			if !seen[p] && len(paths) < maxHarvestFiles {
				seen[p] = true
				paths, kinds = append(paths, p), append(kinds, hp.kind)
			}
		}
	}
	return paths, kinds
}

// readHarvestFiles reads and normalises the tree's harvest files. Most are
// read by a detector already (reads are memoised per tree); Makefiles and
// compose files are what harvest mode adds.
func readHarvestFiles(files *treeFiles) []HarvestFile {
	paths, kinds := harvestPaths(files)
	var out []HarvestFile
	for i, p := range paths {
		data, err := files.Read(p)
		if err != nil {
			files.fail(HarvestReader, err)
			continue
		}
		blob, _ := files.blob(p)
		lines, truncated := NormaliseLines(kinds[i], string(data))
		out = append(out, HarvestFile{Path: p, Kind: kinds[i], Blob: blob, URL: files.tree.FileURL(p, 1), Lines: lines, Truncated: truncated})
	}
	return out
}

// NormaliseLines is a file's content as harvest compares it: comment lines
// and trailing comments dropped (# for YAML, Dockerfiles and Makefiles, //
// and /* */ lines for Jenkinsfiles), whitespace runs made one space, blank
// lines dropped; at most maxHarvestBytes kept. A # or // not preceded by
// whitespace (a URL, a fragment) is content.
func NormaliseLines(kind, content string) (lines []string, truncated bool) {
	size := 0
	for _, line := range strings.Split(content, "\n") {
		line = strings.Join(strings.Fields(line), " ")
		if kind == "jenkinsfile" {
			line = cutComment(line, "//")
			if strings.HasPrefix(line, "/*") || strings.HasPrefix(line, "*") {
				continue
			}
		} else {
			line = cutComment(line, "#")
		}
		if line == "" {
			continue
		}
		if size+len(line) > maxHarvestBytes {
			return lines, true
		}
		size += len(line) + 1
		lines = append(lines, line)
	}
	return lines, false
}

// cutComment drops a comment starting the line or after a space.
func cutComment(line, marker string) string {
	if strings.HasPrefix(line, marker) {
		return ""
	}
	if i := strings.Index(line, " "+marker); i >= 0 {
		return line[:i]
	}
	return line
}
