// Package gitlab reads groups and projects from a GitLab server (gitlab.com
// or a self-hosted instance such as gitlab.opencode.de) through the REST
// API v4, with gitlab.com/gitlab-org/api/client-go.
//
// A group is listed with all its subgroups in one paginated listing; each
// project becomes a forges.Meta from that listing alone, and its default
// branch a lazily fetched read-only fs.FS that asks the API only for the
// directories and files rules read, each at most once. Authentication,
// caching, rate limits and retries are not done here: they live in the
// *http.Client the caller passes in (forges/httpx), so that GitHub and
// GitLab share one transport stack.
package gitlab

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	gl "gitlab.com/gitlab-org/api/client-go"

	"github.com/it-at-m/ospo-scan/forges"
)

// AnonymousNotice is logged once per Forge when no token is configured.
const AnonymousNotice = "no GITLAB_TOKEN: reading public projects anonymously; GitLab limits unauthenticated requests"

// maxPages bounds every paginated listing: 10,000 pages of 100 are a
// million projects or tree entries, far beyond any real group, so reaching
// the bound means the server is paginating in a loop.
const maxPages = 10000

// Options configure a Forge.
type Options struct {
	// HTTPClient sends every request. It carries the PRIVATE-TOKEN header,
	// the ETag cache, rate-limit handling and retries; nil means
	// http.DefaultClient (anonymous, uncached).
	HTTPClient *http.Client
	// APIURL is the API base; empty means https://HOST/api/v4.
	APIURL string
	// Host names the server in reports and messages ("gitlab.opencode.de").
	Host string
	// Token says whether a GITLAB_TOKEN is configured. The token itself
	// stays in the transport and never reaches this package.
	Token bool
	// Logf prints one-line notices (anonymous access, empty groups, user
	// namespaces); nil discards them.
	Logf func(format string, args ...any)
}

// Forge is one GitLab server.
type Forge struct {
	client *gl.Client
	hc     *http.Client
	host   string
	api    string
	token  bool
	logf   func(format string, args ...any)
}

// New returns a Forge for opts.Host. It fails with a forges.UserError when
// APIURL is not an http(s) URL.
func New(opts Options) (*Forge, error) {
	if opts.Host == "" {
		return nil, errors.New("gitlab: Options.Host is empty")
	}
	api := opts.APIURL
	if api == "" {
		api = "https://" + opts.Host + "/api/v4"
	}
	u, err := url.Parse(api)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, forges.Userf("--api-url %q is not an http(s) URL: write it as https://%s/api/v4", api, opts.Host)
	}
	hc := opts.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	logf := opts.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	c, err := gl.NewAuthSourceClient(gl.Unauthenticated{},
		gl.WithBaseURL(u.String()),
		gl.WithHTTPClient(hc),
		// Retries and rate limits belong to the shared transport; the
		// client's own would multiply attempts and throttle a second time.
		gl.WithoutRetries(),
		gl.WithCustomLimiter(noLimit{}),
		gl.WithUserAgent("ospo-scan"),
	)
	if err != nil {
		return nil, fmt.Errorf("gitlab client for %s: %w", opts.Host, err)
	}
	f := &Forge{client: c, hc: hc, host: opts.Host, api: u.String(), token: opts.Token, logf: logf}
	if !opts.Token {
		logf("%s", AnonymousNotice)
	}
	return f, nil
}

type noLimit struct{}

func (noLimit) Wait(context.Context) error { return nil }

// Source returns the group (isRepo false) or project (isRepo true) that t
// names. It makes no request; List does.
func (f *Forge) Source(_ context.Context, t forges.Target, isRepo bool) (forges.Source, error) {
	p := strings.Trim(t.Path, "/")
	if p == "" {
		return nil, forges.Userf("target %q names no group on %s", t.Raw, f.host)
	}
	if isRepo && !strings.Contains(p, "/") {
		return nil, forges.Userf("repo %s: name a project as %s/GROUP/PROJECT (use `ospo-scan org %s/%s` for the whole group)", t, f.host, f.host, p)
	}
	return &source{f: f, target: targetName(t), path: p, isRepo: isRepo}, nil
}

// source is a group or a single project.
type source struct {
	f      *Forge
	target string
	path   string
	isRepo bool
}

func (s *source) Target() string { return s.target }

// List implements forges.Source. A group lists every project of the group
// and its subgroups, archived ones and forks included, sorted by full path.
func (s *source) List(ctx context.Context) ([]forges.Meta, error) {
	if s.isRepo {
		p, err := s.f.project(ctx, s.path)
		if err != nil {
			return nil, err
		}
		return []forges.Meta{s.f.meta(p)}, nil
	}
	projects, err := s.f.groupProjects(ctx, s.path)
	if err != nil {
		return nil, err
	}
	out := make([]forges.Meta, 0, len(projects))
	for _, p := range projects {
		out = append(out, s.f.meta(p))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].FullName < out[j].FullName })
	return out, nil
}

// Open implements forges.Source. It makes no request: the file tree is
// fetched as rules read it.
func (s *source) Open(ctx context.Context, m forges.Meta) (*forges.Repo, error) {
	ref, ok := m.Handle.(*projectRef)
	if !ok {
		return nil, fmt.Errorf("open %s: not a GitLab project of %s", m.FullName, s.f.host)
	}
	return &forges.Repo{Meta: m, FS: newFS(ctx, s.f, ref)}, nil
}

// projectRef is Meta.Handle for GitLab projects.
type projectRef struct {
	id       int64
	fullName string
	branch   string // "" for an empty repository
}

func (f *Forge) meta(p *gl.Project) forges.Meta {
	name := p.Path
	if name == "" {
		name = p.PathWithNamespace[strings.LastIndex(p.PathWithNamespace, "/")+1:]
	}
	topics := p.Topics
	if topics == nil {
		topics = []string{}
	}
	m := forges.Meta{
		Forge:              forges.GitLab,
		Host:               f.host,
		FullName:           p.PathWithNamespace,
		Name:               name,
		URL:                p.WebURL,
		Description:        forges.Known(p.Description),
		Topics:             forges.Known(topics),
		Homepage:           forges.Unknown[string]("GitLab projects have no homepage setting"),
		Visibility:         forges.Known(string(p.Visibility)),
		Archived:           p.Archived,
		Fork:               p.ForkedFromProject != nil,
		ForgeLicense:       forges.Unknown[string]("GitLab does not report a licence in its project listing; the licence files decide"),
		PrivateReporting:   forges.Unknown[bool]("GitLab has no private vulnerability reporting"),
		CodeQLDefaultSetup: forges.Now(forges.Unknown[bool]("GitLab has no CodeQL default setup")),
	}
	ref := &projectRef{id: p.ID, fullName: p.PathWithNamespace}
	if p.DefaultBranch != "" && !p.EmptyRepo {
		m.DefaultBranch = forges.Known(p.DefaultBranch)
		ref.branch = p.DefaultBranch
	} else {
		m.DefaultBranch = forges.Unknown[string]("the project has no commits yet, so it has no default branch")
	}
	m.Handle = ref
	return m
}

// project reads one project by its full path.
func (f *Forge) project(ctx context.Context, path string) (*gl.Project, error) {
	p, _, err := f.client.Projects.GetProject(path, &gl.GetProjectOptions{}, gl.WithContext(ctx))
	if err == nil {
		return p, nil
	}
	if errors.Is(err, gl.ErrNotFound) {
		// Say so when the user named a group: one more request, only on
		// the error path.
		if f.isGroup(ctx, path) {
			return nil, forges.Userf("%s on %s is a group, not a project: scan it with `ospo-scan org %s/%s`", path, f.host, f.host, path)
		}
		return nil, forges.Userf("project %s not found on %s%s", path, f.host, f.privateHint())
	}
	return nil, f.apiError(err, "project "+path)
}

// isGroup says whether path names a group the caller can see.
func (f *Forge) isGroup(ctx context.Context, path string) bool {
	req, err := f.client.NewRequest(http.MethodGet, "groups/"+gl.PathEscape(path), &struct {
		WithProjects bool `url:"with_projects"`
	}{}, []gl.RequestOptionFunc{gl.WithContext(ctx)})
	if err != nil {
		return false
	}
	var g struct {
		ID int64 `json:"id"`
	}
	_, err = f.client.Do(req, &g)
	return err == nil && g.ID != 0
}

// groupProjects lists the projects of a group and all its subgroups, or
// of a user when path names a user namespace.
func (f *Forge) groupProjects(ctx context.Context, path string) ([]*gl.Project, error) {
	opt := &gl.ListGroupProjectsOptions{
		ListOptions:      gl.ListOptions{PerPage: 100},
		IncludeSubGroups: gl.Ptr(true),
		// Projects shared into the group from elsewhere are not the
		// group's: their owners publish them.
		WithShared: gl.Ptr(false),
		// The group listing offers offset pagination only; ordering by id
		// keeps pages stable while projects are created during the scan.
		OrderBy: gl.Ptr("id"),
		Sort:    gl.Ptr("asc"),
	}
	what := "group " + path
	projects, err := f.listProjects(ctx, what, func(page gl.RequestOptionFunc) ([]*gl.Project, *gl.Response, error) {
		return f.client.Groups.ListGroupProjects(path, opt, gl.WithContext(ctx), page)
	})
	if errors.Is(err, gl.ErrNotFound) {
		if !strings.Contains(path, "/") {
			if ps, ok, uerr := f.userProjects(ctx, path); uerr != nil || ok {
				return ps, uerr
			}
		} else if _, _, perr := f.client.Projects.GetProject(path, &gl.GetProjectOptions{}, gl.WithContext(ctx)); perr == nil {
			return nil, forges.Userf("%s on %s is a project, not a group: scan it with `ospo-scan repo %s/%s`", path, f.host, f.host, path)
		}
		return nil, forges.Userf("group %s not found on %s%s", path, f.host, f.privateHint())
	}
	if err != nil {
		return nil, f.apiError(err, what)
	}
	if len(projects) == 0 {
		f.logf("group %s on %s has no projects%s", path, f.host, f.visibleHint())
	}
	return projects, nil
}

// userProjects lists a user's personal projects; ok is false when no such
// user exists.
func (f *Forge) userProjects(ctx context.Context, username string) (_ []*gl.Project, ok bool, _ error) {
	users, _, err := f.client.Users.ListUsers(&gl.ListUsersOptions{Username: gl.Ptr(username)}, gl.WithContext(ctx))
	if err != nil {
		if ctx.Err() != nil {
			return nil, false, ctx.Err()
		}
		// Some instances hide their users from visitors; the group was
		// not found either way, and that is the message to give.
		return nil, false, nil
	}
	var uid int64
	for _, u := range users {
		if strings.EqualFold(u.Username, username) {
			uid = u.ID
		}
	}
	if uid == 0 {
		return nil, false, nil
	}
	f.logf("%s on %s is a user, not a group: scanning the user's personal projects", username, f.host)
	opt := &gl.ListProjectsOptions{
		ListOptions: gl.ListOptions{PerPage: 100},
		OrderBy:     gl.Ptr("id"),
		Sort:        gl.Ptr("asc"),
	}
	what := "user " + username
	projects, err := f.listProjects(ctx, what, func(page gl.RequestOptionFunc) ([]*gl.Project, *gl.Response, error) {
		return f.client.Projects.ListUserProjects(uid, opt, gl.WithContext(ctx), page)
	})
	if err != nil {
		return nil, true, f.apiError(err, what)
	}
	if len(projects) == 0 {
		f.logf("user %s on %s has no projects%s", username, f.host, f.visibleHint())
	}
	return projects, true, nil
}

func (f *Forge) listProjects(ctx context.Context, what string, fetch func(gl.RequestOptionFunc) ([]*gl.Project, *gl.Response, error)) ([]*gl.Project, error) {
	return paginate(ctx, f.host, what, fetch, func(p *gl.Project) string { return strconv.FormatInt(p.ID, 10) })
}

// errLoop is wrapped by errors for a server that paginates forever.
var errLoop = errors.New("pagination loop")

// paginate fetches every page of a listing, following the Link rel="next"
// header (keyset, and offset on current GitLab) or else X-Next-Page. A
// broken server cannot make it loop: a next-page key seen before, a page
// of nothing but items already seen, or maxPages pages end the listing
// with an error. Items repeated on an otherwise new page (an offset
// listing shifted by a concurrent change) are dropped.
func paginate[T any](ctx context.Context, host, what string, fetch func(gl.RequestOptionFunc) ([]T, *gl.Response, error), key func(T) string) ([]T, error) {
	var (
		out   []T
		page  gl.RequestOptionFunc
		seen  = map[string]bool{}
		nexts = map[string]bool{}
	)
	for n := 1; ; n++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		items, resp, err := fetch(page)
		if err != nil {
			return nil, err
		}
		fresh := 0
		for _, it := range items {
			k := key(it)
			if seen[k] {
				continue
			}
			seen[k] = true
			fresh++
			out = append(out, it)
		}
		next, nextKey := nextPage(resp)
		if next == nil {
			return out, nil
		}
		switch {
		case len(items) > 0 && fresh == 0:
			return nil, fmt.Errorf("listing %s on %s: page %d repeats only items already listed: %w; the server's listing does not end", what, host, n, errLoop)
		case nexts[nextKey]:
			return nil, fmt.Errorf("listing %s on %s: the server points to page %q again after page %d: %w", what, host, nextKey, n, errLoop)
		case n >= maxPages:
			return nil, fmt.Errorf("listing %s on %s: still more pages after %d pages: %w", what, host, n, errLoop)
		}
		nexts[nextKey] = true
		page = next
	}
}

// nextPage returns the request option for the next page and a key that
// identifies it, or nil on the last page.
func nextPage(resp *gl.Response) (gl.RequestOptionFunc, string) {
	if resp == nil {
		return nil, ""
	}
	if resp.NextLink != "" {
		return gl.WithKeysetPaginationParameters(resp.NextLink), nextLinkKey(resp.NextLink)
	}
	if resp.NextPage > 0 {
		return gl.WithOffsetPaginationParameters(resp.NextPage), "page=" + strconv.FormatInt(resp.NextPage, 10)
	}
	return nil, ""
}

// nextLinkKey reduces a next link to its query, the part that moves from
// page to page (the token never is in it: it travels in a header).
func nextLinkKey(link string) string {
	u, err := url.Parse(link)
	if err != nil {
		return link
	}
	return u.Query().Encode()
}

// apiError turns an API failure into the message a user can act on.
func (f *Forge) apiError(err error, what string) error {
	var er *gl.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		switch er.Response.StatusCode {
		case http.StatusUnauthorized:
			if f.token {
				return forges.Userf("%s refused the token in GITLAB_TOKEN (401 Unauthorized): it is invalid, expired or revoked; create a personal access token with the read_api scope", f.host)
			}
			return forges.Userf("%s requires a token (401 Unauthorized): set GITLAB_TOKEN to a personal access token with the read_api scope", f.host)
		case http.StatusForbidden:
			return forges.Userf("%s on %s is forbidden (403): the token needs the read_api scope and access to it", what, f.host)
		}
		return fmt.Errorf("reading %s on %s: HTTP %d %s", what, f.host, er.Response.StatusCode, strings.TrimSpace(er.Message))
	}
	var dns *net.DNSError
	var op *net.OpError
	if errors.As(err, &dns) || errors.As(err, &op) && op.Op == "dial" {
		return forges.Userf("cannot reach the GitLab API at %s: %v; check --api-url and the network", f.api, concise(err))
	}
	return fmt.Errorf("reading %s on %s: %w", what, f.host, concise(err))
}

// concise drops what a user cannot act on from a transport error: the
// method and URL that *url.Error adds, and names a decoding failure as the
// server's malformed answer. The result still wraps the cause.
func concise(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		err = ue.Err
	}
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	if errors.As(err, &se) || errors.As(err, &te) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("the server sent malformed JSON (%w)", err)
	}
	return err
}

func (f *Forge) privateHint() string {
	if f.token {
		return ""
	}
	return " (if it is private, set GITLAB_TOKEN)"
}

func (f *Forge) visibleHint() string {
	if f.token {
		return " that the token can see"
	}
	return " that are public (set GITLAB_TOKEN to see private ones)"
}

// targetName is the target as the user wrote it (forges.Source.Target),
// or its normal form when it was built without one.
func targetName(t forges.Target) string {
	if t.Raw != "" {
		return t.Raw
	}
	return t.String()
}
