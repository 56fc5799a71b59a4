package report

import (
	"encoding/json"
	"io"
	"path"

	"github.com/it-at-m/ospo-scan/rules"
)

// codeQualityIssue is one entry of GitLab's Code Quality report (a subset
// of the Code Climate issue format): the fields GitLab documents and reads.
type codeQualityIssue struct {
	Description string              `json:"description"`
	CheckName   string              `json:"check_name"`
	Fingerprint string              `json:"fingerprint"`
	Severity    string              `json:"severity"`
	Location    codeQualityLocation `json:"location"`
}

type codeQualityLocation struct {
	Path  string           `json:"path"`
	Lines codeQualityLines `json:"lines"`
}

type codeQualityLines struct {
	Begin int `json:"begin"`
}

// codeQualitySeverity maps rule severities onto GitLab's scale (info,
// minor, major, critical, blocker): a MUST rule is critical, a SHOULD
// rule minor, observed practice info.
func codeQualitySeverity(s rules.Severity) string {
	switch s {
	case rules.Error:
		return "critical"
	case rules.Warning:
		return "minor"
	}
	return "info"
}

// CodeQuality writes GitLab's Code Quality JSON: one issue per failing
// result, so findings show in merge requests. Exempt results are left
// out. In a report of several repositories, paths are prefixed with the
// repository name so they stay apart.
func CodeQuality(w io.Writer, r *Report) error {
	issues := []codeQualityIssue{}
	multi := len(r.Repositories) > 1
	for _, repo := range r.Repositories {
		for _, res := range repo.Results {
			if res.Status != rules.StatusFail {
				continue
			}
			p := res.Path
			if p == "" {
				p = "."
			}
			if multi {
				p = path.Join(repo.Name, p)
			}
			line := res.Line
			if line < 1 {
				line = 1
			}
			desc := res.Message
			if fix := r.Rule(res.Rule).Fix; fix != "" {
				desc += ". Fix: " + fix
			}
			issues = append(issues, codeQualityIssue{
				Description: desc,
				CheckName:   res.Rule,
				Fingerprint: res.Fingerprint,
				Severity:    codeQualitySeverity(res.Severity),
				Location:    codeQualityLocation{Path: p, Lines: codeQualityLines{Begin: line}},
			})
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(issues)
}
