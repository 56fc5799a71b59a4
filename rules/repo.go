package rules

import (
	"regexp"
	"strings"
	"unicode"
)

// defaultNamePattern is repo/naming's default: lower-case kebab-case,
// with dots allowed for web-site repositories (opensource.muenchen.de).
const defaultNamePattern = `^[a-z0-9]+([.-][a-z0-9]+)*$`

// RepoNaming checks the repository's name.
var RepoNaming = &Rule{
	ID:       "repo/naming",
	Title:    "Repository name is lower-case kebab-case",
	Severity: Warning,
	Doc: `The repository's name is lower-case letters and digits in words joined by "-" (dots are allowed, for repositories named after a web site such as opensource.muenchen.de): dave-backend, refarch-templates. Most it-at-m repositories follow this, and the OSPO asks that all repositories of one product share a prefix joined by "-" (dave-backend, dave-frontend), which only works when names are written the same way. Lower-case names also avoid surprises in URLs, container image names (which must be lower case) and Maven or npm coordinates derived from them.

For a local checkout the name is the folder's name. The pattern is a parameter (a Go regular expression that should be anchored with ^ and $); the failure suggests a kebab-case name.`,
	Fix:         "Rename the repository (GitHub: Settings > General > Repository name; the old URL redirects) to the suggested kebab-case name.",
	Source:      "https://github.com/it-at-m/opensource.muenchen.de/blob/main/de/repositories.md",
	SourceTitle: `opensource.muenchen.de: Repositories ("Namenskonvention"), and the observed convention of the it-at-m organisation`,
	Params: []Param{{
		Name:    "pattern",
		Doc:     "regular expression (Go syntax) that the repository name must match",
		Default: defaultNamePattern,
	}},
	Check: checkRepoNaming,
}

func checkRepoNaming(p *Pass) []Result {
	pattern := p.StringParam("pattern")
	re, err := regexp.Compile(pattern)
	if err != nil {
		return []Result{p.Errorf("", "parameter pattern of repo/naming is not a valid regular expression: %v", err)}
	}
	name := p.Repo.Meta.Name
	if re.MatchString(name) {
		return []Result{p.Passed("", "%s", name)}
	}
	r := p.Failed("", 0, "repository name %q does not match %s", name, pattern)
	if s := kebabCase(name); s != "" && s != name && re.MatchString(s) {
		r.Message += ": rename it to " + s
	}
	r.Evidence = name
	return []Result{r}
}

// kebabCase suggests a lower-case kebab-case form of a name: words split
// at "_", spaces, existing "-" and camelCase humps, lower-cased and joined
// by "-"; dots are kept. "DaveBackend" and "dave_backend" become
// "dave-backend".
func kebabCase(name string) string {
	var b strings.Builder
	rs := []rune(name)
	sep := func() {
		s := b.String()
		if s != "" && !strings.HasSuffix(s, "-") && !strings.HasSuffix(s, ".") {
			b.WriteByte('-')
		}
	}
	for i, r := range rs {
		switch {
		case r == '.':
			s := strings.TrimSuffix(b.String(), "-")
			b.Reset()
			b.WriteString(s)
			if s != "" && !strings.HasSuffix(s, ".") {
				b.WriteByte('.')
			}
		case unicode.IsUpper(r):
			// A hump starts a word: "daveBackend", and the last capital of
			// an acronym before a lower-case letter: "LHMApp" -> "lhm-app".
			if i > 0 && (unicode.IsLower(rs[i-1]) || unicode.IsDigit(rs[i-1]) ||
				unicode.IsUpper(rs[i-1]) && i+1 < len(rs) && unicode.IsLower(rs[i+1])) {
				sep()
			}
			b.WriteString(kebabFold(unicode.ToLower(r)))
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteString(kebabFold(r))
		default:
			sep()
		}
	}
	return strings.Trim(b.String(), "-.")
}

// kebabFold writes German umlauts and ß the way URLs spell them.
func kebabFold(r rune) string {
	switch r {
	case 'ä':
		return "ae"
	case 'ö':
		return "oe"
	case 'ü':
		return "ue"
	case 'ß':
		return "ss"
	}
	if r > unicode.MaxASCII {
		return ""
	}
	return string(r)
}

// RepoDefaultBranch checks the name of the default branch.
var RepoDefaultBranch = &Rule{
	ID:       "repo/default-branch",
	Title:    "Default branch is main",
	Severity: Note,
	Doc: `The repository's default branch is "main". The reference templates' workflows run on pushes to "main" (CodeQL, builds, releases), so a repository made from them whose default branch has another name silently runs none of its push workflows; and a common name makes scripts and documentation work across all repositories.

The default branch comes from the forge, or for a local checkout from its .git folder; where it cannot be known (a plain folder without .git), the rule does not apply. The expected name is a parameter.`,
	Fix:         "Rename the default branch (GitHub: Settings > General > Default branch; GitLab: Settings > Repository > Branch defaults) to main.",
	Source:      "https://github.com/it-at-m/refarch-templates/blob/main/.github/workflows/codeql.yml",
	SourceTitle: "it-at-m/refarch-templates workflows (triggered on pushes to main)",
	Params: []Param{{
		Name:    "branch",
		Doc:     "the expected name of the default branch",
		Default: "main",
	}},
	Check: checkRepoDefaultBranch,
}

func checkRepoDefaultBranch(p *Pass) []Result {
	want := p.StringParam("branch")
	db := p.Repo.Meta.DefaultBranch
	if !db.Known {
		return []Result{p.NotApplicable("%s", ciOr(db.Why, "the forge did not report the default branch"))}
	}
	if db.Value == want {
		return []Result{p.Passed("", "%s", db.Value)}
	}
	r := p.Failed("", 0, "the default branch is %q, not %q", db.Value, want)
	r.Evidence = db.Value
	return []Result{r}
}

// RepoDescription checks that the forge shows a description.
var RepoDescription = &Rule{
	ID:          "repo/description",
	Title:       "Repository has a description",
	Severity:    Note,
	Doc:         `The repository has a description on its forge (GitHub's "About", GitLab's project description). The description is what people see in the organisation's repository list, in search results and in link previews; without it, a published repository is hard to find and to tell apart from its siblings. Only forge metadata can answer this, so the rule does not apply to a local checkout; a description of only spaces counts as none.`,
	Fix:         "Add a one-sentence description: on GitHub in the About box of the repository page, on GitLab in Settings > General.",
	Source:      "https://github.com/it-at-m/opensource.muenchen.de/blob/main/de/repositories.md",
	SourceTitle: "opensource.muenchen.de: Repositories (publication practice)",
	NeedsForge:  true,
	Check:       checkRepoDescription,
}

func checkRepoDescription(p *Pass) []Result {
	d := p.Repo.Meta.Description
	if !d.Known {
		return []Result{p.NotApplicable("%s", ciOr(d.Why, "the forge did not report a description"))}
	}
	s := strings.TrimSpace(d.Value)
	if s == "" {
		return []Result{p.Failed("", 0, "the repository has no description")}
	}
	if r := []rune(s); len(r) > 100 {
		s = string(r[:99]) + "…"
	}
	return []Result{p.Passed("", "%s", s)}
}

func ciOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
