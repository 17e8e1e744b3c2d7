// Command benchtable turns `go test -bench` output into one table: each
// benchmark's figures, and beside a benchmark that has a sibling named
// "<name>-reference" (measured in the same run), the ratio to it. make
// bench pipes into it; the raw lines pass through to stderr.
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// benchLine is "BenchmarkX/sub-2  N  123 ns/op  4.5 unit ...".
var benchLine = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+(.*)$`)

type result struct {
	name    string
	figures []figure
}

type figure struct {
	value float64
	unit  string
}

func main() {
	results, env := parse(io.TeeReader(os.Stdin, os.Stderr))
	write(os.Stdout, results, env)
}

func parse(r io.Reader) (results []result, env []string) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "cpu:") || strings.HasPrefix(line, "goos:") || strings.HasPrefix(line, "goarch:") {
			if !contains(env, line) {
				env = append(env, line)
			}
			continue
		}
		m := benchLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		res := result{name: strings.TrimPrefix(m[1], "Benchmark")}
		fields := strings.Fields(m[2])
		for i := 0; i+1 < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err == nil {
				res.figures = append(res.figures, figure{v, fields[i+1]})
			}
		}
		results = append(results, res)
	}
	return results, env
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func write(w io.Writer, results []result, env []string) {
	refs := map[string][]result{} // by the group they serve: "LocalScan/packed/"
	for _, r := range results {
		if strings.HasSuffix(r.name, "-reference") {
			refs[group(r.name)] = append(refs[group(r.name)], r)
		}
	}
	sort.SliceStable(results, func(i, j int) bool { return results[i].name < results[j].name })
	fmt.Fprintf(w, "\n%s\n\n| benchmark | figures | vs. reference in the same run |\n|---|---|---|\n", strings.Join(env, "; "))
	for _, r := range results {
		if strings.HasSuffix(r.name, "-reference") {
			continue
		}
		var figs []string
		for _, f := range r.figures {
			figs = append(figs, format(f))
		}
		var cmp []string
		if group(r.name) != "" {
			for _, ref := range refs[group(r.name)] {
				if c := ratio(r, ref); c != "" {
					cmp = append(cmp, c)
				}
			}
		}
		fmt.Fprintf(w, "| %s | %s | %s |\n", r.name, strings.Join(figs, ", "), strings.Join(cmp, "; "))
	}
}

// group is a sub-benchmark's parent path ("a/b/c" → "a/b/"), "" for a
// top-level one: a reference serves the benchmarks of its group.
func group(name string) string {
	return name[:strings.LastIndexByte(name, '/')+1]
}

// ratio compares r with ref by a wall time both report: a figure of its own
// in ms/… first (a loop's ns/op may time more than the figure compared, or
// leave out waits simulated on a fake clock), else ns/op.
func ratio(r, ref result) string {
	for _, pass := range []func(unit string) bool{
		func(unit string) bool { return strings.HasPrefix(unit, "ms/") },
		func(unit string) bool { return unit == "ns/op" },
	} {
		for _, f := range r.figures {
			for _, g := range ref.figures {
				if f.unit == g.unit && g.value > 0 && pass(f.unit) {
					x := strconv.FormatFloat(f.value/g.value, 'f', 2, 64)
					if f.value/g.value < 0.01 {
						x = strconv.FormatFloat(f.value/g.value, 'g', 2, 64) // not 0.00
					}
					return fmt.Sprintf("%s× %s (%s)", x, strings.TrimSuffix(ref.name[strings.LastIndexByte(ref.name, '/')+1:], "-reference"), format(g))
				}
			}
		}
	}
	return ""
}

func format(f figure) string {
	if f.unit == "ns/op" {
		switch {
		case f.value >= 1e9:
			return fmt.Sprintf("%.2f s/op", f.value/1e9)
		case f.value >= 1e6:
			return fmt.Sprintf("%.1f ms/op", f.value/1e6)
		}
	}
	return strconv.FormatFloat(f.value, 'g', 4, 64) + " " + f.unit
}
