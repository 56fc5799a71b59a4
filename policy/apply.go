package policy

import (
	"fmt"
	"sort"
	"time"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/it-at-m/ospo-scan/forges"
	"github.com/it-at-m/ospo-scan/rules"
)

// Declarers of an exemption, as rules.Exemption.DeclaredBy reports them.
const (
	byPolicy     = "policy"
	byRepository = "repository"
)

func (e *exemption) matchesRepo(m forges.Meta) bool {
	return repoGlobMatches(e.repository.v, m)
}

func (e *exemption) matchesRule(id string) bool {
	if e.rule.v == id {
		return true
	}
	ok, _ := doublestar.Match(e.rule.v, id)
	return ok
}

// Apply implements scanner.Policy: a failing result that an exemption
// covers becomes exempt, with the exemption's reason; past its until
// date it stays failing, with the exemption marked expired and the
// message saying so. Apply records which exemptions matched, for
// Warnings, and is safe for concurrent use.
func (p *Policy) Apply(repo *forges.Repo, results []rules.Result) []rules.Result {
	m := repo.Meta
	var exs []*exemption
	for _, e := range p.exempts {
		if e.matchesRepo(m) {
			e.repoMatched.Store(true)
			exs = append(exs, e)
		}
	}
	var own []*exemption
	if !p.check && p.allowRepo && repo.FS != nil {
		own = p.repositoryExemptions(repo)
		exs = append(exs, own...)
	}
	if len(exs) == 0 {
		return results
	}
	today := p.now().Format(time.DateOnly)
	out := append([]rules.Result(nil), results...)
	for i := range out {
		r := &out[i]
		if r.Status != rules.StatusFail {
			continue
		}
		// A current exemption wins over an expired one, so that renewing
		// an exemption by adding a new entry works.
		var use *exemption
		for _, e := range exs {
			if !e.matchesRule(r.Rule) {
				continue
			}
			if e.until == "" || today <= e.until {
				use = e
				break
			}
			if use == nil {
				use = e
			}
		}
		if use == nil {
			continue
		}
		use.failMatched.Store(true)
		r.Exemption = &rules.Exemption{Reason: use.reason, Until: use.until, ApprovedBy: use.approvedBy, DeclaredBy: use.declaredBy}
		if use.until != "" && today > use.until {
			r.Exemption.Expired = true
			r.Message = fmt.Sprintf("%s (the exemption declared at %s expired on %s)", r.Message, use.at.source(), use.until)
			continue
		}
		r.Status = rules.StatusExempt
	}
	for _, e := range own {
		if !e.failMatched.Load() {
			p.warn(fmt.Sprintf("stale exemption at %s: %s / %s matched no failing result (declared by the repository); remove it", e.at.source(), e.repository.v, e.rule.v))
		}
	}
	return out
}

// repositoryExemptions reads the exemptions of a repository's own
// .ospo-scan.yml. Everything else in that file is ignored with a warning:
// a repository may never change rules, profiles or approved licences,
// and its extends: is never followed (it could name any file on the
// scanning machine).
func (p *Policy) repositoryExemptions(repo *forges.Repo) []*exemption {
	name := repo.Meta.FullName + "/" + FileName
	data, err := readRepoFile(repo.FS)
	if err != nil {
		if !isNotExist(err) {
			p.warn(fmt.Sprintf("ignored %s: %s", name, rules.ReadError(FileName, err)))
		}
		return nil
	}
	d, errs := parseWith(name, data, true)
	for _, k := range d.keys {
		if k.v != "exemptions" {
			p.warn(fmt.Sprintf("%s:%d:%d: %s: is ignored; a repository's own policy file may only declare exemptions", k.at.file, k.at.line, k.at.col, k.v))
		}
	}
	var valid []*exemption
	for _, e := range d.exemptions {
		if e.repository.v == "" {
			e.repository = str{v: repo.Meta.FullName, at: e.at}
		}
		if !e.matchesRepo(repo.Meta) {
			errs = append(errs, e.repository.at.err("a repository may only exempt itself", "exemption for %s", e.repository.v))
			continue
		}
		if err := p.checkExemptionRule(e); err != nil {
			errs = append(errs, err)
			continue
		}
		valid = append(valid, e)
	}
	// The file's valid exemptions apply; each problem ignores only the
	// part it is about.
	for _, e := range errs {
		p.warn("ignored part of a repository's policy file: " + e.Error())
	}
	return valid
}

func (p *Policy) warn(s string) {
	p.mu.Lock()
	p.repoWarnings = append(p.repoWarnings, s)
	p.mu.Unlock()
}

// Warnings implements scanner.Policy: call it after the scan. It reports
// stale exemptions, those that matched no failing result (and, with
// ReportUnmatchedRepositories, no scanned repository), and problems with
// repositories' own policy files.
func (p *Policy) Warnings() []string {
	var out []string
	for _, e := range p.exempts {
		where := fmt.Sprintf("stale exemption at %s: %s / %s", e.at.source(), e.repository.v, e.rule.v)
		switch {
		case !e.repoMatched.Load():
			if p.reportUnmatched {
				out = append(out, where+" matched no scanned repository; remove it or correct the name")
			}
		case !e.failMatched.Load() && p.ruleSelected(e):
			out = append(out, where+" matched no failing result; remove it")
		}
	}
	p.mu.Lock()
	repo := append([]string(nil), p.repoWarnings...)
	p.mu.Unlock()
	sort.Strings(repo)
	return append(out, compact(repo)...)
}

// ruleSelected is false when --rule/--skip-rule left out every rule the
// exemption names: it could not have matched, so it is not stale.
func (p *Policy) ruleSelected(e *exemption) bool {
	if p.selected == nil {
		return true
	}
	for id := range p.selected {
		if e.matchesRule(id) {
			return true
		}
	}
	return false
}

func compact(ss []string) []string {
	out := ss[:0]
	for i, s := range ss {
		if i == 0 || s != ss[i-1] {
			out = append(out, s)
		}
	}
	return out
}
