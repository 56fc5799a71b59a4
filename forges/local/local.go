// Package local opens repositories from the local disk: one checkout for
// `check PATH`, or every immediate subdirectory of a folder for `org DIR`
// (an offline mirror of an organisation).
//
// Reading is confined to the checkout through os.Root, so a symbolic link
// that points outside it is never followed, and each file is read only
// when a rule asks for it, up to forges.MaxFileSize: a scan never walks
// the tree, and its cost does not grow with the number of files.
package local

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"github.com/it-at-m/ospo-scan/forges"
)

// Checkout is one local repository as a forges.Source.
type Checkout struct {
	target string
	dir    string // absolute, cleaned
}

// NewCheckout returns the checkout at path. It fails with a
// forges.UserError when path does not exist, is not a directory, or
// cannot be read.
func NewCheckout(path string) (*Checkout, error) {
	dir, err := checkDir(path)
	if err != nil {
		return nil, err
	}
	return &Checkout{target: path, dir: dir}, nil
}

// OpenCheckout opens the checkout at path as one repository: NewCheckout,
// then its only listing entry, opened (for `fix` and tests, which work on
// one checkout without a scan).
func OpenCheckout(path string) (*forges.Repo, error) {
	c, err := NewCheckout(path)
	if err != nil {
		return nil, err
	}
	return open(meta(c.dir))
}

// Target implements forges.Source.
func (c *Checkout) Target() string { return c.target }

// List implements forges.Source: the checkout itself.
func (c *Checkout) List(context.Context) ([]forges.Meta, error) {
	return []forges.Meta{meta(c.dir)}, nil
}

// Open implements forges.Source.
func (c *Checkout) Open(_ context.Context, m forges.Meta) (*forges.Repo, error) {
	return open(m)
}

// Folder is a directory of checkouts as a forges.Source.
type Folder struct {
	target string
	dir    string
}

// NewFolder returns the folder of checkouts at path.
func NewFolder(path string) (*Folder, error) {
	dir, err := checkDir(path)
	if err != nil {
		return nil, err
	}
	return &Folder{target: path, dir: dir}, nil
}

// Target implements forges.Source.
func (f *Folder) Target() string { return f.target }

// List implements forges.Source: every immediate subdirectory that is not
// hidden, in name order. Symbolic links to directories inside the folder
// count; links that leave it do not.
func (f *Folder) List(context.Context) ([]forges.Meta, error) {
	entries, err := os.ReadDir(f.dir)
	if err != nil {
		return nil, forges.Userf("cannot read %s: %v", f.target, unwrap(err))
	}
	var out []forges.Meta
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") {
			continue
		}
		p := filepath.Join(f.dir, name)
		if e.Type()&fs.ModeSymlink != 0 {
			resolved, err := filepath.EvalSymlinks(p)
			if err != nil || !within(f.dir, resolved) {
				continue
			}
			if st, err := os.Stat(resolved); err != nil || !st.IsDir() {
				continue
			}
		} else if !e.IsDir() {
			continue
		}
		out = append(out, meta(p))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].FullName < out[j].FullName })
	return out, nil
}

// Open implements forges.Source.
func (f *Folder) Open(_ context.Context, m forges.Meta) (*forges.Repo, error) {
	return open(m)
}

func checkDir(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", forges.Userf("invalid path %q: %v", path, err)
	}
	st, err := os.Stat(abs)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", forges.Userf("%s does not exist: name a repository checkout", path)
	case err != nil:
		return "", forges.Userf("cannot read %s: %v", path, unwrap(err))
	case !st.IsDir():
		return "", forges.Userf("%s is a file, not a directory: name a repository checkout", path)
	}
	f, err := os.Open(abs)
	if err == nil {
		_, err = f.Readdirnames(1)
		f.Close()
		if err == io.EOF {
			err = nil
		}
	}
	if err != nil {
		return "", forges.Userf("cannot read %s: %v", path, unwrap(err))
	}
	return filepath.Clean(abs), nil
}

func meta(dir string) forges.Meta {
	name := filepath.Base(dir)
	const why = "a local checkout has no forge metadata"
	return forges.Meta{
		Forge:              forges.Local,
		FullName:           name,
		Name:               name,
		URL:                dir,
		Description:        forges.Unknown[string](why),
		Topics:             forges.Unknown[[]string](why),
		Homepage:           forges.Unknown[string](why),
		Visibility:         forges.Unknown[string](why),
		ForgeLicense:       forges.Unknown[string](why),
		PrivateReporting:   forges.Unknown[bool](why),
		CodeQLDefaultSetup: forges.Now(forges.Unknown[bool](why)),
		DefaultBranch:      defaultBranch(dir),
		Handle:             dir,
	}
}

func open(m forges.Meta) (*forges.Repo, error) {
	dir, _ := m.Handle.(string)
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", dir, unwrap(err))
	}
	// The os.Root stays open for the life of the scan; the process
	// exits soon after. Its FS refuses paths that escape the root.
	return &forges.Repo{Meta: m, FS: &FS{root: root.FS()}}, nil
}

// FS is a checkout as a read-only file system: confined to the checkout,
// with reads capped at forges.MaxFileSize. It never lists more than the
// directory a rule asks for.
type FS struct{ root fs.FS }

// Open implements fs.FS.
func (f *FS) Open(name string) (fs.File, error) {
	// Refuse pipes and devices before opening: opening a pipe blocks.
	if st, err := fs.Stat(f.root, name); err == nil && !st.IsDir() && !st.Mode().IsRegular() {
		return nil, &fs.PathError{Op: "open", Path: name, Err: errors.New("is not a regular file")}
	}
	file, err := f.root.Open(name)
	return file, translate("open", name, err)
}

// ReadDir implements fs.ReadDirFS.
func (f *FS) ReadDir(name string) ([]fs.DirEntry, error) {
	es, err := fs.ReadDir(f.root, name)
	return es, translate("readdir", name, err)
}

// Stat implements fs.StatFS.
func (f *FS) Stat(name string) (fs.FileInfo, error) {
	fi, err := fs.Stat(f.root, name)
	return fi, translate("stat", name, err)
}

// ReadFile implements fs.ReadFileFS, refusing files over the cap without
// reading them.
func (f *FS) ReadFile(name string) ([]byte, error) {
	// Stat before opening: opening a named pipe would block forever.
	st, err := fs.Stat(f.root, name)
	if err != nil {
		return nil, translate("read", name, err)
	}
	if err := readable(name, st); err != nil {
		return nil, err
	}
	file, err := f.root.Open(name)
	if err != nil {
		return nil, translate("read", name, err)
	}
	defer file.Close()
	if st, err = file.Stat(); err != nil {
		return nil, translate("read", name, err)
	}
	if err := readable(name, st); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(file, forges.MaxFileSize+1))
	if err != nil {
		return nil, translate("read", name, err)
	}
	if len(data) > forges.MaxFileSize {
		return nil, &fs.PathError{Op: "read", Path: name, Err: forges.ErrTooLarge}
	}
	return data, nil
}

// readable refuses directories, devices, pipes and files over the cap.
func readable(name string, st fs.FileInfo) error {
	if st.IsDir() {
		return &fs.PathError{Op: "read", Path: name, Err: errors.New("is a directory")}
	}
	if !st.Mode().IsRegular() {
		return &fs.PathError{Op: "read", Path: name, Err: errors.New("is not a regular file")}
	}
	if st.Size() > forges.MaxFileSize {
		return &fs.PathError{Op: "read", Path: name, Err: forges.ErrTooLarge}
	}
	return nil
}

// translate maps os.Root's refusal to leave the root onto
// forges.ErrOutsideRepository, so rules can say why they skipped a file.
func translate(op, name string, err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if strings.Contains(msg, "path escapes from parent") {
		return &fs.PathError{Op: op, Path: name, Err: forges.ErrOutsideRepository}
	}
	if errors.Is(err, syscall.ELOOP) {
		return &fs.PathError{Op: op, Path: name, Err: errors.New("symbolic link loop")}
	}
	return err
}

func within(dir, p string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

func unwrap(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// defaultBranch reads the branch that origin's HEAD points to from the
// checkout's .git directory (or the directory a .git file names, as in a
// worktree). Without a clone of a remote it is unknown.
func defaultBranch(dir string) forges.Fact[string] {
	gitDir := filepath.Join(dir, ".git")
	st, err := os.Lstat(gitDir)
	if err != nil {
		return forges.Unknown[string]("the folder is not a git checkout, so its default branch is unknown")
	}
	if st.Mode().IsRegular() {
		// "gitdir: <path>" (worktrees, submodules); refs live in the
		// common dir, which for our purpose is the gitdir's parent set.
		data, err := readSmall(gitDir)
		if err != nil {
			return forges.Unknown[string]("cannot read .git: " + err.Error())
		}
		p := strings.TrimSpace(strings.TrimPrefix(string(data), "gitdir:"))
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		gitDir = p
		if common, err := readSmall(filepath.Join(p, "commondir")); err == nil {
			c := strings.TrimSpace(string(common))
			if !filepath.IsAbs(c) {
				c = filepath.Join(p, c)
			}
			gitDir = c
		}
	}
	data, err := readSmall(filepath.Join(gitDir, "refs", "remotes", "origin", "HEAD"))
	if err == nil {
		ref := strings.TrimSpace(string(data))
		if b, ok := strings.CutPrefix(ref, "ref: refs/remotes/origin/"); ok && b != "" {
			return forges.Known(b)
		}
	}
	// A packed or missing origin/HEAD: look in packed-refs is not enough
	// (it holds no symbolic refs), so the branch stays unknown.
	if b, ok := clonedBranch(gitDir); ok {
		return forges.Unknown[string](fmt.Sprintf("the checkout has no refs/remotes/origin/HEAD (it is on %s); run `git remote set-head origin --auto` to record the default branch", b))
	}
	return forges.Unknown[string]("the checkout has no refs/remotes/origin/HEAD; run `git remote set-head origin --auto` to record the default branch")
}

func clonedBranch(gitDir string) (string, bool) {
	data, err := readSmall(filepath.Join(gitDir, "HEAD"))
	if err != nil {
		return "", false
	}
	b, ok := strings.CutPrefix(strings.TrimSpace(string(data)), "ref: refs/heads/")
	return b, ok && b != ""
}

func readSmall(p string) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var b strings.Builder
	sc := bufio.NewScanner(io.LimitReader(f, 4096))
	for sc.Scan() {
		b.WriteString(sc.Text())
		b.WriteByte('\n')
	}
	return []byte(b.String()), sc.Err()
}

// Local marks the source as local files, so reports link by relative path.
func (c *Checkout) Local() bool { return true }

// Local marks the source as local files, so reports link by relative path.
func (f *Folder) Local() bool { return true }
