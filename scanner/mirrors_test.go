package scanner

import (
	"reflect"
	"testing"

	"github.com/it-at-m/ospo-scan/forges"
	"github.com/it-at-m/ospo-scan/report"
	"github.com/it-at-m/ospo-scan/rules"
)

func res(rule string, st rules.Status) rules.Result {
	return rules.Result{Rule: rule, Severity: rules.Warning, Status: st}
}

func TestLinkMirrors(t *testing.T) {
	rep := &report.Report{Repositories: []report.Repository{
		{Name: "it-at-m/BayernID-Plugin", Forge: forges.GitHub, Results: []rules.Result{
			res("license/present", rules.StatusPass), res("actions/pinned", rules.StatusPass), res("actions/pinned", rules.StatusPass), res("repo/description", rules.StatusPass),
		}},
		{Name: "landeshauptstadt-muenchen/sub/bayernid-plugin", Forge: forges.GitLab, Results: []rules.Result{
			res("license/present", rules.StatusPass), res("actions/pinned", rules.StatusPass), res("actions/pinned", rules.StatusFail), res("docs/readme", rules.StatusPass),
		}},
		{Name: "landeshauptstadt-muenchen/only-on-gitlab", Forge: forges.GitLab},
		{Name: "it-at-m/dup", Forge: forges.GitHub},
		{Name: "other/dup", Forge: forges.GitHub},
		{Name: "landeshauptstadt-muenchen/dup", Forge: forges.GitLab},
	}}
	linkMirrors(rep)
	gl := rep.Repositories[1]
	if gl.MirrorOf != "it-at-m/BayernID-Plugin" {
		t.Errorf("mirrorOf = %q", gl.MirrorOf)
	}
	if want := []string{"actions/pinned", "docs/readme", "repo/description"}; !reflect.DeepEqual(gl.MirrorDrift, want) {
		t.Errorf("drift = %v, want %v", gl.MirrorDrift, want)
	}
	if rep.Repositories[2].MirrorOf != "" || rep.Repositories[5].MirrorOf != "" {
		t.Error("a project without a unique GitHub namesake must stay unpaired")
	}
	if rep.Repositories[0].MirrorOf != "" {
		t.Error("mirrorOf belongs on the GitLab side only")
	}
}
