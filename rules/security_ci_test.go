package rules_test

import (
	"testing"

	"github.com/it-at-m/ospo-scan/forges"
	"github.com/it-at-m/ospo-scan/rules"
)

// The reference templates' CodeQL workflow, reduced to its shape: a
// change filter job, then lhm_actions' action-codeql per language.
const lhmCodeQL = `name: codeql
on:
  pull_request:
  push:
    branches:
      - "main"
jobs:
  codeql-check-changed-files:
    runs-on: ubuntu-latest
    permissions:
      contents: read
    steps:
      - uses: it-at-m/lhm_actions/action-templates/actions/action-checkout@` + shaLHM + ` # v1.5.1
  codeql-java:
    runs-on: ubuntu-latest
    permissions:
      contents: read
      security-events: write
    needs: codeql-check-changed-files
    steps:
      - uses: it-at-m/lhm_actions/action-templates/actions/action-codeql@` + shaLHM + ` # v1.5.1
        with:
          codeql-language: java-kotlin
          codeql-buildmode: autobuild
`

// An OpenSSF Scorecard workflow: it uploads SARIF, but runs no CodeQL.
const scorecard = `name: Scorecard supply-chain security
on:
  branch_protection_rule:
  schedule:
    - cron: '20 7 * * 2'
permissions: read-all
jobs:
  analysis:
    runs-on: ubuntu-latest
    permissions:
      security-events: write
      id-token: write
    steps:
      - uses: actions/checkout@` + shaCheckout + `
      - uses: ossf/scorecard-action@` + shaCheckout + `
        with:
          results_file: results.sarif
          results_format: sarif
      - uses: github/codeql-action/upload-sarif@` + shaCheckout + `
        with:
          sarif_file: results.sarif
`

func TestCodeQLPasses(t *testing.T) {
	for _, tc := range []struct {
		name, file, src, want string
	}{
		{"lhm_actions action-codeql", "codeql.yml", lhmCodeQL, "action-codeql@"},
		{"codeql-action init", "codeql.yaml", "on: push\njobs:\n  a:\n    steps:\n      - uses: actions/checkout@v4\n      - uses: github/codeql-action/init@v3\n        with:\n          languages: java\n", "github/codeql-action/init@v3"},
		{"codeql-action analyze", "analyze.yml", "on: push\njobs:\n  a:\n    steps:\n      - uses: github/codeql-action/analyze@" + shaCheckout + "\n", "github/codeql-action/analyze@"},
		{"org reusable workflow", "codeql.yml", "name: CodeQL Advanced\non:\n  pull_request:\n  push:\n    branches: [main]\njobs:\n  codeql:\n    uses: it-at-m/.github/.github/workflows/codeql.yml@main\n", "it-at-m/.github/.github/workflows/codeql.yml@main"},
		{"org action-codeql", "c.yml", "on: push\njobs:\n  a:\n    steps:\n      - uses: it-at-m/.github/.github/actions/action-codeql@main\n", "action-codeql@main"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files := ciFiles(".github/workflows/"+tc.file, tc.src, ".github/workflows/scorecard.yml", scorecard)
			r := ciOne(t, ciRun(t, rules.SecurityCodeQL, files, forges.Meta{}, nil))
			ciStatus(t, r, rules.StatusPass, "runs CodeQL analysis", tc.want)
			if r.Path != ".github/workflows/"+tc.file || r.Line == 0 {
				t.Errorf("pass at %s:%d, want the uses: line in %s", r.Path, r.Line, tc.file)
			}
			if r.Severity != rules.Error {
				t.Errorf("severity = %s, want error", r.Severity)
			}
		})
	}
}

func TestCodeQLUploadSarifAloneFails(t *testing.T) {
	rs := ciRun(t, rules.SecurityCodeQL, ciFiles(".github/workflows/scorecard.yml", scorecard), forges.Meta{}, nil)
	r := ciOne(t, rs)
	ciStatus(t, r, rules.StatusFail, "no workflow runs CodeQL analysis", ".github/workflows/scorecard.yml only uploads SARIF results", "Scorecard", "not a CodeQL analysis")
}

func TestCodeQLDefaultSetup(t *testing.T) {
	gh := forges.Meta{Forge: forges.GitHub, Name: "dave-backend", FullName: "it-at-m/dave-backend"}

	on := gh
	on.CodeQLDefaultSetup = forges.Now(forges.Known(true))
	r := ciOne(t, ciRun(t, rules.SecurityCodeQL, ciFiles("README.md", "x"), on, nil))
	ciStatus(t, r, rules.StatusPass, "CodeQL default setup is enabled")

	off := gh
	off.CodeQLDefaultSetup = forges.Now(forges.Known(false))
	r = ciOne(t, ciRun(t, rules.SecurityCodeQL, ciFiles("README.md", "x"), off, nil))
	ciStatus(t, r, rules.StatusFail, "no workflow runs CodeQL analysis", "CodeQL default setup is not enabled")

	unknown := gh
	unknown.CodeQLDefaultSetup = forges.Now(forges.Unknown[bool]("the token may not read this setting (HTTP 403)"))
	r = ciOne(t, ciRun(t, rules.SecurityCodeQL, ciFiles("README.md", "x"), unknown, nil))
	ciStatus(t, r, rules.StatusFail, "whether CodeQL default setup is enabled is unknown: the token may not read this setting (HTTP 403)")
}

func TestCodeQLGitLabSAST(t *testing.T) {
	gl := forges.Meta{Forge: forges.GitLab, Name: "dave-backend", FullName: "landeshauptstadt-muenchen/dave-backend"}
	for _, tc := range []struct{ name, ci, want string }{
		{"Security template", "stages: [test]\ninclude:\n  - template: Security/SAST.gitlab-ci.yml\n", "GitLab SAST template in .gitlab-ci.yml"},
		{"Jobs template as a single map", "include:\n  template: Jobs/SAST.gitlab-ci.yml\n", "GitLab SAST template in .gitlab-ci.yml"},
		{"latest variant among other includes", "include:\n  - local: /ci/build.yml\n  - project: group/ci\n    ref: main\n    file:\n      - /a.yml\n  - template: Jobs/SAST.latest.gitlab-ci.yml\n", "GitLab SAST template in .gitlab-ci.yml"},
		{"catalog component", "include:\n  - component: $CI_SERVER_FQDN/components/sast/sast@3.1.0\n    inputs:\n      stage: test\n", "GitLab SAST template in .gitlab-ci.yml"},
		{"Auto DevOps", "include:\n  - template: Auto-DevOps.gitlab-ci.yml\n", "Auto DevOps"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := ciOne(t, ciRun(t, rules.SecurityCodeQL, ciFiles(".gitlab-ci.yml", tc.ci), gl, nil))
			ciStatus(t, r, rules.StatusPass, tc.want)
			if r.Path != ".gitlab-ci.yml" || r.Line == 0 {
				t.Errorf("pass at %s:%d, want .gitlab-ci.yml with the include's line", r.Path, r.Line)
			}
		})
	}
	t.Run("other templates do not count", func(t *testing.T) {
		r := ciOne(t, ciRun(t, rules.SecurityCodeQL, ciFiles(".gitlab-ci.yml", "include:\n  - template: Jobs/Secret-Detection.gitlab-ci.yml\n  - template: Jobs/Dependency-Scanning.gitlab-ci.yml\n"), gl, nil))
		ciStatus(t, r, rules.StatusFail, "no workflow runs CodeQL analysis")
		if r.Path != ".gitlab-ci.yml" {
			t.Errorf("a GitLab project's failure belongs in .gitlab-ci.yml, got %q", r.Path)
		}
	})
}

func TestCodeQLMalformedWorkflowIsNamed(t *testing.T) {
	broken := "name: codeql\non: push\njobs:\n  analyze:\n    steps:\n      - uses: github/codeql-action/init@v3\n    - uses: github/codeql-action/analyze@v3\n"
	r := ciOne(t, ciRun(t, rules.SecurityCodeQL, ciFiles(".github/workflows/codeql.yml", broken), forges.Meta{}, nil))
	ciStatus(t, r, rules.StatusFail, "no workflow runs CodeQL analysis", ".github/workflows/codeql.yml is not valid YAML", "was not checked")
}

func TestCodeQLNoWorkflows(t *testing.T) {
	r := ciOne(t, ciRun(t, rules.SecurityCodeQL, ciFiles("README.md", "x"), forges.Meta{Forge: forges.Local, Name: "x"}, nil))
	ciStatus(t, r, rules.StatusFail, "no workflow runs CodeQL analysis")
	if r.Path != ".github/workflows" || r.Message != "no workflow runs CodeQL analysis" {
		t.Errorf("got %s %q, want the bare message on .github/workflows for a local checkout", r.Path, r.Message)
	}
}

// The reference templates' dependency review workflow.
const lhmDependencyReview = `# Workflow that runs license check for used dependencies
name: dependency-review

on:
  pull_request:

jobs:
  dependency-review:
    runs-on: ubuntu-latest
    permissions:
      contents: read
      pull-requests: write
    steps:
      - uses: it-at-m/lhm_actions/action-templates/actions/action-dependency-review@` + shaLHM + ` # v1.5.1
`

func TestDependencyReview(t *testing.T) {
	pass := []struct{ name, src, uses string }{
		{"lhm_actions on pull_request", lhmDependencyReview, "uses: it-at-m/lhm_actions"},
		{"upstream action, on as a list", "on: [push, pull_request]\njobs:\n  dr:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - uses: actions/dependency-review-action@v4\n        with:\n          config-file: it-at-m/.github/workflow-configs/dependency_review.yaml@main\n", "uses: actions/dependency-review-action"},
		{"pull_request_target as a string", "on: pull_request_target\njobs:\n  dr:\n    steps:\n      - uses: actions/dependency-review-action@" + shaCheckout + "\n", "uses: actions/dependency-review-action"},
	}
	for _, tc := range pass {
		t.Run(tc.name, func(t *testing.T) {
			r := ciOne(t, ciRun(t, rules.SecurityDependencyReview, ciFiles(".github/workflows/dr.yml", tc.src), forges.Meta{}, nil))
			ciStatus(t, r, rules.StatusPass, ".github/workflows/dr.yml runs dependency review on pull requests")
			if want := ciLine(t, tc.src, tc.uses); r.Line != want {
				t.Errorf("line = %d, want the uses: line %d", r.Line, want)
			}
		})
	}

	t.Run("not triggered by pull requests", func(t *testing.T) {
		src := "name: nightly\non:\n  schedule:\n    - cron: '0 3 * * *'\njobs:\n  dr:\n    steps:\n      - uses: actions/dependency-review-action@v4\n"
		r := ciOne(t, ciRun(t, rules.SecurityDependencyReview, ciFiles(".github/workflows/nightly.yml", src), forges.Meta{}, nil))
		ciStatus(t, r, rules.StatusFail, ".github/workflows/nightly.yml runs dependency review but is not triggered by pull requests", "add pull_request")
		if r.Path != ".github/workflows/nightly.yml" || r.Line != 2 {
			t.Errorf("got %s:%d, want the on: line .github/workflows/nightly.yml:2", r.Path, r.Line)
		}
	})

	t.Run("reusable workflow called from a pull request workflow", func(t *testing.T) {
		files := ciFiles(
			".github/workflows/pr.yml", "on: pull_request\njobs:\n  review:\n    uses: ./.github/workflows/review.yml\n",
			".github/workflows/review.yml", "on: workflow_call\njobs:\n  dr:\n    steps:\n      - uses: actions/dependency-review-action@v4\n",
		)
		r := ciOne(t, ciRun(t, rules.SecurityDependencyReview, files, forges.Meta{}, nil))
		ciStatus(t, r, rules.StatusPass, ".github/workflows/review.yml runs dependency review on pull requests")
	})

	t.Run("GitLab dependency scanning", func(t *testing.T) {
		for _, ci := range []string{
			"include:\n  - template: Jobs/Dependency-Scanning.gitlab-ci.yml\n",
			"include:\n  - template: Security/Dependency-Scanning.gitlab-ci.yml\n",
			"include:\n  - template: Jobs/Dependency-Scanning.v2.gitlab-ci.yml\n",
			"include:\n  - component: gitlab.com/components/dependency-scanning/main@0.9\n",
		} {
			r := ciOne(t, ciRun(t, rules.SecurityDependencyReview, ciFiles(".gitlab-ci.yml", ci), forges.Meta{Forge: forges.GitLab, Name: "x"}, nil))
			ciStatus(t, r, rules.StatusPass, "GitLab dependency scanning template in .gitlab-ci.yml")
		}
	})

	t.Run("none", func(t *testing.T) {
		files := ciFiles(".github/workflows/build.yml", pinnedBuild, ".github/workflows/codeql.yml", lhmCodeQL)
		r := ciOne(t, ciRun(t, rules.SecurityDependencyReview, files, forges.Meta{}, nil))
		ciStatus(t, r, rules.StatusFail, "no workflow runs dependency review on pull requests")
		if r.Path != ".github/workflows" || r.Severity != rules.Warning {
			t.Errorf("got %s severity %s, want .github/workflows, warning", r.Path, r.Severity)
		}
	})
}
