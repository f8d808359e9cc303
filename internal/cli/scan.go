package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/report"
	"github.com/eksguard/eksguard/internal/scan"
	"github.com/eksguard/eksguard/internal/source/files"
	"github.com/eksguard/eksguard/internal/version"
)

// scanOptions holds the flags of `eksguard scan`.
type scanOptions struct {
	output      string
	outputFile  string
	failOn      string
	severity    string
	checks      []string
	skipChecks  []string
	frameworks  []string
	namespace   string
	maxFileSize string
	noColor     bool
	config      check.Config
	render      files.RenderOptions // Helm charts and kustomizations: --values, --set, ...

	// Derived by complete.
	paths    []string
	format   report.Format
	failAt   *check.Severity
	fws      []check.Framework
	minSev   check.Severity
	maxBytes int64
}

func newScanCommand(streams IO) *cobra.Command {
	o := &scanOptions{}
	cmd := &cobra.Command{
		Use:   "scan PATH... | -",
		Short: "Scan Kubernetes manifests (files, directories, - for stdin)",
		Long: `Scan Kubernetes manifests before they are deployed. PATH may be a file, a directory
(scanned recursively for .yaml, .yml and .json; hidden directories are skipped) or - for stdin.
Multi-document YAML, JSON and List kinds are expanded. A directory holding Chart.yaml (or a
chart .tgz) is rendered with the Helm SDK and one holding kustomization.yaml is built with the
kustomize API, in-process and offline; findings name the template or patch file.

Exit codes: 0 nothing at or above --fail-on failed; 1 something did; 2 usage error or an
input that could not be read (the report still lists every finding of what could be read).`,
		Example: `  eksguard scan examples/insecure
  helm template my-chart | eksguard scan -
  eksguard scan --values prod.yaml --set image.tag=1.28 charts/web
  eksguard scan k8s/overlays/prod
  eksguard scan -o json --output-file report.json --fail-on critical k8s/
  eksguard scan --checks 'EKS-POD-*' --skip-checks EKS-POD-028 -n prod k8s/`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.complete(args); err != nil {
				return err
			}
			return o.run(cmd.Context(), streams)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.output, "output", "o", "table", "output format: "+strings.Join(report.Names(), ", "))
	f.StringVar(&o.outputFile, "output-file", "", "write the report to this file instead of stdout")
	f.StringVar(&o.failOn, "fail-on", "high", "exit 1 when a finding at or above this severity fails ("+strings.Join(check.SeverityNames(), ", ")+", or none)")
	f.StringVar(&o.severity, "severity", "info", "report only findings at or above this severity")
	f.StringSliceVar(&o.checks, "checks", nil, "run only these checks (IDs, slugs or globs such as 'EKS-POD-*'; comma-separated)")
	f.StringSliceVar(&o.skipChecks, "skip-checks", nil, "skip these checks (IDs, slugs or globs; comma-separated)")
	f.StringSliceVar(&o.frameworks, "framework", nil, "run only checks of these frameworks: eks-bp, cis-eks, pss-baseline, pss-restricted (comma-separated)")
	f.StringVarP(&o.namespace, "namespace", "n", "", "report only objects in this namespace (objects without a namespace are kept: kubectl -n would put them there)")
	f.StringVar(&o.maxFileSize, "max-file-size", "64Mi", "skip (and report) files larger than this (e.g. 64Mi, 1Gi)")
	f.BoolVar(&o.noColor, "no-color", false, "never colour the table output (NO_COLOR is honoured too)")
	f.BoolVar(&o.config.IncludeSystemNamespaces, "include-system-namespaces", false, "also report checks that skip kube-system, kube-public and kube-node-lease by default")
	f.StringSliceVar(&o.config.ExemptNamespaces, "exempt-namespaces", nil, "namespaces to treat as system namespaces (comma-separated)")
	f.BoolVar(&o.config.RequireCPULimit, "require-cpu-limit", false, "EKS-POD-025 also requires resources.limits.cpu")
	f.StringSliceVar(&o.config.AllowedHostPathPrefixes, "allowed-hostpath-prefixes", nil, "hostPath prefixes EKS-POD-024 accepts (comma-separated)")
	f.StringSliceVar(&o.config.ApprovedRegistries, "approved-registries", nil, "image registries EKS-IMG-003 accepts, as host[/path] prefixes (comma-separated; default: private ECR and the EKS public ECR paths)")
	f.StringSliceVar(&o.config.RBACExempt, "rbac-exempt", nil, "more Role/ClusterRole names the RBAC checks treat as exempt (comma-separated)")
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
	format, err := report.Lookup(o.output)
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	o.format = format
	if !strings.EqualFold(o.failOn, "none") {
		sev, err := check.ParseSeverity(o.failOn)
		if err != nil {
			return usageError("--fail-on: %v", err)
		}
		o.failAt = &sev
	}
	for _, name := range o.frameworks {
		fw, err := check.ParseFramework(name)
		if err != nil {
			return usageError("--framework: %v", err)
		}
		o.fws = append(o.fws, fw)
	}
	if o.minSev, err = check.ParseSeverity(o.severity); err != nil {
		return usageError("--severity: %v", err)
	}
	q, err := resource.ParseQuantity(o.maxFileSize)
	if err != nil || q.Sign() <= 0 {
		return usageError("--max-file-size %q: want a positive size such as 64Mi", o.maxFileSize)
	}
	o.maxBytes = q.Value()
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
	res, err := scan.Files(ctx, o.paths, scan.Options{
		Files:       files.Options{MaxFileSize: o.maxBytes, Stdin: streams.In, Render: o.render},
		Checks:      o.checks,
		SkipChecks:  o.skipChecks,
		Frameworks:  o.fws,
		MinSeverity: o.minSev,
		Namespace:   o.namespace,
		Config:      o.config,
	})
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	rep := report.New(report.Input{ToolVersion: version.String(), Inputs: o.paths, Inventory: res.Inventory,
		Results: res.Results, Findings: res.Findings, Scores: res.Scores, FailOn: o.failAt})

	out, color := streams.Out, streams.OutIsTerminal && !o.noColor && os.Getenv("NO_COLOR") == ""
	var file *os.File
	if o.outputFile != "" {
		if file, err = os.Create(o.outputFile); err != nil {
			return &ExitError{Code: ExitUsage, Err: fmt.Errorf("create output file: %w", err)}
		}
		out, color = file, false
	}
	err = o.format(out, rep, report.Options{Color: color})
	if file != nil {
		if cerr := file.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	// Problems also go to stderr when the report is machine-readable, so a pipeline log shows them.
	if o.output != "table" || o.outputFile != "" {
		writeProblems(streams.ErrOut, rep)
	}
	switch {
	case rep.Summary.InputErrors > 0:
		return &ExitError{Code: ExitUsage, Err: fmt.Errorf("%d input %s could not be read completely (listed in the report)", rep.Summary.InputErrors, plural(rep.Summary.InputErrors, "error", "errors"))}
	case rep.Summary.Failed:
		return ErrFindingsAboveThreshold
	}
	return nil
}

func writeProblems(w io.Writer, rep *report.Report) {
	for _, p := range rep.Problems {
		fmt.Fprintln(w, "eksguard:", p.Error())
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
