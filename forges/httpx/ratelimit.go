package httpx

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofri/go-github-ratelimit/v2/github_ratelimit/github_secondary_ratelimit"
)

// RateLimitError is returned instead of waiting when the primary rate limit
// is exhausted and Options.NoWait is set. The scan is incomplete: the
// command exits 3.
type RateLimitError struct {
	Host  string
	Limit int64 // requests per window; 0 when unknown
	Reset time.Time
	// Now is when the error happened, for the "in 12m" part of the message.
	Now time.Time
}

func (e *RateLimitError) Error() string {
	limit := ""
	if e.Limit > 0 {
		limit = fmt.Sprintf(" of %d requests", e.Limit)
	}
	host := ""
	if e.Host != "" {
		host = " on " + e.Host
	}
	return fmt.Sprintf("API rate limit%s%s exhausted until %s (%s); not waiting because of --no-wait",
		limit, host, clock(e.Reset, e.Now), fmtWait(e.Reset.Sub(e.Now)))
}

// limiter keeps a scan within the primary rate limit and honours
// Retry-After. Its state is shared by all concurrent requests: when one
// response says the budget is spent, every request waits.
type limiter struct {
	next http.RoundTripper
	opts *Options

	mu         sync.Mutex
	remaining  int64 // -1: unknown
	limit      int64
	reset      time.Time
	pauseUntil time.Time // a Retry-After pause for everyone
	announced  time.Time // the reset (or pause end) last announced
	inflight   int64     // requests sent and not yet answered
	changed    chan struct{}
}

// maxLimitRounds bounds how often one request is re-sent after rate-limit
// answers; after that the answer goes to the caller (and becomes an error).
const maxLimitRounds = 5

func (l *limiter) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	for round := 0; ; round++ {
		if err := l.wait(ctx); err != nil {
			return nil, err
		}
		resp, err := l.next.RoundTrip(req)
		now := l.opts.Now()
		var r rate
		if err == nil {
			r = parseRate(resp.Header, now)
		}
		l.done(r)
		if err != nil {
			return nil, err
		}
		limited, pause, why := classify(resp, r, now, round)
		if !limited || round >= maxLimitRounds {
			return resp, nil
		}
		resp.Body.Close()
		if pause > 0 {
			l.pause(now, pause, why)
		}
	}
}

// wait blocks while the budget is spent or a pause is on, and otherwise
// reserves one request of the budget: when the last known remaining
// requests are all on their way, it waits for their answers instead of
// sending one more that would only earn a 403.
func (l *limiter) wait(ctx context.Context) error {
	for {
		l.mu.Lock()
		now := l.opts.Now()
		switch {
		case l.remaining > 0 && l.remaining <= l.inflight && l.reset.After(now):
			changed := l.changed
			l.mu.Unlock()
			select {
			case <-changed:
			case <-ctx.Done():
				return ctx.Err()
			}
		case l.remaining == 0 && l.reset.After(now):
			reset, limit := l.reset, l.limit
			if l.opts.NoWait {
				l.mu.Unlock()
				return &RateLimitError{Host: l.opts.Host, Limit: limit, Reset: reset, Now: now}
			}
			if !l.announced.Equal(reset) {
				l.announced = reset
				l.opts.Logf("rate limit exhausted; waiting until %s (%s) for it to reset", clock(reset, now), fmtWait(reset.Sub(now)))
			}
			l.mu.Unlock()
			// A second of slack: the forge's clock and ours differ.
			if err := l.opts.Sleep(ctx, reset.Sub(now)+time.Second); err != nil {
				return err
			}
			l.mu.Lock()
			if l.remaining == 0 && l.reset.Equal(reset) {
				l.remaining = -1 // a new window: the next answer tells
			}
			l.mu.Unlock()
		case l.pauseUntil.After(now):
			until := l.pauseUntil
			l.mu.Unlock()
			if err := l.opts.Sleep(ctx, until.Sub(now)); err != nil {
				return err
			}
			l.mu.Lock()
			if l.pauseUntil.Equal(until) {
				l.pauseUntil = time.Time{}
			}
			l.mu.Unlock()
		default:
			l.inflight++
			l.mu.Unlock()
			return nil
		}
	}
}

// done ends a reservation with the answer's reading (if any) and wakes
// the requests waiting for it.
func (l *limiter) done(r rate) {
	l.observe(r)
	l.mu.Lock()
	l.inflight--
	close(l.changed)
	l.changed = make(chan struct{})
	l.mu.Unlock()
}

// observe records a reading. Answers arrive out of order under
// concurrency, so within one window the lowest remaining count wins, and a
// reading from an older window is ignored.
func (l *limiter) observe(r rate) {
	if !r.ok {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case r.reset.IsZero() || r.reset.After(l.reset):
		l.remaining, l.limit = r.remaining, r.limit
		if !r.reset.IsZero() {
			l.reset = r.reset
		}
	case r.reset.Equal(l.reset):
		if l.remaining < 0 || r.remaining < l.remaining {
			l.remaining = r.remaining
		}
		l.limit = r.limit
	}
}

func (l *limiter) pause(now time.Time, d time.Duration, why string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	until := now.Add(d)
	if until.After(l.pauseUntil) {
		l.pauseUntil = until
	}
	if !l.announced.Equal(l.pauseUntil) {
		l.announced = l.pauseUntil
		l.opts.Logf("%s; pausing all requests for %s", why, fmtWait(d))
	}
}

// classify says whether a response is a rate-limit answer and, for the
// kinds that are not "primary budget spent" (which wait handles from the
// observed state), how long to pause.
func classify(resp *http.Response, r rate, now time.Time, round int) (limited bool, pause time.Duration, why string) {
	if resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusTooManyRequests {
		return false, 0, ""
	}
	if r.ok && r.remaining == 0 {
		if r.reset.After(now) {
			return true, 0, ""
		}
		// Spent, but the reset is already past by our clock: give the
		// forge a minute, as GitHub's documentation advises.
		return true, time.Minute, "rate limit exhausted and its reset is past"
	}
	if d, ok := retryAfter(resp.Header, now); ok {
		return true, d, fmt.Sprintf("the server asks to slow down (HTTP %d, Retry-After)", resp.StatusCode)
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		return true, time.Minute << min(round, 4), "the server asks to slow down (HTTP 429)"
	}
	if isGitHubSecondary(resp) {
		// No header says how long: GitHub advises at least a minute,
		// growing with each repeat.
		return true, time.Minute << min(round, 4), "GitHub secondary rate limit"
	}
	return false, 0, ""
}

func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil && s >= 0 {
		return max(time.Duration(s)*time.Second, time.Second), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), time.Second), true
	}
	return 0, false
}

// isGitHubSecondary recognises GitHub's secondary-limit answer by its body,
// with go-github-ratelimit's own test. The body is restored.
func isGitHubSecondary(resp *http.Response) bool {
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(raw))
	if err != nil {
		return false
	}
	var body github_secondary_ratelimit.SecondaryRateLimitBody
	if json.Unmarshal(raw, &body) != nil {
		return false
	}
	return body.IsSecondaryRateLimit()
}

// newSecondary wraps next in go-github-ratelimit's secondary limiter: on a
// GitHub secondary-limit answer with retry-after or x-ratelimit-reset it
// holds back every request until then and re-sends. Waits longer than 15
// minutes (or an hour in total) are not taken; the answer then reaches the
// limiter above, which pauses by the same headers.
func newSecondary(next http.RoundTripper, o *Options) http.RoundTripper {
	return github_secondary_ratelimit.New(next,
		github_secondary_ratelimit.WithLimitDetectedCallback(func(c *github_secondary_ratelimit.CallbackContext) {
			if c.ResetTime != nil {
				o.Logf("GitHub secondary rate limit; pausing all requests for %s", fmtWait(time.Until(*c.ResetTime)))
			}
		}),
		github_secondary_ratelimit.WithSingleSleepLimit(15*time.Minute, nil),
		github_secondary_ratelimit.WithTotalSleepLimit(time.Hour, nil),
	)
}

// clock formats t as a wall-clock time, with the date when it is not today.
func clock(t, now time.Time) string {
	t, now = t.Local(), now.Local()
	if t.YearDay() != now.YearDay() || t.Year() != now.Year() {
		return t.Format("2006-01-02 15:04:05")
	}
	return t.Format("15:04:05")
}

// fmtWait formats a wait for people: "45s", "12m", "1h05m".
func fmtWait(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int((d+time.Second-1)/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int((d+time.Minute-1)/time.Minute))
	}
	m := int((d + time.Minute - 1) / time.Minute)
	return fmt.Sprintf("%dh%02dm", m/60, m%60)
}
