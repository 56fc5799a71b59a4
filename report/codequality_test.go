package report

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/it-at-m/ospo-scan/rules"
)

func TestCodeQualityHasTheFieldsGitLabDocuments(t *testing.T) {
	r := &Report{
		SchemaVersion: SchemaVersion,
		Rules:         []RuleInfo{{ID: "actions/pinned", Fix: "pin each action to a full commit SHA"}},
		Repositories: []Repository{{
			Name: "ci-unpinned",
			Results: []rules.Result{
				{Rule: "actions/pinned", Severity: rules.Warning, Status: rules.StatusFail, Message: "actions/checkout@v4 is not pinned to a commit SHA", Path: ".github/workflows/build.yml", Line: 14, Fingerprint: "aa"},
				{Rule: "license/present", Severity: rules.Error, Status: rules.StatusFail, Message: "no licence file at the root", Path: "LICENSE", Fingerprint: "bb"},
				{Rule: "license/approved", Severity: rules.Error, Status: rules.StatusExempt, Message: "EUPL-1.2", Path: "LICENSE", Fingerprint: "cc"},
				{Rule: "docs/readme", Severity: rules.Error, Status: rules.StatusPass, Message: "README.md", Path: "README.md", Fingerprint: "dd"},
			},
		}},
	}
	r.Finish()
	var buf bytes.Buffer
	if err := CodeQuality(&buf, r); err != nil {
		t.Fatal(err)
	}
	var issues []map[string]any
	if err := json.Unmarshal(buf.Bytes(), &issues); err != nil {
		t.Fatalf("not a JSON array: %v\n%s", err, buf.String())
	}
	if len(issues) != 2 {
		t.Fatalf("want one issue per failing result (2), got %d:\n%s", len(issues), buf.String())
	}
	want := map[string]struct {
		severity, path string
		line           float64
	}{
		"actions/pinned":  {"minor", ".github/workflows/build.yml", 14},
		"license/present": {"critical", "LICENSE", 1},
	}
	for _, is := range issues {
		for _, k := range []string{"description", "check_name", "fingerprint", "severity", "location"} {
			if _, ok := is[k]; !ok {
				t.Errorf("issue lacks %q: %v", k, is)
			}
		}
		w := want[is["check_name"].(string)]
		loc := is["location"].(map[string]any)
		if is["severity"] != w.severity || loc["path"] != w.path || loc["lines"].(map[string]any)["begin"] != w.line {
			t.Errorf("issue %v, want %+v", is, w)
		}
	}
	if d := issues[0]["description"].(string); d != "actions/checkout@v4 is not pinned to a commit SHA. Fix: pin each action to a full commit SHA" {
		t.Errorf("description %q should carry the fix hint", d)
	}
}

func TestCodeQualityPrefixesPathsInOrgReports(t *testing.T) {
	r := &Report{Repositories: []Repository{
		{Name: "a", Results: []rules.Result{{Rule: "license/present", Severity: rules.Error, Status: rules.StatusFail, Path: "LICENSE", Fingerprint: "1"}}},
		{Name: "b", Results: []rules.Result{{Rule: "license/present", Severity: rules.Error, Status: rules.StatusFail, Path: "LICENSE", Fingerprint: "2"}}},
	}}
	r.Finish()
	var buf bytes.Buffer
	CodeQuality(&buf, r)
	var issues []struct {
		Location struct{ Path string } `json:"location"`
	}
	json.Unmarshal(buf.Bytes(), &issues)
	if len(issues) != 2 || issues[0].Location.Path != "a/LICENSE" || issues[1].Location.Path != "b/LICENSE" {
		t.Errorf("paths %+v, want a/LICENSE and b/LICENSE", issues)
	}
}
