package baseline

import (
	"sort"

	"github.com/it-at-m/ospo-scan/report"
	"github.com/it-at-m/ospo-scan/rules"
)

// Finding is one failing result in a diff.
type Finding struct {
	Rule     string         `json:"rule"`
	Severity rules.Severity `json:"severity"`
	Message  string         `json:"message"`
	Path     string         `json:"path"`
	Line     int            `json:"line,omitempty"`
}

// RepoDiff says, for one repository, which findings are new, fixed and
// unchanged between two reports.
type RepoDiff struct {
	Name      string    `json:"name"`
	Status    string    `json:"status"` // added, removed, changed, unchanged
	New       []Finding `json:"new"`
	Fixed     []Finding `json:"fixed"`
	Unchanged []Finding `json:"unchanged"`
}

// Diff is the comparison of two JSON reports.
type Diff struct {
	Old          string     `json:"old"`
	New          string     `json:"new"`
	Repositories []RepoDiff `json:"repositories"`
	Totals       struct {
		New       int `json:"new"`
		Fixed     int `json:"fixed"`
		Unchanged int `json:"unchanged"`
	} `json:"totals"`
}

// HasNew reports whether any finding is new.
func (d *Diff) HasNew() bool { return d.Totals.New > 0 }

// Compare returns what changed from old to new, per repository in name
// order. Findings match by repository, rule and fingerprint, so a
// finding that only moved lines is unchanged.
func Compare(oldName string, old *report.Report, newName string, cur *report.Report) *Diff {
	d := &Diff{Old: oldName, New: newName, Repositories: []RepoDiff{}}
	index := func(rep *report.Report) map[string]map[Key]rules.Result {
		m := map[string]map[Key]rules.Result{}
		for _, repo := range rep.Repositories {
			fs := map[Key]rules.Result{}
			for _, r := range repo.Results {
				if r.Status == rules.StatusFail {
					fs[KeyOf(repo.Name, r)] = r
				}
			}
			m[repo.Name] = fs
		}
		return m
	}
	before, after := index(old), index(cur)
	names := map[string]bool{}
	for n := range before {
		names[n] = true
	}
	for n := range after {
		names[n] = true
	}
	sorted := make([]string, 0, len(names))
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	for _, name := range sorted {
		b, inOld := before[name]
		a, inNew := after[name]
		rd := RepoDiff{Name: name, New: []Finding{}, Fixed: []Finding{}, Unchanged: []Finding{}}
		for k, r := range a {
			if _, ok := b[k]; ok {
				rd.Unchanged = append(rd.Unchanged, finding(r))
			} else {
				rd.New = append(rd.New, finding(r))
			}
		}
		for k, r := range b {
			if _, ok := a[k]; !ok {
				rd.Fixed = append(rd.Fixed, finding(r))
			}
		}
		for _, fs := range [][]Finding{rd.New, rd.Fixed, rd.Unchanged} {
			sortFindings(fs)
		}
		switch {
		case !inOld:
			rd.Status = "added"
		case !inNew:
			rd.Status = "removed"
		case len(rd.New) > 0 || len(rd.Fixed) > 0:
			rd.Status = "changed"
		default:
			rd.Status = "unchanged"
		}
		d.Totals.New += len(rd.New)
		d.Totals.Fixed += len(rd.Fixed)
		d.Totals.Unchanged += len(rd.Unchanged)
		d.Repositories = append(d.Repositories, rd)
	}
	return d
}

func finding(r rules.Result) Finding {
	return Finding{Rule: r.Rule, Severity: r.Severity, Message: r.Message, Path: r.Path, Line: r.Line}
}

func sortFindings(fs []Finding) {
	sort.Slice(fs, func(i, j int) bool {
		if fs[i].Rule != fs[j].Rule {
			return fs[i].Rule < fs[j].Rule
		}
		if fs[i].Path != fs[j].Path {
			return fs[i].Path < fs[j].Path
		}
		if fs[i].Line != fs[j].Line {
			return fs[i].Line < fs[j].Line
		}
		return fs[i].Message < fs[j].Message
	})
}
