package main

// Tests of the integrations around the binary: the GitHub Action
// (action.yml + scripts/action-run.sh), the GitLab CI component
// (templates/ospo-scan.yml), the pre-commit hook, baseline and diff, and
// the release build (static binary, Dockerfile, CronJob). Each runs the
// built binary the way the integration does.

import (
	"bytes"
	"debug/elf"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

const repoRoot = "../.."

func readRepoFile(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func absPath(t *testing.T, p string) string {
	t.Helper()
	abs, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

var fullSHARe = regexp.MustCompile(`^[^@\s]+@[0-9a-f]{40}$`)

// checkPinned fails for every remote `uses:` that is not pinned to a full
// commit SHA (local ./ actions and docker:// images are not remote).
func checkPinned(t *testing.T, file string, uses []string) {
	t.Helper()
	if len(uses) == 0 {
		t.Errorf("%s: no uses: found", file)
	}
	for _, u := range uses {
		if strings.HasPrefix(u, "./") || strings.HasPrefix(u, "docker://") {
			continue
		}
		if !fullSHARe.MatchString(u) {
			t.Errorf("%s: uses %s is not pinned to a full 40-hex commit SHA", file, u)
		}
	}
}

// --- GitHub Action ---------------------------------------------------

type actionInput struct {
	Description string  `yaml:"description"`
	Required    bool    `yaml:"required"`
	Default     *string `yaml:"default"`
}

type actionStep struct {
	Name  string            `yaml:"name"`
	ID    string            `yaml:"id"`
	Uses  string            `yaml:"uses"`
	Shell string            `yaml:"shell"`
	Run   string            `yaml:"run"`
	Env   map[string]string `yaml:"env"`
	With  map[string]string `yaml:"with"`
	If    string            `yaml:"if"`
}

type actionFile struct {
	Name        string `yaml:"name"`
	Author      string `yaml:"author"`
	Description string `yaml:"description"`
	Branding    struct {
		Icon  string `yaml:"icon"`
		Color string `yaml:"color"`
	} `yaml:"branding"`
	Inputs  map[string]actionInput `yaml:"inputs"`
	Outputs map[string]struct {
		Description string `yaml:"description"`
		Value       string `yaml:"value"`
	} `yaml:"outputs"`
	Runs struct {
		Using string       `yaml:"using"`
		Steps []actionStep `yaml:"steps"`
	} `yaml:"runs"`
}

func loadAction(t *testing.T) actionFile {
	t.Helper()
	var a actionFile
	dec := yaml.NewDecoder(bytes.NewReader(readRepoFile(t, "action.yml")))
	dec.KnownFields(true)
	if err := dec.Decode(&a); err != nil {
		t.Fatalf("action.yml: %v", err)
	}
	return a
}

var exprRe = regexp.MustCompile(`\$\{\{\s*(.*?)\s*\}\}`)

func TestActionDefinition(t *testing.T) {
	a := loadAction(t)
	if a.Runs.Using != "composite" || a.Name == "" || a.Description == "" {
		t.Fatalf("action.yml: using %q, name %q, description %q", a.Runs.Using, a.Name, a.Description)
	}
	// Where each input is read.
	var stepText strings.Builder
	var uses []string
	ids := map[string]bool{}
	for _, s := range a.Runs.Steps {
		if s.Uses != "" {
			uses = append(uses, s.Uses)
		}
		if s.ID != "" {
			ids[s.ID] = true
		}
		if s.Uses == "" && s.Shell == "" {
			t.Errorf("step %q: a composite run step needs shell:", s.Name)
		}
		fmt.Fprintln(&stepText, s.Run, s.If)
		for k, v := range s.Env {
			fmt.Fprintln(&stepText, k, v)
		}
		for k, v := range s.With {
			fmt.Fprintln(&stepText, k, v)
		}
	}
	for _, want := range []string{"target", "config", "fail-on", "sarif-file", "baseline"} {
		if _, ok := a.Inputs[want]; !ok {
			t.Errorf("action.yml lacks the input %s (issue 7)", want)
		}
	}
	for name, in := range a.Inputs {
		if strings.TrimSpace(in.Description) == "" {
			t.Errorf("input %s has no description", name)
		}
		used := regexp.MustCompile(`\$\{\{\s*inputs\.` + regexp.QuoteMeta(name) + `\s*\}\}`)
		if !used.MatchString(stepText.String()) {
			t.Errorf("input %s is not used by any step (no ${{ inputs.%s }})", name, name)
		}
	}
	// Every expression names a declared input.
	for _, m := range exprRe.FindAllStringSubmatch(stepText.String(), -1) {
		if name, ok := strings.CutPrefix(m[1], "inputs."); ok {
			if _, declared := a.Inputs[name]; !declared {
				t.Errorf("a step reads undeclared input %s", name)
			}
		}
	}
	checkPinned(t, "action.yml", uses)
	// Outputs come from a step that exists, under names the script writes.
	script := string(readRepoFile(t, "scripts/action-run.sh"))
	for name, out := range a.Outputs {
		m := regexp.MustCompile(`^\$\{\{\s*steps\.([a-z-]+)\.outputs\.([a-z-]+)\s*\}\}$`).FindStringSubmatch(out.Value)
		if m == nil || !ids[m[1]] {
			t.Errorf("output %s = %q does not read a step of the action", name, out.Value)
			continue
		}
		if !strings.Contains(script, m[2]+"=") {
			t.Errorf("output %s reads %s, which scripts/action-run.sh never writes", name, m[2])
		}
	}
	// Every INPUT_* the script reads is set by the step that runs it.
	var scan *actionStep
	for i, s := range a.Runs.Steps {
		if strings.Contains(s.Run, "scripts/action-run.sh") {
			scan = &a.Runs.Steps[i]
		}
	}
	if scan == nil {
		t.Fatal("no step runs scripts/action-run.sh")
	}
	for _, v := range regexp.MustCompile(`\bINPUT_[A-Z_]+`).FindAllString(script, -1) {
		if _, ok := scan.Env[v]; !ok {
			t.Errorf("scripts/action-run.sh reads %s, which the scan step does not set", v)
		}
	}
	for k, v := range scan.Env {
		if name, ok := strings.CutPrefix(k, "INPUT_"); ok {
			want := "${{ inputs." + strings.ReplaceAll(strings.ToLower(name), "_", "-") + " }}"
			if v != want {
				t.Errorf("scan step sets %s=%s, want %s", k, v, want)
			}
		}
	}
}

func TestExampleWorkflowPinned(t *testing.T) {
	var wf struct {
		Jobs map[string]struct {
			Steps []actionStep `yaml:"steps"`
		} `yaml:"jobs"`
	}
	if err := yaml.Unmarshal(readRepoFile(t, "docs/examples/github-workflow.yml"), &wf); err != nil {
		t.Fatal(err)
	}
	var uses []string
	sarif, upload := "", ""
	for _, j := range wf.Jobs {
		for _, s := range j.Steps {
			if s.Uses != "" {
				uses = append(uses, s.Uses)
			}
			if strings.HasPrefix(s.Uses, "it-at-m/ospo-scan@") {
				sarif = s.With["sarif-file"]
			}
			if strings.HasPrefix(s.Uses, "github/codeql-action/upload-sarif@") {
				upload = s.With["sarif_file"]
				if s.If != "always()" {
					t.Errorf("the SARIF upload must run when the scan step fails (if: always()), has %q", s.If)
				}
			}
		}
	}
	checkPinned(t, "docs/examples/github-workflow.yml", uses)
	if sarif == "" || sarif != upload {
		t.Errorf("the example uploads %q but the action writes %q", upload, sarif)
	}
}

// actionRun is one run of the action's scan step.
type actionRun struct {
	code                   int
	stdout, stderr         string
	summary, outputs       string
	workspace, sarifOutput string
}

// runAction runs the scan step of action.yml as the runner does: its env
// with the ${{ }} expressions evaluated, its run: text as a bash script
// (bash --noprofile --norc -eo pipefail), in the workspace, with
// GITHUB_STEP_SUMMARY and GITHUB_OUTPUT files.
func runAction(t *testing.T, workspace string, inputs map[string]string) actionRun {
	t.Helper()
	a := loadAction(t)
	runnerTemp := t.TempDir()
	if err := os.Symlink(binary, filepath.Join(runnerTemp, "ospo-scan")); err != nil {
		t.Fatal(err)
	}
	actionPath := absPath(t, repoRoot)
	values := map[string]string{
		"runner.temp":        runnerTemp,
		"github.token":       "",
		"github.action_path": actionPath,
		"github.action_ref":  "",
	}
	for name, in := range a.Inputs {
		v := ""
		if in.Default != nil {
			v = *in.Default
		}
		if given, ok := inputs[name]; ok {
			v = given
		}
		values["inputs."+name] = v
	}
	for name := range inputs {
		if _, ok := a.Inputs[name]; !ok {
			t.Fatalf("the test passes input %s, which action.yml does not declare", name)
		}
	}
	eval := func(s string) string {
		for range 3 { // input defaults may be expressions themselves
			s = exprRe.ReplaceAllStringFunc(s, func(e string) string {
				key := exprRe.FindStringSubmatch(e)[1]
				v, ok := values[key]
				if !ok {
					t.Fatalf("action.yml uses ${{ %s }}, which the test cannot evaluate", key)
				}
				return v
			})
		}
		return s
	}
	var scan *actionStep
	for i, s := range a.Runs.Steps {
		if s.ID == "scan" {
			scan = &a.Runs.Steps[i]
		}
	}
	if scan == nil || scan.Shell != "bash" {
		t.Fatalf("action.yml has no bash step with id scan")
	}
	script := filepath.Join(runnerTemp, "scan.sh")
	if err := os.WriteFile(script, []byte(eval(scan.Run)), 0o644); err != nil {
		t.Fatal(err)
	}
	summary := filepath.Join(runnerTemp, "step_summary.md")
	outputs := filepath.Join(runnerTemp, "github_output")
	for _, f := range []string{summary, outputs} {
		os.WriteFile(f, nil, 0o644)
	}
	cmd := exec.Command("bash", "--noprofile", "--norc", "-eo", "pipefail", script)
	cmd.Dir = workspace
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "XDG_CACHE_HOME=" + t.TempDir(),
		"GITHUB_ACTION_PATH=" + actionPath, "GITHUB_WORKSPACE=" + workspace, "RUNNER_TEMP=" + runnerTemp,
		"GITHUB_STEP_SUMMARY=" + summary, "GITHUB_OUTPUT=" + outputs, "GITHUB_ACTIONS=true",
	}
	for k, v := range scan.Env {
		cmd.Env = append(cmd.Env, k+"="+eval(v))
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	sum, _ := os.ReadFile(summary)
	outs, _ := os.ReadFile(outputs)
	if strings.Contains(errb.String(), "panic:") {
		t.Fatalf("ospo-scan panicked:\n%s", errb.String())
	}
	return actionRun{code: code, stdout: out.String(), stderr: errb.String(), summary: string(sum), outputs: string(outs),
		workspace: workspace, sarifOutput: eval("${{ inputs.sarif-file }}")}
}

// outputValue returns the value of name in a GITHUB_OUTPUT file.
func outputValue(outputs, name string) (string, bool) {
	for _, l := range strings.Split(outputs, "\n") {
		if v, ok := strings.CutPrefix(l, name+"="); ok {
			return v, true
		}
	}
	return "", false
}

// checkSARIF reads the SARIF file the action wrote and returns its runs.
func checkSARIF(t *testing.T, r actionRun) int {
	t.Helper()
	p := r.sarifOutput
	if !filepath.IsAbs(p) {
		p = filepath.Join(r.workspace, p)
	}
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("no SARIF file: %v\nstderr: %s", err, r.stderr)
	}
	var doc struct {
		Version string            `json:"version"`
		Runs    []json.RawMessage `json:"runs"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("SARIF is not JSON: %v", err)
	}
	if doc.Version != "2.1.0" || len(doc.Runs) == 0 {
		t.Errorf("SARIF version %q with %d runs", doc.Version, len(doc.Runs))
	}
	if v, ok := outputValue(r.outputs, "sarif-file"); !ok || v != r.sarifOutput {
		t.Errorf("output sarif-file = %q, want %q\n%s", v, r.sarifOutput, r.outputs)
	}
	return len(doc.Runs)
}

func checkExitOutput(t *testing.T, r actionRun, want int) {
	t.Helper()
	if r.code != want {
		t.Errorf("action exit %d, want %d\nstdout: %s\nstderr: %s", r.code, want, r.stdout, r.stderr)
	}
	if v, ok := outputValue(r.outputs, "exit-code"); !ok || v != strconv.Itoa(r.code) {
		t.Errorf("output exit-code = %q (present %v), want %d\n%s", v, ok, r.code, r.outputs)
	}
}

func TestActionOnFixtureOrganisation(t *testing.T) {
	org := absPath(t, fixtureOrg)
	repos, _ := os.ReadDir(org)
	for _, c := range []struct {
		failOn string
		want   int
	}{{"error", 1}, {"never", 0}} {
		t.Run("fail-on "+c.failOn, func(t *testing.T) {
			r := runAction(t, t.TempDir(), map[string]string{"target": org, "command": "org", "fail-on": c.failOn})
			checkExitOutput(t, r, c.want)
			if runs := checkSARIF(t, r); runs != len(repos) {
				t.Errorf("SARIF has %d runs, want one per repository (%d)", runs, len(repos))
			}
			for _, want := range []string{"**ospo-scan:**", "dave-frontend", "`security/codeql`", "mobidam-sample"} {
				if !strings.Contains(r.summary, want) {
					t.Errorf("job summary lacks %q:\n%s", want, r.summary)
				}
			}
			if strings.Contains(r.stdout, "**ospo-scan:**") {
				t.Error("the Markdown report went to the log instead of the job summary")
			}
		})
	}
}

func TestActionOnFixtureCheckout(t *testing.T) {
	ws := filepath.Join(t.TempDir(), "dave-frontend")
	copyTree(t, filepath.Join(fixtureOrg, "dave-frontend"), ws)
	// The defaults: target "." is the workspace, so the action runs check.
	r := runAction(t, ws, map[string]string{"sarif-file": "results.sarif"})
	checkExitOutput(t, r, 1) // security/codeql is an error
	checkSARIF(t, r)
	if !strings.Contains(r.summary, "dave-frontend") || !strings.Contains(r.summary, "`actions/pinned`") {
		t.Errorf("summary:\n%s", r.summary)
	}

	// With a baseline of the same findings, nothing is new: exit 0.
	base := filepath.Join(t.TempDir(), "baseline.json")
	if b := ospoScan(t, ws, "check", "-f", "json", "-o", base, "--fail-on", "never"); b.code != 0 {
		t.Fatalf("baseline: exit %d %s", b.code, b.stderr)
	}
	r = runAction(t, ws, map[string]string{"baseline": base, "fail-on": "note"})
	checkExitOutput(t, r, 0)

	// A wrong input stops with exit 2, and the outputs still say so.
	r = runAction(t, ws, map[string]string{"command": "scan"})
	checkExitOutput(t, r, 2)
	if !strings.Contains(r.stdout, "::error::") {
		t.Errorf("a wrong command input must be a workflow error annotation:\n%s", r.stdout)
	}
	r = runAction(t, ws, map[string]string{"baseline": "missing-baseline.json"})
	checkExitOutput(t, r, 2)
	if !strings.Contains(r.stderr, "missing-baseline.json") {
		t.Errorf("the log does not name the missing baseline:\n%s", r.stderr)
	}
}

// TestActionTargetSelection checks which command the action runs for a
// target, with a stand-in for ospo-scan that records its arguments (the
// remote targets must not reach the network).
func TestActionTargetSelection(t *testing.T) {
	dir := t.TempDir()
	record := filepath.Join(dir, "args")
	fake := filepath.Join(dir, "fake-ospo-scan")
	if err := os.WriteFile(fake, []byte("#!/bin/sh\necho \"$*\" >> "+record+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	ws := t.TempDir()
	os.Mkdir(filepath.Join(ws, "checkout"), 0o755)
	for _, c := range []struct{ target, command, want string }{
		{".", "", "check ."},
		{"checkout", "", "check checkout"},
		{"it-at-m", "", "org it-at-m"},
		{"github.com/it-at-m", "", "org github.com/it-at-m"},
		{"it-at-m/dave-backend", "", "repo it-at-m/dave-backend"},
		{"github.com/it-at-m/dave-backend", "", "repo github.com/it-at-m/dave-backend"},
		{"github.example.org/lhm/wahlen", "", "repo github.example.org/lhm/wahlen"},
		{"gitlab.opencode.de/landeshauptstadt-muenchen", "", "org gitlab.opencode.de/landeshauptstadt-muenchen"},
		{"gitlab.opencode.de/landeshauptstadt-muenchen/sub/project", "repo", "repo gitlab.opencode.de/landeshauptstadt-muenchen/sub/project"},
	} {
		os.Remove(record)
		cmd := exec.Command("bash", filepath.Join(absPath(t, repoRoot), "scripts", "action-run.sh"))
		cmd.Dir = ws
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "OSPO_SCAN=" + fake, "INPUT_TARGET=" + c.target, "INPUT_COMMAND=" + c.command,
			"GITHUB_STEP_SUMMARY=" + filepath.Join(dir, "summary"), "GITHUB_OUTPUT=" + filepath.Join(dir, "output")}
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("%s: %v\n%s", c.target, err, out)
			continue
		}
		lines := strings.Split(strings.TrimSpace(string(mustRead(t, record))), "\n")
		if len(lines) != 2 {
			t.Errorf("%s: want two runs (SARIF and Markdown), got %q", c.target, lines)
			continue
		}
		for _, l := range lines {
			if !strings.HasPrefix(l, c.want+" ") {
				t.Errorf("target %q ran %q, want %q", c.target, l, c.want)
			}
		}
	}
}

// --- GitLab CI component ----------------------------------------------

func TestGitLabTemplate(t *testing.T) {
	data := readRepoFile(t, "templates/ospo-scan.yml")
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var header struct {
		Spec struct {
			Inputs map[string]struct {
				Default     *string `yaml:"default"`
				Description string  `yaml:"description"`
			} `yaml:"inputs"`
		} `yaml:"spec"`
	}
	if err := dec.Decode(&header); err != nil {
		t.Fatalf("spec document: %v", err)
	}
	type job struct {
		Stage     string            `yaml:"stage"`
		Image     string            `yaml:"image"`
		Variables map[string]string `yaml:"variables"`
		Script    []string          `yaml:"script"`
		Artifacts struct {
			When    string            `yaml:"when"`
			Reports map[string]string `yaml:"reports"`
			Paths   []string          `yaml:"paths"`
		} `yaml:"artifacts"`
	}
	var jobs map[string]job
	if err := dec.Decode(&jobs); err != nil {
		t.Fatalf("job document: %v", err)
	}
	j, ok := jobs["ospo-scan"]
	if !ok || len(header.Spec.Inputs) == 0 {
		t.Fatalf("templates/ospo-scan.yml: want spec inputs and a job ospo-scan, got %d inputs, jobs %v", len(header.Spec.Inputs), jobs)
	}
	body := data[bytes.Index(data, []byte("\n---\n")):]
	for name, in := range header.Spec.Inputs {
		if strings.TrimSpace(in.Description) == "" {
			t.Errorf("input %s has no description", name)
		}
		if !regexp.MustCompile(`\$\[\[\s*inputs\.` + regexp.QuoteMeta(name) + `\s*\]\]`).Match(body) {
			t.Errorf("input %s is never used ($[[ inputs.%s ]])", name, name)
		}
	}
	inputRe := regexp.MustCompile(`\$\[\[\s*inputs\.([a-z-]+)\s*\]\]`)
	for _, m := range inputRe.FindAllSubmatch(body, -1) {
		if _, ok := header.Spec.Inputs[string(m[1])]; !ok {
			t.Errorf("the job uses undeclared input %s", m[1])
		}
	}
	report := j.Artifacts.Reports["codequality"]
	if report == "" || j.Artifacts.When != "always" {
		t.Fatalf("the job must publish reports.codequality with artifacts when: always; has %+v", j.Artifacts)
	}

	// Run the job's script (without installing ospo-scan: the built
	// binary is on PATH) on a copy of a fixture, with the inputs'
	// defaults and the target set, as GitLab would after interpolation.
	values := map[string]string{}
	for name, in := range header.Spec.Inputs {
		if in.Default != nil {
			values[name] = *in.Default
		}
	}
	interpolate := func(s string) string {
		return inputRe.ReplaceAllStringFunc(s, func(e string) string {
			return values[inputRe.FindStringSubmatch(e)[1]]
		})
	}
	runJob := func(t *testing.T, target string) (int, []byte, string) {
		t.Helper()
		values["target"] = target
		var script strings.Builder
		scans := 0
		for _, line := range j.Script {
			if strings.HasPrefix(line, "go install ") || strings.Contains(line, "go env GOPATH") {
				continue
			}
			if strings.HasPrefix(line, "ospo-scan ") {
				scans++
			}
			script.WriteString(interpolate(line) + "\n")
		}
		if scans != 2 {
			t.Fatalf("the job script runs ospo-scan %d times, the test expects the Code Quality run and the gate", scans)
		}
		dir := t.TempDir()
		cmd := exec.Command("bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script.String())
		cmd.Dir = dir
		cmd.Env = []string{"PATH=" + filepath.Dir(binary) + string(os.PathListSeparator) + os.Getenv("PATH"), "HOME=" + t.TempDir(), "XDG_CACHE_HOME=" + t.TempDir()}
		for k, v := range j.Variables {
			cmd.Env = append(cmd.Env, k+"="+interpolate(v))
		}
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		cq, err := os.ReadFile(filepath.Join(dir, report))
		if err != nil {
			t.Fatalf("the job wrote no %s (exit %d):\n%s", report, code, out.String())
		}
		return code, cq, out.String()
	}

	// dave-frontend has errors (no CodeQL); ci-unpinned only warnings.
	want := map[string]int{"dave-frontend": 1, "ci-unpinned": 0}
	for _, fixture := range []string{"dave-frontend", "ci-unpinned"} {
		t.Run(fixture, func(t *testing.T) {
			target := filepath.Join(t.TempDir(), fixture)
			copyTree(t, filepath.Join(fixtureOrg, fixture), target)
			code, first, log := runJob(t, target)
			if code != want[fixture] {
				t.Errorf("job exit %d, want %d (fail-on error):\n%s", code, want[fixture], log)
			}
			if !strings.Contains(log, "actions/pinned") {
				t.Errorf("the job log lacks the readable report:\n%s", log)
			}
			issues := checkCodeQuality(t, first)
			_, second, _ := runJob(t, target)
			if !bytes.Equal(first, second) {
				t.Errorf("two runs gave different Code Quality reports")
			}
			var failing int
			rep := decodeReport(t, ospoScan(t, ".", "check", target, "-f", "json", "--fail-on", "never").stdout)
			for _, r := range rep.Repositories[0].Results {
				if r.Status == "fail" {
					failing++
				}
			}
			if len(issues) != failing {
				t.Errorf("%d Code Quality issues for %d failing results", len(issues), failing)
			}
		})
	}
	t.Run("organisation", func(t *testing.T) {
		r := ospoScan(t, ".", "org", fixtureOrg, "-f", "codequality", "--fail-on", "never")
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		repos, _ := os.ReadDir(fixtureOrg)
		for _, is := range checkCodeQuality(t, []byte(r.stdout)) {
			first, _, _ := strings.Cut(is.Location.Path, "/")
			if !slices.ContainsFunc(repos, func(e os.DirEntry) bool { return e.Name() == first }) {
				t.Errorf("in an organisation report the path %q must start with the repository", is.Location.Path)
			}
		}
	})
}

type cqIssue struct {
	Description string `json:"description"`
	CheckName   string `json:"check_name"`
	Fingerprint string `json:"fingerprint"`
	Severity    string `json:"severity"`
	Location    struct {
		Path  string `json:"path"`
		Lines struct {
			Begin int `json:"begin"`
		} `json:"lines"`
	} `json:"location"`
}

// checkCodeQuality validates a report against the fields GitLab documents
// for Code Quality: description, check_name, fingerprint, severity (info,
// minor, major, critical, blocker), location.path, location.lines.begin;
// fingerprints unique.
func checkCodeQuality(t *testing.T, data []byte) []cqIssue {
	t.Helper()
	var issues []cqIssue
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&issues); err != nil {
		t.Fatalf("Code Quality report is not an array of issues: %v\n%s", err, data)
	}
	if len(issues) == 0 {
		t.Fatal("Code Quality report has no issues for a fixture with findings")
	}
	seen := map[string]bool{}
	for i, is := range issues {
		if is.Description == "" || is.CheckName == "" || is.Fingerprint == "" || is.Location.Path == "" {
			t.Errorf("issue %d lacks a required field: %+v", i, is)
		}
		if !slices.Contains([]string{"info", "minor", "major", "critical", "blocker"}, is.Severity) {
			t.Errorf("issue %d: severity %q is not one GitLab knows", i, is.Severity)
		}
		if is.Location.Lines.Begin < 1 {
			t.Errorf("issue %d: lines.begin %d", i, is.Location.Lines.Begin)
		}
		if seen[is.Fingerprint] {
			t.Errorf("fingerprint %s is not unique (%s %s)", is.Fingerprint, is.CheckName, is.Location.Path)
		}
		seen[is.Fingerprint] = true
	}
	return issues
}

// --- pre-commit --------------------------------------------------------

func TestPreCommitHook(t *testing.T) {
	var hooks []struct {
		ID            string   `yaml:"id"`
		Name          string   `yaml:"name"`
		Entry         string   `yaml:"entry"`
		Language      string   `yaml:"language"`
		PassFilenames *bool    `yaml:"pass_filenames"`
		Stages        []string `yaml:"stages"`
	}
	if err := yaml.Unmarshal(readRepoFile(t, ".pre-commit-hooks.yaml"), &hooks); err != nil {
		t.Fatal(err)
	}
	if len(hooks) != 1 {
		t.Fatalf("want one hook, got %d", len(hooks))
	}
	h := hooks[0]
	if h.ID != "ospo-scan" || h.Language != "golang" || h.PassFilenames == nil || *h.PassFilenames || h.Name == "" {
		t.Errorf("hook: %+v", h)
	}
	validStages := []string{"pre-commit", "pre-merge-commit", "pre-push", "prepare-commit-msg", "commit-msg", "post-checkout", "post-commit", "post-merge", "post-rewrite", "manual"}
	for _, s := range h.Stages {
		if !slices.Contains(validStages, s) {
			t.Errorf("stage %q is not a pre-commit stage", s)
		}
	}
	var example struct {
		Repos []struct {
			Hooks []struct {
				ID string `yaml:"id"`
			} `yaml:"hooks"`
		} `yaml:"repos"`
	}
	if err := yaml.Unmarshal(readRepoFile(t, "docs/examples/pre-commit-config.yaml"), &example); err != nil || len(example.Repos) != 1 || len(example.Repos[0].Hooks) != 1 || example.Repos[0].Hooks[0].ID != h.ID {
		t.Errorf("docs/examples/pre-commit-config.yaml does not use the hook %s: %v %+v", h.ID, err, example)
	}
	// pre-commit runs the entry in the repository's root, without file
	// names; `go install` puts ospo-scan on its PATH.
	args := strings.Fields(h.Entry)
	if len(args) == 0 || args[0] != "ospo-scan" {
		t.Fatalf("entry %q does not run ospo-scan", h.Entry)
	}
	for _, c := range []struct {
		fixture string
		want    int
	}{{"fully-compliant", 0}, {"dave-frontend", 1}} {
		dir := filepath.Join(t.TempDir(), c.fixture)
		copyTree(t, filepath.Join(fixtureOrg, c.fixture), dir)
		r := ospoScan(t, dir, args[1:]...)
		if r.code != c.want {
			t.Errorf("%s: hook exit %d, want %d\n%s%s", c.fixture, r.code, c.want, r.stdout, r.stderr)
		}
		if c.want == 1 && !strings.Contains(r.stdout, "security/codeql") {
			t.Errorf("%s: the hook's output does not say what fails:\n%s", c.fixture, r.stdout)
		}
	}
}

// --- baseline and diff --------------------------------------------------

func TestBaselineAndDiff(t *testing.T) {
	work := t.TempDir()
	// Every copy keeps the name ci-unpinned: findings match by
	// repository name.
	copyFixture := func(sub string) string {
		dir := filepath.Join(work, sub, "ci-unpinned")
		copyTree(t, filepath.Join(fixtureOrg, "ci-unpinned"), dir)
		return dir
	}
	orig := copyFixture("orig")
	old := filepath.Join(work, "old.json")
	if r := ospoScan(t, ".", "check", orig, "-f", "json", "-o", old, "--fail-on", "never"); r.code != 0 {
		t.Fatalf("scan: exit %d %s", r.code, r.stderr)
	}
	oldRep := decodeReport(t, string(mustRead(t, old)))
	unchanged := 0
	for _, r := range oldRep.Repositories[0].Results {
		if r.Status == "fail" {
			unchanged++
		}
	}
	if unchanged < 7 {
		t.Fatalf("ci-unpinned has %d findings, want at least its 7 unpinned actions", unchanged)
	}

	edit := func(dir string, addUses bool) {
		wf := filepath.Join(dir, ".github", "workflows", "build.yml")
		text := string(mustRead(t, wf))
		if addUses {
			const anchor = "          path: target/*.jar\n"
			if !strings.Contains(text, anchor) {
				t.Fatalf("build.yml changed: no %q", anchor)
			}
			text = strings.Replace(text, anchor, anchor+"      - uses: actions/setup-python@v5\n", 1)
		}
		if err := os.WriteFile(wf, []byte("\n\n\n"+text), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// Moved lines and one new unpinned action.
	moved := copyFixture("new")
	edit(moved, true)
	r := ospoScan(t, ".", "check", moved, "--baseline", old, "--fail-on", "warning", "-f", "json")
	if r.code != 1 {
		t.Fatalf("a new finding with --fail-on warning: exit %d, want 1\n%s", r.code, r.stderr)
	}
	newJSON := filepath.Join(work, "new.json")
	os.WriteFile(newJSON, []byte(r.stdout), 0o644)
	var newOnes []string
	movedLines := 0
	for _, res := range decodeReport(t, r.stdout).Repositories[0].Results {
		if res.New {
			newOnes = append(newOnes, fmt.Sprintf("%s %s:%d %s", res.Rule, res.Path, res.Line, res.Message))
		}
		if res.Rule == "actions/pinned" && res.Path == ".github/workflows/build.yml" && res.Line == 16+3 {
			movedLines++
		}
	}
	if len(newOnes) != 1 || !strings.Contains(newOnes[0], "actions/setup-python@v5") {
		t.Errorf("want only the new setup-python reference marked new, got %v", newOnes)
	}
	if movedLines != 1 {
		t.Errorf("the findings did not move 3 lines down (checkout expected at line 19)")
	}
	if n := strings.Count(r.stdout, `"new": true`); n != 1 {
		t.Errorf(`the JSON report has %d "new": true, want 1`, n)
	}

	// Only moved lines: nothing new, exit 0.
	onlyMoved := copyFixture("moved")
	edit(onlyMoved, false)
	r = ospoScan(t, ".", "check", onlyMoved, "--baseline", old, "--fail-on", "warning", "-f", "json")
	if r.code != 0 || strings.Contains(r.stdout, `"new": true`) {
		t.Errorf("findings that only moved: exit %d (want 0), new marked: %v", r.code, strings.Contains(r.stdout, `"new": true`))
	}

	// diff in every format: 1 new, 0 fixed, the rest unchanged, exit 1.
	for _, format := range []string{"table", "json", "markdown"} {
		d := ospoScan(t, ".", "diff", old, newJSON, "-f", format)
		if d.code != 1 {
			t.Errorf("diff -f %s: exit %d, want 1 (something is new)\n%s", format, d.code, d.stderr)
		}
		var want string
		switch format {
		case "table":
			want = fmt.Sprintf("ci-unpinned (changed): 1 new, 0 fixed, %d unchanged", unchanged)
			if !strings.Contains(d.stdout, "+ warning  actions/pinned") || !strings.Contains(d.stdout, "actions/setup-python@v5") {
				t.Errorf("diff table does not show the new finding:\n%s", d.stdout)
			}
		case "json":
			var got struct {
				Totals struct{ New, Fixed, Unchanged int } `json:"totals"`
			}
			if err := json.Unmarshal([]byte(d.stdout), &got); err != nil {
				t.Fatalf("diff -f json: %v\n%s", err, d.stdout)
			}
			if got.Totals.New != 1 || got.Totals.Fixed != 0 || got.Totals.Unchanged != unchanged {
				t.Errorf("diff totals %+v, want 1 new, 0 fixed, %d unchanged", got.Totals, unchanged)
			}
			continue
		case "markdown":
			want = fmt.Sprintf("❌ 1 new findings, 0 fixed, %d unchanged", unchanged)
		}
		if !strings.Contains(d.stdout, want) {
			t.Errorf("diff -f %s lacks %q:\n%s", format, want, d.stdout)
		}
	}
	if d := ospoScan(t, ".", "diff", newJSON, newJSON); d.code != 0 {
		t.Errorf("diff of a report with itself: exit %d, want 0\n%s", d.code, d.stdout)
	}

	// A malformed baseline is a usage error naming the file.
	bad := filepath.Join(work, "broken-baseline.json")
	os.WriteFile(bad, []byte(`{"schemaVersion": 1, "repositories": [`), 0o644)
	for _, args := range [][]string{
		{"check", orig, "--baseline", bad},
		{"diff", bad, newJSON},
	} {
		r := ospoScan(t, ".", args...)
		if r.code != 2 || !strings.Contains(r.stderr, "broken-baseline.json") || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
			t.Errorf("%v: exit %d, want 2 with one line naming the file:\n%s", args, r.code, r.stderr)
		}
	}
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// --- release ------------------------------------------------------------

func TestReleaseBinaryIsStatic(t *testing.T) {
	out := filepath.Join(t.TempDir(), "ospo-scan")
	build := exec.Command("go", "build", "-trimpath", "-ldflags", "-X main.buildVersion=v9.9.9-test", "-o", out, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+runtime.GOARCH)
	if msg, err := build.CombinedOutput(); err != nil {
		t.Fatalf("release build: %v\n%s", err, msg)
	}
	f, err := elf.Open(out)
	if err != nil {
		t.Fatalf("the Linux binary is not ELF: %v", err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("the binary has a PT_INTERP (dynamic loader): it cannot run in a distroless static image")
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("the binary links shared libraries %v", libs)
	}
	if runtime.GOOS != "linux" {
		t.Fatalf("the stamped version is checked by running the Linux binary, which needs Linux (this is %s)", runtime.GOOS)
	}
	v, err := exec.Command(out, "version").Output()
	if err != nil || !strings.HasPrefix(string(v), "ospo-scan v9.9.9-test ") {
		t.Errorf("version = %q (%v), want the stamped v9.9.9-test", v, err)
	}
	// The Makefile's release target stamps the same variable.
	mk := string(readRepoFile(t, "Makefile"))
	if !strings.Contains(mk, "-X main.buildVersion=$(VERSION)") || !regexp.MustCompile(`(?m)^release:`).MatchString(mk) || !strings.Contains(mk, "CGO_ENABLED=0 GOOS=") {
		t.Error("the Makefile's release target does not build static binaries stamped with main.buildVersion")
	}
	for _, p := range []string{"linux/", "darwin/", "windows/"} {
		if !regexp.MustCompile(`(?m)^PLATFORMS\s*:?=.*` + p).MatchString(mk) {
			t.Errorf("release PLATFORMS lack %s", p)
		}
	}
}

// dockerStage is one stage of a Dockerfile.
type dockerStage struct {
	from, name string
	instr      [][2]string // instruction, arguments
}

func parseDockerfile(t *testing.T, data string) []dockerStage {
	t.Helper()
	var stages []dockerStage
	data = strings.ReplaceAll(data, "\\\n", " ")
	for _, line := range strings.Split(data, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		instr, args, _ := strings.Cut(line, " ")
		instr = strings.ToUpper(instr)
		if instr == "FROM" {
			f := strings.Fields(args)
			s := dockerStage{from: f[0]}
			if len(f) == 3 && strings.EqualFold(f[1], "AS") {
				s.name = f[2]
			}
			stages = append(stages, s)
			continue
		}
		if len(stages) == 0 {
			if instr != "ARG" {
				t.Fatalf("Dockerfile: %s before FROM", instr)
			}
			continue
		}
		stages[len(stages)-1].instr = append(stages[len(stages)-1].instr, [2]string{instr, strings.TrimSpace(args)})
	}
	return stages
}

func TestDockerfileAndCronJob(t *testing.T) {
	stages := parseDockerfile(t, string(readRepoFile(t, "Dockerfile")))
	if len(stages) < 2 {
		t.Fatalf("want a multi-stage Dockerfile, got %d stages", len(stages))
	}
	final := stages[len(stages)-1]
	if final.from != "scratch" && !strings.HasPrefix(final.from, "gcr.io/distroless/static") {
		t.Errorf("final stage FROM %s: want a static base (distroless/static or scratch)", final.from)
	}
	var user, entry, copied string
	for _, in := range final.instr {
		switch in[0] {
		case "USER":
			user = in[1]
		case "ENTRYPOINT":
			var ep []string
			if err := json.Unmarshal([]byte(in[1]), &ep); err != nil || len(ep) == 0 {
				t.Errorf("ENTRYPOINT %s: want the exec form", in[1])
			} else {
				entry = ep[0]
			}
		case "COPY":
			if f := strings.Fields(in[1]); len(f) == 3 && strings.HasPrefix(f[0], "--from=") {
				copied = f[2]
			}
		}
	}
	uid, _, _ := strings.Cut(user, ":")
	if user == "" || uid == "0" || uid == "root" {
		t.Errorf("final stage USER %q: the image must run as non-root", user)
	}
	if entry == "" || entry != copied {
		t.Errorf("ENTRYPOINT %q is not the binary copied from the build stage (%q)", entry, copied)
	}
	var build string
	for _, s := range stages[:len(stages)-1] {
		for _, in := range s.instr {
			if in[0] == "RUN" && strings.Contains(in[1], "go build") {
				build = in[1]
			}
		}
	}
	if !strings.Contains(build, "CGO_ENABLED=0") || !strings.Contains(build, "-X main.buildVersion=") || !strings.Contains(build, "./cmd/ospo-scan") {
		t.Errorf("build stage does not build a static, stamped ospo-scan: %q", build)
	}

	var cj struct {
		Kind string `yaml:"kind"`
		Spec struct {
			Schedule    string `yaml:"schedule"`
			JobTemplate struct {
				Spec struct {
					Template struct {
						Spec struct {
							SecurityContext struct {
								RunAsNonRoot bool `yaml:"runAsNonRoot"`
								RunAsUser    int  `yaml:"runAsUser"`
							} `yaml:"securityContext"`
							Containers []struct {
								Args []string `yaml:"args"`
								Env  []struct {
									Name      string         `yaml:"name"`
									Value     string         `yaml:"value"`
									ValueFrom map[string]any `yaml:"valueFrom"`
								} `yaml:"env"`
							} `yaml:"containers"`
						} `yaml:"spec"`
					} `yaml:"template"`
				} `yaml:"spec"`
			} `yaml:"jobTemplate"`
		} `yaml:"spec"`
	}
	if err := yaml.Unmarshal(readRepoFile(t, "deploy/cronjob.yaml"), &cj); err != nil {
		t.Fatal(err)
	}
	pod := cj.Spec.JobTemplate.Spec.Template.Spec
	if cj.Kind != "CronJob" || cj.Spec.Schedule == "" || len(pod.Containers) != 1 {
		t.Fatalf("deploy/cronjob.yaml: %+v", cj)
	}
	if !pod.SecurityContext.RunAsNonRoot || pod.SecurityContext.RunAsUser == 0 || strconv.Itoa(pod.SecurityContext.RunAsUser) != uid {
		t.Errorf("CronJob runs as %d (non-root %v); the image's user is %s", pod.SecurityContext.RunAsUser, pod.SecurityContext.RunAsNonRoot, uid)
	}
	c := pod.Containers[0]
	for _, e := range c.Env {
		if strings.Contains(e.Name, "TOKEN") && e.Value != "" {
			t.Errorf("%s is set in plain text; take it from a secret", e.Name)
		}
	}
	// The container's command line works with the binary the image holds:
	// the same arguments on the fixture organisation, writing to a temp
	// file instead of the volume.
	args := slices.Clone(c.Args)
	if len(args) < 2 || args[0] != "org" {
		t.Fatalf("CronJob args %v: want an org scan", args)
	}
	args[1] = fixtureOrg
	out := filepath.Join(t.TempDir(), "report")
	for i := range args {
		if (args[i] == "-o" || args[i] == "--output") && i+1 < len(args) {
			args[i+1] = out
		}
	}
	if r := ospoScan(t, ".", args...); r.code != 0 {
		t.Errorf("the CronJob's arguments: exit %d\n%s", r.code, r.stderr)
	}
	if st, err := os.Stat(out); err != nil || st.Size() == 0 {
		t.Errorf("the CronJob's report was not written: %v", err)
	}
}
