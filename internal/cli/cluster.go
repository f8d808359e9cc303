package cli

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/go-logr/logr"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"k8s.io/klog/v2"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
	"github.com/eksguard/eksguard/internal/scan"
	"github.com/eksguard/eksguard/internal/source/kube"
)

// clusterFlags say which cluster to read and how hard to press it: the kubeconfig rules,
// namespace, client-side rate limits, concurrency and timeouts, plus progress and debug output.
// Every command that collects a live cluster shares them.
type clusterFlags struct {
	kube    kube.Options
	quiet   bool
	verbose bool
}

func (c *clusterFlags) addFlags(f *pflag.FlagSet) {
	f.StringVar(&c.kube.Kubeconfig, "kubeconfig", "", "kubeconfig file (default: KUBECONFIG, then ~/.kube/config, then the in-cluster service account)")
	f.StringVar(&c.kube.Context, "context", "", "kubeconfig context to use (default: the current context)")
	f.StringVarP(&c.kube.Namespace, "namespace", "n", "", "collect only this namespace (cluster-scoped kinds the checks need, such as ClusterRoles and Nodes, are still read)")
	f.Float32Var(&c.kube.QPS, "qps", kube.DefaultQPS, "client-side limit of API requests per second (negative: no limit)")
	f.IntVar(&c.kube.Burst, "burst", kube.DefaultBurst, "client-side burst of API requests above --qps")
	f.IntVar(&c.kube.Concurrency, "concurrency", kube.DefaultConcurrency, "list calls in flight at once")
	f.Int64Var(&c.kube.PageSize, "page-size", kube.DefaultPageSize, "objects per list call (limit/continue paging)")
	f.DurationVar(&c.kube.RequestTimeout, "request-timeout", kube.DefaultRequestTimeout, "timeout of each API request (transient failures are retried with backoff)")
	f.BoolVarP(&c.quiet, "quiet", "q", false, "no progress display on the terminal")
	f.BoolVarP(&c.verbose, "verbose", "v", false, "log debug lines to stderr: kinds not installed, retries, API warnings")
}

func (c *clusterFlags) validate() error {
	switch {
	case c.kube.Burst <= 0:
		return usageError("--burst must be positive")
	case c.kube.Concurrency <= 0:
		return usageError("--concurrency must be positive")
	case c.kube.PageSize <= 0:
		return usageError("--page-size must be positive")
	case c.kube.RequestTimeout <= 0:
		return usageError("--request-timeout must be positive")
	}
	return nil
}

// collect reads the cluster. A cluster that cannot be reached, or a namespace it does not
// have, is an ExitUsage error: the input could not be read.
func (c *clusterFlags) collect(ctx context.Context, streams IO) (*inventory.Inventory, error) {
	opts := c.kube
	if c.verbose {
		opts.Debugf = func(format string, args ...any) {
			fmt.Fprintf(streams.ErrOut, "eksguard: debug: "+format+"\n", args...)
		}
	} else {
		// client-go logs through klog (throttling notices, ...); keep stderr for eksguard.
		klog.SetLogger(logr.Discard())
	}
	bar := newProgress(streams.ErrOut, c.quiet || c.verbose)
	opts.Progress = bar.Func()
	inv, err := kube.Collect(ctx, opts)
	bar.Finish()
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return nil, err
		}
		return nil, &ExitError{Code: ExitUsage, Err: err}
	}
	return inv, nil
}

// clusterOptions holds the flags of `eksguard cluster`.
type clusterOptions struct {
	reportOptions
	clusterFlags
	awsFlags
	awsExplicit bool // --cluster-name, --region or --profile given: AWS failures are errors
}

func newClusterCommand(streams IO) *cobra.Command {
	o := &clusterOptions{}
	cmd := &cobra.Command{
		Use:   "cluster",
		Short: "Scan a live cluster through the Kubernetes API (read-only)",
		Long: `Scan what is running in a cluster with the same checks as scan. eksguard connects as kubectl
does (--kubeconfig, KUBECONFIG, ~/.kube/config, --context, or the in-cluster service account),
lists every kind the checks read, page by page and a few kinds at once within client-side rate
limits, and never reads a Secret's data: Secrets are listed as metadata only. It only reads
(get and list); deploy/clusterrole.yaml is the RBAC it needs.

Findings name the live object (k8s://namespace/Kind/name, its UID) and what manages it (the
app.kubernetes.io/managed-by label, kubectl apply, or the field manager). What the scanner may
not list (403), or a built-in resource the cluster does not serve, is a coverage gap: the report
lists it and marks the checks that read it as not evaluated, never as passed. A custom resource
whose CRD is not installed is no gap: there are simply none (e.g. no Kyverno policies).

On EKS, the cluster's AWS side is audited too (the checks of eksguard aws): the cluster name,
region and profile come from the kubeconfig's aws eks get-token arguments, or --cluster-name,
--region and --profile; credentials follow the standard AWS chain and deploy/iam-policy.json is
the read-only IAM policy needed. A denied AWS call is a coverage gap naming the IAM action.
--no-aws reads the Kubernetes API only.

Exit codes: 0 nothing at or above --fail-on failed; 1 something did; 2 usage error, or the
cluster could not be reached. Coverage gaps do not change the exit code.`,
		Example: `  eksguard cluster
  eksguard cluster --context prod -o json --output-file report.json
  eksguard cluster -n shop --fail-on critical
  eksguard cluster --qps 20 --burst 40 --concurrency 2   # go easy on a busy API server
  eksguard cluster --cluster-name prod --region eu-west-1 --profile audit`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.reportOptions.complete(); err != nil {
				return err
			}
			if err := o.clusterFlags.validate(); err != nil {
				return err
			}
			if err := o.awsFlags.validate(); err != nil {
				return err
			}
			o.awsExplicit = o.awsFlags.explicit(cmd.Flags())
			return o.run(cmd.Context(), streams)
		},
	}
	f := cmd.Flags()
	o.reportOptions.addFlags(f)
	o.clusterFlags.addFlags(f)
	o.awsFlags.addFlags(f, false)
	return cmd
}

func (o *clusterOptions) run(ctx context.Context, streams IO) error {
	if ctx == nil {
		ctx = context.Background()
	}
	opts := o.scanOptions(o.kube.Namespace)
	opts.Sources = slices.Clone(scan.ManifestSources)
	_, readAWS := o.awsFlags.options(o.kube.Kubeconfig, o.kube.Context, o.verbose, streams)
	readAWS = readAWS && !o.noAWS
	if readAWS {
		opts.Sources = append(opts.Sources, check.AWSSources...)
	}
	plan, err := scan.Plan(opts) // before collecting: a bad --checks pattern fails at once
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	if err := o.enableWriteReports(ctx, streams, o.kube, o.kube.Namespace, nil); err != nil {
		return err
	}
	inv, err := o.collect(ctx, streams)
	if err != nil {
		return err
	}
	if readAWS {
		read, err := o.awsFlags.readAWS(ctx, inv, o.kube.Kubeconfig, o.kube.Context, o.verbose, o.awsExplicit, streams)
		if err != nil {
			return err
		}
		if !read {
			opts.Sources = opts.Sources[:len(scan.ManifestSources)]
			if plan, err = scan.Plan(opts); err != nil {
				return err
			}
		}
	}
	res, err := plan.Run(ctx, inv, opts)
	if err != nil {
		return err
	}
	return o.write(streams, inv.Inputs, res)
}
