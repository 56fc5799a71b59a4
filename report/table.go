package report

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strconv"

	"github.com/olekukonko/tablewriter"
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
		if err := repositoryBlock(bw, r, &r.Repositories[i], p); err != nil {
			return err
		}
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

func repositoryBlock(w *bufio.Writer, r *Report, repo *Repository, p painter) error {
	c := countResults(repo)
	name := cleanLine(repo.Name)
	switch repo.Status {
	case Errored:
		fmt.Fprintf(w, "%s %s  %s: %s\n", p.statusIcon(repo.Status), name, p.status(repo.Status), cleanLine(repo.Error))
		return nil
	case Failed:
		fmt.Fprintf(w, "%s %s  %s  (%s%s)\n", p.statusIcon(repo.Status), name, p.status(repo.Status), c.findings(), exemptSuffix(c))
	default:
		if c.Exempt > 0 {
			fmt.Fprintf(w, "%s %s  %s  (%d exempt)\n", p.statusIcon(repo.Status), name, p.status(repo.Status), c.Exempt)
		} else {
			fmt.Fprintf(w, "%s %s  %s\n", p.statusIcon(repo.Status), name, p.status(repo.Status))
		}
	}
	if c.Error+c.Warning+c.Note+c.Exempt+c.Errors == 0 {
		return nil
	}
	var buf bytes.Buffer
	t := tablewriter.NewTable(&buf,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{
			Borders:  tw.BorderNone,
			Symbols:  tw.NewSymbols(tw.StyleNone),
			Settings: tw.Settings{Separators: tw.SeparatorsNone, Lines: tw.LinesNone},
		})),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithTrimSpace(tw.Off),
		tablewriter.WithPadding(tw.Padding{Left: " ", Right: " ", Overwrite: true}),
	)
	for _, res := range repo.Results {
		var msg, hint string
		switch res.Status {
		case rules.StatusFail:
			msg = cleanLine(res.Message)
			if fix := r.Rule(res.Rule).Fix; fix != "" {
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
		if err := t.Append(" "+p.severity(res.Severity), res.Rule, cleanLine(location(&res)), joinLines(msg, hint)); err != nil {
			return fmt.Errorf("results of %s: %w", name, err)
		}
	}
	if err := t.Render(); err != nil {
		return fmt.Errorf("results of %s: %w", name, err)
	}
	// A borderless table pads every line to the widest; drop that.
	for line := range bytes.Lines(buf.Bytes()) {
		w.Write(bytes.TrimRight(line, " \n"))
		w.WriteByte('\n')
	}
	w.WriteByte('\n')
	return nil
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
