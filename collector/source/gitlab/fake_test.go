package gitlab

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/uptake-dev/uptake/collector/source/remote"
)

// Endpoint kinds the fake counts requests by.
const (
	epProjects = "projects" // GET groups/:id/projects
	epGroup    = "group"    // GET groups/:id
	epBranch   = "branch"   // GET projects/:id/repository/branches/:branch
	epTree     = "tree"     // GET projects/:id/repository/tree
	epRaw      = "raw"      // GET projects/:id/repository/files/:path/raw
	epProject  = "project"  // GET projects/:id
	epGraphQL  = "graphql"  // POST /api/graphql
)

// fakeProject is one project the fake serves: its listing JSON as GitLab
// sends it, plus what the other endpoints answer.
type fakeProject struct {
	raw       json.RawMessage
	id        int64
	fullPath  string
	namespace string
	archived  bool
	vis       string
	branch    string
	head      string
	branchRaw json.RawMessage
	tree      []treeNode
	files     map[string][]byte
}

// committedDate is the head commit's committed_date as the branch the
// REST API serves says it, for GraphQL's lastCommit.committedDate.
func (p *fakeProject) committedDate(t testing.TB) string {
	var br struct {
		Commit struct {
			CommittedDate string `json:"committed_date"`
		} `json:"commit"`
	}
	if err := json.Unmarshal(p.branchRaw, &br); err != nil {
		t.Fatal(err)
	}
	return br.Commit.CommittedDate
}

type treeNode struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Type string `json:"type"`
	Path string `json:"path"`
	Mode string `json:"mode"`
}

// fault lets a test answer a request itself; n counts this endpoint's
// requests for this project (1 for the first). It returns false to let the
// fake answer normally.
type fault func(w http.ResponseWriter, ep string, project int64, n int) bool

// fakeGitLab speaks the GitLab v4 REST shapes the source uses and counts
// every request by endpoint and project.
type fakeGitLab struct {
	t        testing.TB
	srv      *httptest.Server
	token    string
	group    fakeGroup
	projects []*fakeProject
	byID     map[int64]*fakeProject

	// maxPerPage caps page sizes below GitLab's 100 to force pagination.
	maxPerPage int
	// noLink leaves the Link header off offset pages, so only X-Next-Page
	// says there is more.
	noLink bool
	// offsetTree answers tree requests with offset pages, as GitLab before
	// 17.1 does with the repository_tree_gitaly_pagination flag off.
	offsetTree bool
	// rateLimit, when set, is sent as RateLimit-Limit with a falling
	// RateLimit-Remaining, as gitlab.com does.
	rateLimit int
	fault     fault
	// hook sees every request first, with the request; it returns true when
	// it has answered.
	hook func(w http.ResponseWriter, r *http.Request, ep string, n int) bool
	// front, when set before the first request, answers every request
	// instead of serve (a fault injector around it).
	front http.Handler

	mu        sync.Mutex
	counts    map[string]int
	byProject map[string]int // ep + "/" + id
	total     int
}

type fakeGroup struct {
	id       int64
	fullPath string
}

func newFake(t testing.TB, projects []*fakeProject) *fakeGitLab {
	f := &fakeGitLab{
		t:          t,
		token:      "glpat-s3cr3t-Zx81",
		group:      fakeGroup{id: 10, fullPath: "acme"},
		projects:   projects,
		byID:       map[int64]*fakeProject{},
		maxPerPage: 100,
		counts:     map[string]int{},
		byProject:  map[string]int{},
	}
	for _, p := range projects {
		f.byID[p.id] = p
	}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if f.front != nil {
			f.front.ServeHTTP(w, r)
			return
		}
		f.serve(w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// loadFixtures reads testdata: projects.json is one recorded listing, and
// projects/<id>/ holds branch.json, tree.json and raw/<path> for each
// non-empty project.
func loadFixtures(t testing.TB) []*fakeProject {
	t.Helper()
	data, err := os.ReadFile("testdata/projects.json")
	if err != nil {
		t.Fatal(err)
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(data, &raws); err != nil {
		t.Fatal(err)
	}
	var out []*fakeProject
	for _, raw := range raws {
		p := parseProject(t, raw)
		dir := filepath.Join("testdata", "projects", strconv.FormatInt(p.id, 10))
		if b, err := os.ReadFile(filepath.Join(dir, "branch.json")); err == nil {
			p.branchRaw = b
			var br struct {
				Commit struct{ ID string } `json:"commit"`
			}
			if err := json.Unmarshal(b, &br); err != nil {
				t.Fatal(err)
			}
			p.head = br.Commit.ID
			readJSON(t, filepath.Join(dir, "tree.json"), &p.tree)
			p.files = map[string][]byte{}
			rawDir := filepath.Join(dir, "raw")
			err := filepath.WalkDir(rawDir, func(path string, d os.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return err
				}
				rel, _ := filepath.Rel(rawDir, path)
				p.files[filepath.ToSlash(rel)], err = os.ReadFile(path)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		out = append(out, p)
	}
	return out
}

func parseProject(t testing.TB, raw json.RawMessage) *fakeProject {
	var v struct {
		ID            int64  `json:"id"`
		FullPath      string `json:"path_with_namespace"`
		DefaultBranch string `json:"default_branch"`
		Archived      bool   `json:"archived"`
		Visibility    string `json:"visibility"`
		Namespace     struct {
			FullPath string `json:"full_path"`
		} `json:"namespace"`
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	return &fakeProject{raw: raw, id: v.ID, fullPath: v.FullPath, namespace: v.Namespace.FullPath, archived: v.Archived,
		vis: v.Visibility, branch: v.DefaultBranch}
}

func readJSON(t testing.TB, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func (f *fakeGitLab) url() string { return f.srv.URL }

// count returns the requests made to ep, for one project when id > 0.
func (f *fakeGitLab) count(ep string, id int64) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if id > 0 {
		return f.byProject[ep+"/"+strconv.FormatInt(id, 10)]
	}
	return f.counts[ep]
}

// requests is the total so far.
func (f *fakeGitLab) requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.total
}

// projectRequests is every request about one project (branch, tree, raw).
func (f *fakeGitLab) projectRequests(id int64) int {
	return f.count(epBranch, id) + f.count(epTree, id) + f.count(epRaw, id)
}

func (f *fakeGitLab) record(ep string, id int64) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.total++
	f.counts[ep]++
	k := ep + "/" + strconv.FormatInt(id, 10)
	f.byProject[k]++
	return f.byProject[k]
}

func message(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	fmt.Fprintf(w, `{"message":%q}`, msg)
}

func (f *fakeGitLab) serve(w http.ResponseWriter, r *http.Request) {
	graphql := r.Method == http.MethodPost && r.URL.Path == "/api/graphql"
	if r.Method != http.MethodGet && !graphql {
		message(w, http.StatusMethodNotAllowed, "405 Method Not Allowed")
		return
	}
	// Segments stay escaped so file paths and branch names keep their %2F.
	segs := strings.Split(strings.TrimPrefix(r.URL.EscapedPath(), "/api/v4/"), "/")
	var ep string
	var id int64
	switch {
	case graphql:
		ep = epGraphQL
	case len(segs) == 3 && segs[0] == "groups" && segs[2] == "projects":
		ep = epProjects
	case len(segs) == 2 && segs[0] == "groups":
		ep = epGroup
	case len(segs) == 2 && segs[0] == "projects":
		ep = epProject
		id, _ = strconv.ParseInt(segs[1], 10, 64)
	case len(segs) >= 4 && segs[0] == "projects" && segs[2] == "repository":
		id, _ = strconv.ParseInt(segs[1], 10, 64)
		switch {
		case len(segs) == 5 && segs[3] == "branches":
			ep = epBranch
		case len(segs) == 4 && segs[3] == "tree":
			ep = epTree
		case len(segs) == 6 && segs[3] == "files" && segs[5] == "raw":
			ep = epRaw
		}
	}
	if ep == "" {
		f.t.Errorf("unexpected request %s", r.URL)
		message(w, http.StatusNotFound, "404 Not Found")
		return
	}
	n := f.record(ep, id)
	if f.rateLimit > 0 {
		h := w.Header()
		h.Set("RateLimit-Limit", strconv.Itoa(f.rateLimit))
		h.Set("RateLimit-Observed", strconv.Itoa(f.requests()))
		h.Set("RateLimit-Remaining", strconv.Itoa(max(f.rateLimit-f.requests(), 0)))
		h.Set("RateLimit-Reset", "1893456000")
	}
	if f.hook != nil && f.hook(w, r, ep, n) {
		return
	}
	if f.fault != nil && f.fault(w, ep, id, n) {
		return
	}
	if r.Header.Get("PRIVATE-TOKEN") != f.token {
		message(w, http.StatusUnauthorized, "401 Unauthorized")
		return
	}
	q := r.URL.Query()
	switch ep {
	case epGraphQL:
		f.serveGraphQL(w, r)
	case epProjects:
		f.serveProjects(w, r, unescape(segs[1]))
	case epGroup:
		g := unescape(segs[1])
		if g != strconv.FormatInt(f.group.id, 10) && !strings.EqualFold(g, f.group.fullPath) {
			message(w, http.StatusNotFound, "404 Group Not Found")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"id":%d,"web_url":"https://gitlab.example.com/groups/%[2]s","name":"Acme","path":%[2]q,`+
			`"description":"","visibility":"private","full_name":"Acme","full_path":%[2]q,"parent_id":null,`+
			`"projects":[],"shared_projects":[]}`, f.group.id, f.group.fullPath)
	case epProject:
		p := f.byID[id]
		if p == nil {
			message(w, http.StatusNotFound, "404 Project Not Found")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(p.raw)
	case epBranch:
		p := f.byID[id]
		if p == nil || p.branchRaw == nil || unescape(segs[4]) != p.branch {
			message(w, http.StatusNotFound, "404 Branch Not Found")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(p.branchRaw)
	case epTree:
		p := f.byID[id]
		if p == nil || p.head == "" || q.Get("ref") != p.head {
			message(w, http.StatusNotFound, "404 Tree Not Found")
			return
		}
		if q.Get("pagination") != "keyset" || q.Get("recursive") != "true" {
			f.t.Errorf("tree request %s: want recursive keyset pagination", r.URL.RawQuery)
		}
		f.serveTree(w, r, p)
	case epRaw:
		p := f.byID[id]
		b, ok := []byte(nil), false
		if p != nil && q.Get("ref") == p.head {
			b, ok = p.files[unescape(segs[4])]
		}
		if !ok {
			message(w, http.StatusNotFound, "404 File Not Found")
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write(b)
	}
}

func unescape(s string) string {
	u, err := url.PathUnescape(s)
	if err != nil {
		return s
	}
	return u
}

func (f *fakeGitLab) perPage(q url.Values) int {
	n, err := strconv.Atoi(q.Get("per_page"))
	if err != nil || n <= 0 {
		n = 20
	}
	return min(n, f.maxPerPage)
}

// serveProjects answers groups/:id/projects with offset pagination and the
// filters GitLab applies server-side.
func (f *fakeGitLab) serveProjects(w http.ResponseWriter, r *http.Request, group string) {
	q := r.URL.Query()
	root := f.group.fullPath
	if group != root && group != strconv.FormatInt(f.group.id, 10) {
		message(w, http.StatusNotFound, "404 Group Not Found")
		return
	}
	var sel []json.RawMessage
	for _, p := range f.projects {
		inGroup := p.namespace == root
		below := strings.HasPrefix(p.namespace, root+"/")
		switch {
		case !inGroup && !below && q.Get("with_shared") == "false":
			continue
		case below && q.Get("include_subgroups") != "true":
			continue
		case q.Get("archived") == "false" && p.archived:
			continue
		case q.Get("visibility") != "" && q.Get("visibility") != p.vis:
			continue
		}
		sel = append(sel, p.raw)
	}
	if q.Get("order_by") != "id" || q.Get("sort") != "asc" {
		f.t.Errorf("projects request %s: want order_by=id&sort=asc", r.URL.RawQuery)
	}
	page, _ := strconv.Atoi(q.Get("page"))
	page = max(page, 1)
	per := f.perPage(q)
	start := min((page-1)*per, len(sel))
	end := min(start+per, len(sel))
	pages := (len(sel) + per - 1) / per
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Page", strconv.Itoa(page))
	h.Set("X-Per-Page", strconv.Itoa(per))
	h.Set("X-Total", strconv.Itoa(len(sel)))
	h.Set("X-Total-Pages", strconv.Itoa(pages))
	h.Set("X-Next-Page", "")
	h.Set("X-Prev-Page", "")
	link := func(page int, rel string) string {
		u := *r.URL
		v := u.Query()
		v.Set("page", strconv.Itoa(page))
		u.RawQuery = v.Encode()
		return fmt.Sprintf(`<%s%s>; rel="%s"`, f.srv.URL, u.RequestURI(), rel)
	}
	var links []string
	if end < len(sel) {
		h.Set("X-Next-Page", strconv.Itoa(page+1))
		links = append(links, link(page+1, "next"))
	}
	if page > 1 {
		h.Set("X-Prev-Page", strconv.Itoa(page-1))
		links = append(links, link(page-1, "prev"))
	}
	links = append(links, link(1, "first"), link(max(pages, 1), "last"))
	if !f.noLink {
		h.Set("Link", strings.Join(links, ", "))
	}
	_, _ = w.Write(joinJSON(sel[start:end]))
}

// serveTree answers a recursive tree with keyset pagination: the next
// page's Link carries page_token, Gitaly's cursor as GitLab encodes it
// (base64 of {"file_name": last path}); the client treats it as opaque.
func (f *fakeGitLab) serveTree(w http.ResponseWriter, r *http.Request, p *fakeProject) {
	q := r.URL.Query()
	if f.offsetTree {
		page, _ := strconv.Atoi(q.Get("page"))
		page = max(page, 1)
		start := min((page-1)*f.perPage(q), len(p.tree))
		end := min(start+f.perPage(q), len(p.tree))
		if end < len(p.tree) {
			w.Header().Set("X-Next-Page", strconv.Itoa(page+1))
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(p.tree[start:end])
		return
	}
	start := 0
	if tok := q.Get("page_token"); tok != "" {
		var cursor struct {
			FileName string `json:"file_name"`
		}
		b, _ := base64.StdEncoding.DecodeString(tok)
		_ = json.Unmarshal(b, &cursor)
		i := slices.IndexFunc(p.tree, func(n treeNode) bool { return n.Path == cursor.FileName })
		if i < 0 {
			message(w, http.StatusBadRequest, "400 Bad request - page_token is invalid")
			return
		}
		start = i + 1
	}
	end := min(start+f.perPage(q), len(p.tree))
	page := p.tree[start:end]
	if end < len(p.tree) {
		u := *r.URL
		v := u.Query()
		cursor, _ := json.Marshal(map[string]string{"file_name": page[len(page)-1].Path})
		v.Set("page_token", base64.StdEncoding.EncodeToString(cursor))
		u.RawQuery = v.Encode()
		w.Header().Set("Link", fmt.Sprintf(`<%s%s>; rel="next"`, f.srv.URL, u.RequestURI()))
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(page)
}

// serveGraphQL answers the two queries the source sends, in the shapes of
// GitLab's schema: projects(ids:) with each repository's root ref and last
// commit, and one project's repository.blobs(ref:, paths:), whose size is a
// BigInt (a string) and whose rawTextBlob is null for binary content.
func (f *fakeGitLab) serveGraphQL(w http.ResponseWriter, r *http.Request) {
	var q struct {
		Query     string `json:"query"`
		Variables struct {
			IDs   []string `json:"ids"`
			First int      `json:"first"`
			Path  string   `json:"path"`
			Ref   string   `json:"ref"`
			Paths []string `json:"paths"`
		} `json:"variables"`
	}
	if err := json.NewDecoder(r.Body).Decode(&q); err != nil {
		message(w, http.StatusBadRequest, err.Error())
		return
	}
	var data any
	switch {
	case strings.Contains(q.Query, "projects(ids: $ids, first: $first)"):
		if q.Variables.First > 100 || len(q.Variables.IDs) > q.Variables.First {
			f.t.Errorf("graphql: %d ids, first %d", len(q.Variables.IDs), q.Variables.First)
		}
		nodes := []any{}
		for _, gid := range q.Variables.IDs {
			id, _ := strconv.ParseInt(strings.TrimPrefix(gid, "gid://gitlab/Project/"), 10, 64)
			p := f.byID[id]
			switch {
			case p == nil:
			case p.head == "":
				nodes = append(nodes, map[string]any{"id": gid, "repository": map[string]any{"empty": true, "rootRef": nil, "tree": nil}})
			default:
				commit := map[string]any{"sha": p.head}
				if strings.Contains(q.Query, "committedDate") {
					commit["committedDate"] = p.committedDate(f.t)
				}
				nodes = append(nodes, map[string]any{"id": gid, "repository": map[string]any{"empty": false, "rootRef": p.branch,
					"tree": map[string]any{"lastCommit": commit}}})
			}
		}
		data = map[string]any{"projects": map[string]any{"nodes": nodes}}
	case strings.Contains(q.Query, "blobs(ref: $ref, paths: $paths)"):
		var p *fakeProject
		for _, c := range f.projects {
			if strings.EqualFold(c.fullPath, q.Variables.Path) {
				p = c
			}
		}
		if p == nil {
			data = map[string]any{"project": nil}
			break
		}
		nodes := []any{}
		for _, path := range q.Variables.Paths {
			b, ok := p.files[path]
			if !ok || q.Variables.Ref != p.head {
				continue
			}
			var text any
			if utf8.Valid(b) && !bytes.ContainsRune(b, 0) {
				text = string(b)
			}
			nodes = append(nodes, map[string]any{"path": path, "oid": remote.BlobID(b, false), "size": strconv.Itoa(len(b)), "rawTextBlob": text})
		}
		data = map[string]any{"project": map[string]any{"repository": map[string]any{"blobs": map[string]any{"nodes": nodes}}}}
	default:
		f.t.Errorf("graphql: unexpected query %q", q.Query)
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"data": data})
}

func joinJSON(items []json.RawMessage) []byte {
	b := []byte{'['}
	for i, it := range items {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, it...)
	}
	return append(b, ']')
}

// memStore is a source.Store in memory that counts hits.
type memStore struct {
	mu   sync.Mutex
	m    map[string][]byte
	hits int
}

func newMemStore() *memStore { return &memStore{m: map[string][]byte{}} }

func (s *memStore) Get(key string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.m[key]
	if ok {
		s.hits++
	}
	return b, ok
}

func (s *memStore) Put(key string, value []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[key] = value
	return nil
}
