// Package vap exports eksguard's object-local checks as Kubernetes ValidatingAdmissionPolicies
// (admissionregistration.k8s.io/v1): one policy per check, named eksguard-<slug> and
// labelled with the check ID, each with one binding. A check is exported when rules.go
// holds its CEL form; every other PodSpec or Object check is listed in unsupported.go with
// the reason, so the two lists always cover the catalogue's object-local checks.
package vap

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/exception"
)

// Labels and annotations set on every exported object.
const (
	LabelCheckID    = "eksguard.io/check-id"
	LabelManagedBy  = "app.kubernetes.io/managed-by"
	AnnotationTitle = "eksguard.io/title"
)

// Options shape the exported bindings. The namespace options are those of eksguard scan,
// so a binding covers the namespaces where the scan would fail the check.
type Options struct {
	// Action is the bindings' validation action: Deny (default), Warn or Audit.
	Action admissionv1.ValidationAction
	// ExemptNamespaces are added to the system namespaces (scan's --exempt-namespaces).
	ExemptNamespaces []string
	// IncludeSystemNamespaces binds checks that skip system namespaces there too (scan's
	// --include-system-namespaces). Pod Security Standards checks stay exempt there, as in a scan.
	IncludeSystemNamespaces bool
	// AllowedHostPathPrefixes are the hostPath prefixes EKS-POD-024 accepts (scan's
	// --allowed-hostpath-prefixes); without them every hostPath volume fails it, as in a scan.
	AllowedHostPathPrefixes []string
	// ApprovedRegistries are the host[/path] entries EKS-IMG-003 accepts (scan's
	// --approved-registries); without them, its default list.
	ApprovedRegistries []string
	// InlineExceptions honours eksguard.io/ignore annotations naming the check (a
	// matchCondition). Off by default: whoever creates an object controls its annotations.
	InlineExceptions bool
}

// ParseAction reads a validation action, case-insensitively.
func ParseAction(s string) (admissionv1.ValidationAction, error) {
	for _, a := range []admissionv1.ValidationAction{admissionv1.Deny, admissionv1.Warn, admissionv1.Audit} {
		if strings.EqualFold(s, string(a)) {
			return a, nil
		}
	}
	return "", fmt.Errorf("unknown action %q (want Deny, Warn or Audit)", s)
}

// Exported returns the checks among checks that have a CEL form, in their order.
func Exported(checks []*check.Check) []*check.Check {
	var out []*check.Check
	for _, c := range checks {
		if _, ok := rules[c.ID]; ok {
			out = append(out, c)
		}
	}
	return out
}

// Unsupported is a check the export leaves out, and why.
type Unsupported struct {
	Check  *check.Check
	Reason string
	// ObjectLocal is set for PodSpec and Object checks, which judge one object at a time
	// and so could be a policy; their reason is recorded in unsupported.go.
	ObjectLocal bool
}

// UnsupportedChecks lists the checks among checks that are not exported, with the reason.
// An Inventory check reads several objects or AWS data, which an admission policy, seeing
// one object, cannot; an object-local check without a recorded reason gets an empty one
// (the package's tests fail on it).
func UnsupportedChecks(checks []*check.Check) []Unsupported {
	var out []Unsupported
	for _, c := range checks {
		if _, ok := rules[c.ID]; ok {
			continue
		}
		u := Unsupported{Check: c, ObjectLocal: c.PodSpec != nil || c.Object != nil}
		switch {
		case u.ObjectLocal && c.NotAtAdmission != "":
			u.Reason = c.NotAtAdmission
		case u.ObjectLocal:
			u.Reason = unsupported[c.ID]
		case strings.HasPrefix(string(c.Source), "aws-"):
			u.Reason = "reads AWS data (" + string(c.Source) + "), which an admission policy cannot see"
		case c.Source == check.SourceK8sRBAC:
			u.Reason = "judges RBAC across roles, bindings and subjects; an admission policy sees one object at a time"
		case len(c.Reads) > 0:
			u.Reason = "reads several objects (" + strings.Join(c.Reads, ", ") + "); an admission policy sees one at a time"
		default:
			u.Reason = "reads several objects; an admission policy sees one at a time"
		}
		out = append(out, u)
	}
	return out
}

// PolicyName is the name of a check's policy and binding.
func PolicyName(c *check.Check) string { return "eksguard-" + c.Slug }

// workloadResources are the resources that carry a pod spec (check.WorkloadKinds), by group.
var workloadResources = []struct {
	group, version string
	resources      []string
}{
	{"", "v1", []string{"pods", "pods/ephemeralcontainers", "podtemplates", "replicationcontrollers"}},
	{"apps", "v1", []string{"deployments", "replicasets", "statefulsets", "daemonsets"}},
	{"batch", "v1", []string{"jobs", "cronjobs"}},
}

// podVariables locate the pod spec and metadata for every workload kind. The object is
// read as dyn so one expression serves every kind; the rules read fields optionally.
var podVariables = []admissionv1.Variable{
	{Name: "spec", Expression: `object.kind == 'Pod' ? dyn(object).spec : ` +
		`object.kind == 'PodTemplate' ? dyn(object).?template.?spec.orValue({}) : ` +
		`object.kind == 'CronJob' ? dyn(object).spec.jobTemplate.spec.?template.?spec.orValue({}) : ` +
		`dyn(object).spec.?template.?spec.orValue({})`},
	{Name: "meta", Expression: `object.kind == 'Pod' ? dyn(object).metadata : ` +
		`object.kind == 'PodTemplate' ? dyn(object).?template.?metadata.orValue({}) : ` +
		`object.kind == 'CronJob' ? dyn(object).spec.jobTemplate.spec.?template.?metadata.orValue({}) : ` +
		`dyn(object).spec.?template.?metadata.orValue({})`},
	{Name: "regularContainers", Expression: `variables.spec.?initContainers.orValue([]) + variables.spec.?containers.orValue([])`},
	{Name: "containers", Expression: `variables.regularContainers + variables.spec.?ephemeralContainers.orValue([])`},
	{Name: "windows", Expression: `variables.spec.?os.?name.orValue('') == 'windows'`},
	{Name: "userNamespace", Expression: `variables.spec.?hostUsers.orValue(true) == false`},
}

// specChanged limits updates to those that change the pod template or pod spec, as Pod
// Security Admission does: metadata-only updates of an object admitted before the policy
// (a finalizer removed, an owner reference or label changed) must not be blocked, or
// deleting and garbage-collecting existing workloads would stall.
var specChanged = admissionv1.MatchCondition{
	Name: "create-or-spec-update",
	Expression: `request.operation != 'UPDATE' || oldObject == null || ` +
		`(object.kind == 'PodTemplate' ? dyn(object).?template != dyn(oldObject).?template : dyn(object).?spec != dyn(oldObject).?spec)`,
}

// Policy builds the ValidatingAdmissionPolicy of an exported check; only the checks that
// take configuration read opts.
func Policy(c *check.Check, opts Options) (*admissionv1.ValidatingAdmissionPolicy, error) {
	r, ok := rules[c.ID]
	if !ok {
		return nil, fmt.Errorf("check %s has no CEL form", c.ID)
	}
	if r.build != nil {
		r.violations = r.build(opts)
	}
	fail := admissionv1.Fail
	ops := []admissionv1.OperationType{admissionv1.Create, admissionv1.Update}
	var rr []admissionv1.NamedRuleWithOperations
	vars := slices.Clone(podVariables)
	cond := specChanged
	if o := r.object; o != nil {
		rr = []admissionv1.NamedRuleWithOperations{{RuleWithOperations: admissionv1.RuleWithOperations{Operations: ops,
			Rule: admissionv1.Rule{APIGroups: []string{o.group}, APIVersions: []string{o.version}, Resources: []string{o.resource}}}}}
		vars = nil
		cond = admissionv1.MatchCondition{Name: "create-or-checked-update", Expression: `request.operation != 'UPDATE' || oldObject == null || ` + o.changed}
	} else {
		for _, w := range workloadResources {
			rr = append(rr, admissionv1.NamedRuleWithOperations{RuleWithOperations: admissionv1.RuleWithOperations{Operations: ops,
				Rule: admissionv1.Rule{APIGroups: []string{w.group}, APIVersions: []string{w.version}, Resources: w.resources}}})
		}
	}
	conds := []admissionv1.MatchCondition{cond}
	if opts.InlineExceptions {
		conds = append(conds, notExcepted(c, r.object == nil))
	}
	vars = append(vars, admissionv1.Variable{Name: "violations", Expression: r.violations})
	prefix := c.ID + " " + c.Title
	forbidden := metav1.StatusReasonForbidden
	return &admissionv1.ValidatingAdmissionPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: "admissionregistration.k8s.io/v1", Kind: "ValidatingAdmissionPolicy"},
		ObjectMeta: objectMeta(c),
		Spec: admissionv1.ValidatingAdmissionPolicySpec{
			FailurePolicy:    &fail,
			MatchConstraints: &admissionv1.MatchResources{ResourceRules: rr},
			MatchConditions:  conds,
			Variables:        vars,
			Validations: []admissionv1.Validation{{
				Expression:        "size(variables.violations) == 0",
				Message:           prefix,
				MessageExpression: "'" + celEscape(prefix) + ": ' + variables.violations.join('; ')",
				Reason:            &forbidden,
			}},
		},
	}, nil
}

// ignoreOf reads the eksguard.io/ignore annotation of a metadata expression, ” when absent.
func ignoreOf(meta string) string {
	return meta + `.?annotations[?'` + exception.Annotation + `'].orValue('')`
}

// notExcepted skips objects that carry an eksguard.io/ignore annotation naming the check (its
// ID or slug, case-insensitively) with a reason, on their own metadata or, for workloads, on
// the pod template's, as scan and the webhook read it. Globs and exceptions files are not
// honoured here (the policy sees the object only); README says so.
func notExcepted(c *check.Check, podSpec bool) admissionv1.MatchCondition {
	annotations := ignoreOf("dyn(object).metadata")
	if podSpec {
		annotations += ` + '\n' + (object.kind == 'Pod' ? '' : ` +
			`object.kind == 'PodTemplate' ? ` + ignoreOf("dyn(object).?template.?metadata.orValue({})") + ` : ` +
			`object.kind == 'CronJob' ? ` + ignoreOf("dyn(object).?spec.?jobTemplate.?spec.?template.?metadata.orValue({})") + ` : ` +
			ignoreOf("dyn(object).?spec.?template.?metadata.orValue({})") + `)`
	}
	item := `(?i)(^|[;\n])[ \t]*(` + regexp.QuoteMeta(c.ID) + `|` + regexp.QuoteMeta(c.Slug) + `)[ \t]*:[ \t]*[^;\n \t]`
	return admissionv1.MatchCondition{Name: "not-excepted", Expression: `!(` + annotations + `).matches('` + celEscape(item) + `')`}
}

func objectMeta(c *check.Check) metav1.ObjectMeta {
	return metav1.ObjectMeta{
		Name:        PolicyName(c),
		Labels:      map[string]string{LabelCheckID: c.ID, LabelManagedBy: "eksguard"},
		Annotations: map[string]string{AnnotationTitle: c.Title},
	}
}

func celEscape(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), "'", `\'`)
}

// ExcludedNamespaces are the namespaces a check's binding leaves out under opts: those a
// scan does not fail the check in (system namespaces for checks that skip or exempt them).
func ExcludedNamespaces(c *check.Check, opts Options) []string {
	switch c.SystemNamespaces {
	case check.ExemptSystemNamespaces:
	case check.SkipSystemNamespaces:
		if opts.IncludeSystemNamespaces {
			return nil
		}
	default:
		return nil
	}
	ns := append(slices.Clone(check.DefaultSystemNamespaces), opts.ExemptNamespaces...)
	sort.Strings(ns)
	return slices.Compact(ns)
}

// Binding builds the binding of a check's policy.
func Binding(c *check.Check, opts Options) *admissionv1.ValidatingAdmissionPolicyBinding {
	action := opts.Action
	if action == "" {
		action = admissionv1.Deny
	}
	b := &admissionv1.ValidatingAdmissionPolicyBinding{
		TypeMeta:   metav1.TypeMeta{APIVersion: "admissionregistration.k8s.io/v1", Kind: "ValidatingAdmissionPolicyBinding"},
		ObjectMeta: objectMeta(c),
		Spec: admissionv1.ValidatingAdmissionPolicyBindingSpec{
			PolicyName:        PolicyName(c),
			ValidationActions: []admissionv1.ValidationAction{action},
		},
	}
	if ns := ExcludedNamespaces(c, opts); len(ns) > 0 {
		b.Spec.MatchResources = &admissionv1.MatchResources{NamespaceSelector: &metav1.LabelSelector{
			MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "kubernetes.io/metadata.name", Operator: metav1.LabelSelectorOpNotIn, Values: ns}},
		}}
	}
	return b
}

// Object is one exported policy or binding.
type Object interface{ GetName() string }

// Objects builds the policy and binding of every exported check among checks.
func Objects(checks []*check.Check, opts Options) ([]Object, error) {
	var out []Object
	for _, c := range Exported(checks) {
		p, err := Policy(c, opts)
		if err != nil {
			return nil, err
		}
		out = append(out, p, Binding(c, opts))
	}
	return out, nil
}

// WriteYAML renders the export as one multi-document YAML stream. A comment header names
// the exported checks and lists the object-local checks left out, with the reason.
func WriteYAML(checks []*check.Check, opts Options) ([]byte, error) {
	objs, err := Objects(checks, opts)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString("# ValidatingAdmissionPolicies generated by eksguard policy export --format vap.\n")
	fmt.Fprintf(&b, "# %d checks exported, one policy and one binding each (validationActions: %s).\n", len(objs)/2, orDeny(opts.Action))
	b.WriteString("# Object-local checks not exported, and why:\n")
	others := 0
	for _, u := range UnsupportedChecks(checks) {
		if !u.ObjectLocal {
			others++
			continue
		}
		fmt.Fprintf(&b, "#   %s %s: %s\n", u.Check.ID, u.Check.Slug, u.Reason)
	}
	fmt.Fprintf(&b, "# %d checks that read several objects or AWS data are not exported either (eksguard policy export --list-unsupported).\n", others)
	for _, o := range objs {
		m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(o)
		if err != nil {
			return nil, err
		}
		delete(m, "status") // written by the API server
		if md, ok := m["metadata"].(map[string]any); ok {
			delete(md, "creationTimestamp")
		}
		data, err := yaml.Marshal(m)
		if err != nil {
			return nil, err
		}
		b.WriteString("---\n")
		b.Write(data)
	}
	return b.Bytes(), nil
}

func orDeny(a admissionv1.ValidationAction) admissionv1.ValidationAction {
	if a == "" {
		return admissionv1.Deny
	}
	return a
}

// Markdown renders docs/admission-policies.md: the exported checks and the object-local
// checks left out, with the reason.
func Markdown(checks []*check.Check) []byte {
	var b bytes.Buffer
	b.WriteString("# Admission policies: `eksguard policy export --format vap`\n\n")
	b.WriteString("<!-- Generated from internal/policy/vap; a test fails when this file is stale. " +
		"Regenerate with EKSGUARD_UPDATE_GOLDEN=1 go test ./internal/policy/vap -run TestDocs. -->\n\n")
	b.WriteString("Each exported check is one ValidatingAdmissionPolicy and one binding named `eksguard-<slug>`. " +
		"The parity test submits the check's fixtures to a real kube-apiserver with the policies installed " +
		"and requires the policy to deny exactly the workloads `eksguard scan` fails.\n\n")
	b.WriteString("## Exported\n\n| ID | Slug | Title | System namespaces |\n|---|---|---|---|\n")
	for _, c := range Exported(checks) {
		ns := "bound everywhere"
		switch c.SystemNamespaces {
		case check.ExemptSystemNamespaces:
			ns = "exempt (left out of the binding)"
		case check.SkipSystemNamespaces:
			ns = "left out unless --include-system-namespaces"
		}
		fmt.Fprintf(&b, "| %s | `%s` | %s | %s |\n", c.ID, c.Slug, c.Title, ns)
	}
	b.WriteString("\n## Not exported\n\n| ID | Slug | Why |\n|---|---|---|\n")
	for _, u := range UnsupportedChecks(checks) {
		fmt.Fprintf(&b, "| %s | `%s` | %s |\n", u.Check.ID, u.Check.Slug, u.Reason)
	}
	return b.Bytes()
}
