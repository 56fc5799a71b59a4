package policy

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/it-at-m/ospo-scan/forges"
	"github.com/it-at-m/ospo-scan/rules"
)

// FileName is the policy file ospo-scan looks for.
const FileName = ".ospo-scan.yml"

// Profile names built into every policy.
const (
	inHouse  = "in-house"
	fork     = "fork"
	archived = "archived"
)

// Policy is a loaded, validated policy: which rules run on which
// repository with which settings, and which failures are exempt. It
// implements scanner.Policy. For, Apply and Warnings are safe for
// concurrent use; Select, SetScanKind and the other setters are not and
// belong before the scan.
type Policy struct {
	// files are the policy files in force, base first; empty for the
	// built-in defaults.
	files    []string
	rules    []*rules.Rule
	index    map[string]*rules.Rule
	settings map[string]*setting // in-house, one per rule
	profiles []*profile          // in the order For tries them
	exempts  []*exemption
	// attempted are the ids of every custom rule written, valid or not,
	// so that a broken declaration is not also reported as unknown
	// wherever it is configured.
	attempted map[string]bool
	// allowRepo is allowRepositoryExemptions.
	allowRepo bool

	check           bool
	reportUnmatched bool
	now             func() time.Time

	// selected is nil when every rule may run (no --rule/--skip-rule).
	selected map[string]bool
	sets     map[string][]rules.Configured

	mu           sync.Mutex
	repoWarnings []string
}

// setting is a rule's settings: its severity and the parameters that a
// policy file set. A zero sevAt.file means the built-in default.
type setting struct {
	sev    string // error, warning, note or off; "" in a profile: unchanged
	sevAt  pos
	params map[string]valueAt
}

type valueAt struct {
	v  any
	at pos
}

type profile struct {
	name    string
	desc    string
	at      pos
	match   *matchDoc
	only    map[string]bool
	onlySet bool
	onlyAt  pos
	// rules override the in-house settings; absent fields are unchanged.
	rules map[string]*setting
}

// Files returns the policy files in force, base first (empty for the
// built-in defaults).
func (p *Policy) Files() []string { return append([]string(nil), p.files...) }

// Rules returns the built-in rules followed by the policy's custom rules,
// for `rules`, `explain` and SARIF's rule list.
func (p *Policy) Rules() []*rules.Rule { return append([]*rules.Rule(nil), p.rules...) }

// Severity returns the in-house severity of rule id ("error", "warning",
// "note" or "off") and where it was set: "default" or "FILE:LINE".
func (p *Policy) Severity(id string) (severity, source string) {
	s, ok := p.settings[id]
	if !ok {
		return "", ""
	}
	return s.sev, s.sevAt.source()
}

// ParamValue is one parameter of a rule with its value in force and where
// that value came from, for `explain`.
type ParamValue struct {
	Name  string
	Value any
	// Source is "default" or the policy file and line: ".ospo-scan.yml:12".
	Source string
	Doc    string
	// Profile is "" for the in-house settings, else the profile that sets
	// this value for the repositories it matches.
	Profile string
}

// Display formats the value as a policy file would write it: text
// quoted, lists in brackets.
func (v ParamValue) Display() string { return display(v.Value) }

func display(v any) string {
	switch x := v.(type) {
	case string:
		return fmt.Sprintf("%q", x)
	case []string:
		q := make([]string, len(x))
		for i, s := range x {
			q[i] = display(s)
		}
		return "[" + strings.Join(q, ", ") + "]"
	case []any:
		q := make([]string, len(x))
		for i, s := range x {
			q[i] = display(s)
		}
		return "[" + strings.Join(q, ", ") + "]"
	case nil:
		return "(not set)"
	}
	return fmt.Sprint(v)
}

// Explain lists the parameters of rule id: first the in-house values,
// then each profile's own values, in the order profiles are tried. An
// unknown id gives nil.
func (p *Policy) Explain(id string) []ParamValue {
	r, ok := p.index[id]
	if !ok {
		return nil
	}
	base := p.settings[id]
	var out []ParamValue
	for _, decl := range r.Params {
		v, ok := base.params[decl.Name]
		if !ok {
			v = valueAt{v: decl.Default}
		}
		out = append(out, ParamValue{Name: decl.Name, Value: v.v, Source: v.at.source(), Doc: decl.Doc})
	}
	for _, pr := range p.profiles {
		ov := pr.rules[id]
		if ov == nil {
			continue
		}
		for _, decl := range r.Params {
			if v, ok := ov.params[decl.Name]; ok {
				out = append(out, ParamValue{Name: decl.Name, Value: v.v, Source: v.at.source(), Doc: decl.Doc, Profile: pr.name})
			}
		}
	}
	return out
}

// ProfileInfo describes a profile for `policy validate` and `explain`.
type ProfileInfo struct {
	Name        string
	Description string
	// Match says which repositories the profile applies to, in words.
	Match string
	// Source is where the profile is declared: "default" or "FILE:LINE".
	Source string
}

// Profiles lists the profiles in the order For tries them; the in-house
// profile, which applies to every other repository, comes last.
func (p *Policy) Profiles() []ProfileInfo {
	var out []ProfileInfo
	for _, pr := range p.profiles {
		out = append(out, ProfileInfo{Name: pr.name, Description: pr.desc, Match: pr.match.String(), Source: pr.at.source()})
	}
	return append(out, ProfileInfo{Name: inHouse, Description: "all enabled rules", Match: "every other repository", Source: "default"})
}

// Exemptions returns the number of exemptions the policy declares.
func (p *Policy) Exemptions() int { return len(p.exempts) }

// SetScanKind says what kind of scan the policy is used for. In a check
// scan (check true: `ospo-scan check`) the checkout's own .ospo-scan.yml
// may be the policy itself (see Find), so Apply never reads it again. In
// org and repo scans (check false), repository files are untrusted: Apply
// reads a repository's .ospo-scan.yml only when the policy sets
// allowRepositoryExemptions: true, and then takes only its exemptions.
// The default is false.
func (p *Policy) SetScanKind(check bool) { p.check = check }

// ReportUnmatchedRepositories makes Warnings report exemptions whose
// repository matched no scanned repository. Org scans turn it on: they
// see every repository of the organisation. A check or repo scan sees
// one repository, so exemptions for the others are not stale there; by
// default (off) only exemptions that matched a repository but no failing
// result are reported.
func (p *Policy) ReportUnmatchedRepositories(on bool) { p.reportUnmatched = on }

// SetClock replaces time.Now for deciding whether an exemption expired
// (tests and reproducible runs).
func (p *Policy) SetClock(now func() time.Time) { p.now = now }

// Select applies --rule (only) and --skip-rule (skip). Entries are rule
// ids or globs ("license/*"). Only restricts the rules the policy enables;
// it does not turn on a rule the policy turned off. An unknown id is an
// error that suggests the closest known one.
func (p *Policy) Select(only, skip []string) error {
	resolve := func(flag string, list []string) (map[string]bool, error) {
		out := map[string]bool{}
		for _, pat := range list {
			if strings.ContainsAny(pat, "*?[{") {
				n := 0
				for _, r := range p.rules {
					if ok, _ := doublestar.Match(pat, r.ID); ok {
						out[r.ID] = true
						n++
					}
				}
				if n == 0 {
					return nil, forges.Userf("%s %s matches no rule: `ospo-scan rules` lists the rule ids", flag, pat)
				}
				continue
			}
			if _, err := rules.Find(p.rules, pat); err != nil {
				return nil, forges.Userf("%s: %v", flag, err)
			}
			out[pat] = true
		}
		return out, nil
	}
	onlySet, err := resolve("--rule", only)
	if err != nil {
		return err
	}
	skipSet, err := resolve("--skip-rule", skip)
	if err != nil {
		return err
	}
	if len(only) == 0 && len(skip) == 0 {
		p.selected = nil
		p.compute()
		return nil
	}
	sel := map[string]bool{}
	for _, r := range p.rules {
		if (len(only) == 0 || onlySet[r.ID]) && !skipSet[r.ID] {
			sel[r.ID] = true
		}
	}
	for id := range onlySet {
		if !skipSet[id] && !p.enabledAnywhere(id) {
			s := p.settings[id]
			return forges.Userf("--rule %s: the policy turns this rule off (%s); set its severity in the policy to run it", id, s.sevAt.source())
		}
	}
	p.selected = sel
	p.compute()
	for _, set := range p.sets {
		if len(set) > 0 {
			return nil
		}
	}
	return forges.Userf("--rule and --skip-rule leave no rule to run")
}

// enabledAnywhere reports whether rule id runs in-house or in a profile.
func (p *Policy) enabledAnywhere(id string) bool {
	if _, ok := p.configured(nil, id); ok {
		return true
	}
	for _, pr := range p.profiles {
		if _, ok := p.configured(pr, id); ok {
			return true
		}
	}
	return false
}

// configured returns rule id with its settings in profile pr (nil for
// in-house), and false when the rule does not run there.
func (p *Policy) configured(pr *profile, id string) (rules.Configured, bool) {
	r := p.index[id]
	base := p.settings[id]
	sev := base.sev
	var ov *setting
	if pr != nil {
		ov = pr.rules[id]
		if ov != nil && ov.sev != "" {
			sev = ov.sev
		}
		explicitlyOn := ov != nil && ov.sev != "" && ov.sev != sevOff
		if pr.onlySet && !pr.only[id] && !explicitlyOn {
			return rules.Configured{}, false
		}
	}
	if sev == sevOff {
		return rules.Configured{}, false
	}
	var params map[string]any
	add := func(s *setting) {
		for name, v := range s.params {
			if params == nil {
				params = map[string]any{}
			}
			params[name] = v.v
		}
	}
	add(base)
	if ov != nil {
		add(ov)
	}
	return rules.Configured{Rule: r, Severity: rules.Severity(sev), Params: params}, true
}

// compute prepares the rule set of every profile, honouring Select.
func (p *Policy) compute() {
	p.sets = map[string][]rules.Configured{}
	build := func(pr *profile) []rules.Configured {
		var set []rules.Configured
		for _, r := range p.rules {
			if p.selected != nil && !p.selected[r.ID] {
				continue
			}
			if c, ok := p.configured(pr, r.ID); ok {
				set = append(set, c)
			}
		}
		return set
	}
	p.sets[inHouse] = build(nil)
	for _, pr := range p.profiles {
		p.sets[pr.name] = build(pr)
	}
}

// For implements scanner.Policy: the first profile (in Profiles order)
// whose match holds, else in-house, and its rules.
func (p *Policy) For(m forges.Meta) (string, []rules.Configured) {
	name := inHouse
	for _, pr := range p.profiles {
		if pr.match.holds(m) {
			name = pr.name
			break
		}
	}
	set := p.sets[name]
	return name, append([]rules.Configured(nil), set...)
}

// holds reports whether every condition of the match is true of m. A nil
// match holds for nothing. Unknown forge metadata (topics of a local
// checkout) never matches.
func (md *matchDoc) holds(m forges.Meta) bool {
	if md == nil {
		return false
	}
	if len(md.repositories) > 0 && !anyRepoGlob(md.repositories, m) {
		return false
	}
	if len(md.topics) > 0 {
		if !m.Topics.Known {
			return false
		}
		found := false
		for _, want := range md.topics {
			for _, t := range m.Topics.Value {
				if strings.EqualFold(want.v, t) {
					found = true
				}
			}
		}
		if !found {
			return false
		}
	}
	if len(md.visibility) > 0 && (!m.Visibility.Known || !anyEqual(md.visibility, m.Visibility.Value)) {
		return false
	}
	if len(md.forge) > 0 && !anyEqual(md.forge, m.Forge) {
		return false
	}
	if md.fork != nil && *md.fork != m.Fork {
		return false
	}
	if md.archived != nil && *md.archived != m.Archived {
		return false
	}
	return true
}

func (md *matchDoc) String() string {
	if md == nil {
		return "no repository"
	}
	var parts []string
	list := func(what string, ss []str) {
		if len(ss) > 0 {
			vals := make([]string, len(ss))
			for i, s := range ss {
				vals[i] = s.v
			}
			parts = append(parts, what+" "+strings.Join(vals, " or "))
		}
	}
	list("repository", md.repositories)
	list("topic", md.topics)
	list("visibility", md.visibility)
	list("forge", md.forge)
	if md.fork != nil {
		parts = append(parts, fmt.Sprintf("fork %v", *md.fork))
	}
	if md.archived != nil {
		parts = append(parts, fmt.Sprintf("archived %v", *md.archived))
	}
	if len(parts) == 0 {
		return "every repository"
	}
	return strings.Join(parts, " and ")
}

func anyEqual(list []str, v string) bool {
	for _, s := range list {
		if strings.EqualFold(s.v, v) {
			return true
		}
	}
	return false
}

// anyRepoGlob matches a repository's own name and its full name
// ("it-at-m/dave-backend"), ignoring case as the forges do.
func anyRepoGlob(globs []str, m forges.Meta) bool {
	for _, g := range globs {
		if repoGlobMatches(g.v, m) {
			return true
		}
	}
	return false
}

func repoGlobMatches(glob string, m forges.Meta) bool {
	g := strings.ToLower(glob)
	for _, name := range []string{m.Name, m.FullName} {
		if name == "" {
			continue
		}
		if ok, _ := doublestar.Match(g, strings.ToLower(name)); ok {
			return true
		}
	}
	return false
}

// Find returns the policy file to use when --config is not given, as
// DESIGN.md orders it: .ospo-scan.yml in the scanned checkout (checkDir,
// for `check`; "" otherwise), else in the working directory, else "" for
// the built-in defaults.
func Find(checkDir string) string {
	if checkDir != "" {
		p := filepath.Join(checkDir, FileName)
		if isFile(p) {
			return p
		}
	}
	if isFile(FileName) {
		return FileName
	}
	return ""
}

func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

// readRepoFile reads the repository's own policy file, capped like every
// other file a scan reads.
func readRepoFile(fsys fs.FS) ([]byte, error) {
	if st, err := fs.Stat(fsys, FileName); err == nil && st.Size() > forges.MaxFileSize {
		return nil, &fs.PathError{Op: "read", Path: FileName, Err: forges.ErrTooLarge}
	}
	data, err := fs.ReadFile(fsys, FileName)
	if err != nil {
		return nil, err
	}
	if len(data) > forges.MaxFileSize {
		return nil, &fs.PathError{Op: "read", Path: FileName, Err: forges.ErrTooLarge}
	}
	return data, nil
}

// isNotExist is true for a missing file on any forge.
func isNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }

// cleanRel keeps messages short: "../base.yml" rather than an absolute
// path, when the user wrote a relative one.
func cleanRel(base, rel string) string {
	if filepath.IsAbs(rel) {
		return filepath.Clean(rel)
	}
	return filepath.Join(filepath.Dir(base), rel)
}
