package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"html/template"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/eksguard/eksguard/internal/baseline"
	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/exception"
	"github.com/eksguard/eksguard/internal/inventory"
)

func TestHTMLGolden(t *testing.T) {
	out := render(t, "html", formatsReport(t))
	if again := render(t, "html", formatsReport(t)); !bytes.Equal(out, again) {
		t.Fatal("two renderings of the same report differ")
	}
	checkGolden(t, "html.golden.html", out)
}

// htmlHostileReport is the formats fixture plus a finding whose every string tries to break
// out of the page: a </script> and an HTML comment in the message, markup in the object
// name and file, JavaScript line separators, quotes and invalid UTF-8.
func htmlHostileReport(t *testing.T) *Report {
	r := formatsReport(t)
	f := r.Findings[0]
	f.Object.Name = `<img src=x onerror=alert(1)>`
	f.Object.Namespace = `"ns'&`
	f.Position.File = `evil/</script><script>alert(2)</script>.yaml`
	f.Message = "ends </script><script>alert(3)</script> <!-- comment --> \u2028line\u2029sep \"quoted\" back\\slash tab\t nul\x00 bad\xff utf8"
	f.Path = `metadata.annotations["</SCRIPT>"]`
	f.Remediation = `Remove <b>this</b> & that.`
	f.Status = check.StatusExcepted
	f.Exception = &check.ExceptionRef{Source: ".eksguard.yaml:3", Type: check.ExceptionFile, Justification: "<i>because</i>", Owner: "a&b"}
	r.Findings = append(r.Findings, f)
	return r
}

// htmlData extracts and decodes the JSON block of a rendered page.
func htmlData(t *testing.T, page []byte) (raw []byte, data struct {
	Version    int              `json:"version"`
	Severities []string         `json:"severities"`
	Findings   [][]any          `json:"findings"`
	Strings    []string         `json:"strings"`
	Controls   []map[string]any `json:"controls"`
}) {
	t.Helper()
	const open = `<script type="application/json" id="eksguard-data">`
	i := bytes.Index(page, []byte(open))
	if i < 0 {
		t.Fatal("no data block")
	}
	raw = page[i+len(open):]
	j := bytes.Index(raw, []byte("</script>"))
	if j < 0 {
		t.Fatal("data block not closed")
	}
	raw = raw[:j]
	if err := json.Unmarshal(raw, &data); err != nil {
		t.Fatalf("data block is not JSON: %v\n%s", err, raw)
	}
	return raw, data
}

func TestHTMLDataBlockRoundTripsAndCannotEscape(t *testing.T) {
	r := htmlHostileReport(t)
	page := render(t, "html", r)
	raw, data := htmlData(t, page)
	// The block ends at the first "</script>" (case-insensitive for the HTML parser), so the
	// JSON must not contain one, nor "<!--" (which would change how the parser ends it).
	if bytes.ContainsAny(raw, "<>&") {
		t.Errorf("data block holds a raw <, > or &:\n%s", raw)
	}
	if bytes.Contains(raw, []byte("\u2028")) || bytes.Contains(raw, []byte("\u2029")) {
		t.Error("data block holds a raw U+2028 or U+2029")
	}
	if len(data.Findings) != len(r.Findings) {
		t.Fatalf("data holds %d findings, want %d", len(data.Findings), len(r.Findings))
	}
	s := func(v any) string { return data.Strings[int(v.(float64))] }
	for i, f := range r.Findings {
		d := data.Findings[i]
		if len(d) != 24 {
			t.Fatalf("finding %d has %d fields, want 24", i, len(d))
		}
		want := strings.ToValidUTF8(f.Message, "\ufffd")
		if got := d[12].(string); got != want {
			t.Errorf("finding %d message = %q, want %q", i, got, want)
		}
		exempt := 0.0
		if f.Exempt {
			exempt = 1
		}
		if s(d[0]) != f.CheckID || d[1].(float64) != float64(f.Severity) || d[2].(float64) != exempt ||
			s(d[5]) != f.Object.Namespace || s(d[6]) != f.Object.Name || s(d[7]) != f.Position.File ||
			int(d[8].(float64)) != f.Position.Line || d[11].(string) != string(f.Path) || s(d[14]) != f.Remediation ||
			s(d[18]) != string(f.Status) {
			t.Errorf("finding %d does not round-trip: %v", i, d)
		}
	}
	if data.Severities[4] != "critical" || data.Severities[0] != "info" {
		t.Errorf("severities = %v", data.Severities)
	}
	// The markup of the page itself: the hostile strings appear only escaped.
	if s(data.Findings[len(r.Findings)-1][21]) != "<i>because</i>" {
		t.Error("exception justification does not round-trip")
	}
	for _, bad := range []string{`<img src=x`, `<script>alert`, `<b>this</b>`, `<!-- comment`, `<i>because`} {
		if bytes.Contains(page, []byte(bad)) {
			t.Errorf("page contains unescaped %q", bad)
		}
	}
	if n := bytes.Count(page, []byte("<script")); n != 2 {
		t.Errorf("page has %d <script elements, want 2 (data and code)", n)
	}
}

func TestHTMLSelfContained(t *testing.T) {
	page := render(t, "html", formatsReport(t))
	// Nothing that makes a browser fetch: external stylesheets, scripts, images, frames,
	// fonts, imports, or script-initiated requests.
	for _, re := range []string{`(?i)<link\b`, `(?i)\ssrc\s*=`, `(?i)url\(`, `(?i)@import`, `(?i)<(iframe|img|object|embed|video|audio)\b`,
		`\bfetch\(`, `XMLHttpRequest`, `\bimport\(`, `(?i)<base\b`, `(?i)\bhref="(https?:)?//`} {
		if loc := regexp.MustCompile(re).FindIndex(page); loc != nil {
			t.Errorf("page matches %s: ...%s...", re, page[max(0, loc[0]-40):min(len(page), loc[1]+40)])
		}
	}
}

func TestHTMLNoScriptFallback(t *testing.T) {
	r := formatsReport(t)
	page := string(render(t, "html", r))
	start, end := strings.Index(page, "<noscript>"), strings.Index(page, "</noscript>")
	if start < 0 || end < start {
		t.Fatal("no <noscript> fallback")
	}
	fallback := page[start:end]
	if n := strings.Count(fallback, "<tr class=\"sev-"); n != len(r.Findings) {
		t.Errorf("fallback table has %d rows, want %d", n, len(r.Findings))
	}
	if n := strings.Count(fallback, `<span class="tag-exempt">exempt</span>`); n != r.Summary.Exempt {
		t.Errorf("fallback marks %d rows exempt, want %d", n, r.Summary.Exempt)
	}
	for _, f := range r.Findings {
		if !strings.Contains(fallback, "<dd>"+htmlEscape(f.Remediation)+"</dd>") {
			t.Errorf("fallback lacks the remediation of %s", f.CheckID)
		}
	}
	// The summary, scores, problems and gaps are outside the script and the noscript block.
	for _, want := range []string{`id="overall-percent"`, `id="section-chart"`, `id="framework-chart"`, `id="problems-table"`, `id="gaps-table"`} {
		if i := strings.Index(page, want); i < 0 || (i > start && i < end) {
			t.Errorf("%s missing from the server-rendered page", want)
		}
	}
}

func htmlEscape(s string) string { return template.HTMLEscapeString(s) }

func TestHTMLExceptionsAndBaseline(t *testing.T) {
	r := formatsReport(t)
	r.Exceptions = []exception.Use{
		{Source: ".eksguard.yaml:14", Type: check.ExceptionFile, Check: "EKS-POD-004", Selector: exception.Selector{Namespace: "shop", Name: "front*"},
			Justification: "legacy load balancer needs host ports", Owner: "team-shop", Expires: "2027-03-31", Suppressed: 1},
		{Source: ".eksguard.yaml:20", Type: check.ExceptionFile, Check: "EKS-POD-001", Justification: "old", Expires: "2025-01-01", Expired: true},
		{Source: "k8s/app.yaml:6", Type: check.ExceptionAnnotation, Check: "EKS-IMG-002",
			Selector: exception.Selector{Namespace: "shop", Kind: "Deployment", Name: "frontend"}, Justification: "rebuilt nightly", Unused: true},
	}
	r.Summary.Baseline = &baseline.Summary{File: "old <report>.json", New: 4, Unchanged: 10, Fixed: 3}
	page := string(render(t, "html", r))
	for _, want := range []string{
		`<a href="#exceptions">Exceptions <span class="count">3</span></a>`,
		`<td>namespace=shop name=front*</td>`,
		`<td>annotation on shop/Deployment/frontend</td>`,
		`<span class="lvl lvl-error">expired</span>`,
		`<span class="lvl lvl-warning">unused</span>`,
		`<code>old &lt;report&gt;.json</code>: <b>4</b> new findings`,
		`<span class="tag-exempt tag-excepted">excepted</span>`,
		`excepted: legacy load balancer needs host ports (owner team-shop, expires 2027-03-31, .eksguard.yaml:14)`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
}

func TestHTMLEmptyReport(t *testing.T) {
	r := New(Input{ToolVersion: "dev", Inventory: &inventory.Inventory{}})
	page := string(render(t, "html", r))
	for _, want := range []string{"No findings.", "No input problems", "No coverage gaps", `"findings":[]`} {
		if !strings.Contains(page, want) {
			t.Errorf("empty report lacks %q", want)
		}
	}
}

func TestHTMLJSONStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{"", "plain", `"quoted" \ back`, "\n\r\t\b\f\x00\x1f\x7f", "<>&", "</script>", "\u2028\u2029",
		"bad \xff\xfe utf8 \xe2\x82", "ünïcödé ✓ 🚀", strings.Repeat("x", 5000)} {
		var b bytes.Buffer
		bw := bufio.NewWriter(&b)
		htmlJSONString(bw, s)
		bw.Flush()
		want, _ := json.Marshal(s) // HTML-escaping, as for a <script> block
		if b.String() != string(want) {
			t.Errorf("htmlJSONString(%q) = %s, want %s", s, b.String(), want)
		}
	}
}

// TestHTML100kFindingsUnder2s holds the format to issue 7's budget: a report of 100,000
// findings written to a file in under 2 seconds (BenchmarkFormats100k measures it too).
func TestHTML100kFindingsUnder2s(t *testing.T) {
	r := syntheticReport(t, 100_000)
	f, err := os.Create(filepath.Join(t.TempDir(), "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	start := time.Now()
	if err := HTML(f, r, Options{}); err != nil {
		t.Fatal(err)
	}
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	st, _ := f.Stat()
	t.Logf("100,000 findings: %d MiB in %v", st.Size()>>20, took)
	if took > 2*time.Second && !htmlRaceEnabled {
		t.Errorf("writing 100,000 findings took %v, want under 2s", took)
	}
}
