package fix

import (
	"bytes"
	"fmt"
	"path"
	"strings"

	"github.com/it-at-m/ospo-scan/rules"
)

// SectionNames are the README sections fix writes, in the template's order:
// the default sections of docs/readme-sections.
var SectionNames = []string{"Contributing", "License", "Contact"}

// markup is the syntax of a README.
type markup int

const (
	markdown markup = iota
	restructuredText
)

// markupOf tells a README's markup by its name, as rules.ParseDoc does:
// ".rst" is reStructuredText, anything else Markdown.
func markupOf(name string) markup {
	if strings.HasSuffix(strings.ToLower(name), ".rst") {
		return restructuredText
	}
	return markdown
}

// link is a relative link from the README to another file.
type link struct{ Label, Href string }

// relLink returns the link from a file in directory fromDir (slash
// separated, "." for the root) to target (relative to the root).
func relLink(fromDir, target string) link {
	label := path.Base(target)
	if fromDir == "." {
		return link{label, target}
	}
	if strings.HasPrefix(target, fromDir+"/") {
		return link{label, strings.TrimPrefix(target, fromDir+"/")}
	}
	up := strings.Repeat("../", strings.Count(fromDir, "/")+1)
	return link{label, up + target}
}

// sectionData is what the section templates fill in. Links are relative
// to the README's directory.
type sectionData struct {
	Name    string
	Contact string
	// LicenseName is "the MIT License" or the SPDX ids of the licence
	// files, empty when they were not recognised.
	LicenseName      string
	LicenseFiles     []link
	ContributingFile *link
	CodeOfConduct    *link
	Security         *link
}

// renderSections writes the named sections in the README's markup: each a
// level-2 heading, a blank line and its text, with a blank line between
// sections and exactly one newline at the end. style is the
// reStructuredText adornment for the headings (e.g. "-", or "=/=" for an
// overline and underline); Markdown ignores it.
func renderSections(m markup, style string, names []string, d sectionData) (string, error) {
	var b strings.Builder
	for i, name := range names {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(heading(m, style, name))
		b.WriteString("\n")
		var body bytes.Buffer
		if err := sectionTemplates(m).ExecuteTemplate(&body, name, d); err != nil {
			return "", fmt.Errorf("rendering the README section %s: %w", name, err)
		}
		b.WriteString(strings.TrimRight(body.String(), "\n") + "\n")
	}
	return b.String(), nil
}

// heading writes a level-2 heading followed by its blank line.
func heading(m markup, style, title string) string {
	if m == markdown {
		return "## " + title + "\n"
	}
	c, over, _ := strings.Cut(style, "/")
	rule := strings.Repeat(c, len([]rune(title)))
	if over != "" {
		return rule + "\n" + title + "\n" + rule + "\n"
	}
	return title + "\n" + rule + "\n"
}

// rstSectionStyle returns the adornment of the document's existing
// level-2 sections, or else one that no heading uses yet, so that the
// appended titles become level-2 sections. The caller verifies the result
// by parsing it again.
func rstSectionStyle(d *rules.Doc) string {
	used := map[string]bool{}
	for _, h := range d.Headings {
		c, over, ok := adornmentAround(d.Lines, h.Line)
		if !ok {
			continue
		}
		style := c
		if over {
			style = c + "/" + c
		}
		if h.Level == 2 {
			return style
		}
		used[style] = true
	}
	for _, c := range []string{"-", "~", "^", "=", "+"} {
		if !used[c] {
			return c
		}
	}
	return "-"
}

// adornmentAround returns the underline character of the title on line
// (1-based) and whether the title is overlined too.
func adornmentAround(lines []string, line int) (string, bool, bool) {
	if line < 1 || line >= len(lines) {
		return "", false, false
	}
	under := strings.TrimRight(lines[line], " \t")
	if under == "" {
		return "", false, false
	}
	c := under[:1]
	over := line >= 2 && strings.TrimRight(lines[line-2], " \t") != "" &&
		strings.Trim(strings.TrimRight(lines[line-2], " \t"), c) == ""
	return c, over, true
}

// separator returns what must come between existing and an appended block
// so that exactly one blank line separates them: nothing for an empty file
// or one that already ends in a blank line, one line break after a final
// newline, two after a last line without one.
func separator(existing []byte, nl string) string {
	trimmed := bytes.TrimRight(existing, " \t\r\n")
	if len(trimmed) == 0 {
		return ""
	}
	switch bytes.Count(existing[len(trimmed):], []byte("\n")) {
	case 0:
		return nl + nl
	case 1:
		return nl
	}
	return ""
}

// lineEnding returns the file's line ending: "\r\n" when its first line
// ends so, else "\n".
func lineEnding(data []byte) string {
	if i := bytes.IndexByte(data, '\n'); i > 0 && data[i-1] == '\r' {
		return "\r\n"
	}
	return "\n"
}

// appendix returns the bytes to append to existing for block (written
// with "\n"): the separator, then the block in the file's line endings.
func appendix(existing []byte, block string) []byte {
	nl := lineEnding(existing)
	if nl != "\n" {
		block = strings.ReplaceAll(block, "\n", nl)
	}
	return []byte(separator(existing, nl) + block)
}

// missingSections returns which of names the README lacks, by the same
// matching as docs/readme-sections.
func missingSections(d *rules.Doc, names []string) []string {
	var out []string
	for _, n := range names {
		if d.Section(n) == nil {
			out = append(out, n)
		}
	}
	return out
}
