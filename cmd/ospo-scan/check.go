package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/it-at-m/ospo-scan/forges"
	"github.com/it-at-m/ospo-scan/forges/local"
)

// CheckOptions are the options of `ospo-scan check`.
type CheckOptions struct {
	Scan ScanOptions
	Path string
}

func newCheckCmd(s *Streams, runF func(context.Context, *CheckOptions) error) *cobra.Command {
	o := &CheckOptions{}
	cmd := &cobra.Command{
		Use:   "check [PATH]",
		Short: "Scan one local checkout (no network, no token)",
		Long: `Scan one local checkout against the rules, without network and without a token.
Rules that need forge metadata (description, private vulnerability reporting)
are not applicable; the default branch is read from .git when the checkout
was cloned. The policy is --config, else .ospo-scan.yml in the checkout, else
.ospo-scan.yml in the working directory, else the built-in LHM defaults.`,
		Example: `  ospo-scan check
  ospo-scan check ../dave-backend --fail-on warning
  ospo-scan check . -f sarif -o results.sarif
  ospo-scan check . --rule license/present --rule docs/readme`,
		Args: args(0, 1, "takes at most one PATH: the checkout to scan"),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Path = "."
			if len(args) == 1 {
				o.Path = args[0]
			}
			o.Scan.Concurrency = 1
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runCheck(cmd.Context(), s, o)
		},
	}
	addScanFlags(cmd, &o.Scan, false)
	return cmd
}

func runCheck(ctx context.Context, s *Streams, o *CheckOptions) error {
	return runScan(ctx, s, scanJob{
		opts:     &o.Scan,
		kind:     scanCheck,
		checkDir: o.Path,
		local:    true,
		sources: func(context.Context) ([]forges.Source, error) {
			c, err := local.NewCheckout(o.Path)
			if err != nil {
				return nil, err
			}
			return []forges.Source{c}, nil
		},
	})
}
