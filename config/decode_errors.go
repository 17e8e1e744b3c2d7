package config

import (
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// The YAML decoder's messages name Go types ("field lifecyle not found in
// type config.Offering"); these rewrite them in the file's own terms.
var (
	unknownFieldRE = regexp.MustCompile(`^field (\S+) not found in type config\.(\w+)$`)
	typeMismatchRE = regexp.MustCompile("^cannot unmarshal !!\\w+ `(.*)` into (\\S+)$")
)

// decodedTypes are the config types a YAML mapping decodes into, by the
// name the decoder's messages use.
var decodedTypes = map[string]reflect.Type{}

func init() {
	for _, v := range []any{Config{}, Source{}, TLS{}, Teams{}, Offering{}, OfferingROI{}, Eligible{}, Waiver{}, Target{}, ROI{}, Scan{}, Exporter{}} {
		t := reflect.TypeOf(v)
		decodedTypes[t.Name()] = t
	}
}

// keyAt is one mapping key of the file: where it sits, in the words the
// config's own messages use, and its value.
type keyAt struct {
	where string
	key   string
	value *yaml.Node
}

// keyIndex lists the file's mapping keys by line.
func keyIndex(root *yaml.Node) map[int][]keyAt {
	idx := map[int][]keyAt{}
	var walk func(n *yaml.Node, where string, depth int)
	walk = func(n *yaml.Node, where string, depth int) {
		if n == nil || depth > 64 {
			return
		}
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				walk(c, where, depth+1)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				idx[k.Line] = append(idx[k.Line], keyAt{where: where, key: k.Value, value: v})
				walk(v, childWhere(where, k.Value, v), depth+1)
			}
		case yaml.SequenceNode:
			for _, item := range n.Content {
				walk(item, itemWhere(where, item), depth+1)
			}
		}
	}
	walk(root, "", 0)
	return idx
}

func childWhere(where, key string, v *yaml.Node) string {
	if v.Kind == yaml.SequenceNode && where == "" && (key == "offerings" || key == "sources") {
		return key // named per item
	}
	if where == "" {
		return key
	}
	return where + " " + key
}

// itemWhere names a list item: an offering or source by its name.
func itemWhere(where string, item *yaml.Node) string {
	name := ""
	if item.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(item.Content); i += 2 {
			if item.Content[i].Value == "name" {
				name = item.Content[i+1].Value
			}
		}
	}
	switch where {
	case "offerings":
		return fmt.Sprintf("offering %q", name)
	case "sources":
		return fmt.Sprintf("source %q", name)
	}
	return where
}

// rewrite turns one decoder message at line into the file's terms; it
// returns msg unchanged when it does not know the shape.
func rewrite(idx map[int][]keyAt, line int, msg string) string {
	if g := unknownFieldRE.FindStringSubmatch(msg); g != nil {
		key, where := g[1], ""
		for _, k := range idx[line] {
			if k.key == key {
				where = k.where
			}
		}
		out := fmt.Sprintf("unknown key %q", key)
		if where != "" {
			out += " in " + where
		}
		if t, ok := decodedTypes[g[2]]; ok {
			if near := nearest(key, yamlKeys(t)); near != "" {
				out += fmt.Sprintf("; did you mean %q?", near)
			}
		}
		return out
	}
	if g := typeMismatchRE.FindStringSubmatch(msg); g != nil {
		value, goType := g[1], g[2]
		for _, k := range idx[line] {
			if k.value.Value == value || k.value.Kind != yaml.ScalarNode {
				name := k.key
				switch {
				case strings.Contains(k.where, `"`):
					name = k.where + ": " + k.key
				case k.where != "":
					name = strings.ReplaceAll(k.where, " ", ".") + "." + k.key
				}
				return fmt.Sprintf("%s: %q is not %s", name, value, describeType(goType))
			}
		}
		return fmt.Sprintf("%q is not %s", value, describeType(goType))
	}
	return msg
}

// describeType says what a Go type accepts, in YAML terms.
func describeType(goType string) string {
	switch {
	case goType == reflect.TypeOf(time.Duration(0)).String():
		return "a duration like 30s or 2h"
	case strings.HasPrefix(goType, "int"), strings.HasPrefix(goType, "uint"):
		return "a whole number"
	case strings.HasPrefix(goType, "float"):
		return "a number"
	case goType == "bool":
		return "true or false"
	case goType == "string":
		return "a string"
	case strings.HasPrefix(goType, "[]"):
		return "a list"
	case strings.HasPrefix(goType, "map["):
		return "a mapping"
	}
	if t, ok := decodedTypes[strings.TrimPrefix(strings.TrimPrefix(goType, "*"), "config.")]; ok && t.Kind() == reflect.Struct {
		return "a mapping"
	}
	return "of the right type"
}

// yamlKeys are the keys a struct type decodes, sorted.
func yamlKeys(t reflect.Type) []string {
	var out []string
	for i := 0; i < t.NumField(); i++ {
		key, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if key != "" && key != "-" {
			out = append(out, key)
		}
	}
	sort.Strings(out)
	return out
}

// nearest is the known key closest to key by edit distance, when it is
// close enough to be a typo (at most a third of the key's length).
func nearest(key string, known []string) string {
	best, bestDist := "", len(key)/3+1
	for _, k := range known {
		if d := editDistance(key, k); d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance with transpositions counted as
// one edit (optimal string alignment): "lifecyle" is one from "lifecycle".
func editDistance(a, b string) int {
	prev2, prev, cur := make([]int, len(b)+1), make([]int, len(b)+1), make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
