package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// runBinary runs the built ospo-scan once for a benchmark iteration; exit
// 1 (findings) is expected, anything else fails.
func runBinary(b *testing.B, args ...string) {
	cmd := exec.Command(binary, args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + b.TempDir()}
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); err != nil && (!ok || ee.ExitCode() > 1) {
		b.Fatalf("ospo-scan %v: %v", args, err)
	}
}

// BenchmarkEndToEndFixtureOrg: the whole fixture organisation scanned by
// the built binary, process start to JSON report (target: well under
// 100 ms).
func BenchmarkEndToEndFixtureOrg(b *testing.B) {
	for b.Loop() {
		runBinary(b, "org", fixtureOrg, "-f", "json", "-o", os.DevNull)
	}
}

// BenchmarkEndToEnd1000Repos: 1,000 generated repositories (copies of
// the fixture repositories, so every rule has real work) scanned by the
// built binary (target: under 5 s on 2 cores).
func BenchmarkEndToEnd1000Repos(b *testing.B) {
	org := filepath.Join(b.TempDir(), "org")
	entries, err := os.ReadDir(fixtureOrg)
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < 1000; i++ {
		src := entries[i%len(entries)].Name()
		if err := os.CopyFS(filepath.Join(org, fmt.Sprintf("%s-%04d", src, i)), os.DirFS(filepath.Join(fixtureOrg, src))); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		runBinary(b, "org", org, "-f", "json", "-o", os.DevNull, "--concurrency", "8")
	}
}

// BenchmarkEndToEndFixtureOrgCustomRules is BenchmarkEndToEndFixtureOrg
// with a policy of 200 custom rules (80 CEL): loading, compiling and
// evaluating them, compared with the built-in rules alone (target: under
// 20% more).
func BenchmarkEndToEndFixtureOrgCustomRules(b *testing.B) {
	for b.Loop() {
		runBinary(b, "org", fixtureOrg, "-f", "json", "-o", os.DevNull, "--config", "../../policy/testdata/bench-200-custom-rules.yml")
	}
}
