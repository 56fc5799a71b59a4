package textwrap

import "testing"

func TestWrap(t *testing.T) {
	for _, tc := range []struct {
		in    string
		width int
		want  string
	}{
		{"the quick brown fox jumps", 10, "the quick\nbrown fox\njumps"},
		{"  one\n\ntwo   three  ", 80, "one\n\ntwo three"},
		{"a https://example.org/a/very/long/address b", 10, "a\nhttps://example.org/a/very/long/address\nb"},
		{"", 10, ""},
		{"Variables:\n  repo.name  string\n  files.read(path)  string\n\nand more words here", 10, "Variables:\n  repo.name  string\n  files.read(path)  string\n\nand more\nwords here"},
	} {
		if got := Wrap(tc.in, tc.width); got != tc.want {
			t.Errorf("Wrap(%q, %d) = %q, want %q", tc.in, tc.width, got, tc.want)
		}
	}
}
