package report

import (
	_ "embed"
	"encoding/json"
	"io"
)

//go:embed schema/report.schema.json
var schema []byte

// Schema returns the JSON Schema (draft 2020-12) of the JSON report.
func Schema() []byte { return append([]byte(nil), schema...) }

// writeJSON writes the report as indented JSON with a trailing newline.
// Finish has sorted repositories and results, so equal scans give
// byte-identical output apart from generatedAt.
func writeJSON(w io.Writer, r *Report, _ options) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	// Messages quote repository text such as "<script>"; a JSON report is
	// read by programs, not pasted into HTML, so keep it legible.
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}
