package report

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestMarkdownOrganisation(t *testing.T) {
	out := render(t, "markdown", sampleReport())
	if first, _, _ := strings.Cut(out, "\n"); first != "⚠️ **ospo-scan:** Scan incomplete: 1 of 5 repositories could not be scanned; 3 failed: 2 errors, 4 warnings, 1 note." {
		t.Errorf("first line = %q", first)
	}
	for _, want := range []string{
		"| it-at-m/dave-backend | ❌ failed | 1 | 3 |  | 1 |\n",
		"<details><summary>❌ it-at-m/dave-backend: failed (1 error, 3 warnings; 1 exempt)</summary>\n",
		"| warning | `actions/pinned` | actions/checkout@v4 is not pinned to a commit SHA | [.github/workflows/build.yml:14](https://github.com/it-at-m/dave-backend/blob/main/.github/workflows/build.yml#L14) | replace the tag with the full commit SHA and keep the tag in a comment |\n",
		"| warning | `actions/pinned` | **new:** actions/setup-java@v4",
		// The second failure of a rule leaves the fix hint to the first.
		"| warning | `actions/pinned` | **new:** actions/setup-java@v4 is not pinned to a commit SHA | [.github/workflows/build.yml:19](https://github.com/it-at-m/dave-backend/blob/main/.github/workflows/build.yml#L19) |  |\n",
		"[.github/CODEOWNERS](https://gitlab.opencode.de/landeshauptstadt-muenchen/dave-frontend/-/blob/main/.github/CODEOWNERS)",
		"- `license/approved` EUPL-1.2 is not on the approved list (MIT) (reason: cooperation project with BerlinOnline",
		"- `security/private-reporting` the token may not read this setting (HTTP 403)",
		"Could not be scanned: reading the file tree: HTTP 502 Bad Gateway after 3 retries",
		"**Mirror drift:** this mirror of it-at-m/dave-frontend differs from its origin in `docs/codeowners`",
		"- policy exemption for it-at-m/gone (license/approved) matches no repository",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
	if strings.Contains(out, "This is a summary") {
		t.Error("a small report was summarised")
	}
	// The passing repository has no details block.
	if strings.Contains(out, "<summary>✅ it-at-m/refarch-templates") {
		t.Error("passing repository has a details block")
	}
}

func TestMarkdownSingleRepository(t *testing.T) {
	out := render(t, "markdown", singleReport())
	if !strings.HasPrefix(out, "❌ **ospo-scan:** dave-backend failed: 1 error, 3 warnings.\n\n### ❌ dave-backend: failed (1 error, 3 warnings; 1 exempt)\n\n| Severity |") {
		t.Errorf("single repository markdown starts:\n%.300s", out)
	}
	if strings.Contains(out, "<details>") || strings.Contains(out, "| Repository |") {
		t.Error("single repository report has organisation parts")
	}
	// Local paths are not links: they would not resolve in a comment.
	if !strings.Contains(out, "| .github/workflows/build.yml:14 |") {
		t.Error("local location is not plain text")
	}
}

// cells counts the cells of a Markdown table row: pipes not escaped.
func cells(row string) int {
	n := 0
	for i := 0; i < len(row); i++ {
		if row[i] == '\\' {
			i++
			continue
		}
		if row[i] == '|' {
			n++
		}
	}
	return n - 1
}

func TestMarkdownEscapesRepositoryText(t *testing.T) {
	r := sampleReport()
	repo := findRepo(t, r, "it-at-m/dave-backend")
	repo.Name = "it-at-m/evil|<img src=x onerror=alert(1)>"
	res := findResult(t, repo, "security/codeql")
	res.Message = "`code` | [click](https://evil.example) <script>alert(1)</script> cc @octocat\nnew row"
	res.Path = "docs/a|b.md"
	out := render(t, "markdown", r)

	for _, bad := range []string{"<script>", "<img", "[click]", "`code`", "@octocat", "\nnew row"} {
		if strings.Contains(out, bad) {
			t.Errorf("markdown contains raw %q", bad)
		}
	}
	if !strings.Contains(out, "\\`code\\` \\| \\[click\\](https://evil.example) &lt;script&gt;alert(1)&lt;/script&gt; cc @\u200boctocat new row") {
		t.Errorf("message not escaped as expected:\n%s", out)
	}
	if !strings.Contains(out, "<summary>❌ it-at-m/evil|&lt;img src=x onerror=alert(1)&gt;: failed") {
		t.Errorf("summary line not HTML-escaped:\n%s", out)
	}
	for line := range strings.Lines(out) {
		if strings.Contains(line, "security/codeql") {
			if got := cells(strings.TrimSpace(line)); got != 5 {
				t.Errorf("row has %d cells, want 5: %s", got, line)
			}
		}
		if strings.HasPrefix(line, "| it-at-m/evil") {
			if got := cells(strings.TrimSpace(line)); got != 6 {
				t.Errorf("count row has %d cells, want 6: %s", got, line)
			}
		}
	}
	// Addresses in rule messages are not mentions: "checkout@v4" stays.
	if !strings.Contains(out, "actions/checkout@v4 is not") {
		t.Error("an @ inside a word was altered")
	}
}

func TestMarkdownLargeOrganisationFitsInAComment(t *testing.T) {
	r := bigReport(1000)
	r.Repositories[3].MirrorOf = "it-at-m/origin"
	r.Repositories[3].MirrorDrift = []string{"docs/readme", "license/present"}
	out := render(t, "markdown", r)
	if n := utf8.RuneCountInString(out); n >= 65536 {
		t.Fatalf("markdown has %d characters; GitHub takes at most 65,535", n)
	}
	if first, _, _ := strings.Cut(out, "\n"); !strings.HasPrefix(first, "❌ **ospo-scan:** ") && !strings.HasPrefix(first, "⚠️ **ospo-scan:** ") {
		t.Errorf("first line is not the verdict: %q", first)
	}
	for _, want := range []string{
		"This is a summary: the full report of 1000 repositories does not fit in one GitHub comment",
		"**Repositories that did not pass**",
		"**Failing rules across repositories**",
		"| Severity | Rule | Repositories | Findings | How to fix |",
		"more repositories that did not pass are left out.",
		"| it-at-m/service-0049-backend | ⚠️ errored |",
		"| it-at-m/service-0003-backend | ❌ failed | 2 |",
		"| it-at-m/service-0003-backend | it-at-m/origin | `docs/readme`, `license/present` |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q", want)
		}
	}
	// Every rule that failed anywhere is in the per-rule table.
	for _, ri := range catalogue {
		if !strings.Contains(out, "| `"+ri.ID+"` |") {
			t.Errorf("per-rule table lacks %s", ri.ID)
		}
	}
	t.Logf("1,000 repositories: %d bytes of Markdown", len(out))
}
