// Package scan runs the offline pipeline every manifest mode shares: load the inputs into an
// inventory, run the selected checks, and filter the findings. The CLI, the benchmarks and
// tests call it so they measure and test the same path.
package scan

import (
	"context"
	"fmt"
	"path"
	"strings"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
	"github.com/eksguard/eksguard/internal/source/files"
)

// Options select what to scan and which findings to keep.
type Options struct {
	Files files.Options
	// Checks and SkipChecks are check IDs, slugs or globs (EKS-POD-*); empty Checks means all.
	Checks     []string
	SkipChecks []string
	// MinSeverity drops findings below it.
	MinSeverity check.Severity
	// Namespace keeps only findings in that namespace (see KeepNamespace).
	Namespace string
	Config    check.Config
}

// Result is one scan's outcome.
type Result struct {
	Inventory *inventory.Inventory
	Checks    []*check.Check
	Findings  []check.Finding
}

// Files scans manifest paths.
func Files(ctx context.Context, paths []string, opts Options) (*Result, error) {
	checks, err := Select(opts.Checks, opts.SkipChecks)
	if err != nil {
		return nil, err
	}
	inv, err := files.Load(ctx, paths, opts.Files)
	if err != nil {
		return nil, err
	}
	return Inventory(ctx, inv, checks, opts)
}

// Inventory runs checks on an inventory that is already loaded.
func Inventory(ctx context.Context, inv *inventory.Inventory, checks []*check.Check, opts Options) (*Result, error) {
	findings, err := check.Run(ctx, inv, checks, opts.Config)
	if err != nil {
		return nil, err
	}
	kept := findings[:0]
	for _, f := range findings {
		if f.Severity >= opts.MinSeverity && KeepNamespace(f.Object, opts.Namespace) {
			kept = append(kept, f)
		}
	}
	return &Result{Inventory: inv, Checks: checks, Findings: kept}, nil
}

// clusterScoped lists the cluster-scoped kinds the checks report on.
var clusterScoped = map[string]bool{
	"Namespace": true, "Node": true, "ClusterRole": true, "ClusterRoleBinding": true,
	"PersistentVolume": true, "StorageClass": true, "CustomResourceDefinition": true,
	"ValidatingWebhookConfiguration": true, "MutatingWebhookConfiguration": true,
	"ValidatingAdmissionPolicy": true, "ValidatingAdmissionPolicyBinding": true,
}

// KeepNamespace implements --namespace: objects in ns, the Namespace object ns itself, and
// namespaced objects that leave metadata.namespace empty (kubectl apply -n ns puts them
// there). Other cluster-scoped objects are dropped.
func KeepNamespace(ref inventory.ObjectRef, ns string) bool {
	if ns == "" {
		return true
	}
	if ref.Kind == "Namespace" {
		return ref.Name == ns
	}
	if clusterScoped[ref.Kind] {
		return false
	}
	return ref.Namespace == ns || ref.Namespace == ""
}

// Select resolves --checks and --skip-checks against the registry. Each pattern is an ID, a
// slug or a glob over IDs (EKS-POD-0*); a pattern that matches nothing is an error, so a
// typo never silently disables a check.
func Select(include, exclude []string) ([]*check.Check, error) {
	all, err := check.All()
	if err != nil {
		return nil, err
	}
	match := func(patterns []string) (map[string]bool, error) {
		ids := map[string]bool{}
		for _, p := range patterns {
			p = strings.TrimSpace(p)
			if p == "" {
				continue
			}
			n := 0
			for _, c := range all {
				ok, err := path.Match(strings.ToUpper(p), c.ID)
				if err != nil {
					return nil, fmt.Errorf("bad check pattern %q: %w", p, err)
				}
				if ok || c.Slug == strings.ToLower(p) {
					ids[c.ID] = true
					n++
				}
			}
			if n == 0 {
				return nil, fmt.Errorf("no check matches %q (see eksguard checks)", p)
			}
		}
		return ids, nil
	}
	in, err := match(include)
	if err != nil {
		return nil, err
	}
	out, err := match(exclude)
	if err != nil {
		return nil, err
	}
	var selected []*check.Check
	for _, c := range all {
		if (len(in) == 0 || in[c.ID]) && !out[c.ID] {
			selected = append(selected, c)
		}
	}
	return selected, nil
}
