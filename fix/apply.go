package fix

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/it-at-m/ospo-scan/forges"
	"github.com/it-at-m/ospo-scan/rules"
)

// Outcome is what writing one change did.
type Outcome struct {
	Change *Change
	// Written is false when the change was skipped because the file
	// changed since the plan (it exists now, or has the sections now).
	Written bool
	// Sections are the sections actually appended (an Append may add
	// fewer than planned when some appeared meanwhile).
	Sections []string
	// Message says what happened, for the user: "created LICENSE (MIT,
	// Landeshauptstadt München | it@M)", "appended sections Contributing,
	// License to .github/README.md".
	Message string
}

// Apply writes the plan's changes into the checkout at dir, confined to
// it (no path or link leads out of it). It never replaces or truncates a
// file: a created file must not exist (O_EXCL), and README sections are
// appended after reading the README again and rendering only the sections
// it still lacks. It stops at the first change it cannot write and
// returns the outcomes so far with the error.
func (p *Plan) Apply(dir string) ([]Outcome, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("cannot open %s: %w", dir, unwrapPath(err))
	}
	defer root.Close()
	var out []Outcome
	for _, c := range p.Changes {
		var o Outcome
		var err error
		switch c.Op {
		case Create:
			o, err = create(root, c)
		case Append:
			o, err = appendSections(root, c)
		}
		if err != nil {
			return out, err
		}
		out = append(out, o)
	}
	return out, nil
}

func create(root *os.Root, c *Change) (Outcome, error) {
	name := fromSlash(c.Path)
	if d := path.Dir(c.Path); d != "." {
		if err := root.MkdirAll(fromSlash(d), 0o755); err != nil {
			return Outcome{}, fmt.Errorf("cannot create %s: %w", d, unwrapPath(err))
		}
	}
	f, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return Outcome{Change: c, Message: fmt.Sprintf("left %s as it is: it exists now", c.Path)}, nil
	}
	if err != nil {
		return Outcome{}, fmt.Errorf("cannot create %s: %w", c.Path, unwrapPath(err))
	}
	_, werr := f.Write(c.Content)
	cerr := f.Close()
	if werr == nil {
		werr = cerr
	}
	if werr != nil {
		return Outcome{}, fmt.Errorf("cannot write %s: %w", c.Path, unwrapPath(werr))
	}
	msg := "created " + c.Path
	if c.Detail != "" {
		msg += " (" + c.Detail + ")"
	}
	return Outcome{Change: c, Written: true, Message: msg}, nil
}

func appendSections(root *os.Root, c *Change) (Outcome, error) {
	name := fromSlash(c.Path)
	// Open for appending first and read through the same descriptor, so
	// that the sections are checked on the file that is written.
	f, err := root.OpenFile(name, os.O_RDWR|os.O_APPEND, 0)
	if err != nil {
		return Outcome{}, fmt.Errorf("cannot open %s: %w", c.Path, unwrapPath(err))
	}
	defer f.Close()
	existing, err := readAll(f)
	if err != nil {
		return Outcome{}, fmt.Errorf("cannot read %s: %w", c.Path, unwrapPath(err))
	}
	added, got, err := c.readme.render(existing)
	if err != nil {
		return Outcome{}, err
	}
	if len(added) == 0 {
		return Outcome{Change: c, Message: fmt.Sprintf("left %s as it is: it has the sections %s now", c.Path, strings.Join(c.Sections, ", "))}, nil
	}
	if len(got) < len(c.readme.names) {
		return Outcome{Change: c, Message: fmt.Sprintf("left %s as it is: sections appended now would not be read as level-2 sections", c.Path)}, nil
	}
	appended := missingSections(parseDoc(c.Path, existing), c.readme.names)
	if _, err := f.Write(added); err != nil {
		return Outcome{}, fmt.Errorf("cannot append to %s: %w", c.Path, unwrapPath(err))
	}
	if err := f.Close(); err != nil {
		return Outcome{}, fmt.Errorf("cannot append to %s: %w", c.Path, unwrapPath(err))
	}
	return Outcome{Change: c, Written: true, Sections: appended, Message: fmt.Sprintf("appended %s to %s", sectionWord(appended), c.Path)}, nil
}

// readAll reads a README to append to, refusing one over
// forges.MaxFileSize as the rules do.
func readAll(f *os.File) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(f, forges.MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > forges.MaxFileSize {
		return nil, forges.ErrTooLarge
	}
	return data, nil
}

func parseDoc(name string, data []byte) *rules.Doc { return rules.ParseDoc(name, data) }

func fromSlash(p string) string { return filepath.FromSlash(p) }

// unwrapPath drops the *fs.PathError around err: messages name the path
// themselves.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
