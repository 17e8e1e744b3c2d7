package mirror

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/uptake-dev/uptake/internal/gittest"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/uptake-dev/uptake/collector/backfill"
	"github.com/uptake-dev/uptake/collector/runner"
	"github.com/uptake-dev/uptake/collector/snapshot"
	"github.com/uptake-dev/uptake/collector/source"
	"github.com/uptake-dev/uptake/collector/source/local"

	_ "github.com/uptake-dev/uptake/collector/source/github"
	_ "github.com/uptake-dev/uptake/collector/source/gitlab"
)

const token = "ghp_mirrorTestSecret0123456789"

func branchOr(b string) string {
	if b == "" {
		return "main"
	}
	return b
}

func gomod(kit string) string {
	return "module example.com/svc\n\ngo 1.22\n\nrequire github.com/acme/kit " + kit + "\n"
}

// forge is a fake GitHub (REST listing under /api/v3) and GitLab (under
// /api/v4) whose listings point clone URLs at the in-process git server
// over the working repos below root.
type forge struct {
	*httptest.Server
	root string
	// repos are the listed repos: name → default branch ("" for an empty one).
	repos map[string]string
	// cloneURL overrides a repo's clone URL (a hostile listing).
	cloneURL map[string]string
}

func newForge(t *testing.T, user, password string) *forge {
	f := &forge{root: t.TempDir(), repos: map[string]string{}, cloneURL: map[string]string{}}
	mux := http.NewServeMux()
	mux.Handle("/git/", &gitHandler{root: f.root, user: user, password: password})
	mux.HandleFunc("GET /api/v3/orgs/acme/repos", func(w http.ResponseWriter, _ *http.Request) {
		var out []map[string]any
		for _, name := range f.names() {
			out = append(out, map[string]any{
				"id": len(out) + 1, "node_id": "R_" + name, "name": filepath.Base(name), "full_name": name,
				"default_branch": branchOr(f.repos[name]), "html_url": f.URL + "/" + name,
				"clone_url": f.clone(name), "topics": []string{"go"}, "visibility": "private",
				"owner": map[string]any{"login": "acme", "type": "Organization"},
			})
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(out)
	})
	mux.HandleFunc("GET /api/v4/groups/acme/projects", func(w http.ResponseWriter, _ *http.Request) {
		var out []map[string]any
		for _, name := range f.names() {
			out = append(out, map[string]any{
				"id": len(out) + 1, "path_with_namespace": name, "default_branch": branchOr(f.repos[name]),
				"web_url": f.URL + "/" + name, "http_url_to_repo": f.clone(name), "topics": []string{"go"},
				"empty_repo": f.repos[name] == "", "namespace": map[string]any{"full_path": filepath.Dir(name)},
			})
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Total-Pages", "1")
		_ = json.NewEncoder(w).Encode(out)
	})
	f.Server = httptest.NewServer(mux)
	t.Cleanup(f.Close)
	return f
}

func (f *forge) names() []string {
	var out []string
	for n := range f.repos {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

func (f *forge) clone(name string) string {
	if u, ok := f.cloneURL[name]; ok {
		return u
	}
	return f.URL + "/git/" + name + ".git"
}

// add creates a listed repo: one commit on branch, or none when branch is "".
func (f *forge) add(t *testing.T, name, branch string, at time.Time, files map[string]string) string {
	f.repos[name] = branch
	if branch == "" {
		if _, err := git.PlainInit(filepath.Join(f.root, name), false); err != nil {
			t.Fatal(err)
		}
		return ""
	}
	return gittest.Commit(t, filepath.Join(f.root, name), branchOr(branch), at, files)
}

func loadConfig(t *testing.T, sources string) *runner.Loaded {
	t.Helper()
	cfg := filepath.Join(t.TempDir(), "uptake.yml")
	body := "sources:\n" + sources + `
teams:
  from: [namespace, topics]
  known: [team]
  default: unowned
offerings:
  - name: kit
    owner: platform
    lifecycle: ga
    detect:
      - {kind: gomod, module: github.com/acme/kit}
`
	if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := runner.Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func headOf(t *testing.T, path string) string {
	t.Helper()
	r, err := git.PlainOpen(path)
	if err != nil {
		t.Fatal(err)
	}
	h, err := r.Head()
	if err != nil {
		t.Fatal(err)
	}
	return h.Hash().String()
}

func TestMirrorGitHubCloneThenFetch(t *testing.T) {
	f := newForge(t, "x-access-token", token)
	now := time.Now().UTC().Truncate(time.Second)
	a1 := f.add(t, "acme/svc-a", "main", now.Add(-72*time.Hour), map[string]string{"go.mod": gomod("v1.0.0")})
	b1 := f.add(t, "acme/svc-b", "trunk", now.Add(-48*time.Hour), map[string]string{"README.md": "b\n"})
	f.add(t, "acme/legacy-tool", "main", now, map[string]string{"README.md": "old\n"})
	f.add(t, "acme/empty", "", now, nil)
	t.Setenv("MIRROR_TEST_TOKEN", token)
	l := loadConfig(t, fmt.Sprintf("  - {name: gh, type: github, org: acme, base_url: %s/api/v3/, token_env: MIRROR_TEST_TOKEN, graphql: false, exclude: [legacy-*]}\n", f.URL))

	core, logs := observer.New(zap.DebugLevel)
	dir := t.TempDir()
	var progress []runner.Progress
	sum, err := Run(context.Background(), l.Config, Options{Dir: dir, Logger: zap.New(core),
		OnProgress: func(p runner.Progress) { progress = append(progress, p) }})
	if err != nil {
		t.Fatal(err)
	}
	got := sum.Sources[0]
	if got.Listed != 3 || got.Cloned != 3 || got.Failed != 0 {
		t.Fatalf("first run %+v, want 3 listed (legacy-tool excluded) and cloned", got)
	}
	if len(progress) != 3 || progress[2].Done != 3 || progress[2].Total != 3 {
		t.Errorf("progress %v, want 3 reports ending at 3/3", progress)
	}
	if h := headOf(t, filepath.Join(dir, "gh", "acme", "svc-b.git")); h != b1 {
		t.Errorf("svc-b mirror HEAD %s, want the trunk commit %s", h, b1)
	}
	if _, err := os.Stat(filepath.Join(dir, "gh", "acme", "legacy-tool.git")); !os.IsNotExist(err) {
		t.Errorf("the excluded repo was mirrored (stat: %v)", err)
	}

	// The local source over the mirror lists the live names and topics,
	// and reads the HEADs (the empty repo as empty).
	src := local.New(loadConfig(t, "  - {name: gh, type: local, path: "+filepath.Join(dir, "gh")+"}\n").Config.Sources[0], nil)
	repos, err := src.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range repos {
		names = append(names, r.Name)
		if r.Source != "gh" || !slices.Equal(r.Topics, []string{"go"}) || !strings.HasPrefix(r.WebURL, f.URL) {
			t.Errorf("listed %+v, want source gh, topic go and the host's web URL", r)
		}
	}
	if want := []string{"acme/empty", "acme/svc-a", "acme/svc-b"}; !slices.Equal(names, want) {
		t.Fatalf("local listing %v, want %v", names, want)
	}
	if h, err := src.Head(context.Background(), repos[1]); err != nil || h != a1 {
		t.Errorf("svc-a HEAD %q, %v; want %s", h, err, a1)
	}
	if _, err := src.Head(context.Background(), repos[0]); !errors.Is(err, source.ErrEmpty) {
		t.Errorf("empty repo HEAD: %v, want ErrEmpty", err)
	}

	// A new commit is fetched; the others are unchanged.
	a2 := gittest.Commit(t, filepath.Join(f.root, "acme/svc-a"), "main", now.Add(-24*time.Hour), map[string]string{"go.mod": gomod("v1.2.0")})
	sum, err = Run(context.Background(), l.Config, Options{Dir: dir, Logger: zap.New(core)})
	if err != nil {
		t.Fatal(err)
	}
	if got := sum.Sources[0]; got.Updated != 1 || got.Unchanged != 2 || got.Cloned != 0 || got.Failed != 0 {
		t.Errorf("second run %+v, want 1 updated, 2 unchanged", got)
	}
	if h := headOf(t, filepath.Join(dir, "gh", "acme", "svc-a.git")); h != a2 {
		t.Errorf("svc-a mirror HEAD %s after the fetch, want %s", h, a2)
	}

	// svc-b renames its default branch; svc-a's host answers as if it were
	// empty: its mirror keeps its history.
	origin, err := git.PlainOpen(filepath.Join(f.root, "acme/svc-b"))
	if err != nil {
		t.Fatal(err)
	}
	if err := origin.Storer.SetReference(plumbing.NewHashReference(plumbing.NewBranchReferenceName("main"), plumbing.NewHash(b1))); err != nil {
		t.Fatal(err)
	}
	f.repos["acme/svc-b"] = "main"
	f.cloneURL["acme/svc-a"] = f.URL + "/git/acme/empty.git"
	sum, err = Run(context.Background(), l.Config, Options{Dir: dir, Logger: zap.New(core)})
	if err != nil {
		t.Fatal(err)
	}
	if got := sum.Sources[0]; got.Failed != 1 || got.Updated != 1 {
		t.Errorf("third run %+v, want svc-b updated (branch renamed) and svc-a failed (host says empty)", got)
	}
	mb, err := git.PlainOpen(filepath.Join(dir, "gh", "acme", "svc-b.git"))
	if err != nil {
		t.Fatal(err)
	}
	if h, err := mb.Head(); err != nil || h.Name().Short() != "main" || h.Hash().String() != b1 {
		t.Errorf("svc-b HEAD %v, %v; want main at %s", h, err, b1)
	}
	if _, err := mb.Reference(plumbing.NewBranchReferenceName("trunk"), false); err == nil {
		t.Error("the old default branch trunk is still in the mirror")
	}
	if h := headOf(t, filepath.Join(dir, "gh", "acme", "svc-a.git")); h != a2 {
		t.Errorf("svc-a mirror HEAD %s after the host said empty, want it kept at %s", h, a2)
	}
	for _, e := range logs.All() {
		if strings.Contains(fmt.Sprint(e.Message, e.ContextMap()), token) {
			t.Errorf("a log line holds the token: %s %v", e.Message, e.ContextMap())
		}
	}
}

func TestMirrorGitLabAndBackfillKeepsLiveNames(t *testing.T) {
	f := newForge(t, "oauth2", token)
	week := 7 * 24 * time.Hour
	until := time.Now().UTC().Truncate(week)
	f.add(t, "acme/team/svc-a", "main", until.Add(-3*week), map[string]string{"README.md": "a\n"})
	gittest.Commit(t, filepath.Join(f.root, "acme/team/svc-a"), "main", until.Add(-week-time.Hour), map[string]string{"go.mod": gomod("v1.0.0")})
	f.add(t, "acme/svc-b", "main", until.Add(-3*week), map[string]string{"go.mod": gomod("v1.0.0")})
	t.Setenv("MIRROR_TEST_TOKEN", token)
	l := loadConfig(t, fmt.Sprintf("  - {name: gl, type: gitlab, group: acme, base_url: %s/api/v4, token_env: MIRROR_TEST_TOKEN, graphql: false}\n", f.URL))
	dir := t.TempDir()
	if sum, err := Run(context.Background(), l.Config, Options{Dir: dir}); err != nil || sum.Sources[0].Cloned != 2 {
		t.Fatalf("mirror: %+v, %v; want 2 cloned", sum, err)
	}

	cfg, err := Local(l.Config, dir)
	if err != nil {
		t.Fatal(err)
	}
	if s := cfg.Sources[0]; s.Name != "gl" || s.Type != "local" || s.Path != filepath.Join(dir, "gl") {
		t.Fatalf("local source %+v, want gl over %s", s, filepath.Join(dir, "gl"))
	}
	if l.Config.Sources[0].Type != "gitlab" {
		t.Fatal("Local changed the config it was given")
	}
	steps, err := backfill.Steps(until, 3*week, week)
	if err != nil {
		t.Fatal(err)
	}
	adopted := map[string][]bool{}
	teams := map[string]string{}
	_, err = backfill.Run(context.Background(), &runner.Loaded{Config: cfg, Catalog: l.Catalog, Plan: l.Plan},
		backfill.Options{Steps: steps}, func(_ time.Time, s *snapshot.Snapshot) error {
			for _, r := range s.Repos {
				key := r.Source + ":" + r.Name
				adopted[key] = append(adopted[key], len(r.Offerings) > 0)
				teams[key] = r.Team + " via " + r.TeamVia
			}
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]bool{
		"gl:acme/team/svc-a": {false, false, true, true},
		"gl:acme/svc-b":      {true, true, true, true},
	}
	if fmt.Sprint(adopted) != fmt.Sprint(want) {
		t.Errorf("backfilled adoption by source:repo %v, want %v", adopted, want)
	}
	// Attributed from the live listing's namespace, as the live source is.
	if got := teams["gl:acme/team/svc-a"]; got != "team via namespace" {
		t.Errorf("svc-a attributed to %q, want team via namespace", got)
	}
}

func TestMirrorKeepsOldCopyAndRefusesHostileListings(t *testing.T) {
	f := newForge(t, "x-access-token", token)
	now := time.Now().UTC()
	f.add(t, "acme/good", "main", now, map[string]string{"README.md": "x\n"})
	f.add(t, "acme/flaky", "main", now, map[string]string{"README.md": "x\n"})
	t.Setenv("MIRROR_TEST_TOKEN", token)
	l := loadConfig(t, fmt.Sprintf("  - {name: gh, type: github, org: acme, base_url: %s/api/v3/, token_env: MIRROR_TEST_TOKEN, graphql: false}\n", f.URL))
	dir := t.TempDir()
	core, logs := observer.New(zap.DebugLevel)
	if _, err := Run(context.Background(), l.Config, Options{Dir: dir}); err != nil {
		t.Fatal(err)
	}
	// The host now fails one repo and lists two that point elsewhere.
	f.cloneURL["acme/flaky"] = f.URL + "/git/nowhere.git"
	f.add(t, "acme/local-file", "main", now, nil)
	f.cloneURL["acme/local-file"] = "file://" + filepath.Join(f.root, "acme/good")
	f.add(t, "acme/with-creds", "main", now, nil)
	f.cloneURL["acme/with-creds"] = strings.Replace(f.URL, "http://", "http://u:p@", 1) + "/git/acme/good.git"
	// Another host would be sent the token.
	elsewhere := 0
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		elsewhere++
		http.NotFound(w, nil)
	}))
	defer other.Close()
	f.add(t, "acme/elsewhere", "main", now, nil)
	f.cloneURL["acme/elsewhere"] = other.URL + "/git/acme/good.git"
	sum, err := Run(context.Background(), l.Config, Options{Dir: dir, Logger: zap.New(core)})
	if err != nil {
		t.Fatal(err)
	}
	failures := logs.FilterMessageSnippet("cannot mirror").All()
	if len(failures) != 4 {
		t.Errorf("%d failures logged, want 4", len(failures))
	}
	basic := base64.StdEncoding.EncodeToString([]byte("x-access-token:" + token))
	echoed := false
	for _, e := range failures {
		msg := fmt.Sprint(e.ContextMap())
		echoed = echoed || strings.Contains(msg, "no repository nowhere")
		if strings.Contains(msg, token) || strings.Contains(msg, basic) {
			t.Errorf("a failure log holds the token: %v", e.ContextMap())
		}
	}
	if !echoed {
		t.Error("the host's error body is not in the log: the redaction above is not exercised")
	}
	if elsewhere != 0 {
		t.Errorf("a clone URL on another host was fetched (%d requests)", elsewhere)
	}
	if got := sum.Sources[0]; got.Failed != 4 || got.Unchanged != 1 || sum.Failures() != 4 {
		t.Errorf("run %+v, want 4 failed and 1 unchanged", got)
	}
	m, _, err := local.ReadManifest(filepath.Join(dir, "gh"))
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	for _, r := range m.Repos {
		listed = append(listed, r.Name)
	}
	if want := []string{"acme/flaky", "acme/good"}; !slices.Equal(listed, want) {
		t.Errorf("manifest lists %v, want %v: the failed repo keeps its older mirror, the refused ones have none", listed, want)
	}

	// A mirror directory that is no repository (damaged) is cloned again.
	good := filepath.Join(dir, "gh", "acme", "good.git")
	if err := os.RemoveAll(good); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(good, "junk"), 0o755); err != nil {
		t.Fatal(err)
	}
	sum, err = Run(context.Background(), l.Config, Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if got := sum.Sources[0]; got.Cloned != 1 {
		t.Errorf("run over a damaged mirror %+v, want it cloned again", got)
	}
	if h := headOf(t, good); h == "" {
		t.Error("the damaged mirror was not replaced")
	}

	// A repo the host stops listing leaves the manifest but stays on disk;
	// --prune deletes it, but never most of the mirrors at once.
	delete(f.repos, "acme/flaky")
	if sum, err = Run(context.Background(), l.Config, Options{Dir: dir}); err != nil {
		t.Fatal(err)
	}
	if got := sum.Sources[0]; got.Left != 1 || got.Pruned {
		t.Errorf("run %+v, want 1 no longer listed, not pruned", got)
	}
	if _, err := os.Stat(filepath.Join(dir, "gh", "acme", "flaky.git")); err != nil {
		t.Errorf("the unlisted mirror was deleted without --prune: %v", err)
	}
	saved := f.repos
	f.repos = map[string]string{}
	if _, err = Run(context.Background(), l.Config, Options{Dir: dir, Prune: true}); err == nil || !strings.Contains(err.Error(), "lists no repo") {
		t.Errorf("an empty listing over mirrors: %v, want an error", err)
	}
	if m, _, err := local.ReadManifest(filepath.Join(dir, "gh")); err != nil || len(m.Repos) != 1 {
		t.Errorf("an empty listing replaced the manifest: %+v, %v", m, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "gh", "acme", "good.git")); err != nil {
		t.Errorf("an empty listing pruned the mirrors (stat: %v)", err)
	}
	f.repos = saved
	sum, err = Run(context.Background(), l.Config, Options{Dir: dir, Prune: true})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Sources[0].Left != 1 || !sum.Sources[0].Pruned {
		t.Errorf("run %+v, want the unlisted repo pruned", sum.Sources[0])
	}
	if _, err := os.Stat(filepath.Join(dir, "gh", "acme", "flaky.git")); !os.IsNotExist(err) {
		t.Errorf("pruned mirror still there (stat: %v)", err)
	}
}

func TestMirrorPathRefusesEscapes(t *testing.T) {
	for _, name := range []string{"../x", "a/../../x", "/etc/passwd", "a//b", "a\\b", "", "a/./b", "."} {
		if p, err := local.MirrorPath("/m", name); err == nil {
			t.Errorf("MirrorPath(%q) = %s, want an error", name, p)
		}
	}
	if p, err := local.MirrorPath("/m", "acme/.github"); err != nil || p != "/m/acme/.github.git" {
		t.Errorf("MirrorPath(acme/.github) = %q, %v", p, err)
	}
}

func TestSelectAndLocalErrors(t *testing.T) {
	l := loadConfig(t, "  - {name: here, type: local, path: /tmp}\n  - {name: gh, type: github, org: acme}\n")
	if _, err := Select(l.Config, []string{"here"}); err == nil || !strings.Contains(err.Error(), "only github and gitlab") {
		t.Errorf("selecting a local source: %v", err)
	}
	if _, err := Select(l.Config, []string{"nope"}); err == nil || !strings.Contains(err.Error(), "no such source") {
		t.Errorf("selecting an unknown source: %v", err)
	}
	if s, err := Select(l.Config, nil); err != nil || len(s) != 1 || s[0].Name != "gh" {
		t.Errorf("default selection %v, %v; want gh", s, err)
	}
	_, err := Local(l.Config, t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "run uptake mirror") {
		t.Errorf("backfill over a missing mirror: %v, want an error naming uptake mirror", err)
	}
}
