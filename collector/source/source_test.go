package source

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"testing"
)

func TestFaultNeverReadsAsMissing(t *testing.T) {
	missing := fmt.Errorf("reading pack: %w", fs.ErrNotExist)
	got := Fault(missing)
	if errors.Is(got, fs.ErrNotExist) || got.Error() != missing.Error() {
		t.Errorf("Fault(%v) = %v: want the same text, not matching fs.ErrNotExist", missing, got)
	}
	deadline := fmt.Errorf("reading blob: %w", context.DeadlineExceeded)
	if got := Fault(deadline); !errors.Is(got, context.DeadlineExceeded) {
		t.Errorf("Fault(%v) = %v: other errors keep their matches", deadline, got)
	}
	if Fault(nil) != nil {
		t.Error("Fault(nil) != nil")
	}
}
