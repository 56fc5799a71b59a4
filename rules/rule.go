// Package rules holds the LHM publication rules and the engine that runs
// them. A rule is a value, in the manner of golang.org/x/tools/go/analysis:
// an id, a title, a default severity, its documentation, the source of the
// convention it checks, the paths it reads and a Check function.
//
// Rules read a repository only through its fs.FS and its forges.Meta; they
// do no other I/O, so they are pure, fast, and tested with fstest.MapFS.
package rules

import (
	"fmt"
	"sort"
)

// Severity of a failing result.
type Severity string

const (
	Error   Severity = "error"
	Warning Severity = "warning"
	Note    Severity = "note"
)

// Rank orders severities: error 3, warning 2, note 1, anything else 0.
func (s Severity) Rank() int {
	switch s {
	case Error:
		return 3
	case Warning:
		return 2
	case Note:
		return 1
	}
	return 0
}

// ParseSeverity accepts "error", "warning" and "note".
func ParseSeverity(s string) (Severity, error) {
	switch Severity(s) {
	case Error, Warning, Note:
		return Severity(s), nil
	}
	return "", fmt.Errorf("unknown severity %q: use error, warning or note", s)
}

// Status of one result.
type Status string

const (
	StatusPass          Status = "pass"
	StatusFail          Status = "fail"
	StatusExempt        Status = "exempt"
	StatusNotApplicable Status = "not-applicable"
	StatusError         Status = "error"
)

// Result is the outcome of one rule on one repository. A rule may return
// several results (actions/pinned returns one per unpinned reference).
type Result struct {
	Rule     string   `json:"rule"`
	Severity Severity `json:"severity"`
	Status   Status   `json:"status"`
	// Message says what was found, in words a person can act on.
	Message string `json:"message"`
	// Path is the file the result is about, relative to the repository
	// root ("LICENSE", ".github/workflows/build.yml"); for a missing file,
	// where it was expected.
	Path string `json:"path"`
	Line int    `json:"line,omitempty"`
	// Fingerprint identifies the finding across runs and line shifts:
	// a hash of rule, repository, path and Evidence (never the line).
	Fingerprint string `json:"fingerprint,omitempty"`
	// Exemption is set on exempt results and on failures whose exemption
	// has expired.
	Exemption *Exemption `json:"exemption,omitempty"`
	// New marks a finding absent from the --baseline report.
	New bool `json:"new,omitempty"`

	// Evidence is the offending text (e.g. "actions/checkout@v4"), used
	// for the fingerprint. Not part of the report.
	Evidence string `json:"-"`
}

// Exemption explains why a result is exempt (or was, until it expired).
type Exemption struct {
	Reason     string `json:"reason"`
	Until      string `json:"until,omitempty"`
	ApprovedBy string `json:"approvedBy,omitempty"`
	// DeclaredBy is "policy" or "repository".
	DeclaredBy string `json:"declaredBy,omitempty"`
	Expired    bool   `json:"expired,omitempty"`
}

// Rule is one check.
type Rule struct {
	ID       string
	Title    string
	Severity Severity // default severity
	// Doc says what the rule checks and why, in a paragraph or two.
	Doc string
	// Fix says how to make the rule pass, in one line.
	Fix string
	// Source is where the convention is written down (a URL), and
	// SourceTitle what that place is called.
	Source      string
	SourceTitle string
	// Reads lists the paths (or patterns) the rule reads, for `explain`.
	Reads []string
	// Params are the settings a policy file may change.
	Params []Param
	// NeedsForge is true for rules that only forge metadata can answer.
	NeedsForge bool
	// Custom marks rules declared in a policy file.
	Custom bool
	// Check evaluates the rule. It returns at least one result; Pass
	// fills in rule id and severity.
	Check func(p *Pass) []Result
}

// Param documents one parameter of a rule and its default.
type Param struct {
	Name    string
	Doc     string
	Default any // string, []string, bool or int
}

// Configured is a rule with the settings in force for one repository.
type Configured struct {
	*Rule
	Severity Severity
	// Params overrides the defaults by name; missing names take
	// Param.Default.
	Params map[string]any
}

// Defaults returns the rules with their default settings.
func Defaults(rs []*Rule) []Configured {
	out := make([]Configured, len(rs))
	for i, r := range rs {
		out[i] = Configured{Rule: r, Severity: r.Severity}
	}
	return out
}

// SortResults orders results by rule id, then path, line and message, so
// that reports are deterministic.
func SortResults(rs []Result) {
	sort.SliceStable(rs, func(i, j int) bool {
		a, b := rs[i], rs[j]
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Message < b.Message
	})
}
