package rules_test

import (
	"context"
	"io/fs"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/it-at-m/ospo-scan/forges"
	"github.com/it-at-m/ospo-scan/rules"
)

func ciFacts(files fstest.MapFS) *rules.Facts {
	return rules.NewFacts(&forges.Repo{Meta: forges.Meta{Name: "x"}, FS: files})
}

func TestWorkflowFacts(t *testing.T) {
	src := `name: release
on:
  push:
    branches: [main]
  workflow_dispatch:
permissions:
  contents: write
  packages: write
jobs:
  release:
    runs-on: ubuntu-latest
    permissions: read-all
    steps:
      - name: checkout
        uses: actions/checkout@v4
        with:
          fetch-depth: 0
          persist-credentials: false
      - run: mvn deploy
      - uses: &setup actions/setup-java@v4
  notify:
    uses: it-at-m/.github/.github/workflows/notify.yml@main
    with:
      channel: ospo
`
	ws := ciFacts(ciFiles(".github/workflows/release.yml", src)).Workflows()
	if ws.Err != nil || len(ws.Files) != 1 {
		t.Fatalf("got %+v", ws)
	}
	w := ws.Files[0]
	if w.Problem != "" {
		t.Fatalf("problem: %s", w.Problem)
	}
	var events []string
	for _, tr := range w.Triggers {
		events = append(events, tr.Event)
	}
	if !slices.Equal(events, []string{"push", "workflow_dispatch"}) || w.OnLine != 2 || !w.On("workflow_dispatch") || w.On("pull_request") {
		t.Errorf("triggers %v on line %d", events, w.OnLine)
	}
	if w.Permissions == nil || w.Permissions.Scopes["packages"] != "write" || w.Permissions.Line != 6 {
		t.Errorf("top-level permissions = %+v", w.Permissions)
	}
	if len(w.Jobs) != 2 || w.JobsLine != 9 {
		t.Fatalf("jobs = %d on line %d", len(w.Jobs), w.JobsLine)
	}
	rel, notify := w.Jobs[0], w.Jobs[1]
	if rel.ID != "release" || rel.Permissions == nil || rel.Permissions.All != "read-all" {
		t.Errorf("job release = %+v", rel)
	}
	if len(rel.Steps) != 2 || rel.Steps[0].Line != 15 || rel.Steps[0].With["fetch-depth"] != "0" || rel.Steps[1].Ref.Repo != "setup-java" {
		t.Errorf("steps = %+v", rel.Steps)
	}
	if notify.Uses == nil || notify.Uses.Line != 22 || notify.Uses.With["channel"] != "ospo" || notify.Permissions != nil {
		t.Errorf("job notify = %+v uses %+v", notify, notify.Uses)
	}
	var all []string
	for u := range w.AllUses() {
		all = append(all, u.Ref.Raw)
	}
	if !slices.Equal(all, []string{"actions/checkout@v4", "actions/setup-java@v4", "it-at-m/.github/.github/workflows/notify.yml@main"}) {
		t.Errorf("AllUses = %v", all)
	}
}

func TestWorkflowFactsAliases(t *testing.T) {
	// GitHub accepts YAML anchors; an aliased step is a step like any other.
	src := "on: push\njobs:\n  a:\n    steps:\n      - &co\n        uses: actions/checkout@v4\n  b:\n    steps:\n      - *co\n"
	w := ciFacts(ciFiles(".github/workflows/a.yml", src)).Workflows().Files[0]
	if len(w.Jobs) != 2 || len(w.Jobs[1].Steps) != 1 || w.Jobs[1].Steps[0].Ref.Raw != "actions/checkout@v4" {
		t.Errorf("aliased step not resolved: %+v", w.Jobs)
	}
}

func TestWorkflowFactsProblems(t *testing.T) {
	for _, tc := range []struct {
		name, src, problem string
		line               int
	}{
		{"empty", "", "is empty", 0},
		{"a list", "- a\n- b\n", "is not a YAML mapping", 1},
		{"bad indentation", "name: x\non: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n   foo: bar\n", "is not valid YAML", 8},
		{"tab", "on: push\njobs:\n\ta: 1\n", "is not valid YAML", 3},
		{"unclosed quote", "name: 'x\non: push\n", "is not valid YAML", 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := ciFacts(ciFiles(".github/workflows/x.yml", tc.src)).Workflows().Files[0]
			if w.ProblemLine != tc.line || !strings.Contains(w.Problem, tc.problem) || !strings.Contains(w.Problem, ".github/workflows/x.yml") {
				t.Errorf("problem %q at line %d, want %q at line %d", w.Problem, w.ProblemLine, tc.problem, tc.line)
			}
		})
	}
}

func TestGitLabCIIncludes(t *testing.T) {
	src := `stages: [build, test]
include:
  - local: /ci/build.yml
  - 'ci/lint.yml'
  - https://example.org/ci/common.yml
  - remote: 'https://example.org/ci/other.yml'
  - template: Jobs/SAST.gitlab-ci.yml
  - project: landeshauptstadt-muenchen/ci-templates
    ref: v1.2.0
    file:
      - /templates/maven.yml
      - /templates/npm.yml
  - component: $CI_SERVER_FQDN/components/secret-detection/secret-detection@1
`
	ci := ciFacts(ciFiles(".gitlab-ci.yml", src)).GitLabCI()
	if !ci.Exists || ci.Problem != "" {
		t.Fatalf("got %+v", ci)
	}
	type inc struct {
		kind, value string
		line        int
	}
	var got []inc
	for _, i := range ci.Includes {
		got = append(got, inc{i.Kind, i.Value, i.Line})
	}
	want := []inc{
		{"local", "/ci/build.yml", 3},
		{"local", "ci/lint.yml", 4},
		{"remote", "https://example.org/ci/common.yml", 5},
		{"remote", "https://example.org/ci/other.yml", 6},
		{"template", "Jobs/SAST.gitlab-ci.yml", 7},
		{"project", "landeshauptstadt-muenchen/ci-templates", 8},
		{"component", "$CI_SERVER_FQDN/components/secret-detection/secret-detection@1", 13},
	}
	if !slices.Equal(got, want) {
		t.Errorf("includes =\n%v\nwant\n%v", got, want)
	}
	if p := ci.Includes[5]; p.Ref != "v1.2.0" || !slices.Equal(p.Files, []string{"/templates/maven.yml", "/templates/npm.yml"}) {
		t.Errorf("project include = %+v", p)
	}

	single := ciFacts(ciFiles(".gitlab-ci.yml", "include: '/ci/all.yml'\n")).GitLabCI()
	if len(single.Includes) != 1 || single.Includes[0].Kind != "local" {
		t.Errorf("single string include = %+v", single.Includes)
	}
	if none := ciFacts(ciFiles("README.md", "x")).GitLabCI(); none.Exists {
		t.Error("no .gitlab-ci.yml must not exist")
	}
	if bad := ciFacts(ciFiles(".gitlab-ci.yml", "include: [\n")).GitLabCI(); !bad.Exists || bad.Problem == "" {
		t.Errorf("malformed .gitlab-ci.yml = %+v", bad)
	}
}

// countingFS counts the reads of each file.
type countingFS struct {
	fs.FS
	mu    sync.Mutex
	reads map[string]int
}

func (c *countingFS) Open(name string) (fs.File, error) {
	c.mu.Lock()
	c.reads[name]++
	c.mu.Unlock()
	return c.FS.Open(name)
}

func TestWorkflowsAreReadOncePerScan(t *testing.T) {
	c := &countingFS{FS: ciFiles(
		".github/workflows/build.yml", pinnedBuild,
		".github/workflows/codeql.yml", lhmCodeQL,
		".github/workflows/dependency-review.yml", lhmDependencyReview,
	), reads: map[string]int{}}
	repo := &forges.Repo{Meta: forges.Meta{Forge: forges.GitHub, Name: "dave-backend"}, FS: c}
	set := rules.Defaults([]*rules.Rule{rules.ActionsPinned, rules.ActionsPermissions, rules.SecurityCodeQL, rules.SecurityDependencyReview})
	rs := rules.Run(context.Background(), repo, set)
	for _, r := range rs {
		if r.Status != rules.StatusPass {
			t.Errorf("the reference templates' workflows must pass: %s %s %q", r.Rule, r.Status, r.Message)
		}
	}
	for _, name := range []string{".github/workflows/build.yml", ".github/workflows/codeql.yml", ".github/workflows/dependency-review.yml"} {
		if c.reads[name] != 1 {
			t.Errorf("%s read %d times, want once", name, c.reads[name])
		}
	}
}

// BenchmarkWorkflows parses a repository with the three workflows of the
// reference templates, as each scan of such a repository does once.
func BenchmarkWorkflows(b *testing.B) {
	files := ciFiles(
		".github/workflows/build.yml", pinnedBuild,
		".github/workflows/codeql.yml", lhmCodeQL,
		".github/workflows/dependency-review.yml", lhmDependencyReview,
	)
	b.ReportAllocs()
	for b.Loop() {
		ws := ciFacts(files).Workflows()
		if len(ws.Files) != 3 {
			b.Fatalf("parsed %d workflows", len(ws.Files))
		}
	}
}
