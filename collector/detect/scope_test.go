package detect_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/uptake-dev/uptake/collector/detect"
	"github.com/uptake-dev/uptake/collector/detect/detecttest"
)

func TestScopeEnforcesPatterns(t *testing.T) {
	files := detecttest.Files{"go.mod": "module x\n", "README.md": "hi\n"}
	for i := 0; i < 600; i++ {
		files[fmt.Sprintf("inc/%03d.yml", i)] = "x: 1\n"
	}
	d, _ := detect.Get("gomod")
	s := detect.Scope(d, files)
	if _, err := s.Read("go.mod"); err != nil {
		t.Errorf("declared file refused: %v", err)
	}
	if _, err := s.Read("README.md"); !errors.Is(err, detect.ErrUndeclared) {
		t.Errorf("undeclared read: err = %v, want ErrUndeclared", err)
	}
	if got := s.Glob("**/*.yml"); len(got) != 600 {
		t.Errorf("glob listed %d paths; listing paths is free and unscoped", len(got))
	}
	var over error
	for i := 0; i < 600 && over == nil; i++ {
		_, over = s.Follow(fmt.Sprintf("inc/%03d.yml", i))
	}
	if over == nil || !strings.Contains(over.Error(), "more than 500 included files") {
		t.Errorf("follow past the bound: err = %v", over)
	}
}
