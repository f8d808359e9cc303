// Package report renders scan results. Each format is one file; formats only read the
// findings and metadata they are given and never re-evaluate anything.
package report

import (
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/eksguard/eksguard/internal/baseline"
	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/exception"
	"github.com/eksguard/eksguard/internal/inventory"
)

// SchemaVersion identifies the JSON report layout; it changes only when a field is removed
// or changes meaning (added fields keep the version). See docs/json-report.md.
const SchemaVersion = "eksguard.io/report/v1"

// Report is what every format renders.
type Report struct {
	SchemaVersion string              `json:"schemaVersion"`
	Tool          Tool                `json:"tool"`
	Inputs        []string            `json:"inputs"`
	FailOn        string              `json:"failOn"`
	Summary       Summary             `json:"summary"`
	Scores        check.Scores        `json:"scores"`
	Controls      []Control           `json:"controls"`
	Findings      []check.Finding     `json:"findings"`
	Problems      []inventory.Problem `json:"inputProblems"`
	// Exceptions lists every exception of the run (files and annotations) with how many
	// findings it suppressed, and whether it expired or went unused.
	Exceptions []exception.Use `json:"exceptions"`
	// Gaps is data the scan could not collect and the checks that were therefore not evaluated.
	Gaps []inventory.Gap `json:"coverageGaps"`
	// Target names the AWS account, region and EKS cluster an AWS scan read; nil otherwise.
	Target *inventory.AWSTarget `json:"target,omitempty"`
}

// Control is how one check that ran fared.
type Control struct {
	ID        string `json:"id"`
	Title     string `json:"title"`
	Section   string `json:"section"`
	Status    string `json:"status"` // pass, fail, not-applicable or not-evaluated
	Evaluated int    `json:"evaluated"`
	Failed    int    `json:"failed"`
}

// Input is what a report is built from.
type Input struct {
	ToolVersion string
	Inputs      []string
	Inventory   *inventory.Inventory
	Results     []check.Result
	Findings    []check.Finding
	Scores      check.Scores
	// FailOn is the --fail-on threshold; nil never fails.
	FailOn *check.Severity
	// Exceptions and Baseline come from scan.Result.
	Exceptions []exception.Use
	Baseline   *baseline.Summary
}

// Tool names the producer.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Summary counts the results.
type Summary struct {
	// Findings counts failing findings (neither exempt nor excepted); BySeverity splits them.
	Findings   int            `json:"findings"`
	BySeverity map[string]int `json:"bySeverity"`
	// Exempt counts findings in system namespaces reported for visibility only.
	Exempt int `json:"exempt"`
	// Excepted counts findings an exception covers (status excepted); they never fail.
	Excepted      int `json:"excepted"`
	Objects       int `json:"objects"`
	ChecksRun     int `json:"checksRun"`
	InputErrors   int `json:"inputErrors"`
	InputWarnings int `json:"inputWarnings"`
	// Failed is true when a failing finding is at or above FailOn.
	Failed bool `json:"failed"`
	// Baseline counts new, unchanged and fixed findings against --baseline; only new
	// findings are in the report then.
	Baseline *baseline.Summary `json:"baseline,omitempty"`
}

// New assembles a report and its summary.
func New(in Input) *Report {
	inv, findings, failOn := in.Inventory, in.Findings, in.FailOn
	r := &Report{
		SchemaVersion: SchemaVersion,
		Tool:          Tool{Name: "eksguard", Version: in.ToolVersion},
		Inputs:        in.Inputs,
		FailOn:        "none",
		Scores:        in.Scores,
		Controls:      []Control{},
		Exceptions:    in.Exceptions,
		Findings:      findings,
		Problems:      inv.Problems,
		Gaps:          inv.Gaps,
	}
	if inv.AWS != nil {
		target := inv.AWS.AWSTarget
		r.Target = &target
	}
	if r.Exceptions == nil {
		r.Exceptions = []exception.Use{}
	}
	if r.Gaps == nil {
		r.Gaps = []inventory.Gap{}
	}
	for _, res := range in.Results {
		r.Controls = append(r.Controls, Control{ID: res.Check.ID, Title: res.Check.Title, Section: res.Check.Section,
			Status: res.Status(), Evaluated: res.Evaluated, Failed: res.Failed})
	}
	if r.Findings == nil {
		r.Findings = []check.Finding{}
	}
	if r.Problems == nil {
		r.Problems = []inventory.Problem{}
	}
	if failOn != nil {
		r.FailOn = failOn.String()
	}
	s := Summary{BySeverity: map[string]int{}, Objects: len(inv.Objects), ChecksRun: len(in.Results), Baseline: in.Baseline}
	for _, name := range check.SeverityNames() {
		s.BySeverity[name] = 0
	}
	for _, f := range findings {
		switch {
		case f.Status == check.StatusExcepted:
			s.Excepted++
			continue
		case f.Exempt:
			s.Exempt++
			continue
		}
		s.Findings++
		s.BySeverity[f.Severity.String()]++
		if failOn != nil && f.Severity >= *failOn {
			s.Failed = true
		}
	}
	for _, p := range inv.Problems {
		if p.Level == inventory.ProblemError {
			s.InputErrors++
		} else {
			s.InputWarnings++
		}
	}
	r.Summary = s
	return r
}

// Format renders a report to w.
type Format func(w io.Writer, r *Report, opts Options) error

// Options tune rendering.
type Options struct {
	// Color enables ANSI colours (only when writing to a terminal).
	Color bool
	// Now stamps formats that carry the time of the run (policyreport); zero means time.Now().
	Now time.Time
	// PolicyReportAPI is the API -o policyreport writes: PolicyReportWG (the default, also
	// for "") or PolicyReportOpen.
	PolicyReportAPI string
}

var formats = map[string]Format{}

func register(name string, f Format) { formats[name] = f }

// Lookup returns the renderer for a format name.
func Lookup(name string) (Format, error) {
	f, ok := formats[name]
	if !ok {
		return nil, fmt.Errorf("unknown output format %q (want one of %v)", name, Names())
	}
	return f, nil
}

// Names lists the formats, sorted.
func Names() []string {
	var names []string
	for n := range formats {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
