package github_test

import (
	"context"
	"net/http"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/it-at-m/ospo-scan/forges"
	"github.com/it-at-m/ospo-scan/forges/forgetest"
	"github.com/it-at-m/ospo-scan/forges/github"
	"github.com/it-at-m/ospo-scan/report"
	"github.com/it-at-m/ospo-scan/rules"
	"github.com/it-at-m/ospo-scan/scanner"
)

// The benchmarks scan generated organisations (copies of the fixture
// organisation testdata/orgs/lhm-sample, which is modelled on it-at-m)
// through the fake API with the built-in rule set, and report request
// counts, wall time under latency and peak memory. Run them with
// -benchtime=1x; each iteration is a whole scan.
//
//	go test ./forges/github -run '^$' -bench . -benchtime=1x

var fixtureOrg = filepath.Join("..", "..", "testdata", "orgs", "lhm-sample")

func benchOrg(b *testing.B, n int, unique bool) string {
	b.Helper()
	dir := b.TempDir()
	if _, err := forgetest.GenerateOrg(dir, fixtureOrg, n, forgetest.GenerateOptions{Unique: unique}); err != nil {
		b.Fatal(err)
	}
	// it-at-m's .github repository holds the profile and shared
	// workflow configuration, no community files.
	writeRepo(b, dir, ".github", map[string]string{
		"profile/README.md":                       "# it@M\n",
		"workflow-configs/dependency_review.yaml": "deny-licenses: GPL-1.0-or-later, AGPL-1.0-or-later\n",
	})
	return dir
}

type benchRun struct {
	rep      *report.Report
	repos    int
	total    int // requests the fake received
	counted  int // of which not 304
	listing  int // listing pages
	counted2 int // counted, listing pages aside
	wall     time.Duration
	errored  int
	ruleRuns int
}

func benchScan(b *testing.B, fake *forgetest.GitHub, cacheDir string, concurrency int) benchRun {
	b.Helper()
	f, err := github.New(github.Options{Host: "github.com", APIURL: fake.URL(), Token: "bench-token", CacheDir: cacheDir, Logf: b.Logf})
	if err != nil {
		b.Fatal(err)
	}
	tg, _ := forges.ParseTarget("lhm", "")
	src, err := f.Source(context.Background(), tg)
	if err != nil {
		b.Fatal(err)
	}
	fake.ResetRequests()
	start := time.Now()
	rep, err := scanner.Scan(context.Background(), []forges.Source{src}, scanner.Options{
		Policy:          scanner.Static{Profile: "in-house", Rules: rules.Defaults(rules.Builtin())},
		Concurrency:     concurrency,
		IncludeArchived: true, IncludeForks: true,
	})
	wall := time.Since(start)
	if err != nil {
		b.Fatal(err)
	}
	run := benchRun{rep: rep, repos: len(rep.Repositories), total: fake.Count(""), counted: fake.Counted(),
		listing: fake.Count("/orgs/lhm/repos"), wall: wall, errored: rep.Summary.Errored}
	for _, r := range rep.Repositories {
		run.ruleRuns += len(r.Results)
	}
	for _, r := range fake.Requests() {
		if r.Status != http.StatusNotModified && r.Path != "/orgs/lhm/repos" {
			run.counted2++
		}
	}
	if run.errored > 0 {
		b.Fatalf("%d repositories errored, e.g. %s", run.errored, firstError(rep))
	}
	return run
}

func firstError(rep *report.Report) string {
	for _, r := range rep.Repositories {
		if r.Error != "" {
			return r.Name + ": " + r.Error
		}
	}
	return ""
}

func (r benchRun) report(b *testing.B) {
	per := func(n int) float64 { return float64(n) / float64(r.repos) }
	b.ReportMetric(per(r.total), "req/repo")
	b.ReportMetric(per(r.counted), "counted/repo")
	b.ReportMetric(per(r.counted2), "counted-besides-listing/repo")
	b.ReportMetric(float64(r.listing), "listing-pages")
	b.ReportMetric(float64(r.repos), "repos")
	b.ReportMetric(float64(len(rules.Builtin())), "rules")
}

func benchCold(b *testing.B, unique bool) {
	fake := forgetest.NewGitHub(b, forgetest.GitHubOptions{Org: "lhm", ReposDir: benchOrg(b, 300, unique)})
	var run benchRun
	for b.Loop() {
		run = benchScan(b, fake, "", 8)
	}
	run.report(b)
	if per := float64(run.total) / float64(run.repos); !unique && per > 10 {
		b.Errorf("%.1f requests per repository with a cold cache, want at most 10", per)
	}
}

// BenchmarkScan300Cold: an organisation made from a template, cold cache.
func BenchmarkScan300Cold(b *testing.B) { benchCold(b, false) }

// BenchmarkScan300ColdUnique: no two repositories share a file (worst
// case for requests).
func BenchmarkScan300ColdUnique(b *testing.B) { benchCold(b, true) }

// BenchmarkScan300Warm: a second scan of an unchanged organisation with the
// disk cache of the first (a new process: nothing in memory).
func BenchmarkScan300Warm(b *testing.B) {
	fake := forgetest.NewGitHub(b, forgetest.GitHubOptions{Org: "lhm", ReposDir: benchOrg(b, 300, true)})
	cache := b.TempDir()
	benchScan(b, fake, cache, 8)
	var run benchRun
	for b.Loop() {
		run = benchScan(b, fake, cache, 8)
	}
	run.report(b)
	if per := float64(run.counted2) / float64(run.repos); per > 1 {
		b.Errorf("%.2f requests per repository counted against the rate limit with a warm cache, want at most 1", per)
	}
	for _, r := range fake.Requests() {
		if !r.Conditional {
			b.Errorf("warm scan made an unconditional request: %s", r.URL)
			break
		}
	}
}

// BenchmarkScan300Latency50ms: 50 ms per request, concurrency 8, cold; the
// wall time must stay within 1.5x of requests x 50 ms / 8.
func BenchmarkScan300Latency50ms(b *testing.B) {
	const latency = 50 * time.Millisecond
	fake := forgetest.NewGitHub(b, forgetest.GitHubOptions{Org: "lhm", ReposDir: benchOrg(b, 300, false), Latency: latency})
	var run benchRun
	for b.Loop() {
		run = benchScan(b, fake, "", 8)
	}
	ideal := time.Duration(run.total) * latency / 8
	ratio := float64(run.wall) / float64(ideal)
	run.report(b)
	b.ReportMetric(run.wall.Seconds(), "wall-s")
	b.ReportMetric(ideal.Seconds(), "ideal-s")
	b.ReportMetric(ratio, "wall/ideal")
	if ratio > 1.5 {
		b.Errorf("wall time %v is %.2fx of %d requests x 50ms / 8 = %v, want at most 1.5x", run.wall, ratio, run.total, ideal)
	}
}

// BenchmarkScan2000Memory: peak heap while scanning 2,000 repositories
// (the fake server runs in the same process and is included).
func BenchmarkScan2000Memory(b *testing.B) {
	fake := forgetest.NewGitHub(b, forgetest.GitHubOptions{Org: "lhm", ReposDir: benchOrg(b, 2000, false), RateLimit: 1 << 30})
	var peak, sys uint64
	var run benchRun
	for b.Loop() {
		runtime.GC()
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() {
			var ms runtime.MemStats
			t := time.NewTicker(20 * time.Millisecond)
			defer t.Stop()
			for {
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapInuse)
				sys = max(sys, ms.Sys)
				select {
				case <-stop:
					return
				case <-t.C:
				}
			}
		})
		run = benchScan(b, fake, "", 8)
		close(stop)
		wg.Wait()
	}
	run.report(b)
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(sys)/(1<<20), "sys-MB")
	if peak > 150<<20 {
		b.Errorf("peak heap %d MB, want under 150 MB", peak>>20)
	}
}
