package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"syscall"
	"text/tabwriter"

	"github.com/alecthomas/kingpin/v2"
	"go.uber.org/zap"

	"github.com/uptake-dev/uptake/collector/detect"
	"github.com/uptake-dev/uptake/collector/inventory"
	"github.com/uptake-dev/uptake/collector/runner"
	"github.com/uptake-dev/uptake/collector/source"
)

// inventoryCmd lists every component every detector kind finds in one repo,
// offering or not: what a new rule can match.
type inventoryCmd struct {
	cmd    *kingpin.CmdClause
	config *string
	repo   *string
	kind   *string
	server *string
	out    io.Writer
}

func newInventoryCmd(app *kingpin.Application) *inventoryCmd {
	c := &inventoryCmd{cmd: app.Command("inventory", "List every component every detector finds in one repo (the way to write a new rule)."), out: os.Stdout}
	c.config = c.cmd.Flag("config", "Path to the config file (not needed with --server).").Short('c').String()
	c.repo = c.cmd.Flag("repo", "The repo: its name, or SOURCE/NAME when several sources hold one of that name.").Required().String()
	c.kind = c.cmd.Flag("kind", "Only components of this detector kind.").String()
	c.server = c.cmd.Flag("server", "Ask a running uptake serve at this URL (it holds the store locked) for the last scan's inventory: the kinds the catalog's rules use, as scanned.").String()
	return c
}

func (c *inventoryCmd) run(log *zap.Logger) int {
	if err := c.list(log); err != nil {
		fmt.Fprintln(os.Stderr, "uptake inventory:", err)
		return 1
	}
	return 0
}

// list reads just that repo at its HEAD, with every detector kind (not only
// those the catalog's rules use) and the catalog's probes.
func (c *inventoryCmd) list(log *zap.Logger) error {
	kinds := detect.Kinds()
	if *c.kind != "" && !slices.Contains(kinds, *c.kind) {
		return fmt.Errorf("--kind %q: no such detector kind", *c.kind)
	}
	if *c.server != "" {
		return c.fromServer()
	}
	if *c.config == "" {
		return errors.New("--config or --server is required")
	}
	l, err := runner.Load(*c.config)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	src, repo, err := c.find(ctx, l, log)
	if err != nil {
		return err
	}
	head, err := src.Head(ctx, repo)
	if err != nil {
		return err
	}
	tree, err := src.Open(ctx, repo, head)
	if err != nil {
		return err
	}
	var detectors []string
	for _, k := range kinds {
		if k != "file" && k != "regex" { // probes: the catalog's own rules
			detectors = append(detectors, k)
		}
	}
	plan, err := inventory.NewPlan(detectors, l.Catalog.Probes(), l.Config.Scan)
	if err != nil {
		return err
	}
	inv, failures, err := plan.Read(ctx, tree)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.out, "repo %s/%s at %s\n\n", repo.Source, repo.Name, head)
	tw := tabwriter.NewWriter(c.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KIND\tNAME\tVERSION\tAT")
	for _, comp := range inv.Components {
		if *c.kind == "" || comp.Kind == *c.kind {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s:%d\n", comp.Kind, comp.Name, comp.Version, comp.Path, comp.Line)
		}
	}
	_ = tw.Flush()
	for _, f := range failures {
		fmt.Fprintf(c.out, "skipped %s (%s): %v\n", f.Path, f.Reader, f.Err)
	}
	return nil
}

// fromServer prints the inventory a running serve kept of its last scan.
func (c *inventoryCmd) fromServer() error {
	ans, err := askServer(*c.server, *c.repo)
	if err != nil {
		return err
	}
	if ans.Inventory == nil {
		return fmt.Errorf("%s keeps no inventory of %s/%s (an uptake serve older than this one?)", *c.server, ans.Repo.Source, ans.Repo.Name)
	}
	fmt.Fprintf(c.out, "repo %s/%s at %s (the last scan of %s: the kinds its catalog's rules use)\n\n", ans.Repo.Source, ans.Repo.Name, ans.Repo.Head, *c.server)
	tw := tabwriter.NewWriter(c.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KIND\tNAME\tVERSION\tAT")
	for _, comp := range ans.Inventory {
		if *c.kind == "" || comp.Kind == *c.kind {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s:%d\n", comp.Kind, comp.Name, comp.Version, comp.Path, comp.Line)
		}
	}
	return tw.Flush()
}

// find lists the sources for the repo named NAME or SOURCE/NAME.
func (c *inventoryCmd) find(ctx context.Context, l *runner.Loaded, log *zap.Logger) (source.Source, source.Repo, error) {
	sources, err := runner.NewSources(l.Config, source.Options{Logger: log})
	if err != nil {
		return nil, source.Repo{}, err
	}
	var found []source.Repo
	var in []source.Source
	for _, src := range sources {
		repos, err := src.List(ctx)
		if err != nil {
			return nil, source.Repo{}, err
		}
		for _, r := range repos {
			if r.Name == *c.repo || r.Source+"/"+r.Name == *c.repo {
				found, in = append(found, r), append(in, src)
			}
		}
	}
	switch len(found) {
	case 0:
		return nil, source.Repo{}, fmt.Errorf("no repo %q in the configured sources", *c.repo)
	case 1:
		return in[0], found[0], nil
	}
	return nil, source.Repo{}, fmt.Errorf("repo %q is in several sources; name it SOURCE/NAME", *c.repo)
}
