package harvest

import (
	"crypto/sha256"
	"encoding/hex"
	"hash/fnv"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/uptake-dev/uptake/collector/snapshot"
)

// Near-duplicate detection. Each file is the set of its shingles, pairs of
// consecutive normalised lines (a one-line file: the line). Two files are
// copies when the Jaccard similarity of their sets is at least Threshold.
// Comparing every pair is quadratic in the estate's files, so candidate
// pairs come from MinHash signatures (numHashes values) cut into bands of
// rows: files sharing one band are compared exactly. With 16 bands of 4,
// a pair at 0.8 is compared with probability 1-(1-0.8^4)^16 > 0.999, one
// at 0.3 with 0.12. Copies join clusters transitively (single linkage).
const (
	Threshold = 0.8
	numHashes = 64
	bandRows  = 4
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
	shingles map[uint64]bool
	sig      [numHashes]uint64
	copies   []copyOf
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
			sum := contentSum(f.Kind, lines)
			key := sum
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
	// Deterministic: the map's order must not decide a representative.
	sort.Slice(order, func(i, j int) bool {
		if order[i].kind != order[j].kind {
			return order[i].kind < order[j].kind
		}
		return order[i].sum < order[j].sum
	})
	uf := newUnionFind(len(order))
	for _, pair := range candidatePairs(order) {
		a, b := order[pair[0]], order[pair[1]]
		if jaccard(a.shingles, b.shingles) >= Threshold {
			uf.union(pair[0], pair[1])
		}
	}
	groups := map[int][]*doc{}
	for i, d := range order {
		root := uf.find(i)
		groups[root] = append(groups[root], d)
	}
	var out []snapshot.Cluster
	for _, g := range groups {
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
	// The representative is the content with the most copies; ties go to
	// the first in (kind, sum) order, which g keeps.
	rep := g[0]
	for _, d := range g[1:] {
		if len(d.copies) > len(rep.copies) {
			rep = d
		}
	}
	first := firstCopy(rep.copies)
	c := snapshot.Cluster{ID: rep.sum[:12], Kind: rep.kind, Path: first.path, Teams: len(teams), Repos: len(repos),
		Identical: len(rep.copies), Lines: rep.lines}
	var members []snapshot.ClusterMember
	for _, d := range g {
		sim := 1.0
		var diff []string
		more := 0
		if d != rep {
			sim = jaccard(d.shingles, rep.shingles)
			diff, more = lineDiff(rep.lines, d.lines, snapshot.MaxDiffLines)
		}
		for _, cp := range d.copies {
			members = append(members, snapshot.ClusterMember{Source: cp.repo.Source, Repo: cp.repo.Name, Team: cp.repo.Team,
				Path: cp.path, URL: cp.url, Similarity: sim, Diff: diff, DiffMore: more})
		}
	}
	sort.SliceStable(members, func(i, j int) bool {
		a, b := members[i], members[j]
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
	c.Members = members
	return c, true
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

// fold replaces the repo's names (owner/name and its last segment) by
// Folded; a name under minFoldLen is left alone, being likelier a word
// of the file than the repo's name.
func fold(lines []string, repo string) []string {
	var names []string
	for _, n := range []string{repo, path.Base(repo)} {
		if len(n) >= minFoldLen && !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	out := make([]string, len(lines))
	for i, l := range lines {
		for _, n := range names {
			l = strings.ReplaceAll(l, n, Folded)
		}
		out[i] = l
	}
	return out
}

const minFoldLen = 4

// contentSum is the sha256 of the kind, a NUL and the normalised content:
// a cluster's id is its first 12 hex digits. The kind is in it because
// the same lines can be clustered as two kinds (a Dockerfile and a
// Makefile), and two clusters must never share an id (a gauge's series).
func contentSum(kind string, lines []string) string {
	h := sha256.Sum256([]byte(kind + "\x00" + strings.Join(lines, "\n")))
	return hex.EncodeToString(h[:])
}

func shingles(lines []string) map[uint64]bool {
	out := map[uint64]bool{}
	if len(lines) == 1 {
		out[hash64(lines[0])] = true
	}
	for i := 0; i+1 < len(lines); i++ {
		out[hash64(lines[i]+"\n"+lines[i+1])] = true
	}
	return out
}

func hash64(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

// signature is the MinHash of a shingle set: for each of numHashes
// hash functions (the shingle mixed with a seed), the least value.
func signature(set map[uint64]bool) [numHashes]uint64 {
	var sig [numHashes]uint64
	for i := range sig {
		sig[i] = ^uint64(0)
	}
	for s := range set {
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

// candidatePairs are the pairs of docs of one kind sharing a band of
// their signatures, each once, lower index first.
func candidatePairs(docs []*doc) [][2]int {
	seen := map[[2]int]bool{}
	var out [][2]int
	for b := 0; b < numHashes/bandRows; b++ {
		type band struct {
			kind string
			rows [bandRows]uint64
		}
		buckets := map[band][]int{}
		for i, d := range docs {
			k := band{kind: d.kind}
			copy(k.rows[:], d.sig[b*bandRows:(b+1)*bandRows])
			buckets[k] = append(buckets[k], i)
		}
		for _, idx := range buckets {
			for x := 0; x < len(idx); x++ {
				for y := x + 1; y < len(idx); y++ {
					p := [2]int{idx[x], idx[y]}
					if !seen[p] {
						seen[p] = true
						out = append(out, p)
					}
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i][0] != out[j][0] {
			return out[i][0] < out[j][0]
		}
		return out[i][1] < out[j][1]
	})
	return out
}

func jaccard(a, b map[uint64]bool) float64 {
	if len(a) == 0 && len(b) == 0 {
		return 1
	}
	inter := 0
	for s := range a {
		if b[s] {
			inter++
		}
	}
	return float64(inter) / float64(len(a)+len(b)-inter)
}

type unionFind []int

func newUnionFind(n int) unionFind {
	uf := make(unionFind, n)
	for i := range uf {
		uf[i] = i
	}
	return uf
}

func (uf unionFind) find(i int) int {
	for uf[i] != i {
		uf[i] = uf[uf[i]]
		i = uf[i]
	}
	return i
}

func (uf unionFind) union(a, b int) {
	ra, rb := uf.find(a), uf.find(b)
	if ra < rb {
		uf[rb] = ra
	} else if rb < ra {
		uf[ra] = rb
	}
}

// lineDiff is how b differs from a, line by line from their longest
// common subsequence: "- line" for a's lines b lacks, "+ line" for b's
// that a lacks, in file order; at most limit, and how many more.
func lineDiff(a, b []string, limit int) ([]string, int) {
	// lcs[i][j] is the LCS length of a[i:] and b[j:]; files are bounded
	// (inventory.maxHarvestBytes), so this is at most a few hundred squared.
	lcs := make([][]int, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []string
	more := 0
	emit := func(s string) {
		if len(out) < limit {
			out = append(out, s)
		} else {
			more++
		}
	}
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && a[i] == b[j]:
			i, j = i+1, j+1
		case j < len(b) && (i == len(a) || lcs[i][j+1] >= lcs[i+1][j]):
			emit("+ " + b[j])
			j++
		default:
			emit("- " + a[i])
			i++
		}
	}
	return out, more
}
