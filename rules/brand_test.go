package rules_test

import (
	"testing"
	"testing/fstest"

	"github.com/it-at-m/ospo-scan/rules"
)

// olderReadme ends like the README template before 2022.
const olderReadme = `<div id="top"></div>

# DigiWF Connector

Connects DigiWF to the city's mail infrastructure; this paragraph is long enough to count as a description.

<!-- CONTACT -->
## Contact

it@m - opensource@muenchendigital.io

Documentation: https://digiwf.muenchendigital.io/resources/documentation/ and opensource@muenchendigital.io again.
`

func TestBrandContactDomain(t *testing.T) {
	t.Run("clean repository", func(t *testing.T) {
		got := docOne(t, rules.BrandContactDomain, fstest.MapFS{
			".github/README.md":          file(templateReadme),
			".github/CODE_OF_CONDUCT.md": file(covenant21),
			"pom.xml":                    file("<groupId>de.muenchen.oss</groupId><!-- io.muenchendigital.digiwf is a Java package, not the domain -->"),
		}, nil)
		wantResult(t, got, rules.StatusPass, "", 0, "no file mentions muenchendigital.io", ".github/README.md", ".github/CODE_OF_CONDUCT.md", "pom.xml")
	})
	t.Run("retired domain in a CoC and a README", func(t *testing.T) {
		res := docRun(t, rules.BrandContactDomain, docRepo(fstest.MapFS{
			"README.md":          file(olderReadme),
			"CODE_OF_CONDUCT.md": file(covenant14),
			"CONTRIBUTING.md":    file("Fork and send a pull request."),
		}), nil)
		if len(res) != 2 {
			t.Fatalf("want 2 results, got %+v", res)
		}
		wantResult(t, res[0], rules.StatusFail, "CODE_OF_CONDUCT.md", 12, "CODE_OF_CONDUCT.md mentions the retired domain muenchendigital.io on line 12 (opensource@muenchendigital.io)", "use opensource@muenchen.de")
		wantResult(t, res[1], rules.StatusFail, "README.md", 10, "README.md mentions the retired domain muenchendigital.io on line 10 (opensource@muenchendigital.io) and 2 more times")
		if res[0].Evidence != "opensource@muenchendigital.io" {
			t.Errorf("evidence = %q", res[0].Evidence)
		}
	})
	t.Run("root manifests and CODEOWNERS", func(t *testing.T) {
		res := docRun(t, rules.BrandContactDomain, docRepo(fstest.MapFS{
			"README.md":             file(templateReadme),
			"package.json":          file("{\n  \"name\": \"@muenchen/x\",\n  \"homepage\": \"https://digiwf.muenchendigital.io\"\n}\n"),
			"publiccode.yml":        file("publiccodeYmlVersion: \"0.4\"\nmaintenance:\n  contacts:\n    - email: opensource@MUENCHENDIGITAL.IO\n"),
			".github/CODEOWNERS":    file("* opensource@muenchendigital.io\n"),
			"frontend/package.json": file("\"opensource@muenchendigital.io\" in a nested manifest is not read"),
		}), nil)
		if len(res) != 3 {
			t.Fatalf("want 3 results, got %+v", res)
		}
		wantResult(t, res[0], rules.StatusFail, ".github/CODEOWNERS", 1)
		wantResult(t, res[1], rules.StatusFail, "package.json", 3, "(https://digiwf.muenchendigital.io)")
		wantResult(t, res[2], rules.StatusFail, "publiccode.yml", 4, "opensource@MUENCHENDIGITAL.IO")
	})
	t.Run("organisation default", func(t *testing.T) {
		got := docOne(t, rules.BrandContactDomain, fstest.MapFS{"README.md": file(templateReadme)}, nil,
			withOrgDefaults(fstest.MapFS{"CODE_OF_CONDUCT.md": file(covenant14)}))
		wantResult(t, got, rules.StatusFail, "", 0, "CODE_OF_CONDUCT.md from the organisation default it-at-m/.github mentions the retired domain muenchendigital.io on line 12")
	})
	t.Run("retired parameter", func(t *testing.T) {
		got := docOne(t, rules.BrandContactDomain, fstest.MapFS{"README.md": file("Write to info@old-city.example.org\n")}, map[string]any{"retired": []any{"old-city.example.org"}})
		wantResult(t, got, rules.StatusFail, "README.md", 1, "old-city.example.org")
	})
	t.Run("nothing to read", func(t *testing.T) {
		got := docOne(t, rules.BrandContactDomain, fstest.MapFS{"main.go": file("package main // opensource@muenchendigital.io")}, nil)
		wantResult(t, got, rules.StatusPass, "", 0, "no file to read mentions muenchendigital.io")
	})
}

func TestBrandBadge(t *testing.T) {
	const inline = "[![Made with love by it@M](https://img.shields.io/badge/made%20with%20%E2%9D%A4%20by-it%40M-yellow?style=for-the-badge)](https://opensource.muenchen.de/)"
	tests := []struct {
		name   string
		readme string
		status rules.Status
		line   int
		frags  []string
	}{
		{"template reference links", templateReadme, rules.StatusPass, 12, []string{"carries the \"made with ❤ by it@M\" badge (line 12)"}},
		{"inline", "# X\n\n" + inline + "\n", rules.StatusPass, 3, nil},
		{"raw heart and no trailing slash", "# X\n[![it@M](https://img.shields.io/badge/made_with_❤️_by-it@M-yellow)](http://www.opensource.muenchen.de)\n", rules.StatusPass, 2, nil},
		{"HTML", "# X\n<p>\n  <a href=\"https://opensource.muenchen.de/\">\n    <img src=\"https://img.shields.io/badge/made%20with%20%E2%9D%A4%20by-it%40M-yellow?style=for-the-badge\" alt=\"Made with love by it@M\">\n  </a>\n</p>\n", rules.StatusPass, 3, nil},
		{"mixed inline image and reference link", "# X\n[![Made with love](https://img.shields.io/badge/made%20with%20%E2%9D%A4%20by-it%40M-yellow)][itm]\n\n[itm]: https://opensource.muenchen.de/\n", rules.StatusPass, 2, nil},
		{"links elsewhere", "# X\n[![Made with love](https://img.shields.io/badge/made%20with%20%E2%9D%A4%20by-it%40M-yellow)](https://github.com/it-at-m)\n", rules.StatusFail, 2, []string{"links to https://github.com/it-at-m", "link it to https://opensource.muenchen.de/"}},
		{"not a link", "# X\n\n![Made with love](https://img.shields.io/badge/made%20with%20%E2%9D%A4%20by-it%40M-yellow)\n", rules.StatusFail, 3, []string{"is not a link"}},
		{"defined but not shown", "# X\n\n[made-with-love-shield]: https://img.shields.io/badge/made%20with%20%E2%9D%A4%20by-it%40M-yellow?style=for-the-badge\n", rules.StatusFail, 3, []string{"defines the \"made with ❤ by it@M\" badge [made-with-love-shield] on line 3 but does not show it"}},
		{"only in a code block", "# X\n\n```md\n" + inline + "\n```\n", rules.StatusFail, 0, []string{"has no \"made with ❤ by it@M\" badge", "https://img.shields.io/badge/made%20with%20%E2%9D%A4%20by-it%40M-yellow"}},
		{"other badges only", "# X\n[![License](https://img.shields.io/github/license/it-at-m/x)](LICENSE)\n", rules.StatusFail, 0, []string{"has no"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := docOne(t, rules.BrandBadge, fstest.MapFS{"README.md": file(tt.readme)}, nil)
			wantResult(t, got, tt.status, "README.md", tt.line, tt.frags...)
		})
	}
	t.Run("no README", func(t *testing.T) {
		got := docOne(t, rules.BrandBadge, fstest.MapFS{}, nil)
		wantResult(t, got, rules.StatusNotApplicable, "", 0, "docs/readme")
	})
}

func TestIsItmBadge(t *testing.T) {
	yes := []string{
		"https://img.shields.io/badge/made%20with%20%E2%9D%A4%20by-it%40M-yellow?style=for-the-badge",
		"https://img.shields.io/badge/made%20with%20❤%20by-it%40M-yellow",
		"https://img.shields.io/badge/Made_with_love_by-it@M-blue",
	}
	no := []string{
		"https://img.shields.io/badge/made%20with%20%E2%9D%A4%20by-someone-yellow",
		"https://img.shields.io/github/license/it-at-m/x",
		"https://example.org/made%20with%20%E2%9D%A4%20by-it%40M",
		"%zz",
	}
	for _, u := range yes {
		if !rules.IsItmBadge(u) {
			t.Errorf("IsItmBadge(%q) = false", u)
		}
	}
	for _, u := range no {
		if rules.IsItmBadge(u) {
			t.Errorf("IsItmBadge(%q) = true", u)
		}
	}
}
