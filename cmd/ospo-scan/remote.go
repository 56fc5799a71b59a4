package main

import (
	"context"

	"github.com/it-at-m/ospo-scan/forges"
)

// remoteForges builds the GitHub and GitLab clients of one run, once per
// host, and shares their transport (cache, rate limits, statistics).
type remoteForges struct {
	s *Streams
	o *ScanOptions
}

func newRemoteForges(s *Streams, o *ScanOptions) *remoteForges {
	return &remoteForges{s: s, o: o}
}

// source resolves a remote TARGET.
func (r *remoteForges) source(_ context.Context, raw string, isRepo bool) (forges.Source, error) {
	t, err := forges.ParseTarget(raw, r.o.Forge)
	if err != nil {
		return nil, err
	}
	if isRepo && t.Forge == forges.GitHub && t.Segments() != 2 {
		return nil, usageErr("repo %s: name a repository as OWNER/NAME, e.g. it-at-m/dave-backend", raw)
	}
	if !isRepo && t.Forge == forges.GitHub && t.Segments() != 1 {
		return nil, usageErr("org %s: name an organisation, e.g. it-at-m (use `ospo-scan repo` for one repository)", raw)
	}
	return nil, usageErr("scanning %s targets (%s) is not supported yet: scan a local checkout with `ospo-scan check` or a folder of checkouts with `ospo-scan org DIR`", t.Forge, t)
}

// finish prints request statistics when asked.
func (r *remoteForges) finish() {}
