package forgetest_test

import (
	"encoding/base64"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	gl "gitlab.com/gitlab-org/api/client-go"

	"github.com/it-at-m/ospo-scan/forges/forgetest"
)

func glFixture(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	files := map[string]string{
		"app/README.md":          "# app\n",
		"app/.github/CODEOWNERS": "* @team\n",
		"app/docs/a.md":          "a\n",
		"app/.git/HEAD":          "ref: refs/heads/main\n",
		"old/README.md":          "old\n",
		"team/svc/README.md":     "svc\n",
	}
	for name, content := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(root, "app", "empty", "deeper"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("README.md", filepath.Join(root, "app", "link.md")); err != nil {
		t.Fatal(err)
	}
	return root
}

func glClient(t *testing.T, g *forgetest.GitLab, token string) *gl.Client {
	t.Helper()
	c, err := gl.NewClient(token, gl.WithBaseURL(g.URL()), gl.WithHTTPClient(g.Client()), gl.WithoutRetries())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestGitLabShapesAndPagination(t *testing.T) {
	root := glFixture(t)
	g := forgetest.NewGitLab(t, forgetest.GitLabOptions{
		Groups:     map[string]string{"lhm": root, "lhm/team": filepath.Join(root, "team")},
		Projects:   map[string]forgetest.GitLabProject{"lhm/old": {Archived: true, ForkedFrom: "lhm/app", Topics: []string{"x"}}},
		MaxPerPage: 2,
	})
	c := glClient(t, g, "")

	grp, _, err := c.Groups.GetGroup("lhm/team", nil)
	if err != nil || grp.FullPath != "lhm/team" || grp.ParentID == 0 {
		t.Fatalf("GetGroup: %+v, %v", grp, err)
	}
	opt := &gl.ListGroupProjectsOptions{IncludeSubGroups: gl.Ptr(true), OrderBy: gl.Ptr("id"), Sort: gl.Ptr("asc")}
	ps, resp, err := c.Groups.ListGroupProjects("lhm", opt)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 2 || resp.TotalItems != 3 || resp.TotalPages != 2 || resp.NextPage != 2 || resp.NextLink == "" {
		t.Errorf("page 1: %d projects, headers %+v", len(ps), resp)
	}
	ps2, resp, err := c.Groups.ListGroupProjects("lhm", opt, gl.WithOffsetPaginationParameters(2))
	if err != nil || len(ps2) != 1 || resp.NextPage != 0 || resp.NextLink != "" {
		t.Fatalf("page 2: %v, %+v, %v", ps2, resp, err)
	}
	all := append(ps, ps2...)
	if all[0].PathWithNamespace != "lhm/app" || all[1].PathWithNamespace != "lhm/old" || all[2].PathWithNamespace != "lhm/team/svc" {
		t.Errorf("order by id: %s %s %s", all[0].PathWithNamespace, all[1].PathWithNamespace, all[2].PathWithNamespace)
	}
	old := all[1]
	if !old.Archived || old.ForkedFromProject == nil || old.ForkedFromProject.PathWithNamespace != "lhm/app" ||
		old.DefaultBranch != "main" || old.Visibility != gl.PublicVisibility || old.Namespace.Kind != "group" ||
		len(old.Topics) != 1 || !strings.HasSuffix(old.WebURL, "/lhm/old") {
		t.Errorf("lhm/old decoded as %+v", old)
	}
	if all[0].ForkedFromProject != nil {
		t.Error("lhm/app is no fork")
	}

	// The tree pages by keyset (at most 2 entries a page here).
	id := all[0].ID
	var tree []*gl.TreeNode
	var opts []gl.RequestOptionFunc
	pages := 0
	for range 10 {
		page, resp, err := c.Repositories.ListTree(id, &gl.ListTreeOptions{Recursive: gl.Ptr(true), ListOptions: gl.ListOptions{Pagination: "keyset", PerPage: 100}}, opts...)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		tree = append(tree, page...)
		if resp.NextLink == "" {
			break
		}
		if !strings.Contains(resp.NextLink, "page_token=") || resp.NextPage != 0 {
			t.Fatalf("keyset answer: next link %s, X-Next-Page %d", resp.NextLink, resp.NextPage)
		}
		opts = []gl.RequestOptionFunc{gl.WithKeysetPaginationParameters(resp.NextLink)}
	}
	if pages != 3 {
		t.Errorf("%d tree pages for 6 entries at 2 a page, want 3", pages)
	}
	got := map[string]string{}
	for _, n := range tree {
		got[n.Path] = n.Type + " " + n.Mode
	}
	want := map[string]string{
		".github": "tree 040000", ".github/CODEOWNERS": "blob 100644", "docs": "tree 040000",
		"docs/a.md": "blob 100644", "README.md": "blob 100644", "link.md": "blob 120000",
	}
	if len(got) != len(want) || len(tree) != len(want) {
		t.Errorf("tree %v, want %v (no .git, no empty folders, no repeats)", got, want)
	}
	for p, w := range want {
		if got[p] != w {
			t.Errorf("tree entry %s: %q, want %q", p, got[p], w)
		}
	}
	// Without pagination=keyset the tree pages by offset.
	if _, resp, err := c.Repositories.ListTree(id, &gl.ListTreeOptions{Recursive: gl.Ptr(true)}); err != nil || resp.NextPage != 2 || resp.TotalItems != 6 {
		t.Errorf("offset tree: %+v, %v", resp, err)
	}

	var readme, link *gl.TreeNode
	for _, n := range tree {
		switch n.Path {
		case "README.md":
			readme = n
		case "link.md":
			link = n
		}
	}
	raw, _, err := c.Repositories.RawBlobContent(id, readme.ID)
	if err != nil || string(raw) != "# app\n" {
		t.Errorf("raw blob: %q, %v", raw, err)
	}
	if raw, _, err := c.Repositories.RawBlobContent(id, link.ID); err != nil || string(raw) != "README.md" {
		t.Errorf("a link's blob holds its target: %q, %v", raw, err)
	}
	f, _, err := c.RepositoryFiles.GetFile(id, "docs/a.md", &gl.GetFileOptions{Ref: gl.Ptr("main")})
	if err != nil || f.BlobID == "" || f.Size != 2 {
		t.Fatalf("GetFile: %+v, %v", f, err)
	}
	if b, _ := base64.StdEncoding.DecodeString(f.Content); string(b) != "a\n" {
		t.Errorf("GetFile content %q", b)
	}
	if b, _, err := c.RepositoryFiles.GetRawFile(id, "docs/a.md", &gl.GetRawFileOptions{Ref: gl.Ptr("main")}); err != nil || string(b) != "a\n" {
		t.Errorf("GetRawFile: %q, %v", b, err)
	}
	if _, _, err := c.RepositoryFiles.GetRawFile(id, "nope.md", &gl.GetRawFileOptions{Ref: gl.Ptr("main")}); !errors.Is(err, gl.ErrNotFound) {
		t.Errorf("missing file: %v", err)
	}
}

func TestGitLabETagsRateLimitsFaultsAndTokens(t *testing.T) {
	root := glFixture(t)
	g := forgetest.NewGitLab(t, forgetest.GitLabOptions{Groups: map[string]string{"lhm": root}, Token: "secret", RateLimit: 4})
	get := func(header http.Header) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, g.URL()+"/groups/lhm/projects", nil)
		for k, v := range header {
			req.Header[k] = v
		}
		resp, err := g.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	first := get(nil)
	etag := first.Header.Get("ETag")
	if first.StatusCode != 200 || etag == "" || first.Header.Get("RateLimit-Remaining") != "3" || first.Header.Get("RateLimit-Limit") != "4" {
		t.Fatalf("first answer %d, headers %v", first.StatusCode, first.Header)
	}
	if r := get(http.Header{"If-None-Match": {etag}}); r.StatusCode != http.StatusNotModified {
		t.Errorf("conditional request: %d, want 304", r.StatusCode)
	}
	if r := get(http.Header{"Private-Token": {"wrong"}}); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("wrong token: %d, want 401", r.StatusCode)
	}
	get(nil)
	if r := get(nil); r.StatusCode != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" || r.Header.Get("RateLimit-Remaining") != "0" {
		t.Errorf("over the limit: %d, headers %v", r.StatusCode, r.Header)
	}

	g2 := forgetest.NewGitLab(t, forgetest.GitLabOptions{Groups: map[string]string{"lhm": root}, Loop: true})
	g2.Fault(forgetest.GitLabFault{Match: "/groups/lhm/projects", Status: 502, Times: 1})
	c := glClient(t, g2, "")
	if _, _, err := c.Groups.ListGroupProjects("lhm", nil); err == nil || !strings.Contains(err.Error(), "502") {
		t.Errorf("fault once: %v", err)
	}
	_, resp, err := c.Groups.ListGroupProjects("lhm", nil, gl.WithOffsetPaginationParameters(7))
	if err != nil || resp.NextPage != 8 {
		t.Errorf("a looping server always has a next page: %+v, %v", resp, err)
	}
	subs, _, err := c.Groups.ListSubGroups("lhm", nil)
	if err != nil || len(subs) != 1 || subs[0].FullPath != "lhm" {
		t.Errorf("in loop mode a group is its own subgroup: %v, %v", subs, err)
	}
	g2.Fault(forgetest.GitLabFault{Match: "/users", Malformed: true})
	if _, _, err := c.Users.ListUsers(&gl.ListUsersOptions{Username: gl.Ptr("x")}); err == nil {
		t.Error("malformed JSON decoded without error")
	}
	if n := g2.CountStatus(http.StatusBadGateway); n != 1 {
		t.Errorf("%d answers with 502, want 1", n)
	}
}
