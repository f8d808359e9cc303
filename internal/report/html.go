package report

import (
	"bufio"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

func init() { register("html", HTML) }

// The page is one self-contained file: the template, its stylesheet and its script are
// embedded here and inlined into every report, so the file fetches nothing (no CDN, no web
// fonts, no images but inline SVG) and can be mailed or archived as is.
var (
	//go:embed html/report.html.tmpl
	htmlTemplateText string
	//go:embed html/report.css
	htmlCSS string
	//go:embed html/report.js
	htmlJS string

	htmlTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
		"plural": plural,
		"addInt": func(a, b int) int { return a + b },
	}).Parse(htmlTemplateText))
)

// HTML writes the report as one self-contained HTML page: summary, scores with SVG charts,
// a filterable, sortable findings table with the remediation of each finding, input problems
// and coverage gaps. The findings are embedded once as JSON (for the script that renders the
// interactive table) and once as a plain table inside <noscript>, so the page is complete
// with scripts disabled. Both are streamed row by row; nothing is held twice in memory.
func HTML(w io.Writer, r *Report, _ Options) error {
	bw := bufio.NewWriterSize(w, 256<<10)
	page := newHTMLPage(r)
	if err := htmlTemplate.ExecuteTemplate(bw, "head", page); err != nil {
		return err
	}
	for i := range r.Findings {
		writeHTMLRow(bw, &r.Findings[i], page.fixAnchor)
	}
	if err := htmlTemplate.ExecuteTemplate(bw, "middle", page); err != nil {
		return err
	}
	bw.WriteString(`<script type="application/json" id="eksguard-data">`)
	writeHTMLData(bw, r)
	bw.WriteString("</script>\n")
	if err := htmlTemplate.ExecuteTemplate(bw, "tail", page); err != nil {
		return err
	}
	return bw.Flush()
}

// htmlPage is what the template renders; everything but the findings, which are streamed.
type htmlPage struct {
	Report   *Report
	Title    string
	CSS      template.CSS
	JS       template.JS
	Verdict  string // fail, pass, incomplete or none
	Headline string
	Overall  htmlScore
	MeterW   string // width of the overall meter's fill, of 200
	// Severities are the non-exempt finding counts, most severe first.
	Severities  []htmlCount
	Sections    []htmlScore
	Frameworks  []htmlScore
	ChartHeight int
	// NotEvaluated groups the checks that needed data this scan lacks by data source.
	NotEvaluated []htmlPending
	Problems     []htmlProblem
	Gaps         []htmlGap
	Fixes        []htmlFix
	Exceptions   []htmlException
	fixAnchor    map[htmlFixKey]int
}

type htmlCount struct {
	Name     string
	Count    int
	X, Width string // share of the severity bar, percent
}

// htmlScore is one row of the scores: a section, a framework or the overall total, with
// the geometry of its bar (sections) or ring (frameworks) precomputed.
type htmlScore struct {
	check.Score
	Failed  int
	Label   string // "11 / 29"
	Pct     string // "37%" or "–"
	Grade   string // good, fair, poor or none
	Y       int    // bar row offset in the section chart
	PassW   string // passed width in the chart's bar units
	FailW   string
	FailX   string
	Dash    string // ring: stroke-dasharray of the passed arc
	Missing int    // needs data + not implemented + coverage gaps
}

type htmlPending struct {
	Source string
	Checks []string
}

type htmlProblem struct {
	Level, Location, Object, Path, Message, Hint string
}

// htmlException is one exception of the run and what became of it.
type htmlException struct {
	Source, Type, Check, AppliesTo, Owner, Expires, Justification string
	State                                                         string // suppressed, unused or expired
	Suppressed                                                    int
}

type htmlGap struct {
	Reason, Resource, Namespace, Message string
	Checks                               []string
}

// htmlFix is one distinct remediation, listed once for the no-script table.
type htmlFix struct {
	Anchor               int
	CheckID, Title, Text string
	Count                int
}

type htmlFixKey struct{ check, text string }

// The section chart's geometry (SVG user units): each section is a label line over a bar
// of htmlBarWidth; htmlBarRow apart.
const (
	htmlBarX     = 0
	htmlBarWidth = 720
	htmlBarRow   = 40
)

func newHTMLPage(r *Report) *htmlPage {
	p := &htmlPage{Report: r, CSS: template.CSS(htmlCSS), JS: template.JS(htmlJS), fixAnchor: map[htmlFixKey]int{}}
	p.Title = "eksguard report"
	if len(r.Inputs) > 0 {
		p.Title += ": " + strings.Join(r.Inputs, " ")
	}
	s := r.Summary
	switch {
	case s.InputErrors > 0:
		p.Verdict, p.Headline = "incomplete", "Incomplete: some input could not be read"
	case r.FailOn == "none" || r.FailOn == "":
		p.Verdict, p.Headline = "none", "No failure threshold"
	case s.Failed:
		p.Verdict, p.Headline = "fail", "Fail: findings at or above "+r.FailOn
	default:
		p.Verdict, p.Headline = "pass", "Pass: nothing at or above "+r.FailOn
	}
	x := 0.0
	for sev := check.Critical; sev >= check.Info; sev-- {
		n := s.BySeverity[sev.String()]
		c := htmlCount{Name: sev.String(), Count: n, X: "0", Width: "0"}
		if s.Findings > 0 {
			w := 100 * float64(n) / float64(s.Findings)
			c.X, c.Width = strconv.FormatFloat(x, 'f', 2, 64), strconv.FormatFloat(w, 'f', 2, 64)
			x += w
		}
		p.Severities = append(p.Severities, c)
	}

	var total check.Score
	sources := map[check.Source][]string{}
	for i, sc := range r.Scores.Sections {
		total.Passed += sc.Passed
		total.Evaluated += sc.Evaluated
		total.NotApplicable += sc.NotApplicable
		row := newHTMLScore(sc)
		row.Y = i * htmlBarRow
		p.Sections = append(p.Sections, row)
		for _, pc := range sc.NeedsData {
			sources[pc.Source] = append(sources[pc.Source], pc.ID)
		}
	}
	total.Title = "Overall"
	total.Percent = -1
	if total.Evaluated > 0 {
		total.Percent = total.Passed * 100 / total.Evaluated
	}
	p.Overall = newHTMLScore(total)
	p.MeterW = "0"
	if total.Evaluated > 0 {
		p.MeterW = strconv.FormatFloat(200*float64(total.Passed)/float64(total.Evaluated), 'f', 1, 64)
	}
	p.ChartHeight = len(p.Sections) * htmlBarRow
	for _, sc := range r.Scores.Frameworks {
		p.Frameworks = append(p.Frameworks, newHTMLScore(sc))
	}
	for _, src := range sortedSources(htmlCountSources(sources)) {
		ids := sources[src]
		sort.Strings(ids)
		p.NotEvaluated = append(p.NotEvaluated, htmlPending{Source: string(src), Checks: ids})
	}

	for _, pr := range r.Problems {
		hp := htmlProblem{Level: string(pr.Level), Location: htmlLocation(pr.Position), Path: string(pr.Path), Message: pr.Message, Hint: pr.Hint}
		if pr.Object != nil {
			hp.Object = pr.Object.String()
		}
		p.Problems = append(p.Problems, hp)
	}
	for _, e := range r.Exceptions {
		he := htmlException{Source: e.Source, Type: e.Type, Check: e.Check, AppliesTo: e.Selector.String(), Owner: e.Owner,
			Expires: e.Expires, Justification: e.Justification, State: "suppressed", Suppressed: e.Suppressed}
		if e.Type == check.ExceptionAnnotation {
			he.AppliesTo = "annotation on " + inventory.ObjectRef{Namespace: e.Selector.Namespace, Kind: e.Selector.Kind, Name: e.Selector.Name}.String()
		}
		switch {
		case e.Expired:
			he.State = "expired"
		case e.Unused:
			he.State = "unused"
		}
		p.Exceptions = append(p.Exceptions, he)
	}
	for _, g := range r.Gaps {
		p.Gaps = append(p.Gaps, htmlGap{Reason: string(g.Reason), Resource: g.Resource, Namespace: g.Namespace, Message: g.Message, Checks: g.Checks})
	}

	// Distinct remediations, for the no-script table's "how to fix" list, by check ID.
	for i := range r.Findings {
		f := &r.Findings[i]
		k := htmlFixKey{f.CheckID, f.Remediation}
		if n, ok := p.fixAnchor[k]; ok {
			p.Fixes[n].Count++
			continue
		}
		p.fixAnchor[k] = len(p.Fixes)
		p.Fixes = append(p.Fixes, htmlFix{CheckID: f.CheckID, Title: f.Title, Text: f.Remediation, Count: 1})
	}
	sort.SliceStable(p.Fixes, func(i, j int) bool { return p.Fixes[i].CheckID < p.Fixes[j].CheckID })
	for i := range p.Fixes {
		p.Fixes[i].Anchor = i
		p.fixAnchor[htmlFixKey{p.Fixes[i].CheckID, p.Fixes[i].Text}] = i
	}
	return p
}

func htmlCountSources(m map[check.Source][]string) map[check.Source]int {
	out := make(map[check.Source]int, len(m))
	for k, v := range m {
		out[k] = len(v)
	}
	return out
}

func newHTMLScore(s check.Score) htmlScore {
	h := htmlScore{Score: s, Failed: s.Evaluated - s.Passed, Label: fmt.Sprintf("%d / %d", s.Passed, s.Evaluated), Pct: "–", Grade: "none",
		PassW: "0", FailW: "0", FailX: strconv.Itoa(htmlBarX), Dash: "0 1000",
		Missing: len(s.NeedsData) + len(s.NotImplemented) + len(s.CoverageGaps)}
	if s.Evaluated <= 0 || s.Percent < 0 {
		return h
	}
	h.Pct = strconv.Itoa(s.Percent) + "%"
	switch {
	case s.Percent >= 80:
		h.Grade = "good"
	case s.Percent >= 50:
		h.Grade = "fair"
	default:
		h.Grade = "poor"
	}
	pass := float64(htmlBarWidth) * float64(s.Passed) / float64(s.Evaluated)
	h.PassW = strconv.FormatFloat(pass, 'f', 1, 64)
	h.FailX = strconv.FormatFloat(htmlBarX+pass, 'f', 1, 64)
	h.FailW = strconv.FormatFloat(htmlBarWidth-pass, 'f', 1, 64)
	// The ring has radius 40: circumference 2π·40.
	const circ = 251.327
	arc := circ * float64(s.Passed) / float64(s.Evaluated)
	h.Dash = strconv.FormatFloat(arc, 'f', 2, 64) + " " + strconv.FormatFloat(circ, 'f', 2, 64)
	return h
}

// htmlLocation renders file:line:col, or "-" when there is no file.
func htmlLocation(p inventory.Position) string {
	if p.File == "" {
		return ""
	}
	loc := p.File
	if p.Line > 0 {
		loc += ":" + strconv.Itoa(p.Line)
		if p.Column > 0 {
			loc += ":" + strconv.Itoa(p.Column)
		}
	}
	return loc
}

// htmlExceptionText says who excepted a finding, why and until when.
func htmlExceptionText(e *check.ExceptionRef) string {
	s := e.Justification
	var who []string
	if e.Owner != "" {
		who = append(who, "owner "+e.Owner)
	}
	if e.Expires != "" {
		who = append(who, "expires "+e.Expires)
	}
	if e.Source != "" {
		who = append(who, e.Source)
	}
	if len(who) > 0 {
		s += " (" + strings.Join(who, ", ") + ")"
	}
	return s
}

// htmlWhere is where a finding points: its file location, else the live object's URI.
func htmlWhere(f *check.Finding) string {
	if loc := htmlLocation(f.Position); loc != "" {
		return loc
	}
	if f.Resource != "" {
		return f.Resource
	}
	if f.Live != nil && f.Live.Cluster != "" {
		return "cluster " + f.Live.Cluster
	}
	return ""
}

// writeHTMLRow writes one finding of the no-script table. The markup is written by hand
// (escaped with html/template's own escaper) because a template execution per row would be
// the slowest part of a 100,000-finding report.
func writeHTMLRow(bw *bufio.Writer, f *check.Finding, fixes map[htmlFixKey]int) {
	sev := f.Severity.String()
	excepted := f.Status == check.StatusExcepted
	bw.WriteString(`<tr class="sev-`)
	bw.WriteString(sev)
	if f.Exempt {
		bw.WriteString(` exempt`)
	}
	if excepted {
		bw.WriteString(` excepted`)
	}
	bw.WriteString(`"><td><span class="sev sev-`)
	bw.WriteString(sev)
	bw.WriteString(`">`)
	bw.WriteString(sev)
	bw.WriteString(`</span>`)
	if f.Exempt {
		bw.WriteString(` <span class="tag-exempt">exempt</span>`)
	}
	if excepted {
		bw.WriteString(` <span class="tag-exempt tag-excepted">excepted</span>`)
	}
	bw.WriteString(`</td><td><a href="#fix-`)
	bw.WriteString(strconv.Itoa(fixes[htmlFixKey{f.CheckID, f.Remediation}]))
	bw.WriteString(`">`)
	template.HTMLEscape(bw, []byte(f.CheckID))
	bw.WriteString(`</a></td><td>`)
	template.HTMLEscape(bw, []byte(f.Object.String()))
	bw.WriteString(`</td><td class="loc">`)
	// A break opportunity after each slash: long paths wrap between directories.
	for i, part := range strings.SplitAfter(htmlWhere(f), "/") {
		if i > 0 {
			bw.WriteString("<wbr>")
		}
		template.HTMLEscape(bw, []byte(part))
	}
	bw.WriteString(`</td><td>`)
	template.HTMLEscape(bw, []byte(f.Message))
	if f.Path != "" {
		bw.WriteString(`<div class="path">`)
		template.HTMLEscape(bw, []byte(f.Path))
		bw.WriteString(`</div>`)
	}
	if excepted && f.Exception != nil {
		bw.WriteString(`<div class="hint">excepted: `)
		template.HTMLEscape(bw, []byte(htmlExceptionText(f.Exception)))
		bw.WriteString(`</div>`)
	}
	bw.WriteString("</td></tr>\n")
}

// The findings are embedded as JSON for the page's script, in a compact form: each finding
// is an array (the field order below, shared with report.js), and the strings that repeat
// across findings (check IDs, titles, remediations, files, namespaces, kinds, names) are
// indexes into one string table. A 100,000-finding report stays a fraction of the size of
// the JSON report, and the browser parses it in one JSON.parse.
//
//	0 check ID*  1 severity (0 info .. 4 critical)  2 exempt (0/1)  3 apiVersion*  4 kind*
//	5 namespace*  6 name*  7 file*  8 line  9 column  10 renderedFrom*  11 field path
//	12 message  13 title*  14 remediation*  15 resource*  16 live cluster*  17 managed by*
//	18 status*  19 exception source*  20 exception type*  21 justification*  22 owner*
//	23 expires*
//
// (* an index into "strings"; 0 is the empty string.)
//
// Strings are escaped so that the block can never end the <script> element or open a
// comment: <, > and & are written as \u003c, \u003e and \u0026 (as encoding/json does).
func writeHTMLData(bw *bufio.Writer, r *Report) {
	strs := htmlStrings{index: map[string]int{"": 0}, list: []string{""}}
	bw.WriteString(`{"version":1,"severities":`)
	htmlJSONStrings(bw, check.SeverityNames())
	bw.WriteString(`,"sections":[`)
	for i, s := range r.Scores.Sections {
		if i > 0 {
			bw.WriteByte(',')
		}
		bw.WriteString(`{"id":`)
		htmlJSONString(bw, s.ID)
		bw.WriteString(`,"title":`)
		htmlJSONString(bw, s.Title)
		bw.WriteByte('}')
	}
	bw.WriteString(`],"controls":[`)
	for i, c := range r.Controls {
		if i > 0 {
			bw.WriteByte(',')
		}
		bw.WriteString(`{"id":`)
		htmlJSONString(bw, c.ID)
		bw.WriteString(`,"title":`)
		htmlJSONString(bw, c.Title)
		bw.WriteString(`,"section":`)
		htmlJSONString(bw, c.Section)
		bw.WriteByte('}')
	}
	bw.WriteString("],\n\"findings\":[")
	var num []byte
	for i := range r.Findings {
		f := &r.Findings[i]
		if i > 0 {
			bw.WriteByte(',')
		}
		bw.WriteString("\n[")
		var cluster, managedBy string
		if f.Live != nil {
			cluster, managedBy = f.Live.Cluster, f.Live.ManagedBy
		}
		exempt := 0
		if f.Exempt {
			exempt = 1
		}
		ints := [...]int{
			strs.id(f.CheckID), int(f.Severity), exempt, strs.id(f.Object.APIVersion), strs.id(f.Object.Kind),
			strs.id(f.Object.Namespace), strs.id(f.Object.Name), strs.id(f.Position.File), f.Position.Line, f.Position.Column,
			strs.id(f.Position.RenderedFrom),
		}
		for j, n := range ints {
			if j > 0 {
				bw.WriteByte(',')
			}
			num = strconv.AppendInt(num[:0], int64(n), 10)
			bw.Write(num)
		}
		bw.WriteByte(',')
		htmlJSONString(bw, string(f.Path))
		bw.WriteByte(',')
		htmlJSONString(bw, f.Message)
		var exc check.ExceptionRef
		if f.Exception != nil {
			exc = *f.Exception
		}
		for _, s := range [...]string{f.Title, f.Remediation, f.Resource, cluster, managedBy, string(f.Status),
			exc.Source, exc.Type, exc.Justification, exc.Owner, exc.Expires} {
			bw.WriteByte(',')
			num = strconv.AppendInt(num[:0], int64(strs.id(s)), 10)
			bw.Write(num)
		}
		bw.WriteByte(']')
	}
	bw.WriteString("],\n\"strings\":")
	htmlJSONStrings(bw, strs.list)
	bw.WriteString("}\n")
}

type htmlStrings struct {
	index map[string]int
	list  []string
}

func (s *htmlStrings) id(v string) int {
	if n, ok := s.index[v]; ok {
		return n
	}
	n := len(s.list)
	s.index[v] = n
	s.list = append(s.list, v)
	return n
}

func htmlJSONStrings(bw *bufio.Writer, list []string) {
	bw.WriteByte('[')
	for i, s := range list {
		if i > 0 {
			bw.WriteByte(',')
		}
		htmlJSONString(bw, s)
	}
	bw.WriteByte(']')
}

// htmlJSONString writes s as a JSON string that is safe inside an HTML <script> element:
// encoding/json's escaping with HTML escaping on (<, >, & and the JavaScript line
// separators U+2028 and U+2029 as \u escapes), invalid UTF-8 replaced by U+FFFD.
func htmlJSONString(bw *bufio.Writer, s string) {
	const hex = "0123456789abcdef"
	bw.WriteByte('"')
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&' {
				i++
				continue
			}
			bw.WriteString(s[start:i])
			switch b {
			case '"', '\\':
				bw.WriteByte('\\')
				bw.WriteByte(b)
			case '\n':
				bw.WriteString(`\n`)
			case '\r':
				bw.WriteString(`\r`)
			case '\t':
				bw.WriteString(`\t`)
			case '\b':
				bw.WriteString(`\b`)
			case '\f':
				bw.WriteString(`\f`)
			default:
				bw.WriteString(`\u00`)
				bw.WriteByte(hex[b>>4])
				bw.WriteByte(hex[b&0xf])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			bw.WriteString(s[start:i])
			bw.WriteString(`\ufffd`)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			bw.WriteString(s[start:i])
			bw.WriteString(`\u202`)
			bw.WriteByte(hex[c&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	bw.WriteString(s[start:])
	bw.WriteByte('"')
}
