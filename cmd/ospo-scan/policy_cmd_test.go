package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runMain runs ospo-scan in-process in the working directory.
func runMain(t *testing.T, args ...string) run {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(context.Background(), args, Streams{Out: &out, Err: &errb, Getenv: func(string) string { return "" }})
	return run{code, out.String(), errb.String()}
}

func TestPolicyInitAndValidate(t *testing.T) {
	t.Chdir(t.TempDir())
	r := runMain(t, "policy", "validate")
	if r.code != 2 || !strings.Contains(r.stderr, "no .ospo-scan.yml in the working directory") {
		t.Fatalf("validate without a file: %d %q", r.code, r.stderr)
	}
	r = runMain(t, "policy", "init")
	if r.code != 0 || !strings.Contains(r.stderr, "wrote .ospo-scan.yml") {
		t.Fatalf("init: %d %q", r.code, r.stderr)
	}
	written, err := os.ReadFile(".ospo-scan.yml")
	if err != nil || !strings.Contains(string(written), "license/approved:") || !strings.Contains(string(written), "approved: [MIT]") {
		t.Fatalf("init wrote %q (%v)", written, err)
	}
	if r = runMain(t, "policy", "init"); r.code != 2 || !strings.Contains(r.stderr, ".ospo-scan.yml exists; add --force") {
		t.Errorf("init over an existing file: %d %q", r.code, r.stderr)
	}
	if r = runMain(t, "policy", "init", "--force"); r.code != 0 {
		t.Errorf("init --force: %d %q", r.code, r.stderr)
	}
	if r = runMain(t, "policy", "init", "-o", "-"); r.code != 0 || r.stdout != string(written) {
		t.Errorf("init -o - differs from the file: %d", r.code)
	}
	r = runMain(t, "policy", "validate")
	if r.code != 0 || !strings.HasPrefix(r.stdout, ".ospo-scan.yml is valid: 22 rules (0 custom), profiles fork, archived, in-house, 0 exemptions") {
		t.Errorf("validate: %d %q %q", r.code, r.stdout, r.stderr)
	}
}

func TestPolicyValidateReportsEveryProblem(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yml")
	os.WriteFile(bad, []byte("rules:\n  licence/approved: off\n  docs/readme:\n    severity: loud\n"), 0o644)
	r := runMain(t, "policy", "validate", bad)
	want := bad + `:2:3: unknown rule "licence/approved"; did you mean license/approved? (` + "`ospo-scan rules`" + ` lists the rule ids)
` + bad + `:4:15: unknown severity "loud"; write error, warning, note or off
ospo-scan: ` + bad + `: 2 problems (listed above)
`
	if r.code != 2 || r.stderr != want {
		t.Errorf("validate: %d\n%s\nwant\n%s", r.code, r.stderr, want)
	}
	if r := runMain(t, "policy", "validate", filepath.Join(dir, "none.yml")); r.code != 2 || !strings.Contains(r.stderr, "the policy file does not exist") {
		t.Errorf("validate of a missing file: %d %q", r.code, r.stderr)
	}
	if r := runMain(t, "policy", "validate", "../../policy/testdata/layered/team.yml"); r.code != 0 || !strings.Contains(r.stdout, "(extending ../../policy/testdata/layered/base.yml) is valid: 24 rules (2 custom), profiles cooperation, fork, archived, in-house, 2 exemptions") {
		t.Errorf("validate of a layered policy: %d %q %q", r.code, r.stdout, r.stderr)
	}
}
