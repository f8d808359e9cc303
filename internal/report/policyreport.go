package report

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/eksguard/eksguard/internal/check"
)

func init() { register("policyreport", PolicyReportFormat) }

// Names of the report APIs -o policyreport and --write-reports speak (Options.PolicyReportAPI).
const (
	// PolicyReportWG is wgpolicyk8s.io/v1alpha2 PolicyReport and ClusterPolicyReport of the
	// Kubernetes Policy Working Group, which Kyverno, Policy Reporter and others read.
	PolicyReportWG = "wgpolicyk8s"
	// PolicyReportOpen is openreports.io/v1alpha1 Report and ClusterReport, the working
	// group API's successor.
	PolicyReportOpen = "openreports"
)

// PolicyReportAPI describes one report API: its group, version, kinds and resources.
type PolicyReportAPI struct {
	Name            string
	Group           string
	Version         string
	Kind            string // namespaced
	ClusterKind     string
	Resource        string // namespaced, plural
	ClusterResource string
	// TopSource is whether the report itself has a source field (OpenReports); the working
	// group's v1alpha2 schema has it on results only.
	TopSource bool
}

// APIVersion is group/version.
func (a PolicyReportAPI) APIVersion() string { return a.Group + "/" + a.Version }

var policyReportAPIs = []PolicyReportAPI{
	{Name: PolicyReportWG, Group: "wgpolicyk8s.io", Version: "v1alpha2", Kind: "PolicyReport", ClusterKind: "ClusterPolicyReport",
		Resource: "policyreports", ClusterResource: "clusterpolicyreports"},
	{Name: PolicyReportOpen, Group: "openreports.io", Version: "v1alpha1", Kind: "Report", ClusterKind: "ClusterReport",
		Resource: "reports", ClusterResource: "clusterreports", TopSource: true},
}

// PolicyReportAPINames lists the names LookupPolicyReportAPI accepts.
func PolicyReportAPINames() []string {
	var out []string
	for _, a := range policyReportAPIs {
		out = append(out, a.Name)
	}
	return out
}

// LookupPolicyReportAPI returns the API of a name; "" is PolicyReportWG.
func LookupPolicyReportAPI(name string) (PolicyReportAPI, error) {
	if name == "" {
		name = PolicyReportWG
	}
	for _, a := range policyReportAPIs {
		if strings.EqualFold(name, a.Name) || strings.EqualFold(name, a.Group) {
			return a, nil
		}
	}
	return PolicyReportAPI{}, fmt.Errorf("unknown policy report API %q (want one of %s)", name, strings.Join(PolicyReportAPINames(), ", "))
}

// Labels and annotations eksguard puts on its report objects.
const (
	// PolicyReportManagedBy is the value of app.kubernetes.io/managed-by on every report.
	PolicyReportManagedBy = "eksguard"
	// PolicyReportDigestAnnotation holds a hash of the report's content without its
	// timestamps: --write-reports leaves a report whose digest is unchanged alone, so a
	// re-run that finds the same results writes nothing.
	PolicyReportDigestAnnotation = "eksguard.io/report-digest"
	// PolicyReportOmittedAnnotation counts results left out to keep a report within
	// PolicyReportOptions.MaxBytes; the summary still counts them.
	PolicyReportOmittedAnnotation = "eksguard.io/omitted-results"
	// PolicyReportSource is the source of every result.
	PolicyReportSource = "eksguard"
)

// PolicyReportName is the name of the report of namespace ns, or of the cluster report
// when ns is empty.
func PolicyReportName(ns string) string {
	if ns == "" {
		return "eksguard-cluster"
	}
	return "eksguard-" + ns
}

// PolicyReport is one PolicyReport or ClusterPolicyReport (or OpenReports Report or
// ClusterReport); the two APIs share the result schema.
type PolicyReport struct {
	APIVersion string               `json:"apiVersion"`
	Kind       string               `json:"kind"`
	Metadata   PolicyReportMeta     `json:"metadata"`
	Source     string               `json:"source,omitempty"`
	Summary    PolicyReportSummary  `json:"summary"`
	Results    []PolicyReportResult `json:"results"`
}

// PolicyReportMeta is the metadata eksguard sets.
type PolicyReportMeta struct {
	Name        string            `json:"name"`
	Namespace   string            `json:"namespace,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// PolicyReportSummary counts the results of a report by result.
type PolicyReportSummary struct {
	Pass  int `json:"pass"`
	Fail  int `json:"fail"`
	Warn  int `json:"warn"`
	Error int `json:"error"`
	Skip  int `json:"skip"`
}

// PolicyReportResult is one result: a finding, a control that passed, or one that could
// not be evaluated.
type PolicyReportResult struct {
	Source     string                `json:"source"`
	Policy     string                `json:"policy"`
	Rule       string                `json:"rule,omitempty"`
	Category   string                `json:"category,omitempty"`
	Severity   string                `json:"severity,omitempty"`
	Timestamp  PolicyReportTimestamp `json:"timestamp"`
	Result     string                `json:"result"`
	Scored     bool                  `json:"scored"`
	Message    string                `json:"message,omitempty"`
	Resources  []PolicyReportObject  `json:"resources,omitempty"`
	Properties map[string]string     `json:"properties,omitempty"`
}

// PolicyReportTimestamp is the protobuf Timestamp the schemas use.
type PolicyReportTimestamp struct {
	Seconds int64 `json:"seconds"`
	Nanos   int32 `json:"nanos"`
}

// PolicyReportObject is the ObjectReference of a result's resource.
type PolicyReportObject struct {
	APIVersion string `json:"apiVersion,omitempty"`
	Kind       string `json:"kind,omitempty"`
	Namespace  string `json:"namespace,omitempty"`
	Name       string `json:"name,omitempty"`
	UID        string `json:"uid,omitempty"`
}

// PolicyReportOptions tune BuildPolicyReports.
type PolicyReportOptions struct {
	API PolicyReportAPI
	// Now is every result's timestamp (the time of the run).
	Now time.Time
	// MaxBytes, when positive, bounds the JSON size of each report's results: an API server
	// refuses objects over about 1.5 MiB. Results are kept by priority (fail before error,
	// skip and pass; higher severity first; then report order) and the rest counted in the
	// PolicyReportOmittedAnnotation. Zero keeps everything.
	MaxBytes int
}

// PolicyReportFormat writes the report as a YAML stream of report objects: a
// ClusterPolicyReport for findings on cluster-scoped objects (and on objects of a manifest
// that names no namespace), with one pass result per control that passed and one error result
// per control that could not be evaluated, then one PolicyReport per namespace with findings.
// kubectl apply -f reads it (given the CRDs of deploy/crds).
func PolicyReportFormat(w io.Writer, r *Report, opts Options) error {
	api, err := LookupPolicyReportAPI(opts.PolicyReportAPI)
	if err != nil {
		return err
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	for i, pr := range BuildPolicyReports(r, PolicyReportOptions{API: api, Now: now}) {
		if i > 0 {
			bw.WriteString("---\n")
		}
		pr.writeYAML(bw)
	}
	return bw.Flush()
}

// writeYAML writes the report as one YAML document. A generic YAML encoder took 20 s and
// 6 GiB for 100,000 findings; the schema is fixed, so it is written directly: keys are
// plain, and a string value is plain only when no YAML reader could take it for anything
// but that string, else it is a JSON string, which is a valid YAML double-quoted scalar.
func (pr *PolicyReport) writeYAML(bw *bufio.Writer) {
	kv := func(indent, key, value string) {
		bw.WriteString(indent)
		bw.WriteString(key)
		bw.WriteString(": ")
		bw.WriteString(value)
		bw.WriteByte('\n')
	}
	str := func(indent, key, value string) { kv(indent, key, yamlString(value)) }
	strMap := func(indent, key string, m map[string]string) {
		if len(m) == 0 {
			return
		}
		bw.WriteString(indent + key + ":\n")
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			kv(indent+"  ", yamlString(k), yamlString(m[k]))
		}
	}
	str("", "apiVersion", pr.APIVersion)
	str("", "kind", pr.Kind)
	bw.WriteString("metadata:\n")
	str("  ", "name", pr.Metadata.Name)
	if pr.Metadata.Namespace != "" {
		str("  ", "namespace", pr.Metadata.Namespace)
	}
	strMap("  ", "labels", pr.Metadata.Labels)
	strMap("  ", "annotations", pr.Metadata.Annotations)
	if pr.Source != "" {
		str("", "source", pr.Source)
	}
	bw.WriteString("summary:\n")
	for _, c := range []struct {
		key string
		n   int
	}{{"pass", pr.Summary.Pass}, {"fail", pr.Summary.Fail}, {"warn", pr.Summary.Warn}, {"error", pr.Summary.Error}, {"skip", pr.Summary.Skip}} {
		kv("  ", c.key, strconv.Itoa(c.n))
	}
	if len(pr.Results) == 0 {
		bw.WriteString("results: []\n")
		return
	}
	bw.WriteString("results:\n")
	for i := range pr.Results {
		res := &pr.Results[i]
		bw.WriteString("  - ")
		str("", "policy", res.Policy)
		if res.Rule != "" {
			str("    ", "rule", res.Rule)
		}
		str("    ", "result", res.Result)
		if res.Severity != "" {
			str("    ", "severity", res.Severity)
		}
		if res.Category != "" {
			str("    ", "category", res.Category)
		}
		if res.Message != "" {
			str("    ", "message", res.Message)
		}
		if len(res.Resources) > 0 {
			bw.WriteString("    resources:\n")
			for _, o := range res.Resources {
				first := true
				field := func(key, value string) {
					if value == "" {
						return
					}
					indent := "        "
					if first {
						indent, first = "      - ", false
					}
					str(indent, key, value)
				}
				field("apiVersion", o.APIVersion)
				field("kind", o.Kind)
				field("namespace", o.Namespace)
				field("name", o.Name)
				field("uid", o.UID)
				if first {
					bw.WriteString("      - {}\n")
				}
			}
		}
		strMap("    ", "properties", res.Properties)
		str("    ", "source", res.Source)
		kv("    ", "scored", strconv.FormatBool(res.Scored))
		bw.WriteString("    timestamp: {seconds: " + strconv.FormatInt(res.Timestamp.Seconds, 10) +
			", nanos: " + strconv.FormatInt(int64(res.Timestamp.Nanos), 10) + "}\n")
	}
}

// yamlString renders s as a YAML scalar that reads back as the string s: plain when it
// starts with a letter, holds only letters, digits, . _ / - and single inner spaces, and is
// none of the words YAML 1.1 reads as a boolean or null; else double-quoted.
func yamlString(s string) string {
	plain := s != ""
	for i := 0; i < len(s) && plain; i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '.' || c == '_' || c == '/' || c == '-'):
		case c == ' ' && i > 0 && i < len(s)-1 && s[i+1] != ' ':
		default:
			plain = false
		}
	}
	if plain {
		switch strings.ToLower(s) {
		case "y", "n", "yes", "no", "on", "off", "true", "false", "null":
			plain = false
		}
	}
	if plain {
		return s
	}
	return yamlQuote(s)
}

// yamlQuote double-quotes s, escaping the quote, the backslash and every character YAML does
// not allow unescaped (C0 and C1 controls, DEL, line and paragraph separators, BOM and
// non-characters); invalid UTF-8 becomes U+FFFD, as in JSON.
func yamlQuote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20, r >= 0x7f && r <= 0x9f, r == 0x2028, r == 0x2029, r == 0xfeff, r == 0xfffe, r == 0xffff:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r) // utf8.RuneError for invalid bytes
		}
	}
	b.WriteByte('"')
	return b.String()
}

// BuildPolicyReports maps a report to report objects: the cluster report first, then one
// report per namespace that has findings, in namespace order. A finding belongs to its
// object's namespace; a finding on a Namespace belongs to that namespace (as exceptions
// treat it); findings on cluster-scoped objects, and on manifest objects that name no
// namespace, belong to the cluster report, as do the pass and error results of controls.
func BuildPolicyReports(r *Report, opts PolicyReportOptions) []*PolicyReport {
	docs := newCheckDocs(r)
	ts := PolicyReportTimestamp{Seconds: opts.Now.Unix(), Nanos: int32(opts.Now.Nanosecond())}
	base := func(id string) PolicyReportResult {
		d := docs.get(id)
		rule := d.Slug
		if rule == "" {
			rule = d.ID
		}
		return PolicyReportResult{Source: PolicyReportSource, Policy: d.ID, Rule: rule, Category: d.SectionTitle,
			Severity: d.Severity.String(), Timestamp: ts, Scored: true}
	}

	cluster := newPolicyReport(opts.API, "")
	byNS := map[string]*PolicyReport{}
	for i := range r.Findings {
		f := &r.Findings[i]
		res := base(f.CheckID)
		res.Severity = f.Severity.String()
		res.Result = "fail"
		res.Message = f.Message
		res.Resources = []PolicyReportObject{{APIVersion: f.Object.APIVersion, Kind: f.Object.Kind,
			Namespace: f.Object.Namespace, Name: f.Object.Name, UID: f.Object.UID}}
		props := map[string]string{}
		if f.Path != "" {
			props["fieldPath"] = string(f.Path)
		}
		if p := f.Position; p.File != "" {
			props["location"] = p.File
			if p.Line > 0 {
				props["location"] += ":" + strconv.Itoa(p.Line)
			}
			if p.RenderedFrom != "" {
				props["renderedFrom"] = p.RenderedFrom
			}
		}
		if f.Live != nil && f.Live.ManagedBy != "" {
			props["managedBy"] = f.Live.ManagedBy
		}
		switch {
		case f.Status == check.StatusExcepted:
			res.Result = "skip"
			props["skipReason"] = "excepted"
			if e := f.Exception; e != nil {
				props["skipReason"] = "excepted by the exceptions-file entry at " + e.Source
				if e.Type == check.ExceptionAnnotation {
					props["skipReason"] = "excepted by the eksguard.io/ignore annotation at " + e.Source
				}
				props["justification"] = e.Justification
				if e.Owner != "" {
					props["owner"] = e.Owner
				}
				if e.Expires != "" {
					props["expires"] = e.Expires
				}
			}
		case f.Exempt:
			res.Result = "skip"
			props["skipReason"] = "exempt: system namespace, reported for visibility only"
		}
		if len(props) > 0 {
			res.Properties = props
		}
		ns := f.Object.Namespace
		if ns == "" && f.Object.Kind == "Namespace" && f.Object.APIVersion == "v1" {
			ns = f.Object.Name
		}
		pr := cluster
		if ns != "" {
			if pr = byNS[ns]; pr == nil {
				pr = newPolicyReport(opts.API, ns)
				byNS[ns] = pr
			}
		}
		pr.Results = append(pr.Results, res)
	}

	// Controls that could not be evaluated (coverage gaps), then controls that passed.
	gapsOf := map[string][]string{}
	for _, g := range r.Gaps {
		what := g.Kind + " (" + g.Resource + ")"
		if g.Namespace != "" {
			what += " in " + g.Namespace
		}
		what += ": " + string(g.Reason)
		for _, id := range g.Checks {
			gapsOf[id] = append(gapsOf[id], what)
		}
	}
	for _, c := range r.Controls {
		if c.Status != "not-evaluated" {
			continue
		}
		res := base(c.ID)
		res.Result = "error"
		res.Message = "not evaluated: data it reads could not be collected"
		if gaps := gapsOf[c.ID]; len(gaps) > 0 {
			res.Message = "not evaluated: could not read " + strings.Join(gaps, "; ")
		}
		cluster.Results = append(cluster.Results, res)
	}
	for _, c := range r.Controls {
		if c.Status != "pass" {
			continue
		}
		res := base(c.ID)
		res.Result = "pass"
		res.Message = fmt.Sprintf("passed: %s (%d evaluated)", docs.get(c.ID).Title, c.Evaluated)
		cluster.Results = append(cluster.Results, res)
	}

	out := []*PolicyReport{cluster}
	var names []string
	for ns := range byNS {
		names = append(names, ns)
	}
	sort.Strings(names)
	for _, ns := range names {
		out = append(out, byNS[ns])
	}
	for _, pr := range out {
		pr.finish(opts.MaxBytes)
	}
	return out
}

func newPolicyReport(api PolicyReportAPI, ns string) *PolicyReport {
	pr := &PolicyReport{APIVersion: api.APIVersion(), Kind: api.Kind,
		Metadata: PolicyReportMeta{Name: PolicyReportName(ns), Namespace: ns,
			Labels: map[string]string{"app.kubernetes.io/managed-by": PolicyReportManagedBy}},
		Results: []PolicyReportResult{}}
	if ns == "" {
		pr.Kind = api.ClusterKind
	}
	if api.TopSource {
		pr.Source = PolicyReportSource
	}
	return pr
}

// finish counts the results, leaves out what does not fit in maxBytes, and sets the digest.
func (pr *PolicyReport) finish(maxBytes int) {
	for _, res := range pr.Results {
		switch res.Result {
		case "pass":
			pr.Summary.Pass++
		case "fail":
			pr.Summary.Fail++
		case "warn":
			pr.Summary.Warn++
		case "error":
			pr.Summary.Error++
		case "skip":
			pr.Summary.Skip++
		}
	}
	annotations := map[string]string{}
	if maxBytes > 0 {
		if omitted := pr.trim(maxBytes); omitted > 0 {
			annotations[PolicyReportOmittedAnnotation] = strconv.Itoa(omitted)
		}
	}
	// The digest covers everything but the timestamps (which all equal the run's time).
	stamped := make([]PolicyReportTimestamp, len(pr.Results))
	for i := range pr.Results {
		stamped[i], pr.Results[i].Timestamp = pr.Results[i].Timestamp, PolicyReportTimestamp{}
	}
	pr.Metadata.Annotations = annotations
	data, _ := json.Marshal(pr) // plain strings, ints and maps: cannot fail
	sum := sha256.Sum256(data)
	annotations[PolicyReportDigestAnnotation] = hex.EncodeToString(sum[:16])
	for i := range pr.Results {
		pr.Results[i].Timestamp = stamped[i]
	}
}

// trim keeps the results whose JSON fits in maxBytes, by priority, in their order, and
// returns how many it left out.
func (pr *PolicyReport) trim(maxBytes int) int {
	sizes := make([]int, len(pr.Results))
	total := 0
	for i := range pr.Results {
		data, _ := json.Marshal(&pr.Results[i])
		sizes[i] = len(data) + 1
		total += sizes[i]
	}
	if total <= maxBytes {
		return 0
	}
	rank := map[string]int{"fail": 0, "error": 1, "warn": 2, "skip": 3, "pass": 4}
	order := make([]int, len(pr.Results))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		ra, rb := &pr.Results[order[a]], &pr.Results[order[b]]
		if rank[ra.Result] != rank[rb.Result] {
			return rank[ra.Result] < rank[rb.Result]
		}
		sa, _ := check.ParseSeverity(ra.Severity)
		sb, _ := check.ParseSeverity(rb.Severity)
		return sa > sb
	})
	keep := make([]bool, len(pr.Results))
	used := 0
	for _, i := range order {
		if used+sizes[i] > maxBytes {
			break
		}
		used += sizes[i]
		keep[i] = true
	}
	kept := pr.Results[:0]
	for i, res := range pr.Results {
		if keep[i] {
			kept = append(kept, res)
		}
	}
	omitted := len(pr.Results) - len(kept)
	pr.Results = kept
	return omitted
}
