package rules

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// Branding rules: the retired contact domain and the it@M badge.

const srcReadmeTemplateTitle = "refarch-templates README template (.github/README.md)"

// BrandContactDomain checks that no file still names the retired domain.
var BrandContactDomain = &Rule{
	ID:       "brand/contact-domain",
	Title:    "No retired contact domain",
	Severity: Warning,
	Doc: `The OSPO's address was opensource@muenchendigital.io until 2022; it is now opensource@muenchen.de (the template's Contact section reads "it@M - opensource@muenchen.de"). ` +
		`Mail to the old domain does not reach anyone who answers. The rule reads the files the scanner reads anyway (README, CODE_OF_CONDUCT, CONTRIBUTING, SECURITY, SUPPORT in their places or from the organisation defaults, CODEOWNERS, ` +
		`and publiccode.yml, package.json, pom.xml at the root) and reports each file that mentions a retired domain, with the first line.`,
	Fix:         "Replace opensource@muenchendigital.io (and other addresses or links at muenchendigital.io) with opensource@muenchen.de.",
	Source:      srcReadmeTemplate,
	SourceTitle: srcReadmeTemplateTitle + ", \"Contact\"",
	Reads:       append(append([]string{}, readsReadme...), "CODE_OF_CONDUCT*", "CONTRIBUTING*", "SECURITY*", "SUPPORT* (root, .github/, docs/, organisation defaults)", "CODEOWNERS", "publiccode.yml", "package.json", "pom.xml"),
	Params: []Param{{
		Name:    "retired",
		Doc:     "domains that must no longer appear",
		Default: []string{"muenchendigital.io"},
	}},
	Check: checkContactDomain,
}

// brandRootFiles are read at the root when the root listing has them.
var brandRootFiles = []string{"publiccode.yml", "package.json", "pom.xml"}

// brandFiles returns the files brand/contact-domain reads, in a stable
// order, skipping those that are missing, unreadable or binary.
func brandFiles(f *Facts) []File {
	var out []File
	keep := func(file File) {
		if file.Found() && file.Err == nil && !isBinary(file.Data) {
			out = append(out, file)
		}
	}
	keep(f.FindReadme())
	for _, kind := range CommunityFiles {
		keep(f.FindCommunityFile(kind))
	}
	keep(f.FindCodeOwners())
	entries, _ := f.ReadDir(".")
	for _, name := range brandRootFiles {
		for _, e := range entries {
			if e.Name() == name && !e.IsDir() {
				data, err := readCapped(repoReader{f}, e, name)
				keep(File{Name: name, Path: name, Origin: OriginRepository, Data: data, Err: err})
			}
		}
	}
	return out
}

func checkContactDomain(p *Pass) []Result {
	retired := p.StringsParam("retired")
	var out []Result
	var read []string
	for _, file := range brandFiles(p.Facts) {
		read = append(read, file.Where())
		text := string(file.Data)
		lower := asciiLower(text)
		first, count, domain := -1, 0, ""
		for _, d := range retired {
			d = asciiLower(strings.TrimSpace(d))
			if d == "" {
				continue
			}
			for _, off := range mentions(lower, d) {
				count++
				if first < 0 || off < first {
					first, domain = off, d
				}
			}
		}
		if first < 0 {
			continue
		}
		line := lineOfOffset(file.Data, first)
		token := tokenAround(text, first)
		more := ""
		if count > 1 {
			more = fmt.Sprintf(" and %d more times", count-1)
		}
		resultLine := line
		if file.Origin == OriginOrgDefault {
			resultLine = 0
		}
		r := p.Failed(file.ResultPath(), resultLine, "%s mentions the retired domain %s on line %d (%s)%s; use opensource@muenchen.de instead", file.Where(), domain, line, token, more)
		r.Evidence = token
		out = append(out, r)
	}
	if len(out) > 0 {
		return out
	}
	if len(read) == 0 {
		return []Result{p.Passed("", "no file to read mentions %s", listOr(retired))}
	}
	return []Result{p.Passed("", "no file mentions %s (read %s)", listOr(retired), strings.Join(read, ", "))}
}

// mentions returns the offsets in text (lower-cased) where domain occurs
// as a whole domain: as itself or as a subdomain's suffix, but not inside
// a longer name ("muenchendigital.io" in "opensource@muenchendigital.io"
// and "digiwf.muenchendigital.io", not in "muenchendigital.iot").
func mentions(text, domain string) []int {
	var out []int
	isName := func(c byte) bool { return isAlnum(c) || c == '-' }
	for i := 0; ; {
		j := strings.Index(text[i:], domain)
		if j < 0 {
			return out
		}
		start, end := i+j, i+j+len(domain)
		if (start == 0 || !isName(text[start-1])) && (end == len(text) || !isName(text[end])) {
			out = append(out, start)
		}
		i = start + 1
	}
}

// asciiLower lower-cases ASCII letters only, so byte offsets stay valid.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// tokenAround returns the address or URL around text[off], for messages.
func tokenAround(text string, off int) string {
	isTok := func(c byte) bool {
		return c > ' ' && !strings.ContainsRune("\"'<>()[]{}`,;*|", rune(c))
	}
	start, end := off, off
	for start > 0 && isTok(text[start-1]) {
		start--
	}
	for end < len(text) && isTok(text[end]) {
		end++
	}
	tok := strings.TrimRight(text[start:end], ".:")
	if len(tok) > 80 {
		tok = tok[:77] + "..."
	}
	return tok
}

// BrandBadge checks for the "made with ❤ by it@M" badge.
var BrandBadge = &Rule{
	ID:       "brand/badge",
	Title:    "README carries the it@M badge",
	Severity: Note,
	Doc: `it@M's repositories show where they come from with a shields.io badge "made with ❤ by it@M" that links to the OSPO's site; the template's README has ` +
		`"[![Made with love by it@M][made-with-love-shield]][itm-opensource]" with "[made-with-love-shield]: https://img.shields.io/badge/made%20with%20%E2%9D%A4%20by-it%40M-yellow?style=for-the-badge" and "[itm-opensource]: https://opensource.muenchen.de/". ` +
		`The rule accepts that badge as a reference or inline Markdown image, or as HTML (<a href><img src></a>), with the heart written or URL-encoded, and requires that it links to opensource.muenchen.de. ` +
		`Not applicable when there is no README (docs/readme reports that).`,
	Fix:         "Add [![Made with love by it@M](https://img.shields.io/badge/made%20with%20%E2%9D%A4%20by-it%40M-yellow?style=for-the-badge)](https://opensource.muenchen.de/) below the README's title.",
	Source:      srcReadmeTemplate,
	SourceTitle: srcReadmeTemplateTitle,
	Reads:       readsReadme,
	Check:       checkBadge,
}

var (
	// [![alt](img) or [ref]] (link) or [ref]
	linkedImageRe = regexp.MustCompile(`\[\s*!\[([^\]]*)\]\s*(?:\(\s*<?([^)\s>]*)>?[^)]*\)|\[([^\]]*)\])\s*\]\s*(?:\(\s*<?([^)\s>]*)>?[^)]*\)|\[([^\]]*)\])`)
	bareImageRe   = regexp.MustCompile(`!\[([^\]]*)\]\s*(?:\(\s*<?([^)\s>]*)>?[^)]*\)|\[([^\]]*)\])`)
	htmlLinkImgRe = regexp.MustCompile(`(?is)<a\s[^>]*?href\s*=\s*["']([^"']+)["'][^>]*>\s*(?:<(?:picture|source)[^>]*>\s*)*<img\s[^>]*?src\s*=\s*["']([^"']+)["']`)
	htmlImgRe     = regexp.MustCompile(`(?is)<img\s[^>]*?src\s*=\s*["']([^"']+)["']`)
	badgeTextRe   = regexp.MustCompile(`img\.shields\.io/badge/made[ _]with[ _](?:❤️?|♥|love|:heart:|heart)[ _]by-it@m\b`)
)

// IsItmBadge reports whether an image URL is the "made with ❤ by it@M"
// shields.io badge, with the heart written or URL-encoded.
func IsItmBadge(imageURL string) bool {
	u := imageURL
	if dec, err := url.PathUnescape(u); err == nil {
		u = dec
	}
	return badgeTextRe.MatchString(strings.ToLower(u))
}

// IsOSPOLink reports whether a link points to opensource.muenchen.de.
func IsOSPOLink(link string) bool {
	u, err := url.Parse(strings.TrimSpace(link))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") {
		return false
	}
	host := strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
	return host == "opensource.muenchen.de"
}

type badgeUse struct {
	line int
	link string // "" when the image is not a link
}

func checkBadge(p *Pass) []Result {
	d := p.Facts.Readme()
	if r, ok := readmeUnusable(p, d); ok {
		return []Result{r}
	}
	path := d.File.Path
	text := maskCode(d.Text)
	lines := newLineIndex(text)
	resolve := func(inline, ref, alt string) string {
		if inline != "" {
			return inline
		}
		if strings.TrimSpace(ref) == "" {
			ref = alt // a collapsed reference: [alt][]
		}
		return d.Refs[refLabel(ref)].URL
	}
	var uses []badgeUse
	linked := map[int]bool{} // offsets of images inside links
	for _, m := range linkedImageRe.FindAllStringSubmatchIndex(text, -1) {
		g := func(i int) string {
			if m[2*i] < 0 {
				return ""
			}
			return text[m[2*i]:m[2*i+1]]
		}
		img := resolve(g(2), g(3), g(1))
		link := resolve(g(4), g(5), "")
		img0 := strings.Index(text[m[0]:m[1]], "!") + m[0]
		linked[img0] = true
		if IsItmBadge(img) {
			uses = append(uses, badgeUse{line: lines.lineAt(m[0]), link: link})
		}
	}
	for _, m := range bareImageRe.FindAllStringSubmatchIndex(text, -1) {
		if linked[m[0]] {
			continue
		}
		var inline, ref string
		if m[4] >= 0 {
			inline = text[m[4]:m[5]]
		}
		if m[6] >= 0 {
			ref = text[m[6]:m[7]]
		}
		if IsItmBadge(resolve(inline, ref, text[m[2]:m[3]])) {
			uses = append(uses, badgeUse{line: lines.lineAt(m[0])})
		}
	}
	htmlLinked := map[int]bool{}
	for _, m := range htmlLinkImgRe.FindAllStringSubmatchIndex(text, -1) {
		htmlLinked[m[4]] = true
		if IsItmBadge(text[m[4]:m[5]]) {
			uses = append(uses, badgeUse{line: lines.lineAt(m[0]), link: text[m[2]:m[3]]})
		}
	}
	for _, m := range htmlImgRe.FindAllStringSubmatchIndex(text, -1) {
		if !htmlLinked[m[2]] && IsItmBadge(text[m[2]:m[3]]) {
			uses = append(uses, badgeUse{line: lines.lineAt(m[0])})
		}
	}
	for _, u := range uses {
		if IsOSPOLink(u.link) {
			r := p.Passed(path, "%s carries the \"made with ❤ by it@M\" badge (line %d)", path, u.line)
			r.Line = u.line
			return []Result{r}
		}
	}
	if len(uses) > 0 {
		u := uses[0]
		if u.link == "" {
			return []Result{p.Failed(path, u.line, "the \"made with ❤ by it@M\" badge in %s (line %d) is not a link; link it to https://opensource.muenchen.de/", path, u.line)}
		}
		return []Result{p.Failed(path, u.line, "the \"made with ❤ by it@M\" badge in %s (line %d) links to %s; link it to https://opensource.muenchen.de/", path, u.line, u.link)}
	}
	for _, label := range sortedRefLabels(d.Refs) {
		if ref := d.Refs[label]; IsItmBadge(ref.URL) {
			return []Result{p.Failed(path, ref.Line, "%s defines the \"made with ❤ by it@M\" badge [%s] on line %d but does not show it; add [![Made with love by it@M][%s]][itm-opensource] below the title", path, label, ref.Line, label)}
		}
	}
	return []Result{p.Failed(path, 0, "%s has no \"made with ❤ by it@M\" badge; add [![Made with love by it@M](https://img.shields.io/badge/made%%20with%%20%%E2%%9D%%A4%%20by-it%%40M-yellow?style=for-the-badge)](https://opensource.muenchen.de/) below the title", path)}
}

func sortedRefLabels(refs map[string]LinkRef) []string {
	out := make([]string, 0, len(refs))
	for k := range refs {
		out = append(out, k)
	}
	// By line, so the message names the first definition.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && refs[out[j]].Line < refs[out[j-1]].Line; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}
