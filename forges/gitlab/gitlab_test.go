package gitlab_test

import (
	"context"
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/it-at-m/ospo-scan/forges"
	"github.com/it-at-m/ospo-scan/forges/forgetest"
	"github.com/it-at-m/ospo-scan/forges/gitlab"
)

// nestedGroup writes group "lhm" with projects a, b and c, subgroup
// "lhm/team" with projects d and e, and "lhm/team/deep" with project f.
func nestedGroup(t *testing.T) (root string, groups map[string]string) {
	root = t.TempDir()
	for _, p := range []string{"a", "b", "c", "team/d", "team/e", "team/deep/f"} {
		writeTree(t, filepath.Join(root, filepath.FromSlash(p)), map[string]string{"README.md": "# " + p + "\n"})
	}
	return root, map[string]string{
		"lhm":           root,
		"lhm/team":      filepath.Join(root, "team"),
		"lhm/team/deep": filepath.Join(root, "team", "deep"),
	}
}

func names(ms []forges.Meta) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.FullName)
	}
	return out
}

func TestListGroupWithSubgroupsAcrossPages(t *testing.T) {
	want := "lhm/a lhm/b lhm/c lhm/team/d lhm/team/deep/f lhm/team/e"
	for _, tc := range []struct {
		name string
		opts forgetest.GitLabOptions
	}{
		{"Link header", forgetest.GitLabOptions{MaxPerPage: 2, Token: testToken}},
		{"X-Next-Page only", forgetest.GitLabOptions{MaxPerPage: 2, NoLinkHeader: true, Token: testToken}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, groups := nestedGroup(t)
			tc.opts.Groups = groups
			h := newHarness(t, tc.opts, setup{token: testToken})
			ms, err := h.source(t, "lhm", false).List(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(names(ms), " "); got != want {
				t.Errorf("listed %s\nwant      %s", got, want)
			}
			if n := h.fake.Count("/groups/lhm/projects"); n != 3 {
				t.Errorf("%d listing requests for 6 projects at 2 a page, want 3", n)
			}
			for _, r := range h.fake.Requests() {
				if strings.Contains(r.URL, "/groups/lhm/projects") && (!strings.Contains(r.URL, "include_subgroups=true") || !strings.Contains(r.URL, "with_shared=false")) {
					t.Errorf("listing request %s lacks include_subgroups=true or with_shared=false", r.URL)
				}
			}
			m := ms[3]
			if m.Forge != forges.GitLab || m.Host != testHost || m.Name != "d" || !strings.HasSuffix(m.URL, "/lhm/team/d") {
				t.Errorf("meta of lhm/team/d: %+v", m)
			}
		})
	}
}

func TestMetaFlagsAndFacts(t *testing.T) {
	root := t.TempDir()
	for _, p := range []string{"app", "old", "copy", "secret", "blank"} {
		writeTree(t, filepath.Join(root, p), map[string]string{"README.md": "x\n"})
	}
	h := newHarness(t, forgetest.GitLabOptions{
		Groups: map[string]string{"lhm": root},
		Projects: map[string]forgetest.GitLabProject{
			"lhm/app":    {Description: "The app", Topics: []string{"munich", "oss"}, DefaultBranch: "develop"},
			"lhm/old":    {Archived: true},
			"lhm/copy":   {ForkedFrom: "lhm/app"},
			"lhm/secret": {Visibility: "private"},
			"lhm/blank":  {Empty: true},
		},
		Token: testToken,
	}, setup{token: testToken})
	ms, err := h.source(t, "lhm", false).List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	by := map[string]forges.Meta{}
	for _, m := range ms {
		by[m.FullName] = m
	}
	app := by["lhm/app"]
	if app.Description.Value != "The app" || !app.Description.Known ||
		strings.Join(app.Topics.Value, ",") != "munich,oss" ||
		app.DefaultBranch.Value != "develop" || !app.DefaultBranch.Known ||
		app.Visibility.Value != "public" || app.Archived || app.Fork {
		t.Errorf("lhm/app: %+v", app)
	}
	if app.PrivateReporting.Known || app.PrivateReporting.Why != "GitLab has no private vulnerability reporting" {
		t.Errorf("private reporting must be unknown on GitLab: %+v", app.PrivateReporting)
	}
	if app.CodeQLDefaultSetup.Get().Known {
		t.Errorf("CodeQL default setup must be unknown on GitLab")
	}
	if !by["lhm/old"].Archived || by["lhm/old"].Fork {
		t.Errorf("lhm/old must be archived, not a fork: %+v", by["lhm/old"])
	}
	if !by["lhm/copy"].Fork || by["lhm/copy"].Archived {
		t.Errorf("lhm/copy must be a fork: %+v", by["lhm/copy"])
	}
	if by["lhm/secret"].Visibility.Value != "private" {
		t.Errorf("lhm/secret visibility %q", by["lhm/secret"].Visibility.Value)
	}
	blank := by["lhm/blank"]
	if blank.DefaultBranch.Known {
		t.Errorf("an empty project has no default branch: %+v", blank.DefaultBranch)
	}
	// An empty repository is an empty tree, without a request.
	before := h.fake.Count("")
	r, err := h.source(t, "lhm", false).Open(context.Background(), blank)
	if err != nil {
		t.Fatal(err)
	}
	es, err := fs.ReadDir(r.FS, ".")
	if err != nil || len(es) != 0 {
		t.Errorf("empty project: ReadDir = %v, %v", es, err)
	}
	if _, err := fs.ReadFile(r.FS, "README.md"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("empty project: ReadFile = %v", err)
	}
	if n := h.fake.Count("") - before; n != 0 {
		t.Errorf("an empty project cost %d requests", n)
	}
}

func TestAnonymousSeesPublicOnlyAndIsTold(t *testing.T) {
	root := t.TempDir()
	for _, p := range []string{"open", "secret"} {
		writeTree(t, filepath.Join(root, p), map[string]string{"README.md": "x\n"})
	}
	h := newHarness(t, forgetest.GitLabOptions{
		Groups:   map[string]string{"lhm": root},
		Projects: map[string]forgetest.GitLabProject{"lhm/secret": {Visibility: "private"}},
		Token:    testToken,
	}, setup{})
	ms, err := h.source(t, "lhm", false).List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(names(ms), " "); got != "lhm/open" {
		t.Errorf("anonymous listing %q, want only lhm/open", got)
	}
	if !strings.Contains(h.logs.String(), gitlab.AnonymousNotice) {
		t.Errorf("no anonymous notice in %q", h.logs.String())
	}
	for _, r := range h.fake.Requests() {
		if r.Header.Get("Private-Token") != "" {
			t.Errorf("anonymous request %s carries a PRIVATE-TOKEN header", r.URL)
		}
	}
	_, err = h.source(t, "lhm/secret", true).List(context.Background())
	if want := "project lhm/secret not found on " + testHost + " (if it is private, set GITLAB_TOKEN)"; err == nil || err.Error() != want {
		t.Errorf("private project anonymously: %v, want %q", err, want)
	}
}

func TestUnknownGroupAndProject(t *testing.T) {
	_, groups := nestedGroup(t)
	h := newHarness(t, forgetest.GitLabOptions{Groups: groups, Token: testToken}, setup{token: testToken})
	ctx := context.Background()
	for _, tc := range []struct {
		path   string
		isRepo bool
		want   string
	}{
		{"landeshauptstadt-muenchenx", false, "group landeshauptstadt-muenchenx not found on " + testHost},
		{"lhm/nope", false, "group lhm/nope not found on " + testHost},
		{"lhm/nope", true, "project lhm/nope not found on " + testHost},
		{"lhm/team", true, "lhm/team on " + testHost + " is a group, not a project: scan it with `ospo-scan org " + testHost + "/lhm/team`"},
		{"lhm/team/d", false, "lhm/team/d on " + testHost + " is a project, not a group: scan it with `ospo-scan repo " + testHost + "/lhm/team/d`"},
	} {
		_, err := h.source(t, tc.path, tc.isRepo).List(ctx)
		var ue *forges.UserError
		if !errors.As(err, &ue) || err.Error() != tc.want {
			t.Errorf("%s (repo %v): %v, want user error %q", tc.path, tc.isRepo, err, tc.want)
		}
	}
	if _, err := h.forge.Source(ctx, forges.Target{Forge: forges.GitLab, Host: testHost, Path: "lhm"}, true); err == nil {
		t.Error("repo with a one-element path must be refused")
	}
}

func TestRepoTarget(t *testing.T) {
	_, groups := nestedGroup(t)
	h := newHarness(t, forgetest.GitLabOptions{Groups: groups, Token: testToken}, setup{token: testToken})
	src := h.source(t, "lhm/team/deep/f", true)
	if src.Target() != testHost+"/lhm/team/deep/f" {
		t.Errorf("Target() = %q", src.Target())
	}
	ms, err := src.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 1 || ms[0].FullName != "lhm/team/deep/f" || ms[0].Name != "f" {
		t.Fatalf("repo listing %+v", ms)
	}
	r, err := src.Open(context.Background(), ms[0])
	if err != nil {
		t.Fatal(err)
	}
	if b, err := fs.ReadFile(r.FS, "README.md"); err != nil || string(b) != "# team/deep/f\n" {
		t.Errorf("README.md = %q, %v", b, err)
	}
}

func TestUserNamespace(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, filepath.Join(dir, "dotfiles"), map[string]string{"README.md": "x\n"})
	writeTree(t, filepath.Join(dir, "tool"), map[string]string{"README.md": "y\n"})
	h := newHarness(t, forgetest.GitLabOptions{Users: map[string]string{"jdoe": dir}, MaxPerPage: 1}, setup{})
	ms, err := h.source(t, "jdoe", false).List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(names(ms), " "); got != "jdoe/dotfiles jdoe/tool" {
		t.Errorf("user projects %q", got)
	}
	if want := "jdoe on " + testHost + " is a user, not a group: scanning the user's personal projects"; !strings.Contains(h.logs.String(), want) {
		t.Errorf("logs %q lack %q", h.logs.String(), want)
	}
}

func TestEmptyGroup(t *testing.T) {
	h := newHarness(t, forgetest.GitLabOptions{Groups: map[string]string{"lhm/empty": t.TempDir()}}, setup{})
	ms, err := h.source(t, "lhm/empty", false).List(context.Background())
	if err != nil || len(ms) != 0 {
		t.Fatalf("empty group: %v, %v", ms, err)
	}
	want := "group lhm/empty on " + testHost + " has no projects that are public (set GITLAB_TOKEN to see private ones)"
	if !strings.Contains(h.logs.String(), want) {
		t.Errorf("logs %q lack %q", h.logs.String(), want)
	}
}

func TestLoopingServerEnds(t *testing.T) {
	_, groups := nestedGroup(t)
	for _, tc := range []struct {
		name string
		opts forgetest.GitLabOptions
	}{
		{"offset with Link", forgetest.GitLabOptions{Groups: groups, Loop: true, MaxPerPage: 2}},
		{"offset without Link", forgetest.GitLabOptions{Groups: groups, Loop: true, MaxPerPage: 2, NoLinkHeader: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, tc.opts, setup{})
			start := time.Now()
			_, err := h.source(t, "lhm", false).List(context.Background())
			if err == nil || !strings.Contains(err.Error(), "pagination loop") || !strings.Contains(err.Error(), "group lhm on "+testHost) {
				t.Errorf("looping listing: %v", err)
			}
			if n := h.fake.Count("/projects"); n > 3 {
				t.Errorf("%d requests before noticing the loop", n)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
	t.Run("tree", func(t *testing.T) {
		dir := t.TempDir()
		files := map[string]string{}
		for i := range 5 {
			files[strings.Repeat("f", i+1)] = "x\n"
		}
		writeTree(t, filepath.Join(dir, "big"), files)
		h := newHarness(t, forgetest.GitLabOptions{Groups: map[string]string{"lhm": dir}, MaxPerPage: 2}, setup{})
		ms, err := h.source(t, "lhm", false).List(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		// Listing worked; now the server breaks and loops on trees.
		loop := forgetest.NewGitLab(t, forgetest.GitLabOptions{Groups: map[string]string{"lhm": dir}, MaxPerPage: 2, Loop: true})
		h2 := connect(t, loop, setup{})
		r, err := h2.source(t, "lhm", false).Open(context.Background(), ms[0])
		if err != nil {
			t.Fatal(err)
		}
		_, err = fs.ReadDir(r.FS, ".")
		if err == nil || !strings.Contains(err.Error(), "pagination loop") {
			t.Errorf("looping tree: %v", err)
		}
		if e := r.FS.(interface{ Err() error }).Err(); e == nil {
			t.Error("a looping tree must make the project errored")
		}
	})
}

func TestBadTokenAndAPIURL(t *testing.T) {
	_, groups := nestedGroup(t)
	h := newHarness(t, forgetest.GitLabOptions{Groups: groups, Token: testToken}, setup{token: "glpat-WRONG-0000"})
	_, err := h.source(t, "lhm", false).List(context.Background())
	var ue *forges.UserError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "GITLAB_TOKEN") || !strings.Contains(err.Error(), "401") {
		t.Errorf("bad token: %v", err)
	}
	if strings.Contains(err.Error(), "glpat-WRONG-0000") {
		t.Errorf("the message prints the token: %v", err)
	}
	_, err = gitlab.New(gitlab.Options{Host: testHost, APIURL: "not a url"})
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "--api-url") {
		t.Errorf("bad --api-url: %v", err)
	}

	// A host that does not answer: a usage error naming the API, one line.
	dead, err := gitlab.New(gitlab.Options{Host: testHost, APIURL: "http://127.0.0.1:1/api/v4"})
	if err != nil {
		t.Fatal(err)
	}
	src, err := dead.Source(context.Background(), forges.Target{Forge: forges.GitLab, Host: testHost, Path: "lhm"}, false)
	if err != nil {
		t.Fatal(err)
	}
	_, err = src.List(context.Background())
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "cannot reach the GitLab API at http://127.0.0.1:1/api/v4") || strings.Contains(err.Error(), "\n") {
		t.Errorf("unreachable host: %v", err)
	}
}
