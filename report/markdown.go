package report

import (
	"fmt"
	"html"
	"io"
	"sort"
	"strings"

	"github.com/it-at-m/ospo-scan/rules"
)

// markdownLimit is the most a Markdown report may hold: GitHub rejects
// comments of 65,536 characters or more. The report keeps some room below
// that for a bot that wraps it in a heading or footer, and counts bytes,
// which are never fewer than characters.
const markdownLimit = 64000

// writeMarkdown writes GitHub-flavoured Markdown for a pull-request or
// issue comment: a one-line verdict, then per repository a table of its
// failing results with fix hints. When that would not fit in one comment
// it writes a summary instead: counts per repository, then the failing
// rules across repositories, and says what it left out.
func writeMarkdown(w io.Writer, r *Report, _ options) error {
	doc := fullMarkdown(r)
	if len(doc) >= markdownLimit {
		doc = summaryMarkdown(r, markdownLimit)
	}
	_, err := io.WriteString(w, doc)
	return err
}

func verdictLine(r *Report) string {
	kind, text := verdict(r)
	icon := map[string]string{verdictPassed: "✅", verdictFailed: "❌", verdictIncomplete: "⚠️"}[kind]
	return fmt.Sprintf("%s **ospo-scan:** %s\n", icon, mdEscape(text))
}

func repoIcon(status string) string {
	switch status {
	case Passed:
		return "✅"
	case Failed:
		return "❌"
	}
	return "⚠️"
}

func fullMarkdown(r *Report) string {
	var b strings.Builder
	b.WriteString(verdictLine(r))
	org := len(r.Repositories) > 1
	if org {
		b.WriteString("\n| Repository | Status | Errors | Warnings | Notes | Exempt |\n|---|---|--:|--:|--:|--:|\n")
		for i := range r.Repositories {
			b.WriteString(repoCountRow(&r.Repositories[i]))
		}
	}
	for i := range r.Repositories {
		repo := &r.Repositories[i]
		c := countResults(repo)
		if c.Error+c.Warning+c.Note+c.Exempt+c.Errors == 0 && repo.Status != Errored && len(repo.MirrorDrift) == 0 {
			continue
		}
		headline := repoHeadline(repo, c)
		if org {
			fmt.Fprintf(&b, "\n<details><summary>%s</summary>\n\n", html.EscapeString(headline))
		} else {
			fmt.Fprintf(&b, "\n### %s\n\n", mdEscape(headline))
		}
		repoMarkdown(&b, r, repo)
		if org {
			b.WriteString("\n</details>\n")
		}
	}
	if len(r.Warnings) > 0 {
		b.WriteString("\n**Warnings about the scan**\n\n")
		for _, warning := range r.Warnings {
			fmt.Fprintf(&b, "- %s\n", mdEscape(warning))
		}
	}
	return b.String()
}

func repoHeadline(repo *Repository, c repoCounts) string {
	switch repo.Status {
	case Errored:
		return fmt.Sprintf("%s %s: could not be scanned", repoIcon(repo.Status), repo.Name)
	case Failed:
		return fmt.Sprintf("%s %s: failed (%s%s)", repoIcon(repo.Status), repo.Name, c.findings(), exemptSuffix(c))
	}
	if c.Exempt > 0 {
		return fmt.Sprintf("%s %s: passed (%d exempt)", repoIcon(repo.Status), repo.Name, c.Exempt)
	}
	return fmt.Sprintf("%s %s: passed", repoIcon(repo.Status), repo.Name)
}

func repoCountRow(repo *Repository) string {
	c := countResults(repo)
	return fmt.Sprintf("| %s | %s %s | %s | %s | %s | %s |\n", mdEscape(repo.Name), repoIcon(repo.Status), repo.Status,
		count(c.Error), count(c.Warning), count(c.Note), count(c.Exempt))
}

// repoMarkdown writes one repository's failing results as a table, then
// its exempt and unevaluated results and its mirror drift as lists.
func repoMarkdown(b *strings.Builder, r *Report, repo *Repository) {
	if repo.Status == Errored {
		fmt.Fprintf(b, "Could not be scanned: %s\n", mdEscape(repo.Error))
		return
	}
	var exempt, unchecked []string
	table := false
	lastFixed := "" // the rule whose fix hint the table last showed
	for i := range repo.Results {
		res := &repo.Results[i]
		switch res.Status {
		case rules.StatusFail:
			if !table {
				b.WriteString("| Severity | Rule | Message | Location | How to fix |\n|---|---|---|---|---|\n")
				table = true
			}
			msg := mdEscape(res.Message)
			if res.New {
				msg = "**new:** " + msg
			}
			// The fix hint once per rule: the rows of one rule follow each
			// other (results are sorted by rule).
			fix := ""
			if res.Rule != lastFixed {
				fix, lastFixed = mdEscape(r.Rule(res.Rule).Fix), res.Rule
			}
			fmt.Fprintf(b, "| %s | %s | %s | %s | %s |\n", res.Severity, mdRule(res.Rule), msg, mdLocation(r, repo, res), fix)
		case rules.StatusExempt:
			reason := ""
			if res.Exemption != nil {
				reason = " (reason: " + mdEscape(exemptionText(res.Exemption)) + ")"
			}
			exempt = append(exempt, fmt.Sprintf("- %s %s%s", mdRule(res.Rule), mdEscape(res.Message), reason))
		case rules.StatusError:
			unchecked = append(unchecked, fmt.Sprintf("- %s %s", mdRule(res.Rule), mdEscape(res.Message)))
		}
	}
	if len(exempt) > 0 {
		b.WriteString("\n**Exempt**\n\n" + strings.Join(exempt, "\n") + "\n")
	}
	if len(unchecked) > 0 {
		b.WriteString("\n**Could not be checked**\n\n" + strings.Join(unchecked, "\n") + "\n")
	}
	if repo.MirrorOf != "" && len(repo.MirrorDrift) > 0 {
		fmt.Fprintf(b, "\n**Mirror drift:** this mirror of %s differs from its origin in %s\n", mdEscape(repo.MirrorOf), mdRules(repo.MirrorDrift))
	}
}

func mdLocation(r *Report, repo *Repository, res *rules.Result) string {
	loc := mdEscape(location(res))
	if loc == "" {
		return ""
	}
	if r.Local {
		// A relative link would not resolve in a comment.
		return loc
	}
	if link := fileLink(r, repo, res.Path, res.Line); link != "" {
		return "[" + loc + "](" + mdURL(link) + ")"
	}
	return loc
}

// mdRule shows a rule id as code; ids from a policy file are checked to
// hold no backtick, and anything else is escaped text.
func mdRule(id string) string {
	if id != "" && !strings.ContainsAny(id, "`|\n\r") {
		return "`" + id + "`"
	}
	return mdEscape(id)
}

func mdRules(ids []string) string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = mdRule(id)
	}
	return strings.Join(out, ", ")
}

// mdURL keeps a link destination from closing the link early.
func mdURL(u string) string {
	return strings.NewReplacer("(", "%28", ")", "%29", " ", "%20", "<", "%3C", ">", "%3E", "|", "%7C").Replace(u)
}

var mdReplacer = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", "|", `\|`, "<", "&lt;", ">", "&gt;", "&", "&amp;",
	"*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`, "~", `\~`, "#", `\#`,
	"\r\n", " ", "\n", " ", "\r", " ",
)

// mdEscape makes repository-controlled text inert in a GitHub comment: no
// table cell break, no HTML, no code span, link or emphasis, and no
// @-mention that would notify someone (a zero-width space follows an @
// that could start one).
func mdEscape(s string) string {
	s = mdReplacer.Replace(cleanLine(s))
	if !strings.Contains(s, "@") {
		return s
	}
	var b strings.Builder
	prevWord := false
	for _, r := range s {
		b.WriteRune(r)
		if r == '@' && !prevWord {
			b.WriteString("\u200b")
		}
		prevWord = r == '-' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
	}
	return b.String()
}

// summaryMarkdown is the report for organisations too large for one
// comment: failing and errored repositories with their counts, then the
// failing rules across repositories, each list cut to fit within limit,
// and a note of what was left out.
func summaryMarkdown(r *Report, limit int) string {
	var b strings.Builder
	b.WriteString(verdictLine(r))

	// Failing rules across repositories: one row per rule, small and
	// always kept.
	type ruleCount struct {
		id             string
		severity       rules.Severity
		repos, results int
	}
	byRule := map[string]*ruleCount{}
	exempt := 0
	for i := range r.Repositories {
		seen := map[string]bool{}
		for _, res := range r.Repositories[i].Results {
			if res.Status == rules.StatusExempt {
				exempt++
			}
			if res.Status != rules.StatusFail {
				continue
			}
			rc := byRule[res.Rule]
			if rc == nil {
				rc = &ruleCount{id: res.Rule, severity: res.Severity}
				byRule[res.Rule] = rc
			}
			if res.Severity.Rank() > rc.severity.Rank() {
				rc.severity = res.Severity
			}
			rc.results++
			if !seen[res.Rule] {
				seen[res.Rule] = true
				rc.repos++
			}
		}
	}
	ruleRows := make([]*ruleCount, 0, len(byRule))
	for _, rc := range byRule {
		ruleRows = append(ruleRows, rc)
	}
	sort.Slice(ruleRows, func(i, j int) bool {
		a, c := ruleRows[i], ruleRows[j]
		if a.severity.Rank() != c.severity.Rank() {
			return a.severity.Rank() > c.severity.Rank()
		}
		if a.repos != c.repos {
			return a.repos > c.repos
		}
		return a.id < c.id
	})
	var rulesPart strings.Builder
	if len(ruleRows) > 0 {
		rulesPart.WriteString("\n**Failing rules across repositories**\n\n| Severity | Rule | Repositories | Findings | How to fix |\n|---|---|--:|--:|---|\n")
		for _, rc := range ruleRows {
			fmt.Fprintf(&rulesPart, "| %s | %s | %d | %d | %s |\n", rc.severity, mdRule(rc.id), rc.repos, rc.results, mdEscape(r.Rule(rc.id).Fix))
		}
	}

	var notPassed []*Repository
	for i := range r.Repositories {
		if r.Repositories[i].Status != Passed {
			notPassed = append(notPassed, &r.Repositories[i])
		}
	}
	// Cut from the end, so the worst come first: those that could not be
	// scanned, then by findings, most severe first.
	sort.SliceStable(notPassed, func(i, j int) bool {
		a, b := notPassed[i], notPassed[j]
		if (a.Status == Errored) != (b.Status == Errored) {
			return a.Status == Errored
		}
		ca, cb := countResults(a), countResults(b)
		if ca.Error != cb.Error {
			return ca.Error > cb.Error
		}
		if ca.Warning != cb.Warning {
			return ca.Warning > cb.Warning
		}
		return ca.Note > cb.Note
	})
	var drifting []*Repository
	for i := range r.Repositories {
		if repo := &r.Repositories[i]; repo.MirrorOf != "" && len(repo.MirrorDrift) > 0 {
			drifting = append(drifting, repo)
		}
	}

	// What is always said, so the rest knows its budget.
	s := r.Summary
	note := fmt.Sprintf("\n> This is a summary: the full report of %d repositories does not fit in one GitHub comment (%d characters at most). "+
		"It leaves out the individual findings and their locations%s. Run ospo-scan with `--format html` or `--format json` for all of them.\n",
		s.Repositories, 65536, "%s")
	const reserve = 400 // for the left-out counts filled in below
	budget := limit - b.Len() - len(note) - rulesPart.Len() - reserve

	// Drifting mirrors are few and each matters; the repository list
	// takes what room is left.
	var driftPart strings.Builder
	leftDrift := 0
	if len(drifting) > 0 {
		head := "\n**Mirror drift**\n\n| Mirror | Origin | Rules that differ |\n|---|---|---|\n"
		if len(head) < budget {
			driftPart.WriteString(head)
			for i, repo := range drifting {
				row := fmt.Sprintf("| %s | %s | %s |\n", mdEscape(repo.Name), mdEscape(repo.MirrorOf), mdRules(repo.MirrorDrift))
				if driftPart.Len()+len(row) > budget {
					leftDrift = len(drifting) - i
					break
				}
				driftPart.WriteString(row)
			}
		} else {
			leftDrift = len(drifting)
		}
	}
	budget -= driftPart.Len()

	var reposPart strings.Builder
	leftRepos := 0
	if len(notPassed) > 0 {
		head := fmt.Sprintf("\n**Repositories that did not pass** (%d passed)\n\n| Repository | Status | Errors | Warnings | Notes | Exempt |\n|---|---|--:|--:|--:|--:|\n", s.Passed)
		if len(head) < budget {
			reposPart.WriteString(head)
			for i, repo := range notPassed {
				row := repoCountRow(repo)
				if reposPart.Len()+len(row) > budget {
					leftRepos = len(notPassed) - i
					break
				}
				reposPart.WriteString(row)
			}
		} else {
			leftRepos = len(notPassed)
		}
	}

	var left []string
	if leftRepos > 0 {
		left = append(left, fmt.Sprintf(", %d of the %d repositories that did not pass", leftRepos, len(notPassed)))
	}
	if leftDrift > 0 {
		left = append(left, fmt.Sprintf(", %d of the %d drifting mirrors", leftDrift, len(drifting)))
	}
	if exempt > 0 {
		left = append(left, fmt.Sprintf(", %d exempt results", exempt))
	}
	if len(r.Warnings) > 0 {
		left = append(left, fmt.Sprintf(", %d warnings about the scan", len(r.Warnings)))
	}
	b.WriteString(fmt.Sprintf(note, strings.Join(left, "")))
	b.WriteString(reposPart.String())
	if leftRepos > 0 {
		fmt.Fprintf(&b, "\n_%d more repositories that did not pass are left out._\n", leftRepos)
	}
	b.WriteString(rulesPart.String())
	b.WriteString(driftPart.String())
	if leftDrift > 0 {
		fmt.Fprintf(&b, "\n_%d more drifting mirrors are left out._\n", leftDrift)
	}
	return b.String()
}
