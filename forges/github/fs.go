package github

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"sort"
	"strings"
	"sync"
	"time"

	gh "github.com/google/go-github/v93/github"

	"github.com/it-at-m/ospo-scan/forges"
)

// repoFS is a repository's default branch as a read-only fs.FS, fetched
// lazily: the first access lists the whole tree in one request; a file's
// content is fetched (by blob SHA) only when read, at most once; ReadDir
// and Stat are answered from the tree. When GitHub truncates the tree
// (huge repositories), directories are listed one by one as they are
// visited instead.
//
// A fetch failure (5xx after retries, a 404 for a repository the listing
// had, malformed answers, an exhausted rate limit) is returned to the
// reader and remembered: Err reports it after the rules ran, and the
// repository becomes "errored" rather than getting results built on
// missing files.
type repoFS struct {
	ctx context.Context
	f   *Forge
	h   *handle

	loadOnce sync.Once
	loadErr  error
	root     *node
	fallback bool // truncated tree: list directories one by one

	mu    sync.Mutex
	blobs map[string]*blobCall // by SHA

	errMu    sync.Mutex
	err      error
	defaults *repoFS // the organisation defaults, once this repository read them
}

// node is one tree entry.
type node struct {
	name string
	path string // "." for the root
	kind byte   // kindFile, kindDir, kindLink
	exec bool
	sha  string
	size int64

	listOnce sync.Once // fallback mode: the directory's listing
	listErr  error
	children []*node // sorted by name
}

const (
	kindFile byte = 'f'
	kindDir  byte = 'd'
	kindLink byte = 'l'
)

type blobCall struct {
	once sync.Once
	data []byte
	err  error
}

func newRepoFS(ctx context.Context, f *Forge, h *handle) *repoFS {
	return &repoFS{ctx: ctx, f: f, h: h, blobs: map[string]*blobCall{}}
}

var (
	_ fs.ReadFileFS = (*repoFS)(nil)
	_ fs.ReadDirFS  = (*repoFS)(nil)
	_ fs.StatFS     = (*repoFS)(nil)
)

// Err reports the first fetch failure that makes this repository's results
// untrustworthy, including one while reading the organisation defaults.
func (r *repoFS) Err() error {
	r.errMu.Lock()
	err, d := r.err, r.defaults
	r.errMu.Unlock()
	if err != nil {
		return err
	}
	if d != nil {
		if derr := d.Err(); derr != nil {
			return fmt.Errorf("organisation defaults: %w", derr)
		}
	}
	return nil
}

func (r *repoFS) fail(err error) error {
	r.errMu.Lock()
	if r.err == nil {
		r.err = err
	}
	r.errMu.Unlock()
	return err
}

// fetchFailure records and returns a failure to fetch what, where a 404
// means the repository went away after it was listed.
func (r *repoFS) fetchFailure(what string, err error) error {
	if status(err) == http.StatusNotFound {
		return r.fail(fmt.Errorf("the repository disappeared during the scan (HTTP 404 for %s)", what))
	}
	return r.fail(fmt.Errorf("reading %s: %s", what, describe(err)))
}

// load lists the tree once.
func (r *repoFS) load() error {
	r.loadOnce.Do(func() {
		r.root = &node{name: ".", path: ".", kind: kindDir}
		if r.h.branch == "" {
			r.root.listOnce.Do(func() {}) // an empty repository has no branch
			return
		}
		t, _, err := r.f.client.Git.GetTree(r.ctx, r.h.owner, r.h.name, r.h.branch, true)
		switch {
		case status(err) == http.StatusConflict:
			r.root.listOnce.Do(func() {}) // "Git Repository is empty."
			return
		case err != nil:
			r.loadErr = r.fetchFailure("its file tree", err)
			return
		case t.GetTruncated():
			r.fallback = true
			return
		}
		r.root.listOnce.Do(func() {})
		r.build(t.Entries)
	})
	return r.loadErr
}

// build turns a complete recursive tree into nodes.
func (r *repoFS) build(entries []*gh.TreeEntry) {
	dirs := map[string]*node{".": r.root}
	var dir func(p string) *node
	dir = func(p string) *node {
		if d, ok := dirs[p]; ok {
			return d
		}
		d := &node{name: path.Base(p), path: p, kind: kindDir}
		d.listOnce.Do(func() {})
		parent := dir(path.Dir(p))
		parent.children = append(parent.children, d)
		dirs[p] = d
		return d
	}
	for _, e := range entries {
		p := strings.Trim(e.GetPath(), "/")
		if p == "" || !fs.ValidPath(p) {
			continue
		}
		if e.GetType() == "tree" {
			dir(p).sha = e.GetSHA()
			continue
		}
		n := nodeFor(p, e.GetType(), e.GetMode(), e.GetSHA(), int64(e.GetSize()))
		if n == nil {
			continue
		}
		parent := dir(path.Dir(p))
		parent.children = append(parent.children, n)
	}
	for _, d := range dirs {
		sortNodes(d.children)
	}
}

// nodeFor makes a file or link node; submodules (type "commit") and
// anything unknown are left out: they have no content in this repository.
func nodeFor(p, typ, mode, sha string, size int64) *node {
	n := &node{name: path.Base(p), path: p, sha: sha, size: size}
	switch {
	case typ == "blob" && mode == "120000", typ == "symlink":
		n.kind = kindLink
	case typ == "blob", typ == "file":
		n.kind = kindFile
		n.exec = mode == "100755"
	default:
		return nil
	}
	return n
}

func sortNodes(ns []*node) {
	sort.Slice(ns, func(i, j int) bool { return ns[i].name < ns[j].name })
}

// children returns a directory's entries, listing it first in fallback
// mode.
func (r *repoFS) children(d *node) ([]*node, error) {
	d.listOnce.Do(func() {
		p := d.path
		if p == "." {
			p = ""
		}
		_, list, _, err := r.f.client.Repositories.GetContents(r.ctx, r.h.owner, r.h.name, p, &gh.RepositoryContentGetOptions{Ref: r.h.branch})
		if err != nil {
			what := "the root directory"
			if p != "" {
				what = p + "/"
			}
			d.listErr = r.fetchFailure(what, err)
			return
		}
		for _, c := range list {
			cp := strings.Trim(c.GetPath(), "/")
			if cp == "" || !fs.ValidPath(cp) {
				continue
			}
			if c.GetType() == "dir" {
				d.children = append(d.children, &node{name: path.Base(cp), path: cp, kind: kindDir, sha: c.GetSHA()})
				continue
			}
			if n := nodeFor(cp, c.GetType(), "", c.GetSHA(), int64(c.GetSize())); n != nil {
				d.children = append(d.children, n)
			}
		}
		sortNodes(d.children)
	})
	return d.children, d.listErr
}

func child(ns []*node, name string) *node {
	i := sort.Search(len(ns), func(i int) bool { return ns[i].name >= name })
	if i < len(ns) && ns[i].name == name {
		return ns[i]
	}
	return nil
}

// maxLinkHops bounds symbolic-link chains, like the kernel's ELOOP.
const maxLinkHops = 40

var errLoop = errors.New("too many levels of symbolic links")
var errNotDir = errors.New("not a directory")
var errIsDir = errors.New("is a directory")

// lookup resolves name, following symbolic links inside the repository
// (the last element only when follow is set).
func (r *repoFS) lookup(op, name string, follow bool) (*node, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: op, Path: name, Err: fs.ErrInvalid}
	}
	if err := r.load(); err != nil {
		return nil, &fs.PathError{Op: op, Path: name, Err: err}
	}
	p, hops := name, 0
restart:
	cur := r.root
	var parts []string
	if p != "." {
		parts = strings.Split(p, "/")
	}
	for i, part := range parts {
		if cur.kind != kindDir {
			return nil, &fs.PathError{Op: op, Path: name, Err: errNotDir}
		}
		kids, err := r.children(cur)
		if err != nil {
			return nil, &fs.PathError{Op: op, Path: name, Err: err}
		}
		next := child(kids, part)
		if next == nil {
			return nil, &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
		}
		last := i == len(parts)-1
		if next.kind == kindLink && (!last || follow) {
			if hops++; hops > maxLinkHops {
				return nil, &fs.PathError{Op: op, Path: name, Err: errLoop}
			}
			target, err := r.blob(next)
			if err != nil {
				return nil, &fs.PathError{Op: op, Path: name, Err: err}
			}
			t := string(target)
			if path.IsAbs(t) {
				return nil, &fs.PathError{Op: op, Path: name, Err: forges.ErrOutsideRepository}
			}
			joined := path.Join(path.Dir(next.path), t)
			if joined == ".." || strings.HasPrefix(joined, "../") {
				return nil, &fs.PathError{Op: op, Path: name, Err: forges.ErrOutsideRepository}
			}
			p = path.Join(append([]string{joined}, parts[i+1:]...)...)
			goto restart
		}
		cur = next
	}
	return cur, nil
}

// blob returns a file's (or link's) content, fetched at most once per
// repository and, through the forge's content-addressed cache, usually
// once per scan for files that many repositories share.
func (r *repoFS) blob(n *node) ([]byte, error) {
	r.mu.Lock()
	c := r.blobs[n.sha]
	if c == nil {
		c = &blobCall{}
		r.blobs[n.sha] = c
	}
	r.mu.Unlock()
	c.once.Do(func() {
		c.data, c.err = r.f.blobs.get(n.sha, func() ([]byte, error) {
			data, _, err := r.f.client.Git.GetBlobRaw(r.ctx, r.h.owner, r.h.name, n.sha)
			if err != nil {
				return nil, r.fetchFailure(n.path, err)
			}
			return data, nil
		})
	})
	return c.data, c.err
}

// Open implements fs.FS.
func (r *repoFS) Open(name string) (fs.File, error) {
	n, err := r.lookup("open", name, true)
	if err != nil {
		return nil, err
	}
	info := nodeInfo{n: n, name: path.Base(name)}
	if n.kind == kindDir {
		kids, err := r.children(n)
		if err != nil {
			return nil, &fs.PathError{Op: "open", Path: name, Err: err}
		}
		return forges.NewDirFile(info, entries(kids)), nil
	}
	return &file{r: r, n: n, name: name, info: info}, nil
}

// ReadFile implements fs.ReadFileFS. Files over forges.MaxFileSize are
// refused from their size in the tree, without fetching them.
func (r *repoFS) ReadFile(name string) ([]byte, error) {
	n, err := r.lookup("read", name, true)
	if err != nil {
		return nil, err
	}
	if n.kind == kindDir {
		return nil, &fs.PathError{Op: "read", Path: name, Err: errIsDir}
	}
	if n.size > forges.MaxFileSize {
		return nil, &fs.PathError{Op: "read", Path: name, Err: forges.ErrTooLarge}
	}
	data, err := r.blob(n)
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: name, Err: err}
	}
	if len(data) > forges.MaxFileSize {
		return nil, &fs.PathError{Op: "read", Path: name, Err: forges.ErrTooLarge}
	}
	return bytes.Clone(data), nil
}

// ReadDir implements fs.ReadDirFS.
func (r *repoFS) ReadDir(name string) ([]fs.DirEntry, error) {
	n, err := r.lookup("readdir", name, true)
	if err != nil {
		return nil, err
	}
	if n.kind != kindDir {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: errNotDir}
	}
	kids, err := r.children(n)
	if err != nil {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: err}
	}
	return entries(kids), nil
}

// Stat implements fs.StatFS.
func (r *repoFS) Stat(name string) (fs.FileInfo, error) {
	n, err := r.lookup("stat", name, true)
	if err != nil {
		return nil, err
	}
	return nodeInfo{n: n, name: path.Base(name)}, nil
}

func entries(ns []*node) []fs.DirEntry {
	out := make([]fs.DirEntry, len(ns))
	for i, n := range ns {
		out[i] = fs.FileInfoToDirEntry(nodeInfo{n: n, name: n.name})
	}
	return out
}

// nodeInfo is a node as fs.FileInfo; name is the name it was asked for
// (a followed link keeps the link's name, as os.Stat does).
type nodeInfo struct {
	n    *node
	name string
}

func (i nodeInfo) Name() string { return i.name }
func (i nodeInfo) Size() int64 {
	if i.n.kind == kindDir {
		return 0
	}
	return i.n.size
}
func (i nodeInfo) Mode() fs.FileMode {
	switch i.n.kind {
	case kindDir:
		return fs.ModeDir | 0o755
	case kindLink:
		return fs.ModeSymlink | 0o777
	}
	if i.n.exec {
		return 0o755
	}
	return 0o644
}
func (i nodeInfo) ModTime() time.Time { return time.Time{} }
func (i nodeInfo) IsDir() bool        { return i.n.kind == kindDir }
func (i nodeInfo) Sys() any           { return nil }

// file is an open regular file; its content is fetched on the first Read.
type file struct {
	r      *repoFS
	n      *node
	name   string
	info   nodeInfo
	reader *bytes.Reader
}

func (f *file) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *file) Close() error               { return nil }
func (f *file) Read(p []byte) (int, error) {
	if f.reader == nil {
		data, err := f.r.ReadFile(f.name)
		if err != nil {
			return 0, err
		}
		f.reader = bytes.NewReader(data)
	}
	return f.reader.Read(p)
}

// defaultsView is the organisation defaults as one repository sees them:
// reading through it ties the defaults' fetch failures to that
// repository's Err.
type defaultsView struct {
	fs   *repoFS
	user *repoFS
}

func (v *defaultsView) used() {
	v.user.errMu.Lock()
	v.user.defaults = v.fs
	v.user.errMu.Unlock()
}

func (v *defaultsView) Open(name string) (fs.File, error) { v.used(); return v.fs.Open(name) }
func (v *defaultsView) ReadFile(name string) ([]byte, error) {
	v.used()
	return v.fs.ReadFile(name)
}
func (v *defaultsView) ReadDir(name string) ([]fs.DirEntry, error) {
	v.used()
	return v.fs.ReadDir(name)
}
func (v *defaultsView) Stat(name string) (fs.FileInfo, error) { v.used(); return v.fs.Stat(name) }

// blobCache shares blob contents across the repositories of a scan by
// SHA, so a file that many repositories copied from a template is fetched
// once. It holds at most max bytes (oldest out first) and only small
// blobs; concurrent requests for one SHA wait for a single fetch.
type blobCache struct {
	mu       sync.Mutex
	max      int64
	size     int64
	data     map[string][]byte
	order    []string
	inflight map[string]*flight
}

type flight struct {
	done chan struct{}
	data []byte
	err  error
}

const maxSharedBlob = 256 << 10

func newBlobCache(max int64) *blobCache {
	return &blobCache{max: max, data: map[string][]byte{}, inflight: map[string]*flight{}}
}

// get returns the blob's content from the cache or from fetch. A failed
// fetch is not shared: a waiter fetches for itself, since the failure may
// be about the other repository (deleted mid-scan).
func (c *blobCache) get(sha string, fetch func() ([]byte, error)) ([]byte, error) {
	c.mu.Lock()
	if d, ok := c.data[sha]; ok {
		c.mu.Unlock()
		return d, nil
	}
	if fl, ok := c.inflight[sha]; ok {
		c.mu.Unlock()
		<-fl.done
		if fl.err == nil {
			return fl.data, nil
		}
		return fetch()
	}
	fl := &flight{done: make(chan struct{})}
	c.inflight[sha] = fl
	c.mu.Unlock()

	fl.data, fl.err = fetch()
	c.mu.Lock()
	delete(c.inflight, sha)
	if fl.err == nil && len(fl.data) <= maxSharedBlob {
		c.data[sha] = fl.data
		c.order = append(c.order, sha)
		c.size += int64(len(fl.data))
		for c.size > c.max && len(c.order) > 0 {
			old := c.order[0]
			c.order = c.order[1:]
			c.size -= int64(len(c.data[old]))
			delete(c.data, old)
		}
	}
	c.mu.Unlock()
	close(fl.done)
	return fl.data, fl.err
}
