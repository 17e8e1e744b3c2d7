package exporter

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"

	"github.com/uptake-dev/uptake/collector/snapshot"
)

// writeSnapshot writes s exactly as encoding/json's Encoder would (compact,
// or indented by two spaces), one repo at a time: encoding an estate whole
// holds tens of megabytes at once, and json's buffer pool keeps them after.
func writeSnapshot(w io.Writer, s *snapshot.Snapshot, pretty bool) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	head := *s
	if len(s.Repos) > 0 {
		head.Repos = nil
	}
	b, err := marshalJSON(&head, pretty, "")
	if err != nil {
		return err
	}
	// Repos is the first field after time and restored, which cannot hold
	// this text: its first occurrence is the top-level key.
	key, open, sep, end := `"repos":null`, `"repos":[`, ",", "]"
	if pretty {
		key, open, sep, end = `"repos": null`, `"repos": [`, ",", "\n  ]"
	}
	i := bytes.Index(b, []byte(key))
	if i < 0 || len(s.Repos) == 0 {
		_, _ = bw.Write(b)
	} else {
		_, _ = bw.Write(b[:i])
		_, _ = bw.WriteString(open)
		for j := range s.Repos {
			if j > 0 {
				_, _ = bw.WriteString(sep)
			}
			if pretty {
				_, _ = bw.WriteString("\n    ")
			}
			rb, err := marshalJSON(&s.Repos[j], pretty, "    ")
			if err != nil {
				return err
			}
			_, _ = bw.Write(rb)
		}
		_, _ = bw.WriteString(end)
		_, _ = bw.Write(b[i+len(key):])
	}
	_ = bw.WriteByte('\n')
	return bw.Flush()
}

func marshalJSON(v any, pretty bool, prefix string) ([]byte, error) {
	if pretty {
		return json.MarshalIndent(v, prefix, "  ")
	}
	return json.Marshal(v)
}
