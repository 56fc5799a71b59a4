package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/it-at-m/ospo-scan/forges/forgetest"
	"github.com/it-at-m/ospo-scan/report"
)

// forgeOnly are the rules that only forge metadata answers; on a local
// folder they are not applicable, so they differ by design.
var forgeOnly = map[string]bool{"security/private-reporting": true, "repo/description": true, "repo/default-branch": true}

// ospoScanEnv runs the built binary with extra environment variables.
func ospoScanEnv(t *testing.T, env map[string]string, args ...string) run {
	t.Helper()
	return runBinaryIn(t, ".", env, args...)
}

// outcomeTable renders "rule status path" lines (messages may add what
// only the forge knows, e.g. "CodeQL default setup is not enabled") of the results
// of the rules that do not need forge metadata.
func outcomeTable(rep report.Report, base func(string) string) map[string]string {
	out := map[string]string{}
	for _, r := range rep.Repositories {
		var b strings.Builder
		for _, res := range r.Results {
			if forgeOnly[res.Rule] {
				continue
			}
			b.WriteString(res.Rule + " " + string(res.Status) + " " + res.Path + "\n")
		}
		out[base(r.Name)] = b.String()
	}
	return out
}

func TestGitHubOrgGivesTheSameResultsAsLocalFolders(t *testing.T) {
	gh := forgetest.NewGitHub(t, forgetest.GitHubOptions{Org: "lhm-sample", ReposDir: fixtureOrg, MaxPerPage: 5,
		Repos: map[string]forgetest.GitHubRepo{"fully-compliant": {Description: "A compliant sample", PrivateReporting: "enabled"}}})
	cache := t.TempDir()
	env := map[string]string{"XDG_CACHE_HOME": cache, "GITHUB_TOKEN": "ghp_e2eSECRETtoken0123456789"}
	remote := ospoScanEnv(t, env, "org", "lhm-sample", "--api-url", gh.URL(), "-f", "json", "--stats")
	if remote.code != 1 {
		t.Fatalf("org over the fake GitHub: exit %d, stderr %s", remote.code, remote.stderr)
	}
	validateSchema(t, remote.stdout)
	local := ospoScan(t, ".", "org", fixtureOrg, "-f", "json")
	rr, lr := decodeReport(t, remote.stdout), decodeReport(t, local.stdout)
	if len(rr.Repositories) != len(lr.Repositories) {
		t.Fatalf("%d repositories over the API, %d on disk", len(rr.Repositories), len(lr.Repositories))
	}
	got := outcomeTable(rr, func(n string) string { return strings.TrimPrefix(n, "lhm-sample/") })
	want := outcomeTable(lr, func(n string) string { return n })
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s differs between org over the API and the local folder:\nAPI:\n%s\nlocal:\n%s", name, got[name], w)
		}
	}
	for _, r := range rr.Repositories {
		if !strings.HasPrefix(r.URL, "https://github.com/lhm-sample/") || r.Visibility != "public" {
			t.Errorf("%s: url %q visibility %q", r.Name, r.URL, r.Visibility)
		}
		if r.Name == "lhm-sample/fully-compliant" {
			if s := result(rr, r.Name, "security/private-reporting"); len(s) != 1 || s[0] != "pass" {
				t.Errorf("private reporting enabled on the forge: %v", s)
			}
			if s := result(rr, r.Name, "repo/description"); len(s) != 1 || s[0] != "pass" {
				t.Errorf("description on the forge: %v", s)
			}
		}
	}
	if !strings.Contains(remote.stderr, "requests (") {
		t.Errorf("--stats printed nothing: %q", remote.stderr)
	}
	// The token appears nowhere: output, errors, cache paths or contents.
	assertNoSecret(t, "ghp_e2eSECRETtoken0123456789", remote.stdout+remote.stderr, cache)

	// A second scan is answered by conditional requests.
	gh.ResetRequests()
	again := ospoScanEnv(t, env, "org", "lhm-sample", "--api-url", gh.URL(), "-f", "json")
	if again.code != 1 {
		t.Fatalf("warm scan exit %d: %s", again.code, again.stderr)
	}
	if counted, repos := gh.Counted(), len(rr.Repositories); counted > repos+4 {
		t.Errorf("warm cache: %d requests counted against the rate limit for %d repositories", counted, repos)
	}
}

func assertNoSecret(t *testing.T, secret, output, dir string) {
	t.Helper()
	if strings.Contains(output, secret) {
		t.Error("the token appears in the output")
	}
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return nil
		}
		if strings.Contains(p, secret) {
			t.Errorf("the token appears in the cache path %s", p)
		}
		if info.Mode().IsRegular() {
			if data, _ := os.ReadFile(p); bytes.Contains(data, []byte(secret)) {
				t.Errorf("the token appears in the cache file %s", p)
			}
		}
		return nil
	})
}

func TestGitHubRepoAndBadInput(t *testing.T) {
	gh := forgetest.NewGitHub(t, forgetest.GitHubOptions{Org: "lhm-sample", ReposDir: fixtureOrg, Token: "ghp_rightTOKEN"})
	env := map[string]string{"XDG_CACHE_HOME": t.TempDir(), "GITHUB_TOKEN": "ghp_rightTOKEN"}

	r := ospoScanEnv(t, env, "repo", "lhm-sample/scorecard-only", "--api-url", gh.URL(), "-f", "json")
	if r.code != 1 {
		t.Fatalf("repo: exit %d: %s", r.code, r.stderr)
	}
	rep := decodeReport(t, r.stdout)
	if len(rep.Repositories) != 1 || rep.Repositories[0].Name != "lhm-sample/scorecard-only" {
		t.Fatalf("repositories %+v", rep.Repositories)
	}
	if s := result(rep, "lhm-sample/scorecard-only", "security/codeql"); len(s) != 1 || s[0] != "fail" {
		t.Errorf("security/codeql = %v", s)
	}

	r = ospoScanEnv(t, env, "org", "lhm-samplex", "--api-url", gh.URL())
	if r.code != 2 || !strings.Contains(r.stderr, "lhm-samplex not found") || strings.Count(strings.TrimSpace(r.stderr), "\n") > 0 {
		t.Errorf("unknown org: exit %d, stderr %q; want 2 with one line naming it", r.code, r.stderr)
	}
	r = ospoScanEnv(t, env, "repo", "lhm-sample/nope", "--api-url", gh.URL())
	if r.code != 2 || !strings.Contains(r.stderr, "nope") {
		t.Errorf("unknown repo: exit %d, stderr %q", r.code, r.stderr)
	}

	bad := map[string]string{"XDG_CACHE_HOME": t.TempDir(), "GH_TOKEN": "ghp_wrongSECRET"}
	r = ospoScanEnv(t, bad, "org", "lhm-sample", "--api-url", gh.URL())
	if r.code != 2 || !strings.Contains(strings.ToLower(r.stderr), "token") || strings.Contains(r.stderr, "ghp_wrongSECRET") {
		t.Errorf("invalid token: exit %d, stderr %q; want 2 about the token without printing it", r.code, r.stderr)
	}

	r = ospoScanEnv(t, env, "org", "lhm-sample", "--api-url", "not a url")
	if r.code != 2 || !strings.Contains(r.stderr, "--api-url") {
		t.Errorf("bad --api-url: exit %d, stderr %q", r.code, r.stderr)
	}
	r = ospoScanEnv(t, env, "org", "lhm-sample", "--api-url", "http://127.0.0.1:1/api/v3/")
	if r.code != 2 && r.code != 3 || r.stdout != "" || r.stderr == "" {
		t.Errorf("unreachable host: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

func TestGitHubRepositoryLostMidScanIsErrored(t *testing.T) {
	gh := forgetest.NewGitHub(t, forgetest.GitHubOptions{Org: "lhm-sample", ReposDir: fixtureOrg})
	gh.Fault(forgetest.GitHubFault{Path: "/repos/lhm-sample/wahlen-ui/git/**", Kind: forgetest.NotFound})
	r := ospoScanEnv(t, map[string]string{"XDG_CACHE_HOME": t.TempDir()}, "org", "lhm-sample", "--api-url", gh.URL(), "-f", "json", "--fail-on", "never", "-q")
	if r.code != 3 {
		t.Fatalf("exit %d, want 3 (scan incomplete); stderr %s", r.code, r.stderr)
	}
	rep := decodeReport(t, r.stdout)
	var errored []string
	for _, repo := range rep.Repositories {
		if repo.Status == "errored" {
			errored = append(errored, repo.Name+": "+repo.Error)
			if len(repo.Results) != 0 {
				t.Errorf("an errored repository carries results that look complete: %+v", repo.Results)
			}
		}
	}
	if len(errored) != 1 || !strings.Contains(errored[0], "wahlen-ui") {
		t.Errorf("errored = %v, want only wahlen-ui with its reason", errored)
	}
	if rep.Summary.Errored != 1 || rep.Summary.Repositories != len(rep.Repositories) {
		t.Errorf("summary %+v", rep.Summary)
	}
}

func TestGitLabGroupProjectAndMultiTarget(t *testing.T) {
	gl := forgetest.NewGitLab(t, forgetest.GitLabOptions{Groups: map[string]string{"landeshauptstadt-muenchen": fixtureOrg}, Token: "glpat-SECRETe2e", MaxPerPage: 4})
	cache := t.TempDir()
	env := map[string]string{"XDG_CACHE_HOME": cache, "GITLAB_TOKEN": "glpat-SECRETe2e"}
	r := ospoScanEnv(t, env, "org", "gitlab.opencode.de/landeshauptstadt-muenchen", "--api-url", gl.URL(), "-f", "json")
	if r.code != 1 {
		t.Fatalf("GitLab group: exit %d: %s", r.code, r.stderr)
	}
	validateSchema(t, r.stdout)
	rep := decodeReport(t, r.stdout)
	local := decodeReport(t, ospoScan(t, ".", "org", fixtureOrg, "-f", "json").stdout)
	got := outcomeTable(rep, func(n string) string { return strings.TrimPrefix(n, "landeshauptstadt-muenchen/") })
	want := outcomeTable(local, func(n string) string { return n })
	// A missing CODEOWNERS is expected where the forge reads it: at the
	// root on GitLab, in .github/ on GitHub.
	for name := range got {
		got[name] = strings.ReplaceAll(got[name], "docs/codeowners fail CODEOWNERS\n", "docs/codeowners fail .github/CODEOWNERS\n")
	}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s differs between the GitLab API and the local folder:\nAPI:\n%s\nlocal:\n%s", name, got[name], w)
		}
	}
	for _, repo := range rep.Repositories {
		if s := result(rep, repo.Name, "security/private-reporting"); len(s) != 1 || s[0] != "not-applicable" {
			t.Errorf("%s: security/private-reporting on GitLab = %v, want not-applicable", repo.Name, s)
		}
	}
	assertNoSecret(t, "glpat-SECRETe2e", r.stdout+r.stderr, cache)

	r = ospoScanEnv(t, env, "repo", "gitlab.opencode.de/landeshauptstadt-muenchen/eappointment", "--api-url", gl.URL(), "-f", "json")
	if r.code != 1 {
		t.Fatalf("GitLab project: exit %d: %s", r.code, r.stderr)
	}
	if rep := decodeReport(t, r.stdout); len(rep.Repositories) != 1 || len(rep.Repositories[0].Licenses) != 1 || rep.Repositories[0].Licenses[0].SPDX != "EUPL-1.2" {
		t.Errorf("project report %s", r.stdout)
	}

	r = ospoScanEnv(t, env, "org", "gitlab.opencode.de/landeshauptstadt-muenchenx", "--api-url", gl.URL())
	if r.code != 2 || !strings.Contains(r.stderr, "landeshauptstadt-muenchenx") || !strings.Contains(r.stderr, "gitlab.opencode.de") {
		t.Errorf("unknown group: exit %d stderr %q; want 2 naming the group and the host", r.code, r.stderr)
	}

	// The whole estate in one report: a GitHub organisation and a GitLab
	// group whose projects mirror it.
	gh := forgetest.NewGitHub(t, forgetest.GitHubOptions{Org: "it-at-m", ReposDir: fixtureOrg,
		Repos: map[string]forgetest.GitHubRepo{"eappointment": {Description: "Terminvereinbarung"}}})
	both := ospoScanEnv(t, env, "org", "it-at-m", "gitlab.opencode.de/landeshauptstadt-muenchen",
		"--api-url", "github.com="+gh.URL(), "--api-url", "gitlab.opencode.de="+gl.URL(), "-f", "json")
	if both.code != 1 {
		t.Fatalf("two forges: exit %d %s", both.code, both.stderr)
	}
	rep = decodeReport(t, both.stdout)
	if strings.Join(rep.Targets, ",") != "it-at-m,gitlab.opencode.de/landeshauptstadt-muenchen" {
		t.Errorf("targets = %v", rep.Targets)
	}
	n := len(local.Repositories)
	if len(rep.Repositories) != 2*n {
		t.Fatalf("%d repositories, want %d from each forge", len(rep.Repositories), n)
	}
	for _, repo := range rep.Repositories {
		if repo.Forge != "gitlab" {
			continue
		}
		name := strings.TrimPrefix(repo.Name, "landeshauptstadt-muenchen/")
		if repo.MirrorOf != "it-at-m/"+name {
			t.Errorf("%s: mirrorOf %q, want it-at-m/%s", repo.Name, repo.MirrorOf, name)
		}
		// Mirrors differ only in what the forges know: GitHub has private
		// vulnerability reporting settings, GitLab has none.
		for _, d := range repo.MirrorDrift {
			if !forgeOnly[d] {
				t.Errorf("%s drifts from its origin in %s, which the files decide", repo.Name, d)
			}
		}
	}
	var md bytes.Buffer
	md.WriteString(ospoScanEnv(t, env, "org", "it-at-m", "gitlab.opencode.de/landeshauptstadt-muenchen",
		"--api-url", "github.com="+gh.URL(), "--api-url", "gitlab.opencode.de="+gl.URL(), "-f", "markdown").stdout)
	if !strings.Contains(md.String(), "mirror") {
		t.Errorf("the Markdown report does not mention mirrors:\n%s", md.String())
	}
}

// TestArchivedAndForksSkippedUnlessAsked: org scans leave archived
// repositories and forks out; with the flags they are scanned under the
// archived and fork profiles.
func TestArchivedAndForksSkippedUnlessAsked(t *testing.T) {
	gh := forgetest.NewGitHub(t, forgetest.GitHubOptions{Org: "lhm-sample", ReposDir: fixtureOrg, Repos: map[string]forgetest.GitHubRepo{
		"dave-frontend":   {Archived: true},
		"consul-muenchen": {Fork: true},
	}})
	env := map[string]string{"XDG_CACHE_HOME": t.TempDir()}
	names := func(rep report.Report) map[string]report.Repository {
		m := map[string]report.Repository{}
		for _, r := range rep.Repositories {
			m[strings.TrimPrefix(r.Name, "lhm-sample/")] = r
		}
		return m
	}
	r := ospoScanEnv(t, env, "org", "lhm-sample", "--api-url", gh.URL(), "-f", "json", "-q")
	got := names(decodeReport(t, r.stdout))
	if _, ok := got["dave-frontend"]; ok {
		t.Error("an archived repository was scanned without --include-archived")
	}
	if _, ok := got["consul-muenchen"]; ok {
		t.Error("a fork was scanned without --include-forks")
	}
	r = ospoScanEnv(t, env, "org", "lhm-sample", "--api-url", gh.URL(), "-f", "json", "-q", "--include-archived", "--include-forks")
	got = names(decodeReport(t, r.stdout))
	fork, arch := got["consul-muenchen"], got["dave-frontend"]
	if fork.Profile != "fork" || len(fork.Results) != 1 || fork.Results[0].Rule != "license/present" {
		t.Errorf("fork: profile %q results %+v; want only license/present under the fork profile", fork.Profile, fork.Results)
	}
	if arch.Profile != "archived" || len(arch.Results) == 0 || len(arch.Results) > 4 {
		t.Errorf("archived: profile %q with %d results; want the reduced archived set", arch.Profile, len(arch.Results))
	}
}
