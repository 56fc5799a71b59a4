package httpx

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Stats counts what the transport did. All fields are safe for concurrent
// use; read them with Load or take a Snapshot.
type Stats struct {
	// Requests is the number of HTTP requests sent over the network,
	// retries and conditional requests included.
	Requests atomic.Int64
	// NotModified is the number of 304 answers to conditional requests
	// (GitHub does not count them against the rate limit).
	NotModified atomic.Int64
	// FromCache is the number of answers served from the disk cache
	// without any request (immutable responses).
	FromCache atomic.Int64
	// Bytes is the number of response body bytes received.
	Bytes atomic.Int64
	// Retries is the number of retried attempts after 5xx, timeouts and
	// connection errors.
	Retries atomic.Int64
	// RateLimitRemaining, RateLimitLimit and RateLimitReset (Unix seconds)
	// are the last rate-limit headers seen; RateLimitRemaining is -1 until
	// a response carried them.
	RateLimitRemaining atomic.Int64
	RateLimitLimit     atomic.Int64
	RateLimitReset     atomic.Int64
}

// NewStats returns zeroed counters with an unknown rate limit.
func NewStats() *Stats {
	s := &Stats{}
	s.RateLimitRemaining.Store(-1)
	return s
}

// Snapshot is a copy of Stats at one moment.
type Snapshot struct {
	Requests, NotModified, FromCache, Bytes, Retries int64
	// RateLimitRemaining is -1 when no response carried rate-limit headers.
	RateLimitRemaining, RateLimitLimit int64
	RateLimitReset                     time.Time // zero when unknown
}

// Snapshot copies the counters.
func (s *Stats) Snapshot() Snapshot {
	sn := Snapshot{
		Requests:           s.Requests.Load(),
		NotModified:        s.NotModified.Load(),
		FromCache:          s.FromCache.Load(),
		Bytes:              s.Bytes.Load(),
		Retries:            s.Retries.Load(),
		RateLimitRemaining: s.RateLimitRemaining.Load(),
		RateLimitLimit:     s.RateLimitLimit.Load(),
	}
	if r := s.RateLimitReset.Load(); r > 0 {
		sn.RateLimitReset = time.Unix(r, 0)
	}
	return sn
}

// Counted is the number of requests that count against GitHub's rate
// limit: every request except 304 answers.
func (sn Snapshot) Counted() int64 { return sn.Requests - sn.NotModified }

// String is the one-line summary that --stats prints, e.g.
// "412 requests (380 not modified, 1 from cache), 1.2 MB, 0 retries, rate limit 4890/5000 left until 14:05:00".
func (sn Snapshot) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d requests (%d not modified, %d from cache), %s, %d retries", sn.Requests, sn.NotModified, sn.FromCache, humanBytes(sn.Bytes), sn.Retries)
	if sn.RateLimitRemaining >= 0 {
		fmt.Fprintf(&b, ", rate limit %d/%d left", sn.RateLimitRemaining, sn.RateLimitLimit)
		if !sn.RateLimitReset.IsZero() {
			fmt.Fprintf(&b, " until %s", sn.RateLimitReset.Local().Format("15:04:05"))
		}
	} else {
		b.WriteString(", rate limit unknown")
	}
	return b.String()
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f kB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// rate is one reading of rate-limit headers.
type rate struct {
	remaining, limit int64
	reset            time.Time
	ok               bool
}

// parseRate reads GitHub's X-RateLimit-* or GitLab's RateLimit-* headers.
// Only GitHub's "core" resource (or no resource) is the budget a scan
// spends; other resources (search, graphql) are ignored.
func parseRate(h http.Header, now time.Time) rate {
	if res := h.Get("X-RateLimit-Resource"); res != "" && res != "core" {
		return rate{}
	}
	for _, prefix := range []string{"X-Ratelimit-", "Ratelimit-"} {
		rem, err1 := strconv.ParseInt(strings.TrimSpace(h.Get(prefix+"Remaining")), 10, 64)
		if err1 != nil {
			continue
		}
		r := rate{remaining: rem, ok: true}
		if lim, err := strconv.ParseInt(strings.TrimSpace(h.Get(prefix+"Limit")), 10, 64); err == nil {
			r.limit = lim
		}
		if reset, err := strconv.ParseInt(strings.TrimSpace(h.Get(prefix+"Reset")), 10, 64); err == nil && reset > 0 {
			// Both forges send Unix seconds; a small number would be
			// "seconds from now" (the IETF draft), so accept that too.
			if reset < 1e9 {
				r.reset = now.Add(time.Duration(reset) * time.Second)
			} else {
				r.reset = time.Unix(reset, 0)
			}
		} else if t, err := http.ParseTime(h.Get("Ratelimit-Resettime")); err == nil {
			r.reset = t
		}
		return r
	}
	return rate{}
}

// counter is the innermost layer: it counts what actually goes over the
// network.
type counter struct {
	next  http.RoundTripper
	stats *Stats
	now   func() time.Time
}

func (c *counter) RoundTrip(req *http.Request) (*http.Response, error) {
	markNetwork(req)
	c.stats.Requests.Add(1)
	resp, err := c.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode == http.StatusNotModified {
		c.stats.NotModified.Add(1)
	}
	now := time.Now
	if c.now != nil {
		now = c.now
	}
	if r := parseRate(resp.Header, now()); r.ok {
		c.stats.RateLimitRemaining.Store(r.remaining)
		c.stats.RateLimitLimit.Store(r.limit)
		if !r.reset.IsZero() {
			c.stats.RateLimitReset.Store(r.reset.Unix())
		}
	}
	resp.Body = &countingBody{rc: resp.Body, n: &c.stats.Bytes}
	return resp, nil
}

type countingBody struct {
	rc io.ReadCloser
	n  *atomic.Int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	b.n.Add(int64(n))
	return n, err
}

func (b *countingBody) Close() error { return b.rc.Close() }
