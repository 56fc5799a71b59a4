package httpx

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gregjones/httpcache"
	"github.com/peterbourgon/diskv"
)

// CacheSubdir returns the directory below cacheDir that holds the cache for
// one forge host and one token: <cacheDir>/<host>/<16 hex digits>. The
// digits are a SHA-256 of a fixed prefix and the token, so the token itself
// appears nowhere; "anonymous" is the directory for no token.
func CacheSubdir(cacheDir, host, token string) string {
	id := "anonymous"
	if token != "" {
		sum := sha256.Sum256([]byte("ospo-scan cache v1\x00" + token))
		id = hex.EncodeToString(sum[:])[:16]
	}
	return filepath.Join(cacheDir, safeHost(host), id)
}

// safeHost turns "127.0.0.1:8080" into a directory name.
func safeHost(host string) string {
	host = strings.ToLower(host)
	if host == "" {
		return "default"
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '.', r == '-':
			return r
		}
		return '_'
	}, host)
}

// diskCache is an httpcache.Cache over diskv: one file per URL, named by
// the URL's SHA-256, written atomically (temp file and rename) with mode
// 0600, nothing kept in memory.
type diskCache struct {
	dir string
	d   *diskv.Diskv
}

// cacheMaxAge is how long a cached response may go unused before it is
// removed: an organisation's deleted repositories, old blobs and other
// tokens' answers must not make the cache grow forever.
const cacheMaxAge = 30 * 24 * time.Hour

// pruneCache removes the files of dir that have not been used for
// cacheMaxAge, at most once a day (a marker file records the last run),
// so a scan does not walk its cache every time.
func pruneCache(dir string, now time.Time) {
	marker := filepath.Join(dir, ".pruned")
	if st, err := os.Stat(marker); err == nil && now.Sub(st.ModTime()) < 24*time.Hour {
		return
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !e.Type().IsRegular() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		if info, err := e.Info(); err == nil && now.Sub(info.ModTime()) > cacheMaxAge {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
	if f, err := os.OpenFile(marker, os.O_CREATE|os.O_WRONLY, 0o600); err == nil {
		f.Close()
	}
	os.Chtimes(marker, now, now)
}

func openCache(cacheDir, host, token string) (*diskCache, error) {
	dir := CacheSubdir(cacheDir, host, token)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	// MkdirAll leaves existing directories alone; the two levels that are
	// ours are private whatever created them.
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o700); err != nil {
			return nil, err
		}
	}
	probe, err := os.CreateTemp(dir, ".probe")
	if err != nil {
		return nil, fmt.Errorf("not writable: %w", err)
	}
	probe.Close()
	os.Remove(probe.Name())
	pruneCache(dir, time.Now())
	return &diskCache{dir: dir, d: diskv.New(diskv.Options{
		BasePath:     dir,
		TempDir:      filepath.Join(dir, ".tmp"),
		PathPerm:     0o700,
		FilePerm:     0o600,
		CacheSizeMax: 0,
	})}, nil
}

func cacheFile(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// Get reads a stored response and marks it used, so pruning keeps it
// (immutable answers are read without ever being written again).
func (c *diskCache) Get(key string) ([]byte, bool) {
	name := cacheFile(key)
	b, err := c.d.Read(name)
	if err != nil {
		return nil, false
	}
	now := time.Now()
	os.Chtimes(filepath.Join(c.dir, name), now, now)
	return b, true
}

// Set stores a response. A failed write only costs a future request, so
// it is not reported.
func (c *diskCache) Set(key string, resp []byte) { _ = c.d.Write(cacheFile(key), resp) }

func (c *diskCache) Delete(key string) { _ = c.d.Erase(cacheFile(key)) }

// newCacheLayer returns httpcache over c, above a layer that decides what
// httpcache may store and for how long.
func newCacheLayer(next http.RoundTripper, c *diskCache, o *Options) http.RoundTripper {
	t := httpcache.NewTransport(c)
	t.Transport = &cachePolicy{next: next, opts: o}
	return t
}

// cachePolicy rewrites the caching headers of responses before httpcache
// sees them:
//   - a GET 200 with an ETag or Last-Modified is stored "no-cache", so every
//     later use is a conditional request (fresh data; a 304 costs GitHub no
//     rate limit), or, when Options.Immutable says so, for a year without
//     revalidation;
//   - everything else is "no-store";
//   - Authorization, PRIVATE-TOKEN and Cookie are dropped from Vary
//     (httpcache would copy the request's value, the token, into the stored
//     file; the directory is per token anyway), and Set-Cookie is dropped.
type cachePolicy struct {
	next http.RoundTripper
	opts *Options
}

func (p *cachePolicy) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := p.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	h := resp.Header
	h.Del("Set-Cookie")
	stripVary(h)
	validator := h.Get("ETag") != "" || h.Get("Last-Modified") != ""
	switch {
	case resp.StatusCode == http.StatusNotModified:
		// httpcache copies these headers onto the stored response.
		h.Set("Cache-Control", "no-cache")
	case req.Method == http.MethodGet && resp.StatusCode == http.StatusOK && validator:
		if p.opts.Immutable != nil && p.opts.Immutable(req) {
			h.Set("Cache-Control", "max-age=31536000")
			if h.Get("Date") == "" {
				h.Set("Date", p.opts.Now().UTC().Format(http.TimeFormat))
			}
		} else {
			h.Set("Cache-Control", "no-cache")
		}
	default:
		h.Set("Cache-Control", "no-store")
	}
	return resp, nil
}

var secretVary = map[string]bool{"authorization": true, "private-token": true, "cookie": true}

func stripVary(h http.Header) {
	vs := h.Values("Vary")
	if len(vs) == 0 {
		return
	}
	var keep []string
	for _, v := range vs {
		for _, f := range strings.Split(v, ",") {
			f = strings.TrimSpace(f)
			if f != "" && !secretVary[strings.ToLower(f)] {
				keep = append(keep, f)
			}
		}
	}
	h.Del("Vary")
	if len(keep) > 0 {
		h.Set("Vary", strings.Join(keep, ", "))
	}
}
