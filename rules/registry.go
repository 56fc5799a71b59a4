package rules

import (
	"fmt"
	"sort"

	"github.com/agnivade/levenshtein"
)

// Builtin returns the built-in LHM rule set, in catalogue order. Adding a
// rule means writing it in its family's file and listing it here.
func Builtin() []*Rule {
	return []*Rule{
		// Licence (license.go)
		LicensePresent,
		LicenseApproved,
		LicenseCopyrightHolder,
		// Documentation (docs.go)
		DocsReadme,
		DocsReadmeSections,
		DocsContributing,
		DocsCodeOfConduct,
		DocsCodeowners,
		// Security (security.go, workflows.go)
		SecurityContact,
		SecurityPolicy,
		SecurityPrivateReporting,
		SecurityCodeQL,
		SecurityDependencyReview,
		// GitHub Actions (actions.go)
		ActionsPinned,
		ActionsPermissions,
		// Repository (repo.go)
		RepoNaming,
		RepoDefaultBranch,
		RepoDescription,
		// Metadata, branding, packages (meta.go, brand.go, packages.go)
		MetaPubliccode,
		BrandContactDomain,
		BrandBadge,
		PackagesCoordinates,
	}
}

// Find returns the rule with id from rs, or an error that suggests the
// closest known id.
func Find(rs []*Rule, id string) (*Rule, error) {
	for _, r := range rs {
		if r.ID == id {
			return r, nil
		}
	}
	if s := Suggest(rs, id); s != "" {
		return nil, fmt.Errorf("unknown rule %q: did you mean %s? (`ospo-scan rules` lists them)", id, s)
	}
	return nil, fmt.Errorf("unknown rule %q: `ospo-scan rules` lists the rule ids", id)
}

// Suggest returns the known id closest to id, or "" when none is close.
func Suggest(rs []*Rule, id string) string {
	best, bestD := "", 1<<30
	ids := make([]string, 0, len(rs))
	for _, r := range rs {
		ids = append(ids, r.ID)
	}
	sort.Strings(ids)
	for _, cand := range ids {
		d := levenshtein.ComputeDistance(id, cand)
		// Also match a bare name ("pinned" for "actions/pinned").
		if _, name, ok := cutFamily(cand); ok && name == id {
			d = 0
		}
		if d < bestD {
			best, bestD = cand, d
		}
	}
	if bestD > max(3, len(id)/2) {
		return ""
	}
	return best
}

func cutFamily(id string) (string, string, bool) {
	for i := 0; i < len(id); i++ {
		if id[i] == '/' {
			return id[:i], id[i+1:], true
		}
	}
	return "", "", false
}
