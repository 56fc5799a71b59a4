package rules

import (
	"fmt"
	"path"
	"strings"

	"github.com/it-at-m/ospo-scan/forges"
)

var ciReads = append(append([]string{}, workflowReads...), GitLabCIFile)

// SecurityCodeQL checks that CodeQL (or, on GitLab, SAST) analyses the
// code.
var SecurityCodeQL = &Rule{
	ID:       "security/codeql",
	Title:    "CodeQL analyses the code",
	Severity: Error,
	Doc: `A workflow in .github/workflows runs CodeQL analysis, so that code scanning finds vulnerabilities in every change. Any of these counts: the CodeQL action itself (github/codeql-action/init or github/codeql-action/analyze, at any version), the shared lhm_actions action (it-at-m/lhm_actions/action-templates/actions/action-codeql, recognised by its path element "action-codeql" wherever it lives), or the organisation's reusable workflow it-at-m/.github/.github/workflows/codeql.yml, which the org's workflow template calls. github/codeql-action/upload-sarif alone does not count: it only uploads results that another tool produced (OpenSSF Scorecard uses it), and no CodeQL analysis runs.

The rule also passes when GitHub's CodeQL "default setup" is enabled (forge metadata, so not known for a local checkout), and, for projects on GitLab (the city's openCode mirror), when .gitlab-ci.yml includes GitLab's SAST: the template Security/SAST.gitlab-ci.yml or Jobs/SAST.gitlab-ci.yml (also their .latest variants), the CI/CD catalog component components/sast, or the Auto DevOps template, which contains it. A workflow that is not valid YAML does not count, since GitHub does not run it; the failure names it.`,
	Fix:         "Copy .github/workflows/codeql.yml from it-at-m/refarch-templates (it uses lhm_actions' action-codeql), or enable CodeQL default setup in the repository's code security settings; on GitLab include the template Jobs/SAST.gitlab-ci.yml.",
	Source:      "https://github.com/it-at-m/opensource.muenchen.de/blob/main/security.md",
	SourceTitle: "opensource.muenchen.de: Security (Automated Tests); template: it-at-m/refarch-templates .github/workflows/codeql.yml",
	Reads:       ciReads,
	Check:       checkCodeQL,
}

// isCodeQLAnalysis reports whether a `uses:` runs CodeQL analysis.
func isCodeQLAnalysis(r ActionRef) bool {
	return r.Is("github", "codeql-action", "init") || r.Is("github", "codeql-action", "analyze") ||
		r.HasElement("action-codeql") ||
		r.Is("it-at-m", ".github", ".github/workflows/codeql.yml") || r.Is("it-at-m", ".github", ".github/workflows/codeql.yaml")
}

func checkCodeQL(p *Pass) []Result {
	ws := p.Facts.Workflows()
	var sarif []string
	for w := range ws.Parsed() {
		for u := range w.AllUses() {
			if isCodeQLAnalysis(u.Ref) {
				r := p.Passed(w.Path, "%s runs CodeQL analysis (%s)", w.Path, u.Ref.Raw)
				r.Line = u.Line
				return []Result{r}
			}
			if u.Ref.Is("github", "codeql-action", "upload-sarif") && (len(sarif) == 0 || sarif[len(sarif)-1] != w.Path) {
				sarif = append(sarif, w.Path)
			}
		}
	}
	ds := p.Repo.Meta.CodeQLDefaultSetup.Get()
	if ds.Known && ds.Value {
		return []Result{p.Passed("", "CodeQL default setup is enabled")}
	}
	ci := p.Facts.GitLabCI()
	for _, inc := range ci.Includes {
		var what string
		switch {
		case inc.templateName() == "SAST" || inc.isComponent("sast"):
			what = "GitLab SAST template in " + GitLabCIFile
		case inc.templateName() == "Auto-DevOps":
			what = "GitLab Auto DevOps template in " + GitLabCIFile + " (it runs SAST)"
		default:
			continue
		}
		r := p.Passed(GitLabCIFile, "%s", what)
		r.Line = inc.Line
		return []Result{r}
	}
	if ws.Err != nil && len(ws.Files) == 0 {
		return []Result{p.Errorf(WorkflowsDir, "cannot tell whether CodeQL runs: %v", ws.Err)}
	}

	msg := []string{"no workflow runs CodeQL analysis"}
	if len(sarif) > 0 {
		msg = append(msg, fmt.Sprintf("%s only %s SARIF results (github/codeql-action/upload-sarif, as OpenSSF Scorecard does), which is not a CodeQL analysis",
			strings.Join(sarif, ", "), ciPick(len(sarif) == 1, "uploads", "upload")))
	}
	msg = append(msg, ciProblems(ws, ci)...)
	switch {
	case ds.Known:
		msg = append(msg, "CodeQL default setup is not enabled")
	case ds.Why != "" && p.Repo.Meta.Forge == forges.GitHub:
		msg = append(msg, "whether CodeQL default setup is enabled is unknown: "+ds.Why)
	}
	return []Result{p.Failed(ciExpectedPath(p), 0, "%s", strings.Join(msg, "; "))}
}

// SecurityDependencyReview checks that pull requests get a dependency
// review.
var SecurityDependencyReview = &Rule{
	ID:       "security/dependency-review",
	Title:    "Pull requests run dependency review",
	Severity: Warning,
	Doc: `A workflow that runs on pull requests (on: pull_request or pull_request_target) runs GitHub's dependency review: actions/dependency-review-action, or the shared lhm_actions action it-at-m/lhm_actions/action-templates/actions/action-dependency-review (recognised by its path element "action-dependency-review"), which applies the central it@M licence policy from it-at-m/.github. Dependency review stops a pull request that adds a dependency with a denied licence (strong copyleft) or a known vulnerability, which is how LHM checks and documents the licences of all dependencies. A reusable workflow of the repository itself that a pull-request workflow calls (jobs.<id>.uses: ./.github/workflows/….yml) counts as running on pull requests. it-at-m/.github offers no reusable dependency-review workflow, so there is none to recognise.

When dependency review runs only in a workflow that pull requests never trigger, the rule fails and says so: it then reviews nothing. For projects on GitLab, including GitLab's dependency scanning in .gitlab-ci.yml (the template Jobs/Dependency-Scanning.gitlab-ci.yml in any variant, the CI/CD catalog component components/dependency-scanning, or Auto DevOps) passes.`,
	Fix:         "Copy .github/workflows/dependency-review.yml from it-at-m/refarch-templates (on: pull_request, uses lhm_actions' action-dependency-review); on GitLab include Jobs/Dependency-Scanning.gitlab-ci.yml.",
	Source:      "https://github.com/it-at-m/opensource.muenchen.de/blob/main/licenses.md",
	SourceTitle: `opensource.muenchen.de: Licenses ("Check and document"); template: it-at-m/refarch-templates .github/workflows/dependency-review.yml`,
	Reads:       ciReads,
	Check:       checkDependencyReview,
}

func isDependencyReview(r ActionRef) bool {
	return r.Is("actions", "dependency-review-action", "") || r.HasElement("action-dependency-review")
}

func checkDependencyReview(p *Pass) []Result {
	ws := p.Facts.Workflows()
	onPR := pullRequestWorkflows(ws)
	var off *Workflow
	for w := range ws.Parsed() {
		for u := range w.AllUses() {
			if !isDependencyReview(u.Ref) {
				continue
			}
			if onPR[w.Path] {
				r := p.Passed(w.Path, "%s runs dependency review on pull requests (%s)", w.Path, u.Ref.Raw)
				r.Line = u.Line
				return []Result{r}
			}
			if off == nil {
				off = w
			}
		}
	}
	ci := p.Facts.GitLabCI()
	for _, inc := range ci.Includes {
		var what string
		switch {
		case inc.templateName() == "Dependency-Scanning" || inc.isComponent("dependency-scanning"):
			what = "GitLab dependency scanning template in " + GitLabCIFile
		case inc.templateName() == "Auto-DevOps":
			what = "GitLab Auto DevOps template in " + GitLabCIFile + " (it runs dependency scanning)"
		default:
			continue
		}
		r := p.Passed(GitLabCIFile, "%s", what)
		r.Line = inc.Line
		return []Result{r}
	}
	if off != nil {
		return []Result{p.Failed(off.Path, off.OnLine, "%s runs dependency review but is not triggered by pull requests, so it reviews none: add pull_request to its on: triggers", off.Path)}
	}
	if ws.Err != nil && len(ws.Files) == 0 {
		return []Result{p.Errorf(WorkflowsDir, "cannot tell whether dependency review runs: %v", ws.Err)}
	}
	msg := append([]string{"no workflow runs dependency review on pull requests"}, ciProblems(ws, ci)...)
	return []Result{p.Failed(ciExpectedPath(p), 0, "%s", strings.Join(msg, "; "))}
}

// pullRequestWorkflows returns the paths of the workflows that run for
// pull requests: those triggered by pull_request or pull_request_target,
// and the repository's own reusable workflows that they call, however
// deep.
func pullRequestWorkflows(ws *Workflows) map[string]bool {
	byPath := map[string]*Workflow{}
	var queue []*Workflow
	on := map[string]bool{}
	for w := range ws.Parsed() {
		byPath[w.Path] = w
		if w.On("pull_request", "pull_request_target") {
			on[w.Path] = true
			queue = append(queue, w)
		}
	}
	for len(queue) > 0 {
		w := queue[0]
		queue = queue[1:]
		for _, j := range w.Jobs {
			if j.Uses == nil || j.Uses.Ref.Kind != RefLocal {
				continue
			}
			callee := byPath[path.Clean(j.Uses.Ref.Path)]
			if callee != nil && !on[callee.Path] {
				on[callee.Path] = true
				queue = append(queue, callee)
			}
		}
	}
	return on
}

// ciProblems lists the CI files that could not be read or parsed, for a
// failure message: they may be the ones that were meant to pass.
func ciProblems(ws *Workflows, ci *GitLabCI) []string {
	var out []string
	if ws.Err != nil {
		out = append(out, ws.Err.Error())
	}
	for _, w := range ws.Files {
		if w.Problem != "" {
			out = append(out, ciWithLine(w.Problem, w.ProblemLine)+" and was not checked")
		}
	}
	if ci.Problem != "" {
		out = append(out, ciWithLine(ci.Problem, ci.ProblemLine)+" and was not checked")
	}
	return out
}

func ciWithLine(problem string, line int) string {
	if line > 0 {
		return fmt.Sprintf("%s (line %d)", problem, line)
	}
	return problem
}

// ciExpectedPath is where a missing CI check belongs: .gitlab-ci.yml for
// a GitLab project that has one, else the workflows folder.
func ciExpectedPath(p *Pass) string {
	if p.Repo.Meta.Forge == forges.GitLab && p.Facts.GitLabCI().Exists {
		return GitLabCIFile
	}
	return WorkflowsDir
}

func ciPick(cond bool, a, b string) string {
	if cond {
		return a
	}
	return b
}
