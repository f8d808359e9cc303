package report

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/eksguard/eksguard/internal/baseline"
	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

func TestMarkdownGolden(t *testing.T) {
	out := render(t, "markdown", formatsReportWithExceptions(t))
	checkMarkdownStructure(t, string(out))
	checkGolden(t, "markdown.golden.md", out)
}

func TestMarkdownHeaderAndTable(t *testing.T) {
	r := formatsReportWithExceptions(t)
	md := string(render(t, "markdown", r))
	first := strings.SplitN(md, "\n", 2)[0]
	// Failing: not exempt, not excepted. The info finding counts as a finding but never fails.
	if want := "### ⚠️ eksguard: INCOMPLETE (1 input error) · FAIL · 6 findings: 1 critical, 1 high, 2 medium, 1 low, 1 info"; first != want {
		t.Errorf("header\n got %s\nwant %s", first, want)
	}
	for _, want := range []string{
		"fails at **high** and above", "7 objects, 8 checks run", "2 excepted", "1 exempt (system namespaces)",
		"1 input error, 1 warning", "1 coverage gap", "1 expired exception",
		"<details><summary><b>Exceptions</b>: 4 (1 expired, 1 unused)</summary>",
		"- `.eksguard.yaml:9` `EKS-POD-001` `namespace=legacy name=batch-*`: migration to restricted PSS ends in Q1; owner team-legacy; until 2026-01-31 — **expired**, no longer applies",
		"- `.eksguard.yaml:20` `EKS-NET-*` `label app=gone`: app retired; owner platform; until 2027-06-30 — **unused**: suppressed nothing",
		"- `k8s/app.yaml:6` `EKS-IMG-002` annotation on shop/Deployment/frontend: rebuilt nightly — 1 suppressed",
		"**Controls passed by section:** Pod Security 1/4 (25%)", "Data Encryption and Secrets Management 0/0, 1 not evaluated",
		"**By framework:** EKS best practices",
		"<details><summary><b>Input problems</b>: 1 error, 1 warning</summary>",
		"<details><summary><b>Coverage gaps</b>: 1",
		"— *excepted: legacy load balancer needs host ports; owner team-shop; expires 2027-03-31; file .eksguard.yaml:14*",
		"— *exempt: system namespace*",
		"**Fix:** Remove privileged: true",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("summary lacks %q", want)
		}
	}
	rows := markdownTableRows(md)
	if len(rows) != 6 {
		t.Fatalf("%d table rows, want the 6 failing findings:\n%s", len(rows), md)
	}
	// Most severe first; the stdin message with a pipe, <, > and & stays in its cell.
	if !strings.HasPrefix(rows[0][0], "[EKS-POD-001](https://") || rows[0][1] != "**critical**" || rows[0][3] != "`k8s/app.yaml:22:11`" {
		t.Errorf("first row %q", rows[0])
	}
	if rows[1][0] != "[EKS-POD-004](https://github.com/aws/aws-eks-best-practices/blob/master/latest/bpg/security/pods.adoc#restrict-the-containers-that-can-run-as-privileged)" {
		t.Errorf("second row %q", rows[1])
	}
	if rows[2][3] != "`charts/web/templates/deployment.yaml (rendered from helm:charts/web)`" {
		t.Errorf("an unmapped template line must not claim a line: %q", rows[2][3])
	}
	if rows[4][2] != "`default/Pod/debug`" || rows[4][4] != `container containers\[0\] "shell" uses image "busybox" without a tag \| digest: &lt;latest&gt; &amp; whatever it is today` {
		t.Errorf("escaped row %q", rows[4])
	}
	if rows[5][1] != "info" {
		t.Errorf("info finding last: %q", rows[5])
	}
}

func TestMarkdownVerdicts(t *testing.T) {
	inv := &inventory.Inventory{}
	low := check.Finding{CheckID: "EKS-POD-028", Title: "t", Severity: check.Low, Status: check.StatusFail,
		Object: inventory.ObjectRef{Kind: "Pod", Name: "p"}, Message: "m"}
	high := check.High
	for name, c := range map[string]struct {
		in   Input
		want string
	}{
		"clean":   {Input{Inventory: inv, FailOn: &high}, "### ✅ eksguard: PASS · no findings"},
		"below":   {Input{Inventory: inv, FailOn: &high, Findings: []check.Finding{low}}, "### ✅ eksguard: PASS · 1 finding: 1 low"},
		"no gate": {Input{Inventory: inv, Findings: []check.Finding{low}}, "### ℹ️ eksguard: no --fail-on gate · 1 finding: 1 low"},
	} {
		md := string(render(t, "markdown", New(c.in)))
		if first := strings.SplitN(md, "\n", 2)[0]; first != c.want {
			t.Errorf("%s: %s, want %s", name, first, c.want)
		}
		checkMarkdownStructure(t, md)
	}
}

func TestMarkdownTruncatesToCommentLimit(t *testing.T) {
	r := syntheticReport(t, 100_000)
	md := string(render(t, "markdown", r))
	if len(md) > markdownLimit || len(md) < markdownLimit-8000 {
		t.Errorf("%d bytes, want at most %d and close to it", len(md), markdownLimit)
	}
	if n := len([]rune(md)); n > 65536 {
		t.Errorf("%d characters, over GitHub's comment limit", n)
	}
	checkMarkdownStructure(t, md)
	note := regexp.MustCompile(`> (\d+) of (\d+) findings are not listed: a GitHub comment holds at most 65,536 characters`).FindStringSubmatch(md)
	if note == nil {
		t.Fatalf("no truncation note:\n%s", md[len(md)-2000:])
	}
	listed := strings.Count(md, "\n- `")
	if fmt.Sprint(len(r.Findings)-listed) != note[1] || fmt.Sprint(len(r.Findings)) != note[2] {
		t.Errorf("note says %s of %s not listed, but %d of %d are listed", note[1], note[2], listed, len(r.Findings))
	}
	// Checks keep their blocks as far as the blocks alone fit (most severe first); each cut
	// block says how much is missing, and findings of checks without a block count as missing.
	blockIDs := map[string]bool{}
	for _, m := range regexp.MustCompile(`<details><summary><b>(EKS-[A-Z]+-\d+)</b>`).FindAllStringSubmatch(md, -1) {
		blockIDs[m[1]] = true
	}
	if len(blockIDs) == 0 || len(blockIDs) > len(r.Controls) {
		t.Errorf("%d check blocks for %d checks", len(blockIDs), len(r.Controls))
	}
	sum := 0
	for _, f := range r.Findings {
		if !blockIDs[f.CheckID] {
			sum++
		}
	}
	for _, m := range regexp.MustCompile(`\n- … (\d+) more\n`).FindAllStringSubmatch(md, -1) {
		n, _ := strconv.Atoi(m[1])
		sum += n
	}
	if strconv.Itoa(sum) != note[1] {
		t.Errorf("blocks say %d more, the note %s", sum, note[1])
	}
	if !strings.HasSuffix(md, "has the full report</sub>\n") || len(markdownTableRows(md)) != markdownTop {
		t.Errorf("footer or top table missing after truncation")
	}
	if !strings.Contains(md, fmt.Sprintf("%d more findings below", r.Summary.Findings-markdownTop)) {
		t.Errorf("no note about findings beyond the top table")
	}
}

func TestMarkdownBaseline(t *testing.T) {
	r := formatsReportWithExceptions(t)
	r.Summary.Baseline = &baseline.Summary{File: "main.json", New: 6, Unchanged: 40, Fixed: 3}
	md := string(render(t, "markdown", r))
	if !strings.Contains(md, "against the baseline: 6 new, 40 unchanged (not listed), 3 fixed") {
		t.Errorf("no baseline counts:\n%s", md[:600])
	}
}

func TestMarkdownCut(t *testing.T) {
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{{"abc", 3, "abc"}, {"abcd", 3, "ab…"}, {"ääää", 3, "ää…"}, {"", 3, ""}} {
		if got := markdownCut(c.in, c.n); got != c.want {
			t.Errorf("markdownCut(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
}

// checkMarkdownStructure checks what GitHub needs to render the summary as meant: balanced
// collapsible blocks with a blank line after each summary (else the Markdown inside is not
// rendered) and table rows with exactly five cells.
func checkMarkdownStructure(t *testing.T, md string) {
	t.Helper()
	if open, closed := strings.Count(md, "<details>"), strings.Count(md, "</details>"); open != closed {
		t.Errorf("%d <details> but %d </details>", open, closed)
	}
	if n, m := strings.Count(md, "</summary>"), strings.Count(md, "</summary>\n\n"); n != m {
		t.Errorf("%d of %d summaries lack the blank line after them", n-m, n)
	}
	for _, row := range markdownTableRows(md) {
		if len(row) != 5 {
			t.Errorf("table row with %d cells: %q", len(row), row)
		}
	}
}

// markdownTableRows returns the cells of the data rows of the summary's table, split as GFM
// does: at pipes that are not escaped.
func markdownTableRows(md string) [][]string {
	var rows [][]string
	inTable := false
	for _, line := range strings.Split(md, "\n") {
		switch {
		case strings.HasPrefix(line, "| Check |"):
			inTable = true
			continue
		case inTable && strings.HasPrefix(line, "|---"):
			continue
		case inTable && strings.HasPrefix(line, "|"):
		default:
			inTable = false
			continue
		}
		var cells []string
		cell := strings.Builder{}
		for i := 1; i < len(line); i++ {
			switch {
			case line[i] == '\\' && i+1 < len(line) && line[i+1] == '|':
				cell.WriteString(`\|`)
				i++
			case line[i] == '|':
				cells = append(cells, strings.TrimSpace(cell.String()))
				cell.Reset()
			default:
				cell.WriteByte(line[i])
			}
		}
		rows = append(rows, cells)
	}
	return rows
}
