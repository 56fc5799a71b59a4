package rules

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/github/go-spdx/v2/spdxexp"
	"github.com/google/licensecheck"

	"github.com/it-at-m/ospo-scan/forges"
	"github.com/it-at-m/ospo-scan/licenses"
)

// The licence rules read the licence files at the repository root once per
// scan (Facts.Licenses) and judge them three ways: is there one, is its
// licence approved, does it name the city as copyright holder.

const (
	srcLicenses        = "https://github.com/it-at-m/opensource.muenchen.de/blob/main/licenses.md"
	srcLicenseTemplate = "https://github.com/it-at-m/refarch-templates/blob/main/LICENSE"

	// defaultHolderPattern matches the holder the templates name,
	// "Landeshauptstadt München | it@M", also written "Muenchen" (or
	// "Munchen" where the umlaut was lost, or with a decomposed "u" and
	// combining diaeresis), with any spacing around "|".
	// Years and the copyright sign are left to FindCopyright, so any year,
	// range, "(c)", "(C)", "©" or no sign passes.
	defaultHolderPattern = `(?i)\bLandeshauptstadt\s+M(?:ü|u\x{0308}|ue|u)nchen\s*\|\s*it@M\b`
	defaultHolderName    = "Landeshauptstadt München | it@M"
)

// licenseReads is where the licence rules look: the root only, as GitHub's
// licence detection does.
var licenseReads = []string{"LICENSE*", "LICENCE*", "COPYING*", "UNLICENSE*"}

// LicensePresent checks that the repository has a licence file at its root.
var LicensePresent = &Rule{
	ID:       "license/present",
	Title:    "A licence file is at the repository root",
	Severity: Error,
	Doc: `The repository has a licence file at its root: LICENSE, LICENCE, COPYING or UNLICENSE, in any case, bare or with a text extension (LICENSE.md, license.txt), or with a suffix naming the licence (LICENSE-AGPLv3.txt, LICENSE.MIT, COPYING.LESSER). Several licence files may coexist; each is reported. Only the root counts, because that is the only place GitHub's licence detection (and most tooling that reads licences) looks; a LICENSE in docs/ or .github/ is mentioned in the failure so it can be moved.

The OSPO's licence page says, under "Own developments": "The publication of the software developed by LHM is carried out under the MIT License in order to hinder reuse as little as possible." Publishing under a licence means shipping its text: without a licence file nobody may reuse the code, whatever the README says. A licence declared only in package.json ("license": "MIT") does not count either, and the failure says so.

A licence file fails when it is a directory, is empty, is larger than 1 MiB, is a symbolic link that leaves the repository, or only points elsewhere ("see README", "Licensed under EUPL, see https://..."): the text itself must be in the file. Whether the text is an approved licence is license/approved's question.`,
	Fix:         "Add the MIT licence text as LICENSE at the repository root (copy the one from it-at-m/refarch-templates and set the year).",
	Source:      srcLicenses,
	SourceTitle: `opensource.muenchen.de: Licenses ("Own developments")`,
	Reads:       append(append([]string{}, licenseReads...), "package.json", "docs/", ".github/", "LICENSES/"),
	Check:       checkLicensePresent,
}

// LicenseApproved checks that every licence found is on the approved list.
var LicenseApproved = &Rule{
	ID:       "license/approved",
	Title:    "The licence is an approved one",
	Severity: Error,
	Doc: `Every licence detected in every licence file at the root is on the approved list, which by default holds only MIT: the OSPO's licence page says "The publication of the software developed by LHM is carried out under the MIT License", and the reference architecture handbook (Templates: Organize, "License") says "By default, all LHM projects are licensed under MIT."

Licences are identified by their full text (github.com/google/licensecheck), not by what a README or package.json claims. A file whose text is not recognised, because it is a modified licence or holds substantial other text besides one (known licence texts cover less than 80% of it), fails with its best match and how much of the text that match covers: extra terms can take away what the licence grants, so a person must read it. A GNU licence text without a notice is reported without "-only" or "-or-later" (AGPL-3.0), since the text alone does not say which; approving either form approves it.

The rule does not apply when there is no licence text to check (license/present fails then). Cooperation projects that keep a partner's licence (EUPL-1.2, AGPL-3.0) fail under the default list; that is what an exemption with a written reason, or a policy that approves more licences, is for. The list is policy, not code: the OSPO site itself calls EUPL strong copyleft on one page and permissive on another.`,
	Fix:         "Publish under MIT (the LHM default), or, for a cooperation project that must keep another licence, add it to the policy's approved list or exempt the repository with a reason.",
	Source:      srcLicenses,
	SourceTitle: `opensource.muenchen.de: Licenses ("Own developments"); RefArch handbook, Templates: Organize ("License")`,
	Reads:       licenseReads,
	Params: []Param{{
		Name: "approved",
		Doc: `the approved licences: SPDX ids ("MIT", "AGPL-3.0-only"), ranges ("Apache-2.0+", "GPL-3.0-or-later") or expressions; ` +
			`an expression approves each licence it names ("MIT OR Apache-2.0" approves both)`,
		Default: []string{"MIT"},
	}},
	Check: checkLicenseApproved,
}

// LicenseCopyrightHolder checks that the licence names the city as holder.
var LicenseCopyrightHolder = &Rule{
	ID:       "license/copyright-holder",
	Title:    "The licence names Landeshauptstadt München | it@M as copyright holder",
	Severity: Warning,
	Doc: `A copyright line in the licence file names the holder "Landeshauptstadt München | it@M", as the repository template's LICENSE does on its third line: "Copyright (c) 2024 Landeshauptstadt München | it@M". Software written by the city's staff or contractors for the city is the city's; a licence that names a person or a company as holder misstates who grants it.

Copyright lines are found in any of the usual forms: "Copyright (c) 2024 ...", "(C)", "©", "Copyright 2020-2024 ..." without a sign, or REUSE's "SPDX-FileCopyrightText: 2024 ...", also inside Markdown emphasis or comment markers. Any year or range passes, and "Muenchen" for "München" and any spacing around "|" are accepted. The holder is a parameter: a regular expression matched against each copyright line. The failure quotes the line found instead, with its line number.

The GNU licence texts' own "Copyright (C) 2007 Free Software Foundation" and the unfilled "how to apply" templates inside the GPL and Apache texts are not the project's copyright and are ignored. The rule does not apply when there is no licence text (license/present fails then).`,
	Fix:         `Put "Copyright (c) <year> Landeshauptstadt München | it@M" on the licence's copyright line, as in the refarch-templates LICENSE.`,
	Source:      srcLicenseTemplate,
	SourceTitle: "refarch-templates LICENSE, line 3",
	Reads:       licenseReads,
	Params: []Param{{
		Name:    "holder",
		Doc:     "regular expression (Go syntax) that a copyright line of the licence file must match",
		Default: defaultHolderPattern,
	}},
	Check: checkLicenseCopyrightHolder,
}

// licenseFiles is the memo of the root's licence files.
type licenseFiles struct {
	files []licenses.File
	// err is set when the root could not be listed.
	err error
}

// Licenses returns the licence files at the repository root, identified,
// in name order; read once per scan. A file that could not be read has
// Err set. The list is empty when the root could not be listed (the
// licence rules then report an error).
func (f *Facts) Licenses() []licenses.File {
	return f.licenseFiles().files
}

func (f *Facts) licenseFiles() licenseFiles {
	return memoize(f, "licenses", func(*forges.Repo) licenseFiles {
		entries, err := f.ReadDir(".")
		if err != nil {
			return licenseFiles{err: err}
		}
		var out []licenses.File
		for _, e := range licenses.Candidates(entries) {
			name := e.Name()
			if e.IsDir() {
				out = append(out, licenses.File{Path: name, Err: licenses.ErrIsDirectory})
				continue
			}
			data, err := f.ReadFile(name)
			if err != nil {
				out = append(out, licenses.File{Path: name, Err: err})
				continue
			}
			out = append(out, licenses.Detect(name, data))
		}
		return licenseFiles{files: out}
	})
}

// DetectedLicenses lists the licences found in the root's licence files,
// one entry per file and licence id, sorted by file then id, for the
// report's "licenses" array. Low-coverage matches are included: the
// coverage says how much to trust them.
func (f *Facts) DetectedLicenses() []DetectedLicense {
	var out []DetectedLicense
	for _, file := range f.Licenses() {
		cov := map[string]float64{}
		for _, m := range file.Matches {
			cov[m.SPDX] += m.Coverage
		}
		for id, c := range cov {
			out = append(out, DetectedLicense{SPDX: id, File: file.Path, Coverage: math.Round(c*100) / 100})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].File != out[j].File {
			return out[i].File < out[j].File
		}
		return out[i].SPDX < out[j].SPDX
	})
	return out
}

// licenseProblem says why a licence file does not count, and what to do
// about it; reason is "" when the file holds text of its own.
func licenseProblem(f licenses.File) (reason, hint, evidence string) {
	switch {
	case errors.Is(f.Err, licenses.ErrIsDirectory):
		return fmt.Sprintf("%s is a directory, not a file", f.Path), "put the licence text in a file named LICENSE", "directory"
	case f.Err != nil:
		return ReadError(f.Path, f.Err), "", "unreadable"
	case f.Empty:
		return fmt.Sprintf("%s is empty", f.Path), "", "empty"
	case f.Pointer:
		reason := fmt.Sprintf("%s only points elsewhere instead of holding the licence text", f.Path)
		if len(f.Mentions) > 0 {
			reason += fmt.Sprintf(" (it names %s)", licJoin(f.Mentions))
		}
		return reason, "put the full licence text in the file", "pointer"
	}
	return "", "", ""
}

func checkLicensePresent(p *Pass) []Result {
	lf := p.Facts.licenseFiles()
	if lf.err != nil {
		return []Result{p.Errorf("", "cannot list the repository root: %v", unwrapPath(lf.err))}
	}
	if len(lf.files) == 0 {
		r := p.Failed("LICENSE", 0, "%s", missingLicenseMessage(p))
		r.Evidence = "missing"
		return []Result{r}
	}
	var out []Result
	for _, f := range lf.files {
		if reason, hint, ev := licenseProblem(f); reason != "" {
			r := p.Failed(f.Path, 0, "%s", reason)
			if hint != "" {
				r.Message += ": " + hint
			}
			r.Evidence = ev
			out = append(out, r)
			continue
		}
		out = append(out, p.Passed(f.Path, "%s", f.Path))
	}
	return out
}

// missingLicenseMessage explains a missing licence file, with what the
// repository has instead: a licence declared in package.json, a licence
// file outside the root, a REUSE LICENSES/ folder.
func missingLicenseMessage(p *Pass) string {
	msg := "no licence file at the root (LICENSE, LICENCE, COPYING or UNLICENSE, any case, with or without extension)"
	if id := packageJSONLicense(p.Facts); id != "" {
		msg = fmt.Sprintf("package.json declares %s but there is no LICENSE file at the root", id)
	}
	var elsewhere []string
	for _, dir := range []string{".github", "docs"} {
		entries, err := p.Facts.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, e := range entries {
			if !e.IsDir() && licenses.IsCandidate(e.Name(), false) {
				elsewhere = append(elsewhere, path.Join(dir, e.Name()))
			}
		}
	}
	if len(elsewhere) > 0 {
		msg += fmt.Sprintf("; %s exists, but the licence is read only at the root: move it there", licJoin(elsewhere))
	}
	root, _ := p.Facts.ReadDir(".")
	for _, e := range root {
		if e.IsDir() && e.Name() == "LICENSES" {
			msg += "; LICENSES/ holds REUSE licence texts, but GitHub reads a LICENSE file at the root: add one"
		}
	}
	return msg
}

// packageJSONLicense returns the licence package.json declares ("license":
// "MIT", or the old "licenses": [{"type": "MIT"}]), or "".
func packageJSONLicense(f *Facts) string {
	data, err := f.ReadFile("package.json")
	if err != nil {
		return ""
	}
	var pkg struct {
		License  json.RawMessage `json:"license"`
		Licenses []struct {
			Type string `json:"type"`
		} `json:"licenses"`
	}
	if json.Unmarshal(data, &pkg) != nil {
		return ""
	}
	var s string
	if json.Unmarshal(pkg.License, &s) == nil && strings.TrimSpace(s) != "" {
		return strings.TrimSpace(s)
	}
	var obj struct {
		Type string `json:"type"`
	}
	if json.Unmarshal(pkg.License, &obj) == nil && strings.TrimSpace(obj.Type) != "" {
		return strings.TrimSpace(obj.Type)
	}
	var ids []string
	for _, l := range pkg.Licenses {
		if t := strings.TrimSpace(l.Type); t != "" {
			ids = append(ids, t)
		}
	}
	return strings.Join(ids, " OR ")
}

// usableLicenses returns the licence files with text of their own, or a
// not-applicable result saying why there are none.
func usableLicenses(p *Pass) ([]licenses.File, *Result) {
	lf := p.Facts.licenseFiles()
	if lf.err != nil {
		r := p.Errorf("", "cannot list the repository root: %v", unwrapPath(lf.err))
		return nil, &r
	}
	if len(lf.files) == 0 {
		r := p.NotApplicable("no licence file at the root (license/present reports it)")
		return nil, &r
	}
	var out []licenses.File
	var why []string
	for _, f := range lf.files {
		if reason, _, _ := licenseProblem(f); reason != "" {
			why = append(why, reason)
			continue
		}
		out = append(out, f)
	}
	if len(out) == 0 {
		r := p.NotApplicable("no licence text to check: %s (license/present reports it)", strings.Join(why, "; "))
		return nil, &r
	}
	return out, nil
}

// approvedList is the approved parameter, read.
type approvedList struct {
	// spdx are the SPDX licences the entries name, for spdxexp.Satisfies.
	spdx []string
	// exact are entries that are licensecheck ids outside SPDX
	// ("Anti996"), matched by name.
	exact []string
}

// builtinIDs are the ids licensecheck reports, for entries that are not
// SPDX ids.
var builtinIDs = sync.OnceValue(func() map[string]string {
	ids := map[string]string{}
	for _, l := range licensecheck.BuiltinLicenses() {
		ids[strings.ToLower(l.ID)] = l.ID
	}
	return ids
})

// parseApproved reads the approved list. An entry is an SPDX id, range or
// expression, or a licence id licensecheck reports; anything else is an
// error, since a typo would otherwise make the rule fail every repository.
func parseApproved(entries []string) (approvedList, error) {
	var l approvedList
	if len(entries) == 0 {
		return l, errors.New("the approved list is empty: list at least one licence, such as MIT")
	}
	for _, e := range entries {
		e = strings.TrimSpace(e)
		if ok, _ := spdxexp.ValidateLicenses([]string{e}); ok {
			ids, err := spdxexp.ExtractLicenses(e)
			if err == nil {
				l.spdx = append(l.spdx, ids...)
				continue
			}
		}
		if id, ok := builtinIDs()[strings.ToLower(e)]; ok && e != "" {
			l.exact = append(l.exact, id)
			continue
		}
		return l, fmt.Errorf("approved entry %q is not an SPDX licence id or expression (see https://spdx.org/licenses/)", e)
	}
	return l, nil
}

// approves reports whether the list approves a detected licence id.
func (l approvedList) approves(id string) bool {
	for _, e := range slices.Concat(l.exact, l.spdx) {
		if strings.EqualFold(e, id) {
			return true
		}
	}
	if len(l.spdx) == 0 {
		return false
	}
	// Satisfies knows ranges ("Apache-1.0+" approves Apache-2.0) and
	// deprecated ids ("AGPL-3.0", which licensecheck reports for a bare
	// text, is approved by "AGPL-3.0-only" and "AGPL-3.0-or-later"). An id
	// outside SPDX is an error there, which means: not approved.
	ok, err := spdxexp.Satisfies(id, l.spdx)
	return ok && err == nil
}

func checkLicenseApproved(p *Pass) []Result {
	entries := p.StringsParam("approved")
	list, err := parseApproved(entries)
	if err != nil {
		return []Result{p.Errorf("", "parameter approved of license/approved: %v", err)}
	}
	files, na := usableLicenses(p)
	if na != nil {
		return []Result{*na}
	}
	var out []Result
	for _, f := range files {
		if !f.Recognised() {
			r := p.Failed(f.Path, 0, "%s: unrecognised licence text (no known licence matches it)", f.Path)
			if best, ok := f.Best(); ok {
				r.Message = fmt.Sprintf("%s: unrecognised licence text (best match %s, %.0f%% of the text)", f.Path, best.SPDX, best.Coverage*100)
			}
			r.Evidence = "unrecognised"
			out = append(out, r)
			continue
		}
		var ok []string
		failed := false
		for _, id := range f.IDs() {
			if list.approves(id) {
				ok = append(ok, id)
				continue
			}
			failed = true
			r := p.Failed(f.Path, 0, "%s: %s is not an approved licence (approved: %s)", f.Path, id, strings.Join(entries, ", "))
			r.Evidence = id
			out = append(out, r)
		}
		if !failed {
			verb := "is"
			if len(ok) > 1 {
				verb = "are"
			}
			out = append(out, p.Passed(f.Path, "%s: %s %s approved", f.Path, licJoin(ok), verb))
		}
	}
	return out
}

func checkLicenseCopyrightHolder(p *Pass) []Result {
	pattern := p.StringParam("holder")
	re, err := regexp.Compile(pattern)
	if err != nil {
		return []Result{p.Errorf("", "parameter holder of license/copyright-holder is not a valid regular expression: %v", unwrapRegexpError(err))}
	}
	want := "matching " + pattern
	if pattern == defaultHolderPattern {
		want = defaultHolderName
	}
	files, na := usableLicenses(p)
	if na != nil {
		return []Result{*na}
	}
	for _, f := range files {
		for _, c := range f.CopyrightLines {
			if re.MatchString(c.Text) {
				r := p.Passed(f.Path, "%s:%d names %s", f.Path, c.Line, c.Text)
				r.Line = c.Line
				return []Result{r}
			}
		}
	}
	var out []Result
	for _, f := range files {
		if len(f.CopyrightLines) == 0 {
			r := p.Failed(f.Path, 0, "%s has no copyright line; expected one naming the holder %s", f.Path, want)
			r.Evidence = "no copyright line"
			out = append(out, r)
			continue
		}
		c := f.CopyrightLines[0]
		r := p.Failed(f.Path, c.Line, "%s:%d names '%s'; expected the holder %s", f.Path, c.Line, c.Text, want)
		if n := len(f.CopyrightLines) - 1; n > 0 {
			r.Message += fmt.Sprintf(" (and %d more copyright line(s) without it)", n)
		}
		r.Evidence = c.Holder
		out = append(out, r)
	}
	return out
}

// unwrapRegexpError drops the "error parsing regexp: " prefix.
func unwrapRegexpError(err error) string {
	return strings.TrimPrefix(err.Error(), "error parsing regexp: ")
}

// licJoin joins names for a message: "A", "A and B", "A, B and C".
func licJoin(s []string) string {
	switch len(s) {
	case 0:
		return ""
	case 1:
		return s[0]
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}
