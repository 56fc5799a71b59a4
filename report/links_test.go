package report

import "testing"

func TestFileLink(t *testing.T) {
	github := Repository{Name: "it-at-m/app", URL: "https://github.com/it-at-m/app", Forge: "github", DefaultBranch: "main"}
	gitlab := Repository{Name: "lhm/sub/app", URL: "https://gitlab.opencode.de/lhm/sub/app/", Forge: "gitlab", DefaultBranch: "release/2.x"}
	noBranch := Repository{Name: "it-at-m/x", URL: "https://github.com/it-at-m/x", Forge: "github"}
	evil := Repository{Name: "it-at-m/evil", URL: "javascript:alert(1)", Forge: "github"}
	local := Repository{Name: "app", URL: "/home/dev/app", Forge: "local"}
	org := &Report{Repositories: []Repository{github, gitlab}}
	for _, tc := range []struct {
		name string
		r    *Report
		repo Repository
		path string
		line int
		want string
	}{
		{"github line", org, github, ".github/workflows/build.yml", 14, "https://github.com/it-at-m/app/blob/main/.github/workflows/build.yml#L14"},
		{"github file", org, github, "./LICENSE", 0, "https://github.com/it-at-m/app/blob/main/LICENSE"},
		{"escaped path", org, github, "docs/my file#1.md", 3, "https://github.com/it-at-m/app/blob/main/docs/my%20file%231.md#L3"},
		{"gitlab", org, gitlab, "README.md", 2, "https://gitlab.opencode.de/lhm/sub/app/-/blob/release/2.x/README.md#L2"},
		{"default branch unknown", org, noBranch, "README.md", 0, "https://github.com/it-at-m/x/blob/HEAD/README.md"},
		{"no path", org, github, "", 0, ""},
		{"not a web address", org, evil, "README.md", 1, ""},
		{"local checkout", &Report{Local: true, Repositories: []Repository{local}}, local, "LICENSE", 0, "LICENSE"},
		{"local checkout colon", &Report{Local: true, Repositories: []Repository{local}}, local, "a:b.md", 0, "./a:b.md"},
		{"folder of checkouts", &Report{Local: true, Repositories: []Repository{local, local}}, local, ".github/CODEOWNERS", 4, "app/.github/CODEOWNERS#L4"},
	} {
		if got := fileLink(tc.r, &tc.repo, tc.path, tc.line); got != tc.want {
			t.Errorf("%s: fileLink = %q, want %q", tc.name, got, tc.want)
		}
	}
}
