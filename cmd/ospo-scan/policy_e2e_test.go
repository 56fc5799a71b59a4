package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/it-at-m/ospo-scan/report"
	"github.com/it-at-m/ospo-scan/rules"
)

const samplePolicy = "../../policy/testdata/lhm-sample.yml"

func findResult(rep report.Report, repo, rule string) *rules.Result {
	for _, r := range rep.Repositories {
		if r.Name != repo {
			continue
		}
		for i := range r.Results {
			if r.Results[i].Rule == rule {
				return &r.Results[i]
			}
		}
	}
	return nil
}

// TestPolicyOnTheFixtureOrganisation runs the sample policy (cooperation
// profile, current, expired and stale exemptions, custom rules) through
// the built binary.
func TestPolicyOnTheFixtureOrganisation(t *testing.T) {
	r := ospoScan(t, ".", "org", fixtureOrg, "--config", samplePolicy, "-f", "json")
	if r.code != 1 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	validateSchema(t, r.stdout)
	rep := decodeReport(t, r.stdout)

	// The EUPL cooperation repository passes under the cooperation profile.
	if res := findResult(rep, "eappointment", "license/approved"); res == nil || res.Status != rules.StatusPass {
		t.Errorf("eappointment license/approved = %+v, want pass under the cooperation profile", res)
	}
	for _, repo := range rep.Repositories {
		if repo.Name == "eappointment" && repo.Profile != "cooperation" {
			t.Errorf("eappointment profile = %q", repo.Profile)
		}
	}
	// A current exemption: exempt, with its reason.
	res := findResult(rep, "Dave-Backend", "repo/naming")
	if res == nil || res.Status != rules.StatusExempt || res.Exemption == nil || !strings.Contains(res.Exemption.Reason, "renaming breaks") {
		t.Errorf("Dave-Backend repo/naming = %+v, want exempt with the reason", res)
	}
	// An expired exemption fails again and says so.
	res = findResult(rep, "eappointment", "security/policy")
	if res == nil || res.Status != rules.StatusFail || res.Exemption == nil || !res.Exemption.Expired || !strings.Contains(res.Message, "expired on 2024-01-31") {
		t.Errorf("eappointment security/policy = %+v, want fail saying the exemption expired", res)
	}
	// Stale exemptions are warned about on stderr and in the report.
	for _, want := range []string{"stale exemption", "fully-compliant / license/present", "retired-repository"} {
		if !strings.Contains(r.stderr, want) || !strings.Contains(strings.Join(rep.Warnings, "\n"), want) {
			t.Errorf("stale exemption warning lacks %q: stderr %q, warnings %v", want, r.stderr, rep.Warnings)
		}
	}
	// Custom rules run like built-in ones.
	if res := findResult(rep, "opencode-listing", "custom/publiccode"); res == nil || res.Status != rules.StatusFail {
		t.Errorf("custom/publiccode on opencode-listing = %+v, want fail", res)
	}
	if res := findResult(rep, "refarch-sample", "custom/publiccode"); res == nil || res.Status != rules.StatusPass {
		t.Errorf("custom/publiccode on refarch-sample = %+v, want pass", res)
	}
	if res := findResult(rep, "Dave-Backend", "custom/name-and-readme"); res == nil || res.Status != rules.StatusFail {
		t.Errorf("custom/name-and-readme on Dave-Backend = %+v, want fail (upper-case name)", res)
	}
	// Rules switched off do not run.
	if res := findResult(rep, "fully-compliant", "repo/description"); res != nil {
		t.Errorf("repo/description is off in the policy but ran: %+v", res)
	}

	// Every format shows the exemption's reason; SARIF lists custom rules.
	for _, f := range []string{"table", "markdown", "html", "sarif"} {
		out := ospoScan(t, ".", "org", fixtureOrg, "--config", samplePolicy, "-f", f, "--fail-on", "never").stdout
		if !strings.Contains(out, "renaming breaks the deployed clients") {
			t.Errorf("-f %s does not show the exemption's reason", f)
		}
		if f == "sarif" && !strings.Contains(out, `"custom/name-and-readme"`) {
			t.Error("SARIF's rule list lacks the custom rules")
		}
	}
	rl := ospoScan(t, ".", "rules", "--config", samplePolicy)
	if !strings.Contains(rl.stdout, "custom/publiccode") {
		t.Errorf("rules --config lacks the custom rules:\n%s", rl.stdout)
	}
	ex := ospoScan(t, ".", "explain", "license/approved", "--config", samplePolicy)
	if !strings.Contains(ex.stdout, `"EUPL-1.2"`) || !strings.Contains(ex.stdout, "profile cooperation") || !strings.Contains(ex.stdout, "lhm-cooperation.yml:") {
		t.Errorf("explain does not show the profile's parameters and where they come from:\n%s", ex.stdout)
	}
}

// TestRepositoryCannotExemptItselfInAnOrgScan: a repository's own
// .ospo-scan.yml is ignored in org scans unless the OSPO's policy trusts
// repository exemptions, and even then it cannot switch rules off.
func TestRepositoryCannotExemptItselfInAnOrgScan(t *testing.T) {
	org := filepath.Join(t.TempDir(), "org")
	repo := filepath.Join(org, "mobidam-sample")
	if err := os.CopyFS(repo, os.DirFS(filepath.Join(fixtureOrg, "mobidam-sample"))); err != nil {
		t.Fatal(err)
	}
	own := `exemptions:
  - repository: mobidam-sample
    rule: license/present
    reason: "we will add a licence later"
rules:
  docs/readme: off
`
	os.WriteFile(filepath.Join(repo, ".ospo-scan.yml"), []byte(own), 0o644)
	abs, _ := filepath.Abs(samplePolicy)

	r := ospoScan(t, ".", "org", org, "--config", abs, "-f", "json")
	rep := decodeReport(t, r.stdout)
	if res := findResult(rep, "mobidam-sample", "license/present"); res == nil || res.Status != rules.StatusFail {
		t.Errorf("the repository exempted itself in an org scan: %+v", res)
	}

	trusting, _ := filepath.Abs("../../policy/testdata/lhm-sample-trusting.yml")
	r = ospoScan(t, ".", "org", org, "--config", trusting, "-f", "json")
	rep = decodeReport(t, r.stdout)
	res := findResult(rep, "mobidam-sample", "license/present")
	if res == nil || res.Status != rules.StatusExempt || res.Exemption == nil || res.Exemption.DeclaredBy != "repository" {
		t.Errorf("with allowRepositoryExemptions the repository's exemption applies, marked as declared by the repository: %+v", res)
	}
	if res := findResult(rep, "mobidam-sample", "docs/readme"); res == nil {
		t.Error("a repository's policy file switched a rule off")
	}

	// check trusts the checkout's own file: it is the policy.
	r = ospoScan(t, ".", "check", repo, "-f", "json")
	rep = decodeReport(t, r.stdout)
	if res := findResult(rep, "mobidam-sample", "license/present"); res == nil || res.Status != rules.StatusExempt {
		t.Errorf("check should use the checkout's .ospo-scan.yml: %+v", res)
	}
}

func TestInvalidPolicyIsAUsageError(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.yml")
	os.WriteFile(bad, []byte("rules:\n  license/aproved:\n    severity: loud\n"), 0o644)
	r := ospoScan(t, ".", "check", filepath.Join(fixtureOrg, "fully-compliant"), "--config", bad)
	if r.code != 2 || !strings.Contains(r.stderr, bad+":2:") || r.stdout != "" {
		t.Errorf("invalid policy: exit %d, stderr %q; want 2 with FILE:LINE:COLUMN and no report", r.code, r.stderr)
	}
	r = ospoScan(t, ".", "check", filepath.Join(fixtureOrg, "fully-compliant"), "--config", filepath.Join(t.TempDir(), "missing.yml"))
	if r.code != 2 || !strings.Contains(r.stderr, "missing.yml") {
		t.Errorf("missing policy: exit %d, stderr %q", r.code, r.stderr)
	}
}
