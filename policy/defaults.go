package policy

import (
	"fmt"
	"github.com/it-at-m/ospo-scan/internal/textwrap"
	"io"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/it-at-m/ospo-scan/rules"
)

// builtinProfiles are the profiles every policy starts with. A policy file
// may change them by name (another match, another only list, rule
// settings). They are the one description that both Default and
// WriteInit use.
var builtinProfiles = []struct {
	name, desc, why string
	fork            bool // match forks (else archived repositories)
	only            []string
}{
	{
		name: fork,
		desc: "Forks made to contribute upstream: only the licence file",
		why:  `Forks keep the upstream's files (licenses.md: "a fork of the repository is created, which also contains the licence file"); the in-house rules do not apply. Forks are scanned with --include-forks.`,
		fork: true,
		only: []string{"license/present"},
	},
	{
		name: archived,
		desc: "Archived repositories: licence and README only",
		why:  "Archived repositories are history, not publications in progress: they are scanned only with --include-archived, and then against this reduced set.",
		only: []string{"license/present", "license/approved", "docs/readme"},
	},
}

// defaultsDoc is the built-in policy as a document: every rule at its
// declared severity and parameter defaults (nothing to write for those)
// and the built-in profiles. Rule ids a profile names but builtin lacks
// are left out, so a reduced rule set still makes a valid policy.
func defaultsDoc(builtin []*rules.Rule) *doc {
	known := map[string]bool{}
	for _, r := range builtin {
		known[r.ID] = true
	}
	d := &doc{dec: newDecoder("", nil)}
	for _, bp := range builtinProfiles {
		t := true
		m := &matchDoc{}
		if bp.fork {
			m.fork = &t
		} else {
			m.archived = &t
		}
		pd := &profileDoc{name: str{v: bp.name}, desc: bp.desc, match: m, onlySet: true}
		for _, id := range bp.only {
			if known[id] {
				pd.only = append(pd.only, str{v: id})
			}
		}
		d.profiles = append(d.profiles, pd)
	}
	return d
}

const initHeader = `ospo-scan policy: the built-in LHM defaults, as written by ` + "`ospo-scan policy init`" + `.

Every built-in rule is listed with its default severity (error, warning, note,
or off to turn the rule off) and its parameters. Change what you need; a rule
or parameter this file does not mention keeps its built-in default.
` + "`ospo-scan policy validate`" + ` checks the file, ` + "`ospo-scan explain RULE-ID`" + ` shows a
rule's settings and where each value comes from.

ospo-scan reads --config FILE, else .ospo-scan.yml in the checkout (check),
else .ospo-scan.yml in the working directory, else the built-in defaults.

extends: ../lhm-defaults.yml   builds on another policy (a path relative to
this file). The base is read first; this file then replaces per rule and per
field (severity, each parameter) and per profile name; exemptions and custom
rules of both files apply.`

const profilesComment = `Profiles give some repositories other settings. For each repository the
first profile whose match holds applies: the profiles a policy declares, in
order (those of an extended file first), then fork, then archived; every
other repository gets the in-house settings above (all rules).
match conditions must all hold; a list matches when any entry does:
  repositories: [NAME or glob]   the repository's name or full name, e.g. "consul-*", "it-at-m/*"
  topics: [TOPIC]                visibility: public|private|internal
  forge: github|gitlab|local     fork: true|false   archived: true|false
only: [RULE-ID] runs just these rules; rules: changes severities and
parameters like the top-level rules: (a severity other than off also runs a
rule that only: leaves out). For example:
  cooperation:
    description: Cooperation projects keep the partner's licence.
    match: {repositories: [eappointment, "consul-*"]}
    rules:
      license/approved: {params: {approved: [MIT, EUPL-1.2, AGPL-3.0-only]}}`

const exemptionsComment = `Exemptions let a rule fail on some repositories, for a written reason. An
exempt result shows its reason in every report. After until (YYYY-MM-DD,
inclusive) the finding fails again and says that its exemption expired. An
exemption that matches no failing result is reported as stale.
  - repository: eappointment      # name or glob, e.g. "consul-*"
    rule: license/approved        # rule id or glob, e.g. "docs/*"
    reason: "cooperation with BerlinOnline; EUPL-1.2 agreed by the OSPO"
    until: 2027-06-30             # optional
    approvedBy: ospo              # optional`

const customComment = `Custom rules are checked like built-in ones and appear in every report.
Common keys: id (family/name), title, severity, doc, fix, source (URL),
sourceTitle, message (of a failing result), type:
  file-exists        paths: [NAME, PATH or glob]  (a bare name: root, .github/, docs/)
  file-contains      paths, pattern (RE2), in: first|any|all
  file-not-contains  paths, pattern, in (every match is a finding with its line)
  license            allow: [SPDX id], deny: [SPDX id]  (on the detected licences)
  expr               expr: a CEL expression over repo, files and licenses
For example:
  - id: custom/topics
    title: Repository has topics
    severity: note
    type: expr
    expr: size(repo.topics) > 0 || repo.forge == 'local'
    doc: Topics make the repository findable.`

const allowRepoComment = `In org and repo scans a repository's own .ospo-scan.yml is ignored, unless
this is true: then its exemptions apply too, marked as declared by the
repository. A repository can never change rules, profiles or licences.`

// WriteInit writes the built-in policy as a commented policy file: every
// rule with its default severity and parameters, and the built-in
// profiles. Loading what it writes gives the same policy as Default.
func WriteInit(w io.Writer, builtin []*rules.Rule) error {
	root := &yaml.Node{Kind: yaml.MappingNode, HeadComment: initHeader}
	rulesNode := &yaml.Node{Kind: yaml.MappingNode}
	for _, r := range builtin {
		if r.Custom {
			continue // custom rules belong to a policy file, not the defaults
		}
		settings := &yaml.Node{Kind: yaml.MappingNode}
		addPair(settings, "severity", scalar(string(r.Severity)), "")
		if len(r.Params) > 0 {
			params := &yaml.Node{Kind: yaml.MappingNode}
			for _, decl := range r.Params {
				v, err := valueNode(decl.Default)
				if err != nil {
					return fmt.Errorf("rule %s parameter %s: %w", r.ID, decl.Name, err)
				}
				addPair(params, decl.Name, v, textwrap.Wrap(decl.Doc, 76))
			}
			addPair(settings, "params", params, "")
		}
		head := r.Title + "."
		if r.Source != "" {
			head += "\nSource: " + r.Source
		}
		addPair(rulesNode, r.ID, settings, head)
	}
	addPair(root, "rules", rulesNode, "")

	profiles := &yaml.Node{Kind: yaml.MappingNode}
	d := defaultsDoc(builtin)
	for i, pd := range d.profiles {
		pn := &yaml.Node{Kind: yaml.MappingNode}
		addPair(pn, "description", scalar(pd.desc), "")
		match := &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle}
		if builtinProfiles[i].fork {
			addPair(match, "fork", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "true"}, "")
		} else {
			addPair(match, "archived", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "true"}, "")
		}
		addPair(pn, "match", match, "")
		only, _ := valueNode(texts(pd.only))
		addPair(pn, "only", only, "")
		addPair(profiles, pd.name.v, pn, textwrap.Wrap(builtinProfiles[i].why, 76))
	}
	addPair(root, "profiles", profiles, profilesComment)
	addPair(root, "exemptions", &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}, exemptionsComment)
	addPair(root, "custom", &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}, customComment)
	addPair(root, "allowRepositoryExemptions", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "false"}, allowRepoComment)

	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{root}}); err != nil {
		return fmt.Errorf("writing the policy: %w", err)
	}
	return enc.Close()
}

func scalar(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
}

// valueNode encodes a parameter default; lists are written in flow style
// ([MIT]) as a person would write them.
func valueNode(v any) (*yaml.Node, error) {
	n := &yaml.Node{}
	if err := n.Encode(v); err != nil {
		return nil, err
	}
	if n.Kind == yaml.SequenceNode {
		n.Style = yaml.FlowStyle
	}
	return n, nil
}

func addPair(m *yaml.Node, key string, v *yaml.Node, head string) {
	k := scalar(key)
	k.HeadComment = strings.TrimSpace(head)
	m.Content = append(m.Content, k, v)
}
