package policy

import (
	"fmt"
	"strings"
)

// Error is one problem in a policy file, at a position a person can jump
// to. Its message has the form
//
//	FILE:LINE:COLUMN: what is wrong; what to write instead
type Error struct {
	File   string
	Line   int // 1-based; 0 when the problem is the file as a whole
	Column int // 1-based
	// Msg says what is wrong, Hint what to write instead (may be empty).
	Msg  string
	Hint string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", e.Line, e.Column)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	if e.Hint != "" {
		b.WriteString("; ")
		b.WriteString(e.Hint)
	}
	return b.String()
}

// ErrorList is every problem found in a policy (and the files it
// extends), in file order. Load returns one when a policy is invalid;
// errors.As finds each *Error in it.
type ErrorList []*Error

func (l ErrorList) Error() string {
	lines := make([]string, len(l))
	for i, e := range l {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap lets errors.As and errors.Is look at each problem.
func (l ErrorList) Unwrap() []error {
	out := make([]error, len(l))
	for i, e := range l {
		out[i] = e
	}
	return out
}

// pos is a place in a policy file. A zero file means the built-in
// defaults.
type pos struct {
	file      string
	line, col int
}

// source is what `explain` shows as the origin of a value.
func (p pos) source() string {
	if p.file == "" {
		return "default"
	}
	return fmt.Sprintf("%s:%d", p.file, p.line)
}

func (p pos) err(hint, format string, args ...any) *Error {
	return &Error{File: p.file, Line: p.line, Column: p.col, Msg: oneLine(fmt.Sprintf(format, args...)), Hint: hint}
}

// oneLine keeps a message on one line: text quoted from the policy (a
// CEL token, a YAML scalar) may hold line breaks.
func oneLine(s string) string {
	return strings.NewReplacer("\r\n", `\n`, "\n", `\n`, "\r", `\r`).Replace(s)
}
