package policy

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/it-at-m/ospo-scan/rules"
)

var update = flag.Bool("update", false, "rewrite the .err golden files of testdata/invalid")

// TestInvalidPolicies loads every policy in testdata/invalid and compares
// the problems reported with the .err file next to it: the exact
// FILE:LINE:COLUMN and wording a user sees from `policy validate`.
func TestInvalidPolicies(t *testing.T) {
	files, err := filepath.Glob("testdata/invalid/*.yml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no invalid policies: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			_, err := Load(file, rules.Builtin())
			if err == nil {
				t.Fatalf("Load(%s) succeeded; want errors", file)
			}
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("error %T is not a *policy.Error: %v", err, err)
			}
			got := err.Error() + "\n"
			golden := strings.TrimSuffix(file, ".yml") + ".err"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./policy -run TestInvalidPolicies -update)", err)
			}
			if got != string(want) {
				t.Errorf("problems of %s:\n%s\nwant:\n%s", file, got, want)
			}
		})
	}
}
