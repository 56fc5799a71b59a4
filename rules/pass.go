package rules

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"runtime/debug"

	"github.com/it-at-m/ospo-scan/forges"
)

// Pass is one rule's view of one repository.
type Pass struct {
	Ctx  context.Context
	Rule *Rule
	Repo *forges.Repo
	// Facts is shared by all rules on this repository, so that the README,
	// the licences and the workflows are read and parsed once.
	Facts  *Facts
	params map[string]any
}

// Param returns the value of a parameter: the configured one, else the
// rule's documented default. It panics for a name the rule does not
// declare, which Run turns into an error result: a programming error.
func (p *Pass) Param(name string) any {
	if v, ok := p.params[name]; ok {
		return v
	}
	for _, d := range p.Rule.Params {
		if d.Name == name {
			return d.Default
		}
	}
	panic(fmt.Sprintf("rule %s has no parameter %q", p.Rule.ID, name))
}

// StringParam returns a string parameter.
func (p *Pass) StringParam(name string) string {
	s, _ := p.Param(name).(string)
	return s
}

// StringsParam returns a list-of-strings parameter.
func (p *Pass) StringsParam(name string) []string {
	switch v := p.Param(name).(type) {
	case []string:
		return v
	case []any:
		out := make([]string, 0, len(v))
		for _, x := range v {
			out = append(out, fmt.Sprint(x))
		}
		return out
	case string:
		return []string{v}
	}
	return nil
}

// BoolParam returns a boolean parameter.
func (p *Pass) BoolParam(name string) bool {
	b, _ := p.Param(name).(bool)
	return b
}

// Passed returns a passing result.
func (p *Pass) Passed(path, format string, args ...any) Result {
	return Result{Status: StatusPass, Path: path, Message: fmt.Sprintf(format, args...)}
}

// Failed returns a failing result.
func (p *Pass) Failed(path string, line int, format string, args ...any) Result {
	return Result{Status: StatusFail, Path: path, Line: line, Message: fmt.Sprintf(format, args...)}
}

// NotApplicable returns a not-applicable result with its reason.
func (p *Pass) NotApplicable(format string, args ...any) Result {
	return Result{Status: StatusNotApplicable, Message: fmt.Sprintf(format, args...)}
}

// Errorf returns a result for a rule that could not be evaluated.
func (p *Pass) Errorf(path string, format string, args ...any) Result {
	return Result{Status: StatusError, Path: path, Message: fmt.Sprintf(format, args...)}
}

// Run evaluates the configured rules on one repository. Results carry the
// rule id and the configured severity. A rule that panics yields one error
// result; the other rules still run. Results are sorted.
func Run(ctx context.Context, repo *forges.Repo, set []Configured) []Result {
	return RunWithFacts(ctx, repo, NewFacts(repo), set)
}

// RunWithFacts is Run with a caller's Facts, so the caller can read what
// the rules derived (the detected licences) without deriving it again.
func RunWithFacts(ctx context.Context, repo *forges.Repo, facts *Facts, set []Configured) []Result {
	var out []Result
	for _, c := range set {
		if ctx.Err() != nil {
			break
		}
		out = append(out, runOne(ctx, repo, facts, c)...)
	}
	SortResults(out)
	return out
}

func runOne(ctx context.Context, repo *forges.Repo, facts *Facts, c Configured) (res []Result) {
	p := &Pass{Ctx: ctx, Rule: c.Rule, Repo: repo, Facts: facts, params: c.Params}
	defer func() {
		if v := recover(); v != nil {
			res = []Result{{Status: StatusError, Message: fmt.Sprintf("internal error in rule %s: %v (please report this with the output of `ospo-scan version`)", c.ID, v)}}
			if debugPanics {
				res[0].Message += "\n" + string(debug.Stack())
			}
		}
		for i := range res {
			res[i].Rule = c.ID
			res[i].Severity = c.Severity
		}
	}()
	res = c.Check(p)
	if len(res) == 0 {
		res = []Result{{Status: StatusError, Message: "rule returned no result"}}
	}
	return res
}

// debugPanics adds stack traces to panicking rules' messages (tests only).
var debugPanics = false

// ReadError turns a failed read into a sentence for a result message.
func ReadError(path string, err error) string {
	switch {
	case errors.Is(err, forges.ErrTooLarge):
		return fmt.Sprintf("%s is larger than 1 MiB and was not read", path)
	case errors.Is(err, forges.ErrOutsideRepository):
		return fmt.Sprintf("%s is a symbolic link that points outside the repository and was not followed", path)
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Sprintf("%s does not exist", path)
	}
	return fmt.Sprintf("cannot read %s: %v", path, unwrapPath(err))
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
