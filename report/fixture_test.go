package report

import (
	"fmt"
	"testing"
	"time"

	"github.com/it-at-m/ospo-scan/rules"
)

// catalogue mirrors the 22 built-in rules' descriptions; writers only see
// RuleInfo, so the report tests need no rule implementations.
var catalogue = []RuleInfo{
	{ID: "actions/permissions", Title: "Workflows restrict token permissions", Severity: rules.Note, Fix: "set permissions: at the top of every workflow", Source: "https://opensource.muenchen.de/github-actions.html"},
	{ID: "actions/pinned", Title: "Actions are pinned to a commit SHA", Severity: rules.Warning, Doc: "Every uses: of a remote action is pinned to a full-length commit SHA.", Fix: "replace the tag with the full commit SHA and keep the tag in a comment", Source: "https://opensource.muenchen.de/github-actions.html", SourceTitle: "GitHub Actions"},
	{ID: "brand/badge", Title: "README carries the it@M badge", Severity: rules.Note, Fix: "add the \"made with ❤ by it@M\" badge to the README"},
	{ID: "brand/contact-domain", Title: "No retired contact domain", Severity: rules.Warning, Fix: "replace addresses at muenchendigital.io with opensource@muenchen.de"},
	{ID: "docs/code-of-conduct", Title: "A Code of Conduct exists", Severity: rules.Warning, Fix: "add .github/CODE_OF_CONDUCT.md (Contributor Covenant 2.1)"},
	{ID: "docs/codeowners", Title: "CODEOWNERS has a default owner", Severity: rules.Note, Fix: "add a * rule to .github/CODEOWNERS"},
	{ID: "docs/contributing", Title: "Contribution guidance exists", Severity: rules.Warning, Fix: "add a Contributing section to the README"},
	{ID: "docs/readme", Title: "A README exists", Severity: rules.Error, Doc: "A README explains what the project is.", Fix: "add a README.md that says what the project does", Source: "https://github.com/it-at-m/refarch/blob/main/docs/templates/document.md"},
	{ID: "docs/readme-sections", Title: "README has the template sections", Severity: rules.Warning, Fix: "add ## Contributing, ## License and ## Contact to the README"},
	{ID: "license/approved", Title: "Licences are approved", Severity: rules.Error, Doc: "Every detected licence is on the approved list.", Fix: "license the project under MIT or ask the OSPO for an exemption", Source: "https://opensource.muenchen.de/licenses.html", SourceTitle: "Licenses"},
	{ID: "license/copyright-holder", Title: "Copyright names LHM", Severity: rules.Warning, Fix: "write \"Copyright (c) <year> Landeshauptstadt München | it@M\" in the LICENSE"},
	{ID: "license/present", Title: "A licence file exists", Severity: rules.Error, Doc: "A licence file lies at the root.", Fix: "add the MIT licence text as LICENSE at the repository root", Source: "https://opensource.muenchen.de/licenses.html", SourceTitle: "Licenses"},
	{ID: "meta/publiccode", Title: "publiccode.yml is valid", Severity: rules.Warning, Fix: "fix publiccode.yml as the openCode guide says"},
	{ID: "packages/coordinates", Title: "Packages use LHM coordinates", Severity: rules.Note, Fix: "use groupId de.muenchen or the npm scope @muenchen"},
	{ID: "repo/default-branch", Title: "Default branch is main", Severity: rules.Note, Fix: "rename the default branch to main"},
	{ID: "repo/description", Title: "Repository has a description", Severity: rules.Note, Fix: "set a description in the repository settings"},
	{ID: "repo/naming", Title: "Repository name is kebab-case", Severity: rules.Warning, Fix: "rename the repository in lower-case kebab-case"},
	{ID: "security/codeql", Title: "CodeQL runs", Severity: rules.Error, Fix: "add the it-at-m/.github CodeQL reusable workflow", Source: "https://opensource.muenchen.de/security.html"},
	{ID: "security/contact", Title: "A security contact exists", Severity: rules.Error, Fix: "name opensource@muenchen.de in SECURITY.md"},
	{ID: "security/dependency-review", Title: "Dependency review runs", Severity: rules.Warning, Fix: "add the lhm_actions dependency review action to pull requests"},
	{ID: "security/policy", Title: "SECURITY.md is filled in", Severity: rules.Warning, Fix: "fill in SECURITY.md and remove the template placeholders"},
	{ID: "security/private-reporting", Title: "Private vulnerability reporting is on", Severity: rules.Warning, Fix: "enable private vulnerability reporting in the repository settings"},
}

func passAll(except ...string) []rules.Result {
	skip := map[string]bool{}
	for _, id := range except {
		skip[id] = true
	}
	var out []rules.Result
	for _, ri := range catalogue {
		if skip[ri.ID] {
			continue
		}
		out = append(out, rules.Result{Rule: ri.ID, Severity: ri.Severity, Status: rules.StatusPass, Message: "ok", Path: ""})
	}
	return out
}

// sampleReport is an organisation scan with every result status, an
// errored repository, a mirror with drift and a scan warning.
func sampleReport() *Report {
	dave := append(passAll("license/approved", "actions/pinned", "docs/readme-sections", "security/codeql", "security/private-reporting", "repo/description"),
		rules.Result{Rule: "license/approved", Severity: rules.Error, Status: rules.StatusExempt, Message: "EUPL-1.2 is not on the approved list (MIT)", Path: "LICENSE", Fingerprint: "fp-approved",
			Exemption: &rules.Exemption{Reason: "cooperation project with BerlinOnline keeps the partner's licence", Until: "2027-06-30", ApprovedBy: "OSPO", DeclaredBy: "policy"}},
		rules.Result{Rule: "actions/pinned", Severity: rules.Warning, Status: rules.StatusFail, Message: "actions/checkout@v4 is not pinned to a commit SHA", Path: ".github/workflows/build.yml", Line: 14, Fingerprint: "fp-pin-1"},
		rules.Result{Rule: "actions/pinned", Severity: rules.Warning, Status: rules.StatusFail, Message: "actions/setup-java@v4 is not pinned to a commit SHA", Path: ".github/workflows/build.yml", Line: 19, Fingerprint: "fp-pin-2", New: true},
		rules.Result{Rule: "docs/readme-sections", Severity: rules.Warning, Status: rules.StatusFail, Message: "README lacks the sections Contact", Path: ".github/README.md", Fingerprint: "fp-sections"},
		rules.Result{Rule: "security/codeql", Severity: rules.Error, Status: rules.StatusFail, Message: "no workflow runs CodeQL analysis", Path: ".github/workflows", Fingerprint: "fp-codeql"},
		rules.Result{Rule: "security/private-reporting", Severity: rules.Warning, Status: rules.StatusError, Message: "the token may not read this setting (HTTP 403)"},
		rules.Result{Rule: "repo/description", Severity: rules.Note, Status: rules.StatusNotApplicable, Message: "a local checkout has no forge metadata"},
	)
	nolicence := append(passAll("license/present", "license/approved", "repo/naming"),
		rules.Result{Rule: "license/present", Severity: rules.Error, Status: rules.StatusFail, Message: "no licence file at the root", Path: "LICENSE", Fingerprint: "fp-lic"},
		rules.Result{Rule: "license/approved", Severity: rules.Error, Status: rules.StatusNotApplicable, Message: "no licence file"},
		rules.Result{Rule: "repo/naming", Severity: rules.Warning, Status: rules.StatusFail, Message: "Old_Tool is not lower-case kebab-case", Fingerprint: "fp-name"},
	)
	mirror := append(passAll("docs/codeowners"),
		rules.Result{Rule: "docs/codeowners", Severity: rules.Note, Status: rules.StatusFail, Message: "no CODEOWNERS file", Path: ".github/CODEOWNERS", Fingerprint: "fp-co"},
	)
	r := &Report{
		SchemaVersion: SchemaVersion,
		Tool:          Tool{Name: "ospo-scan", Version: "1.0.0"},
		Targets:       []string{"it-at-m", "gitlab.opencode.de/landeshauptstadt-muenchen"},
		GeneratedAt:   time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC),
		Warnings:      []string{"policy exemption for it-at-m/gone (license/approved) matches no repository"},
		Rules:         append([]RuleInfo(nil), catalogue...),
		Repositories: []Repository{
			{Name: "it-at-m/refarch-templates", URL: "https://github.com/it-at-m/refarch-templates", Forge: "github", Visibility: "public", DefaultBranch: "main", Description: "Templates for the reference architecture",
				Licenses: []License{{SPDX: "MIT", File: "LICENSE", Coverage: 1}}, Results: passAll()},
			{Name: "it-at-m/dave-backend", URL: "https://github.com/it-at-m/dave-backend", Forge: "github", Visibility: "public", DefaultBranch: "main", Description: "DAVe backend", Profile: "default",
				Licenses: []License{{SPDX: "EUPL-1.2", File: "LICENSE", Coverage: 0.98}}, Results: dave},
			{Name: "it-at-m/Old_Tool", URL: "https://github.com/it-at-m/Old_Tool", Forge: "github", Visibility: "public", DefaultBranch: "master", Results: nolicence},
			{Name: "it-at-m/broken", URL: "https://github.com/it-at-m/broken", Forge: "github", Error: "reading the file tree: HTTP 502 Bad Gateway after 3 retries"},
			{Name: "landeshauptstadt-muenchen/dave-frontend", URL: "https://gitlab.opencode.de/landeshauptstadt-muenchen/dave-frontend", Forge: "gitlab", Visibility: "public", DefaultBranch: "main",
				MirrorOf: "it-at-m/dave-frontend", MirrorDrift: []string{"docs/codeowners"},
				Licenses: []License{{SPDX: "MIT", File: "LICENSE", Coverage: 0.99}}, Results: mirror},
		},
	}
	r.Finish()
	return r
}

// singleReport is a `check` of one local checkout.
func singleReport() *Report {
	r := sampleReport()
	r.Targets = []string{"."}
	r.Local = true
	var repo Repository
	for _, x := range r.Repositories {
		if x.Name == "it-at-m/dave-backend" {
			repo = x
		}
	}
	repo.Name, repo.URL, repo.Forge, repo.Visibility, repo.Description = "dave-backend", "/home/dev/dave-backend", "local", "", ""
	r.Repositories = []Repository{repo}
	r.Warnings = nil
	r.Finish()
	return r
}

// bigReport is an organisation of n repositories with every rule run on
// each: most pass, every third fails a few rules, every 50th errors.
func bigReport(n int) *Report {
	r := &Report{
		SchemaVersion: SchemaVersion,
		Tool:          Tool{Name: "ospo-scan", Version: "1.0.0"},
		Targets:       []string{"it-at-m"},
		GeneratedAt:   time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC),
		Rules:         append([]RuleInfo(nil), catalogue...),
	}
	for i := range n {
		name := fmt.Sprintf("it-at-m/service-%04d-backend", i)
		repo := Repository{Name: name, URL: "https://github.com/" + name, Forge: "github", Visibility: "public", DefaultBranch: "main",
			Description: fmt.Sprintf("Service %d of the City of Munich", i),
			Licenses:    []License{{SPDX: "MIT", File: "LICENSE", Coverage: 1}}}
		if i%50 == 49 {
			repo.Error = "reading the file tree: HTTP 502 Bad Gateway after 3 retries"
			repo.Licenses = nil
			r.Repositories = append(r.Repositories, repo)
			continue
		}
		for j, ri := range catalogue {
			res := rules.Result{Rule: ri.ID, Severity: ri.Severity, Status: rules.StatusPass, Message: "found " + ri.Title, Path: "README.md"}
			switch {
			case (i+j)%7 == 0:
				res.Status = rules.StatusFail
				res.Message = fmt.Sprintf("%s: not satisfied in %s", ri.Title, name)
				res.Line = j + 1
				res.Fingerprint = fmt.Sprintf("%032x", i*100+j)
			case (i+j)%23 == 0:
				res.Status = rules.StatusExempt
				res.Message = "exempt by policy"
				res.Exemption = &rules.Exemption{Reason: "cooperation project", DeclaredBy: "policy"}
			case (i*j)%97 == 5:
				res.Status = rules.StatusNotApplicable
				res.Message = "a fact the forge does not know"
				res.Path = ""
			}
			repo.Results = append(repo.Results, res)
		}
		r.Repositories = append(r.Repositories, repo)
	}
	r.Finish()
	return r
}

func findRepo(t *testing.T, r *Report, name string) *Repository {
	t.Helper()
	for i := range r.Repositories {
		if r.Repositories[i].Name == name {
			return &r.Repositories[i]
		}
	}
	t.Fatalf("no repository %s", name)
	return nil
}

// findResult returns the first result of rule that is not a pass.
func findResult(t *testing.T, repo *Repository, rule string) *rules.Result {
	t.Helper()
	for i := range repo.Results {
		if res := &repo.Results[i]; res.Rule == rule && res.Status != rules.StatusPass {
			return res
		}
	}
	t.Fatalf("%s has no non-passing %s result", repo.Name, rule)
	return nil
}
