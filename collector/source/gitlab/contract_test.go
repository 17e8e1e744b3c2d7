package gitlab

// A fake GitLab written from the REST API v4 documentation alone
// (docs.gitlab.com/api: groups, projects, branches, repositories,
// repository files, rest pagination, rate limits), not from the source or
// its other fakes, so that a misreading shared by the source and
// fake_test.go shows up here. Paths route exactly as documented (ids may be
// numeric or URL-encoded full paths), unknown paths are 404, unknown query
// parameters ignored, and every response carries the headers GitLab sends.

import (
	"context"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path"
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

type ctGroup struct {
	id       int64
	fullPath string
}

type ctFile struct {
	content string
	mode    string // "" is 100644; 120000 a symlink; 160000 a submodule
}

type ctProject struct {
	id            int64
	path          string // full path with namespace
	defaultBranch *string
	// branches maps a branch to its files; none means an empty repository.
	branches           map[string]map[string]ctFile
	archived           bool
	visibility         string
	topics             []string
	forkedFrom         bool
	markedForDeletion  bool
	repositoryDisabled bool
	sharedInto         string // full path of the group it is shared with
	omitEmptyRepo      bool   // the listing leaves empty_repo out
	omitVisibility     bool   // and visibility
	commits            map[string]string
}

func (p *ctProject) namespace() string { return path.Dir(p.path) }

func (p *ctProject) empty() bool { return len(p.branches) == 0 }

type ctGitLab struct {
	t      *testing.T
	srv    *httptest.Server
	prefix string // a relative-URL install: the instance lives below it
	token  string
	groups []ctGroup
	projs  []*ctProject

	// uncounted leaves out X-Total, X-Total-Pages and rel="last", as GitLab
	// does past 10,000 records, and so links a next page after every full one.
	uncounted bool
	// splitLinks sends each Link relation as its own header field.
	splitLinks bool
	// ignoreFilters answers as a GitLab that predates archived= and
	// visibility=: unknown parameters are ignored.
	ignoreFilters bool
	// intercept may answer a request first; true if it did.
	intercept func(w http.ResponseWriter, r *http.Request, n int) bool

	mu           sync.Mutex
	counts       map[string]int
	undocumented []string
	queries      map[string][]url.Values
}

const (
	ctGroupGet   = "group"
	ctProjects   = "group projects"
	ctProjectGet = "project"
	ctBranch     = "branch"
	ctTree       = "tree"
	ctRawFile    = "raw file"
	ctRawBlob    = "raw blob"
	ctToken      = "glpat-contract"
	ctSubmodule  = "0123456789abcdef0123456789abcdef01234567"
)

func ctBlobID(content string) string {
	return fmt.Sprintf("%x", sha1.Sum([]byte(fmt.Sprintf("blob %d\x00%s", len(content), content))))
}

func ctStr(s string) *string { return &s }

func newCTGitLab(t *testing.T, prefix string, projs []*ctProject) *ctGitLab {
	f := &ctGitLab{t: t, prefix: prefix, token: ctToken, projs: projs,
		groups: []ctGroup{{10, "acme"}, {42, "acme/platform"}, {43, "acme/platform/sub"}, {50, "other"}},
		counts: map[string]int{}, queries: map[string][]url.Values{}}
	for _, p := range projs {
		p.commits = map[string]string{}
		for b := range p.branches {
			p.commits[b] = fmt.Sprintf("%x", sha1.Sum([]byte(p.path+"\x00"+b)))
		}
	}
	api := prefix + "/api/v4"
	mux := http.NewServeMux()
	for pattern, h := range map[string]struct {
		name string
		h    http.HandlerFunc
	}{
		"GET " + api + "/groups/{id}":                                    {ctGroupGet, f.group},
		"GET " + api + "/groups/{id}/projects":                           {ctProjects, f.groupProjects},
		"GET " + api + "/projects/{id}":                                  {ctProjectGet, f.project},
		"GET " + api + "/projects/{id}/repository/branches/{branch}":     {ctBranch, f.branch},
		"GET " + api + "/projects/{id}/repository/tree":                  {ctTree, f.tree},
		"GET " + api + "/projects/{id}/repository/files/{file_path}/raw": {ctRawFile, f.rawFile},
		"GET " + api + "/projects/{id}/repository/blobs/{sha}/raw":       {ctRawBlob, f.rawBlob},
	} {
		mux.Handle(pattern, f.serve(h.name, h.h))
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.undocumented = append(f.undocumented, r.Method+" "+r.URL.String())
		f.mu.Unlock()
		ctJSON(w, http.StatusNotFound, map[string]string{"error": "404 Not Found"})
	})
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *ctGitLab) web() string { return f.srv.URL + f.prefix }

func (f *ctGitLab) serve(name string, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.counts[name]++
		n := f.counts[name]
		f.queries[name] = append(f.queries[name], r.URL.Query())
		f.mu.Unlock()
		hdr := w.Header()
		hdr.Set("X-Request-Id", fmt.Sprintf("01CONTRACT%04d", n))
		hdr.Set("X-Runtime", "0.012345")
		hdr.Set("Cache-Control", "max-age=0, private, must-revalidate")
		hdr.Set("Vary", "Origin, Accept-Encoding")
		hdr.Set("X-Content-Type-Options", "nosniff")
		hdr.Set("X-Frame-Options", "SAMEORIGIN")
		if f.intercept != nil && f.intercept(w, r, n) {
			return
		}
		if r.Header.Get("PRIVATE-TOKEN") != f.token && r.Header.Get("Authorization") != "Bearer "+f.token {
			ctJSON(w, http.StatusUnauthorized, map[string]string{"message": "401 Unauthorized"})
			return
		}
		h(w, r)
	})
}

func ctJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	w.Header().Set("Content-Type", "application/json")
	if code == http.StatusOK {
		w.Header().Set("ETag", fmt.Sprintf(`W/"%x"`, sha1.Sum(b)))
	}
	w.WriteHeader(code)
	_, _ = w.Write(b)
}

func (f *ctGitLab) groupByID(id string) (ctGroup, bool) {
	for _, g := range f.groups {
		if id == strconv.FormatInt(g.id, 10) || strings.EqualFold(id, g.fullPath) {
			return g, true
		}
	}
	return ctGroup{}, false
}

func (f *ctGitLab) projectByID(w http.ResponseWriter, r *http.Request) *ctProject {
	id := r.PathValue("id")
	for _, p := range f.projs {
		if id == strconv.FormatInt(p.id, 10) || strings.EqualFold(id, p.path) {
			return p
		}
	}
	ctJSON(w, http.StatusNotFound, map[string]string{"message": "404 Project Not Found"})
	return nil
}

func (f *ctGitLab) renderGroup(g ctGroup) map[string]any {
	parent := any(nil)
	if d := path.Dir(g.fullPath); d != "." {
		if pg, ok := f.groupByID(d); ok {
			parent = pg.id
		}
	}
	return map[string]any{"id": g.id, "name": path.Base(g.fullPath), "path": path.Base(g.fullPath), "full_path": g.fullPath,
		"full_name": strings.ReplaceAll(g.fullPath, "/", " / "), "web_url": f.web() + "/groups/" + g.fullPath,
		"parent_id": parent, "visibility": "private", "description": ""}
}

func (f *ctGitLab) render(p *ctProject) map[string]any {
	ns, _ := f.groupByID(p.namespace())
	vis := p.visibility
	if vis == "" {
		vis = "private"
	}
	topics := p.topics
	if topics == nil {
		topics = []string{}
	}
	access := "enabled"
	if p.repositoryDisabled {
		access = "disabled"
	}
	var db any
	if p.defaultBranch != nil {
		db = *p.defaultBranch
	}
	m := map[string]any{
		"id": p.id, "description": nil, "name": path.Base(p.path), "name_with_namespace": strings.ReplaceAll(p.path, "/", " / "),
		"path": path.Base(p.path), "path_with_namespace": p.path, "created_at": "2025-09-30T13:46:02Z",
		"default_branch": db, "tag_list": topics, "topics": topics,
		"ssh_url_to_repo": "git@example.com:" + p.path + ".git", "http_url_to_repo": f.web() + "/" + p.path + ".git",
		"web_url": f.web() + "/" + p.path, "readme_url": nil, "avatar_url": nil, "forks_count": 0, "star_count": 0,
		"last_activity_at": "2026-09-30T13:46:02Z", "empty_repo": p.empty(), "archived": p.archived, "visibility": vis,
		"repository_access_level": access, "issues_access_level": "enabled",
		"namespace": map[string]any{"id": ns.id, "name": path.Base(ns.fullPath), "path": path.Base(ns.fullPath), "kind": "group",
			"full_path": ns.fullPath, "parent_id": nil, "avatar_url": nil, "web_url": f.web() + "/groups/" + ns.fullPath},
		"shared_with_groups": []any{},
	}
	if p.forkedFrom {
		m["forked_from_project"] = map[string]any{"id": 9999, "path_with_namespace": "upstream/" + path.Base(p.path)}
	}
	if p.markedForDeletion {
		m["marked_for_deletion_at"] = "2026-12-01"
		m["marked_for_deletion_on"] = "2026-12-01"
	}
	return m
}

func (f *ctGitLab) group(w http.ResponseWriter, r *http.Request) {
	g, ok := f.groupByID(r.PathValue("id"))
	if !ok {
		ctJSON(w, http.StatusNotFound, map[string]string{"message": "404 Group Not Found"})
		return
	}
	m := f.renderGroup(g)
	// Deprecated, still the default: up to 100 projects come along.
	if r.URL.Query().Get("with_projects") != "false" {
		projects := []any{}
		for _, p := range f.projs {
			if p.namespace() == g.fullPath && len(projects) < 100 {
				projects = append(projects, f.render(p))
			}
		}
		m["projects"], m["shared_projects"] = projects, []any{}
	}
	ctJSON(w, http.StatusOK, m)
}

// boolParam reads a documented boolean parameter: GitLab takes true/false
// and 1/0.
func boolParam(q url.Values, key string) (bool, bool) {
	switch q.Get(key) {
	case "true", "1":
		return true, true
	case "false", "0":
		return false, true
	}
	return false, false
}

func (f *ctGitLab) groupProjects(w http.ResponseWriter, r *http.Request) {
	g, ok := f.groupByID(r.PathValue("id"))
	if !ok {
		ctJSON(w, http.StatusNotFound, map[string]string{"message": "404 Group Not Found"})
		return
	}
	q := r.URL.Query()
	subgroups, _ := boolParam(q, "include_subgroups") // default false
	shared, set := boolParam(q, "with_shared")
	if !set {
		shared = true
	}
	archived, filterArchived := boolParam(q, "archived")
	var list []*ctProject
	for _, p := range f.projs {
		ns := p.namespace()
		in := ns == g.fullPath || (subgroups && strings.HasPrefix(ns, g.fullPath+"/"))
		if p.sharedInto == g.fullPath && shared {
			in = true
		}
		if !in {
			continue
		}
		if !f.ignoreFilters {
			if filterArchived && p.archived != archived {
				continue
			}
			if v := q.Get("visibility"); v != "" && v != p.visibility {
				continue
			}
		}
		list = append(list, p)
	}
	orderBy := q.Get("order_by")
	desc := q.Get("sort") != "asc"
	sort.SliceStable(list, func(i, j int) bool {
		if orderBy == "id" {
			return (list[i].id < list[j].id) != desc
		}
		return (list[i].path < list[j].path) != desc // stand-in for created_at
	})
	items := make([]any, 0, len(list))
	for _, p := range list {
		m := f.render(p)
		if p.omitEmptyRepo {
			delete(m, "empty_repo")
		}
		if p.omitVisibility {
			delete(m, "visibility")
		}
		items = append(items, m)
	}
	f.offsetPage(w, r, items)
}

// offsetPage writes one page with GitLab's offset pagination headers.
func (f *ctGitLab) offsetPage(w http.ResponseWriter, r *http.Request, items []any) {
	q := r.URL.Query()
	per := 20
	if v, err := strconv.Atoi(q.Get("per_page")); err == nil && v > 0 {
		per = min(v, 100)
	}
	page := 1
	if v, err := strconv.Atoi(q.Get("page")); err == nil && v > 0 {
		page = v
	}
	total := len(items)
	pages := max((total+per-1)/per, 1)
	lo, hi := min((page-1)*per, total), min(page*per, total)
	next := page < pages
	if f.uncounted {
		next = hi-lo == per
	}
	link := func(p int, rel string) string {
		q.Set("page", strconv.Itoa(p))
		q.Set("per_page", strconv.Itoa(per))
		return fmt.Sprintf(`<http://%s%s?%s>; rel="%s"`, r.Host, r.URL.EscapedPath(), q.Encode(), rel)
	}
	var links []string
	if page > 1 {
		links = append(links, link(page-1, "prev"))
	}
	if next {
		links = append(links, link(page+1, "next"))
	}
	links = append(links, link(1, "first"))
	if !f.uncounted {
		links = append(links, link(pages, "last"))
	}
	hdr := w.Header()
	hdr.Set("Link", strings.Join(links, ", "))
	hdr.Set("X-Page", strconv.Itoa(page))
	hdr.Set("X-Per-Page", strconv.Itoa(per))
	hdr.Set("X-Next-Page", "")
	if next {
		hdr.Set("X-Next-Page", strconv.Itoa(page+1))
	}
	hdr.Set("X-Prev-Page", "")
	if page > 1 {
		hdr.Set("X-Prev-Page", strconv.Itoa(page-1))
	}
	if !f.uncounted {
		hdr.Set("X-Total", strconv.Itoa(total))
		hdr.Set("X-Total-Pages", strconv.Itoa(pages))
	}
	ctJSON(w, http.StatusOK, items[lo:hi])
}

func (f *ctGitLab) project(w http.ResponseWriter, r *http.Request) {
	if p := f.projectByID(w, r); p != nil {
		ctJSON(w, http.StatusOK, f.render(p))
	}
}

func (f *ctGitLab) branch(w http.ResponseWriter, r *http.Request) {
	p := f.projectByID(w, r)
	if p == nil {
		return
	}
	name := r.PathValue("branch")
	sha, ok := p.commits[name]
	if !ok {
		ctJSON(w, http.StatusNotFound, map[string]string{"message": "404 Branch Not Found"})
		return
	}
	ctJSON(w, http.StatusOK, map[string]any{
		"name": name, "merged": false, "protected": true, "default": p.defaultBranch != nil && *p.defaultBranch == name,
		"developers_can_push": false, "developers_can_merge": false, "can_push": true,
		"web_url": f.web() + "/" + p.path + "/-/tree/" + name,
		"commit": map[string]any{"id": sha, "short_id": sha[:8], "created_at": "2026-09-30T13:46:02Z", "parent_ids": []string{},
			"title": "contract", "message": "contract", "author_name": "Mona", "author_email": "mona@example.com",
			"authored_date": "2026-09-30T13:46:02Z", "committer_name": "Mona", "committer_email": "mona@example.com",
			"committed_date": "2026-09-30T13:46:02Z", "trailers": map[string]any{}, "web_url": f.web() + "/" + p.path + "/-/commit/" + sha},
	})
}

// files is the branch or commit ref's files, or false.
func (p *ctProject) files(ref string) (map[string]ctFile, bool) {
	for b, sha := range p.commits {
		if ref == b || ref == sha {
			return p.branches[b], true
		}
	}
	if ref == "" && p.defaultBranch != nil { // ref defaults to the default branch
		fs, ok := p.branches[*p.defaultBranch]
		return fs, ok
	}
	return nil, false
}

type ctNode struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Type string `json:"type"`
	Path string `json:"path"`
	Mode string `json:"mode"`
}

// tree lists entries like GET /projects/:id/repository/tree: the top level
// unless recursive, offset pages by default, keyset pages (a Link header
// with page_token, and no X-Next-Page) with pagination=keyset.
func (f *ctGitLab) tree(w http.ResponseWriter, r *http.Request) {
	p := f.projectByID(w, r)
	if p == nil {
		return
	}
	q := r.URL.Query()
	files, ok := p.files(q.Get("ref"))
	if !ok {
		ctJSON(w, http.StatusNotFound, map[string]string{"message": "404 Tree Not Found"})
		return
	}
	recursive, _ := boolParam(q, "recursive")
	nodes := map[string]ctNode{}
	for fp, file := range files {
		dirs := strings.Split(fp, "/")
		for i := 1; i < len(dirs); i++ {
			d := strings.Join(dirs[:i], "/")
			nodes[d] = ctNode{ID: fmt.Sprintf("%x", sha1.Sum([]byte("tree "+d))), Name: dirs[i-1], Type: "tree", Path: d, Mode: "040000"}
		}
		n := ctNode{ID: ctBlobID(file.content), Name: path.Base(fp), Type: "blob", Path: fp, Mode: "100644"}
		switch file.mode {
		case "160000":
			n.ID, n.Type, n.Mode = file.content, "commit", "160000"
		case "":
		default:
			n.Mode = file.mode
		}
		nodes[fp] = n
	}
	var all []ctNode
	for _, n := range nodes {
		if recursive || !strings.Contains(n.Path, "/") {
			all = append(all, n)
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Path < all[j].Path })
	items := make([]any, len(all))
	for i, n := range all {
		items[i] = n
	}
	if q.Get("pagination") != "keyset" {
		f.offsetPage(w, r, items)
		return
	}
	per := 20
	if v, err := strconv.Atoi(q.Get("per_page")); err == nil && v > 0 {
		per = min(v, 100)
	}
	start := 0
	if tok := q.Get("page_token"); tok != "" {
		raw, err := base64.URLEncoding.DecodeString(tok)
		var cursor struct {
			FileName string `json:"file_name"`
		}
		if err != nil || json.Unmarshal(raw, &cursor) != nil {
			ctJSON(w, http.StatusBadRequest, map[string]string{"error": "page_token is invalid"})
			return
		}
		start = sort.Search(len(all), func(i int) bool { return all[i].Path > cursor.FileName })
	}
	end := min(start+per, len(all))
	if end-start == per {
		// Like Gitaly's cursor: a full page always has a next one.
		cursor, _ := json.Marshal(map[string]string{"file_name": all[end-1].Path})
		q.Set("page_token", base64.URLEncoding.EncodeToString(cursor))
		q.Set("id", r.PathValue("id"))
		next := fmt.Sprintf(`<http://%s%s?%s>; rel="next"`, r.Host, r.URL.EscapedPath(), q.Encode())
		if f.splitLinks {
			q.Del("page_token")
			w.Header().Add("Link", fmt.Sprintf(`<http://%s%s?%s>; rel="first"`, r.Host, r.URL.EscapedPath(), q.Encode()))
			w.Header().Add("Link", next)
		} else {
			w.Header().Set("Link", next)
		}
	}
	ctJSON(w, http.StatusOK, items[start:end])
}

func (f *ctGitLab) raw(w http.ResponseWriter, name, content, blob, ref string) {
	hdr := w.Header()
	hdr.Set("Content-Type", "text/plain; charset=utf-8")
	hdr.Set("X-Gitlab-Blob-Id", blob)
	hdr.Set("X-Gitlab-Encoding", "base64")
	hdr.Set("X-Gitlab-File-Name", path.Base(name))
	hdr.Set("X-Gitlab-File-Path", name)
	hdr.Set("X-Gitlab-Ref", ref)
	hdr.Set("X-Gitlab-Size", strconv.Itoa(len(content)))
	hdr.Set("Content-Disposition", fmt.Sprintf(`inline; filename="%s"; filename*=UTF-8''%s`, path.Base(name), url.PathEscape(path.Base(name))))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(content))
}

func (f *ctGitLab) rawFile(w http.ResponseWriter, r *http.Request) {
	p := f.projectByID(w, r)
	if p == nil {
		return
	}
	ref := r.URL.Query().Get("ref")
	files, ok := p.files(ref)
	name := r.PathValue("file_path")
	file, found := files[name]
	if !ok || !found || file.mode == "160000" {
		ctJSON(w, http.StatusNotFound, map[string]string{"message": "404 File Not Found"})
		return
	}
	f.raw(w, name, file.content, ctBlobID(file.content), ref)
}

func (f *ctGitLab) rawBlob(w http.ResponseWriter, r *http.Request) {
	p := f.projectByID(w, r)
	if p == nil {
		return
	}
	for _, files := range p.branches {
		for name, file := range files {
			if ctBlobID(file.content) == r.PathValue("sha") && file.mode != "160000" {
				f.raw(w, name, file.content, r.PathValue("sha"), "")
				return
			}
		}
	}
	ctJSON(w, http.StatusNotFound, map[string]string{"message": "404 Blob Not Found"})
}

func (f *ctGitLab) count(name string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.counts[name]
}

func (f *ctGitLab) reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	clear(f.counts)
	clear(f.queries)
}

func (f *ctGitLab) query(name string, i int) url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.queries[name][i]
}

func (f *ctGitLab) checkDocumented(t *testing.T) {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.undocumented) > 0 {
		t.Errorf("requests outside the documented API: %q", f.undocumented)
	}
}

func (f *ctGitLab) proj(fullPath string) *ctProject {
	for _, p := range f.projs {
		if p.path == fullPath {
			return p
		}
	}
	f.t.Fatalf("no project %s", fullPath)
	return nil
}

func (f *ctGitLab) head(fullPath string) string {
	p := f.proj(fullPath)
	if p.empty() {
		return ""
	}
	return p.commits[*p.defaultBranch]
}

func (f *ctGitLab) config(t *testing.T, group string) config.Source {
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte(f.token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// The recorded REST answers: GraphQL is off.
	graphql := false
	return config.Source{Name: "gl", Type: "gitlab", Group: group, BaseURL: f.web(), TokenFile: tokenFile, GraphQL: &graphql}
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

// ctSpecial are file names a path has to be escaped for.
var ctSpecial = map[string]ctFile{
	"go.mod":                 {content: "module example.com/api\n"},
	"docs/read me.md":        {content: "# read me\n"},
	"docs/résumé #1 100%.md": {content: "unicode, a hash and a percent sign\n"},
	"docs/a+b&c=d?.yaml":     {content: "query: characters\n"},
	"deploy/.gitlab-ci.yml":  {content: "include: []\n"},
	"services/a/go.mod":      {content: "module example.com/shared\n"},
	"services/b/go.mod":      {content: "module example.com/shared\n"},
	"run.sh":                 {content: "#!/bin/sh\n", mode: "100755"},
	"link-to-passwd":         {content: "../../etc/passwd", mode: "120000"},
	"vendor/lib":             {content: ctSubmodule, mode: "160000"},
}

// ctAPIFiles fills ctSpecial up to exactly 200 tree entries (files and
// directories): two full keyset pages, then the empty one.
func ctAPIFiles() map[string]ctFile {
	files := map[string]ctFile{}
	dirs := map[string]bool{"gen": true}
	for p, f := range ctSpecial {
		files[p] = f
		for d := path.Dir(p); d != "."; d = path.Dir(d) {
			dirs[d] = true
		}
	}
	for i := 0; len(files)+len(dirs) < 200; i++ {
		files[fmt.Sprintf("gen/f%03d.txt", i)] = ctFile{content: fmt.Sprintf("generated %d\n", i)}
	}
	return files
}

// ctPlatform is group acme/platform: the interesting projects and enough
// others that the listing's first page of 100 is full.
func ctPlatform() []*ctProject {
	one := func(content string) map[string]map[string]ctFile {
		return map[string]map[string]ctFile{"main": {"README.md": {content: content}}}
	}
	projs := []*ctProject{
		{id: 101, path: "acme/platform/api", defaultBranch: ctStr("main"), visibility: "internal", topics: []string{"go", "team-payments"},
			branches: map[string]map[string]ctFile{"main": ctAPIFiles()}},
		{id: 102, path: "acme/platform/sub/x", defaultBranch: ctStr("release/1.x"), branches: map[string]map[string]ctFile{
			"release/1.x": {"go.mod": {content: "module example.com/x\n"}},
			"main":        {"go.mod": {content: "module example.com/x/v2\n"}},
		}},
		{id: 103, path: "acme/platform/empty-null"},
		{id: 104, path: "acme/platform/empty-main", defaultBranch: ctStr("main")},
		{id: 105, path: "acme/platform/lean", defaultBranch: ctStr("main"), omitEmptyRepo: true},
		{id: 106, path: "acme/platform/old", defaultBranch: ctStr("main"), archived: true, branches: one("old")},
		{id: 107, path: "acme/platform/forked", defaultBranch: ctStr("main"), forkedFrom: true, branches: one("fork")},
		{id: 108, path: "acme/platform/doomed", defaultBranch: ctStr("main"), markedForDeletion: true, branches: one("doomed")},
		{id: 109, path: "acme/platform/issues-only", repositoryDisabled: true},
		{id: 110, path: "acme/elsewhere", defaultBranch: ctStr("main"), branches: one("elsewhere")},
		{id: 111, path: "other/shared", defaultBranch: ctStr("main"), sharedInto: "acme/platform", branches: one("shared")},
	}
	for i := range 92 {
		projs = append(projs, &ctProject{id: int64(200 + i), path: fmt.Sprintf("acme/platform/svc-%02d", i),
			defaultBranch: ctStr("main"), visibility: "private", branches: one(fmt.Sprintf("svc %d\n", i))})
	}
	return projs
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

func ctNoWait(_, _ time.Duration, _ int, _ *http.Response) time.Duration {
	return 0
}

// TestContractGroupScan runs the whole source against a self-managed GitLab
// under a relative URL: a nested group by path, a full page of projects and
// the empty one after it, empty projects, a branch with a slash, a keyset
// tree of two full pages, raw files whose paths need escaping, and evidence
// URLs.
func TestContractGroupScan(t *testing.T) {
	f := newCTGitLab(t, "/gitlab", ctPlatform())
	f.uncounted = true
	f.splitLinks = true
	s, err := New(f.config(t, "acme/platform"), Options{Store: &ctStore{m: map[string][]byte{}}, Backoff: ctNoWait})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	repos, err := s.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// 100 listed: old is archived, other/shared only shared in; doomed and
	// issues-only are left out here.
	if len(repos) != 98 {
		t.Errorf("listed %d projects, want 98", len(repos))
	}
	if got := f.count(ctProjects); got != 2 {
		t.Errorf("listing pages = %d, want 2 (a full page, then the empty one)", got)
	}
	q := f.query(ctProjects, 0)
	for k, v := range map[string]string{"include_subgroups": "true", "with_shared": "false", "archived": "false", "per_page": "100"} {
		if q.Get(k) != v {
			t.Errorf("listing %s=%q, want %q", k, q.Get(k), v)
		}
	}
	for _, name := range []string{"acme/platform/old", "acme/platform/doomed", "acme/platform/issues-only", "other/shared", "acme/elsewhere"} {
		if slices.ContainsFunc(repos, func(r source.Repo) bool { return r.Name == name }) {
			t.Errorf("%s listed", name)
		}
	}
	api := ctRepoNamed(t, repos, "acme/platform/api")
	if api.DefaultBranch != "main" || api.WebURL != f.web()+"/acme/platform/api" || api.CloneURL != f.web()+"/acme/platform/api.git" || api.Namespace != "" ||
		!slices.Equal(api.Topics, []string{"go", "team-payments"}) || api.Ref != "101" {
		t.Errorf("api listed as %+v", api)
	}
	if x := ctRepoNamed(t, repos, "acme/platform/sub/x"); x.Namespace != "sub" || x.DefaultBranch != "release/1.x" {
		t.Errorf("sub/x listed as %+v", x)
	}

	f.reset()
	for _, name := range []string{"acme/platform/api", "acme/platform/sub/x", "acme/platform/forked", "acme/platform/empty-null", "acme/platform/empty-main", "acme/platform/lean"} {
		head, err := s.Head(ctx, ctRepoNamed(t, repos, name))
		switch want := f.head(name); {
		case want == "" && !errors.Is(err, source.ErrEmpty):
			t.Errorf("Head(%s) = %q, %v; want ErrEmpty", name, head, err)
		case want != "" && (err != nil || head != want):
			t.Errorf("Head(%s) = %q, %v; want %s", name, head, err, want)
		}
	}
	// Listed empty costs nothing; lean's listing did not say: its branch is
	// missing and the project says empty.
	if f.count(ctBranch) != 4 || f.count(ctProjectGet) != 1 {
		t.Errorf("Head made %d branch and %d project requests, want 4 and 1", f.count(ctBranch), f.count(ctProjectGet))
	}

	f.reset()
	tr, err := s.Open(ctx, api, f.head("acme/platform/api"))
	if err != nil {
		t.Fatal(err)
	}
	if got := f.count(ctTree); got != 3 {
		t.Errorf("tree pages = %d, want 3 (two full, then the empty one)", got)
	}
	files := ctAPIFiles()
	var want []string
	for p, file := range files {
		if file.mode != "120000" && file.mode != "160000" {
			want = append(want, p)
		}
	}
	slices.Sort(want)
	var paths []string
	for _, e := range tr.Entries() {
		paths = append(paths, e.Path)
		if e.Blob != ctBlobID(files[e.Path].content) {
			t.Errorf("%s blob %s, want %s", e.Path, e.Blob, ctBlobID(files[e.Path].content))
		}
	}
	slices.Sort(paths)
	if !slices.Equal(paths, want) {
		t.Errorf("entries = %q\nwant      %q", paths, want)
	}

	f.reset()
	for p, file := range ctSpecial {
		if file.mode == "120000" || file.mode == "160000" {
			if _, err := tr.Read(ctx, p, 0); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("Read(%s) = %v, want not found", p, err)
			}
			continue
		}
		got, err := tr.Read(ctx, p, 1<<20)
		if err != nil || string(got) != file.content {
			t.Errorf("Read(%s) = %q, %v; want %q", p, got, err, file.content)
		}
	}
	// services/a and b share a blob: the second read is the stored one.
	if got := f.count(ctRawFile) + f.count(ctRawBlob); got != 7 {
		t.Errorf("content requests = %d, want 7", got)
	}
	if _, err := tr.Read(ctx, "docs/read me.md", 4); !errors.Is(err, source.ErrTooLarge) {
		t.Errorf("Read over the limit: %v", err)
	}

	head := f.head("acme/platform/api")
	if got, want := tr.FileURL("docs/résumé #1 100%.md", 3), f.web()+"/acme/platform/api/-/blob/"+head+"/docs/r%C3%A9sum%C3%A9%20%231%20100%25.md#L3"; got != want {
		t.Errorf("FileURL = %s\nwant      %s", got, want)
	}
	if got, want := tr.FileURL("docs/a+b&c=d?.yaml", 0), f.web()+"/acme/platform/api/-/blob/"+head+"/docs/a+b&c=d%3F.yaml"; got != want {
		t.Errorf("FileURL = %s\nwant      %s", got, want)
	}
	f.checkDocumented(t)
}

// TestContractGroupByID: a numeric group is resolved once, without the
// projects its details would carry, and paginated by the counted headers.
func TestContractGroupByID(t *testing.T) {
	f := newCTGitLab(t, "", ctPlatform())
	s, err := New(f.config(t, "42"), Options{Backoff: ctNoWait})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		repos, err := s.List(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if x := ctRepoNamed(t, repos, "acme/platform/sub/x"); x.Namespace != "sub" {
			t.Errorf("sub/x namespace %q, want sub", x.Namespace)
		}
		if len(repos) != 98 {
			t.Errorf("listed %d projects, want 98", len(repos))
		}
	}
	if got := f.count(ctGroupGet); got != 1 {
		t.Errorf("group lookups = %d, want 1", got)
	}
	if got := f.query(ctGroupGet, 0).Get("with_projects"); got != "false" {
		t.Errorf("group lookup with_projects=%q, want false: the details would carry 100 projects", got)
	}
	if got := f.count(ctProjects); got != 2 {
		t.Errorf("listing pages = %d, want 2 (one a scan: X-Next-Page is blank on the last)", got)
	}
	f.checkDocumented(t)
}

// TestContractFiltersHeld: a GitLab that ignores archived= and visibility=
// (an unknown parameter is ignored) still yields only what the config asks.
func TestContractFiltersHeld(t *testing.T) {
	f := newCTGitLab(t, "", ctPlatform())
	f.ignoreFilters = true
	f.proj("acme/platform/svc-00").omitVisibility = true
	cfg := f.config(t, "acme/platform")
	cfg.Visibility = "private"
	s, err := New(cfg, Options{Backoff: ctNoWait})
	if err != nil {
		t.Fatal(err)
	}
	repos, err := s.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range repos {
		if p := f.proj(r.Name); p.archived || (p.visibility != "" && p.visibility != "private") {
			t.Errorf("%s listed (archived %v, visibility %q)", r.Name, p.archived, p.visibility)
		}
	}
	// svc-00's listing does not say its visibility: the server's filter stands.
	for _, name := range []string{"acme/platform/svc-00", "acme/platform/svc-01"} {
		if !slices.ContainsFunc(repos, func(r source.Repo) bool { return r.Name == name }) {
			t.Errorf("%s missing: %d listed", name, len(repos))
		}
	}
}

// TestContractRateLimited: a 429 waits for Retry-After, else until
// RateLimit-Reset, both measured on the host's clock (its Date header).
func TestContractRateLimited(t *testing.T) {
	serverNow := time.Now().Add(-3 * time.Hour).UTC().Truncate(time.Second)
	for _, tc := range []struct {
		name    string
		headers map[string]string
		lo, hi  time.Duration
	}{
		{"retry-after seconds", map[string]string{"Retry-After": "7"}, 7 * time.Second, 7 * time.Second},
		{"retry-after date", map[string]string{"Retry-After": serverNow.Add(20 * time.Second).Format(http.TimeFormat)}, 20 * time.Second, 20 * time.Second},
		{"reset only", map[string]string{"RateLimit-Reset": strconv.FormatInt(serverNow.Add(30*time.Second).Unix(), 10)}, 30 * time.Second, 31 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newCTGitLab(t, "", ctPlatform())
			f.intercept = func(w http.ResponseWriter, r *http.Request, n int) bool {
				if n > 1 || !strings.HasSuffix(r.URL.Path, "/projects") {
					return false
				}
				hdr := w.Header()
				hdr.Set("Date", serverNow.Format(http.TimeFormat))
				hdr.Set("RateLimit-Name", "throttle_authenticated_api")
				hdr.Set("RateLimit-Limit", "60000")
				hdr.Set("RateLimit-Observed", "60001")
				hdr.Set("RateLimit-Remaining", "0")
				hdr.Set("RateLimit-ResetTime", serverNow.Add(30*time.Second).Format(http.TimeFormat))
				for k, v := range tc.headers {
					hdr.Set(k, v)
				}
				hdr.Set("Content-Type", "text/plain")
				w.WriteHeader(http.StatusTooManyRequests)
				_, _ = w.Write([]byte("Retry later\n"))
				return true
			}
			var mu sync.Mutex
			var waits []time.Duration
			s, err := New(f.config(t, "acme/platform"), Options{Backoff: func(waitMin, waitMax time.Duration, attempt int, resp *http.Response) time.Duration {
				mu.Lock()
				defer mu.Unlock()
				waits = append(waits, backoff(waitMin, waitMax, attempt, resp))
				return 0
			}})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.List(context.Background()); err != nil {
				t.Fatal(err)
			}
			if len(waits) != 1 || waits[0] < tc.lo || waits[0] > tc.hi {
				t.Errorf("waits = %v, want one in [%v, %v]", waits, tc.lo, tc.hi)
			}
			if got := f.count(ctProjects); got != 2 {
				t.Errorf("listing requests = %d, want 2 (429, then the page)", got)
			}
		})
	}
}
