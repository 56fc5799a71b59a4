package baseline

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/it-at-m/ospo-scan/report"
	"github.com/it-at-m/ospo-scan/rules"
)

func fail(rule, path string, line int, fp string) rules.Result {
	return rules.Result{Rule: rule, Severity: rules.Warning, Status: rules.StatusFail, Message: rule + " failed", Path: path, Line: line, Fingerprint: fp}
}

func rep(repos map[string][]rules.Result) *report.Report {
	r := &report.Report{SchemaVersion: report.SchemaVersion}
	for name, res := range repos {
		r.Repositories = append(r.Repositories, report.Repository{Name: name, Results: res})
	}
	r.Finish()
	return r
}

func TestMarkIgnoresMovedFindings(t *testing.T) {
	old := rep(map[string][]rules.Result{
		"a": {fail("actions/pinned", ".github/workflows/ci.yml", 10, "fp-checkout")},
	})
	cur := rep(map[string][]rules.Result{
		"a": {
			fail("actions/pinned", ".github/workflows/ci.yml", 14, "fp-checkout"), // moved 4 lines down
			fail("actions/pinned", ".github/workflows/ci.yml", 20, "fp-setup-go"), // new
		},
		"b": {fail("docs/readme", "README.md", 0, "fp-readme")}, // new repository
	})
	FromReport(old).Mark(cur)
	var newOnes []string
	for _, r := range cur.Repositories {
		for _, res := range r.Results {
			if res.New {
				newOnes = append(newOnes, r.Name+" "+res.Fingerprint)
			}
		}
	}
	if strings.Join(newOnes, ",") != "a fp-setup-go,b fp-readme" {
		t.Errorf("new findings = %v; the moved finding must not be new", newOnes)
	}
	if !cur.Failing(rules.Warning, true) {
		t.Error("new warnings should fail with --fail-on warning")
	}
	FromReport(cur).Mark(cur)
	if cur.Failing(rules.Note, true) {
		t.Error("a report compared with itself has no new finding")
	}
}

func TestCompare(t *testing.T) {
	old := rep(map[string][]rules.Result{
		"a":    {fail("actions/pinned", "ci.yml", 10, "x"), fail("docs/readme", "README.md", 0, "r")},
		"gone": {fail("docs/readme", "README.md", 0, "r")},
	})
	cur := rep(map[string][]rules.Result{
		"a":     {fail("actions/pinned", "ci.yml", 30, "x"), fail("license/present", "LICENSE", 0, "l")},
		"added": nil,
	})
	d := Compare("old.json", old, "new.json", cur)
	got := map[string]RepoDiff{}
	for _, r := range d.Repositories {
		got[r.Name] = r
	}
	a := got["a"]
	if a.Status != "changed" || len(a.New) != 1 || a.New[0].Rule != "license/present" || len(a.Fixed) != 1 || a.Fixed[0].Rule != "docs/readme" || len(a.Unchanged) != 1 || a.Unchanged[0].Line != 30 {
		t.Errorf("a = %+v", a)
	}
	if got["gone"].Status != "removed" || len(got["gone"].Fixed) != 1 {
		t.Errorf("gone = %+v", got["gone"])
	}
	if got["added"].Status != "added" {
		t.Errorf("added = %+v", got["added"])
	}
	if !d.HasNew() || d.Totals.New != 1 || d.Totals.Fixed != 2 || d.Totals.Unchanged != 1 {
		t.Errorf("totals = %+v", d.Totals)
	}
	var text, md, js bytes.Buffer
	d.WriteText(&text)
	d.WriteMarkdown(&md)
	d.WriteJSON(&js)
	if !strings.Contains(text.String(), "+ warning  license/present") || !strings.Contains(text.String(), "- warning  docs/readme") {
		t.Errorf("text:\n%s", text.String())
	}
	if !strings.Contains(md.String(), "❌ 1 new findings") || !strings.Contains(md.String(), "| new | warning | `license/present`") {
		t.Errorf("markdown:\n%s", md.String())
	}
	var back Diff
	if err := json.Unmarshal(js.Bytes(), &back); err != nil || back.Totals != d.Totals {
		t.Errorf("json round trip: %v %+v", err, back.Totals)
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte("{not json"), 0o644)
	if _, err := Load(bad); err == nil || !strings.Contains(err.Error(), "bad.json") || !strings.Contains(err.Error(), "-f json") {
		t.Errorf("malformed baseline: %v", err)
	}
	v2 := filepath.Join(dir, "v2.json")
	os.WriteFile(v2, []byte(`{"schemaVersion": 2}`), 0o644)
	if _, err := Load(v2); err == nil || !strings.Contains(err.Error(), "schemaVersion 2") {
		t.Errorf("future schema: %v", err)
	}
	if _, err := Load(filepath.Join(dir, "missing.json")); err == nil || !strings.Contains(err.Error(), "missing.json") {
		t.Errorf("missing file: %v", err)
	}
}
