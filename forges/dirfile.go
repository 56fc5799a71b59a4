package forges

import (
	"errors"
	"io"
	"io/fs"
)

// DirFile is an open directory of a synthetic file system (a tree listed
// over an API, an overlay): Stat gives its info, ReadDir its entries.
type DirFile struct {
	info    fs.FileInfo
	entries []fs.DirEntry
	off     int
}

// NewDirFile returns an open directory with info and entries.
func NewDirFile(info fs.FileInfo, entries []fs.DirEntry) *DirFile {
	return &DirFile{info: info, entries: entries}
}

// Stat implements fs.File.
func (d *DirFile) Stat() (fs.FileInfo, error) { return d.info, nil }

// Close implements fs.File.
func (d *DirFile) Close() error { return nil }

// Read implements fs.File: a directory has no bytes.
func (d *DirFile) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.info.Name(), Err: errors.New("is a directory")}
}

// ReadDir implements fs.ReadDirFile: n <= 0 returns the rest, n > 0 at
// most n entries and io.EOF at the end.
func (d *DirFile) ReadDir(n int) ([]fs.DirEntry, error) {
	rest := d.entries[d.off:]
	if n <= 0 {
		d.off = len(d.entries)
		return rest, nil
	}
	if len(rest) == 0 {
		return nil, io.EOF
	}
	n = min(n, len(rest))
	d.off += n
	return rest[:n], nil
}
