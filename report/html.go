package report

import (
	"embed"
	"fmt"
	"html/template"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/it-at-m/ospo-scan/rules"
)

//go:embed html/report.tmpl html/report.css html/report.js
var htmlFiles embed.FS

var (
	htmlTemplate = template.Must(template.ParseFS(htmlFiles, "html/report.tmpl"))
	// The style sheet and script are ours, not repository text: they go
	// into the page as they are.
	htmlCSS = template.CSS(mustRead("html/report.css"))
	htmlJS  = template.JS(mustRead("html/report.js"))
)

func mustRead(name string) string {
	b, err := htmlFiles.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// Result statuses and severities as the page's data numbers them.
var (
	htmlStatuses   = []rules.Status{rules.StatusPass, rules.StatusFail, rules.StatusExempt, rules.StatusNotApplicable, rules.StatusError}
	htmlSeverities = []rules.Severity{rules.Error, rules.Warning, rules.Note}
)

type htmlPage struct {
	Report      *Report
	Verdict     string
	VerdictKind string
	Generated   string
	CSS         template.CSS
	JS          template.JS
	// Rules are the columns of the matrix and the rows of the chart.
	Rules    []RuleInfo
	Chart    chart
	RuleRows []ruleRow
	// Data is the report for the page's script. html/template writes it
	// as JSON escaped for a script element, so no repository text can
	// end the element or run.
	Data htmlData
}

type ruleRow struct {
	ID, Title, Fix, Source, SourceTitle string
	Severity                            rules.Severity
	Failing                             string
}

type htmlData struct {
	Statuses   []rules.Status   `json:"statuses"`
	Severities []rules.Severity `json:"severities"`
	Rules      []htmlRule       `json:"rules"`
	Repos      []htmlRepo       `json:"repos"`
}

type htmlRule struct {
	ID       string `json:"id"`
	Title    string `json:"title,omitempty"`
	Severity int    `json:"sev"`
	Fix      string `json:"fix,omitempty"`
}

type htmlRepo struct {
	Name        string   `json:"n"`
	URL         string   `json:"u,omitempty"` // http(s) only
	Status      string   `json:"s"`
	Error       string   `json:"e,omitempty"`
	Description string   `json:"d,omitempty"`
	Branch      string   `json:"b,omitempty"`
	Visibility  string   `json:"v,omitempty"`
	Profile     string   `json:"p,omitempty"`
	MirrorOf    string   `json:"m,omitempty"`
	MirrorDrift []string `json:"md,omitempty"`
	Licenses    []string `json:"l,omitempty"`
	// Link is put before a file's escaped path to link it (see
	// linkPrefix); absent when files cannot be linked.
	Link    *string      `json:"k,omitempty"`
	Results []htmlResult `json:"r"`
}

// htmlResult is one result as a compact array, [rule, status, severity,
// message, path, line, note, new], with trailing empty fields left off:
// a report of 1,000 repositories has over 20,000 of them.
type htmlResult struct {
	rule, status, severity int
	message, path          string
	line                   int
	note                   string // the exemption, if any
	isNew                  bool
}

func (h htmlResult) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 32+len(h.message)+len(h.path)+len(h.note))
	b = append(b, '[')
	b = strconv.AppendInt(b, int64(h.rule), 10)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(h.status), 10)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(h.severity), 10)
	b = append(b, ',')
	b = appendJSONString(b, h.message)
	fields := 4
	switch {
	case h.isNew:
		fields = 8
	case h.note != "":
		fields = 7
	case h.line > 0:
		fields = 6
	case h.path != "":
		fields = 5
	}
	if fields >= 5 {
		b = append(b, ',')
		b = appendJSONString(b, h.path)
	}
	if fields >= 6 {
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(h.line), 10)
	}
	if fields >= 7 {
		b = append(b, ',')
		b = appendJSONString(b, h.note)
	}
	if fields >= 8 {
		b = append(b, ",1"...)
	}
	return append(b, ']'), nil
}

// appendJSONString appends s as a JSON string, escaping what JSON needs
// and, for a page, <, > and & too.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b = append(b, '\\', byte(r))
		case r < 0x20 || r == '<' || r == '>' || r == '&' || r == 0x2028 || r == 0x2029:
			b = append(b, '\\', 'u', hex[r>>12&0xf], hex[r>>8&0xf], hex[r>>4&0xf], hex[r&0xf])
		case r == 0xfffd:
			b = append(b, "\ufffd"...)
		default:
			b = append(b, string(r)...)
		}
	}
	return append(b, '"')
}

func writeHTML(w io.Writer, r *Report, _ options) error {
	kind, text := verdict(r)
	page := htmlPage{
		Report:      r,
		Verdict:     text,
		VerdictKind: kind,
		Generated:   r.GeneratedAt.UTC().Format(time.RFC3339),
		CSS:         htmlCSS,
		JS:          htmlJS,
	}
	page.Rules = pageRules(r)
	page.Data = pageData(r, page.Rules)
	cells := cellStatuses(r, page.Rules)
	page.Chart = complianceChart(page.Rules, cells)
	for i, ri := range page.Rules {
		failing := 0
		for _, repoCells := range cells {
			if repoCells[i] == rules.StatusFail {
				failing++
			}
		}
		row := ruleRow{ID: ri.ID, Title: ri.Title, Fix: ri.Fix, SourceTitle: ri.SourceTitle,
			Severity: ri.Severity, Failing: fmt.Sprintf("%d of %d", failing, len(r.Repositories))}
		// A policy file's custom rule may name any source; only web
		// addresses become links.
		if isWebURL(ri.Source) {
			row.Source = ri.Source
		}
		page.RuleRows = append(page.RuleRows, row)
	}
	if err := htmlTemplate.Execute(w, page); err != nil {
		return err
	}
	return nil
}

// pageRules is r.Rules plus, sorted after them, any rule that has results
// but no description (a writer must not drop results because the caller
// left Report.Rules short).
func pageRules(r *Report) []RuleInfo {
	out := slices.Clone(r.Rules)
	known := map[string]bool{}
	for _, ri := range out {
		known[ri.ID] = true
	}
	var extra []RuleInfo
	for _, repo := range r.Repositories {
		for _, res := range repo.Results {
			if !known[res.Rule] {
				known[res.Rule] = true
				extra = append(extra, RuleInfo{ID: res.Rule, Severity: res.Severity})
			}
		}
	}
	slices.SortFunc(extra, func(a, b RuleInfo) int { return strings.Compare(a.ID, b.ID) })
	return append(out, extra...)
}

func pageData(r *Report, ruleList []RuleInfo) htmlData {
	d := htmlData{Statuses: htmlStatuses, Severities: htmlSeverities, Repos: make([]htmlRepo, 0, len(r.Repositories))}
	ruleIndex := map[string]int{}
	for _, ri := range ruleList {
		ruleIndex[ri.ID] = len(d.Rules)
		d.Rules = append(d.Rules, htmlRule{ID: ri.ID, Title: ri.Title, Severity: severityIndex(ri.Severity), Fix: ri.Fix})
	}
	for i := range r.Repositories {
		repo := &r.Repositories[i]
		hr := htmlRepo{Name: repo.Name, URL: repoLink(repo), Status: repo.Status, Error: repo.Error, Description: repo.Description,
			Branch: repo.DefaultBranch, Visibility: repo.Visibility, Profile: repo.Profile, MirrorOf: repo.MirrorOf, MirrorDrift: repo.MirrorDrift,
			Results: make([]htmlResult, 0, len(repo.Results))}
		if prefix, ok := linkPrefix(r, repo); ok {
			hr.Link = &prefix
		}
		for _, l := range repo.Licenses {
			hr.Licenses = append(hr.Licenses, fmt.Sprintf("%s in %s (%.0f%% match)", l.SPDX, l.File, l.Coverage*100))
		}
		for _, res := range repo.Results {
			h := htmlResult{rule: ruleIndex[res.Rule], status: statusIndex(res.Status), severity: severityIndex(res.Severity),
				message: res.Message, path: res.Path, line: res.Line, isNew: res.New}
			if res.Exemption != nil {
				h.note = exemptionText(res.Exemption)
				if res.Exemption.Expired {
					h.note = "exemption expired: " + h.note
				}
			}
			hr.Results = append(hr.Results, h)
		}
		d.Repos = append(d.Repos, hr)
	}
	return d
}

func statusIndex(s rules.Status) int {
	for i, x := range htmlStatuses {
		if x == s {
			return i
		}
	}
	return len(htmlStatuses) - 1 // unknown: shown as could not be checked
}

func severityIndex(s rules.Severity) int {
	for i, x := range htmlSeverities {
		if x == s {
			return i
		}
	}
	return 1
}

// statusOrder ranks what a matrix cell shows when a rule gave several
// results for one repository: the most pressing one.
var statusOrder = map[rules.Status]int{
	rules.StatusFail: 5, rules.StatusError: 4, rules.StatusExempt: 3, rules.StatusPass: 2, rules.StatusNotApplicable: 1,
}

// cellStatuses gives, per repository and per rule of ruleList, the most
// pressing status of that rule's results ("" when it has none, e.g. for a
// repository that could not be scanned). The page's script shows the same
// in its matrix.
func cellStatuses(r *Report, ruleList []RuleInfo) [][]rules.Status {
	ruleIndex := map[string]int{}
	for i, ri := range ruleList {
		ruleIndex[ri.ID] = i
	}
	out := make([][]rules.Status, len(r.Repositories))
	for i := range r.Repositories {
		row := make([]rules.Status, len(ruleList))
		for _, res := range r.Repositories[i].Results {
			j, ok := ruleIndex[res.Rule]
			if ok && statusOrder[res.Status] > statusOrder[row[j]] {
				row[j] = res.Status
			}
		}
		out[i] = row
	}
	return out
}

// chart is the compliance chart: one stacked bar per rule.
type chart struct {
	Width, Height, BarX, BarW, BarH, LabelX int
	Rows                                    []chartRow
}

type chartRow struct {
	ID       string
	Y, TextY int
	Segs     []chartSeg
	Label    string
}

type chartSeg struct {
	Class      string
	X, Y, W, H int
	Title      string
}

func complianceChart(ruleList []RuleInfo, cells [][]rules.Status) chart {
	const rowH, barH, top = 24, 16, 4
	c := chart{Width: 1000, BarX: 250, BarW: 460, BarH: barH, LabelX: 725}
	order := []struct {
		status rules.Status
		class  string
		word   string
	}{
		{rules.StatusPass, "pass", "pass"},
		{rules.StatusExempt, "exempt", "exempt"},
		{rules.StatusFail, "fail", "fail"},
		{rules.StatusError, "error", "could not be checked"},
		{rules.StatusNotApplicable, "na", "not applicable"},
	}
	for i, ri := range ruleList {
		counts := map[rules.Status]int{}
		total := 0
		for _, row := range cells {
			if row[i] != "" {
				counts[row[i]]++
				total++
			}
		}
		y := top + i*rowH
		cr := chartRow{ID: ri.ID, Y: y, TextY: y + barH - 3}
		x, acc := c.BarX, 0
		for _, o := range order {
			n := counts[o.status]
			if n == 0 {
				continue
			}
			// Ends are computed from the running total so the segments
			// fill the bar exactly.
			acc += n
			end := c.BarX + acc*c.BarW/total
			cr.Segs = append(cr.Segs, chartSeg{Class: o.class, X: x, Y: y, W: end - x, H: barH, Title: fmt.Sprintf("%s: %d %s", ri.ID, n, o.word)})
			x = end
		}
		applicable := total - counts[rules.StatusNotApplicable]
		ok := counts[rules.StatusPass] + counts[rules.StatusExempt]
		switch {
		case total == 0:
			cr.Label = "no results"
		case applicable == 0:
			cr.Label = fmt.Sprintf("not applicable (%d)", total)
		default:
			cr.Label = fmt.Sprintf("%d%%  %d of %d pass", ok*100/applicable, ok, applicable)
			if n := counts[rules.StatusFail]; n > 0 {
				cr.Label += fmt.Sprintf(", %d fail", n)
			}
			if n := counts[rules.StatusError]; n > 0 {
				cr.Label += fmt.Sprintf(", %d unchecked", n)
			}
		}
		c.Rows = append(c.Rows, cr)
	}
	c.Height = top*2 + len(ruleList)*rowH
	return c
}
