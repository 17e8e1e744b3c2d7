package remote

import (
	"crypto/sha1" //nolint:gosec // git's object ids are SHA-1; this checks content against them, it secures nothing else
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"strconv"
	"strings"
)

// BlobID is git's object id for a blob of content: the hash of
// "blob <len>\x00" and the content, SHA-1 (40 hex digits) or, for a
// repository in git's SHA-256 format, SHA-256 (64).
func BlobID(content []byte, sha256Format bool) string {
	h := sha1.New() //nolint:gosec // see the import
	if sha256Format {
		h = sha256.New()
	}
	return blobID(h, content)
}

func blobID(h hash.Hash, content []byte) string {
	h.Write([]byte("blob " + strconv.Itoa(len(content)) + "\x00"))
	h.Write(content)
	return hex.EncodeToString(h.Sum(nil))
}

// VerifyBlob checks content against the blob id a tree listed for it, so
// that no truncated, substituted or corrupted answer is taken, or cached,
// as the file. The id's length says its hash; an id that is neither is an
// error too, as nothing could then vouch for the content.
func VerifyBlob(id string, content []byte) error {
	var want string
	switch len(id) {
	case 40:
		want = BlobID(content, false)
	case 64:
		want = BlobID(content, true)
	default:
		return fmt.Errorf("blob id %.80q is not a git object id", id)
	}
	if !strings.EqualFold(id, want) {
		return fmt.Errorf("content does not match blob %s", id)
	}
	return nil
}

// IsObjectID accepts a git object id in lowercase hex: SHA-1, or SHA-256,
// which git also allows.
func IsObjectID(s string) bool {
	if len(s) != 40 && len(s) != 64 {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
