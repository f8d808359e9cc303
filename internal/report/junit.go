package report

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

func init() { register("junit", JUnit) }

// JUnit writes the report as JUnit XML for CI test views, in the layout of Jenkins' and
// Maven Surefire's schema (junit-10.xsd) that GitLab, GitHub test-report actions, Azure
// Pipelines and CircleCI read:
//
//   - one testsuite per guide section, in score order;
//   - one testcase per finding (classname: the check ID; name: the object and field path):
//     a failure (type: the severity) with the message, location and remediation; a skipped
//     element for a finding that does not fail, excepted (with the exception's justification,
//     owner, expiry and source) or exempt (system namespace); and no failure for an info
//     finding, which never fails a control (its text is in system-out);
//   - one passing testcase per check that passed (named by the check's title), so CI shows
//     what was checked, and a skipped one per check a coverage gap kept from running;
//   - a last testsuite "Input" with an error per input that could not be read and a testcase
//     with system-out per warning.
//
// It streams: testcases are written token by token as the findings are visited.
func JUnit(w io.Writer, r *Report, _ Options) error {
	docs := newCheckDocs(r)
	sections := docs.sectionOrder(r)
	sectionAt := make(map[string]int, len(sections))
	for i, s := range sections {
		sectionAt[s] = i
	}
	type suite struct {
		checks                   []int // indices in docs.list, in its order
		passed, notEvaluated     []*checkDoc
		tests, failures, skipped int
	}
	suites := make([]suite, len(sections))
	for c, d := range docs.list {
		s := &suites[sectionAt[d.Section]]
		s.checks = append(s.checks, c)
	}
	// byCheck holds the findings of each check in report order: a suite lists its checks'
	// findings check by check without sorting the findings.
	byCheck := make([][]int32, len(docs.list))
	for i := range r.Findings {
		f := &r.Findings[i]
		c := docs.index(f.CheckID)
		byCheck[c] = append(byCheck[c], int32(i))
		s := &suites[sectionAt[docs.list[c].Section]]
		s.tests++
		switch {
		case !f.Fails():
			s.skipped++
		case f.Severity > check.Info:
			s.failures++
		}
	}
	for _, d := range docs.list {
		if d.Control == nil {
			continue
		}
		s := &suites[sectionAt[d.Section]]
		switch d.Control.Status {
		case "pass":
			s.passed = append(s.passed, d)
			s.tests++
		case "not-evaluated":
			s.notEvaluated = append(s.notEvaluated, d)
			s.tests++
			s.skipped++
		}
	}
	gapText := junitGapTexts(r)
	sectionTitles := map[string]string{}
	for _, d := range docs.list {
		sectionTitles[d.Section] = d.SectionTitle
	}

	total := struct{ tests, failures, errors int }{}
	for _, s := range suites {
		total.tests += s.tests
		total.failures += s.failures
	}
	for _, p := range r.Problems {
		total.tests++
		if p.Level == inventory.ProblemError {
			total.errors++
		}
	}

	// xml.NewEncoder writes through bw itself rather than through a second buffer.
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString(xml.Header)
	j := &junitWriter{enc: xml.NewEncoder(bw)}
	j.enc.Indent("", "  ")
	j.start("testsuites", "name", "eksguard", "tests", strconv.Itoa(total.tests), "failures", strconv.Itoa(total.failures),
		"errors", strconv.Itoa(total.errors), "time", "0")
	for si, id := range sections {
		s := &suites[si]
		if s.tests == 0 {
			continue
		}
		j.start("testsuite", "name", sectionTitles[id], "tests", strconv.Itoa(s.tests), "failures", strconv.Itoa(s.failures), "errors", "0",
			"skipped", strconv.Itoa(s.skipped), "time", "0")
		j.properties(r, id)
		for _, c := range s.checks {
			for _, fi := range byCheck[c] {
				j.finding(&r.Findings[fi], docs.list[c])
			}
		}
		for _, d := range s.passed {
			j.start("testcase", "name", d.Title, "classname", d.ID, "time", "0")
			j.leaf("system-out", fmt.Sprintf("%s passed: %d %s evaluated, none failed.", d.ID, d.Control.Evaluated,
				plural(d.Control.Evaluated, "object", "objects")))
			j.end("testcase")
		}
		for _, d := range s.notEvaluated {
			msg := "not evaluated: the scan could not collect the data this check reads"
			if g := gapText[d.ID]; g != "" {
				msg += " (" + g + ")"
			}
			j.start("testcase", "name", d.Title, "classname", d.ID, "time", "0")
			j.start("skipped", "message", msg)
			j.end("skipped")
			j.end("testcase")
		}
		j.end("testsuite")
	}
	if len(r.Problems) > 0 {
		j.start("testsuite", "name", "Input", "tests", strconv.Itoa(len(r.Problems)), "failures", "0", "errors", strconv.Itoa(total.errors),
			"skipped", "0", "time", "0")
		j.properties(r, "")
		for i := range r.Problems {
			j.problem(&r.Problems[i])
		}
		j.end("testsuite")
	}
	j.end("testsuites")
	if j.err == nil {
		j.err = j.enc.Flush()
	}
	if j.err == nil {
		bw.WriteByte('\n')
		j.err = bw.Flush()
	}
	return j.err
}

// junitWriter writes XML tokens and keeps the first error. attrs and body are reused for
// every element, so a testcase costs no allocation for them.
type junitWriter struct {
	enc   *xml.Encoder
	err   error
	attrs []xml.Attr
	body  bytes.Buffer
}

func (j *junitWriter) token(t xml.Token) {
	if j.err == nil {
		j.err = j.enc.EncodeToken(t)
	}
}

// start opens an element with attributes given as name, value pairs.
func (j *junitWriter) start(name string, attrs ...string) {
	// EncodeToken does not keep the attributes, so one slice serves every element.
	el := xml.StartElement{Name: xml.Name{Local: name}, Attr: j.attrs[:0]}
	for i := 0; i+1 < len(attrs); i += 2 {
		el.Attr = append(el.Attr, xml.Attr{Name: xml.Name{Local: attrs[i]}, Value: attrs[i+1]})
	}
	j.attrs = el.Attr
	j.token(el)
}

func (j *junitWriter) end(name string) { j.token(xml.EndElement{Name: xml.Name{Local: name}}) }

// leaf writes an element holding only text.
func (j *junitWriter) leaf(name, text string, attrs ...string) {
	j.start(name, attrs...)
	j.token(xml.CharData(text))
	j.end(name)
}

// leafBody writes an element holding j.body.
func (j *junitWriter) leafBody(name string, attrs ...string) {
	j.start(name, attrs...)
	j.token(xml.CharData(j.body.Bytes()))
	j.end(name)
}

func (j *junitWriter) properties(r *Report, section string) {
	j.start("properties")
	j.start("property", "name", "eksguard.version", "value", r.Tool.Version)
	j.end("property")
	if section != "" {
		j.start("property", "name", "eksguard.section", "value", section)
		j.end("property")
	}
	j.start("property", "name", "eksguard.failOn", "value", r.FailOn)
	j.end("property")
	if b := r.Summary.Baseline; b != nil {
		// With --baseline only new failing findings are testcases.
		for _, p := range [][2]string{{"file", b.File}, {"new", strconv.Itoa(b.New)}, {"unchanged", strconv.Itoa(b.Unchanged)}, {"fixed", strconv.Itoa(b.Fixed)}} {
			j.start("property", "name", "eksguard.baseline."+p[0], "value", p[1])
			j.end("property")
		}
	}
	j.end("properties")
}

func (j *junitWriter) finding(f *check.Finding, d *checkDoc) {
	name := f.Object.String()
	if f.Path != "" {
		name += ": " + string(f.Path)
	}
	j.start("testcase", "name", name, "classname", f.CheckID, "time", "0")
	j.body.Reset()
	writeJUnitFindingText(&j.body, f, d)
	switch {
	case f.Exception != nil:
		j.leafBody("skipped", "message", "excepted ("+exceptionText(f.Exception)+"): "+f.Message)
	case f.Exempt:
		j.leafBody("skipped", "message", "exempt (system namespace, reported for visibility only): "+f.Message)
	case !f.Fails():
		j.leafBody("skipped", "message", string(f.Status)+": "+f.Message)
	case f.Severity > check.Info:
		j.leafBody("failure", "message", f.Message, "type", f.Severity.String())
	default:
		j.leafBody("system-out")
	}
	j.end("testcase")
}

// writeJUnitFindingText writes the body of a failure: what, where, and how to fix it.
func writeJUnitFindingText(b *bytes.Buffer, f *check.Finding, d *checkDoc) {
	b.WriteString(f.Severity.String())
	b.WriteString(" ")
	b.WriteString(f.CheckID)
	b.WriteString(" ")
	b.WriteString(d.Title)
	b.WriteString("\nobject: ")
	writeObjectRef(b, f.Object)
	if loc := locationOfFinding(f); loc != "" {
		b.WriteString("\nlocation: ")
		b.WriteString(loc)
	}
	if f.Path != "" {
		b.WriteString("\nfield: ")
		b.WriteString(string(f.Path))
	}
	b.WriteString("\n")
	b.WriteString(f.Message)
	if rem := f.Remediation; rem != "" || d.Remediation != "" {
		if rem == "" {
			rem = d.Remediation
		}
		b.WriteString("\n\nRemediation: ")
		b.WriteString(rem)
	}
	if d.DocURL != "" {
		b.WriteString("\nReference: ")
		b.WriteString(d.DocURL)
	}
}

func (j *junitWriter) problem(p *inventory.Problem) {
	name := p.Position.File
	if p.Position.Line > 0 {
		name += ":" + strconv.Itoa(p.Position.Line)
	}
	j.start("testcase", "name", name, "classname", "input."+string(p.Level), "time", "0")
	text := problemText(*p)
	if p.Level == inventory.ProblemError {
		j.leaf("error", text, "message", p.Message, "type", "input-error")
	} else {
		j.leaf("system-out", "warning: "+text)
	}
	j.end("testcase")
}

// exceptionText is an exception's justification, owner, expiry and source in one line.
func exceptionText(e *check.ExceptionRef) string {
	s := e.Justification
	if e.Owner != "" {
		s += "; owner " + e.Owner
	}
	if e.Expires != "" {
		s += "; expires " + e.Expires
	}
	if e.Source != "" {
		s += "; " + e.Type + " " + e.Source
	}
	return s
}

// junitGapTexts says, per check ID, which coverage gap kept it from running.
func junitGapTexts(r *Report) map[string]string {
	out := map[string]string{}
	for _, g := range r.Gaps {
		text := string(g.Reason) + " " + g.Resource
		if g.Namespace != "" {
			text += " in " + g.Namespace
		}
		text += ": " + g.Message
		for _, id := range g.Checks {
			if out[id] != "" {
				out[id] += "; "
			}
			out[id] += text
		}
	}
	return out
}

// locationOfFinding is file:line:column (with what it was rendered from), the k8s:// or ARN
// of a live object, or "" when neither is known.
func locationOfFinding(f *check.Finding) string {
	p := f.Position
	if p.File == "" {
		loc := f.Resource
		if f.Live != nil && f.Live.Cluster != "" {
			if loc == "" {
				loc = f.Object.String()
			}
			loc += " in cluster " + f.Live.Cluster
		}
		return loc
	}
	loc := p.File
	if loc == "-" {
		loc = "<stdin>"
	}
	if p.Line > 0 && (p.RenderedFrom == "" || p.Column > 0) {
		loc += ":" + strconv.Itoa(p.Line)
		if p.Column > 0 {
			loc += ":" + strconv.Itoa(p.Column)
		}
	}
	if p.RenderedFrom != "" {
		loc += " (rendered from " + p.RenderedFrom + ")"
	}
	return loc
}

// writeObjectRef writes ref.String() without building the string.
func writeObjectRef(b *bytes.Buffer, ref inventory.ObjectRef) {
	if ref.Namespace != "" {
		b.WriteString(ref.Namespace)
		b.WriteByte('/')
	}
	b.WriteString(ref.Kind)
	b.WriteByte('/')
	if ref.Name == "" {
		b.WriteString("<unnamed>")
	} else {
		b.WriteString(ref.Name)
	}
}
