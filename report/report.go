// Package report holds the one Report type that a scan produces and the
// writers that render it (table, JSON, SARIF, Markdown, HTML). Writers only
// read a Report; none recomputes a result.
package report

import (
	"sort"
	"time"

	"github.com/it-at-m/ospo-scan/rules"
)

// SchemaVersion of the JSON report.
const SchemaVersion = 1

// Repository status values.
const (
	Passed  = "passed"
	Failed  = "failed"
	Errored = "errored"
)

// Report is the outcome of one scan.
type Report struct {
	SchemaVersion int          `json:"schemaVersion"`
	Tool          Tool         `json:"tool"`
	Targets       []string     `json:"targets"`
	GeneratedAt   time.Time    `json:"generatedAt"`
	Summary       Summary      `json:"summary"`
	Repositories  []Repository `json:"repositories"`
	// Warnings are findings about the scan itself, not about one
	// repository (e.g. a stale policy exemption).
	Warnings []string `json:"warnings,omitempty"`

	// Rules are the rules that ran, for writers that describe them (SARIF's
	// rule list, fix hints). Not part of the JSON report.
	Rules []RuleInfo `json:"-"`
	// Local is true when the scan read local folders (check, org DIR):
	// writers then link files by relative path instead of a forge URL.
	Local bool `json:"-"`
}

// Tool names the program that wrote the report.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Summary counts repositories by status and failing results by severity.
type Summary struct {
	Repositories int      `json:"repositories"`
	Passed       int      `json:"passed"`
	Failed       int      `json:"failed"`
	Errored      int      `json:"errored"`
	Findings     Findings `json:"findings"`
}

// Findings counts fail results by severity.
type Findings struct {
	Error   int `json:"error"`
	Warning int `json:"warning"`
	Note    int `json:"note"`
}

// Repository is one scanned repository.
type Repository struct {
	Name   string `json:"name"`
	URL    string `json:"url"`
	Status string `json:"status"`
	// Error says why the repository could not be scanned (status errored).
	Error         string         `json:"error"`
	Licenses      []License      `json:"licenses"`
	Results       []rules.Result `json:"results"`
	Forge         string         `json:"forge,omitempty"`
	Visibility    string         `json:"visibility,omitempty"`
	DefaultBranch string         `json:"defaultBranch,omitempty"`
	Description   string         `json:"description,omitempty"`
	// Profile is the policy profile applied to the repository.
	Profile string `json:"profile,omitempty"`
	// MirrorOf names the GitHub repository that a GitLab project mirrors.
	MirrorOf string `json:"mirrorOf,omitempty"`
	// MirrorDrift lists the rules whose status differs from the mirror's
	// origin.
	MirrorDrift []string `json:"mirrorDrift,omitempty"`
}

// License is one licence detected in a licence file.
type License struct {
	SPDX     string  `json:"spdx"`
	File     string  `json:"file"`
	Coverage float64 `json:"coverage"`
}

// RuleInfo describes a rule that ran, for writers.
type RuleInfo struct {
	ID          string
	Title       string
	Severity    rules.Severity // default severity
	Doc         string
	Fix         string
	Source      string
	SourceTitle string
}

// Info returns the description of r for a report.
func Info(r *rules.Rule) RuleInfo {
	return RuleInfo{ID: r.ID, Title: r.Title, Severity: r.Severity, Doc: r.Doc, Fix: r.Fix, Source: r.Source, SourceTitle: r.SourceTitle}
}

// Rule returns the description of the rule with id, or a bare one.
func (r *Report) Rule(id string) RuleInfo {
	for _, ri := range r.Rules {
		if ri.ID == id {
			return ri
		}
	}
	return RuleInfo{ID: id}
}

// Finish sorts repositories by name (and results by rule), sets each
// repository's status from its results and computes the summary. Call it
// once after the repositories are complete.
func (r *Report) Finish() {
	sort.SliceStable(r.Repositories, func(i, j int) bool {
		return r.Repositories[i].Name < r.Repositories[j].Name
	})
	sort.Slice(r.Rules, func(i, j int) bool { return r.Rules[i].ID < r.Rules[j].ID })
	r.Summary = Summary{Repositories: len(r.Repositories)}
	for i := range r.Repositories {
		repo := &r.Repositories[i]
		if repo.Licenses == nil {
			repo.Licenses = []License{}
		}
		if repo.Results == nil {
			repo.Results = []rules.Result{}
		}
		rules.SortResults(repo.Results)
		failed := false
		for _, res := range repo.Results {
			if res.Status != rules.StatusFail {
				continue
			}
			failed = true
			switch res.Severity {
			case rules.Error:
				r.Summary.Findings.Error++
			case rules.Warning:
				r.Summary.Findings.Warning++
			case rules.Note:
				r.Summary.Findings.Note++
			}
		}
		switch {
		case repo.Error != "":
			repo.Status = Errored
			r.Summary.Errored++
		case failed:
			repo.Status = Failed
			r.Summary.Failed++
		default:
			repo.Status = Passed
			r.Summary.Passed++
		}
	}
}

// Failing reports whether any counted finding is at or above the severity
// min. With a baseline, only new findings count.
func (r *Report) Failing(min rules.Severity, onlyNew bool) bool {
	if min == "" {
		return false
	}
	for _, repo := range r.Repositories {
		for _, res := range repo.Results {
			if res.Status == rules.StatusFail && res.Severity.Rank() >= min.Rank() && (!onlyNew || res.New) {
				return true
			}
		}
	}
	return false
}

// Incomplete reports whether any repository could not be scanned.
func (r *Report) Incomplete() bool { return r.Summary.Errored > 0 }
