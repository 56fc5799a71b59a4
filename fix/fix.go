// Package fix adds what a repository lacks to pass the LHM publication
// rules that a template can satisfy: a LICENSE (MIT, with the city as
// copyright holder), a Code of Conduct (Contributor Covenant 2.1), a
// SECURITY.md and the README's Contributing, License and Contact sections.
// It is `ospo-scan fix`.
//
// What is missing is decided by the rules themselves (rules.Run on the
// repository, the README and community file lookups of package rules, the
// licence file names of package licenses), so a fixed repository passes
// `ospo-scan check` for those rules. A plan is checked before anything is
// written: the rules run again over the repository with the planned
// changes laid over it, and whatever still fails (an AGPL licence, a
// SECURITY.md with unfilled placeholders) is reported as something to fix
// by hand. Nothing existing is ever rewritten: files are created
// exclusively, and README sections are appended after re-reading the
// README and checking its sections again.
package fix

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/it-at-m/ospo-scan/forges"
	"github.com/it-at-m/ospo-scan/licenses"
	"github.com/it-at-m/ospo-scan/rules"
)

// DefaultContact is the address the created files name.
const DefaultContact = "opensource@muenchen.de"

// Targets are the rules whose failures fix can repair, by id.
var Targets = []string{
	rules.LicensePresent.ID,
	rules.LicenseApproved.ID,
	rules.LicenseCopyrightHolder.ID,
	rules.DocsReadme.ID,
	rules.DocsReadmeSections.ID,
	rules.DocsContributing.ID,
	rules.DocsCodeOfConduct.ID,
	rules.SecurityContact.ID,
	rules.SecurityPolicy.ID,
}

// Options configure a plan.
type Options struct {
	// Year is the year of the created LICENSE's copyright line.
	Year int
	// Contact is the e-mail address the Code of Conduct, SECURITY.md and
	// the README's Contact section name; empty means DefaultContact.
	Contact string
	// Policy gives the rules' settings and exemptions, as in a scan; nil
	// means the built-in defaults without exemptions. Only the Targets
	// are run.
	Policy Policy
}

// Policy is the part of the scanner's policy that fix needs
// (scanner.Policy satisfies it): the configured rules for a repository,
// and the exemptions that turn failures into exempt results.
type Policy interface {
	For(m forges.Meta) (profile string, set []rules.Configured)
	Apply(repo *forges.Repo, results []rules.Result) []rules.Result
}

// ruleSet returns the Targets as configured for m.
func (o Options) ruleSet(m forges.Meta) []rules.Configured {
	targets := map[string]bool{}
	for _, id := range Targets {
		targets[id] = true
	}
	if o.Policy == nil {
		var set []*rules.Rule
		for _, r := range rules.Builtin() {
			if targets[r.ID] {
				set = append(set, r)
			}
		}
		return rules.Defaults(set)
	}
	_, all := o.Policy.For(m)
	var out []rules.Configured
	for _, c := range all {
		if targets[c.ID] {
			out = append(out, c)
		}
	}
	return out
}

// run evaluates set on repo and applies the policy's exemptions.
func (o Options) run(ctx context.Context, repo *forges.Repo, facts *rules.Facts, set []rules.Configured) []rules.Result {
	res := rules.RunWithFacts(ctx, repo, facts, set)
	if o.Policy != nil {
		res = o.Policy.Apply(repo, res)
	}
	return res
}

// Op is what a change does to its file.
type Op int

const (
	// Create writes a new file; it never replaces an existing one.
	Create Op = iota
	// Append adds README sections at the end of the existing README.
	Append
)

// Change is one planned change.
type Change struct {
	Op Op
	// Path is the file, slash-separated and relative to the repository
	// root.
	Path string
	// Detail qualifies a created file: "MIT, Landeshauptstadt München |
	// it@M".
	Detail string
	// Sections are the README sections an Append adds.
	Sections []string
	// Why are the failing rule results the change repairs.
	Why []rules.Result
	// Content is the created file, or what an Append adds (the separating
	// blank line included) to the README as it was planned.
	Content []byte

	// readme is how an Append renders its sections again from the README
	// as it is when the change is written.
	readme *readmeAppend
}

// Describe says what the change will do: "create LICENSE (MIT, ...)",
// "append sections Contributing, License to README.md".
func (c *Change) Describe() string {
	if c.Op == Append {
		return fmt.Sprintf("append %s to %s", sectionWord(c.Sections), c.Path)
	}
	if c.Detail == "" {
		return "create " + c.Path
	}
	return fmt.Sprintf("create %s (%s)", c.Path, c.Detail)
}

func sectionWord(names []string) string {
	if len(names) == 1 {
		return "section " + names[0]
	}
	return "sections " + strings.Join(names, ", ")
}

// Problem is a failure fix cannot repair: it would have to change what
// exists, or decide what only a person can (a licence).
type Problem struct {
	Rule    string
	Path    string
	Line    int
	Message string
}

// Plan is what fix would change in one repository.
type Plan struct {
	// Repo is the repository's name.
	Repo string
	// Changes are the planned changes in the order they are written.
	Changes []*Change
	// Manual are the failures of the Targets that remain after the
	// changes: they need a person.
	Manual []Problem
	// Passing are the Targets that pass after the changes (or already
	// did), by id.
	Passing []string
}

// NewPlan works out what repo lacks. It reads repo through its FS only and
// writes nothing.
func NewPlan(ctx context.Context, repo *forges.Repo, o Options) (*Plan, error) {
	if o.Contact == "" {
		o.Contact = DefaultContact
	}
	set := o.ruleSet(repo.Meta)
	facts := rules.NewFacts(repo)
	before := o.run(ctx, repo, facts, set)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	failing := map[string][]rules.Result{}
	for _, r := range before {
		if r.Status == rules.StatusFail || r.Status == rules.StatusError {
			failing[r.Rule] = append(failing[r.Rule], r)
		}
	}
	fails := func(id string) bool { return len(failing[id]) > 0 }

	root, err := facts.ReadDir(".")
	if err != nil {
		return nil, fmt.Errorf("cannot list the root of %s: %w", repo.Meta.FullName, err)
	}
	b := &builder{
		plan:     &Plan{Repo: repo.Meta.FullName},
		sections: wantedSections(set),
		file:     fileData{Name: repo.Meta.Name, Year: o.Year, Contact: o.Contact, Holder: Holder},
		claimed:  map[string]bool{},
		failing:  failing,
	}
	if b.file.Name == "" {
		b.file.Name = repo.Meta.FullName
	}

	// LICENSE: only when the root has no licence file at all. A licence
	// file that is wrong is for a person to change (relicensing is the
	// copyright holders' decision).
	candidates := licenses.Candidates(root)
	if len(candidates) == 0 && fails(rules.LicensePresent.ID) {
		if err := b.create("LICENSE", "LICENSE.tmpl", "MIT, "+Holder, rules.LicensePresent.ID, rules.LicenseApproved.ID, rules.LicenseCopyrightHolder.ID); err != nil {
			return nil, err
		}
	}

	coc := facts.FindCommunityFile(rules.FileCodeOfConduct)
	cocPath := ""
	switch {
	case coc.Found() && coc.Origin == rules.OriginRepository:
		cocPath = coc.Path
	case !coc.Found() && coc.Err == nil && fails(rules.DocsCodeOfConduct.ID):
		cocPath = ".github/CODE_OF_CONDUCT.md"
		if err := b.create(cocPath, "CODE_OF_CONDUCT.md.tmpl", "Contributor Covenant 2.1, contact "+o.Contact, rules.DocsCodeOfConduct.ID); err != nil {
			return nil, err
		}
	}

	sec := facts.FindCommunityFile(rules.FileSecurity)
	secPath := ""
	switch {
	case sec.Found() && sec.Origin == rules.OriginRepository:
		secPath = sec.Path
	case !sec.Found() && sec.Err == nil && (fails(rules.SecurityPolicy.ID) || fails(rules.SecurityContact.ID)):
		secPath = "SECURITY.md"
		if err := b.create(secPath, "SECURITY.md.tmpl", "contact "+o.Contact+", private vulnerability reporting", rules.SecurityPolicy.ID, rules.SecurityContact.ID); err != nil {
			return nil, err
		}
	}

	// What the README sections link to.
	sd := sectionData{Name: b.file.Name, Contact: o.Contact}
	var licenceFiles []string
	for _, c := range candidates {
		if !c.IsDir() {
			licenceFiles = append(licenceFiles, c.Name())
		}
	}
	if b.creates("LICENSE") {
		licenceFiles = []string{"LICENSE"}
		sd.LicenseName = "the MIT License"
	} else {
		sd.LicenseName = licenceName(facts.Licenses())
	}
	contributing := facts.FindCommunityFile(rules.FileContributing)
	links := func(dir string) sectionData {
		d := sd
		for _, f := range licenceFiles {
			d.LicenseFiles = append(d.LicenseFiles, relLink(dir, f))
		}
		if contributing.Found() && contributing.Origin == rules.OriginRepository {
			l := relLink(dir, contributing.Path)
			d.ContributingFile = &l
		}
		if cocPath != "" {
			l := relLink(dir, cocPath)
			d.CodeOfConduct = &l
		}
		if secPath != "" {
			l := relLink(dir, secPath)
			d.Security = &l
		}
		return d
	}

	readme := facts.Readme()
	switch f := readme.File; {
	case !f.Found() && f.Err == nil && fails(rules.DocsReadme.ID):
		if err := b.createReadme(links(".")); err != nil {
			return nil, err
		}
	case f.Found() && f.Err == nil && !readme.Binary:
		if err := b.appendReadme(readme, links(dirOf(f.Path))); err != nil {
			return nil, err
		}
	}

	// Run the rules again over the repository as the changes leave it.
	after := repoWith(repo, b.plan.Changes, facts)
	results := o.run(ctx, after, rules.NewFacts(after), set)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	passing := map[string]bool{}
	for _, c := range set {
		passing[c.ID] = true
	}
	for _, r := range results {
		if r.Status != rules.StatusFail && r.Status != rules.StatusError {
			continue
		}
		passing[r.Rule] = false
		if b.explained[r.Rule+"\x00"+r.Path] {
			continue
		}
		b.plan.Manual = append(b.plan.Manual, Problem{Rule: r.Rule, Path: r.Path, Line: r.Line, Message: r.Message})
	}
	for id, ok := range passing {
		if ok {
			b.plan.Passing = append(b.plan.Passing, id)
		}
	}
	sort.Strings(b.plan.Passing)
	sort.SliceStable(b.plan.Manual, func(i, j int) bool { return b.plan.Manual[i].Rule < b.plan.Manual[j].Rule })
	return b.plan, nil
}

// builder collects the changes of a plan.
type builder struct {
	plan    *Plan
	file    fileData
	claimed map[string]bool // rules whose failures a change already lists
	failing map[string][]rules.Result
	// explained marks rule+path failures that a Problem of the plan
	// already explains better than the rule's own message.
	explained map[string]bool
	// sections are those of SectionNames that docs/readme-sections asks
	// for as configured.
	sections map[string]bool
}

// wantedSections returns which of SectionNames the configured
// docs/readme-sections asks for (its "sections" parameter, matched as the
// rule matches headings).
func wantedSections(set []rules.Configured) map[string]bool {
	out := map[string]bool{}
	for _, c := range set {
		if c.ID != rules.DocsReadmeSections.ID {
			continue
		}
		var asked []string
		v, ok := c.Params["sections"]
		if !ok {
			for _, p := range c.Rule.Params {
				if p.Name == "sections" {
					v = p.Default
				}
			}
		}
		switch v := v.(type) {
		case []string:
			asked = v
		case []any:
			for _, x := range v {
				asked = append(asked, fmt.Sprint(x))
			}
		case string:
			asked = []string{v}
		}
		for _, name := range SectionNames {
			for _, a := range asked {
				if rules.SectionMatches(rules.NormalizeHeading(name), rules.NormalizeHeading(a)) {
					out[name] = true
				}
			}
		}
	}
	return out
}

// why returns the failures of ids that no earlier change has claimed.
func (b *builder) why(ids ...string) []rules.Result {
	var out []rules.Result
	for _, id := range ids {
		if b.claimed[id] {
			continue
		}
		b.claimed[id] = true
		out = append(out, b.failing[id]...)
	}
	return out
}

func (b *builder) creates(path string) bool {
	for _, c := range b.plan.Changes {
		if c.Op == Create && c.Path == path {
			return true
		}
	}
	return false
}

func (b *builder) create(path, tmpl, detail string, ruleIDs ...string) error {
	data, err := renderFile(tmpl, b.file)
	if err != nil {
		return err
	}
	b.plan.Changes = append(b.plan.Changes, &Change{Op: Create, Path: path, Detail: detail, Content: data, Why: b.why(ruleIDs...)})
	return nil
}

func (b *builder) createReadme(d sectionData) error {
	head, err := renderFile("README.md.tmpl", b.file)
	if err != nil {
		return err
	}
	body, err := renderSections(markdown, "", SectionNames, d)
	if err != nil {
		return err
	}
	content := append(head, appendix(head, body)...)
	b.plan.Changes = append(b.plan.Changes, &Change{
		Op: Create, Path: "README.md", Detail: "title, sections " + strings.Join(SectionNames, ", "),
		Content: content,
		Why:     b.why(rules.DocsReadme.ID, rules.DocsReadmeSections.ID, rules.DocsContributing.ID, rules.SecurityContact.ID),
	})
	return nil
}

// appendReadme plans the README sections that are missing and that a
// failing rule asks for.
func (b *builder) appendReadme(doc *rules.Doc, d sectionData) error {
	var names []string
	for _, n := range missingSections(doc, SectionNames) {
		if b.wants(n) {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return nil
	}
	ra := &readmeAppend{path: doc.File.Path, markup: markupOf(doc.File.Path), data: d, names: names}
	if ra.markup == restructuredText {
		ra.style = rstSectionStyle(doc)
	}
	added, got, err := ra.render(doc.File.Data)
	if err != nil {
		return err
	}
	if len(got) < len(names) {
		if b.explained == nil {
			b.explained = map[string]bool{}
		}
		b.explained[rules.DocsReadmeSections.ID+"\x00"+doc.File.Path] = true
		b.plan.Manual = append(b.plan.Manual, Problem{
			Rule: rules.DocsReadmeSections.ID, Path: doc.File.Path,
			Message: fmt.Sprintf("sections appended to %s would not be read as level-2 sections (does it end inside a code block or an HTML comment?); add %s by hand", doc.File.Path, strings.Join(names, ", ")),
		})
		return nil
	}
	ids := []string{rules.DocsReadmeSections.ID, rules.DocsReadme.ID}
	for _, n := range names {
		switch n {
		case "Contributing":
			ids = append(ids, rules.DocsContributing.ID)
		case "Contact":
			ids = append(ids, rules.SecurityContact.ID)
		}
	}
	b.plan.Changes = append(b.plan.Changes, &Change{Op: Append, Path: doc.File.Path, Sections: names, Content: added, Why: b.why(ids...), readme: ra})
	return nil
}

// wants reports whether adding the README section name repairs a failing
// rule: a section docs/readme-sections asks for while it fails;
// Contributing also repairs docs/contributing and Contact
// security/contact.
func (b *builder) wants(name string) bool {
	switch {
	case b.sections[name] && len(b.failing[rules.DocsReadmeSections.ID]) > 0:
		return true
	case name == "Contributing":
		return len(b.failing[rules.DocsContributing.ID]) > 0
	case name == "Contact":
		return len(b.failing[rules.SecurityContact.ID]) > 0
	}
	return false
}

// readmeAppend renders the sections an Append adds.
type readmeAppend struct {
	path   string
	markup markup
	style  string
	data   sectionData
	names  []string
}

// render returns what to append to the README content existing: the
// planned sections it still lacks. got are the sections that the README
// plus the appendix then has, parsed as docs/readme-sections parses it.
func (ra *readmeAppend) render(existing []byte) (added []byte, got []string, err error) {
	doc := rules.ParseDoc(ra.path, existing)
	names := missingSections(doc, ra.names)
	if len(names) == 0 {
		return nil, ra.names, nil
	}
	block, err := renderSections(ra.markup, ra.style, names, ra.data)
	if err != nil {
		return nil, nil, err
	}
	added = appendix(existing, block)
	after := rules.ParseDoc(ra.path, append(append([]byte(nil), existing...), added...))
	for _, n := range ra.names {
		if after.Section(n) != nil {
			got = append(got, n)
		}
	}
	return added, got, nil
}

// licenceName names the licences of the root's licence files for the
// README's License section: "the MIT License", "AGPL-3.0"; empty when a
// file was not recognised, so that the section claims nothing unsure.
func licenceName(files []licenses.File) string {
	seen := map[string]bool{}
	var ids []string
	for _, f := range files {
		if !f.Recognised() {
			return ""
		}
		for _, id := range f.IDs() {
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	switch {
	case len(ids) == 0:
		return ""
	case len(ids) == 1 && ids[0] == "MIT":
		return "the MIT License"
	case len(ids) == 1:
		return "the licence " + ids[0]
	}
	return "the licences " + strings.Join(ids[:len(ids)-1], ", ") + " and " + ids[len(ids)-1]
}

func dirOf(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[:i]
	}
	return "."
}

// repoWith returns repo with the changes laid over its files.
func repoWith(repo *forges.Repo, changes []*Change, facts *rules.Facts) *forges.Repo {
	files := map[string][]byte{}
	for _, c := range changes {
		switch c.Op {
		case Create:
			files[c.Path] = c.Content
		case Append:
			old, _ := facts.ReadFile(c.Path)
			files[c.Path] = append(append([]byte(nil), old...), c.Content...)
		}
	}
	cp := *repo
	cp.FS = newOverlay(repo.FS, files)
	return &cp
}
