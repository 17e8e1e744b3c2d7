package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"
)

// maxKnownFromBytes bounds teams.known_from: a catalog export of every
// group is large, but not this large.
const maxKnownFromBytes = 8 << 20

// validateKnown checks teams.known and adds the names teams.known_from
// lists to it, so the rest of uptake reads one list.
func (c *Config) validateKnown(v *validator) {
	for _, t := range c.Teams.Known {
		if strings.TrimSpace(t) == "" {
			v.add(c.lines["teams.known"], "teams.known: empty team name")
		}
	}
	if c.Teams.KnownFrom == "" {
		return
	}
	line := c.lines["teams.known_from"]
	names, errs := readKnownFrom(c.Teams.KnownFrom)
	if errs == nil && len(names) == 0 {
		v.add(line, "teams.known_from: %s lists no team", c.Teams.KnownFrom)
	}
	for _, e := range errs {
		if e.File == "" {
			v.add(line, "teams.known_from: %s", e.Msg)
			continue
		}
		v.errs = append(v.errs, e)
	}
	c.Teams.Known = append(c.Teams.Known, names...)
	if c.Teams.Known == nil {
		// Set but unreadable or empty: no name is known, rather than every one.
		c.Teams.Known = []string{}
	}
}

// readKnownFrom reads team names from a Backstage Group entities file
// (multi-document; other kinds skipped) or a plain list: a YAML sequence,
// or one name a line with # comments. Errors in the file are at its lines.
func readKnownFrom(path string) ([]string, Errors) {
	f, err := os.Open(path)
	if err != nil {
		return nil, Errors{{Msg: err.Error()}}
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxKnownFromBytes+1))
	if err != nil {
		return nil, Errors{{Msg: err.Error()}}
	}
	if len(data) > maxKnownFromBytes {
		return nil, Errors{{Msg: fmt.Sprintf("%s is over %d bytes", path, maxKnownFromBytes)}}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var names []string
	var errs Errors
	for first := true; ; first = false {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if first && (err != nil || len(doc.Content) == 0 || doc.Content[0].Kind == yaml.ScalarNode) {
			// Not YAML entities or a sequence: a list of lines.
			return knownLines(path, data)
		}
		if err != nil {
			return nil, append(errs, Error{File: path, Msg: err.Error()})
		}
		if len(doc.Content) == 0 {
			continue
		}
		n := doc.Content[0]
		switch n.Kind {
		case yaml.SequenceNode:
			for _, item := range n.Content {
				if item.Kind != yaml.ScalarNode || strings.TrimSpace(item.Value) == "" {
					errs = append(errs, Error{File: path, Line: item.Line, Msg: "a team name must be a non-empty string"})
					continue
				}
				names = append(names, item.Value)
			}
		case yaml.MappingNode:
			if kind := lookup(n, "kind"); kind == nil || !strings.EqualFold(kind.Value, "Group") {
				continue
			}
			name := lookup(n, "metadata", "name")
			if name == nil || name.Kind != yaml.ScalarNode || name.Value == "" {
				errs = append(errs, Error{File: path, Line: n.Line, Msg: "Group entity without metadata.name"})
				continue
			}
			names = append(names, name.Value)
		}
	}
	return names, errs
}

func knownLines(path string, data []byte) ([]string, Errors) {
	var names []string
	var errs Errors
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.ContainsAny(line, " \t") {
			errs = append(errs, Error{File: path, Line: i + 1, Msg: fmt.Sprintf("%q is not a team name (one a line)", line)})
			continue
		}
		names = append(names, line)
	}
	return names, errs
}
