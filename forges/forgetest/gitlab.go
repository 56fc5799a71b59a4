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
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// GitLabOptions configure a fake GitLab server.
type GitLabOptions struct {
	// Groups maps a group's full path ("lhm", "lhm/team") to a folder whose
	// immediate, non-hidden subfolders are the group's projects. A
	// subfolder whose full path is itself a key is that subgroup, not a
	// project, so one folder tree can hold a nested layout. Parents of a
	// nested path exist even when not listed (then without projects of
	// their own); a key with an empty folder is a group without projects.
	Groups map[string]string
	// Users maps a username to a folder of the user's personal projects.
	Users map[string]string
	// Projects sets metadata by project full path.
	Projects map[string]GitLabProject

	// Token is the only PRIVATE-TOKEN the server accepts; any other gets
	// 401. Without a valid token, private and internal projects do not
	// exist (404), as for an anonymous visitor.
	Token string
	// MaxPerPage caps per_page (GitLab: 100); tests set it low to force
	// several pages.
	MaxPerPage int
	// TreeOffsetPagination makes the tree ignore pagination=keyset and page
	// by offset, as GitLab did before 17.1.
	TreeOffsetPagination bool
	// NoLinkHeader leaves the Link header out of offset-paginated answers,
	// so that only X-Next-Page tells the next page.
	NoLinkHeader bool
	// Loop makes a broken server: project listings and tree listings never
	// end (the same page again and again, each pointing to a next one),
	// and every group is its own subgroup.
	Loop bool
	// Latency is added to every request.
	Latency time.Duration
	// RateLimit is the number of requests allowed per RateWindow (default
	// 100000 per minute); the server sends RateLimit-* headers and answers
	// 429 with Retry-After once it is spent.
	RateLimit  int
	RateWindow time.Duration
}

// GitLabFault makes matching requests fail.
type GitLabFault struct {
	// Match is a substring of the request's escaped path and query, e.g.
	// "/repository/blobs/" or "/projects/1003/"; "" matches every request.
	Match string
	// Status answers with this HTTP status and GitLab's JSON error body
	// (500, 502, 404, 401, 403, 429).
	Status int
	// RetryAfter is sent with a 429, in seconds.
	RetryAfter int
	// Timeout holds the request until the client gives up.
	Timeout bool
	// Malformed answers 200 with truncated JSON.
	Malformed bool
	// Times is how many matching requests fail; 0 means all of them.
	Times int
}

// GitLabRequest is one request the fake received.
type GitLabRequest struct {
	Method string
	// URL is the escaped path and query, e.g.
	// "/api/v4/groups/lhm/projects?include_subgroups=true&page=2".
	URL    string
	Header http.Header
	Status int
}

// GitLab is a fake GitLab REST API v4 over fixture folders.
type GitLab struct {
	srv   *httptest.Server
	opts  GitLabOptions
	model *glModel
	done  chan struct{}

	mu        sync.Mutex
	requests  []GitLabRequest
	faults    []*glFault
	windowEnd time.Time
	used      int
}

type glFault struct {
	GitLabFault
	left int // for Times > 0
}

// NewGitLab starts a fake GitLab server; it stops when the test ends.
func NewGitLab(t testing.TB, opts GitLabOptions) *GitLab {
	t.Helper()
	model, err := loadGitLabModel(opts)
	if err != nil {
		t.Fatalf("forgetest.NewGitLab: %v", err)
	}
	if opts.MaxPerPage <= 0 {
		opts.MaxPerPage = 100
	}
	if opts.RateLimit <= 0 {
		opts.RateLimit = 100000
	}
	if opts.RateWindow <= 0 {
		opts.RateWindow = time.Minute
	}
	g := &GitLab{opts: opts, model: model, done: make(chan struct{})}
	g.srv = httptest.NewServer(http.HandlerFunc(g.serve))
	t.Cleanup(func() {
		close(g.done)
		g.srv.Close()
	})
	return g
}

// URL is the API base, e.g. "http://127.0.0.1:41234/api/v4".
func (g *GitLab) URL() string { return g.srv.URL + "/api/v4" }

// Host is the server's host and port.
func (g *GitLab) Host() string { return strings.TrimPrefix(g.srv.URL, "http://") }

// Client returns an HTTP client for the server with no auth and no cache.
func (g *GitLab) Client() *http.Client { return g.srv.Client() }

// Fault adds a fault; faults are tried in the order added.
func (g *GitLab) Fault(f GitLabFault) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.faults = append(g.faults, &glFault{GitLabFault: f, left: f.Times})
}

// ClearFaults removes every fault.
func (g *GitLab) ClearFaults() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.faults = nil
}

// Requests returns a copy of the requests received so far.
func (g *GitLab) Requests() []GitLabRequest {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]GitLabRequest(nil), g.requests...)
}

// Count returns the number of requests whose URL contains match ("" for
// all).
func (g *GitLab) Count(match string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	n := 0
	for _, r := range g.requests {
		if strings.Contains(r.URL, match) {
			n++
		}
	}
	return n
}

// CountStatus returns the number of requests answered with status.
func (g *GitLab) CountStatus(status int) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	n := 0
	for _, r := range g.requests {
		if r.Status == status {
			n++
		}
	}
	return n
}

// ResetRequests forgets the requests received so far.
func (g *GitLab) ResetRequests() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.requests = nil
}

// ProjectID returns the numeric id of a project by full path, or 0.
func (g *GitLab) ProjectID(fullPath string) int64 {
	if p, ok := g.model.projects[strings.ToLower(fullPath)]; ok {
		return p.id
	}
	return 0
}

func (g *GitLab) serve(w http.ResponseWriter, r *http.Request) {
	rw := &statusWriter{ResponseWriter: w}
	defer func() {
		g.mu.Lock()
		g.requests = append(g.requests, GitLabRequest{Method: r.Method, URL: r.URL.RequestURI(), Header: r.Header.Clone(), Status: rw.status})
		g.mu.Unlock()
	}()
	if g.opts.Latency > 0 {
		select {
		case <-time.After(g.opts.Latency):
		case <-r.Context().Done():
			return
		case <-g.done:
			return
		}
	}
	if !g.rateLimit(rw) {
		return
	}
	if g.fault(rw, r) {
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		glError(rw, http.StatusMethodNotAllowed, "405 Method Not Allowed")
		return
	}
	authed := false
	if tok := r.Header.Get("Private-Token"); tok != "" || r.Header.Get("Authorization") != "" {
		if tok == "" {
			tok = strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		}
		if g.opts.Token == "" || tok != g.opts.Token {
			glError(rw, http.StatusUnauthorized, "401 Unauthorized")
			return
		}
		authed = true
	}
	rest, ok := strings.CutPrefix(r.URL.EscapedPath(), "/api/v4/")
	if !ok {
		glError(rw, http.StatusNotFound, "404 Not Found")
		return
	}
	var seg []string
	for _, s := range strings.Split(strings.Trim(rest, "/"), "/") {
		u, err := url.PathUnescape(s)
		if err != nil {
			glError(rw, http.StatusBadRequest, "400 Bad request - invalid path encoding")
			return
		}
		seg = append(seg, u)
	}
	c := &glCall{g: g, w: rw, r: r, q: r.URL.Query(), authed: authed}
	switch {
	case len(seg) == 2 && seg[0] == "groups":
		c.group(seg[1])
	case len(seg) == 3 && seg[0] == "groups" && seg[2] == "projects":
		c.groupProjects(seg[1])
	case len(seg) == 3 && seg[0] == "groups" && (seg[2] == "subgroups" || seg[2] == "descendant_groups"):
		c.subgroups(seg[1], seg[2] == "descendant_groups")
	case len(seg) == 1 && seg[0] == "users":
		c.users()
	case len(seg) == 3 && seg[0] == "users" && seg[2] == "projects":
		c.userProjects(seg[1])
	case len(seg) == 2 && seg[0] == "projects":
		c.project(seg[1])
	case len(seg) == 4 && seg[0] == "projects" && seg[2] == "repository" && seg[3] == "tree":
		c.tree(seg[1])
	case len(seg) >= 5 && seg[0] == "projects" && seg[2] == "repository" && seg[3] == "blobs":
		c.blob(seg[1], seg[4], len(seg) == 6 && seg[5] == "raw")
	case len(seg) >= 5 && seg[0] == "projects" && seg[2] == "repository" && seg[3] == "files":
		c.file(seg[1], seg[4], len(seg) == 6 && seg[5] == "raw")
	default:
		glError(rw, http.StatusNotFound, "404 Not Found")
	}
}

// rateLimit sends the RateLimit-* headers and answers 429 once the window's
// budget is spent.
func (g *GitLab) rateLimit(w http.ResponseWriter) bool {
	g.mu.Lock()
	now := time.Now()
	if now.After(g.windowEnd) {
		g.windowEnd = now.Add(g.opts.RateWindow)
		g.used = 0
	}
	g.used++
	used, end := g.used, g.windowEnd
	g.mu.Unlock()
	h := w.Header()
	remaining := max(g.opts.RateLimit-used, 0)
	h.Set("RateLimit-Limit", strconv.Itoa(g.opts.RateLimit))
	h.Set("RateLimit-Observed", strconv.Itoa(used))
	h.Set("RateLimit-Remaining", strconv.Itoa(remaining))
	h.Set("RateLimit-Reset", strconv.FormatInt(end.Unix(), 10))
	h.Set("RateLimit-ResetTime", end.UTC().Format(http.TimeFormat))
	if used > g.opts.RateLimit {
		h.Set("Retry-After", strconv.Itoa(max(1, int(time.Until(end).Seconds()+0.5))))
		h.Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusTooManyRequests)
		fmt.Fprint(w, "Retry later\n")
		return false
	}
	return true
}

func (g *GitLab) fault(w http.ResponseWriter, r *http.Request) bool {
	g.mu.Lock()
	var hit *glFault
	for _, f := range g.faults {
		if !strings.Contains(r.URL.RequestURI(), f.Match) {
			continue
		}
		if f.Times > 0 {
			if f.left == 0 {
				continue
			}
			f.left--
		}
		hit = f
		break
	}
	g.mu.Unlock()
	if hit == nil {
		return false
	}
	switch {
	case hit.Timeout:
		select {
		case <-r.Context().Done():
		case <-g.done:
		}
	case hit.Malformed:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		fmt.Fprint(w, `[{"id": 1, "name": "trunc`)
	case hit.Status == http.StatusTooManyRequests:
		if hit.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(hit.RetryAfter))
		}
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(hit.Status)
		fmt.Fprint(w, "Retry later\n")
	default:
		glError(w, hit.Status, fmt.Sprintf("%d %s", hit.Status, http.StatusText(hit.Status)))
	}
	return true
}

func glError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"message": msg})
}

// glCall is one API request being answered.
type glCall struct {
	g      *GitLab
	w      http.ResponseWriter
	r      *http.Request
	q      url.Values
	authed bool
}

// send writes body as the answer, with a weak ETag, and 304 when the
// client already has it.
func (c *glCall) send(contentType string, body []byte, etag string) {
	h := c.w.Header()
	if etag == "" {
		sum := sha256.Sum256(body)
		etag = `W/"` + hex.EncodeToString(sum[:16]) + `"`
	}
	h.Set("ETag", etag)
	h.Set("Cache-Control", "max-age=0, private, must-revalidate")
	h.Set("Vary", "Accept-Encoding, Origin")
	if inm := c.r.Header.Get("If-None-Match"); inm != "" {
		for _, v := range strings.Split(inm, ",") {
			if strings.TrimSpace(v) == etag {
				c.w.WriteHeader(http.StatusNotModified)
				return
			}
		}
	}
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	c.w.WriteHeader(http.StatusOK)
	if c.r.Method != http.MethodHead {
		_, _ = c.w.Write(body)
	}
}

func (c *glCall) json(v any) {
	body, err := json.Marshal(v)
	if err != nil {
		glError(c.w, http.StatusInternalServerError, "500 Internal Server Error")
		return
	}
	c.send("application/json", body, "")
}

func (c *glCall) visible(p *glProject) bool {
	return c.authed || p.meta.Visibility == "public"
}

func (c *glCall) findGroup(id string) *glGroup {
	if n, err := strconv.ParseInt(id, 10, 64); err == nil {
		return c.g.model.groupByID[n]
	}
	return c.g.model.groups[strings.ToLower(id)]
}

func (c *glCall) findProject(id string) *glProject {
	var p *glProject
	if n, err := strconv.ParseInt(id, 10, 64); err == nil {
		p = c.g.model.projByID[n]
	} else {
		p = c.g.model.projects[strings.ToLower(id)]
	}
	if p == nil || !c.visible(p) {
		return nil
	}
	return p
}

func (c *glCall) base() string {
	return "http://" + c.r.Host
}

func (c *glCall) group(id string) {
	g := c.findGroup(id)
	if g == nil {
		glError(c.w, http.StatusNotFound, "404 Group Not Found")
		return
	}
	c.json(c.groupJSON(g))
}

func (c *glCall) groupJSON(g *glGroup) map[string]any {
	var parent any
	if g.parent != nil {
		parent = g.parent.id
	}
	return map[string]any{
		"id": g.id, "name": g.path, "path": g.path, "full_name": strings.ReplaceAll(g.fullPath, "/", " / "),
		"full_path": g.fullPath, "description": "", "visibility": "public",
		"web_url": c.base() + "/groups/" + g.fullPath, "parent_id": parent,
		"created_at": "2020-01-01T00:00:00.000Z",
	}
}

func (c *glCall) projectJSON(p *glProject) map[string]any {
	web := c.base() + "/" + p.fullPath
	var ns map[string]any
	if p.group != nil {
		var parent any
		if p.group.parent != nil {
			parent = p.group.parent.id
		}
		ns = map[string]any{"id": p.group.id, "name": p.group.path, "path": p.group.path, "kind": "group",
			"full_path": p.group.fullPath, "parent_id": parent, "avatar_url": nil, "web_url": c.base() + "/groups/" + p.group.fullPath}
	} else {
		ns = map[string]any{"id": p.user.id, "name": p.user.username, "path": p.user.username, "kind": "user",
			"full_path": p.user.username, "parent_id": nil, "avatar_url": nil, "web_url": c.base() + "/" + p.user.username}
	}
	topics := p.meta.Topics
	if topics == nil {
		topics = []string{}
	}
	var branch any = p.meta.DefaultBranch
	if p.meta.Empty {
		branch = nil
	}
	out := map[string]any{
		"id":                  p.id,
		"description":         p.meta.Description,
		"name":                p.meta.Name,
		"name_with_namespace": strings.ReplaceAll(p.fullPath[:strings.LastIndex(p.fullPath, "/")], "/", " / ") + " / " + p.meta.Name,
		"path":                p.path,
		"path_with_namespace": p.fullPath,
		"created_at":          "2020-01-01T00:00:00.000Z",
		"last_activity_at":    "2024-01-01T00:00:00.000Z",
		"default_branch":      branch,
		"tag_list":            topics,
		"topics":              topics,
		"ssh_url_to_repo":     "git@" + c.r.Host + ":" + p.fullPath + ".git",
		"http_url_to_repo":    web + ".git",
		"web_url":             web,
		"readme_url":          nil,
		"avatar_url":          nil,
		"forks_count":         0,
		"star_count":          0,
		"namespace":           ns,
		"empty_repo":          p.meta.Empty,
		"archived":            p.meta.Archived,
		"visibility":          p.meta.Visibility,
		"_links":              map[string]any{"self": c.base() + "/api/v4/projects/" + strconv.FormatInt(p.id, 10)},
	}
	if p.forkedID != 0 {
		up := c.g.model.projByID[p.forkedID]
		out["forked_from_project"] = map[string]any{
			"id": up.id, "name": up.meta.Name, "path": up.path, "path_with_namespace": up.fullPath,
			"http_url_to_repo": c.base() + "/" + up.fullPath + ".git", "web_url": c.base() + "/" + up.fullPath,
		}
	}
	return out
}

func (c *glCall) groupProjects(id string) {
	g := c.findGroup(id)
	if g == nil {
		glError(c.w, http.StatusNotFound, "404 Group Not Found")
		return
	}
	ps := g.projects
	if c.q.Get("include_subgroups") == "true" {
		ps = g.descendants()
	}
	c.projects(ps)
}

func (c *glCall) userProjects(id string) {
	var u *glUser
	if n, err := strconv.ParseInt(id, 10, 64); err == nil {
		u = c.g.model.userByID[n]
	} else {
		u = c.g.model.users[strings.ToLower(id)]
	}
	if u == nil {
		glError(c.w, http.StatusNotFound, "404 User Not Found")
		return
	}
	c.projects(u.projects)
}

// projects answers a project listing; listings page by offset only, as
// GitLab's group and user project listings do.
func (c *glCall) projects(ps []*glProject) {
	var vis []*glProject
	for _, p := range ps {
		if !c.visible(p) {
			continue
		}
		if a := c.q.Get("archived"); a != "" && strconv.FormatBool(p.meta.Archived) != a {
			continue
		}
		vis = append(vis, p)
	}
	sort.Slice(vis, func(i, j int) bool { return vis[i].id < vis[j].id })
	if c.q.Get("order_by") != "id" || c.q.Get("sort") != "asc" {
		// GitLab's default: newest first.
		sort.Slice(vis, func(i, j int) bool { return vis[i].id > vis[j].id })
	}
	items := make([]any, len(vis))
	for i, p := range vis {
		items[i] = c.projectJSON(p)
	}
	c.offsetPage(items)
}

func (c *glCall) subgroups(id string, all bool) {
	g := c.findGroup(id)
	if g == nil {
		glError(c.w, http.StatusNotFound, "404 Group Not Found")
		return
	}
	var gs []*glGroup
	var walk func(*glGroup)
	walk = func(x *glGroup) {
		for _, s := range x.subs {
			gs = append(gs, s)
			if all {
				walk(s)
			}
		}
	}
	walk(g)
	if c.g.opts.Loop {
		gs = append(gs, g) // every group is its own subgroup
	}
	items := make([]any, len(gs))
	for i, s := range gs {
		items[i] = c.groupJSON(s)
	}
	c.offsetPage(items)
}

func (c *glCall) users() {
	out := []any{}
	if name := c.q.Get("username"); name != "" {
		if u, ok := c.g.model.users[strings.ToLower(name)]; ok {
			out = append(out, map[string]any{
				"id": u.id, "username": u.username, "name": u.username, "state": "active", "locked": false,
				"avatar_url": nil, "web_url": c.base() + "/" + u.username,
			})
		}
	}
	c.json(out)
}

func (c *glCall) project(id string) {
	p := c.findProject(id)
	if p == nil {
		glError(c.w, http.StatusNotFound, "404 Project Not Found")
		return
	}
	c.json(c.projectJSON(p))
}

func (c *glCall) tree(id string) {
	p := c.findProject(id)
	if p == nil {
		glError(c.w, http.StatusNotFound, "404 Project Not Found")
		return
	}
	if ref := c.q.Get("ref"); p.meta.Empty || (ref != "" && ref != p.meta.DefaultBranch) {
		glError(c.w, http.StatusNotFound, "404 Tree Not Found")
		return
	}
	entries, found, err := gitTree(p.dir, c.q.Get("path"), c.q.Get("recursive") == "true")
	if err != nil {
		glError(c.w, http.StatusInternalServerError, "500 Internal Server Error")
		return
	}
	if !found {
		glError(c.w, http.StatusNotFound, "404 Tree Not Found")
		return
	}
	items := make([]any, len(entries))
	for i, e := range entries {
		items[i] = e
	}
	if c.q.Get("pagination") == "keyset" && !c.g.opts.TreeOffsetPagination {
		c.keysetTree(entries)
		return
	}
	c.offsetPage(items)
}

// keysetTree pages a tree by page_token: the position after the entry the
// token names.
func (c *glCall) keysetTree(entries []glTreeEntry) {
	per := c.perPage()
	start := 0
	if tok := c.q.Get("page_token"); tok != "" && !c.g.opts.Loop {
		start = -1
		for i, e := range entries {
			if treeToken(e) == tok {
				start = i + 1
				break
			}
		}
		if start < 0 {
			glError(c.w, http.StatusBadRequest, "400 Bad request - invalid page token")
			return
		}
	}
	end := min(start+per, len(entries))
	next := ""
	if end < len(entries) {
		next = treeToken(entries[end-1])
	}
	if c.g.opts.Loop {
		// A broken server: every page is the first, and there is always
		// another.
		next = "loop"
	}
	if next != "" {
		q := cloneValues(c.q)
		q.Set("page_token", next)
		c.w.Header().Set("Link", fmt.Sprintf(`<%s%s?%s>; rel="next"`, c.base(), c.r.URL.EscapedPath(), q.Encode()))
	}
	c.json(entries[start:end])
}

// treeToken is the opaque page token after an entry.
func treeToken(e glTreeEntry) string {
	sum := sha256.Sum256([]byte(e.Path))
	return hex.EncodeToString(sum[:20])
}

func (c *glCall) perPage() int {
	per := 20
	if v, err := strconv.Atoi(c.q.Get("per_page")); err == nil && v > 0 {
		per = v
	}
	return min(per, c.g.opts.MaxPerPage)
}

// offsetPage answers one page of items with GitLab's offset headers.
func (c *glCall) offsetPage(items []any) {
	per := c.perPage()
	page := 1
	if v, err := strconv.Atoi(c.q.Get("page")); err == nil && v > 0 {
		page = v
	}
	total := len(items)
	pages := max(1, (total+per-1)/per)
	start := min((page-1)*per, total)
	end := min(start+per, total)
	out := items[start:end]
	next := ""
	if page < pages {
		next = strconv.Itoa(page + 1)
	}
	if c.g.opts.Loop {
		// A broken server: every page is the first, and there is always
		// another.
		out = items[:min(per, total)]
		next = strconv.Itoa(page + 1)
	}
	h := c.w.Header()
	h.Set("X-Page", strconv.Itoa(page))
	h.Set("X-Per-Page", strconv.Itoa(per))
	h.Set("X-Next-Page", next)
	if page > 1 {
		h.Set("X-Prev-Page", strconv.Itoa(page-1))
	} else {
		h.Set("X-Prev-Page", "")
	}
	if !c.g.opts.Loop {
		h.Set("X-Total", strconv.Itoa(total))
		h.Set("X-Total-Pages", strconv.Itoa(pages))
	}
	if !c.g.opts.NoLinkHeader {
		link := func(p int, rel string) string {
			q := cloneValues(c.q)
			q.Set("page", strconv.Itoa(p))
			q.Set("per_page", strconv.Itoa(per))
			return fmt.Sprintf(`<%s%s?%s>; rel="%s"`, c.base(), c.r.URL.EscapedPath(), q.Encode(), rel)
		}
		var ls []string
		if page > 1 {
			ls = append(ls, link(page-1, "prev"))
		}
		if next != "" {
			n, _ := strconv.Atoi(next)
			ls = append(ls, link(n, "next"))
		}
		ls = append(ls, link(1, "first"))
		if !c.g.opts.Loop {
			ls = append(ls, link(pages, "last"))
		}
		h.Set("Link", strings.Join(ls, ", "))
	}
	if out == nil {
		out = []any{}
	}
	c.json(out)
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// blob answers GET /projects/:id/repository/blobs/:sha[/raw].
func (c *glCall) blob(id, sha string, raw bool) {
	p := c.findProject(id)
	if p == nil {
		glError(c.w, http.StatusNotFound, "404 Project Not Found")
		return
	}
	data, ok, err := readBlob(p.dir, sha)
	if err != nil {
		glError(c.w, http.StatusInternalServerError, "500 Internal Server Error")
		return
	}
	if !ok || p.meta.Empty {
		glError(c.w, http.StatusNotFound, "404 Blob Not Found")
		return
	}
	if raw {
		c.w.Header().Set("X-Content-Type-Options", "nosniff")
		c.send("text/plain; charset=utf-8", data, `"`+sha+`"`)
		return
	}
	c.json(map[string]any{"size": len(data), "encoding": "base64", "content": base64.StdEncoding.EncodeToString(data), "sha": sha})
}

// file answers GET /projects/:id/repository/files/:file_path[/raw]?ref=.
func (c *glCall) file(id, filePath string, raw bool) {
	p := c.findProject(id)
	if p == nil {
		glError(c.w, http.StatusNotFound, "404 Project Not Found")
		return
	}
	ref := c.q.Get("ref")
	if ref == "" {
		ref = p.meta.DefaultBranch
	}
	if p.meta.Empty || ref != p.meta.DefaultBranch {
		glError(c.w, http.StatusNotFound, "404 File Not Found")
		return
	}
	dir, name := "", filePath
	if i := strings.LastIndex(filePath, "/"); i >= 0 {
		dir, name = filePath[:i], filePath[i+1:]
	}
	entries, found, err := gitTree(p.dir, dir, false)
	if err != nil {
		glError(c.w, http.StatusInternalServerError, "500 Internal Server Error")
		return
	}
	var e *glTreeEntry
	for i := range entries {
		if found && entries[i].Name == name && entries[i].Type == "blob" {
			e = &entries[i]
		}
	}
	if e == nil {
		glError(c.w, http.StatusNotFound, "404 File Not Found")
		return
	}
	data, _, err := readBlob(p.dir, e.ID)
	if err != nil {
		glError(c.w, http.StatusInternalServerError, "500 Internal Server Error")
		return
	}
	h := c.w.Header()
	h.Set("X-Gitlab-Blob-Id", e.ID)
	h.Set("X-Gitlab-File-Name", name)
	h.Set("X-Gitlab-File-Path", filePath)
	h.Set("X-Gitlab-Ref", ref)
	h.Set("X-Gitlab-Size", strconv.Itoa(len(data)))
	if raw {
		c.send("text/plain; charset=utf-8", data, "")
		return
	}
	c.json(map[string]any{
		"file_name": name, "file_path": filePath, "size": len(data), "encoding": "base64",
		"content": base64.StdEncoding.EncodeToString(data), "ref": ref, "blob_id": e.ID,
	})
}
