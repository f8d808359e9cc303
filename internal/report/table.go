package report

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

func init() { register("table", Table) }

const (
	ansiReset = "\x1b[0m"
	ansiBold  = "\x1b[1m"
	ansiDim   = "\x1b[2m"
)

var severityColor = map[check.Severity]string{
	check.Critical: "\x1b[1;35m",
	check.High:     "\x1b[1;31m",
	check.Medium:   "\x1b[33m",
	check.Low:      "\x1b[36m",
	check.Info:     "\x1b[2m",
}

// Table writes findings grouped by file and object, then input problems and a summary line.
func Table(w io.Writer, r *Report, opts Options) error {
	bw := bufio.NewWriter(w)
	paint := func(code, s string) string {
		if !opts.Color {
			return s
		}
		return code + s + ansiReset
	}
	var lastFile, lastObject string
	for _, f := range r.Findings {
		file := f.Position.File
		if file == "" && f.Live != nil && f.Live.Cluster != "" {
			file = "cluster " + f.Live.Cluster
		} else if file == "" {
			file = "(no file)"
		}
		if file != lastFile {
			if lastFile != "" {
				fmt.Fprintln(bw)
			}
			fmt.Fprintln(bw, paint(ansiBold, file))
			lastFile, lastObject = file, ""
		}
		obj := f.Object.String()
		if obj != lastObject {
			header := paint(ansiBold, obj)
			if f.Live != nil && f.Live.ManagedBy != "" {
				header += paint(ansiDim, " (managed by "+f.Live.ManagedBy+")")
			}
			fmt.Fprintf(bw, "  %s\n", header)
			lastObject = obj
		}
		sev := fmt.Sprintf("%-8s", strings.ToUpper(f.Severity.String()))
		loc := fmt.Sprintf("%d:%d", f.Position.Line, f.Position.Column)
		if f.Position.Line == 0 {
			loc = "-"
		}
		msg := f.Message
		if f.Status == check.StatusExcepted && f.Exception != nil {
			msg += " (excepted: " + f.Exception.Source + ")"
			sev = paint(ansiDim, sev)
		} else if f.Exempt {
			msg += " (exempt: system namespace)"
			sev = paint(ansiDim, sev)
		} else {
			sev = paint(severityColor[f.Severity], sev)
		}
		fmt.Fprintf(bw, "    %-8s %s %s  %s\n", loc, sev, f.CheckID, msg)
		if f.Path != "" {
			fmt.Fprintf(bw, "    %-8s %s %s  %s\n", "", strings.Repeat(" ", 8), strings.Repeat(" ", len(f.CheckID)), paint(ansiDim, string(f.Path)))
		}
	}
	if len(r.Findings) > 0 {
		fmt.Fprintln(bw)
	}
	if len(r.Problems) > 0 {
		fmt.Fprintln(bw, paint(ansiBold, "Input problems"))
		for _, p := range r.Problems {
			level := string(p.Level)
			if p.Level == inventory.ProblemError {
				level = paint(severityColor[check.High], level)
			}
			fmt.Fprintf(bw, "  %s %s\n", level, problemText(p))
		}
		fmt.Fprintln(bw)
	}
	if len(r.Gaps) > 0 {
		fmt.Fprintln(bw, paint(ansiBold, "Coverage gaps (data this scan could not collect; the checks listed were not evaluated)"))
		for _, g := range r.Gaps {
			where := g.Resource
			if g.Namespace != "" {
				where += " in " + g.Namespace
			}
			fmt.Fprintf(bw, "  %s %s: %s\n", g.Reason, where, g.Message)
			if len(g.Checks) > 0 {
				fmt.Fprintf(bw, "      not evaluated: %s\n", strings.Join(g.Checks, ", "))
			}
		}
		fmt.Fprintln(bw)
	}
	writeExceptions(bw, r, paint)
	writeScores(bw, r, paint)
	fmt.Fprintln(bw, summaryLine(r))
	return bw.Flush()
}

// writeExceptions lists every exception with what it suppressed, flagging expired and
// unused ones.
func writeExceptions(w io.Writer, r *Report, paint func(code, s string) string) {
	if len(r.Exceptions) == 0 {
		return
	}
	fmt.Fprintln(w, paint(ansiBold, "Exceptions"))
	for _, e := range r.Exceptions {
		what := e.Selector.String()
		if e.Type == check.ExceptionAnnotation {
			what = "annotation on " + inventory.ObjectRef{Namespace: e.Selector.Namespace, Kind: e.Selector.Kind, Name: e.Selector.Name}.String()
		}
		line := fmt.Sprintf("  %s  %s  %s", e.Source, e.Check, what)
		if e.Owner != "" {
			line += ", owner " + e.Owner
		}
		if e.Expires != "" {
			line += ", until " + e.Expires
		}
		switch {
		case e.Expired:
			line += ": " + paint(severityColor[check.Medium], "EXPIRED, no longer applies")
		case e.Unused:
			line += ": " + paint(severityColor[check.Medium], "unused (suppressed nothing)")
		default:
			line += fmt.Sprintf(": %d suppressed", e.Suppressed)
		}
		fmt.Fprintln(w, line)
	}
	fmt.Fprintln(w)
}

// writeScores prints passed/evaluated controls per section and framework, and what the
// scan could not evaluate.
func writeScores(w io.Writer, r *Report, paint func(code, s string) string) {
	if len(r.Scores.Sections) == 0 {
		return
	}
	row := func(s check.Score) {
		pct := "   -"
		if s.Percent >= 0 {
			pct = fmt.Sprintf("%3d%%", s.Percent)
		}
		line := fmt.Sprintf("  %-42s %4d/%-4d %s", s.Title, s.Passed, s.Evaluated, pct)
		var notes []string
		if s.NotApplicable > 0 {
			notes = append(notes, fmt.Sprintf("%d not applicable", s.NotApplicable))
		}
		if n := len(s.NeedsData); n > 0 {
			notes = append(notes, fmt.Sprintf("%d %s data this scan lacks", n, plural(n, "needs", "need")))
		}
		if n := len(s.NotImplemented); n > 0 {
			notes = append(notes, fmt.Sprintf("%d not implemented", n))
		}
		if n := len(s.CoverageGaps); n > 0 {
			notes = append(notes, fmt.Sprintf("%d not evaluated (coverage gap)", n))
		}
		if len(notes) > 0 {
			line += "  (" + strings.Join(notes, ", ") + ")"
		}
		fmt.Fprintln(w, line)
	}
	fmt.Fprintln(w, paint(ansiBold, "Controls passed / evaluated, by section"))
	for _, s := range r.Scores.Sections {
		row(s)
	}
	fmt.Fprintln(w, paint(ansiBold, "By framework"))
	for _, s := range r.Scores.Frameworks {
		row(s)
	}
	sources := map[check.Source]int{}
	for _, s := range r.Scores.Sections {
		for _, p := range s.NeedsData {
			sources[p.Source]++
		}
	}
	if len(sources) > 0 {
		var parts []string
		for _, src := range sortedSources(sources) {
			parts = append(parts, fmt.Sprintf("%s %d", src, sources[src]))
		}
		fmt.Fprintf(w, "Not evaluated (no data from these sources in this scan): %s\n", strings.Join(parts, ", "))
	}
	fmt.Fprintln(w)
}

func sortedSources(m map[check.Source]int) []check.Source {
	out := make([]check.Source, 0, len(m))
	for s := range m {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func problemText(p inventory.Problem) string {
	loc := p.Position.File
	if p.Position.Line > 0 {
		loc += fmt.Sprintf(":%d", p.Position.Line)
		if p.Position.Column > 0 {
			loc += fmt.Sprintf(":%d", p.Position.Column)
		}
	}
	s := loc + ": "
	if p.Object != nil {
		s += p.Object.String() + ": "
	}
	if p.Path != "" {
		s += string(p.Path) + ": "
	}
	s += p.Message
	if p.Hint != "" {
		s += "\n      hint: " + p.Hint
	}
	return s
}

func summaryLine(r *Report) string {
	s := r.Summary
	var parts []string
	for _, sev := range []check.Severity{check.Critical, check.High, check.Medium, check.Low, check.Info} {
		if n := s.BySeverity[sev.String()]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, sev))
		}
	}
	line := fmt.Sprintf("%d %s", s.Findings, plural(s.Findings, "finding", "findings"))
	if len(parts) > 0 {
		line += " (" + strings.Join(parts, ", ") + ")"
	}
	line += fmt.Sprintf(" in %d %s, %d %s run", s.Objects, plural(s.Objects, "object", "objects"), s.ChecksRun, plural(s.ChecksRun, "check", "checks"))
	if s.Exempt > 0 {
		line += fmt.Sprintf("; %d exempt", s.Exempt)
	}
	if s.Excepted > 0 {
		line += fmt.Sprintf("; %d excepted", s.Excepted)
	}
	if b := s.Baseline; b != nil {
		line += fmt.Sprintf("; against %s: %d new, %d unchanged (not shown), %d fixed", b.File, b.New, b.Unchanged, b.Fixed)
	}
	if s.InputErrors > 0 || s.InputWarnings > 0 {
		line += fmt.Sprintf("; %d input %s, %d %s", s.InputErrors, plural(s.InputErrors, "error", "errors"), s.InputWarnings, plural(s.InputWarnings, "warning", "warnings"))
	}
	switch {
	case s.InputErrors > 0:
		line += " — incomplete: fix the input errors"
	case r.FailOn == "none":
	case s.Failed:
		line += fmt.Sprintf(" — FAIL (findings at or above %s)", r.FailOn)
	default:
		line += fmt.Sprintf(" — PASS (nothing at or above %s)", r.FailOn)
	}
	return line
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
