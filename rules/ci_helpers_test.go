package rules_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/it-at-m/ospo-scan/forges"
	"github.com/it-at-m/ospo-scan/rules"
)

// ciRun runs one rule over files and meta through rules.Run, as the
// scanner does. A zero meta gets the name of a well-named GitHub
// repository.
func ciRun(t testing.TB, rule *rules.Rule, files fstest.MapFS, meta forges.Meta, params map[string]any) []rules.Result {
	t.Helper()
	if meta.Name == "" {
		meta.Forge, meta.Name, meta.FullName = forges.GitHub, "dave-backend", "it-at-m/dave-backend"
	}
	repo := &forges.Repo{Meta: meta, FS: files}
	return rules.Run(context.Background(), repo, []rules.Configured{{Rule: rule, Severity: rule.Severity, Params: params}})
}

// ciFiles builds a file tree from path/content pairs.
func ciFiles(pairs ...string) fstest.MapFS {
	m := fstest.MapFS{}
	for i := 0; i+1 < len(pairs); i += 2 {
		m[pairs[i]] = &fstest.MapFile{Data: []byte(pairs[i+1])}
	}
	return m
}

// ciLine returns the 1-based line of the first occurrence of substr in
// src, so that tests state lines by content rather than by counting.
func ciLine(t testing.TB, src, substr string) int {
	t.Helper()
	i := strings.Index(src, substr)
	if i < 0 {
		t.Fatalf("fixture has no %q", substr)
	}
	return 1 + strings.Count(src[:i], "\n")
}

// ciOne asserts that results hold exactly one result and returns it.
func ciOne(t testing.TB, rs []rules.Result) rules.Result {
	t.Helper()
	if len(rs) != 1 {
		t.Fatalf("got %d results, want 1:\n%s", len(rs), ciDump(rs))
	}
	return rs[0]
}

// ciStatus asserts the status of r and that its message contains every
// one of wants.
func ciStatus(t testing.TB, r rules.Result, status rules.Status, wants ...string) {
	t.Helper()
	if r.Status != status {
		t.Errorf("status = %s, want %s (message %q)", r.Status, status, r.Message)
	}
	for _, w := range wants {
		if !strings.Contains(r.Message, w) {
			t.Errorf("message %q does not contain %q", r.Message, w)
		}
	}
}

func ciDump(rs []rules.Result) string {
	var b strings.Builder
	for _, r := range rs {
		b.WriteString("  " + string(r.Status) + " " + r.Path + ":" + strconv.Itoa(r.Line) + " " + r.Message + "\n")
	}
	return b.String()
}

const (
	shaCheckout = "11bd71901bbe5b1630ceea73d27597364c9af683"
	shaLHM      = "1f4370c5e243b96e9a90d7569b20b535e24e7c17"
)
