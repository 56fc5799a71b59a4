package rules

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
)

// PackagesCoordinates checks the coordinates under which the repository's
// Maven and npm packages are published.
var PackagesCoordinates = &Rule{
	ID:       "packages/coordinates",
	Title:    "Packages use the city's Maven groupId and npm scope",
	Severity: Note,
	Doc: `LHM publishes Java artefacts under the Maven groupId de.muenchen (and groups below it, such as de.muenchen.refarch) and npm packages in the scope @muenchen, so that users can tell the city's packages from look-alikes. The rule reads the root pom.xml and package.json.

pom.xml: the project's own <groupId>, or, when it has none, the one it inherits from <parent> (the message says so), must be de.muenchen or start with "de.muenchen.". It applies to every root pom.xml: Maven has no marker in the POM that keeps a project from being deployed (skipping deployment lives in plugin settings, profiles or the command line), and the groupId also names the artefacts in internal repositories, SBOMs and container images, so it should be the city's everywhere. package.json: the name must be in the scope @muenchen, unless the package is "private": true, which npm refuses to publish (an application's package.json usually is). The rule does not apply when neither file publishes anything. The groupId and the scope are parameters.`,
	Fix:         "Set <groupId>de.muenchen.<product></groupId> in pom.xml and \"name\": \"@muenchen/<package>\" in package.json (or \"private\": true for a package that is not published).",
	Source:      "https://github.com/it-at-m/opensource.muenchen.de/blob/main/de/repositories.md",
	SourceTitle: `opensource.muenchen.de: Repositories ("Artefakte")`,
	Reads:       []string{"pom.xml", "package.json"},
	Params: []Param{
		{Name: "groupId", Doc: "the Maven groupId that every groupId must equal or start with (followed by a dot)", Default: "de.muenchen"},
		{Name: "npmScope", Doc: "the npm scope of published package names", Default: "@muenchen"},
	},
	Check: checkPackageCoordinates,
}

func checkPackageCoordinates(p *Pass) []Result {
	var out, skipped []Result
	for _, check := range []func(*Pass) (Result, bool){checkPomGroupID, checkNpmScope} {
		r, applies := check(p)
		switch {
		case applies:
			out = append(out, r)
		case r.Message != "":
			skipped = append(skipped, r)
		}
	}
	switch {
	case len(out) > 0:
		return out
	case len(skipped) > 0:
		return skipped[:1]
	}
	return []Result{p.NotApplicable("no pom.xml or package.json at the root")}
}

// checkPomGroupID returns the result for pom.xml and whether it applies;
// an empty result when there is no pom.xml.
func checkPomGroupID(p *Pass) (Result, bool) {
	const file = "pom.xml"
	data, err := p.Facts.ReadFile(file)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return Result{}, false
	case err != nil:
		return p.Errorf(file, "%s", ReadError(file, err)), true
	}
	pom, err := readPom(data)
	if err != nil {
		r := p.Errorf(file, "cannot check: %v", err)
		var se *xml.SyntaxError
		if errors.As(err, &se) {
			r.Line = se.Line
		}
		return r, true
	}
	want := p.StringParam("groupId")
	ok := func(g string) bool { return g == want || strings.HasPrefix(g, want+".") }
	var r Result
	switch {
	case pom.groupID != "" && ok(pom.groupID):
		r = p.Passed(file, "pom.xml groupId %s", pom.groupID)
		r.Line = pom.groupIDLine
	case pom.groupID != "":
		r = p.Failed(file, pom.groupIDLine, "pom.xml groupId %s does not start with %s", pom.groupID, want)
		r.Evidence = pom.groupID
	case pom.parentGroupID != "" && ok(pom.parentGroupID):
		r = p.Passed(file, "pom.xml inherits groupId %s from its parent", pom.parentGroupID)
		r.Line = pom.parentGroupIDLine
	case pom.parentGroupID != "":
		r = p.Failed(file, pom.parentGroupIDLine, "pom.xml has no groupId of its own and inherits %s from its parent, which does not start with %s: add <groupId>%s…</groupId> to the project", pom.parentGroupID, want, want)
		r.Evidence = pom.parentGroupID
	default:
		r = p.Failed(file, 1, "pom.xml declares no groupId")
	}
	return r, true
}

type pomCoordinates struct {
	groupID, parentGroupID         string
	groupIDLine, parentGroupIDLine int
}

// readPom reads project/groupId and project/parent/groupId with their
// lines. Namespaces are ignored: POMs use one default namespace, or none.
func readPom(data []byte) (pomCoordinates, error) {
	var pc pomCoordinates
	dec := xml.NewDecoder(bytes.NewReader(data))
	var stack []string
	var text *strings.Builder
	root := ""
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return pc, fmt.Errorf("pom.xml is not well-formed XML: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			stack = append(stack, t.Name.Local)
			if root == "" {
				root = t.Name.Local
			}
			path := strings.Join(stack, "/")
			if path == "project/groupId" || path == "project/parent/groupId" {
				line := 1 + bytes.Count(data[:dec.InputOffset()], []byte("\n"))
				if path == "project/groupId" {
					pc.groupIDLine = line
				} else {
					pc.parentGroupIDLine = line
				}
				text = &strings.Builder{}
			}
		case xml.CharData:
			if text != nil {
				text.Write(t)
			}
		case xml.EndElement:
			if text != nil {
				switch strings.Join(stack, "/") {
				case "project/groupId":
					pc.groupID = strings.TrimSpace(text.String())
				case "project/parent/groupId":
					pc.parentGroupID = strings.TrimSpace(text.String())
				}
				text = nil
			}
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		}
	}
	switch {
	case root == "":
		return pc, errors.New("pom.xml has no XML element")
	case root != "project":
		return pc, fmt.Errorf("pom.xml's root element is <%s>, not <project>", root)
	}
	return pc, nil
}

// checkNpmScope returns the result for package.json and whether it
// applies: a private package publishes nothing, and the returned
// not-applicable result says so.
func checkNpmScope(p *Pass) (Result, bool) {
	const file = "package.json"
	data, err := p.Facts.ReadFile(file)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return Result{}, false
	case err != nil:
		return p.Errorf(file, "%s", ReadError(file, err)), true
	}
	var pkg struct {
		Name    *string `json:"name"`
		Private any     `json:"private"`
	}
	if err := json.Unmarshal(data, &pkg); err != nil {
		r := p.Errorf(file, "cannot check: package.json is not valid JSON: %v", err)
		var se *json.SyntaxError
		if errors.As(err, &se) {
			r.Line = 1 + bytes.Count(data[:min(int(se.Offset), len(data))], []byte("\n"))
		}
		return r, true
	}
	if pkg.Private == true || pkg.Private == "true" {
		return p.NotApplicable("package.json is private, so nothing is published to npm"), false
	}
	if pkg.Name == nil || strings.TrimSpace(*pkg.Name) == "" {
		return p.NotApplicable("package.json has no name, so npm cannot publish it"), false
	}
	name := *pkg.Name
	scope := p.StringParam("npmScope")
	line := jsonTopLevelKeyLine(data, "name")
	if strings.HasPrefix(name, scope+"/") {
		r := p.Passed(file, "package.json name %s", name)
		r.Line = line
		return r, true
	}
	bare := name
	if strings.HasPrefix(bare, "@") {
		if _, after, ok := strings.Cut(bare, "/"); ok {
			bare = after
		}
	}
	r := p.Failed(file, line, "package.json name %s is not in the %s scope: rename it to %s/%s, or set \"private\": true if it is not published", name, scope, scope, bare)
	r.Evidence = name
	return r, true
}

// jsonTopLevelKeyLine returns the line of key in the top-level object of
// a JSON document, or 0.
func jsonTopLevelKeyLine(data []byte, key string) int {
	dec := json.NewDecoder(bytes.NewReader(data))
	type frame struct{ object, wantKey bool }
	var stack []frame
	for {
		tok, err := dec.Token()
		if err != nil {
			return 0
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
		} else if n := len(stack); n > 0 && stack[n-1].object && stack[n-1].wantKey {
			stack[n-1].wantKey = false
			if n == 1 && tok == key {
				return 1 + bytes.Count(data[:dec.InputOffset()], []byte("\n"))
			}
			continue
		} else if ok && d == '{' {
			stack = append(stack, frame{object: true, wantKey: true})
			continue
		} else if ok && d == '[' {
			stack = append(stack, frame{})
			continue
		}
		// A value is complete: in an object, a key comes next.
		if n := len(stack); n > 0 && stack[n-1].object {
			stack[n-1].wantKey = true
		}
	}
}
