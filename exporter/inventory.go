package exporter

import (
	"fmt"
	"sort"

	"github.com/uptake-dev/uptake/collector/snapshot"
)

// InventoryReader gives a repo's whole inventory from the scan behind the
// current snapshot, which keeps only adoptions' evidence; serve's runner
// satisfies it.
type InventoryReader interface {
	Inventory(source, repo string) ([]snapshot.Evidence, bool)
}

// inventoryTable is every component of a repo, each with the offerings its
// evidence counts for; kinds counts them by detector kind.
func inventoryTable(rep *snapshot.RepoReport, comps []snapshot.Evidence) (t *table, kinds map[string]int) {
	matched := map[snapshot.Evidence][]string{}
	for _, ro := range rep.Offerings {
		for _, e := range ro.Evidence {
			e.VersionSource = nil
			matched[e] = append(matched[e], ro.Offering)
		}
	}
	t = &table{ID: "components", Title: "Inventory: every component found", Empty: "No detector found a component.", Cols: []column{
		{Key: "kind", Label: "Kind"}, {Key: "name", Label: "Component"}, {Key: "version", Label: "Version"}, {Key: "offering", Label: "Counts for"},
		{Key: "at", Label: "At"}}}
	kinds = map[string]int{}
	for _, c := range comps {
		kinds[c.Kind]++
		key := c
		key.VersionSource = nil
		offerings := cell{Text: "—"}
		if names := matched[key]; len(names) > 0 {
			sort.Strings(names)
			offerings = cell{}
			for _, n := range names {
				offerings.Links = append(offerings.Links, link{Text: n, Href: offeringHref(n)})
			}
		}
		t.Rows = append(t.Rows, []cell{text(c.Kind), text(c.Name), text(c.Version), offerings, evidenceCell([]snapshot.Evidence{c})})
	}
	return t, kinds
}

// unmatchedWhy says what the inventory holds of the kinds an offering's
// rules look for: why no rule matched.
func unmatchedWhy(o snapshot.OfferingReport, kinds map[string]int) string {
	seen := map[string]bool{}
	why := "no rule matched"
	for _, r := range o.Rules {
		if seen[r.Kind] {
			continue
		}
		seen[r.Kind] = true
		why += fmt.Sprintf("; the inventory holds %d %s component(s)", kinds[r.Kind], r.Kind)
	}
	return why
}
