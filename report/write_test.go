package report

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/it-at-m/ospo-scan/forges"
)

func TestFormats(t *testing.T) {
	got := Formats()
	if want := []string{"table", "json", "sarif", "markdown", "html"}; len(got) < len(want) || !slices.Equal(got[:len(want)], want) {
		t.Errorf("Formats() = %q, want %q first", got, want)
	}
	for _, f := range got {
		if err := ParseFormat(f); err != nil {
			t.Errorf("ParseFormat(%q) = %v", f, err)
		}
	}
}

func TestParseFormatRejectsUnknown(t *testing.T) {
	err := ParseFormat("x")
	want := fmt.Sprintf("unknown format %q: use one of %s", "x", strings.Join(Formats(), ", "))
	if err == nil || err.Error() != want {
		t.Fatalf("ParseFormat(x) = %v, want %q", err, want)
	}
	if !strings.HasPrefix(err.Error(), `unknown format "x": use one of table, json, sarif, markdown, html`) {
		t.Errorf("message %q does not list the formats", err)
	}
	var ue *forges.UserError
	if !errors.As(err, &ue) {
		t.Errorf("error %T is not a UserError (exit 2)", err)
	}
	var buf bytes.Buffer
	if err := Write(&buf, "yaml", sampleReport()); err == nil || !errors.As(err, &ue) || buf.Len() > 0 {
		t.Errorf("Write(yaml) = %v, wrote %d bytes", err, buf.Len())
	}
}

// Writers only read the report: writing every format leaves it as it was.
func TestWritersDoNotChangeTheReport(t *testing.T) {
	r := sampleReport()
	before := render(t, "json", r)
	rules := slices.Clone(r.Rules)
	for _, f := range Formats() {
		if err := Write(io.Discard, f, r); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
	}
	if after := render(t, "json", r); after != before || !reflect.DeepEqual(rules, r.Rules) {
		t.Error("a writer changed the report")
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteErrorsCarryTheFormat(t *testing.T) {
	for _, f := range []string{"table", "json", "sarif", "markdown", "html"} {
		err := Write(failingWriter{}, f, sampleReport())
		if err == nil || !strings.Contains(err.Error(), "writing "+f+" report") || !strings.Contains(err.Error(), "disk full") {
			t.Errorf("%s: error = %v", f, err)
		}
	}
}

// BenchmarkWrite renders an organisation of 1,000 repositories with 22
// rules each in every format and reports the output size.
func BenchmarkWrite(b *testing.B) {
	r := bigReport(1000)
	for _, f := range Formats() {
		b.Run(f, func(b *testing.B) {
			var cw countingWriter
			for b.Loop() {
				cw = 0
				if err := Write(&cw, f, r); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cw), "bytes")
		})
	}
}

type countingWriter int

func (c *countingWriter) Write(p []byte) (int, error) {
	*c += countingWriter(len(p))
	return len(p), nil
}
