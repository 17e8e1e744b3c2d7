package exporter

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"

	"github.com/uptake-dev/uptake/collector/snapshot"
)

func ratioOf(v float64) *float64 { return &v }

// historyStep is a small snapshot: one offering, one or two teams.
func historyStep(adopted int, withSearch bool) *snapshot.Snapshot {
	s := &snapshot.Snapshot{
		Teams:     []snapshot.TeamReport{{Name: `pay"ments`, Repos: 4}},
		Offerings: []snapshot.OfferingReport{{Name: "kit", Owner: "platform", Lifecycle: "ga", Latest: "v1.4.0"}},
		Summary: []snapshot.Cell{{Offering: "kit", Team: `pay"ments`, Adopted: adopted, Total: 4, TeamRepos: 4,
			Ratio: ratioOf(float64(adopted) / 4)}},
		Sources: []snapshot.SourceScan{{Name: "local", OK: true, Repos: 4}},
	}
	if withSearch {
		s.Teams = append(s.Teams, snapshot.TeamReport{Name: "search", Repos: 1})
		s.Summary = append(s.Summary, snapshot.Cell{Offering: "kit", Team: "search", TeamRepos: 1})
	}
	return s
}

func TestHistoryWritesEveryStepOfEverySeries(t *testing.T) {
	h, err := NewHistory(map[string]string{"job": "uptake", "instance": "host:9877"})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Unix(1_700_000_000, 0)
	day := 24 * time.Hour
	for i, s := range []*snapshot.Snapshot{historyStep(1, false), historyStep(1, true), historyStep(3, true)} {
		if err := h.Add(t0.Add(time.Duration(i)*day), s); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.Add(t0, historyStep(1, false)); err == nil {
		t.Error("a step older than the last was accepted")
	}
	var buf bytes.Buffer
	if _, err := h.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if strings.Contains(out, "uptake_scan_") {
		t.Error("scan series are in the history")
	}
	if !strings.HasSuffix(out, "\n# EOF\n") || strings.Count(out, "# EOF") != 1 {
		t.Error("the output does not end with one # EOF")
	}
	wantAdopted := `# TYPE uptake_offering_adopted_repos gauge
uptake_offering_adopted_repos{instance="host:9877",job="uptake",offering="kit",team="pay\"ments"} 1.0 1700000000
uptake_offering_adopted_repos{instance="host:9877",job="uptake",offering="kit",team="pay\"ments"} 1.0 1700086400
uptake_offering_adopted_repos{instance="host:9877",job="uptake",offering="kit",team="pay\"ments"} 3.0 1700172800
uptake_offering_adopted_repos{instance="host:9877",job="uptake",offering="kit",team="search"} 0.0 1700086400
uptake_offering_adopted_repos{instance="host:9877",job="uptake",offering="kit",team="search"} 0.0 1700172800
`
	if !strings.Contains(out, wantAdopted) || strings.Count(out, "# HELP uptake_offering_adopted_repos ") != 1 {
		t.Errorf("adopted series:\n%s\nwant\n%s", grepFamily(out, "uptake_offering_adopted_repos"), wantAdopted)
	}
	// A ratio is absent where nothing is eligible: search has none.
	if got := grepFamily(out, "uptake_offering_adoption_ratio"); strings.Contains(got, "search") || strings.Count(got, "\n") != 5 {
		t.Errorf("ratio series:\n%s", got)
	}
	// Families appear once each, in name order.
	var names []string
	for _, m := range regexp.MustCompile(`(?m)^# TYPE (\S+) gauge$`).FindAllStringSubmatch(out, -1) {
		names = append(names, m[1])
	}
	for i := 1; i < len(names); i++ {
		if names[i] <= names[i-1] {
			t.Errorf("family %s after %s", names[i], names[i-1])
		}
	}
	if h.Steps() != 3 || h.Series() == 0 {
		t.Errorf("%d steps, %d series", h.Steps(), h.Series())
	}
}

// grepFamily is the lines of one family.
func grepFamily(out, name string) string {
	var b strings.Builder
	for _, line := range strings.SplitAfter(out, "\n") {
		if strings.HasPrefix(line, name+"{") || strings.HasPrefix(line, "# HELP "+name+" ") || strings.HasPrefix(line, "# TYPE "+name+" ") {
			b.WriteString(line)
		}
	}
	return b.String()
}

// One step written by History is what expfmt's OpenMetrics encoder writes
// for the same series, with a timestamp added to each sample.
func TestHistoryMatchesTheOpenMetricsEncoder(t *testing.T) {
	snap := semanticsSnapshot(t)
	h, err := NewHistory(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Add(time.Unix(1_700_000_000, 0), snap); err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if _, err := h.WriteTo(&got); err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(NewCollector(func() *snapshot.Snapshot { return snap }, 0))
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	for _, mf := range mfs {
		if isHistory(mf.GetName()) {
			if _, err := expfmt.MetricFamilyToOpenMetrics(&want, mf); err != nil {
				t.Fatal(err)
			}
		}
	}
	want.WriteString("# EOF\n")
	stripped := strings.ReplaceAll(got.String(), " 1700000000\n", "\n")
	if stripped != want.String() {
		t.Errorf("History's step:\n%s\nthe encoder's:\n%s", stripped, want.String())
	}
	if !strings.Contains(want.String(), "uptake_offering_roi_ratio") || !strings.Contains(want.String(), "uptake_offering_version_repos") {
		t.Fatal("the snapshot lacks the ROI and version series this test means to cover")
	}
}

func TestHistoryLabels(t *testing.T) {
	for _, bad := range []map[string]string{{"0job": "x"}, {"__name__": "x"}, {"a-b": "x"}} {
		if _, err := NewHistory(bad); err == nil {
			t.Errorf("label %v accepted", bad)
		}
	}
	h, err := NewHistory(map[string]string{"team": "x"})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Add(time.Unix(0, 0), historyStep(1, false)); err == nil || !strings.Contains(err.Error(), "team") {
		t.Errorf("a label the series has was accepted: %v", err)
	}
}
