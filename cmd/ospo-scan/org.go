package main

import (
	"context"
	"os"

	"github.com/spf13/cobra"

	"github.com/it-at-m/ospo-scan/forges"
	"github.com/it-at-m/ospo-scan/forges/local"
)

// OrgOptions are the options of `ospo-scan org`.
type OrgOptions struct {
	Scan    ScanOptions
	Targets []string
}

func newOrgCmd(s *Streams, runF func(context.Context, *OrgOptions) error) *cobra.Command {
	o := &OrgOptions{}
	cmd := &cobra.Command{
		Use:   "org TARGET...",
		Short: "Scan every repository of one or more organisations or groups into one report",
		Long: `Scan every repository of one or more organisations or groups into one report.

TARGET is a GitHub organisation or user (it-at-m, github.com/it-at-m), a
GitLab group with its subgroups (gitlab.opencode.de/landeshauptstadt-muenchen,
gitlab.com/GROUP/SUBGROUP), or an existing local directory whose immediate
subdirectories are checkouts (an offline mirror of an organisation).
Archived repositories and forks are skipped unless asked for.

Tokens come from the environment: GITHUB_TOKEN or GH_TOKEN for GitHub,
GITLAB_TOKEN for GitLab. Without one, public data is read anonymously.`,
		Example: `  ospo-scan org it-at-m -f html -o lhm.html
  ospo-scan org it-at-m gitlab.opencode.de/landeshauptstadt-muenchen -f json
  ospo-scan org ./mirror --fail-on never -f markdown
  ospo-scan org testdata/orgs/lhm-sample`,
		Args: args(1, -1, "needs a TARGET: an organisation (it-at-m), a GitLab group (gitlab.opencode.de/GROUP) or a folder of checkouts"),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Targets = args
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runOrg(cmd.Context(), s, o)
		},
	}
	addScanFlags(cmd, &o.Scan, true)
	return cmd
}

func runOrg(ctx context.Context, s *Streams, o *OrgOptions) error {
	allLocal := true
	for _, t := range o.Targets {
		if !isDir(t) {
			allLocal = false
		}
	}
	var rf *remoteForges
	return runScan(ctx, s, scanJob{
		opts:  &o.Scan,
		kind:  scanOrg,
		local: allLocal,
		sources: func(ctx context.Context) ([]forges.Source, error) {
			var out []forges.Source
			for _, t := range o.Targets {
				if isDir(t) {
					f, err := local.NewFolder(t)
					if err != nil {
						return nil, err
					}
					out = append(out, f)
					continue
				}
				if rf == nil {
					rf = newRemoteForges(s, &o.Scan)
				}
				src, err := rf.source(ctx, t, false)
				if err != nil {
					return nil, err
				}
				out = append(out, src)
			}
			return out, nil
		},
		after: func() {
			if rf != nil {
				rf.finish()
			}
		},
	})
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}
