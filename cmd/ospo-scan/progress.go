package main

import (
	"fmt"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/it-at-m/ospo-scan/scanner"
)

// barProgress shows done/total, the current repository and an ETA on
// stderr. It is used only when stderr is a terminal, so progress never
// lands in a report or a CI log.
type barProgress struct {
	s   *Streams
	mu  sync.Mutex
	bar *progressbar.ProgressBar
}

func newProgress(s *Streams, o *ScanOptions) scanner.Progress {
	if o.NoProgress || o.Quiet || !stderrIsTerminal(s) {
		return nil
	}
	return &barProgress{s: s}
}

func (p *barProgress) Start(total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.bar = progressbar.NewOptions(total,
		progressbar.OptionSetWriter(p.s.Err),
		progressbar.OptionSetDescription("scanning"),
		progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionSetWidth(24),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)
}

func (p *barProgress) Begin(name string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.bar.Describe(fmt.Sprintf("%-32.32s", name))
}

func (p *barProgress) Done(string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	_ = p.bar.Add(1)
}

func (p *barProgress) Finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	_ = p.bar.Finish()
}
