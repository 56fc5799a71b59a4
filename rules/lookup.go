package rules

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/it-at-m/ospo-scan/forges"
)

// This file finds the files GitHub (and GitLab) look for in several places:
// the README, the community health files and CODEOWNERS. A scanner that
// looks only at the repository root misjudges about a quarter of LHM
// repositories, because the current template keeps its README and Code of
// Conduct in .github/. Lookups list only the directories GitHub reads
// (".", ".github", "docs", and ".gitlab" for CODEOWNERS when needed), never
// walk the tree, and go through Facts so each listing and file is read once.

// Origin says where a found file came from.
type Origin string

const (
	// OriginRepository is a file in the scanned repository itself.
	OriginRepository Origin = "repository"
	// OriginOrgDefault is a default community health file from the
	// organisation's ".github" repository (forges.Repo.OrgDefaults).
	OriginOrgDefault Origin = "organisation default"
)

// CommunityFile names a community health file that GitHub looks for in the
// root, .github/ and docs/, and else in the organisation's .github
// repository.
type CommunityFile string

const (
	FileCodeOfConduct CommunityFile = "CODE_OF_CONDUCT"
	FileContributing  CommunityFile = "CONTRIBUTING"
	FileSecurity      CommunityFile = "SECURITY"
	FileSupport       CommunityFile = "SUPPORT"
)

// CommunityFiles lists the community health files in a stable order.
var CommunityFiles = []CommunityFile{FileCodeOfConduct, FileContributing, FileSecurity, FileSupport}

// Lookup places, in the order the forge reads them. "." is the root.
var (
	// ReadmeDirs is where GitHub looks for the README shown on the
	// repository page; the first directory holding one wins.
	ReadmeDirs = []string{".github", ".", "docs"}
	// CommunityDirs is where the community health files are looked for
	// (root, .github/, docs/), in the repository and in the organisation
	// defaults alike.
	CommunityDirs = []string{".", ".github", "docs"}
)

// ReadmeExts are the README file name extensions accepted, in order of
// preference within one directory ("" is a bare README).
var ReadmeExts = []string{".md", ".markdown", ".rst", ".txt", ""}

// communityExts are the extensions a community health file may carry.
var communityExts = []string{".md", ".txt", ".rst", ""}

// CodeOwnersDirs returns the directories a forge reads CODEOWNERS from, in
// its order: GitHub uses .github/, the root, then docs/; GitLab uses the
// root, docs/, then .gitlab/. Other forges (a local checkout) may be
// either, so both orders are combined, GitHub's first.
func CodeOwnersDirs(forge string) []string {
	if forge == forges.GitLab {
		// GitLab's own order, then .github/ for projects mirrored from
		// GitHub, which carry their GitHub files unchanged.
		return []string{".", "docs", ".gitlab", ".github"}
	}
	return []string{".github", ".", "docs", ".gitlab"}
}

// LookupDirs lists every directory a lookup may list, so that a forge
// can fetch their listings ahead of the rules if it wants to.
func LookupDirs() []string { return []string{".", ".github", "docs", ".gitlab"} }

// File is the result of looking for one file in its places.
type File struct {
	// Name is what was looked for: "README", "CODE_OF_CONDUCT",
	// "CODEOWNERS".
	Name string
	// Path is where the file was found, relative to the root of the
	// repository it came from (the scanned repository, or the
	// organisation's .github repository when Origin is
	// OriginOrgDefault). Empty when nothing was found.
	Path   string
	Origin Origin
	// OrgDefaults names the organisation defaults repository
	// ("it-at-m/.github") when Origin is OriginOrgDefault.
	OrgDefaults string
	// Note qualifies the place, e.g. "GitLab location" for
	// .gitlab/CODEOWNERS.
	Note string
	// Data is the file's content when it could be read; Err says why it
	// could not (forges.ErrTooLarge, forges.ErrOutsideRepository, ...).
	// When the lookup itself failed (a directory could not be listed),
	// Path is empty and Err is set.
	Data []byte
	Err  error
	// Searched lists the places looked in, for messages about a missing
	// file: ".github/", "the root", "docs/", and the organisation
	// defaults when they were consulted.
	Searched []string
}

// Found reports whether the file exists in one of its places.
func (f File) Found() bool { return f.Path != "" }

// Where names the file for a message: ".github/README.md", or
// "CODE_OF_CONDUCT.md from the organisation default it-at-m/.github".
func (f File) Where() string {
	switch {
	case f.Path == "":
		return f.Name
	case f.Origin == OriginOrgDefault:
		return fmt.Sprintf("%s from the organisation default %s", f.Path, f.OrgDefaults)
	case f.Note != "":
		return fmt.Sprintf("%s (%s)", f.Path, f.Note)
	}
	return f.Path
}

// ResultPath is the path a Result about this file carries: its path in
// the scanned repository, or "" for a file that is not in the repository
// (an organisation default), since report paths are relative to the
// scanned repository.
func (f File) ResultPath() string {
	if f.Origin == OriginOrgDefault {
		return ""
	}
	return f.Path
}

// SearchedPlaces joins Searched for a message: ".github/, the root or docs/".
func (f File) SearchedPlaces() string { return listOr(f.Searched) }

// FindReadme looks for the README in .github/, the root and docs/, in
// that order, accepting README, README.md, README.markdown, README.rst
// and README.txt in any case.
func (f *Facts) FindReadme() File {
	return memoize(f, "lookup:README", func(*forges.Repo) File {
		return f.findIn(repoReader{f}, "README", ReadmeDirs, matchReadme)
	})
}

// orgDefaultsParam lets a policy refuse the organisation's default
// community health files, e.g. where the OSPO wants every repository to
// carry its own SECURITY.md.
var orgDefaultsParam = Param{
	Name:    "orgDefaults",
	Doc:     "accept the organisation's default file (GitHub's public .github repository) when the repository has none of its own",
	Default: true,
}

// findCommunity is FindCommunityFile under the rule's orgDefaults
// parameter: with it off, an organisation default counts as not found,
// and the places searched say that it was refused.
func findCommunity(p *Pass, kind CommunityFile) File {
	f := p.Facts.FindCommunityFile(kind)
	if f.Origin != OriginOrgDefault || p.BoolParam("orgDefaults") {
		return f
	}
	searched := append([]string(nil), f.Searched...)
	if n := len(searched); n > 0 {
		searched[n-1] += ", which the policy does not accept (orgDefaults: false)"
	}
	return File{Name: f.Name, Searched: searched}
}

// FindCommunityFile looks for a community health file in the root,
// .github/ and docs/, and, when the repository has none, in the same
// places of the organisation defaults (forges.Repo.OrgDefaults).
func (f *Facts) FindCommunityFile(kind CommunityFile) File {
	return memoize(f, "lookup:"+string(kind), func(repo *forges.Repo) File {
		match := communityMatcher(kind)
		own := f.findIn(repoReader{f}, string(kind), CommunityDirs, match)
		if own.Found() || own.Err != nil || repo.OrgDefaults == nil {
			return own
		}
		name := repo.OrgDefaultsName
		if name == "" {
			name = "the organisation's .github repository"
		}
		org := f.findIn(orgReader{f}, string(kind), CommunityDirs, match)
		org.Searched = append(own.Searched, "the organisation defaults "+name)
		if org.Found() {
			org.Origin = OriginOrgDefault
			org.OrgDefaults = name
		}
		if org.Err != nil && !org.Found() {
			// The organisation defaults could not be listed: say so, but
			// the repository's own places were looked at fine.
			org.Err = fmt.Errorf("organisation defaults %s: %w", name, org.Err)
		}
		return org
	})
}

// FindCodeOwners looks for CODEOWNERS where the forge reads it (see
// CodeOwnersDirs); the first one found wins. .gitlab/CODEOWNERS counts on
// GitLab, and elsewhere when it is the only one, with Note "GitLab
// location".
func (f *Facts) FindCodeOwners() File {
	return memoize(f, "lookup:CODEOWNERS", func(repo *forges.Repo) File {
		match := func(name string) (int, bool) { return 0, name == "CODEOWNERS" }
		dirs := CodeOwnersDirs(repo.Meta.Forge)
		r := repoReader{f}
		out := File{Name: "CODEOWNERS"}
		for _, dir := range dirs {
			got := f.findIn(r, "CODEOWNERS", []string{dir}, match)
			out.Searched = append(out.Searched, got.Searched...)
			if got.Found() || got.Err != nil {
				got.Searched = out.Searched
				switch {
				case dir == ".gitlab":
					got.Note = "GitLab location"
				case dir == ".github" && repo.Meta.Forge == forges.GitLab:
					got.Note = "GitHub location of a mirrored project; GitLab itself reads CODEOWNERS from the root, docs/ or .gitlab/"
				}
				return got
			}
		}
		return out
	})
}

// nameMatcher ranks a directory entry's name: ok when it is the file looked
// for, with a lower rank preferred among several in one directory.
type nameMatcher func(name string) (rank int, ok bool)

func matchReadme(name string) (int, bool) {
	return matchBase(name, "README", ReadmeExts)
}

func communityMatcher(kind CommunityFile) nameMatcher {
	return func(name string) (int, bool) { return matchBase(name, string(kind), communityExts) }
}

// matchBase matches name against base+ext for each ext, ignoring case.
func matchBase(name, base string, exts []string) (int, bool) {
	if len(name) < len(base) || !strings.EqualFold(name[:len(base)], base) {
		return 0, false
	}
	rest := name[len(base):]
	for i, ext := range exts {
		if strings.EqualFold(rest, ext) {
			return i, true
		}
	}
	return 0, false
}

// placeReader abstracts the repository and the organisation defaults, both
// read through memos.
type placeReader interface {
	readDir(dir string) ([]fs.DirEntry, error)
	readFile(name string) ([]byte, error)
}

type repoReader struct{ f *Facts }

func (r repoReader) readDir(dir string) ([]fs.DirEntry, error) { return r.f.ReadDir(dir) }
func (r repoReader) readFile(name string) ([]byte, error)      { return r.f.ReadFile(name) }

type orgReader struct{ f *Facts }

func (r orgReader) readDir(dir string) ([]fs.DirEntry, error) {
	res := memoize(r.f, "org:dir:"+dir, func(repo *forges.Repo) dirResult {
		es, err := fs.ReadDir(repo.OrgDefaults, dir)
		return dirResult{es, err}
	})
	return res.entries, res.err
}

func (r orgReader) readFile(name string) ([]byte, error) {
	res := memoize(r.f, "org:file:"+name, func(repo *forges.Repo) readResult {
		data, err := fs.ReadFile(repo.OrgDefaults, name)
		return readResult{data, err}
	})
	return res.data, res.err
}

// findIn looks in dirs, in order, for an entry that match accepts, and
// reads the best one of the first directory that has one.
func (f *Facts) findIn(r placeReader, name string, dirs []string, match nameMatcher) File {
	out := File{Name: name, Origin: OriginRepository}
	// The root listing says which of .github, docs and .gitlab exist, so
	// absent ones cost no request on a remote forge.
	root, rootErr := r.readDir(".")
	listable := func(dir string) bool {
		if dir == "." || rootErr != nil {
			return true
		}
		for _, e := range root {
			if e.Name() == dir {
				return e.IsDir() || e.Type()&fs.ModeSymlink != 0
			}
		}
		return false
	}
	for _, dir := range dirs {
		out.Searched = append(out.Searched, placeName(dir))
		if !listable(dir) {
			continue
		}
		entries, err := r.readDir(dir)
		if err != nil {
			// A missing directory, a file where the directory would be, or
			// a link out of the repository: the forge finds nothing there
			// either.
			if errors.Is(err, fs.ErrNotExist) || errors.Is(err, forges.ErrOutsideRepository) || isNotDir(err) {
				continue
			}
			out.Err = fmt.Errorf("cannot list %s: %w", placeName(dir), unwrapPath(err))
			return out
		}
		best, bestRank := fs.DirEntry(nil), 0
		for _, e := range entries {
			if e.IsDir() {
				continue
			}
			rank, ok := match(e.Name())
			if !ok {
				continue
			}
			if best == nil || rank < bestRank || (rank == bestRank && e.Name() < best.Name()) {
				best, bestRank = e, rank
			}
		}
		if best == nil {
			continue
		}
		p := best.Name()
		if dir != "." {
			p = path.Join(dir, p)
		}
		out.Path = p
		out.Data, out.Err = readCapped(r, best, p)
		return out
	}
	return out
}

// readCapped reads a found file, refusing one over forges.MaxFileSize
// whatever the file system (a fstest.MapFS does not cap its reads).
func readCapped(r placeReader, e fs.DirEntry, name string) ([]byte, error) {
	if info, err := e.Info(); err == nil && info.Mode().IsRegular() && info.Size() > forges.MaxFileSize {
		return nil, &fs.PathError{Op: "read", Path: name, Err: forges.ErrTooLarge}
	}
	data, err := r.readFile(name)
	if err != nil {
		return nil, err
	}
	if len(data) > forges.MaxFileSize {
		return nil, &fs.PathError{Op: "read", Path: name, Err: forges.ErrTooLarge}
	}
	return data, nil
}

func isNotDir(err error) bool {
	var pe *fs.PathError
	return errors.As(err, &pe) && strings.Contains(pe.Err.Error(), "not a directory")
}

func placeName(dir string) string {
	if dir == "." {
		return "the root"
	}
	return dir + "/"
}

// listOr joins words as "a, b or c".
func listOr(words []string) string {
	return listWords(words, "or")
}

// listAnd joins words as "a, b and c".
func listAnd(words []string) string {
	return listWords(words, "and")
}

func listWords(words []string, conj string) string {
	switch len(words) {
	case 0:
		return ""
	case 1:
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " " + conj + " " + words[len(words)-1]
}

// lineIndex answers line numbers for many offsets into one text.
type lineIndex []int // offsets of the newlines

func newLineIndex(text string) lineIndex {
	var nl lineIndex
	for i := 0; i < len(text); i++ {
		if text[i] == '\n' {
			nl = append(nl, i)
		}
	}
	return nl
}

// lineAt returns the 1-based line of byte offset off.
func (nl lineIndex) lineAt(off int) int {
	return 1 + sort.SearchInts(nl, off)
}

// lineOfOffset returns the 1-based line number of byte offset off in data.
func lineOfOffset(data []byte, off int) int {
	if off > len(data) {
		off = len(data)
	}
	n := 1
	for _, b := range data[:off] {
		if b == '\n' {
			n++
		}
	}
	return n
}
