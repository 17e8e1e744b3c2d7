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
	unknownFieldRE = regexp.MustCompile(`(?s)^field (.+) not found in type config\.(\w+)$`)
	typeMismatchRE = regexp.MustCompile("(?s)^cannot unmarshal (\\S+)(?: `(.*)`)? into (\\S+)$")
)

// decodedTypes are the config types a YAML mapping decodes into, by the
// name the decoder's messages use.
var decodedTypes = map[string]reflect.Type{}

func init() {
	for _, v := range []any{Config{}, Source{}, TLS{}, Teams{}, Offering{}, OfferingROI{}, Eligible{}, Waiver{}, Target{}, ROI{}, Scan{}, Exporter{}, History{}} {
		t := reflect.TypeOf(v)
		decodedTypes[t.Name()] = t
	}
}

// place is one node of the file, named the way the config's own messages
// name it: scan.concurrency, offering "a": target.ratio.
type place struct {
	section string // `offering "a"`, `source "m"`; "" outside both
	path    string // dotted keys below the section
	key     string // the node's key; "" for a list item
	in      string // what holds the key, for "unknown key … in …"
	node    *yaml.Node
	// goType is what the node decodes into, as the decoder's messages name
	// it; "" where the config's types do not say.
	goType string
}

func (p place) name() string {
	switch {
	case p.section == "":
		return p.path
	case p.path == "":
		return p.section
	}
	return p.section + ": " + p.path
}

// fileIndex lists the file's nodes by line: mapping keys by the key's line
// (where the decoder reports an unknown key), values and list items by
// their own (where it reports a value of the wrong type).
type fileIndex struct {
	keys, nodes map[int][]place
}

func indexFile(root *yaml.Node) fileIndex {
	ix := fileIndex{keys: map[int][]place{}, nodes: map[int][]place{}}
	var walk func(n *yaml.Node, at place, t reflect.Type, depth int)
	walk = func(n *yaml.Node, at place, t reflect.Type, depth int) {
		if n == nil || depth > 64 {
			return
		}
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				walk(c, at, t, depth+1)
			}
		case yaml.MappingNode:
			in := strings.TrimSpace(at.section + " " + at.path)
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				ct := childType(t, k.Value)
				p := place{section: at.section, path: k.Value, key: k.Value, in: in, node: v, goType: typeName(ct)}
				if at.path != "" {
					p.path = at.path + "." + k.Value
				}
				ix.keys[k.Line] = append(ix.keys[k.Line], p)
				ix.nodes[v.Line] = append(ix.nodes[v.Line], p)
				walk(v, p, ct, depth+1)
			}
		case yaml.SequenceNode:
			et := itemType(t)
			for _, item := range n.Content {
				p := place{section: at.section, path: at.path, node: item, goType: typeName(et)}
				if at.section == "" && (at.path == "offerings" || at.path == "sources" || at.path == "campaigns") {
					p.section, p.path = itemName(at.path, item), ""
				}
				ix.nodes[item.Line] = append(ix.nodes[item.Line], p)
				walk(item, p, et, depth+1)
			}
		}
	}
	walk(root, place{}, reflect.TypeOf(Config{}), 0)
	return ix
}

// childType is the type key's value decodes into in a t (a struct or a
// map), pointers stripped as the decoder reports them; nil when unknown.
func childType(t reflect.Type, key string) reflect.Type {
	t = deref(t)
	switch {
	case t == nil:
	case t.Kind() == reflect.Struct:
		for i := 0; i < t.NumField(); i++ {
			if k, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); k == key {
				return deref(t.Field(i).Type)
			}
		}
	case t.Kind() == reflect.Map:
		return deref(t.Elem())
	}
	return nil
}

// itemType is the type a list item decodes into in t, nil when unknown.
func itemType(t reflect.Type) reflect.Type {
	if t = deref(t); t != nil && t.Kind() == reflect.Slice {
		return deref(t.Elem())
	}
	return nil
}

func deref(t reflect.Type) reflect.Type {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

func typeName(t reflect.Type) string {
	if t == nil {
		return ""
	}
	return t.String()
}

// itemName names an item of offerings, sources or campaigns by its name.
func itemName(list string, item *yaml.Node) string {
	kind := strings.TrimSuffix(list, "s")
	if item.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(item.Content); i += 2 {
			if item.Content[i].Value == "name" && item.Content[i+1].Value != "" {
				return fmt.Sprintf("%s %q", kind, item.Content[i+1].Value)
			}
		}
	}
	return kind
}

// rewrite turns one decoder message at line into the file's terms; it
// returns msg unchanged when it does not know the shape.
func rewrite(ix fileIndex, line int, msg string) string {
	if g := unknownFieldRE.FindStringSubmatch(msg); g != nil {
		key, in := g[1], ""
		for _, p := range ix.keys[line] {
			if p.key == key {
				in = p.in
			}
		}
		out := fmt.Sprintf("unknown key %q", key)
		if in != "" {
			out += " in " + in
		}
		if t, ok := decodedTypes[g[2]]; ok {
			if near := nearest(key, yamlKeys(t)); near != "" {
				out += fmt.Sprintf("; did you mean %q?", near)
			}
		}
		return out
	}
	if g := typeMismatchRE.FindStringSubmatch(msg); g != nil {
		return typeMessage(ix.nodes[line], g[1], g[2], g[3])
	}
	return msg
}

// typeMessage says which node holds a value of the wrong kind, and what it
// should be, without the decoder's tag and Go type: "scan.concurrency:
// "lots" is not a whole number", "scan: expected a mapping, got a list".
func typeMessage(candidates []place, tag, value, goType string) string {
	want := describeType(goType)
	goType = strings.TrimLeft(goType, "*")
	var hit, typed *place
	for i, p := range candidates {
		if holds(p.node, tag, value) {
			hit = &candidates[i] // the last is the innermost
			if p.goType == goType {
				typed = hit // one of several on a line, told apart by type
			}
		}
	}
	if typed != nil {
		hit = typed
	}
	var msg string
	switch tag {
	case "!!seq":
		msg = "expected " + want + ", got a list"
	case "!!map":
		msg = "expected " + want + ", got a mapping"
	default:
		if hit != nil {
			value = hit.node.Value // the decoder cuts values at 7 characters
		}
		msg = fmt.Sprintf("%q is not %s", value, want)
	}
	if hit != nil && hit.name() != "" {
		msg = hit.name() + ": " + msg
	}
	return msg
}

// holds reports whether n is the node a type message with tag and value
// (cut to 7 characters and "..." past 10) is about.
func holds(n *yaml.Node, tag, value string) bool {
	switch tag {
	case "!!seq":
		return n.Kind == yaml.SequenceNode
	case "!!map":
		return n.Kind == yaml.MappingNode
	}
	if n.Kind != yaml.ScalarNode {
		return false
	}
	cut, truncated := strings.CutSuffix(value, "...")
	return n.Value == value || truncated && len(n.Value) > 10 && strings.HasPrefix(n.Value, cut)
}

// describeType says what a Go type accepts, in YAML terms.
func describeType(goType string) string {
	goType = strings.TrimLeft(goType, "*")
	switch {
	case goType == reflect.TypeOf(time.Duration(0)).String():
		return "a duration like 30s or 2h"
	case goType == reflect.TypeOf(Duration(0)).String():
		return "a duration like 30d, 52w or 1h30m"
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
	if t, ok := decodedTypes[strings.TrimPrefix(goType, "config.")]; ok && t.Kind() == reflect.Struct {
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
