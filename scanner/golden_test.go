package scanner_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/it-at-m/ospo-scan/forges"
	"github.com/it-at-m/ospo-scan/forges/local"
	"github.com/it-at-m/ospo-scan/report"
	"github.com/it-at-m/ospo-scan/rules"
	"github.com/it-at-m/ospo-scan/scanner"
)

// The golden test scans the fixture organisation testdata/orgs/lhm-sample
// (described, fixture by fixture, in testdata/README.md) with the built-in
// rules under their defaults, and compares a one-line-per-result rendering
// with scanner/testdata/lhm-sample.golden. Regenerate after an intended
// change with
//
//	go test ./scanner -run TestGolden -update
//
// and review the diff against testdata/README.md. TestFixtureExpectations
// asserts that table as code, so a regenerated golden cannot quietly accept
// a rule regression.

var update = flag.Bool("update", false, "rewrite scanner/testdata/*.golden from the current results")

const (
	fixtureOrg = "../testdata/orgs/lhm-sample"
	goldenFile = "testdata/lhm-sample.golden"
)

// catalogue is the rule set of LHM-CONVENTIONS.md, in its order.
var catalogue = []string{
	"license/present", "license/approved", "license/copyright-holder",
	"docs/readme", "docs/readme-sections", "docs/contributing", "docs/code-of-conduct", "docs/codeowners",
	"security/contact", "security/policy", "security/private-reporting", "security/codeql", "security/dependency-review",
	"actions/pinned", "actions/permissions",
	"repo/naming", "repo/default-branch", "repo/description",
	"meta/publiccode", "brand/contact-domain", "brand/badge", "packages/coordinates",
}

// forgeOnly are the rules a plain folder cannot answer.
var forgeOnly = []string{"security/private-reporting", "repo/default-branch", "repo/description"}

func requireCatalogue(t testing.TB) {
	t.Helper()
	have := map[string]bool{}
	for _, r := range rules.Builtin() {
		have[r.ID] = true
	}
	var missing []string
	for _, id := range catalogue {
		if !have[id] {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		t.Fatalf("rules.Builtin() lacks %d of the %d catalogue rules: %s", len(missing), len(catalogue), strings.Join(missing, ", "))
	}
}

func scanFixtures(t *testing.T) *report.Report {
	t.Helper()
	requireCatalogue(t)
	folder, err := local.NewFolder(fixtureOrg)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := scanner.Scan(context.Background(), []forges.Source{folder}, scanner.Options{
		Policy:      scanner.Static{Profile: "in-house", Rules: rules.Defaults(rules.Builtin())},
		Concurrency: 4,
		Tool:        report.Tool{Name: "ospo-scan", Version: "test"},
		Now:         func() time.Time { return time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC) },
	})
	if err != nil {
		t.Fatalf("scan %s: %v", fixtureOrg, err)
	}
	return rep
}

// renderGolden writes one line per result, aligned, with the licences and
// status of each repository: small enough to review by eye, and free of
// anything that changes without a behaviour change (messages, fingerprints).
func renderGolden(rep *report.Report) string {
	var b strings.Builder
	s := rep.Summary
	fmt.Fprintf(&b, "# ospo-scan golden: testdata/orgs/lhm-sample, built-in rules, default settings\n")
	fmt.Fprintf(&b, "# regenerate: go test ./scanner -run TestGolden -update; expectations: testdata/README.md\n")
	fmt.Fprintf(&b, "# %d repositories: %d passed, %d failed, %d errored; fail results: %d error, %d warning, %d note\n",
		s.Repositories, s.Passed, s.Failed, s.Errored, s.Findings.Error, s.Findings.Warning, s.Findings.Note)
	nameW, ruleW := 0, 0
	for _, r := range rep.Repositories {
		nameW = max(nameW, len(r.Name))
		for _, res := range r.Results {
			ruleW = max(ruleW, len(res.Rule))
		}
	}
	for _, r := range rep.Repositories {
		fmt.Fprintf(&b, "\n## %s: %s\n", r.Name, r.Status)
		if r.Error != "" {
			fmt.Fprintf(&b, "error: %s\n", r.Error)
		}
		var lic []string
		for _, l := range r.Licenses {
			lic = append(lic, fmt.Sprintf("%s %s %.2f", l.File, l.SPDX, l.Coverage))
		}
		if len(lic) == 0 {
			lic = []string{"none"}
		}
		fmt.Fprintf(&b, "licences: %s\n", strings.Join(lic, "; "))
		for _, res := range r.Results {
			line := fmt.Sprintf("%-*s | %-*s | %-14s | %s", nameW, r.Name, ruleW, res.Rule, res.Status, location(res))
			b.WriteString(strings.TrimRight(line, " |"))
			b.WriteByte('\n')
		}
	}
	return b.String()
}

func location(r rules.Result) string {
	if r.Line > 0 {
		return r.Path + ":" + strconv.Itoa(r.Line)
	}
	return r.Path
}

func TestGolden(t *testing.T) {
	got := renderGolden(scanFixtures(t))
	if *update {
		if err := os.MkdirAll(filepath.Dir(goldenFile), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(goldenFile, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s; review it against testdata/README.md", goldenFile)
		return
	}
	want, err := os.ReadFile(goldenFile)
	if err != nil {
		t.Fatalf("%v (create it with: go test ./scanner -run TestGolden -update)", err)
	}
	if got != string(want) {
		t.Errorf("results differ from %s (after an intended change: go test ./scanner -run TestGolden -update, then review the diff):\n%s",
			goldenFile, lineDiff(string(want), got))
	}
}

// lineDiff lists the lines only in want (-) and only in got (+), in order:
// enough to see which results changed without an external diff tool.
func lineDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	inW, inG := map[string]int{}, map[string]int{}
	for _, l := range wl {
		inW[l]++
	}
	for _, l := range gl {
		inG[l]++
	}
	var b strings.Builder
	for _, l := range wl {
		if inG[l] > 0 {
			inG[l]--
			continue
		}
		fmt.Fprintf(&b, "- %s\n", l)
	}
	for _, l := range gl {
		if inW[l] > 0 {
			inW[l]--
			continue
		}
		fmt.Fprintf(&b, "+ %s\n", l)
	}
	return b.String()
}

// expectation is one fixture's row of the table in testdata/README.md.
type expectation struct {
	// fail maps each rule that must fail to the locations of its failing
	// results, as "path" or "path:line"; nil means "fails, anywhere". The
	// locations must match exactly (one per failing result).
	fail map[string][]string
	// na are the rules, besides forgeOnly, that must be not-applicable.
	na []string
	// licenses are the detected licences as "file SPDX".
	licenses []string
}

var expectations = map[string]expectation{
	"refarch-sample": {
		na:       []string{"packages/coordinates"},
		licenses: []string{"LICENSE MIT"},
	},
	"fully-compliant": {
		licenses: []string{"LICENSE MIT"},
	},
	"dave-frontend": {
		fail: map[string][]string{
			"docs/codeowners":            nil,
			"security/policy":            nil,
			"security/codeql":            nil,
			"security/dependency-review": nil,
			"actions/pinned": {
				".github/workflows/build.yaml:12", ".github/workflows/build.yaml:14",
				".github/workflows/release.yaml:10", ".github/workflows/release.yaml:12", ".github/workflows/release.yaml:17",
			},
			"actions/permissions": {".github/workflows/build.yaml", ".github/workflows/release.yaml"},
			"brand/badge":         nil,
		},
		na:       []string{"meta/publiccode", "packages/coordinates"},
		licenses: []string{"LICENSE MIT"},
	},
	"zammad-connector": {
		na:       []string{"meta/publiccode", "packages/coordinates"},
		licenses: []string{"license MIT"},
	},
	"wahlen-ui": {
		na:       []string{"meta/publiccode"},
		licenses: []string{"LICENSE.txt MIT"},
	},
	"eappointment": {
		fail: map[string][]string{
			"license/approved": {"LICENSE"},
			"security/policy":  {"SECURITY.md:6", "SECURITY.md:7"},
		},
		na:       []string{"meta/publiccode", "packages/coordinates"},
		licenses: []string{"LICENSE EUPL-1.2"},
	},
	"consul-muenchen": {
		fail: map[string][]string{
			"license/approved":         {"LICENSE-AGPLv3.txt"},
			"license/copyright-holder": {"LICENSE-AGPLv3.txt"},
			"docs/readme-sections":     {"README.md"},
			"brand/badge":              {"README.md"},
		},
		na:       []string{"meta/publiccode", "packages/coordinates"},
		licenses: []string{"LICENSE-AGPLv3.txt AGPL-3.0"},
	},
	"mobidam-sample": {
		fail: map[string][]string{"license/present": nil},
		na:   []string{"license/approved", "license/copyright-holder", "meta/publiccode"},
	},
	"contact-only": {
		fail: map[string][]string{
			"docs/readme-sections": {"README.md"},
			"docs/contributing":    nil,
			"security/policy":      nil,
		},
		na:       []string{"meta/publiccode", "packages/coordinates"},
		licenses: []string{"LICENSE MIT"},
	},
	"ci-unpinned": {
		fail: map[string][]string{
			"actions/pinned": {
				".github/workflows/build.yml:16", ".github/workflows/build.yml:18", ".github/workflows/build.yml:22",
				".github/workflows/build.yml:24", ".github/workflows/build.yml:41",
				".github/workflows/dependency-review.yml:14", ".github/workflows/dependency-review.yml:15",
			},
		},
		na:       []string{"meta/publiccode", "packages/coordinates"},
		licenses: []string{"LICENSE MIT"},
	},
	"scorecard-only": {
		fail:     map[string][]string{"security/codeql": nil, "security/dependency-review": nil},
		na:       []string{"meta/publiccode", "packages/coordinates"},
		licenses: []string{"LICENSE MIT"},
	},
	"opencode-listing": {
		fail:     map[string][]string{"meta/publiccode": {"publiccode.yaml"}},
		na:       []string{"packages/coordinates"},
		licenses: []string{"LICENSE MIT"},
	},
	"legacy-coc": {
		fail:     map[string][]string{"brand/contact-domain": {"CODE_OF_CONDUCT.md:63"}},
		na:       []string{"meta/publiccode", "packages/coordinates"},
		licenses: []string{"LICENSE MIT"},
	},
	"Dave-Backend": {
		fail:     map[string][]string{"repo/naming": nil},
		na:       []string{"meta/publiccode"},
		licenses: []string{"LICENSE MIT"},
	},
	"digiwf_connector": {
		fail:     map[string][]string{"repo/naming": nil},
		na:       []string{"meta/publiccode", "packages/coordinates"},
		licenses: []string{"LICENSE MIT"},
	},
	"digiwf-s3-integration": {
		fail: map[string][]string{
			"packages/coordinates": {"pom.xml"},
			"brand/contact-domain": {"README.md:38"},
		},
		na:       []string{"meta/publiccode"},
		licenses: []string{"LICENSE MIT"},
	},
}

// TestFixtureExpectations checks every fixture against its row in
// testdata/README.md: the rules that must fail (and where), those that must
// be not-applicable, and that every other rule passes.
func TestFixtureExpectations(t *testing.T) {
	rep := scanFixtures(t)
	var names []string
	for _, r := range rep.Repositories {
		names = append(names, r.Name)
	}
	var wantNames []string
	for n := range expectations {
		wantNames = append(wantNames, n)
	}
	sort.Strings(wantNames)
	if !slices.Equal(names, wantNames) {
		t.Fatalf("scanned repositories %v, want %v (sorted by name)", names, wantNames)
	}
	if rep.Summary.Errored != 0 {
		t.Errorf("%d repositories errored", rep.Summary.Errored)
	}
	for _, repo := range rep.Repositories {
		t.Run(repo.Name, func(t *testing.T) {
			checkExpectation(t, repo, expectations[repo.Name])
		})
	}
}

func checkExpectation(t *testing.T, repo report.Repository, want expectation) {
	byRule := map[string][]rules.Result{}
	for _, r := range repo.Results {
		byRule[r.Rule] = append(byRule[r.Rule], r)
	}
	na := append(append([]string{}, forgeOnly...), want.na...)
	for _, id := range catalogue {
		rs := byRule[id]
		if len(rs) == 0 {
			t.Errorf("%s: no result", id)
			continue
		}
		switch locs, mustFail := want.fail[id]; {
		case mustFail:
			var got []string
			for _, r := range rs {
				if r.Status == rules.StatusFail {
					got = append(got, location(r))
				} else if r.Status == rules.StatusError {
					t.Errorf("%s: error result: %s", id, r.Message)
				}
			}
			if len(got) == 0 {
				t.Errorf("%s: want fail, got %s", id, describe(rs))
				continue
			}
			if locs != nil && !sameLocations(got, locs) {
				t.Errorf("%s: failing at %v, want exactly %v\n%s", id, got, locs, describe(rs))
			}
		case slices.Contains(na, id):
			for _, r := range rs {
				if r.Status != rules.StatusNotApplicable {
					t.Errorf("%s: want not-applicable, got %s", id, describe(rs))
					break
				}
			}
		default:
			for _, r := range rs {
				if r.Status != rules.StatusPass {
					t.Errorf("%s: want pass, got %s", id, describe(rs))
					break
				}
			}
		}
	}
	var lic []string
	for _, l := range repo.Licenses {
		lic = append(lic, l.File+" "+l.SPDX)
	}
	if !slices.Equal(lic, want.licenses) {
		t.Errorf("licences %q, want %q", lic, want.licenses)
	}
}

// sameLocations compares failing locations as multisets. An expected
// location without a line matches a result's path whatever its line.
func sameLocations(got, want []string) bool {
	if len(got) != len(want) {
		return false
	}
	left := slices.Clone(got)
	for _, w := range want {
		i := slices.IndexFunc(left, func(g string) bool {
			if strings.Contains(w, ":") {
				return g == w
			}
			p, _, _ := strings.Cut(g, ":")
			return p == w
		})
		if i < 0 {
			return false
		}
		left = slices.Delete(left, i, i+1)
	}
	return true
}

func describe(rs []rules.Result) string {
	var parts []string
	for _, r := range rs {
		parts = append(parts, fmt.Sprintf("%s at %q: %s", r.Status, location(r), r.Message))
	}
	return strings.Join(parts, "; ")
}

// TestHeadlines states the expectations the whole tool is built around,
// one assertion each, so a failure names the behaviour that broke.
func TestHeadlines(t *testing.T) {
	rep := scanFixtures(t)
	repo := func(name string) report.Repository {
		t.Helper()
		for _, r := range rep.Repositories {
			if r.Name == name {
				return r
			}
		}
		t.Fatalf("repository %s not in the report", name)
		return report.Repository{}
	}
	statuses := func(name, rule string) []rules.Status {
		var out []rules.Status
		for _, r := range repo(name).Results {
			if r.Rule == rule {
				out = append(out, r.Status)
			}
		}
		return out
	}
	fails := func(name, rule string) bool { return slices.Contains(statuses(name, rule), rules.StatusFail) }

	t.Run("upload-sarif alone is no CodeQL", func(t *testing.T) {
		if !fails("scorecard-only", "security/codeql") {
			t.Errorf("scorecard-only security/codeql = %v, want fail", statuses("scorecard-only", "security/codeql"))
		}
	})
	t.Run("package.json licence is no licence file", func(t *testing.T) {
		if !fails("mobidam-sample", "license/present") {
			t.Errorf("mobidam-sample license/present = %v, want fail", statuses("mobidam-sample", "license/present"))
		}
		if got := statuses("mobidam-sample", "license/approved"); !slices.Equal(got, []rules.Status{rules.StatusNotApplicable}) {
			t.Errorf("mobidam-sample license/approved = %v, want only not-applicable", got)
		}
	})
	t.Run("EUPL with a custom header is detected and not approved by default", func(t *testing.T) {
		r := repo("eappointment")
		found := false
		for _, l := range r.Licenses {
			found = found || (l.SPDX == "EUPL-1.2" && l.File == "LICENSE")
		}
		if !found {
			t.Errorf("eappointment licences = %+v, want EUPL-1.2 in LICENSE", r.Licenses)
		}
		if !fails("eappointment", "license/approved") {
			t.Errorf("eappointment license/approved = %v, want fail", statuses("eappointment", "license/approved"))
		}
		if fails("eappointment", "license/copyright-holder") {
			t.Error("eappointment license/copyright-holder fails, but its header names Landeshauptstadt München | it@M")
		}
	})
	t.Run("one actions/pinned finding per unpinned reference", func(t *testing.T) {
		var got []string
		for _, r := range repo("ci-unpinned").Results {
			if r.Rule == "actions/pinned" && r.Status == rules.StatusFail {
				got = append(got, location(r))
			}
		}
		want := []string{
			".github/workflows/build.yml:16", ".github/workflows/build.yml:18", ".github/workflows/build.yml:22",
			".github/workflows/build.yml:24", ".github/workflows/build.yml:41",
			".github/workflows/dependency-review.yml:14", ".github/workflows/dependency-review.yml:15",
		}
		if !slices.Equal(got, want) {
			t.Errorf("ci-unpinned actions/pinned failures at\n%v\nwant\n%v", got, want)
		}
	})
	t.Run("repository names", func(t *testing.T) {
		for _, r := range rep.Repositories {
			want := r.Name == "Dave-Backend" || r.Name == "digiwf_connector"
			if got := fails(r.Name, "repo/naming"); got != want {
				t.Errorf("%s repo/naming fails = %v, want %v", r.Name, got, want)
			}
		}
	})
	t.Run("a fully compliant checkout has no failure", func(t *testing.T) {
		for _, name := range []string{"fully-compliant", "refarch-sample"} {
			r := repo(name)
			if r.Status != report.Passed {
				t.Errorf("%s status %s, want %s", name, r.Status, report.Passed)
			}
			for _, res := range r.Results {
				if res.Status == rules.StatusFail || res.Status == rules.StatusError {
					t.Errorf("%s %s %s at %s: %s", name, res.Rule, res.Status, location(res), res.Message)
				}
			}
		}
	})
	t.Run("no rule errors on any fixture", func(t *testing.T) {
		for _, r := range rep.Repositories {
			for _, res := range r.Results {
				if res.Status == rules.StatusError {
					t.Errorf("%s %s: error: %s", r.Name, res.Rule, res.Message)
				}
			}
		}
	})
}
