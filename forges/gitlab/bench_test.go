package gitlab_test

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/it-at-m/ospo-scan/forges"
	"github.com/it-at-m/ospo-scan/forges/forgetest"
	"github.com/it-at-m/ospo-scan/rules"
	"github.com/it-at-m/ospo-scan/scanner"
)

func scanWith(b *testing.B, src forges.Source, concurrency int) {
	b.Helper()
	rep, err := scanner.Scan(context.Background(), []forges.Source{src}, scanner.Options{
		Policy:      scanner.Static{Rules: rules.Defaults(rules.Builtin())},
		Concurrency: concurrency,
	})
	if err != nil {
		b.Fatal(err)
	}
	if rep.Summary.Errored != 0 {
		b.Fatalf("%d projects errored", rep.Summary.Errored)
	}
}

// BenchmarkColdRequestsPerProject scans the fixture organisation with the
// default rule set and an empty cache: requests per project, all included
// (req/project) and without the group listing (fetch-req/project).
func BenchmarkColdRequestsPerProject(b *testing.B) {
	fake := forgetest.NewGitLab(b, forgetest.GitLabOptions{Groups: map[string]string{"lhm": sampleOrg}})
	projects := len(mustProjects(b, sampleOrg))
	var total, listing int
	for b.Loop() {
		fake.ResetRequests()
		h := connect(b, fake, setup{cacheDir: b.TempDir()})
		scanWith(b, h.source(b, "lhm", false), 8)
		total, listing = fake.Count(""), fake.Count("/groups/")
	}
	b.ReportMetric(float64(total)/float64(projects), "req/project")
	b.ReportMetric(float64(total-listing)/float64(projects), "fetch-req/project")
	if per := float64(total-listing) / float64(projects); per > 10 {
		b.Errorf("%.1f requests per project, want at most 10", per)
	}
}

// BenchmarkColdRequestsPerLargeProject is BenchmarkColdRequestsPerProject
// with 200 more files in src/ of every fixture, as real projects have:
// the tree no longer fits one page, and folders are listed one by one.
func BenchmarkColdRequestsPerLargeProject(b *testing.B) {
	root := b.TempDir()
	fixtures := mustProjects(b, sampleOrg)
	for _, f := range fixtures {
		copyDir(b, filepath.Join(sampleOrg, f), filepath.Join(root, f))
		files := map[string]string{}
		for i := range 200 {
			files[fmt.Sprintf("src/f%03d.txt", i)] = fmt.Sprintf("%d\n", i)
		}
		writeTree(b, filepath.Join(root, f), files)
	}
	fake := forgetest.NewGitLab(b, forgetest.GitLabOptions{Groups: map[string]string{"lhm": root}})
	var total, listing, trees int
	for b.Loop() {
		fake.ResetRequests()
		h := connect(b, fake, setup{})
		scanWith(b, h.source(b, "lhm", false), 8)
		total, listing, trees = fake.Count(""), fake.Count("/groups/"), fake.Count("/repository/tree")
	}
	n := float64(len(fixtures))
	b.ReportMetric(float64(total-listing)/n, "fetch-req/project")
	b.ReportMetric(float64(trees)/n, "tree-req/project")
}

// BenchmarkWarmCache scans the fixture organisation a second time with the
// cache of the first: every request is conditional, file contents come
// from disk.
func BenchmarkWarmCache(b *testing.B) {
	fake := forgetest.NewGitLab(b, forgetest.GitLabOptions{Groups: map[string]string{"lhm": sampleOrg}})
	projects := len(mustProjects(b, sampleOrg))
	cache := b.TempDir()
	cold := connect(b, fake, setup{cacheDir: cache})
	scanWith(b, cold.source(b, "lhm", false), 8)
	coldReq := cold.stats.Snapshot().Requests
	var sent, notModified, fromCache int64
	for b.Loop() {
		h := connect(b, fake, setup{cacheDir: cache})
		scanWith(b, h.source(b, "lhm", false), 8)
		sn := h.stats.Snapshot()
		sent, notModified, fromCache = sn.Requests, sn.NotModified, sn.FromCache
	}
	b.ReportMetric(float64(coldReq)/float64(projects), "cold-req/project")
	b.ReportMetric(float64(sent)/float64(projects), "warm-req/project")
	b.ReportMetric(float64(notModified)/float64(sent), "304-share")
	b.ReportMetric(float64(fromCache)/float64(projects), "from-disk/project")
	if sent == 0 || float64(notModified)/float64(sent) < 0.9 {
		b.Errorf("warm scan: %d requests, %d of them 304: want mostly 304s", sent, notModified)
	}
}

// BenchmarkLatency300 scans 300 projects with 50 ms of latency on every
// request and 8 workers; wall time against the ideal requests×50ms/8.
func BenchmarkLatency300(b *testing.B) {
	const latency = 50 * time.Millisecond
	const workers = 8
	root := b.TempDir()
	fixtures := mustProjects(b, sampleOrg)
	for i := range 300 {
		src := filepath.Join(sampleOrg, fixtures[i%len(fixtures)])
		copyDir(b, src, filepath.Join(root, fmt.Sprintf("p%03d", i)))
	}
	fake := forgetest.NewGitLab(b, forgetest.GitLabOptions{Groups: map[string]string{"lhm": root}, Latency: latency})
	var wall time.Duration
	var requests int
	for b.Loop() {
		fake.ResetRequests()
		h := connect(b, fake, setup{})
		start := time.Now()
		scanWith(b, h.source(b, "lhm", false), workers)
		wall = time.Since(start)
		requests = fake.Count("")
	}
	ideal := time.Duration(requests) * latency / workers
	b.ReportMetric(float64(requests)/300, "req/project")
	b.ReportMetric(wall.Seconds(), "wall-s")
	b.ReportMetric(ideal.Seconds(), "ideal-s")
	b.ReportMetric(float64(wall)/float64(ideal), "wall/ideal")
	if float64(wall) > 1.5*float64(ideal) {
		b.Errorf("wall time %v is more than 1.5 × %v (%d requests × %v / %d)", wall, ideal, requests, latency, workers)
	}
}

func mustProjects(b *testing.B, dir string) []string {
	b.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		b.Fatal(err)
	}
	var out []string
	for _, e := range es {
		if e.IsDir() {
			out = append(out, e.Name())
		}
	}
	return out
}

func copyDir(b *testing.B, src, dst string) {
	b.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		b.Fatal(err)
	}
}
