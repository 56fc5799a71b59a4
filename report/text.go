package report

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/it-at-m/ospo-scan/rules"
)

// This file holds helpers that several writers share: counting, the
// verdict line and the clean-up of repository-controlled text.

// repoCounts counts one repository's results.
type repoCounts struct {
	Error, Warning, Note int // fail results by severity
	Exempt               int
	Errors               int // results with status error
}

func countResults(repo *Repository) repoCounts {
	var c repoCounts
	for _, res := range repo.Results {
		switch res.Status {
		case rules.StatusFail:
			switch res.Severity {
			case rules.Error:
				c.Error++
			case rules.Warning:
				c.Warning++
			case rules.Note:
				c.Note++
			}
		case rules.StatusExempt:
			c.Exempt++
		case rules.StatusError:
			c.Errors++
		}
	}
	return c
}

func (c repoCounts) findings() string {
	return findingsText(c.Error, c.Warning, c.Note)
}

// findingsText is "2 errors, 1 warning", leaving out zero counts; "no
// findings" when all are zero.
func findingsText(e, w, n int) string {
	var parts []string
	if e > 0 {
		parts = append(parts, plural(e, "error"))
	}
	if w > 0 {
		parts = append(parts, plural(w, "warning"))
	}
	if n > 0 {
		parts = append(parts, plural(n, "note"))
	}
	if len(parts) == 0 {
		return "no findings"
	}
	return strings.Join(parts, ", ")
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	if strings.HasSuffix(word, "y") {
		return fmt.Sprintf("%d %sies", n, word[:len(word)-1])
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// Verdict kinds, worst first.
const (
	verdictIncomplete = "incomplete"
	verdictFailed     = "failed"
	verdictPassed     = "passed"
)

// verdict sums up the report in one sentence, from the summary that
// Finish computed. kind is one of the verdict constants.
func verdict(r *Report) (kind, text string) {
	s := r.Summary
	switch {
	case s.Errored > 0:
		kind = verdictIncomplete
	case s.Failed > 0:
		kind = verdictFailed
	default:
		kind = verdictPassed
	}
	findings := findingsText(s.Findings.Error, s.Findings.Warning, s.Findings.Note)
	if s.Repositories == 0 {
		return kind, "No repositories were scanned."
	}
	if s.Repositories == 1 {
		repo := &r.Repositories[0]
		name := cleanLine(repo.Name)
		switch repo.Status {
		case Errored:
			return kind, fmt.Sprintf("%s could not be scanned: %s", name, cleanLine(repo.Error))
		case Failed:
			return kind, fmt.Sprintf("%s failed: %s.", name, findings)
		default:
			return kind, fmt.Sprintf("%s passed.", name)
		}
	}
	switch kind {
	case verdictPassed:
		return kind, fmt.Sprintf("All %d repositories passed.", s.Repositories)
	case verdictFailed:
		return kind, fmt.Sprintf("%d of %d repositories failed: %s.", s.Failed, s.Repositories, findings)
	}
	text = fmt.Sprintf("Scan incomplete: %d of %d repositories could not be scanned", s.Errored, s.Repositories)
	if s.Failed > 0 {
		text += fmt.Sprintf("; %d failed: %s", s.Failed, findings)
	}
	return kind, text + "."
}

// location is "path:line", "path", or "" for a result about metadata.
func location(res *rules.Result) string {
	if res.Line > 0 && res.Path != "" {
		return fmt.Sprintf("%s:%d", res.Path, res.Line)
	}
	return res.Path
}

// exemptionText describes an exemption in one line.
func exemptionText(e *rules.Exemption) string {
	var b strings.Builder
	b.WriteString(e.Reason)
	var extra []string
	if e.Until != "" {
		if e.Expired {
			extra = append(extra, "expired "+e.Until)
		} else {
			extra = append(extra, "until "+e.Until)
		}
	} else if e.Expired {
		extra = append(extra, "expired")
	}
	if e.ApprovedBy != "" {
		extra = append(extra, "approved by "+e.ApprovedBy)
	}
	if e.DeclaredBy != "" {
		extra = append(extra, "declared in the "+e.DeclaredBy)
	}
	if len(extra) > 0 {
		fmt.Fprintf(&b, " (%s)", strings.Join(extra, ", "))
	}
	return b.String()
}

// cleanLine makes repository-controlled text safe for a terminal and a
// one-line cell: line breaks and tabs become spaces, and control or
// bidirectional-override characters (which could recolour a terminal or
// reorder what a reader sees) are shown as \x.. / \u.... escapes.
func cleanLine(s string) string {
	clean := true
	for _, r := range s {
		if unsafeRune(r) || r == '\n' || r == '\r' || r == '\t' {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			b.WriteByte(' ')
		case r == unicode.ReplacementChar:
			b.WriteRune(r)
		case unsafeRune(r):
			if r < 0x100 {
				fmt.Fprintf(&b, `\x%02x`, r)
			} else {
				fmt.Fprintf(&b, `\u%04x`, r)
			}
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func unsafeRune(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r >= 0x80 && r < 0xa0:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f:
		// Bidirectional embeddings, overrides and isolates.
		return true
	}
	return false
}
