package report

import (
	"fmt"
	"html"
	"io"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

func init() { register("markdown", Markdown) }

const (
	// markdownLimit is the most bytes the summary takes. GitHub rejects comments over 65,536
	// characters; a byte count is never below the character count, and the margin leaves room
	// for what a CI step adds around the report (a sticky-comment marker, a heading).
	markdownLimit = 64000
	// markdownTop is how many findings the table at the top shows.
	markdownTop = 20
	// markdownMessageCap is how much of a message a table row or list item shows.
	markdownMessageCap = 200
)

// Markdown writes a compact summary for a pull-request comment: a header line with the
// verdict and the failing findings by severity, a table of the most severe findings, the
// scores per section and framework, then collapsible blocks with every finding grouped by
// check (with its remediation), the input problems and the coverage gaps. It stays under
// markdownLimit bytes: when the full list does not fit, it is cut at a finding and a note
// says how many findings are not shown and where to find them.
func Markdown(w io.Writer, r *Report, _ Options) error {
	docs := newCheckDocs(r)
	var head strings.Builder
	markdownHeader(&head, r)
	markdownTopTable(&head, r, docs)
	markdownScores(&head, r)

	footer := "<sub>eksguard " + html.EscapeString(r.Tool.Version) + " · `eksguard scan -o json` or `-o sarif` has the full report</sub>\n"
	problems := markdownProblems(r, 8<<10)
	exceptions := markdownExceptions(r, 6<<10)
	gaps := markdownGaps(r, 4<<10)
	budget := markdownLimit - head.Len() - len(problems) - len(exceptions) - len(gaps) - len(footer)
	findings := markdownFindings(r, docs, budget)

	out := make([]byte, 0, head.Len()+len(findings)+len(problems)+len(exceptions)+len(gaps)+len(footer))
	out = append(out, head.String()...)
	out = append(out, findings...)
	out = append(out, problems...)
	out = append(out, exceptions...)
	out = append(out, gaps...)
	out = append(out, footer...)
	_, err := w.Write(out)
	return err
}

// markdownHeader writes the verdict with the failing findings by severity, and a line of
// context: the threshold, what was scanned, what did not fail, and what could not be read.
func markdownHeader(b *strings.Builder, r *Report) {
	counts := make([]int, check.Critical+1)
	failing, exempt, excepted, failed := 0, 0, 0, false
	// FailOn is "none" or a severity name.
	failOn, noGate := check.ParseSeverity(r.FailOn)
	for i := range r.Findings {
		f := &r.Findings[i]
		switch {
		case f.Fails():
			failing++
			if f.Severity >= check.Info && f.Severity <= check.Critical {
				counts[f.Severity]++
			}
			if noGate == nil && f.Severity >= failOn {
				failed = true
			}
		case f.Exception != nil:
			excepted++
		case f.Exempt:
			exempt++
		}
	}
	emoji, verdict := "✅", "PASS"
	switch {
	case noGate != nil:
		emoji, verdict = "ℹ️", "no --fail-on gate"
	case failed:
		emoji, verdict = "❌", "FAIL"
	}
	if r.Summary.InputErrors > 0 {
		emoji = "⚠️"
		verdict = fmt.Sprintf("INCOMPLETE (%d input %s) · %s", r.Summary.InputErrors, plural(r.Summary.InputErrors, "error", "errors"), verdict)
	}
	fmt.Fprintf(b, "### %s eksguard: %s · ", emoji, verdict)
	if failing == 0 {
		b.WriteString("no findings\n\n")
	} else {
		var parts []string
		for sev := check.Critical; sev >= check.Info; sev-- {
			if n := counts[sev]; n > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", n, sev))
			}
		}
		fmt.Fprintf(b, "%d %s: %s\n\n", failing, plural(failing, "finding", "findings"), strings.Join(parts, ", "))
	}
	var ctx []string
	if noGate == nil {
		ctx = append(ctx, "fails at **"+r.FailOn+"** and above")
	}
	ctx = append(ctx, fmt.Sprintf("%d %s, %d %s run", r.Summary.Objects, plural(r.Summary.Objects, "object", "objects"),
		r.Summary.ChecksRun, plural(r.Summary.ChecksRun, "check", "checks")))
	if excepted > 0 {
		ctx = append(ctx, fmt.Sprintf("%d excepted", excepted))
	}
	expired := 0
	for _, e := range r.Exceptions {
		if e.Expired {
			expired++
		}
	}
	if expired > 0 {
		ctx = append(ctx, fmt.Sprintf("%d expired %s", expired, plural(expired, "exception", "exceptions")))
	}
	if bl := r.Summary.Baseline; bl != nil {
		ctx = append(ctx, fmt.Sprintf("against the baseline: %d new, %d unchanged (not listed), %d fixed", bl.New, bl.Unchanged, bl.Fixed))
	}
	if exempt > 0 {
		ctx = append(ctx, fmt.Sprintf("%d exempt (system namespaces)", exempt))
	}
	if n := r.Summary.InputErrors + r.Summary.InputWarnings; n > 0 {
		ctx = append(ctx, fmt.Sprintf("%d input %s, %d %s", r.Summary.InputErrors, plural(r.Summary.InputErrors, "error", "errors"),
			r.Summary.InputWarnings, plural(r.Summary.InputWarnings, "warning", "warnings")))
	}
	if n := len(r.Gaps); n > 0 {
		ctx = append(ctx, fmt.Sprintf("%d coverage %s", n, plural(n, "gap", "gaps")))
	}
	b.WriteString(strings.Join(ctx, " · ") + "\n\n")
}

// markdownTopTable lists the most severe failing findings, in report order within a severity.
func markdownTopTable(b *strings.Builder, r *Report, docs *checkDocs) {
	var top []int
	total := 0
	for i := range r.Findings {
		if r.Findings[i].Fails() {
			total++
		}
	}
	for sev := check.Critical; sev >= check.Info && len(top) < markdownTop; sev-- {
		for i := range r.Findings {
			if f := &r.Findings[i]; f.Fails() && f.Severity == sev {
				top = append(top, i)
				if len(top) == markdownTop {
					break
				}
			}
		}
	}
	if len(top) == 0 {
		return
	}
	b.WriteString("| Check | Severity | Object | Location | Message |\n|---|---|---|---|---|\n")
	for _, i := range top {
		f := &r.Findings[i]
		d := docs.get(f.CheckID)
		sev := f.Severity.String()
		if f.Severity >= check.High {
			sev = "**" + sev + "**"
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s |\n", markdownCheckLink(d), sev, markdownCode(f.Object.String(), true),
			markdownCode(locationOfFinding(f), true), markdownInline(markdownCut(f.Message, markdownMessageCap)))
	}
	if total > len(top) {
		fmt.Fprintf(b, "\n%d more %s below.\n", total-len(top), plural(total-len(top), "finding", "findings"))
	}
	b.WriteString("\n")
}

// markdownScores writes passed/evaluated controls per section and per framework, one line each.
func markdownScores(b *strings.Builder, r *Report) {
	line := func(label string, scores []check.Score) {
		var parts []string
		for _, s := range scores {
			if s.Evaluated == 0 && len(s.CoverageGaps) == 0 {
				continue
			}
			p := fmt.Sprintf("%s %d/%d", markdownInline(s.Title), s.Passed, s.Evaluated)
			if s.Percent >= 0 {
				p += fmt.Sprintf(" (%d%%)", s.Percent)
			}
			if n := len(s.CoverageGaps); n > 0 {
				p += fmt.Sprintf(", %d not evaluated", n)
			}
			parts = append(parts, p)
		}
		if len(parts) > 0 {
			b.WriteString("**" + label + "** " + strings.Join(parts, " · ") + "  \n")
		}
	}
	before := b.Len()
	line("Controls passed by section:", r.Scores.Sections)
	line("By framework:", r.Scores.Frameworks)
	if b.Len() > before {
		b.WriteString("\n")
	}
}

// markdownFindings writes one collapsible block per check with its findings, the checks
// with failing findings first (most severe first), within budget bytes. When everything does
// not fit, every check still gets its block (as far as the blocks alone fit) and the findings
// are dealt out one per check in turn, so a check with thousands of findings cannot crowd
// out the others; each cut block ends with how many of its findings are not listed, and a
// note after the blocks gives the total.
func markdownFindings(r *Report, docs *checkDocs, budget int) []byte {
	if len(r.Findings) == 0 {
		return nil
	}
	byCheck := make([][]int32, len(docs.list))
	worst := make([]check.Severity, len(docs.list))
	failingIn := make([]int, len(docs.list))
	for i := range r.Findings {
		f := &r.Findings[i]
		c := docs.index(f.CheckID)
		byCheck[c] = append(byCheck[c], int32(i))
		if f.Fails() {
			if failingIn[c] == 0 || f.Severity > worst[c] {
				worst[c] = f.Severity
			}
			failingIn[c]++
		}
	}
	var order []int
	for c := range byCheck {
		if len(byCheck[c]) > 0 {
			order = append(order, c)
		}
	}
	sort.SliceStable(order, func(a, b int) bool {
		ca, cb := order[a], order[b]
		if (failingIn[ca] > 0) != (failingIn[cb] > 0) {
			return failingIn[ca] > 0
		}
		if worst[ca] != worst[cb] {
			return worst[ca] > worst[cb]
		}
		return docs.list[ca].ID < docs.list[cb].ID
	})

	type block struct {
		idx           []int32
		open, closing string
		items         []string
		full          bool
	}
	title := fmt.Sprintf("**All %d findings by check**\n\n", len(r.Findings))
	// reserve is room for the truncation note; moreLine for a block's "… N more" line.
	const reserve, moreLine = 300, 40
	used := len(title) + reserve
	var blocks []*block
	for _, c := range order {
		d := docs.list[c]
		b := &block{idx: byCheck[c]}
		b.open = fmt.Sprintf("<details><summary><b>%s</b> %s · %s: %s</summary>\n\n",
			html.EscapeString(d.ID), html.EscapeString(d.Severity.String()), html.EscapeString(d.Title), html.EscapeString(markdownCounts(r, b.idx)))
		fix := ""
		if d.Remediation != "" {
			fix = "\n**Fix:** " + markdownInline(d.Remediation)
			if d.DocURL != "" {
				fix += " ([guide](" + d.DocURL + "))"
			}
			fix += "\n"
		}
		b.closing = fix + "\n</details>\n\n"
		size := len(b.open) + len(b.closing) + moreLine
		if used+size > budget {
			break
		}
		used += size
		blocks = append(blocks, b)
	}
	for round, progress := 0, true; progress; round++ {
		progress = false
		for _, b := range blocks {
			if b.full || round >= len(b.idx) {
				continue
			}
			item := markdownItem(&r.Findings[b.idx[round]])
			if used+len(item) > budget {
				b.full = true
				continue
			}
			used += len(item)
			b.items = append(b.items, item)
			progress = true
		}
	}

	out := make([]byte, 0, used)
	out = append(out, title...)
	shown := 0
	for _, b := range blocks {
		out = append(out, b.open...)
		for _, item := range b.items {
			out = append(out, item...)
		}
		shown += len(b.items)
		if n := len(b.idx) - len(b.items); n > 0 {
			out = append(out, fmt.Sprintf("- … %d more\n", n)...)
		}
		out = append(out, b.closing...)
	}
	if missing := len(r.Findings) - shown; missing > 0 {
		out = append(out, fmt.Sprintf("> [!NOTE]\n> %d of %d findings are not listed: a GitHub comment holds at most 65,536 characters. "+
			"The JSON or SARIF report (`-o json`, `-o sarif`) has every finding.\n\n", missing, len(r.Findings))...)
	}
	return out
}

// markdownCounts says how a check's findings fared: "3 failing, 1 excepted, 2 exempt".
// Info findings never fail a control; they are "informational".
func markdownCounts(r *Report, idx []int32) string {
	failing, info, excepted, exempt, other := 0, 0, 0, 0, 0
	for _, i := range idx {
		f := &r.Findings[i]
		switch {
		case f.Fails() && f.Severity == check.Info:
			info++
		case f.Fails():
			failing++
		case f.Exception != nil:
			excepted++
		case f.Exempt:
			exempt++
		default:
			other++
		}
	}
	var parts []string
	for _, c := range []struct {
		n    int
		what string
	}{{failing, "failing"}, {info, "informational"}, {excepted, "excepted"}, {exempt, "exempt"}, {other, "not failing"}} {
		if c.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", c.n, c.what))
		}
	}
	return strings.Join(parts, ", ")
}

// markdownItem is one finding as a list item: location, object, field, message and, when it
// does not fail, why.
func markdownItem(f *check.Finding) string {
	var b strings.Builder
	b.WriteString("- ")
	if loc := locationOfFinding(f); loc != "" {
		b.WriteString(markdownCode(loc, false) + " ")
	}
	b.WriteString(markdownInline(f.Object.String()))
	if f.Path != "" {
		b.WriteString(" " + markdownCode(string(f.Path), false))
	}
	b.WriteString(" — " + markdownInline(markdownCut(f.Message, markdownMessageCap)))
	switch {
	case f.Exception != nil:
		b.WriteString(" — *excepted: " + markdownInline(exceptionText(f.Exception)) + "*")
	case f.Exempt:
		b.WriteString(" — *exempt: system namespace*")
	}
	b.WriteString("\n")
	return b.String()
}

// markdownProblems lists the input problems in a collapsible block of at most capBytes.
func markdownProblems(r *Report, capBytes int) string {
	if len(r.Problems) == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "<details><summary><b>Input problems</b>: %d %s, %d %s</summary>\n\n",
		r.Summary.InputErrors, plural(r.Summary.InputErrors, "error", "errors"), r.Summary.InputWarnings, plural(r.Summary.InputWarnings, "warning", "warnings"))
	for i, p := range r.Problems {
		item := "- **" + string(p.Level) + "** " + markdownProblem(p) + "\n"
		if b.Len()+len(item) > capBytes-120 {
			fmt.Fprintf(&b, "- … %d more (see `-o json`)\n", len(r.Problems)-i)
			break
		}
		b.WriteString(item)
	}
	b.WriteString("\n</details>\n\n")
	return b.String()
}

func markdownProblem(p inventory.Problem) string {
	loc := p.Position.File
	if p.Position.Line > 0 {
		loc += ":" + strconv.Itoa(p.Position.Line)
		if p.Position.Column > 0 {
			loc += ":" + strconv.Itoa(p.Position.Column)
		}
	}
	s := markdownCode(loc, false) + ": "
	if p.Object != nil {
		s += markdownInline(p.Object.String()) + ": "
	}
	if p.Path != "" {
		s += markdownCode(string(p.Path), false) + ": "
	}
	s += markdownInline(markdownCut(p.Message, 400))
	if p.Hint != "" {
		s += " (hint: " + markdownInline(markdownCut(p.Hint, 200)) + ")"
	}
	return s
}

// markdownExceptions lists every exception with what it suppressed, expired and unused ones
// first, in a collapsible block of at most capBytes.
func markdownExceptions(r *Report, capBytes int) string {
	if len(r.Exceptions) == 0 {
		return ""
	}
	expired, unused := 0, 0
	var order []int
	for pass := 0; pass < 3; pass++ {
		for i, e := range r.Exceptions {
			state := 2
			switch {
			case e.Expired:
				state = 0
			case e.Unused:
				state = 1
			}
			if state == pass {
				order = append(order, i)
				if pass == 0 {
					expired++
				} else if pass == 1 {
					unused++
				}
			}
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "<details><summary><b>Exceptions</b>: %d (%d expired, %d unused)</summary>\n\n", len(r.Exceptions), expired, unused)
	for n, i := range order {
		e := r.Exceptions[i]
		item := "- " + markdownCode(e.Source, false) + " " + markdownCode(e.Check, false)
		if e.Type == check.ExceptionAnnotation {
			item += " annotation on " + markdownInline(inventory.ObjectRef{Namespace: e.Selector.Namespace, Kind: e.Selector.Kind, Name: e.Selector.Name}.String())
		} else if sel := e.Selector.String(); sel != "" {
			item += " " + markdownCode(sel, false)
		}
		if e.Justification != "" {
			item += ": " + markdownInline(markdownCut(e.Justification, 200))
		}
		if e.Owner != "" {
			item += "; owner " + markdownInline(e.Owner)
		}
		if e.Expires != "" {
			item += "; until " + markdownInline(e.Expires)
		}
		switch {
		case e.Expired:
			item += " — **expired**, no longer applies"
		case e.Unused:
			item += " — **unused**: suppressed nothing"
		default:
			item += fmt.Sprintf(" — %d suppressed", e.Suppressed)
		}
		item += "\n"
		if b.Len()+len(item) > capBytes-120 {
			fmt.Fprintf(&b, "- … %d more (see `-o json`)\n", len(order)-n)
			break
		}
		b.WriteString(item)
	}
	b.WriteString("\n</details>\n\n")
	return b.String()
}

// markdownGaps lists the coverage gaps in a collapsible block of at most capBytes.
func markdownGaps(r *Report, capBytes int) string {
	if len(r.Gaps) == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "<details><summary><b>Coverage gaps</b>: %d (data this scan could not collect; the checks listed were not evaluated)</summary>\n\n", len(r.Gaps))
	for i, g := range r.Gaps {
		item := "- " + markdownInline(string(g.Reason)) + " " + markdownCode(g.Resource, false)
		if g.Namespace != "" {
			item += " in " + markdownCode(g.Namespace, false)
		}
		item += ": " + markdownInline(markdownCut(g.Message, 300))
		if len(g.Checks) > 0 {
			item += " — not evaluated: " + markdownInline(strings.Join(g.Checks, ", "))
		}
		item += "\n"
		if b.Len()+len(item) > capBytes-120 {
			fmt.Fprintf(&b, "- … %d more (see `-o json`)\n", len(r.Gaps)-i)
			break
		}
		b.WriteString(item)
	}
	b.WriteString("\n</details>\n\n")
	return b.String()
}

// markdownCheckLink is the check ID, linked to its guide section when it has one.
func markdownCheckLink(d *checkDoc) string {
	if d.DocURL == "" {
		return markdownInline(d.ID)
	}
	return "[" + markdownInline(d.ID) + "](" + d.DocURL + ")"
}

// markdownCode writes s as a code span. In a table cell a pipe still ends the cell inside
// code, so it is escaped there (GFM removes the backslash); text with a backtick or a line
// break is written as escaped text instead.
func markdownCode(s string, inTable bool) string {
	if s == "" {
		return ""
	}
	if strings.ContainsAny(s, "`\n\r") {
		return markdownInline(s)
	}
	if inTable {
		s = strings.ReplaceAll(s, "|", `\|`)
	}
	return "`" + s + "`"
}

// markdownCut shortens s to at most n characters, ending with an ellipsis when cut.
func markdownCut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i, count := 0, 0
	for i = range s {
		if count == n-1 {
			break
		}
		count++
	}
	return s[:i] + "…"
}
