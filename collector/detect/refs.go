package detect

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

var (
	// getterRE is a go-getter forced getter ("git::", "s3::").
	getterRE = regexp.MustCompile(`^[a-z][a-z0-9]*::`)
	// scpRE is an scp-like git address: "git@github.com:acme/modules.git".
	scpRE = regexp.MustCompile(`^(?:[^@/:]+@)?([^/:]+\.[^/:]+):([^/].*)$`)
)

// remoteRef is a remote source (a Terraform module source, a kustomize
// resource URL) split into what rules compare and the rest.
type remoteRef struct {
	// Name is host and path: scheme, forced getter, user info, ".git",
	// "//subdir" and the query removed, host lower-cased.
	Name string
	// Subdir is the part after "//", if any.
	Subdir string
	// Ref is the ?ref= (or kustomize's legacy ?version=) query value, a
	// tags/ or refs/tags/ prefix removed.
	Ref string
}

// parseRemoteRef normalises a source so "git::https://github.com/acme/m.git//vpc?ref=v1.2.0",
// "git@github.com:acme/m.git//vpc?ref=v1.2.0" and "github.com/acme/m//vpc" all
// name "github.com/acme/m".
func parseRemoteRef(s string) remoteRef {
	var r remoteRef
	s = getterRE.ReplaceAllString(strings.TrimSpace(s), "")
	if i := strings.IndexByte(s, '?'); i >= 0 {
		if q, err := url.ParseQuery(s[i+1:]); err == nil {
			r.Ref = q.Get("ref")
			if r.Ref == "" {
				r.Ref = q.Get("version")
			}
			r.Ref = shortRef(r.Ref)
		}
		s = s[:i]
	}
	if i := strings.Index(s, "://"); i >= 0 {
		s = s[i+3:]
		if at, slash := strings.IndexByte(s, '@'), strings.IndexByte(s, '/'); at >= 0 && (slash < 0 || at < slash) {
			s = s[at+1:]
		}
	} else if m := scpRE.FindStringSubmatch(s); m != nil {
		s = m[1] + "/" + m[2]
	}
	if i := strings.Index(s, "//"); i >= 0 {
		r.Subdir = strings.Trim(s[i+2:], "/")
		s = s[:i]
	}
	s = strings.TrimSuffix(strings.TrimRight(s, "/"), ".git")
	host, rest, found := strings.Cut(s, "/")
	if found {
		host = strings.ToLower(host)
		s = host + "/" + rest
		githubFile(&r, &s, host, rest)
	}
	r.Name = s
	return r
}

// githubFile reads the URLs of a single file in a GitHub repository, which
// kustomizations list as resources, as that repository at a ref:
// raw.githubusercontent.com/OWNER/REPO/REF/PATH,
// github.com/OWNER/REPO/raw/REF/PATH, a release asset,
// github.com/OWNER/REPO/releases/download/TAG/FILE, and a source archive,
// github.com/OWNER/REPO/archive/REF.zip (or .tar.gz).
func githubFile(r *remoteRef, s *string, host, rest string) {
	parts := strings.Split(rest, "/")
	var ref string
	var file []string
	switch {
	case host == "raw.githubusercontent.com" && len(parts) >= 4:
		ref, file = parts[2], parts[3:]
	case host == "github.com" && len(parts) >= 5 && parts[2] == "raw":
		ref, file = parts[3], parts[4:]
	case host == "github.com" && len(parts) >= 6 && parts[2] == "releases" && parts[3] == "download":
		ref, file = parts[4], parts[5:]
	case host == "github.com" && len(parts) >= 4 && parts[2] == "archive":
		// A source archive: archive/v0.7.3.zip, archive/refs/tags/v1.2.0.tar.gz.
		ref = strings.Join(parts[3:], "/")
		for _, ext := range []string{".zip", ".tar.gz", ".tgz"} {
			if cut, ok := strings.CutSuffix(ref, ext); ok && cut != "" {
				ref = cut
				break
			}
		}
		if ref == strings.Join(parts[3:], "/") {
			return // not an archive GitHub serves
		}
	default:
		return
	}
	*s = "github.com/" + parts[0] + "/" + parts[1]
	if r.Ref == "" {
		r.Ref = shortRef(ref)
	}
	if r.Subdir == "" {
		r.Subdir = strings.Join(file, "/")
	}
}

// shortRef names a git ref the way a tag or branch is written: cloudposse's
// modules are pinned with ?ref=tags/0.1.0, others with refs/tags/v1.2.0.
func shortRef(ref string) string {
	for _, p := range []string{"refs/tags/", "refs/heads/", "tags/", "heads/"} {
		if rest, ok := strings.CutPrefix(ref, p); ok && rest != "" {
			return rest
		}
	}
	return ref
}

// compileRemoteRule builds the matcher of a rule naming a remote source by
// key ("source", "resource"): the value is normalised as parseRemoteRef
// does and compared on whole path components, or as a name glob.
func compileRemoteRule(kind, key string, params map[string]string, normalize func(string) string) (Matcher, error) {
	if err := Params(params, []string{key}, nil); err != nil {
		return nil, err
	}
	raw := strings.TrimSpace(params[key])
	rule := normalize(raw)
	if rule == "" || strings.ContainsAny(rule, " \t") {
		return nil, fmt.Errorf("%s: %q is not a source address", key, raw)
	}
	if err := unmatchedParts(key, raw, rule); err != nil {
		return nil, err
	}
	match, err := compileName(key, rule, true)
	if err != nil {
		return nil, err
	}
	return MatcherFunc(func(c Component) bool {
		return c.Kind == kind && match(c.Name)
	}), nil
}

// unmatchedParts refuses a rule address holding what normalisation drops
// (a //subdir, a ?ref= or another query, the ref of a GitHub file URL):
// the rule would silently match every subdirectory and version.
func unmatchedParts(key, raw, rule string) error {
	r := parseRemoteRef(raw)
	query := ""
	if i := strings.IndexByte(raw, '?'); i >= 0 {
		query = raw[i:]
	}
	var parts, why []string
	if r.Subdir != "" {
		parts = append(parts, fmt.Sprintf("a subdirectory (%s)", r.Subdir))
		why = append(why, "it matches every subdirectory")
	}
	switch {
	case r.Ref != "":
		parts = append(parts, fmt.Sprintf("a ref (%s)", r.Ref))
		why = append(why, "the ref is measured as each repo's version: set the offering's latest to count drift")
	case query != "":
		parts = append(parts, fmt.Sprintf("a query (%s)", query))
		why = append(why, "a rule matches the address without it")
	}
	if len(parts) == 0 {
		return nil
	}
	return fmt.Errorf("%s: %q names %s, which a rule does not match on: write %s: %s (%s)",
		key, raw, strings.Join(parts, " and "), key, rule, strings.Join(why, "; "))
}
