// Package scanner runs one scan: it lists the repositories of every
// target, opens and checks them with a bounded pool of workers, and
// collects one deterministic report. A repository that cannot be opened or
// checked becomes an `errored` entry; it never stops the others.
package scanner

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/it-at-m/ospo-scan/forges"
	"github.com/it-at-m/ospo-scan/report"
	"github.com/it-at-m/ospo-scan/rules"
)

// Policy decides which rules run on a repository, with which settings,
// and which failures are exempt.
type Policy interface {
	// For returns the profile name and the configured rules for a
	// repository. An empty set skips the repository.
	For(m forges.Meta) (profile string, set []rules.Configured)
	// Apply turns failures covered by an exemption into exempt results
	// (or marks expired exemptions). repo may declare its own exemptions.
	Apply(repo *forges.Repo, results []rules.Result) []rules.Result
	// Warnings returns findings about the policy itself once the scan is
	// done, e.g. exemptions that matched nothing.
	Warnings() []string
}

// Progress is told how the scan advances. Implementations must be safe
// for concurrent use.
type Progress interface {
	Start(total int)
	Begin(name string)
	Done(name string)
	Finish()
}

// Options configure a scan.
type Options struct {
	Policy          Policy
	Concurrency     int
	IncludeArchived bool
	IncludeForks    bool
	Progress        Progress // may be nil
	Tool            report.Tool
	// Now stamps generatedAt; nil means time.Now.
	Now func() time.Time
}

// Scan scans every repository of every source into one report. It returns
// an error only when nothing useful can be reported: a target that cannot
// be listed, or a cancelled context. The caller decides the exit code from
// the report.
func Scan(ctx context.Context, sources []forges.Source, opts Options) (*report.Report, error) {
	if opts.Concurrency < 1 {
		opts.Concurrency = 1
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	rep := &report.Report{
		SchemaVersion: report.SchemaVersion,
		Tool:          opts.Tool,
		GeneratedAt:   now().UTC().Truncate(time.Second),
		Targets:       []string{},
	}
	type job struct {
		src  forges.Source
		meta forges.Meta
	}
	var jobs []job
	seen := map[string]bool{}
	for _, src := range sources {
		rep.Targets = append(rep.Targets, src.Target())
		metas, err := src.List(ctx)
		if err != nil {
			return nil, err
		}
		for _, m := range metas {
			if m.Archived && !opts.IncludeArchived || m.Fork && !opts.IncludeForks {
				continue
			}
			key := m.Forge + "\x00" + m.Host + "\x00" + m.FullName
			if seen[key] {
				continue
			}
			seen[key] = true
			jobs = append(jobs, job{src, m})
		}
	}

	ruleInfo := map[string]report.RuleInfo{}
	var mu sync.Mutex
	rep.Repositories = make([]report.Repository, len(jobs))
	if opts.Progress != nil {
		opts.Progress.Start(len(jobs))
		defer opts.Progress.Finish()
	}

	work := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(opts.Concurrency, max(len(jobs), 1)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				j := jobs[i]
				if opts.Progress != nil {
					opts.Progress.Begin(j.meta.FullName)
				}
				entry, ran := scanOne(ctx, j.src, j.meta, opts.Policy)
				rep.Repositories[i] = entry
				mu.Lock()
				for _, r := range ran {
					if _, ok := ruleInfo[r.ID]; !ok {
						ri := report.Info(r.Rule)
						ri.Severity = r.Severity
						ruleInfo[r.ID] = ri
					}
				}
				mu.Unlock()
				if opts.Progress != nil {
					opts.Progress.Done(j.meta.FullName)
				}
			}
		}()
	}
feed:
	for i := range jobs {
		select {
		case work <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// Skipped repositories (an empty rule set, e.g. an archived profile
	// with nothing to check) leave no entry.
	kept := rep.Repositories[:0]
	for _, r := range rep.Repositories {
		if r.Name != "" {
			kept = append(kept, r)
		}
	}
	rep.Repositories = kept
	for _, ri := range ruleInfo {
		rep.Rules = append(rep.Rules, ri)
	}
	rep.Local = allLocal(sources)
	rep.Warnings = opts.Policy.Warnings()
	rep.Finish()
	linkMirrors(rep)
	return rep, nil
}

func allLocal(sources []forges.Source) bool {
	for _, s := range sources {
		if _, ok := s.(interface{ Local() bool }); !ok {
			return false
		}
	}
	return len(sources) > 0
}

// scanOne opens and checks one repository. It never panics: a failure to
// open, or a panic anywhere below, becomes the entry's error.
func scanOne(ctx context.Context, src forges.Source, m forges.Meta, pol Policy) (entry report.Repository, ran []rules.Configured) {
	entry = report.Repository{Name: m.FullName, URL: m.URL, Forge: m.Forge}
	defer func() {
		if v := recover(); v != nil {
			entry.Results = nil
			entry.Error = fmt.Sprintf("internal error while scanning: %v", v)
			if debugPanics {
				entry.Error += "\n" + string(debug.Stack())
			}
		}
	}()
	profile, set := pol.For(m)
	if len(set) == 0 {
		return report.Repository{}, nil
	}
	entry.Profile = profile
	repo, err := src.Open(ctx, m)
	if err != nil {
		entry.Error = oneLine(err)
		return entry, set
	}
	fillMeta(&entry, repo.Meta)
	facts := rules.NewFacts(repo)
	results := rules.RunWithFacts(ctx, repo, facts, set)
	for _, l := range facts.DetectedLicenses() {
		entry.Licenses = append(entry.Licenses, report.License{SPDX: l.SPDX, File: l.File, Coverage: l.Coverage})
	}
	assignFingerprints(m.FullName, results)
	entry.Results = pol.Apply(repo, results)
	if err := forgeError(repo); err != nil {
		// The forge lost the repository mid-scan (e.g. 404 after the
		// listing, or retries exhausted): the results are not trustworthy.
		entry.Results = nil
		entry.Licenses = nil
		entry.Error = oneLine(err)
	}
	return entry, set
}

// forgeError asks a remote file system whether a fetch failed in a way
// that makes the repository's results incomplete.
func forgeError(repo *forges.Repo) error {
	if e, ok := repo.FS.(interface{ Err() error }); ok {
		return e.Err()
	}
	return nil
}

func fillMeta(e *report.Repository, m forges.Meta) {
	e.Name, e.URL, e.Forge = m.FullName, m.URL, m.Forge
	if m.Visibility.Known {
		e.Visibility = m.Visibility.Value
	}
	if m.DefaultBranch.Known {
		e.DefaultBranch = m.DefaultBranch.Value
	}
	if m.Description.Known {
		e.Description = m.Description.Value
	}
}

// Fingerprint identifies a finding across runs: rule, repository, path and
// the offending text, never the line, so a finding that only moved keeps
// its fingerprint.
func Fingerprint(repo string, r rules.Result) string {
	h := sha256.New()
	for _, s := range []string{r.Rule, repo, r.Path, r.Evidence} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// assignFingerprints sets each result's fingerprint. The same offending
// text twice in one file (actions/checkout@v4 in two jobs) gets an
// occurrence number, so fingerprints stay unique within a repository, as
// GitLab's Code Quality report requires, and stable when lines move.
func assignFingerprints(repo string, results []rules.Result) {
	seen := map[string]int{}
	for i := range results {
		fp := Fingerprint(repo, results[i])
		if n := seen[fp]; n > 0 {
			r := results[i]
			r.Evidence = fmt.Sprintf("%s\x00#%d", r.Evidence, n)
			seen[fp]++
			fp = Fingerprint(repo, r)
		} else {
			seen[fp] = 1
		}
		results[i].Fingerprint = fp
	}
}

func oneLine(err error) string {
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

var debugPanics = false
