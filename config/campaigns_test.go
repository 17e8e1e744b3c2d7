package config

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestCampaigns(t *testing.T) {
	c, err := Load("testdata/campaigns/good.yml")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Campaigns) != 2 {
		t.Fatalf("campaigns = %+v, want the explicit one and ci-v1's implicit one", c.Campaigns)
	}
	cp := c.Campaigns[0]
	if cp.Name != "base-image-v3" || cp.To != "base-image" || cp.MinVersion != "3.0.0" || !reflect.DeepEqual(cp.From, []string{"base-image-legacy"}) ||
		cp.Scope.EligibleOf != "base-image" || cp.Owner != "platform-runtime" || cp.Implicit || cp.Line != 22 {
		t.Errorf("campaign = %+v", cp)
	}
	if !cp.DeadlineAt.Equal(time.Date(2027, 3, 31, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("deadline = %v", cp.DeadlineAt)
	}
	if cp.IdleAfter != Duration(90*24*time.Hour) || cp.ProjectionWindow != DefaultProjectionWindow {
		t.Errorf("idle_after = %v, projection_window = %v", cp.IdleAfter, cp.ProjectionWindow)
	}
	// base-image-legacy is named by base-image-v3's from: no implicit
	// campaign for it; ci-v1 is named by none.
	im := c.Campaigns[1]
	want := Campaign{Name: "ci-v1", Description: "Move off ci-v1 to ci-v2", From: []string{"ci-v1"}, To: "ci-v2", Owner: "platform-ci",
		Scope: CampaignScope{EligibleOf: "ci-v2"}, IdleAfter: DefaultIdleAfter, ProjectionWindow: DefaultProjectionWindow, Implicit: true, Line: 12}
	if !reflect.DeepEqual(im, want) {
		t.Errorf("implicit campaign = %+v\nwant %+v", im, want)
	}
}

func TestBadCampaigns(t *testing.T) {
	_, err := Load("testdata/campaigns/bad.yml")
	if err == nil {
		t.Fatal("accepted")
	}
	f := "testdata/campaigns/bad.yml"
	for _, want := range []string{
		f + `:7: offering "base-image-legacy": replaced_by: unknown offering "base-imag"`,
		f + `:14: campaign "base-image-v3": from: unknown offering "ci-v1"`,
		f + `:16: campaign "base-image-v3": min_version must be a version like 3.0.0, got "three"`,
		f + `:17: campaign "base-image-v3": deadline must be a date YYYY-MM-DD, got "31/03/2027"`,
		f + `:19: campaign "base-image-v3": duplicate name (first at line 13)`,
		f + `:20: campaign "base-image-v3": to: unknown offering "base-imag"`,
		f + `:21: campaign "base-image-v3": scope: unknown offering "nothing"`,
		f + `:22: campaign "base-image-v3": idle_after: "6 months" is not a duration like 30d, 52w or 1h30m`,
		f + `:23: campaign "Bad Name": name must match [a-z0-9_-]+`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if n := len(strings.Split(err.Error(), "\n")); n != 9 {
		t.Errorf("%d errors, want 9:\n%v", n, err)
	}
}

// A cycle of replaced_by names no successor: each deprecated offering of
// it would imply a campaign moving back to the other.
func TestReplacedByCycle(t *testing.T) {
	_, err := Parse("c.yml", []byte(`sources: [{name: s, type: local, path: x}]
offerings:
  - name: a
    owner: o
    lifecycle: deprecated
    replaced_by: b
    detect: [{kind: file, path: a}]
  - name: b
    owner: o
    lifecycle: deprecated
    replaced_by: c
    detect: [{kind: file, path: b}]
  - name: c
    owner: o
    lifecycle: deprecated
    replaced_by: a
    detect: [{kind: file, path: c}]
`))
	if err == nil || !strings.Contains(err.Error(), `c.yml:3: offering "a": replaced_by: a cycle (a → b → c → a)`) {
		t.Fatalf("err = %v, want the cycle at its first offering", err)
	}
	if n := strings.Count(err.Error(), "cycle"); n != 1 {
		t.Errorf("the cycle is reported %d times, want once:\n%v", n, err)
	}
}
