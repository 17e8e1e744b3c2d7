package inventory

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/uptake-dev/uptake/collector/detect"
)

// BackstageReader is the reader name catalog-info failures are counted under.
const BackstageReader = "backstage"

// CatalogInfoPaths are the Backstage descriptor files read at a repo's
// root, the first found being used.
var CatalogInfoPaths = []string{"catalog-info.yaml", "catalog-info.yml"}

// maxCatalogDocuments bounds the entities one descriptor may hold.
const maxCatalogDocuments = 1000

// catalogKinds are the entity kinds whose spec.owner owns the repo.
var catalogKinds = []string{"Component", "API", "Resource", "System"}

// Catalog is what uptake takes from a catalog-info file.
type Catalog struct {
	// Owner is spec.owner of the first Component, API, Resource or System
	// entity that names one, as written ("group:default/payments").
	Owner string
	// Component says the file declares a Component: in project mode its
	// directory is a unit.
	Component bool
}

// ParseCatalog reads a multi-document catalog-info file; entities of other
// kinds (Group, User, Location) are skipped. It fails when the file does
// not parse before an owner is found.
func ParseCatalog(data []byte) (cat Catalog, err error) {
	// The file is hostile input: a decoder panic is this file's error.
	defer func() {
		if p := recover(); p != nil {
			cat, err = Catalog{}, fmt.Errorf("yaml decoder panicked: %v", p)
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for i := 0; i < maxCatalogDocuments; i++ {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return cat, nil
		}
		if err != nil {
			if cat.Owner != "" {
				return cat, nil
			}
			return Catalog{}, err
		}
		cat.Component = cat.Component || strings.EqualFold(value(&doc, "kind"), "Component")
		if cat.Owner == "" {
			cat.Owner = entityOwner(&doc)
		}
		if cat.Owner != "" && cat.Component {
			return cat, nil
		}
	}
	return Catalog{}, fmt.Errorf("more than %d documents", maxCatalogDocuments)
}

func entityOwner(doc *yaml.Node) string {
	kind := value(doc, "kind")
	for _, k := range catalogKinds {
		if strings.EqualFold(kind, k) {
			return strings.TrimSpace(value(doc, "spec", "owner"))
		}
	}
	return ""
}

// value is the scalar at a key path below a document or mapping, "" when
// absent or not a scalar.
func value(n *yaml.Node, keys ...string) string {
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	for _, k := range keys {
		if n.Kind != yaml.MappingNode {
			return ""
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Kind == yaml.ScalarNode && n.Content[i].Value == k {
				next = n.Content[i+1]
			}
		}
		if next == nil {
			return ""
		}
		n = next
	}
	if n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}

// readCatalogOwner reads the first catalog-info file at the root.
func readCatalogOwner(files *treeFiles) string {
	for _, p := range CatalogInfoPaths {
		if files.has(p) {
			cat, _ := readCatalog(files, p)
			return cat.Owner
		}
	}
	return ""
}

// readCatalog reads one catalog-info file; a failure is counted as the
// backstage reader's file error, never taken for "no owner".
func readCatalog(files *treeFiles, p string) (Catalog, error) {
	data, err := files.Read(p)
	if err != nil {
		files.fail(BackstageReader, err)
		return Catalog{}, err
	}
	cat, err := ParseCatalog(data)
	if err != nil {
		files.fail(BackstageReader, &detect.FileError{Path: p, Err: err})
	}
	return cat, err
}
