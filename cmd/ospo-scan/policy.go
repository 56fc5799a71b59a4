package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/it-at-m/ospo-scan/policy"
	"github.com/it-at-m/ospo-scan/rules"
)

func init() {
	extraCommands = append(extraCommands, func(s *Streams) *cobra.Command { return newPolicyCmd(s, nil, nil) })
}

// PolicyInitOptions are the options of `ospo-scan policy init`.
type PolicyInitOptions struct {
	Output string
	Force  bool
}

// PolicyValidateOptions are the options of `ospo-scan policy validate`.
type PolicyValidateOptions struct {
	File string
}

func newPolicyCmd(s *Streams, initF func(context.Context, *PolicyInitOptions) error, validateF func(context.Context, *PolicyValidateOptions) error) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "policy",
		Short: "Write or check a policy file (.ospo-scan.yml)",
		Long: `A policy file changes the rule set without recompiling: severities, parameters
such as the approved licences, profiles for groups of repositories, exemptions
with a reason and an expiry date, and custom rules.

ospo-scan reads --config FILE, else .ospo-scan.yml in the checkout (check),
else .ospo-scan.yml in the working directory, else the built-in LHM defaults.`,
		Example: `  ospo-scan policy init
  ospo-scan policy validate
  ospo-scan policy validate ospo/lhm-policy.yml`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newPolicyInitCmd(s, initF), newPolicyValidateCmd(s, validateF))
	return cmd
}

func newPolicyInitCmd(s *Streams, runF func(context.Context, *PolicyInitOptions) error) *cobra.Command {
	o := &PolicyInitOptions{}
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Write the built-in LHM policy as a commented .ospo-scan.yml",
		Long: `Write the built-in LHM defaults as a commented policy file: every rule with its
default severity and parameters (with their documentation), the fork and
archived profiles, and commented examples of profiles, exemptions and custom
rules. Loading the file gives exactly the built-in policy; change what you need.

An existing file is not replaced unless --force is given.`,
		Example: `  ospo-scan policy init
  ospo-scan policy init -o ospo/lhm-policy.yml
  ospo-scan policy init -o - | less`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runPolicyInit(s, o)
		},
	}
	cmd.Flags().StringVarP(&o.Output, "output", "o", policy.FileName, "write the policy to `FILE` (\"-\" for stdout)")
	cmd.Flags().BoolVar(&o.Force, "force", false, "replace an existing file")
	return cmd
}

func runPolicyInit(s *Streams, o *PolicyInitOptions) error {
	write := func(w io.Writer) error { return policy.WriteInit(w, rules.Builtin()) }
	if o.Output == "-" {
		return write(s.Out)
	}
	if _, err := os.Lstat(o.Output); err == nil && !o.Force {
		return usageErr("%s exists; add --force to replace it, or -o to write elsewhere", o.Output)
	}
	if err := checkOutput(o.Output); err != nil {
		return err
	}
	if err := writeFileAtomic(o.Output, write); err != nil {
		return fmt.Errorf("writing %s: %w", o.Output, err)
	}
	fmt.Fprintf(s.Err, "ospo-scan: wrote %s; check it with `ospo-scan policy validate %s`\n", o.Output, o.Output)
	return nil
}

func newPolicyValidateCmd(s *Streams, runF func(context.Context, *PolicyValidateOptions) error) *cobra.Command {
	o := &PolicyValidateOptions{}
	cmd := &cobra.Command{
		Use:   "validate [FILE]",
		Short: "Check a policy file and the files it extends",
		Long: `Check a policy file (default: .ospo-scan.yml in the working directory) and the
files it extends: unknown keys, wrong types, unknown rule ids and parameters,
invalid regular expressions, CEL expressions that do not compile or do not
return a boolean, invalid SPDX licence ids, until dates, extends cycles and
duplicate custom rule ids. Every problem is printed as
FILE:LINE:COLUMN: what is wrong; what to write instead.

Exit codes: 0 the policy is valid, 2 it is not (or FILE cannot be read).`,
		Example: `  ospo-scan policy validate
  ospo-scan policy validate ospo/lhm-policy.yml`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.File = args[0]
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runPolicyValidate(s, o)
		},
	}
	return cmd
}

func runPolicyValidate(s *Streams, o *PolicyValidateOptions) error {
	file := o.File
	if file == "" {
		if file = policy.Find(""); file == "" {
			return usageErr("no %s in the working directory: name the policy file, or write one with `ospo-scan policy init`", policy.FileName)
		}
	}
	p, err := policy.Load(file, rules.Builtin())
	if err != nil {
		var list policy.ErrorList
		if errors.As(err, &list) {
			for _, e := range list {
				fmt.Fprintln(s.Err, e.Error())
			}
			n := "1 problem"
			if len(list) != 1 {
				n = fmt.Sprintf("%d problems", len(list))
			}
			return usageErr("%s: %s (listed above)", file, n)
		}
		return usageErr("%v", err)
	}
	custom := 0
	for _, r := range p.Rules() {
		if r.Custom {
			custom++
		}
	}
	var profiles []string
	for _, pi := range p.Profiles() {
		profiles = append(profiles, pi.Name)
	}
	from := file
	if files := p.Files(); len(files) > 1 {
		from = fmt.Sprintf("%s (extending %s)", file, strings.Join(files[:len(files)-1], ", "))
	}
	_, err = fmt.Fprintf(s.Out, "%s is valid: %d rules (%d custom), profiles %s, %d exemptions\n",
		from, len(p.Rules()), custom, strings.Join(profiles, ", "), p.Exemptions())
	return err
}
