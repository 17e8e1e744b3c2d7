package inventory

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"

	"github.com/uptake-dev/uptake/collector/detect"
	"github.com/uptake-dev/uptake/collector/source"
)

// MaxFileErrorList bounds the skipped files an inventory names; FileErrors
// still counts them all.
const MaxFileErrorList = 100

// listFailures names the first MaxFileErrorList failures (sorted by path),
// nil when there are none: most repos have none, and cost nothing.
func listFailures(failures []FileFailure) []FileError {
	if len(failures) == 0 {
		return nil
	}
	out := make([]FileError, min(len(failures), MaxFileErrorList))
	for i := range out {
		out[i] = FileError{Path: failures[i].Path, Error: describeFailure(failures[i])}
	}
	return out
}

// failureLine finds the line a parser's message names: "line 12", or the
// "go.mod:12:" of an x/mod error.
var failureLine = regexp.MustCompile(`\bline (\d{1,9})\b|^[^\s:]*:(\d{1,9}):`)

// describeFailure says why a reader skipped a file without repeating the
// error: parsers quote the file's text (a key, a line, a value) and the
// snapshot is served to anyone who may read /api/v1/snapshot. Only the
// line number is taken from the message; the scan log keeps it whole.
func describeFailure(f FileFailure) string {
	var why string
	switch {
	case errors.Is(f.Err, source.ErrTooLarge):
		why = "larger than scan.max_file_bytes"
	case errors.Is(f.Err, errBinary):
		why = "binary file"
	case errors.Is(f.Err, errTooManyReads):
		why = errTooManyReads.Error()
	case errors.Is(f.Err, detect.ErrUndeclared):
		why = "not among the files the detector declares"
	case errors.Is(f.Err, errPanicked):
		why = "the detector failed on this repo (a bug: the scan log has its message)"
	case f.Err == nil:
		why = "not parseable"
	default:
		why = "not parseable"
		if m := failureLine.FindStringSubmatch(f.Err.Error()); m != nil {
			n, _ := strconv.Atoi(m[1] + m[2])
			why = fmt.Sprintf("not parseable (line %d)", n)
		}
	}
	return f.Reader + ": " + why
}
