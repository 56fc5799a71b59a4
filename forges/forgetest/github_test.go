package forgetest

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func ghFixture(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"alpha/README.md":                   "# alpha\n",
		"alpha/LICENSE":                     "MIT License\n",
		"alpha/.github/workflows/build.yml": "on: push\n",
		"alpha/scripts/run.sh":              "#!/bin/sh\n",
		"beta/README.md":                    "# beta\n",
		"gamma/README.md":                   "# gamma\n",
		".github/CODE_OF_CONDUCT.md":        "# CoC\n",
		".hidden/README.md":                 "not a repository\n",
	}
	for p, c := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		os.MkdirAll(filepath.Dir(full), 0o755)
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.Chmod(filepath.Join(dir, "alpha/scripts/run.sh"), 0o755)
	if err := os.Symlink("README.md", filepath.Join(dir, "alpha/readme-link")); err != nil {
		t.Fatal(err)
	}
	return dir
}

type ghResp struct {
	status int
	header http.Header
	body   []byte
}

func ghGet(t *testing.T, url string, header ...string) ghResp {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return ghResp{resp.StatusCode, resp.Header, b}
}

func (r ghResp) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("status %d, body %s: %v", r.status, r.body, err)
	}
}

func TestGitHubListingPagesAndShapes(t *testing.T) {
	g := NewGitHub(t, GitHubOptions{Org: "lhm", ReposDir: ghFixture(t), MaxPerPage: 2,
		Repos: map[string]GitHubRepo{"beta": {Archived: true, Fork: true, Topics: []string{"x"}, License: "MIT", Description: "B"}}})
	r := ghGet(t, g.URL()+"orgs/lhm/repos?per_page=50")
	var page []map[string]any
	r.decode(t, &page)
	if len(page) != 2 || page[0]["full_name"] != "lhm/.github" || page[1]["name"] != "alpha" {
		t.Fatalf("first page %v", page)
	}
	link := r.header.Get("Link")
	if !strings.Contains(link, `page=2&per_page=2>; rel="next"`) || !strings.Contains(link, `page=2&per_page=2>; rel="last"`) {
		t.Errorf("Link %q", link)
	}
	r2 := ghGet(t, g.URL()+"orgs/lhm/repos?page=2&per_page=2")
	r2.decode(t, &page)
	if len(page) != 2 || page[0]["name"] != "beta" || page[1]["name"] != "gamma" {
		t.Fatalf("second page %v", page)
	}
	if l := r2.header.Get("Link"); !strings.Contains(l, `rel="prev"`) || !strings.Contains(l, `rel="first"`) || strings.Contains(l, `rel="next"`) {
		t.Errorf("last page Link %q", l)
	}
	b := page[0]
	lic, _ := b["license"].(map[string]any)
	if b["archived"] != true || b["fork"] != true || b["description"] != "B" || b["visibility"] != "public" ||
		b["default_branch"] != "main" || lic["spdx_id"] != "MIT" || b["html_url"] != "https://github.com/lhm/beta" {
		t.Errorf("beta %v", b)
	}
	if owner, _ := b["owner"].(map[string]any); owner["login"] != "lhm" || owner["type"] != "Organization" {
		t.Errorf("owner %v", b["owner"])
	}
	if n := g.Count("/orgs/*/repos"); n != 2 {
		t.Errorf("Count = %d", n)
	}
	var org map[string]any
	ghGet(t, g.URL()+"users/lhm").decode(t, &org)
	if org["type"] != "Organization" {
		t.Errorf("users/lhm %v", org)
	}
}

func TestGitHubTreeBlobContents(t *testing.T) {
	g := NewGitHub(t, GitHubOptions{Org: "lhm", ReposDir: ghFixture(t)})
	var tree struct {
		SHA       string `json:"sha"`
		Truncated bool   `json:"truncated"`
		Tree      []struct {
			Path, Mode, Type, SHA string
			Size                  *int64
		} `json:"tree"`
	}
	ghGet(t, g.URL()+"repos/lhm/alpha/git/trees/main?recursive=1").decode(t, &tree)
	var paths []string
	modes := map[string]string{}
	shas := map[string]string{}
	for _, e := range tree.Tree {
		paths = append(paths, e.Path)
		modes[e.Path] = e.Mode + " " + e.Type
		shas[e.Path] = e.SHA
		if (e.Type == "blob") != (e.Size != nil) {
			t.Errorf("%s: size %v for type %s", e.Path, e.Size, e.Type)
		}
	}
	want := ".github .github/workflows .github/workflows/build.yml LICENSE README.md readme-link scripts scripts/run.sh"
	if strings.Join(paths, " ") != want || tree.Truncated {
		t.Errorf("tree paths %q truncated %v, want %q", strings.Join(paths, " "), tree.Truncated, want)
	}
	if modes["readme-link"] != "120000 blob" || modes["scripts/run.sh"] != "100755 blob" || modes["scripts"] != "040000 tree" || modes["README.md"] != "100644 blob" {
		t.Errorf("modes %v", modes)
	}
	// Git's own blob id for "# alpha\n".
	if shas["README.md"] != "cdc043ab903d727c32236977b5a5698aa8bc77a3" {
		t.Errorf("README sha %s", shas["README.md"])
	}

	raw := ghGet(t, g.URL()+"repos/lhm/alpha/git/blobs/"+shas["README.md"], "Accept", "application/vnd.github.v3.raw")
	if string(raw.body) != "# alpha\n" {
		t.Errorf("raw blob %q", raw.body)
	}
	var blob struct{ Content, Encoding, SHA string }
	ghGet(t, g.URL()+"repos/lhm/alpha/git/blobs/"+shas["README.md"]).decode(t, &blob)
	dec, _ := base64.StdEncoding.DecodeString(strings.ReplaceAll(blob.Content, "\n", ""))
	if blob.Encoding != "base64" || string(dec) != "# alpha\n" {
		t.Errorf("JSON blob %+v", blob)
	}
	if link := ghGet(t, g.URL()+"repos/lhm/alpha/git/blobs/"+shas["readme-link"], "Accept", "application/vnd.github.raw"); string(link.body) != "README.md" {
		t.Errorf("link blob %q", link.body)
	}

	var dir []map[string]any
	ghGet(t, g.URL()+"repos/lhm/alpha/contents/scripts?ref=main").decode(t, &dir)
	if len(dir) != 1 || dir[0]["type"] != "file" || dir[0]["path"] != "scripts/run.sh" {
		t.Errorf("contents dir %v", dir)
	}
	var root []map[string]any
	ghGet(t, g.URL()+"repos/lhm/alpha/contents/").decode(t, &root)
	types := map[string]any{}
	for _, e := range root {
		types[e["name"].(string)] = e["type"]
	}
	if types[".github"] != "dir" || types["readme-link"] != "symlink" || types["LICENSE"] != "file" {
		t.Errorf("root listing %v", types)
	}
	var f map[string]any
	ghGet(t, g.URL()+"repos/lhm/alpha/contents/LICENSE").decode(t, &f)
	dec, _ = base64.StdEncoding.DecodeString(strings.ReplaceAll(f["content"].(string), "\n", ""))
	if string(dec) != "MIT License\n" {
		t.Errorf("contents file %v", f)
	}
}

func TestGitHubFactsAndSpecialRepos(t *testing.T) {
	g := NewGitHub(t, GitHubOptions{Org: "lhm", ReposDir: ghFixture(t), Repos: map[string]GitHubRepo{
		"alpha": {PrivateReporting: "enabled", DefaultSetup: "configured", TruncatedTree: true},
		"beta":  {PrivateReporting: "403", DefaultSetup: "404", Empty: true},
		"gamma": {Visibility: "private"},
	}})
	var pvr map[string]any
	ghGet(t, g.URL()+"repos/lhm/alpha/private-vulnerability-reporting").decode(t, &pvr)
	if pvr["enabled"] != true {
		t.Errorf("pvr %v", pvr)
	}
	var ds map[string]any
	ghGet(t, g.URL()+"repos/lhm/alpha/code-scanning/default-setup").decode(t, &ds)
	if ds["state"] != "configured" {
		t.Errorf("default setup %v", ds)
	}
	if s := ghGet(t, g.URL()+"repos/lhm/beta/private-vulnerability-reporting").status; s != 403 {
		t.Errorf("pvr 403 override: %d", s)
	}
	if s := ghGet(t, g.URL()+"repos/lhm/beta/code-scanning/default-setup").status; s != 404 {
		t.Errorf("default setup 404 override: %d", s)
	}
	if s := ghGet(t, g.URL()+"repos/lhm/beta/git/trees/main?recursive=1").status; s != http.StatusConflict {
		t.Errorf("empty repository tree: %d, want 409", s)
	}
	var tree struct {
		Truncated bool
		Tree      []map[string]any
	}
	ghGet(t, g.URL()+"repos/lhm/alpha/git/trees/main?recursive=1").decode(t, &tree)
	if !tree.Truncated || len(tree.Tree) != 5 {
		t.Errorf("truncated tree: %v with %d entries, want top level only", tree.Truncated, len(tree.Tree))
	}
	if s := ghGet(t, g.URL()+"repos/lhm/gamma").status; s != 404 {
		t.Errorf("private repository anonymously: %d, want 404", s)
	}
	if s := ghGet(t, g.URL()+"repos/lhm/gamma", "Authorization", "Bearer x").status; s != 200 {
		t.Errorf("private repository with a token: %d", s)
	}
	if s := ghGet(t, g.URL()+"repos/lhm/.hidden").status; s != 404 {
		t.Errorf("hidden folder served as a repository: %d", s)
	}
}

func TestGitHubETagsAndRateLimit(t *testing.T) {
	g := NewGitHub(t, GitHubOptions{Org: "lhm", ReposDir: ghFixture(t), RateLimit: 10})
	r1 := ghGet(t, g.srv.URL+"/repos/lhm/alpha") // without the /api/v3 prefix too
	etag := r1.header.Get("ETag")
	if r1.status != 200 || !strings.HasPrefix(etag, `W/"`) || r1.header.Get("X-RateLimit-Remaining") != "9" || r1.header.Get("X-RateLimit-Limit") != "10" {
		t.Fatalf("first: %d %q remaining %q", r1.status, etag, r1.header.Get("X-RateLimit-Remaining"))
	}
	r2 := ghGet(t, g.URL()+"repos/lhm/alpha", "If-None-Match", etag)
	if r2.status != http.StatusNotModified || len(r2.body) != 0 || r2.header.Get("X-RateLimit-Remaining") != "9" {
		t.Errorf("conditional: %d remaining %q, want 304 that costs nothing", r2.status, r2.header.Get("X-RateLimit-Remaining"))
	}
	if g.Counted() != 1 || g.Count("") != 2 {
		t.Errorf("counted %d of %d", g.Counted(), g.Count(""))
	}
	reset := time.Now().Add(30 * time.Minute)
	g.SetRateLimit(0, reset)
	r3 := ghGet(t, g.URL()+"repos/lhm/beta")
	if r3.status != 403 || r3.header.Get("X-RateLimit-Remaining") != "0" || r3.header.Get("X-RateLimit-Reset") != strconv.FormatInt(reset.Unix(), 10) ||
		!strings.Contains(string(r3.body), "API rate limit exceeded") {
		t.Errorf("spent budget: %d %v %s", r3.status, r3.header, r3.body)
	}
	g.SetRateLimit(5, time.Now().Add(-time.Second)) // the window is over
	if r := ghGet(t, g.URL()+"repos/lhm/beta"); r.status != 200 || r.header.Get("X-RateLimit-Remaining") != "9" {
		t.Errorf("after the reset: %d remaining %q", r.status, r.header.Get("X-RateLimit-Remaining"))
	}
}

func TestGitHubFaults(t *testing.T) {
	g := NewGitHub(t, GitHubOptions{Org: "lhm", ReposDir: ghFixture(t), Token: "good"})
	if r := ghGet(t, g.URL()+"repos/lhm/alpha", "Authorization", "Bearer bad"); r.status != 401 || !strings.Contains(string(r.body), "Bad credentials") {
		t.Errorf("bad token: %d %s", r.status, r.body)
	}
	g.Fault(GitHubFault{Path: "/repos/lhm/alpha/**", Kind: ServerError, Times: 2})
	for i, want := range []int{502, 502, 200} {
		if s := ghGet(t, g.URL()+"repos/lhm/alpha/git/trees/main").status; s != want {
			t.Errorf("request %d: %d, want %d", i, s, want)
		}
	}
	g.Fault(GitHubFault{Path: "/repos/*/beta", Kind: SecondaryLimit, Status: 429, RetryAfter: 7, Times: 1})
	r := ghGet(t, g.URL()+"repos/lhm/beta")
	if r.status != 429 || r.header.Get("Retry-After") != "7" || !strings.Contains(string(r.body), "secondary rate limit") {
		t.Errorf("secondary: %d %v %s", r.status, r.header, r.body)
	}
	g.Fault(GitHubFault{Path: "/repos/lhm/gamma", Kind: MalformedJSON, Times: 1})
	var v any
	if err := json.Unmarshal(ghGet(t, g.URL()+"repos/lhm/gamma").body, &v); err == nil {
		t.Error("malformed JSON decoded")
	}
	g.Fault(GitHubFault{Path: "/repos/lhm/gamma", Kind: NotFound})
	if s := ghGet(t, g.URL()+"repos/lhm/gamma").status; s != 404 {
		t.Errorf("not found fault: %d", s)
	}
	g.ClearFaults()
	if s := ghGet(t, g.URL()+"repos/lhm/gamma").status; s != 200 {
		t.Errorf("after ClearFaults: %d", s)
	}
	if n := g.Count("/repos/lhm/alpha/git/trees/*"); n != 3 {
		t.Errorf("Count = %d", n)
	}
	for _, r := range g.Requests() {
		if r.Authenticated && !strings.Contains(r.URL, "alpha") {
			t.Errorf("recorded authentication for %s", r.URL)
		}
	}
}

func TestGitHubUserAndTimeout(t *testing.T) {
	g := NewGitHub(t, GitHubOptions{Org: "someone", ReposDir: ghFixture(t), User: true, Latency: 20 * time.Millisecond})
	if s := ghGet(t, g.URL()+"orgs/someone/repos").status; s != 404 {
		t.Errorf("a user's /orgs listing: %d", s)
	}
	var u map[string]any
	start := time.Now()
	ghGet(t, g.URL()+"users/someone").decode(t, &u)
	if u["type"] != "User" {
		t.Errorf("user %v", u)
	}
	if time.Since(start) < 20*time.Millisecond {
		t.Error("latency not injected")
	}
	g.Fault(GitHubFault{Kind: Timeout})
	c := &http.Client{Timeout: 100 * time.Millisecond}
	if _, err := c.Get(g.URL() + "users/someone"); err == nil {
		t.Error("timeout fault answered")
	}
}

func TestGitHubMatch(t *testing.T) {
	cases := []struct {
		pattern, path string
		want          bool
	}{
		{"", "/anything", true},
		{"/repos/*/*/git/blobs/*", "/repos/a/b/git/blobs/123", true},
		{"/repos/*/*/git/blobs/*", "/repos/a/b/git/trees/123", false},
		{"/repos/a/b/**", "/repos/a/b/git/trees/main", true},
		{"/repos/a/b/**", "/repos/a/bc/git", false},
		{"/repos/a/b", "/repos/a/b/x", false},
	}
	for _, c := range cases {
		if got := ghMatch(c.pattern, c.path); got != c.want {
			t.Errorf("ghMatch(%q, %q) = %v", c.pattern, c.path, got)
		}
	}
}
