package report

import (
	"sort"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/spec"
)

// checkDoc is what the SARIF, JUnit and Markdown reports say about a check beyond its
// findings: the registered check's metadata and the catalogue's logic text. A Report carries
// only the IDs and titles of the checks that ran, so the formats look the rest up here.
type checkDoc struct {
	ID           string
	Slug         string
	Title        string
	Section      string
	SectionTitle string
	Severity     check.Severity
	Remediation  string
	// Logic is the catalogue's description of what the check evaluates, whitespace-normalized.
	Logic      string
	DocURL     string
	Frameworks []check.Framework
	// Control is how the check fared in this run; nil for a check that only has findings.
	Control *Control
}

// checkDocs indexes the checks of one report: every check that ran (its controls, in report
// order) and then every other check that has findings, by ID.
type checkDocs struct {
	list []*checkDoc
	byID map[string]int
}

func newCheckDocs(r *Report) *checkDocs {
	cat, _ := spec.Load() // the embedded catalogue is tested to parse; a failure only loses text
	d := &checkDocs{byID: map[string]int{}}
	sectionTitles := map[string]string{}
	for _, s := range r.Scores.Sections {
		sectionTitles[s.ID] = s.Title
	}
	add := func(id, title, section string, sev check.Severity, ctl *Control) {
		doc := &checkDoc{ID: id, Title: title, Section: section, Severity: sev, Control: ctl}
		if c, ok := check.Lookup(id); ok && c.ID == id {
			doc.Slug, doc.Title, doc.Section, doc.Severity = c.Slug, c.Title, c.Section, c.Severity
			doc.Remediation, doc.DocURL, doc.Frameworks = c.Remediation, c.DocURL(), c.References.Frameworks()
		}
		if cat != nil {
			if e, ok := cat.Lookup(id); ok {
				doc.Logic = spec.Normalize(e.Logic)
				if doc.Remediation == "" {
					doc.Remediation = spec.Normalize(e.Remediation)
				}
				if doc.Section == "" {
					doc.Section = e.Section
				}
				if doc.Title == "" {
					doc.Title = e.Title
				}
			}
		}
		doc.SectionTitle = sectionTitles[doc.Section]
		if doc.SectionTitle == "" && cat != nil {
			doc.SectionTitle = cat.SectionTitle(doc.Section)
		}
		if doc.SectionTitle == "" {
			doc.SectionTitle = doc.Section
		}
		d.byID[id] = len(d.list)
		d.list = append(d.list, doc)
	}
	// A check the registry does not know (only in tests and tools that build reports by
	// hand) gets the lowest severity among its findings (checks raise, rarely lower, the
	// severity of single findings) and the title its first finding carries.
	type seen struct {
		sev   check.Severity
		title string
	}
	withFindings := map[string]*seen{}
	var ids []string
	for i := range r.Findings {
		f := &r.Findings[i]
		s := withFindings[f.CheckID]
		if s == nil {
			withFindings[f.CheckID] = &seen{sev: f.Severity, title: f.Title}
			ids = append(ids, f.CheckID)
		} else if f.Severity < s.sev {
			s.sev = f.Severity
		}
	}
	fallback := func(id string) (check.Severity, string) {
		if s := withFindings[id]; s != nil {
			return s.sev, s.title
		}
		return check.Info, ""
	}
	for i := range r.Controls {
		c := &r.Controls[i]
		if _, dup := d.byID[c.ID]; !dup {
			sev, _ := fallback(c.ID)
			add(c.ID, c.Title, c.Section, sev, c)
		}
	}
	sort.Strings(ids)
	for _, id := range ids {
		if _, ok := d.byID[id]; !ok {
			sev, title := fallback(id)
			add(id, title, "", sev, nil)
		}
	}
	return d
}

// index returns the position of a check in list; every check of the report has one.
func (d *checkDocs) index(id string) int { return d.byID[id] }

func (d *checkDocs) get(id string) *checkDoc { return d.list[d.byID[id]] }

// sectionOrder lists the sections of the checks in d: the report's score order first, then
// the catalogue's, then any other in name order.
func (d *checkDocs) sectionOrder(r *Report) []string {
	present := map[string]bool{}
	for _, doc := range d.list {
		present[doc.Section] = true
	}
	var order []string
	take := func(id string) {
		if present[id] {
			order = append(order, id)
			delete(present, id)
		}
	}
	for _, s := range r.Scores.Sections {
		take(s.ID)
	}
	if cat, err := spec.Load(); err == nil {
		for _, id := range cat.SectionIDs() {
			take(id)
		}
	}
	var rest []string
	for id := range present {
		rest = append(rest, id)
	}
	sort.Strings(rest)
	return append(order, rest...)
}
