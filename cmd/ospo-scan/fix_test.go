package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// copyTree copies the directory src into dst (which must not exist),
// keeping file modes.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		if d.IsDir() {
			return os.MkdirAll(target, info.Mode().Perm()|0o700)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, info.Mode().Perm())
	})
	if err != nil {
		t.Fatalf("copy %s: %v", src, err)
	}
}

// snapshot returns every file under dir by slash path.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = string(data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// fixTargets are the rules `fix` makes pass, unless it says it cannot.
var fixTargets = []string{
	"license/present", "license/approved", "license/copyright-holder",
	"docs/readme", "docs/readme-sections", "docs/contributing", "docs/code-of-conduct",
	"security/contact", "security/policy",
}

var cannotFixRe = regexp.MustCompile(`(?m)^cannot fix automatically: ([a-z-]+/[a-z-]+): (.+)$`)

// TestFixEveryFixture runs `fix` on a copy of every fixture repository,
// then `check`: the rules fix repairs pass afterwards, except those the
// dry run said it cannot fix; existing files keep their bytes (appends
// only); a second `fix --write` changes nothing.
func TestFixEveryFixture(t *testing.T) {
	entries, err := os.ReadDir(fixtureOrg)
	if err != nil {
		t.Fatal(err)
	}
	// What the dry run must say for the fixtures that fail a rule fix
	// repairs (testdata/README.md).
	wantPlan := map[string][]string{
		"mobidam-sample":  {"create LICENSE (MIT, Landeshauptstadt München | it@M)", "because license/present: package.json declares MIT"},
		"contact-only":    {"create SECURITY.md", "because security/policy:", "append sections Contributing, License to README.md", "because docs/contributing:"},
		"dave-frontend":   {"create SECURITY.md", "because security/policy:"},
		"consul-muenchen": {"append sections Contributing, Contact to README.md", "cannot fix automatically: license/approved: LICENSE-AGPLv3.txt: AGPL-3.0", "cannot fix automatically: license/copyright-holder:"},
		"eappointment":    {"nothing to fix automatically in eappointment", "cannot fix automatically: license/approved:", "cannot fix automatically: security/policy: SECURITY.md line 6 still has the template placeholder [timeframe, e.g., 0-2 weeks]"},
	}
	seen := 0
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		name := e.Name()
		seen++
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), name)
			copyTree(t, filepath.Join(fixtureOrg, name), dir)
			before := snapshot(t, dir)

			dry := ospoScan(t, ".", "fix", dir, "--year", "2030")
			if strings.TrimSpace(dry.stderr) != "" {
				t.Errorf("dry run wrote to stderr: %s", dry.stderr)
			}
			planned := strings.Count(dry.stdout, "\n  create ") + strings.Count(dry.stdout, "\n  append ")
			switch {
			case planned > 0 && dry.code != 1, planned == 0 && dry.code != 0:
				t.Fatalf("dry run: exit %d with %d planned changes, want 1 when something would change, else 0:\n%s", dry.code, planned, dry.stdout)
			}
			for _, want := range wantPlan[name] {
				if !strings.Contains(dry.stdout, want) {
					t.Errorf("dry run lacks %q:\n%s", want, dry.stdout)
				}
			}
			if !sameFiles(snapshot(t, dir), before) {
				t.Fatal("the dry run changed files")
			}
			cannot := map[string]bool{}
			for _, m := range cannotFixRe.FindAllStringSubmatch(dry.stdout, -1) {
				cannot[m[1]] = true
			}

			w := ospoScan(t, ".", "fix", dir, "--write", "--year", "2030")
			if w.code != 0 {
				t.Fatalf("fix --write: exit %d\n%s%s", w.code, w.stdout, w.stderr)
			}
			if got := strings.Count(w.stdout, "created ") + strings.Count(w.stdout, "appended "); got != planned {
				t.Errorf("--write did %d changes, the dry run planned %d:\n%s\n--- dry run:\n%s", got, planned, w.stdout, dry.stdout)
			}
			after := snapshot(t, dir)
			for p, old := range before {
				cur, ok := after[p]
				switch {
				case !ok:
					t.Errorf("%s was removed", p)
				case !strings.HasPrefix(cur, old):
					t.Errorf("%s was rewritten, not appended to", p)
				case cur != old && !strings.HasPrefix(cur[len(old):], "\n") && !strings.HasSuffix(old, "\n\n"):
					t.Errorf("%s: the appended block does not follow a blank line: %q", p, cur[len(old):min(len(cur), len(old)+40)])
				}
			}
			for p := range after {
				if _, ok := before[p]; !ok && !slices.Contains([]string{"LICENSE", ".github/CODE_OF_CONDUCT.md", "SECURITY.md", "README.md"}, p) {
					t.Errorf("fix created an unexpected file %s", p)
				}
			}
			if lic, ok := after["LICENSE"]; ok && before["LICENSE"] == "" && !strings.Contains(lic, "Copyright (c) 2030 Landeshauptstadt München | it@M") {
				t.Errorf("created LICENSE lacks the --year and holder:\n%s", lic)
			}

			chk := ospoScan(t, ".", "check", dir, "-f", "json", "--fail-on", "never")
			if chk.code != 0 {
				t.Fatalf("check after fix: exit %d\n%s", chk.code, chk.stderr)
			}
			rep := decodeReport(t, chk.stdout)
			for _, rule := range fixTargets {
				for _, status := range result(rep, name, rule) {
					if (status == "fail" || status == "error") && !cannot[rule] {
						t.Errorf("after fix, %s is %s, and the dry run did not say it cannot fix it:\n%s", rule, status, dry.stdout)
					}
				}
				if len(result(rep, name, rule)) == 0 {
					t.Errorf("check reported no result for %s", rule)
				}
			}

			again := ospoScan(t, ".", "fix", dir, "--write", "--year", "2031")
			if again.code != 0 || strings.Contains(again.stdout, "created ") || strings.Contains(again.stdout, "appended ") {
				t.Errorf("a second fix --write changed something (exit %d):\n%s", again.code, again.stdout)
			}
			if !sameFiles(snapshot(t, dir), after) {
				t.Error("a second fix --write changed files")
			}
			if d := ospoScan(t, ".", "fix", dir); d.code != 0 {
				t.Errorf("dry run after fix: exit %d, want 0:\n%s", d.code, d.stdout)
			}
		})
	}
	if seen < 10 {
		t.Fatalf("only %d fixture repositories in %s", seen, fixtureOrg)
	}
}

func sameFiles(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// TestFixDefaultsToCurrentDirectory runs fix without PATH in a checkout.
func TestFixDefaultsToCurrentDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "mobidam-sample")
	copyTree(t, filepath.Join(fixtureOrg, "mobidam-sample"), dir)
	r := ospoScan(t, dir, "fix", "--write", "--year", "2027")
	if r.code != 0 || !strings.Contains(r.stdout, "created LICENSE (MIT, Landeshauptstadt München | it@M)") {
		t.Fatalf("exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	data, err := os.ReadFile(filepath.Join(dir, "LICENSE"))
	if err != nil || !strings.Contains(string(data), "Copyright (c) 2027 Landeshauptstadt München | it@M") {
		t.Errorf("LICENSE: %v\n%s", err, data)
	}
}

func TestFixUsageErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "notes.txt")
	os.WriteFile(file, []byte("x"), 0o644)
	missing := filepath.Join(t.TempDir(), "no-such-checkout")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"fix", missing}, missing},
		{[]string{"fix", file, "--write"}, file},
		{[]string{"fix", ".", "--year", "26"}, "--year"},
		{[]string{"fix", ".", "--contact", "nobody"}, "--contact"},
		{[]string{"fix", ".", "--contact", "you@example.com"}, "example.com"},
		{[]string{"fix", "a", "b"}, "fix takes at most one PATH"},
	} {
		r := ospoScan(t, ".", c.args...)
		if r.code != 2 {
			t.Errorf("%v: exit %d, want 2\n%s%s", c.args, r.code, r.stdout, r.stderr)
			continue
		}
		if lines := strings.Split(strings.TrimSpace(r.stderr), "\n"); len(lines) != 1 || !strings.Contains(lines[0], c.want) {
			t.Errorf("%v: want one line naming %q, got:\n%s", c.args, c.want, r.stderr)
		}
		if r.stdout != "" {
			t.Errorf("%v printed to stdout: %s", c.args, r.stdout)
		}
	}
}

func TestFixHelp(t *testing.T) {
	r := ospoScan(t, ".", "fix", "--help")
	if r.code != 0 {
		t.Fatalf("exit %d", r.code)
	}
	for _, want := range []string{"Examples:", "ospo-scan fix ../dave-backend --write", "--write", "--year", "--contact", "opensource@muenchen.de", "Exit codes"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("fix --help lacks %q:\n%s", want, r.stdout)
		}
	}
	if root := ospoScan(t, ".", "--help"); !strings.Contains(root.stdout, "fix ") {
		t.Errorf("ospo-scan --help does not list fix:\n%s", root.stdout)
	}
}
