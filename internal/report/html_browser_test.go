package report

// The HTML report is a page people read in a browser, so its script is tested in one:
// headless Chromium (Debian's chromium package; hack/install-chromium installs it), driven
// over the DevTools protocol with github.com/chromedp/chromedp. chromedp is a test-only
// dependency (it is not linked into the eksguard binary): a pure-Go DevTools client with no
// driver binary, no Node.js and no browser download, so the test runs wherever the distro's
// Chromium does, and the page is tested as shipped (a file:// URL, no server, no network).
//
// Environment:
//
//	EKSGUARD_CHROMIUM       the browser binary (default: /usr/bin/chromium, else chromium on PATH)
//	EKSGUARD_ARTIFACTS      where the screenshots, the page and its PDF go (default: t.TempDir())
//	EKSGUARD_SKIP_BROWSER=1 skip this test; without it a missing browser is a failure

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/exception"
	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
	"github.com/eksguard/eksguard/spec"
)

// htmlChromium finds the browser, or fails the test (skips it only when asked to).
func htmlChromium(t *testing.T) string {
	t.Helper()
	if os.Getenv("EKSGUARD_SKIP_BROWSER") == "1" {
		t.Skip("EKSGUARD_SKIP_BROWSER=1: the headless-browser test of the HTML report is skipped")
	}
	if p := os.Getenv("EKSGUARD_CHROMIUM"); p != "" {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("EKSGUARD_CHROMIUM=%s: %v", p, err)
		}
		return p
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("headless Chromium not found: the HTML report's browser test needs it.\n" +
		"  Install it with hack/install-chromium (Debian's chromium package; hack/test runs it),\n" +
		"  or point EKSGUARD_CHROMIUM at a Chrome or Chromium binary,\n" +
		"  or set EKSGUARD_SKIP_BROWSER=1 to skip this test explicitly.")
	return ""
}

// htmlArtifactDir is where the test leaves what a person may want to look at.
func htmlArtifactDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("EKSGUARD_ARTIFACTS")
	if dir == "" {
		return t.TempDir()
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	if repo, err := filepath.Abs("../.."); err == nil && (dir == repo || strings.HasPrefix(dir, repo+string(filepath.Separator))) {
		t.Fatalf("EKSGUARD_ARTIFACTS=%s is inside the repository; give a directory outside it", dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// htmlBrowserReport is a report like a real scan's: 64 findings of real checks over several
// namespaces and files, every severity, exempt findings in kube-system, excepted findings, a
// chart-rendered object, a live object, markup in a message, input problems and a coverage gap.
func htmlBrowserReport(t *testing.T) *Report {
	t.Helper()
	ids := []string{"EKS-POD-001", "EKS-POD-003", "EKS-POD-004", "EKS-POD-018", "EKS-POD-025", "EKS-IMG-001",
		"EKS-IMG-002", "EKS-NET-001", "EKS-NET-003", "EKS-TEN-006", "EKS-IAM-022", "EKS-DATA-003"}
	checks := make([]*check.Check, len(ids))
	for i, id := range ids {
		checks[i] = mustCheck(t, id)
	}
	namespaces := []string{"shop", "payments", "web", "batch"}
	kinds := []string{"Deployment", "StatefulSet", "CronJob", "DaemonSet"}
	var findings []check.Finding
	failed := map[string]int{}
	for i := range 64 {
		c := checks[(i*5)%len(checks)]
		ns := namespaces[i%len(namespaces)]
		obj := inventory.ObjectRef{APIVersion: "apps/v1", Kind: kinds[(i/4)%len(kinds)], Namespace: ns, Name: fmt.Sprintf("%s-svc-%d", ns, i/8)}
		file := fmt.Sprintf("deploy/%s/app-%d.yaml", ns, i/16)
		exempt := i%16 == 3
		if exempt {
			obj.Namespace, obj.Name, file = "kube-system", fmt.Sprintf("system-agent-%d", i), "deploy/system/agents.yaml"
		}
		f := finding(c, obj, fmt.Sprintf("spec.template.spec.containers[%d].securityContext", i%2),
			inventory.Position{File: file, Line: 10 + i, Column: 9},
			fmt.Sprintf(`container containers[%d] "app" of %s %s: %s`, i%2, obj.Kind, obj.Name, strings.ToLower(c.Title)))
		f.Exempt = exempt
		switch {
		case i == 21:
			f.Position = inventory.Position{File: "charts/web/templates/deployment.yaml", Line: 23, Column: 13, RenderedFrom: "helm:charts/web"}
		case i == 42:
			f.Position = inventory.Position{}
			f.Resource = f.Object.URI()
			f.Live = &inventory.LiveRef{Cluster: "prod-eks", ResourceVersion: "81723", ManagedBy: "Helm"}
		case i == 50:
			f.Message = `annotation value "<script>alert(1)</script>" & more`
		case i%16 == 6:
			f.Status = check.StatusExcepted
			f.Exception = &check.ExceptionRef{Source: ".eksguard.yaml:12", Type: check.ExceptionFile,
				Justification: "legacy job, replaced in Q3", Owner: "team-batch", Expires: "2027-03-31"}
		}
		if f.Fails() && f.Severity > check.Info {
			failed[c.ID]++
		}
		findings = append(findings, f)
	}
	var results []check.Result
	for _, c := range checks {
		results = append(results, check.Result{Check: c, Evaluated: 16, Failed: failed[c.ID]})
	}
	results = append(results, check.Result{Check: mustCheck(t, "EKS-POD-002"), Evaluated: 16}, check.Result{Check: mustCheck(t, "EKS-NET-002")})
	cat, err := spec.Load()
	if err != nil {
		t.Fatal(err)
	}
	inv := &inventory.Inventory{
		Objects: make([]*inventory.Object, 40),
		Problems: []inventory.Problem{
			{Level: inventory.ProblemError, Position: inventory.Position{File: "deploy/broken.yaml", Line: 12},
				Message: "invalid YAML: mapping values are not allowed in this context"},
			{Level: inventory.ProblemWarning, Position: inventory.Position{File: "deploy/shop/app-0.yaml", Line: 30, Column: 5},
				Object: &inventory.ObjectRef{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "shop", Name: "shop-svc-0"},
				Path:   fieldpath.Path("metadata.labels.app"), Message: "duplicate key; the last value wins", Hint: "remove one of them"},
		},
		Gaps: []inventory.Gap{{Kind: "Secret", Resource: "v1/secrets", Reason: inventory.GapForbidden,
			Message: `secrets is forbidden: User "ci" cannot list resource "secrets" in API group "" at the cluster scope`,
			Checks:  []string{"EKS-DATA-003"}}},
	}
	excepted := 0
	for _, f := range findings {
		if f.Status == check.StatusExcepted {
			excepted++
		}
	}
	uses := []exception.Use{
		{Source: ".eksguard.yaml:12", Type: check.ExceptionFile, Check: "EKS-*", Selector: exception.Selector{Namespace: "batch"},
			Justification: "legacy job, replaced in Q3", Owner: "team-batch", Expires: "2027-03-31", Suppressed: excepted},
		{Source: ".eksguard.yaml:18", Type: check.ExceptionFile, Check: "EKS-POD-001", Selector: exception.Selector{Kind: "DaemonSet"},
			Justification: "node agent", Owner: "platform", Expires: "2026-01-31", Expired: true},
	}
	high := check.High
	return New(Input{ToolVersion: "v0.1.0", Inputs: []string{"deploy/", "charts/web", "cluster prod-eks"}, Inventory: inv,
		Results: results, Findings: findings, FailOn: &high, Exceptions: uses,
		Scores: check.ComputeScores(results, nil, cat.SectionIDs(), cat.SectionTitle, check.AllFrameworks)})
}

// htmlSearchText is what the page's search box matches, as report.js builds it.
func htmlSearchText(f *check.Finding) string {
	obj := f.Object.Kind + "/" + f.Object.Name
	return strings.ToLower(strings.Join([]string{f.CheckID, f.Title, f.Object.Namespace, obj, htmlWhere(f),
		f.Position.RenderedFrom, string(f.Path), f.Message}, "\n"))
}

func TestHTMLInBrowser(t *testing.T) {
	browser := htmlChromium(t)
	dir := htmlArtifactDir(t)
	r := htmlBrowserReport(t)
	page := filepath.Join(dir, "html-report.html")
	out, err := os.Create(page)
	if err != nil {
		t.Fatal(err)
	}
	if err := HTML(out, r, Options{}); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	url := "file://" + filepath.ToSlash(page)

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(browser),
		chromedp.NoSandbox, // CI runs as root, where Chromium's sandbox cannot start
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1440, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	// Fail rather than hang when the browser does not answer.
	stop := time.AfterFunc(2*time.Minute, cancel)
	defer stop.Stop()

	// Every request the page makes, and every uncaught script error.
	var mu sync.Mutex
	var requests, exceptions []string
	if err := chromedp.Do(ctx); err != nil { // starts the browser and the tab
		t.Fatalf("start %s: %v", browser, err)
	}
	go func() {
		for ev, err := range chromedp.Events(ctx, network.RequestWillBeSent) {
			if err != nil {
				return
			}
			mu.Lock()
			requests = append(requests, ev.Request.URL)
			mu.Unlock()
		}
	}()
	go func() {
		for ev, err := range chromedp.Events(ctx, runtime.ExceptionThrown) {
			if err != nil {
				return
			}
			mu.Lock()
			exceptions = append(exceptions, ev.ExceptionDetails.Text+" "+fmt.Sprint(ev.ExceptionDetails.Exception))
			mu.Unlock()
		}
	}()

	run := func(name string, a chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, a); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	evalInt := func(js string) int {
		t.Helper()
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](js))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		return n
	}
	evalString := func(js string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		return s
	}
	visibleRows := `document.querySelectorAll('#rows tr.finding').length`
	screenshot := func(name string) {
		t.Helper()
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot: %v", err)
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", path)
	}

	run("open the report", chromedp.Steps(
		chromedp.EmulateViewport(1440, 900),
		chromedp.Navigate(url),
		chromedp.WaitVisible(chromedp.CSS("#rows tr.finding")),
	))

	t.Run("rows", func(t *testing.T) {
		if n := evalInt(visibleRows); n != len(r.Findings) {
			t.Errorf("table shows %d rows, want %d (one per finding)", n, len(r.Findings))
		}
		if n := evalInt(`document.querySelectorAll('#rows tr.finding.exempt .tag-exempt').length`); n != r.Summary.Exempt {
			t.Errorf("%d rows are marked exempt, want %d", n, r.Summary.Exempt)
		}
		excepted := 0
		for _, f := range r.Findings {
			if f.Status == check.StatusExcepted {
				excepted++
			}
		}
		if n := evalInt(`document.querySelectorAll('#rows tr.finding.excepted .tag-excepted').length`); n != excepted || n == 0 {
			t.Errorf("%d rows are marked excepted, want %d", n, excepted)
		}
		run("hide excepted", chromedp.Click(chromedp.ID("f-excepted")))
		if n := evalInt(visibleRows); n != len(r.Findings)-excepted {
			t.Errorf("with excepted findings hidden: %d rows, want %d", n, len(r.Findings)-excepted)
		}
		run("show excepted", chromedp.Click(chromedp.ID("f-excepted")))
		if n := evalInt(`document.querySelectorAll('#exceptions-table tbody tr').length`); n != len(r.Exceptions) {
			t.Errorf("exceptions table has %d rows, want %d", n, len(r.Exceptions))
		}
		if got := evalString(`document.getElementById('shown').textContent`); got != fmt.Sprintf("Showing 1–%d of %d", len(r.Findings), len(r.Findings)) {
			t.Errorf("row counter says %q", got)
		}
		if got := evalString(`getComputedStyle(document.getElementById('app')).display`); got == "none" {
			t.Error("the interactive table is not shown")
		}
		// Markup in a message is text, never markup.
		if n := evalInt(`document.querySelectorAll('#rows script').length`); n != 0 {
			t.Errorf("%d <script> elements inside the table", n)
		}
	})

	t.Run("scores", func(t *testing.T) {
		var passed, evaluated int
		for _, s := range r.Scores.Sections {
			passed, evaluated = passed+s.Passed, evaluated+s.Evaluated
			row := fmt.Sprintf(`document.querySelector('#scores-table tr[data-score="%s"]')`, s.ID)
			if got := evalString(row + `.querySelector('.passed').textContent + '/' + ` + row + `.querySelector('.evaluated').textContent`); got != fmt.Sprintf("%d/%d", s.Passed, s.Evaluated) {
				t.Errorf("section %s shows %s, want %d/%d", s.ID, got, s.Passed, s.Evaluated)
			}
			bar := fmt.Sprintf(`document.querySelector('#section-chart [data-section="%s"] .bar-value').textContent`, s.ID)
			if got := evalString(bar); !strings.HasPrefix(got, fmt.Sprintf("%d / %d", s.Passed, s.Evaluated)) {
				t.Errorf("section chart shows %q for %s, want %d / %d", got, s.ID, s.Passed, s.Evaluated)
			}
		}
		if passed == 0 || evaluated == 0 {
			t.Fatalf("fixture has no evaluated controls")
		}
		if got, want := evalString(`document.getElementById('overall-percent').textContent`), fmt.Sprintf("%d%%", passed*100/evaluated); got != want {
			t.Errorf("overall score shows %q, want %q", got, want)
		}
		if got := evalString(`document.getElementById('overall-passed').textContent + '/' + document.getElementById('overall-evaluated').textContent`); got != fmt.Sprintf("%d/%d", passed, evaluated) {
			t.Errorf("overall shows %s, want %d/%d", got, passed, evaluated)
		}
		for _, fw := range r.Scores.Frameworks {
			sel := fmt.Sprintf(`document.querySelector('#framework-chart [data-framework="%s"]')`, fw.ID)
			if got := evalString(sel + `.querySelector('.score-label').textContent`); got != fmt.Sprintf("%d / %d", fw.Passed, fw.Evaluated) {
				t.Errorf("framework %s shows %q, want %d / %d", fw.ID, got, fw.Passed, fw.Evaluated)
			}
			want := "–"
			if fw.Percent >= 0 {
				want = fmt.Sprintf("%d%%", fw.Percent)
			}
			if got := evalString(sel + `.querySelector('.ring-pct').textContent`); got != want {
				t.Errorf("framework %s ring shows %q, want %q", fw.ID, got, want)
			}
		}
		if got := evalString(`document.getElementById('summary-findings').textContent`); got != fmt.Sprint(r.Summary.Findings) {
			t.Errorf("findings card shows %s, want %d", got, r.Summary.Findings)
		}
		for sev, n := range r.Summary.BySeverity {
			if got := evalString(fmt.Sprintf(`document.querySelector('.sevcounts b[data-severity="%s"]').textContent`, sev)); got != fmt.Sprint(n) {
				t.Errorf("%s count shows %s, want %d", sev, got, n)
			}
		}
	})

	screenshot("html-report.png")

	t.Run("search", func(t *testing.T) {
		const term = "payments"
		want := 0
		for i := range r.Findings {
			if strings.Contains(htmlSearchText(&r.Findings[i]), term) {
				want++
			}
		}
		if want == 0 || want == len(r.Findings) {
			t.Fatalf("fixture: %q matches %d findings", term, want)
		}
		run("type in the search box", chromedp.SendKeys(chromedp.ID("f-text"), term))
		if n := evalInt(visibleRows); n != want {
			t.Errorf("searching %q shows %d rows, want %d", term, n, want)
		}
		if n := evalInt(`[...document.querySelectorAll('#rows tr.finding')].filter(tr => !tr.textContent.toLowerCase().includes('payments')).length`); n != 0 {
			t.Errorf("%d rows shown that do not mention %q", n, "payments")
		}
		run("reset", chromedp.Click(chromedp.ID("f-reset")))
		if n := evalInt(visibleRows); n != len(r.Findings) {
			t.Errorf("after reset: %d rows, want %d", n, len(r.Findings))
		}
	})

	t.Run("severity filter", func(t *testing.T) {
		want := 0
		for _, f := range r.Findings {
			if f.Severity == check.Critical {
				want++
			}
		}
		if want == 0 {
			t.Fatal("fixture has no critical findings")
		}
		run("click critical", chromedp.Click(chromedp.CSS(`#f-severity .chip[data-severity="critical"]`)))
		if n := evalInt(visibleRows); n != want {
			t.Errorf("critical filter shows %d rows, want %d", n, want)
		}
		if n := evalInt(`document.querySelectorAll('#rows tr.finding:not([data-severity="critical"])').length`); n != 0 {
			t.Errorf("critical filter shows %d rows of other severities", n)
		}
		if got := evalString(`document.querySelector('#f-severity .chip[data-severity="critical"]').getAttribute('aria-pressed')`); got != "true" {
			t.Errorf("critical chip aria-pressed=%s", got)
		}
		run("click critical again", chromedp.Click(chromedp.CSS(`#f-severity .chip[data-severity="critical"]`)))
		if n := evalInt(visibleRows); n != len(r.Findings) {
			t.Errorf("after clearing the filter: %d rows, want %d", n, len(r.Findings))
		}
	})

	t.Run("sort by severity", func(t *testing.T) {
		run("click the severity header", chromedp.Click(chromedp.CSS(`#findings-table th[data-sort="severity"] .sort`)))
		sevs := evalString(`[...document.querySelectorAll('#rows tr.finding')].map(tr => tr.dataset.severity).join(',')`)
		order := strings.Split(sevs, ",")
		if order[0] != "critical" {
			t.Errorf("first row after sorting by severity is %s, want critical", order[0])
		}
		rank := map[string]int{}
		for i, s := range check.SeverityNames() {
			rank[s] = i
		}
		for i := 1; i < len(order); i++ {
			if rank[order[i]] > rank[order[i-1]] {
				t.Errorf("rows not in descending severity: %s before %s", order[i-1], order[i])
				break
			}
		}
		if got := evalString(`document.querySelector('#findings-table th[data-sort="severity"]').getAttribute('aria-sort')`); got != "descending" {
			t.Errorf("severity header aria-sort=%q", got)
		}
		run("click it again", chromedp.Click(chromedp.CSS(`#findings-table th[data-sort="severity"] .sort`)))
		if got := evalString(`document.querySelector('#rows tr.finding').dataset.severity`); got != "info" {
			t.Errorf("first row after sorting ascending is %s, want info", got)
		}
	})

	t.Run("remediation", func(t *testing.T) {
		run("sort by check", chromedp.Click(chromedp.CSS(`#findings-table th[data-sort="check"] .sort`)))
		first := evalString(`document.querySelector('#rows tr.finding .checkid').textContent`)
		c := mustCheck(t, first)
		if n := evalInt(`document.querySelectorAll('#rows tr.detail:not([hidden])').length`); n != 0 {
			t.Errorf("%d remediation rows open before any click", n)
		}
		run("expand the first row", chromedp.Click(chromedp.CSS(`#rows tr.finding`)))
		got := evalString(`document.querySelector('#rows tr.finding').nextElementSibling.hidden ? '' : document.querySelector('#rows tr.detail .rem').textContent`)
		if !strings.Contains(got, c.Remediation) {
			t.Errorf("expanded row shows %q, want the remediation of %s", got, first)
		}
		screenshot("html-report-expanded.png")
	})

	t.Run("pagination", func(t *testing.T) {
		run("50 rows per page", chromedp.SetValue(chromedp.ID("page-size"), "50"))
		run("fire change", chromedp.Evaluate[chromedp.Void](`document.getElementById('page-size').dispatchEvent(new Event('change'))`))
		if n := evalInt(visibleRows); n != 50 {
			t.Errorf("page of 50 shows %d rows", n)
		}
		run("next page", chromedp.Click(chromedp.CSS(`#pager button:nth-of-type(3)`)))
		if n := evalInt(visibleRows); n != len(r.Findings)-50 {
			t.Errorf("second page shows %d rows, want %d", n, len(r.Findings)-50)
		}
	})

	t.Run("print", func(t *testing.T) {
		if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
			t.Fatal(err)
		}
		defer chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{})
		for _, sel := range []string{".filters", ".pager", ".toc", "#expand-all"} {
			if got := evalString(fmt.Sprintf(`getComputedStyle(document.querySelector('%s')).display`, sel)); got != "none" {
				t.Errorf("in print, %s is display:%s, want none", sel, got)
			}
		}
		if got := evalString(`getComputedStyle(document.querySelector('#rows tr.detail[hidden]')).display`); got != "table-row" {
			t.Errorf("in print, a collapsed remediation row is display:%s, want table-row", got)
		}
		pdf, err := chromedp.Run(ctx, chromedp.PrintToPDF(chromedp.PDFPaper(chromedp.PaperA4), chromedp.PDFPrintBackground()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "html-report.pdf"), pdf, 0o644); err != nil {
			t.Fatal(err)
		}
		screenshot("html-report-print.png")
	})

	t.Run("without JavaScript", func(t *testing.T) {
		nctx, ncancel := chromedp.NewContext(ctx)
		defer ncancel()
		if err := chromedp.Do(nctx, chromedp.EmulateViewport(1440, 900)); err != nil {
			t.Fatal(err)
		}
		if _, err := chromedp.Call(nctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(nctx, chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS("#static-findings"))); err != nil {
			t.Fatal(err)
		}
		nodes, err := chromedp.Run(nctx, chromedp.Nodes(chromedp.CSSAll("#static-findings tbody tr"), chromedp.AtLeast(0)))
		if err != nil {
			t.Fatal(err)
		}
		if len(nodes) != len(r.Findings) {
			t.Errorf("without JavaScript the table has %d rows, want %d", len(nodes), len(r.Findings))
		}
		pct, err := chromedp.Run(nctx, chromedp.Text(chromedp.ID("overall-percent")))
		if err != nil || strings.TrimSpace(pct) == "" || pct == "–" {
			t.Errorf("without JavaScript the overall score is %q (%v)", pct, err)
		}
		png, err := chromedp.Run(nctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "html-report-nojs.png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	})

	mu.Lock()
	defer mu.Unlock()
	if len(exceptions) > 0 {
		t.Errorf("the page threw: %v", exceptions)
	}
	for _, u := range requests {
		if !strings.HasPrefix(u, "file://") && !strings.HasPrefix(u, "data:") {
			t.Errorf("the page fetched %s; it must be self-contained", u)
		}
	}
	if len(requests) == 0 && !errors.Is(ctx.Err(), context.Canceled) {
		t.Log("no network events seen (the page load itself should be one)")
	}
	t.Logf("artifacts in %s", dir)
}
