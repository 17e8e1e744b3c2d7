package detect

import (
	"bytes"
	"strings"
)

var bom = []byte("\xef\xbb\xbf")

// Clean strips a UTF-8 byte-order mark and turns CRLF and lone CR line
// endings into LF, so parsers and line numbers agree across platforms.
func Clean(data []byte) []byte {
	data = bytes.TrimPrefix(data, bom)
	if bytes.IndexByte(data, '\r') < 0 {
		return data
	}
	data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	return bytes.ReplaceAll(data, []byte("\r"), []byte("\n"))
}

// IsBinary reports content that is not text (a NUL byte in the first 8 KiB,
// as git decides).
func IsBinary(data []byte) bool {
	head := data
	if len(head) > 8000 {
		head = head[:8000]
	}
	return bytes.IndexByte(head, 0) >= 0
}

// joinContinued joins lines[i] and the lines its trailing backslashes
// continue it onto, each passed through next; it returns the logical line
// and the index of the last line taken. One builder keeps it linear:
// concatenating copies the line joined so far at every backslash.
func joinContinued(lines []string, i int, next func(string) string) (string, int) {
	l := lines[i]
	if !strings.HasSuffix(l, `\`) || i+1 >= len(lines) {
		return l, i
	}
	var b strings.Builder
	for strings.HasSuffix(l, `\`) && i+1 < len(lines) {
		b.WriteString(l[:len(l)-1])
		i++
		l = next(lines[i])
	}
	b.WriteString(l)
	return b.String(), i
}

// LineAt returns the 1-based line holding byte offset off.
func LineAt(data []byte, off int) int {
	if off > len(data) {
		off = len(data)
	}
	return bytes.Count(data[:off], []byte("\n")) + 1
}

// ImageRef is a container image reference split into its parts.
type ImageRef struct {
	// Name is the fully qualified repository: registry host and path
	// ("docker.io/library/golang").
	Name   string
	Tag    string
	Digest string
}

// Version is the tag, or "" when the image is pinned by digest only or untagged.
func (r ImageRef) Version() string { return r.Tag }

// ParseImage normalises an image reference the way Docker does: a missing
// registry is docker.io, and an official image's path gains "library/".
// Registry and path are lower-cased only where Docker treats them so (the host).
func ParseImage(ref string) (ImageRef, bool) {
	ref = strings.TrimSpace(ref)
	if ref == "" || strings.ContainsAny(ref, " \t\"'$") {
		return ImageRef{}, false
	}
	var out ImageRef
	if i := strings.Index(ref, "@"); i >= 0 {
		out.Digest = ref[i+1:]
		ref = ref[:i]
	}
	last := strings.LastIndex(ref, "/")
	if i := strings.LastIndex(ref, ":"); i > last {
		out.Tag = ref[i+1:]
		ref = ref[:i]
	}
	if ref == "" {
		return ImageRef{}, false
	}
	parts := strings.Split(ref, "/")
	host := ""
	if len(parts) > 1 && (strings.ContainsAny(parts[0], ".:") || parts[0] == "localhost") {
		host = strings.ToLower(parts[0])
		parts = parts[1:]
	}
	if host == "" || host == "index.docker.io" || host == "registry-1.docker.io" {
		host = "docker.io"
	}
	if host == "docker.io" && len(parts) == 1 {
		parts = append([]string{"library"}, parts...)
	}
	for _, p := range parts {
		if p == "" {
			return ImageRef{}, false
		}
	}
	out.Name = host + "/" + strings.Join(parts, "/")
	return out, true
}

// NormalizeImageRule turns an image rule value into the form ParseImage
// gives names, so "golang" and "docker.io/library/golang" are one rule. A glob
// is normalised too unless it starts with a wildcard.
func NormalizeImageRule(rule string) string {
	if strings.HasPrefix(rule, "*") {
		return rule
	}
	// The stand-in must survive ParseImage lower-casing the host, as a
	// word like "WILDCARD" would not ("registry-*.acme.io/base").
	const wildcard = "\x00"
	if ref, ok := ParseImage(strings.ReplaceAll(rule, "*", wildcard)); ok {
		return strings.ReplaceAll(ref.Name, wildcard, "*")
	}
	return rule
}
