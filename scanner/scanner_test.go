package scanner_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/it-at-m/ospo-scan/forges"
	"github.com/it-at-m/ospo-scan/forges/local"
	"github.com/it-at-m/ospo-scan/report"
	"github.com/it-at-m/ospo-scan/rules"
	"github.com/it-at-m/ospo-scan/scanner"
)

// memSource is an in-memory forges.Source: repositories are fstest.MapFS
// trees, and a test can make Open fail or watch it.
type memSource struct {
	target  string
	repos   []memRepo
	openErr map[string]error
	// onOpen, if set, runs at the start of every Open.
	onOpen func(name string)

	mu    sync.Mutex
	opens map[string]int
}

type memRepo struct {
	meta forges.Meta
	fs   fs.FS
}

func (s *memSource) Target() string { return s.target }

func (s *memSource) List(context.Context) ([]forges.Meta, error) {
	out := make([]forges.Meta, len(s.repos))
	for i, r := range s.repos {
		out[i] = r.meta
	}
	return out, nil
}

func (s *memSource) Open(_ context.Context, m forges.Meta) (*forges.Repo, error) {
	s.mu.Lock()
	if s.opens == nil {
		s.opens = map[string]int{}
	}
	s.opens[m.FullName]++
	s.mu.Unlock()
	if s.onOpen != nil {
		s.onOpen(m.FullName)
	}
	if err := s.openErr[m.FullName]; err != nil {
		return nil, err
	}
	for _, r := range s.repos {
		if r.meta.FullName == m.FullName {
			return &forges.Repo{Meta: m, FS: r.fs}, nil
		}
	}
	return nil, fmt.Errorf("%s was not listed", m.FullName)
}

func (s *memSource) openCount(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.opens[name]
}

func memMeta(name string) forges.Meta {
	return forges.Meta{
		Forge:    forges.GitHub,
		Host:     "github.com",
		FullName: "it-at-m/" + name,
		Name:     name,
		URL:      "https://github.com/it-at-m/" + name,
	}
}

func file(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }

// Test rules that exercise the scanner without depending on the built-in
// rule set: one result per repository, one result per finding, and a
// rule that panics.
var (
	readmeRule = &rules.Rule{
		ID: "test/readme", Title: "has a README", Severity: rules.Warning,
		Check: func(p *rules.Pass) []rules.Result {
			if _, err := p.Facts.ReadFile("README.md"); err != nil {
				return []rules.Result{p.Failed("README.md", 0, "no README.md")}
			}
			return []rules.Result{p.Passed("README.md", "README.md")}
		},
	}
	todoRule = &rules.Rule{
		ID: "test/todo", Title: "no TODO in main.go", Severity: rules.Note,
		Check: func(p *rules.Pass) []rules.Result {
			data, err := p.Facts.ReadFile("main.go")
			if err != nil {
				return []rules.Result{p.NotApplicable("no main.go")}
			}
			var out []rules.Result
			sc := bufio.NewScanner(bytes.NewReader(data))
			for n := 1; sc.Scan(); n++ {
				if line := strings.TrimSpace(sc.Text()); strings.Contains(line, "TODO") {
					r := p.Failed("main.go", n, "%s", line)
					r.Evidence = line
					out = append(out, r)
				}
			}
			if len(out) == 0 {
				out = append(out, p.Passed("main.go", "no TODO"))
			}
			return out
		},
	}
	panicRule = &rules.Rule{
		ID: "test/panic", Title: "panics", Severity: rules.Error,
		Check: func(p *rules.Pass) []rules.Result { panic("index out of range [3] with length 3") },
	}
)

func testOptions(concurrency int, rs ...*rules.Rule) scanner.Options {
	return scanner.Options{
		Policy:      scanner.Static{Profile: "in-house", Rules: rules.Defaults(rs)},
		Concurrency: concurrency,
		Tool:        report.Tool{Name: "ospo-scan", Version: "test"},
		Now:         func() time.Time { return time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC) },
	}
}

func names(rep *report.Report) []string {
	var out []string
	for _, r := range rep.Repositories {
		out = append(out, r.Name)
	}
	return out
}

func entry(t *testing.T, rep *report.Report, name string) report.Repository {
	t.Helper()
	for _, r := range rep.Repositories {
		if r.Name == name {
			return r
		}
	}
	t.Fatalf("%s not in report (have %v)", name, names(rep))
	return report.Repository{}
}

// generatedSource lists n repositories in a shuffled order; every third has
// no README and every fourth two TODOs, so that results vary in number.
func generatedSource(n int, seed uint64) *memSource {
	src := &memSource{target: "it-at-m"}
	for i := range n {
		m := fstest.MapFS{"main.go": file("package main\n\nfunc main() {}\n")}
		if i%3 != 0 {
			m["README.md"] = file(fmt.Sprintf("# repo %d\n", i))
		}
		if i%4 == 0 {
			m["main.go"] = file("package main\n\n// TODO: one\nfunc main() {}\n// TODO: two\n")
		}
		src.repos = append(src.repos, memRepo{memMeta(fmt.Sprintf("repo-%03d", i)), m})
	}
	r := rand.New(rand.NewPCG(seed, seed))
	r.Shuffle(len(src.repos), func(i, j int) { src.repos[i], src.repos[j] = src.repos[j], src.repos[i] })
	return src
}

func TestScanDeterministicAcrossConcurrency(t *testing.T) {
	var outputs [][]byte
	for _, c := range []int{1, 8} {
		rep, err := scanner.Scan(context.Background(), []forges.Source{generatedSource(40, uint64(c))}, testOptions(c, readmeRule, todoRule))
		if err != nil {
			t.Fatal(err)
		}
		if got := names(rep); !slices.IsSorted(got) || len(got) != 40 {
			t.Fatalf("concurrency %d: repositories %v, want 40 sorted by name", c, got)
		}
		if rep.Summary.Findings.Warning != 14 || rep.Summary.Findings.Note != 20 {
			t.Errorf("concurrency %d: findings %+v, want 14 warnings (no README) and 20 notes (TODOs)", c, rep.Summary.Findings)
		}
		data, err := json.Marshal(rep)
		if err != nil {
			t.Fatal(err)
		}
		outputs = append(outputs, data)
	}
	if !bytes.Equal(outputs[0], outputs[1]) {
		t.Errorf("reports differ between concurrency 1 and 8 (and shuffled listings):\n%s\n%s", outputs[0], outputs[1])
	}
}

func TestScanFiltersArchivedAndForks(t *testing.T) {
	mk := func(name string, archived, fork bool) memRepo {
		m := memMeta(name)
		m.Archived, m.Fork = archived, fork
		return memRepo{m, fstest.MapFS{"README.md": file("# x\n")}}
	}
	src := &memSource{target: "it-at-m", repos: []memRepo{
		mk("active", false, false), mk("history", true, false), mk("upstream-fork", false, true), mk("old-fork", true, true),
	}}
	for _, tc := range []struct {
		archived, forks bool
		want            []string
	}{
		{false, false, []string{"it-at-m/active"}},
		{true, false, []string{"it-at-m/active", "it-at-m/history"}},
		{false, true, []string{"it-at-m/active", "it-at-m/upstream-fork"}},
		{true, true, []string{"it-at-m/active", "it-at-m/history", "it-at-m/old-fork", "it-at-m/upstream-fork"}},
	} {
		opts := testOptions(2, readmeRule)
		opts.IncludeArchived, opts.IncludeForks = tc.archived, tc.forks
		rep, err := scanner.Scan(context.Background(), []forges.Source{src}, opts)
		if err != nil {
			t.Fatal(err)
		}
		if got := names(rep); !slices.Equal(got, tc.want) {
			t.Errorf("archived=%v forks=%v: scanned %v, want %v", tc.archived, tc.forks, got, tc.want)
		}
		if rep.Summary.Repositories != len(tc.want) {
			t.Errorf("summary counts %d repositories, want %d", rep.Summary.Repositories, len(tc.want))
		}
	}
}

func TestScanOpenFailureBecomesErroredEntry(t *testing.T) {
	src := generatedSource(6, 1)
	src.openErr = map[string]error{
		"it-at-m/repo-002": fmt.Errorf("fetch tree of it-at-m/repo-002: %w", errors.New("HTTP 404 Not Found\n<html>body</html>")),
	}
	rep, err := scanner.Scan(context.Background(), []forges.Source{src}, testOptions(3, readmeRule))
	if err != nil {
		t.Fatalf("one unopenable repository must not fail the scan: %v", err)
	}
	broken := entry(t, rep, "it-at-m/repo-002")
	if broken.Status != report.Errored || broken.Error != "fetch tree of it-at-m/repo-002: HTTP 404 Not Found" {
		t.Errorf("broken entry: status %q, error %q; want errored with the first line of the reason", broken.Status, broken.Error)
	}
	if len(broken.Results) != 0 {
		t.Errorf("broken entry has results %+v", broken.Results)
	}
	for _, r := range rep.Repositories {
		if r.Name != broken.Name && (r.Status == report.Errored || len(r.Results) != 1) {
			t.Errorf("%s: status %s with %d results; the other repositories must complete", r.Name, r.Status, len(r.Results))
		}
	}
	if rep.Summary.Errored != 1 || rep.Summary.Repositories != 6 || !rep.Incomplete() {
		t.Errorf("summary %+v, incomplete %v; want 1 of 6 errored", rep.Summary, rep.Incomplete())
	}
}

func TestScanPanickingRuleYieldsErrorResultOnlyForThatRule(t *testing.T) {
	rep, err := scanner.Scan(context.Background(), []forges.Source{generatedSource(3, 2)}, testOptions(2, panicRule, readmeRule))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rep.Repositories {
		if r.Status == report.Errored || r.Error != "" {
			t.Errorf("%s errored (%q): a panicking rule must not lose the repository", r.Name, r.Error)
		}
		var got []string
		for _, res := range r.Results {
			got = append(got, res.Rule+"="+string(res.Status))
			if res.Rule == "test/panic" && !strings.Contains(res.Message, "internal error in rule test/panic") {
				t.Errorf("%s: panic result message %q does not name the rule", r.Name, res.Message)
			}
		}
		want := []string{"test/panic=error", "test/readme=" + string(map[bool]rules.Status{true: rules.StatusFail, false: rules.StatusPass}[r.Name == "it-at-m/repo-000"])}
		if !slices.Equal(got, want) {
			t.Errorf("%s: results %v, want %v", r.Name, got, want)
		}
	}
}

func TestScanCancelled(t *testing.T) {
	t.Run("mid-scan", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		src := generatedSource(50, 3)
		var once sync.Once
		opened := 0
		var mu sync.Mutex
		src.onOpen = func(string) {
			mu.Lock()
			opened++
			n := opened
			mu.Unlock()
			if n == 3 {
				once.Do(cancel)
			}
		}
		rep, err := scanner.Scan(ctx, []forges.Source{src}, testOptions(2, readmeRule))
		if !errors.Is(err, context.Canceled) || rep != nil {
			t.Fatalf("Scan = %v, %v; want no report and context.Canceled", rep, err)
		}
		mu.Lock()
		defer mu.Unlock()
		if opened >= 50 {
			t.Errorf("all %d repositories were opened after cancellation", opened)
		}
	})
	t.Run("before the scan", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		rep, err := scanner.Scan(ctx, []forges.Source{generatedSource(5, 4)}, testOptions(2, readmeRule))
		if !errors.Is(err, context.Canceled) || rep != nil {
			t.Fatalf("Scan = %v, %v; want no report and context.Canceled", rep, err)
		}
	})
}

func TestScanDuplicatesAcrossSourcesScannedOnce(t *testing.T) {
	mk := func(name string) memRepo { return memRepo{memMeta(name), fstest.MapFS{"README.md": file("# x\n")}} }
	a := &memSource{target: "it-at-m", repos: []memRepo{mk("shared"), mk("only-a")}}
	b := &memSource{target: "github.com/it-at-m", repos: []memRepo{mk("only-b"), mk("shared")}}
	rep, err := scanner.Scan(context.Background(), []forges.Source{a, b}, testOptions(4, readmeRule))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := names(rep), []string{"it-at-m/only-a", "it-at-m/only-b", "it-at-m/shared"}; !slices.Equal(got, want) {
		t.Errorf("repositories %v, want %v", got, want)
	}
	if n := a.openCount("it-at-m/shared") + b.openCount("it-at-m/shared"); n != 1 {
		t.Errorf("it-at-m/shared opened %d times, want once", n)
	}
	if !slices.Equal(rep.Targets, []string{"it-at-m", "github.com/it-at-m"}) {
		t.Errorf("targets %v, want both, in the order given", rep.Targets)
	}

	// The same name on another host is another repository.
	other := mk("shared")
	other.meta.Host = "github.example.org"
	c := &memSource{target: "github.example.org/it-at-m", repos: []memRepo{other}}
	rep, err = scanner.Scan(context.Background(), []forges.Source{a, c}, testOptions(4, readmeRule))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Repositories) != 3 {
		t.Errorf("same name on two hosts: %d entries, want 3 (%v)", len(rep.Repositories), names(rep))
	}
}

// failures scans one repository named name with the given rule and
// returns its failing results.
func failures(t *testing.T, name string, files fstest.MapFS, r *rules.Rule) []rules.Result {
	t.Helper()
	src := &memSource{target: "it-at-m", repos: []memRepo{{memMeta(name), files}}}
	rep, err := scanner.Scan(context.Background(), []forges.Source{src}, testOptions(1, r))
	if err != nil {
		t.Fatal(err)
	}
	var out []rules.Result
	for _, res := range rep.Repositories[0].Results {
		if res.Status == rules.StatusFail {
			out = append(out, res)
		}
	}
	return out
}

func TestFingerprintStableWhenFindingMoves(t *testing.T) {
	t.Run("scanner", func(t *testing.T) {
		before := failures(t, "svc", fstest.MapFS{"main.go": file("package main\n\n// TODO: retry\nfunc main() {}\n")}, todoRule)
		after := failures(t, "svc", fstest.MapFS{"main.go": file("package main\n\nimport \"os\"\n\nvar x = 1\n\n// TODO: retry\nfunc main() {}\n// TODO: log\n")}, todoRule)
		if len(before) != 1 || len(after) != 2 {
			t.Fatalf("findings before %d, after %d; want 1 and 2", len(before), len(after))
		}
		if before[0].Line == after[0].Line {
			t.Fatalf("the finding did not move (line %d): the test proves nothing", before[0].Line)
		}
		if before[0].Fingerprint == "" || before[0].Fingerprint != after[0].Fingerprint {
			t.Errorf("fingerprint changed when the finding moved from line %d to %d: %q -> %q", before[0].Line, after[0].Line, before[0].Fingerprint, after[0].Fingerprint)
		}
		if after[1].Fingerprint == after[0].Fingerprint {
			t.Errorf("two different findings share fingerprint %q", after[0].Fingerprint)
		}
		other := failures(t, "other-svc", fstest.MapFS{"main.go": file("package main\n\n// TODO: retry\nfunc main() {}\n")}, todoRule)
		if other[0].Fingerprint == before[0].Fingerprint {
			t.Error("the same finding in two repositories shares a fingerprint")
		}
	})
	t.Run("actions/pinned", func(t *testing.T) {
		pinned, err := rules.Find(rules.Builtin(), "actions/pinned")
		if err != nil {
			t.Fatalf("the built-in rule is needed for this check: %v", err)
		}
		wf := "name: ci\non: push\npermissions:\n  contents: read\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - uses: actions/setup-go@v5\n"
		moved := strings.Replace(wf, "jobs:\n", "# Builds on every push.\n# Owned by it@M.\n\njobs:\n", 1)
		before := failures(t, "svc", fstest.MapFS{".github/workflows/ci.yml": file(wf)}, pinned)
		after := failures(t, "svc", fstest.MapFS{".github/workflows/ci.yml": file(moved)}, pinned)
		if len(before) != 2 || len(after) != 2 {
			t.Fatalf("findings before %d, after %d; want 2 and 2", len(before), len(after))
		}
		for i := range before {
			if before[i].Line+3 != after[i].Line {
				t.Errorf("finding %d: line %d -> %d, want it 3 lines lower", i, before[i].Line, after[i].Line)
			}
			if before[i].Fingerprint != after[i].Fingerprint {
				t.Errorf("%s: fingerprint changed when it moved", before[i].Message)
			}
		}
		if before[0].Fingerprint == before[1].Fingerprint {
			t.Error("two unpinned references share a fingerprint")
		}
	})
}

// --- benchmarks ---

// writeRepo writes a typical LHM repository to dir with n files: the
// community files and workflows the rules read, root extra files at the
// root, and the rest in nested source folders that no rule should walk.
func writeRepo(tb testing.TB, dir string, n, root int) {
	tb.Helper()
	put := func(rel, content string) {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	base := map[string]string{
		".github/README.md":                       benchReadme,
		".github/CODE_OF_CONDUCT.md":              "# Contributor Covenant Code of Conduct\n\nversion 2.1, available at https://www.contributor-covenant.org/version/2/1/code_of_conduct.html\n\nopensource@muenchen.de\n",
		".github/CODEOWNERS":                      "* @it-at-m/team\n",
		"SECURITY.md":                             "# Security\n\nReport vulnerabilities to opensource@muenchen.de.\n",
		"LICENSE":                                 benchMIT,
		".github/workflows/codeql.yml":            "name: codeql\non: [pull_request]\npermissions:\n  contents: read\njobs:\n  c:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: it-at-m/lhm_actions/action-templates/actions/action-codeql@1f4370c5e243b96e9a90d7569b20b535e24e7c17\n",
		".github/workflows/dependency-review.yml": "name: dr\non: [pull_request]\npermissions:\n  contents: read\njobs:\n  d:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/dependency-review-action@v4\n",
		"package.json":                            `{"name": "@muenchen/bench", "license": "MIT"}` + "\n",
	}
	for rel, content := range base {
		put(rel, content)
	}
	rest := n - len(base)
	for i := range root {
		put(fmt.Sprintf("notes-%03d.md", i), "note\n")
	}
	for i := range rest - root {
		put(fmt.Sprintf("src/main/java/de/muenchen/m%02d/p%02d/Class%04d.java", i%50, (i/50)%20, i), "class C {}\n")
	}
}

const benchReadme = `# Bench

[![Made with love by it@M](https://img.shields.io/badge/made%20with%20%E2%9D%A4%20by-it%40M-yellow?style=for-the-badge)](https://opensource.muenchen.de/)

A generated repository for benchmarks, long enough to count as a real README
and not a stub: it describes nothing, but it has all the sections.

## Contributing

Open a pull request.

## License

MIT, see LICENSE.

## Contact

it@M - opensource@muenchen.de
`

// benchMIT is the MIT licence with the LHM copyright line, shared with the
// licence detection tests.
var benchMIT = string(must(os.ReadFile("../licenses/testdata/MIT.txt")))

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

// warmUp scans once before timing: the first licence detection in a
// process builds licensecheck's matcher (seconds), which would otherwise be
// charged to whichever benchmark runs first.
func warmUp(b *testing.B, src forges.Source, opts scanner.Options) {
	b.Helper()
	if _, err := scanner.Scan(context.Background(), []forges.Source{src}, opts); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkScanFolder scans one local checkout of 10 and of 50,000 files
// with the built-in rules. The two should cost about the same: rules read
// named files and list a few directories, never the tree.
//
// The middle case has the large repository's 300 root files without its
// nested ones: the root listing is what the rules do read, so it, not the
// tree, accounts for any difference.
func BenchmarkScanFolder(b *testing.B) {
	for _, tc := range []struct{ files, root int }{{10, 0}, {310, 300}, {50_000, 300}} {
		b.Run(fmt.Sprintf("files=%d/root=%d", tc.files, tc.root), func(b *testing.B) {
			org := b.TempDir()
			writeRepo(b, filepath.Join(org, "bench-repo"), tc.files, tc.root)
			folder, err := local.NewFolder(org)
			if err != nil {
				b.Fatal(err)
			}
			opts := testOptions(1, rules.Builtin()...)
			warmUp(b, folder, opts)
			for b.Loop() {
				rep, err := scanner.Scan(context.Background(), []forges.Source{folder}, opts)
				if err != nil || len(rep.Repositories) != 1 || rep.Repositories[0].Error != "" {
					b.Fatalf("scan: %v %+v", err, rep)
				}
			}
		})
	}
}

// BenchmarkScan1000 scans 1,000 generated in-memory repositories with the
// built-in rules and 8 workers: the cost of the scanner and the rules
// without any disk or network.
func BenchmarkScan1000(b *testing.B) {
	src := &memSource{target: "it-at-m"}
	for i := range 1000 {
		m := fstest.MapFS{
			".github/README.md":                       file(strings.Replace(benchReadme, "# Bench", fmt.Sprintf("# Bench %d", i), 1)),
			".github/CODE_OF_CONDUCT.md":              file("# Contributor Covenant Code of Conduct\n\nversion 2.1\n"),
			".github/CODEOWNERS":                      file("* @it-at-m/team\n"),
			"SECURITY.md":                             file("Report vulnerabilities to opensource@muenchen.de.\n"),
			"LICENSE":                                 file(benchMIT),
			".github/workflows/ci.yml":                file(fmt.Sprintf("name: ci\non: push\njobs:\n  b:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v%d\n", i%5)),
			".github/workflows/dependency-review.yml": file("name: dr\non: [pull_request]\npermissions: {}\njobs:\n  d:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/dependency-review-action@v4\n"),
			"src/main.go":                             file("package main\n"),
		}
		src.repos = append(src.repos, memRepo{memMeta(fmt.Sprintf("bench-%04d", i)), m})
	}
	opts := testOptions(8, rules.Builtin()...)
	warmUp(b, src, opts)
	scans := 0
	for b.Loop() {
		rep, err := scanner.Scan(context.Background(), []forges.Source{src}, opts)
		if err != nil || len(rep.Repositories) != 1000 {
			b.Fatalf("scan: %v", err)
		}
		scans++
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(scans*1000), "ns/repo")
}
