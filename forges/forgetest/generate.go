package forgetest

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// GenerateOptions shape a generated organisation.
type GenerateOptions struct {
	// Unique makes every file of every repository different (a trailing
	// line of its own), so that no two repositories share a blob: the
	// worst case for request counts. Otherwise only what differs between
	// real repositories made from one template differs: the README, the
	// CODEOWNERS, the build manifests and the licence year, while
	// workflows and community files stay shared, as in an organisation
	// that generates its repositories from a template.
	Unique bool
}

// GenerateOrg writes n repositories into dir for benchmarks, copying the
// repository folders of template (e.g. testdata/orgs/lhm-sample) in turn
// as "<template-name>-<i>". It returns the names it wrote.
func GenerateOrg(dir, template string, n int, opts GenerateOptions) ([]string, error) {
	names, err := ghRepoFolders(template)
	if err != nil {
		return nil, err
	}
	var bases []string
	for _, name := range names {
		if name != ".github" {
			bases = append(bases, name)
		}
	}
	if len(bases) == 0 {
		return nil, fmt.Errorf("no repository folders in %s", template)
	}
	var out []string
	for i := range n {
		base := bases[i%len(bases)]
		name := fmt.Sprintf("%s-%04d", strings.ToLower(base), i)
		if err := genCopy(filepath.Join(template, base), filepath.Join(dir, name), i, opts); err != nil {
			return nil, err
		}
		out = append(out, name)
	}
	return out, nil
}

func genCopy(from, to string, i int, opts GenerateOptions) error {
	return filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(from, p)
		if err != nil {
			return err
		}
		dst := filepath.Join(to, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(dst, 0o755)
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(target, dst)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, genVary(filepath.ToSlash(rel), data, i, opts), 0o644)
	})
}

// genVary makes a copy's file differ where real repositories differ.
func genVary(rel string, data []byte, i int, opts GenerateOptions) []byte {
	base := strings.ToUpper(filepath.Base(rel))
	mark := fmt.Sprintf("copy %d", i)
	switch {
	case opts.Unique:
		// A whitespace-only last line changes the blob, not the meaning.
		return append(append(data, '\n'), []byte(strings.Repeat(" ", i+1)+"\n")...)
	case strings.HasPrefix(base, "README"):
		return append(data, []byte("\n<!-- "+mark+" -->\n")...)
	case base == "CODEOWNERS":
		return append(data, []byte("# "+mark+"\n")...)
	case base == "POM.XML":
		return append(data, []byte("<!-- "+mark+" -->\n")...)
	case base == "PACKAGE.JSON":
		return append(data, []byte(strings.Repeat(" ", i%97+1)+"\n")...)
	case strings.HasPrefix(base, "LICENSE") || strings.HasPrefix(base, "LICENCE"):
		year := fmt.Sprint(2021 + i%4)
		return []byte(strings.Replace(string(data), "2024", year, 1))
	}
	return data
}
