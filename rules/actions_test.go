package rules_test

import (
	"testing"

	"github.com/it-at-m/ospo-scan/forges"
	"github.com/it-at-m/ospo-scan/rules"
)

// A build workflow in the style of the reference templates: every
// action pinned, local and docker references alongside.
const pinnedBuild = `name: build
on:
  pull_request:
  push:
    branches: [main]
permissions:
  contents: read
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: it-at-m/lhm_actions/action-templates/actions/action-checkout@` + shaLHM + ` # v1.5.1
      - uses: ACTIONS/CHECKOUT@11BD71901BBE5B1630CEEA73D27597364C9AF683
      - uses: ./.github/actions/setup
      - uses: docker://alpine:3.20
      - uses: docker://ghcr.io/it-at-m/tool@sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae
  reuse:
    uses: ./.github/workflows/release.yml
`

func TestActionsPinnedPassesWhenEveryRemoteReferenceIsPinned(t *testing.T) {
	rs := ciRun(t, rules.ActionsPinned, ciFiles(".github/workflows/build.yml", pinnedBuild), forges.Meta{}, nil)
	r := ciOne(t, rs)
	ciStatus(t, r, rules.StatusPass, "all 2 remote action references in 1 workflow are pinned")
}

func TestActionsPinnedReportsEachUnpinnedReferenceWithItsLine(t *testing.T) {
	src := `name: ci
on: [push, pull_request]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - name: Java
        uses: actions/setup-java@v4.7.1
        with:
          distribution: temurin
      - uses: it-at-m/lhm_actions/action-templates/actions/action-maven-build@` + shaLHM + `
      - uses: actions/checkout@v4
  codeql:
    uses: it-at-m/.github/.github/workflows/codeql.yml@main
`
	rs := ciRun(t, rules.ActionsPinned, ciFiles(".github/workflows/ci.yml", src), forges.Meta{}, nil)
	if len(rs) != 4 {
		t.Fatalf("got %d results, want 4 failures:\n%s", len(rs), ciDump(rs))
	}
	want := []struct {
		line     int
		msg, evi string
	}{
		{ciLine(t, src, "actions/checkout@v4"), "actions/checkout@v4 is not pinned to a commit SHA", "actions/checkout@v4"},
		{ciLine(t, src, "actions/setup-java"), "actions/setup-java@v4.7.1 is not pinned to a commit SHA", "actions/setup-java@v4.7.1"},
		{ciLine(t, src, "      - uses: actions/checkout@v4\n  codeql"), "actions/checkout@v4 is not pinned to a commit SHA", "actions/checkout@v4"},
		{ciLine(t, src, "codeql.yml@main"), "it-at-m/.github/.github/workflows/codeql.yml@main is not pinned to a commit SHA", "it-at-m/.github/.github/workflows/codeql.yml@main"},
	}
	for i, w := range want {
		r := rs[i]
		if r.Status != rules.StatusFail || r.Path != ".github/workflows/ci.yml" || r.Line != w.line || r.Message != w.msg || r.Evidence != w.evi {
			t.Errorf("result %d = %s %s:%d %q (evidence %q), want fail .github/workflows/ci.yml:%d %q (evidence %q)",
				i, r.Status, r.Path, r.Line, r.Message, r.Evidence, w.line, w.msg, w.evi)
		}
		if r.Rule != "actions/pinned" || r.Severity != rules.Warning {
			t.Errorf("result %d: rule %s severity %s", i, r.Rule, r.Severity)
		}
	}
}

func TestActionsPinnedShortAndMissingVersions(t *testing.T) {
	src := `on: push
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@11bd719
      - uses: actions/cache
      - uses: actions/setup-node@main
      - uses: actions/setup-go@` + shaCheckout + `0
`
	rs := ciRun(t, rules.ActionsPinned, ciFiles(".github/workflows/a.yml", src), forges.Meta{}, nil)
	if len(rs) != 4 {
		t.Fatalf("got %d results, want 4:\n%s", len(rs), ciDump(rs))
	}
	ciStatus(t, rs[0], rules.StatusFail, "actions/checkout@11bd719", "short commit SHA (7 characters)", "full 40-character SHA")
	ciStatus(t, rs[1], rules.StatusFail, "actions/cache names no version")
	ciStatus(t, rs[2], rules.StatusFail, "actions/setup-node@main is not pinned")
	// 41 hex digits is no SHA either.
	ciStatus(t, rs[3], rules.StatusFail, "is not pinned to a commit SHA")
}

func TestActionsPinnedLocalAndDockerAreExempt(t *testing.T) {
	src := `on: push
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - uses: ./
      - uses: ./.github/actions/lint
      - uses: docker://alpine:latest
  b:
    uses: ./.github/workflows/shared.yml
`
	rs := ciRun(t, rules.ActionsPinned, ciFiles(".github/workflows/a.yml", src), forges.Meta{}, nil)
	ciStatus(t, ciOne(t, rs), rules.StatusPass, "no actions from other repositories in 1 workflow")
}

func TestActionsPinnedReadsYamlExtensionOnly(t *testing.T) {
	files := ciFiles(
		".github/workflows/release.yaml", "on: push\njobs:\n  r:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n",
		".github/workflows/notes.txt", "uses: actions/checkout@v4\n",
		".github/workflows/old/build.yml", "on: push\njobs:\n  r:\n    steps:\n      - uses: actions/cache@v3\n",
	)
	rs := ciRun(t, rules.ActionsPinned, files, forges.Meta{}, nil)
	r := ciOne(t, rs)
	ciStatus(t, r, rules.StatusFail, "actions/checkout@v4")
	if r.Path != ".github/workflows/release.yaml" || r.Line != 6 {
		t.Errorf("got %s:%d, want .github/workflows/release.yaml:6", r.Path, r.Line)
	}
}

func TestActionsPinnedMalformedWorkflowIsAnErrorWithItsLine(t *testing.T) {
	broken := "on: push\njobs:\n  a:\n    steps:\n      - uses: actions/checkout@v4\n     bad: [\n"
	files := ciFiles(
		".github/workflows/broken.yml", broken,
		".github/workflows/build.yml", pinnedBuild,
	)
	rs := ciRun(t, rules.ActionsPinned, files, forges.Meta{}, nil)
	if len(rs) != 2 {
		t.Fatalf("got %d results, want an error and a pass:\n%s", len(rs), ciDump(rs))
	}
	// Sorted by path: the pass (on the folder) before the file's error.
	ciStatus(t, rs[0], rules.StatusPass, "in 1 workflow")
	ciStatus(t, rs[1], rules.StatusError, "cannot check", ".github/workflows/broken.yml is not valid YAML")
	if rs[1].Path != ".github/workflows/broken.yml" || rs[1].Line != 6 {
		t.Errorf("error result at %s:%d, want broken.yml:6, the YAML error's line", rs[1].Path, rs[1].Line)
	}
}

func TestActionsPinnedNotApplicableWithoutWorkflows(t *testing.T) {
	rs := ciRun(t, rules.ActionsPinned, ciFiles("README.md", "# x\n"), forges.Meta{}, nil)
	ciStatus(t, ciOne(t, rs), rules.StatusNotApplicable, "no GitHub Actions workflows")
}

func TestActionsPermissions(t *testing.T) {
	top := "on: push\npermissions:\n  contents: read\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: true\n"
	everyJob := `on: pull_request
jobs:
  check:
    permissions:
      pull-requests: read
    runs-on: ubuntu-latest
    steps:
      - run: true
  codeql:
    permissions: read-all
    uses: it-at-m/.github/.github/workflows/codeql.yml@main
`
	oneMissing := `on: pull_request
jobs:
  check:
    permissions:
      contents: read
    runs-on: ubuntu-latest
    steps:
      - run: true
  test:
    runs-on: ubuntu-latest
    steps:
      - run: true
`
	noneAtAll := "name: x\non: push\n\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: true\n  b:\n    runs-on: ubuntu-latest\n    steps:\n      - run: true\n"
	emptyPerms := "on: push\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: true\n"

	t.Run("top level and every job pass", func(t *testing.T) {
		rs := ciRun(t, rules.ActionsPermissions, ciFiles(
			".github/workflows/a.yml", top,
			".github/workflows/b.yaml", everyJob,
			".github/workflows/c.yml", emptyPerms,
		), forges.Meta{}, nil)
		ciStatus(t, ciOne(t, rs), rules.StatusPass, "all 3 workflows set permissions")
	})
	t.Run("one job without permissions", func(t *testing.T) {
		rs := ciRun(t, rules.ActionsPermissions, ciFiles(".github/workflows/pr.yml", oneMissing), forges.Meta{}, nil)
		r := ciOne(t, rs)
		ciStatus(t, r, rules.StatusFail, `job "test" sets none`)
		if r.Line != ciLine(t, oneMissing, "  test:") {
			t.Errorf("line = %d, want the line of job test (%d)", r.Line, ciLine(t, oneMissing, "  test:"))
		}
	})
	t.Run("no permissions anywhere", func(t *testing.T) {
		rs := ciRun(t, rules.ActionsPermissions, ciFiles(
			".github/workflows/a.yml", top,
			".github/workflows/n.yml", noneAtAll,
		), forges.Meta{}, nil)
		r := ciOne(t, rs)
		ciStatus(t, r, rules.StatusFail, ".github/workflows/n.yml sets no permissions")
		if r.Path != ".github/workflows/n.yml" || r.Line != 4 {
			t.Errorf("got %s:%d, want the jobs: line .github/workflows/n.yml:4", r.Path, r.Line)
		}
	})
	t.Run("malformed workflow", func(t *testing.T) {
		rs := ciRun(t, rules.ActionsPermissions, ciFiles(".github/workflows/x.yml", "on: push\njobs: [\n"), forges.Meta{}, nil)
		ciStatus(t, ciOne(t, rs), rules.StatusError, "not valid YAML")
	})
	t.Run("no workflows", func(t *testing.T) {
		rs := ciRun(t, rules.ActionsPermissions, ciFiles("go.mod", "module x\n"), forges.Meta{}, nil)
		ciStatus(t, ciOne(t, rs), rules.StatusNotApplicable)
	})
}

func TestParseActionRef(t *testing.T) {
	for _, tc := range []struct {
		in                         string
		kind                       rules.RefKind
		owner, repo, path, version string
	}{
		{"actions/checkout@v4", rules.RefRemote, "actions", "checkout", "", "v4"},
		{"github/codeql-action/init@v3", rules.RefRemote, "github", "codeql-action", "init", "v3"},
		{"it-at-m/.github/.github/workflows/codeql.yml@main", rules.RefRemote, "it-at-m", ".github", ".github/workflows/codeql.yml", "main"},
		{"it-at-m/lhm_actions/action-templates/actions/action-codeql@" + shaLHM, rules.RefRemote, "it-at-m", "lhm_actions", "action-templates/actions/action-codeql", shaLHM},
		{"actions/cache", rules.RefRemote, "actions", "cache", "", ""},
		{"./.github/actions/x", rules.RefLocal, "", "", ".github/actions/x", ""},
		{"docker://alpine@sha256:abc", rules.RefDocker, "", "", "", ""},
	} {
		got := rules.ParseActionRef(tc.in)
		if got.Kind != tc.kind || got.Owner != tc.owner || got.Repo != tc.repo || got.Path != tc.path || got.Version != tc.version || got.Raw != tc.in {
			t.Errorf("ParseActionRef(%q) = %+v", tc.in, got)
		}
	}
	if r := rules.ParseActionRef("it-at-m/lhm_actions/action-templates/actions/action-codeql@x"); !r.HasElement("action-codeql") || r.HasElement("codeql") {
		t.Errorf("HasElement matches whole path elements only: %+v", r)
	}
	if !rules.ParseActionRef("GitHub/CodeQL-Action/init@v3").Is("github", "codeql-action", "init") {
		t.Error("Is must ignore the case of owner and repository")
	}
}
