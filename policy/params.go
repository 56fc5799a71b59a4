package policy

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/agnivade/levenshtein"
	"github.com/bmatcuk/doublestar/v4"
	"github.com/github/go-spdx/v2/spdxexp"
	"github.com/github/go-spdx/v2/spdxexp/spdxlicenses"
	"github.com/google/licensecheck"
	"go.yaml.in/yaml/v3"

	"github.com/it-at-m/ospo-scan/rules"
)

// A parameter's type is the type of its documented default: text, a list
// of text, true/false or a whole number. Some names carry a meaning that
// is checked too, so that a typo fails at load time rather than as a
// failing result on every repository:
//
//   - approved, allow, deny, licenses, or documentation that mentions
//     "SPDX ids": SPDX ids or expressions;
//   - pattern, a name ending in "pattern", or documentation that starts
//     with "regular expression": a regular expression (RE2);
//   - paths (custom rules): file names, paths or globs;
//   - in (custom rules): first, any or all.
type paramKind int

const (
	kindString paramKind = iota
	kindStrings
	kindBool
	kindInt
	kindAny // no default to learn the type from: text or a list of text
)

func kindOf(def any) paramKind {
	switch def.(type) {
	case string:
		return kindString
	case []string, []any:
		return kindStrings
	case bool:
		return kindBool
	case int, int64:
		return kindInt
	}
	return kindAny
}

func (k paramKind) example() string {
	switch k {
	case kindString:
		return "text"
	case kindStrings:
		return "a list of text values, e.g. [a, b]"
	case kindBool:
		return "true or false"
	case kindInt:
		return "a whole number"
	}
	return "text or a list of text values"
}

var spdxParams = []string{"approved", "allow", "deny", "licenses"}

func isPatternParam(name string) bool {
	return strings.HasSuffix(strings.ToLower(name), "pattern")
}

// decodeParam reads the value of parameter decl of rule id from n and
// checks it. It reports problems to dec and returns ok false.
func decodeParam(dec *decoder, r *rules.Rule, decl rules.Param, n *yaml.Node) (any, bool) {
	what := fmt.Sprintf("parameter %s of %s", decl.Name, r.ID)
	hint := "write " + kindOf(decl.Default).example()
	var val any
	var items []str
	switch kind := kindOf(decl.Default); kind {
	case kindString:
		s, ok := dec.scalar(n, what, hint)
		if !ok {
			return nil, false
		}
		val, items = s.v, []str{s}
	case kindStrings:
		ss, ok := dec.strings(n, what, hint)
		if !ok {
			return nil, false
		}
		list := make([]string, len(ss))
		for i, s := range ss {
			list[i] = s.v
		}
		val, items = list, ss
	case kindBool:
		b, _, ok := dec.boolean(n, what)
		if !ok {
			return nil, false
		}
		return b, true
	case kindInt:
		i, ok := dec.integer(n, what)
		if !ok {
			return nil, false
		}
		return i, true
	default:
		rn := dec.resolve(n)
		if rn == nil {
			return nil, false
		}
		if rn.Kind == yaml.SequenceNode {
			ss, ok := dec.strings(rn, what, hint)
			if !ok {
				return nil, false
			}
			list := make([]string, len(ss))
			for i, s := range ss {
				list[i] = s.v
			}
			val, items = list, ss
		} else {
			s, ok := dec.scalar(rn, what, hint)
			if !ok {
				return nil, false
			}
			val, items = s.v, []str{s}
		}
	}
	ok := true
	if decl.Name == "approved" && len(items) == 0 {
		dec.fail(n, "list at least one licence, such as [MIT]", "the approved list of %s is empty, so every licence would fail", r.ID)
		ok = false
	}
	for _, it := range items {
		if err := checkValue(r, decl, it); err != nil {
			dec.errs = append(dec.errs, err)
			ok = false
		}
	}
	return val, ok
}

// checkValue checks one text value of a parameter by the meaning its name
// (or its documentation) carries.
func checkValue(r *rules.Rule, decl rules.Param, s str) *Error {
	name, doc := decl.Name, strings.ToLower(decl.Doc)
	switch {
	case contains(spdxParams, name) || strings.Contains(doc, "spdx id"):
		return checkSPDX(s)
	case isPatternParam(name) || strings.HasPrefix(doc, "regular expression") || strings.HasPrefix(doc, "a regular expression"):
		if _, err := regexp.Compile(s.v); err != nil {
			return s.at.err(regexpHint, "invalid regular expression: %s", reErr(err))
		}
	case r.Custom && name == "paths":
		return checkPath(s)
	case r.Custom && name == "in":
		if !contains(inModes, s.v) {
			return s.at.err("write first, any or all", "unknown value %q for in", s.v)
		}
	}
	return nil
}

const regexpHint = `fix the expression (Go RE2 syntax: escape a literal . ( ) [ as \. \( \) \[, write (?i) to ignore case)`

var inModes = []string{"first", "any", "all"}

// reErr strips the "error parsing regexp: " that every message repeats.
func reErr(err error) string {
	return strings.TrimPrefix(err.Error(), "error parsing regexp: ")
}

// checkSPDX checks an SPDX id or expression.
func checkSPDX(s str) *Error {
	if strings.TrimSpace(s.v) == "" {
		return s.at.err("write an SPDX id such as MIT or EUPL-1.2", "empty licence")
	}
	if ok, _ := spdxexp.ValidateLicenses([]string{s.v}); ok {
		return nil
	}
	if licensecheckIDs()[strings.ToLower(strings.TrimSpace(s.v))] {
		// Licence detection also reports a few ids outside SPDX
		// ("Anti996"); the licence rules accept those by name.
		return nil
	}
	hint := `write an SPDX id such as MIT or EUPL-1.2, or an expression such as "MIT OR Apache-2.0" (see https://spdx.org/licenses/)`
	if c := closestLicense(s.v); c != "" {
		hint = fmt.Sprintf("did you mean %s? (%s)", c, hint)
	}
	return s.at.err(hint, "%q is not a valid SPDX licence id or expression", s.v)
}

// licensecheckIDs are the licence ids that detection can report, in lower
// case.
var licensecheckIDs = sync.OnceValue(func() map[string]bool {
	ids := map[string]bool{}
	for _, l := range licensecheck.BuiltinLicenses() {
		ids[strings.ToLower(l.ID)] = true
	}
	return ids
})

// closestLicense suggests SPDX ids for a near miss: "EUPL 1.2" and
// "mit" by their normal form, "AGPL" by the newest ids it starts, and
// "Apache2" by a small edit distance of the normal forms.
func closestLicense(s string) string {
	norm := func(x string) string {
		return strings.NewReplacer(" ", "", "-", "", "_", "", ".", "", "v", "").Replace(strings.ToLower(x))
	}
	for _, w := range strings.Fields(s) {
		if w == "AND" || w == "OR" || w == "WITH" {
			return "" // an expression: the hint shows how to write one
		}
	}
	want := norm(s)
	if want == "" {
		return ""
	}
	ids := spdxlicenses.GetLicenses()
	var prefixed []string
	best, bestD := "", 3
	longestPrefix := ""
	for _, id := range ids {
		n := norm(id)
		if n == want {
			return id
		}
		if strings.HasPrefix(strings.ToLower(s), strings.ToLower(id)) && len(id) > len(longestPrefix) {
			longestPrefix = id // "EUPL-1.2.0" -> EUPL-1.2
		}
		if strings.HasPrefix(strings.ToLower(id), strings.ToLower(s)) {
			prefixed = append(prefixed, id)
		}
		if d := levenshtein.ComputeDistance(want, n); d < bestD {
			best, bestD = id, d
		}
	}
	if longestPrefix != "" {
		return longestPrefix
	}
	if len(prefixed) > 0 {
		sort.Strings(prefixed)
		if len(prefixed) == 1 {
			return prefixed[0]
		}
		return prefixed[len(prefixed)-2] + " or " + prefixed[len(prefixed)-1]
	}
	return best
}

// checkPath checks a custom rule's path or glob.
func checkPath(s str) *Error {
	p := strings.TrimPrefix(s.v, "./")
	switch {
	case p == "" || strings.HasPrefix(p, "/") || strings.HasSuffix(p, "/"):
		return s.at.err("write a path relative to the repository root, e.g. .github/CODEOWNERS", "invalid path %q", s.v)
	case strings.Contains(p, "**"):
		return s.at.err("name the directories, e.g. .github/workflows/*.yml", "path %q uses **, which would read the whole repository", s.v)
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return s.at.err("write a path inside the repository without . or .. elements", "invalid path %q", s.v)
		}
	}
	if !doublestar.ValidatePattern(p) {
		return s.at.err(`use * and ? within a name, [abc] for a set, {a,b} for alternatives`, "invalid glob %q", s.v)
	}
	return nil
}
