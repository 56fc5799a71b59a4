package policy

import (
	"context"
	"os"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/it-at-m/ospo-scan/forges"
	"github.com/it-at-m/ospo-scan/rules"
)

// runCustom loads a policy and runs its custom rules on a repository.
func runCustom(t *testing.T, p *Policy, m forges.Meta, files fstest.MapFS) map[string][]rules.Result {
	t.Helper()
	_, set := p.For(m)
	var custom []rules.Configured
	for _, c := range set {
		if c.Custom {
			custom = append(custom, c)
		}
	}
	out := map[string][]rules.Result{}
	for _, r := range rules.Run(context.Background(), repoOf(m, files), custom) {
		out[r.Rule] = append(out[r.Rule], r)
	}
	return out
}

type want struct {
	status rules.Status
	path   string
	line   int
	msg    string // substring
}

func check(t *testing.T, rule string, got []rules.Result, wants ...want) {
	t.Helper()
	if len(got) != len(wants) {
		t.Errorf("%s: %d results %+v, want %d", rule, len(got), got, len(wants))
		return
	}
	for i, w := range wants {
		g := got[i]
		if g.Status != w.status || g.Path != w.path || g.Line != w.line || !strings.Contains(g.Message, w.msg) {
			t.Errorf("%s[%d] = %s %s:%d %q; want %s %s:%d containing %q", rule, i, g.Status, g.Path, g.Line, g.Message, w.status, w.path, w.line, w.msg)
		}
	}
}

func file(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }

func fixture(t *testing.T, path string) *fstest.MapFile {
	t.Helper()
	data, err := os.ReadFile("../testdata/orgs/lhm-sample/" + path)
	if err != nil {
		t.Fatal(err)
	}
	return &fstest.MapFile{Data: data}
}

func TestCustomFileExists(t *testing.T) {
	p := mustParse(t, `
custom:
  - id: custom/coc
    title: Code of Conduct
    type: file-exists
    paths: [CODE_OF_CONDUCT.md]
  - id: custom/publiccode
    title: publiccode.yml at the root
    type: file-exists
    paths: [./publiccode.yml]
    message: no publiccode.yml at the root
  - id: custom/workflows
    title: A workflow
    type: file-exists
    paths: [".github/workflows/*.{yml,yaml}"]
  - id: custom/readme-any-case
    title: README in any case
    type: file-exists
    ignoreCase: true
    paths: [readme.md]
`)
	res := runCustom(t, p, localMeta("a"), fstest.MapFS{
		".github/CODE_OF_CONDUCT.md":   file("be nice"),
		".github/publiccode.yml":       file("x"),
		".github/workflows/build.yaml": file("on: push"),
		"README.MD":                    file("# a"),
	})
	check(t, "custom/coc", res["custom/coc"], want{rules.StatusPass, ".github/CODE_OF_CONDUCT.md", 0, "exists"})
	check(t, "custom/publiccode", res["custom/publiccode"], want{rules.StatusFail, "publiccode.yml", 0, "no publiccode.yml at the root"})
	check(t, "custom/workflows", res["custom/workflows"], want{rules.StatusPass, ".github/workflows/build.yaml", 0, ""})
	check(t, "custom/readme-any-case", res["custom/readme-any-case"], want{rules.StatusPass, "README.MD", 0, ""})

	res = runCustom(t, p, localMeta("b"), fstest.MapFS{"docs/CODE_OF_CONDUCT.md": file("x"), "publiccode.yml": file("x")})
	check(t, "custom/coc", res["custom/coc"], want{rules.StatusPass, "docs/CODE_OF_CONDUCT.md", 0, ""})
	check(t, "custom/publiccode", res["custom/publiccode"], want{rules.StatusPass, "publiccode.yml", 0, ""})
	check(t, "custom/workflows", res["custom/workflows"], want{rules.StatusFail, ".github/workflows/*.{yml,yaml}", 0, "none of .github/workflows/*.{yml,yaml} exists"})
}

func TestCustomFileContains(t *testing.T) {
	p := mustParse(t, `
custom:
  - id: custom/contact-first
    title: Contact in the README GitHub shows
    type: file-contains
    paths: [README.md]
    pattern: 'opensource@muenchen\.de'
  - id: custom/contact-any
    title: Contact in any README
    type: file-contains
    paths: [README.md]
    pattern: 'opensource@muenchen\.de'
    in: any
  - id: custom/licence-all
    title: Every workflow names a licence check
    type: file-contains
    paths: [".github/workflows/*.yml"]
    pattern: uses:\s+\S*dependency-review
    in: all
  - id: custom/missing
    title: A file that is not there
    type: file-contains
    paths: [NOTICE]
    pattern: x
`)
	res := runCustom(t, p, localMeta("a"), fstest.MapFS{
		"README.md":                file("# a\n\nno contact here\n"),
		"docs/README.md":           file("# docs\n\n## Contact\n\nopensource@muenchen.de\n"),
		".github/workflows/a.yml":  file("jobs:\n  r:\n    steps:\n      - uses: actions/dependency-review-action@abc\n"),
		".github/workflows/b.yml":  file("jobs: {}\n"),
		".github/workflows/c.yaml": file("not matched by the glob\n"),
	})
	check(t, "custom/contact-first", res["custom/contact-first"], want{rules.StatusFail, "README.md", 0, "README.md does not contain a match for opensource@muenchen\\.de"})
	check(t, "custom/contact-any", res["custom/contact-any"], want{rules.StatusPass, "docs/README.md", 5, "docs/README.md line 5 matches"})
	check(t, "custom/licence-all", res["custom/licence-all"], want{rules.StatusFail, ".github/workflows/b.yml", 0, "does not contain"})
	check(t, "custom/missing", res["custom/missing"], want{rules.StatusFail, "NOTICE", 0, "none of NOTICE exists"})

	res = runCustom(t, p, localMeta("b"), fstest.MapFS{
		".github/workflows/a.yml": file("steps:\n  - uses: actions/dependency-review-action@abc\n"),
	})
	check(t, "custom/licence-all", res["custom/licence-all"], want{rules.StatusPass, ".github/workflows/a.yml", 2, "line 2 matches"})
}

func TestCustomFileNotContains(t *testing.T) {
	p := mustParse(t, `
custom:
  - id: custom/retired-domain
    title: No retired domain
    type: file-not-contains
    paths: [README.md, SECURITY.md]
    pattern: '[\w.]+@muenchendigital\.io'
    in: all
`)
	res := runCustom(t, p, localMeta("a"), fstest.MapFS{
		"README.md":           file("# a\n\nwrite to opensource@muenchendigital.io\nor info@muenchendigital.io\n"),
		".github/SECURITY.md": file("mail security@muenchendigital.io\n"),
	})
	got := res["custom/retired-domain"]
	check(t, "custom/retired-domain", got,
		want{rules.StatusFail, ".github/SECURITY.md", 1, ".github/SECURITY.md line 1 matches"},
		want{rules.StatusFail, "README.md", 3, "opensource@muenchendigital.io"},
		want{rules.StatusFail, "README.md", 4, "info@muenchendigital.io"},
	)
	if len(got) == 3 && got[1].Evidence != "opensource@muenchendigital.io" {
		t.Errorf("evidence %q", got[1].Evidence)
	}
	res = runCustom(t, p, localMeta("b"), fstest.MapFS{"README.md": file("fine\n")})
	check(t, "custom/retired-domain", res["custom/retired-domain"], want{rules.StatusPass, "README.md", 0, "no match"})
	res = runCustom(t, p, localMeta("c"), fstest.MapFS{"x": file("")})
	check(t, "custom/retired-domain", res["custom/retired-domain"], want{rules.StatusNotApplicable, "", 0, "no file matches"})
}

func TestCustomLicense(t *testing.T) {
	p := mustParse(t, `
custom:
  - id: custom/allowed
    title: MIT or EUPL
    type: license
    allow: [MIT, EUPL-1.2]
  - id: custom/no-copyleft
    title: No strong copyleft
    type: license
    deny: [GPL-1.0-or-later, AGPL-1.0-or-later]
`)
	for _, tc := range []struct {
		repo, file      string
		allowed, denied want
	}{
		{"fully-compliant", "LICENSE",
			want{rules.StatusPass, "LICENSE", 0, "LICENSE is MIT"},
			want{rules.StatusPass, "LICENSE", 0, "LICENSE is MIT"}},
		{"consul-muenchen", "LICENSE-AGPLv3.txt",
			want{rules.StatusFail, "LICENSE-AGPLv3.txt", 0, "LICENSE-AGPLv3.txt is AGPL-3.0, which is not allowed (allowed: MIT, EUPL-1.2)"},
			want{rules.StatusFail, "LICENSE-AGPLv3.txt", 0, "which the policy denies (AGPL-1.0-or-later)"}},
	} {
		res := runCustom(t, p, localMeta(tc.repo), fstest.MapFS{tc.file: fixture(t, tc.repo+"/"+tc.file)})
		check(t, tc.repo+" custom/allowed", res["custom/allowed"], tc.allowed)
		check(t, tc.repo+" custom/no-copyleft", res["custom/no-copyleft"], tc.denied)
	}
	res := runCustom(t, p, localMeta("none"), fstest.MapFS{"README.md": file("x")})
	check(t, "no licence", res["custom/allowed"], want{rules.StatusNotApplicable, "", 0, "no licence text"})
	res = runCustom(t, p, localMeta("odd"), fstest.MapFS{"LICENSE": file(strings.Repeat("All rights reserved. You may look but not touch. ", 20))})
	check(t, "unrecognised", res["custom/allowed"], want{rules.StatusFail, "LICENSE", 0, "not recognised"})
}

func TestCustomExpr(t *testing.T) {
	p := mustParse(t, `
custom:
  - id: custom/name
    title: Kebab-case name with topics
    type: expr
    expr: repo.name.matches('^[a-z0-9-]+$') && size(repo.topics) > 0
    message: name must be kebab-case and topics set
  - id: custom/publiccode
    title: publiccode.yml when public
    type: expr
    expr: files.exists('publiccode.yml') || repo.visibility != 'public'
  - id: custom/readme
    title: README names the city
    type: expr
    expr: |
      files.read('README.md').contains('München') &&
        files.contains('README.md', '(?i)opensource@muenchen\\.de')
  - id: custom/licences
    title: MIT only
    type: expr
    expr: licenses == ['MIT']
  - id: custom/meta
    title: Metadata
    type: expr
    expr: >-
      repo.fullName == 'it-at-m/dave-backend' && repo.forge == 'github' &&
      repo.description != '' && repo.defaultBranch == 'main' && !repo.archived &&
      !repo.fork && repo.homepage.startsWith('https://') &&
      repo.topics.exists(t, t == 'lhm')
  - id: custom/runtime-error
    title: Fails at runtime
    type: expr
    expr: files.contains('README.md', dyn('('))
`)
	m := githubMeta("it-at-m/dave-backend")
	m.Topics = forges.Known([]string{"lhm"})
	m.Description = forges.Known("DAVe backend")
	m.DefaultBranch = forges.Known("main")
	m.Homepage = forges.Known("https://muenchen.de")
	res := runCustom(t, p, m, fstest.MapFS{
		"README.md": file("# DAVe\n\nLandeshauptstadt München\n\nContact: opensource@muenchen.de\n"),
		"LICENSE":   fixture(t, "fully-compliant/LICENSE"),
	})
	check(t, "custom/name", res["custom/name"], want{rules.StatusPass, "", 0, "holds"})
	check(t, "custom/publiccode", res["custom/publiccode"], want{rules.StatusFail, "", 0, "files.exists('publiccode.yml') || repo.visibility != 'public' is false"})
	check(t, "custom/readme", res["custom/readme"], want{rules.StatusPass, "", 0, ""})
	check(t, "custom/licences", res["custom/licences"], want{rules.StatusPass, "", 0, ""})
	check(t, "custom/meta", res["custom/meta"], want{rules.StatusPass, "", 0, ""})
	check(t, "custom/runtime-error", res["custom/runtime-error"], want{rules.StatusError, "", 0, "invalid regular expression"})

	// A local checkout: no topics, no visibility; the files decide.
	res = runCustom(t, p, localMeta("Dave_Backend"), fstest.MapFS{".github/publiccode.yml": file("x")})
	check(t, "custom/name", res["custom/name"], want{rules.StatusFail, "", 0, "name must be kebab-case and topics set"})
	check(t, "custom/publiccode", res["custom/publiccode"], want{rules.StatusPass, "", 0, ""})
	check(t, "custom/readme", res["custom/readme"], want{rules.StatusFail, "", 0, ""})
	check(t, "custom/licences", res["custom/licences"], want{rules.StatusFail, "", 0, ""})
}

func TestCustomRulesAreRules(t *testing.T) {
	p, err := Load("testdata/custom-rules.yml", rules.Builtin())
	if err != nil {
		t.Fatal(err)
	}
	all := p.Rules()
	if len(all) != len(rules.Builtin())+6 {
		t.Fatalf("%d rules, want the built-in ones and 6 custom", len(all))
	}
	r, err := rules.Find(all, "custom/topics")
	if err != nil {
		t.Fatal(err)
	}
	if !r.Custom || r.Severity != rules.Note || r.Title != "Repository has topics" || r.SourceTitle != "policy file testdata/custom-rules.yml:28" {
		t.Errorf("custom/topics = %+v", r)
	}
	if !strings.HasPrefix(r.Doc, "Topics make the repository findable.") || !strings.Contains(r.Doc, "repo.defaultBranch") || !strings.Contains(r.Doc, "files.contains(path, regex)") {
		t.Errorf("expr doc lacks the variables:\n%s", r.Doc)
	}
	r, _ = rules.Find(all, "custom/security-contact-domain")
	if got := p.Explain(r.ID); len(got) != 3 || got[0].Name != "paths" || got[1].Source != "testdata/custom-rules.yml:13" || got[2].Value != "first" {
		t.Errorf("Explain(custom/security-contact-domain) = %+v", got)
	}
	r, _ = rules.Find(all, "custom/no-strong-copyleft")
	if r.Fix != "Publish under MIT, or ask the OSPO for a cooperation profile." || r.Severity != rules.Error {
		t.Errorf("custom/no-strong-copyleft = %+v", r)
	}
}

func TestProfileReparameterisesCustomRule(t *testing.T) {
	p := mustParse(t, `
custom:
  - id: custom/notice
    title: A notice file
    type: file-exists
    paths: [NOTICE]
    severity: off
profiles:
  apache:
    match: {topics: [apache]}
    rules:
      custom/notice:
        severity: error
        params: {paths: [NOTICE, NOTICE.md]}
`)
	if _, set := p.For(githubMeta("it-at-m/a")); len(set) != len(rules.Builtin()) {
		t.Errorf("an off custom rule runs in-house")
	}
	m := githubMeta("it-at-m/b")
	m.Topics = forges.Known([]string{"apache"})
	_, set := p.For(m)
	c, ok := find(set, "custom/notice")
	if !ok || c.Severity != rules.Error || !reflect.DeepEqual(effective(c, "paths"), []string{"NOTICE", "NOTICE.md"}) {
		t.Fatalf("custom/notice in profile: %v %+v", ok, c)
	}
	res := runCustom(t, p, m, fstest.MapFS{"NOTICE.md": file("x")})
	check(t, "custom/notice", res["custom/notice"], want{rules.StatusPass, "NOTICE.md", 0, ""})
	if msg := parseErr(t, `
custom:
  - {id: custom/n, title: N, type: file-contains, paths: [N], pattern: x}
profiles:
  p:
    match: {forge: local}
    rules:
      custom/n: {params: {in: some, pattern: "(", paths: ["../x"]}}
`); msg != `policy.yml:8:31: unknown value "some" for in; write first, any or all
policy.yml:8:46: invalid regular expression: missing closing ): `+"`(`"+`; `+regexpHint+`
policy.yml:8:59: invalid path "../x"; write a path inside the repository without . or .. elements` {
		t.Errorf("profile parameters of a custom rule:\n%s", msg)
	}
}
