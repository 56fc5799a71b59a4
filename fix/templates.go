package fix

import (
	"bytes"
	"embed"
	"fmt"
	"strings"
	"text/template"
)

// The files fix writes are templates embedded in the binary, so that
// `ospo-scan fix` works offline and writes the same text everywhere.
//
//go:embed templates/*
var templateFS embed.FS

// fileData is what the whole-file templates fill in.
type fileData struct {
	Name    string // the repository's name
	Year    int
	Contact string
	Holder  string
}

// Holder is the copyright holder a created LICENSE names, as
// license/copyright-holder expects it.
const Holder = "Landeshauptstadt München | it@M"

var (
	fileTemplates = template.Must(template.New("").Option("missingkey=error").ParseFS(templateFS,
		"templates/LICENSE.tmpl", "templates/CODE_OF_CONDUCT.md.tmpl", "templates/SECURITY.md.tmpl", "templates/README.md.tmpl"))
	markdownSections = parseSections(markdown)
	rstSections      = parseSections(restructuredText)
)

func parseSections(m markup) *template.Template {
	funcs := template.FuncMap{"link": func(label, href string) string {
		if m == restructuredText {
			return fmt.Sprintf("`%s <%s>`__", label, href)
		}
		return fmt.Sprintf("[%s](%s)", label, href)
	}}
	return template.Must(template.New("").Option("missingkey=error").Funcs(funcs).ParseFS(templateFS, "templates/sections.tmpl"))
}

func sectionTemplates(m markup) *template.Template {
	if m == restructuredText {
		return rstSections
	}
	return markdownSections
}

// renderFile renders one of the whole-file templates, ending in exactly
// one newline.
func renderFile(name string, d fileData) ([]byte, error) {
	var b bytes.Buffer
	if err := fileTemplates.ExecuteTemplate(&b, name, d); err != nil {
		return nil, fmt.Errorf("rendering %s: %w", name, err)
	}
	return []byte(strings.TrimRight(b.String(), "\n") + "\n"), nil
}
