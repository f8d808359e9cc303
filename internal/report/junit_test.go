package report

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	// A JUnit parser CI tools' Go integrations use; a test-only dependency with no
	// dependencies of its own, so JUnit output is checked by a reader other than ours.
	junitparser "github.com/joshdk/go-junit"

	"github.com/eksguard/eksguard/internal/baseline"
	"github.com/eksguard/eksguard/internal/inventory"
)

func TestJUnitGolden(t *testing.T) {
	out := render(t, "junit", formatsReportWithExceptions(t))
	validateJUnitXSD(t, out)
	checkGolden(t, "junit.golden.xml", out)
}

func TestJUnitParsesAndCounts(t *testing.T) {
	r := formatsReportWithExceptions(t)
	out := render(t, "junit", r)
	suites, err := junitparser.Ingest(out)
	if err != nil {
		t.Fatalf("go-junit cannot read the report: %v\n%s", err, out)
	}
	type tc struct {
		suite, classname, name string
		status                 junitparser.Status
		message, body          string
	}
	var cases []tc
	var names []string
	for _, s := range suites {
		names = append(names, s.Name)
		if s.Properties["eksguard.version"] != "v0.1.0" || s.Properties["eksguard.failOn"] != "high" {
			t.Errorf("suite %s properties %v", s.Name, s.Properties)
		}
		for _, c := range s.Tests {
			body := ""
			if e, ok := c.Error.(junitparser.Error); ok {
				body = e.Body
			}
			cases = append(cases, tc{s.Name, c.Classname, c.Name, c.Status, c.Message, body + c.SystemOut})
		}
	}
	// Sections in score (catalogue) order, then the input problems.
	// Network Security has only a not-applicable check, so no testcase and no suite.
	if got, want := strings.Join(names, " | "), "Pod Security | Image Security | Multi-tenancy and Tenant Isolation | Data Encryption and Secrets Management | Input"; got != want {
		t.Errorf("suites %s\nwant   %s", got, want)
	}
	find := func(classname, name string) tc {
		t.Helper()
		for _, c := range cases {
			if c.classname == classname && c.name == name {
				return c
			}
		}
		t.Fatalf("no testcase %s %q in %+v", classname, name, cases)
		return tc{}
	}
	failed := find("EKS-POD-001", "shop/Deployment/frontend: spec.template.spec.containers[0].securityContext.privileged")
	if failed.status != junitparser.StatusFailed || failed.message != `container containers[0] "web" runs privileged` ||
		!strings.Contains(failed.body, "Remediation: Remove privileged: true") || !strings.Contains(failed.body, "k8s/app.yaml:22:11") {
		t.Errorf("failing finding: %+v", failed)
	}
	if c := find("EKS-POD-001", "kube-system/DaemonSet/aws-node: spec.template.spec.containers[1].securityContext.privileged"); c.status != junitparser.StatusSkipped || !strings.Contains(c.message, "exempt") {
		t.Errorf("exempt finding: %+v", c)
	}
	if c := find("EKS-POD-004", "shop/Deployment/frontend: spec.template.spec.hostNetwork"); c.status != junitparser.StatusSkipped ||
		c.message != "excepted (legacy load balancer needs host ports; owner team-shop; expires 2027-03-31; file .eksguard.yaml:14): pod uses the host network" {
		t.Errorf("finding excepted by a file: %+v", c)
	}
	if c := find("EKS-IMG-002", "shop/Deployment/frontend: spec.template.spec.containers[0].image"); c.status != junitparser.StatusSkipped || !strings.Contains(c.message, "rebuilt nightly; annotation k8s/app.yaml:6") {
		t.Errorf("finding excepted by an annotation: %+v", c)
	}
	if c := find("EKS-TEN-006", "tenant-a/Deployment/batch: spec.template.spec.tolerations[0]"); c.status != junitparser.StatusPassed || !strings.Contains(c.body, "operator: Exists") {
		t.Errorf("info finding: %+v", c)
	}
	if c := find("EKS-POD-003", mustCheck(t, "EKS-POD-003").Title); c.status != junitparser.StatusPassed || c.suite != "Pod Security" {
		t.Errorf("passing check: %+v", c)
	}
	if c := find("EKS-DATA-003", mustCheck(t, "EKS-DATA-003").Title); c.status != junitparser.StatusSkipped || !strings.Contains(c.message, "forbidden v1/secrets") {
		t.Errorf("check kept from running by a coverage gap: %+v", c)
	}
	if c := find("EKS-POD-025", "web/Deployment/web: spec.template.spec.containers[0].resources.limits.memory"); !strings.Contains(c.body, "location: charts/web/templates/deployment.yaml (rendered from helm:charts/web)") {
		t.Errorf("unmapped template line must not claim line 1: %+v", c)
	}
	if c := find("EKS-POD-025", "prod/Deployment/api: spec.template.spec.containers[0].resources.limits.memory"); !strings.Contains(c.body, "k8s://prod/Deployment/api in cluster prod-eks") {
		t.Errorf("live finding: %+v", c)
	}
	if c := find("input.error", "k8s/broken.yaml:12"); c.status != junitparser.StatusError {
		t.Errorf("input error: %+v", c)
	}
	if c := find("input.warning", "k8s/app.yaml:30"); c.status != junitparser.StatusPassed {
		t.Errorf("input warning: %+v", c)
	}
	for _, c := range cases {
		if c.classname == "EKS-NET-001" {
			t.Errorf("a not-applicable check has a testcase: %+v", c)
		}
	}

	// The totals the XML declares agree with what a parser counts.
	var decl struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Errors   int `xml:"errors,attr"`
		Suites   []struct {
			Name     string `xml:"name,attr"`
			Tests    int    `xml:"tests,attr"`
			Failures int    `xml:"failures,attr"`
			Errors   int    `xml:"errors,attr"`
			Skipped  int    `xml:"skipped,attr"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(out, &decl); err != nil {
		t.Fatal(err)
	}
	tests, failures, errors := 0, 0, 0
	for i, s := range suites {
		s.Aggregate()
		d := decl.Suites[i]
		if d.Name != s.Name || d.Tests != s.Totals.Tests || d.Failures != s.Totals.Failed || d.Errors != s.Totals.Error || d.Skipped != s.Totals.Skipped {
			t.Errorf("suite %s declares %+v, parser counts %+v", s.Name, d, s.Totals)
		}
		tests, failures, errors = tests+s.Totals.Tests, failures+s.Totals.Failed, errors+s.Totals.Error
	}
	if decl.Tests != tests || decl.Failures != failures || decl.Errors != errors {
		t.Errorf("testsuites declares %d/%d/%d, parser counts %d/%d/%d", decl.Tests, decl.Failures, decl.Errors, tests, failures, errors)
	}
	// Failures are the findings that fail a control: not exempt, above info.
	if want := 5; failures != want {
		t.Errorf("%d failures, want %d", failures, want)
	}
}

func TestJUnitBaselineProperties(t *testing.T) {
	r := formatsReportWithExceptions(t)
	r.Summary.Baseline = &baseline.Summary{File: "main.json", New: 6, Unchanged: 40, Fixed: 3}
	out := render(t, "junit", r)
	validateJUnitXSD(t, out)
	suites, err := junitparser.Ingest(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range suites {
		p := s.Properties
		if p["eksguard.baseline.file"] != "main.json" || p["eksguard.baseline.new"] != "6" || p["eksguard.baseline.unchanged"] != "40" || p["eksguard.baseline.fixed"] != "3" {
			t.Errorf("suite %s properties %v", s.Name, p)
		}
	}
}

func TestJUnitEmptyAndLarge(t *testing.T) {
	empty := render(t, "junit", New(Input{ToolVersion: "dev", Inventory: &inventory.Inventory{}}))
	validateJUnitXSD(t, empty)
	if _, err := junitparser.Ingest(empty); err != nil {
		t.Errorf("empty report: %v\n%s", err, empty)
	}
	large := render(t, "junit", syntheticReport(t, 2000))
	validateJUnitXSD(t, large)
	suites, err := junitparser.Ingest(large)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, s := range suites {
		n += len(s.Tests)
	}
	if n < 2000 {
		t.Errorf("%d testcases for 2000 findings", n)
	}
}

func TestJUnitEscapesText(t *testing.T) {
	r := formatsReportWithExceptions(t)
	r.Findings[6].Message = "bad \x00 control \x1b and <tag> & \"quotes\" ]]>"
	out := render(t, "junit", r)
	validateJUnitXSD(t, out)
	if _, err := junitparser.Ingest(out); err != nil {
		t.Fatal(err)
	}
}

// validateJUnitXSD validates a JUnit report against testdata/junit-10.xsd, Jenkins' schema
// for JUnit reports. No XML Schema validator written in Go without cgo could be had through
// the module proxy (the candidates found were refused), so xsdSubset below reads the XSD
// itself and enforces what it declares for the constructs that schema uses (element content
// models with sequence, choice and occurrence bounds, mixed and text-only content, declared,
// required and pattern-typed attributes); it fails on any construct it does not know. When
// libxml2's xmllint is installed it validates the same document too.
func validateJUnitXSD(t testing.TB, doc []byte) {
	t.Helper()
	schema := loadJUnitXSD(t)
	if err := schema.validate(doc); err != nil {
		t.Fatalf("JUnit XML does not validate against junit-10.xsd: %v\n%s", err, head(doc))
	}
	if xmllint, err := exec.LookPath("xmllint"); err == nil {
		f := filepath.Join(t.TempDir(), "junit.xml")
		if err := os.WriteFile(f, doc, 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(xmllint, "--noout", "--schema", filepath.Join("testdata", "junit-10.xsd"), f)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("xmllint --schema junit-10.xsd: %v\n%s", err, out)
		}
	}
}

func head(b []byte) []byte {
	if len(b) > 4000 {
		return b[:4000]
	}
	return b
}

// xsdSubset is the part of XML Schema 1.0 junit-10.xsd uses, compiled for validation.
type xsdSubset struct {
	elements map[string]*xsdElement // global elements by name
}

type xsdElement struct {
	name     string
	textOnly bool           // xs:string content: text, no child elements
	mixed    bool           // text allowed between child elements
	model    *regexp.Regexp // child element names, each followed by ';'
	attrs    map[string]*xsdAttr
}

type xsdAttr struct {
	required bool
	pattern  *regexp.Regexp // nil for xs:string
}

// xsdNode is a generic XML tree of the schema document.
type xsdNode struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Nodes   []xsdNode  `xml:",any"`
}

func (n *xsdNode) attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

var junitXSD *xsdSubset

func loadJUnitXSD(t testing.TB) *xsdSubset {
	t.Helper()
	if junitXSD != nil {
		return junitXSD
	}
	data, err := os.ReadFile(filepath.Join("testdata", "junit-10.xsd"))
	if err != nil {
		t.Fatal(err)
	}
	var root xsdNode
	if err := xml.Unmarshal(data, &root); err != nil {
		t.Fatal(err)
	}
	s, err := compileXSD(&root)
	if err != nil {
		t.Fatalf("junit-10.xsd: %v", err)
	}
	junitXSD = s
	return s
}

func compileXSD(root *xsdNode) (*xsdSubset, error) {
	if root.XMLName.Local != "schema" {
		return nil, fmt.Errorf("root is %s, not xs:schema", root.XMLName.Local)
	}
	simple := map[string]*regexp.Regexp{}
	complexTypes := map[string]*xsdNode{}
	var globals []*xsdNode
	for i := range root.Nodes {
		n := &root.Nodes[i]
		switch n.XMLName.Local {
		case "simpleType":
			if len(n.Nodes) != 1 || n.Nodes[0].XMLName.Local != "restriction" || n.Nodes[0].attr("base") != "xs:string" {
				return nil, fmt.Errorf("simpleType %s: only xs:string restrictions are supported", n.attr("name"))
			}
			var alts []string
			for _, f := range n.Nodes[0].Nodes {
				if f.XMLName.Local != "pattern" {
					return nil, fmt.Errorf("simpleType %s: facet %s is not supported", n.attr("name"), f.XMLName.Local)
				}
				alts = append(alts, f.attr("value"))
			}
			re, err := regexp.Compile(`^(?:` + strings.Join(alts, "|") + `)$`)
			if err != nil {
				return nil, err
			}
			simple[n.attr("name")] = re
		case "complexType":
			complexTypes[n.attr("name")] = n
		case "element":
			globals = append(globals, n)
		default:
			return nil, fmt.Errorf("top-level %s is not supported", n.XMLName.Local)
		}
	}
	s := &xsdSubset{elements: map[string]*xsdElement{}}
	for _, g := range globals {
		el := &xsdElement{name: g.attr("name"), attrs: map[string]*xsdAttr{}}
		var ct *xsdNode
		switch typ := g.attr("type"); {
		case typ == "xs:string":
			el.textOnly = true
		case typ != "":
			if ct = complexTypes[typ]; ct == nil {
				return nil, fmt.Errorf("element %s: unknown type %s", el.name, typ)
			}
		case len(g.Nodes) == 1 && g.Nodes[0].XMLName.Local == "complexType":
			ct = &g.Nodes[0]
		default:
			return nil, fmt.Errorf("element %s: unsupported declaration", el.name)
		}
		if ct != nil {
			el.mixed = ct.attr("mixed") == "true"
			model := ""
			for i := range ct.Nodes {
				n := &ct.Nodes[i]
				switch n.XMLName.Local {
				case "attribute":
					a := &xsdAttr{required: n.attr("use") == "required"}
					switch typ := n.attr("type"); typ {
					case "xs:string":
					default:
						if a.pattern = simple[typ]; a.pattern == nil {
							return nil, fmt.Errorf("element %s: attribute type %s is not supported", el.name, typ)
						}
					}
					el.attrs[n.attr("name")] = a
				case "sequence", "choice":
					if model != "" {
						return nil, fmt.Errorf("element %s: two content models", el.name)
					}
					m, err := xsdParticle(n)
					if err != nil {
						return nil, fmt.Errorf("element %s: %v", el.name, err)
					}
					model = m
				default:
					return nil, fmt.Errorf("element %s: %s is not supported", el.name, n.XMLName.Local)
				}
			}
			el.model = regexp.MustCompile("^(?:" + model + ")$")
		}
		s.elements[el.name] = el
	}
	return s, nil
}

// xsdParticle turns a content model into a regular expression over child element names,
// each written as "name;".
func xsdParticle(n *xsdNode) (string, error) {
	var expr string
	switch n.XMLName.Local {
	case "element":
		name := n.attr("ref")
		if name == "" {
			// A local element declaration: only the xs:string ones junit-10.xsd has.
			if n.attr("type") != "xs:string" {
				return "", fmt.Errorf("local element %s of type %q is not supported", n.attr("name"), n.attr("type"))
			}
			name = n.attr("name")
		}
		expr = "(?:" + regexp.QuoteMeta(name) + ";)"
	case "sequence", "choice":
		var parts []string
		for i := range n.Nodes {
			p, err := xsdParticle(&n.Nodes[i])
			if err != nil {
				return "", err
			}
			parts = append(parts, p)
		}
		sep := ""
		if n.XMLName.Local == "choice" {
			sep = "|"
		}
		expr = "(?:" + strings.Join(parts, sep) + ")"
	default:
		return "", fmt.Errorf("particle %s is not supported", n.XMLName.Local)
	}
	minOcc, maxOcc := 1, "1"
	if v := n.attr("minOccurs"); v != "" {
		minOcc, _ = strconv.Atoi(v)
	}
	if v := n.attr("maxOccurs"); v != "" {
		maxOcc = v
	}
	switch {
	case maxOcc == "unbounded":
		expr += fmt.Sprintf("{%d,}", minOcc)
	default:
		expr += fmt.Sprintf("{%d,%s}", minOcc, maxOcc)
	}
	return expr, nil
}

// validate checks a document element by element. An element declared only locally
// (stackTrace in rerunType, which eksguard never writes) is reported as undeclared.
func (s *xsdSubset) validate(doc []byte) error {
	dec := xml.NewDecoder(bytes.NewReader(doc))
	type frame struct {
		el       *xsdElement
		children strings.Builder
		path     string
	}
	var stack []*frame
	sawRoot := false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			name := tok.Name.Local
			var parent *frame
			if len(stack) > 0 {
				parent = stack[len(stack)-1]
				if parent.el.textOnly {
					return fmt.Errorf("%s: element <%s> inside text-only content", parent.path, name)
				}
				parent.children.WriteString(name + ";")
			} else if sawRoot {
				return fmt.Errorf("second root element <%s>", name)
			}
			sawRoot = true
			el := s.elements[name]
			if el == nil {
				return fmt.Errorf("element <%s> is not declared", name)
			}
			f := &frame{el: el, path: name}
			if parent != nil {
				f.path = parent.path + "/" + name
			}
			seen := map[string]bool{}
			for _, a := range tok.Attr {
				if a.Name.Space != "" {
					return fmt.Errorf("%s: namespaced attribute %s:%s", f.path, a.Name.Space, a.Name.Local)
				}
				decl := el.attrs[a.Name.Local]
				if decl == nil {
					return fmt.Errorf("%s: attribute %q is not declared", f.path, a.Name.Local)
				}
				if decl.pattern != nil && !decl.pattern.MatchString(a.Value) {
					return fmt.Errorf("%s: attribute %s=%q does not match its type", f.path, a.Name.Local, a.Value)
				}
				seen[a.Name.Local] = true
			}
			for name, decl := range el.attrs {
				if decl.required && !seen[name] {
					return fmt.Errorf("%s: required attribute %q is missing", f.path, name)
				}
			}
			stack = append(stack, f)
		case xml.EndElement:
			f := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if f.el.model != nil && !f.el.model.MatchString(f.children.String()) {
				return fmt.Errorf("%s: children %q do not match the content model %s", f.path, f.children.String(), f.el.model)
			}
		case xml.CharData:
			if len(stack) == 0 {
				continue
			}
			f := stack[len(stack)-1]
			if !f.el.textOnly && !f.el.mixed && len(bytes.TrimSpace(tok)) > 0 {
				return fmt.Errorf("%s: text in element-only content: %q", f.path, tok)
			}
		}
	}
	if !sawRoot {
		return fmt.Errorf("no root element")
	}
	return nil
}

func TestXSDSubsetRejects(t *testing.T) {
	schema := loadJUnitXSD(t)
	for name, doc := range map[string]string{
		"unknown element":       `<testsuites><testsuite name="a" tests="1" failures="0" errors="0"><bogus/></testsuite></testsuites>`,
		"missing required attr": `<testsuites><testsuite name="a" tests="1" failures="0"/></testsuites>`,
		"undeclared attr":       `<testsuites><testsuite name="a" tests="1" failures="0" errors="0"><testcase name="x" file="a.yaml"/></testsuite></testsuites>`,
		"bad time":              `<testsuites><testsuite name="a" tests="1" failures="0" errors="0" time="1s"/></testsuites>`,
		"skipped on testsuites": `<testsuites skipped="1"/>`,
		"testcase in root":      `<testsuites><testcase name="x"/></testsuites>`,
		"text in testsuite":     `<testsuites><testsuite name="a" tests="1" failures="0" errors="0">hello</testsuite></testsuites>`,
		"element in failure":    `<testsuites><testsuite name="a" tests="1" failures="1" errors="0"><testcase name="x"><failure><b/></failure></testcase></testsuite></testsuites>`,
	} {
		if err := schema.validate([]byte(doc)); err == nil {
			t.Errorf("%s: accepted %s", name, doc)
		}
	}
	ok := `<testsuites name="n" tests="1"><testsuite name="a" tests="1" failures="1" errors="0" time="0.5"><properties><property name="p" value="v"/></properties><testcase name="x" classname="c"><failure message="m" type="t">text</failure><system-out>o</system-out></testcase></testsuite></testsuites>`
	if err := schema.validate([]byte(ok)); err != nil {
		t.Errorf("rejected a valid report: %v", err)
	}
}

func TestWriteObjectRefMatchesString(t *testing.T) {
	for _, ref := range []inventory.ObjectRef{
		{Kind: "Deployment", Namespace: "shop", Name: "frontend"},
		{Kind: "ClusterRole", Name: "admin"},
		{Kind: "Pod"},
	} {
		var b bytes.Buffer
		writeObjectRef(&b, ref)
		if b.String() != ref.String() {
			t.Errorf("%q, want %q", b.String(), ref.String())
		}
	}
}
