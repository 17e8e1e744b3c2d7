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

// harvestPaths are the tree's harvest files with their kind, at most
// maxHarvestFiles: the kinds take turns, each its files by path, so that a
// repo of many Dockerfiles keeps its Makefile and compose file too.
func harvestPaths(files *treeFiles) (paths, kinds []string) {
	seen := map[string]bool{}
	byKind := make([][]string, len(harvestPatterns))
	for i, hp := range harvestPatterns {
		for _, p := range files.Glob(hp.glob) {
			if !seen[p] {
				seen[p] = true
				byKind[i] = append(byKind[i], p)
			}
		}
	}
	for turn := 0; len(paths) < maxHarvestFiles; turn++ {
		took := false
		for i, ps := range byKind {
			if turn < len(ps) && len(paths) < maxHarvestFiles {
				paths, kinds = append(paths, ps[turn]), append(kinds, harvestPatterns[i].kind)
				took = true
			}
		}
		if !took {
			break
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
// and /* */ for Jenkinsfiles), whitespace runs made one space, blank lines
// dropped; at most maxHarvestBytes kept. A comment marker is one at the
// line's start or after a space, outside quotes and not escaped: a # in a
// string, shell's $#, Makefile's \#, a URL's fragment or scheme are
// content. An unclosed quote (an apostrophe in prose) keeps the rest of
// the line: a comment kept costs a near copy, content dropped makes two
// different files look identical. Lines in a YAML block scalar starting
// with # are dropped too (mostly a run: script's shell comments).
func NormaliseLines(kind, content string) (lines []string, truncated bool) {
	size := 0
	var groovy groovyState
	for _, line := range strings.Split(content, "\n") {
		line = strings.Join(strings.Fields(line), " ")
		if kind == "jenkinsfile" {
			line = groovy.cut(line)
		} else {
			line = cutHashComment(line)
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

// cutHashComment drops a # comment of a whitespace-normalised line.
func cutHashComment(line string) string {
	quote := byte(0)
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			} else if c == '\\' && quote == '"' {
				i++
			}
		case c == '\\':
			i++
		case c == '\'' || c == '"':
			quote = c
		case c == '#' && (i == 0 || line[i-1] == ' '):
			return strings.TrimRight(line[:i], " ")
		}
	}
	return line
}

// groovyState is what a Jenkinsfile's earlier lines leave open: a block
// comment, or a triple-quoted string (a sh """ script) whose // and /* are
// content.
type groovyState struct {
	comment bool
	triple  string
}

// cut drops the // and /* */ comments of a whitespace-normalised line.
func (st *groovyState) cut(line string) string {
	var b strings.Builder
	quote := byte(0)
	marker := func(i int) bool { return i == 0 || line[i-1] == ' ' }
	for i := 0; i < len(line); {
		rest := line[i:]
		switch {
		case st.comment:
			k := strings.Index(rest, "*/")
			if k < 0 {
				i = len(line)
				continue
			}
			st.comment = false
			i += k + 2
		case st.triple != "":
			k := strings.Index(rest, st.triple)
			if k < 0 {
				b.WriteString(rest)
				i = len(line)
				continue
			}
			b.WriteString(rest[:k+3])
			st.triple = ""
			i += k + 3
		case quote != 0:
			b.WriteByte(rest[0])
			i++
			if rest[0] == '\\' && i < len(line) {
				b.WriteByte(line[i])
				i++
			} else if rest[0] == quote {
				quote = 0
			}
		case strings.HasPrefix(rest, "'''") || strings.HasPrefix(rest, `"""`):
			st.triple = rest[:3]
			b.WriteString(rest[:3])
			i += 3
		case strings.HasPrefix(rest, "//") && marker(i):
			i = len(line)
		case strings.HasPrefix(rest, "/*") && marker(i):
			st.comment = true
			i += 2
		default:
			if rest[0] == '\'' || rest[0] == '"' {
				quote = rest[0]
			}
			b.WriteByte(rest[0])
			i++
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}
