package rules_test

import (
	"strings"
	"testing"

	"github.com/it-at-m/ospo-scan/rules"
)

func TestNormalizeHeading(t *testing.T) {
	tests := map[string]string{
		"Contributing":                    "contributing",
		"🤝 Contributing":                  "contributing",
		"Contributing 🤝":                  "contributing",
		"❤️ Contact":                      "contact",
		"👩🏽‍💻 Contributing":               "contributing",
		":handshake: Contributing":        "contributing",
		"3. License":                      "license",
		"2) Contact":                      "contact",
		"1.2 Usage":                       "usage",
		"10. Roadmap:":                    "roadmap",
		"License:":                        "license",
		"Licence":                         "license",
		"LICENSE":                         "license",
		"**License**":                     "license",
		"_Contact_":                       "contact",
		"[Contact](#contact)":             "contact",
		"<a name=\"license\"></a>License": "license",
		"`License`":                       "license",
		"  Built   With  ":                "built with",
		"Set up":                          "set up",
		"License & Copyright":             "license & copyright",
		"Licences of dependencies":        "licenses of dependencies",
		"1 - License":                     "license",
	}
	for in, want := range tests {
		if got := rules.NormalizeHeading(in); got != want {
			t.Errorf("NormalizeHeading(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSectionMatches(t *testing.T) {
	yes := [][2]string{{"license", "license"}, {"license and copyright", "license"}, {"contact us", "contact"}}
	no := [][2]string{{"licenses of dependencies", "license"}, {"contacts", "contact"}, {"", ""}, {"how to contribute", "contributing"}}
	for _, c := range yes {
		if !rules.SectionMatches(c[0], c[1]) {
			t.Errorf("%q should satisfy %q", c[0], c[1])
		}
	}
	for _, c := range no {
		if rules.SectionMatches(c[0], c[1]) {
			t.Errorf("%q should not satisfy %q", c[0], c[1])
		}
	}
}

func headingTitles(d *rules.Doc) []string {
	var out []string
	for _, h := range d.Headings {
		out = append(out, strings.Repeat("#", h.Level)+" "+h.Title)
	}
	return out
}

func TestParseDocMarkdownHeadings(t *testing.T) {
	src := strings.Join([]string{
		"---",                               // 1 front matter
		"title: not a heading",              // 2
		"---",                               // 3
		"# Title #",                         // 4
		"",                                  // 5
		"Intro paragraph.",                  // 6
		"",                                  // 7
		"## Usage",                          // 8
		"```bash",                           // 9
		"## not a heading",                  // 10
		"```",                               // 11
		"~~~~",                              // 12
		"# neither",                         // 13
		"```",                               // 14 (does not close a ~~~~ fence)
		"~~~~",                              // 15
		"Setext Two",                        // 16
		"----------",                        // 17
		"",                                  // 18
		"<!-- LICENSE",                      // 19
		"## License",                        // 20 commented out, as in the older template
		"-->",                               // 21
		"",                                  // 22
		"- a list item",                     // 23
		"---",                               // 24 a thematic break, not an underline
		"",                                  // 25
		"<!-- CONTACT -->",                  // 26
		"## Contact ##",                     // 27
		"",                                  // 28
		"it@M - opensource@muenchen.de",     // 29
		"",                                  // 30
		"    ## indented code",              // 31
		"#hashtag is text",                  // 32
		"<h2 align=\"center\">Roadmap</h2>", // 33
		"Setext One",                        // 34
		"===",                               // 35
		"### Deeper",                        // 36
	}, "\n")
	d := rules.ParseDoc("README.md", []byte(src))
	got := headingTitles(d)
	want := []string{"# Title", "## Usage", "## Setext Two", "## Contact", "## Roadmap", "# Setext One", "### Deeper"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("headings = %q, want %q", got, want)
	}
	lines := []int{4, 8, 16, 27, 33, 34, 36}
	for i, h := range d.Headings {
		if h.Line != lines[i] {
			t.Errorf("%q on line %d, want %d", h.Title, h.Line, lines[i])
		}
	}
	if len(d.Sections) != 4 {
		t.Fatalf("sections = %d, want 4", len(d.Sections))
	}
	c := d.Section("contact")
	if c == nil {
		t.Fatal("no Contact section")
	}
	if c.BodyLine != 28 || c.EndLine != 32 || !strings.Contains(c.Body, "opensource@muenchen.de") || strings.Contains(c.Body, "Roadmap") {
		t.Errorf("Contact section: body from line %d to %d: %q", c.BodyLine, c.EndLine, c.Body)
	}
	if s := d.Section("Setext two"); s == nil || s.BodyLine != 18 {
		t.Errorf("setext section body line: %+v", s)
	}
	if d.Section("License") != nil {
		t.Errorf("a heading inside an HTML comment counted")
	}
}

func TestParseDocCRLFAndBOM(t *testing.T) {
	d := rules.ParseDoc("README.md", []byte("\xef\xbb\xbf# T\r\n\r\n## Contact\r\nmail@muenchen.de\r\n"))
	if s := d.Section("Contact"); s == nil || s.Line != 3 || strings.TrimSpace(s.Body) != "mail@muenchen.de" {
		t.Fatalf("section = %+v", s)
	}
}

func TestParseDocRST(t *testing.T) {
	src := strings.Join([]string{
		"===========",            // 1
		"My Project",             // 2
		"===========",            // 3
		"",                       // 4
		"Intro.",                 // 5
		"",                       // 6
		"Contributing",           // 7
		"------------",           // 8
		"Fork it.",               // 9
		"",                       // 10
		"Details",                // 11
		"~~~~~~~",                // 12
		"",                       // 13
		"Licence",                // 14
		"-------",                // 15
		"MIT",                    // 16
		"",                       // 17
		"Contact",                // 18
		"-------",                // 19
		"opensource@muenchen.de", // 20
	}, "\n")
	d := rules.ParseDoc("README.rst", []byte(src))
	var secs []string
	for _, s := range d.Sections {
		secs = append(secs, s.Title)
	}
	if strings.Join(secs, ",") != "Contributing,Licence,Contact" {
		t.Fatalf("sections = %q (headings %q)", secs, headingTitles(d))
	}
	if s := d.Section("License"); s == nil || s.Line != 14 || strings.TrimSpace(s.Body) != "MIT" {
		t.Errorf("Licence section = %+v", s)
	}
	if s := d.Section("Contributing"); s == nil || !strings.Contains(s.Body, "Details") {
		t.Errorf("a level-3 title should stay inside its section: %+v", s)
	}
	// Without a document title, the first style is the section level.
	d = rules.ParseDoc("README.rst", []byte("Usage\n=====\nrun it\n\nContact\n=======\nx@muenchen.de\n"))
	if len(d.Sections) != 2 || d.Section("Contact") == nil {
		t.Errorf("untitled rst: sections %+v", d.Sections)
	}
}

func TestParseDocNotText(t *testing.T) {
	d := rules.ParseDoc("README.md", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"))
	if !d.Binary || len(d.Sections) != 0 {
		t.Errorf("binary: %+v", d)
	}
	d = rules.ParseDoc("README.md", []byte("## Kontakt f\xfcr M\xfcnchen\n\n## Contact\nx@muenchen.de\n"))
	if d.Binary || !d.InvalidUTF8 || d.Section("Contact") == nil {
		t.Errorf("Latin-1 text should parse with InvalidUTF8 set: %+v", d)
	}
}

func TestParseDocRefsAndProse(t *testing.T) {
	src := "[made-with-love-shield]: https://img.shields.io/badge/made%20with%20%E2%9D%A4%20by-it%40M-yellow?style=for-the-badge\n" +
		"[ITM-OpenSource]:   <https://opensource.muenchen.de/>\n" +
		"# X\n\n[![Made with love by it@M][made-with-love-shield]][itm-opensource]\n<!-- a long comment that is not prose at all, whatever its length -->\n"
	d := rules.ParseDoc("README.md", []byte(src))
	if r, ok := d.Refs["itm-opensource"]; !ok || r.URL != "https://opensource.muenchen.de/" || r.Line != 2 {
		t.Errorf("refs = %+v", d.Refs)
	}
	if d.TextBytes > 40 {
		t.Errorf("a badge-only README has %d bytes of prose, want only the title and alt text", d.TextBytes)
	}
	prose := rules.ParseDoc("README.md", []byte("# Title\n\nSome   words\n\n- a\n- b\n"))
	if prose.TextBytes != len("Title Some words a b") {
		t.Errorf("TextBytes = %d, want %d", prose.TextBytes, len("Title Some words a b"))
	}
}

func FuzzParseDoc(f *testing.F) {
	f.Add("README.md", []byte(templateReadme))
	f.Add("README.rst", []byte("T\n=\n\nA\n-\n"))
	f.Add("README.md", []byte("```\n## x\n"))
	f.Add("README.md", []byte("<!--\n## x"))
	f.Add("README.md", []byte("a\n---\n---\n===\n"))
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		d := rules.ParseDoc(name, data)
		for _, s := range d.Sections {
			if s.Line < 1 || s.BodyLine <= s.Line || s.EndLine < s.Line || s.EndLine > len(d.Lines)+1 {
				t.Fatalf("section %+v out of range for %d lines", s, len(d.Lines))
			}
		}
	})
}
