package policy

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/it-at-m/ospo-scan/rules"
)

// TestValidation checks problems the testdata/invalid goldens do not
// show, each with its exact position and wording.
func TestValidation(t *testing.T) {
	for _, tc := range []struct {
		name, src, want string
	}{
		{"top level is a list", "- rules\n",
			"policy.yml:1:1: the policy must be a mapping, not a list; start with keys such as rules:, profiles:, exemptions:"},
		{"duplicate key", "rules:\n  brand/badge: off\nrules:\n  docs/readme: off\n",
			"policy.yml:3:1: rules is set twice in the policy (first at line 1); keep one of them"},
		{"duplicate rule", "rules:\n  brand/badge: off\n  brand/badge: note\n",
			"policy.yml:3:3: brand/badge is set twice in rules (first at line 2); keep one of them"},
		{"empty extends", "extends: ''\n",
			"policy.yml:1:10: extends is empty; write the path of the base policy, relative to this file"},
		{"extends is a list", "extends: [a.yml, b.yml]\n",
			"policy.yml:1:10: extends must be text, not a list; write the path of the base policy, relative to this file"},
		{"params of a rule without parameters", "rules:\n  brand/badge:\n    params: {size: 1}\n",
			"policy.yml:3:14: rule brand/badge has no parameter \"size\"; rule brand/badge has no parameters; remove params"},
		{"parameter name typo", "rules:\n  license/approved:\n    params: {aproved: [MIT]}\n",
			"policy.yml:3:14: rule license/approved has no parameter \"aproved\"; did you mean approved? (its parameters are approved)"},
		{"one licence as text", "rules:\n  license/approved:\n    params: {approved: EUPL-1.2.0}\n",
			`policy.yml:3:24: "EUPL-1.2.0" is not a valid SPDX licence id or expression; did you mean EUPL-1.2? (write an SPDX id such as MIT or EUPL-1.2, or an expression such as "MIT OR Apache-2.0" (see https://spdx.org/licenses/))`},
		{"quoted CEL expression", "custom:\n  - {id: a/b, title: T, type: expr, expr: \"repo.nme == 'x'\"}\n",
			"policy.yml:2:48: the expression does not compile: undefined field 'nme'; write CEL over repo, files and licenses, e.g. size(repo.topics) > 0 (`ospo-scan explain a/b` lists the variables)"},
		{"CEL of the wrong type", "custom:\n  - {id: a/b, title: T, type: expr, expr: \"repo.topics + 1\"}\n",
			"policy.yml:2:56: the expression does not compile: found no matching overload for '_+_' applied to '(list(string), int)'; write CEL over repo, files and licenses, e.g. size(repo.topics) > 0 (`ospo-scan explain a/b` lists the variables)"},
		{"CEL returning a string", "custom:\n  - {id: a/b, title: T, type: expr, expr: repo.name}\n",
			"policy.yml:2:43: the expression returns string, not bool; compare the value, e.g. size(repo.topics) > 0 or repo.description != ''"},
		{"expr rule without expr", "custom:\n  - {id: a/b, title: T, type: expr}\n",
			"policy.yml:2:5: the custom rule has no expr; add expr: a CEL expression that returns true when the repository passes, e.g. size(repo.topics) > 0"},
		{"licence rule without lists", "custom:\n  - {id: a/b, title: T, type: license}\n",
			"policy.yml:2:5: the licence rule a/b has neither allow nor deny; add allow: [SPDX ids] or deny: [SPDX ids]"},
		{"bad in", "custom:\n  - {id: a/b, title: T, type: file-contains, paths: [x], pattern: y, in: every}\n",
			`policy.yml:2:74: unknown value "every" for in; write first, any or all`},
		{"custom rule configured before its declaration is fine, unknown is not", "rules:\n  custom/x: off\n  custom/y: off\ncustom:\n  - {id: custom/x, title: X, type: file-exists, paths: [x]}\n",
			`policy.yml:3:3: unknown rule "custom/y"; did you mean custom/x? (` + "`ospo-scan rules`" + ` lists the rule ids)`},
		{"a broken custom rule is not also unknown", "rules:\n  custom/x: off\ncustom:\n  - {id: custom/x, title: X, type: file-exists}\n",
			"policy.yml:4:5: the custom rule custom/x has no paths; add paths: [file names, paths or globs], e.g. [publiccode.yml]"},
		{"timestamp is not a date", "exemptions:\n  - {repository: a, rule: brand/badge, reason: r, until: 2027-06-30T12:00:00Z}\n",
			`policy.yml:2:58: until "2027-06-30T12:00:00Z" is not a date; write a date as YYYY-MM-DD, e.g. 2027-06-30`},
		{"reason is a number", "exemptions:\n  - {repository: a, rule: brand/badge, reason: [r]}\n",
			"policy.yml:2:48: reason must be text, not a list; add reason: \"why this repository may fail the rule, and who agreed\""},
		{"alias bomb", aliasBomb(),
			"the document expands to more than 200000 values through aliases"},
		{"an unknown key holding an anchor", "base: &b {severity: warning}\n",
			`policy.yml:1:1: unknown key "base" in the policy; valid keys are extends, rules, profiles, exemptions, custom, allowRepositoryExemptions`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := parseErr(t, tc.src)
			if !strings.Contains(got, tc.want) {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

// aliasBomb is a "billion laughs" document: each level merges the one
// before it twice, so walking it naively visits 2^40 mappings.
func aliasBomb() string {
	var b strings.Builder
	b.WriteString("x:\n  a0: &a0 {severity: warning}\n")
	for i := 1; i <= 40; i++ {
		fmt.Fprintf(&b, "  a%d: &a%d {<<: [*a%d, *a%d]}\n", i, i, i-1, i-1)
	}
	b.WriteString("rules:\n  license/approved:\n    <<: *a40\n")
	return b.String()
}

func TestAliasBombIsBounded(t *testing.T) {
	start := time.Now()
	parseErr(t, aliasBomb())
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("an alias bomb took %v", d)
	}
}

func TestAnchorsAndMergeKeys(t *testing.T) {
	p := mustParse(t, `
profiles:
  cooperation:
    match: {repositories: [eappointment]}
    rules:
      license/approved: &coop
        params: {approved: [MIT, EUPL-1.2]}
  partners:
    match: {repositories: ["consul-*"]}
    rules:
      license/approved:
        <<: *coop
        severity: warning
`)
	_, set := p.For(localMeta("consul-muenchen"))
	c, _ := find(set, "license/approved")
	if c.Severity != rules.Warning || len(effective(c, "approved").([]string)) != 2 {
		t.Errorf("merge key: %s %v", c.Severity, effective(c, "approved"))
	}
}

func TestErrorsAreTyped(t *testing.T) {
	_, err := Parse("p.yml", []byte("rules:\n  brand/badge: loud\n  docs/readme: quiet\n"), rules.Builtin())
	var list ErrorList
	if !errors.As(err, &list) || len(list) != 2 {
		t.Fatalf("error %T %v; want an ErrorList of 2", err, err)
	}
	var first *Error
	if !errors.As(err, &first) || first.File != "p.yml" || first.Line != 2 || first.Column != 16 || first.Msg != `unknown severity "loud"` {
		t.Errorf("first problem %+v", first)
	}
	if got := err.Error(); strings.Count(got, "\n") != 1 || !strings.HasPrefix(got, "p.yml:2:16: ") || !strings.Contains(got, "\np.yml:3:16: ") {
		t.Errorf("message:\n%s", got)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load("testdata/no-such.yml", rules.Builtin())
	if err == nil || err.Error() != "testdata/no-such.yml: the policy file does not exist: no such file or directory; check the --config path, or run `ospo-scan policy init` to write one" {
		t.Errorf("Load of a missing file: %v", err)
	}
	_, err = Load("testdata", rules.Builtin())
	if err == nil || !strings.Contains(err.Error(), "testdata is a directory") {
		t.Errorf("Load of a directory: %v", err)
	}
}
