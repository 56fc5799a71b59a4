package rules

import (
	"io/fs"
	"sync"

	"github.com/it-at-m/ospo-scan/forges"
)

// Facts memoises what several rules derive from the same files (the
// README and its sections, the licences, the parsed workflows), so that a
// repository's files are read and parsed once per scan whatever the number
// of rules. Each family of rules adds typed accessors over memo.
type Facts struct {
	repo *forges.Repo
	mu   sync.Mutex
	memo map[string]*memoEntry
}

type memoEntry struct {
	once sync.Once
	val  any
}

// NewFacts returns an empty memo for repo.
func NewFacts(repo *forges.Repo) *Facts {
	return &Facts{repo: repo, memo: map[string]*memoEntry{}}
}

// memoize returns the value computed by f for key, calling f at most once.
func memoize[T any](f *Facts, key string, compute func(*forges.Repo) T) T {
	f.mu.Lock()
	e, ok := f.memo[key]
	if !ok {
		e = &memoEntry{}
		f.memo[key] = e
	}
	f.mu.Unlock()
	e.once.Do(func() { e.val = compute(f.repo) })
	return e.val.(T)
}

// DetectedLicense is one licence found in one licence file at the
// repository root, as the JSON report lists it.
type DetectedLicense struct {
	SPDX     string
	File     string
	Coverage float64 // share of the file's text that matched, 0..1
}

type readResult struct {
	data []byte
	err  error
}

type dirResult struct {
	entries []fs.DirEntry
	err     error
}

// ReadFile reads a file of the repository once per scan; every rule reads
// through it, so a remote forge fetches each file at most once.
func (f *Facts) ReadFile(name string) ([]byte, error) {
	r := memoize(f, "file:"+name, func(repo *forges.Repo) readResult {
		data, err := fs.ReadFile(repo.FS, name)
		return readResult{data, err}
	})
	return r.data, r.err
}

// ReadDir lists a directory of the repository once per scan. A missing
// directory is an empty listing with fs.ErrNotExist.
func (f *Facts) ReadDir(name string) ([]fs.DirEntry, error) {
	r := memoize(f, "dir:"+name, func(repo *forges.Repo) dirResult {
		es, err := fs.ReadDir(repo.FS, name)
		return dirResult{es, err}
	})
	return r.entries, r.err
}

// Repo returns the repository the facts are about.
func (f *Facts) Repo() *forges.Repo { return f.repo }
