package policy

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"sync"

	"github.com/bmatcuk/doublestar/v4"
	"github.com/github/go-spdx/v2/spdxexp"

	"github.com/it-at-m/ospo-scan/rules"
)

// compileCustom turns a declarative rule into a *rules.Rule like the
// built-in ones, with its settings. The type's fields become the rule's
// parameters, so `explain` shows them and a profile can change them.
func compileCustom(dec *decoder, c *customDoc) (*rules.Rule, *setting, ErrorList) {
	var errs ErrorList
	r := &rules.Rule{
		ID:          c.id.v,
		Title:       c.title.v,
		Severity:    rules.Warning,
		Doc:         strings.TrimSpace(c.doc),
		Fix:         c.fix,
		Source:      c.source,
		SourceTitle: c.sourceTitle,
		Custom:      true,
	}
	if r.Source == "" && r.SourceTitle == "" {
		r.SourceTitle = "policy file " + c.at.source()
	}
	s := &setting{sev: string(rules.Warning), params: map[string]valueAt{}}
	if c.sev != nil {
		s.sev, s.sevAt = c.sev.v, c.sev.at
		if c.sev.v != sevOff {
			r.Severity = rules.Severity(c.sev.v)
		}
	}
	param := func(name, doc string, v any, at pos) {
		r.Params = append(r.Params, rules.Param{Name: name, Doc: doc, Default: v})
		s.params[name] = valueAt{v: v, at: at}
	}
	check := func(name string, items []str) {
		for _, it := range items {
			if err := checkValue(r, rules.Param{Name: name}, it); err != nil {
				errs = append(errs, err)
			}
		}
	}
	paths := texts(c.paths)
	switch c.typ.v {
	case typeFileExists:
		check("paths", c.paths)
		param("paths", pathsDoc, paths, c.set["paths"])
		r.Reads = paths
		r.Check = fileExists(c.ignoreCase, c.message)
		if r.Doc == "" {
			r.Doc = fmt.Sprintf("Passes when one of %s exists.", strings.Join(paths, ", "))
		}
		r.Doc += "\n\n" + lookupDoc
	case typeFileContains, typeFileNotContains:
		check("paths", c.paths)
		check("pattern", []str{*c.pattern})
		in := str{v: "first", at: c.at}
		if c.in != nil {
			in = *c.in
			check("in", []str{in})
		}
		param("paths", pathsDoc, paths, c.set["paths"])
		param("pattern", "a regular expression (RE2 syntax) matched against the whole file; (?m) makes ^ and $ match at line ends, (?i) ignores case", c.pattern.v, c.pattern.at)
		param("in", "which of the files found must match: first (the one the forge shows), any, or all", in.v, in.at)
		if c.in == nil {
			s.params["in"] = valueAt{v: "first"}
		}
		r.Reads = paths
		negate := c.typ.v == typeFileNotContains
		r.Check = fileContains(negate, c.ignoreCase, c.message)
		if r.Doc == "" {
			verb := "contains"
			if negate {
				verb = "does not contain"
			}
			r.Doc = fmt.Sprintf("Passes when %s %s a match for %s.", strings.Join(paths, ", "), verb, c.pattern.v)
		}
		r.Doc += "\n\n" + lookupDoc
	case typeLicense:
		for _, list := range [][]str{c.allow, c.deny} {
			for _, it := range list {
				if err := checkLicenseID(it); err != nil {
					errs = append(errs, err)
				}
			}
		}
		param("allow", "SPDX ids every detected licence must satisfy (empty: any)", texts(c.allow), c.set["allow"])
		param("deny", "SPDX ids no detected licence may satisfy; an -or-later id denies the later versions too", texts(c.deny), c.set["deny"])
		r.Reads = []string{"LICENSE", "LICENCE", "COPYING", "UNLICENSE"}
		r.Check = licenseCheck(c.message)
		if r.Doc == "" {
			r.Doc = "Passes when every licence detected in the repository's licence files is allowed and none is denied."
		}
	case typeExpr:
		prg, err := compileExpr(dec, c)
		if err != nil {
			errs = append(errs, err)
			break
		}
		r.Check = exprCheck(prg, c.expr.v, c.message)
		if r.Doc != "" {
			r.Doc += "\n\n"
		}
		r.Doc += "Passes when this CEL expression is true: " + c.expr.v + "\n\n" + ExprVariables
		r.Reads = []string{"(what the expression reads through files)"}
	}
	if len(errs) > 0 {
		return nil, nil, errs
	}
	return r, s, nil
}

const pathsDoc = "file names, paths or globs; a bare file name is looked for in the root, .github/ and docs/"

const lookupDoc = `A bare file name (no "/") is looked for where GitHub looks for community files: the root, .github/ and docs/, in that order; "./NAME" means the root only. A path with "/" is taken from the root; *, ?, [abc] and {a,b} match within one path element.`

func texts(ss []str) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = s.v
	}
	return out
}

// checkLicenseID accepts one SPDX id (with -or-later or a WITH
// exception): a list of ids is what allow and deny compare against.
func checkLicenseID(s str) *Error {
	if err := checkSPDX(s); err != nil {
		return err
	}
	if ok, _ := spdxexp.ValidateLicensesWithOptions([]string{s.v}, spdxexp.ValidateLicensesOptions{FailComplexExpressions: true}); !ok {
		return s.at.err(`list the ids separately, e.g. [MIT, Apache-2.0]`, "%q is an expression; allow and deny take single SPDX ids", s.v)
	}
	return nil
}

// findFiles returns the entries matching the patterns in lookup order,
// each once. dirs false keeps files only.
func findFiles(f *rules.Facts, patterns []string, ignoreCase, dirs bool) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, pat := range patterns {
		found, err := expand(f, pat, ignoreCase, dirs)
		if err != nil {
			return out, err
		}
		for _, p := range found {
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	return out, nil
}

// expand finds one pattern by listing only the directories it names, so a
// remote forge is asked for a handful of listings, never the whole tree.
// The answer is kept for the repository's other rules.
func expand(f *rules.Facts, pattern string, ignoreCase, dirs bool) ([]string, error) {
	c := cacheOf(f)
	key := findKey{pattern, ignoreCase, dirs}
	c.mu.Lock()
	r, ok := c.found[key]
	c.mu.Unlock()
	if !ok {
		r.paths, r.err = expandUncached(f, pattern, ignoreCase, dirs)
		c.mu.Lock()
		c.found[key] = r
		c.mu.Unlock()
	}
	return r.paths, r.err
}

func expandUncached(f *rules.Facts, pattern string, ignoreCase, dirs bool) ([]string, error) {
	rootOnly := strings.HasPrefix(pattern, "./")
	p := strings.TrimPrefix(pattern, "./")
	starts := []string{"."}
	if !rootOnly && !strings.Contains(p, "/") {
		starts = rules.CommunityDirs
	}
	var out []string
	for _, start := range starts {
		segs := strings.Split(p, "/")
		cur := []string{start}
		for i, seg := range segs {
			last := i == len(segs)-1
			var next []string
			for _, dir := range cur {
				entries, err := f.ReadDir(dir)
				if err != nil {
					if errors.Is(err, fs.ErrNotExist) || notDir(err) {
						continue
					}
					return nil, errors.New(rules.ReadError(dir, err))
				}
				for _, e := range entries {
					if !matchName(seg, e.Name(), ignoreCase) {
						continue
					}
					if !last && !e.IsDir() || last && !dirs && e.IsDir() {
						continue
					}
					next = append(next, join(dir, e.Name()))
				}
			}
			cur = next
		}
		out = append(out, cur...)
	}
	return out, nil
}

func join(dir, name string) string {
	if dir == "." {
		return name
	}
	return path.Join(dir, name)
}

func matchName(pattern, name string, ignoreCase bool) bool {
	if ignoreCase {
		pattern, name = strings.ToLower(pattern), strings.ToLower(name)
	}
	if !strings.ContainsAny(pattern, "*?[{\\") {
		return pattern == name
	}
	ok, _ := doublestar.Match(pattern, name)
	return ok
}

func notDir(err error) bool {
	var pe *fs.PathError
	return errors.As(err, &pe) && strings.Contains(pe.Err.Error(), "not a directory")
}

// expected is where a missing file was expected, for a result's path:
// the first pattern, as written.
func expected(paths []string) string {
	if len(paths) == 0 {
		return ""
	}
	return strings.TrimPrefix(paths[0], "./")
}

func orMessage(custom, format string, args ...any) string {
	if custom != "" {
		return custom
	}
	return fmt.Sprintf(format, args...)
}

func fileExists(ignoreCase bool, message string) func(*rules.Pass) []rules.Result {
	return func(p *rules.Pass) []rules.Result {
		paths := p.StringsParam("paths")
		found, err := findFiles(p.Facts, paths, ignoreCase, true)
		if err != nil {
			return []rules.Result{p.Errorf(expected(paths), "%v", err)}
		}
		if len(found) > 0 {
			return []rules.Result{p.Passed(found[0], "%s exists", found[0])}
		}
		return []rules.Result{p.Failed(expected(paths), 0, "%s", orMessage(message, "none of %s exists", strings.Join(paths, ", ")))}
	}
}

// maxFindings bounds the failing results of file-not-contains per file.
const maxFindings = 50

func fileContains(negate, ignoreCase bool, message string) func(*rules.Pass) []rules.Result {
	return func(p *rules.Pass) []rules.Result {
		paths := p.StringsParam("paths")
		pattern := p.StringParam("pattern")
		in := p.StringParam("in")
		re, err := compiled(pattern)
		if err != nil {
			return []rules.Result{p.Errorf("", "invalid pattern %q: %s", pattern, reErr(err))}
		}
		files, err := findFiles(p.Facts, paths, ignoreCase, false)
		if err != nil {
			return []rules.Result{p.Errorf(expected(paths), "%v", err)}
		}
		if len(files) == 0 {
			if negate {
				return []rules.Result{p.NotApplicable("no file matches %s", strings.Join(paths, ", "))}
			}
			return []rules.Result{p.Failed(expected(paths), 0, "%s", orMessage(message, "none of %s exists, so nothing contains %s", strings.Join(paths, ", "), pattern))}
		}
		if in == "first" {
			files = files[:1]
		}
		var errs, fails []rules.Result
		var hits []rules.Result
		cache := cacheOf(p.Facts)
		for _, name := range files {
			data, err := p.Facts.ReadFile(name)
			if err != nil {
				errs = append(errs, p.Errorf(name, "%s", rules.ReadError(name, err)))
				continue
			}
			if negate {
				for _, loc := range re.findAll(data, cache.folder(name, data), maxFindings) {
					line := lineOf(data, loc[0])
					text := evidence(data[loc[0]:loc[1]])
					r := p.Failed(name, line, "%s", orMessage(message, "%s line %d matches %s: %s", name, line, pattern, text))
					r.Evidence = text
					fails = append(fails, r)
				}
				continue
			}
			if loc := re.first(data, cache.folder(name, data)); loc != nil {
				line := lineOf(data, loc[0])
				r := p.Passed(name, "%s line %d matches %s", name, line, pattern)
				r.Line = line
				hits = append(hits, r)
				continue
			}
			fails = append(fails, p.Failed(name, 0, "%s", orMessage(message, "%s does not contain a match for %s", name, pattern)))
		}
		switch {
		case negate && len(fails) == 0 && len(errs) == 0:
			return []rules.Result{p.Passed(files[0], "no match for %s in %s", pattern, strings.Join(files, ", "))}
		case negate:
			return append(fails, errs...)
		case in == "any" && len(hits) > 0:
			return hits[:1]
		case len(fails) == 0 && len(errs) == 0 && len(hits) > 0:
			return hits[:1]
		case in == "any" && len(errs) == 0:
			return []rules.Result{p.Failed(files[0], 0, "%s", orMessage(message, "none of %s contains a match for %s", strings.Join(files, ", "), pattern))}
		}
		return append(fails, errs...)
	}
}

func lineOf(data []byte, off int) int {
	return 1 + bytes.Count(data[:min(off, len(data))], []byte{'\n'})
}

// evidence is the first line of a match, trimmed, for messages and
// fingerprints.
func evidence(b []byte) string {
	s := string(b)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimSpace(s)
	if len(s) > 100 {
		s = s[:100]
	}
	return s
}

func licenseCheck(message string) func(*rules.Pass) []rules.Result {
	return func(p *rules.Pass) []rules.Result {
		allow := p.StringsParam("allow")
		deny := p.StringsParam("deny")
		var fails, passes []rules.Result
		for _, f := range p.Facts.Licenses() {
			if !f.Usable() {
				continue // license/present reports it
			}
			if !f.Recognised() {
				msg := fmt.Sprintf("%s: the licence text is not recognised", f.Path)
				if best, ok := f.Best(); ok {
					msg += fmt.Sprintf(" (best match %s covers %.0f%% of it)", best.SPDX, f.Coverage*100)
				}
				fails = append(fails, p.Failed(f.Path, 0, "%s", orMessage(message, "%s", msg)))
				continue
			}
			for _, id := range f.IDs() {
				switch denied := firstSatisfied(id, deny); {
				case len(allow) > 0 && !satisfies(id, allow):
					fails = append(fails, p.Failed(f.Path, 0, "%s", orMessage(message, "%s is %s, which is not allowed (allowed: %s)", f.Path, id, strings.Join(allow, ", "))))
				case denied != "":
					fails = append(fails, p.Failed(f.Path, 0, "%s", orMessage(message, "%s is %s, which the policy denies (%s)", f.Path, id, denied)))
				default:
					passes = append(passes, p.Passed(f.Path, "%s is %s", f.Path, id))
				}
			}
		}
		switch {
		case len(fails) > 0:
			return fails
		case len(passes) == 0:
			return []rules.Result{p.NotApplicable("no licence text to check (license/present reports a missing licence file)")}
		}
		return passes
	}
}

func firstSatisfied(id string, list []string) string {
	for _, d := range list {
		if satisfies(id, []string{d}) {
			return d
		}
	}
	return ""
}

// satisfies reports whether a detected licence id is one of ids: by name
// (detection reports a few ids outside SPDX), else as SPDX, where ranges
// count ("GPL-2.0-or-later" covers GPL-3.0-only) and a GNU text detected
// without a notice ("AGPL-3.0") is covered by both -only and -or-later.
func satisfies(id string, ids []string) bool {
	for _, a := range ids {
		if strings.EqualFold(a, id) {
			return true
		}
	}
	// Satisfies parses both sides on every call (about 35 µs); the answer
	// depends on its arguments only, and a scan asks the same few
	// questions for every repository.
	key := id + "\x00" + strings.Join(ids, "\x00")
	if v, ok := satisfied.Load(key); ok {
		return v.(bool)
	}
	ok, err := spdxexp.Satisfies(id, ids)
	ok = ok && err == nil
	satisfied.Store(key, ok)
	return ok
}

var satisfied sync.Map // id NUL list -> bool
