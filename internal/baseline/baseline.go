// Package baseline compares the findings of a run with those of an earlier eksguard JSON
// report, so a pipeline can fail on what a change introduced rather than on debt it
// inherited: `scan --baseline old.json` reports only new findings, and `eksguard diff`
// compares two reports.
//
// Findings are matched by a fingerprint that survives edits around them: the check ID,
// the object's apiVersion, kind, namespace and name, and the field path. Files, lines,
// columns and messages are not part of it, since they move when unrelated lines change.
package baseline

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/fieldpath"
)

// ReportSchema is the schemaVersion of the reports a baseline reads (report.SchemaVersion;
// repeated here so the report package can import this one).
const ReportSchema = "eksguard.io/report/v1"

// Report is the part of an eksguard JSON report a comparison reads.
type Report struct {
	SchemaVersion string          `json:"schemaVersion"`
	Controls      []Control       `json:"controls"`
	Findings      []check.Finding `json:"findings"`
}

// Control is how a check fared in a report.
type Control struct {
	ID     string `json:"id"`
	Status string `json:"status"`
}

// Load reads an eksguard JSON report from a file.
func Load(path string) (*Report, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read report: %w", err)
	}
	defer f.Close()
	return Read(f, path)
}

// Read reads an eksguard JSON report; name is used in errors.
func Read(r io.Reader, name string) (*Report, error) {
	var rep Report
	dec := json.NewDecoder(r)
	if err := dec.Decode(&rep); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: empty file, not an eksguard JSON report", name)
		}
		return nil, fmt.Errorf("%s: not an eksguard JSON report (eksguard scan -o json): %v", name, err)
	}
	if rep.SchemaVersion != ReportSchema {
		return nil, fmt.Errorf("%s: schemaVersion %q is not %s; write the report with eksguard scan -o json", name, rep.SchemaVersion, ReportSchema)
	}
	return &rep, nil
}

// Ran reports whether the report evaluated check id: its control is listed and was not
// voided by a coverage gap.
func (r *Report) Ran(id string) bool {
	for _, c := range r.Controls {
		if c.ID == id {
			return c.Status != "not-evaluated"
		}
	}
	return false
}

// Fingerprint identifies a finding across runs.
type Fingerprint struct {
	CheckID    string
	APIVersion string
	Kind       string
	Namespace  string
	Name       string
	Path       fieldpath.Path
}

// FingerprintOf is the fingerprint of f.
func FingerprintOf(f *check.Finding) Fingerprint {
	return Fingerprint{CheckID: f.CheckID, APIVersion: f.Object.APIVersion, Kind: f.Object.Kind,
		Namespace: f.Object.Namespace, Name: f.Object.Name, Path: f.Path}
}

// Summary is what a comparison counts (summary.baseline of a report).
type Summary struct {
	// File is the baseline report.
	File string `json:"file"`
	// New counts failing findings the baseline does not have; only they are reported.
	New int `json:"new"`
	// Unchanged counts failing findings the baseline has too; they are left out of the report.
	Unchanged int `json:"unchanged"`
	// Fixed counts failing findings of the baseline that are gone: no finding, failing or
	// not, has their fingerprint now. Only checks that ran in both count.
	Fixed int `json:"fixed"`
}

// Comparison is the outcome of Compare.
type Comparison struct {
	// New and Unchanged split the failing findings of the current run, in their order.
	New       []check.Finding
	Unchanged []check.Finding
	// Fixed are the failing findings of the baseline that are gone, in baseline order.
	Fixed []check.Finding
	// Kept is what a report with a baseline shows, in the current order: the new findings
	// and every finding that does not fail (excepted, exempt), which a baseline never hides.
	Kept []check.Finding
}

// Summary counts the comparison.
func (c *Comparison) Summary(file string) Summary {
	return Summary{File: file, New: len(c.New), Unchanged: len(c.Unchanged), Fixed: len(c.Fixed)}
}

// Compare matches the current findings against the baseline's. Only failing findings
// (status fail, not exempt) take part on either side: a finding that was excepted before
// and fails now is new, since its exception has ended. Equal fingerprints match one to one,
// so a second copy of a finding is new. inScope says which baseline findings the current
// run could have reported (their check ran, the filters keep them); the others still match
// but are never counted as fixed. A nil inScope takes every baseline finding.
func Compare(old, cur []check.Finding, inScope func(*check.Finding) bool) *Comparison {
	open := map[Fingerprint]int{}
	for i := range old {
		if old[i].Fails() {
			open[FingerprintOf(&old[i])]++
		}
	}
	c := &Comparison{}
	seen := map[Fingerprint]int{} // every current fingerprint, failing or not
	for i := range cur {
		f := &cur[i]
		fp := FingerprintOf(f)
		seen[fp]++
		if !f.Fails() {
			c.Kept = append(c.Kept, *f)
			continue
		}
		if open[fp] > 0 {
			open[fp]--
			seen[fp]-- // this baseline finding is accounted for
			c.Unchanged = append(c.Unchanged, *f)
			continue
		}
		c.New = append(c.New, *f)
		c.Kept = append(c.Kept, *f)
	}
	// What is left of the baseline is fixed unless a finding that no longer fails (now
	// excepted or exempt) still carries the fingerprint.
	for i := range old {
		f := &old[i]
		if !f.Fails() {
			continue
		}
		fp := FingerprintOf(f)
		if open[fp] == 0 {
			continue
		}
		open[fp]--
		if seen[fp] > 0 {
			seen[fp]--
			continue
		}
		if inScope == nil || inScope(f) {
			c.Fixed = append(c.Fixed, *f)
		}
	}
	return c
}
