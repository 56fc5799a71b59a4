package rules

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/it-at-m/ospo-scan/forges"
)

// Security rules that read documents and forge settings: the reporting
// address, the security policy and GitHub private vulnerability reporting.
// The CI rules (CodeQL, dependency review) live in their own file.

const (
	srcSecurity      = "https://github.com/it-at-m/opensource.muenchen.de/blob/main/security.md"
	srcSecurityTitle = "opensource.muenchen.de, Security: \"Responsible Disclosure\""
)

// SecurityContact checks for an e-mail address for vulnerability reports.
var SecurityContact = &Rule{
	ID:       "security/contact",
	Title:    "E-mail address for vulnerability reports",
	Severity: Error,
	Doc: `The OSPO's security page: "each project must provide an email address (e.g. opensource@muenchen.de) to enable people without a GitHub account to report security vulnerabilities." ` +
		`The rule looks for an address in SECURITY (.md, .txt, .rst; root, .github/, docs/, else the organisation's default community health files) and, failing that, in the README's Contact section. ` +
		`Placeholder addresses (example.com and other reserved domains, noreply addresses) do not count. ` +
		`With the parameter domains set (e.g. [muenchen.de]), only addresses in those domains or their subdomains count.`,
	Fix:         "Name a reporting address such as opensource@muenchen.de in SECURITY.md (or in the README's Contact section).",
	Source:      srcSecurity,
	SourceTitle: srcSecurityTitle,
	Reads:       append(readsCommunity(FileSecurity), readsReadme...),
	Params: []Param{{
		Name:    "domains",
		Doc:     "the e-mail domains a reporting address must belong to (subdomains included); empty accepts any domain",
		Default: []string{},
	}, orgDefaultsParam},
	Check: checkSecurityContact,
}

// EmailHit is an e-mail address found in a document.
type EmailHit struct {
	Addr string
	Line int
	// Placeholder says why the address does not count ("example.com is
	// a reserved example domain"), or is empty.
	Placeholder string
}

var emailRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._%+\-]*@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,24}$`)

// FindEmails returns the e-mail addresses in text, in order, with line
// numbers counted from firstLine. File names such as "logo@2x.png" and
// git remotes ("git@github.com") are not addresses.
func FindEmails(text string, firstLine int) []EmailHit {
	var out []EmailHit
	var lines lineIndex
	// Scanning from each "@" is much cheaper than running a pattern that
	// may start anywhere.
	for at := strings.IndexByte(text, '@'); at >= 0; {
		s, e := at, at+1
		for s > 0 && isEmailLocalChar(text[s-1]) {
			s--
		}
		for s < at && !isAlnum(text[s]) {
			s++
		}
		for e < len(text) && (isAlnum(text[e]) || text[e] == '.' || text[e] == '-') {
			e++
		}
		for e > at+1 && (text[e-1] == '.' || text[e-1] == '-') {
			e--
		}
		if addr := text[s:e]; emailRe.MatchString(addr) {
			local, domain, _ := strings.Cut(strings.ToLower(addr), "@")
			tld := domain[strings.LastIndex(domain, ".")+1:]
			if !fileExts[tld] && local != "git" {
				if lines == nil {
					lines = newLineIndex(text)
				}
				out = append(out, EmailHit{
					Addr:        addr,
					Line:        firstLine - 1 + lines.lineAt(s),
					Placeholder: placeholderAddress(local, domain),
				})
			}
		}
		next := strings.IndexByte(text[at+1:], '@')
		if next < 0 {
			break
		}
		at += 1 + next
	}
	return out
}

func isAlnum(c byte) bool {
	return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9')
}

func isEmailLocalChar(c byte) bool {
	return isAlnum(c) || c == '.' || c == '-' || c == '_' || c == '+' || c == '%'
}

// fileExts are "top-level domains" that are really file extensions
// (logo@2x.png).
var fileExts = map[string]bool{
	"png": true, "jpg": true, "jpeg": true, "gif": true, "svg": true, "webp": true, "ico": true,
	"js": true, "ts": true, "css": true, "md": true, "json": true, "yml": true, "yaml": true, "html": true,
}

// placeholderAddress says why an address is a placeholder, or "".
func placeholderAddress(local, domain string) string {
	for _, d := range []string{"example.com", "example.org", "example.net", "example.de", "example", "test", "invalid", "localhost", "local"} {
		if domain == d || strings.HasSuffix(domain, "."+d) {
			return domain + " is a reserved example domain"
		}
	}
	switch domain {
	case "domain.com", "yourdomain.com", "your-domain.com", "mydomain.com", "company.com", "yourcompany.com", "email.com":
		return domain + " is a template placeholder"
	}
	if domain == "users.noreply.github.com" || strings.HasSuffix(domain, ".noreply.github.com") {
		return "GitHub noreply addresses receive no mail"
	}
	switch strings.NewReplacer(".", "", "-", "", "_", "").Replace(local) {
	case "noreply", "donotreply", "youremail", "yourname", "email", "user", "username", "name", "someone":
		return local + "@ is a placeholder or unattended mailbox"
	}
	return ""
}

// inDomains reports whether addr's domain is one of domains or a
// subdomain of one; an empty list accepts any domain.
func inDomains(addr string, domains []string) bool {
	if len(domains) == 0 {
		return true
	}
	_, domain, _ := strings.Cut(strings.ToLower(addr), "@")
	for _, d := range domains {
		d = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(d), "@"))
		if domain == d || strings.HasSuffix(domain, "."+d) {
			return true
		}
	}
	return false
}

func checkSecurityContact(p *Pass) []Result {
	domains := p.StringsParam("domains")
	var notes []string // why the places looked at did not count
	var evidence []string

	// consider returns a passing result for the first acceptable
	// address, and notes what it skipped.
	consider := func(hits []EmailHit, where string, path string, lineKnown bool) *Result {
		for _, h := range hits {
			switch {
			case h.Placeholder != "":
				notes = append(notes, fmt.Sprintf("ignored %s in %s (line %d): %s", h.Addr, where, h.Line, h.Placeholder))
			case !inDomains(h.Addr, domains):
				notes = append(notes, fmt.Sprintf("%s in %s (line %d) is not at %s", h.Addr, where, h.Line, listOr(domains)))
				evidence = append(evidence, h.Addr)
			default:
				r := p.Passed(path, "%s in %s (line %d)", h.Addr, where, h.Line)
				if lineKnown {
					r.Line = h.Line
				}
				return &r
			}
		}
		return nil
	}

	sec := findCommunity(p, FileSecurity)
	var secErr string
	switch {
	case !sec.Found() && sec.Err != nil:
		secErr = fmt.Sprintf("cannot look for SECURITY: %v", sec.Err)
	case !sec.Found():
		notes = append(notes, "there is no SECURITY.md in "+sec.SearchedPlaces())
	case sec.Err != nil:
		secErr = ReadError(sec.Where(), sec.Err)
	case isBinary(sec.Data):
		notes = append(notes, sec.Where()+" is not text")
	default:
		hits := FindEmails(maskComments(string(sec.Data)), 1)
		if r := consider(hits, sec.Where(), sec.ResultPath(), sec.Origin == OriginRepository); r != nil {
			return []Result{*r}
		}
		if len(hits) == 0 {
			notes = append(notes, sec.Where()+" names no address")
		}
	}

	d := p.Facts.Readme()
	switch {
	case !d.File.Found() || d.File.Err != nil || d.Binary:
		// docs/readme reports the README itself.
	case d.Section("Contact") == nil:
		notes = append(notes, d.File.Path+" has no Contact section")
	default:
		s := d.Section("Contact")
		hits := FindEmails(maskComments(s.Body), s.BodyLine)
		where := fmt.Sprintf("the Contact section of %s", d.File.Path)
		if r := consider(hits, where, d.File.Path, true); r != nil {
			return []Result{*r}
		}
		if len(hits) == 0 {
			notes = append(notes, where+" names no address")
		}
	}
	if secErr != "" {
		return []Result{p.Errorf(sec.ResultPath(), "%s, and the README names no usable address either", secErr)}
	}
	path := "SECURITY.md"
	if sec.Found() {
		path = sec.ResultPath()
	}
	r := p.Failed(path, 0, "no e-mail address for vulnerability reports: %s; name one such as opensource@muenchen.de in SECURITY.md", strings.Join(notes, "; "))
	r.Evidence = strings.Join(evidence, ",")
	return []Result{r}
}

// SecurityPolicy checks that SECURITY.md exists and is filled in.
var SecurityPolicy = &Rule{
	ID:       "security/policy",
	Title:    "Security policy is present and filled in",
	Severity: Warning,
	Doc: `A SECURITY.md tells reporters how to disclose a vulnerability privately; the OSPO's security page asks for responsible disclosure: "Security-related bugs must not be reported as public issues." ` +
		`The rule looks for SECURITY (.md, .txt, .rst) in the root, .github/ and docs/, then in the organisation's default community health files, ` +
		`and passes when it names an e-mail address and holds no unfilled template text: bracketed placeholders such as "[timeframe, e.g., 0-2 weeks]" or "[INSERT CONTACT METHOD]", ` +
		`angle-bracket ones such as "<your email>", "{{...}}" variables, or GitHub's sample sentence "Use this section to tell people ...". Code blocks and HTML comments are not read.`,
	Fix:         "Add SECURITY.md naming the reporting address (e.g. opensource@muenchen.de) and the expected response time, and replace every template placeholder.",
	Source:      srcSecurity,
	SourceTitle: srcSecurityTitle,
	Reads:       readsCommunity(FileSecurity),
	Params:      []Param{orgDefaultsParam},
	Check:       checkSecurityPolicy,
}

// Placeholder is unfilled template text in a document.
type Placeholder struct {
	Text string
	Line int
}

var (
	bracketRe      = regexp.MustCompile(`\[([^\[\]\n]{2,120})\]`)
	angleRe        = regexp.MustCompile(`<([^<>\n]{2,80})>`)
	mustacheRe     = regexp.MustCompile(`\{\{[^{}\n]{1,80}\}\}|\{[A-Z][A-Z0-9_]{2,40}\}`)
	sampleSentRe   = regexp.MustCompile(`(?i)use this section to tell people[^.\n]*`)
	codeSpanRe     = regexp.MustCompile("`[^`\n]*`")
	placeholderKey = regexp.MustCompile(`(?i)^(?:your\b|insert\b|enter\b|add\b|todo\b|tbd\b|fixme\b|placeholder\b|fill in\b|replace\b|put\b)|\be\.\s?g\.|\bz\.\s?b\.`)
	allCapsWordsRe = regexp.MustCompile(`^[A-Z][A-Z0-9]*(?:[ _-][A-Z0-9]+)+$`)
)

// FindPlaceholders returns the unfilled template text in a Markdown
// document, outside code and HTML comments.
func FindPlaceholders(data []byte) []Placeholder {
	text := maskCode(string(data))
	refs := map[string]bool{}
	for _, m := range refDefRe.FindAllStringSubmatch(text, -1) {
		refs[refLabel(m[1])] = true
	}
	var out []Placeholder
	lines := newLineIndex(text)
	add := func(off int, s string) {
		out = append(out, Placeholder{Text: s, Line: lines.lineAt(off)})
	}
	for _, m := range bracketRe.FindAllStringSubmatchIndex(text, -1) {
		inner := text[m[2]:m[3]]
		prev, next := byte(0), byte(0)
		if m[0] > 0 {
			prev = text[m[0]-1]
		}
		if m[1] < len(text) {
			next = text[m[1]]
		}
		// Links, images, reference definitions and GitHub alerts
		// ("> [!NOTE]") are not placeholders, nor is a shortcut reference
		// to a defined label.
		if prev == '!' || next == '(' || next == '[' || next == ':' || strings.HasPrefix(inner, "!") || refs[refLabel(inner)] {
			continue
		}
		if isPlaceholderText(inner) {
			add(m[0], text[m[0]:m[1]])
		}
	}
	for _, m := range angleRe.FindAllStringSubmatchIndex(text, -1) {
		inner := strings.TrimSpace(text[m[2]:m[3]])
		if strings.Contains(inner, "@") && !strings.Contains(inner, " ") {
			continue // an autolinked address
		}
		if isPlaceholderText(inner) {
			add(m[0], text[m[0]:m[1]])
		}
	}
	for _, m := range mustacheRe.FindAllStringIndex(text, -1) {
		add(m[0], text[m[0]:m[1]])
	}
	for _, m := range sampleSentRe.FindAllStringIndex(text, -1) {
		add(m[0], text[m[0]:m[1]])
	}
	sortPlaceholders(out)
	return out
}

func isPlaceholderText(s string) bool {
	s = strings.TrimSpace(s)
	return placeholderKey.MatchString(s) || allCapsWordsRe.MatchString(s)
}

func sortPlaceholders(ps []Placeholder) {
	for i := 1; i < len(ps); i++ {
		for j := i; j > 0 && ps[j].Line < ps[j-1].Line; j-- {
			ps[j], ps[j-1] = ps[j-1], ps[j]
		}
	}
}

// maskCode blanks out fenced code, code spans and HTML comments, keeping
// every newline so that offsets still give the right line.
func maskCode(text string) string {
	b := []byte(text)
	blank := func(from, to int) {
		for i := from; i < to; i++ {
			if b[i] != '\n' {
				b[i] = ' '
			}
		}
	}
	for _, m := range htmlCommentRe.FindAllStringIndex(text, -1) {
		blank(m[0], m[1])
	}
	off, fence := 0, ""
	for _, line := range strings.SplitAfter(string(b), "\n") {
		trimmed := strings.TrimRight(line, "\r\n")
		if m := fenceRe.FindStringSubmatch(trimmed); m != nil {
			switch {
			case fence == "":
				fence = m[1]
				blank(off, off+len(line))
			case m[1][0] == fence[0] && len(m[1]) >= len(fence):
				fence = ""
				blank(off, off+len(line))
			}
		} else if fence != "" {
			blank(off, off+len(line))
		}
		off += len(line)
	}
	for _, m := range codeSpanRe.FindAllIndex(b, -1) {
		blank(m[0], m[1])
	}
	return string(b)
}

func checkSecurityPolicy(p *Pass) []Result {
	f := findCommunity(p, FileSecurity)
	switch {
	case !f.Found() && f.Err != nil:
		return []Result{p.Errorf("", "cannot look for SECURITY: %v", f.Err)}
	case !f.Found():
		return []Result{p.Failed("SECURITY.md", 0, "no SECURITY.md in %s; add one that names the reporting address (e.g. opensource@muenchen.de)", f.SearchedPlaces())}
	case f.Err != nil:
		return []Result{p.Errorf(f.ResultPath(), "%s", ReadError(f.Where(), f.Err))}
	case isBinary(f.Data):
		return []Result{p.Failed(f.ResultPath(), 0, "%s is not text (it contains NUL bytes)", f.Where())}
	}
	inRepo := f.Origin == OriginRepository
	var out []Result
	for _, ph := range FindPlaceholders(f.Data) {
		line := 0
		if inRepo {
			line = ph.Line
		}
		r := p.Failed(f.ResultPath(), line, "%s line %d still has the template placeholder %s; fill it in", f.Where(), ph.Line, ph.Text)
		r.Evidence = ph.Text
		out = append(out, r)
	}
	var addr *EmailHit
	for _, h := range FindEmails(maskComments(string(f.Data)), 1) {
		if h.Placeholder == "" {
			addr = &h
			break
		}
	}
	if addr == nil {
		out = append(out, p.Failed(f.ResultPath(), 0, "%s names no e-mail address for vulnerability reports; add one such as opensource@muenchen.de", f.Where()))
	}
	if len(out) > 0 {
		return out
	}
	return []Result{p.Passed(f.ResultPath(), "%s names %s and has no unfilled template text", f.Where(), addr.Addr)}
}

// maskComments blanks out HTML comments, keeping newlines.
func maskComments(text string) string {
	return htmlCommentRe.ReplaceAllStringFunc(text, func(c string) string {
		return strings.Map(func(r rune) rune {
			if r == '\n' {
				return r
			}
			return ' '
		}, c)
	})
}

// SecurityPrivateReporting checks GitHub private vulnerability reporting.
var SecurityPrivateReporting = &Rule{
	ID:       "security/private-reporting",
	Title:    "Private vulnerability reporting is enabled",
	Severity: Warning,
	Doc: `The OSPO's security page: "all projects on GitHub should have private vulnerability reporting enabled", so that a reporter can disclose a vulnerability without opening a public issue. ` +
		`The setting is forge metadata: the rule is not applicable where it cannot be known (a local checkout, a token without the permission to read it, GitLab).`,
	Fix:         "Enable it under the repository's Settings > Code security > Private vulnerability reporting (or for all repositories in the organisation's security configuration).",
	Source:      srcSecurity,
	SourceTitle: srcSecurityTitle,
	Reads:       []string{"forge metadata: private vulnerability reporting"},
	NeedsForge:  true,
	Check:       checkPrivateReporting,
}

func checkPrivateReporting(p *Pass) []Result {
	m := p.Repo.Meta
	fact := m.PrivateReporting
	switch {
	case m.Forge == forges.GitLab && !fact.Known:
		return []Result{p.NotApplicable("GitLab has no private vulnerability reporting")}
	case !fact.Known && fact.Why != "":
		return []Result{p.NotApplicable("%s", fact.Why)}
	case !fact.Known:
		return []Result{p.NotApplicable("whether private vulnerability reporting is enabled is unknown")}
	case fact.Value:
		return []Result{p.Passed("", "private vulnerability reporting is enabled")}
	}
	return []Result{p.Failed("", 0, "private vulnerability reporting is disabled; enable it under Settings > Code security > Private vulnerability reporting")}
}
