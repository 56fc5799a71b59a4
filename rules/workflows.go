package rules

import (
	"errors"
	"fmt"
	"io/fs"
	"iter"
	"path"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/it-at-m/ospo-scan/forges"
)

// WorkflowsDir is where GitHub looks for Actions workflows. GitHub runs
// only the *.yml and *.yaml files directly in it, not in subfolders.
const WorkflowsDir = ".github/workflows"

// GitLabCIFile is the GitLab pipeline definition at the repository root.
const GitLabCIFile = ".gitlab-ci.yml"

// Workflows is what the repository's GitHub Actions workflows say, read
// and parsed once per scan (see Facts.Workflows).
type Workflows struct {
	// Files are the workflow files in name order, parsed or not.
	Files []*Workflow
	// Err is set when .github/workflows exists but cannot be listed; a
	// missing folder is simply no workflows.
	Err error
}

// Parsed yields the workflows that could be read and parsed.
func (ws *Workflows) Parsed() iter.Seq[*Workflow] {
	return func(yield func(*Workflow) bool) {
		for _, w := range ws.Files {
			if w.Problem == "" && !yield(w) {
				return
			}
		}
	}
}

// Workflow is one workflow file.
type Workflow struct {
	Path string // ".github/workflows/build.yml"
	// Problem says why the file could not be read or parsed, as a
	// sentence that names the file ("… is not valid YAML: …"); empty for
	// a parsed workflow. ProblemLine is where, when known.
	Problem     string
	ProblemLine int

	// Triggers are the events of `on:`, whichever of its three forms
	// (a string, a list or a map) the file uses.
	Triggers []Trigger
	OnLine   int // line of `on:`, 0 when absent
	// Permissions is the top-level `permissions:`, nil when absent.
	Permissions *Permissions
	JobsLine    int // line of `jobs:`, 0 when absent
	Jobs        []*Job
}

// Trigger is one event that starts a workflow.
type Trigger struct {
	Event string // "push", "pull_request", "workflow_call", …
	Line  int
}

// Permissions is a `permissions:` setting of a workflow or a job.
type Permissions struct {
	Line int
	// All is the single value form ("read-all", "write-all"), else "".
	All string
	// Scopes is the map form (`contents: read`); empty for `{}`.
	Scopes map[string]string
}

// Job is one job of a workflow.
type Job struct {
	ID          string
	Line        int
	Permissions *Permissions // nil when the job sets none
	// Uses is the reusable workflow the job calls, nil for a job with
	// steps.
	Uses *Uses
	// Steps are the job's steps that run an action (`uses:`), in order;
	// `run:` steps are left out.
	Steps []*Uses
}

// Uses is one `uses:` of a job or a step.
type Uses struct {
	Ref  ActionRef
	Line int
	Job  string // id of the job it belongs to
	// With holds the scalar inputs of `with:` (nested values are left
	// out; inputs are scalars in valid workflows).
	With map[string]string
}

// On reports whether the workflow is triggered by any of events.
func (w *Workflow) On(events ...string) bool {
	for _, t := range w.Triggers {
		for _, e := range events {
			if t.Event == e {
				return true
			}
		}
	}
	return false
}

// AllUses yields every `uses:` of the workflow in document order: each
// job's reusable workflow or its steps' actions.
func (w *Workflow) AllUses() iter.Seq[*Uses] {
	return func(yield func(*Uses) bool) {
		for _, j := range w.Jobs {
			if j.Uses != nil && !yield(j.Uses) {
				return
			}
			for _, s := range j.Steps {
				if !yield(s) {
					return
				}
			}
		}
	}
}

// RefKind says what a `uses:` points at.
type RefKind int

const (
	// RefRemote is an action or reusable workflow in a repository:
	// owner/repo[/path]@ref.
	RefRemote RefKind = iota
	// RefLocal is an action or workflow in the same repository: ./path.
	RefLocal
	// RefDocker is a container image: docker://image[:tag|@digest].
	RefDocker
)

// ActionRef is a parsed `uses:` value.
type ActionRef struct {
	Raw  string // as written
	Kind RefKind
	// Owner, Repo and Path (inside the repository, "" for an action at
	// its root) are set for RefRemote; Path alone for RefLocal (without
	// "./").
	Owner, Repo, Path string
	// Version is what follows "@" for RefRemote: a tag, a branch or a
	// commit SHA; "" when there is no "@".
	Version string
}

// ParseActionRef parses the value of a `uses:`. It never fails: a value
// GitHub would reject parses as a remote reference with empty parts,
// which no rule accepts as pinned.
func ParseActionRef(s string) ActionRef {
	r := ActionRef{Raw: s}
	switch {
	case strings.HasPrefix(s, "docker://"):
		r.Kind = RefDocker
		return r
	case strings.HasPrefix(s, "./"):
		r.Kind = RefLocal
		r.Path = strings.TrimPrefix(s, "./")
		return r
	}
	name := s
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		name, r.Version = s[:i], s[i+1:]
	}
	parts := strings.SplitN(name, "/", 3)
	r.Owner = parts[0]
	if len(parts) > 1 {
		r.Repo = parts[1]
	}
	if len(parts) > 2 {
		r.Path = parts[2]
	}
	return r
}

// Is reports whether r is a remote reference to owner/repo with the given
// path inside it (GitHub compares owner and repository names without
// regard to case).
func (r ActionRef) Is(owner, repo, p string) bool {
	return r.Kind == RefRemote && strings.EqualFold(r.Owner, owner) &&
		strings.EqualFold(r.Repo, repo) && strings.Trim(r.Path, "/") == p
}

// HasElement reports whether one element of the reference's path (or its
// repository name) is elem, so that an lhm_actions action is recognised
// wherever it lives: it-at-m/lhm_actions/action-templates/actions/action-codeql,
// it-at-m/.github/.github/actions/action-codeql, or a local copy.
func (r ActionRef) HasElement(elem string) bool {
	if r.Kind == RefDocker {
		return false
	}
	if strings.EqualFold(r.Repo, elem) {
		return true
	}
	for e := range strings.SplitSeq(r.Path, "/") {
		if strings.EqualFold(e, elem) {
			return true
		}
	}
	return false
}

// Workflows returns the repository's workflows, read and parsed once per
// scan.
func (f *Facts) Workflows() *Workflows {
	return memoize(f, "workflows", func(*forges.Repo) *Workflows { return loadWorkflows(f) })
}

func loadWorkflows(f *Facts) *Workflows {
	ws := &Workflows{}
	entries, err := f.ReadDir(WorkflowsDir)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			ws.Err = fmt.Errorf("cannot list %s: %w", WorkflowsDir, unwrapPath(err))
		}
		return ws
	}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || (path.Ext(name) != ".yml" && path.Ext(name) != ".yaml") {
			continue
		}
		p := WorkflowsDir + "/" + name
		data, err := f.ReadFile(p)
		if err != nil {
			ws.Files = append(ws.Files, &Workflow{Path: p, Problem: ReadError(p, err)})
			continue
		}
		ws.Files = append(ws.Files, parseWorkflow(p, data))
	}
	return ws
}

func parseWorkflow(p string, data []byte) *Workflow {
	w := &Workflow{Path: p}
	root, problem, line := parseYAMLMapping(p, data)
	if problem != "" {
		w.Problem, w.ProblemLine = problem, line
		return w
	}
	for k, v := range yamlPairs(root) {
		switch k.Value {
		case "on":
			w.OnLine = k.Line
			w.Triggers = parseTriggers(v)
		case "permissions":
			w.Permissions = parsePermissions(k, v)
		case "jobs":
			w.JobsLine = k.Line
			for jk, jv := range yamlPairs(v) {
				w.Jobs = append(w.Jobs, parseJob(jk, jv))
			}
		}
	}
	return w
}

func parseTriggers(v *yaml.Node) []Trigger {
	var out []Trigger
	switch v.Kind {
	case yaml.ScalarNode:
		out = append(out, Trigger{Event: v.Value, Line: v.Line})
	case yaml.SequenceNode:
		for _, e := range v.Content {
			if e = yamlResolve(e); e.Kind == yaml.ScalarNode {
				out = append(out, Trigger{Event: e.Value, Line: e.Line})
			}
		}
	case yaml.MappingNode:
		for k := range yamlPairs(v) {
			out = append(out, Trigger{Event: k.Value, Line: k.Line})
		}
	}
	return out
}

func parsePermissions(k, v *yaml.Node) *Permissions {
	p := &Permissions{Line: k.Line, Scopes: map[string]string{}}
	if v.Kind == yaml.ScalarNode {
		p.All = v.Value
	}
	for sk, sv := range yamlPairs(v) {
		p.Scopes[sk.Value] = sv.Value
	}
	return p
}

func parseJob(k, v *yaml.Node) *Job {
	j := &Job{ID: k.Value, Line: k.Line}
	for jk, jv := range yamlPairs(v) {
		switch jk.Value {
		case "permissions":
			j.Permissions = parsePermissions(jk, jv)
		case "uses":
			if jv.Kind == yaml.ScalarNode {
				j.Uses = &Uses{Ref: ParseActionRef(jv.Value), Line: jv.Line, Job: j.ID, With: yamlScalarMap(v, "with")}
			}
		case "steps":
			if jv.Kind != yaml.SequenceNode {
				continue
			}
			for _, step := range jv.Content {
				step = yamlResolve(step)
				for sk, sv := range yamlPairs(step) {
					if sk.Value == "uses" && sv.Kind == yaml.ScalarNode {
						j.Steps = append(j.Steps, &Uses{Ref: ParseActionRef(sv.Value), Line: sv.Line, Job: j.ID, With: yamlScalarMap(step, "with")})
					}
				}
			}
		}
	}
	return j
}

// scalarMap returns the scalar values of the mapping under key in m.
func yamlScalarMap(m *yaml.Node, key string) map[string]string {
	for k, v := range yamlPairs(m) {
		if k.Value != key {
			continue
		}
		out := map[string]string{}
		for ik, iv := range yamlPairs(v) {
			if iv.Kind == yaml.ScalarNode {
				out[ik.Value] = iv.Value
			}
		}
		return out
	}
	return nil
}

// parseYAMLMapping parses data as a YAML document whose root is a
// mapping. On failure it returns a sentence naming the file and the line
// the parser blamed (0 when it named none).
func parseYAMLMapping(name string, data []byte) (*yaml.Node, string, int) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		msg, line := splitYAMLError(err)
		return nil, fmt.Sprintf("%s is not valid YAML: %s", name, msg), yamlProblemLine(data, msg, line)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, fmt.Sprintf("%s is empty", name), 0
	}
	root := yamlResolve(doc.Content[0])
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Sprintf("%s is not a YAML mapping of keys to values", name), root.Line
	}
	return root, "", 0
}

var yamlLineRE = regexp.MustCompile(`^(?:yaml: )?line (\d+): `)

// splitYAMLError turns "yaml: line 3: did not find expected key" into
// its message and line.
func splitYAMLError(err error) (string, int) {
	msg := err.Error()
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return msg[len(m[0]):], line
	}
	return strings.TrimPrefix(msg, "yaml: "), 0
}

// yamlProblemLine finds the line where a YAML error is. The parser names
// the line where the enclosing block starts (a mapping's first key),
// which can be far above the mistake; the shortest prefix of whole lines
// from there on that fails with the same message ends at the mistake.
// Binary search keeps this to a few parses, for broken files only.
func yamlProblemLine(data []byte, msg string, line int) int {
	var ends []int
	for i, c := range data {
		if c == '\n' {
			ends = append(ends, i+1)
		}
	}
	if len(data) > 0 && data[len(data)-1] != '\n' {
		ends = append(ends, len(data))
	}
	failsAt := func(k int) bool {
		var n yaml.Node
		err := yaml.Unmarshal(data[:ends[k-1]], &n)
		if err == nil {
			return false
		}
		m, _ := splitYAMLError(err)
		return m == msg
	}
	// The whole file (hi) fails; the lines before the parser's line are
	// taken to be fine (lo).
	lo, hi := max(line, 1)-1, len(ends)
	if hi <= lo {
		return line
	}
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		if failsAt(mid) {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi
}

// yamlPairs yields the keys and values of a mapping node (nothing for any
// other node), following aliases.
func yamlPairs(n *yaml.Node) iter.Seq2[*yaml.Node, *yaml.Node] {
	return func(yield func(*yaml.Node, *yaml.Node) bool) {
		n = yamlResolve(n)
		if n == nil || n.Kind != yaml.MappingNode {
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if !yield(yamlResolve(n.Content[i]), yamlResolve(n.Content[i+1])) {
				return
			}
		}
	}
}

// yamlResolve follows an alias (`*anchor`) to the node it names; GitHub
// accepts anchors and aliases in workflows.
func yamlResolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && n.Alias != nil && i < 100; i++ {
		n = n.Alias
	}
	return n
}

// GitLabCI is what the root .gitlab-ci.yml includes.
type GitLabCI struct {
	// Exists is false when there is no .gitlab-ci.yml at the root.
	Exists bool
	// Problem and ProblemLine are set when the file exists but cannot
	// be read or parsed (see Workflow.Problem).
	Problem     string
	ProblemLine int
	Includes    []GitLabInclude
}

// GitLabInclude is one entry of `include:`.
type GitLabInclude struct {
	// Kind is "local", "remote", "template", "project" or "component".
	Kind string
	// Value is the path, URL, template name, project path or component
	// address.
	Value string
	// Files are the files of a "project" include; Ref its ref.
	Files []string
	Ref   string
	Line  int
}

// GitLabCI returns what the repository's .gitlab-ci.yml includes, read
// and parsed once per scan.
func (f *Facts) GitLabCI() *GitLabCI {
	return memoize(f, "gitlab-ci", func(*forges.Repo) *GitLabCI { return loadGitLabCI(f) })
}

func loadGitLabCI(f *Facts) *GitLabCI {
	data, err := f.ReadFile(GitLabCIFile)
	if errors.Is(err, fs.ErrNotExist) {
		return &GitLabCI{}
	}
	ci := &GitLabCI{Exists: true}
	if err != nil {
		ci.Problem = ReadError(GitLabCIFile, err)
		return ci
	}
	root, problem, line := parseYAMLMapping(GitLabCIFile, data)
	if problem != "" {
		ci.Problem, ci.ProblemLine = problem, line
		return ci
	}
	for k, v := range yamlPairs(root) {
		if k.Value != "include" {
			continue
		}
		if v.Kind == yaml.SequenceNode {
			for _, e := range v.Content {
				ci.Includes = append(ci.Includes, parseGitLabInclude(yamlResolve(e))...)
			}
		} else {
			ci.Includes = append(ci.Includes, parseGitLabInclude(v)...)
		}
	}
	return ci
}

func parseGitLabInclude(n *yaml.Node) []GitLabInclude {
	if n.Kind == yaml.ScalarNode {
		// A bare string is a local file, or a remote one when it is a URL.
		kind := "local"
		if strings.HasPrefix(n.Value, "https://") || strings.HasPrefix(n.Value, "http://") {
			kind = "remote"
		}
		return []GitLabInclude{{Kind: kind, Value: n.Value, Line: n.Line}}
	}
	inc := GitLabInclude{Line: n.Line}
	for k, v := range yamlPairs(n) {
		switch k.Value {
		case "local", "remote", "template", "component", "project":
			inc.Kind, inc.Value = k.Value, v.Value
			inc.Line = k.Line
		case "ref":
			inc.Ref = v.Value
		case "file":
			if v.Kind == yaml.ScalarNode {
				inc.Files = append(inc.Files, v.Value)
			}
			for _, e := range v.Content {
				if e = yamlResolve(e); e.Kind == yaml.ScalarNode {
					inc.Files = append(inc.Files, e.Value)
				}
			}
		}
	}
	if inc.Kind == "" {
		return nil
	}
	return []GitLabInclude{inc}
}

// gitlabTemplateRE matches GitLab's own CI templates by base name, with
// or without their folder ("Security/", "Jobs/"), in every variant
// GitLab ships (".latest", ".v2").
var gitlabTemplateRE = regexp.MustCompile(`^(?:(?:Security|Jobs)/)?([A-Za-z-]+)(?:\.latest|\.v\d+)?\.gitlab-ci\.yml$`)

// templateName returns the base name of a GitLab template include
// ("SAST", "Dependency-Scanning", "Auto-DevOps"), or "".
func (inc GitLabInclude) templateName() string {
	if inc.Kind != "template" {
		return ""
	}
	if m := gitlabTemplateRE.FindStringSubmatch(strings.TrimSpace(inc.Value)); m != nil {
		return m[1]
	}
	return ""
}

// isComponent reports whether inc includes the GitLab CI/CD catalog
// component project components/<project>, on any instance
// ("$CI_SERVER_FQDN/components/sast/sast@3", "gitlab.com/components/…").
func (inc GitLabInclude) isComponent(project string) bool {
	if inc.Kind != "component" {
		return false
	}
	addr, _, _ := strings.Cut(inc.Value, "@")
	elems := strings.Split(addr, "/")
	// elems[0] is the host; the component project follows.
	for i := 1; i+1 < len(elems); i++ {
		if elems[i] == "components" && elems[i+1] == project {
			return true
		}
	}
	return false
}
