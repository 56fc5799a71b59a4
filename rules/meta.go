package rules

import (
	"fmt"
	"slices"
	"strings"

	"github.com/github/go-spdx/v2/spdxexp"
	"go.yaml.in/yaml/v3"
)

// PubliccodeFile is the only name openCode's software directory reads.
const PubliccodeFile = "publiccode.yml"

// MetaPubliccode checks publiccode.yml, the metadata of the openCode
// software directory.
var MetaPubliccode = &Rule{
	ID:       "meta/publiccode",
	Title:    "publiccode.yml is valid",
	Severity: Warning,
	Doc: `If the repository describes itself for public-sector software catalogues, it does so in publiccode.yml at the root: exactly that name, since openCode's software directory reads no other (publiccode.yaml or PublicCode.yml is ignored there). The file must be valid YAML and have at least publiccodeYmlVersion, name, url, legal.license and a description (description.<language>.shortDescription or longDescription in any language). legal.license must be a valid SPDX licence expression and name the licences found in the repository's licence files: every licence it names must be found, and every licence that makes up at least a quarter of a licence file must be named (smaller matches are quoted fragments); ids are compared without "-only"/"-or-later" suffixes, which a licence text cannot show; when no licence file is found, license/present reports that and this rule does not compare.

Each problem is its own finding with the line it concerns (the line of the enclosing key for a missing field), so that fixing one does not hide the others. The rule does not apply when there is no publiccode file, unless the parameter "required" is true (set it for projects published on openCode, which lists only projects that have one).`,
	Fix:         "Create or fix publiccode.yml at the root with the openCode editor or template (publiccodeYmlVersion, name, url, legal.license matching LICENSE, description.de.shortDescription).",
	Source:      "https://guide.opencode.de/en/softwareverzeichnis/publiccode.yml-anlegen",
	SourceTitle: "openCode guide: Creating a publiccode.yml (software directory)",
	Reads:       []string{PubliccodeFile, "publiccode.yaml", "LICENSE*", "LICENCE*", "COPYING*"},
	Params: []Param{{
		Name:    "required",
		Doc:     "fail when the repository has no publiccode.yml",
		Default: false,
	}},
	Check: checkPubliccode,
}

func checkPubliccode(p *Pass) []Result {
	entries, err := p.Facts.ReadDir(".")
	if err != nil {
		return []Result{p.Errorf("", "cannot list the repository root: %v", unwrapPath(err))}
	}
	exact := false
	var misnamed []string
	for _, e := range entries {
		name := e.Name()
		switch lower := strings.ToLower(name); {
		case e.IsDir():
		case name == PubliccodeFile:
			exact = true
		case lower == PubliccodeFile || lower == "publiccode.yaml":
			misnamed = append(misnamed, name)
		}
	}
	var out []Result
	for _, name := range misnamed {
		r := p.Failed(name, 0, "openCode only accepts publiccode.yml: rename %s to publiccode.yml", name)
		if exact {
			r.Message = fmt.Sprintf("openCode only accepts publiccode.yml and ignores %s next to it: remove %s", name, name)
		}
		r.Evidence = name
		out = append(out, r)
	}
	if !exact {
		switch {
		case len(out) > 0:
			return out
		case p.BoolParam("required"):
			return []Result{p.Failed(PubliccodeFile, 0, "publiccode.yml is missing: openCode's software directory lists only projects that have one at the root")}
		}
		return []Result{p.NotApplicable("no publiccode.yml (needed only for the openCode software directory)")}
	}

	data, err := p.Facts.ReadFile(PubliccodeFile)
	if err != nil {
		return append(out, p.Errorf(PubliccodeFile, "%s", ReadError(PubliccodeFile, err)))
	}
	root, problem, line := parseYAMLMapping(PubliccodeFile, data)
	if problem != "" {
		r := p.Failed(PubliccodeFile, line, "%s", problem)
		r.Evidence = "yaml"
		return append(out, r)
	}
	fail := func(line int, field, format string, args ...any) {
		r := p.Failed(PubliccodeFile, line, format, args...)
		r.Evidence = field
		out = append(out, r)
	}

	for _, field := range []string{"publiccodeYmlVersion", "name", "url"} {
		k, v := yamlField(root, field)
		switch {
		case k == nil:
			fail(root.Line, field, "publiccode.yml has no %s", field)
		case !yamlNonEmpty(v):
			fail(k.Line, field, "%s in publiccode.yml is empty", field)
		}
	}

	license := ""
	switch lk, lv := yamlField(root, "legal"); {
	case lk == nil:
		fail(root.Line, "legal.license", "publiccode.yml has no legal.license")
	default:
		k, v := yamlField(lv, "license")
		switch {
		case k == nil:
			fail(lk.Line, "legal.license", "publiccode.yml has no legal.license")
		case !yamlNonEmpty(v):
			fail(k.Line, "legal.license", "legal.license in publiccode.yml is empty")
		default:
			license = strings.TrimSpace(v.Value)
			if msg := publiccodeLicenseProblem(p, license); msg != "" {
				fail(v.Line, "legal.license", "%s", msg)
			}
		}
	}

	if dk, dv := yamlField(root, "description"); dk == nil {
		fail(root.Line, "description", "publiccode.yml has no description (description.<language>.shortDescription)")
	} else if !publiccodeHasDescription(dv) {
		fail(dk.Line, "description", "description in publiccode.yml has no shortDescription or longDescription in any language")
	}

	if len(out) == 0 {
		_, name := yamlField(root, "name")
		out = append(out, p.Passed(PubliccodeFile, "publiccode.yml describes %s under %s", strings.TrimSpace(name.Value), license))
	}
	return out
}

// publiccodeLicenseProblem says what is wrong with legal.license, or "".
func publiccodeLicenseProblem(p *Pass, expr string) string {
	if ok, _ := spdxexp.ValidateLicenses([]string{expr}); !ok {
		why := ""
		if _, err := spdxexp.ExtractLicenses(expr); err != nil {
			why = " (" + err.Error() + ")"
		}
		return fmt.Sprintf("legal.license %q in publiccode.yml is not a valid SPDX licence expression%s: use an identifier such as MIT", expr, why)
	}
	declared, err := spdxexp.ExtractLicenses(expr)
	if err != nil {
		return fmt.Sprintf("legal.license %q in publiccode.yml cannot be read: %v", expr, err)
	}
	detected := p.Facts.DetectedLicenses()
	if len(detected) == 0 {
		return "" // license/present reports the missing licence file
	}
	inDeclared := map[string]bool{}
	for _, id := range declared {
		inDeclared[spdxBase(id)] = true
	}
	// Every declared licence must be found, and every licence that makes
	// up a fair part of a licence file must be declared; smaller matches
	// are fragments (a quoted notice) that the expression need not name.
	const substantial = 0.25
	found := map[string]bool{}
	var shown []string
	undeclared := false
	for _, d := range detected {
		if d.SPDX == "" {
			continue
		}
		found[spdxBase(d.SPDX)] = true
		if d.Coverage >= substantial {
			shown = append(shown, fmt.Sprintf("%s in %s", d.SPDX, d.File))
			undeclared = undeclared || !inDeclared[spdxBase(d.SPDX)]
		}
	}
	if len(found) == 0 {
		return ""
	}
	missing := false
	for id := range inDeclared {
		missing = missing || !found[id]
	}
	if !missing && !undeclared {
		return ""
	}
	if len(shown) == 0 {
		for _, d := range detected {
			shown = append(shown, fmt.Sprintf("%s in %s", d.SPDX, d.File))
		}
	}
	slices.Sort(shown)
	return fmt.Sprintf("legal.license %q in publiccode.yml does not match the licence files (%s)", expr, strings.Join(shown, ", "))
}

// spdxBase reduces an SPDX id to what a licence text can show: no
// exception, no "-only", "-or-later" or "+", in lower case.
func spdxBase(id string) string {
	id, _, _ = strings.Cut(id, " WITH ")
	id = strings.ToLower(strings.TrimSpace(id))
	for _, suf := range []string{"-only", "-or-later", "+"} {
		id = strings.TrimSuffix(id, suf)
	}
	return id
}

func publiccodeHasDescription(desc *yaml.Node) bool {
	for _, lang := range yamlPairs(desc) {
		for _, f := range []string{"shortDescription", "longDescription"} {
			if _, v := yamlField(lang, f); yamlNonEmpty(v) {
				return true
			}
		}
	}
	return false
}

// yamlField returns the key and value nodes of field in mapping m, or
// nils.
func yamlField(m *yaml.Node, field string) (*yaml.Node, *yaml.Node) {
	for k, v := range yamlPairs(m) {
		if k.Value == field {
			return k, v
		}
	}
	return nil, nil
}

// yamlNonEmpty reports whether v is a scalar with some text, not null.
func yamlNonEmpty(v *yaml.Node) bool {
	return v != nil && v.Kind == yaml.ScalarNode && v.Tag != "!!null" && strings.TrimSpace(v.Value) != ""
}
