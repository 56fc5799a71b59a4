package forges

import (
	"fmt"
	"net/url"
	"strings"
)

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

// Target is a parsed TARGET argument.
type Target struct {
	Raw   string
	Forge string // GitHub or GitLab
	Host  string // "github.com", "gitlab.opencode.de", a GHES host
	// Path is the owner/group path ("it-at-m", "a/b/c") or, for a
	// repository, the full path ("it-at-m/dave-backend", "a/b/project").
	Path string
}

// ParseTarget parses a remote TARGET of the `repo` or `org` command.
// forge is the --forge flag ("", "github" or "gitlab"); it decides the forge
// for a host that does not say it. A bare path ("it-at-m",
// "it-at-m/dave-backend") is on github.com.
func ParseTarget(raw, forge string) (Target, error) {
	s := strings.TrimSpace(raw)
	s = strings.TrimPrefix(strings.TrimPrefix(s, "https://"), "http://")
	s = strings.Trim(s, "/")
	s = strings.TrimSuffix(s, ".git")
	if s == "" {
		return Target{}, Userf("empty target: name an organisation (it-at-m), a repository (it-at-m/dave-backend) or a host path (gitlab.opencode.de/GROUP)")
	}
	t := Target{Raw: raw, Host: "github.com", Path: s}
	first, rest, hasRest := strings.Cut(s, "/")
	if strings.Contains(first, ".") || strings.Contains(first, ":") {
		// The first element is a host name.
		if _, err := url.Parse("https://" + first); err != nil || !hasRest || rest == "" {
			return Target{}, Userf("target %q names a host but no organisation or group: write HOST/GROUP, e.g. %s/it-at-m", raw, first)
		}
		t.Host, t.Path = strings.ToLower(first), rest
	}
	switch forge {
	case "":
		switch {
		case t.Host == "github.com":
			t.Forge = GitHub
		case strings.HasPrefix(t.Host, "gitlab."):
			t.Forge = GitLab
		default:
			return Target{}, Userf("cannot tell which forge %s is: add --forge github or --forge gitlab", t.Host)
		}
	case GitHub, GitLab:
		t.Forge = forge
	default:
		return Target{}, Userf("invalid --forge %q: use github or gitlab", forge)
	}
	for _, part := range strings.Split(t.Path, "/") {
		if part == "" || part == "." || part == ".." {
			return Target{}, Userf("target %q has an empty or relative path element", raw)
		}
	}
	return t, nil
}

// Segments returns the number of path elements: 1 for an organisation,
// 2 for a GitHub repository, any number for GitLab groups and projects.
func (t Target) Segments() int { return strings.Count(t.Path, "/") + 1 }

func (t Target) String() string {
	if t.Host == "github.com" && t.Forge == GitHub {
		return t.Path
	}
	return t.Host + "/" + t.Path
}
