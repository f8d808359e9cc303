package check

import "sort"

// Pending is a catalogue check a run could not evaluate.
type Pending struct {
	ID         string
	Section    string
	Source     Source
	References References
	// Reason is why it did not run: the scan had no data from its source, or this build
	// does not implement it yet.
	Reason PendingReason
}

// PendingReason says why a check was not evaluated.
type PendingReason string

// Reasons a catalogue check was not evaluated.
const (
	NeedsData      PendingReason = "needs-data"
	NotImplemented PendingReason = "not-implemented"
)

// Score is passed controls over evaluated controls for a section or a framework.
type Score struct {
	ID        string `json:"id"`
	Title     string `json:"title"`
	Passed    int    `json:"passed"`
	Evaluated int    `json:"evaluated"`
	// Percent is Passed/Evaluated rounded down, or -1 when nothing was evaluated.
	Percent int `json:"percent"`
	// NotApplicable counts checks that ran but found nothing they apply to.
	NotApplicable int `json:"notApplicable"`
	// NeedsData lists checks whose data source this scan did not have (AWS, node hosts, ...).
	NeedsData []PendingCheck `json:"needsData"`
	// NotImplemented lists catalogue checks this build does not implement yet.
	NotImplemented []string `json:"notImplemented"`
	// CoverageGaps lists checks that read data the scan could not collect (forbidden, not served).
	CoverageGaps []string `json:"coverageGaps"`
}

// PendingCheck names a check that was not evaluated and the data source it needs.
type PendingCheck struct {
	ID     string `json:"id"`
	Source Source `json:"source"`
}

// Scores holds the scores of one run.
type Scores struct {
	Sections   []Score `json:"sections"`
	Frameworks []Score `json:"frameworks"`
}

// Status is how a control fared: pass, fail, not-applicable, or not-evaluated (coverage gap).
func (r Result) Status() string {
	switch {
	case r.Gap:
		return "not-evaluated"
	case r.Failed > 0:
		return "fail"
	case r.Evaluated > 0:
		return "pass"
	}
	return "not-applicable"
}

// ComputeScores scores the checks that ran (results) and lists the catalogue checks that
// could not run (pending), per section in sectionOrder and per framework in frameworks.
// A control passes when it evaluated something and reported nothing above info.
func ComputeScores(results []Result, pending []Pending, sectionOrder []string, sectionTitle func(string) string, frameworks []Framework) Scores {
	type control struct {
		section string
		refs    References
		result  *Result
		pending *Pending
	}
	var controls []control
	for i := range results {
		r := &results[i]
		controls = append(controls, control{section: r.Check.Section, refs: r.Check.References, result: r})
	}
	for i := range pending {
		p := &pending[i]
		controls = append(controls, control{section: p.Section, refs: p.References, pending: p})
	}
	score := func(id, title string, in func(control) bool) (Score, bool) {
		s := Score{ID: id, Title: title, NeedsData: []PendingCheck{}, NotImplemented: []string{}, CoverageGaps: []string{}}
		found := false
		for _, c := range controls {
			if !in(c) {
				continue
			}
			found = true
			switch {
			case c.pending != nil && c.pending.Reason == NotImplemented:
				s.NotImplemented = append(s.NotImplemented, c.pending.ID)
			case c.pending != nil:
				s.NeedsData = append(s.NeedsData, PendingCheck{ID: c.pending.ID, Source: c.pending.Source})
			case c.result.Gap:
				s.CoverageGaps = append(s.CoverageGaps, c.result.Check.ID)
			case c.result.Status() == "not-applicable":
				s.NotApplicable++
			default:
				s.Evaluated++
				if c.result.Status() == "pass" {
					s.Passed++
				}
			}
		}
		s.Percent = -1
		if s.Evaluated > 0 {
			s.Percent = 100 * s.Passed / s.Evaluated
		}
		sort.Slice(s.NeedsData, func(i, j int) bool { return s.NeedsData[i].ID < s.NeedsData[j].ID })
		sort.Strings(s.NotImplemented)
		return s, found
	}
	var out Scores
	for _, sec := range sectionOrder {
		if s, ok := score(sec, sectionTitle(sec), func(c control) bool { return c.section == sec }); ok {
			out.Sections = append(out.Sections, s)
		}
	}
	for _, f := range frameworks {
		if s, ok := score(string(f), f.Title(), func(c control) bool { return c.refs.In(f) }); ok {
			out.Frameworks = append(out.Frameworks, s)
		}
	}
	return out
}
