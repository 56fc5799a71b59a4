package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/it-at-m/ospo-scan/rules"
)

func render(t *testing.T, format string, r *Report, opts ...Option) string {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, format, r, opts...); err != nil {
		t.Fatalf("Write(%s): %v", format, err)
	}
	return buf.String()
}

func lineWith(t *testing.T, out, substr string) string {
	t.Helper()
	for line := range strings.Lines(out) {
		if strings.Contains(line, substr) {
			return strings.TrimRight(line, "\n")
		}
	}
	t.Fatalf("no line contains %q in:\n%s", substr, out)
	return ""
}

func TestTableOrganisation(t *testing.T) {
	out := render(t, "table", sampleReport())

	// The summary table comes first, one row per repository with its
	// counts (zero counts left empty).
	if !strings.HasPrefix(out, "┌") {
		t.Errorf("org report does not start with the summary table:\n%s", out)
	}
	row := strings.Fields(strings.ReplaceAll(lineWith(t, out, "│ it-at-m/dave-backend"), "│", " | "))
	want := "| it-at-m/dave-backend | failed | 1 | 3 | | 1 |"
	if got := strings.Join(row, " "); got != want {
		t.Errorf("summary row = %q, want %q", got, want)
	}

	for _, want := range []string{
		"✗ it-at-m/dave-backend  failed  (1 error, 3 warnings; 1 exempt)",
		"✓ it-at-m/refarch-templates  passed",
		"! it-at-m/broken  errored: reading the file tree: HTTP 502 Bad Gateway after 3 retries",
		"✗ landeshauptstadt-muenchen/dave-frontend  failed  (1 note)",
	} {
		lineWith(t, out, want)
	}

	// A failing result: severity, rule, location, message, then its fix.
	pinned := lineWith(t, out, "actions/checkout@v4")
	for _, part := range []string{"warning", "actions/pinned", ".github/workflows/build.yml:14"} {
		if !strings.Contains(pinned, part) {
			t.Errorf("finding line %q lacks %q", pinned, part)
		}
	}
	lineWith(t, out, "fix: replace the tag with the full commit SHA")
	lineWith(t, out, "[new] actions/setup-java@v4")
	// Exempt results show their reason; unevaluated ones say so.
	lineWith(t, out, "exempt: EUPL-1.2 is not on the approved list")
	lineWith(t, out, "reason: cooperation project with BerlinOnline keeps the partner's licence (until 2027-06-30, approved by OSPO, declared in the policy)")
	lineWith(t, out, "could not check: the token may not read this setting (HTTP 403)")
	// Passing and not-applicable results are not listed.
	if strings.Contains(out, "a local checkout has no forge metadata") {
		t.Error("not-applicable result listed")
	}
	if strings.Contains(out, "found ") || strings.Contains(out, " ok") {
		t.Error("passing result listed")
	}

	// Warnings, then the verdict as the last line.
	if !strings.Contains(out, "Warnings:\n  - policy exemption for it-at-m/gone (license/approved) matches no repository\n") {
		t.Errorf("scan warnings missing:\n%s", out)
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if got, want := lines[len(lines)-1], "! Scan incomplete: 1 of 5 repositories could not be scanned; 3 failed: 2 errors, 4 warnings, 1 note."; got != want {
		t.Errorf("verdict = %q, want %q", got, want)
	}
	if strings.Contains(out, "\x1b") {
		t.Error("colour codes in plain output")
	}
	for line := range strings.Lines(out) {
		if strings.HasSuffix(line, " \n") {
			t.Errorf("trailing space in %q", line)
		}
	}
}

func TestTableSingleRepository(t *testing.T) {
	out := render(t, "table", singleReport())
	if strings.Contains(out, "┌") {
		t.Errorf("single repository report has a summary table:\n%s", out)
	}
	if !strings.HasPrefix(out, "✗ dave-backend  failed  (1 error, 3 warnings; 1 exempt)\n") {
		t.Errorf("report does not start with the status line:\n%s", out)
	}
	if !strings.HasSuffix(out, "\n✗ dave-backend failed: 1 error, 3 warnings.\n") {
		t.Errorf("verdict missing:\n%s", out)
	}
}

func TestTableVerdicts(t *testing.T) {
	passed := bigReport(3)
	for i := range passed.Repositories {
		for j := range passed.Repositories[i].Results {
			passed.Repositories[i].Results[j].Status = rules.StatusPass
		}
	}
	passed.Finish()
	if out := render(t, "table", passed); !strings.HasSuffix(out, "\n✓ All 3 repositories passed.\n") {
		t.Errorf("all-passed verdict missing:\n%s", out)
	}
	empty := &Report{SchemaVersion: 1}
	empty.Finish()
	if out := render(t, "table", empty); out != "✓ No repositories were scanned.\n" {
		t.Errorf("empty report = %q", out)
	}
}

func TestTableColour(t *testing.T) {
	out := render(t, "table", sampleReport(), WithColor(true))
	if !strings.Contains(out, "\x1b[31m✗\x1b[0m it-at-m/dave-backend") {
		t.Errorf("no colour codes with colour on:\n%q", out)
	}
}

// Repository text must not be able to drive the terminal: escape codes
// and bidirectional overrides are shown, not executed.
func TestTableEscapesControlCharacters(t *testing.T) {
	r := sampleReport()
	repo := findRepo(t, r, "it-at-m/dave-backend")
	repo.Name = "it-at-m/evil\x1b[2J\u202e"
	findResult(t, repo, "security/codeql").Message = "line one\nline two\x07"
	out := render(t, "table", r)
	if strings.ContainsAny(out, "\x1b\x07\u202e") {
		t.Errorf("control characters reached the terminal:\n%q", out)
	}
	lineWith(t, out, `✗ it-at-m/evil\x1b[2J\u202e  failed`)
	lineWith(t, out, `line one line two\x07`)
}
