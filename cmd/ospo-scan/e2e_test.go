package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/it-at-m/ospo-scan/report"
)

// binary is the ospo-scan executable built once for the end-to-end tests.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "ospo-scan-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// Other users (the unreadable-path test runs as nobody) must reach it.
	_ = os.Chmod(dir, 0o755)
	binary = filepath.Join(dir, "ospo-scan")
	if runtime.GOOS == "windows" {
		binary += ".exe"
	}
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build ospo-scan:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

const fixtureOrg = "../../testdata/orgs/lhm-sample"

type run struct {
	code           int
	stdout, stderr string
}

// ospoScan runs the built binary in dir with a clean environment (no
// tokens, a fresh cache directory).
func ospoScan(t *testing.T, dir string, args ...string) run {
	t.Helper()
	return runBinaryIn(t, dir, map[string]string{"XDG_CACHE_HOME": t.TempDir()}, args...)
}

// runBinaryIn runs the built binary in dir with PATH, a fresh HOME and env.
// It fails the test when ospo-scan prints a stack trace.
func runBinaryIn(t *testing.T, dir string, env map[string]string, args ...string) run {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run %v: %v", args, err)
	}
	if strings.Contains(errb.String(), "goroutine ") || strings.Contains(errb.String(), "panic:") {
		t.Fatalf("ospo-scan %v printed a stack trace:\n%s", args, errb.String())
	}
	return run{code, out.String(), errb.String()}
}

func decodeReport(t *testing.T, data string) report.Report {
	t.Helper()
	var rep report.Report
	if err := json.Unmarshal([]byte(data), &rep); err != nil {
		t.Fatalf("JSON report does not parse: %v\n%s", err, data)
	}
	return rep
}

func validateSchema(t *testing.T, data string) {
	t.Helper()
	c := jsonschema.NewCompiler()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(report.Schema()))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AddResource("report.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("report.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(strings.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Fatalf("report does not match its JSON Schema: %v", err)
	}
}

func result(rep report.Report, repo, rule string) (out []string) {
	for _, r := range rep.Repositories {
		if r.Name != repo {
			continue
		}
		for _, res := range r.Results {
			if res.Rule == rule {
				out = append(out, string(res.Status))
			}
		}
	}
	return out
}

func TestCheckCompliantFixture(t *testing.T) {
	r := ospoScan(t, ".", "check", filepath.Join(fixtureOrg, "fully-compliant"), "-f", "json")
	if r.code != 0 {
		t.Fatalf("exit %d, want 0; stderr: %s\n%s", r.code, r.stderr, r.stdout)
	}
	validateSchema(t, r.stdout)
	rep := decodeReport(t, r.stdout)
	if len(rep.Repositories) != 1 || rep.Repositories[0].Name != "fully-compliant" {
		t.Fatalf("want one repository named after its folder, got %+v", rep.Repositories)
	}
	if got := result(rep, "fully-compliant", "repo/description"); len(got) != 1 || got[0] != "not-applicable" {
		t.Errorf("repo/description on a checkout = %v, want not-applicable", got)
	}
	if rep.Summary.Repositories != 1 || rep.Summary.Passed != 1 {
		t.Errorf("summary = %+v", rep.Summary)
	}
}

func TestCheckDefaultsToCurrentDirectory(t *testing.T) {
	dir := filepath.Join(fixtureOrg, "scorecard-only")
	r := ospoScan(t, dir, "check", "-f", "json", "--rule", "security/codeql")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1 (scorecard-only fails security/codeql); stderr: %s", r.code, r.stderr)
	}
	rep := decodeReport(t, r.stdout)
	if got := result(rep, "scorecard-only", "security/codeql"); len(got) != 1 || got[0] != "fail" {
		t.Errorf("security/codeql = %v, want [fail]", got)
	}
	if len(rep.Repositories[0].Results) != 1 {
		t.Errorf("--rule ran %d results, want only security/codeql", len(rep.Repositories[0].Results))
	}
}

func TestCheckBadPaths(t *testing.T) {
	tmp := t.TempDir()
	file := filepath.Join(tmp, "notes.txt")
	os.WriteFile(file, []byte("x"), 0o644)
	for _, tc := range []struct{ path, want string }{
		{filepath.Join(tmp, "missing"), "does not exist"},
		{file, "is a file"},
	} {
		r := ospoScan(t, ".", "check", tc.path)
		if r.code != 2 {
			t.Errorf("check %s: exit %d, want 2", tc.path, r.code)
		}
		if !strings.Contains(r.stderr, tc.path) || !strings.Contains(r.stderr, tc.want) || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
			t.Errorf("check %s: stderr %q should be one line naming the path and saying %q", tc.path, r.stderr, tc.want)
		}
		if r.stdout != "" {
			t.Errorf("check %s wrote a report: %q", tc.path, r.stdout)
		}
	}
}

func TestCheckUnreadablePath(t *testing.T) {
	tmp := t.TempDir()
	os.Chmod(tmp, 0o755)
	locked := filepath.Join(tmp, "locked")
	os.Mkdir(locked, 0o000)
	cmd := exec.Command(binary, "check", locked)
	if os.Geteuid() == 0 {
		// root reads everything: run as nobody so the permission bites.
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	}
	var errb bytes.Buffer
	cmd.Stderr = &errb
	err := cmd.Run()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 2 {
		t.Fatalf("check on an unreadable directory: %v, stderr %q; want exit 2", err, errb.String())
	}
	if !strings.Contains(errb.String(), locked) || !strings.Contains(errb.String(), "permission denied") {
		t.Errorf("stderr %q should name the path and the reason", errb.String())
	}
}

func TestUnknownRuleSuggestsClosest(t *testing.T) {
	for _, args := range [][]string{
		{"check", ".", "--rule", "licence/present"},
		{"check", ".", "--skip-rule", "licence/present"},
		{"explain", "licence/present"},
	} {
		r := ospoScan(t, ".", args...)
		if r.code != 2 || !strings.Contains(r.stderr, "did you mean license/present") {
			t.Errorf("%v: exit %d stderr %q; want 2 with a suggestion", args, r.code, r.stderr)
		}
	}
}

func TestFailOnLevels(t *testing.T) {
	// ci-unpinned fails actions/pinned, a warning.
	dir := filepath.Join(fixtureOrg, "ci-unpinned")
	for _, tc := range []struct {
		failOn string
		want   int
	}{{"error", 0}, {"warning", 1}, {"note", 1}, {"never", 0}} {
		r := ospoScan(t, ".", "check", dir, "--rule", "actions/pinned", "--fail-on", tc.failOn)
		if r.code != tc.want {
			t.Errorf("--fail-on %s: exit %d, want %d; stderr %s", tc.failOn, r.code, tc.want, r.stderr)
		}
	}
	r := ospoScan(t, ".", "check", dir, "--fail-on", "critical")
	if r.code != 2 || !strings.Contains(r.stderr, "--fail-on") {
		t.Errorf("bad --fail-on: exit %d stderr %q", r.code, r.stderr)
	}
}

func TestUnknownFormatAndMissingOutputDirFailBeforeScanning(t *testing.T) {
	r := ospoScan(t, ".", "check", ".", "-f", "xml")
	if r.code != 2 || !strings.Contains(r.stderr, "table") || !strings.Contains(r.stderr, "sarif") {
		t.Errorf("-f xml: exit %d stderr %q; want 2 listing the formats", r.code, r.stderr)
	}
	out := filepath.Join(t.TempDir(), "no", "such", "dir", "r.json")
	r = ospoScan(t, ".", "check", "/definitely/not/here", "-o", out)
	if r.code != 2 || !strings.Contains(r.stderr, "does not exist; create it first") {
		t.Errorf("-o into a missing directory: exit %d stderr %q; want 2 about the directory before scanning", r.code, r.stderr)
	}
}

func TestOutputFileIsAtomicAndDevicesAreWrittenInPlace(t *testing.T) {
	dir := filepath.Join(fixtureOrg, "fully-compliant")
	out := filepath.Join(t.TempDir(), "report.json")
	r := ospoScan(t, ".", "check", dir, "-f", "json", "-o", out)
	if r.code != 0 || r.stdout != "" {
		t.Fatalf("exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	validateSchema(t, string(data))
	leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(out), ".*tmp"))
	if len(leftovers) != 0 {
		t.Errorf("temporary files left behind: %v", leftovers)
	}

	// /dev/null stays a device node (renaming over it as root would
	// replace it with a regular file).
	r = ospoScan(t, ".", "check", dir, "-o", os.DevNull)
	if r.code != 0 {
		t.Fatalf("-o /dev/null: exit %d %s", r.code, r.stderr)
	}
	if st, err := os.Stat(os.DevNull); err != nil || st.Mode()&os.ModeCharDevice == 0 {
		t.Fatalf("/dev/null is no longer a character device: %v %v", st.Mode(), err)
	}

	// A named pipe is written directly, not replaced.
	fifo := filepath.Join(t.TempDir(), "pipe")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	got := make(chan []byte)
	go func() {
		data, _ := os.ReadFile(fifo)
		got <- data
	}()
	r = ospoScan(t, ".", "check", dir, "-f", "json", "-o", fifo)
	if r.code != 0 {
		t.Fatalf("-o FIFO: exit %d %s", r.code, r.stderr)
	}
	select {
	case data := <-got:
		validateSchema(t, string(data))
	case <-time.After(10 * time.Second):
		t.Fatal("nothing arrived through the pipe")
	}
	if st, _ := os.Lstat(fifo); st.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the pipe was replaced by a %v", st.Mode())
	}
}

func TestOrgFolderScansEveryCheckoutSorted(t *testing.T) {
	r := ospoScan(t, ".", "org", fixtureOrg, "-f", "json")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1 (the fixture org has errors); stderr %s", r.code, r.stderr)
	}
	validateSchema(t, r.stdout)
	rep := decodeReport(t, r.stdout)
	entries, _ := os.ReadDir(fixtureOrg)
	var want []string
	for _, e := range entries {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			want = append(want, e.Name())
		}
	}
	var got []string
	for _, repo := range rep.Repositories {
		got = append(got, repo.Name)
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("repositories %v, want every fixture in name order %v", got, want)
	}
	if len(want) < 12 {
		t.Errorf("fixture org has %d repositories, want at least 12", len(want))
	}
	// Two runs give byte-identical JSON apart from generatedAt.
	again := ospoScan(t, ".", "org", fixtureOrg, "-f", "json")
	strip := func(s string) string {
		var lines []string
		for _, l := range strings.Split(s, "\n") {
			if !strings.Contains(l, `"generatedAt"`) {
				lines = append(lines, l)
			}
		}
		return strings.Join(lines, "\n")
	}
	if strip(again.stdout) != strip(r.stdout) {
		t.Error("two scans of the same folder differ beyond generatedAt")
	}
}

func TestRulesExplainVersionHelp(t *testing.T) {
	r := ospoScan(t, ".", "rules")
	if r.code != 0 || !strings.Contains(r.stdout, "license/present") || !strings.Contains(r.stdout, "actions/pinned") {
		t.Errorf("rules: exit %d\n%s", r.code, r.stdout)
	}
	r = ospoScan(t, ".", "explain", "actions/pinned")
	for _, want := range []string{"actions/pinned", "Severity: warning", "How to fix:", "Source:", "https://"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("explain actions/pinned lacks %q:\n%s", want, r.stdout)
		}
	}
	r = ospoScan(t, ".", "version")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "ospo-scan ") {
		t.Errorf("version: %d %q", r.code, r.stdout)
	}
	for _, c := range []string{"check", "repo", "org", "rules", "explain", "version"} {
		r = ospoScan(t, ".", c, "--help")
		if r.code != 0 || !strings.Contains(r.stdout, "Usage:") || !strings.Contains(r.stdout, "Examples:") {
			t.Errorf("%s --help: exit %d, want usage with examples:\n%s", c, r.code, r.stdout)
		}
	}
	r = ospoScan(t, ".", "frobnicate")
	if r.code != 2 {
		t.Errorf("unknown command: exit %d, want 2", r.code)
	}
}

func TestCheckSurvivesHostileFiles(t *testing.T) {
	repo := filepath.Join(t.TempDir(), "hostile")
	os.MkdirAll(filepath.Join(repo, "LICENSE"), 0o755) // a directory named LICENSE
	os.MkdirAll(filepath.Join(repo, ".github"), 0o755)
	os.WriteFile(filepath.Join(repo, "COPYING"), nil, 0o644) // 0 bytes
	os.WriteFile(filepath.Join(repo, "README.md"), []byte("\x00\x01\x02PNG\xff\xfe binary"), 0o644)
	os.WriteFile(filepath.Join(repo, ".github", "CODE_OF_CONDUCT.md"), []byte("Contributor \xff\xfe Covenant \xc3"), 0o644)
	big, _ := os.Create(filepath.Join(repo, "SECURITY.md"))
	big.Truncate(200 << 20) // a sparse 200 MB file
	big.Close()
	os.Symlink("loop-b", filepath.Join(repo, "CONTRIBUTING.md"))
	os.Symlink("CONTRIBUTING.md", filepath.Join(repo, "loop-b"))
	os.Symlink("/etc/passwd", filepath.Join(repo, "CODEOWNERS"))
	syscall.Mkfifo(filepath.Join(repo, "SUPPORT.md"), 0o644)

	done := make(chan run)
	go func() { done <- ospoScan(t, ".", "check", repo, "-f", "json") }()
	var r run
	select {
	case r = <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("check hung on hostile files")
	}
	if r.code != 1 {
		t.Fatalf("exit %d, want 1; stderr %s", r.code, r.stderr)
	}
	rep := decodeReport(t, r.stdout)
	byRule := map[string]string{}
	for _, res := range rep.Repositories[0].Results {
		byRule[res.Rule] += string(res.Status) + ": " + res.Message + "\n"
	}
	if !strings.Contains(byRule["license/present"], "fail") {
		t.Errorf("license/present with a LICENSE directory and an empty COPYING: %s", byRule["license/present"])
	}
	if !strings.Contains(byRule["docs/readme"], "fail") {
		t.Errorf("docs/readme with a binary README: %s", byRule["docs/readme"])
	}
	if !strings.Contains(byRule["security/policy"], "1 MiB") {
		t.Errorf("security/policy with a 200 MB SECURITY.md should say it was too large: %s", byRule["security/policy"])
	}
	if !strings.Contains(byRule["docs/codeowners"], "outside the repository") {
		t.Errorf("docs/codeowners with a CODEOWNERS link to /etc/passwd: %s", byRule["docs/codeowners"])
	}
	if strings.Contains(r.stdout, "root:x:0:0") {
		t.Error("the report contains /etc/passwd: a symlink was followed out of the checkout")
	}
}

func TestInterruptWritesNoReport(t *testing.T) {
	org := filepath.Join(t.TempDir(), "big")
	for i := 0; i < 4000; i++ {
		d := filepath.Join(org, fmt.Sprintf("repo-%04d", i))
		os.MkdirAll(filepath.Join(d, ".github", "workflows"), 0o755)
		os.WriteFile(filepath.Join(d, "README.md"), bytes.Repeat([]byte("Some text. "), 40), 0o644)
		os.WriteFile(filepath.Join(d, ".github", "workflows", "ci.yml"), []byte("on: push\njobs:\n  b:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n"), 0o644)
	}
	out := filepath.Join(t.TempDir(), "report.json")
	cmd := exec.Command(binary, "org", org, "-f", "json", "-o", out, "--concurrency", "1")
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond) // well after the signal handler is installed, well before 4,000 repositories are done
	cmd.Process.Signal(os.Interrupt)
	start := time.Now()
	err := cmd.Wait()
	ee, ok := err.(*exec.ExitError)
	if !ok {
		t.Fatalf("the scan finished before the interrupt (%v): make the generated org bigger", err)
	}
	if ee.ExitCode() != 130 {
		t.Fatalf("exit %d after SIGINT, want 130; stderr %s", ee.ExitCode(), errb.String())
	}
	if time.Since(start) > 10*time.Second {
		t.Errorf("stopping took %v", time.Since(start))
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a report was written after an interrupt: %v", err)
	}
	leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(out), ".*"))
	if len(leftovers) != 0 {
		t.Errorf("temporary files left behind: %v", leftovers)
	}
}

func TestMissingArgumentsSayWhatToGive(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"org"}, "org needs a TARGET"},
		{[]string{"repo"}, "repo needs one TARGET: OWNER/NAME"},
		{[]string{"explain"}, "explain needs one RULE-ID"},
		{[]string{"diff", "old.json"}, "diff needs two JSON reports"},
		{[]string{"check", "a", "b"}, "check takes at most one PATH"},
	} {
		r := ospoScan(t, ".", tc.args...)
		if r.code != 2 || !strings.Contains(r.stderr, tc.want) || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
			t.Errorf("%v: exit %d, stderr %q; want 2 and one line with %q", tc.args, r.code, r.stderr, tc.want)
		}
	}
}

func TestEmptyOrgFolderSaysSo(t *testing.T) {
	r := ospoScan(t, ".", "org", t.TempDir(), "-f", "json")
	if r.code != 0 || !strings.Contains(r.stderr, "has no repository to scan") {
		t.Errorf("exit %d, stderr %q; want 0 and a warning that nothing was found", r.code, r.stderr)
	}
	if rep := decodeReport(t, r.stdout); rep.Summary.Repositories != 0 || rep.Repositories == nil {
		t.Errorf("report %+v; want an empty repositories list", rep)
	}
}
