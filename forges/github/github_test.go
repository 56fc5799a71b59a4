package github_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/it-at-m/ospo-scan/forges"
	"github.com/it-at-m/ospo-scan/forges/forgetest"
	"github.com/it-at-m/ospo-scan/forges/github"
	"github.com/it-at-m/ospo-scan/forges/httpx"
	"github.com/it-at-m/ospo-scan/forges/local"
	"github.com/it-at-m/ospo-scan/report"
	"github.com/it-at-m/ospo-scan/rules"
	"github.com/it-at-m/ospo-scan/scanner"
)

const token = "ghp_T0kenThatMustNeverLeak0123456789"

// writeRepo writes a repository folder; a value starting with "->" makes a
// symbolic link to the rest.
func writeRepo(t testing.TB, dir, name string, files map[string]string) {
	t.Helper()
	for p, content := range files {
		full := filepath.Join(dir, name, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if target, ok := strings.CutPrefix(content, "->"); ok {
			if err := os.Symlink(target, full); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

type env struct {
	fake  *forgetest.GitHub
	forge *github.Forge
	logs  *forgetest.Notices
	dir   string
}

// setup starts a fake over dir and a forge pointed at it through
// --api-url, with fast retries.
func setup(t testing.TB, opts forgetest.GitHubOptions, mod func(*github.Options)) *env {
	t.Helper()
	if opts.Org == "" {
		opts.Org = "lhm"
	}
	fake := forgetest.NewGitHub(t, opts)
	l := &forgetest.Notices{}
	o := github.Options{
		Host:   "github.com",
		APIURL: fake.URL(),
		Token:  token, TokenEnv: "GITHUB_TOKEN",
		Logf: l.Logf,
		HTTP: func(h *httpx.Options) {
			h.RetryWait = time.Millisecond
			h.Timeout = 2 * time.Second
		},
	}
	if mod != nil {
		mod(&o)
	}
	f, err := github.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return &env{fake: fake, forge: f, logs: l, dir: opts.ReposDir}
}

func (e *env) source(t testing.TB, target string) forges.Source {
	t.Helper()
	tg, err := forges.ParseTarget(target, "")
	if err != nil {
		t.Fatal(err)
	}
	src, err := e.forge.Source(context.Background(), tg)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

func (e *env) list(t testing.TB, target string) []forges.Meta {
	t.Helper()
	ms, err := e.source(t, target).List(context.Background())
	if err != nil {
		t.Fatalf("List(%s): %v", target, err)
	}
	return ms
}

func (e *env) open(t testing.TB, target, name string) *forges.Repo {
	t.Helper()
	src := e.source(t, target)
	ms, err := src.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.Name == name {
			r, err := src.Open(context.Background(), m)
			if err != nil {
				t.Fatalf("Open(%s): %v", name, err)
			}
			return r
		}
	}
	t.Fatalf("%s not listed", name)
	return nil
}

func scan(t testing.TB, srcs []forges.Source, concurrency int) *report.Report {
	t.Helper()
	rep, err := scanner.Scan(context.Background(), srcs, scanner.Options{
		Policy:          scanner.Static{Profile: "in-house", Rules: rules.Defaults(rules.Builtin())},
		Concurrency:     concurrency,
		IncludeArchived: true, IncludeForks: true,
		Now: func() time.Time { return time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC) },
	})
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	return rep
}

func repoByName(rep *report.Report, name string) *report.Repository {
	for i := range rep.Repositories {
		if rep.Repositories[i].Name == name {
			return &rep.Repositories[i]
		}
	}
	return nil
}

func TestListingFollowsEveryPage(t *testing.T) {
	dir := t.TempDir()
	for i := range 23 {
		writeRepo(t, dir, fmt.Sprintf("repo-%02d", i), map[string]string{"README.md": "x"})
	}
	e := setup(t, forgetest.GitHubOptions{ReposDir: dir, MaxPerPage: 5}, nil)
	ms := e.list(t, "lhm")
	if len(ms) != 23 {
		t.Fatalf("listed %d repositories, want 23", len(ms))
	}
	if !sort.SliceIsSorted(ms, func(i, j int) bool { return ms[i].FullName < ms[j].FullName }) {
		t.Error("listing not sorted by name")
	}
	if ms[0].FullName != "lhm/repo-00" || ms[0].URL != "https://github.com/lhm/repo-00" {
		t.Errorf("first: %q %q", ms[0].FullName, ms[0].URL)
	}
	if n := e.fake.Count("/orgs/lhm/repos"); n != 5 {
		t.Errorf("%d listing requests, want 5 pages of 5", n)
	}
	for _, r := range e.fake.Requests() {
		if strings.Contains(r.Path, "/orgs/") && !strings.Contains(r.Query, "per_page=") {
			t.Errorf("listing request %s without per_page", r.URL)
		}
	}
}

func TestMetadataComesFromTheListing(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"active", "old", "forked", "secret"} {
		writeRepo(t, dir, n, map[string]string{"README.md": "# " + n})
	}
	e := setup(t, forgetest.GitHubOptions{ReposDir: dir, Repos: map[string]forgetest.GitHubRepo{
		"active": {Description: "Traffic counts", Topics: []string{"java", "lhm"}, Homepage: "https://example.org", License: "MIT", DefaultBranch: "develop"},
		"old":    {Archived: true},
		"forked": {Fork: true, License: "NOASSERTION"},
		"secret": {Visibility: "private"},
	}}, nil)
	ms := e.list(t, "github.com/lhm")
	got := map[string]forges.Meta{}
	for _, m := range ms {
		got[m.Name] = m
	}
	a := got["active"]
	if a.Forge != forges.GitHub || a.Host != "github.com" || a.FullName != "lhm/active" ||
		a.Description != forges.Known("Traffic counts") || a.Homepage != forges.Known("https://example.org") ||
		a.DefaultBranch != forges.Known("develop") || a.ForgeLicense != forges.Known("MIT") ||
		a.Visibility != forges.Known("public") || strings.Join(a.Topics.Value, ",") != "java,lhm" || !a.Topics.Known {
		t.Errorf("active: %+v", a)
	}
	if !got["old"].Archived || got["old"].Fork || !got["forked"].Fork || got["forked"].ForgeLicense.Value != "NOASSERTION" {
		t.Errorf("flags: old %+v forked %+v", got["old"], got["forked"])
	}
	if got["secret"].Visibility.Value != "private" {
		t.Errorf("private repository visibility %+v", got["secret"].Visibility)
	}
	if got["old"].Description != forges.Known("") {
		t.Errorf("an empty description must be known to be empty, got %+v", got["old"].Description)
	}
	if n := e.fake.Count("/repos/**"); n != 0 {
		t.Errorf("%d per-repository requests while listing, want 0", n)
	}
}

func TestFactsAndPermissionGaps(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"on", "off", "hidden", "gone"} {
		writeRepo(t, dir, n, map[string]string{"README.md": "x"})
	}
	e := setup(t, forgetest.GitHubOptions{ReposDir: dir, Repos: map[string]forgetest.GitHubRepo{
		"on":     {PrivateReporting: "enabled", DefaultSetup: "configured"},
		"off":    {PrivateReporting: "disabled", DefaultSetup: "not-configured"},
		"hidden": {PrivateReporting: "403", DefaultSetup: "403"},
		"gone":   {PrivateReporting: "404", DefaultSetup: "404"},
	}}, nil)
	cases := []struct {
		name     string
		pvr, cql forges.Fact[bool]
	}{
		{"on", forges.Known(true), forges.Known(true)},
		{"off", forges.Known(false), forges.Known(false)},
		{"hidden", forges.Unknown[bool]("the token may not read private vulnerability reporting (HTTP 403)"),
			forges.Unknown[bool]("the token may not read the CodeQL default setup (HTTP 403)")},
		{"gone", forges.Unknown[bool]("the token may not read private vulnerability reporting (HTTP 404)"),
			forges.Unknown[bool]("the token may not read the CodeQL default setup (HTTP 404)")},
	}
	for _, c := range cases {
		e.fake.ResetRequests()
		r := e.open(t, "lhm", c.name)
		if n := e.fake.Count("/repos/**"); n != 1 {
			t.Errorf("%s: Open made %d requests, want 1 (private reporting; default setup and files are lazy)", c.name, n)
		}
		if r.Meta.PrivateReporting != c.pvr || r.Meta.CodeQLDefaultSetup.Get() != c.cql {
			t.Errorf("%s: private reporting %+v, default setup %+v; want %+v, %+v", c.name, r.Meta.PrivateReporting, r.Meta.CodeQLDefaultSetup.Get(), c.pvr, c.cql)
		}
		r.Meta.CodeQLDefaultSetup.Get()
		if n := e.fake.Count("/repos/**"); n != 2 {
			t.Errorf("%s: reading both facts (twice) made %d requests, want 2", c.name, n)
		}
		if err := r.FS.(interface{ Err() error }).Err(); err != nil {
			t.Errorf("%s: a permission gap made the repository errored: %v", c.name, err)
		}
	}
}

// TestDefaultSetupReadOnlyWhenNeeded: the CodeQL default setup costs a
// request and matters only to a repository without a CodeQL workflow; a
// server error reading it makes that repository errored.
func TestDefaultSetupReadOnlyWhenNeeded(t *testing.T) {
	dir := t.TempDir()
	writeRepo(t, dir, "with-codeql", map[string]string{".github/workflows/codeql.yml": "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: github/codeql-action/init@ff0a06e83cb2de871e5a09832bc6a81e7276941f\n      - uses: github/codeql-action/analyze@ff0a06e83cb2de871e5a09832bc6a81e7276941f\n"})
	writeRepo(t, dir, "without", map[string]string{"README.md": "x"})
	e := setup(t, forgetest.GitHubOptions{ReposDir: dir}, nil)
	e.fake.Fault(forgetest.GitHubFault{Path: "/repos/lhm/*/code-scanning/default-setup", Kind: forgetest.ServerError, Status: 503})
	rep := scan(t, []forges.Source{e.source(t, "lhm")}, 2)
	if n := e.fake.Count("/repos/lhm/with-codeql/code-scanning/default-setup"); n != 0 {
		t.Errorf("default setup read %d times for a repository whose workflow runs CodeQL", n)
	}
	for _, r := range rep.Repositories {
		switch r.Name {
		case "lhm/with-codeql":
			if r.Status == report.Errored {
				t.Errorf("with-codeql errored: %s", r.Error)
			}
		case "lhm/without":
			if r.Status != report.Errored || !strings.Contains(r.Error, "default setup") {
				t.Errorf("without: status %s error %q; a failed read must make it errored", r.Status, r.Error)
			}
		}
	}
}

func TestFilesFetchedLazilyAndOnce(t *testing.T) {
	dir := t.TempDir()
	writeRepo(t, dir, "app", map[string]string{
		"README.md":                    "# app\n",
		"LICENSE":                      "MIT License\n",
		".github/workflows/build.yml":  "on: push\n",
		".github/workflows/codeql.yml": "on: push\n#codeql\n",
		"src/main/App.java":            "class App {}\n",
	})
	e := setup(t, forgetest.GitHubOptions{ReposDir: dir}, nil)
	r := e.open(t, "lhm", "app")
	e.fake.ResetRequests()
	for range 3 {
		if b, err := fs.ReadFile(r.FS, "README.md"); err != nil || string(b) != "# app\n" {
			t.Fatalf("README: %q %v", b, err)
		}
	}
	des, err := fs.ReadDir(r.FS, ".github/workflows")
	if err != nil || len(des) != 2 || des[0].Name() != "build.yml" || des[1].Name() != "codeql.yml" || des[0].IsDir() {
		t.Fatalf("ReadDir workflows: %v %v", des, err)
	}
	st, err := fs.Stat(r.FS, "src/main/App.java")
	if err != nil || st.Size() != int64(len("class App {}\n")) || st.IsDir() {
		t.Errorf("Stat: %v %v", st, err)
	}
	if _, err := fs.ReadFile(r.FS, "CONTRIBUTING.md"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v, want fs.ErrNotExist", err)
	}
	if _, err := fs.ReadFile(r.FS, ".github"); err == nil {
		t.Error("reading a directory succeeded")
	}
	if n := e.fake.Count("/repos/lhm/app/git/trees/*"); n != 1 {
		t.Errorf("%d tree requests, want 1", n)
	}
	if n := e.fake.Count("/repos/lhm/app/git/blobs/*"); n != 1 {
		t.Errorf("%d blob requests, want 1 (only README.md was read)", n)
	}
	if n := e.fake.Count("/repos/lhm/app/contents/**"); n != 0 {
		t.Errorf("%d contents requests with a complete tree", n)
	}
	if err := fstest.TestFS(r.FS, "README.md", "LICENSE", ".github/workflows/build.yml", "src/main/App.java"); err != nil {
		t.Error(err)
	}
	if err := r.FS.(interface{ Err() error }).Err(); err != nil {
		t.Errorf("Err() = %v", err)
	}
}

func TestLargeFileRefusedWithoutFetching(t *testing.T) {
	dir := t.TempDir()
	writeRepo(t, dir, "big", map[string]string{"README.md": strings.Repeat("x", forges.MaxFileSize+1)})
	e := setup(t, forgetest.GitHubOptions{ReposDir: dir}, nil)
	r := e.open(t, "lhm", "big")
	_, err := fs.ReadFile(r.FS, "README.md")
	if !errors.Is(err, forges.ErrTooLarge) {
		t.Fatalf("error %v, want ErrTooLarge", err)
	}
	if n := e.fake.Count("/repos/lhm/big/git/blobs/*"); n != 0 {
		t.Errorf("%d blob requests for a file the tree says is too large", n)
	}
	if err := r.FS.(interface{ Err() error }).Err(); err != nil {
		t.Errorf("a large file made the repository errored: %v", err)
	}
}

func TestSymlinksStayInside(t *testing.T) {
	dir := t.TempDir()
	writeRepo(t, dir, "links", map[string]string{
		"docs/README.md":       "# docs readme\n",
		"README.md":            "->docs/README.md",
		".github/README.md":    "->../docs/README.md",
		"docsdir":              "->docs",
		"escape":               "->../../etc/passwd",
		"absolute":             "->/etc/passwd",
		"loop-a":               "->loop-b",
		"loop-b":               "->loop-a",
		"dangling":             "->nowhere.md",
		"docs/nested/deep.txt": "deep",
	})
	e := setup(t, forgetest.GitHubOptions{ReposDir: dir}, nil)
	r := e.open(t, "lhm", "links")
	for _, p := range []string{"README.md", ".github/README.md", "docsdir/README.md"} {
		b, err := fs.ReadFile(r.FS, p)
		if err != nil || string(b) != "# docs readme\n" {
			t.Errorf("%s: %q %v", p, b, err)
		}
	}
	if des, err := fs.ReadDir(r.FS, "docsdir/nested"); err != nil || len(des) != 1 {
		t.Errorf("ReadDir through a directory link: %v %v", des, err)
	}
	for _, p := range []string{"escape", "absolute"} {
		if _, err := fs.ReadFile(r.FS, p); !errors.Is(err, forges.ErrOutsideRepository) {
			t.Errorf("%s: %v, want ErrOutsideRepository", p, err)
		}
	}
	if _, err := fs.ReadFile(r.FS, "loop-a"); err == nil || !strings.Contains(err.Error(), "too many levels") {
		t.Errorf("loop: %v", err)
	}
	if _, err := fs.ReadFile(r.FS, "dangling"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("dangling link: %v", err)
	}
	des, err := fs.ReadDir(r.FS, ".")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range des {
		if d.Name() == "README.md" && d.Type() != fs.ModeSymlink {
			t.Errorf("ReadDir reports README.md as %v, want a symbolic link (like os.ReadDir)", d.Type())
		}
	}
	if err := r.FS.(interface{ Err() error }).Err(); err != nil {
		t.Errorf("links made the repository errored: %v", err)
	}
}

func TestTruncatedTreeFallsBackToDirectoryListings(t *testing.T) {
	dir := t.TempDir()
	writeRepo(t, dir, "huge", map[string]string{
		"README.md":                   "# huge\n",
		".github/workflows/build.yml": "on: push\n",
		"a/b/c/d.txt":                 "d",
	})
	e := setup(t, forgetest.GitHubOptions{ReposDir: dir, Repos: map[string]forgetest.GitHubRepo{"huge": {TruncatedTree: true}}}, nil)
	r := e.open(t, "lhm", "huge")
	if b, err := fs.ReadFile(r.FS, ".github/workflows/build.yml"); err != nil || string(b) != "on: push\n" {
		t.Fatalf("workflow: %q %v", b, err)
	}
	if des, err := fs.ReadDir(r.FS, "."); err != nil || len(des) != 3 {
		t.Fatalf("root: %v %v", des, err)
	}
	if _, err := fs.Stat(r.FS, "a/b/c/d.txt"); err != nil {
		t.Errorf("deep stat: %v", err)
	}
	// Root, .github, .github/workflows, a, a/b, a/b/c: each listed once.
	if n := e.fake.Count("/repos/lhm/huge/contents/**"); n != 6 {
		t.Errorf("%d directory listings, want 6 (each visited directory once)", n)
	}
	if err := fstest.TestFS(r.FS, "README.md", "a/b/c/d.txt"); err != nil {
		t.Error(err)
	}
}

func TestEmptyRepositoryHasNoFiles(t *testing.T) {
	dir := t.TempDir()
	writeRepo(t, dir, "empty", map[string]string{"placeholder": ""})
	e := setup(t, forgetest.GitHubOptions{ReposDir: dir, Repos: map[string]forgetest.GitHubRepo{"empty": {Empty: true}}}, nil)
	r := e.open(t, "lhm", "empty")
	des, err := fs.ReadDir(r.FS, ".")
	if err != nil || len(des) != 0 {
		t.Errorf("empty repository lists %v, %v", des, err)
	}
	if err := r.FS.(interface{ Err() error }).Err(); err != nil {
		t.Errorf("an empty repository is not an error: %v", err)
	}
}

func orgWithDefaults(t testing.TB, repos int) string {
	dir := t.TempDir()
	writeRepo(t, dir, ".github", map[string]string{
		"CODE_OF_CONDUCT.md": "# Contributor Covenant Code of Conduct\n\nversion 2.1\n",
		"profile/README.md":  "# LHM\n",
	})
	for i := range repos {
		writeRepo(t, dir, fmt.Sprintf("app-%d", i), map[string]string{"README.md": fmt.Sprintf("# app %d\n", i), "LICENSE": "MIT"})
	}
	return dir
}

func TestOrgDefaultsReadOncePerScan(t *testing.T) {
	e := setup(t, forgetest.GitHubOptions{ReposDir: orgWithDefaults(t, 12)}, nil)
	src := e.source(t, "lhm")
	ms, err := src.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for _, m := range ms {
		wg.Go(func() {
			r, err := src.Open(context.Background(), m)
			if err != nil {
				t.Error(err)
				return
			}
			if m.Name == ".github" {
				return
			}
			if r.OrgDefaults == nil || r.OrgDefaultsName != "lhm/.github" {
				t.Errorf("%s: org defaults %v %q", m.Name, r.OrgDefaults, r.OrgDefaultsName)
				return
			}
			b, err := fs.ReadFile(r.OrgDefaults, "CODE_OF_CONDUCT.md")
			if err != nil || !strings.Contains(string(b), "Contributor Covenant") {
				t.Errorf("%s: %q %v", m.Name, b, err)
			}
		})
	}
	wg.Wait()
	if n := e.fake.Count("/repos/lhm/.github/git/trees/*"); n != 1 {
		t.Errorf("%d tree requests for .github, want 1", n)
	}
	if n := e.fake.Count("/repos/lhm/.github/git/blobs/*"); n != 1 {
		t.Errorf("%d blob requests for .github, want 1", n)
	}
	if n := e.fake.Count("/repos/lhm/.github"); n != 0 {
		t.Errorf("%d lookups of the .github repository; the listing already had it", n)
	}
}

func TestOrgDefaultsInScanResults(t *testing.T) {
	e := setup(t, forgetest.GitHubOptions{ReposDir: orgWithDefaults(t, 3)}, nil)
	rep := scan(t, []forges.Source{e.source(t, "lhm")}, 4)
	r := repoByName(rep, "lhm/app-1")
	if r == nil {
		t.Fatal("lhm/app-1 not in report")
	}
	for _, res := range r.Results {
		if res.Rule == "docs/code-of-conduct" {
			if res.Status != rules.StatusPass || !strings.Contains(res.Message, "organisation default lhm/.github") {
				t.Errorf("docs/code-of-conduct: %s %q", res.Status, res.Message)
			}
			return
		}
	}
	t.Error("docs/code-of-conduct did not run")
}

func TestNoOrgDefaults(t *testing.T) {
	dir := t.TempDir()
	writeRepo(t, dir, "app", map[string]string{"README.md": "x"})
	e := setup(t, forgetest.GitHubOptions{ReposDir: dir}, nil)
	r := e.open(t, "lhm", "app")
	if r.OrgDefaults != nil {
		t.Error("org defaults without a .github repository")
	}
	if n := e.fake.Count("/repos/lhm/.github/**"); n != 0 {
		t.Errorf("%d requests for a .github repository the listing did not have", n)
	}
}

func TestRepositoryTarget(t *testing.T) {
	e := setup(t, forgetest.GitHubOptions{ReposDir: orgWithDefaults(t, 2)}, nil)
	ms := e.list(t, "lhm/app-1")
	if len(ms) != 1 || ms[0].FullName != "lhm/app-1" {
		t.Fatalf("listed %+v", ms)
	}
	r, err := e.source(t, "lhm/app-1").Open(context.Background(), ms[0])
	if err != nil {
		t.Fatal(err)
	}
	if r.OrgDefaultsName != "lhm/.github" {
		t.Errorf("org defaults %q", r.OrgDefaultsName)
	}
	if n := e.fake.Count("/repos/lhm/.github"); n != 1 {
		t.Errorf("%d lookups of the .github repository, want 1", n)
	}
	if n := e.fake.Count("/orgs/**"); n != 0 {
		t.Errorf("a repository target listed the organisation (%d requests)", n)
	}
}

func TestUserTarget(t *testing.T) {
	dir := t.TempDir()
	writeRepo(t, dir, "dotfiles", map[string]string{"README.md": "x"})
	e := setup(t, forgetest.GitHubOptions{Org: "someone", ReposDir: dir, User: true}, nil)
	ms := e.list(t, "someone")
	if len(ms) != 1 || ms[0].FullName != "someone/dotfiles" {
		t.Fatalf("listed %+v", ms)
	}
	if e.fake.Count("/users/someone/repos") != 1 {
		t.Error("the user's repositories were not listed through /users/{user}/repos")
	}
}

func TestUnknownOrganisationAndRepository(t *testing.T) {
	e := setup(t, forgetest.GitHubOptions{ReposDir: orgWithDefaults(t, 1)}, nil)
	cases := map[string]string{
		"it-at-mx":          "organisation it-at-mx not found on github.com",
		"lhm/nope":          "repository lhm/nope not found on github.com",
		"it-at-mx/whatever": "repository it-at-mx/whatever not found on github.com",
	}
	for target, want := range cases {
		_, err := e.source(t, target).List(context.Background())
		var ue *forges.UserError
		if !errors.As(err, &ue) || err.Error() != want {
			t.Errorf("%s: %v (%T), want user error %q", target, err, err, want)
		}
	}
}

func TestBadToken(t *testing.T) {
	e := setup(t, forgetest.GitHubOptions{ReposDir: orgWithDefaults(t, 1), Token: "the-right-one"}, nil)
	_, err := e.source(t, "lhm").List(context.Background())
	var ue *forges.UserError
	if !errors.As(err, &ue) {
		t.Fatalf("error %v (%T), want a user error", err, err)
	}
	if !strings.Contains(err.Error(), "rejected the token in GITHUB_TOKEN (HTTP 401") || strings.Contains(err.Error(), token) {
		t.Errorf("message %q", err)
	}
}

func TestUnreachableHostAndBadURL(t *testing.T) {
	e := setup(t, forgetest.GitHubOptions{ReposDir: orgWithDefaults(t, 1)}, nil)
	dead := e.fake.URL()
	_, err := github.New(github.Options{Host: "github.com", APIURL: "not a url at all", Logf: func(string, ...any) {}})
	var ue *forges.UserError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), `invalid --api-url "not a url at all"`) {
		t.Errorf("bad URL: %v", err)
	}
	closed := setup(t, forgetest.GitHubOptions{ReposDir: e.dir}, func(o *github.Options) { o.APIURL = dead })
	// Stop the first fake: nothing answers at its address any more.
	e.fake.Close()
	_, err = closed.source(t, "lhm").List(context.Background())
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "cannot reach the GitHub API at "+dead) || strings.Count(err.Error(), "\n") > 0 {
		t.Errorf("unreachable: %v", err)
	}
}

func TestAPIURLForms(t *testing.T) {
	dir := orgWithDefaults(t, 1)
	fake := forgetest.NewGitHub(t, forgetest.GitHubOptions{Org: "lhm", ReposDir: dir})
	bare := strings.TrimSuffix(fake.URL(), "/api/v3/")
	for _, api := range []string{fake.URL(), strings.TrimSuffix(fake.URL(), "/"), bare, bare + "/"} {
		f, err := github.New(github.Options{Host: "ghe.example.org", APIURL: api, Token: token})
		if err != nil {
			t.Fatalf("%s: %v", api, err)
		}
		tg, _ := forges.ParseTarget("ghe.example.org/lhm", "github")
		src, err := f.Source(context.Background(), tg)
		if err != nil {
			t.Fatal(err)
		}
		ms, err := src.List(context.Background())
		if err != nil || len(ms) != 2 || ms[0].Host != "ghe.example.org" {
			t.Errorf("--api-url %s: %v %v", api, ms, err)
		}
		if src.Target() != "ghe.example.org/lhm" {
			t.Errorf("Target() = %q, want the target as written", src.Target())
		}
	}
	for _, r := range fake.Requests() {
		if !strings.HasPrefix(r.URL, "/api/v3/") {
			t.Errorf("request %s outside /api/v3/", r.URL)
		}
	}
	for _, bad := range []string{"ftp://x/api/v3", "https://", "//no-scheme", "https://h/api?x=1"} {
		if _, err := github.New(github.Options{APIURL: bad}); err == nil {
			t.Errorf("--api-url %q accepted", bad)
		}
	}
}

func TestAnonymousNotice(t *testing.T) {
	e := setup(t, forgetest.GitHubOptions{ReposDir: orgWithDefaults(t, 1)}, func(o *github.Options) { o.Token = "" })
	if got := e.logs.String(); got != "no GITHUB_TOKEN or GH_TOKEN: reading anonymously, limited to 60 requests per hour" {
		t.Errorf("notice %q", got)
	}
	for _, r := range e.fake.Requests() {
		if r.Authenticated {
			t.Errorf("anonymous forge sent a token with %s", r.URL)
		}
	}
}

func TestTokenFromEnv(t *testing.T) {
	env := map[string]string{"GH_TOKEN": "b"}
	if tok, name := github.TokenFromEnv(func(k string) string { return env[k] }); tok != "b" || name != "GH_TOKEN" {
		t.Errorf("%q %q", tok, name)
	}
	env["GITHUB_TOKEN"] = "a"
	if tok, name := github.TokenFromEnv(func(k string) string { return env[k] }); tok != "a" || name != "GITHUB_TOKEN" {
		t.Errorf("GITHUB_TOKEN must win: %q %q", tok, name)
	}
}

func TestServerErrorsMakeOneRepositoryErrored(t *testing.T) {
	e := setup(t, forgetest.GitHubOptions{ReposDir: orgWithDefaults(t, 4)}, nil)
	e.fake.Fault(forgetest.GitHubFault{Path: "/repos/lhm/app-2/git/**", Kind: forgetest.ServerError, Status: 502})
	rep := scan(t, []forges.Source{e.source(t, "lhm")}, 3)
	for _, r := range rep.Repositories {
		if r.Name == "lhm/app-2" {
			if r.Status != report.Errored || !strings.Contains(r.Error, "HTTP 502 Bad Gateway (gave up after 4 attempts)") || len(r.Results) != 0 {
				t.Errorf("app-2: status %s error %q results %d", r.Status, r.Error, len(r.Results))
			}
		} else if r.Status == report.Errored {
			t.Errorf("%s errored: %s", r.Name, r.Error)
		}
	}
	if rep.Summary.Errored != 1 {
		t.Errorf("summary errored = %d", rep.Summary.Errored)
	}
}

func TestRepositoryDeletedMidScan(t *testing.T) {
	e := setup(t, forgetest.GitHubOptions{ReposDir: orgWithDefaults(t, 3)}, nil)
	src := e.source(t, "lhm")
	if _, err := src.List(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.fake.Fault(forgetest.GitHubFault{Path: "/repos/lhm/app-0/git/**", Kind: forgetest.NotFound})
	rep := scan(t, []forges.Source{src}, 2)
	r := repoByName(rep, "lhm/app-0")
	if r == nil || r.Status != report.Errored || !strings.Contains(r.Error, "disappeared during the scan") {
		t.Errorf("app-0: %+v", r)
	}
}

func TestMalformedAnswerMakesRepositoryErrored(t *testing.T) {
	e := setup(t, forgetest.GitHubOptions{ReposDir: orgWithDefaults(t, 2)}, nil)
	e.fake.Fault(forgetest.GitHubFault{Path: "/repos/lhm/app-1/git/trees/*", Kind: forgetest.MalformedJSON})
	rep := scan(t, []forges.Source{e.source(t, "lhm")}, 2)
	r := repoByName(rep, "lhm/app-1")
	if r == nil || r.Status != report.Errored || !strings.Contains(r.Error, "malformed answer") {
		t.Errorf("app-1: %+v", r)
	}
}

func TestTimeoutsRetriedThenErrored(t *testing.T) {
	e := setup(t, forgetest.GitHubOptions{ReposDir: orgWithDefaults(t, 2)}, func(o *github.Options) {
		o.HTTP = func(h *httpx.Options) {
			h.Timeout = 100 * time.Millisecond
			h.RetryWait = time.Millisecond
			h.MaxRetries = 1
		}
	})
	e.fake.Fault(forgetest.GitHubFault{Path: "/repos/lhm/app-0/git/trees/*", Kind: forgetest.Timeout})
	rep := scan(t, []forges.Source{e.source(t, "lhm")}, 2)
	r := repoByName(rep, "lhm/app-0")
	if r == nil || r.Status != report.Errored || !strings.Contains(r.Error, "no answer in time (gave up after 2 attempts)") {
		t.Errorf("app-0: %+v", r)
	}
	if r := repoByName(rep, "lhm/app-1"); r == nil || r.Status == report.Errored {
		t.Errorf("app-1: %+v", r)
	}
}

func TestSecondaryRateLimitIsWaitedOut(t *testing.T) {
	e := setup(t, forgetest.GitHubOptions{ReposDir: orgWithDefaults(t, 2)}, nil)
	e.fake.Fault(forgetest.GitHubFault{Path: "/repos/*/*/git/trees/*", Kind: forgetest.SecondaryLimit, RetryAfter: 1, Times: 1})
	rep := scan(t, []forges.Source{e.source(t, "lhm")}, 2)
	if rep.Summary.Errored != 0 {
		t.Errorf("%d errored after a secondary limit", rep.Summary.Errored)
	}
	if !strings.Contains(e.logs.String(), "secondary rate limit") {
		t.Errorf("no notice: %q", e.logs.String())
	}
}

func TestPrimaryLimitWithNoWait(t *testing.T) {
	e := setup(t, forgetest.GitHubOptions{ReposDir: orgWithDefaults(t, 6)}, func(o *github.Options) { o.NoWait = true })
	// Enough for the listing and one repository, not for the rest.
	e.fake.SetRateLimit(6, time.Now().Add(40*time.Minute))
	rep := scan(t, []forges.Source{e.source(t, "lhm")}, 1)
	if rep.Summary.Errored == 0 {
		t.Fatal("no repository errored although the budget ran out")
	}
	for _, r := range rep.Repositories {
		if r.Status == report.Errored && !strings.Contains(r.Error, "not waiting because of --no-wait") {
			t.Errorf("%s: %q", r.Name, r.Error)
		}
	}
	if !strings.Contains(e.logs.String(), "rate limit: ") {
		t.Errorf("no budget notice after the listing: %q", e.logs.String())
	}
}

// clock is a fake clock shared by the fake server and the client; Sleep
// advances it.
type clock struct {
	mu    sync.Mutex
	now   time.Time
	slept time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	c.slept += d
	return ctx.Err()
}

func TestPrimaryLimitIsWaitedFor(t *testing.T) {
	clk := &clock{now: time.Date(2026, 11, 28, 13, 0, 0, 0, time.Local)}
	e := setup(t, forgetest.GitHubOptions{ReposDir: orgWithDefaults(t, 5), Now: clk.Now}, func(o *github.Options) {
		o.HTTP = func(h *httpx.Options) { h.Now, h.Sleep = clk.Now, clk.Sleep }
	})
	e.fake.SetRateLimit(8, clk.Now().Add(25*time.Minute))
	rep := scan(t, []forges.Source{e.source(t, "lhm")}, 2)
	if rep.Summary.Errored != 0 {
		t.Fatalf("%d errored: %s", rep.Summary.Errored, rep.Repositories[0].Error)
	}
	if !strings.Contains(e.logs.String(), "rate limit exhausted; waiting until 13:25:00 (25m) for it to reset") {
		t.Errorf("notice: %q", e.logs.String())
	}
	// Concurrent sleepers each advance the fake clock, so only a lower
	// bound holds.
	if clk.slept < 25*time.Minute {
		t.Errorf("waited %v, want until the reset", clk.slept)
	}
	for _, r := range e.fake.Requests() {
		if r.Status == 403 {
			t.Errorf("%s hit the exhausted limit: the client must wait before, not after", r.URL)
		}
	}
}

func TestPrimaryLimitDuringListingWithNoWait(t *testing.T) {
	e := setup(t, forgetest.GitHubOptions{ReposDir: orgWithDefaults(t, 2)}, func(o *github.Options) { o.NoWait = true })
	e.fake.SetRateLimit(0, time.Now().Add(10*time.Minute))
	_, err := e.source(t, "lhm").List(context.Background())
	var rl *httpx.RateLimitError
	if !errors.As(err, &rl) {
		t.Fatalf("error %v, want one carrying *httpx.RateLimitError (exit 3)", err)
	}
}

// TestTokenNeverLeaks scans with a cache and failures and looks for the
// token everywhere a user or another process could see it.
func TestTokenNeverLeaks(t *testing.T) {
	cache := t.TempDir()
	e := setup(t, forgetest.GitHubOptions{ReposDir: orgWithDefaults(t, 3)}, func(o *github.Options) { o.CacheDir = cache })
	e.fake.Fault(forgetest.GitHubFault{Path: "/repos/lhm/app-2/**", Kind: forgetest.ServerError, Times: 1})
	e.fake.Fault(forgetest.GitHubFault{Path: "/repos/lhm/app-1/git/blobs/*", Kind: forgetest.NotFound})
	rep := scan(t, []forges.Source{e.source(t, "lhm")}, 2)
	rep2 := scan(t, []forges.Source{e.source(t, "lhm")}, 2) // warm
	out, _ := json.Marshal([]*report.Report{rep, rep2})
	haystacks := map[string]string{"report": string(out), "logs": e.logs.String(), "stats": e.forge.Stats().Snapshot().String()}
	for _, r := range e.fake.Requests() {
		haystacks["request "+r.URL] = r.URL
	}
	files := 0
	filepath.WalkDir(cache, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		haystacks["cache path "+p] = p
		if !d.IsDir() {
			files++
			b, _ := os.ReadFile(p)
			haystacks["cache file "+p] = string(b)
		}
		return nil
	})
	if files == 0 {
		t.Fatal("nothing was cached")
	}
	for where, s := range haystacks {
		if strings.Contains(s, token) {
			t.Errorf("token in %s", where)
		}
	}
	_, err := e.source(t, "lhm").List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
}

// forgeOnly are the rules whose answer depends on forge metadata a plain
// folder does not have.
var forgeOnly = map[string]bool{
	"security/private-reporting": true,
	"repo/description":           true,
	"repo/default-branch":        true,
}

// TestSameResultsAsCheck scans the fixture organisation over the fake API
// and as local folders: apart from the forge-only rules, every repository
// must get the same results.
func TestSameResultsAsCheck(t *testing.T) {
	dir := filepath.Join("..", "..", "testdata", "orgs", "lhm-sample")
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("fixture organisation: %v", err)
	}
	e := setup(t, forgetest.GitHubOptions{Org: "lhm-sample", ReposDir: dir, MaxPerPage: 7}, nil)
	remote := scan(t, []forges.Source{e.source(t, "lhm-sample")}, 4)
	folder, err := local.NewFolder(dir)
	if err != nil {
		t.Fatal(err)
	}
	offline := scan(t, []forges.Source{folder}, 4)
	if len(remote.Repositories) != len(offline.Repositories) || len(remote.Repositories) == 0 {
		t.Fatalf("%d repositories over the API, %d as folders", len(remote.Repositories), len(offline.Repositories))
	}
	type key struct{ rule, path string }
	for _, lr := range offline.Repositories {
		rr := repoByName(remote, "lhm-sample/"+lr.Name)
		if rr == nil {
			t.Errorf("%s missing over the API", lr.Name)
			continue
		}
		if rr.Status == report.Errored {
			t.Errorf("%s errored over the API: %s", lr.Name, rr.Error)
			continue
		}
		want := map[key][]string{}
		for _, res := range lr.Results {
			if !forgeOnly[res.Rule] {
				k := key{res.Rule, res.Path}
				want[k] = append(want[k], fmt.Sprintf("%s line %d: %s", res.Status, res.Line, res.Message))
			}
		}
		got := map[key][]string{}
		for _, res := range rr.Results {
			if !forgeOnly[res.Rule] {
				k := key{res.Rule, res.Path}
				got[k] = append(got[k], fmt.Sprintf("%s line %d: %s", res.Status, res.Line, res.Message))
			}
		}
		for k, w := range want {
			g := got[k]
			if k.rule == "security/codeql" && len(g) == 1 && len(w) == 1 && strings.HasPrefix(g[0], w[0]) {
				// The forge adds what it knows about default setup.
				continue
			}
			if strings.Join(g, "\n") != strings.Join(w, "\n") {
				t.Errorf("%s %s %s:\n  check: %q\n  org:   %q", lr.Name, k.rule, k.path, w, g)
			}
		}
		for k, g := range got {
			if _, ok := want[k]; !ok {
				t.Errorf("%s %s %s only over the API: %q", lr.Name, k.rule, k.path, g)
			}
		}
		if fmt.Sprint(lr.Licenses) != fmt.Sprint(rr.Licenses) {
			t.Errorf("%s licences: check %v, org %v", lr.Name, lr.Licenses, rr.Licenses)
		}
	}
}
