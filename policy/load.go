package policy

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/it-at-m/ospo-scan/forges"
	"github.com/it-at-m/ospo-scan/rules"
)

// maxExtends bounds a chain of extends: far more than any real layering.
const maxExtends = 16

// Load reads the policy file at path and the files it extends, checks
// them against the rules in builtin, and compiles their custom rules. An
// invalid policy gives an ErrorList of every problem found, each as
// FILE:LINE:COLUMN: what is wrong; what to write instead.
func Load(path string, builtin []*rules.Rule) (*Policy, error) {
	return load(path, builtin, readPolicyFile)
}

// Parse is Load for a policy held in memory; name is used in messages.
// An extends: in it is read from the file system, relative to name.
func Parse(name string, src []byte, builtin []*rules.Rule) (*Policy, error) {
	return load(name, builtin, func(p string) ([]byte, error) {
		if p == name {
			return src, nil
		}
		return readPolicyFile(p)
	})
}

func readPolicyFile(p string) ([]byte, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%s is a directory", p)
	}
	if st.Size() > forges.MaxFileSize {
		return nil, fmt.Errorf("%s is larger than 1 MiB", p)
	}
	return os.ReadFile(p)
}

// Default returns the built-in LHM policy: every rule at its default
// severity and parameters, and the fork and archived profiles. It is what
// `policy init` writes out (WriteInit), built from the same description.
func Default(builtin []*rules.Rule) *Policy {
	p, errs := build([]*doc{defaultsDoc(builtin)}, builtin)
	if len(errs) > 0 {
		// The defaults are code; a problem here is a programming error
		// that the tests catch.
		panic("built-in policy is invalid: " + errs.Error())
	}
	return p
}

func load(path string, builtin []*rules.Rule, read func(string) ([]byte, error)) (*Policy, error) {
	var errs ErrorList
	docs := readChain(path, read, nil, nil, &errs)
	// Build even when a file has problems, so that one run reports the
	// problems of every part (the parser kept what was valid).
	p, berrs := build(append([]*doc{defaultsDoc(builtin)}, docs...), builtin)
	errs = append(errs, berrs...)
	if len(errs) > 0 {
		return nil, sortErrors(errs, docs)
	}
	for _, d := range docs {
		p.files = append(p.files, d.file)
	}
	return p, nil
}

// readChain reads path and, first, the files it extends: the returned
// docs are base first. stack holds the absolute paths on the way here, to
// detect cycles; from is the extends: that led here.
func readChain(path string, read func(string) ([]byte, error), stack []string, from *str, errs *ErrorList) []*doc {
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = filepath.Clean(path)
	}
	for i, s := range stack {
		if s == abs {
			chain := make([]string, 0, len(stack)-i+1)
			for _, c := range stack[i:] {
				chain = append(chain, rel(c))
			}
			chain = append(chain, rel(abs))
			*errs = append(*errs, from.at.err("remove the extends: that closes the loop", "extends cycle: %s", strings.Join(chain, " -> ")))
			return nil
		}
	}
	if len(stack) > maxExtends {
		*errs = append(*errs, from.at.err("flatten some of the files into one", "more than %d files extend each other", maxExtends))
		return nil
	}
	src, err := read(path)
	if err != nil {
		*errs = append(*errs, readError(path, from, err))
		return nil
	}
	d, perrs := parse(path, src)
	*errs = append(*errs, perrs...)
	if d.extends == nil {
		return []*doc{d}
	}
	base := cleanRel(path, d.extends.v)
	docs := readChain(base, read, append(stack, abs), d.extends, errs)
	return append(docs, d)
}

// rel shows an absolute path relative to the working directory when that
// is shorter, for cycle messages.
func rel(abs string) string {
	if wd, err := os.Getwd(); err == nil {
		if r, err := filepath.Rel(wd, abs); err == nil && !strings.HasPrefix(r, "..") {
			return r
		}
	}
	return abs
}

func readError(path string, from *str, err error) *Error {
	what := "cannot read the policy file"
	if errors.Is(err, fs.ErrNotExist) {
		what = "the policy file does not exist"
	}
	if from == nil {
		return &Error{File: path, Msg: oneLine(fmt.Sprintf("%s: %v", what, unwrapPathErr(err))), Hint: "check the --config path, or run `ospo-scan policy init` to write one"}
	}
	if errors.Is(err, fs.ErrNotExist) {
		return from.at.err("write a path relative to "+from.at.file, "extends %q: there is no file %s", from.v, path)
	}
	return from.at.err("write a path relative to "+from.at.file, "extends %q: cannot read %s: %v", from.v, path, unwrapPathErr(err))
}

func unwrapPathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// sortErrors orders problems by file (in chain order) and position.
func sortErrors(errs ErrorList, docs []*doc) ErrorList {
	order := map[string]int{}
	for i, d := range docs {
		if _, ok := order[d.file]; !ok {
			order[d.file] = i
		}
	}
	sort.SliceStable(errs, func(i, j int) bool {
		a, b := errs[i], errs[j]
		if a.File != b.File {
			return order[a.File] < order[b.File]
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
	// The same problem can be found twice when a node is reached through
	// two aliases.
	out := errs[:0]
	seen := map[string]bool{}
	for _, e := range errs {
		if k := e.Error(); !seen[k] {
			seen[k] = true
			out = append(out, e)
		}
	}
	return out
}

// build merges docs (base first) into a Policy. The merge order, which
// the package documentation states for users:
//
//   - rules: per rule, per field: a later file's severity or parameter
//     replaces an earlier one's; what it does not mention is kept;
//   - profiles: by name; a later file's match or only replaces the
//     earlier one, its rules merge as above; new profiles are appended;
//   - exemptions and custom rules: concatenated, base first;
//   - allowRepositoryExemptions: the last file that sets it wins.
func build(docs []*doc, builtin []*rules.Rule) (*Policy, ErrorList) {
	p := &Policy{index: map[string]*rules.Rule{}, settings: map[string]*setting{}, now: time.Now}
	var errs ErrorList
	for _, r := range builtin {
		p.rules = append(p.rules, r)
		p.index[r.ID] = r
		p.settings[r.ID] = &setting{sev: string(r.Severity), params: map[string]valueAt{}}
	}
	// Custom rules first: any file of the chain may configure them.
	declared := map[string]pos{}
	p.attempted = map[string]bool{}
	for _, d := range docs {
		for _, id := range d.customIDs {
			p.attempted[id] = true
		}
		for _, c := range d.custom {
			if prev, dup := declared[c.id.v]; dup {
				errs = append(errs, c.id.at.err("choose another id", "custom rule %s is already declared at %s", c.id.v, prev.source()))
				continue
			}
			if _, isBuiltin := p.index[c.id.v]; isBuiltin {
				errs = append(errs, c.id.at.err("choose another id, e.g. custom/"+lastPart(c.id.v), "custom rule id %s is a built-in rule", c.id.v))
				continue
			}
			r, s, cerrs := compileCustom(d.dec, c)
			if len(cerrs) > 0 {
				errs = append(errs, cerrs...)
				continue
			}
			declared[c.id.v] = c.id.at
			p.rules = append(p.rules, r)
			p.index[r.ID] = r
			p.settings[r.ID] = s
		}
	}
	profiles := map[string]*profile{}
	var order []*profile
	for _, d := range docs {
		errs = append(errs, p.applySettings(d, d.rules, p.settings, "")...)
		for _, pd := range d.profiles {
			pr, ok := profiles[pd.name.v]
			if !ok {
				pr = &profile{name: pd.name.v, at: pd.name.at, rules: map[string]*setting{}}
				profiles[pr.name] = pr
				order = append(order, pr)
			}
			if pd.desc != "" {
				pr.desc = pd.desc
			}
			if pd.match != nil {
				pr.match = pd.match
			}
			if pd.onlySet {
				pr.onlySet, pr.onlyAt, pr.only = true, pd.onlyAt, map[string]bool{}
				for _, id := range pd.only {
					if _, err := p.knownRule(id); err != nil {
						errs = append(errs, err)
						continue
					}
					pr.only[id.v] = true
				}
			}
			errs = append(errs, p.applySettings(d, pd.rules, pr.rules, pr.name)...)
		}
		for _, e := range d.exemptions {
			if err := p.checkExemptionRule(e); err != nil {
				errs = append(errs, err)
				continue
			}
			p.exempts = append(p.exempts, e)
		}
		if d.allowRepo != nil {
			p.allowRepo = *d.allowRepo
		}
	}
	for _, pr := range order {
		if pr.match == nil {
			errs = append(errs, pr.at.err("add match: {repositories: [NAME or glob]} (or topics, visibility, forge, fork, archived)", "profile %s has no match, so it applies to no repository", pr.name))
		}
	}
	// User profiles are tried first, in the order they are declared (base
	// file first), then fork and archived: a profile the OSPO wrote for
	// some repositories is more specific than the built-in ones.
	for _, pr := range order {
		if pr.name != fork && pr.name != archived {
			p.profiles = append(p.profiles, pr)
		}
	}
	for _, name := range []string{fork, archived} {
		if pr, ok := profiles[name]; ok {
			p.profiles = append(p.profiles, pr)
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	p.compute()
	return p, nil
}

func lastPart(id string) string {
	if i := strings.LastIndexByte(id, '/'); i >= 0 {
		return id[i+1:]
	}
	return id
}

// knownRule checks a rule id written in a policy.
func (p *Policy) knownRule(id str) (*rules.Rule, *Error) {
	if r, ok := p.index[id.v]; ok {
		return r, nil
	}
	if p.attempted[id.v] {
		// Declared by a custom rule that has problems of its own, which
		// are reported where it is declared.
		return nil, nil
	}
	hint := "`ospo-scan rules` lists the rule ids"
	if s := rules.Suggest(p.rules, id.v); s != "" {
		hint = fmt.Sprintf("did you mean %s? (%s)", s, hint)
	}
	return nil, id.at.err(hint, "unknown rule %q", id.v)
}

// applySettings merges rule settings of one file into dst (the in-house
// settings, or a profile's overrides when profile is not "").
func (p *Policy) applySettings(d *doc, rds []*ruleDoc, dst map[string]*setting, profile string) ErrorList {
	var errs ErrorList
	for _, rd := range rds {
		r, err := p.knownRule(rd.id)
		if err != nil {
			errs = append(errs, err)
		}
		if r == nil {
			continue
		}
		s := dst[r.ID]
		if s == nil {
			s = &setting{params: map[string]valueAt{}}
			dst[r.ID] = s
		}
		if rd.sev != nil {
			s.sev, s.sevAt = rd.sev.v, rd.sev.at
		}
		names := make([]string, len(r.Params))
		for i, decl := range r.Params {
			names[i] = decl.Name
		}
		for _, pd := range rd.params {
			var decl *rules.Param
			for i := range r.Params {
				if r.Params[i].Name == pd.name.v {
					decl = &r.Params[i]
				}
			}
			if decl == nil {
				hint := fmt.Sprintf("rule %s has no parameters; remove params", r.ID)
				if len(names) > 0 {
					hint = "its parameters are " + strings.Join(names, ", ")
					if c := closest(pd.name.v, names); c != "" {
						hint = fmt.Sprintf("did you mean %s? (%s)", c, hint)
					}
				}
				errs = append(errs, pd.name.at.err(hint, "rule %s has no parameter %q", r.ID, pd.name.v))
				continue
			}
			before := len(d.dec.errs)
			v, ok := decodeParam(d.dec, r, *decl, pd.node)
			errs = append(errs, d.dec.errs[before:]...)
			d.dec.errs = d.dec.errs[:before]
			if !ok {
				continue
			}
			at := pd.name.at
			if n := d.dec.resolve(pd.node); n != nil {
				at = d.dec.at(n)
			}
			s.params[decl.Name] = valueAt{v: v, at: at}
		}
	}
	return errs
}

// checkExemptionRule checks that an exemption's rule is a known id, or a
// glob that matches at least one rule.
func (p *Policy) checkExemptionRule(e *exemption) *Error {
	if !strings.ContainsAny(e.rule.v, "*?[{") {
		_, err := p.knownRule(e.rule)
		return err
	}
	for _, r := range p.rules {
		if ok, _ := doublestar.Match(e.rule.v, r.ID); ok {
			return nil
		}
	}
	return e.rule.at.err("`ospo-scan rules` lists the rule ids", "rule glob %q matches no rule", e.rule.v)
}
