package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/it-at-m/ospo-scan/baseline"
)

func init() {
	extraCommands = append(extraCommands, func(s *Streams) *cobra.Command { return newDiffCmd(s, nil) })
}

// DiffOptions are the options of `ospo-scan diff`.
type DiffOptions struct {
	Old, New string
	Format   string
	Output   string
}

func newDiffCmd(s *Streams, runF func(context.Context, *DiffOptions) error) *cobra.Command {
	o := &DiffOptions{}
	cmd := &cobra.Command{
		Use:   "diff OLD.json NEW.json",
		Short: "Show what is new, fixed and unchanged between two JSON reports",
		Long: `Compare two JSON reports (written with -f json) per repository: which findings
are new, which were fixed, which are unchanged. Findings match by repository,
rule and fingerprint, not by line, so a finding that only moved is unchanged.
Exit code 1 when anything is new.`,
		Example: `  ospo-scan diff review-2026-05.json review-2026-11.json
  ospo-scan diff old.json new.json -f markdown >> "$GITHUB_STEP_SUMMARY"`,
		Args: args(2, 2, "needs two JSON reports: OLD.json NEW.json"),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Old, o.New = args[0], args[1]
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runDiff(s, o)
		},
	}
	cmd.Flags().StringVarP(&o.Format, "format", "f", "table", "output format: table, json or markdown")
	cmd.Flags().StringVarP(&o.Output, "output", "o", "", "write to `FILE` (atomically) instead of stdout")
	return cmd
}

func runDiff(s *Streams, o *DiffOptions) error {
	switch o.Format {
	case "table", "json", "markdown":
	default:
		return usageErr("unknown format %q for diff: use table, json or markdown", o.Format)
	}
	if o.Output != "" {
		if err := checkOutput(o.Output); err != nil {
			return err
		}
	}
	oldRep, err := baseline.ReadReport(o.Old)
	if err != nil {
		return usageErr("%v", err)
	}
	newRep, err := baseline.ReadReport(o.New)
	if err != nil {
		return usageErr("%v", err)
	}
	d := baseline.Compare(o.Old, oldRep, o.New, newRep)
	write := d.WriteText
	switch o.Format {
	case "json":
		write = d.WriteJSON
	case "markdown":
		write = d.WriteMarkdown
	}
	if o.Output == "" {
		err = write(s.Out)
	} else {
		err = writeFileAtomic(o.Output, write)
	}
	if err != nil {
		return err
	}
	if d.HasNew() {
		return &exitError{code: exitFindings}
	}
	return nil
}
