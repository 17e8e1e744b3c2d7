package mirror

import (
	"net/http"
	"path/filepath"
	"strings"

	"github.com/go-git/go-billy/v5/osfs"
	"github.com/go-git/go-git/v5/plumbing/format/pktline"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp"
	"github.com/go-git/go-git/v5/plumbing/transport"
	"github.com/go-git/go-git/v5/plumbing/transport/server"
)

// gitHandler serves git's smart HTTP protocol (upload-pack only) over
// working repos below root, in process: GET REPO.git/info/refs and POST
// REPO.git/git-upload-pack, as a forge does. user and password, when set,
// are the basic auth it requires.
type gitHandler struct {
	root, user, password string
}

func (h *gitHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.password != "" {
		u, p, ok := r.BasicAuth()
		if !ok || u != h.user || p != h.password {
			w.Header().Set("WWW-Authenticate", `Basic realm="git"`)
			http.Error(w, "authentication required", http.StatusUnauthorized)
			return
		}
	}
	path := strings.TrimPrefix(r.URL.Path, "/git/")
	repo, rest, ok := strings.Cut(path, ".git/")
	if !ok {
		http.NotFound(w, r)
		return
	}
	ep := &transport.Endpoint{Path: filepath.Join(repo, ".git")}
	srv := server.NewServer(server.NewFilesystemLoader(osfs.New(h.root)))
	sess, err := srv.NewUploadPackSession(ep, nil)
	if err != nil {
		// A careless host echoes the request's credential in its error.
		_, password, _ := r.BasicAuth()
		http.Error(w, "no repository "+repo+" for "+password+" ("+r.Header.Get("Authorization")+")", http.StatusNotFound)
		return
	}
	defer sess.Close()
	switch {
	case r.Method == http.MethodGet && rest == "info/refs" && r.URL.Query().Get("service") == "git-upload-pack":
		ar, err := sess.AdvertisedReferencesContext(r.Context())
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		ar.Prefix = [][]byte{[]byte("# service=git-upload-pack"), pktline.Flush}
		w.Header().Set("Content-Type", "application/x-git-upload-pack-advertisement")
		_ = ar.Encode(w)
	case r.Method == http.MethodPost && rest == "git-upload-pack":
		req := packp.NewUploadPackRequest()
		if err := req.Decode(r.Body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		resp, err := sess.UploadPack(r.Context(), req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/x-git-upload-pack-result")
		_ = resp.Encode(w)
	default:
		http.NotFound(w, r)
	}
}
