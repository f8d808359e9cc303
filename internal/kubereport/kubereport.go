// Package kubereport writes eksguard's report objects (report.BuildPolicyReports) into a
// cluster for --write-reports: PolicyReports and a ClusterPolicyReport (or OpenReports
// Reports and a ClusterReport) with deterministic names, so that every run replaces the
// previous run's reports.
//
// It needs only create, patch and delete on the report resources (deploy/clusterrole.yaml,
// ClusterRole eksguard-report-writer), never get or list:
//
//   - A report whose content is unchanged is left alone: a JSON patch whose only operation
//     tests the eksguard.io/report-digest annotation succeeds without writing anything, so a
//     re-run that finds the same results changes no resourceVersion and wakes no watcher.
//   - A new or changed report is server-side applied with field manager "eksguard", forced
//     (eksguard owns its reports) and with strict field validation, so the API server checks
//     it against the CRD schema and refuses unknown fields.
//   - Decision: the report of a namespace that no longer has findings is deleted, not
//     emptied. Empty reports in every namespace would be clutter, and results of controls
//     that passed are in the cluster report. Deletion is by name, for every namespace the
//     scan saw (a 404 is fine), which needs no list permission.
package kubereport

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"

	"github.com/eksguard/eksguard/internal/report"
)

// FieldManager owns every field of eksguard's reports.
const FieldManager = "eksguard"

// MaxReportBytes bounds the results of one report object (report.PolicyReportOptions.MaxBytes):
// the API server refuses requests over 3 MiB and etcd values over 1.5 MiB by default.
const MaxReportBytes = 1 << 20

// Options say where and what to write.
type Options struct {
	// Config reaches the cluster.
	Config *rest.Config
	API    report.PolicyReportAPI
	// Namespaces are the namespaces the scan covered: one whose report is not among those
	// written has its previous report deleted.
	Namespaces []string
	// SkipCluster leaves the cluster report alone: a run scoped to one namespace does not
	// replace the report of the whole cluster.
	SkipCluster bool
	// Concurrency bounds the requests in flight (default 4).
	Concurrency int
}

// Result counts what Write did.
type Result struct {
	Created, Updated, Unchanged, Deleted int
	// Omitted counts results left out of reports that would have been too large.
	Omitted int
}

// ErrNotServed is returned when the cluster does not serve the report API (no CRDs).
var ErrNotServed = errors.New("report API not served")

// Write creates, updates and deletes the report objects of one run. reports are
// report.BuildPolicyReports's, for opts.API.
func Write(ctx context.Context, reports []*report.PolicyReport, opts Options) (Result, error) {
	var res Result
	if opts.Concurrency <= 0 {
		opts.Concurrency = 4
	}
	api := opts.API
	if err := Served(opts.Config, api, !opts.SkipCluster); err != nil {
		return res, err
	}
	dyn, err := dynamic.NewForConfig(opts.Config)
	if err != nil {
		return res, err
	}
	gv := schema.GroupVersion{Group: api.Group, Version: api.Version}
	namespaced, clusterScoped := dyn.Resource(gv.WithResource(api.Resource)), dyn.Resource(gv.WithResource(api.ClusterResource))

	type job struct {
		pr     *report.PolicyReport // nil: delete
		ns     string
		remove string
	}
	var jobs []job
	have := map[string]bool{}
	for _, pr := range reports {
		if pr.Metadata.Namespace == "" && opts.SkipCluster {
			continue
		}
		have[pr.Metadata.Namespace] = true
		jobs = append(jobs, job{pr: pr, ns: pr.Metadata.Namespace})
		if omitted, err := strconv.Atoi(pr.Metadata.Annotations[report.PolicyReportOmittedAnnotation]); err == nil {
			res.Omitted += omitted
		}
	}
	stale := append([]string(nil), opts.Namespaces...)
	sort.Strings(stale)
	for i, ns := range stale {
		if ns != "" && !have[ns] && (i == 0 || stale[i-1] != ns) {
			jobs = append(jobs, job{ns: ns, remove: report.PolicyReportName(ns)})
		}
	}

	var (
		mu    sync.Mutex
		first error
		wg    sync.WaitGroup
		sem   = make(chan struct{}, opts.Concurrency)
	)
	record := func(f func(*Result), err error) {
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			if first == nil {
				first = err
			}
			return
		}
		f(&res)
	}
	for _, j := range jobs {
		var ri dynamic.ResourceInterface = clusterScoped
		if j.ns != "" {
			ri = namespaced.Namespace(j.ns)
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			if j.pr == nil {
				err := ri.Delete(ctx, j.remove, metav1.DeleteOptions{})
				switch {
				case apierrors.IsNotFound(err):
					record(func(*Result) {}, nil)
				case err != nil:
					record(nil, fmt.Errorf("delete %s %s/%s: %w", api.Kind, j.ns, j.remove, err))
				default:
					record(func(r *Result) { r.Deleted++ }, nil)
				}
				return
			}
			outcome, err := put(ctx, ri, j.pr)
			if err != nil {
				record(nil, fmt.Errorf("write %s %s: %w", j.pr.Kind, objectName(j.pr), err))
				return
			}
			record(func(r *Result) {
				switch outcome {
				case created:
					r.Created++
				case updated:
					r.Updated++
				default:
					r.Unchanged++
				}
			}, nil)
		}()
		if ctx.Err() != nil {
			break
		}
	}
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	return res, first
}

type outcome int

const (
	unchanged outcome = iota
	created
	updated
)

// put writes one report unless the cluster holds it with the same digest.
func put(ctx context.Context, ri dynamic.ResourceInterface, pr *report.PolicyReport) (outcome, error) {
	digest := pr.Metadata.Annotations[report.PolicyReportDigestAnnotation]
	test, err := json.Marshal([]map[string]string{{"op": "test",
		"path": "/metadata/annotations/" + jsonPointerEscape(report.PolicyReportDigestAnnotation), "value": digest}})
	if err != nil {
		return 0, err
	}
	_, err = ri.Patch(ctx, pr.Metadata.Name, types.JSONPatchType, test, metav1.PatchOptions{FieldManager: FieldManager})
	result := updated
	switch {
	case err == nil:
		return unchanged, nil
	case apierrors.IsNotFound(err):
		result = created
	case apierrors.IsInvalid(err): // the test failed (422): another digest, or none
	default:
		return 0, err
	}
	body, err := json.Marshal(pr)
	if err != nil {
		return 0, err
	}
	force := true
	_, err = ri.Patch(ctx, pr.Metadata.Name, types.ApplyPatchType, body, metav1.PatchOptions{FieldManager: FieldManager, Force: &force,
		FieldValidation: metav1.FieldValidationStrict})
	return result, err
}

// Served checks that the cluster serves the report resources (the cluster-scoped one only
// when cluster is true), so that a missing CRD is one clear error, before a long collection
// rather than as a 404 per report after it.
func Served(cfg *rest.Config, api report.PolicyReportAPI, cluster bool) error {
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return err
	}
	list, err := dc.ServerResourcesForGroupVersion(api.APIVersion())
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("discover %s: %w", api.APIVersion(), err)
	}
	want := []string{api.Resource}
	if cluster {
		want = append(want, api.ClusterResource)
	}
	for _, name := range want {
		found := false
		if list != nil {
			for _, r := range list.APIResources {
				found = found || r.Name == name
			}
		}
		if !found {
			return fmt.Errorf("%w: the cluster does not serve %s %s; install its CRD (deploy/crds) or choose another --policy-report-api",
				ErrNotServed, api.APIVersion(), name)
		}
	}
	return nil
}

func objectName(pr *report.PolicyReport) string {
	if pr.Metadata.Namespace == "" {
		return pr.Metadata.Name
	}
	return pr.Metadata.Namespace + "/" + pr.Metadata.Name
}

// jsonPointerEscape escapes a key for a JSON pointer (RFC 6901).
func jsonPointerEscape(s string) string {
	out := make([]byte, 0, len(s)+2)
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '~':
			out = append(out, '~', '0')
		case '/':
			out = append(out, '~', '1')
		default:
			out = append(out, s[i])
		}
	}
	return string(out)
}
