package exporter

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/uptake-dev/uptake/collector/snapshot"
)

// TestBrowserExplorer drives Debian's headless chromium over loopback
// through the pages as a PM would: the offerings table, an offering, a
// team, a repo and the search box, at a desktop and a phone width.
func TestBrowserExplorer(t *testing.T) {
	ctx, shots := browser(t)
	s := demoSnapshot(t)
	u := testMux(t, WebOptions{Snapshot: func() *snapshot.Snapshot { return s }, Events: fakeEvents{events: kitEvents}}).URL

	for _, width := range widths {
		shot := func(name string) chromedp.Action[chromedp.Void] { return screenshot(shots, width.name+"-"+name) }
		var offerings, funnel, waived, teamRepos, explain, found, headerDisplay string
		var overflow bool
		var chartWidth float64
		err := chromedp.Do(ctx,
			chromedp.EmulateViewport(width.w, width.h),
			chromedp.Navigate(u+"/"),
			chromedp.WaitVisible(chromedp.CSS(`#offerings table`)),
			into(&offerings, chromedp.Text(chromedp.CSS(`#offerings tbody`))),
			// The stylesheet loads under the CSP: the header is a flex box.
			into(&headerDisplay, chromedp.Evaluate[string](`getComputedStyle(document.querySelector("header")).display`)),
			// Nothing but a table's own scroller is wider than the screen.
			into(&overflow, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`)),
			shot("offerings"),
			chromedp.Click(chromedp.CSS(`#offerings a[href="/offerings/service-kit"]`)),
			chromedp.WaitVisible(chromedp.CSS(`#waived table`)),
			into(&funnel, chromedp.Text(chromedp.CSS(`#teams tbody`))),
			into(&waived, chromedp.Text(chromedp.CSS(`#waived tbody`))),
			// The trend is drawn: its line has a width on the screen.
			into(&chartWidth, chromedp.Evaluate[float64](`document.querySelector("svg.trend path.line").getBoundingClientRect().width`)),
			shot("offering"),
			chromedp.Click(chromedp.CSS(`#teams a[href="/teams/data"]`)),
			chromedp.WaitVisible(chromedp.CSS(`#repos table`)),
			into(&teamRepos, chromedp.Text(chromedp.CSS(`#repos tbody`))),
			shot("team"),
			chromedp.Click(chromedp.CSS(`#repos a[href="/repos/demo/data-api"]`)),
			chromedp.WaitVisible(chromedp.CSS(`#explain table`)),
			into(&explain, chromedp.Text(chromedp.CSS(`#explain tbody`))),
			shot("repo"),
			chromedp.SetValue(chromedp.CSS(`input[name=q]`), "ldap"),
			chromedp.Submit(chromedp.CSS(`input[name=q]`)),
			chromedp.WaitVisible(chromedp.CSS(`#repos table`)),
			into(&found, chromedp.Text(chromedp.CSS(`#repos tbody`))),
			shot("search"),
		)
		if err != nil {
			t.Fatalf("%s: %v", width.name, err)
		}
		for _, c := range []struct{ what, got, want string }{
			{"offerings table", offerings, "service-kit"},
			{"offerings table", offerings, "platform-runtime"},
			{"funnel", funnel, "identity"},
			{"waived", waived, "Scheduled for decommission with the directory migration"},
			{"team's repos", teamRepos, "data-api"},
			{"explain", explain, "excluded by eligible: paths"},
			{"explain", explain, "version v1.4.0"},
			{"search results", found, "identity-ldap-bridge"},
		} {
			if !strings.Contains(c.got, c.want) {
				t.Errorf("%s: %s lacks %q:\n%s", width.name, c.what, c.want, c.got)
			}
		}
		if headerDisplay != "flex" {
			t.Errorf("%s: header display %q: the stylesheet did not apply", width.name, headerDisplay)
		}
		if chartWidth < 100 {
			t.Errorf("%s: the trend's line is %.0f px wide: the chart is not drawn", width.name, chartWidth)
		}
		if overflow {
			t.Errorf("%s: the offerings page is wider than the screen", width.name)
		}
	}
}

// widths are the screens each browser test looks at a page on.
var widths = []struct {
	name string
	w, h int64
}{{"desktop", 1280, 900}, {"phone", 390, 844}}

// browser starts Debian's headless chromium for the test (skipping
// without it, except under CI) and returns its context and the directory
// screenshots go to: the test's temp dir, or UPTAKE_SCREENSHOTS to keep
// them for a look.
func browser(t *testing.T) (context.Context, string) {
	t.Helper()
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is not installed; .ci/run installs Debian's chromium package")
		}
		t.Skip("chromium not found (apt-get install chromium); CI=true runs this test")
	}
	shots := os.Getenv("UPTAKE_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium), chromedp.NoSandbox, chromedp.DisableGPU)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelBrowser := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancelBrowser(); cancelAlloc() })
	t.Cleanup(func() { t.Logf("screenshots in %s", shots) })
	return ctx, shots
}

// screenshot writes the whole page as dir/name.png.
func screenshot(dir, name string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		png, err := chromedp.FullScreenshot(100)(ctx, t) // 100 is PNG; less is JPEG
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644)
	})
}

// into runs a, keeping its result in dst.
func into[T any](dst *T, a chromedp.Action[T]) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		v, err := a(ctx, t)
		*dst = v
		return err
	})
}
