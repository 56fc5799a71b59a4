package policy

import (
	"context"
	"errors"
	"io/fs"
	"reflect"
	"sort"
	"strings"
	"sync"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common"
	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/ext"
	"cel.dev/cel-go/interpreter"
	"go.yaml.in/yaml/v3"

	"github.com/it-at-m/ospo-scan/forges"
	"github.com/it-at-m/ospo-scan/rules"
)

// ExprVariables documents what a CEL expression of an expr rule can use.
// `explain` shows it with every expr rule.
const ExprVariables = `Variables of the expression:
  repo.name           string        the repository's own name ("dave-backend")
  repo.fullName       string        the name in reports ("it-at-m/dave-backend")
  repo.description    string        the forge's description ("" when unknown)
  repo.topics         list(string)  the forge's topics ([] when unknown)
  repo.visibility     string        "public", "private", "internal" ("" when unknown)
  repo.defaultBranch  string        e.g. "main" ("" when unknown)
  repo.homepage       string        the forge's homepage URL ("" when unknown)
  repo.archived       bool
  repo.fork           bool
  repo.forge          string        "github", "gitlab" or "local"
  licenses            list(string)  licence ids recognised in the root's licence files ("MIT", "EUPL-1.2";
                                    a GNU text without notice is "AGPL-3.0"), sorted
  files.exists(path)  bool          a file or directory exists (a bare name: root, .github/, docs/)
  files.read(path)    string        the file's text ("" when it does not exist)
  files.contains(path, regex) bool  a file matching path contains a match for regex (RE2)
Metadata a forge cannot know (a local checkout has no description or topics) is empty.`

// celRepo is what `repo` holds in an expression.
type celRepo struct {
	Name          string   `cel:"name"`
	FullName      string   `cel:"fullName"`
	Description   string   `cel:"description"`
	Topics        []string `cel:"topics"`
	Visibility    string   `cel:"visibility"`
	DefaultBranch string   `cel:"defaultBranch"`
	Homepage      string   `cel:"homepage"`
	Archived      bool     `cel:"archived"`
	Fork          bool     `cel:"fork"`
	Forge         string   `cel:"forge"`
}

func newCelRepo(m forges.Meta) *celRepo {
	r := &celRepo{
		Name: m.Name, FullName: m.FullName,
		Description: m.Description.Value, Topics: m.Topics.Value,
		Visibility: m.Visibility.Value, DefaultBranch: m.DefaultBranch.Value,
		Homepage: m.Homepage.Value, Archived: m.Archived, Fork: m.Fork, Forge: m.Forge,
	}
	if r.Topics == nil {
		r.Topics = []string{}
	}
	return r
}

var filesType = cel.OpaqueType("ospo.Files")

// celFiles is the `files` variable: the repository's files, read through
// the scan's Facts so that each file is read once whatever the number of
// rules.
type celFiles struct {
	ctx   context.Context
	facts *rules.Facts
}

func (f *celFiles) ConvertToNative(reflect.Type) (any, error) {
	return nil, errors.New("files cannot be converted")
}
func (f *celFiles) ConvertToType(t ref.Type) ref.Val {
	if t == types.TypeType {
		return filesType
	}
	return types.NewErr("files cannot be converted to %s", t.TypeName())
}
func (f *celFiles) Equal(other ref.Val) ref.Val { return types.Bool(other == ref.Val(f)) }
func (f *celFiles) Type() ref.Type              { return filesType }
func (f *celFiles) Value() any                  { return f }

var (
	celOnce sync.Once
	celEnv  *cel.Env
	celErr  error
)

// env is shared by every expression: building it is the costly part of
// CEL, and an Env is safe for concurrent use.
func env() (*cel.Env, error) {
	celOnce.Do(func() {
		celEnv, celErr = cel.NewEnv(
			ext.NativeTypes(reflect.TypeFor[celRepo](), ext.ParseStructTags(true)),
			cel.Variable("repo", cel.ObjectType("policy.celRepo")),
			cel.Variable("files", filesType),
			cel.Variable("licenses", cel.ListType(cel.StringType)),
			ext.Strings(),
			// CEL reserves a member function "exists" of one argument
			// for its list macro list.exists(x, predicate), so
			// files.exists(path) is a macro that calls filesExists.
			cel.Macros(cel.ReceiverMacro("exists", 1, func(eh cel.MacroExprFactory, target ast.Expr, args []ast.Expr) (ast.Expr, *common.Error) {
				if target.Kind() != ast.IdentKind || target.AsIdent() != "files" {
					return nil, nil
				}
				return eh.NewMemberCall("filesExists", target, args...), nil
			})),
			cel.Function("filesExists", cel.MemberOverload("files_exists_string",
				[]*cel.Type{filesType, cel.StringType}, cel.BoolType,
				cel.BinaryBinding(func(lhs, rhs ref.Val) ref.Val {
					f, p := lhs.(*celFiles), string(rhs.(types.String))
					found, err := findFiles(f.facts, []string{p}, false, true)
					if err != nil {
						return types.NewErr("files.exists(%q): %v", p, err)
					}
					return types.Bool(len(found) > 0)
				}))),
			cel.Function("read", cel.MemberOverload("files_read_string",
				[]*cel.Type{filesType, cel.StringType}, cel.StringType,
				cel.BinaryBinding(func(lhs, rhs ref.Val) ref.Val {
					f, p := lhs.(*celFiles), string(rhs.(types.String))
					found, err := findFiles(f.facts, []string{p}, false, false)
					if err != nil {
						return types.NewErr("files.read(%q): %v", p, err)
					}
					if len(found) == 0 {
						return types.String("")
					}
					data, err := f.facts.ReadFile(found[0])
					if err != nil {
						if errors.Is(err, fs.ErrNotExist) {
							return types.String("")
						}
						return types.NewErr("files.read(%q): %s", p, rules.ReadError(found[0], err))
					}
					return types.String(data)
				}))),
			cel.Function("contains", cel.MemberOverload("files_contains_string_string",
				[]*cel.Type{filesType, cel.StringType, cel.StringType}, cel.BoolType,
				cel.FunctionBinding(func(args ...ref.Val) ref.Val {
					f := args[0].(*celFiles)
					p, pattern := string(args[1].(types.String)), string(args[2].(types.String))
					re, err := compiled(pattern)
					if err != nil {
						return types.NewErr("files.contains(%q, %q): invalid regular expression: %s", p, pattern, reErr(err))
					}
					found, err := findFiles(f.facts, []string{p}, false, false)
					if err != nil {
						return types.NewErr("files.contains(%q): %v", p, err)
					}
					for _, name := range found {
						data, err := f.facts.ReadFile(name)
						if err != nil {
							return types.NewErr("files.contains(%q): %s", p, rules.ReadError(name, err))
						}
						if re.first(data, cacheOf(f.facts).folder(name, data)) != nil {
							return types.True
						}
					}
					return types.False
				}))),
		)
	})
	return celEnv, celErr
}

// compileExpr compiles an expr rule at load time: it must compile and
// return a bool, and its problems point into the policy file.
func compileExpr(dec *decoder, c *customDoc) (cel.Program, *Error) {
	e, err := env()
	if err != nil {
		return nil, c.expr.at.err("", "cannot set up the expression language: %v", err)
	}
	ast, iss := e.Compile(c.expr.v)
	if iss != nil && iss.Err() != nil {
		first := iss.Errors()[0]
		line, col := dec.exprPos(c.exprNode, first.Location.Line(), first.Location.Column())
		return nil, &Error{
			File: dec.file, Line: line, Column: col,
			Msg:  "the expression does not compile: " + celMessage(first.Message),
			Hint: "write CEL over repo, files and licenses, e.g. size(repo.topics) > 0 (`ospo-scan explain " + c.id.v + "` lists the variables)",
		}
	}
	if t := ast.OutputType(); !t.IsExactType(cel.BoolType) && !t.IsExactType(cel.DynType) {
		return nil, c.expr.at.err("compare the value, e.g. size(repo.topics) > 0 or repo.description != ''", "the expression returns %s, not bool", celTypeName(t))
	}
	// No cost limit: expressions come from the OSPO's policy, never from
	// a scanned repository, and cost tracking would make every evaluation
	// slower; a cancelled scan still interrupts long comprehensions.
	prg, err := e.Program(ast,
		cel.EvalOptions(cel.OptOptimize),
		cel.InterruptCheckFrequency(100))
	if err != nil {
		return nil, c.expr.at.err("simplify the expression", "the expression cannot be prepared: %v", err)
	}
	return prg, nil
}

// celMessage drops the parser's list of expected tokens, which names
// grammar symbols rather than helping.
func celMessage(m string) string {
	if i := strings.Index(m, " expecting {"); i >= 0 {
		m = m[:i]
	}
	return oneLine(m)
}

func celTypeName(t *cel.Type) string {
	if s := t.String(); s != "" {
		return s
	}
	return t.TypeName()
}

// exprPos maps a position inside an expression (CEL: line 1-based,
// column 0-based) to the policy file.
func (dec *decoder) exprPos(n *yaml.Node, line, col int) (int, int) {
	if n == nil {
		return 0, 0
	}
	switch n.Style {
	case yaml.LiteralStyle, yaml.FoldedStyle:
		// The block's indentation is that of its first line with text;
		// CEL's columns count from there.
		indent := -1
		for i := n.Line; i < len(dec.lines) && indent < 0; i++ {
			if text := dec.lines[i]; strings.TrimSpace(text) != "" {
				indent = len(text) - len(strings.TrimLeft(text, " "))
			}
		}
		if l := n.Line + line; indent >= 0 && l-1 < len(dec.lines) {
			return l, indent + col + 1
		}
	case yaml.SingleQuotedStyle, yaml.DoubleQuotedStyle:
		if line == 1 {
			return n.Line, n.Column + 1 + col
		}
	case 0:
		if line == 1 {
			return n.Line, n.Column + col
		}
	}
	return n.Line, n.Column
}

func exprCheck(prg cel.Program, expr, message string) func(*rules.Pass) []rules.Result {
	return func(p *rules.Pass) []rules.Result {
		ctx := p.Ctx
		if ctx == nil {
			ctx = context.Background()
		}
		out, _, err := prg.ContextEval(ctx, activation(p))
		if err != nil {
			return []rules.Result{p.Errorf("", "the expression could not be evaluated: %v", err)}
		}
		b, ok := out.(types.Bool)
		if !ok {
			return []rules.Result{p.Errorf("", "the expression returned %s, not true or false", out.Type().TypeName())}
		}
		if b {
			return []rules.Result{p.Passed("", "%s holds", expr)}
		}
		return []rules.Result{p.Failed("", 0, "%s", orMessage(message, "%s is false", expr))}
	}
}

// recognisedLicenses lists the licence ids of the recognised licence
// files at the root, each once, sorted.
func recognisedLicenses(f *rules.Facts) []string {
	seen := map[string]bool{}
	ids := []string{}
	for _, file := range f.Licenses() {
		if !file.Recognised() {
			continue
		}
		for _, id := range file.IDs() {
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	sort.Strings(ids)
	return ids
}

// celVars binds the variables of one evaluation. What they derive is kept
// in the repository's cache (never the Facts themselves, which the cache
// must not keep alive): `repo` is built once per repository and
// `licenses`, which needs licence detection, when an expression first
// reads it.
type celVars struct {
	cache *repoCache
	files *celFiles
}

func (v *celVars) ResolveName(name string) (any, bool) {
	switch name {
	case "repo":
		return v.cache.repo, true
	case "files":
		return v.files, true
	case "licenses":
		v.cache.licOnce.Do(func() { v.cache.lic = recognisedLicenses(v.files.facts) })
		return v.cache.lic, true
	}
	return nil, false
}

func (v *celVars) Parent() interpreter.Activation { return nil }

func activation(p *rules.Pass) *celVars {
	c := cacheOf(p.Facts)
	c.mu.Lock()
	if c.repo == nil {
		c.repo = newCelRepo(p.Repo.Meta)
	}
	c.mu.Unlock()
	ctx := p.Ctx
	if ctx == nil {
		ctx = context.Background()
	}
	return &celVars{cache: c, files: &celFiles{ctx: ctx, facts: p.Facts}}
}
