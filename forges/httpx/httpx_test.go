package httpx

import (
	"context"
	"errors"
	"fmt"
	"github.com/it-at-m/ospo-scan/forges/forgetest"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const secret = "ghp_s3cr3tT0kenValue1234567890"

// fakeClock is a clock whose Sleep advances time instantly.
type fakeClock struct {
	mu    sync.Mutex
	t     time.Time
	slept []time.Duration
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 11, 28, 12, 0, 0, 0, time.Local)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	c.slept = append(c.slept, d)
	return ctx.Err()
}

func (c *fakeClock) Slept() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.slept...)
}

func get(t *testing.T, c *http.Client, u string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading %s: %v", u, err)
	}
	return resp, string(b)
}

// etagServer serves /data with an ETag, honours If-None-Match, and records
// the conditional and authorisation headers it received.
type etagServer struct {
	*httptest.Server
	mu          sync.Mutex
	conditional []string // If-None-Match per request
	auth        []string // Authorization per request
	body        string
}

func newETagServer(t *testing.T) *etagServer {
	s := &etagServer{body: `{"name":"dave-backend"}`}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.conditional = append(s.conditional, r.Header.Get("If-None-Match"))
		s.auth = append(s.auth, r.Header.Get("Authorization"))
		body := s.body
		s.mu.Unlock()
		etag := fmt.Sprintf(`"%x"`, len(body)*7919)
		w.Header().Set("ETag", etag)
		w.Header().Set("Vary", "Accept, Authorization, Cookie")
		w.Header().Set("Cache-Control", "private, max-age=60, s-maxage=60")
		w.Header().Set("Set-Cookie", "session="+r.Header.Get("Authorization"))
		w.Header().Set("X-RateLimit-Limit", "5000")
		w.Header().Set("X-RateLimit-Remaining", "4999")
		w.Header().Set("X-RateLimit-Reset", "1795000000")
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		io.WriteString(w, body)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *etagServer) seen() ([]string, []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.conditional...), append([]string(nil), s.auth...)
}

func TestNotModifiedServedFromCache(t *testing.T) {
	s := newETagServer(t)
	c, st := New(Options{Token: secret, Host: "github.com", CacheDir: t.TempDir()})
	_, first := get(t, c, s.URL+"/data")
	resp, second := get(t, c, s.URL+"/data")
	if first != s.body || second != s.body {
		t.Fatalf("bodies %q and %q, want %q twice", first, second, s.body)
	}
	if resp.StatusCode != http.StatusOK {
		t.Errorf("cached answer has status %d, want 200", resp.StatusCode)
	}
	cond, auth := s.seen()
	if len(cond) != 2 || cond[0] != "" || cond[1] == "" {
		t.Errorf("If-None-Match per request = %q, want none then the ETag (always revalidate, even within max-age)", cond)
	}
	if auth[0] != "Bearer "+secret {
		t.Errorf("Authorization = %q, want the bearer token", auth[0])
	}
	sn := st.Snapshot()
	if sn.Requests != 2 || sn.NotModified != 1 || sn.Counted() != 1 {
		t.Errorf("stats %+v, want 2 requests of which 1 not modified", sn)
	}
	if sn.RateLimitRemaining != 4999 || sn.RateLimitLimit != 5000 || sn.RateLimitReset.Unix() != 1795000000 {
		t.Errorf("rate limit in stats %+v", sn)
	}
	if int(sn.Bytes) != len(s.body) {
		t.Errorf("bytes = %d, want %d (the 304 has no body)", sn.Bytes, len(s.body))
	}
}

func TestChangedResourceIsRefetched(t *testing.T) {
	s := newETagServer(t)
	c, _ := New(Options{CacheDir: t.TempDir(), Host: "github.com"})
	get(t, c, s.URL+"/data")
	s.mu.Lock()
	s.body = `{"name":"dave-backend","description":"now with text"}`
	s.mu.Unlock()
	_, got := get(t, c, s.URL+"/data")
	if got != s.body {
		t.Fatalf("after a change got %q, want the new body", got)
	}
}

func TestTokensDoNotShareCache(t *testing.T) {
	s := newETagServer(t)
	dir := t.TempDir()
	a, _ := New(Options{Token: secret, Host: "github.com", CacheDir: dir})
	b, _ := New(Options{Token: secret + "-other", Host: "github.com", CacheDir: dir})
	anon, _ := New(Options{Host: "github.com", CacheDir: dir})
	get(t, a, s.URL+"/data")
	get(t, b, s.URL+"/data")
	get(t, anon, s.URL+"/data")
	get(t, a, s.URL+"/data")
	cond, _ := s.seen()
	if cond[1] != "" || cond[2] != "" {
		t.Errorf("another token or no token made a conditional request from the first token's cache: %q", cond)
	}
	if cond[3] == "" {
		t.Errorf("the first token's second request was not conditional: %q", cond)
	}
	dirs, err := os.ReadDir(filepath.Join(dir, "github.com"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range dirs {
		names = append(names, d.Name())
	}
	if len(names) != 3 || !contains(names, "anonymous") {
		t.Errorf("cache dirs %q, want one per token plus anonymous", names)
	}
	if CacheSubdir(dir, "github.com", secret) == CacheSubdir(dir, "github.com", secret+"-other") {
		t.Error("two tokens map to one cache directory")
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func TestCacheModesAndNoTokenAnywhere(t *testing.T) {
	s := newETagServer(t)
	dir := t.TempDir()
	c, _ := New(Options{Token: secret, Host: "github.com", CacheDir: dir, AuthHeader: func(r *http.Request, tok string) {
		BearerAuth(r, tok)
		r.Header.Set("Cookie", "t="+tok)
	}})
	get(t, c, s.URL+"/data")
	get(t, c, s.URL+"/data?page=2")
	get(t, c, s.URL+"/data") // a 304 rewrites the stored entry
	files := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if strings.Contains(p, secret) {
			t.Errorf("token in cache path %s", p)
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		switch {
		case rel == ".":
		case d.IsDir():
			if info.Mode().Perm() != 0o700 {
				t.Errorf("directory %s has mode %v, want 0700", rel, info.Mode().Perm())
			}
		case d.Name() == ".pruned":
			// The marker of the last pruning: empty, private.
			if info.Mode().Perm() != 0o600 || info.Size() != 0 {
				t.Errorf("prune marker %s: mode %v size %d", rel, info.Mode().Perm(), info.Size())
			}
		default:
			files++
			if info.Mode().Perm() != 0o600 {
				t.Errorf("file %s has mode %v, want 0600", rel, info.Mode().Perm())
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			if strings.Contains(string(b), secret) {
				t.Errorf("token in cache file %s:\n%s", rel, b)
			}
			if !strings.Contains(string(b), `"dave-backend"`) {
				t.Errorf("cache file %s does not hold the response:\n%s", rel, b)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files != 2 {
		t.Errorf("%d cache files, want 2 (one per URL)", files)
	}
}

func TestOnlyValidatedOKResponsesAreCached(t *testing.T) {
	var conditional atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") != "" || r.Header.Get("If-Modified-Since") != "" {
			conditional.Add(1)
		}
		switch r.URL.Path {
		case "/no-validator":
			io.WriteString(w, "plain")
		case "/missing":
			w.Header().Set("ETag", `"x"`)
			http.Error(w, `{"message":"Not Found"}`, http.StatusNotFound)
		case "/last-modified":
			w.Header().Set("Last-Modified", "Mon, 02 Jan 2006 15:04:05 GMT")
			io.WriteString(w, "dated")
		}
	}))
	defer srv.Close()
	dir := t.TempDir()
	c, _ := New(Options{CacheDir: dir, Host: "example.org"})
	for _, p := range []string{"/no-validator", "/missing", "/no-validator", "/missing"} {
		get(t, c, srv.URL+p)
	}
	if n := conditional.Load(); n != 0 {
		t.Errorf("%d conditional requests for responses without validator or not 200", n)
	}
	get(t, c, srv.URL+"/last-modified")
	get(t, c, srv.URL+"/last-modified")
	if n := conditional.Load(); n != 1 {
		t.Errorf("%d conditional requests after a Last-Modified response, want 1 (If-Modified-Since)", n)
	}
}

func TestImmutableAnsweredFromDisk(t *testing.T) {
	s := newETagServer(t)
	dir := t.TempDir()
	opts := Options{CacheDir: dir, Host: "github.com", Immutable: func(r *http.Request) bool {
		return strings.HasPrefix(r.URL.Path, "/git/blobs/")
	}}
	c, st := New(opts)
	get(t, c, s.URL+"/git/blobs/aaaa")
	// A second process (a new client) reads the same cache.
	c2, st2 := New(opts)
	_, body := get(t, c2, s.URL+"/git/blobs/aaaa")
	if body != s.body {
		t.Fatalf("body %q", body)
	}
	if n := len(s.conditionalSnapshot()); n != 1 {
		t.Errorf("%d requests reached the server, want 1: an immutable answer is served from disk", n)
	}
	if st.Requests.Load() != 1 || st2.Requests.Load() != 0 || st2.FromCache.Load() != 1 {
		t.Errorf("stats: first %+v, second %+v", st.Snapshot(), st2.Snapshot())
	}
}

func (s *etagServer) conditionalSnapshot() []string { c, _ := s.seen(); return c }

func TestUnusableCacheDirFallsBack(t *testing.T) {
	s := newETagServer(t)
	file := filepath.Join(t.TempDir(), "not-a-dir")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	var l forgetest.Notices
	c, _ := New(Options{CacheDir: file, Host: "github.com", Logf: l.Logf})
	_, body := get(t, c, s.URL+"/data")
	if body != s.body {
		t.Fatalf("body %q", body)
	}
	if !strings.Contains(l.String(), "continuing without a cache") {
		t.Errorf("no notice about the unusable cache directory; logs: %q", l.String())
	}
}

func TestTokenOnlyForAPIHost(t *testing.T) {
	s := newETagServer(t)
	u, _ := url.Parse(s.URL)
	c, _ := New(Options{Token: secret, APIHost: "api.github.com"})
	get(t, c, s.URL+"/data")
	c2, _ := New(Options{Token: secret, APIHost: u.Host, AuthHeader: HeaderAuth("Authorization")})
	get(t, c2, s.URL+"/data")
	_, auth := s.seen()
	if auth[0] != "" {
		t.Errorf("token sent to %s although the API host is api.github.com", u.Host)
	}
	if auth[1] != secret {
		t.Errorf("Authorization = %q, want the raw token from HeaderAuth", auth[1])
	}
}

// rateServer answers with the rate-limit headers its handler chooses.
func rateServer(t *testing.T, h func(n int, w http.ResponseWriter, r *http.Request)) (*httptest.Server, *atomic.Int64) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h(int(n.Add(1)), w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func TestPrimaryLimitWaitsForReset(t *testing.T) {
	clk := newFakeClock()
	reset := clk.Now().Add(12 * time.Minute)
	srv, n := rateServer(t, func(n int, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-RateLimit-Limit", "60")
		w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
		w.Header().Set("X-RateLimit-Resource", "core")
		if n == 1 {
			w.Header().Set("X-RateLimit-Remaining", "0") // the last request of the window
		} else {
			w.Header().Set("X-RateLimit-Remaining", "59")
		}
		io.WriteString(w, "{}")
	})
	var l forgetest.Notices
	c, _ := New(Options{Now: clk.Now, Sleep: clk.Sleep, Logf: l.Logf, Host: "github.com"})
	get(t, c, srv.URL+"/a")
	get(t, c, srv.URL+"/b")
	if n.Load() != 2 {
		t.Fatalf("%d requests", n.Load())
	}
	slept := clk.Slept()
	if len(slept) != 1 || slept[0] < 12*time.Minute || slept[0] > 12*time.Minute+2*time.Second {
		t.Errorf("slept %v, want one wait of about 12m until the reset", slept)
	}
	want := fmt.Sprintf("rate limit exhausted; waiting until %s (12m) for it to reset", reset.Format("15:04:05"))
	if l.String() != want {
		t.Errorf("notice %q, want %q", l.String(), want)
	}
}

func TestPrimaryLimitNoWait(t *testing.T) {
	clk := newFakeClock()
	reset := clk.Now().Add(5 * time.Minute)
	srv, n := rateServer(t, func(n int, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-RateLimit-Limit", "5000")
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, `{"message":"API rate limit exceeded for user ID 1.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#primary-rate-limit"}`)
	})
	c, _ := New(Options{Now: clk.Now, Sleep: clk.Sleep, NoWait: true, Host: "github.com"})
	for i := 0; i < 3; i++ {
		_, err := c.Get(srv.URL + "/x")
		var rl *RateLimitError
		if !errors.As(err, &rl) {
			t.Fatalf("request %d: error %v, want *RateLimitError", i, err)
		}
		if !rl.Reset.Equal(reset) || rl.Limit != 5000 {
			t.Errorf("error carries reset %v limit %d", rl.Reset, rl.Limit)
		}
		if !strings.Contains(rl.Error(), "exhausted until "+reset.Format("15:04:05")+" (5m)") || !strings.Contains(rl.Error(), "--no-wait") {
			t.Errorf("message %q", rl.Error())
		}
	}
	if n.Load() != 1 {
		t.Errorf("%d requests sent, want 1: once the budget is known to be spent, no request goes out", n.Load())
	}
	if len(clk.Slept()) != 0 {
		t.Errorf("slept %v with NoWait", clk.Slept())
	}
}

func TestPrimaryLimit403IsRetriedAfterReset(t *testing.T) {
	clk := newFakeClock()
	reset := clk.Now().Add(30 * time.Second)
	srv, n := rateServer(t, func(n int, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
		if n == 1 {
			w.Header().Set("X-RateLimit-Remaining", "0")
			w.WriteHeader(http.StatusForbidden)
			return
		}
		w.Header().Set("X-RateLimit-Remaining", "4999")
		io.WriteString(w, "ok")
	})
	c, _ := New(Options{Now: clk.Now, Sleep: clk.Sleep})
	resp, body := get(t, c, srv.URL)
	if resp.StatusCode != 200 || body != "ok" || n.Load() != 2 {
		t.Errorf("status %d body %q after %d requests, want the retried answer", resp.StatusCode, body, n.Load())
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	// GitLab's shape: 429 with Retry-After and RateLimit-* headers.
	clk := newFakeClock()
	srv, n := rateServer(t, func(n int, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("RateLimit-Limit", "600")
		w.Header().Set("RateLimit-Reset", strconv.FormatInt(clk.Now().Add(time.Minute).Unix(), 10))
		if n == 1 {
			w.Header().Set("RateLimit-Remaining", "3")
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(http.StatusTooManyRequests)
			io.WriteString(w, "Retry later")
			return
		}
		w.Header().Set("RateLimit-Remaining", "2")
		io.WriteString(w, "ok")
	})
	var l forgetest.Notices
	c, st := New(Options{Now: clk.Now, Sleep: clk.Sleep, Logf: l.Logf, AuthHeader: HeaderAuth("PRIVATE-TOKEN"), Token: secret})
	_, body := get(t, c, srv.URL)
	if body != "ok" || n.Load() != 2 {
		t.Fatalf("body %q after %d requests", body, n.Load())
	}
	if got := clk.Slept(); len(got) != 1 || got[0] != 7*time.Second {
		t.Errorf("slept %v, want 7s as Retry-After said", got)
	}
	if !strings.Contains(l.String(), "HTTP 429, Retry-After") {
		t.Errorf("notice %q", l.String())
	}
	if st.RateLimitRemaining.Load() != 2 || st.RateLimitLimit.Load() != 600 {
		t.Errorf("GitLab rate limit headers not read: %+v", st.Snapshot())
	}
	if st.Retries.Load() != 0 {
		t.Errorf("a rate-limit pause counted as %d retries", st.Retries.Load())
	}
}

func TestGitHubSecondaryLimitWithRetryAfter(t *testing.T) {
	srv, n := rateServer(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			w.Header().Set("Retry-After", "1")
			w.Header().Set("X-RateLimit-Remaining", "4000")
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, `{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again.","documentation_url":"https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"}`)
			return
		}
		io.WriteString(w, "ok")
	})
	var l forgetest.Notices
	c, _ := New(Options{Logf: l.Logf})
	start := time.Now()
	_, body := get(t, c, srv.URL)
	if body != "ok" || n.Load() != 2 {
		t.Fatalf("body %q after %d requests", body, n.Load())
	}
	if d := time.Since(start); d < 900*time.Millisecond {
		t.Errorf("retried after %v, before Retry-After (1s) elapsed", d)
	}
	if !strings.Contains(l.String(), "secondary rate limit") {
		t.Errorf("no notice: %q", l.String())
	}
}

func TestGitHubSecondaryLimitWithoutHeaders(t *testing.T) {
	clk := newFakeClock()
	srv, n := rateServer(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, `{"message":"You have exceeded a secondary rate limit.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"}`)
			return
		}
		io.WriteString(w, "ok")
	})
	c, _ := New(Options{Now: clk.Now, Sleep: clk.Sleep})
	_, body := get(t, c, srv.URL)
	if body != "ok" || n.Load() != 2 {
		t.Fatalf("body %q after %d requests", body, n.Load())
	}
	if got := clk.Slept(); len(got) != 1 || got[0] != time.Minute {
		t.Errorf("slept %v, want a minute as GitHub advises", got)
	}
}

func TestPlainForbiddenIsNotARateLimit(t *testing.T) {
	srv, n := rateServer(t, func(n int, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-RateLimit-Remaining", "4000")
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, `{"message":"Resource not accessible by integration"}`)
	})
	clk := newFakeClock()
	c, _ := New(Options{Now: clk.Now, Sleep: clk.Sleep})
	resp, body := get(t, c, srv.URL)
	if resp.StatusCode != 403 || !strings.Contains(body, "not accessible") || n.Load() != 1 {
		t.Errorf("status %d body %q after %d requests: a permission 403 must pass through untouched", resp.StatusCode, body, n.Load())
	}
}

func TestServerErrorsRetriedThenGivenUp(t *testing.T) {
	srv, n := rateServer(t, func(n int, w http.ResponseWriter, r *http.Request) {
		http.Error(w, "upstream broke", http.StatusBadGateway)
	})
	clk := newFakeClock()
	c, st := New(Options{Now: clk.Now, Sleep: clk.Sleep, MaxRetries: 3})
	_, err := c.Get(srv.URL + "/repos/o/r")
	var g *GiveUpError
	if !errors.As(err, &g) {
		t.Fatalf("error %v, want *GiveUpError", err)
	}
	if g.Attempts != 4 || g.StatusCode != 502 || n.Load() != 4 || st.Retries.Load() != 3 {
		t.Errorf("attempts %d status %d requests %d retries %d, want 4/502/4/3", g.Attempts, g.StatusCode, n.Load(), st.Retries.Load())
	}
	if want := "HTTP 502 Bad Gateway (gave up after 4 attempts)"; !strings.Contains(err.Error(), want) {
		t.Errorf("message %q does not say %q", err, want)
	}
	slept := clk.Slept()
	if len(slept) != 3 {
		t.Fatalf("slept %v", slept)
	}
	for i, d := range slept {
		full := time.Second << i
		if d < full/2 || d > full {
			t.Errorf("backoff %d = %v, want between %v and %v (exponential with jitter)", i, d, full/2, full)
		}
	}
}

func TestServerErrorThenSuccess(t *testing.T) {
	srv, n := rateServer(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n <= 2 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "ok")
	})
	clk := newFakeClock()
	c, st := New(Options{Now: clk.Now, Sleep: clk.Sleep})
	_, body := get(t, c, srv.URL)
	if body != "ok" || n.Load() != 3 || st.Retries.Load() != 2 {
		t.Errorf("body %q, %d requests, %d retries", body, n.Load(), st.Retries.Load())
	}
}

func TestClientErrorsNotRetried(t *testing.T) {
	for _, code := range []int{400, 401, 404, 409, 422, 501} {
		srv, n := rateServer(t, func(n int, w http.ResponseWriter, r *http.Request) { w.WriteHeader(code) })
		clk := newFakeClock()
		c, _ := New(Options{Now: clk.Now, Sleep: clk.Sleep})
		resp, _ := get(t, c, srv.URL)
		if resp.StatusCode != code || n.Load() != 1 {
			t.Errorf("HTTP %d: got status %d after %d requests, want one request", code, resp.StatusCode, n.Load())
		}
	}
}

func TestTimeoutRetriedThenGivenUp(t *testing.T) {
	release := make(chan struct{})
	srv, n := rateServer(t, func(n int, w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	defer close(release)
	clk := newFakeClock()
	c, _ := New(Options{Now: clk.Now, Sleep: clk.Sleep, Timeout: 50 * time.Millisecond, MaxRetries: 1})
	_, err := c.Get(srv.URL)
	var g *GiveUpError
	if !errors.As(err, &g) || !strings.Contains(err.Error(), "no answer in time (gave up after 2 attempts)") {
		t.Fatalf("error %v, want a give-up after a timeout", err)
	}
	if n.Load() != 2 {
		t.Errorf("%d requests, want 2", n.Load())
	}
}

func TestBrokenBodyIsRetried(t *testing.T) {
	srv, n := rateServer(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			w.Header().Set("Content-Length", "100")
			io.WriteString(w, "short") // the connection closes mid-body
			return
		}
		io.WriteString(w, "complete")
	})
	clk := newFakeClock()
	c, _ := New(Options{Now: clk.Now, Sleep: clk.Sleep})
	_, body := get(t, c, srv.URL)
	if body != "complete" || n.Load() != 2 {
		t.Errorf("body %q after %d requests", body, n.Load())
	}
}

func TestUnknownHostNotRetried(t *testing.T) {
	var calls atomic.Int64
	base := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		calls.Add(1)
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "ghe.example", IsNotFound: true}}
	})
	clk := newFakeClock()
	c, _ := New(Options{Base: base, Now: clk.Now, Sleep: clk.Sleep})
	_, err := c.Get("https://ghe.example/api/v3/")
	if err == nil || calls.Load() != 1 {
		t.Errorf("error %v after %d attempts, want one attempt", err, calls.Load())
	}
}

func TestConnectionRefusedGivesClearError(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	addr := srv.URL
	srv.Close() // nothing listens there any more
	clk := newFakeClock()
	c, _ := New(Options{Now: clk.Now, Sleep: clk.Sleep, MaxRetries: 1})
	_, err := c.Get(addr)
	var g *GiveUpError
	if !errors.As(err, &g) || !strings.Contains(err.Error(), "cannot connect") || !strings.Contains(err.Error(), "refused") {
		t.Errorf("error %v, want a give-up that says it cannot connect", err)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestMalformedBodyPassedThrough(t *testing.T) {
	const broken = `{"name": "dave-backend", "topics": [`
	srv, _ := rateServer(t, func(n int, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"b"`)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, broken)
	})
	c, _ := New(Options{CacheDir: t.TempDir()})
	resp, body := get(t, c, srv.URL)
	if resp.StatusCode != 200 || body != broken {
		t.Errorf("status %d body %q, want the bytes as sent", resp.StatusCode, body)
	}
}

func TestStatsString(t *testing.T) {
	st := NewStats()
	if s := st.Snapshot().String(); !strings.Contains(s, "rate limit unknown") {
		t.Errorf("fresh stats say %q", s)
	}
	st.Requests.Add(412)
	st.NotModified.Add(380)
	st.Bytes.Add(3 << 20)
	st.RateLimitRemaining.Store(4890)
	st.RateLimitLimit.Store(5000)
	s := st.Snapshot().String()
	for _, want := range []string{"412 requests", "380 not modified", "3.0 MB", "0 retries", "rate limit 4890/5000 left"} {
		if !strings.Contains(s, want) {
			t.Errorf("%q lacks %q", s, want)
		}
	}
}

func TestConcurrentUseIsSafe(t *testing.T) {
	s := newETagServer(t)
	c, st := New(Options{Token: secret, Host: "github.com", CacheDir: t.TempDir()})
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			resp, err := c.Get(fmt.Sprintf("%s/data?i=%d", s.URL, i%4))
			if err != nil {
				t.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}(i)
	}
	wg.Wait()
	if st.Requests.Load() != 16 {
		t.Errorf("%d requests counted, want 16", st.Requests.Load())
	}
}

func TestLastRequestsOfTheBudgetAreNotOverspent(t *testing.T) {
	clk := newFakeClock()
	var mu sync.Mutex
	remaining, reset := 2, clk.Now().Add(10*time.Minute)
	forbidden := 0
	srv, n := rateServer(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if !clk.Now().Before(reset) {
			remaining, reset = 5000, clk.Now().Add(time.Hour)
		}
		w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
		if remaining == 0 {
			forbidden++
			w.Header().Set("X-RateLimit-Remaining", "0")
			w.WriteHeader(http.StatusForbidden)
			return
		}
		remaining--
		w.Header().Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
		time.Sleep(20 * time.Millisecond) // long enough for the others to queue
		io.WriteString(w, "ok")
	})
	c, _ := New(Options{Now: clk.Now, Sleep: clk.Sleep})
	get(t, c, srv.URL) // learns: 1 left
	var wg sync.WaitGroup
	for range 6 {
		wg.Go(func() {
			resp, err := c.Get(srv.URL)
			if err != nil {
				t.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Errorf("status %d", resp.StatusCode)
			}
		})
	}
	wg.Wait()
	if forbidden != 0 {
		t.Errorf("%d requests were sent into the exhausted budget; the last one must be reserved", forbidden)
	}
	if n.Load() != 7 {
		t.Errorf("%d requests, want 7", n.Load())
	}
}

// TestCachePrunesUnusedEntries: responses unused for 30 days are removed,
// at most once a day; reading an entry counts as using it.
func TestCachePrunesUnusedEntries(t *testing.T) {
	root := t.TempDir()
	c, err := openCache(root, "github.com", "")
	if err != nil {
		t.Fatal(err)
	}
	c.Set("https://api.github.com/old", []byte("old"))
	c.Set("https://api.github.com/used", []byte("used"))
	c.Set("https://api.github.com/fresh", []byte("fresh"))
	dir := CacheSubdir(root, "github.com", "")
	longAgo := time.Now().Add(-40 * 24 * time.Hour)
	for _, k := range []string{"https://api.github.com/old", "https://api.github.com/used"} {
		if err := os.Chtimes(filepath.Join(dir, cacheFile(k)), longAgo, longAgo); err != nil {
			t.Fatal(err)
		}
	}
	if _, ok := c.Get("https://api.github.com/used"); !ok {
		t.Fatal("used entry missing")
	}
	// Pruned today already: nothing happens.
	pruneCache(dir, time.Now())
	if _, ok := c.Get("https://api.github.com/old"); !ok {
		t.Fatal("pruning ran twice in a day")
	}
	os.Chtimes(filepath.Join(dir, cacheFile("https://api.github.com/old")), longAgo, longAgo)
	pruneCache(dir, time.Now().Add(25*time.Hour))
	for k, want := range map[string]bool{"https://api.github.com/old": false, "https://api.github.com/used": true, "https://api.github.com/fresh": true} {
		if _, ok := c.Get(k); ok != want {
			t.Errorf("%s kept = %v, want %v", k, ok, want)
		}
	}
}
