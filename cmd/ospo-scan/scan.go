package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/it-at-m/ospo-scan/baseline"
	"github.com/it-at-m/ospo-scan/forges"
	"github.com/it-at-m/ospo-scan/report"
	"github.com/it-at-m/ospo-scan/rules"
	"github.com/it-at-m/ospo-scan/scanner"
)

// ScanOptions are the flags shared by every command that scans.
type ScanOptions struct {
	Format          string
	Output          string
	Config          string
	FailOn          string
	Rules           []string
	SkipRules       []string
	IncludeArchived bool
	IncludeForks    bool
	Concurrency     int
	APIURLs         []string
	Forge           string
	NoCache         bool
	CacheDir        string
	NoProgress      bool
	Quiet           bool
	NoWait          bool
	Stats           bool
	Baseline        string
}

func addScanFlags(cmd *cobra.Command, o *ScanOptions, remote bool) {
	f := cmd.Flags()
	f.StringVarP(&o.Format, "format", "f", "table", "report format: "+strings.Join(report.Formats(), ", "))
	f.StringVarP(&o.Output, "output", "o", "", "write the report to `FILE` (atomically) instead of stdout")
	f.StringVar(&o.Config, "config", "", "policy `FILE` (default: .ospo-scan.yml, else the built-in LHM defaults)")
	f.StringVar(&o.FailOn, "fail-on", "error", "lowest severity that makes the exit code 1: error, warning, note or never")
	f.StringArrayVar(&o.Rules, "rule", nil, "run only this rule `ID` (repeatable)")
	f.StringArrayVar(&o.SkipRules, "skip-rule", nil, "leave out this rule `ID` (repeatable)")
	f.BoolVar(&o.NoProgress, "no-progress", false, "do not show progress on stderr")
	f.BoolVarP(&o.Quiet, "quiet", "q", false, "no progress and no notices on stderr")
	f.StringVar(&o.Baseline, "baseline", "", "JSON `REPORT` of a previous scan: only findings absent from it count for the exit code")
	if !remote {
		return
	}
	f.BoolVar(&o.IncludeArchived, "include-archived", false, "also scan archived repositories")
	f.BoolVar(&o.IncludeForks, "include-forks", false, "also scan forks")
	f.IntVar(&o.Concurrency, "concurrency", 8, "repositories scanned at once")
	f.StringArrayVar(&o.APIURLs, "api-url", nil, "API base `URL` for GitHub Enterprise or self-hosted GitLab; HOST=URL gives one per host when targets are on several hosts")
	f.StringVar(&o.Forge, "forge", "", "forge of a host whose name does not say it: github or gitlab")
	f.BoolVar(&o.NoCache, "no-cache", false, "do not use the HTTP cache")
	f.StringVar(&o.CacheDir, "cache-dir", "", "HTTP cache `DIR` (default: the user cache directory)")
	f.BoolVar(&o.NoWait, "no-wait", false, "stop (exit 3) instead of waiting when the API rate limit is exhausted")
	f.BoolVar(&o.Stats, "stats", false, "print request statistics to stderr")
}

// validate checks the flags before anything is scanned, so a mistake
// costs nothing (exit 2).
func (o *ScanOptions) validate() error {
	if err := report.ParseFormat(o.Format); err != nil {
		return usageErr("%v", err)
	}
	if _, err := failOnSeverity(o.FailOn); err != nil {
		return err
	}
	if o.Concurrency < 1 {
		return usageErr("invalid --concurrency %d: use 1 or more", o.Concurrency)
	}
	if o.Output != "" {
		if err := checkOutput(o.Output); err != nil {
			return err
		}
	}
	switch o.Forge {
	case "", forges.GitHub, forges.GitLab:
	default:
		return usageErr("invalid --forge %q: use github or gitlab", o.Forge)
	}
	return nil
}

func failOnSeverity(s string) (rules.Severity, error) {
	if s == "never" {
		return "", nil
	}
	sev, err := rules.ParseSeverity(s)
	if err != nil {
		return "", usageErr("invalid --fail-on %q: use error, warning, note or never", s)
	}
	return sev, nil
}

// checkOutput fails early when -o cannot be written: its directory must
// exist and be a directory.
func checkOutput(path string) error {
	st, err := os.Stat(path)
	if err == nil && st.IsDir() {
		return usageErr("-o %s is a directory: name a file", path)
	}
	dir := filepath.Dir(path)
	dst, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return usageErr("-o %s: directory %s does not exist; create it first", path, dir)
	case err != nil:
		return usageErr("-o %s: %v", path, err)
	case !dst.IsDir():
		return usageErr("-o %s: %s is not a directory", path, dir)
	}
	return nil
}

// scanJob is what a scanning command hands to runScan.
type scanJob struct {
	opts    *ScanOptions
	sources func(ctx context.Context) ([]forges.Source, error)
	// kind is scanCheck, scanRepo or scanOrg.
	kind string
	// checkDir is the checkout of `check` (for policy lookup), else "".
	checkDir string
	local    bool
	// after runs once the scan is done (or failed), e.g. to print
	// request statistics.
	after func()
}

// runScan is the shared pipeline: policy, sources, scan, report, exit code.
func runScan(ctx context.Context, s *Streams, job scanJob) error {
	o := job.opts
	if err := o.validate(); err != nil {
		return err
	}
	failOn, _ := failOnSeverity(o.FailOn)
	pol, err := loadPolicy(o, job.kind, job.checkDir)
	if err != nil {
		return err
	}
	baseline, err := loadBaseline(o.Baseline)
	if err != nil {
		return err
	}
	if job.after != nil {
		defer job.after()
	}
	sources, err := job.sources(ctx)
	if err != nil {
		return err
	}
	prog := newProgress(s, o)
	rep, err := scanner.Scan(ctx, sources, scanner.Options{
		Policy:          pol,
		Concurrency:     o.Concurrency,
		IncludeArchived: o.IncludeArchived,
		IncludeForks:    o.IncludeForks,
		Progress:        prog,
		Tool:            report.Tool{Name: "ospo-scan", Version: version()},
	})
	if err != nil {
		return err
	}
	if baseline != nil {
		baseline.Mark(rep)
	}
	color := o.Output == "" && s.Getenv("NO_COLOR") == "" && s.Getenv("TERM") != "dumb" && isTerminal(s.Out)
	if err := writeReport(ctx, s.Out, o.Output, o.Format, rep, report.WithColor(color)); err != nil {
		return err
	}
	if !o.Quiet {
		for _, w := range rep.Warnings {
			fmt.Fprintln(s.Err, "ospo-scan: warning: "+w)
		}
		if len(rep.Repositories) == 0 {
			hint := ""
			if job.kind == scanOrg && !job.local && (!o.IncludeArchived || !o.IncludeForks) {
				hint = " (archived repositories and forks are skipped unless --include-archived / --include-forks)"
			}
			fmt.Fprintf(s.Err, "ospo-scan: warning: %s has no repository to scan%s\n", strings.Join(rep.Targets, ", "), hint)
		}
	}
	switch {
	case rep.Incomplete():
		return &exitError{code: exitIncomplet, msg: fmt.Sprintf("%d of %d repositories could not be scanned (status errored in the report)", rep.Summary.Errored, rep.Summary.Repositories)}
	case rep.Failing(failOn, baseline != nil):
		return &exitError{code: exitFindings}
	}
	return nil
}

// writeReport renders the report to stdout or, atomically, to path.
func writeReport(ctx context.Context, stdout io.Writer, path, format string, rep *report.Report, opts ...report.Option) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if path == "" {
		return report.Write(stdout, format, rep, opts...)
	}
	return writeFileAtomic(path, func(w io.Writer) error { return report.Write(w, format, rep, opts...) })
}

func stderrIsTerminal(s *Streams) bool {
	if s.Terminal != nil {
		return *s.Terminal
	}
	return isTerminal(s.Err)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func loadBaseline(path string) (*baseline.Baseline, error) {
	if path == "" {
		return nil, nil
	}
	b, err := baseline.Load(path)
	if err != nil {
		return nil, usageErr("--baseline: %v", err)
	}
	return b, nil
}
