// Package progress reports a scan's advance: a bar on a terminal, a log
// line every 10 s otherwise.
package progress

import (
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"go.uber.org/zap"
	"golang.org/x/term"

	"github.com/uptake-dev/uptake/collector/runner"
)

// Progress shows a bar on a terminal (when bars are allowed) and a log
// line every 10 s otherwise.
type Progress struct {
	log *zap.Logger
	tty bool
	// verb names the work on the bar ("scanning"); logged is the log
	// line's message ("scan progress").
	verb, logged string

	mu  sync.Mutex
	bar *progressbar.ProgressBar
	// sources holds each source's latest report: sources are scanned at
	// once, so the bar shows their sum.
	sources map[string]runner.Progress
	lastLog time.Time
}

// New returns a display of a scan; bar allows a bar when stderr is a terminal.
func New(log *zap.Logger, bar bool) *Progress { return NewFor("scanning", "scan progress", log, bar) }

// NewFor returns a display of other work: verb on the bar ("mirroring"),
// logged as the log line's message ("mirror progress").
func NewFor(verb, logged string, log *zap.Logger, bar bool) *Progress {
	return &Progress{log: log, tty: bar && term.IsTerminal(int(os.Stderr.Fd())), verb: verb, logged: logged, lastLog: time.Now()}
}

// Update reports one repo done.
func (p *Progress) Update(pr runner.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty {
		if p.sources == nil {
			p.sources = map[string]runner.Progress{}
		}
		p.sources[pr.Source] = pr
		done, total := 0, 0
		for _, s := range p.sources {
			done, total = done+s.Done, total+s.Total
		}
		if p.bar == nil {
			p.bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(os.Stderr),
				progressbar.OptionSetDescription(p.verb), progressbar.OptionShowCount(),
				progressbar.OptionSetPredictTime(true), progressbar.OptionClearOnFinish())
		}
		p.bar.ChangeMax(total)
		p.bar.Describe(fmt.Sprintf("%s %d source(s)", p.verb, len(p.sources)))
		_ = p.bar.Set(done)
		return
	}
	if time.Since(p.lastLog) >= 10*time.Second || pr.Done == pr.Total {
		p.lastLog = time.Now()
		p.log.Info(p.logged, zap.String("source", pr.Source), zap.Int("done", pr.Done), zap.Int("total", pr.Total))
	}
}

// Finish clears the bar.
func (p *Progress) Finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.finishLocked()
}

func (p *Progress) finishLocked() {
	if p.bar != nil {
		_ = p.bar.Finish()
		p.bar = nil
	}
	p.sources = nil
}
