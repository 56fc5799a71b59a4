// Package licenses finds and identifies the licence files at a repository's
// root. It is pure: it works on directory listings and file contents handed
// to it, never on a file system or the network, so the rules that use it
// stay testable with in-memory trees.
//
// Identification is github.com/google/licensecheck's: a text matches a
// licence when the whole licence pattern matches, and the coverage says how
// much of the file the matched licences account for. Before scanning, a text
// is normalised (byte order mark, CRLF, invalid UTF-8, Markdown decoration)
// in place without changing its length, so that match offsets and line
// numbers still refer to the file as it is on disk.
package licenses

import (
	"errors"
	"io/fs"
	"math"
	"regexp"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/github/go-spdx/v2/spdxexp"
	"github.com/google/licensecheck"
)

// MinCoverage is the share of a licence file's words that known licence
// texts must account for before the file counts as recognised. Below it, the
// file holds substantial text that is not a known licence (extra terms, a
// modified clause, a README pasted into LICENSE), and a person has to read
// it: extra terms can restrict what the licence grants. A licence with the
// usual title and copyright lines around it stays well above it (an EUPL-1.2
// text with a paragraph of custom header is about 0.97).
const MinCoverage = 0.8

// pointerMaxWords is the longest text (in words) that may count as a
// pointer. The shortest licence licensecheck knows in full (0BSD, MIT-0)
// has over 100 words, and "see ..." notes are a sentence or two.
const pointerMaxWords = 100

// Match is one licence found in a file.
type Match struct {
	// SPDX is the licence identifier as licensecheck reports it: an SPDX
	// id ("MIT", "EUPL-1.2"), or for a GNU licence text without a notice
	// the unsuffixed id ("AGPL-3.0"), since the text alone does not say
	// "-only" or "-or-later".
	SPDX string
	// Coverage is the share (0..1, two decimals) of the file's text that
	// this match accounts for.
	Coverage float64
	// Start and End are byte offsets of the match in the file as read.
	Start, End int
}

// File is what Detect found in one licence file.
type File struct {
	Path string
	// Matches are the licence texts found, in file order. URL-only
	// references ("see https://opensource.org/licenses/MIT") are not
	// matches: a link is not a licence text.
	Matches []Match
	// Coverage is the share (0..1, two decimals) of the file's text that
	// known licences account for, as licensecheck computes it.
	Coverage float64
	// Pointer is true when the file holds no licence text but only a short
	// note that names a licence or points elsewhere ("see README",
	// "Licensed under EUPL, see https://...").
	Pointer bool
	// Mentions lists the licences named by a known licence URL outside any
	// licence text; for a pointer also those named by an SPDX id or a
	// licence page address ("see https://opensource.org/licenses/MIT").
	Mentions []string
	// Empty is true for a file without a single word (0 bytes, or only
	// white space and punctuation).
	Empty bool
	// Err says why the file could not be read (it is a directory, too
	// large, a link leaving the repository); the other fields are then
	// zero.
	Err error
	// CopyrightLines are the copyright statements in the file.
	CopyrightLines []Copyright
}

// ErrIsDirectory is File.Err for a licence file name that is a directory.
var ErrIsDirectory = errors.New("is a directory")

// Best returns the match with the largest coverage, and false when there is
// none.
func (f File) Best() (Match, bool) {
	if len(f.Matches) == 0 {
		return Match{}, false
	}
	best := f.Matches[0]
	for _, m := range f.Matches[1:] {
		if m.Coverage > best.Coverage {
			best = m
		}
	}
	return best, true
}

// Recognised reports whether the file is identified: at least one licence
// matched and the matches cover at least MinCoverage of the text.
func (f File) Recognised() bool {
	return f.Err == nil && len(f.Matches) > 0 && f.Coverage >= MinCoverage
}

// Usable reports whether the file could be read and holds text of its own:
// not empty, not only a pointer.
func (f File) Usable() bool {
	return f.Err == nil && !f.Empty && !f.Pointer
}

// IDs returns the distinct licence ids matched in the file, sorted.
func (f File) IDs() []string {
	seen := map[string]bool{}
	var ids []string
	for _, m := range f.Matches {
		if !seen[m.SPDX] {
			seen[m.SPDX] = true
			ids = append(ids, m.SPDX)
		}
	}
	sort.Strings(ids)
	return ids
}

// baseNames are the names GitHub and licensee accept as licence files.
var baseNames = []string{"license", "licence", "copying", "unlicense"}

// textExts are the extensions of a licence file written as text.
var textExts = map[string]bool{
	"md": true, "markdown": true, "mdown": true, "txt": true, "text": true,
	"rst": true, "adoc": true, "asciidoc": true, "html": true, "htm": true,
	"org": true,
}

// codeExts are extensions that make a name a program or data file even
// when it starts with "license" (license.go, license-checker.json,
// license.spdx): those are not licence texts.
var codeExts = map[string]bool{
	"go": true, "js": true, "mjs": true, "cjs": true, "ts": true, "tsx": true,
	"jsx": true, "json": true, "yml": true, "yaml": true, "toml": true,
	"xml": true, "py": true, "java": true, "kt": true, "rb": true, "rs": true,
	"c": true, "h": true, "cpp": true, "cs": true, "sh": true, "ps1": true,
	"bat": true, "php": true, "swift": true, "scala": true, "vue": true,
	"css": true, "scss": true, "sql": true, "lock": true, "gradle": true,
	"properties": true, "spdx": true, "header": true, "gemspec": true,
	"tmpl": true, "tpl": true, "j2": true, "cfg": true, "ini": true,
	"csv": true, "pdf": true, "png": true, "svg": true, "jpg": true,
}

// suffixRE is what may follow a base name after a separator: a licence
// name or variant such as "AGPLv3", "MIT", "LESSER", "apache-2.0".
var suffixRE = regexp.MustCompile(`^[a-z0-9][a-z0-9.+_-]*$`)

// notLicenceSuffixRE recognises files named after a licence that are not
// the project's licence: third-party notices and dependency lists
// (LICENSE-THIRD-PARTY, LICENSE-3rdparty.txt) and source header templates
// for licence plugins (license-header.txt, LICENSE_HEADER).
var notLicenceSuffixRE = regexp.MustCompile(`third|3rd|party|vendor|dependenc|deps|notice|header|template|list|report`)

// Candidates returns the entries of a root listing that are licence files:
// LICENSE, LICENCE, COPYING and UNLICENSE in any case, bare or with a text
// extension (.md, .txt, .rst, ...), and with a suffix naming a licence
// (LICENSE-AGPLv3.txt, LICENSE.MIT, COPYING.LESSER, LICENSE_APACHE).
// Program and data files that merely start with such a name (license.go,
// license-checker.json), third-party notices (LICENSE-THIRD-PARTY) and
// header templates (license-header.txt) are not candidates. A directory is a candidate only
// under a bare name (a folder named LICENSE), so that the rules can say that
// LICENSE is a directory; LICENSES/ (REUSE) and similar folders are not.
func Candidates(entries []fs.DirEntry) []fs.DirEntry {
	var out []fs.DirEntry
	for _, e := range entries {
		if IsCandidate(e.Name(), e.IsDir()) {
			out = append(out, e)
		}
	}
	return out
}

// IsCandidate reports whether a root entry name is a licence file name (see
// Candidates).
func IsCandidate(name string, dir bool) bool {
	n := strings.ToLower(name)
	if i := strings.LastIndexByte(n, '.'); i > 0 {
		ext := n[i+1:]
		if codeExts[ext] {
			return false
		}
		if textExts[ext] {
			n = n[:i]
		}
	}
	for _, b := range baseNames {
		if n == b {
			return true
		}
		if dir || !strings.HasPrefix(n, b) || len(n) < len(b)+2 {
			continue
		}
		switch n[len(b)] {
		case '-', '.', '_':
			suffix := n[len(b)+1:]
			if suffixRE.MatchString(suffix) && !notLicenceSuffixRE.MatchString(suffix) {
				return true
			}
		}
	}
	return false
}

// Detect identifies the licences in one licence file.
func Detect(path string, data []byte) File {
	f := File{Path: path}
	text := Normalize(data)
	total := countWords(text)
	if utf8.Valid(data) {
		f.CopyrightLines = FindCopyright(text)
	} else {
		// Not UTF-8: most likely Latin-1 ("M\xfcnchen"). Read the
		// copyright lines as Latin-1 so the holder's name survives; line
		// numbers are unchanged since line breaks are the same bytes.
		f.CopyrightLines = FindCopyright(Normalize(latin1(data)))
	}
	if total == 0 {
		f.Empty = true
		return f
	}
	cov := scan(text, total, f.CopyrightLines)
	var urls []string
	var words []int
	sum := 0
	for _, m := range cov.Match {
		if m.IsURL {
			urls = append(urls, m.ID)
			continue
		}
		f.Matches = append(f.Matches, Match{SPDX: m.ID, Start: m.Start, End: m.End})
		w := countWords(text[m.Start:m.End])
		words = append(words, w)
		sum += w
	}
	f.Mentions = dedup(urls)
	if len(f.Matches) == 0 {
		// licensecheck counts a recognised URL as covered text, but a link
		// is not a licence text: the file only points elsewhere.
		f.Pointer = total <= pointerMaxWords && (len(urls) > 0 || pointerRE.Match(text))
		if f.Pointer {
			f.Mentions = dedup(append(urls, mentions(text)...))
		}
		return f
	}
	f.Coverage = round2(cov.Percent / 100)
	// licensecheck reports coverage per file only; share it among the
	// matches by their word counts, so the matches add up to the file.
	for i := range f.Matches {
		if len(f.Matches) == 1 || sum == 0 {
			f.Matches[i].Coverage = f.Coverage
			continue
		}
		f.Matches[i].Coverage = round2(f.Coverage * float64(words[i]) / float64(sum))
	}
	return f
}

// pointerRE recognises a short note that names a licence or sends the
// reader elsewhere instead of holding the licence text.
var pointerRE = regexp.MustCompile(`(?i)\b(see|refer|referred|described|found|available|located|details|licen[cs]ed|licen[cs]e|licen[cs]es|lizenz|lizenziert|siehe|readme)\b|https?://`)

func round2(x float64) float64 { return math.Round(x*100) / 100 }

func dedup(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	seen := map[string]bool{}
	var out []string
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	sort.Strings(out)
	return out
}

// countWords counts runs of letters and digits, the words licensecheck
// counts when it computes coverage.
func countWords(b []byte) int {
	n := 0
	in := false
	for len(b) > 0 {
		var w bool
		if c := b[0]; c < utf8.RuneSelf {
			// ASCII, nearly all of a licence text: no decoding.
			b = b[1:]
			w = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
		} else {
			r, size := utf8.DecodeRune(b)
			b = b[size:]
			w = unicode.IsLetter(r) || unicode.IsDigit(r) || r == '©' || in && unicode.Is(unicode.Mn, r)
		}
		if w && !in {
			n++
		}
		in = w
	}
	return n
}

// latin1 decodes ISO 8859-1 into UTF-8.
func latin1(data []byte) []byte {
	out := make([]byte, 0, len(data)+len(data)/8)
	for _, c := range data {
		out = utf8.AppendRune(out, rune(c))
	}
	return out
}

// licencePageRE finds the licence id in the address of a licence's page on
// the sites that pointers usually link.
var licencePageRE = regexp.MustCompile(`(?i)(?:opensource\.org|spdx\.org|choosealicense\.com)/licen[sc]es/([a-z0-9.+-]+?)(?:\.html|\.php|/|\b)`)

// spdxTokenRE finds words that may be SPDX ids ("EUPL-1.2", "MIT").
var spdxTokenRE = regexp.MustCompile(`[A-Za-z0-9][A-Za-z0-9.+-]*[A-Za-z0-9+]`)

// mentions returns the SPDX ids a short note names, by licence page
// address or by id. An id counts only when written exactly as SPDX spells
// it and it has a digit, a hyphen or is all capitals, so that ordinary
// words that happen to be ids ("Fair", "curl") do not.
func mentions(text []byte) []string {
	var ids []string
	for _, m := range licencePageRE.FindAllSubmatch(text, -1) {
		if ok, id := spdxexp.ActiveLicense(string(m[1])); ok {
			ids = append(ids, id)
		}
	}
	for _, tok := range spdxTokenRE.FindAll(text, -1) {
		t := string(tok)
		if !strings.ContainsAny(t, "-0123456789") && strings.ToUpper(t) != t {
			continue
		}
		if ok, id := spdxexp.ActiveLicense(t); ok && id == t {
			ids = append(ids, id)
		}
	}
	return ids
}

// Licence detection runs in tiers, because building licensecheck's
// scanner costs time in proportion to the licences it knows: the full set
// (over 500 licences) takes seconds of CPU on first use, which would
// dominate every scan. The first tier knows only the licences LHM
// publishes under (builds in about a millisecond); the second the ones
// public administrations meet in cooperation projects and dependencies
// (tens of milliseconds); the full set is built only for a text neither
// recognises, so a rare licence is still named.
var tiers = []*tier{
	newTier("MIT EUPL-1.2"),
	newTier(`MIT MIT-0 Apache-2.0 BSD-2-Clause BSD-3-Clause 0BSD ISC Zlib BSL-1.0
		EUPL-1.1 EUPL-1.2 AGPL-3.0 GPL-2.0 GPL-3.0 LGPL-2.1 LGPL-3.0 MPL-2.0
		EPL-1.0 EPL-2.0 Unlicense CC0-1.0 CC-BY-4.0 CC-BY-SA-4.0 Artistic-2.0 WTFPL`),
}

// tier is a licensecheck scanner over a subset of the built-in licences,
// built on first use.
type tier struct {
	ids     map[string]bool
	once    sync.Once
	scanner *licensecheck.Scanner
	err     error
}

func newTier(ids string) *tier {
	t := &tier{ids: map[string]bool{}}
	for _, id := range strings.Fields(ids) {
		t.ids[id] = true
	}
	return t
}

func (t *tier) scan(text []byte) (licensecheck.Coverage, error) {
	t.once.Do(func() {
		var subset []licensecheck.License
		for _, l := range licensecheck.BuiltinLicenses() {
			if t.ids[l.ID] {
				subset = append(subset, l)
			}
		}
		t.scanner, t.err = licensecheck.NewScanner(subset)
	})
	if t.err != nil {
		return licensecheck.Coverage{}, t.err
	}
	return t.scanner.Scan(text), nil
}

// fullScanMinWords is the shortest unrecognised text that is scanned again
// with the full licence set.
const fullScanMinWords = 25

// scan classifies text tier by tier until one recognises it. A text a
// tier does not recognise is scanned again without its copyright lines (a
// project's own copyright line inserted into a licence's preamble, as
// eappointment puts one into the EUPL's, breaks the word sequence the
// patterns expect).
func scan(text []byte, words int, copyrights []Copyright) licensecheck.Coverage {
	recognised := func(c licensecheck.Coverage) bool { return c.Percent >= MinCoverage*100 }
	var best licensecheck.Coverage
	var blanked []byte
	if len(copyrights) > 0 {
		blanked = blankCopyrightLines(text, copyrights)
	}
	for _, t := range tiers {
		for _, in := range [][]byte{text, blanked} {
			if in == nil {
				continue
			}
			c, err := t.scan(in)
			if err != nil {
				break
			}
			if c.Percent > best.Percent || best.Match == nil && len(c.Match) > 0 {
				best = c
			}
			if recognised(best) {
				return best
			}
		}
	}
	// A one-line pointer ("see README") is not worth the full set.
	if words < fullScanMinWords {
		return best
	}
	for _, in := range [][]byte{text, blanked} {
		if in == nil {
			continue
		}
		if c := licensecheck.Scan(in); c.Percent > best.Percent {
			best = c
		}
		if recognised(best) {
			break
		}
	}
	return best
}

// blankCopyrightLines returns a copy of text with the copyright lines replaced by
// spaces, so byte offsets stay valid.
func blankCopyrightLines(text []byte, lines []Copyright) []byte {
	drop := map[int]bool{}
	for _, c := range lines {
		drop[c.Line] = true
	}
	out := append([]byte(nil), text...)
	line := 1
	for i, b := range out {
		if b == '\n' {
			line++
			continue
		}
		if drop[line] {
			out[i] = ' '
		}
	}
	return out
}
