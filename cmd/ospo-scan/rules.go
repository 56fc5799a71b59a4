package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/spf13/cobra"

	"github.com/it-at-m/ospo-scan/internal/textwrap"
	"github.com/it-at-m/ospo-scan/rules"
)

// RulesOptions are the options of `ospo-scan rules`.
type RulesOptions struct {
	Config   string
	JSON     bool
	Markdown bool
}

func newRulesCmd(s *Streams, runF func(context.Context, *RulesOptions) error) *cobra.Command {
	o := &RulesOptions{}
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "List the rules: id, default severity, title",
		Example: `  ospo-scan rules
  ospo-scan rules --config .ospo-scan.yml
  ospo-scan rules --json
  ospo-scan rules --markdown   # the table in the README`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runRules(s, o)
		},
	}
	cmd.Flags().StringVar(&o.Config, "config", "", "policy `FILE` whose custom rules and severities to list")
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print the rules as JSON")
	cmd.Flags().BoolVar(&o.Markdown, "markdown", false, "print the rules as a Markdown table (the README's rule table)")
	return cmd
}

func runRules(s *Streams, o *RulesOptions) error {
	pol, err := openPolicy(o.Config, "")
	if err != nil {
		return err
	}
	all, sev := pol.Rules(), severityIn(pol)
	if o.JSON {
		type row struct {
			ID       string `json:"id"`
			Severity string `json:"severity"`
			Title    string `json:"title"`
			Source   string `json:"source"`
			Custom   bool   `json:"custom,omitempty"`
		}
		rows := make([]row, 0, len(all))
		for _, r := range all {
			rows = append(rows, row{r.ID, sev(r), r.Title, r.Source, r.Custom})
		}
		enc := json.NewEncoder(s.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	}
	if o.Markdown {
		_, err := io.WriteString(s.Out, rulesMarkdown(all, sev))
		return err
	}
	t := tablewriter.NewTable(s.Out)
	t.Header("Rule", "Severity", "Title")
	for _, r := range all {
		if err := t.Append(r.ID, sev(r), r.Title); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	_, err = fmt.Fprintln(s.Out, "`ospo-scan explain RULE-ID` tells what a rule checks, why, and how to fix it.")
	return err
}

// rulesMarkdown renders the rule table of the README.
func rulesMarkdown(all []*rules.Rule, sev func(*rules.Rule) string) string {
	var b strings.Builder
	b.WriteString("| Rule | Severity | What passes | Source |\n|---|---|---|---|\n")
	for _, r := range all {
		src := r.SourceTitle
		if src == "" {
			src = "source"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | [%s](%s) |\n", r.ID, sev(r), strings.ReplaceAll(r.Title, "|", "\\|"), strings.ReplaceAll(src, "|", "\\|"), r.Source)
	}
	return b.String()
}

// ExplainOptions are the options of `ospo-scan explain`.
type ExplainOptions struct {
	Config string
	ID     string
}

func newExplainCmd(s *Streams, runF func(context.Context, *ExplainOptions) error) *cobra.Command {
	o := &ExplainOptions{}
	cmd := &cobra.Command{
		Use:   "explain RULE-ID",
		Short: "Explain a rule: what it checks, why (with its source), how to fix it",
		Example: `  ospo-scan explain actions/pinned
  ospo-scan explain license/approved --config .ospo-scan.yml`,
		Args: args(1, 1, "needs one RULE-ID, e.g. actions/pinned (`ospo-scan rules` lists them)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.ID = args[0]
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runExplain(s, o)
		},
	}
	cmd.Flags().StringVar(&o.Config, "config", "", "policy `FILE` whose settings to show")
	return cmd
}

func runExplain(s *Streams, o *ExplainOptions) error {
	pol, err := openPolicy(o.Config, "")
	if err != nil {
		return err
	}
	all, sev := pol.Rules(), severityIn(pol)
	r, err := rules.Find(all, o.ID)
	if err != nil {
		return usageErr("%v", err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s\n\n", r.ID, r.Title)
	fmt.Fprintf(&b, "Severity: %s", sev(r))
	if string(r.Severity) != sev(r) {
		fmt.Fprintf(&b, " (default %s)", r.Severity)
	}
	b.WriteString("\n\n")
	b.WriteString(textwrap.Wrap(r.Doc, 78))
	b.WriteString("\n")
	if r.Fix != "" {
		fmt.Fprintf(&b, "\nHow to fix: %s\n", r.Fix)
	}
	if r.Source != "" {
		src := r.Source
		if r.SourceTitle != "" {
			src = r.SourceTitle + " <" + r.Source + ">"
		}
		fmt.Fprintf(&b, "\nSource: %s\n", src)
	}
	if len(r.Reads) > 0 {
		fmt.Fprintf(&b, "\nReads: %s\n", strings.Join(r.Reads, ", "))
	}
	if r.NeedsForge {
		b.WriteString("\nNeeds forge metadata: not applicable to a local checkout.\n")
	}
	if params := explainParams(pol, r); len(params) > 0 {
		b.WriteString("\nParameters:\n")
		documented := map[string]bool{}
		for _, p := range params {
			fmt.Fprintf(&b, "  %s = %s  (%s)\n", p.name, p.value, p.source)
			if p.doc != "" && !documented[p.name] {
				documented[p.name] = true
				fmt.Fprintf(&b, "      %s\n", p.doc)
			}
		}
	}
	_, err = fmt.Fprint(s.Out, b.String())
	return err
}

type paramLine struct{ name, value, source, doc string }
