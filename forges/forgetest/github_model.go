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
	"sync"
)

// ghEntry is one entry of a repository's Git tree, as the fake computes it
// from a folder.
type ghEntry struct {
	Path string // slash-separated, relative to the repository root
	Mode string // "100644", "100755", "040000", "120000"
	Type string // "blob" or "tree"
	SHA  string
	Size int64 // blobs only
	disk string
}

// ghSnapshot is a repository folder read once: its tree entries in Git's
// recursive order and the root tree's SHA.
type ghSnapshot struct {
	entries []ghEntry
	byPath  map[string]int
	rootSHA string
}

// ghReadRepo walks a repository folder (skipping .git). Symbolic links
// become mode 120000 blobs whose content is the link target, as in Git.
func ghReadRepo(root string) (*ghSnapshot, error) {
	s := &ghSnapshot{byPath: map[string]int{}}
	sha, err := ghWalk(root, "", s)
	if err != nil {
		return nil, err
	}
	s.rootSHA = sha
	for i, e := range s.entries {
		s.byPath[e.Path] = i
	}
	return s, nil
}

// ghWalk appends the entries below rel and returns rel's tree SHA (a
// deterministic digest of its entries; not Git's exact encoding, which no
// client recomputes).
func ghWalk(root, rel string, s *ghSnapshot) (string, error) {
	dir := filepath.Join(root, filepath.FromSlash(rel))
	des, err := os.ReadDir(dir)
	if err != nil {
		return "", err
	}
	// Git orders a tree's entries by name, a subtree's name as if it
	// ended in "/".
	key := func(d fs.DirEntry) string {
		if d.IsDir() {
			return d.Name() + "/"
		}
		return d.Name()
	}
	sort.Slice(des, func(i, j int) bool { return key(des[i]) < key(des[j]) })
	h := sha1.New()
	for _, d := range des {
		name := d.Name()
		if name == ".git" {
			continue
		}
		p := path.Join(rel, name)
		full := filepath.Join(dir, name)
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(full)
			if err != nil {
				return "", err
			}
			target = filepath.ToSlash(target)
			e := ghEntry{Path: p, Mode: "120000", Type: "blob", SHA: gitBlobID([]byte(target)), Size: int64(len(target)), disk: full}
			s.entries = append(s.entries, e)
			fmt.Fprintf(h, "%s %s %s\n", e.Mode, name, e.SHA)
		case d.IsDir():
			i := len(s.entries)
			s.entries = append(s.entries, ghEntry{Path: p, Mode: "040000", Type: "tree", disk: full})
			sha, err := ghWalk(root, p, s)
			if err != nil {
				return "", err
			}
			s.entries[i].SHA = sha
			fmt.Fprintf(h, "040000 %s %s\n", name, sha)
		case d.Type().IsRegular():
			data, err := os.ReadFile(full)
			if err != nil {
				return "", err
			}
			info, err := d.Info()
			if err != nil {
				return "", err
			}
			mode := "100644"
			if info.Mode()&0o111 != 0 {
				mode = "100755"
			}
			e := ghEntry{Path: p, Mode: mode, Type: "blob", SHA: gitBlobID(data), Size: int64(len(data)), disk: full}
			s.entries = append(s.entries, e)
			fmt.Fprintf(h, "%s %s %s\n", mode, name, e.SHA)
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// ghSnapshots remembers recently read repositories, keyed by folder and
// revalidated by a walk that only stats (names, sizes, modes, times), so
// that a changed fixture is seen at once while an unchanged one is not
// read and hashed again for every request.
type ghSnapshots struct {
	mu    sync.Mutex
	max   int
	order []string
	byDir map[string]ghCached
}

type ghCached struct {
	sig  string
	snap *ghSnapshot
}

func (c *ghSnapshots) get(dir string) (*ghSnapshot, error) {
	sig, err := ghSignature(dir)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if e, ok := c.byDir[dir]; ok && e.sig == sig {
		c.mu.Unlock()
		return e.snap, nil
	}
	c.mu.Unlock()
	snap, err := ghReadRepo(dir)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byDir == nil {
		c.byDir = map[string]ghCached{}
	}
	if _, ok := c.byDir[dir]; !ok {
		c.order = append(c.order, dir)
		if len(c.order) > c.max {
			delete(c.byDir, c.order[0])
			c.order = c.order[1:]
		}
	}
	c.byDir[dir] = ghCached{sig: sig, snap: snap}
	return snap, nil
}

// ghSignature summarises a folder's metadata.
func ghSignature(root string) (string, error) {
	var b strings.Builder
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".git" {
			return filepath.SkipDir
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "%s\x00%d\x00%v\x00%d\n", p, info.Size(), info.Mode(), info.ModTime().UnixNano())
		return nil
	})
	return b.String(), err
}

// blob returns the content of the blob with sha.
func (s *ghSnapshot) blob(sha string) ([]byte, bool, error) {
	for _, e := range s.entries {
		if e.Type != "blob" || e.SHA != sha {
			continue
		}
		if e.Mode == "120000" {
			target, err := os.Readlink(e.disk)
			return []byte(filepath.ToSlash(target)), true, err
		}
		data, err := os.ReadFile(e.disk)
		return data, true, err
	}
	return nil, false, nil
}

// children returns the direct entries of the directory at p ("" is the
// root).
func (s *ghSnapshot) children(p string) []ghEntry {
	var out []ghEntry
	for _, e := range s.entries {
		if path.Dir(e.Path) == p || p == "" && !strings.Contains(e.Path, "/") {
			out = append(out, e)
		}
	}
	return out
}

// ghRepoFolders returns the names of the repository folders in dir: every
// subdirectory (or link to one) that is not hidden, plus ".github", the
// organisation's community-health repository.
func ghRepoFolders(dir string) ([]string, error) {
	des, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, d := range des {
		name := d.Name()
		if strings.HasPrefix(name, ".") && name != ".github" {
			continue
		}
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil || !st.IsDir() {
			continue
		}
		names = append(names, name)
	}
	sort.Strings(names)
	return names, nil
}
