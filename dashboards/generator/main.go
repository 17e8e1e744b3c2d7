// Command generator writes uptake's dashboards as JSON into the current
// directory; `go generate ./dashboards/...` runs it in dashboards/.
package main

import (
	"fmt"
	"os"

	"github.com/uptake-dev/uptake/dashboards"
)

func main() {
	files, err := dashboards.Render()
	if err != nil {
		fmt.Fprintln(os.Stderr, "generator:", err)
		os.Exit(1)
	}
	for _, f := range files {
		if err := os.WriteFile(f.Name, f.JSON, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "generator:", err)
			os.Exit(1)
		}
	}
}
