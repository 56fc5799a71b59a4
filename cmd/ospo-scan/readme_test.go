package main

import (
	"os"
	"strings"
	"testing"

	"github.com/it-at-m/ospo-scan/rules"
)

// TestREADMERuleTableIsCurrent fails when the README's rule table differs
// from the registry. Regenerate it with `ospo-scan rules --markdown`.
func TestREADMERuleTableIsCurrent(t *testing.T) {
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	const start, end = "<!-- rules:start -->\n", "<!-- rules:end -->"
	s := string(data)
	i, j := strings.Index(s, start), strings.Index(s, end)
	if i < 0 || j < i {
		t.Fatalf("README.md lacks the %q ... %q markers around the rule table", start, end)
	}
	got := s[i+len(start) : j]
	want := rulesMarkdown(rules.Builtin(), func(r *rules.Rule) string { return string(r.Severity) })
	if got != want {
		t.Errorf("README.md's rule table is stale; replace it with the output of `go run ./cmd/ospo-scan rules --markdown`:\n%s", want)
	}
	if n := strings.Count(want, "\n| `"); n != len(rules.Builtin()) {
		t.Errorf("table has %d rows for %d rules", n, len(rules.Builtin()))
	}
}
