package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/alecthomas/kingpin/v2"

	"github.com/uptake-dev/uptake/collector/cache"
	"github.com/uptake-dev/uptake/internal/output"
)

type storeCmd struct {
	export, imp *kingpin.CmdClause
	storage     *string
	output      *string
	input       *string
}

func newStoreCmd(app *kingpin.Application) *storeCmd {
	store := app.Command("store", "Back the store's history up and restore it.")
	c := &storeCmd{}
	c.storage = store.Flag("storage.path", "Directory of the store.").Default("./data").String()
	c.export = store.Command("export", "Write the store's history (events, their totals, first adoptions, the baseline the next scan is diffed against) as JSON lines.")
	c.output = c.export.Flag("output", "Write to this file instead of standard output (replaced atomically).").Short('o').String()
	c.imp = store.Command("import", "Merge an export into the store: nothing it holds is lost or counted twice, and importing the same file again changes nothing.")
	c.input = c.imp.Arg("file", "The export (/dev/stdin reads standard input).").Required().String()
	return c
}

// locked says what to do when a running uptake holds the store.
func locked(err error, what string) error {
	if errors.Is(err, cache.ErrLocked) {
		return fmt.Errorf("%w; stop the running uptake serve to %s (bbolt lets one process write the store)", err, what)
	}
	return err
}

func (c *storeCmd) runExport() int {
	st, err := cache.OpenReadOnly(*c.storage)
	if err != nil {
		fmt.Fprintln(os.Stderr, "uptake store export:", locked(err, "export it"))
		return 1
	}
	defer st.Close()
	var buf bytes.Buffer
	if err = st.Export(&buf, time.Now()); err == nil {
		err = output.Write(*c.output, buf.Bytes())
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "uptake store export:", err)
		return 1
	}
	return 0
}

func (c *storeCmd) runImport() int {
	in, err := os.Open(*c.input)
	if err != nil {
		fmt.Fprintln(os.Stderr, "uptake store import:", err)
		return 1
	}
	defer in.Close()
	st, err := cache.Open(*c.storage)
	if err != nil {
		fmt.Fprintln(os.Stderr, "uptake store import:", locked(err, "import into it"))
		return 1
	}
	defer st.Close()
	stats, err := st.Import(in)
	if err != nil {
		fmt.Fprintf(os.Stderr, "uptake store import: %s: %v (nothing imported)\n", *c.input, err)
		return 1
	}
	fmt.Printf("imported %d events, %d event totals, %d first adoptions, %d baseline repos\n", stats.Events, stats.Totals, stats.FirstAdopted, stats.Baseline)
	return 0
}
