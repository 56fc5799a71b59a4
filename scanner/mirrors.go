package scanner

import (
	"path"
	"sort"
	"strings"

	"github.com/it-at-m/ospo-scan/forges"
	"github.com/it-at-m/ospo-scan/report"
	"github.com/it-at-m/ospo-scan/rules"
)

// linkMirrors marks GitLab projects that mirror a GitHub repository of the
// same report: LHM mirrors some GitHub repositories to opencode.de on
// request, and reviewers want to see mirrors drifting from their origin.
// A pair is a GitLab project and a GitHub repository with the same name
// (case-insensitive); when several GitHub repositories share the name, the
// project is left unpaired rather than paired at random.
func linkMirrors(rep *report.Report) {
	byName := map[string][]int{}
	for i, r := range rep.Repositories {
		if r.Forge == forges.GitHub {
			k := strings.ToLower(path.Base(r.Name))
			byName[k] = append(byName[k], i)
		}
	}
	for i := range rep.Repositories {
		gl := &rep.Repositories[i]
		if gl.Forge != forges.GitLab {
			continue
		}
		origins := byName[strings.ToLower(path.Base(gl.Name))]
		if len(origins) != 1 {
			continue
		}
		gh := rep.Repositories[origins[0]]
		gl.MirrorOf = gh.Name
		gl.MirrorDrift = drift(gh, *gl)
	}
}

// drift lists the rules whose outcome differs between two repositories.
// A rule's outcome is the worst status among its results; rules that ran
// on only one side count as differing.
func drift(a, b report.Repository) []string {
	oa, ob := outcomes(a), outcomes(b)
	var out []string
	for id, s := range oa {
		if ob[id] != s {
			out = append(out, id)
		}
	}
	for id := range ob {
		if _, ok := oa[id]; !ok {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}

var statusRank = map[rules.Status]int{
	rules.StatusPass: 1, rules.StatusNotApplicable: 0, rules.StatusExempt: 2, rules.StatusError: 3, rules.StatusFail: 4,
}

func outcomes(r report.Repository) map[string]rules.Status {
	m := map[string]rules.Status{}
	for _, res := range r.Results {
		if cur, ok := m[res.Rule]; !ok || statusRank[res.Status] > statusRank[cur] {
			m[res.Rule] = res.Status
		}
	}
	return m
}
