// Package admission is eksguard's validating admission webhook: it evaluates the object of
// each AdmissionReview (and the pod template of a workload) with the same object-local
// checks `eksguard scan` runs, and denies, warns or only records what fails, per namespace.
//
// Only checks that look at one object at a time (PodSpec and Object checks) run here: a
// check over the whole inventory (NetworkPolicy coverage, RBAC, AWS) would judge a lone
// object against an inventory of one and be wrong.
package admission

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/exception"
	"github.com/eksguard/eksguard/internal/inventory"
)

// Mode is what the webhook does with failing findings.
type Mode string

// Modes. ModeLabel on a namespace overrides the global mode for objects in it.
const (
	// ModeEnforce denies objects with findings at or above the fail-on severity and
	// returns the others as warnings.
	ModeEnforce Mode = "enforce"
	// ModeWarn admits every object and returns its findings as admission warnings, which
	// kubectl prints.
	ModeWarn Mode = "warn"
	// ModeAudit admits every object silently, logging and counting its findings.
	ModeAudit Mode = "audit"
	// ModeOff skips evaluation.
	ModeOff Mode = "off"

	ModeLabel = "eksguard.io/mode"
)

// ParseMode reads a mode name.
func ParseMode(s string) (Mode, error) {
	switch m := Mode(strings.ToLower(strings.TrimSpace(s))); m {
	case ModeEnforce, ModeWarn, ModeAudit, ModeOff:
		return m, nil
	}
	return "", fmt.Errorf("unknown mode %q (want enforce, warn, audit or off)", s)
}

// DefaultExcludedNamespaces are never evaluated: the control plane's own namespaces, where a
// denial can break the cluster. The webhook's own namespace is added by the command.
var DefaultExcludedNamespaces = []string{"kube-system", "kube-node-lease"}

// Options configure a Reviewer.
type Options struct {
	// Mode applies where a namespace carries no ModeLabel (default ModeWarn).
	Mode Mode
	// FailOn is the lowest severity ModeEnforce denies; lower ones become warnings.
	FailOn check.Severity
	// Checks are the checks to run; those that are not object-local are dropped.
	Checks []*check.Check
	// Config is the catalogue configuration (system namespaces, allowed hostPath prefixes, ...).
	Config check.Config
	// Exceptions, when set, cover findings as in a scan (exceptions files and, if the set
	// allows, eksguard.io/ignore annotations on the object).
	Exceptions *exception.Set
	// ExcludedNamespaces are admitted without evaluation.
	ExcludedNamespaces []string
	// NamespaceLabels returns the labels of a namespace, or false when unknown (then the
	// global mode applies). Nil: every namespace uses the global mode.
	NamespaceLabels func(name string) (map[string]string, bool)
	// Timeout bounds one evaluation (default 2 s, well inside the API server's webhook
	// timeout, so the server never waits on us longer than we allow).
	Timeout time.Duration
	// FailClosed denies when evaluation fails or times out; the default admits with a
	// warning (the same trade-off as the webhook configuration's failurePolicy).
	FailClosed bool
	Logger     *slog.Logger
	Metrics    *Metrics
}

// Reviewer answers admission requests.
type Reviewer struct {
	opts     Options
	checks   []*check.Check
	excluded map[string]bool
}

// NewReviewer builds a Reviewer with the object-local checks of opts.Checks.
func NewReviewer(opts Options) *Reviewer {
	if opts.Mode == "" {
		opts.Mode = ModeWarn
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 2 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	r := &Reviewer{opts: opts, excluded: map[string]bool{}}
	for _, c := range opts.Checks {
		if Admissible(c) {
			r.checks = append(r.checks, c)
		}
	}
	for _, ns := range opts.ExcludedNamespaces {
		r.excluded[ns] = true
	}
	return r
}

// ObjectLocal reports whether a check judges one object by itself.
func ObjectLocal(c *check.Check) bool { return c.PodSpec != nil || c.Object != nil }

// Admissible reports whether the webhook runs a check.
func Admissible(c *check.Check) bool { return ObjectLocal(c) && c.NotAtAdmission == "" }

// Checks are the checks the reviewer runs.
func (r *Reviewer) Checks() []*check.Check { return r.checks }

// Decision is what a review decided, for logs, metrics and tests.
type Decision string

// Decisions.
const (
	DecisionAllow    Decision = "allow"    // nothing failed
	DecisionDeny     Decision = "deny"     // enforce mode, a finding at or above FailOn
	DecisionWarn     Decision = "warn"     // admitted with warnings
	DecisionAudit    Decision = "audit"    // admitted; findings logged and counted
	DecisionExcluded Decision = "excluded" // namespace excluded or mode off
	DecisionError    Decision = "error"    // evaluation failed
)

// Review evaluates one request.
func (r *Reviewer) Review(ctx context.Context, req *admissionv1.AdmissionRequest) *admissionv1.AdmissionResponse {
	start := time.Now()
	resp, decision, findings := r.review(ctx, req)
	resp.UID = req.UID
	elapsed := time.Since(start)
	kind := req.Kind.Kind
	if r.opts.Metrics != nil {
		r.opts.Metrics.observe(kind, string(req.Operation), decision, findings, elapsed)
	}
	attrs := []any{
		"uid", string(req.UID), "operation", string(req.Operation), "kind", kind,
		"namespace", req.Namespace, "name", req.Name, "user", req.UserInfo.Username,
		"decision", string(decision), "ms", float64(elapsed.Microseconds()) / 1000,
	}
	if len(findings) > 0 {
		ids := make([]string, 0, len(findings))
		for _, f := range findings {
			ids = append(ids, f.CheckID)
		}
		slices.Sort(ids)
		attrs = append(attrs, "checks", strings.Join(slices.Compact(ids), ","))
	}
	level := slog.LevelInfo
	if decision == DecisionAllow || decision == DecisionExcluded {
		level = slog.LevelDebug
	}
	r.opts.Logger.Log(ctx, level, "admission review", attrs...)
	return resp
}

func (r *Reviewer) review(ctx context.Context, req *admissionv1.AdmissionRequest) (*admissionv1.AdmissionResponse, Decision, []check.Finding) {
	allow := &admissionv1.AdmissionResponse{Allowed: true}
	if req.Operation != admissionv1.Create && req.Operation != admissionv1.Update || len(req.Object.Raw) == 0 {
		return allow, DecisionExcluded, nil
	}
	if req.SubResource != "" && req.SubResource != "ephemeralcontainers" {
		return allow, DecisionExcluded, nil // status, scale, binding...: no new spec to judge
	}
	if r.excluded[req.Namespace] {
		return allow, DecisionExcluded, nil
	}
	mode := r.modeOf(req.Namespace)
	if mode == ModeOff {
		return allow, DecisionExcluded, nil
	}
	findings, excepted, err := r.evaluateWithin(ctx, req)
	if err != nil {
		msg := "eksguard could not evaluate this object: " + err.Error()
		r.opts.Logger.Warn("admission evaluation failed", "uid", string(req.UID), "kind", req.Kind.Kind,
			"namespace", req.Namespace, "name", req.Name, "error", err.Error())
		if r.opts.FailClosed && mode == ModeEnforce {
			return deny(msg), DecisionError, nil
		}
		allow.Warnings = []string{msg}
		return allow, DecisionError, nil
	}
	if len(excepted) > 0 {
		// Exceptions are decisions someone took: they are logged, never silent.
		r.opts.Logger.Info("admission findings excepted", "uid", string(req.UID), "kind", req.Kind.Kind,
			"namespace", req.Namespace, "name", req.Name, "user", req.UserInfo.Username, "exceptions", excepted)
	}
	if len(findings) == 0 {
		return allow, DecisionAllow, nil
	}
	var blocking, other []check.Finding
	for _, f := range findings {
		if mode == ModeEnforce && f.Severity >= r.opts.FailOn {
			blocking = append(blocking, f)
		} else {
			other = append(other, f)
		}
	}
	switch {
	case len(blocking) > 0:
		resp := deny(denyMessage(req, blocking))
		resp.Warnings = warnings(other)
		return resp, DecisionDeny, findings
	case mode == ModeAudit:
		return allow, DecisionAudit, findings
	}
	allow.Warnings = warnings(other)
	return allow, DecisionWarn, findings
}

func (r *Reviewer) modeOf(namespace string) Mode {
	if namespace == "" || r.opts.NamespaceLabels == nil {
		return r.opts.Mode
	}
	labels, ok := r.opts.NamespaceLabels(namespace)
	if !ok {
		return r.opts.Mode
	}
	if m, err := ParseMode(labels[ModeLabel]); err == nil {
		return m
	}
	return r.opts.Mode
}

// evaluateWithin runs evaluate, giving up after the timeout. Evaluation itself does not
// stop at the deadline (one object's checks are short and bounded); a result that arrives
// in time is used whole, one that does not is an error.
func (r *Reviewer) evaluateWithin(ctx context.Context, req *admissionv1.AdmissionRequest) ([]check.Finding, []string, error) {
	type result struct {
		findings []check.Finding
		excepted []string
		err      error
	}
	done := make(chan result, 1)
	go func() {
		f, e, err := r.evaluate(context.WithoutCancel(ctx), req)
		done <- result{f, e, err}
	}()
	timer := time.NewTimer(r.opts.Timeout)
	defer timer.Stop()
	select {
	case res := <-done:
		return res.findings, res.excepted, res.err
	case <-timer.C:
		return nil, nil, fmt.Errorf("evaluation took longer than %s", r.opts.Timeout)
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	}
}

// evaluate runs the checks on the request's object and returns the failing findings that
// count (not exempt, not excepted), and the excepted ones as "CHECK-ID by SOURCE".
func (r *Reviewer) evaluate(ctx context.Context, req *admissionv1.AdmissionRequest) ([]check.Finding, []string, error) {
	var u unstructured.Unstructured
	if err := u.UnmarshalJSON(req.Object.Raw); err != nil {
		return nil, nil, fmt.Errorf("decode %s: %w", req.Kind.Kind, err)
	}
	raw := u.Object
	md, _ := raw["metadata"].(map[string]any)
	if md == nil {
		md = map[string]any{}
		raw["metadata"] = md
	}
	delete(md, "managedFields")
	// kubectl's last-applied annotation repeats the object, a Secret's data included.
	if annotations, ok := md["annotations"].(map[string]any); ok {
		delete(annotations, lastApplied)
	}
	name := u.GetName()
	if name == "" {
		name = req.Name
	}
	if name == "" && u.GetGenerateName() != "" {
		name = u.GetGenerateName() + "*"
	}
	ns := u.GetNamespace()
	if ns == "" {
		ns = req.Namespace
		if ns != "" {
			md["namespace"] = ns
		}
	}
	if u.GetKind() == "Secret" && u.GroupVersionKind().Group == "" {
		// Values never reach a check, a log or a message.
		for _, field := range []string{"data", "stringData"} {
			if m, ok := raw[field].(map[string]any); ok {
				for k := range m {
					m[k] = ""
				}
			}
		}
	}
	obj := &inventory.Object{
		ObjectRef: inventory.ObjectRef{APIVersion: u.GetAPIVersion(), Kind: u.GetKind(), Namespace: ns, Name: name, UID: string(u.GetUID())},
		Raw:       raw,
		Origin:    inventory.Origin{Item: -1, Live: &inventory.LiveRef{Cluster: "admission"}},
	}
	if problems := obj.Decode(); len(problems) > 0 && obj.Typed == nil {
		return nil, nil, fmt.Errorf("decode %s: %s", u.GetKind(), problems[0].Message)
	}
	inv := &inventory.Inventory{}
	inv.Add(obj)
	cfg := r.opts.Config
	if r.opts.Exceptions != nil {
		m, _ := r.opts.Exceptions.At(time.Now()).Bind(inv)
		cfg.Exceptions = m
	}
	out, err := check.Evaluate(ctx, inv, r.checks, cfg)
	if err != nil {
		return nil, nil, err
	}
	var failing []check.Finding
	var excepted []string
	for _, f := range out.Findings {
		switch {
		case f.Fails():
			failing = append(failing, f)
		case f.Exception != nil:
			excepted = append(excepted, f.CheckID+" by "+f.Exception.Source)
		}
	}
	return failing, excepted, nil
}

// lastApplied is kubectl's record of the last applied manifest.
const lastApplied = "kubectl.kubernetes.io/last-applied-configuration"

func deny(msg string) *admissionv1.AdmissionResponse {
	return &admissionv1.AdmissionResponse{Allowed: false, Result: &metav1.Status{
		Status: metav1.StatusFailure, Code: 403, Reason: metav1.StatusReasonForbidden, Message: msg,
	}}
}

// maxMessage bounds the denial message; the API server prints it whole.
const maxMessage = 4000

func denyMessage(req *admissionv1.AdmissionRequest, fs []check.Finding) string {
	var b strings.Builder
	fmt.Fprintf(&b, "eksguard denied this %s: %d check(s) failed", req.Kind.Kind, len(fs))
	for i, f := range fs {
		line := fmt.Sprintf("\n- [%s %s] %s: %s (fix: %s)", f.CheckID, f.Severity, f.Path, f.Message, f.Remediation)
		if b.Len()+len(line) > maxMessage {
			fmt.Fprintf(&b, "\n- and %d more", len(fs)-i)
			break
		}
		b.WriteString(line)
	}
	return b.String()
}

// maxWarnings and maxWarning keep warnings within what the API server passes on (it
// truncates long warnings and drops them past a total size).
const (
	maxWarnings = 20
	maxWarning  = 240
)

func warnings(fs []check.Finding) []string {
	var out []string
	for i, f := range fs {
		if i == maxWarnings {
			out = append(out, fmt.Sprintf("eksguard: and %d more findings", len(fs)-i))
			break
		}
		w := fmt.Sprintf("eksguard %s (%s) %s: %s", f.CheckID, f.Severity, f.Path, f.Message)
		if len(w) > maxWarning {
			n := maxWarning - 3
			for n > 0 && !utf8.RuneStart(w[n]) { // never split a character
				n--
			}
			w = w[:n] + "..."
		}
		out = append(out, w)
	}
	return out
}
