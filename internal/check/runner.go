package check

import (
	"context"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

// DefaultSystemNamespaces are SYSTEM_NAMESPACES before configuration adds more.
var DefaultSystemNamespaces = []string{"kube-system", "kube-public", "kube-node-lease"}

// Config carries the catalogue's configurable settings.
type Config struct {
	// ExemptNamespaces are added to the system namespaces.
	ExemptNamespaces []string
	// IncludeSystemNamespaces reports checks that otherwise skip system namespaces.
	IncludeSystemNamespaces bool
	// RequireCPULimit makes EKS-POD-025 require limits.cpu too.
	RequireCPULimit bool
	// AllowedHostPathPrefixes are the hostPath prefixes EKS-POD-024 accepts.
	AllowedHostPathPrefixes []string
	// ApprovedRegistries are the image registries EKS-IMG-003 accepts (host[/path] prefixes).
	ApprovedRegistries []string
	// RBACExempt adds Role/ClusterRole names to RBAC_EXEMPT.
	RBACExempt []string
}

// IsSystemNamespace reports whether ns is in SYSTEM_NAMESPACES.
func (c Config) IsSystemNamespace(ns string) bool {
	return slices.Contains(DefaultSystemNamespaces, ns) || slices.Contains(c.ExemptNamespaces, ns)
}

// Reporter collects one check's findings; checks call Fail for each problem found.
type Reporter struct {
	check    *Check
	Config   Config
	findings []Finding
}

// Fail reports the field at path of obj (relative to the object root) at the check's severity.
func (r *Reporter) Fail(obj *inventory.Object, path fieldpath.Path, message string) {
	r.FailWith(obj, path, r.check.Severity, message)
}

// FailWith reports with a severity other than the check's default (the catalogue raises
// or lowers some findings, e.g. SYS_ADMIN makes EKS-POD-005 critical).
func (r *Reporter) FailWith(obj *inventory.Object, path fieldpath.Path, sev Severity, message string) {
	exempt := false
	if r.check.SystemNamespaces != CheckSystemNamespaces && r.Config.IsSystemNamespace(namespaceOf(obj)) {
		if r.check.SystemNamespaces == SkipSystemNamespaces && !r.Config.IncludeSystemNamespaces {
			return
		}
		exempt = r.check.SystemNamespaces == ExemptSystemNamespaces
	}
	r.findings = append(r.findings, Finding{
		CheckID: r.check.ID, Title: r.check.Title, Severity: sev, Status: StatusFail,
		Object: obj.ObjectRef, Path: path, Position: obj.Position(path), Message: message,
		Exempt: exempt, Remediation: r.check.Remediation, seq: obj.Seq,
	})
}

// namespaceOf is the namespace an object lives in, or names (for a Namespace object).
func namespaceOf(o *inventory.Object) string {
	if o.Kind == "Namespace" && o.Group() == "" {
		return o.Name
	}
	return o.Namespace
}

// Run evaluates checks against a sealed inventory, concurrently, and returns findings in a
// deterministic order: file, line, column, check ID, field path.
func Run(ctx context.Context, inv *inventory.Inventory, checks []*Check, cfg Config) ([]Finding, error) {
	inv.Seal()
	results := make([][]Finding, len(checks))
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for i, c := range checks {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			r := &Reporter{check: c, Config: cfg}
			switch {
			case c.PodSpec != nil:
				for _, p := range inv.PodSpecs() {
					c.PodSpec(p, r)
				}
			case c.Object != nil:
				for _, kind := range c.Kinds {
					for _, o := range inv.OfKind(kind) {
						c.Object(o, r)
					}
				}
			case c.Inventory != nil:
				c.Inventory(inv, r)
			}
			results[i] = r.findings
		}()
	}
	wg.Wait()
	var all []Finding
	for _, fs := range results {
		all = append(all, fs...)
	}
	SortFindings(all)
	return all, ctx.Err()
}

// SortFindings orders findings deterministically.
func SortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := &fs[i], &fs[j]
		if a.Position.File != b.Position.File {
			return a.Position.File < b.Position.File
		}
		if a.seq != b.seq && a.Position.File == "" {
			return a.seq < b.seq
		}
		if a.Position.Line != b.Position.Line {
			return a.Position.Line < b.Position.Line
		}
		if a.Position.Column != b.Position.Column {
			return a.Position.Column < b.Position.Column
		}
		if a.CheckID != b.CheckID {
			return a.CheckID < b.CheckID
		}
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return strings.Compare(a.Message, b.Message) < 0
	})
}
