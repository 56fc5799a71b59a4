package gitlab_test

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/it-at-m/ospo-scan/forges"
	"github.com/it-at-m/ospo-scan/forges/forgetest"
	"github.com/it-at-m/ospo-scan/forges/gitlab"
	"github.com/it-at-m/ospo-scan/forges/httpx"
)

// testToken is distinctive so that a leak is found by a plain search.
const testToken = "glpat-LEAKCHECK-7f3a9c1e5b2d4068"

// testHost names the fake server in messages, as a real host would be.
const testHost = "gitlab.example.test"

type harness struct {
	fake  *forgetest.GitLab
	forge *gitlab.Forge
	stats *httpx.Stats
	logs  *forgetest.Notices
}

type setup struct {
	token    string // sent as PRIVATE-TOKEN; "" is anonymous
	cacheDir string // "" disables the cache
	retries  int    // httpx.Options.MaxRetries; 0 means 1 retry here
	timeout  time.Duration
}

// newHarness starts a fake GitLab and a Forge wired to it the way the
// command wires a real one: httpx with PRIVATE-TOKEN auth for the API host.
func newHarness(t testing.TB, fo forgetest.GitLabOptions, s setup) *harness {
	t.Helper()
	fake := forgetest.NewGitLab(t, fo)
	return connect(t, fake, s)
}

func connect(t testing.TB, fake *forgetest.GitLab, s setup) *harness {
	t.Helper()
	logs := &forgetest.Notices{}
	u, err := url.Parse(fake.URL())
	if err != nil {
		t.Fatal(err)
	}
	if s.retries == 0 {
		s.retries = 1
	}
	if s.timeout == 0 {
		s.timeout = 5 * time.Second
	}
	hc, stats := httpx.New(httpx.Options{
		Token:      s.token,
		AuthHeader: httpx.HeaderAuth("PRIVATE-TOKEN"),
		Host:       testHost,
		APIHost:    u.Host,
		CacheDir:   s.cacheDir,
		Immutable:  gitlab.Immutable,
		MaxRetries: s.retries,
		RetryWait:  time.Millisecond,
		Timeout:    s.timeout,
		Logf:       logs.Logf,
	})
	f, err := gitlab.New(gitlab.Options{HTTPClient: hc, APIURL: fake.URL(), Host: testHost, Token: s.token != "", Logf: logs.Logf})
	if err != nil {
		t.Fatal(err)
	}
	return &harness{fake: fake, forge: f, stats: stats, logs: logs}
}

func (h *harness) source(t testing.TB, path string, isRepo bool) forges.Source {
	t.Helper()
	src, err := h.forge.Source(context.Background(), forges.Target{Raw: testHost + "/" + path, Forge: forges.GitLab, Host: testHost, Path: path}, isRepo)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// open lists src and opens the project named full.
func (h *harness) open(t testing.TB, src forges.Source, full string) *forges.Repo {
	t.Helper()
	ms, err := src.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.FullName == full {
			r, err := src.Open(context.Background(), m)
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
	}
	t.Fatalf("%s not listed", full)
	return nil
}

// writeTree writes files under dir. A value "->TARGET" makes a symbolic
// link to TARGET.
func writeTree(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if target, ok := strings.CutPrefix(content, "->"); ok {
			if err := os.Symlink(target, p); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// sampleRepo is a small repository in the shape of the LHM template.
var sampleRepo = map[string]string{
	"README.md":                    "# Sample\n\n## Usage\n\nRun it.\n\n## Contact\n\nopensource@muenchen.de\n",
	"LICENSE":                      "MIT License\n\nCopyright (c) 2024 Landeshauptstadt München | it@M\n",
	".github/CODEOWNERS":           "* @it-at-m/team\n",
	".github/workflows/build.yml":  "on: push\njobs:\n  b:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n",
	".github/workflows/codeql.yml": "on: push\n",
	"docs/index.md":                "# Docs\n",
	"src/main.go":                  "package main\n",
}
