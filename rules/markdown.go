package rules

import (
	"bytes"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/it-at-m/ospo-scan/forges"
)

// This file turns a README into the facts the documentation, security and
// branding rules ask about: its level-2 sections (with their text, since
// the Contact section holds the project's e-mail address), its link
// reference definitions (the template's badges are reference links), and
// how much prose it holds once markup is set aside. It is deliberately a
// line scanner, not a full CommonMark parser: headings, code fences, HTML
// comments and setext underlines are what matter for these rules.

// Doc is a parsed Markdown (or reStructuredText) document.
type Doc struct {
	// File is the lookup result the document was parsed from.
	File File
	// Binary is true when the file holds NUL bytes; nothing else is
	// parsed then.
	Binary bool
	// InvalidUTF8 is true when the file is not valid UTF-8; it is parsed
	// with invalid bytes replaced.
	InvalidUTF8 bool
	// Text is the document with a leading byte order mark removed and
	// line endings normalised to "\n".
	Text string
	// Lines are Text's lines; Lines[0] is line 1.
	Lines []string
	// Headings are all headings outside code fences and HTML comments.
	Headings []Heading
	// Sections are the level-2 sections (for reStructuredText, the
	// titles one level below the document title).
	Sections []Section
	// Refs maps a link reference label, lower-cased, to its definition.
	Refs map[string]LinkRef
	// TextBytes is the size of the document's prose: whitespace
	// collapsed, and HTML, comments, images, link targets, reference
	// definitions and Markdown punctuation removed.
	TextBytes int
}

// Heading is one heading.
type Heading struct {
	Level int
	Title string // as written, trimmed
	Norm  string // NormalizeHeading(Title)
	Line  int    // 1-based line of the title text
	// first and after are the 0-based indexes of the heading's first
	// line (an overline included) and of the line after it (an
	// underline included).
	first, after int
}

// Section is a level-2 heading and the text up to the next heading of
// level 1 or 2.
type Section struct {
	Heading
	// BodyLine is the line number of the first line of Body.
	BodyLine int
	// EndLine is the last line of the section.
	EndLine int
	// Body is the section's text, without its heading.
	Body string
}

// LinkRef is a link reference definition "[label]: url".
type LinkRef struct {
	URL  string
	Line int
}

// Readme returns the repository's README, found by FindReadme and
// parsed once per scan. It is never nil; Doc.File says whether a README
// was found and read.
func (f *Facts) Readme() *Doc {
	return memoize(f, "doc:README", func(*forges.Repo) *Doc {
		file := f.FindReadme()
		if !file.Found() || file.Err != nil {
			return &Doc{File: file}
		}
		d := ParseDoc(file.Path, file.Data)
		d.File = file
		return d
	})
}

// ParseDoc parses a document's headings and sections. A name ending in
// ".rst" is read as reStructuredText; anything else as Markdown (plain
// text READMEs parse as Markdown without headings).
func ParseDoc(name string, data []byte) *Doc {
	d := &Doc{Refs: map[string]LinkRef{}}
	if bytes.IndexByte(data, 0) >= 0 {
		d.Binary = true
		return d
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	text := string(data)
	if !utf8.ValidString(text) {
		d.InvalidUTF8 = true
		text = strings.ToValidUTF8(text, "\uFFFD")
	}
	text = strings.ReplaceAll(text, "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")
	d.Text = text
	d.Lines = strings.Split(text, "\n")
	if strings.HasSuffix(strings.ToLower(name), ".rst") {
		d.Headings = rstHeadings(d.Lines)
	} else {
		d.Headings = markdownHeadings(d.Lines)
		for i, l := range d.Lines {
			if m := refDefRe.FindStringSubmatch(l); m != nil {
				label := refLabel(m[1])
				if _, dup := d.Refs[label]; !dup { // the first definition wins
					d.Refs[label] = LinkRef{URL: m[2], Line: i + 1}
				}
			}
		}
	}
	d.Sections = sectionsOf(d.Lines, d.Headings)
	d.TextBytes = proseBytes(text)
	return d
}

// Section returns the first level-2 section whose title matches name (see
// SectionMatches), or nil.
func (d *Doc) Section(name string) *Section {
	want := NormalizeHeading(name)
	for i := range d.Sections {
		if SectionMatches(d.Sections[i].Norm, want) {
			return &d.Sections[i]
		}
	}
	return nil
}

// SectionMatches reports whether a normalised section title satisfies a
// normalised wanted name: equal, or the name followed by more words
// ("license and copyright" satisfies "license"; "licenses of
// dependencies" does not).
func SectionMatches(title, want string) bool {
	return want != "" && (title == want || strings.HasPrefix(title, want+" "))
}

var (
	atxRe      = regexp.MustCompile(`^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$`)
	htmlHRe    = regexp.MustCompile(`(?i)^\s*<h([1-6])(?:\s[^>]*)?>(.*?)</h[1-6]>\s*$`)
	setextRe   = regexp.MustCompile(`^ {0,3}(=+|-+)[ \t]*$`)
	fenceRe    = regexp.MustCompile("^ {0,3}(`{3,}|~{3,})(.*)$")
	refDefRe   = regexp.MustCompile(`^ {0,3}\[([^\]]+)\]:[ \t]*<?([^\s>]+)>?`)
	blockRe    = regexp.MustCompile(`^ {0,3}(?:[-+*][ \t]|\d{1,9}[.)][ \t]|>|\|)`)
	thematicRe = regexp.MustCompile(`^ {0,3}(?:(?:\*[ \t]*){3,}|(?:_[ \t]*){3,})$`)
)

// markdownHeadings finds ATX, setext and one-line HTML headings outside
// code fences, HTML comments and YAML front matter.
func markdownHeadings(lines []string) []Heading {
	var out []Heading
	var fence string   // the opening fence while inside a code block
	inComment := false // inside a multi-line <!-- comment -->
	paraStart := -1    // first line of the open paragraph, -1 if none
	start := frontMatterEnd(lines)
	for i := start; i < len(lines); i++ {
		line := lines[i]
		if fence != "" {
			if m := fenceRe.FindStringSubmatch(line); m != nil && m[1][0] == fence[0] && len(m[1]) >= len(fence) && strings.TrimSpace(m[2]) == "" {
				fence = ""
			}
			continue
		}
		if inComment {
			if strings.Contains(line, "-->") {
				inComment = false
			}
			paraStart = -1
			continue
		}
		if m := fenceRe.FindStringSubmatch(line); m != nil && !(m[1][0] == '`' && strings.Contains(m[2], "`")) {
			fence = m[1]
			paraStart = -1
			continue
		}
		if open := strings.LastIndex(line, "<!--"); open >= 0 && !strings.Contains(line[open:], "-->") {
			inComment = true
			paraStart = -1
			continue
		}
		if strings.TrimSpace(line) == "" {
			paraStart = -1
			continue
		}
		if m := atxRe.FindStringSubmatch(line); m != nil {
			out = append(out, newHeading(len(m[1]), m[2], i+1, i, i+1))
			paraStart = -1
			continue
		}
		if m := htmlHRe.FindStringSubmatch(line); m != nil {
			out = append(out, newHeading(int(m[1][0]-'0'), htmlTagRe.ReplaceAllString(m[2], ""), i+1, i, i+1))
			paraStart = -1
			continue
		}
		if m := setextRe.FindStringSubmatch(line); m != nil && paraStart >= 0 {
			level := 2
			if m[1][0] == '=' {
				level = 1
			}
			title := strings.Join(trimAll(lines[paraStart:i]), " ")
			out = append(out, newHeading(level, title, paraStart+1, paraStart, i+1))
			paraStart = -1
			continue
		}
		if thematicRe.MatchString(line) || setextRe.MatchString(line) {
			paraStart = -1 // a thematic break
			continue
		}
		if blockRe.MatchString(line) || strings.HasPrefix(line, "    ") || strings.HasPrefix(line, "\t") {
			// List items, block quotes, tables and indented code cannot
			// be underlined into a heading.
			paraStart = -2
			continue
		}
		if paraStart == -1 {
			paraStart = i
		}
	}
	return out
}

// frontMatterEnd returns the index of the first line after a YAML front
// matter block ("---" ... "---" at the very top), or 0.
func frontMatterEnd(lines []string) int {
	if len(lines) == 0 || strings.TrimSpace(lines[0]) != "---" {
		return 0
	}
	for i := 1; i < len(lines); i++ {
		if t := strings.TrimSpace(lines[i]); t == "---" || t == "..." {
			return i + 1
		}
	}
	return 0
}

// rstHeadings finds reStructuredText section titles: a title line
// underlined (and optionally overlined) with one punctuation character.
// Levels follow the order in which adornment styles first appear.
func rstHeadings(lines []string) []Heading {
	type title struct {
		style       string
		text        string
		line, first int
	}
	var found []title
	var styles []string
	for i := 1; i < len(lines); i++ {
		c, ok := rstAdornment(lines[i])
		t := strings.TrimRightFunc(lines[i-1], unicode.IsSpace)
		if !ok || t == "" || t != strings.TrimLeftFunc(t, unicode.IsSpace) {
			continue
		}
		if _, isAdornment := rstAdornment(t); isAdornment {
			continue
		}
		style, first := string(c), i-1
		if i >= 2 {
			if o, ok := rstAdornment(lines[i-2]); ok && o == c {
				style += "/" + style // overlined
				first = i - 2
			} else if strings.TrimSpace(lines[i-2]) != "" {
				continue // a title follows a blank line (or its overline)
			}
		}
		found = append(found, title{style, strings.TrimSpace(t), i, first})
		known := false
		for _, s := range styles {
			known = known || s == style
		}
		if !known {
			styles = append(styles, style)
		}
	}
	// A document title is the first style used once at the top; section
	// titles are then one level below it. Without such a title the first
	// style is already the section level.
	shift := 1
	if len(found) > 0 {
		n := 0
		for _, t := range found {
			if t.style == found[0].style {
				n++
			}
		}
		if n == 1 && len(styles) > 1 {
			shift = 0
		}
	}
	out := make([]Heading, 0, len(found))
	for _, t := range found {
		level := 0
		for j, s := range styles {
			if s == t.style {
				level = j + 1 + shift
			}
		}
		out = append(out, newHeading(level, t.text, t.line, t.first, t.line+1))
	}
	return out
}

// rstAdornment reports whether line is a run (at least 2) of one
// punctuation character, returning the character.
func rstAdornment(line string) (rune, bool) {
	t := strings.TrimRightFunc(line, unicode.IsSpace)
	if len(t) < 2 {
		return 0, false
	}
	c := rune(t[0])
	if !strings.ContainsRune("=-~^*+#\"'`:._", c) {
		return 0, false
	}
	for _, r := range t {
		if r != c {
			return 0, false
		}
	}
	return c, true
}

func newHeading(level int, title string, line, first, after int) Heading {
	title = strings.TrimSpace(title)
	return Heading{Level: level, Title: title, Norm: NormalizeHeading(title), Line: line, first: first, after: after}
}

// sectionsOf cuts the document into its level-2 sections.
func sectionsOf(lines []string, hs []Heading) []Section {
	var out []Section
	for i, h := range hs {
		if h.Level != 2 {
			continue
		}
		body := min(h.after, len(lines)) // 0-based
		end := len(lines)                // exclusive, 0-based
		for _, next := range hs[i+1:] {
			if next.Level <= 2 {
				end = next.first
				break
			}
		}
		if end < body {
			end = body
		}
		out = append(out, Section{
			Heading:  h,
			BodyLine: body + 1,
			EndLine:  max(end, h.Line),
			Body:     strings.Join(lines[body:end], "\n"),
		})
	}
	return out
}

func trimAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strings.TrimSpace(s)
	}
	return out
}

var (
	htmlTagRe      = regexp.MustCompile(`<[^>]*>`)
	htmlCommentRe  = regexp.MustCompile(`(?s)<!--.*?-->`)
	imageRe        = regexp.MustCompile(`!\[[^\]]*\](?:\([^)]*\)|\[[^\]]*\])`)
	inlineLinkRe   = regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`)
	refLinkRe      = regexp.MustCompile(`\[([^\]]*)\]\[[^\]]*\]`)
	shortcutLinkRe = regexp.MustCompile(`\[([^\]]*)\]`)
	shortcodeRe    = regexp.MustCompile(`:[a-z0-9_+\-]+:`)
	numberingRe    = regexp.MustCompile(`^\d+(?:[.)]\d+)*[.):]?\s+`)
	spaceRe        = regexp.MustCompile(`\s+`)
	licenceRe      = regexp.MustCompile(`\blicenc(e|es|ing)\b`)
	refDefLineRe   = regexp.MustCompile(`(?m)^ {0,3}\[[^\]]+\]:[ \t]*\S.*$`)
	listMarkerRe   = regexp.MustCompile(`(?m)^[ \t]*(?:[-+*]|\d{1,9}[.)])[ \t]+`)
	ruleLineRe     = regexp.MustCompile(`(?m)^[ \t]*[-=*_~` + "`" + `]{3,}[ \t]*$`)
	markupCharRe   = regexp.MustCompile("[#*_~`|>]")
)

// NormalizeHeading makes a heading comparable: lower case, without emoji
// (characters and :shortcodes:), HTML, images, Markdown links and
// emphasis, leading numbering ("1.", "2)", "3.1") or trailing colons,
// with whitespace collapsed and the British "licence" spelled "license".
func NormalizeHeading(s string) string {
	s = htmlTagRe.ReplaceAllString(s, " ")
	s = imageRe.ReplaceAllString(s, " ")
	s = inlineLinkRe.ReplaceAllString(s, "$1")
	s = refLinkRe.ReplaceAllString(s, "$1")
	s = shortcutLinkRe.ReplaceAllString(s, "$1")
	s = strings.ToLower(s)
	s = shortcodeRe.ReplaceAllString(s, " ")
	s = strings.Map(func(r rune) rune {
		switch {
		case isEmojiRune(r):
			return -1
		case r == '*' || r == '_' || r == '`' || r == '~':
			return -1
		}
		return r
	}, s)
	s = strings.TrimSpace(spaceRe.ReplaceAllString(s, " "))
	s = strings.Trim(s, " -–—|·•:")
	s = numberingRe.ReplaceAllString(s, "")
	s = strings.TrimRight(s, " :.!")
	s = strings.Trim(s, " -–—|·•")
	return licenceRe.ReplaceAllString(s, "licens$1")
}

// isEmojiRune reports runes that make up emoji and pictographs: symbols,
// variation selectors, joiners, keycaps, tag characters, skin tones and
// private-use icon-font glyphs.
func isEmojiRune(r rune) bool {
	switch {
	case unicode.Is(unicode.So, r), unicode.Is(unicode.Sk, r), unicode.Is(unicode.Co, r):
		return true
	case r >= 0xFE00 && r <= 0xFE0F, r == 0x200D, r == 0x20E3:
		return true
	case r >= 0xE0020 && r <= 0xE007F, r >= 0x1F3FB && r <= 0x1F3FF:
		return true
	}
	return false
}

// refLabel normalises a link reference label as CommonMark matches it:
// case-insensitively with whitespace collapsed.
func refLabel(s string) string {
	return strings.ToLower(strings.TrimSpace(spaceRe.ReplaceAllString(s, " ")))
}

// proseBytes measures a document's prose: what is left after removing
// comments, reference definitions, images, link targets, HTML tags,
// horizontal rules, list markers and Markdown punctuation, with runs of
// whitespace counted as one byte.
func proseBytes(text string) int {
	s := htmlCommentRe.ReplaceAllString(text, " ")
	s = refDefLineRe.ReplaceAllString(s, " ")
	s = imageRe.ReplaceAllString(s, " ")
	s = inlineLinkRe.ReplaceAllString(s, "$1")
	s = refLinkRe.ReplaceAllString(s, "$1")
	s = htmlTagRe.ReplaceAllString(s, " ")
	s = ruleLineRe.ReplaceAllString(s, " ")
	s = listMarkerRe.ReplaceAllString(s, " ")
	s = markupCharRe.ReplaceAllString(s, " ")
	s = strings.TrimSpace(spaceRe.ReplaceAllString(s, " "))
	return len(s)
}
