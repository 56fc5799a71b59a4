package policy

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/it-at-m/ospo-scan/forges"
	"github.com/it-at-m/ospo-scan/rules"
	"github.com/it-at-m/ospo-scan/scanner"
)

var _ scanner.Policy = (*Policy)(nil)

// mustParse loads a policy from text, failing the test on any problem.
func mustParse(t testing.TB, src string) *Policy {
	t.Helper()
	p, err := Parse("policy.yml", []byte(src), rules.Builtin())
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return p
}

// parseErr loads a policy that must be invalid and returns the message.
func parseErr(t testing.TB, src string) string {
	t.Helper()
	_, err := Parse("policy.yml", []byte(src), rules.Builtin())
	if err == nil {
		t.Fatalf("Parse succeeded; want an error for:\n%s", src)
	}
	return err.Error()
}

func localMeta(name string) forges.Meta {
	return forges.Meta{Forge: forges.Local, Name: name, FullName: name}
}

func githubMeta(full string) forges.Meta {
	name := full[strings.LastIndexByte(full, '/')+1:]
	return forges.Meta{
		Forge: forges.GitHub, Host: "github.com", Name: name, FullName: full,
		Topics:     forges.Known([]string{}),
		Visibility: forges.Known("public"),
	}
}

// ids returns the rule ids of a configured set.
func ids(set []rules.Configured) []string {
	out := make([]string, len(set))
	for i, c := range set {
		out[i] = c.ID
	}
	return out
}

func find(set []rules.Configured, id string) (rules.Configured, bool) {
	for _, c := range set {
		if c.ID == id {
			return c, true
		}
	}
	return rules.Configured{}, false
}

// effective returns the value a rule reads for a parameter: the
// configured one, else the declared default.
func effective(c rules.Configured, name string) any {
	if v, ok := c.Params[name]; ok {
		return v
	}
	for _, d := range c.Rule.Params {
		if d.Name == name {
			return d.Default
		}
	}
	return nil
}

func builtinIDs() []string {
	var out []string
	for _, r := range rules.Builtin() {
		out = append(out, r.ID)
	}
	return out
}

func TestDefaultRunsEveryRuleAtItsDefaults(t *testing.T) {
	p := Default(rules.Builtin())
	profile, set := p.For(githubMeta("it-at-m/dave-backend"))
	if profile != "in-house" {
		t.Errorf("profile = %q, want in-house", profile)
	}
	if got := ids(set); !slices.Equal(got, builtinIDs()) {
		t.Errorf("rules = %v, want every built-in rule %v", got, builtinIDs())
	}
	for _, c := range set {
		if c.Severity != c.Rule.Severity || len(c.Params) != 0 {
			t.Errorf("%s: severity %s params %v; want the defaults (%s, none)", c.ID, c.Severity, c.Params, c.Rule.Severity)
		}
	}
	if sev, src := p.Severity("license/approved"); sev != "error" || src != "default" {
		t.Errorf("Severity(license/approved) = %s, %s; want error, default", sev, src)
	}
}

func TestBuiltinProfiles(t *testing.T) {
	p := Default(rules.Builtin())
	forked := githubMeta("it-at-m/consul")
	forked.Fork = true
	old := githubMeta("it-at-m/old")
	old.Archived = true
	both := githubMeta("it-at-m/both")
	both.Fork, both.Archived = true, true
	for _, tc := range []struct {
		meta    forges.Meta
		profile string
		rules   []string
	}{
		{forked, "fork", []string{"license/present"}},
		{old, "archived", []string{"license/present", "license/approved", "docs/readme"}},
		{both, "fork", []string{"license/present"}},
	} {
		profile, set := p.For(tc.meta)
		if profile != tc.profile || !slices.Equal(ids(set), tc.rules) {
			t.Errorf("For(%s) = %s %v; want %s %v", tc.meta.FullName, profile, ids(set), tc.profile, tc.rules)
		}
	}
}

// TestInitLoadsAsDefault proves that `policy init` writes the built-in
// policy: loading its output gives the same rules, severities, parameters
// and profiles as Default, and every value comes from the file (so the
// file states the defaults rather than leaving them implicit).
func TestInitLoadsAsDefault(t *testing.T) {
	builtin := rules.Builtin()
	var buf bytes.Buffer
	if err := WriteInit(&buf, builtin); err != nil {
		t.Fatal(err)
	}
	loaded, err := Parse("init.yml", buf.Bytes(), builtin)
	if err != nil {
		t.Fatalf("policy init output does not load: %v\n%s", err, buf.String())
	}
	def := Default(builtin)

	// The file alone, without the built-in base under it, must say it all.
	d, perrs := parse("init.yml", buf.Bytes())
	if len(perrs) > 0 {
		t.Fatal(perrs)
	}
	alone, errs := build([]*doc{d}, builtin)
	if len(errs) > 0 {
		t.Fatal(errs)
	}

	metas := map[string]forges.Meta{"plain": githubMeta("it-at-m/a"), "local": localMeta("a")}
	m := githubMeta("it-at-m/f")
	m.Fork = true
	metas["fork"] = m
	m = githubMeta("it-at-m/o")
	m.Archived = true
	metas["archived"] = m
	for what, meta := range metas {
		wantProfile, wantSet := def.For(meta)
		for name, p := range map[string]*Policy{"loaded": loaded, "alone": alone} {
			profile, set := p.For(meta)
			if profile != wantProfile || !slices.Equal(ids(set), ids(wantSet)) {
				t.Errorf("%s, %s: For = %s %v; Default gives %s %v", name, what, profile, ids(set), wantProfile, ids(wantSet))
				continue
			}
			for i, c := range set {
				w := wantSet[i]
				if c.Severity != w.Severity {
					t.Errorf("%s, %s, %s: severity %s, Default %s", name, what, c.ID, c.Severity, w.Severity)
				}
				for _, decl := range c.Rule.Params {
					if got, want := effective(c, decl.Name), effective(w, decl.Name); !reflect.DeepEqual(got, want) {
						t.Errorf("%s, %s, %s.%s = %#v, Default %#v", name, what, c.ID, decl.Name, got, want)
					}
				}
			}
		}
	}
	for _, r := range builtin {
		if sev, src := loaded.Severity(r.ID); sev != string(r.Severity) || !strings.HasPrefix(src, "init.yml:") {
			t.Errorf("%s: severity %s from %s; want %s from init.yml", r.ID, sev, src, r.Severity)
		}
		for _, pv := range loaded.Explain(r.ID) {
			if !strings.HasPrefix(pv.Source, "init.yml:") {
				t.Errorf("%s.%s comes from %s, not from the init file", r.ID, pv.Name, pv.Source)
			}
		}
	}
	if got, want := profileNames(loaded), profileNames(def); !slices.Equal(got, want) {
		t.Errorf("profiles %v, Default %v", got, want)
	}
}

func profileNames(p *Policy) []string {
	var out []string
	for _, pi := range p.Profiles() {
		out = append(out, pi.Name)
	}
	return out
}

func TestInitDocumentsEveryRuleAndParameter(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteInit(&buf, rules.Builtin()); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, r := range rules.Builtin() {
		if !strings.Contains(out, "  "+r.ID+":\n") || !strings.Contains(out, "# "+r.Title) {
			t.Errorf("init output lacks rule %s with its title", r.ID)
		}
		for _, decl := range r.Params {
			if !strings.Contains(out, "      "+decl.Name+": ") {
				t.Errorf("init output lacks parameter %s of %s", decl.Name, r.ID)
			}
			first := strings.Fields(decl.Doc)[0]
			if !strings.Contains(out, "# "+first) {
				t.Errorf("init output lacks the documentation of %s.%s", r.ID, decl.Name)
			}
		}
	}
	for _, want := range []string{"exemptions: []", "custom: []", "allowRepositoryExemptions: false", "fork:", "archived:", "only: [license/present]"} {
		if !strings.Contains(out, want) {
			t.Errorf("init output lacks %q", want)
		}
	}
}

func TestTestdataPoliciesLoad(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.yml")
	files = append(files, "testdata/layered/team.yml")
	for _, f := range files {
		if _, err := Load(f, rules.Builtin()); err != nil {
			t.Errorf("Load(%s): %v", f, err)
		}
	}
}

func TestRuleSettings(t *testing.T) {
	p := mustParse(t, `
rules:
  docs/codeowners:
    severity: error
  brand/badge: off
  license/approved:
    params:
      approved: [MIT, EUPL-1.2]
  docs/readme:
    severity: warning
    params: {minBytes: 500}
  repo/naming: note
`)
	_, set := p.For(githubMeta("it-at-m/a"))
	if _, ok := find(set, "brand/badge"); ok {
		t.Error("brand/badge runs; severity off must turn it off")
	}
	for id, want := range map[string]rules.Severity{"docs/codeowners": rules.Error, "docs/readme": rules.Warning, "repo/naming": rules.Note, "license/present": rules.Error} {
		c, ok := find(set, id)
		if !ok || c.Severity != want {
			t.Errorf("%s: severity %q (runs %v), want %s", id, c.Severity, ok, want)
		}
	}
	c, _ := find(set, "license/approved")
	if got := effective(c, "approved"); !reflect.DeepEqual(got, []string{"MIT", "EUPL-1.2"}) {
		t.Errorf("approved = %#v", got)
	}
	c, _ = find(set, "docs/readme")
	if got := effective(c, "minBytes"); got != 500 {
		t.Errorf("minBytes = %#v, want 500", got)
	}
	if sev, src := p.Severity("brand/badge"); sev != "off" || src != "policy.yml:5" {
		t.Errorf("Severity(brand/badge) = %s, %s; want off, policy.yml:5", sev, src)
	}
}

func TestExplainShowsValuesAndWhereTheyComeFrom(t *testing.T) {
	p := mustParse(t, `
rules:
  license/approved:
    params:
      approved: [MIT, Apache-2.0]
profiles:
  cooperation:
    match: {repositories: [eappointment]}
    rules:
      license/approved:
        params: {approved: [MIT, EUPL-1.2]}
`)
	got := p.Explain("license/approved")
	want := []ParamValue{
		{Name: "approved", Value: []string{"MIT", "Apache-2.0"}, Source: "policy.yml:5"},
		{Name: "approved", Value: []string{"MIT", "EUPL-1.2"}, Source: "policy.yml:11", Profile: "cooperation"},
	}
	for i := range got {
		got[i].Doc = ""
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Explain = %#v\nwant %#v", got, want)
	}
	if d := got[0].Display(); d != `["MIT", "Apache-2.0"]` {
		t.Errorf("Display = %s", d)
	}
	def := p.Explain("license/copyright-holder")
	if len(def) != 1 || def[0].Source != "default" || def[0].Doc == "" {
		t.Errorf("Explain(copyright-holder) = %#v; want the default with its doc", def)
	}
	if p.Explain("no/such-rule") != nil {
		t.Error("Explain of an unknown rule is not nil")
	}
}

func TestUserProfiles(t *testing.T) {
	p, err := Load("testdata/lhm-cooperation.yml", rules.Builtin())
	if err != nil {
		t.Fatal(err)
	}
	consulFork := githubMeta("it-at-m/consul-lhm-dev")
	consulFork.Fork = true
	for _, tc := range []struct {
		meta    forges.Meta
		profile string
	}{
		{localMeta("eappointment"), "cooperation"},
		{githubMeta("it-at-m/eappointment"), "cooperation"},
		{githubMeta("it-at-m/EAppointment"), "cooperation"}, // names ignore case
		{localMeta("consul-muenchen"), "cooperation"},
		{consulFork, "cooperation"}, // declared profiles come before fork
		{githubMeta("it-at-m/dave-backend"), "in-house"},
		{githubMeta("it-at-m/eappointment-backend"), "in-house"},
	} {
		profile, set := p.For(tc.meta)
		if profile != tc.profile {
			t.Errorf("For(%s) profile = %s, want %s", tc.meta.FullName, profile, tc.profile)
			continue
		}
		_, badge := find(set, "brand/badge")
		c, _ := find(set, "license/approved")
		approved := effective(c, "approved")
		if tc.profile == "cooperation" {
			if badge || !reflect.DeepEqual(approved, []string{"MIT", "EUPL-1.2", "AGPL-3.0-only"}) {
				t.Errorf("%s under cooperation: badge runs %v, approved %v", tc.meta.FullName, badge, approved)
			}
			if len(set) != len(rules.Builtin())-2 {
				t.Errorf("%s under cooperation runs %d rules, want all but two", tc.meta.FullName, len(set))
			}
		} else if !badge || !reflect.DeepEqual(approved, []string{"MIT"}) {
			t.Errorf("%s in-house: badge runs %v, approved %v", tc.meta.FullName, badge, approved)
		}
	}
}

func TestProfileMatchConditions(t *testing.T) {
	p := mustParse(t, `
profiles:
  websites:
    match: {topics: [website], visibility: public}
    rules:
      repo/naming: off
  gitlab:
    match: {forge: gitlab}
    only: [license/present, license/approved]
    rules:
      docs/readme: {severity: note}
  everything-else-in-group:
    match: {repositories: ["landeshauptstadt-muenchen/**"]}
    rules:
      docs/codeowners: off
`)
	site := githubMeta("it-at-m/opensource.muenchen.de")
	site.Topics = forges.Known([]string{"Website", "lhm"})
	privateSite := site
	privateSite.Visibility = forges.Known("private")
	unknownTopics := localMeta("site")
	gl := forges.Meta{Forge: forges.GitLab, Name: "p", FullName: "landeshauptstadt-muenchen/sub/p"}
	for _, tc := range []struct {
		name    string
		meta    forges.Meta
		profile string
	}{
		{"topic (any case) and visibility", site, "websites"},
		{"visibility must hold too", privateSite, "in-house"},
		{"unknown topics never match", unknownTopics, "in-house"},
		{"first matching profile wins", gl, "gitlab"},
	} {
		if profile, _ := p.For(tc.meta); profile != tc.profile {
			t.Errorf("%s: profile %s, want %s", tc.name, profile, tc.profile)
		}
	}
	_, set := p.For(gl)
	if got := ids(set); !slices.Equal(got, []string{"license/present", "license/approved", "docs/readme"}) {
		t.Errorf("gitlab profile runs %v; want only's rules plus the one it turns on", got)
	}
	if c, _ := find(set, "docs/readme"); c.Severity != rules.Note {
		t.Errorf("docs/readme severity %s, want note", c.Severity)
	}
	glOther := forges.Meta{Forge: forges.GitHub, Name: "p", FullName: "landeshauptstadt-muenchen/sub/p"}
	if profile, set := p.For(glOther); profile != "everything-else-in-group" {
		t.Errorf("** glob over subgroups: profile %s", profile)
	} else if _, ok := find(set, "docs/codeowners"); ok {
		t.Error("docs/codeowners runs under a profile that turns it off")
	}
}

func TestProfileCanRedefineBuiltinProfile(t *testing.T) {
	p := mustParse(t, `
profiles:
  fork:
    only: [license/present, license/approved]
`)
	m := githubMeta("it-at-m/f")
	m.Fork = true
	profile, set := p.For(m)
	if profile != "fork" || !slices.Equal(ids(set), []string{"license/present", "license/approved"}) {
		t.Errorf("For(fork) = %s %v", profile, ids(set))
	}
}

func TestExtendsMergesInDocumentedOrder(t *testing.T) {
	p, err := Load("testdata/layered/team.yml", rules.Builtin())
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Files(); !slices.Equal(got, []string{"testdata/layered/base.yml", "testdata/layered/team.yml"}) {
		t.Errorf("Files = %v", got)
	}
	// Per rule and field: team's severity wins, base's parameter stays.
	if sev, src := p.Severity("docs/codeowners"); sev != "error" || src != "testdata/layered/team.yml:5" {
		t.Errorf("docs/codeowners = %s from %s; want error from team.yml:5", sev, src)
	}
	if pv := p.Explain("license/approved"); pv[0].Source != "testdata/layered/base.yml:7" || !reflect.DeepEqual(pv[0].Value, []string{"MIT", "Apache-2.0"}) {
		t.Errorf("approved = %v from %s; want base's", pv[0].Value, pv[0].Source)
	}
	if sev, _ := p.Severity("brand/badge"); sev != "off" {
		t.Errorf("brand/badge = %s, want off from team.yml", sev)
	}
	// Per profile: team's match replaces base's; base's rules stay.
	profile, set := p.For(localMeta("consul-muenchen"))
	c, _ := find(set, "license/approved")
	if profile != "cooperation" || !reflect.DeepEqual(effective(c, "approved"), []string{"MIT", "EUPL-1.2"}) {
		t.Errorf("consul-muenchen: %s, approved %v", profile, effective(c, "approved"))
	}
	// Exemptions and custom rules: concatenated, base first.
	if p.Exemptions() != 2 {
		t.Errorf("%d exemptions, want 2", p.Exemptions())
	}
	var custom []string
	for _, r := range p.Rules() {
		if r.Custom {
			custom = append(custom, r.ID)
		}
	}
	if !slices.Equal(custom, []string{"base/topics", "team/readme"}) {
		t.Errorf("custom rules %v", custom)
	}
}

func TestExtendsIsRelativeToTheExtendingFile(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "ospo"), 0o755)
	os.WriteFile(filepath.Join(dir, "ospo", "base.yml"), []byte("rules:\n  brand/badge: off\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "team.yml"), []byte("extends: ospo/base.yml\n"), 0o644)
	t.Chdir(t.TempDir()) // not the policy's directory
	p, err := Load(filepath.Join(dir, "team.yml"), rules.Builtin())
	if err != nil {
		t.Fatal(err)
	}
	if sev, _ := p.Severity("brand/badge"); sev != "off" {
		t.Errorf("base not applied: brand/badge = %s", sev)
	}
}

func TestSelect(t *testing.T) {
	p := mustParse(t, "rules:\n  brand/badge: off\n")
	if err := p.Select([]string{"license/*", "docs/readme"}, []string{"license/copyright-holder"}); err != nil {
		t.Fatal(err)
	}
	_, set := p.For(githubMeta("it-at-m/a"))
	if got := ids(set); !slices.Equal(got, []string{"license/present", "license/approved", "docs/readme"}) {
		t.Errorf("selected %v", got)
	}
	m := githubMeta("it-at-m/f")
	m.Fork = true
	if _, set := p.For(m); !slices.Equal(ids(set), []string{"license/present"}) {
		t.Errorf("--rule widened the fork profile: %v", ids(set))
	}
	for _, tc := range []struct {
		only, skip []string
		want       string
	}{
		{[]string{"licence/present"}, nil, `--rule: unknown rule "licence/present": did you mean license/present?`},
		{nil, []string{"pinned"}, `--skip-rule: unknown rule "pinned": did you mean actions/pinned?`},
		{[]string{"nothing/*"}, nil, "--rule nothing/* matches no rule"},
		{[]string{"brand/badge"}, nil, "--rule brand/badge: the policy turns this rule off (policy.yml:2); set its severity in the policy to run it"},
		{[]string{"docs/readme"}, []string{"docs/*"}, "--rule and --skip-rule leave no rule to run"},
	} {
		err := p.Select(tc.only, tc.skip)
		var ue *forges.UserError
		if err == nil || !errors.As(err, &ue) || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("Select(%v, %v) = %v; want a usage error starting %q", tc.only, tc.skip, err, tc.want)
		}
	}
	if err := p.Select(nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, set := p.For(githubMeta("it-at-m/a")); len(set) != len(rules.Builtin())-1 {
		t.Errorf("Select(nil, nil) keeps %d rules, want every enabled one", len(set))
	}
}

func TestFind(t *testing.T) {
	wd := t.TempDir()
	checkout := t.TempDir()
	t.Chdir(wd)
	if got := Find(checkout); got != "" {
		t.Errorf("Find with no policy anywhere = %q, want built-in", got)
	}
	os.WriteFile(filepath.Join(wd, FileName), []byte("{}\n"), 0o644)
	if got := Find(checkout); got != FileName {
		t.Errorf("Find = %q, want the working directory's %s", got, FileName)
	}
	if got := Find(""); got != FileName {
		t.Errorf("Find(\"\") = %q, want the working directory's", got)
	}
	os.WriteFile(filepath.Join(checkout, FileName), []byte("{}\n"), 0o644)
	if got, want := Find(checkout), filepath.Join(checkout, FileName); got != want {
		t.Errorf("Find = %q, want the checkout's %s", got, want)
	}
	os.Remove(filepath.Join(checkout, FileName))
	os.Mkdir(filepath.Join(checkout, FileName), 0o755)
	if got := Find(checkout); got != FileName {
		t.Errorf("a directory named %s counts as a policy: %q", FileName, got)
	}
}

func TestEmptyPolicyIsTheDefaults(t *testing.T) {
	for _, src := range []string{"", "# nothing\n", "rules:\n", "{}\n"} {
		p := mustParse(t, src)
		if _, set := p.For(githubMeta("it-at-m/a")); len(set) != len(rules.Builtin()) {
			t.Errorf("%q runs %d rules, want all", src, len(set))
		}
	}
}
