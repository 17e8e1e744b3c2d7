package main

import (
	"strings"
	"testing"
)

func TestTable(t *testing.T) {
	in := `goos: linux
cpu: Intel(R) Xeon(R) Processor
BenchmarkMetricsScrape/cached-2         	      20	  10827293 ns/op
BenchmarkMetricsScrape/promhttp-reference-2         	      20	 233867785 ns/op
BenchmarkLocalRead/packed/uptake-2      3	 940514918 ns/op	         9.405 ms/repo
BenchmarkLocalRead/packed/git-grep-reference-2        	       3	 645755766 ns/op	         6.458 ms/repo
BenchmarkLocalRead/packed/git-archive-reference-2        	       3	 500000000 ns/op	         5.000 ms/repo
BenchmarkOrgScan/graphql-2   1   5 ns/op   2.7 req/repo-first
BenchmarkOrgBudget/rest/planned-2   1   4000000000 ns/op   2425 ms/first-scan
BenchmarkOrgBudget/rest/unplanned-reference-2   1   3600000000 ns/op   3604592 ms/first-scan
PASS
`
	results, env := parse(strings.NewReader(in))
	var out strings.Builder
	write(&out, results, env)
	for _, want := range []string{
		"goos: linux; cpu: Intel(R) Xeon(R) Processor",
		"| LocalRead/packed/uptake | 940.5 ms/op, 9.405 ms/repo | 1.46× git-grep (6.458 ms/repo); 1.88× git-archive (5 ms/repo) |",
		"| OrgBudget/rest/planned | 4.00 s/op, 2425 ms/first-scan | 0.00067× unplanned (3.605e+06 ms/first-scan) |",
		"| MetricsScrape/cached | 10.8 ms/op | 0.05× promhttp (233.9 ms/op) |",
		"| OrgScan/graphql | 5 ns/op, 2.7 req/repo-first |  |",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "| MetricsScrape/promhttp-reference") {
		t.Error("a reference got a row of its own")
	}
}
