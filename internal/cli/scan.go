package cli

import (
	"context"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/eksguard/eksguard/internal/scan"
	"github.com/eksguard/eksguard/internal/source/files"
	"github.com/eksguard/eksguard/internal/source/snapshot"
)

// scanOptions holds the flags of `eksguard scan`.
type scanOptions struct {
	reportOptions
	namespace   string
	maxFileSize string
	render      files.RenderOptions // Helm charts and kustomizations: --values, --set, ...
	snapshot    string              // --snapshot FILE: scan a saved cluster instead of PATHs

	// Derived by complete.
	paths            []string
	maxBytes         int64
	snapshotMaxBytes int64
	maxFileSizeSet   bool // --max-file-size was given (it then bounds a snapshot too)
}

func newScanCommand(streams IO) *cobra.Command {
	o := &scanOptions{}
	cmd := &cobra.Command{
		Use:   "scan PATH... | - | --snapshot FILE",
		Short: "Scan Kubernetes manifests (files, directories, - for stdin)",
		Long: `Scan Kubernetes manifests before they are deployed. PATH may be a file, a directory
(scanned recursively for .yaml, .yml and .json; hidden directories are skipped) or - for stdin.
Multi-document YAML, JSON and List kinds are expanded. A directory holding Chart.yaml (or a
chart .tgz) is rendered with the Helm SDK and one holding kustomization.yaml is built with the
kustomize API, in-process and offline; findings name the template or patch file.

With --snapshot FILE it scans a cluster snapshot (eksguard snapshot save) instead, offline,
with the checks and results of eksguard cluster; PATH arguments and the Helm flags do not
apply then.

Exit codes: 0 nothing at or above --fail-on failed; 1 something did; 2 usage error or an
input that could not be read (the report still lists every finding of what could be read).`,
		Example: `  eksguard scan examples/insecure
  helm template my-chart | eksguard scan -
  eksguard scan --values prod.yaml --set image.tag=1.28 charts/web
  eksguard scan k8s/overlays/prod
  eksguard scan -o json --output-file report.json --fail-on critical k8s/
  eksguard scan --checks 'EKS-POD-*' --skip-checks EKS-POD-028 -n prod k8s/
  eksguard scan --snapshot examples/snapshot/demo-cluster.json.gz`,
		Args: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("snapshot") {
				return o.snapshotArgs(cmd, args)
			}
			return cobra.MinimumNArgs(1)(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.checkWriteReports(cmd); err != nil {
				return err
			}
			if err := o.complete(args); err != nil {
				return err
			}
			if o.snapshot != "" {
				return o.runSnapshot(cmd.Context(), streams)
			}
			return o.run(cmd.Context(), streams)
		},
	}
	f := cmd.Flags()
	o.addFlags(f)
	o.addReportTargetFlags(f)
	f.StringVarP(&o.namespace, "namespace", "n", "", "report only objects in this namespace (objects without a namespace are kept: kubectl -n would put them there)")
	f.StringVar(&o.maxFileSize, "max-file-size", "64Mi", "skip (and report) files larger than this (e.g. 64Mi, 1Gi); with --snapshot, the largest uncompressed snapshot read (default 2Gi)")
	f.StringVar(&o.snapshot, "snapshot", "", "scan this cluster snapshot (written by eksguard snapshot save; - for stdin) instead of PATH arguments")
	// Rendering of Helm charts and kustomizations (see files.RenderOptions).
	f.StringSliceVar(&o.render.ValuesFiles, "values", nil, "Helm values file for every chart scanned (repeatable; later files win)")
	f.StringArrayVar(&o.render.Set, "set", nil, "Helm value to set (key=value, comma-separated; repeatable)")
	f.StringArrayVar(&o.render.SetString, "set-string", nil, "Helm value to set as a string (key=value, comma-separated; repeatable)")
	f.StringVar(&o.render.ReleaseName, "release-name", files.DefaultReleaseName, "Helm release name charts are rendered with")
	f.StringVar(&o.render.KubeVersion, "kube-version", files.DefaultKubeVersion, "Kubernetes version charts see in .Capabilities.KubeVersion")
	f.StringSliceVar(&o.render.APIVersions, "api-versions", nil, "extra API versions charts see in .Capabilities.APIVersions (comma-separated)")
	return cmd
}

func (o *scanOptions) complete(args []string) error {
	o.paths = args
	if err := o.reportOptions.complete(); err != nil {
		return err
	}
	q, err := resource.ParseQuantity(o.maxFileSize)
	if err != nil || q.Sign() <= 0 {
		return usageError("--max-file-size %q: want a positive size such as 64Mi", o.maxFileSize)
	}
	o.maxBytes = q.Value()
	o.snapshotMaxBytes = snapshot.DefaultMaxBytes
	if o.maxFileSizeSet {
		o.snapshotMaxBytes = o.maxBytes
	}
	stdin := 0
	for _, p := range args {
		if p == files.StdinPath {
			stdin++
		}
	}
	if stdin > 1 {
		return usageError("- (stdin) may be given only once")
	}
	// Charts render into --namespace, as helm template -n would.
	o.render.Namespace = o.namespace
	if err := o.render.Validate(); err != nil {
		return usageError("%v", err)
	}
	return nil
}

func (o *scanOptions) run(ctx context.Context, streams IO) error {
	if ctx == nil {
		ctx = context.Background()
	}
	tuneGC(o.paths)
	opts := o.scanOptions(o.namespace)
	opts.Files = files.Options{MaxFileSize: o.maxBytes, Stdin: streams.In, Render: o.render}
	res, err := scan.Files(ctx, o.paths, opts)
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	return o.write(streams, o.paths, res)
}
