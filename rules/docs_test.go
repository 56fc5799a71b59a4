package rules_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/it-at-m/ospo-scan/forges"
	"github.com/it-at-m/ospo-scan/rules"
)

// templateReadme follows the structure of the current refarch-templates
// README: reference-style links and badges on top, then Usage, Roadmap,
// Contributing, License and Contact.
const templateReadme = `<!-- General project links -->
[open-issues]: https://github.com/it-at-m/dave-backend/issues
[itm-opensource]: https://opensource.muenchen.de/
[license]: ../LICENSE

<!-- Shields.io links -->
[made-with-love-shield]: https://img.shields.io/badge/made%20with%20%E2%9D%A4%20by-it%40M-yellow?style=for-the-badge
[license-shield]: https://img.shields.io/github/license/it-at-m/dave-backend?style=for-the-badge

# DAVe Backend

[![Made with love by it@M][made-with-love-shield]][itm-opensource]
[![GitHub license][license-shield]][license]

The backend of DAVe collects traffic counts from the city's counting stations and offers them to the frontend.

## Usage

Start the service with the local profile and open the API documentation in a browser.

## Roadmap

See the [open issues][open-issues] for a full list of proposed features (and known issues).

## Contributing

Contributions are what make the open source community such an amazing place. Any contributions you make are **greatly appreciated**.

## License

Distributed under the MIT License. See [LICENSE][license] file for more information.

## Contact

it@M - opensource@muenchen.de
`

// covenant21 is the attribution part of the Contributor Covenant 2.1, as
// the template's .github/CODE_OF_CONDUCT.md ends.
const covenant21 = `# Contributor Covenant Code of Conduct

## Our Pledge

We as members, contributors, and leaders pledge to make participation in our
community a harassment-free experience for everyone.

## Enforcement

Instances of abusive, harassing, or otherwise unacceptable behavior may be
reported to the community leaders responsible for enforcement at <opensource@muenchen.de>.

## Attribution

This Code of Conduct is adapted from the [Contributor Covenant][homepage],
version 2.1, available at
[https://www.contributor-covenant.org/version/2/1/code_of_conduct.html][v2.1].

[homepage]: https://www.contributor-covenant.org
[v2.1]: https://www.contributor-covenant.org/version/2/1/code_of_conduct.html
`

const covenant14 = `# Contributor Covenant Code of Conduct

## Our Pledge

In the interest of fostering an open and welcoming environment, we as
contributors and maintainers pledge to making participation in our project and
our community a harassment-free experience for everyone.

## Enforcement

Instances of abusive, harassing, or otherwise unacceptable behavior may be
reported by contacting the project team at opensource@muenchendigital.io.

## Attribution

This Code of Conduct is adapted from the [Contributor Covenant][homepage], version 1.4,
available at https://www.contributor-covenant.org/version/1/4/code-of-conduct.html

[homepage]: https://www.contributor-covenant.org
`

func TestDocsReadme(t *testing.T) {
	big := make([]byte, forges.MaxFileSize+10)
	for i := range big {
		big[i] = 'x'
	}
	tests := []struct {
		name   string
		files  fstest.MapFS
		params map[string]any
		status rules.Status
		path   string
		frags  []string
	}{
		{"template README in .github", fstest.MapFS{".github/README.md": file(templateReadme)}, nil, rules.StatusPass, ".github/README.md", []string{".github/README.md", "bytes of text"}},
		{"root", fstest.MapFS{"README.md": file(templateReadme)}, nil, rules.StatusPass, "README.md", nil},
		{"docs", fstest.MapFS{"docs/README.md": file(templateReadme)}, nil, rules.StatusPass, "docs/README.md", nil},
		{"lower-case readme.MD", fstest.MapFS{"readme.MD": file(templateReadme)}, nil, rules.StatusPass, "readme.MD", nil},
		{".github wins even when shorter", fstest.MapFS{".github/README.md": file("# x\n\nsoon"), "README.md": file(templateReadme)}, nil, rules.StatusFail, ".github/README.md", []string{"only 6 bytes", "at least 200"}},
		{"missing", fstest.MapFS{"main.go": file("package main")}, nil, rules.StatusFail, "README.md", []string{"no README in .github/, the root or docs/"}},
		{"badges and title only", fstest.MapFS{"README.md": file("# dave\n\n[![a](https://img.shields.io/badge/a-b-c)](https://x.example/long/link/that/does/not/count/as/prose/at/all/because/it/is/markup/only/and/long)\n<div align=\"center\"><img src=\"logo.png\" width=\"80\" height=\"80\"></div>\n")}, nil, rules.StatusFail, "README.md", []string{"bytes of text besides markup"}},
		{"minBytes parameter", fstest.MapFS{"README.md": file("# dave\n\nA small tool.")}, map[string]any{"minBytes": 10}, rules.StatusPass, "README.md", nil},
		{"minBytes from YAML as float", fstest.MapFS{"README.md": file("# dave\n\nA small tool.")}, map[string]any{"minBytes": float64(500)}, rules.StatusFail, "README.md", []string{"at least 500"}},
		{"minBytes of the wrong type", fstest.MapFS{"README.md": file("# dave\n\nA small tool.")}, map[string]any{"minBytes": "many"}, rules.StatusError, "", []string{"minBytes", "whole number"}},
		{"binary", fstest.MapFS{"README.md": file("\x89PNG\r\n\x1a\n\x00\x00\x00")}, nil, rules.StatusFail, "README.md", []string{"not text", "NUL"}},
		{"invalid UTF-8", fstest.MapFS{"README.txt": file(strings.Repeat("M\xfcnchen ", 50))}, nil, rules.StatusFail, "README.txt", []string{"not valid UTF-8", "save it as UTF-8"}},
		{"over 1 MiB", fstest.MapFS{"README.md": &fstest.MapFile{Data: big}}, nil, rules.StatusError, "README.md", []string{"larger than 1 MiB"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := docOne(t, rules.DocsReadme, tt.files, tt.params)
			wantResult(t, got, tt.status, tt.path, 0, tt.frags...)
		})
	}
}

func TestDocsReadmeSections(t *testing.T) {
	tests := []struct {
		name   string
		readme string
		path   string
		params map[string]any
		status rules.Status
		frags  []string
	}{
		{"template", templateReadme, ".github/README.md", nil, rules.StatusPass, []string{"Contributing, License and Contact"}},
		{"emoji and numbering", "# X\n\n## 🤝 Contributing\n\n## 3. License\n\n## :email: Contact:\n", "README.md", nil, rules.StatusPass, nil},
		{"British Licence and setext", "X\n===\n\nContributing\n------------\n\nLicence\n-------\n\nContact\n-------\n", "README.md", nil, rules.StatusPass, nil},
		{"only a Contact section", "# X\n\n## Contact\n\nit@M - opensource@muenchen.de\n", "README.md", nil, rules.StatusFail, []string{"README.md lacks the sections Contributing and License", `it has "Contact"`}},
		{"older template with License commented out", "# X\n\n## About The Project\n\n<!-- CONTRIBUTING -->\n## Contributing\n\n<!-- LICENSE \n## License\n\nMIT\n-->\n\n<!-- CONTACT -->\n## Contact\n\nit@m\n", "README.md", nil, rules.StatusFail, []string{"lacks the section License"}},
		{"level-3 headings do not count", "# X\n\n### Contributing\n### License\n### Contact\n", "README.md", nil, rules.StatusFail, []string{"Contributing, License and Contact", "no level-2 sections"}},
		{"headings in code blocks do not count", "# X\n\n```md\n## Contributing\n## License\n## Contact\n```\n", "README.md", nil, rules.StatusFail, []string{"Contributing, License and Contact"}},
		{"sections parameter", "# X\n\n## Usage\n\n## Contact\n", "README.md", map[string]any{"sections": []any{"Usage", "Contact"}}, rules.StatusPass, []string{"Usage and Contact"}},
		{"README.rst", "Title\n=====\n\nContributing\n------------\n\nLicense\n-------\n\nContact\n-------\n", "README.rst", nil, rules.StatusPass, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := docOne(t, rules.DocsReadmeSections, fstest.MapFS{tt.path: file(tt.readme)}, tt.params)
			wantResult(t, got, tt.status, tt.path, 0, tt.frags...)
		})
	}
	t.Run("no README is docs/readme's finding", func(t *testing.T) {
		got := docOne(t, rules.DocsReadmeSections, fstest.MapFS{}, nil)
		wantResult(t, got, rules.StatusNotApplicable, "", 0, "no README", "docs/readme")
	})
	t.Run("binary README", func(t *testing.T) {
		got := docOne(t, rules.DocsReadmeSections, fstest.MapFS{"README.md": file("\x00\x01")}, nil)
		wantResult(t, got, rules.StatusNotApplicable, "", 0, "not text")
	})
}

func TestDocsContributing(t *testing.T) {
	org := withOrgDefaults(fstest.MapFS{"CONTRIBUTING.md": file("# How to contribute\n\nOpen an issue first.")})
	tests := []struct {
		name   string
		files  fstest.MapFS
		mods   []func(*forges.Repo)
		status rules.Status
		path   string
		line   int
		frags  []string
	}{
		{"file in docs", fstest.MapFS{"docs/CONTRIBUTING.md": file("Open an issue first.")}, nil, rules.StatusPass, "docs/CONTRIBUTING.md", 0, []string{"docs/CONTRIBUTING.md"}},
		{"organisation default", fstest.MapFS{"README.md": file("# x")}, []func(*forges.Repo){org}, rules.StatusPass, "", 0, []string{"CONTRIBUTING.md from the organisation default it-at-m/.github"}},
		{"README section", fstest.MapFS{".github/README.md": file(templateReadme)}, nil, rules.StatusPass, ".github/README.md", 25, []string{"no CONTRIBUTING file, but .github/README.md has a Contributing section (line 25)"}},
		{"neither", fstest.MapFS{"README.md": file("# x\n\n## Usage\n")}, nil, rules.StatusFail, "CONTRIBUTING.md", 0, []string{"no CONTRIBUTING file in the root, .github/ or docs/", "README.md has no Contributing section"}},
		{"neither, no README", fstest.MapFS{}, []func(*forges.Repo){withOrgDefaults(fstest.MapFS{})}, rules.StatusFail, "CONTRIBUTING.md", 0, []string{"or the organisation defaults it-at-m/.github", "there is no README"}},
		{"empty file", fstest.MapFS{"CONTRIBUTING.md": file(" \n\n")}, nil, rules.StatusFail, "CONTRIBUTING.md", 0, []string{"CONTRIBUTING.md is empty"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := docOne(t, rules.DocsContributing, tt.files, nil, tt.mods...)
			wantResult(t, got, tt.status, tt.path, tt.line, tt.frags...)
		})
	}
}

func TestDocsCodeOfConduct(t *testing.T) {
	runDocCases(t, rules.DocsCodeOfConduct, []docCase{
		{"template 2.1 in .github", fstest.MapFS{".github/CODE_OF_CONDUCT.md": file(covenant21)}, nil, nil, rules.StatusPass, ".github/CODE_OF_CONDUCT.md", 0, []string{".github/CODE_OF_CONDUCT.md: Contributor Covenant 2.1"}},
		{"organisation default", fstest.MapFS{"README.md": file("x")}, fstest.MapFS{"CODE_OF_CONDUCT.md": file(covenant21)}, nil, rules.StatusPass, "", 0, []string{"CODE_OF_CONDUCT.md from the organisation default it-at-m/.github: Contributor Covenant 2.1"}},
		{"version 1.4 fails", fstest.MapFS{"CODE_OF_CONDUCT.md": file(covenant14)}, nil, nil, rules.StatusFail, "CODE_OF_CONDUCT.md", 17, []string{"Contributor Covenant 1.4", "2.0 or 2.1", "update it to version 2.1"}},
		{"organisation default 1.4 fails without a line", fstest.MapFS{}, fstest.MapFS{"docs/code_of_conduct.md": file(covenant14)}, nil, rules.StatusFail, "", 0, []string{"docs/code_of_conduct.md from the organisation default it-at-m/.github is the Contributor Covenant 1.4"}},
		{"2.0 in words only", fstest.MapFS{"docs/CODE_OF_CONDUCT.md": file("# Code of Conduct\n\nAdapted from the Contributor Covenant, version 2.0.\n")}, nil, nil, rules.StatusPass, "docs/CODE_OF_CONDUCT.md", 0, []string{"Contributor Covenant 2.0"}},
		{"German translation link", fstest.MapFS{"CODE_OF_CONDUCT.md": file("# Verhaltenskodex\n\nhttps://www.contributor-covenant.org/de/version/2/1/code_of_conduct/\n")}, nil, nil, rules.StatusPass, "CODE_OF_CONDUCT.md", 0, []string{"2.1"}},
		{"Covenant without version", fstest.MapFS{"CODE_OF_CONDUCT.md": file("# Contributor Covenant Code of Conduct\n\nBe nice.\n")}, nil, nil, rules.StatusFail, "CODE_OF_CONDUCT.md", 1, []string{"version is not stated"}},
		{"another code", fstest.MapFS{"CODE_OF_CONDUCT.md": file("# Code of Conduct\n\nWe follow the Python Community Code of Conduct, version 3.\n")}, nil, nil, rules.StatusFail, "CODE_OF_CONDUCT.md", 0, []string{"is not the Contributor Covenant"}},
		{"missing", fstest.MapFS{"README.md": file("x")}, nil, nil, rules.StatusFail, ".github/CODE_OF_CONDUCT.md", 0, []string{"no CODE_OF_CONDUCT file in the root, .github/ or docs/"}},
		{"versions parameter", fstest.MapFS{"CODE_OF_CONDUCT.md": file(covenant21)}, nil, map[string]any{"versions": []any{"3.0"}}, rules.StatusFail, "CODE_OF_CONDUCT.md", 17, []string{"Contributor Covenant 2.1 (accepted: 3.0)"}},
		{"binary", fstest.MapFS{"CODE_OF_CONDUCT.md": file("\x00")}, nil, nil, rules.StatusFail, "CODE_OF_CONDUCT.md", 0, []string{"not text"}},
	})
}

func TestCovenantVersion(t *testing.T) {
	tests := []struct {
		text     string
		version  string
		covenant bool
	}{
		{covenant21, "2.1", true},
		{covenant14, "1.4", true},
		{"Contributor Covenant, Version 2.0", "2.0", true},
		{"see https://contributor-covenant.org/version/2/0/code_of_conduct", "2.0", true},
		{"Contributor-Covenant", "", true},
		{"Be excellent to each other. Version 2.1 of our rules.", "", false},
	}
	for _, tt := range tests {
		v, c, _ := rules.CovenantVersion([]byte(tt.text))
		if v != tt.version || c != tt.covenant {
			t.Errorf("CovenantVersion(%.40q) = %q, %v; want %q, %v", tt.text, v, c, tt.version, tt.covenant)
		}
	}
}

func TestDocsCodeowners(t *testing.T) {
	tests := []struct {
		name   string
		files  fstest.MapFS
		gitlab bool
		status rules.Status
		path   string
		line   int
		frags  []string
	}{
		{"template", fstest.MapFS{".github/CODEOWNERS": file("# These owners will be the default owners for everything in the repo.\n* @it-at-m/refarch-admin @it-at-m/refarch-maintainer\n\n/.github/CODEOWNERS @it-at-m/refarch-admin\n")}, false, rules.StatusPass, ".github/CODEOWNERS", 2, []string{"line 2", "@it-at-m/refarch-admin @it-at-m/refarch-maintainer"}},
		{"e-mail owner at the root", fstest.MapFS{"CODEOWNERS": file("*\topensource@muenchen.de # the OSPO\n")}, false, rules.StatusPass, "CODEOWNERS", 1, nil},
		{"missing", fstest.MapFS{"README.md": file("x")}, false, rules.StatusFail, ".github/CODEOWNERS", 0, []string{"no CODEOWNERS in .github/, the root, docs/ or .gitlab/"}},
		{"* without owner", fstest.MapFS{".github/CODEOWNERS": file("# owners\n*\n/docs/ @it-at-m/docs\n")}, false, rules.StatusFail, ".github/CODEOWNERS", 2, []string{"line 2 names no owner"}},
		{"commented out", fstest.MapFS{"docs/CODEOWNERS": file("# * @it-at-m/team\n/src/ @it-at-m/dev\n")}, false, rules.StatusFail, "docs/CODEOWNERS", 1, []string{"line 1 is commented out"}},
		{"no default rule", fstest.MapFS{".github/CODEOWNERS": file("/src/ @it-at-m/dev\n*.md @it-at-m/docs\n")}, false, rules.StatusFail, ".github/CODEOWNERS", 0, []string{"2 rules but no default"}},
		{"empty", fstest.MapFS{".github/CODEOWNERS": file("# nothing yet\n")}, false, rules.StatusFail, ".github/CODEOWNERS", 0, []string{"has no rules"}},
		{"the first file found wins", fstest.MapFS{".github/CODEOWNERS": file("/src/ @a\n"), "CODEOWNERS": file("* @b\n")}, false, rules.StatusFail, ".github/CODEOWNERS", 0, []string{"no default"}},
		{"GitLab location", fstest.MapFS{".gitlab/CODEOWNERS": file("* @landeshauptstadt-muenchen/team\n")}, true, rules.StatusPass, ".gitlab/CODEOWNERS", 1, []string{"GitLab location"}},
		{"GitLab section default owners", fstest.MapFS{"CODEOWNERS": file("[Backend] @group/backend\n*\n")}, true, rules.StatusPass, "CODEOWNERS", 2, []string{"@group/backend"}},
		{"GitLab mirror keeps .github", fstest.MapFS{".github/CODEOWNERS": file("* @a\n")}, true, rules.StatusPass, ".github/CODEOWNERS", 1, []string{"mirrored project", "GitLab itself reads CODEOWNERS from the root, docs/ or .gitlab/"}},
		{"GitLab without any", fstest.MapFS{"README.md": file("x")}, true, rules.StatusFail, "CODEOWNERS", 0, []string{"the root, docs/, .gitlab/ or .github/"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mods []func(*forges.Repo)
			if tt.gitlab {
				mods = append(mods, onGitLab)
			}
			got := docOne(t, rules.DocsCodeowners, tt.files, nil, mods...)
			wantResult(t, got, tt.status, tt.path, tt.line, tt.frags...)
		})
	}
}
