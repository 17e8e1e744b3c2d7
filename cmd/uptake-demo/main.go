// Command uptake-demo writes a sample organisation of git repositories and
// the uptake configuration that scans it:
//
//	uptake-demo -out demo && uptake serve --config demo/uptake.yml
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/uptake-dev/uptake/internal/demo"
)

func main() {
	out := flag.String("out", "./demo", "directory to write repos/ and uptake.yml into")
	force := flag.Bool("force", false, "replace an existing demo in the directory")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "uptake-demo: unexpected argument %q\n", flag.Arg(0))
		flag.Usage()
		os.Exit(2)
	}

	start := time.Now()
	// The history is the year before now, so a backfill shows the last year.
	res, err := demo.GenerateAt(*out, *force, start)
	if err != nil {
		fmt.Fprintf(os.Stderr, "uptake-demo: %v\n", err)
		os.Exit(1)
	}
	bare := 0
	for _, r := range res.Repos {
		if r.Bare {
			bare++
		}
	}
	fmt.Printf("wrote %d repositories (%d working clones, %d bare mirrors) and %d broken one in %s\nconfig: %s\n",
		len(res.Repos), len(res.Repos)-bare, bare, len(res.Broken), time.Since(start).Round(time.Millisecond), res.Config)
}
