package forgetest

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// GitLabProject sets what a fake GitLab project says about itself beyond
// its files. The zero value is a public, active, non-fork project on
// branch "main".
type GitLabProject struct {
	Name          string // display name; default the folder name
	Description   string
	Topics        []string
	Visibility    string // "public" (default), "internal" or "private"
	DefaultBranch string // default "main"
	Archived      bool
	// ForkedFrom is the full path of the project this one was forked from.
	ForkedFrom string
	// Empty makes the project an empty repository: no commits, no default
	// branch, no tree.
	Empty bool
}

// glModel is the fake server's view of groups, users and projects. It is
// built once; file contents are read from disk on every request, so a test
// may change a file between scans.
type glModel struct {
	groups     map[string]*glGroup // by lower-cased full path
	groupByID  map[int64]*glGroup
	users      map[string]*glUser // by lower-cased username
	userByID   map[int64]*glUser
	projects   map[string]*glProject // by lower-cased full path
	projByID   map[int64]*glProject
	groupOrder []*glGroup
}

type glGroup struct {
	id       int64
	fullPath string
	path     string
	parent   *glGroup
	subs     []*glGroup
	projects []*glProject
}

type glUser struct {
	id       int64
	username string
	projects []*glProject
}

type glProject struct {
	id       int64
	path     string
	fullPath string
	dir      string
	group    *glGroup // nil for a user's project
	user     *glUser
	meta     GitLabProject
	forkedID int64
}

// loadGitLabModel builds the model from the options. Folders are read
// now; a folder that cannot be read is a test setup error.
func loadGitLabModel(opts GitLabOptions) (*glModel, error) {
	m := &glModel{
		groups: map[string]*glGroup{}, groupByID: map[int64]*glGroup{},
		users: map[string]*glUser{}, userByID: map[int64]*glUser{},
		projects: map[string]*glProject{}, projByID: map[int64]*glProject{},
	}
	// Groups in path order, so parents come first and ids are stable.
	paths := make([]string, 0, len(opts.Groups))
	for p := range opts.Groups {
		paths = append(paths, strings.Trim(p, "/"))
	}
	sort.Strings(paths)
	var ensure func(p string) *glGroup
	ensure = func(p string) *glGroup {
		if g, ok := m.groups[strings.ToLower(p)]; ok {
			return g
		}
		g := &glGroup{fullPath: p, path: path.Base(p)}
		if parent := path.Dir(p); parent != "." {
			g.parent = ensure(parent)
			g.parent.subs = append(g.parent.subs, g)
		}
		m.groups[strings.ToLower(p)] = g
		m.groupOrder = append(m.groupOrder, g)
		return g
	}
	for _, p := range paths {
		ensure(p)
	}
	for i, g := range m.groupOrder {
		g.id = int64(100 + i)
		m.groupByID[g.id] = g
	}

	type pending struct {
		full  string
		dir   string
		group *glGroup
		user  *glUser
	}
	var all []pending
	for _, p := range paths {
		dir := opts.Groups[p]
		if dir == "" {
			dir = opts.Groups[p+"/"]
		}
		if dir == "" {
			continue
		}
		names, err := projectFolders(dir)
		if err != nil {
			return nil, fmt.Errorf("group %s: %w", p, err)
		}
		for _, n := range names {
			full := p + "/" + n
			if _, isGroup := m.groups[strings.ToLower(full)]; isGroup {
				continue // a declared subgroup, not a project
			}
			all = append(all, pending{full: full, dir: filepath.Join(dir, n), group: m.groups[strings.ToLower(p)]})
		}
	}
	unames := make([]string, 0, len(opts.Users))
	for u := range opts.Users {
		unames = append(unames, u)
	}
	sort.Strings(unames)
	for i, u := range unames {
		usr := &glUser{id: int64(10 + i), username: u}
		m.users[strings.ToLower(u)] = usr
		m.userByID[usr.id] = usr
		names, err := projectFolders(opts.Users[u])
		if err != nil {
			return nil, fmt.Errorf("user %s: %w", u, err)
		}
		for _, n := range names {
			all = append(all, pending{full: u + "/" + n, dir: filepath.Join(opts.Users[u], n), user: usr})
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].full < all[j].full })
	for i, pd := range all {
		p := &glProject{
			id: int64(1001 + i), path: path.Base(pd.full), fullPath: pd.full, dir: pd.dir,
			group: pd.group, user: pd.user, meta: opts.Projects[pd.full],
		}
		if p.meta.Visibility == "" {
			p.meta.Visibility = "public"
		}
		if p.meta.DefaultBranch == "" {
			p.meta.DefaultBranch = "main"
		}
		if p.meta.Name == "" {
			p.meta.Name = p.path
		}
		m.projects[strings.ToLower(p.fullPath)] = p
		m.projByID[p.id] = p
		if p.group != nil {
			p.group.projects = append(p.group.projects, p)
		} else {
			p.user.projects = append(p.user.projects, p)
		}
	}
	for _, p := range m.projByID {
		if p.meta.ForkedFrom == "" {
			continue
		}
		up, ok := m.projects[strings.ToLower(p.meta.ForkedFrom)]
		if !ok {
			return nil, fmt.Errorf("project %s: ForkedFrom %s is not a project of the fake", p.fullPath, p.meta.ForkedFrom)
		}
		p.forkedID = up.id
	}
	for full := range opts.Projects {
		if _, ok := m.projects[strings.ToLower(full)]; !ok {
			return nil, fmt.Errorf("GitLabOptions.Projects names %s, which is no project folder", full)
		}
	}
	return m, nil
}

// projectFolders lists the immediate, non-hidden subfolders of dir.
func projectFolders(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		if e.IsDir() {
			out = append(out, e.Name())
		}
	}
	return out, nil
}

// descendants returns the group's projects and those of all its
// subgroups.
func (g *glGroup) descendants() []*glProject {
	out := append([]*glProject(nil), g.projects...)
	for _, s := range g.subs {
		out = append(out, s.descendants()...)
	}
	return out
}

// glTreeEntry is one entry of a repository tree, as GitLab shows it.
type glTreeEntry struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Type string `json:"type"`
	Path string `json:"path"`
	Mode string `json:"mode"`
}

// gitTree lists the folder rel of a project like Git does: ".git" is not
// content, empty folders do not exist, symbolic links are blobs holding
// their target, and ids are Git object ids. rel is the path inside the
// project ("" for the root). found is false when rel is no folder.
func gitTree(root, rel string, recursive bool) (entries []glTreeEntry, found bool, err error) {
	dir := root
	if rel != "" {
		if !fs.ValidPath(rel) || rel == "." || !noLinksOnTheWay(root, rel) {
			return nil, false, nil
		}
		dir = filepath.Join(root, filepath.FromSlash(rel))
	}
	if st, err := os.Lstat(dir); err != nil || !st.IsDir() {
		return nil, false, nil
	}
	entries = []glTreeEntry{}
	var list func(dir, rel string) error
	list = func(dir, rel string) error {
		trees, blobs, err := gitLevel(dir, rel)
		if err != nil {
			return err
		}
		// GitLab lists folders first, then files, each by name; a
		// recursive listing follows with each folder's contents.
		entries = append(entries, trees...)
		entries = append(entries, blobs...)
		if recursive {
			for _, t := range trees {
				if err := list(filepath.Join(dir, t.Name), t.Path); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := list(dir, rel); err != nil {
		return nil, true, err
	}
	return entries, true, nil
}

// gitLevel lists one folder: its non-empty subfolders and its files.
func gitLevel(dir, rel string) (trees, blobs []glTreeEntry, err error) {
	des, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, err
	}
	for _, de := range des {
		name := de.Name()
		if name == ".git" {
			continue
		}
		full := filepath.Join(dir, name)
		p := name
		if rel != "" {
			p = rel + "/" + name
		}
		info, err := os.Lstat(full)
		if err != nil {
			return nil, nil, err
		}
		switch {
		case info.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(full)
			if err != nil {
				return nil, nil, err
			}
			blobs = append(blobs, glTreeEntry{ID: gitBlobID([]byte(filepath.ToSlash(target))), Name: name, Type: "blob", Path: p, Mode: "120000"})
		case info.IsDir():
			has, err := hasContent(full)
			if err != nil {
				return nil, nil, err
			}
			if has {
				trees = append(trees, glTreeEntry{ID: gitTreeID(p), Name: name, Type: "tree", Path: p, Mode: "040000"})
			}
		case info.Mode().IsRegular():
			data, err := os.ReadFile(full)
			if err != nil {
				return nil, nil, err
			}
			mode := "100644"
			if info.Mode()&0o111 != 0 {
				mode = "100755"
			}
			blobs = append(blobs, glTreeEntry{ID: gitBlobID(data), Name: name, Type: "blob", Path: p, Mode: mode})
		}
	}
	return trees, blobs, nil
}

// hasContent reports whether a folder holds a file or link at any depth:
// Git stores no empty folders.
func hasContent(dir string) (bool, error) {
	found := false
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".git" && p != dir {
			return filepath.SkipDir
		}
		if !d.IsDir() {
			found = true
			return filepath.SkipAll
		}
		return nil
	})
	return found, err
}

// readBlob returns the content of the blob with object id id in the
// project: a file's bytes or a link's target. ok is false when the project
// holds no such blob.
func readBlob(root, id string) (data []byte, ok bool, err error) {
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == ".git" && p != root {
				return filepath.SkipDir
			}
			return nil
		}
		var b []byte
		if d.Type()&fs.ModeSymlink != 0 {
			t, err := os.Readlink(p)
			if err != nil {
				return err
			}
			b = []byte(filepath.ToSlash(t))
		} else if d.Type().IsRegular() {
			if b, err = os.ReadFile(p); err != nil {
				return err
			}
		} else {
			return nil
		}
		if gitBlobID(b) == id {
			data, ok = b, true
			return filepath.SkipAll
		}
		return nil
	})
	return data, ok, err
}

// noLinksOnTheWay reports whether no element of rel below root is a
// symbolic link: Git does not resolve links inside tree paths.
func noLinksOnTheWay(root, rel string) bool {
	cur := root
	for _, part := range strings.Split(rel, "/") {
		cur = filepath.Join(cur, part)
		st, err := os.Lstat(cur)
		if err != nil || st.Mode()&fs.ModeSymlink != 0 {
			return false
		}
	}
	return true
}

// gitBlobID is the Git object id of a blob with this content.
func gitBlobID(data []byte) string {
	h := sha1.New()
	fmt.Fprintf(h, "blob %d\x00", len(data))
	h.Write(data)
	return hex.EncodeToString(h.Sum(nil))
}

// gitTreeID is a stable stand-in for a tree's object id.
func gitTreeID(p string) string {
	sum := sha1.Sum([]byte("tree\x00" + p))
	return hex.EncodeToString(sum[:])
}
