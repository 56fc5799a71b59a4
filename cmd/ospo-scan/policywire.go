package main

import (
	"github.com/it-at-m/ospo-scan/rules"
	"github.com/it-at-m/ospo-scan/scanner"
)

// loadPolicy returns the policy in force and applies --rule/--skip-rule.
func loadPolicy(o *ScanOptions, checkDir string, local bool) (scanner.Policy, error) {
	all := rules.Builtin()
	set, err := selectRules(all, o.Rules, o.SkipRules)
	if err != nil {
		return nil, err
	}
	return scanner.Static{Profile: "in-house", Rules: rules.Defaults(set)}, nil
}

// selectRules applies --rule and --skip-rule; an unknown id is a usage
// error that suggests the closest known one.
func selectRules(all []*rules.Rule, only, skip []string) ([]*rules.Rule, error) {
	for _, id := range append(append([]string{}, only...), skip...) {
		if _, err := rules.Find(all, id); err != nil {
			return nil, usageErr("%v", err)
		}
	}
	keep := func(id string) bool {
		for _, s := range skip {
			if s == id {
				return false
			}
		}
		if len(only) == 0 {
			return true
		}
		for _, s := range only {
			if s == id {
				return true
			}
		}
		return false
	}
	var out []*rules.Rule
	for _, r := range all {
		if keep(r.ID) {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		return nil, usageErr("--rule and --skip-rule leave no rule to run")
	}
	return out, nil
}

// policyRules returns the rules of the policy at config (built-in rules
// when config is empty) and a function giving each rule's severity there.
func policyRules(config string) ([]*rules.Rule, func(*rules.Rule) string, error) {
	return rules.Builtin(), func(r *rules.Rule) string { return string(r.Severity) }, nil
}

// explainParams lists a rule's parameters with their values and where each
// value came from.
func explainParams(config string, r *rules.Rule) []paramLine {
	var out []paramLine
	for _, p := range r.Params {
		out = append(out, paramLine{name: p.Name, value: formatValue(p.Default), source: "default", doc: p.Doc})
	}
	return out
}
