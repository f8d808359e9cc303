package baseline

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/eksguard/eksguard/internal/check"
)

// DiffSchema identifies the JSON layout of `eksguard diff -o json`.
const DiffSchema = "eksguard.io/diff/v1"

// Diff is the comparison of two reports as `eksguard diff` prints it.
type Diff struct {
	SchemaVersion string      `json:"schemaVersion"`
	Old           string      `json:"old"`
	New           string      `json:"new"`
	FailOn        string      `json:"failOn"`
	Summary       DiffSummary `json:"summary"`
	// NewFindings fail in the new report and not in the old; FixedFindings the reverse.
	NewFindings   []check.Finding `json:"newFindings"`
	FixedFindings []check.Finding `json:"fixedFindings"`
}

// DiffSummary counts a diff.
type DiffSummary struct {
	New       int `json:"new"`
	Unchanged int `json:"unchanged"`
	Fixed     int `json:"fixed"`
	// Failed is true when a new finding is at or above failOn.
	Failed bool `json:"failed"`
}

// NewDiff compares two reports. Baseline findings of checks the new report did not
// evaluate are not counted as fixed. failOn nil never fails.
func NewDiff(oldName string, old *Report, newName string, cur *Report, failOn *check.Severity) *Diff {
	c := Compare(old.Findings, cur.Findings, func(f *check.Finding) bool { return cur.Ran(f.CheckID) })
	d := &Diff{SchemaVersion: DiffSchema, Old: oldName, New: newName, FailOn: "none",
		Summary:     DiffSummary{New: len(c.New), Unchanged: len(c.Unchanged), Fixed: len(c.Fixed)},
		NewFindings: c.New, FixedFindings: c.Fixed}
	if failOn != nil {
		d.FailOn = failOn.String()
		for i := range c.New {
			if c.New[i].Severity >= *failOn {
				d.Summary.Failed = true
			}
		}
	}
	// Most severe first; within a severity, report order (file, line, column).
	for _, fs := range [][]check.Finding{d.NewFindings, d.FixedFindings} {
		sort.SliceStable(fs, func(i, j int) bool { return fs[i].Severity > fs[j].Severity })
	}
	if d.NewFindings == nil {
		d.NewFindings = []check.Finding{}
	}
	if d.FixedFindings == nil {
		d.FixedFindings = []check.Finding{}
	}
	return d
}

// WriteJSON writes the diff as one indented JSON document.
func (d *Diff) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(d)
}

// WriteTable writes the new and fixed findings (most severe first), two lines each, and
// the counts.
func (d *Diff) WriteTable(w io.Writer) error {
	bw := bufio.NewWriter(w)
	section := func(title string, fs []check.Finding) {
		fmt.Fprintf(bw, "%s (%d)\n", title, len(fs))
		for i := range fs {
			f := &fs[i]
			fmt.Fprintf(bw, "  %-8s %s  %s  %s\n", strings.ToUpper(f.Severity.String()), f.CheckID, f.Object, f.Message)
			fmt.Fprintf(bw, "           %s", location(f))
			if f.Path != "" {
				fmt.Fprintf(bw, "  %s", f.Path)
			}
			fmt.Fprintln(bw)
		}
		fmt.Fprintln(bw)
	}
	section("New findings (in "+d.New+", not in "+d.Old+")", d.NewFindings)
	section("Fixed findings (in "+d.Old+", gone from "+d.New+")", d.FixedFindings)
	line := fmt.Sprintf("%d new, %d unchanged, %d fixed", d.Summary.New, d.Summary.Unchanged, d.Summary.Fixed)
	switch {
	case d.FailOn == "none":
	case d.Summary.Failed:
		line += fmt.Sprintf(" — FAIL (new findings at or above %s)", d.FailOn)
	default:
		line += fmt.Sprintf(" — PASS (no new findings at or above %s)", d.FailOn)
	}
	fmt.Fprintln(bw, line)
	return bw.Flush()
}

// location renders file:line:column, or the k8s:// resource of a live object.
func location(f *check.Finding) string {
	switch {
	case f.Position.File != "" && f.Position.Line > 0 && f.Position.Column > 0:
		return fmt.Sprintf("%s:%d:%d", f.Position.File, f.Position.Line, f.Position.Column)
	case f.Position.File != "" && f.Position.Line > 0:
		return fmt.Sprintf("%s:%d", f.Position.File, f.Position.Line)
	case f.Position.File != "":
		return f.Position.File
	case f.Resource != "":
		return f.Resource
	}
	return "-"
}
