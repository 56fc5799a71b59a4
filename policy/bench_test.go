package policy

import (
	"context"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/it-at-m/ospo-scan/rules"
)

// bigPolicy writes a policy with n custom rules, each with its own
// expression, path or pattern so that nothing is compiled only once:
//
//   - 2/5 CEL: half on metadata only, half reading files (files.exists,
//     files.contains with an alternation that defeats regexp's literal
//     prefix scan);
//   - 1/5 file-exists with a glob;
//   - 1/5 file-contains, case-insensitive with an alternation;
//   - 1/10 file-not-contains, 1/10 license.
//
// Every content pattern matches the fixture's README or SECURITY.md, so
// each of them runs its regular expression: a heavy policy.
func bigPolicy(n int) []byte {
	var b strings.Builder
	b.WriteString("custom:\n")
	for i := range n {
		fmt.Fprintf(&b, "  - id: bench/r%d\n    title: Rule %d\n    severity: note\n", i, i)
		switch i % 5 {
		case 0:
			fmt.Fprintf(&b, "    type: expr\n    expr: repo.name.matches('^[a-z0-9-]+$') && size(repo.topics) >= 0 && repo.name != 'x%d'\n", i)
		case 1:
			fmt.Fprintf(&b, "    type: expr\n    expr: files.exists('README.md') && files.contains('README.md', 'Contact|r%d') || licenses == ['MIT']\n", i)
		case 2:
			fmt.Fprintf(&b, "    type: file-exists\n    paths: [CODE_OF_CONDUCT.md, \".github/workflows/*.yml\", docs/r%d.md]\n", i)
		case 3:
			fmt.Fprintf(&b, "    type: file-contains\n    paths: [README.md, SECURITY.md]\n    pattern: '(?i)opensource@muenchen\\.de|r%d'\n    in: any\n", i)
		case 4:
			if i%10 == 4 {
				fmt.Fprintf(&b, "    type: file-not-contains\n    paths: [\".github/workflows/*.yml\"]\n    pattern: 'muenchendigital\\.io/r%d'\n", i)
			} else {
				b.WriteString("    type: license\n    allow: [MIT, EUPL-1.2]\n    deny: [AGPL-1.0-or-later]\n")
			}
		}
	}
	return []byte(b.String())
}

// BenchmarkLoad200 loads and compiles a policy with 200 custom rules,
// 80 of them CEL. The CEL environment is built once per process (the
// first Load pays ~10 ms more); the budget is 50 ms per load.
func BenchmarkLoad200(b *testing.B) {
	src := bigPolicy(200)
	builtin := rules.Builtin()
	if _, err := Parse("big.yml", src, builtin); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := Parse("big.yml", src, builtin); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkScanFixture scans the fixture organisation with the built-in
// rules, and with 50 and 200 custom rules of bigPolicy added: the
// difference is what custom rules cost a scan.
func BenchmarkScanFixture(b *testing.B) {
	builtin := rules.Builtin()
	with20, err := Parse("big.yml", bigPolicy(20), builtin)
	if err != nil {
		b.Fatal(err)
	}
	with50, err := Parse("big.yml", bigPolicy(50), builtin)
	if err != nil {
		b.Fatal(err)
	}
	with200, err := Parse("big.yml", bigPolicy(200), builtin)
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		p    *Policy
	}{{"builtin", Default(builtin)}, {"builtin+20custom", with20}, {"builtin+50custom", with50}, {"builtin+200custom", with200}} {
		scanFixture(b, bc.p) // warm the licence matcher and the file system cache
		b.Run(bc.name, func(b *testing.B) {
			// CPU time of this process, which other work on a shared
			// machine does not inflate the way it does wall time.
			start := cpuTime()
			for b.Loop() {
				scanFixture(b, bc.p)
			}
			b.ReportMetric(float64(cpuTime()-start)/float64(b.N)/1e6, "cpu-ms/op")
		})
	}
}

// BenchmarkEval200 runs only the 200 custom rules on one repository, with
// fresh Facts each time as a scan has (so files are read again).
func BenchmarkEval200(b *testing.B) {
	p, err := Parse("big.yml", bigPolicy(200), rules.Builtin())
	if err != nil {
		b.Fatal(err)
	}
	_, set := p.For(localMeta("eappointment"))
	var custom []rules.Configured
	for _, c := range set {
		if c.Custom {
			custom = append(custom, c)
		}
	}
	src := fixtureRepo(b, "eappointment")
	rules.Run(context.Background(), src, custom) // warm the licence matcher
	b.ResetTimer()
	for b.Loop() {
		rules.Run(context.Background(), src, custom)
	}
}

// BenchmarkEvalByType runs 200 custom rules of one type on one fixture
// repository whose files are already read (Facts kept): the cost of a
// rule per repository is about ns/op / 200.
func BenchmarkEvalByType(b *testing.B) {
	types := map[string]string{
		"expr-metadata":     "    type: expr\n    expr: repo.name.matches('^[a-z0-9-]+$') && size(repo.topics) >= 0 && repo.name != 'x%d'\n",
		"expr-files":        "    type: expr\n    expr: files.exists('README.md') && files.contains('README.md', 'Contact|r%d')\n",
		"file-exists":       "    type: file-exists\n    paths: [CODE_OF_CONDUCT.md, \".github/workflows/*.yml\", docs/r%d.md]\n",
		"file-contains":     "    type: file-contains\n    paths: [README.md, SECURITY.md]\n    pattern: '(?i)opensource@muenchen\\.de|r%d'\n    in: any\n",
		"file-not-contains": "    type: file-not-contains\n    paths: [\".github/workflows/*.yml\"]\n    pattern: 'muenchendigital\\.io/r%d'\n",
		"license":           "    type: license\n    allow: [MIT, EUPL-1.2, r%d]\n",
	}
	src := fixtureRepo(b, "eappointment")
	for _, name := range []string{"expr-metadata", "expr-files", "file-exists", "file-contains", "file-not-contains", "license"} {
		var pol strings.Builder
		pol.WriteString("custom:\n")
		for i := range 200 {
			fmt.Fprintf(&pol, "  - id: bench/r%d\n    title: R\n", i)
			body := types[name]
			if name == "license" {
				body = strings.Replace(body, ", r%d", "", 1)
			}
			if strings.Contains(body, "%d") {
				body = fmt.Sprintf(body, i)
			}
			pol.WriteString(body)
		}
		p, err := Parse("bench.yml", []byte(pol.String()), rules.Builtin())
		if err != nil {
			b.Fatal(err)
		}
		_, set := p.For(src.Meta)
		var custom []rules.Configured
		for _, c := range set {
			if c.Custom {
				custom = append(custom, c)
			}
		}
		b.Run(name, func(b *testing.B) {
			facts := rules.NewFacts(src)
			rules.RunWithFacts(context.Background(), src, facts, custom)
			for b.Loop() {
				rules.RunWithFacts(context.Background(), src, facts, custom)
			}
		})
	}
}

// cpuTime is the user and system CPU time of the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestBenchPolicyFileIsCurrent keeps testdata/bench-200-custom-rules.yml,
// which the end-to-end benchmark of the built binary loads, equal to
// bigPolicy(200). Regenerate it with OSPO_WRITE_BENCH_POLICY=1.
func TestBenchPolicyFileIsCurrent(t *testing.T) {
	const name = "testdata/bench-200-custom-rules.yml"
	want := append([]byte("# Generated by bigPolicy(200) in bench_test.go: 200 custom rules, 80 of them CEL.\n"), bigPolicy(200)...)
	if os.Getenv("OSPO_WRITE_BENCH_POLICY") != "" {
		if err := os.WriteFile(name, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(name)
	if err != nil || string(got) != string(want) {
		t.Fatalf("%s is stale or missing (%v): run OSPO_WRITE_BENCH_POLICY=1 go test ./policy -run TestBenchPolicyFileIsCurrent", name, err)
	}
}
