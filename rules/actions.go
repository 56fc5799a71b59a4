package rules

import (
	"fmt"
	"strings"
)

const (
	githubActionsSource      = "https://github.com/it-at-m/opensource.muenchen.de/blob/main/github-actions.md"
	githubActionsSourceTitle = "opensource.muenchen.de: Best Practices to Implement GitHub Actions and Workflows"
)

var workflowReads = []string{WorkflowsDir + "/*.yml", WorkflowsDir + "/*.yaml"}

// ActionsPinned checks that workflows pin every remote action and
// reusable workflow to a commit SHA.
var ActionsPinned = &Rule{
	ID:       "actions/pinned",
	Title:    "Actions and reusable workflows are pinned to a full commit SHA",
	Severity: Warning,
	Doc: `Every "uses:" in .github/workflows that names an action or a reusable workflow in another repository (owner/repo@ref, owner/repo/path@ref) must name a full 40-character commit SHA. A tag or a branch can be moved to different code by whoever controls that repository; a commit SHA cannot, so pinning is the only way to be sure that a workflow runs the code that was reviewed. Keep the version as a comment (uses: actions/checkout@<sha> # v4.2.2) so that Renovate or Dependabot can update both.

Local actions and workflows (./…) come from the repository itself and are exempt, as are docker:// images (pin those by digest, docker://image@sha256:…). Each unpinned reference is its own finding with its file and line, so that a baseline tracks them one by one. A SHA shorter than 40 characters fails with its own message: GitHub stopped resolving short SHAs in 2021, so such a step does not run at all. A workflow file that is not valid YAML cannot be checked and gives an error result with the line the YAML parser blamed (GitHub does not run such a workflow either).`,
	Fix:         "Replace each tag or branch with the commit SHA it points to and keep the tag as a comment: uses: actions/checkout@<40-hex SHA> # v4.2.2",
	Source:      githubActionsSource,
	SourceTitle: githubActionsSourceTitle + ` ("Pin actions to a full-length commit SHA")`,
	Reads:       workflowReads,
	Check:       checkActionsPinned,
}

func checkActionsPinned(p *Pass) []Result {
	ws := p.Facts.Workflows()
	if ws.Err != nil {
		return []Result{p.Errorf(WorkflowsDir, "%v", ws.Err)}
	}
	if len(ws.Files) == 0 {
		return []Result{p.NotApplicable("no GitHub Actions workflows in %s", WorkflowsDir)}
	}
	var out []Result
	refs, files := 0, 0
	for _, w := range ws.Files {
		if w.Problem != "" {
			out = append(out, workflowProblem(p, w))
			continue
		}
		files++
		for u := range w.AllUses() {
			if u.Ref.Kind != RefRemote {
				continue
			}
			refs++
			msg := unpinnedMessage(u.Ref)
			if msg == "" {
				continue
			}
			r := p.Failed(w.Path, u.Line, "%s", msg)
			// The reference is the evidence, so the fingerprint survives
			// moved lines; the scanner numbers repeats within a file.
			r.Evidence = u.Ref.Raw
			out = append(out, r)
		}
	}
	switch {
	case files == 0 || ciHasStatus(out, StatusFail):
	case refs == 0:
		out = append(out, p.Passed(WorkflowsDir, "no actions from other repositories in %s", ciCount(files, "workflow", "workflows")))
	default:
		out = append(out, p.Passed(WorkflowsDir, "all %s in %s are pinned to commit SHAs",
			ciCount(refs, "remote action reference", "remote action references"), ciCount(files, "workflow", "workflows")))
	}
	return out
}

// unpinnedMessage says why a remote reference is not pinned, or "" when
// it is.
func unpinnedMessage(r ActionRef) string {
	v := r.Version
	switch {
	case r.Owner == "" || r.Repo == "":
		return fmt.Sprintf("%s is not a valid action reference (owner/repo@<commit SHA>)", r.Raw)
	case v == "":
		return fmt.Sprintf("%s names no version and is not pinned to a commit SHA", r.Raw)
	case len(v) == 40 && ciIsHex(v):
		return ""
	case len(v) >= 7 && len(v) < 40 && ciIsHex(v):
		return fmt.Sprintf("%s is pinned to a short commit SHA (%d characters): use the full 40-character SHA", r.Raw, len(v))
	}
	return fmt.Sprintf("%s is not pinned to a commit SHA", r.Raw)
}

func ciIsHex(s string) bool {
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return s != ""
}

// ActionsPermissions checks that workflows restrict the GITHUB_TOKEN.
var ActionsPermissions = &Rule{
	ID:       "actions/permissions",
	Title:    "Workflows set token permissions",
	Severity: Note,
	Doc: `Every workflow in .github/workflows sets "permissions:" at the top level, or on every one of its jobs. Without it, the workflow's GITHUB_TOKEN gets the repository's or organisation's default permissions, which may include write access to the code, packages and releases; a compromised step can then do whatever that token allows. Setting permissions explicitly limits each workflow to what it needs, as the reference templates do on every job.

One finding per workflow that lacks them, at the line of "jobs:" when no job sets any, or of the first job that sets none. A workflow file that is not valid YAML cannot be checked and gives an error result with the line the YAML parser blamed.`,
	Fix:         "Add `permissions: contents: read` at the top of the workflow and grant more to the jobs that need it (e.g. `security-events: write` for CodeQL).",
	Source:      githubActionsSource,
	SourceTitle: githubActionsSourceTitle + ` ("Restricting permissions for tokens")`,
	Reads:       workflowReads,
	Check:       checkActionsPermissions,
}

func checkActionsPermissions(p *Pass) []Result {
	ws := p.Facts.Workflows()
	if ws.Err != nil {
		return []Result{p.Errorf(WorkflowsDir, "%v", ws.Err)}
	}
	if len(ws.Files) == 0 {
		return []Result{p.NotApplicable("no GitHub Actions workflows in %s", WorkflowsDir)}
	}
	var out []Result
	files := 0
	for _, w := range ws.Files {
		if w.Problem != "" {
			out = append(out, workflowProblem(p, w))
			continue
		}
		files++
		if w.Permissions != nil {
			continue
		}
		var missing []*Job
		for _, j := range w.Jobs {
			if j.Permissions == nil {
				missing = append(missing, j)
			}
		}
		switch {
		case len(w.Jobs) == 0:
			out = append(out, p.Failed(w.Path, max(w.JobsLine, 1), "%s sets no permissions and has no jobs", w.Path))
		case len(missing) == len(w.Jobs):
			out = append(out, p.Failed(w.Path, w.JobsLine, "%s sets no permissions, so its jobs get the default GITHUB_TOKEN permissions", w.Path))
		case len(missing) > 0:
			ids := make([]string, len(missing))
			for i, j := range missing {
				ids[i] = fmt.Sprintf("%q", j.ID)
			}
			noun, verb, who := "job", "sets", "it gets"
			if len(missing) > 1 {
				noun, verb, who = "jobs", "set", "they get"
			}
			out = append(out, p.Failed(w.Path, missing[0].Line, "%s sets no top-level permissions and %s %s %s none, so %s the default GITHUB_TOKEN permissions",
				w.Path, noun, strings.Join(ids, ", "), verb, who))
		}
	}
	if files > 0 && !ciHasStatus(out, StatusFail) {
		out = append(out, p.Passed(WorkflowsDir, "all %s set permissions", ciCount(files, "workflow", "workflows")))
	}
	return out
}

// workflowProblem is the error result for a workflow that could not be
// read or parsed: the rule cannot say anything about it.
func workflowProblem(p *Pass, w *Workflow) Result {
	r := p.Errorf(w.Path, "cannot check: %s", w.Problem)
	r.Line = w.ProblemLine
	return r
}

func ciHasStatus(rs []Result, s Status) bool {
	for _, r := range rs {
		if r.Status == s {
			return true
		}
	}
	return false
}

// plural returns "1 workflow" or "3 workflows".
func ciCount(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
