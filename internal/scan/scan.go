// Package scan runs the offline pipeline every manifest mode shares: load the inputs into an
// inventory, run the selected checks, filter the findings and score the run. The CLI, the
// benchmarks and tests call it so they measure and test the same path.
package scan

import (
	"context"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/eksguard/eksguard/internal/baseline"
	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/exception"
	"github.com/eksguard/eksguard/internal/inventory"
	"github.com/eksguard/eksguard/internal/source/files"
	"github.com/eksguard/eksguard/spec"
)

// ManifestSources are the data sources a manifest scan has.
var ManifestSources = []check.Source{check.SourceK8sObjects, check.SourceK8sRBAC}

// Options select what to scan and which findings to keep.
type Options struct {
	Files files.Options
	// Checks and SkipChecks are check IDs, slugs or globs (EKS-POD-*); empty Checks means all.
	Checks     []string
	SkipChecks []string
	// Frameworks keeps only checks of these frameworks (empty: all).
	Frameworks []check.Framework
	// MinSeverity drops findings below it.
	MinSeverity check.Severity
	// Namespace keeps only findings in that namespace (see KeepNamespace).
	Namespace string
	Config    check.Config
	// Sources are the data sources this scan has (default ManifestSources).
	Sources []check.Source
	// Exceptions, when set, marks the findings exceptions cover as excepted.
	Exceptions *Exceptions
	// Baseline, when set, keeps only findings that are not in this earlier report (see
	// internal/baseline); BaselineFile names it in the summary.
	Baseline     *baseline.Report
	BaselineFile string
}

// Exceptions says where a run's exceptions come from.
type Exceptions struct {
	// Files are exceptions files to read (--exceptions), before the discovered ones.
	Files []string
	// Discover also reads the .eksguard.yaml files exception.Discover finds for the
	// inventory's inputs: at the root of each directory scanned, else in the current
	// directory (files, stdin, a cluster or a snapshot).
	Discover bool
	// Inline reads eksguard.io/ignore annotations (--no-inline-exceptions turns it off).
	Inline bool
	// Now is the time expiry dates are judged at.
	Now time.Time
}

// Result is one scan's outcome.
type Result struct {
	Inventory *inventory.Inventory
	// Checks are the checks that ran; Results says how each fared.
	Checks   []*check.Check
	Results  []check.Result
	Findings []check.Finding
	// Pending are the selected catalogue checks that could not run.
	Pending []check.Pending
	Scores  check.Scores
	// Exceptions lists every exception of the run with what it suppressed (nil without
	// Options.Exceptions).
	Exceptions []exception.Use
	// Baseline counts new, unchanged and fixed findings (nil without Options.Baseline).
	Baseline *baseline.Summary
}

// Files scans manifest paths.
func Files(ctx context.Context, paths []string, opts Options) (*Result, error) {
	plan, err := Plan(opts)
	if err != nil {
		return nil, err
	}
	inv, err := files.Load(ctx, paths, opts.Files)
	if err != nil {
		return nil, err
	}
	return plan.Run(ctx, inv, opts)
}

// Selection is the set of checks a scan runs and the catalogue checks it cannot.
type Selection struct {
	Checks  []*check.Check
	Pending []check.Pending
}

// Plan resolves --checks, --skip-checks and --framework against the catalogue and the
// registry. Each pattern is an ID, a slug or a glob over IDs (EKS-POD-0*); a pattern that
// matches no catalogue check is an error, so a typo never silently disables a check.
func Plan(opts Options) (*Selection, error) {
	all, err := check.All()
	if err != nil {
		return nil, err
	}
	cat, err := spec.Load()
	if err != nil {
		return nil, err
	}
	sources := opts.Sources
	if len(sources) == 0 {
		sources = ManifestSources
	}
	slugs := map[string]string{}
	registered := map[string]*check.Check{}
	for _, c := range all {
		slugs[c.ID], registered[c.ID] = c.Slug, c
	}
	matchAny := func(patterns []string, id string) (bool, error) {
		for _, p := range patterns {
			ok, err := path.Match(strings.ToUpper(strings.TrimSpace(p)), id)
			if err != nil {
				return false, fmt.Errorf("bad check pattern %q: %w", p, err)
			}
			if ok || (slugs[id] != "" && slugs[id] == strings.ToLower(strings.TrimSpace(p))) {
				return true, nil
			}
		}
		return false, nil
	}
	for _, patterns := range [][]string{opts.Checks, opts.SkipChecks} {
		for _, p := range patterns {
			n := 0
			for _, e := range cat.Checks {
				if ok, err := matchAny([]string{p}, e.ID); err != nil {
					return nil, err
				} else if ok {
					n++
				}
			}
			if n == 0 && strings.TrimSpace(p) != "" {
				return nil, fmt.Errorf("no check matches %q (see eksguard checks)", p)
			}
		}
	}
	sel := &Selection{}
	for _, e := range cat.Checks {
		refs := EntryReferences(e)
		if len(opts.Frameworks) > 0 && !slices.ContainsFunc(opts.Frameworks, refs.In) {
			continue
		}
		if in, err := matchAny(opts.Checks, e.ID); err != nil || (len(opts.Checks) > 0 && !in) {
			continue
		}
		if out, _ := matchAny(opts.SkipChecks, e.ID); out {
			continue
		}
		c, implemented := registered[e.ID]
		available := slices.Contains(sources, check.Source(e.Source))
		switch {
		case implemented && available:
			sel.Checks = append(sel.Checks, c)
		case !available:
			sel.Pending = append(sel.Pending, check.Pending{ID: e.ID, Section: e.Section, Source: check.Source(e.Source), References: refs, Reason: check.NeedsData})
		default:
			sel.Pending = append(sel.Pending, check.Pending{ID: e.ID, Section: e.Section, Source: check.Source(e.Source), References: refs, Reason: check.NotImplemented})
		}
	}
	return sel, nil
}

// EntryReferences converts a catalogue entry's references.
func EntryReferences(e spec.Entry) check.References {
	return check.References{Guide: e.Ref("guide"), CISEKS: e.Ref("cis_eks"), CISEKSLegacy: e.Ref("cis_eks_legacy"), PSS: e.Ref("pss")}
}

// Run runs the selection on an inventory that is already loaded, applies exceptions,
// filters, compares with the baseline and scores. Malformed exceptions files are an error;
// malformed eksguard.io/ignore annotations and expired exceptions are input problems.
func (s *Selection) Run(ctx context.Context, inv *inventory.Inventory, opts Options) (*Result, error) {
	cfg := opts.Config
	var matcher *exception.Matcher
	var set *exception.Set
	if ex := opts.Exceptions; ex != nil {
		var err error
		if set, err = loadExceptions(ex, inv.Inputs); err != nil {
			return nil, err
		}
		var problems []inventory.Problem
		matcher, problems = set.Bind(inv)
		inv.Report(problems...)
		inv.Report(set.ExpiryProblems()...)
		inventory.SortProblems(inv.Problems)
		cfg.Exceptions = matcher
	}
	out, err := check.Evaluate(ctx, inv, s.Checks, cfg)
	if err != nil {
		return nil, err
	}
	ran := map[string]bool{}
	for _, r := range out.Results {
		if !r.Gap {
			ran[r.Check.ID] = true
		}
	}
	var uses []exception.Use
	if matcher != nil {
		uses = matcher.Uses(out.Findings, ran)
	}
	kept := out.Findings[:0]
	for _, f := range out.Findings {
		if f.Severity >= opts.MinSeverity && KeepNamespace(f.Object, opts.Namespace) {
			kept = append(kept, f)
		}
	}
	if opts.Namespace != "" {
		// Score what is reported: failures outside the namespace do not fail its controls.
		failed := map[string]int{}
		for i := range kept {
			if kept[i].Fails() && kept[i].Severity > check.Info {
				failed[kept[i].CheckID]++
			}
		}
		for i := range out.Results {
			out.Results[i].Failed = failed[out.Results[i].Check.ID]
		}
	}
	var base *baseline.Summary
	if opts.Baseline != nil {
		// A baseline finding counts as fixed only if this run could have reported it.
		c := baseline.Compare(opts.Baseline.Findings, kept, func(f *check.Finding) bool {
			return ran[f.CheckID] && f.Severity >= opts.MinSeverity && KeepNamespace(f.Object, opts.Namespace)
		})
		kept = c.Kept
		sum := c.Summary(opts.BaselineFile)
		base = &sum
	}
	cat, err := spec.Load()
	if err != nil {
		return nil, err
	}
	frameworks := opts.Frameworks
	if len(frameworks) == 0 {
		frameworks = check.AllFrameworks
	}
	scores := check.ComputeScores(out.Results, s.Pending, cat.SectionIDs(), cat.SectionTitle, frameworks)
	return &Result{Inventory: inv, Checks: s.Checks, Results: out.Results, Findings: kept, Pending: s.Pending, Scores: scores,
		Exceptions: uses, Baseline: base}, nil
}

// loadExceptions reads the exceptions files of a run: the given ones, then the discovered.
func loadExceptions(ex *Exceptions, inputs []string) (*exception.Set, error) {
	cat, err := exception.DefaultCatalogue()
	if err != nil {
		return nil, err
	}
	files := slices.Clone(ex.Files)
	if ex.Discover {
		files = append(files, exception.Discover(inputs)...)
	}
	entries, err := exception.LoadFiles(files, cat)
	if err != nil {
		return nil, fmt.Errorf("invalid exceptions:\n%w", err)
	}
	return exception.New(entries, exception.Options{Now: ex.Now, Inline: ex.Inline, Catalogue: cat}), nil
}

// clusterScoped lists the cluster-scoped kinds the checks report on.
var clusterScoped = map[string]bool{
	"Namespace": true, "Node": true, "ClusterRole": true, "ClusterRoleBinding": true,
	"PersistentVolume": true, "StorageClass": true, "CustomResourceDefinition": true, "PriorityClass": true,
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
