package gitlab_test

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/it-at-m/ospo-scan/forges"
	"github.com/it-at-m/ospo-scan/forges/forgetest"
	"github.com/it-at-m/ospo-scan/forges/local"
	"github.com/it-at-m/ospo-scan/report"
	"github.com/it-at-m/ospo-scan/rules"
	"github.com/it-at-m/ospo-scan/scanner"
)

const sampleOrg = "../../testdata/orgs/lhm-sample"

func scan(t testing.TB, src forges.Source) *report.Report {
	t.Helper()
	rep, err := scanner.Scan(context.Background(), []forges.Source{src}, scanner.Options{
		Policy:          scanner.Static{Profile: "in-house", Rules: rules.Defaults(rules.Builtin())},
		Concurrency:     4,
		IncludeArchived: true,
		IncludeForks:    true,
		Now:             func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) },
	})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// forgeOnly says whether a rule's result rests on what only a forge knows
// (a plain folder has no description, no settings and no default branch),
// so that it may differ between a folder and the same files on GitLab.
func forgeOnly(id string) bool {
	r, err := rules.Find(rules.Builtin(), id)
	return err == nil && r.NeedsForge || id == "repo/default-branch"
}

// trickyRepo exercises what a remote tree makes hard: links, a folder of
// more than one tree page, GitLab's own places, a large file.
func trickyRepo() map[string]string {
	files := bigRepo()
	files[".gitlab/CODEOWNERS"] = "* @lhm/team\n"
	files[".gitlab-ci.yml"] = "include:\n  - template: Jobs/SAST.gitlab-ci.yml\n  - template: Jobs/Dependency-Scanning.gitlab-ci.yml\n"
	files["SECURITY.md"] = "->docs/SECURITY.md"
	files["docs/SECURITY.md"] = "# Security\n\nMail opensource@muenchen.de.\n"
	files["CONTRIBUTING.md"] = "->../../outside/CONTRIBUTING.md"
	files["assets/huge.bin"] = strings.Repeat("z", forges.MaxFileSize+10)
	return files
}

// forgeDependent lists the rules that read different places on GitLab by
// design: GitLab takes CODEOWNERS from the root, docs/ or .gitlab/ only,
// never from .github/, and brand/contact-domain reads the CODEOWNERS file
// the forge uses.
var forgeDependent = map[string]bool{"docs/codeowners": true, "brand/contact-domain": true}

// asGitLab presents local checkouts as GitLab projects, so that rules which
// read forge-specific places read GitLab's: what remains to differ is the
// file tree itself.
type asGitLab struct{ forges.Source }

func (s asGitLab) List(ctx context.Context) ([]forges.Meta, error) {
	ms, err := s.Source.List(ctx)
	for i := range ms {
		ms[i].Forge = forges.GitLab
	}
	return ms, err
}

func TestSameResultsAsLocalFolder(t *testing.T) {
	extra := t.TempDir()
	tricky := trickyRepo()
	delete(tricky, ".github/CODEOWNERS") // only GitLab's place
	writeTree(t, filepath.Join(extra, "tricky"), tricky)
	writeTree(t, filepath.Join(extra, "plain"), sampleRepo)
	for _, folder := range []string{sampleOrg, extra} {
		t.Run(filepath.Base(folder), func(t *testing.T) {
			lf, err := local.NewFolder(folder)
			if err != nil {
				t.Fatal(err)
			}
			h := newHarness(t, forgetest.GitLabOptions{Groups: map[string]string{"lhm/sample": folder}}, setup{})
			got := scan(t, h.source(t, "lhm/sample", false))
			// The same rules as `check` on each folder, apart from what
			// only a forge knows and what GitLab reads elsewhere ...
			sameResults(t, got, scan(t, lf), func(id string) bool { return forgeOnly(id) || forgeDependent[id] })
			// ... and all of those too when the folder reads GitLab's
			// places: then only the transport differs.
			sameResults(t, got, scan(t, asGitLab{lf}), forgeOnly)
		})
	}
}

func sameResults(t *testing.T, got, want *report.Report, skip func(id string) bool) {
	t.Helper()
	if len(got.Repositories) != len(want.Repositories) || len(want.Repositories) == 0 {
		t.Fatalf("%d repositories through GitLab, %d in the folder", len(got.Repositories), len(want.Repositories))
	}
	compared := 0
	for i, w := range want.Repositories {
		g := got.Repositories[i]
		if g.Name != "lhm/sample/"+w.Name {
			t.Fatalf("repository %d: %s through GitLab, %s in the folder", i, g.Name, w.Name)
		}
		if g.Error != "" || w.Error != "" {
			t.Errorf("%s: errored: gitlab %q, local %q", w.Name, g.Error, w.Error)
			continue
		}
		if a, b := fmt.Sprint(g.Licenses), fmt.Sprint(w.Licenses); a != b {
			t.Errorf("%s: licences %s through GitLab, %s in the folder", w.Name, a, b)
		}
		gr, wr := comparable(g.Results, skip), comparable(w.Results, skip)
		compared += len(wr)
		if strings.Join(gr, "\n") != strings.Join(wr, "\n") {
			t.Errorf("%s: results differ\n--- through GitLab\n%s\n--- in the folder\n%s", w.Name, strings.Join(gr, "\n"), strings.Join(wr, "\n"))
		}
	}
	if min := 10 * len(want.Repositories); compared < min {
		t.Errorf("compared only %d results; the rule set is too small for this test to mean much", compared)
	}
}

func comparable(rs []rules.Result, skip func(string) bool) []string {
	var out []string
	for _, r := range rs {
		if skip(r.Rule) {
			continue
		}
		out = append(out, fmt.Sprintf("%s | %s | %s:%d | %s", r.Rule, r.Status, r.Path, r.Line, r.Message))
	}
	sort.Strings(out)
	return out
}

func TestColdScanFetchesEachURLOnce(t *testing.T) {
	h := newHarness(t, forgetest.GitLabOptions{Groups: map[string]string{"lhm": sampleOrg}}, setup{})
	rep := scan(t, h.source(t, "lhm", false))
	if rep.Summary.Errored != 0 {
		t.Fatalf("%d projects errored", rep.Summary.Errored)
	}
	seen := map[string]bool{}
	for _, r := range h.fake.Requests() {
		if seen[r.URL] {
			t.Errorf("%s requested twice", r.URL)
		}
		seen[r.URL] = true
	}
}

func TestFaultsMakeProjectsErrored(t *testing.T) {
	root := t.TempDir()
	for _, p := range []string{"p1", "p2", "p3", "p4", "p5", "p6"} {
		writeTree(t, filepath.Join(root, p), sampleRepo)
	}
	fake := forgetest.NewGitLab(t, forgetest.GitLabOptions{Groups: map[string]string{"lhm": root}})
	id := func(p string) string { return fmt.Sprintf("/projects/%d/", fake.ProjectID("lhm/"+p)) }
	fake.Fault(forgetest.GitLabFault{Match: id("p1") + "repository/blobs/", Status: 500})
	fake.Fault(forgetest.GitLabFault{Match: id("p2") + "repository/tree", Timeout: true})
	fake.Fault(forgetest.GitLabFault{Match: id("p3") + "repository/tree", Malformed: true})
	fake.Fault(forgetest.GitLabFault{Match: id("p4") + "repository/tree", Status: 404})
	// Passing faults: a 502 and a 429 once each are retried.
	fake.Fault(forgetest.GitLabFault{Match: id("p5") + "repository/tree", Status: 502, Times: 1})
	fake.Fault(forgetest.GitLabFault{Match: id("p6") + "repository/tree", Status: 429, RetryAfter: 1, Times: 1})
	h := connect(t, fake, setup{timeout: 300 * time.Millisecond})
	rep := scan(t, h.source(t, "lhm", false))

	want := map[string]string{
		"lhm/p1": " of lhm/p1 on " + testHost + ": HTTP 500 Internal Server Error (gave up after 2 attempts)",
		"lhm/p2": "reading the file tree of lhm/p2 on " + testHost + ": no answer in time",
		"lhm/p3": "reading the file tree of lhm/p3 on " + testHost + ": the server sent malformed JSON",
		"lhm/p4": "is gone (HTTP 404)",
		"lhm/p5": "",
		"lhm/p6": "",
	}
	for _, r := range rep.Repositories {
		w := want[r.Name]
		switch {
		case w == "" && r.Error != "":
			t.Errorf("%s errored: %s", r.Name, r.Error)
		case w != "" && !strings.Contains(r.Error, w):
			t.Errorf("%s: error %q, want it to say %q", r.Name, r.Error, w)
		case w != "" && (r.Status != report.Errored || len(r.Results) != 0):
			t.Errorf("%s: status %s with %d results, want errored without results", r.Name, r.Status, len(r.Results))
		}
	}
	if rep.Summary.Errored != 4 || !rep.Incomplete() {
		t.Errorf("summary %+v, want 4 errored", rep.Summary)
	}
}

func TestTokenNeverInOutput(t *testing.T) {
	cache := t.TempDir()
	fo := forgetest.GitLabOptions{Groups: map[string]string{"lhm": sampleOrg}, Token: testToken}
	fake := forgetest.NewGitLab(t, fo)
	fake.Fault(forgetest.GitLabFault{Match: fmt.Sprintf("/projects/%d/repository/blobs/", fake.ProjectID("lhm/wahlen-ui")), Status: 500})

	var outputs []string
	for range 2 { // cold, then warm from the cache
		h := connect(t, fake, setup{token: testToken, cacheDir: cache})
		rep := scan(t, h.source(t, "lhm", false))
		if rep.Summary.Errored != 1 {
			t.Fatalf("%d errored, want the one with the fault", rep.Summary.Errored)
		}
		for _, f := range report.Formats() {
			var buf bytes.Buffer
			if err := report.Write(&buf, f, rep); err != nil {
				t.Fatal(err)
			}
			outputs = append(outputs, buf.String())
		}
		outputs = append(outputs, h.logs.String(), h.stats.Snapshot().String())
		for _, src := range []string{"lhm/nope", "lhm/wahlen-ui"} {
			if _, err := h.source(t, src, false).List(context.Background()); err != nil {
				outputs = append(outputs, err.Error())
			}
		}
	}
	// A wrong token: its message must not print it either.
	bad := connect(t, fake, setup{token: testToken + "-revoked"})
	_, err := bad.source(t, "lhm", false).List(context.Background())
	if err == nil {
		t.Fatal("a wrong token was accepted")
	}
	outputs = append(outputs, err.Error(), bad.logs.String())

	for i, o := range outputs {
		if strings.Contains(o, testToken) {
			t.Errorf("output %d contains the token:\n%s", i, o)
		}
	}
	sent := 0
	for _, r := range fake.Requests() {
		if strings.Contains(r.URL, testToken) {
			t.Errorf("request URL %s contains the token", r.URL)
		}
		for k, vs := range r.Header {
			for _, v := range vs {
				if strings.Contains(v, testToken) && k != "Private-Token" {
					t.Errorf("header %s carries the token", k)
				}
			}
		}
		if r.Header.Get("Private-Token") == testToken {
			sent++
		}
	}
	if sent == 0 {
		t.Fatal("the token was never sent: this test checks nothing")
	}
	files := 0
	err = filepath.WalkDir(cache, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if strings.Contains(p, testToken) {
			t.Errorf("cache path %s contains the token", p)
		}
		if d.Type().IsRegular() {
			files++
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			if bytes.Contains(b, []byte(testToken)) {
				t.Errorf("cache file %s contains the token", path.Base(p))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 10 {
		t.Errorf("only %d cache files: the cache was not used", files)
	}
}
