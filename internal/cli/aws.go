package cli

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
	"github.com/eksguard/eksguard/internal/scan"
	awssource "github.com/eksguard/eksguard/internal/source/aws"
)

// awsFlags say which EKS cluster's AWS side to read and how: region, profile, cluster name
// and the bound on concurrent API requests. `eksguard cluster` and `eksguard aws` share them.
type awsFlags struct {
	aws      awssource.Options
	noAWS    bool
	ecrScope string
	awsOnly  bool
}

// ECR scopes (--ecr-scope): ECR_REPOS is every repository of the registry, or those the
// cluster's containers run images from.
const (
	ecrScopeAll  = "all"
	ecrScopeUsed = "used"
)

// awsOptionsHook lets tests point the collectors at the moto harness.
var awsOptionsHook func(*awssource.Options)

func (a *awsFlags) addFlags(f *pflag.FlagSet, awsOnly bool) {
	f.StringVar(&a.aws.Region, "region", "", "AWS region of the cluster (default: from the kubeconfig's aws eks get-token arguments or API server host, else AWS_REGION / the profile)")
	f.StringVar(&a.aws.Profile, "profile", "", "AWS shared-config profile (default: the standard credential chain: environment, AWS_PROFILE, SSO, web identity, EKS Pod Identity, instance role)")
	f.StringVar(&a.aws.ClusterName, "cluster-name", "", "EKS cluster name (default: from the kubeconfig's aws eks get-token --cluster-name)")
	f.IntVar(&a.aws.Concurrency, "aws-concurrency", awssource.DefaultConcurrency, "AWS API requests in flight at once")
	f.StringVar(&a.ecrScope, "ecr-scope", ecrScopeAll, "ECR repositories the ECR checks read: all (every repository of the registry in the region) or used (those the cluster's containers run images from; needs the Kubernetes objects)")
	a.awsOnly = awsOnly
	if !awsOnly {
		f.BoolVar(&a.noAWS, "no-aws", false, "read only the Kubernetes API, not the cluster's AWS side")
	}
}

func (a *awsFlags) validate() error {
	if a.aws.Concurrency <= 0 {
		return usageError("--aws-concurrency must be positive")
	}
	switch a.ecrScope {
	case ecrScopeAll:
	case ecrScopeUsed:
		if a.awsOnly {
			return usageError("--ecr-scope=used needs the images the cluster runs, from the Kubernetes API: use eksguard cluster (eksguard aws reads no Kubernetes objects)")
		}
		a.aws.ECRUsedOnly = true
	default:
		return usageError("--ecr-scope must be %s or %s, got %q", ecrScopeAll, ecrScopeUsed, a.ecrScope)
	}
	return nil
}

// explicit reports whether the user asked for the AWS side by a flag.
func (a *awsFlags) explicit(f *pflag.FlagSet) bool {
	return f.Changed("cluster-name") || f.Changed("region") || f.Changed("profile")
}

// options completes the collector options from the kubeconfig (cluster name, region,
// profile); found is false when no cluster name is known.
func (a *awsFlags) options(kubeconfig, context string, verbose bool, streams IO) (awssource.Options, bool) {
	opts := a.aws
	opts.Kubeconfig, opts.Context = kubeconfig, context
	if opts.ClusterName == "" || opts.Region == "" || opts.Profile == "" {
		found := awssource.FromKubeconfig(kubeconfig, context)
		if opts.ClusterName == "" {
			opts.ClusterName = found.ClusterName
		}
		if opts.Region == "" {
			opts.Region = found.Region
		}
		if opts.Profile == "" {
			opts.Profile = found.Profile
		}
	}
	if verbose {
		opts.Debugf = func(format string, args ...any) {
			fmt.Fprintf(streams.ErrOut, "eksguard: debug: aws: "+format+"\n", args...)
		}
	}
	if awsOptionsHook != nil {
		awsOptionsHook(&opts)
	}
	return opts, opts.ClusterName != ""
}

// collectAWS reads the cluster's AWS side into inv. Failures are ExitUsage errors.
func collectAWS(ctx context.Context, inv *inventory.Inventory, opts awssource.Options) error {
	if err := awssource.Collect(ctx, inv, opts); err != nil {
		if errors.Is(err, context.Canceled) {
			return err
		}
		return &ExitError{Code: ExitUsage, Err: fmt.Errorf("AWS: %w", err)}
	}
	return nil
}

// readAWS collects the cluster's AWS side into inv (eksguard cluster, snapshot save) unless
// --no-aws, or no cluster name is known. It reports whether the AWS side was read. When the
// name came from the kubeconfig and the AWS side cannot be read, it warns and reports false;
// with --cluster-name, --region or --profile given (explicit) that is an error.
func (a *awsFlags) readAWS(ctx context.Context, inv *inventory.Inventory, kubeconfig, kubeContext string, verbose, explicit bool, streams IO) (bool, error) {
	opts, ok := a.options(kubeconfig, kubeContext, verbose, streams)
	if !ok || a.noAWS {
		return false, nil
	}
	if err := collectAWS(ctx, inv, opts); err != nil {
		if explicit || errors.Is(err, context.Canceled) {
			return false, err
		}
		// The name came from the kubeconfig: keep the Kubernetes side, say why not AWS.
		fmt.Fprintf(streams.ErrOut, "eksguard: warning: the cluster's AWS side was not read: %v (give --cluster-name, --region or --profile, or --no-aws)\n", err)
		return false, nil
	}
	return true, nil
}

// kubeGaps reports, for a scan that reads no Kubernetes objects (eksguard aws), the
// Kubernetes kinds the selected AWS checks also read: those checks are not evaluated rather
// than passed on missing objects.
func kubeGaps(inv *inventory.Inventory, checks []*check.Check) {
	kinds := map[string]bool{}
	for _, c := range checks {
		for _, k := range c.Reads {
			if !inventory.IsAWSKind(k) {
				kinds[k] = true
			}
		}
	}
	names := make([]string, 0, len(kinds))
	for k := range kinds {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		inv.ReportGap(inventory.Gap{Kind: k, Resource: "Kubernetes " + k, Reason: inventory.GapError,
			Message: "not collected: eksguard aws reads no Kubernetes objects (eksguard cluster reads both)"})
	}
}

// awsOptions holds the flags of `eksguard aws`.
type awsOptions struct {
	reportOptions
	awsFlags
	kubeconfig, context string
	verbose             bool
}

func newAWSCommand(streams IO) *cobra.Command {
	o := &awsOptions{}
	cmd := &cobra.Command{
		Use:   "aws",
		Short: "Audit an EKS cluster's AWS side only: EKS, EC2, IAM, ECR, KMS, CloudTrail, GuardDuty (read-only)",
		Long: `Audit the AWS configuration of an EKS cluster without Kubernetes access: endpoint exposure,
control-plane logging, envelope encryption, access entries, add-ons, node groups, launch
templates and instances, IAM roles, ECR repositories, KMS keys, CloudTrail and its S3 buckets,
GuardDuty, Security Hub and AWS Config. It
runs the checks whose source is an AWS service (aws-eks, aws-ec2, aws-iam, ...); eksguard
cluster runs them too, together with the Kubernetes checks.

Credentials follow the standard AWS chain (environment, --profile / AWS_PROFILE, SSO, web
identity and IRSA, EKS Pod Identity, instance role); deploy/iam-policy.json is the read-only
policy it needs. The cluster name and region can also come from a kubeconfig whose user runs
aws eks get-token (--kubeconfig, --context), which is also the evidence of how kubectl users
authenticate (EKS-IAM-038); the Kubernetes API itself is never called.

A call the credentials may not make (AccessDenied) is a coverage gap naming the missing IAM
action; the checks that read it are reported as not evaluated. Checks that also read
Kubernetes objects (service account annotations, nodes, aws-auth) are not evaluated either:
the report lists those kinds as coverage gaps.

Exit codes: 0 nothing at or above --fail-on failed; 1 something did; 2 usage error, or the
credentials or the cluster could not be read.`,
		Example: `  eksguard aws --cluster-name prod --region eu-west-1
  eksguard aws --cluster-name prod --profile audit -o json --output-file aws.json
  eksguard aws --context prod-admin          # name and region from the kubeconfig`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.reportOptions.complete(); err != nil {
				return err
			}
			if err := o.awsFlags.validate(); err != nil {
				return err
			}
			return o.run(cmd.Context(), streams)
		},
	}
	f := cmd.Flags()
	o.reportOptions.addFlags(f)
	o.awsFlags.addFlags(f, true)
	f.StringVar(&o.kubeconfig, "kubeconfig", "", "kubeconfig to read the cluster name, region and profile from, and its users' kinds of credential (EKS-IAM-038; only the file is read)")
	f.StringVar(&o.context, "context", "", "kubeconfig context to read them from (default: the current context)")
	f.BoolVarP(&o.verbose, "verbose", "v", false, "log debug lines to stderr: the identity used, retries, denied calls")
	return cmd
}

func (o *awsOptions) run(ctx context.Context, streams IO) error {
	if ctx == nil {
		ctx = context.Background()
	}
	opts := o.scanOptions("")
	opts.Sources = slices.Clone(check.AWSSources)
	plan, err := scan.Plan(opts)
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	awsOpts, ok := o.options(o.kubeconfig, o.context, o.verbose, streams)
	if !ok {
		return &ExitError{Code: ExitUsage, Err: awssource.ErrNoCluster}
	}
	inv := &inventory.Inventory{}
	if err := collectAWS(ctx, inv, awsOpts); err != nil {
		return err
	}
	kubeGaps(inv, plan.Checks)
	res, err := plan.Run(ctx, inv, opts)
	if err != nil {
		return err
	}
	return o.write(streams, inv.Inputs, res)
}
