package policy

import (
	"regexp"
	"slices"
	"testing"
)

var matchCases = []struct{ pattern, text string }{
	{`opensource@muenchen\.de`, "write to opensource@muenchen.de"},
	{`(?i)opensource@muenchen\.de|r12`, "OPENSOURCE@MUENCHEN.DE"},
	{`(?i)opensource@muenchen\.de|r12`, "see r12"},
	{`(?i)opensource@muenchen\.de|r12`, "nothing here"},
	{`(?i)m(ü|ue)nchen`, "MÜNCHEN"},
	{`(?i)muenchendigital`, "MUENCHENDIGITAL"},
	{`(?i)kelvin`, "\u212Aelvin"}, // the Kelvin sign folds to k
	{`(?i)sign`, "\u017Fign"},     // so does the long s to s
	{`(?i)ß`, "ẞ"},
	{`(?m)^## Contact$`, "# A\n## Contact\n"},
	{`a+b`, "xaab"},
	{`(ab){2,}`, "abab"},
	{`x*`, ""},
	{`\d+`, "abc 42"},
	{"\uFFFD", "\xff"}, // invalid UTF-8 reads as U+FFFD
	{`(?i)a\x{FFFD}`, "A\xff"},
	{`[Cc]ontact|Kontakt`, "KONTAKT"},
	{`(?i:Contact)|Kontakt`, "CONTACT"},
	{`(?m)^\s*uses:\s*(\S+)`, "jobs:\n  a:\n    - uses: x@v1\n    - uses: y@v2\n"},
	{`uses:[^\n]*@v\d`, "a uses: b@v1 c\nuses: d@v2\nuses: e@main\n"},
	{`\buses\b`, "uses\nxuses\nuses"},
	{`^uses`, "a\nuses"},
	{`uses$`, "uses\nb"},
	{`a\sb`, "a\nb a b"},
	{`(?s)a.b`, "a\nb"},
	{`(?i)\x{212A}elvin$`, "kelvin"},
	{`(?i)straße`, "STRASSE strasse Straße"},
}

// TestMatcherAgreesWithRegexp: the prefilter never hides a match.
func TestMatcherAgreesWithRegexp(t *testing.T) {
	for _, tc := range matchCases {
		m, err := compiled(tc.pattern)
		if err != nil {
			t.Fatal(err)
		}
		re := regexp.MustCompile(tc.pattern)
		data := []byte(tc.text)
		if got, want := m.Match(data), re.Match(data); got != want {
			t.Errorf("%q on %q: Match %v, regexp %v", tc.pattern, tc.text, got, want)
		}
		if got, want := m.FindAllIndex(data, -1), re.FindAllIndex(data, -1); !slices.EqualFunc(got, want, slices.Equal) {
			t.Errorf("%q on %q: FindAllIndex %v, regexp %v", tc.pattern, tc.text, got, want)
		}
		if got, want := m.FindAllIndex(data, 1), re.FindAllIndex(data, 1); !slices.EqualFunc(got, want, slices.Equal) {
			t.Errorf("%q on %q: FindAllIndex(1) %v, regexp %v", tc.pattern, tc.text, got, want)
		}
	}
}

func TestMatcherSkipsFilesWithoutItsLiterals(t *testing.T) {
	m, _ := compiled(`(?i)opensource@muenchen\.de|r12`)
	if len(m.lits) != 2 || !m.fold {
		t.Fatalf("literals %q fold %v; want both alternatives, folded", m.lits, m.fold)
	}
	if m.mayMatch([]byte("# README\n\nNo address here.\n")) {
		t.Error("mayMatch is true for a text with neither literal")
	}
	if m, _ := compiled(`\d+`); m.lits != nil {
		t.Errorf("a pattern without literals has a prefilter %q", m.lits)
	}
	for pattern, want := range map[string]bool{`(?m)^## Contact$`: true, `a\sb`: false, `(?s)a.b`: false, `^uses`: false, `uses:.*x`: true} {
		if m, _ := compiled(pattern); m.oneLine != want {
			t.Errorf("%q: oneLine %v, want %v", pattern, m.oneLine, want)
		}
	}
}

// FuzzMatcher compares the prefiltered matcher with regexp on arbitrary
// patterns and texts.
func FuzzMatcher(f *testing.F) {
	for _, tc := range matchCases {
		f.Add(tc.pattern, tc.text)
	}
	f.Fuzz(func(t *testing.T, pattern, text string) {
		re, err := regexp.Compile(pattern)
		if err != nil {
			return
		}
		matchers.Delete(pattern)
		m, err := compiled(pattern)
		if err != nil {
			t.Fatalf("regexp compiles %q, compiled does not: %v", pattern, err)
		}
		data := []byte(text)
		if got, want := m.FindAllIndex(data, -1), re.FindAllIndex(data, -1); !slices.EqualFunc(got, want, slices.Equal) {
			t.Fatalf("%q on %q: FindAllIndex %v, regexp %v (literals %q fold %v one line %v)", pattern, text, got, want, m.lits, m.fold, m.oneLine)
		}
		if got, want := m.FindIndex(data), re.FindIndex(data); !slices.Equal(got, want) {
			t.Fatalf("%q on %q: FindIndex %v, regexp %v", pattern, text, got, want)
		}
		if got, want := m.FindAllIndex(data, 2), re.FindAllIndex(data, 2); !slices.EqualFunc(got, want, slices.Equal) {
			t.Fatalf("%q on %q: FindAllIndex(2) %v, regexp %v", pattern, text, got, want)
		}
	})
}
