package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/it-at-m/ospo-scan/forges"
	"github.com/it-at-m/ospo-scan/policy"
	"github.com/it-at-m/ospo-scan/rules"
	"github.com/it-at-m/ospo-scan/scanner"
)

// Kinds of scan, for the policy: a check trusts the checkout's own policy
// file; org and repo scans treat repository files as untrusted.
const (
	scanCheck = "check"
	scanRepo  = "repo"
	scanOrg   = "org"
)

// openPolicy loads --config, else the .ospo-scan.yml that policy.Find
// picks, else the built-in LHM defaults. An invalid policy is a usage
// error listing every problem as FILE:LINE:COLUMN.
func openPolicy(config, checkDir string) (*policy.Policy, error) {
	path := config
	if path == "" {
		path = policy.Find(checkDir)
	}
	if path == "" {
		return policy.Default(rules.Builtin()), nil
	}
	p, err := policy.Load(path, rules.Builtin())
	if err != nil {
		var list policy.ErrorList
		if errors.As(err, &list) && len(list) > 1 {
			return nil, usageErr("%d problems in the policy:\n%v", len(list), err)
		}
		return nil, usageErr("%v", err)
	}
	return p, nil
}

// loadPolicy returns the policy in force for a scan of kind, with
// --rule/--skip-rule applied.
func loadPolicy(o *ScanOptions, kind, checkDir string) (scanner.Policy, error) {
	p, err := openPolicy(o.Config, checkDir)
	if err != nil {
		return nil, err
	}
	p.SetScanKind(kind == scanCheck)
	p.ReportUnmatchedRepositories(kind == scanOrg)
	if err := p.Select(o.Rules, o.SkipRules); err != nil {
		var ue *forges.UserError
		if errors.As(err, &ue) {
			return nil, err
		}
		return nil, usageErr("%v", err)
	}
	return p, nil
}

// severityIn returns a function giving each rule's severity in p.
func severityIn(p *policy.Policy) func(*rules.Rule) string {
	return func(r *rules.Rule) string {
		if sev, _ := p.Severity(r.ID); sev != "" {
			return sev
		}
		return string(r.Severity)
	}
}

// explainParams lists a rule's parameters with their values in p and
// where each value came from (default, or FILE:LINE; a profile's own
// values name the profile).
func explainParams(p *policy.Policy, r *rules.Rule) []paramLine {
	var out []paramLine
	for _, v := range p.Explain(r.ID) {
		src := v.Source
		if v.Profile != "" {
			src = fmt.Sprintf("profile %s, %s", v.Profile, v.Source)
		}
		out = append(out, paramLine{name: v.Name, value: v.Display(), source: src, doc: strings.TrimSpace(v.Doc)})
	}
	return out
}
