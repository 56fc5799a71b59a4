package rules

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"

	"github.com/it-at-m/ospo-scan/forges"
)

// Documentation rules: README, its sections, contribution guidelines, Code
// of Conduct and CODEOWNERS.

const (
	srcDocument       = "https://github.com/it-at-m/refarch/blob/main/docs/templates/document.md"
	srcOrganize       = "https://github.com/it-at-m/refarch/blob/main/docs/templates/organize.md"
	srcReadmeTemplate = "https://github.com/it-at-m/refarch-templates/blob/main/.github/README.md"
	srcCodeowners     = "https://github.com/it-at-m/refarch-templates/blob/main/.github/CODEOWNERS"
)

// readsReadme lists the README places for Rule.Reads.
var readsReadme = []string{".github/README*", "README*", "docs/README*"}

// readsCommunity lists the places of a community health file for
// Rule.Reads.
func readsCommunity(kind CommunityFile) []string {
	k := string(kind)
	return []string{k + "*", ".github/" + k + "*", "docs/" + k + "*", "organisation defaults: " + k + "* in the root, .github/, docs/"}
}

// DocsReadme checks that the repository has a README worth the name.
var DocsReadme = &Rule{
	ID:       "docs/readme",
	Title:    "Repository has a README",
	Severity: Error,
	Doc: `The README is the entry point of a repository: it says what the project is, how to use it and how to take part. ` +
		`The rule looks where GitHub does, in .github/, the root and docs/ (in that order), for README, README.md, README.markdown, README.rst or README.txt in any case, ` +
		`and passes when the first one found is text and holds at least minBytes bytes of prose once badges, HTML, link targets and Markdown punctuation are set aside. ` +
		`The RefArch handbook: "The README.md acts as an entrypoint to your GitHub repository and thus should have the most important information about your repository."`,
	Fix:         "Add a README.md (the template keeps it in .github/README.md) that says what the project does, how to use it, how to contribute, its licence and a contact address.",
	Source:      srcDocument,
	SourceTitle: "RefArch handbook, Templates: Document, \"README.md\"",
	Reads:       readsReadme,
	Params: []Param{{
		Name:    "minBytes",
		Doc:     "the least number of bytes of prose (whitespace collapsed, markup removed) a README must hold",
		Default: 200,
	}},
	Check: checkReadme,
}

func checkReadme(p *Pass) []Result {
	d := p.Facts.Readme()
	f := d.File
	switch {
	case !f.Found() && f.Err != nil:
		return []Result{p.Errorf("", "cannot look for the README: %v", f.Err)}
	case !f.Found():
		return []Result{p.Failed("README.md", 0, "no README in %s; add README.md (the template keeps it in .github/README.md)", f.SearchedPlaces())}
	case f.Err != nil:
		return []Result{p.Errorf(f.Path, "%s", ReadError(f.Path, f.Err))}
	case d.Binary || d.InvalidUTF8:
		return []Result{p.Failed(f.Path, 0, "%s", readmeNotText(d))}
	}
	minBytes, err := intParam(p, "minBytes")
	if err != nil {
		return []Result{p.Errorf("", "%v", err)}
	}
	if d.TextBytes < minBytes {
		return []Result{p.Failed(f.Path, 0, "%s has only %d bytes of text besides markup (at least %d expected): say what the project does, how to use it and whom to contact", f.Path, d.TextBytes, minBytes)}
	}
	return []Result{p.Passed(f.Path, "%s (%d bytes of text)", f.Path, d.TextBytes)}
}

// readmeUnusable returns the result a rule that reads the README gives
// when there is no usable one, and true; false when the README can be
// read. A missing or binary README is not applicable, so that docs/readme
// alone reports it; one that cannot be read is an error.
func readmeUnusable(p *Pass, d *Doc) (Result, bool) {
	f := d.File
	switch {
	case !f.Found() && f.Err != nil:
		return p.Errorf("", "cannot look for the README: %v", f.Err), true
	case !f.Found():
		return p.NotApplicable("there is no README (docs/readme reports it)"), true
	case f.Err != nil:
		return p.Errorf(f.Path, "%s", ReadError(f.Path, f.Err)), true
	case d.Binary:
		return p.NotApplicable("%s (docs/readme reports it)", readmeNotText(d)), true
	}
	return Result{}, false
}

func readmeNotText(d *Doc) string {
	if d.Binary {
		return fmt.Sprintf("%s is not text (it contains NUL bytes)", d.File.Path)
	}
	return fmt.Sprintf("%s is not valid UTF-8 text; save it as UTF-8", d.File.Path)
}

// intParam reads an integer parameter, whatever numeric type a policy
// file decoded it as.
func intParam(p *Pass, name string) (int, error) {
	switch v := p.Param(name).(type) {
	case int:
		return v, nil
	case int64:
		return int(v), nil
	case uint64:
		return int(v), nil
	case float64:
		if v == float64(int(v)) {
			return int(v), nil
		}
	}
	return 0, fmt.Errorf("parameter %s of %s must be a whole number, not %v; correct the policy file", name, p.Rule.ID, p.Param(name))
}

// DocsReadmeSections checks the README's core sections.
var DocsReadmeSections = &Rule{
	ID:       "docs/readme-sections",
	Title:    "README has the template's core sections",
	Severity: Warning,
	Doc: `The it@M README template has level-2 sections Usage, Roadmap, Contributing, License and Contact; its older generation had Built With, Roadmap, Set up, Documentation, Contributing, License and Contact. ` +
		`The rule asks for the stable core of both, Contributing, License and Contact by default. ` +
		`Headings match case-insensitively and regardless of emoji, numbering ("## 3. License"), links, emphasis and trailing colons; "Licence" counts as "License", and a longer title starting with the name ("License and Copyright") counts too. ` +
		`Headings in code blocks and HTML comments do not count. Not applicable when there is no README (docs/readme reports that).`,
	Fix:         "Add the missing level-2 sections (## Contributing, ## License, ## Contact) to the README, as in the refarch-templates README.",
	Source:      srcReadmeTemplate,
	SourceTitle: "refarch-templates README template (.github/README.md)",
	Reads:       readsReadme,
	Params: []Param{{
		Name:    "sections",
		Doc:     "the level-2 section titles the README must have",
		Default: []string{"Contributing", "License", "Contact"},
	}},
	Check: checkReadmeSections,
}

func checkReadmeSections(p *Pass) []Result {
	d := p.Facts.Readme()
	if r, ok := readmeUnusable(p, d); ok {
		return []Result{r}
	}
	want := p.StringsParam("sections")
	var missing, present []string
	for _, name := range want {
		if d.Section(name) == nil {
			missing = append(missing, name)
		} else {
			present = append(present, name)
		}
	}
	path := d.File.Path
	if len(missing) == 0 {
		return []Result{p.Passed(path, "%s has the sections %s", path, listAnd(present))}
	}
	var have []string
	for _, s := range d.Sections {
		have = append(have, s.Title)
	}
	found := "it has no level-2 sections"
	if len(have) > 0 {
		found = "it has " + listAnd(quoteAll(have))
	}
	noun := "section"
	if len(missing) > 1 {
		noun = "sections"
	}
	r := p.Failed(path, 0, "%s lacks the %s %s (%s)", path, noun, listAnd(missing), found)
	r.Evidence = strings.Join(missing, ",")
	return []Result{r}
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

// DocsContributing checks for contribution guidelines.
var DocsContributing = &Rule{
	ID:       "docs/contributing",
	Title:    "Contribution guidelines exist",
	Severity: Warning,
	Doc: `People who want to help need to know how. The rule passes when a CONTRIBUTING file (CONTRIBUTING, CONTRIBUTING.md, .txt or .rst, any case) is in the root, .github/ or docs/, ` +
		`or in the organisation's default community health files, or when the README has a Contributing section: the it@M templates put the contribution text in the README and link to the project's contribution documentation.`,
	Fix:         "Add a \"## Contributing\" section to the README (as the template does) or a CONTRIBUTING.md.",
	Source:      srcReadmeTemplate,
	SourceTitle: "refarch-templates README template, \"Contributing\"",
	Reads:       append(readsCommunity(FileContributing), readsReadme...),
	Params:      []Param{orgDefaultsParam},
	Check:       checkContributing,
}

func checkContributing(p *Pass) []Result {
	f := findCommunity(p, FileContributing)
	if f.Found() {
		if f.Err == nil && len(strings.TrimSpace(string(f.Data))) == 0 {
			return []Result{p.Failed(f.ResultPath(), 0, "%s is empty; write how to contribute or remove it and use a Contributing section in the README", f.Where())}
		}
		return []Result{p.Passed(f.ResultPath(), "%s", f.Where())}
	}
	d := p.Facts.Readme()
	if d.File.Found() && !d.Binary {
		if s := d.Section("Contributing"); s != nil {
			r := p.Passed(d.File.Path, "no CONTRIBUTING file, but %s has a Contributing section (line %d)", d.File.Path, s.Line)
			r.Line = s.Line
			return []Result{r}
		}
	}
	if f.Err != nil {
		return []Result{p.Errorf("", "cannot look for CONTRIBUTING: %v", f.Err)}
	}
	readme := "there is no README"
	if d.File.Found() {
		readme = d.File.Path + " has no Contributing section"
	}
	return []Result{p.Failed("CONTRIBUTING.md", 0, "no CONTRIBUTING file in %s, and %s", f.SearchedPlaces(), readme)}
}

// DocsCodeOfConduct checks for a Contributor Covenant Code of Conduct.
var DocsCodeOfConduct = &Rule{
	ID:       "docs/code-of-conduct",
	Title:    "Code of Conduct is the Contributor Covenant 2.x",
	Severity: Warning,
	Doc: `A Code of Conduct sets the expected behaviour in the project's spaces and says how to report abuse. ` +
		`The RefArch handbook: "The Code of Conduct (which can be found in .github/CODE_OF_CONDUCT.md) outlines expected behaviors to ensure a respectful and inclusive environment for all contributors." ` +
		`The template's is the Contributor Covenant, version 2.1. The rule looks for CODE_OF_CONDUCT (.md, .txt, .rst, any case) in the root, .github/ and docs/, then in the organisation's default community health files, ` +
		`and reads its version from the text ("version 2.1") or its link (contributor-covenant.org/version/2/1/). Older versions (1.4) lack the enforcement guidelines and fail.`,
	Fix:         "Copy the Contributor Covenant 2.1 from refarch-templates (.github/CODE_OF_CONDUCT.md), with the contact opensource@muenchen.de.",
	Source:      srcOrganize,
	SourceTitle: "RefArch handbook, Templates: Organize, \"Code of Conduct\"",
	Reads:       readsCommunity(FileCodeOfConduct),
	Params: []Param{{
		Name:    "versions",
		Doc:     "the Contributor Covenant versions accepted",
		Default: []string{"2.0", "2.1"},
	}, orgDefaultsParam},
	Check: checkCodeOfConduct,
}

var (
	covenantURLRe     = regexp.MustCompile(`(?i)contributor-covenant\.org/(?:[a-z]{2}(?:[-_][a-z]{2,4})?/)?version/(\d+)/(\d+)`)
	covenantVersionRe = regexp.MustCompile(`(?i)\bversion\s+v?(\d+)\.(\d+)`)
	covenantNameRe    = regexp.MustCompile(`(?i)contributor[\s-]+covenant`)
)

// CovenantVersion returns the Contributor Covenant version a Code of
// Conduct declares ("2.1"), whether it is the Contributor Covenant at
// all, and the line the version was read from.
func CovenantVersion(text []byte) (version string, isCovenant bool, line int) {
	if m := covenantURLRe.FindSubmatchIndex(text); m != nil {
		return string(text[m[2]:m[3]]) + "." + string(text[m[4]:m[5]]), true, lineOfOffset(text, m[0])
	}
	name := covenantNameRe.FindIndex(text)
	if name == nil {
		return "", false, 0
	}
	// The attribution says "adapted from the Contributor Covenant,
	// version 2.1"; prefer a version after the name, else any.
	if m := covenantVersionRe.FindSubmatchIndex(text[name[0]:]); m != nil {
		off := name[0]
		return string(text[off+m[2]:off+m[3]]) + "." + string(text[off+m[4]:off+m[5]]), true, lineOfOffset(text, off+m[0])
	}
	if m := covenantVersionRe.FindSubmatchIndex(text); m != nil {
		return string(text[m[2]:m[3]]) + "." + string(text[m[4]:m[5]]), true, lineOfOffset(text, m[0])
	}
	return "", true, lineOfOffset(text, name[0])
}

func checkCodeOfConduct(p *Pass) []Result {
	f := findCommunity(p, FileCodeOfConduct)
	switch {
	case !f.Found() && f.Err != nil:
		return []Result{p.Errorf("", "cannot look for CODE_OF_CONDUCT: %v", f.Err)}
	case !f.Found():
		return []Result{p.Failed(".github/CODE_OF_CONDUCT.md", 0, "no CODE_OF_CONDUCT file in %s; add the Contributor Covenant 2.1 as .github/CODE_OF_CONDUCT.md", f.SearchedPlaces())}
	case f.Err != nil:
		return []Result{p.Errorf(f.ResultPath(), "%s", ReadError(f.Where(), f.Err))}
	}
	if isBinary(f.Data) {
		return []Result{p.Failed(f.ResultPath(), 0, "%s is not text (it contains NUL bytes)", f.Where())}
	}
	version, covenant, line := CovenantVersion(f.Data)
	if f.Origin == OriginOrgDefault {
		line = 0
	}
	accepted := p.StringsParam("versions")
	switch {
	case !covenant:
		return []Result{p.Failed(f.ResultPath(), 0, "%s is not the Contributor Covenant (accepted: version %s)", f.Where(), listOr(accepted))}
	case version == "":
		return []Result{p.Failed(f.ResultPath(), line, "%s is the Contributor Covenant, but its version is not stated (accepted: %s); keep the attribution \"version 2.1\"", f.Where(), listOr(accepted))}
	}
	for _, v := range accepted {
		if v == version {
			r := p.Passed(f.ResultPath(), "%s: Contributor Covenant %s", f.Where(), version)
			return []Result{r}
		}
	}
	r := p.Failed(f.ResultPath(), line, "%s is the Contributor Covenant %s (accepted: %s); update it to version 2.1", f.Where(), version, listOr(accepted))
	r.Evidence = version
	return []Result{r}
}

func isBinary(data []byte) bool {
	return bytes.IndexByte(data, 0) >= 0
}

// DocsCodeowners checks for a CODEOWNERS file with a default rule.
var DocsCodeowners = &Rule{
	ID:       "docs/codeowners",
	Title:    "CODEOWNERS names default owners",
	Severity: Note,
	Doc: `A CODEOWNERS file makes the forge ask the responsible team to review every change. The template's .github/CODEOWNERS starts with a default rule, ` +
		`"* @it-at-m/refarch-admin @it-at-m/refarch-maintainer", so that no file is without an owner. ` +
		`The rule reads CODEOWNERS where GitHub does (.github/, the root, docs/; the first found wins) and, on GitLab or when it is the only one, .gitlab/CODEOWNERS (GitLab reads the root, docs/, then .gitlab/), ` +
		`and passes when a "*" rule (not commented out) names at least one owner.`,
	Fix:         "Add .github/CODEOWNERS with a default rule naming the owning team, e.g. \"* @it-at-m/your-team\".",
	Source:      srcCodeowners,
	SourceTitle: "refarch-templates .github/CODEOWNERS",
	Reads:       []string{".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS", ".gitlab/CODEOWNERS"},
	Check:       checkCodeowners,
}

// CodeOwners is what DocsCodeowners reads from a CODEOWNERS file.
type CodeOwners struct {
	// DefaultLine is the line of the last "*" rule naming an owner, 0
	// if none; DefaultOwners are its owners.
	DefaultLine   int
	DefaultOwners []string
	// OwnerlessLine is the line of a "*" rule without an owner.
	OwnerlessLine int
	// CommentedLine is the line of a commented-out "*" rule.
	CommentedLine int
	// Rules counts the rules (patterns) in the file.
	Rules int
}

var ownerRe = regexp.MustCompile(`^(?:@[A-Za-z0-9][A-Za-z0-9._-]*(?:/[A-Za-z0-9._-]+)*|[^@\s]+@[^@\s]+\.[A-Za-z]{2,})$`)

// ParseCodeOwners reads the default rule of a GitHub or GitLab CODEOWNERS
// file. GitLab sections ("[Section] @owner") give their entries default
// owners, so "*" without owners in such a section counts as owned.
func ParseCodeOwners(data []byte) CodeOwners {
	var c CodeOwners
	var sectionOwners []string
	for i, raw := range strings.Split(string(data), "\n") {
		t := strings.TrimSpace(raw)
		if t == "" {
			continue
		}
		if strings.HasPrefix(t, "#") {
			fields := strings.Fields(strings.TrimSpace(strings.TrimLeft(t, "#")))
			if len(fields) >= 2 && isDefaultPattern(fields[0]) && len(owners(fields[1:])) > 0 {
				c.CommentedLine = i + 1
			}
			continue
		}
		if isSectionHeader(t) {
			end := strings.LastIndex(t, "]")
			sectionOwners = owners(strings.Fields(stripInlineComment(t[end+1:])))
			continue
		}
		fields := strings.Fields(stripInlineComment(t))
		if len(fields) == 0 {
			continue
		}
		c.Rules++
		if !isDefaultPattern(fields[0]) {
			continue
		}
		os := owners(fields[1:])
		if len(os) == 0 {
			os = sectionOwners
		}
		if len(os) == 0 {
			c.OwnerlessLine = i + 1
			continue
		}
		c.DefaultLine, c.DefaultOwners = i+1, os
	}
	return c
}

// isSectionHeader matches GitLab's "[Section]", "^[Optional]" and
// "[Section][2]" headers.
func isSectionHeader(t string) bool {
	return strings.HasPrefix(t, "[") || strings.HasPrefix(t, "^[")
}

func isDefaultPattern(p string) bool {
	return p == "*" || p == "**" || p == "/**" || p == "/**/*"
}

func owners(fields []string) []string {
	var out []string
	for _, f := range fields {
		if ownerRe.MatchString(f) {
			out = append(out, f)
		}
	}
	return out
}

// stripInlineComment cuts a " # comment" from a rule line (GitLab allows
// them; GitHub ignores what follows as an invalid owner).
func stripInlineComment(s string) string {
	if i := strings.Index(s, " #"); i >= 0 {
		return s[:i]
	}
	if i := strings.Index(s, "\t#"); i >= 0 {
		return s[:i]
	}
	return s
}

func checkCodeowners(p *Pass) []Result {
	f := p.Facts.FindCodeOwners()
	switch {
	case !f.Found() && f.Err != nil:
		return []Result{p.Errorf("", "cannot look for CODEOWNERS: %v", f.Err)}
	case !f.Found():
		expected := ".github/CODEOWNERS"
		if p.Repo.Meta.Forge == forges.GitLab {
			expected = "CODEOWNERS"
		}
		return []Result{p.Failed(expected, 0, "no CODEOWNERS in %s; add %s with a default rule such as \"* @it-at-m/your-team\"", f.SearchedPlaces(), expected)}
	case f.Err != nil:
		return []Result{p.Errorf(f.Path, "%s", ReadError(f.Path, f.Err))}
	}
	c := ParseCodeOwners(f.Data)
	switch {
	case c.DefaultLine > 0:
		r := p.Passed(f.Path, "%s assigns default owners on line %d: * %s", f.Where(), c.DefaultLine, strings.Join(c.DefaultOwners, " "))
		r.Line = c.DefaultLine
		return []Result{r}
	case c.OwnerlessLine > 0:
		return []Result{p.Failed(f.Path, c.OwnerlessLine, "%s: the \"*\" rule on line %d names no owner; add the owning team, e.g. \"* @it-at-m/your-team\"", f.Where(), c.OwnerlessLine)}
	case c.CommentedLine > 0:
		return []Result{p.Failed(f.Path, c.CommentedLine, "%s: the default \"*\" rule on line %d is commented out; remove the \"#\"", f.Where(), c.CommentedLine)}
	case c.Rules == 0:
		return []Result{p.Failed(f.Path, 0, "%s has no rules; add a default rule such as \"* @it-at-m/your-team\"", f.Where())}
	}
	return []Result{p.Failed(f.Path, 0, "%s has %d rules but no default \"*\" rule, so files they do not match have no owner; add \"* @it-at-m/your-team\" as its first rule", f.Where(), c.Rules)}
}
