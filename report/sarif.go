package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"strings"
	"unicode"

	"github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"

	"github.com/it-at-m/ospo-scan/forges"
	"github.com/it-at-m/ospo-scan/rules"
)

const (
	// sarifFingerprintKey names ospo-scan's fingerprint among a result's
	// partialFingerprints; the version changes if its recipe does.
	sarifFingerprintKey = "ospoScan/v1"
	// sarifSrcRoot is the base that every artifact URI is relative to:
	// the root of the scanned repository.
	sarifSrcRoot = "%SRCROOT%"
	toolURI      = "https://github.com/it-at-m/ospo-scan"
)

// writeSARIF writes SARIF 2.1.0 for code scanning. One repository gives
// one run. An organisation gives one run per repository, each with its
// version-control provenance and its own automationDetails.id
// ("ospo-scan/<repository>/"), so code scanning keeps the runs apart.
//
// Only fail and exempt results become SARIF results (exempt ones with an
// external suppression carrying the exemption's reason); results that
// could not be evaluated and repositories that could not be scanned
// become tool execution notifications, so they are not lost.
func writeSARIF(w io.Writer, r *Report, _ options) error {
	return writeCleanSARIF(w, buildSARIF(r))
}

// buildSARIF builds the SARIF log of a report.
func buildSARIF(r *Report) *sarif.Report {
	log := sarif.NewReport()
	switch len(r.Repositories) {
	case 0:
		log.AddRun(newSARIFRun(r))
	case 1:
		log.AddRun(repositoryRun(r, &r.Repositories[0], false))
	default:
		for i := range r.Repositories {
			log.AddRun(repositoryRun(r, &r.Repositories[i], true))
		}
	}
	return log
}

// writeCleanSARIF writes the log without the library's sentinel defaults:
// SARIF uses -1 for "no index" and the library writes it (and empty
// arrays) everywhere, which the SARIF validator flags (SARIF2004). Keys
// come out sorted, so output stays deterministic.
func writeCleanSARIF(w io.Writer, log *sarif.Report) error {
	raw, err := json.Marshal(log)
	if err != nil {
		return fmt.Errorf("sarif: %w", err)
	}
	var doc any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return fmt.Errorf("sarif: %w", err)
	}
	doc = pruneSARIF(doc, "")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(doc)
}

// pruneSARIF drops -1 sentinels and empty arrays and objects, except a
// run's "results", whose presence says the tool ran and found nothing.
func pruneSARIF(v any, key string) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			e = pruneSARIF(e, k)
			if e == nil {
				delete(x, k)
				continue
			}
			x[k] = e
		}
		if len(x) == 0 {
			return nil
		}
		return x
	case []any:
		out := x[:0]
		for _, e := range x {
			if e = pruneSARIF(e, ""); e != nil {
				out = append(out, e)
			}
		}
		if len(out) == 0 && key != "results" {
			return nil
		}
		return out
	case json.Number:
		if x == "-1" {
			return nil
		}
	}
	return v
}

// newSARIFRun returns a run whose driver lists every rule that ran,
// including those with no finding, so a viewer can say what was checked.
func newSARIFRun(r *Report) *sarif.Run {
	run := sarif.NewRunWithInformationURI(orDefault(r.Tool.Name, "ospo-scan"), toolURI)
	// semanticVersion carries any version string; version only a
	// numeric one, as the SARIF validator asks (SARIF2005).
	if v := r.Tool.Version; v != "" {
		if num := strings.TrimPrefix(v, "v"); numericVersion.MatchString(num) {
			run.Tool.Driver.WithVersion(num)
		}
		run.Tool.Driver.WithSemanticVersion(semver(v))
	}
	run.WithColumnKind("unicodeCodePoints")
	for _, ri := range r.Rules {
		addSARIFRule(run, ri)
	}
	return run
}

func addSARIFRule(run *sarif.Run, ri RuleInfo) *sarif.ReportingDescriptor {
	d := run.AddRule(ri.ID).WithName(ruleName(ri.ID))
	title := orDefault(ri.Title, ri.ID)
	d.WithShortDescription(sarif.NewMultiformatMessageString().WithText(title))
	d.WithFullDescription(sarif.NewMultiformatMessageString().WithText(orDefault(ri.Doc, title)))
	var text, md strings.Builder
	text.WriteString(orDefault(ri.Doc, title))
	md.WriteString(orDefault(ri.Doc, title))
	if ri.Fix != "" {
		fmt.Fprintf(&text, "\n\nHow to fix: %s", ri.Fix)
		fmt.Fprintf(&md, "\n\n**How to fix:** %s", ri.Fix)
	}
	if ri.Source != "" {
		fmt.Fprintf(&text, "\n\nSource: %s (%s)", orDefault(ri.SourceTitle, ri.Source), ri.Source)
		fmt.Fprintf(&md, "\n\nSource: [%s](%s)", orDefault(ri.SourceTitle, ri.Source), ri.Source)
		d.WithHelpURI(ri.Source)
	}
	d.WithHelp(sarif.NewMultiformatMessageString().WithText(text.String()).WithMarkdown(md.String()))
	d.WithDefaultConfiguration(sarif.NewReportingConfiguration().WithLevel(sarifLevel(ri.Severity)))
	return d
}

func repositoryRun(r *Report, repo *Repository, org bool) *sarif.Run {
	run := newSARIFRun(r)
	run.WithOriginalUriBaseIds(map[string]sarif.ArtifactLocation{
		sarifSrcRoot: {Index: -1, Description: sarif.NewTextMessage("the root of " + repo.Name)},
	})
	if repo.Forge != forges.Local && isWebURL(repo.URL) {
		vcs := sarif.NewVersionControlDetails().WithRepositoryURI(repo.URL)
		if repo.DefaultBranch != "" {
			vcs.WithBranch(repo.DefaultBranch)
		}
		run.AddVersionControlProvenance(vcs)
	}
	if org {
		run.WithAutomationDetails(sarif.NewRunAutomationDetails().
			WithID("ospo-scan/" + repo.Name + "/").
			WithDescription(sarif.NewTextMessage("ospo-scan of " + repo.Name)))
	}

	inv := sarif.NewInvocation().WithExecutionSuccessful(repo.Status != Errored)
	if repo.Status == Errored {
		inv.AddToolExecutionNotification(sarif.NewNotification().
			WithLevel(sarif.LevelError).
			WithMessage(sarif.NewTextMessage(fmt.Sprintf("%s could not be scanned: %s", repo.Name, repo.Error))))
	}
	for i := range repo.Results {
		res := &repo.Results[i]
		if run.GetRuleIndex(res.Rule) < 0 {
			// A result of a rule that Report.Rules does not describe
			// still needs a descriptor for its ruleIndex.
			addSARIFRule(run, r.Rule(res.Rule))
		}
		switch res.Status {
		case rules.StatusFail:
			sarifResult(run, res)
		case rules.StatusExempt:
			reason := "exempt by policy"
			if res.Exemption != nil {
				reason = exemptionText(res.Exemption)
			}
			sarifResult(run, res).WithSuppressions([]*sarif.Suppression{
				sarif.NewSuppression().WithKind("external").WithStatus("accepted").WithJustification(reason),
			})
		case rules.StatusError:
			ref := sarif.NewReportingDescriptorReference().WithID(res.Rule).WithIndex(run.GetRuleIndex(res.Rule))
			inv.AddToolExecutionNotification(sarif.NewNotification().
				WithLevel(sarif.LevelError).
				WithAssociatedRule(ref).
				WithMessage(sarif.NewTextMessage(fmt.Sprintf("%s could not be evaluated: %s", res.Rule, res.Message))))
		}
	}
	run.AddInvocation(inv)
	return run
}

// sarifResult adds a result for res to run and returns it.
func sarifResult(run *sarif.Run, res *rules.Result) *sarif.Result {
	out := run.CreateResultForRule(res.Rule).
		WithLevel(sarifLevel(res.Severity)).
		WithMessage(sarif.NewTextMessage(orDefault(res.Message, res.Rule))).
		AddLocation(sarifLocation(res))
	if res.Fingerprint != "" {
		out.WithPartialFingerprints(map[string]string{sarifFingerprintKey: res.Fingerprint})
	}
	if res.New {
		out.WithBaselineState("new")
	}
	return out
}

// sarifLocation points at the file a result is about. Code scanning shows
// only results with a location, so findings about a whole file, a missing
// file or repository metadata get line 1 of the rule's path, and a
// metadata finding without a path is anchored on README.md, the
// repository's front page.
func sarifLocation(res *rules.Result) *sarif.Location {
	path := strings.TrimPrefix(res.Path, "./")
	if path == "" {
		path = "README.md"
	}
	line := res.Line
	if line < 1 {
		line = 1
	}
	return sarif.NewLocationWithPhysicalLocation(sarif.NewPhysicalLocation().
		WithArtifactLocation(sarif.NewArtifactLocation().WithURI(uriReference(path)).WithURIBaseID(sarifSrcRoot)).
		WithRegion(sarif.NewRegion().WithStartLine(line)))
}

// uriReference turns a repository path into a relative URI reference:
// spaces and other reserved characters are percent-encoded.
func uriReference(path string) string {
	return (&url.URL{Path: path}).String()
}

func sarifLevel(s rules.Severity) string {
	switch s {
	case rules.Error:
		return sarif.LevelError
	case rules.Note:
		return sarif.LevelNote
	}
	return sarif.LevelWarning
}

// ruleName turns "license/present" into "LicensePresent", the identifier
// style SARIF suggests for reportingDescriptor.name.
func ruleName(id string) string {
	var b strings.Builder
	upper := true
	for _, r := range id {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			upper = true
			continue
		}
		if upper {
			r = unicode.ToUpper(r)
			upper = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

func isWebURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

var numericVersion = regexp.MustCompile(`^[0-9]+(\.[0-9]+)*$`)

// semver turns a tool version into a semantic version: "v1.2.3" ->
// "1.2.3", "dev" -> "0.0.0-dev".
func semver(v string) string {
	v = strings.TrimPrefix(v, "v")
	if len(v) > 0 && v[0] >= '0' && v[0] <= '9' {
		return v
	}
	return "0.0.0-" + regexp.MustCompile(`[^0-9A-Za-z.-]+`).ReplaceAllString(v, "-")
}
