package harvest

import (
	"crypto/sha256"
	"encoding/hex"
	"hash/fnv"
	"path"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/uptake-dev/uptake/collector/snapshot"
)

// Near-duplicate detection. Each file is the set of its shingles, pairs of
// consecutive normalised lines (a one-line file: the line). Two files are
// copies when the Jaccard similarity of their sets is at least Threshold.
// Comparing every pair is quadratic in the estate's files, so candidates
// come from MinHash signatures (numHashes values) cut into bands of rows:
// files sharing one band are compared exactly. With 16 bands of 4, a pair
// at 0.8 shares a band with probability 1-(1-0.8^4)^16 > 0.999, one at 0.3
// with 0.12.
//
// Clusters form around leaders, not transitively (single linkage chains
// A~B~C… into members far from each other): the distinct contents, in the
// most repos first, each join the first leader of their kind sharing a band
// with them at Threshold or more, else lead a cluster of their own. So
// every member is at least Threshold similar to its representative, the
// leader, and each content is compared with leaders only, at most
// maxBucketLeaders a bucket.
const (
	Threshold = 0.8
	numHashes = 64
	bandRows  = 4
	numBands  = numHashes / bandRows
	// maxBucketLeaders bounds the leaders a band's bucket holds, hence
	// the comparisons a content costs (numBands times this): leaders of
	// one bucket are below Threshold to each other, so many of them is
	// an estate of unrelated files whose few hashes collide.
	maxBucketLeaders = 32
	// minClusterLines is the shortest file a cluster holds: a one-line
	// Dockerfile (FROM node) is no work a template could take over.
	minClusterLines = 3
)

// Folded is what a repo's own names become in a file, so that copies
// differing in them only are identical.
const Folded = "<repo>"

// doc is one distinct normalised content of one kind and its copies.
type doc struct {
	kind     string
	lines    []string
	sum      string
	shingles []uint64 // sorted, distinct
	sig      [numHashes]uint64
	copies   []copyOf
	repos    int // distinct repos of the copies
}

type copyOf struct {
	repo       *Repo
	path, url  string
	teamCounts bool
}

// Clusters are the files copied, identical or nearly, across repos of at
// least minTeams teams (the default team's repos count as repos only),
// largest first (teams, repos, then id). It reports whether more than
// snapshot.MaxClusters were found.
func Clusters(repos []Repo, minTeams int, defaultTeam string) ([]snapshot.Cluster, bool) {
	docs := map[string]*doc{}
	var order []*doc
	for i := range repos {
		r := &repos[i]
		for _, f := range r.Files {
			lines := fold(f.Lines, r.Name)
			if len(lines) < minClusterLines {
				continue
			}
			sum := contentSum(lines)
			key := f.Kind + "\x00" + sum
			d := docs[key]
			if d == nil {
				d = &doc{kind: f.Kind, lines: lines, sum: sum, shingles: shingles(lines)}
				d.sig = signature(d.shingles)
				docs[key] = d
				order = append(order, d)
			}
			d.copies = append(d.copies, copyOf{repo: r, path: f.Path, url: f.URL, teamCounts: r.Team != defaultTeam})
		}
	}
	// Leaders come first: the contents copied into the most repos, then
	// with the most copies (a repo holding many copies of a variant does
	// not make it the estate's), then (kind, sum) so that the map's order
	// never decides a representative.
	order = slices.DeleteFunc(order, degenerate)
	for _, d := range order {
		d.repos = distinctRepos(d.copies)
	}
	sort.Slice(order, func(i, j int) bool {
		a, b := order[i], order[j]
		if a.repos != b.repos {
			return a.repos > b.repos
		}
		if len(a.copies) != len(b.copies) {
			return len(a.copies) > len(b.copies)
		}
		if a.kind != b.kind {
			return a.kind < b.kind
		}
		return a.sum < b.sum
	})
	var out []snapshot.Cluster
	for _, g := range leaderClusters(order) {
		if c, ok := cluster(g, minTeams); ok {
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Teams != b.Teams {
			return a.Teams > b.Teams
		}
		if a.Repos != b.Repos {
			return a.Repos > b.Repos
		}
		return a.ID < b.ID
	})
	if len(out) > snapshot.MaxClusters {
		return out[:snapshot.MaxClusters], true
	}
	return out, false
}

// degenerate reports a file whose distinct shingles are under a quarter
// of its lines, mostly a few lines repeated: its shingle set says too
// little of it (any two such files of the same few lines look equal).
func degenerate(d *doc) bool {
	return len(d.shingles)*4 < len(d.lines)
}

// leaderClusters groups docs, in their order, around leaders: each doc
// joins the first leader (in order) of its kind that shares a band of its
// signature and is at least Threshold similar, or leads a group of its
// own. A group's first doc is its leader.
func leaderClusters(docs []*doc) [][]*doc {
	type bandKey struct {
		band int
		kind string
		rows [bandRows]uint64
	}
	buckets := map[bandKey][]int{}
	var groups [][]*doc
	var stamp []int // stamp[l] == i+1: leader l is already a candidate of doc i
	var cands []int
	var keys [numBands]bandKey
	for i, d := range docs {
		cands = cands[:0]
		for b := range keys {
			keys[b] = bandKey{band: b, kind: d.kind}
			copy(keys[b].rows[:], d.sig[b*bandRows:(b+1)*bandRows])
			for _, l := range buckets[keys[b]] {
				if stamp[l] != i+1 {
					stamp[l] = i + 1
					cands = append(cands, l)
				}
			}
		}
		slices.Sort(cands)
		joined := false
		for _, l := range cands {
			if jaccard(d.shingles, groups[l][0].shingles) >= Threshold {
				groups[l] = append(groups[l], d)
				joined = true
				break
			}
		}
		if joined {
			continue
		}
		l := len(groups)
		groups = append(groups, []*doc{d})
		stamp = append(stamp, i+1)
		for _, k := range keys {
			if len(buckets[k]) < maxBucketLeaders {
				buckets[k] = append(buckets[k], l)
			}
		}
	}
	return groups
}

// cluster reports one group of near-identical contents, when its copies
// span repos of minTeams teams and more than one repo.
func cluster(g []*doc, minTeams int) (snapshot.Cluster, bool) {
	teams, repos := map[string]bool{}, map[string]bool{}
	for _, d := range g {
		for _, c := range d.copies {
			if c.teamCounts {
				teams[c.repo.Team] = true
			}
			repos[c.repo.Source+"/"+c.repo.Name] = true
		}
	}
	if len(teams) < minTeams || len(repos) < 2 {
		return snapshot.Cluster{}, false
	}
	// The representative is the leader: the content copied into the most
	// repos, then with the most copies (ties to the first in (kind, sum)
	// order), every other at least Threshold similar to it.
	rep := g[0]
	first := firstCopy(rep.copies)
	c := snapshot.Cluster{ID: rep.sum[:12], Kind: rep.kind, Path: first.path, Teams: len(teams), Repos: len(repos),
		Identical: len(rep.copies), Lines: rep.lines}
	type entry struct {
		m snapshot.ClusterMember
		d *doc
	}
	var members []entry
	for _, d := range g {
		sim := 1.0
		if d != rep {
			sim = jaccard(d.shingles, rep.shingles)
		}
		for _, cp := range d.copies {
			members = append(members, entry{snapshot.ClusterMember{Source: cp.repo.Source, Repo: cp.repo.Name, Team: cp.repo.Team,
				Path: cp.path, URL: cp.url, Similarity: sim}, d})
		}
	}
	sort.SliceStable(members, func(i, j int) bool {
		a, b := members[i].m, members[j].m
		if ai, bi := isCopy(a, first), isCopy(b, first); ai != bi {
			return ai
		}
		if a.Similarity != b.Similarity {
			return a.Similarity > b.Similarity
		}
		if a.Source != b.Source {
			return a.Source < b.Source
		}
		if a.Repo != b.Repo {
			return a.Repo < b.Repo
		}
		return a.Path < b.Path
	})
	if len(members) > snapshot.MaxClusterMembers {
		members = members[:snapshot.MaxClusterMembers]
	}
	// Diffs of the members kept only, once a content.
	type diff struct {
		lines []string
		more  int
	}
	diffs := map[*doc]diff{}
	c.Members = make([]snapshot.ClusterMember, len(members))
	for i, e := range members {
		if e.d != rep {
			df, ok := diffs[e.d]
			if !ok {
				df.lines, df.more = lineDiff(rep.lines, e.d.lines, snapshot.MaxDiffLines)
				diffs[e.d] = df
			}
			e.m.Diff, e.m.DiffMore = df.lines, df.more
		}
		c.Members[i] = e.m
	}
	return c, true
}

func distinctRepos(copies []copyOf) int {
	seen := map[*Repo]bool{}
	for _, c := range copies {
		seen[c.repo] = true
	}
	return len(seen)
}

func isCopy(m snapshot.ClusterMember, c copyOf) bool {
	return m.Source == c.repo.Source && m.Repo == c.repo.Name && m.Path == c.path
}

func firstCopy(copies []copyOf) copyOf {
	best := copies[0]
	for _, c := range copies[1:] {
		if k, bk := c.repo.Source+"\x00"+c.repo.Name+"\x00"+c.path, best.repo.Source+"\x00"+best.repo.Name+"\x00"+best.path; k < bk {
			best = c
		}
	}
	return best
}

// fold replaces the repo's names by Folded, on token boundaries only (no
// letter, digit or _.- on either side), so that copies differing in them
// only are identical: its owner/name wherever it is such a token, then its
// last segment, but in other/segment@ref (another owner's action). A last
// segment of letters only is likelier a word of the file (repo build: go
// build; repo node: FROM node:20) and is folded only as a path's last
// component (after a /, as in bin/payments); one with a digit or _.-
// (payments-api) wherever it is a token. A name under minFoldLen is left
// alone.
func fold(lines []string, repo string) []string {
	base := path.Base(repo)
	full := ""
	if repo != base && len(repo) >= minFoldLen {
		full = repo
	}
	if len(base) < minFoldLen {
		base = ""
	}
	word := base != "" && strings.IndexFunc(base, func(r rune) bool { return !unicode.IsLetter(r) }) < 0
	out := make([]string, len(lines))
	for i, l := range lines {
		if full != "" {
			l = foldToken(l, full, false, false)
		}
		if base != "" {
			l = foldToken(l, base, word, true)
		}
		out[i] = l
	}
	return out
}

// foldToken replaces name by Folded in l where it is a whole token and,
// with afterSlash, follows a /. With notRef, a name between a / and an @
// stays: owner/name@ref is another owner's action or module
// (actions/checkout@v4 in the repo acme/checkout).
func foldToken(l, name string, afterSlash, notRef bool) string {
	if !strings.Contains(l, name) {
		return l
	}
	var b strings.Builder
	for {
		k := strings.Index(l, name)
		if k < 0 {
			break
		}
		end := k + len(name)
		ok := (k == 0 || !isTokenByte(l[k-1])) && (end == len(l) || !isTokenByte(l[end])) &&
			(!afterSlash || (k > 0 && l[k-1] == '/')) &&
			(!notRef || k == 0 || l[k-1] != '/' || end == len(l) || l[end] != '@')
		if ok {
			b.WriteString(l[:k])
			b.WriteString(Folded)
			l = l[end:]
		} else {
			b.WriteString(l[:k+1])
			l = l[k+1:]
		}
	}
	b.WriteString(l)
	return b.String()
}

func isTokenByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-' || c >= 0x80
}

const minFoldLen = 4

// contentSum is the sha256 of the normalised content: a cluster's id is
// its first 12 hex digits. The same lines clustered as two kinds (a
// Dockerfile and a Makefile alike) share an id; the exporter emits the
// larger.
func contentSum(lines []string) string {
	h := sha256.Sum256([]byte(strings.Join(lines, "\n")))
	return hex.EncodeToString(h[:])
}

// shingles are a file's distinct shingle hashes, sorted.
func shingles(lines []string) []uint64 {
	var out []uint64
	if len(lines) == 1 {
		out = append(out, hash64(lines[0]))
	}
	for i := 0; i+1 < len(lines); i++ {
		out = append(out, hash64(lines[i]+"\n"+lines[i+1]))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func hash64(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

// signature is the MinHash of a shingle set: for each of numHashes
// hash functions (the shingle mixed with a seed), the least value.
func signature(set []uint64) [numHashes]uint64 {
	var sig [numHashes]uint64
	for i := range sig {
		sig[i] = ^uint64(0)
	}
	for _, s := range set {
		for i := range sig {
			if v := mix(s ^ seeds[i]); v < sig[i] {
				sig[i] = v
			}
		}
	}
	return sig
}

var seeds = func() [numHashes]uint64 {
	var s [numHashes]uint64
	x := uint64(0x9e3779b97f4a7c15)
	for i := range s {
		x = mix(x + uint64(i))
		s[i] = x
	}
	return s
}()

// mix is splitmix64's finaliser.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// jaccard is the Jaccard similarity of two sorted, distinct sets.
func jaccard(a, b []uint64) float64 {
	if len(a) == 0 && len(b) == 0 {
		return 1
	}
	inter := 0
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] == b[j]:
			inter++
			i, j = i+1, j+1
		case a[i] < b[j]:
			i++
		default:
			j++
		}
	}
	return float64(inter) / float64(len(a)+len(b)-inter)
}

// lineDiff is how b differs from a, line by line from their longest
// common subsequence: "- line" for a's lines b lacks, "+ line" for b's
// that a lacks, in file order; at most limit, and how many more. Their
// common first and last lines are cut first; when what is left of them is
// over maxDiffCells lines times lines (a table of int32s), the lines are
// matched by content instead (a's that b lacks, then b's that a lacks, in
// file order each), linear whatever the files. Each line is clipped to
// maxDiffLineBytes.
func lineDiff(a, b []string, limit int) ([]string, int) {
	p := 0
	for p < len(a) && p < len(b) && a[p] == b[p] {
		p++
	}
	q := 0
	for q < len(a)-p && q < len(b)-p && a[len(a)-1-q] == b[len(b)-1-q] {
		q++
	}
	a, b = a[p:len(a)-q], b[p:len(b)-q]
	var out []string
	more := 0
	emit := func(sign, line string) {
		if len(out) < limit {
			out = append(out, sign+clip(line, maxDiffLineBytes))
		} else {
			more++
		}
	}
	n, m := len(a), len(b)
	if (n+1)*(m+1) > maxDiffCells {
		in := func(lines []string) map[string]int {
			c := map[string]int{}
			for _, l := range lines {
				c[l]++
			}
			return c
		}
		inA, inB := in(a), in(b)
		for _, l := range a {
			if inB[l] > 0 {
				inB[l]--
			} else {
				emit("- ", l)
			}
		}
		for _, l := range b {
			if inA[l] > 0 {
				inA[l]--
			} else {
				emit("+ ", l)
			}
		}
		return out, more
	}
	// lcs[i*(m+1)+j] is the LCS length of a[i:] and b[j:].
	w := m + 1
	lcs := make([]int32, (n+1)*w)
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i*w+j] = lcs[(i+1)*w+j+1] + 1
			} else {
				lcs[i*w+j] = max(lcs[(i+1)*w+j], lcs[i*w+j+1])
			}
		}
	}
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && a[i] == b[j]:
			i, j = i+1, j+1
		case j < m && (i == n || lcs[i*w+j+1] >= lcs[(i+1)*w+j]):
			emit("+ ", b[j])
			j++
		default:
			emit("- ", a[i])
			i++
		}
	}
	return out, more
}

const (
	// maxDiffCells bounds lineDiff's table: 1 MiB, 512 lines by 512.
	maxDiffCells = 1 << 18
	// maxDiffLineBytes bounds a diff line (normalised lines can be a
	// file's 16 KiB).
	maxDiffLineBytes = 200
)

// clip cuts s to at most n bytes, on a rune boundary, marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
