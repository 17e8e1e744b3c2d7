package inventory

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/uptake-dev/uptake/collector/source/sourcetest"
	"github.com/uptake-dev/uptake/config"
)

func TestCatalogOwner(t *testing.T) {
	tests := []struct {
		name, file, want string
	}{
		{"component", "kind: Component\nspec:\n  owner: group:default/payments\n", "group:default/payments"},
		{"first with an owner wins", "kind: Location\nspec:\n  targets: [./a.yaml]\n---\nkind: API\nspec: {}\n---\nkind: Resource\nspec:\n  owner: search\n---\nkind: System\nspec:\n  owner: data\n", "search"},
		{"group and user entities skipped", "kind: Group\nspec:\n  owner: nope\n---\nkind: User\nspec:\n  owner: nope\n---\nkind: System\nspec:\n  owner: group:identity\n", "group:identity"},
		{"kinds are case-insensitive", "kind: component\nspec:\n  owner: ' growth '\n", "growth"},
		{"owner not a scalar", "kind: Component\nspec:\n  owner: [a, b]\n", ""},
		{"no entity", "", ""},
		{"a list document", "- kind: Component\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cat, err := ParseCatalog([]byte(tt.file))
			if got := cat.Owner; err != nil || got != tt.want {
				t.Fatalf("CatalogOwner = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
	if _, err := ParseCatalog([]byte("kind: Component\nspec: {owner: [\n")); err == nil {
		t.Error("a file that does not parse gave no error")
	}
	// An owner found before the bad document stands.
	if got, err := ParseCatalog([]byte("kind: API\nspec: {owner: a}\n---\n: : [\n")); got.Owner != "a" || got.Component || err != nil {
		t.Errorf("owner before a bad document: %+v, %v", got, err)
	}
	if got, _ := ParseCatalog([]byte("kind: System\nspec: {owner: a}\n---\nkind: Component\nspec: {owner: b}\n")); got.Owner != "a" || !got.Component {
		t.Errorf("a later Component: %+v", got)
	}
	if _, err := ParseCatalog([]byte(strings.Repeat("---\nkind: Group\n", maxCatalogDocuments+1))); err == nil {
		t.Error("more documents than the bound were decoded")
	}
}

// Descriptors as Backstage's own repository writes them (SOURCES.md).
func TestCatalogOwnerRealWorld(t *testing.T) {
	for file, want := range map[string]string{"backstage-catalog-info.yaml": "CNCF", "wayback-search-component.yaml": "team-a"} {
		data, err := os.ReadFile("testdata/backstage/" + file)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := ParseCatalog(data); got.Owner != want || !got.Component || err != nil {
			t.Errorf("%s: %+v, %v; want %q (a Component)", file, got, err, want)
		}
	}
}

func TestReadCatalogInfo(t *testing.T) {
	p, err := NewPlan([]string{"gomod"}, nil, config.Scan{MaxFileBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"catalog-info.yml":        "kind: Component\nspec:\n  owner: group:payments\n",
		"sub/catalog-info.yaml":   "kind: Component\nspec:\n  owner: search\n",
		".github/CODEOWNERS":      "* @acme/search\n",
		"services/pay/go.mod":     "module pay\n",
		"docs/catalog-info.yaml~": "not read",
	}
	tree := sourcetest.NewTree(files)
	inv, failures, err := p.Read(context.Background(), tree)
	if err != nil || len(failures) != 0 || inv.CatalogOwner != "group:payments" {
		t.Fatalf("owner %q, failures %v, err %v", inv.CatalogOwner, failures, err)
	}

	// A descriptor that does not parse is a file error under backstage, not "no owner".
	files["catalog-info.yml"] = "kind: Component\nspec: {owner: [\n"
	inv, failures, err = p.Read(context.Background(), sourcetest.NewTree(files))
	if err != nil || inv.CatalogOwner != "" || len(failures) != 1 || failures[0].Reader != BackstageReader || inv.ReaderErrors[BackstageReader] != 1 {
		t.Fatalf("bad descriptor: inventory %+v, failures %v, err %v", inv, failures, err)
	}

	// One that cannot be read fails the repo: its last good data stands.
	tree = sourcetest.NewTree(files)
	tree.Fail = map[string]error{"catalog-info.yml": errors.New("connection reset by peer")}
	var te *TransportError
	if _, _, err := p.Read(context.Background(), tree); !errors.As(err, &te) || te.Path != "catalog-info.yml" {
		t.Fatalf("unreadable descriptor: err %v, want a TransportError", err)
	}
}

func FuzzParseCatalog(f *testing.F) {
	for _, s := range []string{"kind: Component\nspec:\n  owner: group:default/payments\n", "---\nkind: System\nspec: {owner: a}\n---\n",
		"a: &a [*a, *a]\nkind: API\n", "kind: [Component]\nspec: owner\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cat, err := ParseCatalog(data)
		if err != nil && cat != (Catalog{}) {
			t.Fatal("a result with an error")
		}
	})
}
