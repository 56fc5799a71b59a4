package policy

import (
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/it-at-m/ospo-scan/forges"
	"github.com/it-at-m/ospo-scan/rules"
)

func day(s string) func() time.Time {
	return func() time.Time {
		d, err := time.ParseInLocation(time.DateOnly, s, time.Local)
		if err != nil {
			panic(err)
		}
		return d.Add(13 * time.Hour)
	}
}

func repoOf(m forges.Meta, files fstest.MapFS) *forges.Repo {
	if files == nil {
		files = fstest.MapFS{}
	}
	return &forges.Repo{Meta: m, FS: files}
}

func fail(rule, msg string) rules.Result {
	return rules.Result{Rule: rule, Severity: rules.Error, Status: rules.StatusFail, Message: msg}
}

func result(rs []rules.Result, rule string) rules.Result {
	for _, r := range rs {
		if r.Rule == rule {
			return r
		}
	}
	return rules.Result{}
}

const exemptionsPolicy = `
exemptions:
  - repository: eappointment
    rule: license/approved
    reason: "cooperation with BerlinOnline; EUPL-1.2 agreed by the OSPO"
    until: 2027-06-30
    approvedBy: ospo
  - repository: "consul-*"
    rule: "docs/*"
    reason: "CONSUL's own documentation"
  - repository: it-at-m/dave-backend
    rule: security/policy
    reason: "old exemption"
    until: 2024-01-31
  - repository: it-at-m/dave-backend
    rule: security/policy
    reason: "renewed"
    until: 2099-12-31
  - repository: fully-compliant
    rule: license/present
    reason: "never needed"
  - repository: retired
    rule: brand/badge
    reason: "deleted repository"
`

func TestExemptions(t *testing.T) {
	p := mustParse(t, exemptionsPolicy)
	p.SetClock(day("2026-11-28"))

	res := p.Apply(repoOf(localMeta("eappointment"), nil), []rules.Result{
		fail("license/approved", "LICENSE is EUPL-1.2, which is not approved"),
		fail("brand/badge", "no badge"),
		{Rule: "license/present", Status: rules.StatusPass, Message: "LICENSE"},
	})
	got := result(res, "license/approved")
	want := rules.Exemption{Reason: "cooperation with BerlinOnline; EUPL-1.2 agreed by the OSPO", Until: "2027-06-30", ApprovedBy: "ospo", DeclaredBy: "policy"}
	if got.Status != rules.StatusExempt || got.Exemption == nil || *got.Exemption != want {
		t.Errorf("license/approved = %s %+v; want exempt with %+v", got.Status, got.Exemption, want)
	}
	if got.Message != "LICENSE is EUPL-1.2, which is not approved" {
		t.Errorf("exempt message changed: %q", got.Message)
	}
	if r := result(res, "brand/badge"); r.Status != rules.StatusFail || r.Exemption != nil {
		t.Errorf("brand/badge (not exempted) = %s %+v", r.Status, r.Exemption)
	}
	if r := result(res, "license/present"); r.Status != rules.StatusPass || r.Exemption != nil {
		t.Errorf("a passing result was touched: %+v", r)
	}

	// Globs over repository and rule; a full name matches too.
	res = p.Apply(repoOf(githubMeta("it-at-m/consul-lhm-dev"), nil), []rules.Result{
		fail("docs/readme-sections", "no Contact section"),
		fail("security/contact", "no address"),
		{Rule: "docs/codeowners", Status: rules.StatusError, Message: "cannot read"},
	})
	if r := result(res, "docs/readme-sections"); r.Status != rules.StatusExempt {
		t.Errorf("docs/* on consul-*: %s", r.Status)
	}
	if r := result(res, "security/contact"); r.Status != rules.StatusFail {
		t.Errorf("security/contact exempted by docs/*: %s", r.Status)
	}
	if r := result(res, "docs/codeowners"); r.Status != rules.StatusError {
		t.Errorf("an error result became %s", r.Status)
	}

	// A renewed exemption wins over the expired one before it.
	res = p.Apply(repoOf(githubMeta("it-at-m/Dave-Backend"), nil), []rules.Result{fail("security/policy", "placeholders")})
	if r := result(res, "security/policy"); r.Status != rules.StatusExempt || r.Exemption.Reason != "renewed" {
		t.Errorf("renewed exemption: %s %+v", r.Status, r.Exemption)
	}
}

func TestExpiredExemption(t *testing.T) {
	p := mustParse(t, exemptionsPolicy)
	results := []rules.Result{fail("license/approved", "LICENSE is EUPL-1.2, which is not approved")}
	eapp := repoOf(localMeta("eappointment"), nil)

	p.SetClock(day("2027-06-30")) // until is inclusive
	if r := p.Apply(eapp, results)[0]; r.Status != rules.StatusExempt {
		t.Errorf("on its until date the exemption holds; got %s", r.Status)
	}
	p.SetClock(day("2027-07-01"))
	r := p.Apply(eapp, results)[0]
	if r.Status != rules.StatusFail || r.Exemption == nil || !r.Exemption.Expired || r.Exemption.Until != "2027-06-30" {
		t.Fatalf("after until: %s %+v; want fail with an expired exemption", r.Status, r.Exemption)
	}
	if want := "LICENSE is EUPL-1.2, which is not approved (the exemption declared at policy.yml:3 expired on 2027-06-30)"; r.Message != want {
		t.Errorf("message %q\nwant    %q", r.Message, want)
	}
	if results[0].Status != rules.StatusFail || results[0].Exemption != nil {
		t.Error("Apply modified its input")
	}
}

func TestStaleExemptionWarnings(t *testing.T) {
	p := mustParse(t, exemptionsPolicy)
	p.SetClock(day("2026-11-28"))
	p.Apply(repoOf(localMeta("eappointment"), nil), []rules.Result{{Rule: "license/approved", Status: rules.StatusPass}})
	p.Apply(repoOf(localMeta("consul-muenchen"), nil), []rules.Result{fail("docs/readme-sections", "x")})
	p.Apply(repoOf(githubMeta("it-at-m/dave-backend"), nil), []rules.Result{fail("security/policy", "x")})
	p.Apply(repoOf(localMeta("fully-compliant"), nil), []rules.Result{{Rule: "license/present", Status: rules.StatusPass}})

	want := []string{
		"stale exemption at policy.yml:3: eappointment / license/approved matched no failing result; remove it",
		"stale exemption at policy.yml:11: it-at-m/dave-backend / security/policy matched no failing result; remove it",
		"stale exemption at policy.yml:19: fully-compliant / license/present matched no failing result; remove it",
	}
	if got := p.Warnings(); !slices.Equal(got, want) {
		t.Errorf("Warnings =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	p.ReportUnmatchedRepositories(true)
	got := p.Warnings()
	if len(got) != 4 || got[3] != "stale exemption at policy.yml:22: retired / brand/badge matched no scanned repository; remove it or correct the name" {
		t.Errorf("with ReportUnmatchedRepositories: %q", got)
	}

	// A rule left out with --skip-rule could not fail: not stale.
	p = mustParse(t, exemptionsPolicy)
	if err := p.Select(nil, []string{"license/approved"}); err != nil {
		t.Fatal(err)
	}
	p.Apply(repoOf(localMeta("eappointment"), nil), nil)
	for _, w := range p.Warnings() {
		if strings.Contains(w, "license/approved") {
			t.Errorf("warning about a skipped rule: %s", w)
		}
	}
}

// TestApplyConcurrently runs Apply from many workers at once, as the
// scanner does; with -race it proves the match bookkeeping is safe.
func TestApplyConcurrently(t *testing.T) {
	p := mustParse(t, exemptionsPolicy)
	p.SetClock(day("2026-11-28"))
	var wg sync.WaitGroup
	for i := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := []string{"eappointment", "consul-a", "other"}[i%3]
			res := p.Apply(repoOf(localMeta(name), nil), []rules.Result{fail("license/approved", "x"), fail("docs/readme", "y")})
			if name == "eappointment" && res[0].Status != rules.StatusExempt {
				t.Errorf("worker %d: %s", i, res[0].Status)
			}
		}()
	}
	wg.Wait()
	for _, w := range p.Warnings() {
		if strings.Contains(w, "eappointment /") || strings.Contains(w, "consul-*") {
			t.Errorf("exemption that matched is reported stale: %s", w)
		}
	}
}

// ownPolicy is a repository's own .ospo-scan.yml that tries to do more
// than exempt itself.
const ownPolicy = `rules:
  repo/naming: off
license: x
exemptions:
  - rule: repo/naming
    reason: "the underscore is part of the product name"
  - repository: other-repo
    rule: docs/readme
    reason: "exempting someone else"
`

// recordFS fails the test when the repository's policy file is opened.
type recordFS struct {
	fstest.MapFS
	t *testing.T
}

func (r recordFS) Open(name string) (fs.File, error) {
	if name == FileName {
		r.t.Errorf("the repository's %s was read", FileName)
	}
	return r.MapFS.Open(name)
}

func TestRepositoryExemptionsAreIgnoredByDefault(t *testing.T) {
	p := mustParse(t, "rules: {}\n")
	for _, check := range []bool{false, true} {
		p.SetScanKind(check)
		repo := &forges.Repo{Meta: localMeta("digiwf_connector"), FS: recordFS{fstest.MapFS{FileName: {Data: []byte(ownPolicy)}}, t}}
		r := p.Apply(repo, []rules.Result{fail("repo/naming", "digiwf_connector is not kebab-case")})[0]
		if r.Status != rules.StatusFail || r.Exemption != nil {
			t.Errorf("check=%v: the repository exempted itself: %s %+v", check, r.Status, r.Exemption)
		}
	}
	if w := p.Warnings(); len(w) != 0 {
		t.Errorf("warnings %q", w)
	}
}

func TestRepositoryExemptionsWhenAllowed(t *testing.T) {
	p := mustParse(t, "allowRepositoryExemptions: true\n")
	p.SetScanKind(false)
	repo := repoOf(githubMeta("it-at-m/digiwf_connector"), fstest.MapFS{FileName: {Data: []byte(ownPolicy)}})
	res := p.Apply(repo, []rules.Result{
		fail("repo/naming", "digiwf_connector is not kebab-case"),
		fail("license/approved", "GPL-3.0-only is not approved"),
	})
	r := result(res, "repo/naming")
	if r.Status != rules.StatusExempt || r.Exemption == nil || r.Exemption.DeclaredBy != "repository" || r.Exemption.Reason != "the underscore is part of the product name" {
		t.Errorf("repo/naming = %s %+v; want exempt, declared by the repository", r.Status, r.Exemption)
	}
	if r := result(res, "license/approved"); r.Status != rules.StatusFail {
		t.Errorf("license/approved = %s; the repository's file cannot change the policy", r.Status)
	}
	want := []string{
		`ignored part of a repository's policy file: it-at-m/digiwf_connector/.ospo-scan.yml:3:1: unknown key "license" in the policy; valid keys are extends, rules, profiles, exemptions, custom, allowRepositoryExemptions`,
		"ignored part of a repository's policy file: it-at-m/digiwf_connector/.ospo-scan.yml:7:17: exemption for other-repo; a repository may only exempt itself",
		"it-at-m/digiwf_connector/.ospo-scan.yml:1:1: rules: is ignored; a repository's own policy file may only declare exemptions",
	}
	if got := p.Warnings(); !slices.Equal(got, want) {
		t.Errorf("Warnings =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestRepositoryExemptionsApplyOnlyToTheirRepository(t *testing.T) {
	p := mustParse(t, "allowRepositoryExemptions: true\n")
	own := "exemptions:\n  - rule: repo/naming\n    reason: ok\n  - rule: brand/badge\n    reason: not needed\n"
	repo := repoOf(localMeta("Dave-Backend"), fstest.MapFS{FileName: {Data: []byte(own)}})
	res := p.Apply(repo, []rules.Result{fail("repo/naming", "upper case")})
	if r := res[0]; r.Status != rules.StatusExempt || r.Exemption.DeclaredBy != "repository" {
		t.Errorf("%s %+v", r.Status, r.Exemption)
	}
	// The other repository's results are untouched by Dave-Backend's file.
	res = p.Apply(repoOf(localMeta("other"), nil), []rules.Result{fail("repo/naming", "x")})
	if res[0].Status != rules.StatusFail {
		t.Errorf("another repository's result became %s", res[0].Status)
	}
	want := []string{"stale exemption at Dave-Backend/.ospo-scan.yml:4: Dave-Backend / brand/badge matched no failing result (declared by the repository); remove it"}
	if got := p.Warnings(); !slices.Equal(got, want) {
		t.Errorf("Warnings = %q\nwant %q", got, want)
	}
}

func TestRepositoryFileProblemsAreWarnings(t *testing.T) {
	p := mustParse(t, "allowRepositoryExemptions: true\n")
	for name, src := range map[string]string{
		"broken":  "exemptions: [\n",
		"unknown": "exemptions:\n  - rule: no/such-rule\n    reason: x\n",
		"extends": "extends: /etc/passwd\nexemptions:\n  - rule: repo/naming\n    reason: x\n",
	} {
		repo := repoOf(localMeta(name), fstest.MapFS{FileName: {Data: []byte(src)}})
		res := p.Apply(repo, []rules.Result{fail("repo/naming", "x")})
		if name == "extends" {
			if res[0].Status != rules.StatusExempt {
				t.Errorf("%s: valid exemption not applied", name)
			}
			continue
		}
		if res[0].Status != rules.StatusFail {
			t.Errorf("%s: %s", name, res[0].Status)
		}
	}
	got := strings.Join(p.Warnings(), "\n")
	for _, want := range []string{
		"ignored part of a repository's policy file: broken/.ospo-scan.yml:1:1: not valid YAML",
		`ignored part of a repository's policy file: unknown/.ospo-scan.yml:2:11: unknown rule "no/such-rule"`,
		"extends/.ospo-scan.yml:1:1: extends: is ignored; a repository's own policy file may only declare exemptions",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("warnings lack %q:\n%s", want, got)
		}
	}
}

func TestRepositoryFileTooLarge(t *testing.T) {
	p := mustParse(t, "allowRepositoryExemptions: true\n")
	big := strings.Repeat("# padding\n", forges.MaxFileSize/10+1)
	repo := repoOf(localMeta("big"), fstest.MapFS{FileName: {Data: []byte(big)}})
	p.Apply(repo, []rules.Result{fail("repo/naming", "x")})
	if got := fmt.Sprint(p.Warnings()); !strings.Contains(got, "larger than 1 MiB") {
		t.Errorf("warnings %s", got)
	}
}
