package rules_test

import (
	"testing"

	"github.com/it-at-m/ospo-scan/forges"
	"github.com/it-at-m/ospo-scan/rules"
)

func TestRepoNaming(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status rules.Status
		want   string
	}{
		{"dave-backend", rules.StatusPass, "dave-backend"},
		{"opensource.muenchen.de", rules.StatusPass, "opensource.muenchen.de"},
		{"refarch-templates2", rules.StatusPass, "refarch-templates2"},
		{"Dave-Backend", rules.StatusFail, `repository name "Dave-Backend" does not match ^[a-z0-9]+([.-][a-z0-9]+)*$: rename it to dave-backend`},
		{"dave_backend", rules.StatusFail, "rename it to dave-backend"},
		{"DaveBackend", rules.StatusFail, "rename it to dave-backend"},
		{"LHMApp", rules.StatusFail, "rename it to lhm-app"},
		{"Wahllokalsystem", rules.StatusFail, "rename it to wahllokalsystem"},
		{"BayernID-Plugin", rules.StatusFail, "rename it to bayern-id-plugin"},
		{"stadt--plan_", rules.StatusFail, "rename it to stadt-plan"},
		{"Übersicht.Muenchen.de", rules.StatusFail, "rename it to uebersicht.muenchen.de"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			meta := forges.Meta{Forge: forges.GitHub, Name: tc.name, FullName: "it-at-m/" + tc.name}
			r := ciOne(t, ciRun(t, rules.RepoNaming, ciFiles(), meta, nil))
			ciStatus(t, r, tc.status, tc.want)
			if tc.status == rules.StatusFail && r.Evidence != tc.name {
				t.Errorf("evidence = %q, want the name", r.Evidence)
			}
		})
	}
}

func TestRepoNamingLocalFolderName(t *testing.T) {
	// A local checkout is named after its folder.
	meta := forges.Meta{Forge: forges.Local, Name: "My Checkout", FullName: "My Checkout"}
	r := ciOne(t, ciRun(t, rules.RepoNaming, ciFiles(), meta, nil))
	ciStatus(t, r, rules.StatusFail, `"My Checkout"`, "rename it to my-checkout")
}

func TestRepoNamingPatternParameter(t *testing.T) {
	meta := forges.Meta{Forge: forges.GitHub, Name: "dave-backend"}
	r := ciOne(t, ciRun(t, rules.RepoNaming, ciFiles(), meta, map[string]any{"pattern": `^dave-[a-z]+$`}))
	ciStatus(t, r, rules.StatusPass)

	meta.Name = "refarch-templates"
	r = ciOne(t, ciRun(t, rules.RepoNaming, ciFiles(), meta, map[string]any{"pattern": `^dave-[a-z]+$`}))
	ciStatus(t, r, rules.StatusFail, `does not match ^dave-[a-z]+$`)
	if r.Message != `repository name "refarch-templates" does not match ^dave-[a-z]+$` {
		t.Errorf("no suggestion may be offered that the pattern rejects: %q", r.Message)
	}

	r = ciOne(t, ciRun(t, rules.RepoNaming, ciFiles(), meta, map[string]any{"pattern": `^([a-z`}))
	ciStatus(t, r, rules.StatusError, "parameter pattern of repo/naming is not a valid regular expression")
}

func TestRepoDefaultBranch(t *testing.T) {
	meta := forges.Meta{Forge: forges.GitHub, Name: "x", DefaultBranch: forges.Known("main")}
	ciStatus(t, ciOne(t, ciRun(t, rules.RepoDefaultBranch, ciFiles(), meta, nil)), rules.StatusPass, "main")

	meta.DefaultBranch = forges.Known("master")
	r := ciOne(t, ciRun(t, rules.RepoDefaultBranch, ciFiles(), meta, nil))
	ciStatus(t, r, rules.StatusFail, `the default branch is "master", not "main"`)
	if r.Severity != rules.Note {
		t.Errorf("severity = %s, want note", r.Severity)
	}

	ciStatus(t, ciOne(t, ciRun(t, rules.RepoDefaultBranch, ciFiles(), meta, map[string]any{"branch": "master"})), rules.StatusPass)

	meta.DefaultBranch = forges.Unknown[string]("the folder is not a git checkout, so its default branch is unknown")
	r = ciOne(t, ciRun(t, rules.RepoDefaultBranch, ciFiles(), meta, nil))
	ciStatus(t, r, rules.StatusNotApplicable)
	if r.Message != "the folder is not a git checkout, so its default branch is unknown" {
		t.Errorf("message = %q, want the forge's reason", r.Message)
	}
}

func TestRepoDescription(t *testing.T) {
	meta := forges.Meta{Forge: forges.GitHub, Name: "x", Description: forges.Known("Verkehrsdaten der Landeshauptstadt München")}
	ciStatus(t, ciOne(t, ciRun(t, rules.RepoDescription, ciFiles(), meta, nil)), rules.StatusPass, "Verkehrsdaten")

	meta.Description = forges.Known(" \t\n")
	ciStatus(t, ciOne(t, ciRun(t, rules.RepoDescription, ciFiles(), meta, nil)), rules.StatusFail, "no description")

	meta.Description = forges.Known("")
	ciStatus(t, ciOne(t, ciRun(t, rules.RepoDescription, ciFiles(), meta, nil)), rules.StatusFail, "no description")

	meta.Description = forges.Unknown[string]("a local checkout has no forge metadata")
	ciStatus(t, ciOne(t, ciRun(t, rules.RepoDescription, ciFiles(), meta, nil)), rules.StatusNotApplicable, "a local checkout has no forge metadata")

	if !rules.RepoDescription.NeedsForge {
		t.Error("repo/description needs forge metadata")
	}
}
