package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(Schema()))
	if err != nil {
		t.Fatalf("schema is not JSON: %v", err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	const id = "report.schema.json"
	if err := c.AddResource(id, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(id)
	if err != nil {
		t.Fatalf("schema does not compile: %v", err)
	}
	return sch
}

func validateJSON(t *testing.T, sch *jsonschema.Schema, data []byte) error {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("not JSON: %v\n%s", err, data)
	}
	return sch.Validate(inst)
}

func TestJSONMatchesSchema(t *testing.T) {
	sch := compileSchema(t)
	for name, r := range map[string]*Report{"org": sampleReport(), "single": singleReport(), "big": bigReport(60)} {
		out := render(t, "json", r)
		if err := validateJSON(t, sch, []byte(out)); err != nil {
			t.Errorf("%s report does not match its schema: %v", name, err)
		}
	}
}

func TestJSONShape(t *testing.T) {
	out := render(t, "json", sampleReport())
	if !strings.HasSuffix(out, "}\n") || !strings.HasPrefix(out, "{\n  \"schemaVersion\": 1,\n  \"tool\": {\n    \"name\": \"ospo-scan\",") {
		t.Errorf("not two-space indented with a trailing newline:\n%.200s", out)
	}
	// Every status the model has appears, so the schema test above has
	// seen each of them.
	for _, want := range []string{`"status": "pass"`, `"status": "fail"`, `"status": "exempt"`, `"status": "not-applicable"`, `"status": "error"`,
		`"status": "passed"`, `"status": "failed"`, `"status": "errored"`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %s", want)
		}
	}
	// Writer-only fields stay out of the JSON.
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"Rules", "rules", "Local", "local"} {
		if _, ok := m[k]; ok {
			t.Errorf("JSON report has %q", k)
		}
	}
	summary := m["summary"].(map[string]any)
	if got := summary["findings"]; !equalJSON(got, map[string]any{"error": 2.0, "warning": 4.0, "note": 1.0}) {
		t.Errorf("summary.findings = %v", got)
	}
}

func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// Two runs over the same input give byte-identical JSON, whatever order
// the scanner collected repositories and results in.
func TestJSONDeterministic(t *testing.T) {
	a := sampleReport()
	b := sampleReport()
	for i, j := 0, len(b.Repositories)-1; i < j; i, j = i+1, j-1 {
		b.Repositories[i], b.Repositories[j] = b.Repositories[j], b.Repositories[i]
	}
	for i := range b.Repositories {
		res := b.Repositories[i].Results
		for x, y := 0, len(res)-1; x < y; x, y = x+1, y-1 {
			res[x], res[y] = res[y], res[x]
		}
	}
	b.Finish()
	if x, y := render(t, "json", a), render(t, "json", b); x != y {
		t.Errorf("JSON differs with input order")
	}
}

func TestSchemaRejectsDrift(t *testing.T) {
	sch := compileSchema(t)
	valid := render(t, "json", sampleReport())
	for name, mutate := range map[string]func(string) string{
		"unknown result status": func(s string) string { return strings.Replace(s, `"status": "exempt"`, `"status": "waived"`, 1) },
		"unknown severity":      func(s string) string { return strings.Replace(s, `"severity": "warning"`, `"severity": "critical"`, 1) },
		"unknown field": func(s string) string {
			return strings.Replace(s, `"schemaVersion": 1,`, `"schemaVersion": 1, "score": 7,`, 1)
		},
		"wrong schema version": func(s string) string { return strings.Replace(s, `"schemaVersion": 1,`, `"schemaVersion": 2,`, 1) },
		"missing summary":      func(s string) string { return strings.Replace(s, `"summary"`, `"summery"`, 1) },
		"errored without error": func(s string) string {
			return strings.Replace(s, `"error": "reading the file tree: HTTP 502 Bad Gateway after 3 retries"`, `"error": ""`, 1)
		},
		"line zero": func(s string) string { return strings.Replace(s, `"line": 14`, `"line": 0`, 1) },
	} {
		doc := mutate(valid)
		if doc == valid {
			t.Fatalf("%s: mutation did not apply", name)
		}
		if err := validateJSON(t, sch, []byte(doc)); err == nil {
			t.Errorf("%s: schema accepted an invalid report", name)
		}
	}
}
