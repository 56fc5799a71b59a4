package report

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"
)

// sarifLog is the part of SARIF 2.1.0 the tests look at, decoded from the
// written bytes rather than from the library's types.
type sarifLog struct {
	Version string `json:"version"`
	Runs    []struct {
		Tool struct {
			Driver struct {
				Name    string `json:"name"`
				Version string `json:"version"`
				Rules   []struct {
					ID               string `json:"id"`
					Name             string `json:"name"`
					ShortDescription struct{ Text string }
					FullDescription  struct{ Text string }
					Help             struct{ Text, Markdown string }
					HelpURI          string `json:"helpUri"`
					Default          struct {
						Level string `json:"level"`
					} `json:"defaultConfiguration"`
				} `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		AutomationDetails *struct {
			ID string `json:"id"`
		} `json:"automationDetails"`
		VersionControlProvenance []struct {
			RepositoryURI string `json:"repositoryUri"`
			Branch        string `json:"branch"`
		} `json:"versionControlProvenance"`
		Invocations []struct {
			ExecutionSuccessful bool `json:"executionSuccessful"`
			Notifications       []struct {
				Level   string `json:"level"`
				Message struct{ Text string }
				Rule    *struct {
					ID    string `json:"id"`
					Index int    `json:"index"`
				} `json:"associatedRule"`
			} `json:"toolExecutionNotifications"`
		} `json:"invocations"`
		Results []sarifResultJSON `json:"results"`
	} `json:"runs"`
}

type sarifResultJSON struct {
	RuleID    string `json:"ruleId"`
	RuleIndex int    `json:"ruleIndex"`
	Level     string `json:"level"`
	Message   struct{ Text string }
	Locations []struct {
		Physical struct {
			Artifact struct {
				URI       string `json:"uri"`
				URIBaseID string `json:"uriBaseId"`
			} `json:"artifactLocation"`
			Region struct {
				StartLine int `json:"startLine"`
			} `json:"region"`
		} `json:"physicalLocation"`
	} `json:"locations"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	Suppressions        []struct {
		Kind          string `json:"kind"`
		Justification string `json:"justification"`
	} `json:"suppressions"`
	BaselineState string `json:"baselineState"`
}

func writeAndValidateSARIF(t *testing.T, r *Report) sarifLog {
	t.Helper()
	out := render(t, "sarif", r)
	// The library validates the log it built against the SARIF 2.1.0
	// schema; the written form only drops its -1 sentinels and empty
	// arrays (which the library's own re-marshalling would turn into
	// nulls), and must still parse strictly. CI also runs the official
	// SARIF validator over real reports (scripts/sarif-validate.sh).
	if err := buildSARIF(r).Validate(); err != nil {
		t.Fatalf("SARIF does not match the 2.1.0 schema: %v", err)
	}
	if _, err := sarif.FromBytes([]byte(out), sarif.WithStrictValidation()); err != nil {
		t.Fatalf("SARIF does not parse: %v", err)
	}
	if strings.Contains(out, ": -1") || strings.Count(out, ": []") != strings.Count(out, `"results": []`) {
		t.Errorf("SARIF keeps sentinel -1 values or empty arrays:\n%s", out)
	}
	var log sarifLog
	if err := json.Unmarshal([]byte(out), &log); err != nil {
		t.Fatal(err)
	}
	if log.Version != "2.1.0" {
		t.Errorf("version = %q", log.Version)
	}
	return log
}

func TestSARIFSingleRepository(t *testing.T) {
	log := writeAndValidateSARIF(t, singleReport())
	if len(log.Runs) != 1 {
		t.Fatalf("%d runs for one repository, want 1", len(log.Runs))
	}
	run := log.Runs[0]
	if run.AutomationDetails != nil {
		t.Errorf("single run has automationDetails %q; the uploader's category should decide", run.AutomationDetails.ID)
	}
	if len(run.VersionControlProvenance) != 0 {
		t.Errorf("a local checkout has version control provenance %v", run.VersionControlProvenance)
	}

	// The driver lists every rule that ran, failing or not.
	d := run.Tool.Driver
	if d.Name != "ospo-scan" || d.Version != "1.0.0" {
		t.Errorf("driver = %s %s", d.Name, d.Version)
	}
	if len(d.Rules) != len(catalogue) {
		t.Errorf("driver lists %d rules, want all %d", len(d.Rules), len(catalogue))
	}
	for i, rule := range d.Rules {
		if rule.ID != "license/present" {
			continue
		}
		if rule.Name != "LicensePresent" || rule.ShortDescription.Text != "A licence file exists" || rule.FullDescription.Text != "A licence file lies at the root." ||
			rule.HelpURI != "https://opensource.muenchen.de/licenses.html" || rule.Default.Level != "error" ||
			!strings.Contains(rule.Help.Text, "How to fix: add the MIT licence text as LICENSE at the repository root") ||
			!strings.Contains(rule.Help.Markdown, "[Licenses](https://opensource.muenchen.de/licenses.html)") {
			t.Errorf("rule %d = %+v", i, rule)
		}
	}

	// One result per fail (4) and per exempt (1); none for pass,
	// not-applicable or error.
	if len(run.Results) != 5 {
		t.Fatalf("%d results, want 5: %+v", len(run.Results), run.Results)
	}
	byMsg := map[string]sarifResultJSON{}
	for _, res := range run.Results {
		byMsg[res.Message.Text] = res
		if d.Rules[res.RuleIndex].ID != res.RuleID {
			t.Errorf("result %s has ruleIndex %d (%s)", res.RuleID, res.RuleIndex, d.Rules[res.RuleIndex].ID)
		}
		if len(res.Locations) != 1 || res.Locations[0].Physical.Artifact.URIBaseID != "%SRCROOT%" || res.Locations[0].Physical.Region.StartLine < 1 {
			t.Errorf("result %s location = %+v", res.RuleID, res.Locations)
		}
	}
	pinned := byMsg["actions/checkout@v4 is not pinned to a commit SHA"]
	if loc := pinned.Locations[0].Physical; pinned.Level != "warning" || loc.Artifact.URI != ".github/workflows/build.yml" || loc.Region.StartLine != 14 {
		t.Errorf("pinned result = %+v", pinned)
	}
	if got := pinned.PartialFingerprints["ospoScan/v1"]; got != "fp-pin-1" {
		t.Errorf("partialFingerprints = %v", pinned.PartialFingerprints)
	}
	if byMsg["actions/setup-java@v4 is not pinned to a commit SHA"].BaselineState != "new" {
		t.Error("a new finding is not marked baselineState new")
	}
	// A finding about a whole folder points at line 1 of it.
	codeql := byMsg["no workflow runs CodeQL analysis"]
	if loc := codeql.Locations[0].Physical; codeql.Level != "error" || loc.Artifact.URI != ".github/workflows" || loc.Region.StartLine != 1 {
		t.Errorf("codeql result = %+v", codeql)
	}
	exempt := byMsg["EUPL-1.2 is not on the approved list (MIT)"]
	if len(exempt.Suppressions) != 1 || exempt.Suppressions[0].Kind != "external" ||
		!strings.HasPrefix(exempt.Suppressions[0].Justification, "cooperation project with BerlinOnline keeps the partner's licence") {
		t.Errorf("exempt result suppressions = %+v", exempt.Suppressions)
	}
	for _, res := range run.Results {
		if res.RuleID != "license/approved" && len(res.Suppressions) != 0 {
			t.Errorf("failing result %s is suppressed", res.RuleID)
		}
	}

	// The rule that could not be evaluated is a notification.
	if len(run.Invocations) != 1 || !run.Invocations[0].ExecutionSuccessful {
		t.Fatalf("invocations = %+v", run.Invocations)
	}
	n := run.Invocations[0].Notifications
	if len(n) != 1 || n[0].Rule == nil || n[0].Rule.ID != "security/private-reporting" || d.Rules[n[0].Rule.Index].ID != "security/private-reporting" ||
		n[0].Message.Text != "security/private-reporting could not be evaluated: the token may not read this setting (HTTP 403)" {
		t.Errorf("notifications = %+v", n)
	}
}

func TestSARIFOrganisation(t *testing.T) {
	r := sampleReport()
	log := writeAndValidateSARIF(t, r)
	if len(log.Runs) != len(r.Repositories) {
		t.Fatalf("%d runs for %d repositories", len(log.Runs), len(r.Repositories))
	}
	ids := map[string]bool{}
	for i, run := range log.Runs {
		repo := r.Repositories[i]
		if run.AutomationDetails == nil || run.AutomationDetails.ID != "ospo-scan/"+repo.Name+"/" {
			t.Errorf("run %d automationDetails = %+v", i, run.AutomationDetails)
		} else if ids[run.AutomationDetails.ID] {
			t.Errorf("automationDetails.id %s repeats", run.AutomationDetails.ID)
		}
		ids[run.AutomationDetails.ID] = true
		if len(run.VersionControlProvenance) != 1 || run.VersionControlProvenance[0].RepositoryURI != repo.URL || run.VersionControlProvenance[0].Branch != repo.DefaultBranch {
			t.Errorf("run %d provenance = %+v, want %s@%s", i, run.VersionControlProvenance, repo.URL, repo.DefaultBranch)
		}
		if len(run.Tool.Driver.Rules) != len(catalogue) {
			t.Errorf("run %d lists %d rules", i, len(run.Tool.Driver.Rules))
		}
		switch repo.Name {
		case "it-at-m/broken":
			inv := run.Invocations[0]
			if inv.ExecutionSuccessful || len(inv.Notifications) != 1 ||
				inv.Notifications[0].Message.Text != "it-at-m/broken could not be scanned: reading the file tree: HTTP 502 Bad Gateway after 3 retries" {
				t.Errorf("errored repository invocation = %+v", inv)
			}
			if len(run.Results) != 0 {
				t.Errorf("errored repository has results")
			}
		case "it-at-m/Old_Tool":
			// A metadata finding without a path is anchored on the README.
			for _, res := range run.Results {
				if res.RuleID == "repo/naming" && (res.Locations[0].Physical.Artifact.URI != "README.md" || res.Locations[0].Physical.Region.StartLine != 1) {
					t.Errorf("repo/naming location = %+v", res.Locations)
				}
			}
		case "it-at-m/refarch-templates":
			if len(run.Results) != 0 || !run.Invocations[0].ExecutionSuccessful {
				t.Errorf("passing repository: %d results", len(run.Results))
			}
		}
	}
}

func TestSARIFEncodesPaths(t *testing.T) {
	r := singleReport()
	findResult(t, &r.Repositories[0], "security/codeql").Path = "docs/my file#1.md"
	log := writeAndValidateSARIF(t, r)
	for _, res := range log.Runs[0].Results {
		if res.RuleID == "security/codeql" {
			if got := res.Locations[0].Physical.Artifact.URI; got != "docs/my%20file%231.md" {
				t.Errorf("uri = %q", got)
			}
		}
	}
}

func TestSARIFEmptyReport(t *testing.T) {
	r := &Report{SchemaVersion: 1, Tool: Tool{Name: "ospo-scan", Version: "1.0.0"}, Rules: catalogue}
	r.Finish()
	log := writeAndValidateSARIF(t, r)
	if len(log.Runs) != 1 || len(log.Runs[0].Results) != 0 || len(log.Runs[0].Tool.Driver.Rules) != len(catalogue) {
		t.Errorf("empty report SARIF = %+v", log)
	}
}
