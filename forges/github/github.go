// Package github scans organisations, users and repositories on GitHub
// and GitHub Enterprise Server through the REST API (go-github).
//
// A scan costs few requests: the listing (100 repositories per page)
// carries the metadata, so opening a repository needs only its two
// forge-only facts (private vulnerability reporting, CodeQL default
// setup); its files come from one recursive tree listing and then one
// blob per file a rule actually reads. Blobs are addressed by their Git
// SHA, so identical files (templates shared across an organisation) are
// fetched once per scan and, with the disk cache, never again. The
// organisation's public ".github" repository, whose community-health files
// GitHub shows for repositories without their own, is read once per scan.
//
// Authentication, rate limits, retries and the HTTP cache live in
// forges/httpx; this package turns API answers into forges types and API
// errors into messages a user can act on.
package github

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"

	gh "github.com/google/go-github/v93/github"

	"github.com/it-at-m/ospo-scan/forges"
	"github.com/it-at-m/ospo-scan/forges/httpx"
)

// Options configure New.
type Options struct {
	// Host is the forge's host name as the target names it: "github.com"
	// or a GitHub Enterprise host. Default "github.com".
	Host string
	// APIURL is the REST API base: "https://HOST/api/v3/" for GitHub
	// Enterprise; a bare "https://HOST" gets "/api/v3/" appended. Default
	// https://api.github.com/ for github.com, else https://HOST/api/v3/.
	APIURL string

	// Token authenticates; "" reads anonymously (60 requests per hour on
	// github.com). TokenEnv names where it came from, for messages
	// ("GITHUB_TOKEN").
	Token    string
	TokenEnv string
	// CacheDir is the HTTP cache root ("" disables the cache).
	CacheDir string
	// NoWait stops at an exhausted rate limit instead of waiting.
	NoWait bool
	// Logf prints one-line notices to the user (stderr). Nil discards.
	Logf func(format string, args ...any)

	// HTTPClient, when set, is used instead of building one from the
	// fields above with httpx (tests); Stats are then the caller's.
	HTTPClient *http.Client
	Stats      *httpx.Stats
	// HTTP adjusts the httpx options New builds (tests: clock, retries).
	HTTP func(*httpx.Options)
}

// Forge is a connection to one GitHub host. Make one per host and scan
// every target of that host through it: the organisation defaults and the
// blob cache are shared.
type Forge struct {
	client  *gh.Client
	host    string
	apiURL  *url.URL
	logf    func(string, ...any)
	stats   *httpx.Stats
	noWait  bool
	token   bool
	tokenEn string

	mu       sync.Mutex
	defaults map[string]*orgDefaults // by lower-cased owner
	blobs    *blobCache
}

// TokenFromEnv returns the GitHub token from GITHUB_TOKEN or else GH_TOKEN,
// and the variable's name; "" and "" when neither is set.
func TokenFromEnv(getenv func(string) string) (token, name string) {
	for _, n := range []string{"GITHUB_TOKEN", "GH_TOKEN"} {
		if v := strings.TrimSpace(getenv(n)); v != "" {
			return v, n
		}
	}
	return "", ""
}

// New returns a Forge. It fails with a forges.UserError when APIURL is not
// a usable URL. Without a token it prints the anonymous-access notice.
func New(opts Options) (*Forge, error) {
	host := strings.ToLower(opts.Host)
	if host == "" {
		host = "github.com"
	}
	base, err := apiBase(opts.APIURL, host)
	if err != nil {
		return nil, err
	}
	logf := opts.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	f := &Forge{
		host: host, apiURL: base, logf: logf, noWait: opts.NoWait,
		token: opts.Token != "", tokenEn: opts.TokenEnv,
		defaults: map[string]*orgDefaults{},
		blobs:    newBlobCache(8 << 20),
	}
	client, stats := opts.HTTPClient, opts.Stats
	if client == nil {
		ho := httpx.Options{
			Token:      opts.Token,
			AuthHeader: httpx.BearerAuth,
			Host:       host,
			APIHost:    base.Host,
			CacheDir:   opts.CacheDir,
			Immutable:  isBlobRequest,
			NoWait:     opts.NoWait,
			Logf:       logf,
		}
		if opts.HTTP != nil {
			opts.HTTP(&ho)
		}
		client, stats = httpx.New(ho)
	}
	f.stats = stats
	upload := base.String()
	bs := base.String()
	f.client, err = gh.NewClient(
		gh.WithHTTPClient(client),
		gh.WithURLs(&bs, &upload),
		// Rate limits are the transport's business: go-github's own
		// check would fail requests the transport is willing to wait for.
		gh.WithDisableRateLimitCheck(),
		gh.WithUserAgent("ospo-scan"),
	)
	if err != nil {
		return nil, forges.Userf("invalid --api-url %q: %v", opts.APIURL, err)
	}
	if opts.Token == "" {
		logf("no GITHUB_TOKEN or GH_TOKEN: reading anonymously, limited to 60 requests per hour")
	}
	return f, nil
}

// Stats returns the transport's counters (nil when the caller supplied its
// own HTTP client without Stats).
func (f *Forge) Stats() *httpx.Stats { return f.stats }

// apiBase works out the API base URL.
func apiBase(raw, host string) (*url.URL, error) {
	if raw == "" {
		if host == "github.com" {
			return url.Parse("https://api.github.com/")
		}
		return url.Parse("https://" + host + "/api/v3/")
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, forges.Userf("invalid --api-url %q: give the API's address, e.g. https://github.example.com/api/v3/", raw)
	}
	if (u.Path == "" || u.Path == "/") && !strings.HasPrefix(u.Host, "api.") {
		u.Path = "/api/v3/"
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	return u, nil
}

// isBlobRequest reports a request for a Git blob by SHA: its answer never
// changes, so the cache may answer it without asking.
func isBlobRequest(r *http.Request) bool {
	p := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	n := len(p)
	return n >= 6 && p[n-6] == "repos" && p[n-3] == "git" && p[n-2] == "blobs" && isSHA(p[n-1])
}

func isSHA(s string) bool {
	if len(s) != 40 && len(s) != 64 {
		return false
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// Source binds a target to the forge: an organisation or user (one path
// element) or a repository (two).
func (f *Forge) Source(ctx context.Context, t forges.Target) (forges.Source, error) {
	parts := strings.Split(t.Path, "/")
	switch len(parts) {
	case 1:
		return &ownerSource{f: f, target: t, owner: parts[0]}, nil
	case 2:
		return &repoSource{f: f, target: t, owner: parts[0], name: parts[1]}, nil
	}
	return nil, forges.Userf("%s is not a GitHub organisation (OWNER) or repository (OWNER/REPO)", t.Raw)
}

// handle is what Open needs beyond Meta.
type handle struct {
	owner, name, branch string
	private             bool
}

type ownerSource struct {
	f      *Forge
	target forges.Target
	owner  string
}

func (s *ownerSource) Target() string { return s.target.Raw }

// List lists every repository of the organisation, or of the user when no
// organisation has that name.
func (s *ownerSource) List(ctx context.Context) ([]forges.Meta, error) {
	f := s.f
	repos, err := f.listAll(ctx, func(o gh.ListOptions) ([]*gh.Repository, *gh.Response, error) {
		return f.client.Repositories.ListByOrg(ctx, s.owner, &gh.RepositoryListByOrgOptions{Type: "all", ListOptions: o})
	})
	if status(err) == http.StatusNotFound {
		user, _, uerr := f.client.Users.Get(ctx, s.owner)
		switch {
		case status(uerr) == http.StatusNotFound:
			return nil, forges.Userf("organisation %s not found on %s", s.owner, f.host)
		case uerr != nil:
			return nil, f.listError(s.owner, uerr)
		case user.GetType() == "Organization":
			// Organisations answer /orgs; one that does not is hidden
			// from this token.
			return nil, forges.Userf("organisation %s on %s cannot be listed with this token", s.owner, f.host)
		}
		repos, err = f.listAll(ctx, func(o gh.ListOptions) ([]*gh.Repository, *gh.Response, error) {
			return f.client.Repositories.ListByUser(ctx, s.owner, &gh.RepositoryListByUserOptions{Type: "owner", ListOptions: o})
		})
	}
	if err != nil {
		return nil, f.listError(s.owner, err)
	}
	metas := make([]forges.Meta, 0, len(repos))
	for _, r := range repos {
		if strings.EqualFold(r.GetName(), ".github") {
			f.knowDefaultsRepo(s.owner, r)
		}
		metas = append(metas, f.meta(r))
	}
	f.knowDefaultsRepo(s.owner, nil) // the listing is complete: none means none
	sort.Slice(metas, func(i, j int) bool { return metas[i].FullName < metas[j].FullName })
	f.budgetNotice(len(metas))
	return metas, nil
}

func (s *ownerSource) Open(ctx context.Context, m forges.Meta) (*forges.Repo, error) {
	return s.f.open(ctx, m)
}

type repoSource struct {
	f           *Forge
	target      forges.Target
	owner, name string
}

func (s *repoSource) Target() string { return s.target.Raw }

func (s *repoSource) List(ctx context.Context) ([]forges.Meta, error) {
	r, _, err := s.f.client.Repositories.Get(ctx, s.owner, s.name)
	if status(err) == http.StatusNotFound {
		return nil, forges.Userf("repository %s/%s not found on %s", s.owner, s.name, s.f.host)
	}
	if err != nil {
		return nil, s.f.listError(s.owner+"/"+s.name, err)
	}
	return []forges.Meta{s.f.meta(r)}, nil
}

func (s *repoSource) Open(ctx context.Context, m forges.Meta) (*forges.Repo, error) {
	return s.f.open(ctx, m)
}

// maxPages bounds a listing (100,000 repositories) against a server whose
// pages never end.
const maxPages = 1000

// listAll follows the pages of a listing.
func (f *Forge) listAll(ctx context.Context, page func(gh.ListOptions) ([]*gh.Repository, *gh.Response, error)) ([]*gh.Repository, error) {
	var all []*gh.Repository
	opt := gh.ListOptions{PerPage: 100}
	for pages := 1; ; pages++ {
		if pages > maxPages {
			return nil, fmt.Errorf("the listing did not end after %d pages", maxPages)
		}
		rs, resp, err := page(opt)
		if err != nil {
			return nil, err
		}
		all = append(all, rs...)
		if resp == nil || resp.NextPage == 0 || resp.NextPage == opt.Page {
			return all, nil
		}
		opt.Page = resp.NextPage
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
}

// meta converts a listed (or fetched) repository.
func (f *Forge) meta(r *gh.Repository) forges.Meta {
	owner := r.GetOwner().GetLogin()
	full := r.GetFullName()
	if full == "" {
		full = owner + "/" + r.GetName()
	}
	vis := r.GetVisibility()
	if vis == "" {
		vis = "public"
		if r.GetPrivate() {
			vis = "private"
		}
	}
	topics := r.Topics
	if topics == nil {
		topics = []string{}
	}
	web := r.GetHTMLURL()
	if web == "" {
		web = "https://" + f.host + "/" + full
	}
	return forges.Meta{
		Forge:         forges.GitHub,
		Host:          f.host,
		FullName:      full,
		Name:          r.GetName(),
		URL:           web,
		Description:   forges.Known(r.GetDescription()),
		Topics:        forges.Known(topics),
		Homepage:      forges.Known(r.GetHomepage()),
		DefaultBranch: forges.Known(r.GetDefaultBranch()),
		Visibility:    forges.Known(vis),
		Archived:      r.GetArchived(),
		Fork:          r.GetFork(),
		ForgeLicense:  forges.Known(r.GetLicense().GetSPDXID()),
		PrivateReporting: forges.Unknown[bool](
			"not yet read"),
		CodeQLDefaultSetup: forges.Now(forges.Unknown[bool]("not yet read")),
		Handle:             &handle{owner: owner, name: r.GetName(), branch: r.GetDefaultBranch(), private: vis != "public"},
	}
}

// open completes the metadata with the forge-only facts and hands over a
// lazily fetched file tree.
func (f *Forge) open(ctx context.Context, m forges.Meta) (*forges.Repo, error) {
	h, ok := m.Handle.(*handle)
	if !ok {
		return nil, fmt.Errorf("repository %s was not listed by the GitHub forge", m.FullName)
	}
	var err error
	if m.PrivateReporting, err = f.privateReporting(ctx, h); err != nil {
		return nil, err
	}
	rfs := newRepoFS(ctx, f, h)
	// CodeQL default setup matters only when no workflow runs CodeQL:
	// read it when security/codeql asks. A failure other than a missing
	// permission makes the repository's scan incomplete, as a failed
	// file read does.
	m.CodeQLDefaultSetup = forges.Lazy(func() forges.Fact[bool] {
		fact, err := f.defaultSetup(ctx, h)
		if err != nil {
			rfs.fail(err)
			return forges.Unknown[bool](err.Error())
		}
		return fact
	})
	repo := &forges.Repo{Meta: m, FS: rfs}
	if strings.EqualFold(h.name, ".github") {
		// The organisation's own .github repository: share the tree and
		// files that the defaults read anyway.
		if d, err := f.orgDefaults(ctx, h.owner); err == nil && d != nil && d.fs.h.branch == h.branch {
			repo.FS = d.fs
		}
	} else {
		d, err := f.orgDefaults(ctx, h.owner)
		if err != nil {
			return nil, err
		}
		if d != nil {
			repo.OrgDefaults = &defaultsView{fs: d.fs, user: repo.FS.(*repoFS)}
			repo.OrgDefaultsName = d.name
		}
	}
	return repo, nil
}

// privateReporting reads whether private vulnerability reporting is on.
// A missing permission (401/403/404) makes the fact unknown; other
// failures make the repository unscannable.
func (f *Forge) privateReporting(ctx context.Context, h *handle) (forges.Fact[bool], error) {
	on, _, err := f.client.Repositories.IsPrivateReportingEnabled(ctx, h.owner, h.name)
	if err == nil {
		return forges.Known(on), nil
	}
	if why, ok := f.permissionGap(err, "private vulnerability reporting"); ok {
		return forges.Unknown[bool](why), nil
	}
	return forges.Fact[bool]{}, f.fetchError("reading private vulnerability reporting", err)
}

// defaultSetup reads whether CodeQL default setup is configured.
func (f *Forge) defaultSetup(ctx context.Context, h *handle) (forges.Fact[bool], error) {
	cfg, _, err := f.client.CodeScanning.GetDefaultSetupConfiguration(ctx, h.owner, h.name)
	if err == nil {
		return forges.Known(cfg.GetState() == "configured"), nil
	}
	if why, ok := f.permissionGap(err, "the CodeQL default setup"); ok {
		return forges.Unknown[bool](why), nil
	}
	return forges.Fact[bool]{}, f.fetchError("reading the CodeQL default setup", err)
}

// permissionGap recognises answers that mean "this token may not see
// that" rather than "something broke".
func (f *Forge) permissionGap(err error, what string) (string, bool) {
	switch st := status(err); st {
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound:
		who := "the token"
		if !f.token {
			who = "anonymous access"
		}
		return fmt.Sprintf("%s may not read %s (HTTP %d)", who, what, st), true
	}
	return "", false
}

// status returns the HTTP status of a go-github error, or 0.
func status(err error) int {
	var er *gh.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		return er.Response.StatusCode
	}
	var ab *gh.AbuseRateLimitError
	if errors.As(err, &ab) && ab.Response != nil {
		return ab.Response.StatusCode
	}
	var rl *gh.RateLimitError
	if errors.As(err, &rl) && rl.Response != nil {
		return rl.Response.StatusCode
	}
	return 0
}

// describe turns a fetch error into a short reason, without URLs (they are
// long and the repository is named elsewhere) and never with the token.
func describe(err error) string {
	var rl *httpx.RateLimitError
	var gu *httpx.GiveUpError
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &rl):
		return rl.Error()
	case errors.As(err, &gu):
		return gu.Error()
	case errors.Is(err, context.Canceled):
		return "cancelled"
	case errors.Is(err, context.DeadlineExceeded):
		return "no answer in time"
	case errors.As(err, &syn), errors.As(err, &typ):
		return "malformed answer from the API (" + err.Error() + ")"
	}
	if st := status(err); st != 0 {
		var er *gh.ErrorResponse
		if errors.As(err, &er) && er.Message != "" {
			return fmt.Sprintf("HTTP %d %s", st, er.Message)
		}
		return fmt.Sprintf("HTTP %d %s", st, http.StatusText(st))
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}

// fetchError is an error while reading one repository.
func (f *Forge) fetchError(what string, err error) error {
	return fmt.Errorf("%s: %s", what, describe(err))
}

// listError turns a failure to list or look up a target into an error for
// the user: a bad token or an unreachable host is a usage error (exit 2);
// an exhausted rate limit with --no-wait keeps its type (exit 3).
func (f *Forge) listError(what string, err error) error {
	var rl *httpx.RateLimitError
	if errors.As(err, &rl) {
		return fmt.Errorf("cannot list %s on %s: %w", what, f.host, rl)
	}
	if status(err) == http.StatusUnauthorized {
		env := f.tokenEn
		if env == "" {
			env = "GITHUB_TOKEN or GH_TOKEN"
		}
		if !f.token {
			return forges.Userf("%s asks for authentication (HTTP 401): set GITHUB_TOKEN or GH_TOKEN", f.host)
		}
		return forges.Userf("%s rejected the token in %s (HTTP 401 Bad credentials): it is invalid, expired or revoked; create a new one or unset it to read anonymously", f.host, env)
	}
	if unreachable(err) {
		return forges.Userf("cannot reach the GitHub API at %s: %s; check --api-url and the network", f.apiURL, describe(err))
	}
	return fmt.Errorf("cannot list %s on %s: %s", what, f.host, describe(err))
}

// unreachable reports a failure to connect at all.
func unreachable(err error) bool {
	var dns *net.DNSError
	var op *net.OpError
	return errors.As(err, &dns) || errors.As(err, &op) && op.Op == "dial"
}

// budgetNotice says so when the rate limit left cannot cover the scan.
func (f *Forge) budgetNotice(repos int) {
	if f.stats == nil {
		return
	}
	sn := f.stats.Snapshot()
	need := int64(repos) * requestsPerRepo
	if sn.RateLimitRemaining < 0 || sn.RateLimitRemaining >= need {
		return
	}
	then := "the scan will wait for the reset when it runs out"
	if f.noWait {
		then = "with --no-wait, repositories beyond it will be reported as errored"
	}
	reset := ""
	if !sn.RateLimitReset.IsZero() {
		reset = " until " + sn.RateLimitReset.Local().Format("15:04:05")
	}
	f.logf("rate limit: %d of %d requests left%s; %d repositories need about %d (fewer with a warm cache); %s",
		sn.RateLimitRemaining, sn.RateLimitLimit, reset, repos, need, then)
}

// requestsPerRepo is a cold-cache estimate for the budget notice.
const requestsPerRepo = 8

// knowDefaultsRepo records, from a complete listing, the owner's ".github"
// repository (or, with r nil, that there is none unless already seen).
func (f *Forge) knowDefaultsRepo(owner string, r *gh.Repository) {
	f.mu.Lock()
	defer f.mu.Unlock()
	key := strings.ToLower(owner)
	d := f.defaults[key]
	if d == nil {
		d = &orgDefaults{}
		f.defaults[key] = d
	}
	if d.listed {
		return
	}
	if r != nil {
		d.repo, d.listed = r, true
	}
	if r == nil {
		d.listed = true
	}
}

// orgDefaults is an owner's ".github" repository, looked up once per scan.
type orgDefaults struct {
	once   sync.Once
	listed bool           // the listing said whether it exists
	repo   *gh.Repository // from the listing, when listed
	fs     *repoFS
	name   string
	err    error
}

// orgDefaults returns the owner's public ".github" repository as a lazy
// file tree, or nil when there is none.
func (f *Forge) orgDefaults(ctx context.Context, owner string) (*orgDefaults, error) {
	f.mu.Lock()
	key := strings.ToLower(owner)
	d := f.defaults[key]
	if d == nil {
		d = &orgDefaults{}
		f.defaults[key] = d
	}
	f.mu.Unlock()
	d.once.Do(func() {
		r := d.repo
		if !d.listed {
			var err error
			r, _, err = f.client.Repositories.Get(ctx, owner, ".github")
			switch {
			case status(err) == http.StatusNotFound:
				r = nil
			case err != nil:
				d.err = f.fetchError("reading the organisation's .github repository", err)
				return
			}
		}
		// GitHub uses the defaults only from a public .github repository.
		if r == nil || r.GetPrivate() || r.GetVisibility() != "" && r.GetVisibility() != "public" {
			return
		}
		d.name = r.GetFullName()
		if d.name == "" {
			d.name = owner + "/.github"
		}
		// The defaults outlive the Open call that found them: fetch with
		// a context that is not cancelled when one repository is done.
		d.fs = newRepoFS(context.WithoutCancel(ctx), f, &handle{owner: r.GetOwner().GetLogin(), name: r.GetName(), branch: r.GetDefaultBranch()})
		if d.fs.h.owner == "" {
			d.fs.h.owner = owner
		}
	})
	if d.err != nil {
		return nil, d.err
	}
	if d.fs == nil {
		return nil, nil
	}
	return d, nil
}
