package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/it-at-m/ospo-scan/forges"
)

// Option changes how a writer renders a report.
type Option func(*options)

type options struct {
	// color turns on ANSI colour codes in the table format.
	color bool
}

// WithColor turns colour codes in the table output on or off (default
// off). Callers turn it on only when the output is a terminal that
// wants colour (e.g. not when NO_COLOR is set); the other formats ignore
// it.
func WithColor(on bool) Option { return func(o *options) { o.color = on } }

type writer func(w io.Writer, r *Report, o options) error

// formats lists the writers in the order Formats shows them.
var formats = []struct {
	name  string
	write writer
}{
	{"table", writeTable},
	{"json", writeJSON},
	{"sarif", writeSARIF},
	{"markdown", writeMarkdown},
	{"html", writeHTML},
	{"codequality", func(w io.Writer, r *Report, _ options) error { return CodeQuality(w, r) }},
}

// Formats returns the names of the report formats, default first.
func Formats() []string {
	out := make([]string, len(formats))
	for i, f := range formats {
		out[i] = f.name
	}
	return out
}

// ParseFormat checks that s names a report format. The error is a
// forges.UserError (exit 2) that lists the formats.
func ParseFormat(s string) error {
	for _, f := range formats {
		if f.name == s {
			return nil
		}
	}
	return forges.Userf("unknown format %q: use one of %s", s, strings.Join(Formats(), ", "))
}

// Write renders r in format to w. r must be finished (Report.Finish);
// writers only read it.
func Write(w io.Writer, format string, r *Report, opts ...Option) error {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	for _, f := range formats {
		if f.name == format {
			if err := f.write(w, r, o); err != nil {
				return fmt.Errorf("writing %s report: %w", format, err)
			}
			return nil
		}
	}
	return ParseFormat(format)
}
