package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/it-at-m/ospo-scan/forges"
	"github.com/it-at-m/ospo-scan/forges/github"
	"github.com/it-at-m/ospo-scan/forges/gitlab"
	"github.com/it-at-m/ospo-scan/forges/httpx"
)

// remoteForges builds the GitHub and GitLab clients of one run, once per
// forge and host, so every target on a host shares one transport (cache,
// rate limits, statistics).
type remoteForges struct {
	s *Streams
	o *ScanOptions

	mu      sync.Mutex
	github  map[string]*github.Forge
	gitlab  map[string]*gitlab.Forge
	stats   map[string]*httpx.Stats // by "forge host"
	noticed map[string]bool
}

func newRemoteForges(s *Streams, o *ScanOptions) *remoteForges {
	return &remoteForges{s: s, o: o, github: map[string]*github.Forge{}, gitlab: map[string]*gitlab.Forge{}, stats: map[string]*httpx.Stats{}, noticed: map[string]bool{}}
}

// notice prints a one-line notice on stderr once, unless --quiet.
func (r *remoteForges) notice(format string, args ...any) {
	if r.o.Quiet {
		return
	}
	msg := fmt.Sprintf(format, args...)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.noticed[msg] {
		return
	}
	r.noticed[msg] = true
	fmt.Fprintln(r.s.Err, "ospo-scan: "+msg)
}

// cacheDir is --cache-dir, else ospo-scan's folder in the user cache
// directory, or "" with --no-cache.
func (r *remoteForges) cacheDir() string {
	if r.o.NoCache {
		return ""
	}
	if r.o.CacheDir != "" {
		return r.o.CacheDir
	}
	base := r.s.Getenv("XDG_CACHE_HOME")
	if base == "" {
		var err error
		if base, err = os.UserCacheDir(); err != nil {
			r.notice("no user cache directory (%v); scanning without the HTTP cache", err)
			return ""
		}
	}
	return filepath.Join(base, "ospo-scan")
}

// source resolves a remote TARGET.
func (r *remoteForges) source(ctx context.Context, raw string, isRepo bool) (forges.Source, error) {
	t, err := forges.ParseTarget(raw, r.o.Forge)
	if err != nil {
		return nil, err
	}
	api, err := r.apiURL(t.Host)
	if err != nil {
		return nil, err
	}
	switch t.Forge {
	case forges.GitHub:
		if isRepo && t.Segments() != 2 {
			return nil, usageErr("repo %s: name a repository as OWNER/NAME, e.g. it-at-m/dave-backend", raw)
		}
		if !isRepo && t.Segments() != 1 {
			return nil, usageErr("org %s: name an organisation, e.g. it-at-m (use `ospo-scan repo` for one repository)", raw)
		}
		f, err := r.githubForge(t.Host, api)
		if err != nil {
			return nil, err
		}
		return f.Source(ctx, t)
	case forges.GitLab:
		f, err := r.gitlabForge(t.Host, api)
		if err != nil {
			return nil, err
		}
		return f.Source(ctx, t, isRepo)
	}
	return nil, usageErr("unknown forge for %s: add --forge github or --forge gitlab", raw)
}

// apiURL returns the --api-url for host: a HOST=URL entry for it, else
// the one plain URL, else "" (the forge's default for the host).
func (r *remoteForges) apiURL(host string) (string, error) {
	plain := ""
	for _, v := range r.o.APIURLs {
		h, u, ok := strings.Cut(v, "=")
		if !ok || strings.Contains(h, "/") {
			if plain != "" {
				return "", usageErr("--api-url given twice without a host: write HOST=URL for each host")
			}
			plain = v
			continue
		}
		if strings.EqualFold(h, host) {
			return checkAPIURL(u)
		}
	}
	if plain == "" {
		return "", nil
	}
	return checkAPIURL(plain)
}

func checkAPIURL(v string) (string, error) {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", usageErr("invalid --api-url %q: give the API base URL, e.g. https://ghe.example.org/api/v3 or https://gitlab.example.org/api/v4", v)
	}
	return v, nil
}

func (r *remoteForges) githubForge(host, api string) (*github.Forge, error) {
	r.mu.Lock()
	f, ok := r.github[host]
	r.mu.Unlock()
	if ok {
		return f, nil
	}
	token, env := github.TokenFromEnv(r.s.Getenv)
	f, err := github.New(github.Options{
		Host:     host,
		APIURL:   api,
		Token:    token,
		TokenEnv: env,
		CacheDir: r.cacheDir(),
		NoWait:   r.o.NoWait,
		Logf:     r.notice,
	})
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.github[host] = f
	r.stats["GitHub "+host] = f.Stats()
	r.mu.Unlock()
	return f, nil
}

func (r *remoteForges) gitlabForge(host, api string) (*gitlab.Forge, error) {
	r.mu.Lock()
	f, ok := r.gitlab[host]
	r.mu.Unlock()
	if ok {
		return f, nil
	}
	token := strings.TrimSpace(r.s.Getenv("GITLAB_TOKEN"))
	if api == "" {
		api = "https://" + host + "/api/v4"
	}
	u, err := url.Parse(api)
	if err != nil || u.Host == "" {
		return nil, usageErr("invalid --api-url %q: give the API base URL, e.g. https://gitlab.example.org/api/v4", api)
	}
	hc, stats := httpx.New(httpx.Options{
		Token:      token,
		AuthHeader: httpx.HeaderAuth("PRIVATE-TOKEN"),
		Host:       host,
		APIHost:    u.Host,
		CacheDir:   r.cacheDir(),
		Immutable:  gitlab.Immutable,
		NoWait:     r.o.NoWait,
		Logf:       r.notice,
	})
	f, err = gitlab.New(gitlab.Options{HTTPClient: hc, APIURL: api, Host: host, Token: token != "", Logf: r.notice})
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.gitlab[host] = f
	r.stats["GitLab "+host] = stats
	r.mu.Unlock()
	return f, nil
}

// finish prints request statistics with --stats.
func (r *remoteForges) finish() {
	if !r.o.Stats {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	names := make([]string, 0, len(r.stats))
	for name := range r.stats {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Fprintf(r.s.Err, "ospo-scan: %s: %s\n", name, r.stats[name].Snapshot())
	}
}
