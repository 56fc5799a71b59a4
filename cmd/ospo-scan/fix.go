package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/it-at-m/ospo-scan/fix"
	"github.com/it-at-m/ospo-scan/forges/local"
	"github.com/it-at-m/ospo-scan/rules"
)

func init() {
	extraCommands = append(extraCommands, func(s *Streams) *cobra.Command { return newFixCmd(s, nil) })
}

// FixOptions are the options of `ospo-scan fix`.
type FixOptions struct {
	Path    string
	Write   bool
	Year    int
	Contact string
	Config  string
}

func newFixCmd(s *Streams, runF func(context.Context, *FixOptions) error) *cobra.Command {
	o := &FixOptions{}
	cmd := &cobra.Command{
		Use:   "fix [PATH]",
		Short: "Add the missing LICENSE, Code of Conduct, SECURITY.md and README sections to a checkout",
		Long: `Show (default) or write (--write) what a local checkout lacks to pass the rules
that a template can satisfy, from templates built into ospo-scan:

  LICENSE                      MIT, "Copyright (c) <year> Landeshauptstadt München | it@M",
                               when the root has no licence file at all
  .github/CODE_OF_CONDUCT.md   Contributor Covenant 2.1 naming --contact, when there
                               is no Code of Conduct in the root, .github/ or docs/
  SECURITY.md                  --contact and private vulnerability reporting, when
                               there is no SECURITY file in any of those places
  README sections              Contributing, License and Contact appended to the
                               README where they are missing; a new README.md with a
                               title and these sections when there is none

Existing files are never rewritten: files are only created, and sections are
only appended, after reading the README again. What fix cannot repair (a licence
that is not MIT, another copyright holder, unfilled placeholders in an existing
SECURITY.md) is listed as "cannot fix automatically". The repository is judged
with the same policy as by check (--config, else .ospo-scan.yml, else the
built-in LHM defaults), so that ` + "`ospo-scan check`" + ` passes
license/present, license/approved, license/copyright-holder, docs/readme,
docs/readme-sections, docs/contributing, docs/code-of-conduct, security/contact
and security/policy afterwards.

Exit codes: 0 nothing to change, or the changes were written; 1 changes are
planned (a dry run), so CI can use ` + "`ospo-scan fix`" + ` as a check; 2 the path or a flag
is wrong; 3 a file could not be written.`,
		Example: `  ospo-scan fix                 # what would change in the current checkout
  ospo-scan fix ../dave-backend --write
  ospo-scan fix --write --contact opensource@muenchen.de --year 2026`,
		Args: args(0, 1, "takes at most one PATH: the checkout to fix"),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Path = "."
			if len(args) == 1 {
				o.Path = args[0]
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runFix(cmd.Context(), s, o)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.Write, "write", false, "write the changes (default: only show them)")
	f.IntVar(&o.Year, "year", time.Now().Year(), "year of the created LICENSE's copyright line")
	f.StringVar(&o.Contact, "contact", fix.DefaultContact, "e-mail `ADDRESS` the created files name")
	f.StringVar(&o.Config, "config", "", "policy `FILE` whose rule settings and exemptions apply (default: as for check)")
	return cmd
}

func (o *FixOptions) validate() error {
	if o.Year < 1000 || o.Year > 9999 {
		return usageErr("invalid --year %d: use a four-digit year such as %d", o.Year, time.Now().Year())
	}
	hits := rules.FindEmails(o.Contact, 1)
	if len(hits) != 1 || hits[0].Addr != strings.TrimSpace(o.Contact) {
		return usageErr("invalid --contact %q: give one e-mail address such as %s", o.Contact, fix.DefaultContact)
	}
	if hits[0].Placeholder != "" {
		return usageErr("invalid --contact %q: %s; give a real address such as %s", o.Contact, hits[0].Placeholder, fix.DefaultContact)
	}
	o.Contact = hits[0].Addr
	return nil
}

func runFix(ctx context.Context, s *Streams, o *FixOptions) error {
	if err := o.validate(); err != nil {
		return err
	}
	repo, err := local.OpenCheckout(o.Path)
	if err != nil {
		return err // a bad path is a forges.UserError naming it: exit 2
	}
	// The same policy as `check` on this checkout, so that what fix
	// leaves is what check reports.
	pol, err := loadPolicy(&ScanOptions{Config: o.Config}, scanCheck, o.Path)
	if err != nil {
		return err
	}
	plan, err := fix.NewPlan(ctx, repo, fix.Options{Year: o.Year, Contact: o.Contact, Policy: pol})
	if err != nil {
		return err
	}
	if !o.Write {
		printPlan(s.Out, plan)
		if len(plan.Changes) > 0 {
			return &exitError{code: exitFindings}
		}
		return nil
	}
	dir, err := filepath.Abs(o.Path)
	if err != nil {
		return usageErr("invalid path %q: %v", o.Path, err)
	}
	outcomes, err := plan.Apply(dir)
	for _, oc := range outcomes {
		fmt.Fprintln(s.Out, oc.Message)
	}
	if err != nil {
		return &exitError{code: exitIncomplet, msg: err.Error()}
	}
	if len(plan.Changes) == 0 {
		fmt.Fprintln(s.Out, nothingToFix(plan))
	}
	printManual(s.Out, plan)
	return nil
}

// printPlan lists each planned change with its path and the failing rule
// results it repairs, then what needs a person.
func printPlan(w io.Writer, p *fix.Plan) {
	switch n := len(p.Changes); n {
	case 0:
		fmt.Fprintln(w, nothingToFix(p))
	case 1:
		fmt.Fprintf(w, "%s: 1 change to make (dry run: write it with --write)\n", p.Repo)
	default:
		fmt.Fprintf(w, "%s: %d changes to make (dry run: write them with --write)\n", p.Repo, n)
	}
	for _, c := range p.Changes {
		fmt.Fprintf(w, "  %s\n", c.Describe())
		for _, r := range c.Why {
			fmt.Fprintf(w, "      because %s: %s\n", r.Rule, r.Message)
		}
	}
	printManual(w, p)
}

func nothingToFix(p *fix.Plan) string {
	if len(p.Manual) > 0 {
		return "nothing to fix automatically in " + p.Repo
	}
	return "nothing to fix in " + p.Repo
}

func printManual(w io.Writer, p *fix.Plan) {
	for _, m := range p.Manual {
		fmt.Fprintf(w, "cannot fix automatically: %s: %s\n", m.Rule, m.Message)
	}
}
