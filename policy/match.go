package policy

import (
	"bytes"
	"regexp"
	"regexp/syntax"
	"sync"
	"unicode"
	"unicode/utf8"
)

// matcher is a compiled pattern of a custom rule with a literal
// prefilter. Go's regexp scans fast only when a pattern starts with a
// literal; an alternation or (?i) makes it try every position (30 µs for a
// 1 KB README), and a policy may hold hundreds of such checks. Most files
// do not match, and a match must contain one of the pattern's required
// literals, so looking for those first (bytes.Index, case-folded when the
// pattern ignores case) settles most files without running the regexp.
type matcher struct {
	re *regexp.Regexp
	// lits are literals of which every match contains at least one; nil
	// when the pattern has none (then the regexp always runs).
	lits [][]byte
	// fold says that lits are case-folded (foldBytes) and must be looked
	// for in folded text.
	fold bool
	// oneLine is true when no match can contain a line break or depend on
	// the start or end of the whole text: then a match lies within one
	// line that holds a literal, and the regexp runs on those lines only.
	oneLine bool
}

// matchers caches compiled patterns: parameters are checked at load time,
// but a profile may set another pattern than the default, and compiling
// once per repository would be waste.
var matchers sync.Map // string -> *matcher

func compiled(pattern string) (*matcher, error) {
	if m, ok := matchers.Load(pattern); ok {
		return m.(*matcher), nil
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, err
	}
	m := &matcher{re: re}
	if syn, err := syntax.Parse(pattern, syntax.Perl); err == nil {
		if lits, fold, ok := required(syn.Simplify()); ok {
			m.fold = fold
			for _, l := range lits {
				if l == "" || bytes.ContainsRune([]byte(l), utf8.RuneError) {
					m.lits, m.fold = nil, false
					break
				}
				if fold {
					folded, _ := foldBytes([]byte(l))
					m.lits = append(m.lits, folded)
				} else {
					m.lits = append(m.lits, []byte(l))
				}
			}
			m.oneLine = m.lits != nil && singleLine(syn)
		}
	}
	matchers.Store(pattern, m)
	return m, nil
}

// folder returns the folded form of a text (foldBytes), e.g. from a
// cache; nil folds on every call.
type folder func() (folded []byte, sameOffsets bool)

// text is what the literals are looked for in: data itself, or its
// folded form; sameOffsets is false when folding shifted byte offsets.
func (m *matcher) text(data []byte, fold folder) (text []byte, sameOffsets bool) {
	switch {
	case !m.fold:
		return data, true
	case fold != nil:
		return fold()
	}
	return foldBytes(data)
}

// next returns the earliest position at or after from where a literal
// occurs in text, or -1.
func (m *matcher) next(text []byte, from int) int {
	first := -1
	for _, l := range m.lits {
		if i := bytes.Index(text[from:], l); i >= 0 && (first < 0 || from+i < first) {
			first = from + i
		}
	}
	return first
}

// mayMatch is false only when no match is possible.
func (m *matcher) mayMatch(data []byte) bool {
	if m.lits == nil {
		return true
	}
	text, _ := m.text(data, nil)
	return m.next(text, 0) >= 0
}

func (m *matcher) Match(data []byte) bool { return m.FindIndex(data) != nil }

func (m *matcher) FindIndex(data []byte) []int { return m.first(data, nil) }

// first is FindIndex with a folder for data.
func (m *matcher) first(data []byte, fold folder) []int {
	if all := m.findAll(data, fold, 1); len(all) > 0 {
		return all[0]
	}
	return nil
}

// FindAllIndex is regexp's FindAllIndex: up to n matches (all when n < 0).
func (m *matcher) FindAllIndex(data []byte, n int) [][]int { return m.findAll(data, nil, n) }

func (m *matcher) findAll(data []byte, fold folder, n int) [][]int {
	if m.lits == nil {
		return m.re.FindAllIndex(data, n)
	}
	text, sameOffsets := m.text(data, fold)
	at := m.next(text, 0)
	if at < 0 {
		return nil
	}
	if !m.oneLine || !sameOffsets {
		return m.re.FindAllIndex(data, n)
	}
	var out [][]int
	for at >= 0 && (n < 0 || len(out) < n) {
		start := bytes.LastIndexByte(data[:at], '\n') + 1
		end := len(data)
		if i := bytes.IndexByte(data[at:], '\n'); i >= 0 {
			end = at + i
		}
		limit := -1
		if n >= 0 {
			limit = n - len(out)
		}
		for _, loc := range m.re.FindAllIndex(data[start:end], limit) {
			out = append(out, []int{start + loc[0], start + loc[1]})
		}
		if end >= len(data) {
			break
		}
		at = m.next(text, end+1)
	}
	return out
}

// singleLine reports whether no match of re can contain a line break or
// depend on the beginning or end of the whole text (\A, \z, or ^ and $
// without (?m)): then matching each line alone finds the same matches.
func singleLine(re *syntax.Regexp) bool {
	switch re.Op {
	case syntax.OpBeginText, syntax.OpEndText, syntax.OpAnyChar:
		return false
	case syntax.OpLiteral:
		for _, r := range re.Rune {
			if r == '\n' {
				return false
			}
		}
	case syntax.OpCharClass:
		for i := 0; i+1 < len(re.Rune); i += 2 {
			if re.Rune[i] <= '\n' && '\n' <= re.Rune[i+1] {
				return false
			}
		}
	}
	for _, sub := range re.Sub {
		if !singleLine(sub) {
			return false
		}
	}
	return true
}

// required returns literals of which every match of re contains one, and
// whether they are case-insensitive; ok is false when re has no such set.
func required(re *syntax.Regexp) (lits []string, fold, ok bool) {
	switch re.Op {
	case syntax.OpLiteral:
		return []string{string(re.Rune)}, re.Flags&syntax.FoldCase != 0, len(re.Rune) > 0
	case syntax.OpCapture, syntax.OpPlus:
		return required(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return required(re.Sub[0])
		}
	case syntax.OpConcat:
		// The child whose shortest literal is longest filters best.
		best := -1
		for _, sub := range re.Sub {
			l, f, ok := required(sub)
			if !ok {
				continue
			}
			if s := shortest(l); s > best {
				best, lits, fold = s, l, f
			}
		}
		return lits, fold, best > 0
	case syntax.OpAlternate:
		for _, sub := range re.Sub {
			l, f, ok := required(sub)
			if !ok {
				return nil, false, false
			}
			lits = append(lits, l...)
			fold = fold || f
		}
		return lits, fold, len(lits) > 0
	}
	return nil, false, false
}

func shortest(ss []string) int {
	n := -1
	for _, s := range ss {
		if n < 0 || len(s) < n {
			n = len(s)
		}
	}
	return n
}

// foldBytes maps every rune to the smallest rune it case-folds with (the
// way regexp's (?i) compares), so that two texts that match each other
// case-insensitively become equal. Invalid UTF-8 becomes U+FFFD, as
// regexp reads it. sameOffsets is true when every rune kept its width,
// so that offsets into the result are offsets into b.
func foldBytes(b []byte) (out []byte, sameOffsets bool) {
	out = make([]byte, 0, len(b))
	sameOffsets = true
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			out = append(out, asciiFold[c])
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		f := foldRune(r)
		if utf8.RuneLen(f) != n {
			sameOffsets = false
		}
		out = utf8.AppendRune(out, f)
		i += n
	}
	return out, sameOffsets
}

var asciiFold = func() (t [utf8.RuneSelf]byte) {
	for c := range t {
		t[c] = byte(foldRune(rune(c)))
	}
	return t
}()

// foldRune returns the smallest rune of r's case-folding orbit.
func foldRune(r rune) rune {
	min := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if f < min {
			min = f
		}
	}
	return min
}
