package detect

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// jsonArrayItem stands for an array index in a walkJSON path. It is not
// valid UTF-8, which encoding/json never returns in a key, so no object key
// can be mistaken for it.
const jsonArrayItem = "\xff"

// walkJSON visits every scalar of a JSON object document (string, json.Number,
// bool, nil) with its path of object keys and the line it is named on: the
// key's line inside an object, the value's inside an array. encoding/json
// keeps no positions, so the walk goes token by token; nesting past
// maxDepth is an error.
func walkJSON(data []byte, visit func(path []string, value json.Token, line int)) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	lines := lineCounter{data: data}
	type frame struct {
		object    bool
		expectKey bool
	}
	var (
		stack   []frame
		path    []string
		line    int
		started bool
	)
	// closeFrame ends a container; in a parent, it was the value of the
	// last path element.
	closeFrame := func() {
		stack = stack[:len(stack)-1]
		if len(stack) > 0 {
			path = path[:len(path)-1]
			stack[len(stack)-1].expectKey = stack[len(stack)-1].object
		}
	}
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			if !started {
				return errors.New("empty document")
			}
			if len(stack) > 0 {
				return io.ErrUnexpectedEOF
			}
			return nil
		}
		if err != nil {
			return err
		}
		if started && len(stack) == 0 {
			return errors.New("data after the top-level value")
		}
		if !started && tok != json.Delim('{') {
			return errors.New("top-level value is not an object")
		}
		started = true
		at := lines.at(int(dec.InputOffset()))
		if len(stack) > 0 {
			top := &stack[len(stack)-1]
			switch {
			case tok == json.Delim('}') || tok == json.Delim(']'):
				closeFrame()
				continue
			case top.object && top.expectKey:
				key, ok := tok.(string)
				if !ok {
					return fmt.Errorf("line %d: object key is not a string", at)
				}
				path = append(path, key)
				line = at
				top.expectKey = false
				continue
			case !top.object:
				path = append(path, jsonArrayItem)
				line = at
			}
		}
		if (tok == json.Delim('{') || tok == json.Delim('[')) && len(stack) >= maxDepth {
			return tooDeep(at)
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, frame{object: true, expectKey: true})
			continue
		case json.Delim('['):
			stack = append(stack, frame{})
			continue
		}
		visit(path, tok, line)
		if len(stack) > 0 {
			path = path[:len(path)-1]
			stack[len(stack)-1].expectKey = stack[len(stack)-1].object
		}
	}
}

// lineCounter turns increasing byte offsets into 1-based lines without
// rescanning the file for each one.
type lineCounter struct {
	data []byte
	off  int
	line int
}

func (c *lineCounter) at(off int) int {
	if c.line == 0 {
		c.line = 1
	}
	off = min(off, len(c.data))
	if off < c.off {
		c.off, c.line = 0, 1
	}
	c.line += bytes.Count(c.data[c.off:off], []byte("\n"))
	c.off = off
	return c.line
}
