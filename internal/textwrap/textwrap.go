// Package textwrap folds prose to a line width, for help texts and the
// comments of generated policy files.
package textwrap

import "strings"

// Wrap folds text to lines of at most width columns (longer words stand
// alone), keeping paragraph breaks (blank lines). A paragraph with an
// indented line is preformatted (a table, a code sample) and kept as it is.
func Wrap(text string, width int) string {
	paras := strings.Split(strings.TrimSpace(text), "\n\n")
	out := make([]string, 0, len(paras))
	for _, para := range paras {
		if preformatted(para) {
			out = append(out, para)
			continue
		}
		var lines []string
		var line strings.Builder
		for _, w := range strings.Fields(para) {
			if line.Len() > 0 && line.Len()+1+len(w) > width {
				lines = append(lines, line.String())
				line.Reset()
			}
			if line.Len() > 0 {
				line.WriteByte(' ')
			}
			line.WriteString(w)
		}
		if line.Len() > 0 {
			lines = append(lines, line.String())
		}
		out = append(out, strings.Join(lines, "\n"))
	}
	return strings.Join(out, "\n\n")
}

func preformatted(para string) bool {
	for _, l := range strings.Split(para, "\n") {
		if strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t") {
			return true
		}
	}
	return false
}
