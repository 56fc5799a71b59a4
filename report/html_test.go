package report

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/it-at-m/ospo-scan/rules"
)

// Payloads that would run if repository text reached the page as markup.
const (
	payloadScript = `<script>window.__pwned=1</script>`
	payloadAttr   = `"><img src=x onerror="window.__pwned=2">`
	payloadSVG    = `<svg onload="window.__pwned=3">`
)

// injectedReport is sampleReport with attacker-controlled text wherever a
// repository can put some: name, description, file name, message, address,
// licence, exemption reason and a custom rule from a policy file.
func injectedReport(t *testing.T) *Report {
	t.Helper()
	r := sampleReport()
	dave := findRepo(t, r, "it-at-m/dave-backend")
	dave.Description = payloadScript + payloadAttr
	codeql := findResult(t, dave, "security/codeql")
	codeql.Path = "docs/" + payloadAttr + ".md"
	codeql.Message = "bad " + payloadScript + " and " + payloadSVG + " and " + payloadAttr
	findResult(t, dave, "license/approved").Exemption.Reason = payloadAttr
	dave.Licenses[0].File = payloadSVG
	old := findRepo(t, r, "it-at-m/Old_Tool")
	old.Name = "it-at-m/" + payloadSVG
	old.URL = "javascript:window.__pwned=4"
	r.Warnings = append(r.Warnings, "policy names "+payloadScript)
	r.Rules = append(r.Rules, RuleInfo{ID: "custom/evil", Title: payloadScript, Severity: rules.Note, Fix: payloadAttr, Source: "javascript:window.__pwned=5"})
	mirror := findRepo(t, r, "landeshauptstadt-muenchen/dave-frontend")
	mirror.Results = append(mirror.Results, rules.Result{Rule: "custom/evil", Severity: rules.Note, Status: rules.StatusFail, Message: payloadSVG, Path: payloadScript})
	r.Finish()
	return r
}

func TestHTMLEscapesRepositoryText(t *testing.T) {
	out := render(t, "html", injectedReport(t))
	for _, p := range []string{payloadScript, payloadAttr, payloadSVG, "<img", "onerror=\"", "javascript:"} {
		if strings.Contains(out, p) {
			t.Errorf("page contains unescaped %q", p)
		}
	}
	// Only the page's own two script elements exist.
	if n := strings.Count(strings.ToLower(out), "<script"); n != 2 {
		t.Errorf("page has %d script elements, want 2", n)
	}
	// The payloads are still there, as inert text: in the JSON block
	// escaped for a script element, and escaped in server-written HTML.
	for _, want := range []string{
		`\u003cscript\u003ewindow.__pwned=1\u003c/script\u003e`,
		`<li>policy names &lt;script&gt;window.__pwned=1&lt;/script&gt;</li>`,
		`<td>&lt;script&gt;window.__pwned=1&lt;/script&gt;</td>`,
		`<td>1 of 5</td><td></td></tr>`, // the custom rule's javascript: source is no link
	} {
		if !strings.Contains(out, want) {
			t.Errorf("page lacks escaped %q", want)
		}
	}
	// A javascript: repository address is not offered to the script.
	data := pageJSON(t, out)
	for _, repo := range data.Repos {
		if strings.HasPrefix(repo.Name, "it-at-m/<svg") && (repo.URL != "" || repo.Link != nil) {
			t.Errorf("javascript: address passed on: url %q link %v", repo.URL, repo.Link)
		}
	}
}

type pageRepo struct {
	Name    string  `json:"n"`
	URL     string  `json:"u"`
	Status  string  `json:"s"`
	Link    *string `json:"k"`
	Results [][]any `json:"r"`
}

type pageDoc struct {
	Rules []struct {
		ID string `json:"id"`
	} `json:"rules"`
	Repos []pageRepo `json:"repos"`
}

func pageJSON(t *testing.T, page string) pageDoc {
	t.Helper()
	const open = `<script type="application/json" id="ospo-data">`
	i := strings.Index(page, open)
	if i < 0 {
		t.Fatal("no data block")
	}
	rest := page[i+len(open):]
	j := strings.Index(rest, "</script>")
	var d pageDoc
	if err := json.Unmarshal([]byte(rest[:j]), &d); err != nil {
		t.Fatalf("data block is not JSON: %v", err)
	}
	return d
}

var attrURL = regexp.MustCompile(`(?i)<([a-z]+)\b[^>]*?\s(src|href|action|srcset|poster|data)\s*=\s*"([^"]*)"`)

// The page is one file that loads nothing: no src at all, no external
// style, and web addresses only as <a href> to rule sources (file links
// are made by the script from the repository addresses).
func TestHTMLIsSelfContained(t *testing.T) {
	r := sampleReport()
	out := render(t, "html", r)
	sources := map[string]bool{}
	for _, ri := range r.Rules {
		sources[ri.Source] = true
	}
	found := 0
	for _, m := range attrURL.FindAllStringSubmatch(out, -1) {
		tag, attr, val := strings.ToLower(m[1]), strings.ToLower(m[2]), m[3]
		if attr != "href" || tag != "a" {
			t.Errorf("<%s %s=%q> in page", tag, attr, val)
			continue
		}
		if !sources[val] {
			t.Errorf("link to %q, which is no rule's source", val)
		}
		found++
	}
	if found == 0 {
		t.Error("no rule source linked")
	}
	lower := strings.ToLower(out)
	for _, bad := range []string{"url(", "@import", "<link", "<iframe", "<img", "fetch(", "xmlhttprequest", "import(", "<base"} {
		if strings.Contains(lower, bad) {
			t.Errorf("page contains %q", bad)
		}
	}
}

func TestHTMLContent(t *testing.T) {
	r := sampleReport()
	out := render(t, "html", r)
	for _, want := range []string{
		`<p class="verdict v-incomplete" id="verdict">Scan incomplete: 1 of 5 repositories could not be scanned; 3 failed: 2 errors, 4 warnings, 1 note.</p>`,
		// Chart: actions/pinned passes in 3 of the 4 scanned repositories.
		`<text x="725" y="41">75%  3 of 4 pass, 1 fail</text>`,
		`<title>security/private-reporting: 1 could not be checked</title>`,
		// The rules table counts failing repositories per rule.
		`<td><code>license/present</code></td><td class="sev-error">error</td><td>A licence file exists</td><td>add the MIT licence text as LICENSE at the repository root</td><td>1 of 5</td><td><a href="https://opensource.muenchen.de/licenses.html" rel="noopener noreferrer">Licenses</a></td>`,
		`<option value="actions/pinned">actions/pinned</option>`,
		"@media print",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	d := pageJSON(t, out)
	if len(d.Repos) != 5 || len(d.Rules) != len(catalogue) {
		t.Fatalf("data has %d repos, %d rules", len(d.Repos), len(d.Rules))
	}
	for _, repo := range d.Repos {
		orig := findRepo(t, r, repo.Name)
		if len(repo.Results) != len(orig.Results) || repo.Status != orig.Status {
			t.Errorf("%s: %d results, status %s; want %d, %s", repo.Name, len(repo.Results), repo.Status, len(orig.Results), orig.Status)
		}
		switch repo.Name {
		case "it-at-m/dave-backend":
			if repo.Link == nil || *repo.Link != "https://github.com/it-at-m/dave-backend/blob/main/" {
				t.Errorf("GitHub link prefix = %v", repo.Link)
			}
		case "landeshauptstadt-muenchen/dave-frontend":
			if repo.Link == nil || *repo.Link != "https://gitlab.opencode.de/landeshauptstadt-muenchen/dave-frontend/-/blob/main/" {
				t.Errorf("GitLab link prefix = %v", repo.Link)
			}
		}
	}
	// Local scans link by relative path.
	d = pageJSON(t, render(t, "html", singleReport()))
	if d.Repos[0].Link == nil || *d.Repos[0].Link != "" || d.Repos[0].URL != "" {
		t.Errorf("local repository: link %v, url %q", d.Repos[0].Link, d.Repos[0].URL)
	}
}

// 1,000 repositories with 22 rules each stay a file one can mail and open.
func TestHTMLSizeFor1000Repositories(t *testing.T) {
	out := render(t, "html", bigReport(1000))
	const limit = 3 << 20
	if len(out) >= limit {
		t.Errorf("HTML for 1,000 repositories is %d bytes, want under %d", len(out), limit)
	}
	t.Logf("HTML for 1,000 repositories × %d rules: %d bytes", len(catalogue), len(out))
}

// A report whose caller left Report.Rules empty still shows every rule
// that has results, in the chart, the matrix and the filter.
func TestHTMLRulesFromResults(t *testing.T) {
	r := sampleReport()
	r.Rules = nil
	out := render(t, "html", r)
	if d := pageJSON(t, out); len(d.Rules) != len(catalogue) || d.Rules[0].ID != "actions/permissions" {
		t.Errorf("data rules = %+v", d.Rules)
	}
	for _, want := range []string{`<text x="725" y="41">75%  3 of 4 pass, 1 fail</text>`, `<option value="security/codeql">security/codeql</option>`} {
		if !strings.Contains(out, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}
