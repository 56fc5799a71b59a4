package fix

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/it-at-m/ospo-scan/forges"
	"github.com/it-at-m/ospo-scan/forges/local"
	"github.com/it-at-m/ospo-scan/rules"
)

// writeTree writes files (slash paths) into a new temporary checkout
// named name and returns its directory.
func writeTree(t *testing.T, name string, files map[string]string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for p, data := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// openDir opens a checkout the way `ospo-scan check` and `fix` do.
func openDir(t *testing.T, dir string) *forges.Repo {
	t.Helper()
	repo, err := local.OpenCheckout(dir)
	if err != nil {
		t.Fatal(err)
	}
	return repo
}

func plan(t *testing.T, repo *forges.Repo) *Plan {
	t.Helper()
	p, err := NewPlan(context.Background(), repo, Options{Year: 2031})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// failures runs the rules fix repairs on dir and returns "rule: message"
// for each failure or error.
func failures(t *testing.T, dir string) []string {
	t.Helper()
	repo := openDir(t, dir)
	var out []string
	for _, r := range rules.Run(context.Background(), repo, Options{}.ruleSet(repo.Meta)) {
		if r.Status == rules.StatusFail || r.Status == rules.StatusError {
			out = append(out, r.Rule+": "+r.Message)
		}
	}
	return out
}

func paths(p *Plan) []string {
	var out []string
	for _, c := range p.Changes {
		out = append(out, c.Describe())
	}
	return out
}

func readFile(t *testing.T, dir, p string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p)))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestEmptyRepositoryGetsEverything(t *testing.T) {
	dir := writeTree(t, "parking-permits", map[string]string{"main.go": "package main\n"})
	if got := failures(t, dir); len(got) == 0 {
		t.Fatal("an empty repository should fail the rules fix repairs")
	}
	p := plan(t, openDir(t, dir))
	want := []string{
		"create LICENSE (MIT, Landeshauptstadt München | it@M)",
		"create .github/CODE_OF_CONDUCT.md (Contributor Covenant 2.1, contact opensource@muenchen.de)",
		"create SECURITY.md (contact opensource@muenchen.de, private vulnerability reporting)",
		"create README.md (title, sections Contributing, License, Contact)",
	}
	if got := paths(p); !slices.Equal(got, want) {
		t.Fatalf("changes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(p.Manual) != 0 {
		t.Errorf("nothing should be left for a person: %+v", p.Manual)
	}
	if len(p.Passing) != len(Targets) {
		t.Errorf("after the plan %v pass, want all of %v", p.Passing, Targets)
	}
	for _, c := range p.Changes {
		if len(c.Why) == 0 {
			t.Errorf("%s says no reason", c.Describe())
		}
	}
	out, err := p.Apply(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 4 || out[0].Message != "created LICENSE (MIT, Landeshauptstadt München | it@M)" {
		t.Errorf("outcomes: %+v", out)
	}
	if got := failures(t, dir); len(got) != 0 {
		t.Errorf("after fix the rules still fail:\n%s", strings.Join(got, "\n"))
	}
	lic := readFile(t, dir, "LICENSE")
	if !strings.Contains(lic, "\nCopyright (c) 2031 Landeshauptstadt München | it@M\n") || !strings.HasPrefix(lic, "MIT License\n") {
		t.Errorf("LICENSE:\n%s", lic)
	}
	readme := readFile(t, dir, "README.md")
	for _, s := range []string{"# parking-permits\n", "## Contributing\n", "## License\n", "## Contact\n", "[LICENSE](LICENSE)", "[Code of Conduct](.github/CODE_OF_CONDUCT.md)", "[SECURITY.md](SECURITY.md)", "opensource@muenchen.de"} {
		if !strings.Contains(readme, s) {
			t.Errorf("README lacks %q:\n%s", s, readme)
		}
	}
	sec := readFile(t, dir, "SECURITY.md")
	if strings.Contains(sec, "{{") || !strings.Contains(sec, "parking-permits") || !strings.Contains(sec, "opensource@muenchen.de") {
		t.Errorf("SECURITY.md:\n%s", sec)
	}
	if again := plan(t, openDir(t, dir)); len(again.Changes) != 0 {
		t.Errorf("a second run plans %v", paths(again))
	}
}

func TestContactAndYearOptions(t *testing.T) {
	dir := writeTree(t, "x", nil)
	p, err := NewPlan(context.Background(), openDir(t, dir), Options{Year: 2019, Contact: "security@muenchen.de"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range p.Changes {
		switch c.Path {
		case "LICENSE":
			if !bytes.Contains(c.Content, []byte("Copyright (c) 2019 ")) {
				t.Errorf("LICENSE year: %s", c.Content)
			}
		case ".github/CODE_OF_CONDUCT.md", "SECURITY.md", "README.md":
			if !bytes.Contains(c.Content, []byte("security@muenchen.de")) || bytes.Contains(c.Content, []byte("opensource@muenchen.de")) {
				t.Errorf("%s does not name the contact given:\n%s", c.Path, c.Content)
			}
		}
	}
}

func TestAppendKeepsReadmeAndLineEndings(t *testing.T) {
	// The README in .github/ (GitHub's first place), CRLF line endings,
	// no final newline, and a Contact section already there.
	old := "# Wahlen\r\n\r\nThe election results service of the City of Munich shows the results of every\r\nelection and referendum in Munich, district by district, as they are counted.\r\n\r\n## 📫 Contact\r\n\r\nit@M - opensource@muenchen.de"
	dir := writeTree(t, "wahlen", map[string]string{
		".github/README.md": old,
		"LICENSE":           mitLicence,
		"CONTRIBUTING.md":   "Open a pull request.\n",
	})
	p := plan(t, openDir(t, dir))
	var app *Change
	for _, c := range p.Changes {
		if c.Op == Append {
			app = c
		}
	}
	if app == nil || app.Path != ".github/README.md" || !slices.Equal(app.Sections, []string{"Contributing", "License"}) {
		t.Fatalf("changes: %v", paths(p))
	}
	out, err := p.Apply(dir)
	if err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, o := range out {
		msgs = append(msgs, o.Message)
	}
	if !slices.Contains(msgs, "appended sections Contributing, License to .github/README.md") {
		t.Errorf("outcomes: %v", msgs)
	}
	got := readFile(t, dir, ".github/README.md")
	if !strings.HasPrefix(got, old) {
		t.Fatalf("the existing README was changed:\n%q", got)
	}
	added := strings.TrimPrefix(got, old)
	if !strings.HasPrefix(added, "\r\n\r\n## Contributing\r\n\r\n") {
		t.Errorf("appended block must follow exactly one blank line, in CRLF:\n%q", added)
	}
	if strings.Contains(strings.ReplaceAll(added, "\r\n", ""), "\n") {
		t.Errorf("appended block mixes line endings:\n%q", added)
	}
	if !strings.HasSuffix(added, "\r\n") || strings.HasSuffix(added, "\r\n\r\n") {
		t.Errorf("appended block must end in exactly one line break:\n%q", added)
	}
	for _, link := range []string{"[LICENSE](../LICENSE)", "[CONTRIBUTING.md](../CONTRIBUTING.md)", "[Code of Conduct](CODE_OF_CONDUCT.md)", "Distributed under the MIT License."} {
		if !strings.Contains(added, link) {
			t.Errorf("appended block lacks %s:\n%s", link, added)
		}
	}
	if f := failures(t, dir); len(f) != 0 {
		t.Errorf("after fix:\n%s", strings.Join(f, "\n"))
	}
	// A second write changes nothing.
	again := plan(t, openDir(t, dir))
	if len(again.Changes) != 0 {
		t.Errorf("second plan: %v", paths(again))
	}
}

func TestSeparator(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", ""},
		{"\n", ""},
		{"text", "\n\n"},
		{"text\n", "\n"},
		{"text  \n", "\n"},
		{"text\n\n", ""},
		{"text\n \n", ""},
		{"text\n\n\n", ""},
		{"text\r\n", "\r\n"},
	} {
		nl := lineEnding([]byte(c.in))
		if got := separator([]byte(c.in), nl); got != c.want {
			t.Errorf("separator(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestReadmeEndingInCodeBlockIsLeftAlone(t *testing.T) {
	readme := "# Tool\n\nThis tool converts the city's timetable exports into GTFS feeds for the open data portal of Munich, every night.\n\n## License\n\nMIT\n\n## Contact\n\nopensource@muenchen.de\n\n```sh\nmake run\n"
	dir := writeTree(t, "tool", map[string]string{"README.md": readme, "LICENSE": mitLicence})
	p := plan(t, openDir(t, dir))
	for _, c := range p.Changes {
		if c.Path == "README.md" {
			t.Fatalf("appending after an unclosed code block hides the sections; planned %s", c.Describe())
		}
	}
	found := false
	for _, m := range p.Manual {
		if m.Rule == "docs/readme-sections" && strings.Contains(m.Message, "code block") {
			found = true
		}
		if m.Rule == "docs/readme-sections" && strings.Contains(m.Message, "lacks") {
			t.Errorf("the rule's own message repeats the explanation: %+v", m)
		}
	}
	if !found {
		t.Errorf("manual: %+v", p.Manual)
	}
	if _, err := p.Apply(dir); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, dir, "README.md"); got != readme {
		t.Errorf("README changed:\n%s", got)
	}
}

func TestRestructuredTextReadme(t *testing.T) {
	readme := "=====\nTiles\n=====\n\nTiles renders the base map of Munich into vector tiles for the city's web maps and\nthe mobile apps of the public transport company.\n\nUsage\n-----\n\nRun ``tiles serve``.\n"
	dir := writeTree(t, "tiles", map[string]string{"README.rst": readme, "LICENSE": mitLicence, "SECURITY.md": "Report to opensource@muenchen.de.\n", "CODE_OF_CONDUCT.md": covenant21})
	p := plan(t, openDir(t, dir))
	if got := paths(p); !slices.Equal(got, []string{"append sections Contributing, License, Contact to README.rst"}) {
		t.Fatalf("changes: %v", got)
	}
	if _, err := p.Apply(dir); err != nil {
		t.Fatal(err)
	}
	got := readFile(t, dir, "README.rst")
	if !strings.HasPrefix(got, readme) || !strings.Contains(got, "\nContributing\n------------\n") || !strings.Contains(got, "`LICENSE <LICENSE>`__") {
		t.Errorf("README.rst:\n%s", got)
	}
	if f := failures(t, dir); len(f) != 0 {
		t.Errorf("after fix:\n%s", strings.Join(f, "\n"))
	}
}

func TestWrongLicenceIsNotReplaced(t *testing.T) {
	agpl := "GNU AFFERO GENERAL PUBLIC LICENSE\nVersion 3, 19 November 2007\n\nsee https://www.gnu.org/licenses/agpl-3.0.txt\n"
	dir := writeTree(t, "consul", map[string]string{"COPYING": agpl})
	p := plan(t, openDir(t, dir))
	for _, c := range p.Changes {
		if c.Path == "LICENSE" {
			t.Fatalf("a repository with a licence file must not get a second one: %v", paths(p))
		}
	}
	var rulesLeft []string
	for _, m := range p.Manual {
		rulesLeft = append(rulesLeft, m.Rule)
	}
	if !slices.Contains(rulesLeft, "license/present") && !slices.Contains(rulesLeft, "license/approved") {
		t.Errorf("the licence problem must be left for a person: %+v", p.Manual)
	}
	// The README written for it does not claim a licence it cannot name.
	for _, c := range p.Changes {
		if c.Path == "README.md" && (bytes.Contains(c.Content, []byte("MIT")) || !bytes.Contains(c.Content, []byte("[COPYING](COPYING)"))) {
			t.Errorf("README License section:\n%s", c.Content)
		}
	}
}

func TestNeverOverwritesWhatAppearedSincePlanning(t *testing.T) {
	dir := writeTree(t, "race", map[string]string{"README.md": "# Race\n\nA service that does one thing well for the citizens of Munich and nothing else at all, as a service should do it.\n"})
	p := plan(t, openDir(t, dir))
	if len(p.Changes) != 4 {
		t.Fatalf("changes: %v", paths(p))
	}
	// Someone adds a LICENSE and the README sections meanwhile.
	mine := "Copyright (c) 2020 Someone\n"
	os.WriteFile(filepath.Join(dir, "LICENSE"), []byte(mine), 0o644)
	readme := readFile(t, dir, "README.md") + "\n## Contributing\n\nYes.\n\n## License\n\nMIT\n\n## Contact\n\nopensource@muenchen.de\n"
	os.WriteFile(filepath.Join(dir, "README.md"), []byte(readme), 0o644)

	out, err := p.Apply(dir)
	if err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, o := range out {
		msgs = append(msgs, o.Message)
	}
	if !slices.Contains(msgs, "left LICENSE as it is: it exists now") || !slices.Contains(msgs, "left README.md as it is: it has the sections Contributing, License, Contact now") {
		t.Errorf("outcomes: %v", msgs)
	}
	if readFile(t, dir, "LICENSE") != mine || readFile(t, dir, "README.md") != readme {
		t.Error("a file that appeared after planning was changed")
	}
}

func TestOrganisationDefaultsCount(t *testing.T) {
	dir := writeTree(t, "svc", map[string]string{"LICENSE": mitLicence})
	repo := openDir(t, dir)
	repo.OrgDefaults = fstest.MapFS{"CODE_OF_CONDUCT.md": {Data: []byte(covenant21)}, "SECURITY.md": {Data: []byte("Write to opensource@muenchen.de.\n")}}
	repo.OrgDefaultsName = "it-at-m/.github"
	p := plan(t, repo)
	for _, c := range p.Changes {
		if c.Path == ".github/CODE_OF_CONDUCT.md" || c.Path == "SECURITY.md" {
			t.Errorf("the organisation default already counts; planned %s", c.Describe())
		}
		if c.Path == "README.md" && bytes.Contains(c.Content, []byte("CODE_OF_CONDUCT")) {
			t.Errorf("README links a Code of Conduct that is not in the repository:\n%s", c.Content)
		}
	}
}

func TestOverlay(t *testing.T) {
	base := fstest.MapFS{"README.md": {Data: []byte("old")}, "docs/x.md": {Data: []byte("x")}}
	o := newOverlay(base, map[string][]byte{"README.md": []byte("new text"), ".github/CODE_OF_CONDUCT.md": []byte("coc")})
	if err := fstest.TestFS(o, "README.md", "docs/x.md", ".github/CODE_OF_CONDUCT.md"); err != nil {
		t.Fatal(err)
	}
	data, _ := fs.ReadFile(o, "README.md")
	if string(data) != "new text" {
		t.Errorf("README.md = %q", data)
	}
	es, err := fs.ReadDir(o, ".")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{".github", "README.md", "docs"}) {
		t.Errorf("root listing %v", names)
	}
	if _, err := fs.ReadDir(o, "missing"); err == nil {
		t.Error("a missing directory lists")
	}
}

func TestRelLink(t *testing.T) {
	for _, c := range []struct{ dir, target, want string }{
		{".", "LICENSE", "LICENSE"},
		{".github", "LICENSE", "../LICENSE"},
		{".github", ".github/CODE_OF_CONDUCT.md", "CODE_OF_CONDUCT.md"},
		{"docs", ".github/CODE_OF_CONDUCT.md", "../.github/CODE_OF_CONDUCT.md"},
	} {
		if got := relLink(c.dir, c.target).Href; got != c.want {
			t.Errorf("relLink(%q, %q) = %q, want %q", c.dir, c.target, got, c.want)
		}
	}
}

const covenant21 = "# Contributor Covenant Code of Conduct\n\nReport to opensource@muenchen.de.\n\nThis Code of Conduct is adapted from the Contributor Covenant, version 2.1, available at https://www.contributor-covenant.org/version/2/1/code_of_conduct.html\n"

// mitLicence is the MIT licence with the LHM copyright line, shared with the
// licence detection tests.
var mitLicence = string(must(os.ReadFile("../licenses/testdata/MIT.txt")))

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

// testPolicy configures docs/readme-sections and exempts security/policy,
// as a policy file could.
type testPolicy struct{ sections []any }

func (p testPolicy) For(forges.Meta) (string, []rules.Configured) {
	set := rules.Defaults(rules.Builtin())
	for i := range set {
		if set[i].ID == rules.DocsReadmeSections.ID {
			set[i].Params = map[string]any{"sections": p.sections}
		}
	}
	return "test", set
}

func (testPolicy) Apply(_ *forges.Repo, rs []rules.Result) []rules.Result {
	for i := range rs {
		if rs[i].Rule == rules.SecurityPolicy.ID && rs[i].Status == rules.StatusFail {
			rs[i].Status = rules.StatusExempt
		}
	}
	return rs
}

func TestPolicySettingsAndExemptions(t *testing.T) {
	dir := writeTree(t, "svc", map[string]string{
		"LICENSE":            mitLicence,
		"CODE_OF_CONDUCT.md": covenant21,
		"SECURITY.md":        "Report to [INSERT CONTACT METHOD] or opensource@muenchen.de.\n",
		"README.md":          "# Svc\n\nA service of the City of Munich that answers questions about waste collection dates for every street of the city, in German and English.\n\n## Contact\n\nopensource@muenchen.de\n",
	})
	p, err := NewPlan(context.Background(), openDir(t, dir), Options{Year: 2031, Policy: testPolicy{sections: []any{"contributing", "Contact"}}})
	if err != nil {
		t.Fatal(err)
	}
	// License is not asked for by this policy: only Contributing is added.
	if got := paths(p); !slices.Equal(got, []string{"append section Contributing to README.md"}) {
		t.Errorf("changes: %v", got)
	}
	// The placeholder in SECURITY.md is exempt: nothing is left.
	if len(p.Manual) != 0 {
		t.Errorf("an exempt failure is left for a person: %+v", p.Manual)
	}
	// Without the policy, the default sections and the placeholder count.
	def := plan(t, openDir(t, dir))
	if got := paths(def); !slices.Equal(got, []string{"append sections Contributing, License to README.md"}) {
		t.Errorf("default changes: %v", got)
	}
	if len(def.Manual) != 1 || def.Manual[0].Rule != rules.SecurityPolicy.ID || !strings.Contains(def.Manual[0].Message, "[INSERT CONTACT METHOD]") {
		t.Errorf("default manual: %+v", def.Manual)
	}
}
