package report

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

func init() { register("sarif", SARIF) }

// sarifSchemaURI is the OASIS 2.1.0 schema (with errata 01), the one vendored in
// testdata/sarif-schema-2.1.0.json that the tests validate against.
const sarifSchemaURI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

// sarifFingerprintKey names the partial fingerprint eksguard computes; the version suffix
// lets its computation change without matching old alerts to new ones.
const sarifFingerprintKey = "eksguard/v1"

// securitySeverity maps severities to GitHub code scanning's security-severity scores
// (critical is above 9.0, high 7.0 to 8.9, medium 4.0 to 6.9, low 0.1 to 3.9).
var securitySeverity = map[check.Severity]string{
	check.Critical: "9.5",
	check.High:     "8.0",
	check.Medium:   "5.5",
	check.Low:      "3.0",
	check.Info:     "1.0",
}

// sarifLevel maps a severity to a SARIF level: error fails a code-scanning check run by
// default, warning and note do not.
func sarifLevel(s check.Severity) string {
	switch {
	case s >= check.High:
		return "error"
	case s == check.Medium:
		return "warning"
	}
	return "note"
}

type sarifText struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifRule struct {
	ID                   string         `json:"id"`
	Name                 string         `json:"name,omitempty"`
	ShortDescription     sarifText      `json:"shortDescription"`
	FullDescription      sarifText      `json:"fullDescription"`
	Help                 sarifText      `json:"help"`
	HelpURI              string         `json:"helpUri,omitempty"`
	DefaultConfiguration sarifRuleLevel `json:"defaultConfiguration"`
	Properties           sarifRuleProps `json:"properties"`
}

type sarifRuleLevel struct {
	Level string `json:"level"`
}

type sarifRuleProps struct {
	Tags []string `json:"tags"`
	// SecuritySeverity is what GitHub code scanning ranks security alerts by.
	SecuritySeverity string `json:"security-severity"`
	Severity         string `json:"severity"`
}

type sarifResult struct {
	RuleID              string             `json:"ruleId"`
	RuleIndex           int                `json:"ruleIndex"`
	Level               string             `json:"level"`
	BaselineState       string             `json:"baselineState,omitempty"`
	Message             sarifText          `json:"message"`
	Locations           []sarifLocation    `json:"locations,omitempty"`
	PartialFingerprints sarifFingerprints  `json:"partialFingerprints"`
	Suppressions        []sarifSuppression `json:"suppressions,omitempty"`
	Properties          sarifResultProps   `json:"properties"`
}

type sarifFingerprints struct {
	V1 string `json:"eksguard/v1"`
}

type sarifResultProps struct {
	Severity     string `json:"severity"`
	Object       string `json:"object"`
	FieldPath    string `json:"fieldPath,omitempty"`
	RenderedFrom string `json:"renderedFrom,omitempty"`
	Cluster      string `json:"cluster,omitempty"`
	ManagedBy    string `json:"managedBy,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation *sarifPhysical `json:"physicalLocation,omitempty"`
	LogicalLocations []sarifLogical `json:"logicalLocations,omitempty"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI         string     `json:"uri,omitempty"`
	URIBaseID   string     `json:"uriBaseId,omitempty"`
	Description *sarifText `json:"description,omitempty"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn,omitempty"`
}

type sarifLogical struct {
	Name               string `json:"name,omitempty"`
	FullyQualifiedName string `json:"fullyQualifiedName"`
	Kind               string `json:"kind"`
}

type sarifSuppression struct {
	Kind          string                 `json:"kind"`
	Status        string                 `json:"status"`
	Justification string                 `json:"justification"`
	Location      *sarifLocation         `json:"location,omitempty"`
	Properties    *sarifSuppressionProps `json:"properties,omitempty"`
}

type sarifSuppressionProps struct {
	Owner   string `json:"owner,omitempty"`
	Expires string `json:"expires,omitempty"`
	Source  string `json:"source,omitempty"`
}

type sarifNotification struct {
	Level     string          `json:"level"`
	Message   sarifText       `json:"message"`
	Locations []sarifLocation `json:"locations,omitempty"`
}

// SARIF writes the report as one SARIF 2.1.0 log with a single run: one rule per check
// (the catalogue's text, remediation, guide link, tags and GitHub's security-severity), one
// result per finding, and the input problems and coverage gaps as tool execution
// notifications. Findings in files have physical locations (file, line, column); findings
// on live objects have logical locations named by their k8s:// URI (or AWS ARN). Results
// are streamed one per line, like the JSON report's findings.
func SARIF(w io.Writer, r *Report, _ Options) error {
	docs := newCheckDocs(r)
	bw := bufio.NewWriterSize(w, 64<<10)
	var line bytes.Buffer
	enc := json.NewEncoder(&line)
	enc.SetEscapeHTML(false)

	rules := make([]sarifRule, len(docs.list))
	for i, d := range docs.list {
		rules[i] = sarifRuleOf(d)
	}
	driver := struct {
		Name           string      `json:"name"`
		Version        string      `json:"version,omitempty"`
		InformationURI string      `json:"informationUri"`
		Rules          []sarifRule `json:"rules"`
	}{"eksguard", r.Tool.Version, "https://github.com/eksguard/eksguard", rules}

	bw.WriteString("{\n  \"$schema\": \"" + sarifSchemaURI + "\",\n  \"version\": \"2.1.0\",\n  \"runs\": [\n    {\n")
	bw.WriteString("      \"tool\": {\n        \"driver\": ")
	if err := writeIndented(bw, driver, "        "); err != nil {
		return err
	}
	bw.WriteString("\n      },\n      \"invocations\": ")
	if err := writeIndented(bw, []any{sarifInvocation(r)}, "      "); err != nil {
		return err
	}
	if b := r.Summary.Baseline; b != nil {
		// With --baseline only new findings are reported; the run says what was left out.
		bw.WriteString(",\n      \"properties\": ")
		if err := writeIndented(bw, map[string]any{"baseline": b}, "      "); err != nil {
			return err
		}
	}
	bw.WriteString(",\n      \"columnKind\": \"unicodeCodePoints\",\n      \"results\": [")
	var res sarifResult
	for i := range r.Findings {
		f := &r.Findings[i]
		fillSARIFResult(&res, f, docs.index(f.CheckID))
		if r.Summary.Baseline != nil && f.Fails() {
			res.BaselineState = "new" // --baseline keeps only failing findings it lacks
		}
		if i > 0 {
			bw.WriteByte(',')
		}
		bw.WriteString("\n        ")
		line.Reset()
		if err := enc.Encode(&res); err != nil {
			return err
		}
		bw.Write(bytes.TrimSuffix(line.Bytes(), []byte{'\n'}))
	}
	if len(r.Findings) > 0 {
		bw.WriteString("\n      ")
	}
	bw.WriteString("]\n    }\n  ]\n}\n")
	return bw.Flush()
}

// writeIndented writes v as indented JSON whose lines after the first start with prefix,
// without HTML escaping (texts quote <, > and &).
func writeIndented(bw *bufio.Writer, v any, prefix string) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent(prefix, "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	bw.Write(bytes.TrimSuffix(buf.Bytes(), []byte{'\n'}))
	return nil
}

func sarifRuleOf(d *checkDoc) sarifRule {
	full := d.Logic
	if full == "" {
		full = d.Title
	}
	help := sarifText{Text: d.Title + ".", Markdown: "**" + markdownInline(d.Title) + "**"}
	if d.Remediation != "" {
		help.Text += "\n\nRemediation: " + d.Remediation
		help.Markdown += "\n\n**Remediation:** " + markdownInline(d.Remediation)
	}
	if d.Logic != "" {
		help.Markdown += "\n\n**What is checked:** " + markdownInline(d.Logic)
	}
	if d.DocURL != "" {
		help.Text += "\n\nReference: " + d.DocURL
		help.Markdown += "\n\n[EKS best practices guide](" + d.DocURL + ")"
	}
	help.Text += "\n\nDetails: eksguard explain " + d.ID
	help.Markdown += "\n\nDetails: `eksguard explain " + d.ID + "`"
	tags := []string{"security", d.Section}
	for _, fw := range d.Frameworks {
		tags = append(tags, string(fw))
	}
	return sarifRule{
		ID:                   d.ID,
		Name:                 d.Slug,
		ShortDescription:     sarifText{Text: d.Title},
		FullDescription:      sarifText{Text: full},
		Help:                 help,
		HelpURI:              d.DocURL,
		DefaultConfiguration: sarifRuleLevel{Level: sarifLevel(d.Severity)},
		Properties:           sarifRuleProps{Tags: tags, SecuritySeverity: securitySeverity[d.Severity], Severity: d.Severity.String()},
	}
}

// fillSARIFResult overwrites res with finding f, reusing its slices.
func fillSARIFResult(res *sarifResult, f *check.Finding, ruleIndex int) {
	obj := f.Object.String()
	*res = sarifResult{
		RuleID:              f.CheckID,
		RuleIndex:           ruleIndex,
		Level:               sarifLevel(f.Severity),
		Message:             sarifText{Text: obj + ": " + f.Message},
		Locations:           res.Locations[:0],
		PartialFingerprints: sarifFingerprints{V1: sarifFingerprint(f)},
		Properties: sarifResultProps{Severity: f.Severity.String(), Object: obj, FieldPath: string(f.Path),
			RenderedFrom: f.Position.RenderedFrom},
	}
	if f.Live != nil {
		res.Properties.Cluster, res.Properties.ManagedBy = f.Live.Cluster, f.Live.ManagedBy
	}
	if phys := sarifPhysicalOf(f.Position); phys != nil {
		res.Locations = append(res.Locations, sarifLocation{PhysicalLocation: phys})
	} else if name := sarifResourceName(f); name != "" {
		res.Locations = append(res.Locations, sarifLocation{LogicalLocations: []sarifLogical{
			{Name: f.Object.Name, FullyQualifiedName: name, Kind: "resource"}}})
	}
	switch {
	case f.Exception != nil && f.Exempt:
		res.Suppressions = []sarifSuppression{sarifExempt, sarifExcepted(f.Exception)}
	case f.Exception != nil:
		res.Suppressions = []sarifSuppression{sarifExcepted(f.Exception)}
	case f.Exempt:
		res.Suppressions = sarifExemptOnly
	}
}

// sarifExempt suppresses a finding a PSS check reports in a system namespace for visibility.
var (
	sarifExempt     = sarifSuppression{Kind: "external", Status: "accepted", Justification: "system namespace"}
	sarifExemptOnly = []sarifSuppression{sarifExempt}
)

// sarifExcepted suppresses an excepted finding: inSource for an eksguard.io/ignore
// annotation in the manifest, external for an exceptions-file entry, located at the entry or
// annotation when it is in a file.
func sarifExcepted(e *check.ExceptionRef) sarifSuppression {
	sup := sarifSuppression{Kind: "external", Status: "accepted", Justification: e.Justification,
		Properties: &sarifSuppressionProps{Owner: e.Owner, Expires: e.Expires, Source: e.Source}}
	if e.Type == check.ExceptionAnnotation {
		sup.Kind = "inSource"
	}
	if file, line, ok := sarifSplitSource(e.Source); ok {
		sup.Location = &sarifLocation{PhysicalLocation: sarifPhysicalOf(inventory.Position{File: file, Line: line})}
	}
	return sup
}

// sarifSplitSource reads "file:line"; a k8s:// URI or any other source has no file.
func sarifSplitSource(src string) (string, int, bool) {
	i := strings.LastIndexByte(src, ':')
	if i <= 0 || strings.Contains(src, "://") {
		return "", 0, false
	}
	line, err := strconv.Atoi(src[i+1:])
	if err != nil || line < 1 {
		return "", 0, false
	}
	return src[:i], line, true
}

// sarifResourceName names an object without a file: its k8s:// URI or AWS ARN as the
// finding carries it, else the URI of its reference.
func sarifResourceName(f *check.Finding) string {
	if f.Resource != "" {
		return f.Resource
	}
	if f.Object.Kind == "" && f.Object.Name == "" {
		return ""
	}
	return f.Object.URI()
}

// sarifPhysicalOf locates a position in a file, or returns nil for a position with no file.
// The region is left out when the line is unknown: a zero line, or the line 1 without a column
// that a rendered object gets when its template line could not be matched.
func sarifPhysicalOf(p inventory.Position) *sarifPhysical {
	if p.File == "" {
		return nil
	}
	phys := &sarifPhysical{ArtifactLocation: sarifArtifactOf(p.File)}
	if p.Line > 0 && (p.RenderedFrom == "" || p.Column > 0) {
		phys.Region = &sarifRegion{StartLine: p.Line, StartColumn: p.Column}
	}
	return phys
}

// sarifArtifactOf turns a path as given on the command line into a URI: relative paths stay
// relative to the directory eksguard ran in (%SRCROOT%, the repository root in CI), absolute
// ones become file:// URIs, and standard input has a description instead.
func sarifArtifactOf(file string) sarifArtifact {
	if file == "-" {
		return sarifArtifact{Description: &sarifText{Text: "standard input"}}
	}
	slashed := filepath.ToSlash(file)
	if filepath.IsAbs(file) || strings.HasPrefix(slashed, "/") {
		if !strings.HasPrefix(slashed, "/") {
			slashed = "/" + slashed // C:/x
		}
		return sarifArtifact{URI: (&url.URL{Scheme: "file", Path: slashed}).String()}
	}
	slashed = strings.TrimPrefix(filepath.ToSlash(filepath.Clean(file)), "./")
	return sarifArtifact{URI: (&url.URL{Path: slashed}).String(), URIBaseID: "%SRCROOT%"}
}

// sarifFingerprint hashes what identifies a finding across commits: the check, the object
// (API group, kind, namespace, name; not the version, file or line, which move) and the
// field path.
func sarifFingerprint(f *check.Finding) string {
	group, _, found := strings.Cut(f.Object.APIVersion, "/")
	if !found {
		group = ""
	}
	h := sha256.New()
	for _, part := range []string{f.CheckID, group, f.Object.Kind, f.Object.Namespace, f.Object.Name, string(f.Path)} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	var sum [sha256.Size]byte
	return hex.EncodeToString(h.Sum(sum[:0])[:16])
}

// sarifInvocation reports whether the run read all its input, and every input problem,
// coverage gap, expired exception and unused exception as a notification.
func sarifInvocation(r *Report) any {
	notes := []sarifNotification{}
	for _, p := range r.Problems {
		n := sarifNotification{Level: "warning", Message: sarifText{Text: sarifProblemText(p)}}
		if p.Level == inventory.ProblemError {
			n.Level = "error"
		}
		if phys := sarifPhysicalOf(p.Position); phys != nil {
			n.Locations = []sarifLocation{{PhysicalLocation: phys}}
		}
		notes = append(notes, n)
	}
	for _, g := range r.Gaps {
		text := "coverage gap: " + string(g.Reason) + " " + g.Resource
		if g.Namespace != "" {
			text += " in namespace " + g.Namespace
		}
		text += ": " + g.Message
		if len(g.Checks) > 0 {
			text += " (not evaluated: " + strings.Join(g.Checks, ", ") + ")"
		}
		notes = append(notes, sarifNotification{Level: "warning", Message: sarifText{Text: text}})
	}
	for _, e := range r.Exceptions {
		var text, level string
		switch {
		case e.Expired:
			level, text = "warning", "exception expired on "+e.Expires+" and no longer applies"
		case e.Unused:
			level, text = "note", "exception suppressed nothing and can probably be removed"
		default:
			continue
		}
		text += ": " + e.Type + " " + e.Source + ", check " + e.Check
		if sel := e.Selector.String(); sel != "" && e.Type == check.ExceptionFile {
			text += ", " + sel
		}
		if e.Owner != "" {
			text += ", owner " + e.Owner
		}
		n := sarifNotification{Level: level, Message: sarifText{Text: text}}
		if file, line, ok := sarifSplitSource(e.Source); ok {
			n.Locations = []sarifLocation{{PhysicalLocation: sarifPhysicalOf(inventory.Position{File: file, Line: line})}}
		}
		notes = append(notes, n)
	}
	return struct {
		ExecutionSuccessful bool                `json:"executionSuccessful"`
		Notifications       []sarifNotification `json:"toolExecutionNotifications"`
	}{r.Summary.InputErrors == 0, notes}
}

func sarifProblemText(p inventory.Problem) string {
	s := ""
	if p.Object != nil {
		s += p.Object.String() + ": "
	}
	if p.Path != "" {
		s += string(p.Path) + ": "
	}
	s += p.Message
	if p.Hint != "" {
		s += " (hint: " + p.Hint + ")"
	}
	return s
}

// markdownInline escapes text for a Markdown paragraph or table cell (GitHub Flavored
// Markdown): characters that start emphasis, links, code, HTML or end a table cell.
// Underscores stay: GFM never emphasizes inside words (SYSTEM_NAMESPACES, run_as_user).
func markdownInline(s string) string {
	return markdownEscaper.Replace(s)
}

var markdownEscaper = strings.NewReplacer(`\`, `\\`, "`", "\\`", "*", `\*`, "<", "&lt;", ">", "&gt;", "&", "&amp;",
	"[", `\[`, "]", `\]`, "|", `\|`, "\n", " ", "\r", "")
