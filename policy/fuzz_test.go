package policy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/it-at-m/ospo-scan/forges"
	"github.com/it-at-m/ospo-scan/rules"
)

// fuzzBase is what an extends: in a fuzzed policy reads.
const fuzzBase = `rules:
  brand/badge: off
custom:
  - {id: base/x, title: X, type: file-exists, paths: [README.md]}
exemptions:
  - {repository: "*", rule: "docs/*", reason: base}
`

// FuzzLoad feeds arbitrary documents to the policy parser. Loading must
// never panic; an invalid policy must come back as positioned problems;
// a valid one must answer For, Explain and Apply and run its custom rules
// (CEL included) on a repository without a rule panicking.
//
//	go test ./policy -run '^$' -fuzz FuzzLoad -fuzztime 5m
func FuzzLoad(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*.yml")
	more, _ := filepath.Glob("testdata/*/*.yml")
	for _, s := range append(seeds, more...) {
		data, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(exemptionsPolicy))
	f.Add([]byte("extends: base.yml\nrules: {docs/readme: {params: {minBytes: 1}}}\n"))
	f.Add([]byte("extends: fuzz.yml\n"))
	f.Add([]byte(aliasBomb()))
	var init bytes.Buffer
	if err := WriteInit(&init, rules.Builtin()); err != nil {
		f.Fatal(err)
	}
	f.Add(init.Bytes())

	builtin := rules.Builtin()
	repo := &forges.Repo{Meta: githubMeta("it-at-m/eappointment"), FS: fstest.MapFS{
		"README.md":               {Data: []byte("# eappointment\n\n## Contact\n\nopensource@muenchen.de\n")},
		"LICENSE":                 {Data: []byte("MIT License\n\nCopyright (c) 2024 Landeshauptstadt München | it@M\n")},
		".github/workflows/a.yml": {Data: []byte("on: push\njobs: {}\n")},
		FileName:                  {Data: []byte("exemptions:\n  - rule: brand/badge\n    reason: own\n")},
	}}
	f.Fuzz(func(t *testing.T, data []byte) {
		// A policy that takes seconds to load is a bug too (a denial of
		// service by a crafted file): crash, so the fuzzer keeps it.
		watchdog := time.AfterFunc(10*time.Second, func() {
			panic(fmt.Sprintf("FuzzLoad: one input took over 10 s: %q", data))
		})
		defer watchdog.Stop()
		read := func(p string) ([]byte, error) {
			switch filepath.Base(p) {
			case "fuzz.yml":
				return data, nil
			case "base.yml":
				return []byte(fuzzBase), nil
			}
			return nil, os.ErrNotExist
		}
		p, err := load("fuzz.yml", builtin, read)
		if err != nil {
			var list ErrorList
			if !errors.As(err, &list) || len(list) == 0 {
				t.Fatalf("error %T is not an ErrorList: %v", err, err)
			}
			for _, e := range list {
				if e.File == "" || e.Line < 0 || e.Msg == "" || strings.Contains(e.Msg, "\n") {
					t.Fatalf("malformed problem %#v", e)
				}
			}
			return
		}
		p.SetClock(day("2026-11-28"))
		p.allowRepo = true
		for _, r := range p.Rules() {
			p.Explain(r.ID)
			p.Severity(r.ID)
		}
		_, set := p.For(repo.Meta)
		var custom []rules.Configured
		for _, c := range set {
			if c.Custom {
				custom = append(custom, c)
			}
		}
		results := rules.Run(context.Background(), repo, custom)
		for _, r := range results {
			if strings.Contains(r.Message, "internal error in rule") {
				t.Fatalf("a custom rule panicked: %s", r.Message)
			}
		}
		results = append(results, rules.Result{Rule: "brand/badge", Status: rules.StatusFail}, rules.Result{Rule: "docs/readme", Status: rules.StatusFail})
		p.Apply(repo, results)
		p.Warnings()
		p.Profiles()
	})
}
