package fix

import (
	"errors"
	"io/fs"
	"path"
	"sort"
	"testing/fstest"
	"time"

	"github.com/it-at-m/ospo-scan/forges"
)

// overlay is a repository's file tree with the planned changes laid over
// it: created files and the new contents of appended ones. The plan runs
// the rules on it to find out what the changes leave failing, without
// writing anything.
type overlay struct {
	base  fs.FS
	files fstest.MapFS // only the changed files (and their directories, implied)
}

func newOverlay(base fs.FS, files map[string][]byte) *overlay {
	m := fstest.MapFS{}
	for name, data := range files {
		m[name] = &fstest.MapFile{Data: data, Mode: 0o644, ModTime: time.Unix(0, 0)}
	}
	return &overlay{base: base, files: m}
}

// Open opens a changed file from the overlay, else from the base tree; a
// directory lists as ReadDir merges it.
func (o *overlay) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	if _, ok := o.files[name]; ok {
		return o.files.Open(name)
	}
	info, err := o.Stat(name)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		return o.base.Open(name)
	}
	entries, err := o.ReadDir(name)
	if err != nil {
		return nil, err
	}
	return forges.NewDirFile(info, entries), nil
}

// ReadFile reads a changed file from the overlay, else from the base.
func (o *overlay) ReadFile(name string) ([]byte, error) {
	if f, ok := o.files[name]; ok {
		return append([]byte(nil), f.Data...), nil
	}
	return fs.ReadFile(o.base, name)
}

// ReadDir merges the base listing with the overlay's: a changed file
// replaces the base entry of the same name (its size changed), and a
// directory that only the overlay has (a new .github/) is listed.
func (o *overlay) ReadDir(name string) ([]fs.DirEntry, error) {
	baseEntries, baseErr := fs.ReadDir(o.base, name)
	over, overErr := o.files.ReadDir(name)
	if overErr != nil {
		// Nothing of the overlay is in this directory.
		return baseEntries, baseErr
	}
	if baseErr != nil && !errors.Is(baseErr, fs.ErrNotExist) {
		return nil, baseErr
	}
	byName := map[string]fs.DirEntry{}
	for _, e := range baseEntries {
		byName[e.Name()] = e
	}
	for _, e := range over {
		if prev, ok := byName[e.Name()]; ok && e.IsDir() && prev.IsDir() {
			continue // keep the real directory entry
		}
		byName[e.Name()] = e
	}
	out := make([]fs.DirEntry, 0, len(byName))
	for _, e := range byName {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out, nil
}

// Stat answers for changed files and new directories from the overlay.
func (o *overlay) Stat(name string) (fs.FileInfo, error) {
	if _, ok := o.files[name]; ok {
		return o.files.Stat(name)
	}
	info, err := fs.Stat(o.base, name)
	if errors.Is(err, fs.ErrNotExist) && o.isNewDir(name) {
		return o.files.Stat(name)
	}
	return info, err
}

// isNewDir reports whether name is a directory implied by a changed file.
func (o *overlay) isNewDir(name string) bool {
	for f := range o.files {
		for d := path.Dir(f); d != "."; d = path.Dir(d) {
			if d == name {
				return true
			}
		}
	}
	return false
}
