package rules_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/it-at-m/ospo-scan/forges"
	"github.com/it-at-m/ospo-scan/rules"
)

const filledSecurity = `# Security Policy

## Reporting a Vulnerability

Please do not report security vulnerabilities through public issues.
Use GitHub's [private vulnerability reporting](https://docs.github.com/en/code-security) or write to
opensource@muenchen.de.

> [!NOTE]
> We answer within two weeks.

See the [security page][sec] and ` + "`[example, e.g. a code span]`" + `.

[sec]: https://opensource.muenchen.de/security.html
`

// unfilledSecurity has the kind of placeholders left over from templates.
const unfilledSecurity = `# Security Policy

## Supported Versions

Use this section to tell people about which versions of your project are
currently being supported with security updates.

## Reporting a Vulnerability

Report vulnerabilities to [INSERT CONTACT METHOD] or <your email>.
We will respond within [timeframe, e.g., 0-2 weeks].

<!-- [TODO remove this comment] -->
` + "```\n[INSERT IN CODE]\n```\n"

func TestSecurityContact(t *testing.T) {
	runDocCases(t, rules.SecurityContact, []docCase{
		{"SECURITY.md", fstest.MapFS{"SECURITY.md": file(filledSecurity)}, nil, nil, rules.StatusPass, "SECURITY.md", 7, []string{"opensource@muenchen.de in SECURITY.md (line 7)"}},
		{"SECURITY.md in .github", fstest.MapFS{".github/SECURITY.md": file("Mail [us](mailto:security@muenchen.de).")}, nil, nil, rules.StatusPass, ".github/SECURITY.md", 1, []string{"security@muenchen.de"}},
		{"README Contact section only", fstest.MapFS{".github/README.md": file(templateReadme)}, nil, nil, rules.StatusPass, ".github/README.md", 35, []string{"opensource@muenchen.de in the Contact section of .github/README.md (line 35)"}},
		{"organisation default", fstest.MapFS{}, fstest.MapFS{"SECURITY.md": file("\nWrite to opensource@muenchen.de.\n")}, nil, rules.StatusPass, "", 0, []string{"opensource@muenchen.de in SECURITY.md from the organisation default it-at-m/.github (line 2)"}},
		{"address elsewhere in the README does not count", fstest.MapFS{"README.md": file("# X\n\nAsk opensource@muenchen.de.\n\n## Usage\n")}, nil, nil, rules.StatusFail, "SECURITY.md", 0, []string{"there is no SECURITY.md in the root, .github/ or docs/", "README.md has no Contact section"}},
		{"placeholder addresses", fstest.MapFS{"SECURITY.md": file("Write to security@example.com or noreply@muenchen.de.\n"), "README.md": file("# X\n\n## Contact\n\nyou@your-domain.com\n")}, nil, nil, rules.StatusFail, "SECURITY.md", 0, []string{"ignored security@example.com in SECURITY.md (line 1)", "noreply@muenchen.de", "you@your-domain.com in the Contact section of README.md (line 5)"}},
		{"file names and git remotes are not addresses", fstest.MapFS{"SECURITY.md": file("![logo](logo@2x.png) git clone git@github.com:it-at-m/x.git\n")}, nil, nil, rules.StatusFail, "SECURITY.md", 0, []string{"SECURITY.md names no address"}},
		{"domains parameter rejects", fstest.MapFS{"SECURITY.md": file("Mail max.mustermann@gmail.com\n")}, nil, map[string]any{"domains": []any{"muenchen.de"}}, rules.StatusFail, "SECURITY.md", 0, []string{"max.mustermann@gmail.com in SECURITY.md (line 1) is not at muenchen.de"}},
		{"domains parameter accepts subdomains and falls back to the README", fstest.MapFS{"SECURITY.md": file("Mail max@gmail.com\n"), "README.md": file("# X\n\n## Kontakt\n\n## Contact\n\nteam@it.muenchen.de\n")}, nil, map[string]any{"domains": []string{"muenchen.de"}}, rules.StatusPass, "README.md", 7, []string{"team@it.muenchen.de"}},
		{"address in an HTML comment does not count", fstest.MapFS{"SECURITY.md": file("<!-- opensource@muenchen.de -->\n")}, nil, nil, rules.StatusFail, "SECURITY.md", 0, []string{"names no address"}},
		{"binary SECURITY.md", fstest.MapFS{"SECURITY.md": file("\x00x@muenchen.de")}, nil, nil, rules.StatusFail, "SECURITY.md", 0, []string{"SECURITY.md is not text"}},
	})
}

func TestFindEmails(t *testing.T) {
	hits := rules.FindEmails("a\nmailto:Open.Source@Muenchen.de, x@example.org\n<opensource@muenchen.de> icon@2x.svg", 10)
	var got []string
	for _, h := range hits {
		got = append(got, h.Addr+"@"+string(rune('0'+h.Line-10))+"/"+h.Placeholder)
	}
	want := []string{"Open.Source@Muenchen.de@1/", "x@example.org@1/example.org is a reserved example domain", "opensource@muenchen.de@2/"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("FindEmails = %q, want %q", got, want)
	}
}

func TestSecurityPolicy(t *testing.T) {
	t.Run("filled in", func(t *testing.T) {
		got := docOne(t, rules.SecurityPolicy, fstest.MapFS{"SECURITY.md": file(filledSecurity)}, nil)
		wantResult(t, got, rules.StatusPass, "SECURITY.md", 0, "SECURITY.md names opensource@muenchen.de and has no unfilled template text")
	})
	t.Run("placeholders", func(t *testing.T) {
		res := docRun(t, rules.SecurityPolicy, docRepo(fstest.MapFS{"docs/SECURITY.md": file(unfilledSecurity)}), nil)
		want := []struct {
			line int
			text string
		}{
			{0, "names no e-mail address"},
			{5, "Use this section to tell people about which versions of your project are"},
			{10, "<your email>"},
			{10, "[INSERT CONTACT METHOD]"},
			{11, "[timeframe, e.g., 0-2 weeks]"},
		}
		if len(res) != len(want) {
			t.Fatalf("got %d results, want %d: %+v", len(res), len(want), res)
		}
		for i, w := range want {
			wantResult(t, res[i], rules.StatusFail, "docs/SECURITY.md", w.line, w.text)
			if w.line > 0 && res[i].Evidence == "" {
				t.Errorf("placeholder result %d has no evidence for its fingerprint", i)
			}
		}
	})
	t.Run("missing", func(t *testing.T) {
		got := docOne(t, rules.SecurityPolicy, fstest.MapFS{"README.md": file(templateReadme)}, nil)
		wantResult(t, got, rules.StatusFail, "SECURITY.md", 0, "no SECURITY.md in the root, .github/ or docs/")
	})
	t.Run("no address", func(t *testing.T) {
		got := docOne(t, rules.SecurityPolicy, fstest.MapFS{".github/SECURITY.md": file("# Security\n\nPlease use private vulnerability reporting.\n")}, nil)
		wantResult(t, got, rules.StatusFail, ".github/SECURITY.md", 0, ".github/SECURITY.md names no e-mail address")
	})
	t.Run("organisation default with a placeholder", func(t *testing.T) {
		got := docOne(t, rules.SecurityPolicy, fstest.MapFS{}, nil, withOrgDefaults(fstest.MapFS{".github/SECURITY.md": file("Mail opensource@muenchen.de\nWe reply within [X DAYS].\n")}))
		wantResult(t, got, rules.StatusFail, "", 0, ".github/SECURITY.md from the organisation default it-at-m/.github line 2", "[X DAYS]")
	})
}

func TestFindPlaceholders(t *testing.T) {
	not := []string{
		"[link](https://x)", "[text][ref]", "[ref]: https://x", "> [!WARNING]", "- [ ] task", "- [x] done",
		"<details>", `<a href="https://x">`, "<opensource@muenchen.de>", "![alt text](img.png)", "`[INSERT HERE]`",
		"[Monday to Friday]", "<br/>",
	}
	for _, s := range not {
		if ps := rules.FindPlaceholders([]byte(s)); len(ps) != 0 {
			t.Errorf("FindPlaceholders(%q) = %+v, want none", s, ps)
		}
	}
	is := []string{"[PROJECT NAME]", "[your name]", "<INSERT EMAIL>", "{{security-contact}}", "{SECURITY_EMAIL}", "[e.g. 30 days]", "[TODO]", "[z. B. 2 Wochen]"}
	for _, s := range is {
		if ps := rules.FindPlaceholders([]byte("Text " + s + " more")); len(ps) != 1 || ps[0].Text != s || ps[0].Line != 1 {
			t.Errorf("FindPlaceholders(%q) = %+v, want it", s, ps)
		}
	}
}

func TestSecurityPrivateReporting(t *testing.T) {
	tests := []struct {
		name   string
		mod    func(*forges.Repo)
		status rules.Status
		frags  []string
	}{
		{"local checkout", func(*forges.Repo) {}, rules.StatusNotApplicable, []string{"a local checkout has no forge metadata"}},
		{"GitLab", onGitLab, rules.StatusNotApplicable, []string{"GitLab has no private vulnerability reporting"}},
		{"token may not read it", func(r *forges.Repo) {
			r.Meta.Forge = forges.GitHub
			r.Meta.PrivateReporting = forges.Unknown[bool]("the token may not read this setting (HTTP 403)")
		}, rules.StatusNotApplicable, []string{"HTTP 403"}},
		{"enabled", func(r *forges.Repo) { r.Meta.Forge, r.Meta.PrivateReporting = forges.GitHub, forges.Known(true) }, rules.StatusPass, []string{"enabled"}},
		{"disabled", func(r *forges.Repo) { r.Meta.Forge, r.Meta.PrivateReporting = forges.GitHub, forges.Known(false) }, rules.StatusFail, []string{"disabled", "Settings"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := docOne(t, rules.SecurityPrivateReporting, fstest.MapFS{}, nil, tt.mod)
			wantResult(t, got, tt.status, "", 0, tt.frags...)
		})
	}
}
