package local

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"testing/fstest"

	"github.com/it-at-m/ospo-scan/forges"
)

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func openCheckout(t *testing.T, dir string) *forges.Repo {
	t.Helper()
	repo, err := OpenCheckout(dir)
	if err != nil {
		t.Fatal(err)
	}
	return repo
}

func TestFSConfinesReadsToTheCheckout(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "repo")
	write(t, filepath.Join(root, "secret.txt"), "root:x:0:0\n")
	write(t, filepath.Join(dir, "README.md"), "# Readme\n")
	write(t, filepath.Join(dir, "docs", "guide.md"), "guide\n")
	os.Symlink("../secret.txt", filepath.Join(dir, "LICENSE"))
	os.Symlink("docs/guide.md", filepath.Join(dir, "CONTRIBUTING.md"))
	os.Symlink("loop-b", filepath.Join(dir, "loop-a"))
	os.Symlink("loop-a", filepath.Join(dir, "loop-b"))
	os.Mkdir(filepath.Join(dir, "COPYING"), 0o755)
	if err := syscall.Mkfifo(filepath.Join(dir, "SUPPORT.md"), 0o644); err != nil {
		t.Fatal(err)
	}
	big, _ := os.Create(filepath.Join(dir, "SECURITY.md"))
	big.Truncate(forges.MaxFileSize + 1)
	big.Close()

	fsys := openCheckout(t, dir).FS
	if data, err := fs.ReadFile(fsys, "README.md"); err != nil || string(data) != "# Readme\n" {
		t.Errorf("README.md = %q, %v", data, err)
	}
	if data, err := fs.ReadFile(fsys, "CONTRIBUTING.md"); err != nil || string(data) != "guide\n" {
		t.Errorf("a symlink inside the checkout should be followed: %q, %v", data, err)
	}
	for name, want := range map[string]error{
		"LICENSE":     forges.ErrOutsideRepository,
		"SECURITY.md": forges.ErrTooLarge,
		"missing.md":  fs.ErrNotExist,
	} {
		if _, err := fs.ReadFile(fsys, name); !errors.Is(err, want) {
			t.Errorf("%s: %v, want %v", name, err, want)
		}
	}
	for name, want := range map[string]string{"loop-a": "symbolic link loop", "COPYING": "is a directory", "SUPPORT.md": "not a regular file"} {
		if _, err := fs.ReadFile(fsys, name); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", name, err, want)
		}
	}
	if _, err := fsys.Open("SUPPORT.md"); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("opening a named pipe must not block: %v", err)
	}
	if _, err := fsys.Open("../secret.txt"); err == nil {
		t.Error("a path leaving the checkout opened")
	}
}

func TestFSConformsToIOFS(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "README.md"), "# x\n")
	write(t, filepath.Join(dir, ".github", "workflows", "ci.yml"), "on: push\n")
	if err := fstest.TestFS(openCheckout(t, dir).FS, "README.md", ".github/workflows/ci.yml"); err != nil {
		t.Fatal(err)
	}
}

func TestDefaultBranch(t *testing.T) {
	dir := t.TempDir()
	repo := openCheckout(t, dir)
	if repo.Meta.DefaultBranch.Known || !strings.Contains(repo.Meta.DefaultBranch.Why, "not a git checkout") {
		t.Errorf("plain folder: %+v", repo.Meta.DefaultBranch)
	}
	write(t, filepath.Join(dir, ".git", "HEAD"), "ref: refs/heads/develop\n")
	if b := openCheckout(t, dir).Meta.DefaultBranch; b.Known || !strings.Contains(b.Why, "it is on develop") || !strings.Contains(b.Why, "git remote set-head origin --auto") {
		t.Errorf("clone without origin/HEAD: %+v", b)
	}
	write(t, filepath.Join(dir, ".git", "refs", "remotes", "origin", "HEAD"), "ref: refs/remotes/origin/main\n")
	if b := openCheckout(t, dir).Meta.DefaultBranch; !b.Known || b.Value != "main" {
		t.Errorf("origin/HEAD: %+v", b)
	}

	// A worktree: .git is a file naming the git directory.
	wt := t.TempDir()
	gitDir := filepath.Join(t.TempDir(), "worktrees", "wt")
	write(t, filepath.Join(gitDir, "commondir"), "../..\n")
	write(t, filepath.Join(filepath.Dir(filepath.Dir(gitDir)), "refs", "remotes", "origin", "HEAD"), "ref: refs/remotes/origin/trunk\n")
	write(t, filepath.Join(wt, ".git"), "gitdir: "+gitDir+"\n")
	if b := openCheckout(t, wt).Meta.DefaultBranch; !b.Known || b.Value != "trunk" {
		t.Errorf("worktree: %+v", b)
	}
}

func TestFolderListsImmediateSubdirectories(t *testing.T) {
	root := t.TempDir()
	org := filepath.Join(root, "org")
	for _, d := range []string{"b-repo", "a-repo", ".hidden", "a-repo/nested"} {
		os.MkdirAll(filepath.Join(org, d), 0o755)
	}
	write(t, filepath.Join(org, "notes.txt"), "x")
	os.MkdirAll(filepath.Join(root, "elsewhere"), 0o755)
	os.Symlink("a-repo", filepath.Join(org, "c-link"))
	os.Symlink("../elsewhere", filepath.Join(org, "d-outside"))
	f, err := NewFolder(org)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := f.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range ms {
		names = append(names, m.FullName)
		if m.Forge != forges.Local || m.Description.Known || m.PrivateReporting.Known {
			t.Errorf("%s: local metadata must be unknown: %+v", m.FullName, m)
		}
	}
	if got := strings.Join(names, ","); got != "a-repo,b-repo,c-link" {
		t.Errorf("repositories %s, want a-repo,b-repo,c-link (hidden, files and links leaving the folder skipped)", got)
	}
}

func TestBadPaths(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	write(t, file, "x")
	for path, want := range map[string]string{
		filepath.Join(dir, "missing"): "does not exist",
		file:                          "is a file, not a directory",
	} {
		_, err := NewCheckout(path)
		var ue *forges.UserError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), want) {
			t.Errorf("NewCheckout(%s) = %v, want a UserError naming the path and %q", path, err, want)
		}
		if _, err := NewFolder(path); !errors.As(err, &ue) {
			t.Errorf("NewFolder(%s) = %v, want a UserError", path, err)
		}
	}
}

// TestCheckoutListsItself: a checkout is a source of one repository, named
// after its folder, and OpenCheckout opens that same repository.
func TestCheckoutListsItself(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "dave-backend")
	write(t, filepath.Join(dir, "README.md"), "# x\n")
	c, err := NewCheckout(dir)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := c.List(context.Background())
	if err != nil || len(ms) != 1 || ms[0].FullName != "dave-backend" || ms[0].Name != "dave-backend" {
		t.Fatalf("List = %+v, %v; want one repository named dave-backend", ms, err)
	}
	listed, err := c.Open(context.Background(), ms[0])
	if err != nil {
		t.Fatal(err)
	}
	direct := openCheckout(t, dir)
	if listed.Meta.FullName != direct.Meta.FullName || listed.Meta.URL != direct.Meta.URL {
		t.Errorf("OpenCheckout gives %+v, the listing %+v", direct.Meta, listed.Meta)
	}
}
