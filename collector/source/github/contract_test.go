package github

// A fake GitHub written from GitHub's REST and GraphQL documentation alone
// (docs.github.com: repos, commits, git trees, git commits, git blobs, teams,
// pagination, rate limits, media types), not from the source or its other
// fakes, so that a misreading shared by the source and fake_test.go shows up
// here. It is strict where the documentation is narrow: a tree is looked up
// by a tree SHA or a ref name, the sha and raw media types are exactly the
// documented ones (anything else gets the default JSON), unknown paths are
// 404 and unknown query parameters ignored.

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptake-dev/uptake/collector/source"
	"github.com/uptake-dev/uptake/config"
)

// ctFile is one file of a branch; mode "" is 100644. A 160000 entry is a
// submodule whose content is the commit it pins.
type ctFile struct {
	content string
	mode    string
}

type ctRepo struct {
	name          string
	defaultBranch string
	// branches maps a branch to its files; none means no commit at all.
	branches                 map[string]map[string]ctFile
	private                  bool
	visibility               string
	fork, archived, disabled bool
	size                     int
	topics                   []string
	omitDefaultBranch        bool
	// teams maps a team slug to its role_name on the repo: read, triage,
	// write, maintain, admin, or a custom role named base:custom.
	teams map[string]string
	// roleOnly leaves the permissions object out of team listings (it is
	// optional in the schema); role_name then tells.
	roleOnly bool

	id  int
	git *ctGit
}

// ctGit is a repo's object database.
type ctGit struct {
	refs    map[string]string // branch → commit
	commits map[string]string // commit → root tree
	trees   map[string][]ctEntry
	blobs   map[string]string
}

type ctEntry struct {
	name, mode, typ, sha string
	size                 int
}

func ctHash(kind string, body []byte) string {
	h := sha1.New()
	fmt.Fprintf(h, "%s %d\x00", kind, len(body))
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

type ctNode struct {
	file     *ctFile
	children map[string]*ctNode
}

// build writes a branch's files as git objects and returns the root tree.
func (g *ctGit) build(files map[string]ctFile) string {
	root := &ctNode{children: map[string]*ctNode{}}
	for p, f := range files {
		n := root
		parts := strings.Split(p, "/")
		for _, d := range parts[:len(parts)-1] {
			if n.children[d] == nil {
				n.children[d] = &ctNode{children: map[string]*ctNode{}}
			}
			n = n.children[d]
		}
		n.children[parts[len(parts)-1]] = &ctNode{file: &f}
	}
	return g.tree(root)
}

func (g *ctGit) tree(n *ctNode) string {
	var entries []ctEntry
	for name, c := range n.children {
		switch {
		case c.file == nil:
			entries = append(entries, ctEntry{name: name, mode: "040000", typ: "tree", sha: g.tree(c)})
		case c.file.mode == "160000":
			entries = append(entries, ctEntry{name: name, mode: "160000", typ: "commit", sha: c.file.content})
		default:
			mode := c.file.mode
			if mode == "" {
				mode = "100644"
			}
			sha := ctHash("blob", []byte(c.file.content))
			g.blobs[sha] = c.file.content
			entries = append(entries, ctEntry{name: name, mode: mode, typ: "blob", sha: sha, size: len(c.file.content)})
		}
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].name < entries[j].name })
	var body bytes.Buffer
	for _, e := range entries {
		raw, _ := hex.DecodeString(e.sha)
		fmt.Fprintf(&body, "%s %s\x00%s", strings.TrimPrefix(e.mode, "0"), e.name, raw)
	}
	sha := ctHash("tree", body.Bytes())
	g.trees[sha] = entries
	return sha
}

type ctGitHub struct {
	t      *testing.T
	srv    *httptest.Server
	prefix string // path before /api/v3 (GHES behind a path)
	org    string
	token  string
	repos  []*ctRepo

	// graphql: "ok", "absent" (404), "unauthorized" (401), "forbidden"
	// (403), "errors" (200 with errors[] and no data), "bare" (nodes
	// without the Repository fragment's fields).
	graphql string
	// rawIgnored answers blobs in JSON whatever the Accept header.
	rawIgnored bool
	// truncateOver truncates recursive trees past this many entries.
	truncateOver int
	// fullPageNext links a next page after every full page, as servers
	// that do not count do: the last full page is followed by an empty one.
	fullPageNext bool
	// splitLinks sends each Link relation as its own header field
	// (RFC 8288 allows either), next last.
	splitLinks bool
	// intercept may answer a request first (rate limits); true if it did.
	intercept func(w http.ResponseWriter, r *http.Request, n int) bool

	mu           sync.Mutex
	counts       map[string]int
	codes        map[string]map[int]int
	undocumented []string
	used         int
}

const (
	ctOrgRepos   = "org repos"
	ctRepoGet    = "repo"
	ctCommit     = "commit"
	ctTree       = "tree"
	ctGitCommit  = "git commit"
	ctBlob       = "blob"
	ctTeams      = "teams"
	ctTeamRepos  = "team repos"
	ctGraphQL    = "graphql"
	ctCommitSHA  = "0123456789abcdef0123456789abcdef01234567"
	ctToken      = "ghp_contract"
	ctDateLayout = http.TimeFormat
)

func newCTGitHub(t *testing.T, prefix string, repos []*ctRepo) *ctGitHub {
	return newCTGitHubAt(t, prefix, prefix+"/api/v3", prefix+"/api/graphql", repos)
}

// newCTGitHubAtRoot serves the API at the server's root, as api.github.com
// does (REST at /, GraphQL at /graphql).
func newCTGitHubAtRoot(t *testing.T, repos []*ctRepo) *ctGitHub {
	return newCTGitHubAt(t, "", "", "/graphql", repos)
}

func newCTGitHubAt(t *testing.T, prefix, api, graphqlPath string, repos []*ctRepo) *ctGitHub {
	f := &ctGitHub{t: t, prefix: prefix, org: "octo-org", token: ctToken, repos: repos, graphql: "ok",
		counts: map[string]int{}, codes: map[string]map[int]int{}}
	for i, r := range repos {
		r.id = 5000 + i
		r.git = &ctGit{refs: map[string]string{}, commits: map[string]string{}, trees: map[string][]ctEntry{}, blobs: map[string]string{}}
		for b, files := range r.branches {
			tree := r.git.build(files)
			commit := ctHash("commit", []byte("tree "+tree+"\nrepo "+r.name+"\nbranch "+b+"\n"))
			r.git.refs[b] = commit
			r.git.commits[commit] = tree
		}
	}
	mux := http.NewServeMux()
	for pattern, h := range map[string]struct {
		name string
		h    http.HandlerFunc
	}{
		"GET " + api + "/orgs/{org}/repos":                              {ctOrgRepos, f.orgRepos},
		"GET " + api + "/repos/{owner}/{repo}":                          {ctRepoGet, f.repoGet},
		"GET " + api + "/repos/{owner}/{repo}/commits/{ref...}":         {ctCommit, f.commit},
		"GET " + api + "/repos/{owner}/{repo}/git/trees/{tree_sha...}":  {ctTree, f.tree},
		"GET " + api + "/repos/{owner}/{repo}/git/commits/{commit_sha}": {ctGitCommit, f.gitCommit},
		"GET " + api + "/repos/{owner}/{repo}/git/blobs/{file_sha}":     {ctBlob, f.blob},
		"GET " + api + "/orgs/{org}/teams":                              {ctTeams, f.teams},
		"GET " + api + "/orgs/{org}/teams/{team_slug}/repos":            {ctTeamRepos, f.teamRepos},
		"POST " + graphqlPath:                                           {ctGraphQL, f.graphQL},
	} {
		mux.Handle(pattern, f.serve(h.name, h.h))
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.undocumented = append(f.undocumented, r.Method+" "+r.URL.String())
		f.mu.Unlock()
		ctJSON(w, http.StatusNotFound, map[string]any{"message": "Not Found", "documentation_url": "https://docs.github.com/rest", "status": "404"})
	})
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *ctGitHub) web() string { return f.srv.URL + f.prefix }
func (f *ctGitHub) api() string { return f.srv.URL + f.prefix + "/api/v3" }

type ctRecorder struct {
	http.ResponseWriter
	code int
}

func (r *ctRecorder) WriteHeader(c int) {
	if r.code == 0 {
		r.code = c
	}
	r.ResponseWriter.WriteHeader(c)
}

func (r *ctRecorder) Write(b []byte) (int, error) {
	if r.code == 0 {
		r.code = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// serve authenticates, counts and sets the headers every response carries.
func (f *ctGitHub) serve(name string, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.counts[name]++
		n := f.counts[name]
		f.mu.Unlock()
		rec := &ctRecorder{ResponseWriter: w}
		defer func() {
			f.mu.Lock()
			if f.codes[name] == nil {
				f.codes[name] = map[int]int{}
			}
			f.codes[name][rec.code]++
			if rec.code != http.StatusNotModified {
				f.used++
			}
			f.mu.Unlock()
		}()
		hdr := w.Header()
		hdr.Set("X-GitHub-Media-Type", "github.v3; format=json")
		hdr.Set("X-GitHub-Request-Id", fmt.Sprintf("CAFE:%04X", n))
		f.mu.Lock()
		hdr.Set("X-RateLimit-Limit", "5000")
		hdr.Set("X-RateLimit-Remaining", strconv.Itoa(5000-f.used-1))
		hdr.Set("X-RateLimit-Used", strconv.Itoa(f.used+1))
		f.mu.Unlock()
		hdr.Set("X-RateLimit-Reset", strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10))
		hdr.Set("X-RateLimit-Resource", "core")
		if name == ctGraphQL {
			hdr.Set("X-RateLimit-Resource", "graphql")
		}
		if f.intercept != nil && f.intercept(rec, r, n) {
			return
		}
		auth := r.Header.Get("Authorization")
		if auth != "Bearer "+f.token && auth != "token "+f.token {
			ctJSON(rec, http.StatusUnauthorized, map[string]any{"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest", "status": "401"})
			return
		}
		h(rec, r)
	})
}

func ctJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_, _ = w.Write(b)
}

// ctConditional writes body with an ETag, or 304 when If-None-Match has it.
func ctConditional(w http.ResponseWriter, r *http.Request, contentType string, body []byte) {
	etag := fmt.Sprintf(`W/"%x"`, sha1.Sum(append([]byte(contentType), body...)))
	w.Header().Set("ETag", etag)
	w.Header().Set("Cache-Control", "private, max-age=60, s-maxage=60")
	w.Header().Set("Vary", "Accept, Authorization, Cookie, X-GitHub-OTP")
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

func (f *ctGitHub) notFound(w http.ResponseWriter) {
	ctJSON(w, http.StatusNotFound, map[string]any{"message": "Not Found", "documentation_url": "https://docs.github.com/rest", "status": "404"})
}

// mediaType is the Accept header's type without parameters.
func mediaType(r *http.Request) string {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Accept"))
	return mt
}

func (f *ctGitHub) find(w http.ResponseWriter, r *http.Request) *ctRepo {
	if strings.EqualFold(r.PathValue("owner"), f.org) {
		for _, repo := range f.repos {
			if strings.EqualFold(repo.name, r.PathValue("repo")) {
				return repo
			}
		}
	}
	f.notFound(w)
	return nil
}

func (f *ctGitHub) render(repo *ctRepo) map[string]any {
	full := f.org + "/" + repo.name
	vis := repo.visibility
	if vis == "" {
		vis = "public"
		if repo.private {
			vis = "private"
		}
	}
	topics := repo.topics
	if topics == nil {
		topics = []string{}
	}
	m := map[string]any{
		"id": repo.id, "node_id": "R_ct" + hex.EncodeToString([]byte(repo.name)), "name": repo.name, "full_name": full,
		"owner": map[string]any{"login": f.org, "id": 1, "node_id": "O_ct", "type": "Organization", "site_admin": false,
			"url": f.api() + "/users/" + f.org, "html_url": f.web() + "/" + f.org},
		"private": repo.private || vis != "public", "html_url": f.web() + "/" + full, "description": nil, "fork": repo.fork,
		"url": f.api() + "/repos/" + full, "clone_url": f.web() + "/" + full + ".git",
		"ssh_url": "git@example.com:" + full + ".git", "homepage": nil, "size": repo.size, "stargazers_count": 0, "watchers_count": 0,
		"language": nil, "forks_count": 0, "archived": repo.archived, "disabled": repo.disabled, "open_issues_count": 0,
		"license": nil, "allow_forking": true, "is_template": false, "topics": topics, "visibility": vis,
		"forks": 0, "open_issues": 0, "watchers": 0, "default_branch": repo.defaultBranch,
		"permissions": map[string]bool{"admin": false, "maintain": false, "push": false, "triage": false, "pull": true},
		"created_at":  "2020-01-26T19:01:12Z", "updated_at": "2026-01-26T19:14:43Z", "pushed_at": "2026-01-26T19:06:43Z",
	}
	return m
}

// page writes one page of items with the Link header GitHub documents.
func (f *ctGitHub) page(w http.ResponseWriter, r *http.Request, items []any) {
	q := r.URL.Query()
	per := 30
	if v, err := strconv.Atoi(q.Get("per_page")); err == nil && v > 0 {
		per = min(v, 100)
	}
	page := 1
	if v, err := strconv.Atoi(q.Get("page")); err == nil && v > 0 {
		page = v
	}
	last := max((len(items)+per-1)/per, 1)
	lo, hi := min((page-1)*per, len(items)), min(page*per, len(items))
	link := func(p int, rel string) string {
		q.Set("page", strconv.Itoa(p))
		return fmt.Sprintf(`<http://%s%s?%s>; rel="%s"`, r.Host, r.URL.Path, q.Encode(), rel)
	}
	var links []string
	if page > 1 {
		links = append(links, link(1, "first"), link(page-1, "prev"))
	}
	if page < last || (f.fullPageNext && hi-lo == per) {
		links = append(links, link(last, "last"), link(page+1, "next"))
	}
	if f.splitLinks {
		for _, l := range links {
			w.Header().Add("Link", l)
		}
	} else if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, ", "))
	}
	body, _ := json.Marshal(items[lo:hi])
	ctConditional(w, r, "application/json; charset=utf-8", body)
}

func (f *ctGitHub) orgRepos(w http.ResponseWriter, r *http.Request) {
	if !strings.EqualFold(r.PathValue("org"), f.org) {
		f.notFound(w)
		return
	}
	typ := r.URL.Query().Get("type")
	items := []any{}
	for _, repo := range f.repos {
		keep := true
		switch typ {
		case "", "all", "member":
		case "public":
			keep = !repo.private && (repo.visibility == "" || repo.visibility == "public")
		case "private":
			keep = repo.private || repo.visibility == "private" || repo.visibility == "internal"
		case "forks":
			keep = repo.fork
		case "sources":
			keep = !repo.fork
		default:
			ctJSON(w, http.StatusUnprocessableEntity, map[string]any{"message": "Validation Failed", "status": "422"})
			return
		}
		if keep {
			m := f.render(repo)
			// Optional in the listing's minimal-repository schema; the
			// repository endpoint always has it.
			if repo.omitDefaultBranch {
				delete(m, "default_branch")
			}
			items = append(items, m)
		}
	}
	f.page(w, r, items)
}

func (f *ctGitHub) repoGet(w http.ResponseWriter, r *http.Request) {
	if repo := f.find(w, r); repo != nil {
		body, _ := json.Marshal(f.render(repo))
		ctConditional(w, r, "application/json; charset=utf-8", body)
	}
}

func ctEmpty(w http.ResponseWriter, doc string) {
	ctJSON(w, http.StatusConflict, map[string]any{"message": "Git Repository is empty.", "documentation_url": doc, "status": "409"})
}

// resolve finds a commit by SHA, branch name or heads/<branch>, as the
// commits endpoint documents its ref.
func (repo *ctRepo) resolve(ref string) (string, bool) {
	if _, ok := repo.git.commits[ref]; ok {
		return ref, true
	}
	if c, ok := repo.git.refs[strings.TrimPrefix(ref, "heads/")]; ok {
		return c, true
	}
	return "", false
}

func (f *ctGitHub) commit(w http.ResponseWriter, r *http.Request) {
	repo := f.find(w, r)
	if repo == nil {
		return
	}
	if len(repo.git.refs) == 0 {
		ctEmpty(w, "https://docs.github.com/rest/commits/commits#get-a-commit")
		return
	}
	ref := r.PathValue("ref")
	sha, ok := repo.resolve(ref)
	if !ok {
		ctJSON(w, http.StatusUnprocessableEntity, map[string]any{"message": "No commit found for SHA: " + ref, "status": "422"})
		return
	}
	if mediaType(r) == "application/vnd.github.sha" {
		ctConditional(w, r, "application/vnd.github.sha; charset=utf-8", []byte(sha))
		return
	}
	body, _ := json.Marshal(map[string]any{
		"sha": sha, "node_id": "C_ct" + sha[:8], "url": f.api() + "/repos/" + f.org + "/" + repo.name + "/commits/" + sha,
		"html_url": f.web() + "/" + f.org + "/" + repo.name + "/commit/" + sha,
		"commit":   map[string]any{"message": "contract", "tree": map[string]any{"sha": repo.git.commits[sha]}},
		"parents":  []any{}, "files": []any{}, "stats": map[string]int{"total": 0},
	})
	ctConditional(w, r, "application/json; charset=utf-8", body)
}

func (f *ctGitHub) gitCommit(w http.ResponseWriter, r *http.Request) {
	repo := f.find(w, r)
	if repo == nil {
		return
	}
	if len(repo.git.refs) == 0 {
		ctEmpty(w, "https://docs.github.com/rest/git/commits#get-a-commit-object")
		return
	}
	sha := r.PathValue("commit_sha")
	tree, ok := repo.git.commits[sha]
	if !ok {
		f.notFound(w)
		return
	}
	base := f.api() + "/repos/" + f.org + "/" + repo.name
	ctJSON(w, http.StatusOK, map[string]any{
		"sha": sha, "node_id": "C_ct" + sha[:8], "url": base + "/git/commits/" + sha,
		"html_url":  f.web() + "/" + f.org + "/" + repo.name + "/commit/" + sha,
		"author":    map[string]any{"date": "2026-01-26T19:06:43Z", "name": "Mona", "email": "mona@example.com"},
		"committer": map[string]any{"date": "2026-01-26T19:06:43Z", "name": "Mona", "email": "mona@example.com"},
		"message":   "contract", "tree": map[string]any{"sha": tree, "url": base + "/git/trees/" + tree},
		"parents": []any{}, "verification": map[string]any{"verified": false, "reason": "unsigned", "signature": nil, "payload": nil},
	})
}

// tree serves GET git/trees/{tree_sha}: "The SHA1 value or ref (branch or
// tag) name of the tree". A commit SHA is neither, so it is not found.
func (f *ctGitHub) tree(w http.ResponseWriter, r *http.Request) {
	repo := f.find(w, r)
	if repo == nil {
		return
	}
	if len(repo.git.refs) == 0 {
		ctEmpty(w, "https://docs.github.com/rest/git/trees#get-a-tree")
		return
	}
	sha := r.PathValue("tree_sha")
	if _, ok := repo.git.trees[sha]; !ok {
		c, ok := repo.git.refs[strings.TrimPrefix(sha, "heads/")]
		if !ok {
			f.notFound(w)
			return
		}
		sha = repo.git.commits[c]
	}
	_, recursive := r.URL.Query()["recursive"]
	base := f.api() + "/repos/" + f.org + "/" + repo.name
	var out []map[string]any
	var walk func(tree, prefix string)
	walk = func(tree, prefix string) {
		for _, e := range repo.git.trees[tree] {
			m := map[string]any{"path": prefix + e.name, "mode": e.mode, "type": e.typ, "sha": e.sha}
			switch e.typ {
			case "blob":
				m["size"] = e.size
				m["url"] = base + "/git/blobs/" + e.sha
			case "tree":
				m["url"] = base + "/git/trees/" + e.sha
			}
			out = append(out, m)
			if e.typ == "tree" && recursive {
				walk(e.sha, prefix+e.name+"/")
			}
		}
	}
	walk(sha, "")
	truncated := recursive && f.truncateOver > 0 && len(out) > f.truncateOver
	if truncated {
		out = out[:f.truncateOver]
	}
	ctJSON(w, http.StatusOK, map[string]any{"sha": sha, "url": base + "/git/trees/" + sha, "tree": out, "truncated": truncated})
}

// blob serves raw content for application/vnd.github.raw+json (the blob
// page) or application/vnd.github.raw (the media types page), else the
// default JSON with base64 content wrapped at 60 columns.
func (f *ctGitHub) blob(w http.ResponseWriter, r *http.Request) {
	repo := f.find(w, r)
	if repo == nil {
		return
	}
	sha := r.PathValue("file_sha")
	content, ok := repo.git.blobs[sha]
	if !ok {
		f.notFound(w)
		return
	}
	if mt := mediaType(r); !f.rawIgnored && (mt == "application/vnd.github.raw+json" || mt == "application/vnd.github.raw") {
		w.Header().Set("Content-Type", "application/vnd.github.raw")
		_, _ = w.Write([]byte(content))
		return
	}
	enc := base64.StdEncoding.EncodeToString([]byte(content))
	var wrapped strings.Builder
	for len(enc) > 60 {
		wrapped.WriteString(enc[:60] + "\n")
		enc = enc[60:]
	}
	wrapped.WriteString(enc + "\n")
	ctJSON(w, http.StatusOK, map[string]any{"content": wrapped.String(), "encoding": "base64",
		"url": f.api() + "/repos/" + f.org + "/" + repo.name + "/git/blobs/" + sha, "sha": sha, "size": len(content), "node_id": "B_ct"})
}

func (f *ctGitHub) slugs() []string {
	var out []string
	for _, repo := range f.repos {
		for slug := range repo.teams {
			if !slices.Contains(out, slug) {
				out = append(out, slug)
			}
		}
	}
	slices.Sort(out)
	return out
}

func (f *ctGitHub) teams(w http.ResponseWriter, r *http.Request) {
	items := []any{}
	for i, slug := range f.slugs() {
		items = append(items, map[string]any{"id": 100 + i, "node_id": "T_ct" + slug, "name": strings.ToUpper(slug[:1]) + slug[1:],
			"slug": slug, "description": nil, "privacy": "closed", "notification_setting": "notifications_enabled",
			"permission": "pull", "url": f.api() + "/organizations/1/team/" + strconv.Itoa(100+i),
			"html_url": f.web() + "/orgs/" + f.org + "/teams/" + slug, "repositories_url": f.api() + "/organizations/1/team/" + strconv.Itoa(100+i) + "/repos",
			"parent": nil})
	}
	f.page(w, r, items)
}

func (f *ctGitHub) teamRepos(w http.ResponseWriter, r *http.Request) {
	slug := r.PathValue("team_slug")
	if !slices.Contains(f.slugs(), slug) {
		f.notFound(w)
		return
	}
	items := []any{}
	for _, repo := range f.repos {
		role, ok := repo.teams[slug]
		if !ok {
			continue
		}
		m := f.render(repo)
		base, custom, _ := strings.Cut(role, ":")
		rank := slices.Index([]string{"read", "triage", "write", "maintain", "admin"}, base)
		m["permissions"] = map[string]bool{"pull": rank >= 0, "triage": rank >= 1, "push": rank >= 2, "maintain": rank >= 3, "admin": rank >= 4}
		m["role_name"] = role
		if custom != "" {
			m["role_name"] = custom
		}
		if repo.roleOnly {
			delete(m, "permissions")
		}
		items = append(items, m)
	}
	f.page(w, r, items)
}

func (f *ctGitHub) graphQL(w http.ResponseWriter, r *http.Request) {
	switch f.graphql {
	case "absent":
		f.notFound(w)
		return
	case "unauthorized":
		ctJSON(w, http.StatusUnauthorized, map[string]any{"message": "This endpoint requires you to be authenticated.",
			"documentation_url": "https://docs.github.com/graphql/guides/forming-calls-with-graphql#authenticating-with-graphql"})
		return
	case "forbidden":
		ctJSON(w, http.StatusForbidden, map[string]any{"message": "Resource not accessible by personal access token",
			"documentation_url": "https://docs.github.com/graphql"})
		return
	case "errors":
		ctJSON(w, http.StatusOK, map[string]any{"errors": []any{map[string]any{"message": "Something went wrong while executing your query."}}})
		return
	}
	var req struct {
		Query     string `json:"query"`
		Variables struct {
			IDs []string `json:"ids"`
		} `json:"variables"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || !strings.Contains(req.Query, "nodes(ids:") {
		ctJSON(w, http.StatusOK, map[string]any{"errors": []any{map[string]any{"message": "Parse error"}}})
		return
	}
	if len(req.Variables.IDs) > 100 {
		ctJSON(w, http.StatusOK, map[string]any{"errors": []any{map[string]any{"type": "EXCESSIVE_PAGINATION", "message": "too many ids"}}})
		return
	}
	nodes := []any{}
	var errs []any
	for i, id := range req.Variables.IDs {
		var found *ctRepo
		for _, repo := range f.repos {
			if "R_ct"+hex.EncodeToString([]byte(repo.name)) == id {
				found = repo
			}
		}
		switch {
		case found == nil:
			nodes = append(nodes, nil)
			errs = append(errs, map[string]any{"type": "NOT_FOUND", "path": []any{"nodes", i},
				"message": fmt.Sprintf("Could not resolve to a node with the global id of '%s'", id)})
		case f.graphql == "bare" && found.name == "api":
			nodes = append(nodes, map[string]any{})
		case len(found.git.refs) == 0:
			nodes = append(nodes, map[string]any{"defaultBranchRef": nil})
		default:
			nodes = append(nodes, map[string]any{"defaultBranchRef": map[string]any{"target": map[string]any{"oid": found.git.refs[found.defaultBranch]}}})
		}
	}
	out := map[string]any{"data": map[string]any{"nodes": nodes}}
	if errs != nil {
		out["errors"] = errs
	}
	ctJSON(w, http.StatusOK, out)
}

func (f *ctGitHub) count(name string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.counts[name]
}

func (f *ctGitHub) answered(name string, code int) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.codes[name][code]
}

func (f *ctGitHub) reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	clear(f.counts)
	clear(f.codes)
}

func (f *ctGitHub) checkDocumented(t *testing.T) {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.undocumented) > 0 {
		t.Errorf("requests outside the documented API: %q", f.undocumented)
	}
}

func (f *ctGitHub) repo(name string) *ctRepo {
	for _, r := range f.repos {
		if r.name == name {
			return r
		}
	}
	f.t.Fatalf("no repo %s", name)
	return nil
}

func (f *ctGitHub) head(name string) string {
	r := f.repo(name)
	return r.git.refs[r.defaultBranch]
}

func (f *ctGitHub) config(t *testing.T, baseURL string) config.Source {
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte(f.token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return config.Source{Name: "gh", Type: "github", Org: f.org, BaseURL: baseURL, TokenFile: tokenFile}
}

type ctStore struct {
	mu sync.Mutex
	m  map[string][]byte
}

func (s *ctStore) Get(k string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[k]
	return v, ok
}

func (s *ctStore) Put(k string, v []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[k] = slices.Clone(v)
	return nil
}

// ctClock is the source's clock in rate-limit tests; a sleep moves it.
type ctClock struct {
	mu    sync.Mutex
	now   time.Time
	slept []time.Duration
}

func (c *ctClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *ctClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.slept = append(c.slept, d)
	c.now = c.now.Add(d)
	return ctx.Err()
}

// ctOrg is an org of exactly 101 repos: one fork, so type=sources fills one
// page of 100; the rest are fillers around the interesting cases.
func ctOrg() []*ctRepo {
	apiFiles := map[string]ctFile{
		"go.mod":                  {content: "module example.com/api\n\ngo 1.26\n"},
		"cmd/api/main.go":         {content: "package main\n"},
		"docs/read me.md":         {content: "# read me\n"},
		"docs/résumé #1 100%.md":  {content: "unicode, a hash and a percent sign\n"},
		"deploy/run.sh":           {content: "#!/bin/sh\nexec api\n", mode: "100755"},
		"link-to-passwd":          {content: "../../etc/passwd", mode: "120000"},
		"vendor/lib":              {content: ctCommitSHA, mode: "160000"},
		"services/a/go.mod":       {content: "module example.com/shared\n"},
		"services/b/go.mod":       {content: "module example.com/shared\n"},
		"services/b/package.json": {content: `{"name":"b","dependencies":{}}`},
		"services/b/empty.txt":    {content: ""},
		// Trees keep the modes old histories wrote: still a regular file.
		"legacy/notes.txt": {content: "group-writable\n", mode: "100664"},
	}
	repos := []*ctRepo{
		{name: "api", defaultBranch: "main", branches: map[string]map[string]ctFile{"main": apiFiles}, size: 120,
			topics: []string{"go", "team-payments"}, teams: map[string]string{"payments": "admin", "platform": "write"}},
		{name: "empty", defaultBranch: "main", size: 0},
		{name: "tiny", defaultBranch: "main", size: 0, branches: map[string]map[string]ctFile{"main": {"README.md": {content: ""}}}},
		{name: "rel", defaultBranch: "release/1.x", size: 3, branches: map[string]map[string]ctFile{
			"release/1.x": {"go.mod": {content: "module example.com/rel\n"}},
			"main":        {"go.mod": {content: "module example.com/rel/v2\n"}},
		}},
		{name: "old", defaultBranch: "main", archived: true, branches: map[string]map[string]ctFile{"main": {"a": {content: "a"}}}},
		{name: "gone", defaultBranch: "main", disabled: true, branches: map[string]map[string]ctFile{"main": {"a": {content: "a"}}}},
		{name: "forked", defaultBranch: "main", fork: true, branches: map[string]map[string]ctFile{"main": {"a": {content: "a"}}}},
	}
	for i := range 94 {
		r := &ctRepo{name: fmt.Sprintf("filler-%02d", i), defaultBranch: "main", size: 1,
			branches: map[string]map[string]ctFile{"main": {"README.md": {content: fmt.Sprintf("filler %d\n", i)}}}}
		switch i {
		case 1:
			r.teams = map[string]string{"platform": "maintain:release-manager"}
		case 2:
			r.teams = map[string]string{"platform": "admin"}
			r.roleOnly = true
		case 3:
			r.teams = map[string]string{"platform": "triage"}
		case 4:
			r.omitDefaultBranch = true
		}
		repos = append(repos, r)
	}
	return repos
}

func ctRepoNamed(t *testing.T, repos []source.Repo, name string) source.Repo {
	t.Helper()
	for _, r := range repos {
		if r.Name == name {
			return r
		}
	}
	t.Fatalf("%s not listed", name)
	return source.Repo{}
}

// TestContractGHESScan runs the whole source against a GHES behind a path
// prefix: one full page of repos and the empty page after it, GraphQL HEADs,
// teams, a tree looked up by tree SHA only, raw blobs and evidence URLs.
func TestContractGHESScan(t *testing.T) {
	f := newCTGitHub(t, "/ghe", ctOrg())
	f.fullPageNext = true
	f.splitLinks = true
	s, err := New(f.config(t, f.srv.URL+"/ghe"), Options{Teams: true, Store: &ctStore{m: map[string][]byte{}}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	repos, err := s.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(repos) != 98 {
		t.Errorf("listed %d repos, want 98 (100 sources less one archived and one disabled)", len(repos))
	}
	for _, r := range repos {
		if r.Name == "octo-org/old" || r.Name == "octo-org/gone" || r.Name == "octo-org/forked" {
			t.Errorf("%s listed", r.Name)
		}
	}
	if got := f.count(ctOrgRepos); got != 2 {
		t.Errorf("listing pages = %d, want 2 (a full page, then the empty one)", got)
	}
	if got := f.count(ctGraphQL); got != 1 {
		t.Errorf("GraphQL queries = %d, want 1", got)
	}
	if got := f.count(ctTeams) + f.count(ctTeamRepos); got != 3 {
		t.Errorf("team requests = %d, want 3 (the teams, then each team's repos)", got)
	}

	api := ctRepoNamed(t, repos, "octo-org/api")
	if api.DefaultBranch != "main" || api.WebURL != f.web()+"/octo-org/api" || api.CloneURL != f.web()+"/octo-org/api.git" || !slices.Equal(api.Topics, []string{"go", "team-payments"}) {
		t.Errorf("api listed as %+v", api)
	}
	for name, want := range map[string][]string{"api": {"payments"}, "filler-01": {"platform"}, "filler-02": {"platform"}, "filler-03": nil} {
		if got := ctRepoNamed(t, repos, "octo-org/"+name).Teams; !slices.Equal(got, want) {
			t.Errorf("%s teams = %v, want %v", name, got, want)
		}
	}

	// Every HEAD came with the listing; the empty repo costs nothing either.
	f.reset()
	for _, r := range repos {
		head, err := s.Head(ctx, r)
		switch want := f.head(r.ShortName()); {
		case want == "" && !errors.Is(err, source.ErrEmpty):
			t.Errorf("Head(%s) = %q, %v; want ErrEmpty", r.Name, head, err)
		case want != "" && (err != nil || head != want):
			t.Errorf("Head(%s) = %q, %v; want %s", r.Name, head, err, want)
		}
	}
	if got := f.count(ctCommit); got != 0 {
		t.Errorf("Head made %d requests after GraphQL answered", got)
	}

	tr, err := s.Open(ctx, api, f.head("api"))
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, e := range tr.Entries() {
		paths = append(paths, e.Path)
		if want := len(f.repo("api").branches["main"][e.Path].content); e.Size != int64(want) {
			t.Errorf("%s size %d, want %d", e.Path, e.Size, want)
		}
	}
	want := []string{"cmd/api/main.go", "deploy/run.sh", "docs/read me.md", "docs/résumé #1 100%.md", "go.mod",
		"legacy/notes.txt", "services/a/go.mod", "services/b/empty.txt", "services/b/go.mod", "services/b/package.json"}
	if !slices.Equal(paths, want) {
		t.Errorf("entries = %q\nwant      %q", paths, want)
	}
	// The tree endpoint takes a tree SHA: the commit's tree is looked up once.
	if f.count(ctTree) != 2 || f.count(ctGitCommit) != 1 {
		t.Errorf("Open made %d tree and %d commit requests, want 2 and 1", f.count(ctTree), f.count(ctGitCommit))
	}
	// Known now: the next repo goes to its commit first.
	f.reset()
	if _, err := s.Open(ctx, ctRepoNamed(t, repos, "octo-org/rel"), f.head("rel")); err != nil {
		t.Fatal(err)
	}
	if f.count(ctTree) != 1 || f.count(ctGitCommit) != 1 {
		t.Errorf("second Open made %d tree and %d commit requests, want 1 and 1", f.count(ctTree), f.count(ctGitCommit))
	}

	f.reset()
	for _, p := range want {
		got, err := tr.Read(ctx, p, 1<<20)
		if err != nil {
			t.Fatalf("Read(%s): %v", p, err)
		}
		if w := f.repo("api").branches["main"][p].content; string(got) != w {
			t.Errorf("Read(%s) = %q, want %q", p, got, w)
		}
	}
	if got := f.count(ctBlob); got != len(want)-1 {
		t.Errorf("blob requests = %d, want %d (services/a and b share go.mod)", got, len(want)-1)
	}
	if _, err := tr.Read(ctx, "go.mod", 3); !errors.Is(err, source.ErrTooLarge) {
		t.Errorf("Read over the limit: %v", err)
	}
	for _, p := range []string{"link-to-passwd", "vendor/lib", "vendor"} {
		if _, err := tr.Read(ctx, p, 0); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Read(%s): %v, want not found", p, err)
		}
	}
	if got := f.count(ctBlob); got != len(want)-1 {
		t.Errorf("refused reads made %d requests", got-len(want)+1)
	}

	if got, want := tr.FileURL("docs/résumé #1 100%.md", 3), f.web()+"/octo-org/api/blob/"+f.head("api")+"/docs/r%C3%A9sum%C3%A9%20%231%20100%25.md#L3"; got != want {
		t.Errorf("FileURL = %s\nwant      %s", got, want)
	}
	if got, want := tr.FileURL("docs/read me.md", 0), f.web()+"/octo-org/api/blob/"+f.head("api")+"/docs/read%20me.md"; got != want {
		t.Errorf("FileURL = %s, want %s", got, want)
	}
	// base_url names the GHES host, not its API: one probe of the host's
	// root settles that, then every request goes to /ghe/api/v3.
	f.mu.Lock()
	if len(f.undocumented) == 1 && f.undocumented[0] == "GET /ghe/orgs/octo-org/repos?per_page=1" {
		f.undocumented = nil
	}
	f.mu.Unlock()
	f.checkDocumented(t)
}

// TestContractRESTHeads looks HEADs up over REST where GraphQL is missing:
// the documented sha media type, a branch with a slash, an empty repo's 409,
// a listing without default_branch, and 304s for a rescan.
func TestContractRESTHeads(t *testing.T) {
	f := newCTGitHub(t, "", ctOrg())
	f.graphql = "absent"
	s, err := New(f.config(t, f.srv.URL+"/api/v3"), Options{Store: &ctStore{m: map[string][]byte{}}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for scan := range 2 {
		f.reset()
		repos, err := s.List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// GraphQL is found missing once, then never asked again.
		if got, want := f.count(ctGraphQL), 1-scan; got != want {
			t.Errorf("scan %d: GraphQL requests = %d, want %d", scan, got, want)
		}
		for _, name := range []string{"api", "rel", "tiny", "empty", "filler-04"} {
			head, err := s.Head(ctx, ctRepoNamed(t, repos, "octo-org/"+name))
			switch want := f.head(name); {
			case want == "" && !errors.Is(err, source.ErrEmpty):
				t.Errorf("scan %d: Head(%s) = %q, %v; want ErrEmpty", scan, name, head, err)
			case want != "" && (err != nil || head != want):
				t.Errorf("scan %d: Head(%s) = %q, %v; want %s", scan, name, head, err, want)
			}
		}
		// filler-04 was listed without its default branch: the repo names it.
		if got := f.count(ctCommit) + f.count(ctRepoGet); got != 6 {
			t.Errorf("scan %d: commit and repo requests = %d, want 6", scan, got)
		}
		// Nothing pushed: the rescan's lookups are all answered 304.
		if got, want := f.answered(ctCommit, http.StatusNotModified)+f.answered(ctRepoGet, http.StatusNotModified), 5*scan; got != want {
			t.Errorf("scan %d: 304 answers = %d, want %d", scan, got, want)
		}
	}
	f.checkDocumented(t)
}

// TestContractGraphQLFallback: whatever GraphQL says short of HEADs, they
// come over REST, right, and an empty repo is still found empty.
func TestContractGraphQLFallback(t *testing.T) {
	for _, mode := range []string{"unauthorized", "forbidden", "errors", "bare"} {
		t.Run(mode, func(t *testing.T) {
			f := newCTGitHub(t, "", ctOrg())
			f.graphql = mode
			s, err := New(f.config(t, f.api()), Options{})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			repos, err := s.List(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if got := f.count(ctGraphQL); got != 1 {
				t.Errorf("GraphQL requests = %d, want 1", got)
			}
			if head, err := s.Head(ctx, ctRepoNamed(t, repos, "octo-org/api")); err != nil || head != f.head("api") {
				t.Errorf("Head(api) = %q, %v; want %s", head, err, f.head("api"))
			}
			if _, err := s.Head(ctx, ctRepoNamed(t, repos, "octo-org/empty")); !errors.Is(err, source.ErrEmpty) {
				t.Errorf("Head(empty) = %v, want ErrEmpty", err)
			}
			f.checkDocumented(t)
		})
	}
}

// TestContractBlobAsJSON: a server that answers blobs in the default JSON
// representation (base64, wrapped) still reads right, byte for byte.
func TestContractBlobAsJSON(t *testing.T) {
	f := newCTGitHub(t, "", ctOrg())
	f.rawIgnored = true
	s, err := New(f.config(t, f.api()), Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tr, err := s.Open(ctx, source.Repo{Name: "octo-org/api", WebURL: f.web() + "/octo-org/api"}, f.head("api"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"go.mod", "services/b/package.json", "services/b/empty.txt", "docs/résumé #1 100%.md"} {
		got, err := tr.Read(ctx, p, 0)
		if w := f.repo("api").branches["main"][p].content; err != nil || string(got) != w {
			t.Errorf("Read(%s) = %q, %v; want %q", p, got, err, w)
		}
	}
	f.checkDocumented(t)
}

// TestContractTruncatedTree walks subtrees by tree SHA when the recursive
// listing is truncated, and finds every file.
func TestContractTruncatedTree(t *testing.T) {
	f := newCTGitHub(t, "", ctOrg())
	f.truncateOver = 4
	s, err := New(f.config(t, f.api()), Options{})
	if err != nil {
		t.Fatal(err)
	}
	tr, err := s.Open(context.Background(), source.Repo{Name: "octo-org/api"}, f.head("api"))
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, e := range tr.Entries() {
		paths = append(paths, e.Path)
	}
	want := []string{"cmd/api/main.go", "deploy/run.sh", "docs/read me.md", "docs/résumé #1 100%.md", "go.mod",
		"legacy/notes.txt", "services/a/go.mod", "services/b/empty.txt", "services/b/go.mod", "services/b/package.json"}
	if !slices.Equal(paths, want) {
		t.Errorf("entries = %q\nwant      %q", paths, want)
	}
	f.checkDocumented(t)
}

// TestContractRateLimits: waits are measured on the server's clock (its
// Date header), not ours, and Retry-After may be an HTTP date.
func TestContractRateLimits(t *testing.T) {
	serverNow := time.Unix(1_900_000_000, 0).UTC()
	f := newCTGitHub(t, "", ctOrg())
	f.intercept = func(w http.ResponseWriter, r *http.Request, n int) bool {
		if !strings.HasSuffix(r.URL.Path, "/orgs/octo-org/repos") {
			return false
		}
		w.Header().Set("Date", serverNow.Format(ctDateLayout))
		switch n {
		case 1: // primary limit spent, resetting in 30s by the server's clock
			w.Header().Set("X-RateLimit-Remaining", "0")
			w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(serverNow.Add(30*time.Second).Unix(), 10))
			ctJSON(w, http.StatusForbidden, map[string]any{"message": "API rate limit exceeded for user ID 1.", "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api", "status": "403"})
			return true
		case 2: // secondary limit, Retry-After as an HTTP date 20s away
			w.Header().Set("Retry-After", serverNow.Add(20*time.Second).Format(ctDateLayout))
			ctJSON(w, http.StatusTooManyRequests, map[string]any{"message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.", "status": "429"})
			return true
		}
		return false
	}
	// Our clock runs 90s ahead of the server's: the reset looks past.
	clock := &ctClock{now: serverNow.Add(90 * time.Second)}
	cfg := f.config(t, f.api())
	off := false
	cfg.GraphQL = &off
	s, err := New(cfg, Options{Sleep: clock.Sleep, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.List(context.Background()); err != nil {
		t.Fatal(err)
	}
	if want := []time.Duration{31 * time.Second, 20 * time.Second}; !slices.Equal(clock.slept, want) {
		t.Errorf("waits = %v, want %v", clock.slept, want)
	}
	if got := f.count(ctOrgRepos); got != 3 {
		t.Errorf("listing requests = %d, want 3 (two refused, then the one page)", got)
	}
}

// TestContractAPIRoot settles an ambiguous base_url: a host serving the API
// at its root (like api.github.com) is used as written, a GHES host gets
// /api/v3/; either way at the cost of one probe request per source.
func TestContractAPIRoot(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    func(t *testing.T) *ctGitHub
	}{
		{"api at the root", func(t *testing.T) *ctGitHub { return newCTGitHubAtRoot(t, ctOrg()) }},
		{"GHES host", func(t *testing.T) *ctGitHub { return newCTGitHub(t, "", ctOrg()) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.f(t)
			s, err := New(f.config(t, f.srv.URL), Options{})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			repos, err := s.List(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(repos) == 0 {
				t.Fatal("no repos listed")
			}
			if head, err := s.Head(ctx, ctRepoNamed(t, repos, "octo-org/api")); err != nil || head != f.head("api") {
				t.Fatalf("Head(api) = %q, %v", head, err)
			}
			probes := f.count(ctOrgRepos)
			f.mu.Lock()
			undocumented := len(f.undocumented)
			f.mu.Unlock()
			if probes+undocumented < 2 || undocumented > 1 {
				t.Errorf("listing requests %d, undocumented %d: want one probe and the listing", probes, undocumented)
			}
			if _, err := s.List(ctx); err != nil {
				t.Fatal(err)
			}
			f.mu.Lock()
			again := len(f.undocumented)
			f.mu.Unlock()
			if again != undocumented {
				t.Errorf("a second List probed again")
			}
		})
	}
}
