package rules_test

import (
	"context"
	"errors"
	"io/fs"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/it-at-m/ospo-scan/forges"
	"github.com/it-at-m/ospo-scan/rules"
)

// Shared helpers for the documentation, security and branding rule tests
// (the "doc" prefix keeps them apart from other families' helpers).

// docRepo is a repository over files; forge defaults to local.
func docRepo(files fstest.MapFS, mods ...func(*forges.Repo)) *forges.Repo {
	repo := &forges.Repo{
		Meta: forges.Meta{
			Forge:            forges.Local,
			FullName:         "dave-backend",
			Name:             "dave-backend",
			PrivateReporting: forges.Unknown[bool]("a local checkout has no forge metadata"),
		},
		FS: files,
	}
	for _, m := range mods {
		m(repo)
	}
	return repo
}

// withOrgDefaults gives the repository an organisation defaults tree.
func withOrgDefaults(files fstest.MapFS) func(*forges.Repo) {
	return func(r *forges.Repo) {
		r.OrgDefaults = files
		r.OrgDefaultsName = "it-at-m/.github"
	}
}

func onGitLab(r *forges.Repo) {
	r.Meta.Forge = forges.GitLab
	r.Meta.PrivateReporting = forges.Unknown[bool]("")
}

// docRun runs one rule with params over a repository through rules.Run.
func docRun(t *testing.T, r *rules.Rule, repo *forges.Repo, params map[string]any) []rules.Result {
	t.Helper()
	res := rules.Run(context.Background(), repo, []rules.Configured{{Rule: r, Severity: r.Severity, Params: params}})
	if len(res) == 0 {
		t.Fatalf("%s returned no result", r.ID)
	}
	for _, x := range res {
		if x.Rule != r.ID || x.Severity != r.Severity {
			t.Errorf("result %+v lacks rule id or severity", x)
		}
		if x.Status == rules.StatusError && strings.Contains(x.Message, "internal error") {
			t.Fatalf("%s panicked: %s", r.ID, x.Message)
		}
	}
	return res
}

// docOne runs a rule that must give exactly one result.
func docOne(t *testing.T, r *rules.Rule, files fstest.MapFS, params map[string]any, mods ...func(*forges.Repo)) rules.Result {
	t.Helper()
	res := docRun(t, r, docRepo(files, mods...), params)
	if len(res) != 1 {
		t.Fatalf("%s: want 1 result, got %d: %+v", r.ID, len(res), res)
	}
	return res[0]
}

// wantResult checks status, path, line and that the message contains
// every fragment.
func wantResult(t *testing.T, got rules.Result, status rules.Status, path string, line int, fragments ...string) {
	t.Helper()
	if got.Status != status {
		t.Errorf("status = %s, want %s (message %q)", got.Status, status, got.Message)
	}
	if got.Path != path {
		t.Errorf("path = %q, want %q (message %q)", got.Path, path, got.Message)
	}
	if line >= 0 && got.Line != line {
		t.Errorf("line = %d, want %d (message %q)", got.Line, line, got.Message)
	}
	for _, f := range fragments {
		if !strings.Contains(got.Message, f) {
			t.Errorf("message %q lacks %q", got.Message, f)
		}
	}
	if strings.Contains(got.Message, "\n") {
		t.Errorf("message %q is not one line", got.Message)
	}
}

func file(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }

func TestFindReadmePlaces(t *testing.T) {
	long := strings.Repeat("text ", 100)
	tests := []struct {
		name  string
		files fstest.MapFS
		want  string
	}{
		{".github wins over root and docs", fstest.MapFS{".github/README.md": file(long), "README.md": file(long), "docs/README.md": file(long)}, ".github/README.md"},
		{"root wins over docs", fstest.MapFS{"README.md": file(long), "docs/README.md": file(long)}, "README.md"},
		{"docs", fstest.MapFS{"docs/README.md": file(long), "docs/index.md": file(long)}, "docs/README.md"},
		{"lower case readme.MD", fstest.MapFS{"readme.MD": file(long)}, "readme.MD"},
		{"rst", fstest.MapFS{"README.rst": file(long)}, "README.rst"},
		{"bare README", fstest.MapFS{"README": file(long)}, "README"},
		{"markdown preferred over bare in one directory", fstest.MapFS{"README": file(long), "README.markdown": file(long), "README.txt": file(long)}, "README.markdown"},
		{"other names ignored", fstest.MapFS{"README-de.md": file(long), "READ.md": file(long), "docs/README.md": file(long)}, "docs/README.md"},
		{"a directory named README is not a file", fstest.MapFS{"README/x.md": file(long), "docs/README.md": file(long)}, "docs/README.md"},
		{".github without a README falls through", fstest.MapFS{".github/CODEOWNERS": file("* @a"), "README.md": file(long)}, "README.md"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := rules.NewFacts(docRepo(tt.files)).FindReadme()
			if f.Path != tt.want || f.Err != nil || f.Origin != rules.OriginRepository {
				t.Fatalf("FindReadme = %q (origin %q, err %v), want %q", f.Path, f.Origin, f.Err, tt.want)
			}
			if string(f.Data) != long {
				t.Errorf("data not read")
			}
		})
	}
}

func TestFindReadmeMissing(t *testing.T) {
	f := rules.NewFacts(docRepo(fstest.MapFS{"main.go": file("package main")})).FindReadme()
	if f.Found() || f.Err != nil {
		t.Fatalf("found %q, err %v", f.Path, f.Err)
	}
	if got := f.SearchedPlaces(); got != ".github/, the root or docs/" {
		t.Errorf("SearchedPlaces = %q", got)
	}
}

func TestFindReadmeTooLarge(t *testing.T) {
	big := make([]byte, forges.MaxFileSize+1)
	for i := range big {
		big[i] = 'a'
	}
	f := rules.NewFacts(docRepo(fstest.MapFS{"README.md": &fstest.MapFile{Data: big}})).FindReadme()
	if !f.Found() || !errors.Is(f.Err, forges.ErrTooLarge) || f.Data != nil {
		t.Fatalf("FindReadme = %q, err %v, %d bytes; want found with ErrTooLarge", f.Path, f.Err, len(f.Data))
	}
}

func TestFindCommunityFilePlaces(t *testing.T) {
	tests := []struct {
		name  string
		kind  rules.CommunityFile
		files fstest.MapFS
		want  string
	}{
		{"root wins over .github", rules.FileContributing, fstest.MapFS{"CONTRIBUTING.md": file("x"), ".github/CONTRIBUTING.md": file("y")}, "CONTRIBUTING.md"},
		{".github wins over docs", rules.FileCodeOfConduct, fstest.MapFS{".github/CODE_OF_CONDUCT.md": file("x"), "docs/CODE_OF_CONDUCT.md": file("y")}, ".github/CODE_OF_CONDUCT.md"},
		{"docs", rules.FileSecurity, fstest.MapFS{"docs/SECURITY.md": file("x")}, "docs/SECURITY.md"},
		{"any case and .txt", rules.FileSupport, fstest.MapFS{"support.txt": file("x")}, "support.txt"},
		{"no extension", rules.FileSecurity, fstest.MapFS{".github/SECURITY": file("x")}, ".github/SECURITY"},
		{"rst", rules.FileContributing, fstest.MapFS{"docs/Contributing.rst": file("x")}, "docs/Contributing.rst"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := rules.NewFacts(docRepo(tt.files)).FindCommunityFile(tt.kind)
			if f.Path != tt.want || f.Origin != rules.OriginRepository || f.Err != nil {
				t.Fatalf("got %q (%s, err %v), want %q", f.Path, f.Origin, f.Err, tt.want)
			}
			if f.Where() != tt.want || f.ResultPath() != tt.want {
				t.Errorf("Where %q / ResultPath %q, want %q", f.Where(), f.ResultPath(), tt.want)
			}
		})
	}
}

func TestFindCommunityFileOrgDefault(t *testing.T) {
	org := fstest.MapFS{
		"CODE_OF_CONDUCT.md":      file("org coc"),
		".github/SECURITY.md":     file("org security"),
		"docs/CONTRIBUTING.md":    file("org contributing"),
		"profile/README.md":       file("org profile"),
		"workflow-templates/x.ml": file("x"),
	}
	t.Run("root of the defaults", func(t *testing.T) {
		f := rules.NewFacts(docRepo(fstest.MapFS{"README.md": file("r")}, withOrgDefaults(org))).FindCommunityFile(rules.FileCodeOfConduct)
		if f.Origin != rules.OriginOrgDefault || f.Path != "CODE_OF_CONDUCT.md" || string(f.Data) != "org coc" {
			t.Fatalf("got %+v", f)
		}
		if got, want := f.Where(), "CODE_OF_CONDUCT.md from the organisation default it-at-m/.github"; got != want {
			t.Errorf("Where = %q, want %q", got, want)
		}
		if f.ResultPath() != "" {
			t.Errorf("ResultPath = %q; an organisation default is not a repository path", f.ResultPath())
		}
	})
	t.Run(".github and docs of the defaults", func(t *testing.T) {
		facts := rules.NewFacts(docRepo(fstest.MapFS{}, withOrgDefaults(org)))
		if f := facts.FindCommunityFile(rules.FileSecurity); f.Path != ".github/SECURITY.md" || f.Origin != rules.OriginOrgDefault {
			t.Errorf("SECURITY: %+v", f)
		}
		if f := facts.FindCommunityFile(rules.FileContributing); f.Path != "docs/CONTRIBUTING.md" || f.Origin != rules.OriginOrgDefault {
			t.Errorf("CONTRIBUTING: %+v", f)
		}
		f := facts.FindCommunityFile(rules.FileSupport)
		if f.Found() {
			t.Errorf("SUPPORT found: %+v", f)
		}
		if got := f.SearchedPlaces(); got != "the root, .github/, docs/ or the organisation defaults it-at-m/.github" {
			t.Errorf("SearchedPlaces = %q", got)
		}
	})
	t.Run("the repository's own file wins", func(t *testing.T) {
		f := rules.NewFacts(docRepo(fstest.MapFS{"docs/CODE_OF_CONDUCT.md": file("own")}, withOrgDefaults(org))).FindCommunityFile(rules.FileCodeOfConduct)
		if f.Origin != rules.OriginRepository || f.Path != "docs/CODE_OF_CONDUCT.md" {
			t.Fatalf("got %+v", f)
		}
	})
	t.Run("README is never taken from the defaults", func(t *testing.T) {
		f := rules.NewFacts(docRepo(fstest.MapFS{}, withOrgDefaults(fstest.MapFS{"README.md": file("org")}))).FindReadme()
		if f.Found() {
			t.Fatalf("got %+v", f)
		}
	})
}

func TestFindCodeOwners(t *testing.T) {
	tests := []struct {
		name     string
		files    fstest.MapFS
		gitlab   bool
		want     string
		wantNote string
	}{
		{"GitHub: .github first", fstest.MapFS{".github/CODEOWNERS": file("a"), "CODEOWNERS": file("b"), "docs/CODEOWNERS": file("c")}, false, ".github/CODEOWNERS", ""},
		{"GitHub: root before docs", fstest.MapFS{"CODEOWNERS": file("b"), "docs/CODEOWNERS": file("c")}, false, "CODEOWNERS", ""},
		{"GitHub: docs", fstest.MapFS{"docs/CODEOWNERS": file("c")}, false, "docs/CODEOWNERS", ""},
		{"GitHub: .gitlab only when nothing else", fstest.MapFS{".gitlab/CODEOWNERS": file("d"), "docs/CODEOWNERS": file("c")}, false, "docs/CODEOWNERS", ""},
		{"local: .gitlab as a last resort", fstest.MapFS{".gitlab/CODEOWNERS": file("d")}, false, ".gitlab/CODEOWNERS", "GitLab location"},
		{"GitLab: root before docs and .gitlab", fstest.MapFS{"CODEOWNERS": file("b"), ".gitlab/CODEOWNERS": file("d")}, true, "CODEOWNERS", ""},
		{"GitLab: docs before .gitlab", fstest.MapFS{"docs/CODEOWNERS": file("c"), ".gitlab/CODEOWNERS": file("d")}, true, "docs/CODEOWNERS", ""},
		{"GitLab: .gitlab", fstest.MapFS{".gitlab/CODEOWNERS": file("d"), ".github/CODEOWNERS": file("a")}, true, ".gitlab/CODEOWNERS", "GitLab location"},
		{"GitLab: .github of a mirror comes last", fstest.MapFS{".github/CODEOWNERS": file("a")}, true, ".github/CODEOWNERS", "GitHub location of a mirrored project; GitLab itself reads CODEOWNERS from the root, docs/ or .gitlab/"},
		{"GitLab: own places before .github", fstest.MapFS{".github/CODEOWNERS": file("a"), "CODEOWNERS": file("b")}, true, "CODEOWNERS", ""},
		{"name is exact", fstest.MapFS{"codeowners": file("a"), "CODEOWNERS.md": file("b")}, false, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mods []func(*forges.Repo)
			if tt.gitlab {
				mods = append(mods, onGitLab)
			}
			f := rules.NewFacts(docRepo(tt.files, mods...)).FindCodeOwners()
			if f.Path != tt.want || f.Note != tt.wantNote {
				t.Fatalf("got %q (note %q), want %q (note %q)", f.Path, f.Note, tt.want, tt.wantNote)
			}
			if tt.wantNote != "" && !strings.Contains(f.Where(), tt.wantNote) {
				t.Errorf("Where = %q", f.Where())
			}
		})
	}
}

// countFS counts directory listings and file opens.
type countFS struct {
	fsys  fstest.MapFS
	mu    sync.Mutex
	dirs  map[string]int
	opens map[string]int
}

func newCountFS(files fstest.MapFS) *countFS {
	return &countFS{fsys: files, dirs: map[string]int{}, opens: map[string]int{}}
}

func (c *countFS) Open(name string) (fs.File, error) {
	c.mu.Lock()
	c.opens[name]++
	c.mu.Unlock()
	return c.fsys.Open(name)
}

func (c *countFS) ReadDir(name string) ([]fs.DirEntry, error) {
	c.mu.Lock()
	c.dirs[name]++
	c.mu.Unlock()
	return c.fsys.ReadDir(name)
}

// TestLookupReadsOncePerScan runs every documentation, security and
// branding rule on one repository and checks that each directory was
// listed and each file read at most once, and that only the lookup
// directories were listed (no tree walk).
func TestLookupReadsOncePerScan(t *testing.T) {
	files := fstest.MapFS{
		".github/README.md":          file(templateReadme),
		".github/CODE_OF_CONDUCT.md": file(covenant21),
		".github/CODEOWNERS":         file("* @it-at-m/team\n"),
		"SECURITY.md":                file(filledSecurity),
		"package.json":               file(`{"name": "@muenchen/x"}`),
		"src/main/java/App.java":     file("class App {}"),
		"docs/index.md":              file("# Docs"),
		"frontend/README.md":         file("nested readmes are not looked at"),
	}
	cfs := newCountFS(files)
	orgFS := newCountFS(fstest.MapFS{"SUPPORT.md": file("ask opensource@muenchen.de")})
	repo := &forges.Repo{Meta: forges.Meta{Forge: forges.GitHub, FullName: "it-at-m/x", PrivateReporting: forges.Known(true)}, FS: cfs, OrgDefaults: orgFS, OrgDefaultsName: "it-at-m/.github"}
	var set []rules.Configured
	for _, r := range docRules() {
		set = append(set, rules.Configured{Rule: r, Severity: r.Severity})
	}
	res := rules.Run(context.Background(), repo, set)
	for _, r := range res {
		if r.Status == rules.StatusError {
			t.Errorf("%s: %s", r.Rule, r.Message)
		}
	}
	for dir, n := range cfs.dirs {
		if n > 1 {
			t.Errorf("listed %s %d times", dir, n)
		}
		switch dir {
		case ".", ".github", "docs":
		default:
			t.Errorf("listed %s, which no lookup needs", dir)
		}
	}
	for name, n := range cfs.opens {
		if n > 1 {
			t.Errorf("opened %s %d times", name, n)
		}
		if strings.HasPrefix(name, "src/") || strings.HasPrefix(name, "frontend/") {
			t.Errorf("opened %s, which no rule reads", name)
		}
	}
	if orgFS.opens["SUPPORT.md"] != 1 {
		t.Errorf("organisation default SUPPORT.md opened %d times, want 1 (brand/contact-domain reads it)", orgFS.opens["SUPPORT.md"])
	}
	for dir, n := range orgFS.dirs {
		if n > 1 {
			t.Errorf("listed the defaults' %s %d times", dir, n)
		}
	}
}

// docRules are the rules this family of files defines.
func docRules() []*rules.Rule {
	return []*rules.Rule{
		rules.DocsReadme, rules.DocsReadmeSections, rules.DocsContributing, rules.DocsCodeOfConduct, rules.DocsCodeowners,
		rules.SecurityContact, rules.SecurityPolicy, rules.SecurityPrivateReporting,
		rules.BrandContactDomain, rules.BrandBadge,
	}
}

func TestDocRulesAreRegisteredAndDocumented(t *testing.T) {
	builtin := rules.Builtin()
	pos := map[string]int{}
	for i, r := range builtin {
		pos[r.ID] = i
	}
	last := -1
	for _, r := range docRules() {
		i, ok := pos[r.ID]
		if !ok {
			t.Errorf("%s is not in Builtin()", r.ID)
			continue
		}
		if i < last {
			t.Errorf("%s is out of catalogue order in Builtin()", r.ID)
		}
		last = i
		if r.Title == "" || r.Doc == "" || r.Fix == "" || r.SourceTitle == "" || len(r.Reads) == 0 || r.Check == nil {
			t.Errorf("%s lacks documentation: %+v", r.ID, r)
		}
		if !strings.HasPrefix(r.Source, "https://github.com/it-at-m/") {
			t.Errorf("%s: source %q is not an it-at-m document", r.ID, r.Source)
		}
		if _, err := rules.ParseSeverity(string(r.Severity)); err != nil {
			t.Errorf("%s: severity %q", r.ID, r.Severity)
		}
		for _, p := range r.Params {
			if p.Name == "" || p.Doc == "" || p.Default == nil {
				t.Errorf("%s: parameter %+v undocumented", r.ID, p)
			}
		}
	}
	if !rules.SecurityPrivateReporting.NeedsForge {
		t.Errorf("security/private-reporting must need the forge")
	}
}

// BenchmarkDocRules runs the documentation, security and branding rules
// on a template repository, with fresh facts each time (a whole scan of
// one repository for these rules).
func BenchmarkDocRules(b *testing.B) {
	files := fstest.MapFS{
		".github/README.md":          file(templateReadme),
		".github/CODE_OF_CONDUCT.md": file(covenant21),
		".github/CODEOWNERS":         file("* @it-at-m/team\n"),
		"SECURITY.md":                file(filledSecurity),
	}
	benchDocRules(b, files)
}

// BenchmarkDocRulesHugeReadme is the worst case the size cap allows: a
// README just under 1 MiB, dense with images, links and addresses.
func BenchmarkDocRulesHugeReadme(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("# Huge\n\n")
	for i := 0; sb.Len() < forges.MaxFileSize-200; i++ {
		sb.WriteString("## Contact\n[![x](https://img.shields.io/badge/a-b-c)](https://x.example/) <a href=\"x\"><img src=\"y\"></a> mail a.b@muenchen.de [TODO fill] `code` <!-- c -->\n")
	}
	benchDocRules(b, fstest.MapFS{"README.md": file(sb.String()), "SECURITY.md": file(sb.String())})
}

func benchDocRules(b *testing.B, files fstest.MapFS) {
	var set []rules.Configured
	for _, r := range docRules() {
		set = append(set, rules.Configured{Rule: r, Severity: r.Severity})
	}
	repo := docRepo(files)
	b.ReportAllocs()
	for b.Loop() {
		rules.Run(context.Background(), repo, set)
	}
}

// refusingFS refuses to list some directories with an error.
type refusingFS struct {
	fstest.MapFS
	refuse map[string]error
}

func (r refusingFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if err, ok := r.refuse[name]; ok {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: err}
	}
	return r.MapFS.ReadDir(name)
}

func TestLookupOddDirectories(t *testing.T) {
	long := strings.Repeat("text ", 100)
	t.Run("docs is a file", func(t *testing.T) {
		cfs := newCountFS(fstest.MapFS{"docs": file("not a directory")})
		f := rules.NewFacts(docRepo(nil, func(r *forges.Repo) { r.FS = cfs })).FindReadme()
		if f.Found() || f.Err != nil {
			t.Fatalf("got %+v", f)
		}
		if cfs.dirs["docs"] != 0 || cfs.dirs[".github"] != 0 {
			t.Errorf("listed %v; only the root needs listing when .github and docs are absent", cfs.dirs)
		}
	})
	t.Run(".github links out of the repository", func(t *testing.T) {
		repo := docRepo(nil)
		repo.FS = refusingFS{fstest.MapFS{"README.md": file(long), ".github/README.md": file(long)}, map[string]error{".github": forges.ErrOutsideRepository}}
		f := rules.NewFacts(repo).FindReadme()
		if f.Path != "README.md" || f.Err != nil {
			t.Fatalf("got %q, err %v; want the root README", f.Path, f.Err)
		}
	})
	t.Run("a listing that fails is an error, not a missing file", func(t *testing.T) {
		repo := docRepo(nil)
		repo.FS = refusingFS{fstest.MapFS{"README.md": file(long), ".github/README.md": file(long)}, map[string]error{".github": errors.New("HTTP 502 from the forge")}}
		got := docRun(t, rules.DocsReadme, repo, nil)
		if len(got) != 1 {
			t.Fatalf("got %+v", got)
		}
		wantResult(t, got[0], rules.StatusError, "", 0, "cannot list .github/", "HTTP 502")
	})
	t.Run("organisation defaults that cannot be listed", func(t *testing.T) {
		repo := docRepo(fstest.MapFS{"README.md": file(long)})
		repo.OrgDefaults = refusingFS{fstest.MapFS{}, map[string]error{".": errors.New("rate limited")}}
		repo.OrgDefaultsName = "it-at-m/.github"
		got := docRun(t, rules.DocsCodeOfConduct, repo, nil)
		wantResult(t, got[0], rules.StatusError, "", 0, "organisation defaults it-at-m/.github", "rate limited")
	})
}

// TestOrgDefaultsParam: with orgDefaults off, the organisation's default
// community files do not count for the rules that accept them.
func TestOrgDefaultsParam(t *testing.T) {
	org := withOrgDefaults(fstest.MapFS{
		"CONTRIBUTING.md":    file("# Contributing\n\nOpen an issue first.\n"),
		"CODE_OF_CONDUCT.md": file("Contributor Covenant, version 2.1\n"),
		"SECURITY.md":        file("# Security\n\nWrite to opensource@muenchen.de.\n"),
	})
	for _, r := range []*rules.Rule{rules.DocsContributing, rules.DocsCodeOfConduct, rules.SecurityContact, rules.SecurityPolicy} {
		on := docOne(t, r, fstest.MapFS{"README.md": file("# x\n")}, nil, org)
		if on.Status != rules.StatusPass || !strings.Contains(on.Message, "organisation default") {
			t.Errorf("%s with orgDefaults on (default) = %s %q, want pass from the organisation default", r.ID, on.Status, on.Message)
		}
		off := docOne(t, r, fstest.MapFS{"README.md": file("# x\n")}, map[string]any{"orgDefaults": false}, org)
		if off.Status != rules.StatusFail || !strings.Contains(off.Message, "which the policy does not accept (orgDefaults: false)") {
			t.Errorf("%s with orgDefaults off = %s %q, want fail saying the organisation default was refused", r.ID, off.Status, off.Message)
		}
	}
}

// docCase is one case of a rule's table test: the repository's files (and
// the organisation defaults, when set) in, one result out.
type docCase struct {
	name   string
	files  fstest.MapFS
	org    fstest.MapFS
	params map[string]any
	status rules.Status
	path   string
	line   int
	frags  []string
}

// runDocCases runs r on every case, each as a subtest.
func runDocCases(t *testing.T, r *rules.Rule, cases []docCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			var mods []func(*forges.Repo)
			if tt.org != nil {
				mods = append(mods, withOrgDefaults(tt.org))
			}
			got := docOne(t, r, tt.files, tt.params, mods...)
			wantResult(t, got, tt.status, tt.path, tt.line, tt.frags...)
		})
	}
}
