package inventory

import (
	"reflect"
	"testing"
)

// TestRootOwnersAt: the line is the root rule that gave the owners, 0 when
// none did.
func TestRootOwnersAt(t *testing.T) {
	for file, want := range map[string]int{
		"# owners\n* @acme/old\n/docs/ @acme/docs\n/** @acme/new\n": 4,
		"*.go @acme/go\n":                0,
		"[Backend] @acme/backend\n\n*\n": 3,
		"* @acme/ok\n!!! what {\n":       1,
	} {
		if _, got := RootOwnersAt([]byte(file)); got != want {
			t.Errorf("RootOwnersAt(%q) line = %d, want %d", file, got, want)
		}
	}
}

func TestRootOwners(t *testing.T) {
	tests := []struct {
		name, file string
		want       []string
	}{
		{"github team", "* @acme/payments\n", []string{"@acme/payments"}},
		{"last root rule wins", "* @acme/old\n/docs/ @acme/docs\n/** @acme/new # comment\n", []string{"@acme/new"}},
		{"non-root rules ignored", "*.go @acme/go\n/src/ @acme/src\n", nil},
		{"user then team", "*       @alice @acme/search\n", []string{"@alice", "@acme/search"}},
		{"crlf and bom", "\xef\xbb\xbf# owners\r\n* @acme/data\r\n", []string{"@acme/data"}},
		{"bad line skipped", "* @acme/ok\n!!! what {\n", []string{"@acme/ok"}},
		{"gitlab nested group", "* @acme/platform/identity\n", []string{"@acme/platform/identity"}},
		{"gitlab section defaults", "[Backend] @acme/backend\n*\n", []string{"@acme/backend"}},
		{"gitlab optional section with approvals", "^[Docs][2] @acme/docs\n* @acme/writers\n", []string{"@acme/writers"}},
		{"emails", "* dev@acme.io ops@acme.io\n", []string{"dev@acme.io", "ops@acme.io"}},
		{"empty", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := RootOwners([]byte(tt.file)); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("RootOwners = %q, want %q", got, tt.want)
			}
		})
	}
}

func FuzzRootOwners(f *testing.F) {
	for _, s := range []string{"* @acme/payments\n", "[Section] @a/b\n*\n", "^[Docs][2] @acme/docs\n/** @x/y z@a.io\n", "\\ # \n* @"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, o := range RootOwners(data) {
			if o == "" {
				t.Fatal("empty owner")
			}
		}
	})
}
