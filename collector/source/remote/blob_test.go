package remote

import (
	"strings"
	"testing"
)

func TestBlobID(t *testing.T) {
	for _, tc := range []struct {
		content string
		sha256  bool
		want    string
	}{
		// git hash-object /dev/null; echo hello | git hash-object --stdin
		{"", false, "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"},
		{"hello\n", false, "ce013625030ba8dba906f756967f9e9ca394464a"},
		// git init --object-format=sha256, the same two
		{"", true, "473a0f4c3be8a93681a267e3b1e9a7dcda1185436fe141f7749120a303721813"},
		{"hello\n", true, "2cf8d83d9ee29543b34a87727421fdecb7e3f3a183d337639025de576db9ebb4"},
	} {
		if got := BlobID([]byte(tc.content), tc.sha256); got != tc.want {
			t.Errorf("BlobID(%q, sha256=%v) = %s, want %s", tc.content, tc.sha256, got, tc.want)
		}
		if err := VerifyBlob(tc.want, []byte(tc.content)); err != nil {
			t.Errorf("VerifyBlob(%s, %q) = %v", tc.want, tc.content, err)
		}
		if err := VerifyBlob(strings.ToUpper(tc.want), []byte(tc.content)); err != nil {
			t.Errorf("VerifyBlob(upper case %s) = %v", tc.want, err)
		}
	}
	// A body of the same length is not the blob.
	err := VerifyBlob("ce013625030ba8dba906f756967f9e9ca394464a", []byte("hellO\n"))
	if err == nil || err.Error() != "content does not match blob ce013625030ba8dba906f756967f9e9ca394464a" {
		t.Errorf("VerifyBlob(wrong content) = %v", err)
	}
	for _, id := range []string{"", "e69de29", strings.Repeat("z", 40)} {
		if VerifyBlob(id, nil) == nil {
			t.Errorf("VerifyBlob(%q) accepted an id that is no object id", id)
		}
	}
}

func TestIsObjectID(t *testing.T) {
	for id, want := range map[string]bool{
		strings.Repeat("a1", 20):       true,
		strings.Repeat("0f", 32):       true,
		strings.Repeat("A1", 20):       false, // git writes lowercase
		strings.Repeat("a1", 20) + "0": false,
		strings.Repeat("g1", 20):       false,
		"":                             false,
		strings.Repeat("a", 39) + "\n": false,
	} {
		if got := IsObjectID(id); got != want {
			t.Errorf("IsObjectID(%q) = %v, want %v", id, got, want)
		}
	}
}
