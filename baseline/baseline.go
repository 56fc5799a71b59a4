// Package baseline compares a scan with an earlier JSON report: with
// --baseline only findings absent from the earlier report count for the
// exit code, which lets an organisation adopt the gate without fixing
// everything first. Findings are matched by repository, rule and
// fingerprint, never by line, so a finding that only moved is not new.
package baseline

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/it-at-m/ospo-scan/report"
	"github.com/it-at-m/ospo-scan/rules"
)

// Key identifies one finding across reports.
type Key struct{ Repository, Rule, Fingerprint string }

// Baseline is the set of findings of an earlier report.
type Baseline struct {
	keys map[Key]bool
}

// Load reads the baseline from a JSON report written by `ospo-scan -f json`.
func Load(path string) (*Baseline, error) {
	rep, err := ReadReport(path)
	if err != nil {
		return nil, err
	}
	return FromReport(rep), nil
}

// ReadReport reads a JSON report file; errors name the file.
func ReadReport(path string) (*report.Report, error) {
	f, err := os.Open(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("cannot read %s: %w", path, err)
	}
	defer f.Close()
	rep, err := Decode(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return rep, nil
}

// Decode reads a JSON report and checks its schema version.
func Decode(r io.Reader) (*report.Report, error) {
	var rep report.Report
	dec := json.NewDecoder(r)
	if err := dec.Decode(&rep); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, fmt.Errorf("not a JSON report (offset %d: %v); write one with -f json", se.Offset, err)
		}
		return nil, fmt.Errorf("not a JSON report (%v); write one with -f json", err)
	}
	if rep.SchemaVersion != report.SchemaVersion {
		return nil, fmt.Errorf("schemaVersion %d is not supported (want %d); write the report with this version of ospo-scan", rep.SchemaVersion, report.SchemaVersion)
	}
	return &rep, nil
}

// FromReport indexes the failing results of rep.
func FromReport(rep *report.Report) *Baseline {
	b := &Baseline{keys: map[Key]bool{}}
	for _, repo := range rep.Repositories {
		for _, res := range repo.Results {
			if res.Status == rules.StatusFail {
				b.keys[KeyOf(repo.Name, res)] = true
			}
		}
	}
	return b
}

// KeyOf returns the matching key of a result in a repository. A result
// without a fingerprint (an old report) is matched by rule and path.
func KeyOf(repo string, r rules.Result) Key {
	fp := r.Fingerprint
	if fp == "" {
		fp = "path:" + r.Path
	}
	return Key{repo, r.Rule, fp}
}

// Has reports whether the baseline holds the finding.
func (b *Baseline) Has(repo string, r rules.Result) bool { return b.keys[KeyOf(repo, r)] }

// Mark sets New on every failing result of rep that the baseline lacks.
func (b *Baseline) Mark(rep *report.Report) {
	for i := range rep.Repositories {
		repo := &rep.Repositories[i]
		for j := range repo.Results {
			res := &repo.Results[j]
			res.New = res.Status == rules.StatusFail && !b.Has(repo.Name, *res)
		}
	}
}
