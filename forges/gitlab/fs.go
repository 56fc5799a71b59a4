package gitlab

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"path"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	gl "gitlab.com/gitlab-org/api/client-go"

	"github.com/it-at-m/ospo-scan/forges"
)

// maxLinkHops bounds symbolic link resolution, as the kernel does.
const maxLinkHops = 40

// treePage is the page size of tree listings, GitLab's maximum.
const treePage = 100

// FS is a project's default branch as a read-only, lazily fetched file
// tree.
//
// Listings: the FS lists only the directories rules ask for, one
// non-recursive listing each, and a hidden configuration folder such as
// .github recursively, which brings .github/workflows along: the default
// rule set costs two listings (the root and .github), plus docs/ and
// .gitlab/ where they exist, whatever the size of the repository. (A
// first page of the recursive tree answers a repository of up to 100
// entries in one request, but costs a wasted request on every larger one,
// and the projects LHM mirrors are real code bases: listing directories
// costs 9.6 requests per project on both the fixtures and on projects of
// over 100 files, against 8.6 and 10.6 the other way.) Files are fetched by
// object id, each content at most once, only when read; a file over
// forges.MaxFileSize is refused with forges.ErrTooLarge (from its
// Content-Length when the transport passes that on, else after reading
// one byte more than the cap). Symbolic links are followed inside the
// repository only.
//
// A fetch that fails (the project vanished, retries exhausted, a malformed
// response) is returned to the rule and kept: Err reports it, so the
// scanner marks the project errored instead of trusting its results.
type FS struct {
	ctx context.Context
	f   *Forge
	ref *projectRef

	initOnce sync.Once
	whole    bool // every directory is known (an empty repository)

	mu    sync.Mutex
	dirs  map[string]*lazy[*dirListing]
	blobs map[string]*lazy[blob]
	err   error
}

type lazy[T any] struct {
	once sync.Once
	val  T
	err  error
}

// get returns the value for key in m, computing it at most once.
func get[T any](fsys *FS, m map[string]*lazy[T], key string, compute func() (T, error)) (T, error) {
	fsys.mu.Lock()
	l, ok := m[key]
	if !ok {
		l = &lazy[T]{}
		m[key] = l
	}
	fsys.mu.Unlock()
	l.once.Do(func() { l.val, l.err = compute() })
	return l.val, l.err
}

type entryKind uint8

const (
	kindFile entryKind = iota
	kindDir
	kindLink
	kindSubmodule
)

type entry struct {
	name string
	kind entryKind
	perm fs.FileMode
	id   string // the Git object id: a blob's content is fetched by it
}

type dirListing struct {
	entries map[string]entry
}

type blob struct {
	data []byte
	size int64 // for files refused as too large: their announced size
}

func newFS(ctx context.Context, f *Forge, ref *projectRef) *FS {
	return &FS{
		ctx:   ctx,
		f:     f,
		ref:   ref,
		dirs:  map[string]*lazy[*dirListing]{},
		blobs: map[string]*lazy[blob]{},
	}
}

// Err returns the first fetch failure, or nil. A missing file is not a
// failure; a file that the listing shows but the server no longer serves
// is.
func (fsys *FS) Err() error {
	fsys.mu.Lock()
	defer fsys.mu.Unlock()
	return fsys.err
}

func (fsys *FS) fail(err error) error {
	fsys.mu.Lock()
	defer fsys.mu.Unlock()
	if fsys.err == nil {
		fsys.err = err
	}
	return err
}

// Open implements fs.FS.
func (fsys *FS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	p, e, err := fsys.resolve(name, true)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	if e.kind == kindDir || e.kind == kindSubmodule {
		es, err := fsys.readDir(p, e)
		if err != nil {
			return nil, &fs.PathError{Op: "open", Path: name, Err: err}
		}
		return forges.NewDirFile(fsys.info(path.Base(name), p, e), es), nil
	}
	b, err := fsys.blob(p, e.id)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	return &file{info: fsys.info(path.Base(name), p, e), r: bytes.NewReader(b.data)}, nil
}

// ReadFile implements fs.ReadFileFS.
func (fsys *FS) ReadFile(name string) ([]byte, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "read", Path: name, Err: fs.ErrInvalid}
	}
	p, e, err := fsys.resolve(name, true)
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: name, Err: err}
	}
	if e.kind == kindDir || e.kind == kindSubmodule {
		return nil, &fs.PathError{Op: "read", Path: name, Err: errors.New("is a directory")}
	}
	b, err := fsys.blob(p, e.id)
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: name, Err: err}
	}
	return bytes.Clone(b.data), nil
}

// ReadDir implements fs.ReadDirFS: the entries sorted by name. Symbolic
// links are listed as links, as os.ReadDir does.
func (fsys *FS) ReadDir(name string) ([]fs.DirEntry, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrInvalid}
	}
	p, e, err := fsys.resolve(name, true)
	if err == nil && e.kind != kindDir && e.kind != kindSubmodule {
		err = syscall.ENOTDIR
	}
	if err != nil {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: err}
	}
	es, err := fsys.readDir(p, e)
	if err != nil {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: err}
	}
	return es, nil
}

// Stat implements fs.StatFS, following symbolic links. The size of a file
// is fetched only when asked for.
func (fsys *FS) Stat(name string) (fs.FileInfo, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrInvalid}
	}
	p, e, err := fsys.resolve(name, true)
	if err != nil {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: err}
	}
	return fsys.info(path.Base(name), p, e), nil
}

// Lstat implements fs.ReadLinkFS: a symbolic link is described, not
// followed.
func (fsys *FS) Lstat(name string) (fs.FileInfo, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "lstat", Path: name, Err: fs.ErrInvalid}
	}
	p, e, err := fsys.resolve(name, false)
	if err != nil {
		return nil, &fs.PathError{Op: "lstat", Path: name, Err: err}
	}
	return fsys.info(path.Base(name), p, e), nil
}

// ReadLink implements fs.ReadLinkFS.
func (fsys *FS) ReadLink(name string) (string, error) {
	if !fs.ValidPath(name) {
		return "", &fs.PathError{Op: "readlink", Path: name, Err: fs.ErrInvalid}
	}
	p, e, err := fsys.resolve(name, false)
	if err == nil && e.kind != kindLink {
		err = errors.New("not a symbolic link")
	}
	if err != nil {
		return "", &fs.PathError{Op: "readlink", Path: name, Err: err}
	}
	b, err := fsys.blob(p, e.id)
	if err != nil {
		return "", &fs.PathError{Op: "readlink", Path: name, Err: err}
	}
	return string(b.data), nil
}

func (fsys *FS) readDir(p string, e entry) ([]fs.DirEntry, error) {
	if e.kind == kindSubmodule {
		// A submodule is an empty folder in a checkout that did not
		// initialise it; its files live in another project.
		return []fs.DirEntry{}, nil
	}
	d, err := fsys.dir(p)
	if err != nil {
		return nil, err
	}
	out := make([]fs.DirEntry, 0, len(d.entries))
	for _, c := range d.entries {
		out = append(out, dirEntry{fsys: fsys, e: c, path: join(p, c.name)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out, nil
}

func join(dir, name string) string {
	if dir == "." {
		return name
	}
	return dir + "/" + name
}

// resolve finds the entry name refers to and returns its resolved path,
// following symbolic links in every element but the last, and in the last
// too when follow is set. A link that leaves the repository is
// forges.ErrOutsideRepository.
func (fsys *FS) resolve(name string, follow bool) (string, entry, error) {
	if name == "." {
		return ".", entry{name: ".", kind: kindDir, perm: 0o755}, nil
	}
	parts := strings.Split(name, "/")
	cur := "."
	hops := 0
	for i := 0; i < len(parts); i++ {
		d, err := fsys.dir(cur)
		if err != nil {
			return "", entry{}, err
		}
		e, ok := d.entries[parts[i]]
		if !ok {
			return "", entry{}, fs.ErrNotExist
		}
		p := join(cur, parts[i])
		last := i == len(parts)-1
		if e.kind == kindLink && (!last || follow) {
			hops++
			if hops > maxLinkHops {
				return "", entry{}, errors.New("symbolic link loop")
			}
			target, err := fsys.blob(p, e.id)
			if err != nil {
				return "", entry{}, err
			}
			t := string(target.data)
			if path.IsAbs(t) {
				return "", entry{}, forges.ErrOutsideRepository
			}
			resolved := path.Join(cur, t)
			if resolved == ".." || strings.HasPrefix(resolved, "../") {
				return "", entry{}, forges.ErrOutsideRepository
			}
			rest := parts[i+1:]
			if resolved == "." {
				parts = rest
			} else {
				parts = append(strings.Split(resolved, "/"), rest...)
			}
			if len(parts) == 0 {
				return ".", entry{name: ".", kind: kindDir, perm: 0o755}, nil
			}
			cur, i = ".", -1
			continue
		}
		if last {
			return p, e, nil
		}
		switch e.kind {
		case kindDir:
			cur = p
		case kindSubmodule:
			return "", entry{}, fs.ErrNotExist
		default:
			return "", entry{}, syscall.ENOTDIR
		}
	}
	return "", entry{}, fs.ErrNotExist // unreachable: the loop returns
}

// dir returns the listing of the directory at p (a resolved path of a
// directory, or "."), fetching it at most once.
func (fsys *FS) dir(p string) (*dirListing, error) {
	fsys.initOnce.Do(fsys.init)
	return get(fsys, fsys.dirs, p, func() (*dirListing, error) {
		if fsys.whole {
			return nil, fs.ErrNotExist // every directory is known already
		}
		if p != "." && strings.HasPrefix(path.Base(p), ".") {
			// A configuration folder (.github, .gitlab) is small, and rules
			// read its subfolders too (.github/workflows): one recursive
			// page usually holds all of it.
			nodes, resp, err := fsys.treePage(p, true, nil)
			if err != nil {
				return nil, err
			}
			if next, _ := nextPage(resp); next == nil {
				dirs := buildDirs(p, nodes)
				fsys.adopt(dirs, p)
				return dirs[p], nil
			}
		}
		nodes, err := fsys.listTree(p, false)
		if err != nil {
			return nil, err
		}
		return buildDirs(p, nodes)[p], nil
	})
}

// done returns a lazy value that is already computed.
func done[T any](v T, err error) *lazy[T] {
	l := &lazy[T]{}
	l.once.Do(func() { l.val, l.err = v, err })
	return l
}

// adopt records the listings of a recursive listing, all but skip (the
// one being computed), unless a listing is known already.
func (fsys *FS) adopt(dirs map[string]*dirListing, skip string) {
	fsys.mu.Lock()
	defer fsys.mu.Unlock()
	for q, d := range dirs {
		if _, ok := fsys.dirs[q]; !ok && q != skip {
			fsys.dirs[q] = done(d, nil)
		}
	}
}

// buildDirs turns the entries of a recursive listing of base into the
// listings of base and every directory below it.
func buildDirs(base string, nodes []*gl.TreeNode) map[string]*dirListing {
	dirs := map[string]*dirListing{base: {entries: map[string]entry{}}}
	ensure := func(q string) *dirListing {
		d, ok := dirs[q]
		if !ok {
			d = &dirListing{entries: map[string]entry{}}
			dirs[q] = d
		}
		return d
	}
	for _, n := range nodes {
		if n == nil || (base != "." && !strings.HasPrefix(n.Path, base+"/")) {
			continue
		}
		e, ok := toEntry(n)
		if !ok {
			continue
		}
		if e.kind == kindDir {
			ensure(n.Path)
		}
		// Make the chain of parents exist, even when a listing lacks a
		// directory's own entry.
		child := n.Path
		for parent := path.Dir(child); ; parent = path.Dir(parent) {
			pd := ensure(parent)
			if child == n.Path {
				pd.entries[e.name] = e
			} else if _, ok := pd.entries[path.Base(child)]; !ok {
				pd.entries[path.Base(child)] = entry{name: path.Base(child), kind: kindDir, perm: 0o755}
			}
			if parent == base || parent == "." {
				break
			}
			child = parent
		}
	}
	return dirs
}

// init prepares the listings: an empty repository has no tree to ask for.
func (fsys *FS) init() {
	if fsys.ref.branch == "" {
		// An empty repository: no tree to ask for.
		fsys.whole = true
		fsys.dirs["."] = done(&dirListing{entries: map[string]entry{}}, nil)
		return
	}
}

func toEntry(n *gl.TreeNode) (entry, bool) {
	if n == nil || n.Name == "" {
		return entry{}, false
	}
	e := entry{name: n.Name, id: n.ID}
	switch {
	case n.Type == "tree":
		e.kind, e.perm = kindDir, 0o755
	case n.Type == "commit" || n.Mode == "160000":
		e.kind, e.perm = kindSubmodule, 0o755
	case n.Mode == "120000":
		e.kind, e.perm = kindLink, 0o777
	case n.Mode == "100755":
		e.kind, e.perm = kindFile, 0o755
	case n.Type == "blob":
		e.kind, e.perm = kindFile, 0o644
	default:
		return entry{}, false
	}
	return e, true
}

// listTree lists the directory p completely, over as many pages as it
// takes.
func (fsys *FS) listTree(p string, recursive bool) ([]*gl.TreeNode, error) {
	what := fmt.Sprintf("the tree of %s", fsys.ref.fullName)
	if p != "." {
		what = fmt.Sprintf("%s in %s", p, fsys.ref.fullName)
	}
	nodes, err := paginate(fsys.ctx, fsys.f.host, what, func(page gl.RequestOptionFunc) ([]*gl.TreeNode, *gl.Response, error) {
		return fsys.treePage(p, recursive, page)
	}, func(n *gl.TreeNode) string { return n.Path })
	if err != nil {
		return nil, fsys.fail(err)
	}
	return nodes, nil
}

func (fsys *FS) treePage(p string, recursive bool, page gl.RequestOptionFunc) ([]*gl.TreeNode, *gl.Response, error) {
	opt := &gl.ListTreeOptions{
		// Keyset pagination (GitLab 17.1 and later); older servers ignore
		// it and page by offset, which paginate follows as well.
		ListOptions: gl.ListOptions{PerPage: treePage, Pagination: "keyset"},
		Ref:         gl.Ptr(fsys.ref.branch),
	}
	if p != "." {
		opt.Path = gl.Ptr(p)
	}
	if recursive {
		opt.Recursive = gl.Ptr(true)
	}
	nodes, resp, err := fsys.f.client.Repositories.ListTree(fsys.ref.id, opt, gl.WithContext(fsys.ctx), page)
	if err != nil {
		what := "the file tree"
		if p != "." {
			what = "folder " + p
		}
		if errors.Is(err, gl.ErrNotFound) {
			err = fmt.Errorf("%s of %s on %s is gone (HTTP 404): the project was deleted, renamed or made private during the scan", what, fsys.ref.fullName, fsys.f.host)
		} else {
			err = fsys.f.apiError(err, fmt.Sprintf("%s of %s", what, fsys.ref.fullName))
		}
		return nil, resp, fsys.fail(err)
	}
	return nodes, resp, nil
}

// blob returns the raw content of the file (or symbolic link) at the
// resolved path p with object id id, fetching each object at most once:
// two files with the same content cost one request.
//
// Content is fetched by object id (GET .../repository/blobs/:sha/raw)
// rather than by path and branch: it always matches the tree listed
// before, even when the branch moves during the scan; the URL is the same
// for every project that holds the same file at the same version, so a
// cache may keep it forever (see Immutable); and no path reaches the URL,
// so proxies that decode %2F cannot break it.
func (fsys *FS) blob(p, id string) (blob, error) {
	return get(fsys, fsys.blobs, id, func() (blob, error) { return fsys.fetchBlob(p, id) })
}

func (fsys *FS) fetchBlob(p, id string) (blob, error) {
	if !isObjectID(id) {
		return blob{}, fsys.fail(fmt.Errorf("the file tree of %s on %s gives %s no valid object id (%q)", fsys.ref.fullName, fsys.f.host, p, id))
	}
	req, err := fsys.f.client.NewRequest(http.MethodGet,
		fmt.Sprintf("projects/%d/repository/blobs/%s/raw", fsys.ref.id, id), nil, nil)
	if err != nil {
		return blob{}, fmt.Errorf("request for %s: %w", p, err)
	}
	// The content is streamed here rather than through the client, so
	// that a file over the cap is refused without reading it.
	resp, err := fsys.f.hc.Do(req.Request.WithContext(fsys.ctx))
	if err != nil {
		return blob{}, fsys.fail(fmt.Errorf("reading %s of %s on %s: %w", p, fsys.ref.fullName, fsys.f.host, concise(err)))
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusOK:
	case resp.StatusCode == http.StatusNotFound:
		return blob{}, fsys.fail(fmt.Errorf("%s of %s on %s is gone (HTTP 404) although the file tree lists it: the project was deleted or made private during the scan", p, fsys.ref.fullName, fsys.f.host))
	default:
		return blob{}, fsys.fail(fsys.f.apiError(gl.CheckResponse(resp), fmt.Sprintf("%s of %s", p, fsys.ref.fullName)))
	}
	if resp.ContentLength > forges.MaxFileSize {
		return blob{size: resp.ContentLength}, forges.ErrTooLarge
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, forges.MaxFileSize+1))
	if err != nil {
		return blob{}, fsys.fail(fmt.Errorf("reading %s of %s on %s: %w", p, fsys.ref.fullName, fsys.f.host, err))
	}
	if len(data) > forges.MaxFileSize {
		return blob{size: int64(len(data))}, forges.ErrTooLarge
	}
	return blob{data: data, size: int64(len(data))}, nil
}

// info describes the entry e at the resolved path p under the name name.
func (fsys *FS) info(name, p string, e entry) fs.FileInfo {
	return &fileInfo{fsys: fsys, name: name, path: p, e: e}
}

type fileInfo struct {
	fsys *FS
	name string
	path string
	e    entry
}

func (i *fileInfo) Name() string { return i.name }

// Size fetches the file when asked: GitLab's tree has no sizes. A fetch
// failure reports 0 here and is kept for FS.Err.
func (i *fileInfo) Size() int64 {
	if i.e.kind != kindFile && i.e.kind != kindLink {
		return 0
	}
	b, _ := i.fsys.blob(i.path, i.e.id)
	return b.size
}

func (i *fileInfo) Mode() fs.FileMode {
	switch i.e.kind {
	case kindDir, kindSubmodule:
		return fs.ModeDir | i.e.perm
	case kindLink:
		return fs.ModeSymlink | i.e.perm
	}
	return i.e.perm
}

func (i *fileInfo) ModTime() time.Time { return time.Time{} }
func (i *fileInfo) IsDir() bool        { return i.Mode().IsDir() }
func (i *fileInfo) Sys() any           { return nil }

type dirEntry struct {
	fsys *FS
	e    entry
	path string
}

func (d dirEntry) Name() string               { return d.e.name }
func (d dirEntry) IsDir() bool                { return d.e.kind == kindDir || d.e.kind == kindSubmodule }
func (d dirEntry) Type() fs.FileMode          { return d.own().Mode().Type() }
func (d dirEntry) Info() (fs.FileInfo, error) { return d.own(), nil }
func (d dirEntry) String() string             { return fs.FormatDirEntry(d) }

// own is the entry's own information, without following a link.
func (d dirEntry) own() fs.FileInfo { return d.fsys.info(d.e.name, d.path, d.e) }

type file struct {
	info fs.FileInfo
	r    *bytes.Reader
}

func (f *file) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *file) Read(b []byte) (int, error) { return f.r.Read(b) }
func (f *file) Close() error               { return nil }

// isObjectID accepts SHA-1 and SHA-256 Git object ids.
func isObjectID(id string) bool {
	if len(id) != 40 && len(id) != 64 {
		return false
	}
	for _, c := range id {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// Immutable reports the requests whose answer never changes: blob content
// addressed by its object id. Pass it as httpx.Options.Immutable so that a
// warm cache answers them from disk without a request.
func Immutable(req *http.Request) bool {
	if req.Method != http.MethodGet {
		return false
	}
	parts := strings.Split(strings.Trim(req.URL.EscapedPath(), "/"), "/")
	n := len(parts)
	return n >= 6 && parts[n-1] == "raw" && isObjectID(parts[n-2]) && parts[n-3] == "blobs" &&
		parts[n-4] == "repository" && parts[n-6] == "projects"
}
