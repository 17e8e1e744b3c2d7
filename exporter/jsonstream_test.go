package exporter

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/uptake-dev/uptake/collector/snapshot"
)

// TestWriteSnapshotIsEncodingJSON: the repo-at-a-time writer produces the
// bytes encoding/json's Encoder would, compact and indented, for a full
// snapshot, one repo, and none.
func TestWriteSnapshotIsEncodingJSON(t *testing.T) {
	full := semanticsSnapshot(t)
	one := *full
	one.Repos = full.Repos[:1]
	none := *full
	none.Repos = nil
	empty := *full
	empty.Repos = []snapshot.RepoReport{}
	for name, s := range map[string]*snapshot.Snapshot{"full": full, "one": &one, "nil repos": &none, "empty repos": &empty} {
		for _, pretty := range []bool{false, true} {
			var want, got bytes.Buffer
			enc := json.NewEncoder(&want)
			if pretty {
				enc.SetIndent("", "  ")
			}
			if err := enc.Encode(s); err != nil {
				t.Fatal(err)
			}
			if err := writeSnapshot(&got, s, pretty); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Bytes(), want.Bytes()) {
				t.Errorf("%s (pretty %v): got\n%s\nwant\n%s", name, pretty, got.String(), want.String())
			}
		}
	}
}
