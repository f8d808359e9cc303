package cli

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/eksguard/eksguard/internal/inventory"
	"github.com/eksguard/eksguard/internal/kubereport"
	"github.com/eksguard/eksguard/internal/report"
	"github.com/eksguard/eksguard/internal/scan"
	"github.com/eksguard/eksguard/internal/source/kube"
	"github.com/eksguard/eksguard/internal/source/snapshot"
)

// addReportTargetFlags registers scan's --kubeconfig and --context: the cluster that
// scan --snapshot --write-reports writes to (eksguard cluster writes to the cluster it read).
func (o *reportOptions) addReportTargetFlags(f *pflag.FlagSet) {
	f.StringVar(&o.reportTarget.Kubeconfig, "kubeconfig", "", "with --snapshot --write-reports: kubeconfig of the cluster to write the reports to (default: KUBECONFIG, then ~/.kube/config, then in-cluster)")
	f.StringVar(&o.reportTarget.Context, "context", "", "with --snapshot --write-reports: kubeconfig context of that cluster")
}

// checkWriteReports refuses --write-reports without a cluster to write to, and scan's
// connection flags without --write-reports.
func (o *scanOptions) checkWriteReports(cmd *cobra.Command) error {
	snap := cmd.Flags().Changed("snapshot")
	if o.writeReports && !snap {
		return usageError("--write-reports writes the reports of a cluster scan into that cluster: use it with eksguard cluster or scan --snapshot, not with manifests")
	}
	for _, name := range []string{"kubeconfig", "context"} {
		if cmd.Flags().Changed(name) && !(snap && o.writeReports) {
			return usageError("--%s names the cluster scan --snapshot --write-reports writes to; it does not apply without them", name)
		}
	}
	return nil
}

// snapshotSource is the snapshot a scan --snapshot run read.
type snapshotSource struct {
	path string
	meta snapshot.Meta
	inv  *inventory.Inventory
}

// enableWriteReports, when --write-reports is given, checks that the cluster conn reaches
// serves the report API (and, for a snapshot, that it is the cluster the snapshot was taken
// from), before the scan, and arranges for write to put the run's reports there. namespace
// is the run's scope: a scoped run writes that namespace's report only.
func (o *reportOptions) enableWriteReports(ctx context.Context, streams IO, conn kube.Options, namespace string, snap *snapshotSource) error {
	if !o.writeReports {
		return nil
	}
	if ctx == nil {
		ctx = context.Background()
	}
	cfg, cluster, err := kube.RESTConfig(conn)
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: fmt.Errorf("--write-reports: %w", err)}
	}
	api, err := report.LookupPolicyReportAPI(o.policyReportAPI)
	if err != nil {
		return usageError("--policy-report-api: %v", err)
	}
	if err := kubereport.Served(cfg, api, namespace == ""); err != nil {
		return &ExitError{Code: ExitUsage, Err: fmt.Errorf("--write-reports: %s: %w", cluster, err)}
	}
	if snap != nil {
		if err := sameCluster(ctx, cfg, snap); err != nil {
			return err
		}
	}
	o.publish = func(rep *report.Report, res *scan.Result) error {
		reports := report.BuildPolicyReports(rep, report.PolicyReportOptions{API: api, Now: o.now, MaxBytes: kubereport.MaxReportBytes})
		opts := kubereport.Options{Config: cfg, API: api, Concurrency: conn.Concurrency}
		if namespace != "" {
			// The cluster report describes the whole cluster: a scoped run leaves it alone.
			opts.SkipCluster, opts.Namespaces = true, []string{namespace}
			kept := reports[:0]
			for _, pr := range reports {
				if pr.Metadata.Namespace == namespace {
					kept = append(kept, pr)
				}
			}
			reports = kept
		} else {
			opts.Namespaces = namespacesOf(res.Inventory)
		}
		r, err := kubereport.Write(ctx, reports, opts)
		if err != nil {
			return fmt.Errorf("--write-reports: %s: %w", cluster, err)
		}
		fmt.Fprintf(streams.ErrOut, "eksguard: %s reports in %s: %d created, %d updated, %d unchanged, %d deleted\n",
			api.APIVersion(), cluster, r.Created, r.Updated, r.Unchanged, r.Deleted)
		if r.Omitted > 0 {
			fmt.Fprintf(streams.ErrOut, "eksguard: warning: %d %s left out of reports too large for the API server (counted in their summaries and the %s annotation)\n",
				r.Omitted, plural(r.Omitted, "result", "results"), report.PolicyReportOmittedAnnotation)
		}
		return nil
	}
	return nil
}

// namespacesOf lists every namespace an inventory knows of: Namespace objects and the
// namespaces of namespaced objects.
func namespacesOf(inv *inventory.Inventory) []string {
	seen := map[string]bool{}
	for _, obj := range inv.Objects {
		if obj.Namespace != "" {
			seen[obj.Namespace] = true
		} else if obj.Kind == "Namespace" && obj.APIVersion == "v1" {
			seen[obj.Name] = true
		}
	}
	out := make([]string, 0, len(seen))
	for ns := range seen {
		out = append(out, ns)
	}
	sort.Strings(out)
	return out
}

// sameCluster refuses to write a snapshot's reports into a cluster it was not taken from:
// the kube-system namespace's UID identifies a cluster; when it cannot be compared (the
// snapshot lacks it, or the writer may not get namespaces), the API server URL must match.
func sameCluster(ctx context.Context, cfg *rest.Config, snap *snapshotSource) error {
	var uid string
	for _, obj := range snap.inv.Objects {
		if obj.Kind == "Namespace" && obj.APIVersion == "v1" && obj.Name == "kube-system" {
			uid = obj.UID
		}
	}
	why := "the snapshot holds no kube-system namespace"
	if uid != "" {
		cs, err := kubernetes.NewForConfig(cfg)
		if err != nil {
			return err
		}
		ns, err := cs.CoreV1().Namespaces().Get(ctx, "kube-system", metav1.GetOptions{})
		switch {
		case err == nil && string(ns.UID) == uid:
			return nil
		case err == nil:
			return usageError("--write-reports: %s was taken from another cluster than %s (kube-system namespace UID %s there, %s in the snapshot); refusing to write its reports there",
				snap.path, cfg.Host, ns.UID, uid)
		case errors.Is(err, context.Canceled):
			return err
		}
		why = "kube-system's UID could not be compared: " + err.Error()
	}
	if server := snap.meta.Cluster.Server; server != "" && strings.TrimSuffix(server, "/") == strings.TrimSuffix(cfg.Host, "/") {
		return nil
	}
	return usageError("--write-reports: cannot tell that %s was taken from the cluster at %s: it was taken from %q, and %s; refusing to write its reports into what may be another cluster",
		snap.path, cfg.Host, snap.meta.Cluster.Server, why)
}
