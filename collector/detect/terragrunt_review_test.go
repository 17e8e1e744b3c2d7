package detect_test

import (
	"strings"
	"testing"

	"github.com/uptake-dev/uptake/collector/detect/detecttest"
)

// A for expression multiplies what an expression builds before its value
// is measured: five nested over 26 letters build 11.9M strings.
func TestTerragruntExpressionsAreBounded(t *testing.T) {
	letters := `["a","b","c","d","e","f","g","h","i","j","k","l","m","n","o","p","q","r","s","t","u","v","w","x","y","z"]`
	nested := `[for a in ` + letters + ` : [for b in ` + letters + ` : [for c in ` + letters + ` : [for d in ` + letters +
		` : [for e in ` + letters + ` : "${a}${b}${c}${d}${e}"]]]]]`
	calls := `[for a in ` + letters + ` : [for b in ` + letters + ` : [for c in ` + letters +
		` : find_in_parent_folders("${a}${b}${c}", "")]]]`
	for name, expr := range map[string]string{"nested for": nested, "calls in a for": calls} {
		t.Run(name, func(t *testing.T) {
			files := detecttest.Files{"live/a/b/c/d/terragrunt.hcl": "locals {\n  x = " + expr + "\n}\n" +
				"terraform {\n  source = \"github.com/acme/m?ref=${local.x[0]}\"\n}\n"}
			for i := range 2000 {
				files["other/f"+strings.Repeat("x", i%50)+string(rune('a'+i%26))+"/"+string(rune('a'+i/26%26))+".tf"] = ""
			}
			// Not evaluated: the source counts by its static ref only.
			cs, _ := mustDetector(t, "terraform").Detect(files)
			if len(cs) != 1 || cs[0].Version != "" && cs[0].Version != "unknown" {
				t.Errorf("components %+v, want the source's static prefix alone, the expression not evaluated", cs)
			}
		})
	}
}
