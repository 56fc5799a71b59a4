package policy

import (
	"fmt"
	"regexp"
	"strings"
	"sync/atomic"
	"time"

	"github.com/bmatcuk/doublestar/v4"
	"go.yaml.in/yaml/v3"
)

// The keys of each part of a policy file. Changing one is a breaking
// change for every policy in use.
var (
	topKeys       = []string{"extends", "rules", "profiles", "exemptions", "custom", "allowRepositoryExemptions"}
	ruleKeys      = []string{"severity", "params"}
	profileKeys   = []string{"description", "match", "only", "rules"}
	matchKeys     = []string{"repositories", "topics", "visibility", "forge", "fork", "archived"}
	exemptionKeys = []string{"repository", "rule", "reason", "until", "approvedBy"}
	customKeys    = []string{"id", "title", "severity", "type", "doc", "fix", "source", "sourceTitle", "message", "expr", "paths", "pattern", "in", "ignoreCase", "allow", "deny"}
)

// sevOff turns a rule off; the other severities are rules.Severity.
const sevOff = "off"

var severityHint = "write error, warning, note or off"

// doc is one policy file as written, before it is merged with the files
// it extends.
type doc struct {
	file       string
	extends    *str
	rules      []*ruleDoc
	profiles   []*profileDoc
	exemptions []*exemption
	custom     []*customDoc
	customIDs  []string
	allowRepo  *bool
	allowAt    pos
	// keys are the top-level keys present, for warnings about a
	// repository's own file.
	keys []str
	// dec decodes parameter values once the rules they belong to are
	// known (a custom rule may be declared in another file).
	dec *decoder
}

// ruleDoc is the settings of one rule, at the top level or in a profile.
type ruleDoc struct {
	id     str
	sev    *str
	params []*paramDoc
}

type paramDoc struct {
	name str
	node *yaml.Node
}

type profileDoc struct {
	name    str
	desc    string
	match   *matchDoc
	only    []str
	onlySet bool
	onlyAt  pos
	rules   []*ruleDoc
}

// matchDoc selects repositories for a profile. Every condition given
// must hold; within a list, any entry may match.
type matchDoc struct {
	at           pos
	repositories []str
	topics       []str
	visibility   []str
	forge        []str
	fork         *bool
	archived     *bool
}

// exemption lets one rule fail on matching repositories, for a reason.
type exemption struct {
	at         pos
	repository str
	rule       str
	reason     string
	until      string // YYYY-MM-DD, inclusive; "" for none
	approvedBy string
	declaredBy string // "policy" or "repository"

	// Recorded by Apply (from concurrent workers) for stale warnings.
	repoMatched atomic.Bool
	failMatched atomic.Bool
}

// customDoc is a declarative rule as written.
type customDoc struct {
	at                                     pos
	id, title, typ                         str
	sev                                    *str
	doc, fix, source, sourceTitle, message string
	expr                                   str
	exprNode                               *yaml.Node
	paths                                  []str
	pattern                                *str
	in                                     *str
	ignoreCase                             bool
	allow, deny                            []str
	set                                    map[string]pos // fields written, by key
}

// parse decodes one policy file. Problems are in the returned list; the
// doc holds whatever was valid.
func parse(file string, src []byte) (*doc, ErrorList) { return parseWith(file, src, false) }

// parseWith decodes a policy file; repoFile marks a repository's own
// file, whose exemptions are declared by the repository and need no
// repository: key (it defaults to the repository itself).
func parseWith(file string, src []byte, repoFile bool) (d *doc, errs ErrorList) {
	dec := newDecoder(file, src)
	dec.repoFile = repoFile
	d = &doc{file: file, dec: dec}
	defer func() {
		// The YAML library has panicked on malformed input in the past; a
		// policy file must never crash the program.
		if v := recover(); v != nil {
			d = &doc{file: file, dec: dec}
			errs = ErrorList{{File: file, Msg: oneLine(fmt.Sprintf("cannot parse the file: %v", v)), Hint: "check that it is valid YAML"}}
		}
	}()
	var root yaml.Node
	if err := yaml.Unmarshal(src, &root); err != nil {
		return d, ErrorList{yamlError(file, src, err)}
	}
	if root.Kind == 0 || len(root.Content) == 0 {
		return d, nil // an empty file is the built-in defaults
	}
	if n := dec.resolve(root.Content[0]); n != nil && n.Kind != yaml.MappingNode && !(n.Kind == yaml.ScalarNode && n.Tag == "!!null") {
		dec.fail(n, "start with keys such as rules:, profiles:, exemptions:", "the policy must be a mapping, not %s", kindName(n))
		return d, dec.errs
	}
	top, ok := dec.object(root.Content[0], "the policy", topKeys)
	if !ok {
		return d, dec.errs
	}
	for _, k := range topKeys {
		if p, ok := top[k]; ok {
			d.keys = append(d.keys, str{v: k, at: dec.at(p.k)})
		}
	}
	if p, ok := top["extends"]; ok {
		if s, ok := dec.scalar(p.v, "extends", "write the path of the base policy, relative to this file"); ok {
			if strings.TrimSpace(s.v) == "" {
				dec.fail(p.v, "write the path of the base policy, relative to this file", "extends is empty")
			} else {
				d.extends = &s
			}
		}
	}
	if p, ok := top["rules"]; ok {
		d.rules = dec.ruleSettings(p.v, "rules")
	}
	if p, ok := top["profiles"]; ok {
		d.profiles = dec.profiles(p.v)
	}
	if p, ok := top["exemptions"]; ok {
		d.exemptions = dec.exemptions(p.v)
	}
	if p, ok := top["custom"]; ok {
		d.custom, d.customIDs = dec.customRules(p.v)
	}
	if p, ok := top["allowRepositoryExemptions"]; ok {
		if b, at, ok := dec.boolean(p.v, "allowRepositoryExemptions"); ok {
			d.allowRepo, d.allowAt = &b, at
		}
	}
	return d, dec.errs
}

// yamlLine finds "line N:" in the YAML library's messages.
var yamlLine = regexp.MustCompile(`^yaml: (?:line (\d+): )?(.*)$`)

func yamlError(file string, src []byte, err error) *Error {
	msg := oneLine(err.Error())
	e := &Error{File: file, Msg: "not valid YAML: " + msg, Hint: "fix the syntax (indentation, quotes, colons; no tabs)"}
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		e.Msg = "not valid YAML: " + m[2]
		if m[1] != "" {
			fmt.Sscan(m[1], &e.Line)
			e.Column = 1
		}
	}
	if line, col := problemLine(src); line > 0 {
		e.Line, e.Column = line, col
	}
	return e
}

// maxProblemScan bounds the lines problemLine re-parses (it is quadratic).
const maxProblemScan = 400

// problemLine finds the line where a YAML document stops being valid. The
// YAML library reports the line where the enclosing block starts ("line
// 1: did not find expected key" for a bad indentation on line 4); the
// problem is on the first line k such that the lines before k parse and
// every longer prefix fails. It returns 0 when it cannot tell.
func problemLine(src []byte) (line, col int) {
	lines := strings.SplitAfter(string(src), "\n")
	if len(lines) > maxProblemScan {
		return 0, 0
	}
	for k := len(lines); k >= 1; k-- {
		var n yaml.Node
		if yaml.Unmarshal([]byte(strings.Join(lines[:k-1], "")), &n) == nil {
			text := strings.TrimRight(lines[k-1], "\r\n")
			return k, len(text) - len(strings.TrimLeft(text, " \t")) + 1
		}
	}
	return 0, 0
}

// ruleSettings reads "rules:" (top level or in a profile): rule id ->
// {severity, params}, or rule id -> severity as a shorthand.
func (dec *decoder) ruleSettings(n *yaml.Node, what string) []*ruleDoc {
	pairs, _ := dec.mapping(n, what, "map rule ids to settings, e.g. license/approved: {severity: warning}")
	var out []*ruleDoc
	for _, p := range pairs {
		rd := &ruleDoc{id: str{v: p.key, at: dec.at(p.k)}}
		v := dec.resolve(p.v)
		if v == nil {
			continue
		}
		if v.Kind == yaml.ScalarNode && v.Tag != "!!null" {
			// Shorthand: "docs/codeowners: off".
			if s, ok := dec.severity(v); ok {
				rd.sev = &s
			}
			out = append(out, rd)
			continue
		}
		fields, ok := dec.object(v, what+" "+p.key, ruleKeys)
		if !ok {
			continue
		}
		if f, ok := fields["severity"]; ok {
			if s, ok := dec.severity(f.v); ok {
				rd.sev = &s
			}
		}
		if f, ok := fields["params"]; ok {
			params, _ := dec.mapping(f.v, "params of "+p.key, "map parameter names to values, e.g. approved: [MIT]")
			for _, pp := range params {
				rd.params = append(rd.params, &paramDoc{name: str{v: pp.key, at: dec.at(pp.k)}, node: pp.v})
			}
		}
		out = append(out, rd)
	}
	return out
}

func (dec *decoder) severity(n *yaml.Node) (str, bool) {
	s, ok := dec.scalar(n, "severity", severityHint)
	if !ok {
		return s, false
	}
	switch s.v {
	case "error", "warning", "note", sevOff:
		return s, true
	}
	hint := severityHint
	if c := closest(s.v, []string{"error", "warning", "note", sevOff}); c != "" {
		hint = fmt.Sprintf("did you mean %s? (%s)", c, severityHint)
	}
	dec.fail(n, hint, "unknown severity %q", s.v)
	return s, false
}

func (dec *decoder) profiles(n *yaml.Node) []*profileDoc {
	pairs, _ := dec.mapping(n, "profiles", "map profile names to settings, e.g. cooperation: {match: {repositories: [eappointment]}}")
	var out []*profileDoc
	for _, p := range pairs {
		pd := &profileDoc{name: str{v: p.key, at: dec.at(p.k)}}
		if p.key == inHouse {
			dec.fail(p.k, "write the in-house settings under the top-level rules:", "the in-house profile is the top-level rules: section, not a profile")
			continue
		}
		validName := profileName.MatchString(p.key)
		if !validName {
			dec.fail(p.k, "use lower-case letters, digits and dashes, e.g. cooperation", "invalid profile name %q", p.key)
		}
		fields, ok := dec.object(p.v, "profile "+p.key, profileKeys)
		if !ok {
			continue
		}
		if f, ok := fields["description"]; ok {
			if s, ok := dec.scalar(f.v, "description", "write a sentence"); ok {
				pd.desc = s.v
			}
		}
		if f, ok := fields["match"]; ok {
			pd.match = dec.match(f.v, p.key)
		}
		if f, ok := fields["only"]; ok {
			pd.only, _ = dec.strings(f.v, "only", "list the rule ids this profile runs, e.g. [license/present]")
			pd.onlySet, pd.onlyAt = true, dec.at(f.k)
		}
		if f, ok := fields["rules"]; ok {
			pd.rules = dec.ruleSettings(f.v, "rules of profile "+p.key)
		}
		if validName {
			out = append(out, pd)
		}
	}
	return out
}

var profileName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

var (
	visibilities = []string{"public", "private", "internal"}
	forgeNames   = []string{"github", "gitlab", "local"}
)

func (dec *decoder) match(n *yaml.Node, profile string) *matchDoc {
	fields, ok := dec.object(n, "match of profile "+profile, matchKeys)
	if !ok {
		return nil
	}
	m := &matchDoc{at: dec.at(n)}
	if f, ok := fields["repositories"]; ok {
		m.repositories, _ = dec.strings(f.v, "repositories", "list repository names or globs, e.g. [eappointment, \"consul-*\"]")
		for _, r := range m.repositories {
			dec.checkGlob(r, "repository glob")
		}
	}
	if f, ok := fields["topics"]; ok {
		m.topics, _ = dec.strings(f.v, "topics", "list topics, e.g. [cooperation]")
	}
	if f, ok := fields["visibility"]; ok {
		m.visibility, _ = dec.strings(f.v, "visibility", "write public, private or internal")
		dec.oneOf(m.visibility, "visibility", visibilities)
	}
	if f, ok := fields["forge"]; ok {
		m.forge, _ = dec.strings(f.v, "forge", "write github, gitlab or local")
		dec.oneOf(m.forge, "forge", forgeNames)
	}
	if f, ok := fields["fork"]; ok {
		if b, _, ok := dec.boolean(f.v, "fork"); ok {
			m.fork = &b
		}
	}
	if f, ok := fields["archived"]; ok {
		if b, _, ok := dec.boolean(f.v, "archived"); ok {
			m.archived = &b
		}
	}
	return m
}

func (dec *decoder) oneOf(vals []str, what string, allowed []string) {
	for _, v := range vals {
		if !contains(allowed, v.v) {
			dec.errs = append(dec.errs, v.at.err("write one of "+strings.Join(allowed, ", "), "unknown %s %q", what, v.v))
		}
	}
}

func (dec *decoder) checkGlob(s str, what string) {
	if !doublestar.ValidatePattern(s.v) {
		dec.errs = append(dec.errs, s.at.err(`use * for any characters within a name, ** across "/", {a,b} for alternatives`, "invalid %s %q", what, s.v))
	}
}

func (dec *decoder) exemptions(n *yaml.Node) []*exemption {
	hint := "list exemptions, e.g. - {repository: eappointment, rule: license/approved, reason: \"...\"}"
	n = dec.resolve(n)
	if n == nil {
		return nil
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		dec.fail(n, hint, "exemptions must be a list, not %s", kindName(n))
		return nil
	}
	var out []*exemption
	for _, item := range n.Content {
		e := dec.exemption(item)
		if e != nil {
			out = append(out, e)
		}
	}
	return out
}

func (dec *decoder) exemption(n *yaml.Node) *exemption {
	fields, ok := dec.object(n, "the exemption", exemptionKeys)
	if !ok {
		return nil
	}
	n = dec.resolve(n)
	e := &exemption{at: dec.at(n), declaredBy: byPolicy}
	if dec.repoFile {
		e.declaredBy = byRepository
	}
	good := true
	need := func(key, hint string) (str, bool) {
		f, ok := fields[key]
		if !ok {
			dec.fail(n, hint, "the exemption has no %s", key)
			return str{}, false
		}
		s, ok := dec.scalar(f.v, key, hint)
		if ok && strings.TrimSpace(s.v) == "" {
			dec.fail(f.v, hint, "the exemption's %s is empty", key)
			return s, false
		}
		return s, ok
	}
	var ok1, ok2, ok3 bool
	if _, given := fields["repository"]; given || !dec.repoFile {
		e.repository, ok1 = need("repository", "add repository: NAME (a repository name or glob)")
	} else {
		ok1 = true // filled in with the repository's name by Apply
	}
	e.rule, ok2 = need("rule", "add rule: RULE-ID (a rule id or glob, e.g. license/approved)")
	var reason str
	reason, ok3 = need("reason", `add reason: "why this repository may fail the rule, and who agreed"`)
	e.reason = reason.v
	good = ok1 && ok2 && ok3
	if ok1 && e.repository.v != "" {
		dec.checkGlob(e.repository, "repository glob")
	}
	if ok2 {
		dec.checkGlob(e.rule, "rule glob")
	}
	if f, ok := fields["until"]; ok {
		s, ok := dec.scalar(f.v, "until", "write a date as YYYY-MM-DD, e.g. 2027-06-30")
		if ok {
			if _, err := time.Parse(time.DateOnly, s.v); err != nil {
				dec.fail(f.v, "write a date as YYYY-MM-DD, e.g. 2027-06-30", "until %q is not a date", s.v)
				good = false
			} else {
				e.until = s.v
			}
		} else {
			good = false
		}
	}
	if f, ok := fields["approvedBy"]; ok {
		if s, ok := dec.scalar(f.v, "approvedBy", "write who approved the exemption, e.g. ospo"); ok {
			e.approvedBy = s.v
		}
	}
	if !good {
		return nil
	}
	return e
}

var customTypes = []string{typeFileExists, typeFileContains, typeFileNotContains, typeLicense, typeExpr}

const (
	typeFileExists      = "file-exists"
	typeFileContains    = "file-contains"
	typeFileNotContains = "file-not-contains"
	typeLicense         = "license"
	typeExpr            = "expr"
)

// typeKeys are the keys each custom rule type takes besides the common
// ones.
var typeKeys = map[string][]string{
	typeFileExists:      {"paths", "ignoreCase"},
	typeFileContains:    {"paths", "ignoreCase", "pattern", "in"},
	typeFileNotContains: {"paths", "ignoreCase", "pattern", "in"},
	typeLicense:         {"allow", "deny"},
	typeExpr:            {"expr"},
}

var commonCustomKeys = []string{"id", "title", "severity", "type", "doc", "fix", "source", "sourceTitle", "message"}

func (dec *decoder) customRules(n *yaml.Node) (out []*customDoc, ids []string) {
	hint := "list custom rules, e.g. - {id: custom/topics, title: ..., type: expr, expr: ...}"
	n = dec.resolve(n)
	if n == nil || n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil, nil
	}
	if n.Kind != yaml.SequenceNode {
		dec.fail(n, hint, "custom must be a list, not %s", kindName(n))
		return nil, nil
	}
	for _, item := range n.Content {
		c, id := dec.customRule(item)
		if id != "" {
			ids = append(ids, id)
		}
		if c != nil {
			out = append(out, c)
		}
	}
	return out, ids
}

// customID is family/name in lower case, like the built-in ids.
var customID = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*(/[a-z0-9][a-z0-9._-]*)+$`)

// customRule reads one custom rule; id is its id when one was written,
// even if the rule is invalid.
func (dec *decoder) customRule(n *yaml.Node) (_ *customDoc, id string) {
	fields, ok := dec.object(n, "the custom rule", customKeys)
	if !ok {
		return nil, ""
	}
	n = dec.resolve(n)
	c := &customDoc{at: dec.at(n), set: map[string]pos{}}
	for k, f := range fields {
		c.set[k] = dec.at(f.k)
	}
	good := true
	text := func(key, hint string, required bool) str {
		f, ok := fields[key]
		if !ok {
			if required {
				dec.fail(n, hint, "the custom rule has no %s", key)
				good = false
			}
			return str{}
		}
		s, ok := dec.scalar(f.v, key, hint)
		if !ok {
			good = false
		} else if required && strings.TrimSpace(s.v) == "" {
			dec.fail(f.v, hint, "the custom rule's %s is empty", key)
			good = false
		}
		return s
	}
	c.id = text("id", "add id: custom/NAME", true)
	id = c.id.v
	if c.id.v != "" && !customID.MatchString(c.id.v) {
		dec.errs = append(dec.errs, c.id.at.err("write family/name in lower case, e.g. custom/topics", "invalid rule id %q", c.id.v))
		good = false
	}
	c.title = text("title", "add title: a short sentence saying what passes", true)
	c.typ = text("type", "add type: one of "+strings.Join(customTypes, ", "), true)
	if f, ok := fields["severity"]; ok {
		s, ok := dec.severity(f.v)
		switch {
		case !ok:
			good = false
		default:
			// "off" declares the rule without running it, unless a
			// profile turns it on.
			c.sev = &s
		}
	}
	c.doc = text("doc", "write what the rule checks and why", false).v
	c.fix = text("fix", "write how to make the rule pass", false).v
	c.source = text("source", "write the URL where the convention is written down", false).v
	c.sourceTitle = text("sourceTitle", "write what that place is called", false).v
	c.message = text("message", "write the message of a failing result", false).v
	if c.typ.v == "" {
		return nil, id
	}
	allowed, known := typeKeys[c.typ.v]
	if !known {
		hint := "write one of " + strings.Join(customTypes, ", ")
		if s := closest(c.typ.v, customTypes); s != "" {
			hint = fmt.Sprintf("did you mean %s? (%s)", s, hint)
		}
		dec.errs = append(dec.errs, c.typ.at.err(hint, "unknown custom rule type %q", c.typ.v))
		return nil, id
	}
	for _, k := range customKeys {
		f, ok := fields[k]
		if ok && !contains(commonCustomKeys, k) && !contains(allowed, k) {
			dec.fail(f.k, fmt.Sprintf("remove it (type %s takes %s)", c.typ.v, strings.Join(allowed, ", ")), "key %s does not apply to a custom rule of type %s", k, c.typ.v)
			good = false
		}
	}
	switch c.typ.v {
	case typeExpr:
		c.expr = text("expr", "add expr: a CEL expression that returns true when the repository passes, e.g. size(repo.topics) > 0", true)
		if f, ok := fields["expr"]; ok {
			c.exprNode = dec.resolve(f.v)
		}
	case typeLicense:
		if f, ok := fields["allow"]; ok {
			c.allow, _ = dec.strings(f.v, "allow", "list SPDX ids or expressions, e.g. [MIT, EUPL-1.2]")
		}
		if f, ok := fields["deny"]; ok {
			c.deny, _ = dec.strings(f.v, "deny", "list SPDX ids or expressions, e.g. [AGPL-1.0-or-later]")
		}
		if len(c.allow) == 0 && len(c.deny) == 0 {
			dec.fail(n, "add allow: [SPDX ids] or deny: [SPDX ids]", "the licence rule %s has neither allow nor deny", c.id.v)
			good = false
		}
	default: // the file types
		f, ok := fields["paths"]
		if !ok {
			dec.fail(n, "add paths: [file names, paths or globs], e.g. [publiccode.yml]", "the custom rule %s has no paths", c.id.v)
			good = false
		} else {
			c.paths, _ = dec.strings(f.v, "paths", "list file names, paths or globs, e.g. [publiccode.yml]")
			if len(c.paths) == 0 {
				dec.fail(f.v, "list at least one file name, path or glob", "paths of %s is empty", c.id.v)
				good = false
			}
		}
		if f, ok := fields["ignoreCase"]; ok {
			c.ignoreCase, _, _ = dec.boolean(f.v, "ignoreCase")
		}
		if c.typ.v != typeFileExists {
			if _, ok := fields["pattern"]; !ok {
				dec.fail(n, `add pattern: a regular expression, e.g. "opensource@muenchen\\.de"`, "the custom rule %s has no pattern", c.id.v)
				good = false
			} else {
				s := text("pattern", "write a regular expression (RE2 syntax)", true)
				c.pattern = &s
			}
			if _, ok := fields["in"]; ok {
				s := text("in", "write first, any or all", true)
				c.in = &s
			}
		}
	}
	if !good {
		return nil, id
	}
	return c, id
}
