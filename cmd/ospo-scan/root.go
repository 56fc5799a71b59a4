package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/it-at-m/ospo-scan/forges"
)

// Exit codes of DESIGN.md.
const (
	exitOK        = 0
	exitFindings  = 1
	exitUsage     = 2
	exitIncomplet = 3
	exitInterrupt = 130
)

// Streams are the process's standard streams and environment, injected so
// tests run commands without a terminal.
type Streams struct {
	In     io.Reader
	Out    io.Writer
	Err    io.Writer
	Getenv func(string) string
	// Terminal overrides terminal detection of Err (tests).
	Terminal *bool
}

// exitError carries an exit code to Main. Its message is one line for the
// user; an empty message prints nothing.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

func usageErr(format string, args ...any) error {
	return &exitError{code: exitUsage, msg: fmt.Sprintf(format, args...)}
}

// Main runs ospo-scan with args and returns the exit code.
func Main(ctx context.Context, args []string, s Streams) int {
	if s.Getenv == nil {
		s.Getenv = os.Getenv
	}
	root := newRootCmd(&s)
	root.SetArgs(args)
	root.SetIn(s.In)
	root.SetOut(s.Out)
	root.SetErr(s.Err)
	err := root.ExecuteContext(ctx)
	return exitCode(ctx, err, s.Err)
}

func exitCode(ctx context.Context, err error, stderr io.Writer) int {
	if err == nil {
		return exitOK
	}
	if ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, ctx.Err())) {
		fmt.Fprintln(stderr, "ospo-scan: interrupted; no report was written")
		return exitInterrupt
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.msg != "" {
			fmt.Fprintln(stderr, "ospo-scan: "+ee.msg)
		}
		return ee.code
	}
	var ue *forges.UserError
	if errors.As(err, &ue) {
		fmt.Fprintln(stderr, "ospo-scan: "+ue.Msg)
		return exitUsage
	}
	// Cobra's own errors (unknown command, bad flag) are usage errors.
	msg := err.Error()
	if isCobraUsage(msg) {
		fmt.Fprintf(stderr, "ospo-scan: %s (see `ospo-scan --help`)\n", msg)
		return exitUsage
	}
	fmt.Fprintln(stderr, "ospo-scan: "+firstLine(msg))
	return exitIncomplet
}

func isCobraUsage(msg string) bool {
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "invalid argument", "flag needs an argument", "accepts ", "requires at least", "requires at most", "bad flag syntax"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func newRootCmd(s *Streams) *cobra.Command {
	root := &cobra.Command{
		Use:   "ospo-scan",
		Short: "Check repositories against the LHM open source publication rules",
		Long: `ospo-scan checks repositories against the publication rules of the Open Source
Programme Office of the City of Munich (Landeshauptstadt München, it@M): an
approved licence with the right copyright holder, a README with the expected
sections, a Code of Conduct, a security contact, CodeQL and dependency review
in CI, actions pinned to commit SHAs, naming and branding conventions and
publication metadata.

Exit codes: 0 no finding at or above --fail-on, 1 findings, 2 usage or
configuration error (nothing scanned), 3 scan incomplete (a repository could
not be scanned), 130 interrupted.`,
		SilenceErrors: true,
		SilenceUsage:  true,
		Version:       versionString(),
		Example: `  ospo-scan check .
  ospo-scan org it-at-m -f html -o report.html
  ospo-scan repo it-at-m/dave-backend -f sarif -o results.sarif
  ospo-scan explain actions/pinned`,
	}
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return usageErr("%v (see --help)", err)
	})
	root.CompletionOptions.DisableDefaultCmd = true
	root.AddCommand(
		newCheckCmd(s, nil),
		newRepoCmd(s, nil),
		newOrgCmd(s, nil),
		newRulesCmd(s, nil),
		newExplainCmd(s, nil),
		newVersionCmd(s),
	)
	for _, extra := range extraCommands {
		root.AddCommand(extra(s))
	}
	return root
}

// extraCommands are added by other files of this package (policy, diff,
// fix), so each command stays in its own file.
var extraCommands []func(*Streams) *cobra.Command

// args checks the number of arguments like cobra's validators, with a
// message that says what to give: "org needs a TARGET: ...".
func args(lo, hi int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, a []string) error {
		if len(a) < lo || hi >= 0 && len(a) > hi {
			return usageErr("%s %s (see `ospo-scan %s --help`)", cmd.Name(), what, cmd.Name())
		}
		return nil
	}
}
