package rules_test

import (
	"os"
	"strings"
	"testing"

	"github.com/it-at-m/ospo-scan/forges"
	"github.com/it-at-m/ospo-scan/rules"
)

// mitLicense is the MIT licence with the LHM copyright line, shared with the
// licence detection tests.
var mitLicense = string(must(os.ReadFile("../licenses/testdata/MIT.txt")))

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

const validPubliccode = `publiccodeYmlVersion: "0.4"
name: DAVe
url: "https://github.com/it-at-m/dave-backend"
softwareVersion: "1.0.0"
releaseDate: "2024-05-01"
platforms:
  - web
developmentStatus: stable
softwareType: "standalone/web"
description:
  de:
    shortDescription: Verkehrsdaten der Landeshauptstadt München auswerten
    longDescription: >
      DAVe macht Zähldaten des Straßenverkehrs für Planung und
      Öffentlichkeit nutzbar.
legal:
  license: MIT
maintenance:
  type: internal
`

func TestPubliccodeValid(t *testing.T) {
	files := ciFiles("publiccode.yml", validPubliccode, "LICENSE", mitLicense)
	r := ciOne(t, ciRun(t, rules.MetaPubliccode, files, forges.Meta{}, nil))
	ciStatus(t, r, rules.StatusPass, "publiccode.yml describes DAVe under MIT")
}

func TestPubliccodeAbsent(t *testing.T) {
	files := ciFiles("LICENSE", mitLicense)
	ciStatus(t, ciOne(t, ciRun(t, rules.MetaPubliccode, files, forges.Meta{}, nil)), rules.StatusNotApplicable, "no publiccode.yml")

	r := ciOne(t, ciRun(t, rules.MetaPubliccode, files, forges.Meta{}, map[string]any{"required": true}))
	ciStatus(t, r, rules.StatusFail, "publiccode.yml is missing")
	if r.Path != "publiccode.yml" {
		t.Errorf("path = %q, want where the file belongs", r.Path)
	}
}

func TestPubliccodeMisnamed(t *testing.T) {
	for _, name := range []string{"publiccode.yaml", "PublicCode.yml", "publiccode.YAML"} {
		files := ciFiles(name, validPubliccode, "LICENSE", mitLicense)
		r := ciOne(t, ciRun(t, rules.MetaPubliccode, files, forges.Meta{}, nil))
		ciStatus(t, r, rules.StatusFail, "openCode only accepts publiccode.yml: rename "+name+" to publiccode.yml")
		if r.Path != name {
			t.Errorf("path = %q, want %q", r.Path, name)
		}
	}

	// Next to a correct publiccode.yml, the other file is a stale copy.
	files := ciFiles("publiccode.yml", validPubliccode, "publiccode.yaml", validPubliccode, "LICENSE", mitLicense)
	rs := ciRun(t, rules.MetaPubliccode, files, forges.Meta{}, nil)
	r := ciOne(t, rs)
	ciStatus(t, r, rules.StatusFail, "ignores publiccode.yaml next to it: remove publiccode.yaml")
}

func TestPubliccodeLicenseMismatch(t *testing.T) {
	src := strings.Replace(validPubliccode, "license: MIT", "license: Apache-2.0", 1)
	files := ciFiles("publiccode.yml", src, "LICENSE", mitLicense)
	r := ciOne(t, ciRun(t, rules.MetaPubliccode, files, forges.Meta{}, nil))
	ciStatus(t, r, rules.StatusFail, `legal.license "Apache-2.0" in publiccode.yml does not match the licence files (MIT in LICENSE)`)
	if r.Line != ciLine(t, src, "license: Apache") {
		t.Errorf("line = %d, want the line of legal.license", r.Line)
	}

	// A dual licence needs both texts; MIT alone does not match.
	src = strings.Replace(validPubliccode, "license: MIT", `license: "MIT OR Apache-2.0"`, 1)
	r = ciOne(t, ciRun(t, rules.MetaPubliccode, ciFiles("publiccode.yml", src, "LICENSE", mitLicense), forges.Meta{}, nil))
	ciStatus(t, r, rules.StatusFail, "does not match the licence files")

	// Without a licence file, license/present reports; this rule only
	// checks the expression.
	r = ciOne(t, ciRun(t, rules.MetaPubliccode, ciFiles("publiccode.yml", validPubliccode), forges.Meta{}, nil))
	ciStatus(t, r, rules.StatusPass)
}

func TestPubliccodeInvalidSPDX(t *testing.T) {
	src := strings.Replace(validPubliccode, "license: MIT", `license: "Apache 2.0"`, 1)
	r := ciOne(t, ciRun(t, rules.MetaPubliccode, ciFiles("publiccode.yml", src, "LICENSE", mitLicense), forges.Meta{}, nil))
	ciStatus(t, r, rules.StatusFail, `legal.license "Apache 2.0" in publiccode.yml is not a valid SPDX licence expression`)
}

func TestPubliccodeMissingFieldsAreSeparateFindings(t *testing.T) {
	src := `publiccodeYmlVersion: "0.4"
name: ""
legal:
  mainCopyrightOwner: Landeshauptstadt München
description:
  de:
    features:
      - Zählstellen
`
	rs := ciRun(t, rules.MetaPubliccode, ciFiles("publiccode.yml", src, "LICENSE", mitLicense), forges.Meta{}, nil)
	want := map[string]struct {
		line int
		msg  string
	}{
		"name":          {2, "name in publiccode.yml is empty"},
		"url":           {1, "publiccode.yml has no url"},
		"legal.license": {3, "publiccode.yml has no legal.license"},
		"description":   {5, "description in publiccode.yml has no shortDescription or longDescription in any language"},
	}
	if len(rs) != len(want) {
		t.Fatalf("got %d results, want %d:\n%s", len(rs), len(want), ciDump(rs))
	}
	for _, r := range rs {
		w, ok := want[r.Evidence]
		if !ok {
			t.Errorf("unexpected finding %q (evidence %q)", r.Message, r.Evidence)
			continue
		}
		if r.Status != rules.StatusFail || r.Line != w.line || r.Message != w.msg {
			t.Errorf("%s: got %s line %d %q, want fail line %d %q", r.Evidence, r.Status, r.Line, r.Message, w.line, w.msg)
		}
	}
}

func TestPubliccodeNotYAML(t *testing.T) {
	src := "publiccodeYmlVersion: \"0.4\"\nname: DAVe\ndescription:\n  de:\n    shortDescription: a: b\n"
	r := ciOne(t, ciRun(t, rules.MetaPubliccode, ciFiles("publiccode.yml", src), forges.Meta{}, nil))
	ciStatus(t, r, rules.StatusFail, "publiccode.yml is not valid YAML")
	if r.Line != 5 {
		t.Errorf("line = %d, want 5", r.Line)
	}

	r = ciOne(t, ciRun(t, rules.MetaPubliccode, ciFiles("publiccode.yml", "- a\n- b\n"), forges.Meta{}, nil))
	ciStatus(t, r, rules.StatusFail, "publiccode.yml is not a YAML mapping")
}
