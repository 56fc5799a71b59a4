package report

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/pkg/twwidth"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/it-at-m/ospo-scan/rules"
)

// ANSI colour codes, used only when the caller turned colour on.
const (
	ansiReset  = "\x1b[0m"
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
	ansiCyan   = "\x1b[36m"
	ansiBold   = "\x1b[1m"
)

type painter bool

func (p painter) paint(code, s string) string {
	if !p || s == "" {
		return s
	}
	return code + s + ansiReset
}

func (p painter) severity(s rules.Severity) string {
	switch s {
	case rules.Error:
		return p.paint(ansiRed, string(s))
	case rules.Warning:
		return p.paint(ansiYellow, string(s))
	case rules.Note:
		return p.paint(ansiCyan, string(s))
	}
	return string(s)
}

func (p painter) status(status string) string {
	switch status {
	case Passed:
		return p.paint(ansiGreen, status)
	case Failed:
		return p.paint(ansiRed, status)
	case Errored:
		return p.paint(ansiYellow, status)
	}
	return status
}

// statusIcon marks a repository line: ✓ passed, ✗ failed, ! errored.
func (p painter) statusIcon(status string) string {
	switch status {
	case Passed:
		return p.paint(ansiGreen, "✓")
	case Failed:
		return p.paint(ansiRed, "✗")
	}
	return p.paint(ansiYellow, "!")
}

// writeTable writes the human-readable report: for an organisation a
// summary table, then per repository a status line and its failing,
// exempt and unevaluated results with fix hints, then the scan's
// warnings and a one-line verdict.
func writeTable(w io.Writer, r *Report, o options) error {
	bw := bufio.NewWriter(w)
	p := painter(o.color)
	if len(r.Repositories) > 1 {
		if err := summaryTable(bw, r, p); err != nil {
			return err
		}
		bw.WriteString("\n")
	}
	for i := range r.Repositories {
		repositoryBlock(bw, r, &r.Repositories[i], p)
	}
	if len(r.Warnings) > 0 {
		bw.WriteString("Warnings:\n")
		for _, warning := range r.Warnings {
			fmt.Fprintf(bw, "  - %s\n", cleanLine(warning))
		}
		bw.WriteString("\n")
	}
	kind, text := verdict(r)
	fmt.Fprintf(bw, "%s %s\n", p.verdictIcon(kind), p.paint(ansiBold, text))
	return bw.Flush()
}

func (p painter) verdictIcon(kind string) string {
	switch kind {
	case verdictPassed:
		return p.statusIcon(Passed)
	case verdictFailed:
		return p.statusIcon(Failed)
	}
	return p.statusIcon(Errored)
}

func summaryTable(w io.Writer, r *Report, p painter) error {
	t := tablewriter.NewTable(w,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{Symbols: tw.NewSymbols(tw.StyleLight)})),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithRowAlignmentConfig(tw.CellAlignment{PerColumn: []tw.Align{tw.AlignLeft, tw.AlignLeft, tw.AlignRight, tw.AlignRight, tw.AlignRight, tw.AlignRight}}),
		tablewriter.WithTrimSpace(tw.Off),
	)
	t.Header("repository", "status", "errors", "warnings", "notes", "exempt")
	for i := range r.Repositories {
		repo := &r.Repositories[i]
		c := countResults(repo)
		if err := t.Append(cleanLine(repo.Name), p.status(repo.Status), count(c.Error), count(c.Warning), count(c.Note), count(c.Exempt)); err != nil {
			return fmt.Errorf("summary table: %w", err)
		}
	}
	if err := t.Render(); err != nil {
		return fmt.Errorf("summary table: %w", err)
	}
	return nil
}

// count leaves zero cells empty, so the numbers that matter stand out.
func count(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

func repositoryBlock(w *bufio.Writer, r *Report, repo *Repository, p painter) {
	c := countResults(repo)
	name := cleanLine(repo.Name)
	switch repo.Status {
	case Errored:
		fmt.Fprintf(w, "%s %s  %s: %s\n", p.statusIcon(repo.Status), name, p.status(repo.Status), cleanLine(repo.Error))
		return
	case Failed:
		fmt.Fprintf(w, "%s %s  %s  (%s%s)\n", p.statusIcon(repo.Status), name, p.status(repo.Status), c.findings(), exemptSuffix(c))
	default:
		if c.Exempt > 0 {
			fmt.Fprintf(w, "%s %s  %s  (%d exempt)\n", p.statusIcon(repo.Status), name, p.status(repo.Status), c.Exempt)
		} else {
			fmt.Fprintf(w, "%s %s  %s\n", p.statusIcon(repo.Status), name, p.status(repo.Status))
		}
	}
	var rows []findingRow
	for i, res := range repo.Results {
		var msg, hint string
		switch res.Status {
		case rules.StatusFail:
			msg = cleanLine(res.Message)
			// The fix hint once per rule: under its last failure (results
			// are sorted by rule), not repeated for every unpinned action.
			lastOfRule := i+1 == len(repo.Results) || repo.Results[i+1].Rule != res.Rule || repo.Results[i+1].Status != rules.StatusFail
			if fix := r.Rule(res.Rule).Fix; fix != "" && lastOfRule {
				hint = "fix: " + cleanLine(fix)
			}
			if res.Exemption != nil && res.Exemption.Expired {
				hint = joinLines(hint, "exemption expired: "+cleanLine(exemptionText(res.Exemption)))
			}
		case rules.StatusExempt:
			msg = "exempt: " + cleanLine(res.Message)
			if res.Exemption != nil {
				hint = "reason: " + cleanLine(exemptionText(res.Exemption))
			}
		case rules.StatusError:
			msg = "could not check: " + cleanLine(res.Message)
		default:
			continue
		}
		if res.New {
			msg = "[new] " + msg
		}
		// The message and its hint come last: they are the longest cells
		// and would otherwise push the location far to the right.
		rows = append(rows, findingRow{cells: [3]string{p.severity(res.Severity), cleanLine(res.Rule), cleanLine(location(&res))}, lines: strings.Split(joinLines(msg, hint), "\n")})
	}
	if len(rows) == 0 {
		return
	}
	writeFindings(w, rows)
	w.WriteByte('\n')
}

// findingRow is one result under a repository's status line: severity,
// rule and location in aligned columns, then the message and its hint
// lines.
type findingRow struct {
	cells [3]string
	lines []string
}

// writeFindings aligns the rows by display width (colour codes and wide
// characters count right). Per repository this is a plain borderless
// table; building a tablewriter table for each of 1,000 repositories
// costs half a second and half a gigabyte of allocations.
func writeFindings(w *bufio.Writer, rows []findingRow) {
	var widths [3]int
	for _, row := range rows {
		for i, cell := range row.cells {
			widths[i] = max(widths[i], twwidth.Width(cell))
		}
	}
	indent := 2 + widths[0] + 2 + widths[1] + 2 + widths[2] + 2
	var line strings.Builder
	for _, row := range rows {
		for j, text := range row.lines {
			line.Reset()
			if j == 0 {
				line.WriteString("  ")
				for i, cell := range row.cells {
					line.WriteString(cell)
					line.WriteString(strings.Repeat(" ", widths[i]-twwidth.Width(cell)+2))
				}
			} else {
				line.WriteString(strings.Repeat(" ", indent))
			}
			line.WriteString(text)
			w.WriteString(strings.TrimRight(line.String(), " "))
			w.WriteByte('\n')
		}
	}
}

func exemptSuffix(c repoCounts) string {
	if c.Exempt == 0 {
		return ""
	}
	return fmt.Sprintf("; %d exempt", c.Exempt)
}

func joinLines(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "\n" + b
}
