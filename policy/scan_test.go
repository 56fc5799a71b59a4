package policy

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/it-at-m/ospo-scan/forges"
	"github.com/it-at-m/ospo-scan/forges/local"
	"github.com/it-at-m/ospo-scan/report"
	"github.com/it-at-m/ospo-scan/rules"
	"github.com/it-at-m/ospo-scan/scanner"
)

const fixtureOrg = "../testdata/orgs/lhm-sample"

// scanFixture scans the fixture organisation with a policy, as
// `ospo-scan org testdata/orgs/lhm-sample --config FILE` does.
func scanFixture(t testing.TB, p *Policy) *report.Report {
	t.Helper()
	src, err := local.NewFolder(fixtureOrg)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := scanner.Scan(context.Background(), []forges.Source{src}, scanner.Options{
		Policy:      p,
		Concurrency: 4,
		Now:         func() time.Time { return time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC) },
	})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func repoResults(t *testing.T, rep *report.Report, name string) (report.Repository, map[string]rules.Result) {
	t.Helper()
	for _, r := range rep.Repositories {
		if r.Name == name {
			m := map[string]rules.Result{}
			for _, res := range r.Results {
				m[res.Rule] = res
			}
			return r, m
		}
	}
	t.Fatalf("no repository %s in the report", name)
	return report.Repository{}, nil
}

// TestScanFixtureOrganisation runs the policy of testdata/lhm-sample.yml
// over the fixture organisation through the scanner: the cooperation
// profile, a current, an expired and two stale exemptions, and custom
// rules in the report.
func TestScanFixtureOrganisation(t *testing.T) {
	p, err := Load("testdata/lhm-sample.yml", rules.Builtin())
	if err != nil {
		t.Fatal(err)
	}
	p.SetScanKind(false)
	p.ReportUnmatchedRepositories(true)
	p.SetClock(day("2026-11-28"))
	rep := scanFixture(t, p)

	entry, res := repoResults(t, rep, "eappointment")
	if entry.Profile != "cooperation" {
		t.Errorf("eappointment profile %q", entry.Profile)
	}
	if r := res["license/approved"]; r.Status != rules.StatusPass {
		t.Errorf("eappointment license/approved under the cooperation profile: %s %q", r.Status, r.Message)
	}
	if r := res["security/policy"]; r.Status != rules.StatusFail || r.Exemption == nil || !r.Exemption.Expired ||
		!strings.Contains(r.Message, "(the exemption declared at testdata/lhm-sample.yml:17 expired on 2024-01-31)") {
		t.Errorf("eappointment security/policy: %s %+v %q; want failing with its expired exemption", r.Status, r.Exemption, r.Message)
	}

	entry, res = repoResults(t, rep, "consul-muenchen")
	if entry.Profile != "cooperation" || res["license/approved"].Status != rules.StatusPass {
		t.Errorf("consul-muenchen: profile %q, license/approved %s %q", entry.Profile, res["license/approved"].Status, res["license/approved"].Message)
	}
	if _, ran := res["brand/badge"]; ran {
		t.Error("brand/badge ran on consul-muenchen; the cooperation profile turns it off")
	}

	_, res = repoResults(t, rep, "Dave-Backend")
	if r := res["repo/naming"]; r.Status != rules.StatusExempt || r.Exemption == nil || r.Exemption.ApprovedBy != "ospo" {
		t.Errorf("Dave-Backend repo/naming: %s %+v", r.Status, r.Exemption)
	}
	if _, ran := res["repo/description"]; ran {
		t.Error("repo/description ran; the policy turns it off")
	}

	entry, res = repoResults(t, rep, "refarch-sample")
	if entry.Profile != "in-house" || res["custom/publiccode"].Status != rules.StatusPass {
		t.Errorf("refarch-sample: profile %q custom/publiccode %+v", entry.Profile, res["custom/publiccode"])
	}
	if r := res["license/approved"]; r.Status != rules.StatusPass {
		t.Errorf("refarch-sample license/approved %s", r.Status)
	}
	_, res = repoResults(t, rep, "opencode-listing")
	if r := res["custom/publiccode"]; r.Status != rules.StatusFail || r.Severity != rules.Note || !strings.Contains(r.Message, "openCode lists only") {
		t.Errorf("opencode-listing custom/publiccode %+v", r)
	}

	want := []string{
		"stale exemption at testdata/lhm-sample.yml:23: fully-compliant / license/present matched no failing result; remove it",
		"stale exemption at testdata/lhm-sample.yml:27: retired-repository / docs/* matched no scanned repository; remove it or correct the name",
	}
	if !slices.Equal(rep.Warnings, want) {
		t.Errorf("warnings:\n%s\nwant\n%s", strings.Join(rep.Warnings, "\n"), strings.Join(want, "\n"))
	}
	var custom []string
	for _, ri := range rep.Rules {
		if strings.HasPrefix(ri.ID, "custom/") {
			custom = append(custom, ri.ID)
		}
	}
	if !slices.Equal(custom, []string{"custom/name-and-readme", "custom/publiccode"}) {
		t.Errorf("custom rules in the report's rule list: %v", custom)
	}
}

// TestScanDefaultPolicyMatchesStatic checks that the built-in policy
// gives the report the static built-in rule set gives.
func TestScanDefaultPolicyMatchesStatic(t *testing.T) {
	rep := scanFixture(t, Default(rules.Builtin()))
	src, _ := local.NewFolder(fixtureOrg)
	static, err := scanner.Scan(context.Background(), []forges.Source{src}, scanner.Options{
		Policy:      scanner.Static{Profile: "in-house", Rules: rules.Defaults(rules.Builtin())},
		Concurrency: 4,
		Now:         func() time.Time { return time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Summary != static.Summary || len(rep.Repositories) != len(static.Repositories) {
		t.Fatalf("summary %+v, static %+v", rep.Summary, static.Summary)
	}
	for i, r := range rep.Repositories {
		if !slices.EqualFunc(r.Results, static.Repositories[i].Results, func(a, b rules.Result) bool {
			return a.Rule == b.Rule && a.Status == b.Status && a.Message == b.Message
		}) {
			t.Errorf("%s differs from the static rule set", r.Name)
		}
	}
}

// fixtureRepo opens one repository of the fixture organisation.
func fixtureRepo(t testing.TB, name string) *forges.Repo {
	t.Helper()
	repo, err := local.OpenCheckout(fixtureOrg + "/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return repo
}
