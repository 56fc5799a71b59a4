package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/it-at-m/ospo-scan/forges"
)

// RepoOptions are the options of `ospo-scan repo`.
type RepoOptions struct {
	Scan   ScanOptions
	Target string
}

func newRepoCmd(s *Streams, runF func(context.Context, *RepoOptions) error) *cobra.Command {
	o := &RepoOptions{}
	cmd := &cobra.Command{
		Use:   "repo TARGET",
		Short: "Scan one remote repository",
		Long: `Scan one remote repository through the forge's API.

TARGET is OWNER/NAME or github.com/OWNER/NAME on GitHub, or
HOST/GROUP[/SUBGROUP...]/PROJECT on GitLab (a host starting with "gitlab." is
GitLab; use --forge for other hosts). Tokens come from the environment:
GITHUB_TOKEN or GH_TOKEN for GitHub, GITLAB_TOKEN for GitLab.`,
		Example: `  ospo-scan repo it-at-m/dave-backend
  ospo-scan repo github.com/it-at-m/dave-backend -f sarif -o results.sarif
  ospo-scan repo gitlab.opencode.de/landeshauptstadt-muenchen/bayernid-plugin
  ospo-scan repo ghe.example.org/team/app --forge github`,
		Args: args(1, 1, "needs one TARGET: OWNER/NAME (it-at-m/dave-backend) or HOST/GROUP/PROJECT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Target = args[0]
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runRepo(cmd.Context(), s, o)
		},
	}
	addScanFlags(cmd, &o.Scan, true)
	return cmd
}

func runRepo(ctx context.Context, s *Streams, o *RepoOptions) error {
	rf := newRemoteForges(s, &o.Scan)
	return runScan(ctx, s, scanJob{
		opts: &o.Scan,
		kind: scanRepo,
		sources: func(ctx context.Context) ([]forges.Source, error) {
			src, err := rf.source(ctx, o.Target, true)
			if err != nil {
				return nil, err
			}
			return []forges.Source{src}, nil
		},
		after: rf.finish,
	})
}
