package gitlab_test

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/it-at-m/ospo-scan/forges"
	"github.com/it-at-m/ospo-scan/forges/forgetest"
	"github.com/it-at-m/ospo-scan/forges/local"
)

// oneProject serves files as project lhm/p and opens it.
func oneProject(t *testing.T, files map[string]string, fo forgetest.GitLabOptions) (*harness, *forges.Repo, string) {
	t.Helper()
	dir := t.TempDir()
	writeTree(t, filepath.Join(dir, "p"), files)
	fo.Groups = map[string]string{"lhm": dir}
	h := newHarness(t, fo, setup{})
	r := h.open(t, h.source(t, "lhm", false), "lhm/p")
	h.fake.ResetRequests()
	return h, r, filepath.Join(dir, "p")
}

// readDefaultPlaces reads what the default rule set reads: the listings
// of the places rules look in and the files found there.
func readDefaultPlaces(t *testing.T, fsys fs.FS) {
	t.Helper()
	for _, d := range []string{".", ".github", ".github/workflows", "docs", ".gitlab"} {
		es, err := fs.ReadDir(fsys, d)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatalf("ReadDir(%s): %v", d, err)
		}
		for _, e := range es {
			if e.IsDir() {
				continue
			}
			p := e.Name()
			if d != "." {
				p = d + "/" + e.Name()
			}
			if _, err := fs.ReadFile(fsys, p); err != nil {
				t.Fatalf("ReadFile(%s): %v", p, err)
			}
		}
	}
}

func TestDefaultPlacesCostOneListingEach(t *testing.T) {
	h, r, _ := oneProject(t, sampleRepo, forgetest.GitLabOptions{})
	readDefaultPlaces(t, r.FS)
	readDefaultPlaces(t, r.FS) // again: nothing more is fetched
	// The root, .github with .github/workflows in one recursive page, and
	// docs; .gitlab does not exist and costs nothing.
	if n := h.fake.Count("/repository/tree"); n != 3 {
		t.Errorf("%d tree requests, want 3", n)
	}
	// README.md, LICENSE, CODEOWNERS, two workflows, docs/index.md.
	if n := h.fake.Count("/repository/blobs/"); n != 6 {
		t.Errorf("%d blob requests, want 6 (each file once)", n)
	}
	if n := h.fake.Count(""); n != 9 {
		t.Errorf("%d requests in all, want 9", n)
	}
	if _, err := fs.ReadFile(r.FS, ".gitlab/CODEOWNERS"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	if n := h.fake.Count(""); n != 9 {
		t.Errorf("a missing file cost a request (%d)", n)
	}
}

func TestSameContentFetchedOnce(t *testing.T) {
	h, r, _ := oneProject(t, map[string]string{"LICENSE": "same\n", "LICENSE.txt": "same\n", "docs/LICENSE": "same\n"}, forgetest.GitLabOptions{})
	for _, p := range []string{"LICENSE", "LICENSE.txt", "docs/LICENSE", "LICENSE"} {
		if b, err := fs.ReadFile(r.FS, p); err != nil || string(b) != "same\n" {
			t.Fatalf("%s: %q, %v", p, b, err)
		}
	}
	if n := h.fake.Count("/repository/blobs/"); n != 1 {
		t.Errorf("three files with one content cost %d blob requests, want 1", n)
	}
}

// bigRepo has more entries than one tree page holds.
func bigRepo() map[string]string {
	files := map[string]string{}
	for k, v := range sampleRepo {
		files[k] = v
	}
	for i := range 120 {
		files[fmt.Sprintf("src/file%03d.go", i)] = fmt.Sprintf("package src // %d\n", i)
	}
	return files
}

func TestLargeTreeListsOnlyWhatIsRead(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts forgetest.GitLabOptions
	}{
		{"keyset", forgetest.GitLabOptions{}},
		{"offset (GitLab before 17.1)", forgetest.GitLabOptions{TreeOffsetPagination: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, r, dir := oneProject(t, bigRepo(), tc.opts)
			readDefaultPlaces(t, r.FS)
			// As many listings as for a small repository: the root,
			// .github with .github/workflows in one recursive page, and
			// docs; .gitlab does not exist and costs nothing.
			if n := h.fake.Count("/repository/tree"); n != 3 {
				t.Errorf("%d tree requests, want 3", n)
			}
			if n := h.fake.Count("recursive=true"); n != 1 {
				t.Errorf("%d recursive requests, want 1", n)
			}
			// A folder of 121 entries (main.go and 120 more) takes two pages.
			es, err := fs.ReadDir(r.FS, "src")
			if err != nil || len(es) != 121 {
				t.Fatalf("ReadDir(src): %d entries, %v", len(es), err)
			}
			if n := h.fake.Count("path=src"); n != 2 {
				t.Errorf("%d requests for src, want 2 pages", n)
			}
			if tc.opts.TreeOffsetPagination {
				if n := h.fake.Count("page=2"); n != 1 {
					t.Errorf("offset pagination not followed: %d", n)
				}
			} else if n := h.fake.Count("page_token="); n != 1 {
				t.Errorf("keyset pagination not followed: %d", n)
			}
			lr, err := local.OpenCheckout(dir)
			if err != nil {
				t.Fatal(err)
			}
			sameTree(t, lr.FS, r.FS)
		})
	}
}

func TestLargeConfigFolder(t *testing.T) {
	files := bigRepo()
	for i := range 110 {
		files[fmt.Sprintf(".github/ISSUE_TEMPLATE/t%03d.md", i)] = fmt.Sprintf("template %d\n", i)
	}
	h, r, dir := oneProject(t, files, forgetest.GitLabOptions{})
	readDefaultPlaces(t, r.FS)
	// The root, a recursive page of .github that does not hold it, then
	// .github, .github/workflows and docs one by one.
	if n := h.fake.Count("/repository/tree"); n != 5 {
		t.Errorf("%d tree requests, want 5", n)
	}
	lr, err := local.OpenCheckout(dir)
	if err != nil {
		t.Fatal(err)
	}
	sameTree(t, lr.FS, r.FS)
}

// sameTree walks want and checks that got has the same entries, types and
// contents.
func sameTree(t *testing.T, want, got fs.FS) {
	t.Helper()
	err := fs.WalkDir(want, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		gi, gerr := fs.Lstat(got, p)
		if gerr != nil {
			t.Errorf("%s: %v", p, gerr)
			return nil
		}
		if gi.Mode().Type() != d.Type() {
			t.Errorf("%s: type %v, want %v", p, gi.Mode().Type(), d.Type())
		}
		if d.Type().IsRegular() {
			wb, _ := fs.ReadFile(want, p)
			gb, err := fs.ReadFile(got, p)
			if err != nil || !bytes.Equal(wb, gb) {
				t.Errorf("%s: content differs (%v)", p, err)
			}
			if gi.Size() != int64(len(wb)) {
				t.Errorf("%s: size %d, want %d", p, gi.Size(), len(wb))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestFSConformance(t *testing.T) {
	_, r, _ := oneProject(t, bigRepo(), forgetest.GitLabOptions{})
	if err := fstest.TestFS(r.FS, "README.md", ".github/workflows/build.yml", "src/file119.go", "docs/index.md"); err != nil {
		t.Fatal(err)
	}
}

func TestSymbolicLinks(t *testing.T) {
	files := map[string]string{
		"README.md":            "# Readme\n",
		".github/CODEOWNERS":   "* @team\n",
		"docs/README.md":       "->../README.md",
		"gh":                   "->.github",
		"escape":               "->../../outside.txt",
		"absolute":             "->/etc/hostname",
		"loop1":                "->loop2",
		"loop2":                "->loop1",
		"dangling":             "->nothing-here",
		"docs/nested/deep.md":  "->../../gh/CODEOWNERS",
		"docs/nested/other.md": "plain\n",
	}
	_, r, dir := oneProject(t, files, forgetest.GitLabOptions{})
	lr, err := local.OpenCheckout(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"docs/README.md", "gh/CODEOWNERS", "docs/nested/deep.md", "escape", "absolute", "loop1", "dangling"} {
		wb, werr := fs.ReadFile(lr.FS, p)
		gb, gerr := fs.ReadFile(r.FS, p)
		if !bytes.Equal(wb, gb) || (werr == nil) != (gerr == nil) {
			t.Errorf("%s: gitlab %q, %v; local %q, %v", p, gb, gerr, wb, werr)
		}
		for _, target := range []error{forges.ErrOutsideRepository, fs.ErrNotExist} {
			if errors.Is(werr, target) != errors.Is(gerr, target) {
				t.Errorf("%s: gitlab error %v, local error %v", p, gerr, werr)
			}
		}
	}
	if _, err := fs.ReadFile(r.FS, "escape"); !errors.Is(err, forges.ErrOutsideRepository) {
		t.Errorf("escaping link: %v", err)
	}
	if _, err := fs.ReadFile(r.FS, "absolute"); !errors.Is(err, forges.ErrOutsideRepository) {
		t.Errorf("absolute link: %v", err)
	}
	es, err := fs.ReadDir(r.FS, "gh")
	if err != nil || len(es) != 1 || es[0].Name() != "CODEOWNERS" {
		t.Errorf("ReadDir through a link: %v, %v", es, err)
	}
	if target, err := fs.ReadLink(r.FS, "gh"); err != nil || target != ".github" {
		t.Errorf("ReadLink(gh) = %q, %v", target, err)
	}
	root, _ := fs.ReadDir(r.FS, ".")
	for _, e := range root {
		if e.Name() == "gh" && e.Type() != fs.ModeSymlink {
			t.Errorf("gh listed as %v, want a symbolic link", e.Type())
		}
	}
	if err := r.FS.(interface{ Err() error }).Err(); err != nil {
		t.Errorf("links are no fetch failure: %v", err)
	}
}

func TestLargeFileRefused(t *testing.T) {
	big := strings.Repeat("x", forges.MaxFileSize+1)
	_, r, _ := oneProject(t, map[string]string{"README.md": "ok\n", "huge.txt": big}, forgetest.GitLabOptions{})
	if _, err := fs.ReadFile(r.FS, "huge.txt"); !errors.Is(err, forges.ErrTooLarge) {
		t.Errorf("ReadFile(huge.txt) = %v, want ErrTooLarge", err)
	}
	if st, err := fs.Stat(r.FS, "huge.txt"); err != nil || st.Size() <= forges.MaxFileSize {
		t.Errorf("Stat(huge.txt) = %v, %v", st, err)
	}
	if err := r.FS.(interface{ Err() error }).Err(); err != nil {
		t.Errorf("a large file is no fetch failure: %v", err)
	}
	if b, err := fs.ReadFile(r.FS, "README.md"); err != nil || string(b) != "ok\n" {
		t.Errorf("README.md = %q, %v", b, err)
	}
}
