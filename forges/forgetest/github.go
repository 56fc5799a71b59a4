package forgetest

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// GitHubOptions configure a fake GitHub server.
type GitHubOptions struct {
	// Org is the owner's login, e.g. "lhm-sample".
	Org string
	// ReposDir holds the owner's repositories: every immediate subfolder
	// that is not hidden is one repository, plus ".github" (the
	// organisation's community-health repository) when present.
	ReposDir string
	// OrgDotGitHub, when set, is the folder of the ".github" repository
	// instead of ReposDir/.github.
	OrgDotGitHub string
	// Repos overrides metadata by repository name.
	Repos map[string]GitHubRepo
	// User makes the owner a user account: /orgs/{Org} is 404 and
	// /users/{Org} says "type": "User".
	User bool

	// Token is the only token the server accepts (as "Bearer TOKEN" or
	// "token TOKEN"); any other gets 401 "Bad credentials". Requests
	// without a token are anonymous and see only public repositories.
	// "" accepts any token.
	Token string
	// PageSize is the default per_page (GitHub: 30); requests may ask for
	// up to MaxPerPage (GitHub: 100), which tests set low to force pages.
	PageSize   int
	MaxPerPage int
	// RateLimit is the primary budget per hour (default 5000). Every
	// answer carries X-RateLimit-* headers; 304 answers are free, as on
	// GitHub. Once spent, requests get 403 until the reset.
	RateLimit int
	// Latency is added to every request.
	Latency time.Duration
	// Now is the server's clock for rate-limit resets (default time.Now).
	Now func() time.Time
	// HTMLBase is the web address in html_url (default https://github.com).
	HTMLBase string
}

// GitHubRepo sets what a fake GitHub repository says about itself beyond
// its files. The zero value is a public, active, non-fork repository on
// branch "main" without a description, with private vulnerability
// reporting disabled and CodeQL default setup not configured.
type GitHubRepo struct {
	Description   string
	Homepage      string
	Topics        []string
	DefaultBranch string // default "main"
	Visibility    string // "public" (default), "private" or "internal"
	Archived      bool
	Fork          bool
	// License is the SPDX id GitHub's licence detection reports ("" for
	// none, "NOASSERTION" for an unrecognised licence).
	License string
	// PrivateReporting is "enabled", "disabled" (default), or an HTTP
	// status ("403", "404") the endpoint answers with.
	PrivateReporting string
	// DefaultSetup is "configured", "not-configured" (default), or an HTTP
	// status ("403", "404").
	DefaultSetup string
	// Empty makes the repository empty: its tree answers 409.
	Empty bool
	// TruncatedTree makes the recursive tree answer "truncated": true with
	// only the top-level entries, as GitHub does for huge repositories.
	TruncatedTree bool
}

// GitHubFaultKind is a kind of injected failure.
type GitHubFaultKind int

// Kinds of injected failure.
const (
	// ServerError answers Status (default 502).
	ServerError GitHubFaultKind = iota + 1
	// Timeout holds the request until the client gives up.
	Timeout
	// MalformedJSON answers 200 with truncated JSON.
	MalformedJSON
	// NotFound answers 404, e.g. for a repository deleted mid-scan.
	NotFound
	// Unauthorized answers 401 "Bad credentials".
	Unauthorized
	// Forbidden answers 403 "Resource not accessible", a missing permission.
	Forbidden
	// SecondaryLimit answers GitHub's secondary-rate-limit 403 (or 429
	// with Status 429) with Retry-After.
	SecondaryLimit
)

// GitHubFault makes matching requests fail.
type GitHubFault struct {
	// Path is a pattern over the request path without the /api/v3 prefix:
	// "*" matches one segment, a final "**" any rest, e.g.
	// "/repos/lhm-sample/dave/**" or "/repos/*/*/git/blobs/*"; "" matches
	// every request.
	Path string
	Kind GitHubFaultKind
	// Status for ServerError (default 502) or SecondaryLimit (403 or 429).
	Status int
	// RetryAfter is sent with a SecondaryLimit, in seconds (default 1; -1
	// sends none).
	RetryAfter int
	// Times is how many matching requests fail; 0 means all of them.
	Times int
}

// GitHubRequest is one request the fake received.
type GitHubRequest struct {
	Method string
	// Path is the unescaped path without the /api/v3 prefix, Query the raw
	// query.
	Path, Query string
	// URL is the request URI as sent.
	URL string
	// Authenticated says whether a token came with the request (the token
	// itself is not recorded).
	Authenticated bool
	// Conditional says whether If-None-Match came with it.
	Conditional bool
	Status      int
}

// GitHub is a fake GitHub REST API over fixture folders.
type GitHub struct {
	srv  *httptest.Server
	opts GitHubOptions

	mu        sync.Mutex
	requests  []GitHubRequest
	faults    []*ghFault
	latency   time.Duration
	remaining int
	reset     time.Time

	snaps ghSnapshots
}

type ghFault struct {
	GitHubFault
	left int
}

// NewGitHub starts a fake GitHub server; it stops when the test ends.
func NewGitHub(t testing.TB, opts GitHubOptions) *GitHub {
	t.Helper()
	if opts.Org == "" {
		t.Fatal("forgetest: GitHubOptions.Org is required")
	}
	if opts.MaxPerPage <= 0 {
		opts.MaxPerPage = 100
	}
	if opts.PageSize <= 0 {
		opts.PageSize = min(30, opts.MaxPerPage)
	}
	if opts.RateLimit <= 0 {
		opts.RateLimit = 5000
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.HTMLBase == "" {
		opts.HTMLBase = "https://github.com"
	}
	g := &GitHub{opts: opts, latency: opts.Latency, remaining: opts.RateLimit, snaps: ghSnapshots{max: 64}}
	g.reset = opts.Now().Add(time.Hour).Truncate(time.Second)
	g.srv = httptest.NewServer(http.HandlerFunc(g.serve))
	t.Cleanup(g.srv.Close)
	return g
}

// URL is the API base for clients, in GitHub Enterprise form:
// http://127.0.0.1:PORT/api/v3/. The server also answers without the
// /api/v3 prefix.
func (g *GitHub) URL() string { return g.srv.URL + "/api/v3/" }

// Host is the server's host:port.
func (g *GitHub) Host() string { return strings.TrimPrefix(g.srv.URL, "http://") }

// Close stops the server before the test ends, e.g. to make its address
// unreachable.
func (g *GitHub) Close() { g.srv.Close() }

// Client returns an HTTP client for the server.
func (g *GitHub) Client() *http.Client { return g.srv.Client() }

// Fault adds a fault; faults are checked in the order added.
func (g *GitHub) Fault(f GitHubFault) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.faults = append(g.faults, &ghFault{GitHubFault: f, left: f.Times})
}

// ClearFaults removes all faults.
func (g *GitHub) ClearFaults() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.faults = nil
}

// SetLatency changes the latency added to every request.
func (g *GitHub) SetLatency(d time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.latency = d
}

// SetRateLimit sets the remaining primary budget and its reset time.
func (g *GitHub) SetRateLimit(remaining int, reset time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.remaining, g.reset = remaining, reset.Truncate(time.Second)
}

// Requests returns the requests received so far.
func (g *GitHub) Requests() []GitHubRequest {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]GitHubRequest(nil), g.requests...)
}

// ResetRequests forgets the requests received so far.
func (g *GitHub) ResetRequests() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.requests = nil
}

// Count returns how many requests matched pattern (see GitHubFault.Path;
// "" counts all).
func (g *GitHub) Count(pattern string) int {
	n := 0
	for _, r := range g.Requests() {
		if ghMatch(pattern, r.Path) {
			n++
		}
	}
	return n
}

// Counted returns how many requests counted against the rate limit: all
// but 304 answers.
func (g *GitHub) Counted() int {
	n := 0
	for _, r := range g.Requests() {
		if r.Status != http.StatusNotModified {
			n++
		}
	}
	return n
}

// ghMatch matches a slash-separated pattern: "*" one segment, a final "**"
// any rest.
func ghMatch(pattern, p string) bool {
	if pattern == "" {
		return true
	}
	ps := strings.Split(strings.Trim(pattern, "/"), "/")
	ss := strings.Split(strings.Trim(p, "/"), "/")
	for i, seg := range ps {
		if seg == "**" && i == len(ps)-1 {
			return len(ss) >= i
		}
		if i >= len(ss) {
			return false
		}
		if ok, _ := path.Match(seg, ss[i]); !ok {
			return false
		}
	}
	return len(ss) == len(ps)
}

// ghCall is one request being answered.
type ghCall struct {
	g     *GitHub
	w     *statusWriter
	r     *http.Request
	path  string
	token bool // a valid token came with the request
}

func (g *GitHub) serve(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	if rest, ok := strings.CutPrefix(p, "/api/v3"); ok {
		p = rest
	}
	if p == "" {
		p = "/"
	}
	gw := &statusWriter{ResponseWriter: w}
	c := &ghCall{g: g, w: gw, r: r, path: p}
	defer func() {
		g.mu.Lock()
		g.requests = append(g.requests, GitHubRequest{
			Method: r.Method, Path: p, Query: r.URL.RawQuery, URL: r.URL.RequestURI(),
			Authenticated: r.Header.Get("Authorization") != "",
			Conditional:   r.Header.Get("If-None-Match") != "",
			Status:        gw.status,
		})
		g.mu.Unlock()
	}()

	g.mu.Lock()
	latency := g.latency
	g.mu.Unlock()
	if latency > 0 {
		select {
		case <-time.After(latency):
		case <-r.Context().Done():
			return
		}
	}
	if auth := r.Header.Get("Authorization"); auth != "" {
		tok := strings.TrimPrefix(strings.TrimPrefix(auth, "Bearer "), "token ")
		if g.opts.Token != "" && tok != g.opts.Token {
			c.error(http.StatusUnauthorized, "Bad credentials", "https://docs.github.com/rest")
			return
		}
		c.token = true
	}
	if c.fault() {
		return
	}
	if !c.spend() {
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		c.error(http.StatusNotFound, "Not Found", "https://docs.github.com/rest")
		return
	}
	c.route()
}

// spend checks the primary budget; a spent budget answers 403.
func (c *ghCall) spend() bool {
	g := c.g
	g.mu.Lock()
	now := g.opts.Now()
	if !now.Before(g.reset) {
		g.remaining = g.opts.RateLimit
		g.reset = now.Add(time.Hour).Truncate(time.Second)
	}
	spent := g.remaining <= 0
	g.mu.Unlock()
	if spent {
		c.error(http.StatusForbidden, "API rate limit exceeded for 127.0.0.1. (But here's the good news: Authenticated requests get a higher rate limit. Check out the documentation for more details.)",
			"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#primary-rate-limit")
		return false
	}
	return true
}

// rateHeaders sets X-RateLimit-* and, unless the answer is free (304),
// takes one request off the budget.
func (c *ghCall) rateHeaders(status int) {
	g := c.g
	g.mu.Lock()
	if status != http.StatusNotModified && g.remaining > 0 {
		g.remaining--
	}
	rem, reset := g.remaining, g.reset
	g.mu.Unlock()
	h := c.w.Header()
	h.Set("X-RateLimit-Limit", strconv.Itoa(g.opts.RateLimit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(rem))
	h.Set("X-RateLimit-Used", strconv.Itoa(g.opts.RateLimit-rem))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
	h.Set("X-RateLimit-Resource", "core")
}

func (c *ghCall) fault() bool {
	g := c.g
	g.mu.Lock()
	var hit *GitHubFault
	for _, f := range g.faults {
		if !ghMatch(f.Path, c.path) {
			continue
		}
		if f.Times > 0 {
			if f.left <= 0 {
				continue
			}
			f.left--
		}
		ff := f.GitHubFault
		hit = &ff
		break
	}
	g.mu.Unlock()
	if hit == nil {
		return false
	}
	switch hit.Kind {
	case ServerError:
		st := hit.Status
		if st == 0 {
			st = http.StatusBadGateway
		}
		c.rateHeaders(st)
		c.w.Header().Set("Content-Type", "text/html")
		c.w.WriteHeader(st)
		fmt.Fprintf(c.w, "<html><body><h1>%d %s</h1></body></html>", st, http.StatusText(st))
	case Timeout:
		select {
		case <-c.r.Context().Done():
		case <-time.After(time.Minute):
		}
		c.w.status = 499 // the client went away
	case MalformedJSON:
		c.rateHeaders(http.StatusOK)
		c.w.Header().Set("Content-Type", "application/json; charset=utf-8")
		c.w.WriteHeader(http.StatusOK)
		fmt.Fprint(c.w, `{"id": 1, "name": "trunc`)
	case NotFound:
		c.error(http.StatusNotFound, "Not Found", "https://docs.github.com/rest")
	case Unauthorized:
		c.error(http.StatusUnauthorized, "Bad credentials", "https://docs.github.com/rest")
	case Forbidden:
		c.error(http.StatusForbidden, "Resource not accessible by personal access token", "https://docs.github.com/rest")
	case SecondaryLimit:
		st := hit.Status
		if st == 0 {
			st = http.StatusForbidden
		}
		ra := hit.RetryAfter
		if ra == 0 {
			ra = 1
		}
		if ra > 0 {
			c.w.Header().Set("Retry-After", strconv.Itoa(ra))
		}
		c.error(st, "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.",
			"https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits")
	default:
		return false
	}
	return true
}

// error answers with GitHub's JSON error body.
func (c *ghCall) error(status int, msg, doc string) {
	c.rateHeaders(status)
	c.w.Header().Set("Content-Type", "application/json; charset=utf-8")
	c.w.WriteHeader(status)
	json.NewEncoder(c.w).Encode(map[string]string{"message": msg, "documentation_url": doc, "status": strconv.Itoa(status)})
}

func (c *ghCall) notFound() {
	c.error(http.StatusNotFound, "Not Found", "https://docs.github.com/rest")
}

// send answers 200 with an ETag, or 304 when If-None-Match matches it.
func (c *ghCall) send(contentType string, body []byte, etag string) {
	h := c.w.Header()
	h.Set("ETag", etag)
	h.Set("Cache-Control", "private, max-age=60, s-maxage=60")
	h.Set("Vary", "Accept, Authorization, Cookie, X-GitHub-OTP, Accept-Encoding")
	h.Set("X-GitHub-Media-Type", "github.v3; format=json")
	if inm := c.r.Header.Get("If-None-Match"); inm != "" && ghSameETag(inm, etag) {
		c.rateHeaders(http.StatusNotModified)
		c.w.WriteHeader(http.StatusNotModified)
		return
	}
	c.rateHeaders(http.StatusOK)
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	c.w.WriteHeader(http.StatusOK)
	if c.r.Method != http.MethodHead {
		c.w.Write(body)
	}
}

func ghSameETag(header, etag string) bool {
	weak := func(s string) string { return strings.TrimPrefix(strings.TrimSpace(s), "W/") }
	for _, v := range strings.Split(header, ",") {
		if strings.TrimSpace(v) == "*" || weak(v) == weak(etag) {
			return true
		}
	}
	return false
}

func (c *ghCall) json(v any) {
	body, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	sum := sha256.Sum256(body)
	c.send("application/json; charset=utf-8", body, `W/"`+hex.EncodeToString(sum[:16])+`"`)
}

func (c *ghCall) base() string { return "http://" + c.r.Host + "/api/v3" }

func (c *ghCall) route() {
	seg := strings.Split(strings.Trim(c.path, "/"), "/")
	org := c.g.opts.Org
	owner := func(s string) bool { return strings.EqualFold(s, org) }
	switch {
	case len(seg) == 2 && seg[0] == "orgs" && owner(seg[1]) && !c.g.opts.User:
		c.json(c.ownerJSON(true))
	case len(seg) == 3 && seg[0] == "orgs" && owner(seg[1]) && seg[2] == "repos" && !c.g.opts.User:
		c.listRepos()
	case len(seg) == 2 && seg[0] == "users" && owner(seg[1]):
		c.json(c.ownerJSON(true))
	case len(seg) == 3 && seg[0] == "users" && owner(seg[1]) && seg[2] == "repos":
		c.listRepos()
	case len(seg) == 1 && seg[0] == "rate_limit":
		c.rateLimitJSON()
	case len(seg) >= 3 && seg[0] == "repos" && owner(seg[1]):
		c.repo(seg[2], seg[3:])
	default:
		c.notFound()
	}
}

func (c *ghCall) ownerJSON(full bool) map[string]any {
	o := c.g.opts
	typ := "Organization"
	if o.User {
		typ = "User"
	}
	m := map[string]any{
		"login": o.Org, "id": 1000, "node_id": "O_kgDOAAAD6A", "type": typ,
		"url": c.base() + "/users/" + o.Org, "html_url": o.HTMLBase + "/" + o.Org,
		"repos_url": c.base() + "/users/" + o.Org + "/repos", "site_admin": false,
	}
	if full {
		m["public_repos"] = len(c.visibleRepos())
		m["created_at"] = "2019-03-01T09:00:00Z"
	}
	return m
}

func (c *ghCall) rateLimitJSON() {
	g := c.g
	g.mu.Lock()
	rem, reset := g.remaining, g.reset
	g.mu.Unlock()
	core := map[string]any{"limit": g.opts.RateLimit, "remaining": rem, "reset": reset.Unix(), "used": g.opts.RateLimit - rem, "resource": "core"}
	c.json(map[string]any{"resources": map[string]any{"core": core}, "rate": core})
}

// ghRepo is one repository as the server sees it.
type ghRepo struct {
	name string
	dir  string
	meta GitHubRepo
	id   int
}

func (g *GitHub) repos() ([]ghRepo, error) {
	names, err := ghRepoFolders(g.opts.ReposDir)
	if err != nil {
		return nil, err
	}
	var out []ghRepo
	seenDot := false
	for i, n := range names {
		dir := filepath.Join(g.opts.ReposDir, n)
		if n == ".github" {
			seenDot = true
			if g.opts.OrgDotGitHub != "" {
				dir = g.opts.OrgDotGitHub
			}
		}
		out = append(out, ghRepo{name: n, dir: dir, meta: g.opts.Repos[n], id: 5000 + i})
	}
	if !seenDot && g.opts.OrgDotGitHub != "" {
		out = append([]ghRepo{{name: ".github", dir: g.opts.OrgDotGitHub, meta: g.opts.Repos[".github"], id: 4999}}, out...)
	}
	return out, nil
}

func (c *ghCall) visible(r ghRepo) bool {
	v := r.meta.Visibility
	return v == "" || v == "public" || c.token
}

func (c *ghCall) visibleRepos() []ghRepo {
	all, err := c.g.repos()
	if err != nil {
		return nil
	}
	var out []ghRepo
	for _, r := range all {
		if c.visible(r) {
			out = append(out, r)
		}
	}
	return out
}

func (c *ghCall) findRepo(name string) (ghRepo, bool) {
	for _, r := range c.visibleRepos() {
		if strings.EqualFold(r.name, name) {
			return r, true
		}
	}
	return ghRepo{}, false
}

func (r ghRepo) branch() string {
	if r.meta.DefaultBranch != "" {
		return r.meta.DefaultBranch
	}
	return "main"
}

func (c *ghCall) repoJSON(r ghRepo) map[string]any {
	o := c.g.opts
	full := o.Org + "/" + r.name
	vis := r.meta.Visibility
	if vis == "" {
		vis = "public"
	}
	topics := r.meta.Topics
	if topics == nil {
		topics = []string{}
	}
	var desc, home any
	if r.meta.Description != "" {
		desc = r.meta.Description
	}
	if r.meta.Homepage != "" {
		home = r.meta.Homepage
	}
	var lic any
	if r.meta.License != "" {
		key := strings.ToLower(r.meta.License)
		name := r.meta.License + " License"
		if r.meta.License == "NOASSERTION" {
			key, name = "other", "Other"
		}
		lic = map[string]any{"key": key, "name": name, "spdx_id": r.meta.License, "url": nil, "node_id": "MDc6TGljZW5zZTEz"}
	}
	api := c.base() + "/repos/" + full
	m := map[string]any{
		"id": r.id, "node_id": fmt.Sprintf("R_kgDO%06d", r.id), "name": r.name, "full_name": full,
		"private": vis != "public", "owner": c.ownerJSON(false),
		"html_url": o.HTMLBase + "/" + full, "description": desc, "fork": r.meta.Fork,
		"url": api, "git_url": "git://github.com/" + full + ".git", "clone_url": o.HTMLBase + "/" + full + ".git",
		"trees_url": api + "/git/trees{/sha}", "contents_url": api + "/contents/{+path}",
		"homepage": home, "size": 120, "stargazers_count": 3, "watchers_count": 3, "language": nil,
		"forks_count": 0, "open_issues_count": 1, "is_template": false, "topics": topics,
		"has_issues": true, "has_projects": false, "has_wiki": false, "has_pages": false,
		"archived": r.meta.Archived, "disabled": false, "visibility": vis,
		"pushed_at": "2026-10-01T08:00:00Z", "created_at": "2022-05-02T10:00:00Z", "updated_at": "2026-10-01T08:00:00Z",
		"default_branch": r.branch(), "license": lic,
	}
	if c.token {
		m["permissions"] = map[string]bool{"admin": false, "maintain": false, "push": false, "triage": false, "pull": true}
	}
	return m
}

// listRepos answers a repository listing page with a Link header.
func (c *ghCall) listRepos() {
	q := c.r.URL.Query()
	per := c.g.opts.PageSize
	if v, err := strconv.Atoi(q.Get("per_page")); err == nil && v > 0 {
		per = min(v, c.g.opts.MaxPerPage)
	}
	page := 1
	if v, err := strconv.Atoi(q.Get("page")); err == nil && v > 0 {
		page = v
	}
	repos := c.visibleRepos()
	last := max(1, (len(repos)+per-1)/per)
	var items []any
	for i := (page - 1) * per; i < min(page*per, len(repos)); i++ {
		items = append(items, c.repoJSON(repos[i]))
	}
	if items == nil {
		items = []any{}
	}
	link := func(p int, rel string) string {
		v := url.Values{}
		for k, vs := range q {
			v[k] = vs
		}
		v.Set("page", strconv.Itoa(p))
		v.Set("per_page", strconv.Itoa(per))
		return fmt.Sprintf(`<%s%s?%s>; rel="%s"`, c.base(), c.path, v.Encode(), rel)
	}
	var links []string
	if page > 1 {
		links = append(links, link(page-1, "prev"))
	}
	if page < last {
		links = append(links, link(page+1, "next"), link(last, "last"))
	}
	if page > 1 {
		links = append(links, link(1, "first"))
	}
	if len(links) > 0 {
		c.w.Header().Set("Link", strings.Join(links, ", "))
	}
	c.json(items)
}

func (c *ghCall) repo(name string, rest []string) {
	r, ok := c.findRepo(name)
	if !ok {
		c.notFound()
		return
	}
	switch {
	case len(rest) == 0:
		c.json(c.repoJSON(r))
	case len(rest) == 1 && rest[0] == "private-vulnerability-reporting":
		switch r.meta.PrivateReporting {
		case "403":
			c.error(http.StatusForbidden, "Resource not accessible by personal access token", "https://docs.github.com/rest/repos/repos#check-if-private-vulnerability-reporting-is-enabled-for-a-repository")
		case "404":
			c.notFound()
		default:
			c.json(map[string]bool{"enabled": r.meta.PrivateReporting == "enabled"})
		}
	case len(rest) == 2 && rest[0] == "code-scanning" && rest[1] == "default-setup":
		switch r.meta.DefaultSetup {
		case "403":
			c.error(http.StatusForbidden, "Resource not accessible by personal access token", "https://docs.github.com/rest/code-scanning/code-scanning#get-a-code-scanning-default-setup-configuration")
		case "404":
			c.notFound()
		case "configured":
			c.json(map[string]any{"state": "configured", "languages": []string{"java-kotlin", "javascript-typescript"}, "query_suite": "default", "updated_at": "2026-06-01T10:00:00Z", "schedule": "weekly"})
		default:
			c.json(map[string]any{"state": "not-configured", "languages": []string{}, "query_suite": "default", "updated_at": nil, "schedule": nil})
		}
	case len(rest) >= 3 && rest[0] == "git" && rest[1] == "trees":
		c.tree(r, strings.Join(rest[2:], "/"))
	case len(rest) == 3 && rest[0] == "git" && rest[1] == "blobs":
		c.blob(r, rest[2])
	case len(rest) >= 1 && rest[0] == "contents":
		c.contents(r, strings.Join(rest[1:], "/"))
	default:
		c.notFound()
	}
}

func (c *ghCall) snapshot(r ghRepo) (*ghSnapshot, bool) {
	s, err := c.g.snaps.get(r.dir)
	if err != nil {
		c.error(http.StatusInternalServerError, "fixture unreadable: "+err.Error(), "")
		return nil, false
	}
	return s, true
}

func (c *ghCall) emptyRepo() {
	c.error(http.StatusConflict, "Git Repository is empty.", "https://docs.github.com/rest/git/trees#get-a-tree")
}

func (c *ghCall) entryJSON(r ghRepo, e ghEntry) map[string]any {
	api := c.base() + "/repos/" + c.g.opts.Org + "/" + r.name
	m := map[string]any{"path": e.Path, "mode": e.Mode, "type": e.Type, "sha": e.SHA}
	if e.Type == "blob" {
		m["size"] = e.Size
		m["url"] = api + "/git/blobs/" + e.SHA
	} else {
		m["url"] = api + "/git/trees/" + e.SHA
	}
	return m
}

// tree answers GET /repos/{o}/{r}/git/trees/{ref}[?recursive=1]; ref is the
// default branch, the root tree's SHA or a subtree's SHA.
func (c *ghCall) tree(r ghRepo, ref string) {
	if r.meta.Empty {
		c.emptyRepo()
		return
	}
	s, ok := c.snapshot(r)
	if !ok {
		return
	}
	prefix := ""
	sha := s.rootSHA
	switch {
	case ref == r.branch() || ref == s.rootSHA || ref == "HEAD":
	default:
		found := false
		for _, e := range s.entries {
			if e.Type == "tree" && e.SHA == ref {
				prefix, sha, found = e.Path, e.SHA, true
				break
			}
		}
		if !found {
			c.notFound()
			return
		}
	}
	recursive := c.r.URL.Query().Get("recursive") != ""
	truncated := recursive && r.meta.TruncatedTree
	var entries []any
	for _, e := range s.entries {
		rel := e.Path
		if prefix != "" {
			var ok bool
			if rel, ok = strings.CutPrefix(e.Path, prefix+"/"); !ok {
				continue
			}
		}
		if (!recursive || truncated) && strings.Contains(rel, "/") {
			continue
		}
		ee := e
		ee.Path = rel
		entries = append(entries, c.entryJSON(r, ee))
	}
	if entries == nil {
		entries = []any{}
	}
	c.json(map[string]any{
		"sha": sha, "url": c.base() + "/repos/" + c.g.opts.Org + "/" + r.name + "/git/trees/" + sha,
		"tree": entries, "truncated": truncated,
	})
}

// blob answers GET /repos/{o}/{r}/git/blobs/{sha}: JSON with base64
// content, or the raw bytes for Accept: application/vnd.github.raw.
func (c *ghCall) blob(r ghRepo, sha string) {
	if r.meta.Empty {
		c.notFound()
		return
	}
	s, ok := c.snapshot(r)
	if !ok {
		return
	}
	data, found, err := s.blob(sha)
	switch {
	case err != nil:
		c.error(http.StatusInternalServerError, err.Error(), "")
		return
	case !found:
		c.notFound()
		return
	}
	etag := `"` + sha + `"`
	if strings.Contains(c.r.Header.Get("Accept"), "raw") {
		c.send("application/vnd.github.raw", data, etag)
		return
	}
	body, _ := json.Marshal(map[string]any{
		"sha": sha, "node_id": "B_" + sha[:12], "size": len(data),
		"url":     c.base() + "/repos/" + c.g.opts.Org + "/" + r.name + "/git/blobs/" + sha,
		"content": ghBase64Lines(data), "encoding": "base64",
	})
	c.send("application/json; charset=utf-8", body, `W/"`+sha+`"`)
}

// ghBase64Lines encodes as GitHub does: base64 with a newline every 60
// characters.
func ghBase64Lines(data []byte) string {
	enc := base64.StdEncoding.EncodeToString(data)
	var b strings.Builder
	for len(enc) > 60 {
		b.WriteString(enc[:60])
		b.WriteByte('\n')
		enc = enc[60:]
	}
	b.WriteString(enc)
	b.WriteByte('\n')
	return b.String()
}

// contents answers GET /repos/{o}/{r}/contents/{path}: a directory as an
// array of entries, a file with base64 content.
func (c *ghCall) contents(r ghRepo, p string) {
	if r.meta.Empty {
		c.error(http.StatusNotFound, "This repository is empty.", "https://docs.github.com/rest/repos/contents#get-repository-content")
		return
	}
	s, ok := c.snapshot(r)
	if !ok {
		return
	}
	if ref := c.r.URL.Query().Get("ref"); ref != "" && ref != r.branch() && ref != s.rootSHA {
		c.error(http.StatusNotFound, "No commit found for the ref "+ref, "https://docs.github.com/rest/repos/contents#get-repository-content")
		return
	}
	p = strings.Trim(p, "/")
	api := c.base() + "/repos/" + c.g.opts.Org + "/" + r.name
	item := func(e ghEntry) map[string]any {
		typ := "file"
		switch {
		case e.Type == "tree":
			typ = "dir"
		case e.Mode == "120000":
			typ = "symlink"
		}
		size := e.Size
		if typ == "dir" {
			size = 0
		}
		return map[string]any{
			"type": typ, "size": size, "name": path.Base(e.Path), "path": e.Path, "sha": e.SHA,
			"url":      api + "/contents/" + e.Path + "?ref=" + r.branch(),
			"git_url":  api + "/git/" + map[bool]string{true: "trees", false: "blobs"}[typ == "dir"] + "/" + e.SHA,
			"html_url": c.g.opts.HTMLBase + "/" + c.g.opts.Org + "/" + r.name + "/blob/" + r.branch() + "/" + e.Path,
		}
	}
	if p == "" {
		list := []any{}
		for _, e := range s.children("") {
			list = append(list, item(e))
		}
		c.json(list)
		return
	}
	i, ok := s.byPath[p]
	if !ok {
		c.notFound()
		return
	}
	e := s.entries[i]
	if e.Type == "tree" {
		list := []any{}
		for _, ch := range s.children(p) {
			list = append(list, item(ch))
		}
		c.json(list)
		return
	}
	data, _, err := s.blob(e.SHA)
	if err != nil {
		c.error(http.StatusInternalServerError, err.Error(), "")
		return
	}
	m := item(e)
	if e.Mode == "120000" {
		m["target"] = string(data)
	} else {
		m["content"] = ghBase64Lines(data)
		m["encoding"] = "base64"
	}
	c.json(m)
}
