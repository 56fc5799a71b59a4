// Package httpx is the HTTP transport stack shared by the GitHub and GitLab
// forges: everything between a forge's API client and the network that has
// to do with being a good API citizen. Rules never see it; the forges hand
// its *http.Client to their API clients.
//
// New builds one http.RoundTripper chain, outermost first:
//
//	auth       adds the token (GitHub "Authorization: Bearer", GitLab
//	           "PRIVATE-TOKEN") to requests for the API host only
//	ratelimit  primary limit: remembers the remaining budget from every
//	           response (GitHub X-RateLimit-*, GitLab RateLimit-*) and, once it
//	           is spent, waits until the reset or, with NoWait, fails with a
//	           *RateLimitError; the last requests of a budget are reserved,
//	           so concurrent workers do not overspend it into 403s;
//	           429/403 with Retry-After: pauses every request for that long
//	           and retries
//	secondary  GitHub's secondary limits, recognised by their body, through
//	           github.com/gofri/go-github-ratelimit/v2 (see below)
//	cache      conditional requests from an on-disk ETag cache
//	           (github.com/gregjones/httpcache over github.com/peterbourgon/diskv)
//	retry      5xx, timeouts and connection errors: bounded retries with
//	           exponential backoff and jitter; never 4xx
//	count      Stats: requests, 304s, bytes, retries, rate limit left
//	base       net/http (tests inject latency and faults here)
//
// Library choices, and why:
//
//   - go-github-ratelimit's SecondaryRateLimiter handles GitHub's secondary
//     limits well (it recognises them by message and documentation URL,
//     honours retry-after and x-ratelimit-reset, and holds back every
//     concurrent request while one is active), so it is used as is. Its
//     primary limiter is not: it fails requests instead of waiting, cannot
//     proactively stop at "remaining: 0" on a successful response, sleeps on
//     the wall clock (untestable), and only knows GitHub's headers. The
//     primary limit and plain Retry-After handling are therefore written once
//     here, for both header families, on an injectable clock.
//   - httpcache supplies RFC 7234 revalidation (If-None-Match /
//     If-Modified-Since, 304 merging). Its diskcache package is not used
//     because it fsyncs every write and keeps up to 100 MB in memory; a
//     three-method adapter over diskv stores one file per URL (named by the
//     URL's SHA-256) with atomic writes and mode 0600. A normalising layer
//     below httpcache makes every stored response "no-cache" so that each use
//     is revalidated (fresh data, and GitHub does not count 304s), except
//     requests the caller declares immutable (GitHub blobs by SHA), and drops
//     Authorization from Vary so that httpcache never copies the token into
//     a cache file.
//   - go-retryablehttp's DefaultRetryPolicy decides what is retryable and its
//     DefaultBackoff gives the exponential curve (honouring Retry-After on
//     503); jitter is added on top. Its Client is not used as a RoundTripper
//     because it sleeps on the wall clock and turns give-ups into opaque
//     errors.
//
// The cache lives at <CacheDir>/<host>/<16 hex digits of a SHA-256 of the
// token>, so two tokens never share cached private data and the token
// appears in no path, key or file.
package httpx

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Options configure New.
type Options struct {
	// Token authenticates requests; "" reads anonymously. It is never
	// logged, never part of an error and never part of a cache path or key.
	Token string
	// AuthHeader sets the token on a request. Nil means
	// "Authorization: Bearer TOKEN" (GitHub); GitLab uses
	// HeaderAuth("PRIVATE-TOKEN").
	AuthHeader func(req *http.Request, token string)
	// Host is the forge's host name ("github.com", "gitlab.opencode.de");
	// it names the cache directory.
	Host string
	// APIHost is the host (with port, if any) of the API; the token is sent
	// to it and to no other host. "" sends the token to every host, which
	// only tests should do.
	APIHost string
	// CacheDir is the root of the HTTP cache; "" disables caching.
	CacheDir string
	// Immutable reports requests whose response never changes (a Git blob
	// addressed by its SHA): once cached they are answered from disk
	// without a request. Nil means every cached response is revalidated.
	Immutable func(*http.Request) bool
	// NoWait makes an exhausted primary rate limit fail with a
	// *RateLimitError instead of waiting for the reset.
	NoWait bool
	// Timeout bounds each attempt of a request, body included. 0 means 30s.
	Timeout time.Duration
	// MaxRetries is how often a request is retried after a 5xx, a timeout
	// or a connection error. 0 means 3; a negative value disables retries.
	MaxRetries int
	// RetryWait is the first backoff; it doubles per retry up to 30s. 0
	// means 1s.
	RetryWait time.Duration
	// Logf prints one-line notices (rate-limit waits, a cache that cannot
	// be used). Nil discards them.
	Logf func(format string, args ...any)
	// Base is the innermost transport. Nil means a clone of
	// http.DefaultTransport.
	Base http.RoundTripper
	// Now and Sleep replace the clock in tests. Sleep must return early
	// with ctx.Err() when ctx ends.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
}

// BearerAuth sets "Authorization: Bearer TOKEN" (GitHub).
func BearerAuth(req *http.Request, token string) {
	req.Header.Set("Authorization", "Bearer "+token)
}

// HeaderAuth returns an AuthHeader that sets the named header to the token,
// e.g. HeaderAuth("PRIVATE-TOKEN") for GitLab.
func HeaderAuth(name string) func(*http.Request, string) {
	return func(req *http.Request, token string) { req.Header.Set(name, token) }
}

// DefaultCacheDir is the cache root when --cache-dir is not given: the
// user's cache directory plus "ospo-scan".
func DefaultCacheDir() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no user cache directory (set --cache-dir or --no-cache): %w", err)
	}
	return filepath.Join(dir, "ospo-scan"), nil
}

// New returns an HTTP client whose transport is the chain described in the
// package documentation, and the counters it updates. The client itself
// has no overall timeout: a rate-limit wait may legitimately take an hour;
// each attempt is bounded by Options.Timeout instead.
func New(opts Options) (*http.Client, *Stats) {
	o := opts
	if o.AuthHeader == nil {
		o.AuthHeader = BearerAuth
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	switch {
	case o.MaxRetries == 0:
		o.MaxRetries = 3
	case o.MaxRetries < 0:
		o.MaxRetries = 0
	}
	if o.RetryWait <= 0 {
		o.RetryWait = time.Second
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	if o.Base == nil {
		o.Base = http.DefaultTransport.(*http.Transport).Clone()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Sleep == nil {
		o.Sleep = sleepCtx
	}
	stats := NewStats()

	var rt http.RoundTripper = &counter{next: o.Base, stats: stats, now: o.Now}
	rt = &retrier{next: rt, opts: &o, stats: stats}
	if o.CacheDir != "" {
		if c, err := openCache(o.CacheDir, o.Host, o.Token); err != nil {
			o.Logf("cannot use the cache directory %s (%v); continuing without a cache", o.CacheDir, err)
		} else {
			rt = newCacheLayer(rt, c, &o)
		}
	}
	rt = newSecondary(rt, &o)
	rt = &limiter{next: rt, opts: &o, remaining: -1, changed: make(chan struct{})}
	rt = &auth{next: rt, opts: &o, stats: stats}
	return &http.Client{Transport: rt}, stats
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// auth is the outermost layer: it adds the token for the API host, counts
// answers served from disk, and makes closing a body drain it so that the
// cache layer sees the end of every body it stores.
type auth struct {
	next  http.RoundTripper
	opts  *Options
	stats *Stats
}

type networkKey struct{}

func (a *auth) RoundTrip(req *http.Request) (*http.Response, error) {
	went := new(bool)
	r := req.Clone(context.WithValue(req.Context(), networkKey{}, went))
	if a.opts.Token != "" && (a.opts.APIHost == "" || strings.EqualFold(req.URL.Host, a.opts.APIHost)) {
		a.opts.AuthHeader(r, a.opts.Token)
	}
	resp, err := a.next.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	if !*went {
		a.stats.FromCache.Add(1)
	}
	resp.Body = &drainOnClose{resp.Body}
	return resp, nil
}

// markNetwork records, for the auth layer, that a request reached the
// network.
func markNetwork(req *http.Request) {
	if p, ok := req.Context().Value(networkKey{}).(*bool); ok {
		*p = true
	}
}

type drainOnClose struct {
	rc io.ReadCloser
}

func (d *drainOnClose) Read(p []byte) (int, error) { return d.rc.Read(p) }

func (d *drainOnClose) Close() error {
	buf := make([]byte, 4096)
	for {
		if _, err := d.rc.Read(buf); err != nil {
			break
		}
	}
	return d.rc.Close()
}
