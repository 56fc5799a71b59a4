package baseline

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// WriteText writes the diff as plain text, one block per repository that
// changed, and a closing line with the totals.
func (d *Diff) WriteText(w io.Writer) error {
	var b strings.Builder
	for _, r := range d.Repositories {
		if r.Status == "unchanged" {
			continue
		}
		fmt.Fprintf(&b, "%s (%s): %d new, %d fixed, %d unchanged\n", r.Name, r.Status, len(r.New), len(r.Fixed), len(r.Unchanged))
		for _, f := range r.New {
			fmt.Fprintf(&b, "  + %-8s %-28s %s  %s\n", f.Severity, f.Rule, f.Message, location(f))
		}
		for _, f := range r.Fixed {
			fmt.Fprintf(&b, "  - %-8s %-28s %s  %s\n", f.Severity, f.Rule, f.Message, location(f))
		}
	}
	unchangedRepos := 0
	for _, r := range d.Repositories {
		if r.Status == "unchanged" {
			unchangedRepos++
		}
	}
	if unchangedRepos > 0 {
		fmt.Fprintf(&b, "%d repositories unchanged\n", unchangedRepos)
	}
	fmt.Fprintf(&b, "%s -> %s: %d new, %d fixed, %d unchanged findings\n", d.Old, d.New, d.Totals.New, d.Totals.Fixed, d.Totals.Unchanged)
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON writes the diff as indented JSON.
func (d *Diff) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(d)
}

// WriteMarkdown writes the diff as GitHub-flavoured Markdown.
func (d *Diff) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	verdict := "✅ no new findings"
	if d.HasNew() {
		verdict = fmt.Sprintf("❌ %d new findings", d.Totals.New)
	}
	fmt.Fprintf(&b, "**ospo-scan diff**: %s, %d fixed, %d unchanged\n\n", verdict, d.Totals.Fixed, d.Totals.Unchanged)
	b.WriteString("| Repository | Change | New | Fixed | Unchanged |\n|---|---|---:|---:|---:|\n")
	for _, r := range d.Repositories {
		fmt.Fprintf(&b, "| %s | %s | %d | %d | %d |\n", mdEscape(r.Name), r.Status, len(r.New), len(r.Fixed), len(r.Unchanged))
	}
	for _, r := range d.Repositories {
		if len(r.New) == 0 && len(r.Fixed) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n<details><summary>%s: %d new, %d fixed</summary>\n\n| | Severity | Rule | Message | Location |\n|---|---|---|---|---|\n", mdEscape(r.Name), len(r.New), len(r.Fixed))
		for _, f := range r.New {
			fmt.Fprintf(&b, "| new | %s | `%s` | %s | %s |\n", f.Severity, f.Rule, mdEscape(f.Message), mdEscape(location(f)))
		}
		for _, f := range r.Fixed {
			fmt.Fprintf(&b, "| fixed | %s | `%s` | %s | %s |\n", f.Severity, f.Rule, mdEscape(f.Message), mdEscape(location(f)))
		}
		b.WriteString("\n</details>\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func location(f Finding) string {
	if f.Line > 0 {
		return fmt.Sprintf("%s:%d", f.Path, f.Line)
	}
	return f.Path
}

var mdReplacer = strings.NewReplacer("|", "\\|", "<", "&lt;", ">", "&gt;", "`", "\\`", "\n", " ")

func mdEscape(s string) string { return mdReplacer.Replace(s) }
