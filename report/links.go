package report

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/it-at-m/ospo-scan/forges"
)

// fileLink returns where a reader can open path (at line, if positive) of
// repo: on the forge for remote repositories (GitHub
// URL/blob/BRANCH/PATH#Lline, GitLab URL/-/blob/BRANCH/PATH#Lline), or a
// path relative to the scanned folder for local scans (PATH for one
// checkout, NAME/PATH for a folder of checkouts). It returns "" when there
// is nothing to link: no path, or a repository address that is not a web
// address.
func fileLink(r *Report, repo *Repository, path string, line int) string {
	path = strings.TrimPrefix(path, "./")
	prefix, ok := linkPrefix(r, repo)
	if path == "" || !ok {
		return ""
	}
	anchor := ""
	if line > 0 {
		anchor = "#L" + strconv.Itoa(line)
	}
	link := prefix + escapePath(path) + anchor
	if isWebURL(link) {
		return link
	}
	return relativeRef(link)
}

// linkPrefix is what fileLink puts before a file's escaped path: a forge
// address ending in "/blob/BRANCH/", or for local scans "" (one checkout)
// or "NAME/" (a folder of checkouts). ok is false when files cannot be
// linked.
func linkPrefix(r *Report, repo *Repository) (prefix string, ok bool) {
	if r.Local || repo.Forge == forges.Local {
		if len(r.Repositories) > 1 {
			return escapePath(repo.Name) + "/", true
		}
		return "", true
	}
	base := repoLink(repo)
	if base == "" {
		return "", false
	}
	branch := repo.DefaultBranch
	if branch == "" {
		// Both forges resolve HEAD to the default branch.
		branch = "HEAD"
	}
	sep := "/blob/"
	if repo.Forge == forges.GitLab {
		sep = "/-/blob/"
	}
	return strings.TrimSuffix(base, "/") + sep + escapePath(branch) + "/", true
}

// repoLink returns the repository's web address if it is an http(s) URL
// (never a javascript: or file: one), else "".
func repoLink(repo *Repository) string {
	if repo.Forge == forges.Local || !isWebURL(repo.URL) {
		return ""
	}
	return repo.URL
}

// escapePath percent-encodes each segment of a slash-separated path.
func escapePath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

// relativeRef keeps a relative reference from being read as a scheme
// ("a:b" would be one): it gets a leading "./".
func relativeRef(p string) string {
	first, _, _ := strings.Cut(p, "/")
	if strings.Contains(first, ":") {
		return "./" + p
	}
	return p
}
