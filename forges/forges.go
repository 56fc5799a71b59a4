// Package forges defines what ospo-scan needs from a place that hosts
// repositories (a local folder, GitHub, GitLab): a list of repositories and,
// for each, a read-only file tree plus the metadata only the forge knows.
//
// Rules see a repository only through these types, so the same rule runs
// unchanged on a checkout, on the GitHub API and on the GitLab API.
package forges

import (
	"context"
	"errors"
	"io/fs"
	"sync"
)

// Kinds of forge.
const (
	Local  = "local"
	GitHub = "github"
	GitLab = "gitlab"
)

// MaxFileSize is the most any forge reads of one file. Every rule's input
// (READMEs, licences, workflows, manifests) fits well below it; anything
// larger is refused with ErrTooLarge rather than read into memory.
const MaxFileSize = 1 << 20

// ErrTooLarge is returned (wrapped in an *fs.PathError) when a file exceeds
// MaxFileSize.
var ErrTooLarge = errors.New("file is larger than 1 MiB")

// ErrOutsideRepository is returned (wrapped in an *fs.PathError) when a path
// resolves, through a symbolic link, to a place outside the repository.
var ErrOutsideRepository = errors.New("symbolic link points outside the repository")

// Fact is a piece of forge metadata that may be unknown: a local folder has
// no description, and a token may lack the permission to read a setting.
// Rules answer not-applicable for an unknown fact instead of failing.
type Fact[T any] struct {
	Value T
	Known bool
	// Why says why the fact is unknown, e.g. "a local checkout has no
	// forge metadata" or "the token may not read this setting (HTTP 403)".
	Why string
}

// Known returns a known fact.
func Known[T any](v T) Fact[T] { return Fact[T]{Value: v, Known: true} }

// Unknown returns an unknown fact with its reason.
func Unknown[T any](why string) Fact[T] { return Fact[T]{Why: why} }

// LazyFact is a fact a forge reads only when a rule asks for it, at most
// once; reading it never fails (a failure is an unknown fact, and the
// forge marks the repository's scan incomplete itself).
type LazyFact[T any] struct {
	once sync.Once
	read func() Fact[T]
	fact Fact[T]
}

// Lazy returns a fact that read answers on first use.
func Lazy[T any](read func() Fact[T]) *LazyFact[T] { return &LazyFact[T]{read: read} }

// Now returns a lazy fact that is already answered.
func Now[T any](f Fact[T]) *LazyFact[T] {
	l := &LazyFact[T]{fact: f}
	l.once.Do(func() {})
	return l
}

// Get answers the fact; a nil LazyFact is unknown.
func (l *LazyFact[T]) Get() Fact[T] {
	if l == nil {
		return Unknown[T]("the forge does not say")
	}
	l.once.Do(func() { l.fact = l.read() })
	return l.fact
}

// Meta is what ospo-scan knows about a repository besides its files.
type Meta struct {
	Forge string // Local, GitHub or GitLab
	Host  string // "github.com", "gitlab.opencode.de"; empty for Local
	// FullName is the name in reports: "it-at-m/dave-backend",
	// "landeshauptstadt-muenchen/sub/project", or a local folder's name.
	FullName string
	// Name is the last element of FullName: the repository's own name.
	Name string
	URL  string // web address; for Local the absolute folder path

	Description   Fact[string]
	Topics        Fact[[]string]
	Homepage      Fact[string]
	DefaultBranch Fact[string]
	Visibility    Fact[string] // "public", "private", "internal"
	Archived      bool
	Fork          bool
	// ForgeLicense is the SPDX id the forge itself detected, if any.
	ForgeLicense Fact[string]

	// PrivateReporting says whether GitHub private vulnerability reporting
	// is enabled.
	PrivateReporting Fact[bool]
	// CodeQLDefaultSetup says whether GitHub code scanning "default setup"
	// is configured. It costs a request and matters only to a repository
	// without a CodeQL workflow, so the forge reads it when a rule asks.
	CodeQLDefaultSetup *LazyFact[bool]

	// Handle is the forge's own reference (an ID, a clone path), opaque to
	// everyone but the forge that set it.
	Handle any
}

// Repo is one repository opened for scanning.
type Repo struct {
	Meta Meta
	// FS is the repository's default branch as a read-only file tree,
	// rooted at the repository root. Reads are confined to the repository
	// and capped at MaxFileSize.
	FS fs.FS
	// OrgDefaults is the organisation's default community health files
	// (GitHub's public ".github" repository), or nil when there are none.
	OrgDefaults fs.FS
	// OrgDefaultsName names OrgDefaults in messages, e.g. "it-at-m/.github".
	OrgDefaultsName string
}

// Source is one scan target bound to its forge: an organisation, a group, a
// single repository, or a local folder.
type Source interface {
	// Target is the target as the user wrote it.
	Target() string
	// List returns the repositories of the target, archived ones and forks
	// included; the scanner filters. The metadata may be partial; Open
	// completes it.
	List(ctx context.Context) ([]Meta, error)
	// Open opens one listed repository.
	Open(ctx context.Context, m Meta) (*Repo, error)
}

// UserError is an error caused by what the user asked for (an unknown
// organisation, a bad token, a path that does not exist). Its message is
// one line meant for the user; the command exits 2.
type UserError struct{ Msg string }

func (e *UserError) Error() string { return e.Msg }

// Userf returns a UserError.
func Userf(format string, args ...any) error {
	return &UserError{Msg: sprintf(format, args...)}
}
