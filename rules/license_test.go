package rules_test

import (
	"context"
	"io/fs"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/it-at-m/ospo-scan/forges"
	"github.com/it-at-m/ospo-scan/rules"
)

// licText reads a full licence text shared with the licenses package.
func licText(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("../licenses/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// lhmMIT is the template's LICENSE: MIT with the city as holder on line 3.
func lhmMIT(t *testing.T) string { return licText(t, "MIT.txt") }

// mitWithHolder is the MIT text with another copyright line on line 3.
func mitWithHolder(t *testing.T, line string) string {
	return strings.Replace(lhmMIT(t), "Copyright (c) 2024 Landeshauptstadt München | it@M", line, 1)
}

func licFile(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }

// licRun runs the licence rules (with params for one of them) on a tree,
// as the scanner does, and returns the results by rule id.
func licRun(t *testing.T, fsys fs.FS, params map[string]map[string]any) map[string][]rules.Result {
	t.Helper()
	repo := &forges.Repo{Meta: forges.Meta{Forge: forges.Local, FullName: "demo", Name: "demo"}, FS: fsys}
	var set []rules.Configured
	for _, r := range []*rules.Rule{rules.LicensePresent, rules.LicenseApproved, rules.LicenseCopyrightHolder} {
		set = append(set, rules.Configured{Rule: r, Severity: r.Severity, Params: params[r.ID]})
	}
	out := map[string][]rules.Result{}
	for _, r := range rules.Run(context.Background(), repo, set) {
		if r.Status == rules.StatusError && !strings.HasPrefix(r.Message, "parameter ") && !strings.HasPrefix(r.Message, "cannot list") {
			t.Errorf("%s: unexpected error result: %s", r.Rule, r.Message)
		}
		out[r.Rule] = append(out[r.Rule], r)
	}
	return out
}

type licWant struct {
	status  rules.Status
	path    string
	line    int
	message string // exact, or a prefix when it ends in "…"
}

func licCheck(t *testing.T, got []rules.Result, want ...licWant) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("got %d results, want %d:\n%s", len(got), len(want), licDump(got))
		return
	}
	for i, w := range want {
		g := got[i]
		msgOK := g.Message == w.message
		if p, ok := strings.CutSuffix(w.message, "…"); ok {
			msgOK = strings.HasPrefix(g.Message, p)
		}
		if g.Status != w.status || g.Path != w.path || g.Line != w.line || !msgOK {
			t.Errorf("result %d:\n got %s %q:%d %q\nwant %s %q:%d %q", i, g.Status, g.Path, g.Line, g.Message, w.status, w.path, w.line, w.message)
		}
	}
}

func licDump(rs []rules.Result) string {
	var b strings.Builder
	for _, r := range rs {
		b.WriteString("  " + string(r.Status) + " " + r.Path + " " + r.Message + "\n")
	}
	return b.String()
}

func TestLicenseTemplateRepositoryPasses(t *testing.T) {
	got := licRun(t, fstest.MapFS{"LICENSE": licFile(lhmMIT(t)), "README.md": licFile("# demo\n")}, nil)
	licCheck(t, got["license/present"], licWant{rules.StatusPass, "LICENSE", 0, "LICENSE"})
	licCheck(t, got["license/approved"], licWant{rules.StatusPass, "LICENSE", 0, "LICENSE: MIT is approved"})
	licCheck(t, got["license/copyright-holder"], licWant{rules.StatusPass, "LICENSE", 3, "LICENSE:3 names Copyright (c) 2024 Landeshauptstadt München | it@M"})
	for id, rs := range got {
		for _, r := range rs {
			if r.Rule != id || r.Severity == "" {
				t.Errorf("result without rule id or severity: %+v", r)
			}
		}
	}
}

func TestLicenseFileNames(t *testing.T) {
	mdWrapped := "# MIT License\n\n_Copyright © 2024 Landeshauptstadt München | it@M_\n\n```text\n" +
		lhmMIT(t)[strings.Index(lhmMIT(t), "Permission"):] + "```\n"
	for name, text := range map[string]string{
		"license":            lhmMIT(t),
		"LICENSE.txt":        lhmMIT(t),
		"LICENSE.md":         mdWrapped,
		"Licence":            lhmMIT(t),
		"COPYING":            lhmMIT(t),
		"LICENSE-AGPLv3.txt": licText(t, "AGPL-3.0.txt"),
	} {
		t.Run(name, func(t *testing.T) {
			got := licRun(t, fstest.MapFS{name: licFile(text), "license.go": licFile("package demo\n")}, map[string]map[string]any{
				"license/approved": {"approved": []string{"MIT", "AGPL-3.0-only"}},
			})
			licCheck(t, got["license/present"], licWant{rules.StatusPass, name, 0, name})
			if r := got["license/approved"]; len(r) != 1 || r[0].Status != rules.StatusPass || r[0].Path != name {
				t.Errorf("approved:\n%s", licDump(r))
			}
		})
	}
}

func TestLicenseTwoFilesBothReported(t *testing.T) {
	fsys := fstest.MapFS{
		"LICENSE-MIT":    licFile(lhmMIT(t)),
		"LICENSE-APACHE": licFile(licText(t, "Apache-2.0.txt")),
	}
	got := licRun(t, fsys, nil)
	licCheck(t, got["license/present"],
		licWant{rules.StatusPass, "LICENSE-APACHE", 0, "LICENSE-APACHE"},
		licWant{rules.StatusPass, "LICENSE-MIT", 0, "LICENSE-MIT"})
	licCheck(t, got["license/approved"],
		licWant{rules.StatusFail, "LICENSE-APACHE", 0, "LICENSE-APACHE: Apache-2.0 is not an approved licence (approved: MIT)"},
		licWant{rules.StatusPass, "LICENSE-MIT", 0, "LICENSE-MIT: MIT is approved"})
	// The holder is named in one of them: that is enough.
	licCheck(t, got["license/copyright-holder"], licWant{rules.StatusPass, "LICENSE-MIT", 3, "LICENSE-MIT:3 names Copyright (c) 2024 Landeshauptstadt München | it@M"})

	// An expression approves each licence it names.
	got = licRun(t, fsys, map[string]map[string]any{"license/approved": {"approved": []any{"MIT OR Apache-2.0"}}})
	licCheck(t, got["license/approved"],
		licWant{rules.StatusPass, "LICENSE-APACHE", 0, "LICENSE-APACHE: Apache-2.0 is approved"},
		licWant{rules.StatusPass, "LICENSE-MIT", 0, "LICENSE-MIT: MIT is approved"})

	facts := rules.NewFacts(&forges.Repo{FS: fsys})
	want := []rules.DetectedLicense{{SPDX: "Apache-2.0", File: "LICENSE-APACHE", Coverage: 1}, {SPDX: "MIT", File: "LICENSE-MIT", Coverage: 0.99}}
	if got := facts.DetectedLicenses(); !slices.Equal(got, want) {
		t.Errorf("DetectedLicenses = %+v, want %+v", got, want)
	}
}

func TestLicenseTwoLicencesInOneFile(t *testing.T) {
	fsys := fstest.MapFS{"LICENSE": licFile(lhmMIT(t) + "\n---\n\n" + licText(t, "Apache-2.0.txt"))}
	got := licRun(t, fsys, nil)
	licCheck(t, got["license/approved"], licWant{rules.StatusFail, "LICENSE", 0, "LICENSE: Apache-2.0 is not an approved licence (approved: MIT)"})
	got = licRun(t, fsys, map[string]map[string]any{"license/approved": {"approved": []string{"MIT", "Apache-2.0"}}})
	licCheck(t, got["license/approved"], licWant{rules.StatusPass, "LICENSE", 0, "LICENSE: Apache-2.0 and MIT are approved"})
	ds := rules.NewFacts(&forges.Repo{FS: fsys}).DetectedLicenses()
	if len(ds) != 2 || ds[0].SPDX != "Apache-2.0" || ds[1].SPDX != "MIT" || ds[0].File != "LICENSE" || ds[0].Coverage <= ds[1].Coverage {
		t.Errorf("DetectedLicenses = %+v; want Apache-2.0 (larger share) and MIT in LICENSE", ds)
	}
}

func TestLicensePackageJSONOnly(t *testing.T) {
	got := licRun(t, fstest.MapFS{"package.json": licFile(`{"name": "@muenchen/demo", "license": "MIT"}`)}, nil)
	licCheck(t, got["license/present"], licWant{rules.StatusFail, "LICENSE", 0, "package.json declares MIT but there is no LICENSE file at the root"})
	licCheck(t, got["license/approved"], licWant{rules.StatusNotApplicable, "", 0, "no licence file at the root (license/present reports it)"})
	licCheck(t, got["license/copyright-holder"], licWant{rules.StatusNotApplicable, "", 0, "no licence file at the root (license/present reports it)"})

	// The old "licenses" array form.
	got = licRun(t, fstest.MapFS{"package.json": licFile(`{"licenses": [{"type": "MIT"}, {"type": "Apache-2.0"}]}`)}, nil)
	licCheck(t, got["license/present"], licWant{rules.StatusFail, "LICENSE", 0, "package.json declares MIT OR Apache-2.0 but there is no LICENSE file at the root"})
}

func TestLicenseMissing(t *testing.T) {
	got := licRun(t, fstest.MapFS{"README.md": licFile("# demo\n"), "license.go": licFile("package demo\n")}, nil)
	licCheck(t, got["license/present"], licWant{rules.StatusFail, "LICENSE", 0,
		"no licence file at the root (LICENSE, LICENCE, COPYING or UNLICENSE, any case, with or without extension)"})

	// A licence file in the wrong place, and a REUSE folder.
	got = licRun(t, fstest.MapFS{
		"docs/LICENSE.md":  licFile(lhmMIT(t)),
		"LICENSES/MIT.txt": licFile(lhmMIT(t)),
	}, nil)
	licCheck(t, got["license/present"], licWant{rules.StatusFail, "LICENSE", 0,
		"no licence file at the root (LICENSE, LICENCE, COPYING or UNLICENSE, any case, with or without extension); " +
			"docs/LICENSE.md exists, but the licence is read only at the root: move it there; " +
			"LICENSES/ holds REUSE licence texts, but GitHub reads a LICENSE file at the root: add one"})
}

func TestLicenseUnusableFiles(t *testing.T) {
	for _, tc := range []struct {
		name    string
		fsys    fs.FS
		present string
		hint    string
	}{
		{"directory", fstest.MapFS{"LICENSE/MIT.txt": licFile(lhmMIT(t))},
			"LICENSE is a directory, not a file", ": put the licence text in a file named LICENSE"},
		{"empty", fstest.MapFS{"LICENSE": licFile("")}, "LICENSE is empty", ""},
		{"blank", fstest.MapFS{"LICENSE": licFile("\r\n  \r\n")}, "LICENSE is empty", ""},
		{"pointer", fstest.MapFS{"LICENSE": licFile("Licensed under EUPL-1.2, see https://joinup.ec.europa.eu/collection/eupl/eupl-text-eupl-12\n")},
			"LICENSE only points elsewhere instead of holding the licence text (it names EUPL-1.2)", ": put the full licence text in the file"},
		{"see README", fstest.MapFS{"LICENSE.md": licFile("See [README](README.md#license).\n")},
			"LICENSE.md only points elsewhere instead of holding the licence text", ": put the full licence text in the file"},
		{"too large", licErrFS{fstest.MapFS{"LICENSE": licFile("x")}, "LICENSE", forges.ErrTooLarge},
			"LICENSE is larger than 1 MiB and was not read", ""},
		{"link outside", licErrFS{fstest.MapFS{"LICENSE": licFile("x")}, "LICENSE", forges.ErrOutsideRepository},
			"LICENSE is a symbolic link that points outside the repository and was not followed", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := licRun(t, tc.fsys, nil)
			p := got["license/present"]
			if len(p) != 1 || p[0].Status != rules.StatusFail || p[0].Message != tc.present+tc.hint {
				t.Errorf("present:\n%s want fail %q", licDump(p), tc.present+tc.hint)
			}
			for _, id := range []string{"license/approved", "license/copyright-holder"} {
				licCheck(t, got[id], licWant{rules.StatusNotApplicable, "", 0, "no licence text to check: " + tc.present + " (license/present reports it)"})
			}
		})
	}
}

func TestLicenseBrokenFileBesideGoodOne(t *testing.T) {
	got := licRun(t, fstest.MapFS{"LICENSE": licFile(lhmMIT(t)), "LICENSE.md": licFile("")}, nil)
	licCheck(t, got["license/present"],
		licWant{rules.StatusPass, "LICENSE", 0, "LICENSE"},
		licWant{rules.StatusFail, "LICENSE.md", 0, "LICENSE.md is empty"})
	licCheck(t, got["license/approved"], licWant{rules.StatusPass, "LICENSE", 0, "LICENSE: MIT is approved"})
}

func TestLicenseEncodings(t *testing.T) {
	mit := lhmMIT(t)
	for name, data := range map[string]string{
		"CRLF":   strings.ReplaceAll(mit, "\n", "\r\n"),
		"BOM":    "\xef\xbb\xbf" + mit,
		"Latin1": strings.Replace(mit, "München", "M\xfcnchen", 1) + "\n\xff\xfe\n",
	} {
		t.Run(name, func(t *testing.T) {
			got := licRun(t, fstest.MapFS{"LICENSE": licFile(data)}, nil)
			licCheck(t, got["license/present"], licWant{rules.StatusPass, "LICENSE", 0, "LICENSE"})
			licCheck(t, got["license/approved"], licWant{rules.StatusPass, "LICENSE", 0, "LICENSE: MIT is approved"})
			licCheck(t, got["license/copyright-holder"], licWant{rules.StatusPass, "LICENSE", 3, "LICENSE:3 names Copyright (c) 2024 Landeshauptstadt München | it@M"})
		})
	}
}

func TestLicenseEUPLWithCustomHeader(t *testing.T) {
	header := "Copyright (c) 2023 Landeshauptstadt München | it@M and BerlinOnline Stadtportal GmbH & Co. KG\n\n" +
		"This software was developed jointly by the City of Munich and BerlinOnline.\n\n"
	fsys := fstest.MapFS{"LICENSE": licFile(header + licText(t, "EUPL-1.2.txt"))}
	got := licRun(t, fsys, nil)
	licCheck(t, got["license/approved"], licWant{rules.StatusFail, "LICENSE", 0, "LICENSE: EUPL-1.2 is not an approved licence (approved: MIT)"})
	licCheck(t, got["license/copyright-holder"], licWant{rules.StatusPass, "LICENSE", 1,
		"LICENSE:1 names Copyright (c) 2023 Landeshauptstadt München | it@M and BerlinOnline Stadtportal GmbH & Co. KG"})
	got = licRun(t, fsys, map[string]map[string]any{"license/approved": {"approved": []string{"MIT", "EUPL-1.2"}}})
	licCheck(t, got["license/approved"], licWant{rules.StatusPass, "LICENSE", 0, "LICENSE: EUPL-1.2 is approved"})
	ds := rules.NewFacts(&forges.Repo{FS: fsys}).DetectedLicenses()
	if len(ds) != 1 || ds[0].SPDX != "EUPL-1.2" || ds[0].Coverage < 0.95 {
		t.Errorf("DetectedLicenses = %+v; want EUPL-1.2 at 0.95 or more", ds)
	}
}

func TestLicenseAGPLApproval(t *testing.T) {
	fsys := fstest.MapFS{"LICENSE": licFile(licText(t, "AGPL-3.0.txt"))}
	for _, tc := range []struct {
		approved []string
		pass     bool
	}{
		{nil, false}, // the default: MIT
		{[]string{"MIT", "AGPL-3.0-only"}, true},
		{[]string{"MIT", "AGPL-3.0-or-later"}, true},
		{[]string{"AGPL-3.0+"}, true},
		{[]string{"MIT OR AGPL-3.0-only"}, true},
		{[]string{"mit", "agpl-3.0-only"}, true},
		{[]string{"GPL-3.0-only"}, false},
		{[]string{"AGPL-1.0-only"}, false},
	} {
		var params map[string]map[string]any
		if tc.approved != nil {
			params = map[string]map[string]any{"license/approved": {"approved": tc.approved}}
		}
		r := licRun(t, fsys, params)["license/approved"]
		want := licWant{rules.StatusPass, "LICENSE", 0, "LICENSE: AGPL-3.0 is approved"}
		if !tc.pass {
			list := "MIT"
			if tc.approved != nil {
				list = strings.Join(tc.approved, ", ")
			}
			want = licWant{rules.StatusFail, "LICENSE", 0, "LICENSE: AGPL-3.0 is not an approved licence (approved: " + list + ")"}
		}
		t.Run(strings.Join(tc.approved, ","), func(t *testing.T) { licCheck(t, r, want) })
	}
	// The GNU texts' own FSF copyright line is not the project's.
	licCheck(t, licRun(t, fsys, nil)["license/copyright-holder"], licWant{rules.StatusFail, "LICENSE", 0,
		"LICENSE has no copyright line; expected one naming the holder Landeshauptstadt München | it@M"})
}

func TestLicenseUnrecognised(t *testing.T) {
	extra := "\n## Additional terms\n\n" + strings.Repeat("The software may not be used by companies with more than ten employees without a commercial agreement. ", 8)
	got := licRun(t, fstest.MapFS{"LICENSE": licFile(lhmMIT(t) + extra)}, nil)
	licCheck(t, got["license/present"], licWant{rules.StatusPass, "LICENSE", 0, "LICENSE"})
	licCheck(t, got["license/approved"], licWant{rules.StatusFail, "LICENSE", 0, "LICENSE: unrecognised licence text (best match MIT, …"})
	if r := got["license/approved"]; len(r) == 1 && !strings.HasSuffix(r[0].Message, "% of the text)") {
		t.Errorf("message %q does not give the coverage", r[0].Message)
	}
	modified := strings.Replace(lhmMIT(t), "to deal in the Software without restriction", "to deal in the Software for non-commercial purposes only", 1)
	got = licRun(t, fstest.MapFS{"LICENSE": licFile(modified)}, nil)
	licCheck(t, got["license/approved"], licWant{rules.StatusFail, "LICENSE", 0, "LICENSE: unrecognised licence text (no known licence matches it)"})
	// The copyright line is still found in an unrecognised text.
	licCheck(t, got["license/copyright-holder"], licWant{rules.StatusPass, "LICENSE", 3, "LICENSE:3 names Copyright (c) 2024 Landeshauptstadt München | it@M"})
}

func TestLicenseApprovedParameterErrors(t *testing.T) {
	fsys := fstest.MapFS{"LICENSE": licFile(lhmMIT(t))}
	for _, approved := range [][]string{{"MTI"}, {}, {"MIT", "Apache--2.0"}} {
		r := licRun(t, fsys, map[string]map[string]any{"license/approved": {"approved": approved}})["license/approved"]
		if len(r) != 1 || r[0].Status != rules.StatusError || !strings.HasPrefix(r[0].Message, "parameter approved of license/approved: ") {
			t.Errorf("approved %q:\n%s want one error result", approved, licDump(r))
		}
	}
	// A licensecheck id outside SPDX can be approved by name.
	anti := "Anti996"
	r := licRun(t, fsys, map[string]map[string]any{"license/approved": {"approved": []string{"MIT", anti}}})["license/approved"]
	licCheck(t, r, licWant{rules.StatusPass, "LICENSE", 0, "LICENSE: MIT is approved"})
}

func TestLicenseCopyrightForms(t *testing.T) {
	for _, line := range []string{
		"Copyright (c) 2024 Landeshauptstadt München | it@M",
		"Copyright (C) 2019-2024 Landeshauptstadt München | it@M",
		"Copyright © 2022 Landeshauptstadt München | it@M",
		"© 2023 Landeshauptstadt München | it@M",
		"Copyright 2021 Landeshauptstadt Muenchen|it@M",
		"Copyright (c) 2020, 2024 Landeshauptstadt München  |  it@M. All rights reserved.",
		"SPDX-FileCopyrightText: 2023 Landeshauptstadt München | it@M",
		"Copyright 2024 Landeshauptstadt Mu\u0308nchen | IT@M",
		"**Copyright (c) 2024 Landeshauptstadt München | it@M**",
	} {
		t.Run(line, func(t *testing.T) {
			r := licRun(t, fstest.MapFS{"LICENSE": licFile(mitWithHolder(t, line))}, nil)["license/copyright-holder"]
			if len(r) != 1 || r[0].Status != rules.StatusPass || r[0].Line != 3 {
				t.Errorf("%s", licDump(r))
			}
		})
	}
}

func TestLicenseWrongHolder(t *testing.T) {
	fsys := fstest.MapFS{"LICENSE": licFile(mitWithHolder(t, "Copyright (c) 2021 Max Mustermann"))}
	got := licRun(t, fsys, nil)
	licCheck(t, got["license/copyright-holder"], licWant{rules.StatusFail, "LICENSE", 3,
		"LICENSE:3 names 'Copyright (c) 2021 Max Mustermann'; expected the holder Landeshauptstadt München | it@M"})
	// The licence itself is still fine.
	licCheck(t, got["license/approved"], licWant{rules.StatusPass, "LICENSE", 0, "LICENSE: MIT is approved"})

	// Another holder by parameter.
	got = licRun(t, fsys, map[string]map[string]any{"license/copyright-holder": {"holder": `Max Mustermann`}})
	licCheck(t, got["license/copyright-holder"], licWant{rules.StatusPass, "LICENSE", 3, "LICENSE:3 names Copyright (c) 2021 Max Mustermann"})
	got = licRun(t, fstest.MapFS{"LICENSE": licFile(lhmMIT(t))}, map[string]map[string]any{"license/copyright-holder": {"holder": `^Copyright \(c\) \d{4} Example AG$`}})
	licCheck(t, got["license/copyright-holder"], licWant{rules.StatusFail, "LICENSE", 3,
		`LICENSE:3 names 'Copyright (c) 2024 Landeshauptstadt München | it@M'; expected the holder matching ^Copyright \(c\) \d{4} Example AG$`})
	got = licRun(t, fsys, map[string]map[string]any{"license/copyright-holder": {"holder": `Max (`}})
	licCheck(t, got["license/copyright-holder"], licWant{rules.StatusError, "", 0,
		"parameter holder of license/copyright-holder is not a valid regular expression: missing closing ): `Max (`"})

	// An unfilled template line is reported as it is.
	got = licRun(t, fstest.MapFS{"LICENSE": licFile(mitWithHolder(t, "Copyright (c) <year> <copyright holders>"))}, nil)
	licCheck(t, got["license/copyright-holder"], licWant{rules.StatusFail, "LICENSE", 3,
		"LICENSE:3 names 'Copyright (c) <year> <copyright holders>'; expected the holder Landeshauptstadt München | it@M"})
}

func TestLicenseRootUnreadable(t *testing.T) {
	got := licRun(t, licErrFS{fstest.MapFS{}, ".", fs.ErrPermission}, nil)
	for _, id := range []string{"license/present", "license/approved", "license/copyright-holder"} {
		if r := got[id]; len(r) != 1 || r[0].Status != rules.StatusError || !strings.HasPrefix(r[0].Message, "cannot list the repository root: ") {
			t.Errorf("%s:\n%s want an error result", id, licDump(r))
		}
	}
}

func TestLicenseFilesReadOncePerScan(t *testing.T) {
	cfs := &licCountFS{MapFS: fstest.MapFS{"LICENSE": licFile(lhmMIT(t)), "COPYING": licFile(lhmMIT(t))}, reads: map[string]int{}}
	repo := &forges.Repo{Meta: forges.Meta{Name: "demo"}, FS: cfs}
	facts := rules.NewFacts(repo)
	set := rules.Defaults([]*rules.Rule{rules.LicensePresent, rules.LicenseApproved, rules.LicenseCopyrightHolder})
	rules.RunWithFacts(context.Background(), repo, facts, set)
	if n := len(facts.DetectedLicenses()); n != 2 {
		t.Errorf("DetectedLicenses has %d entries, want 2", n)
	}
	if len(facts.Licenses()) != 2 {
		t.Errorf("Licenses = %+v", facts.Licenses())
	}
	for _, name := range []string{"LICENSE", "COPYING", "."} {
		if cfs.reads[name] != 1 {
			t.Errorf("%s read %d times, want once", name, cfs.reads[name])
		}
	}
}

func TestLicenseRulesDocumented(t *testing.T) {
	builtin := rules.Builtin()
	for _, r := range []*rules.Rule{rules.LicensePresent, rules.LicenseApproved, rules.LicenseCopyrightHolder} {
		if !slices.Contains(builtin, r) {
			t.Errorf("%s is not in Builtin()", r.ID)
		}
		if r.ID == "" || r.Title == "" || r.Severity == "" || len(r.Doc) < 200 || r.Fix == "" || strings.Contains(r.Fix, "\n") ||
			!strings.HasPrefix(r.Source, "https://github.com/it-at-m/") || r.SourceTitle == "" || len(r.Reads) == 0 || r.Check == nil {
			t.Errorf("%s is not fully documented: %+v", r.ID, r)
		}
		for _, p := range r.Params {
			if p.Name == "" || p.Doc == "" || p.Default == nil {
				t.Errorf("%s: parameter %+v is not documented", r.ID, p)
			}
		}
	}
	if rules.LicensePresent.Severity != rules.Error || rules.LicenseApproved.Severity != rules.Error || rules.LicenseCopyrightHolder.Severity != rules.Warning {
		t.Error("default severities differ from the catalogue (error, error, warning)")
	}
}

// licErrFS fails every read of one name with err.
type licErrFS struct {
	fstest.MapFS
	name string
	err  error
}

func (f licErrFS) Open(name string) (fs.File, error) {
	if name == f.name {
		return nil, &fs.PathError{Op: "open", Path: name, Err: f.err}
	}
	return f.MapFS.Open(name)
}

func (f licErrFS) ReadFile(name string) ([]byte, error) {
	if name == f.name {
		return nil, &fs.PathError{Op: "read", Path: name, Err: f.err}
	}
	return f.MapFS.ReadFile(name)
}

func (f licErrFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if name == f.name {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: f.err}
	}
	return f.MapFS.ReadDir(name)
}

// licCountFS counts file reads and directory listings by name.
type licCountFS struct {
	fstest.MapFS
	mu    sync.Mutex
	reads map[string]int
}

func (f *licCountFS) count(name string) {
	f.mu.Lock()
	f.reads[name]++
	f.mu.Unlock()
}

func (f *licCountFS) ReadFile(name string) ([]byte, error) {
	f.count(name)
	return f.MapFS.ReadFile(name)
}

func (f *licCountFS) ReadDir(name string) ([]fs.DirEntry, error) {
	f.count(name)
	return f.MapFS.ReadDir(name)
}
