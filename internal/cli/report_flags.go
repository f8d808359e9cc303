package cli

import (
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/eksguard/eksguard/internal/baseline"
	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/exception"
	"github.com/eksguard/eksguard/internal/report"
	"github.com/eksguard/eksguard/internal/scan"
	"github.com/eksguard/eksguard/internal/source/kube"
	"github.com/eksguard/eksguard/internal/version"
)

// reportOptions are the report and filter flags every scanning command shares (scan,
// cluster), and the code that writes the report and turns it into an exit code, so that the
// commands cannot drift apart.
type reportOptions struct {
	outputs    []string // -o FORMAT or FORMAT=FILE, repeatable
	outputFile string
	failOn     string
	severity   string
	checks     []string
	skipChecks []string
	frameworks []string
	noColor    bool
	config     check.Config
	// configFile is --config, the settings file (config_file.go); flags is the command's
	// flag set, to tell the flags given (they win over the file) from defaults.
	configFile string
	flags      *pflag.FlagSet
	// Exceptions and baselines (internal/exception, internal/baseline).
	exceptionFiles     []string
	noInlineExceptions bool
	baselineFile       string
	// Policy reports: the API they use, and whether the run writes them into the cluster
	// (write_reports.go).
	policyReportAPI string
	writeReports    bool
	reportTarget    kube.Options // scan --snapshot: the cluster to write to

	// Derived by complete.
	sinks  []output
	failAt *check.Severity
	fws    []check.Framework
	minSev check.Severity
	// baseline is the --baseline report; now the time exception expiry is judged at.
	baseline *baseline.Report
	now      time.Time
	// publish, when set, runs after the outputs are written (--write-reports).
	publish func(*report.Report, *scan.Result) error
}

func (o *reportOptions) addFlags(f *pflag.FlagSet) {
	o.flags = f
	f.StringVar(&o.configFile, "config", "", "settings file (YAML) of the checks' configurable settings, e.g. examples/eksguard-config.yaml; flags given on the command line win over it")
	f.StringArrayVarP(&o.outputs, "output", "o", []string{"table"}, "output format: "+strings.Join(report.Names(), ", ")+"; repeatable, FORMAT=FILE writes that format to FILE (at most one FORMAT goes to stdout)")
	f.StringVar(&o.outputFile, "output-file", "", "write the report of a single -o FORMAT to this file instead of stdout")
	f.StringVar(&o.policyReportAPI, "policy-report-api", report.PolicyReportWG, "API of -o policyreport and --write-reports: wgpolicyk8s (wgpolicyk8s.io/v1alpha2 PolicyReport) or openreports (openreports.io/v1alpha1 Report)")
	f.BoolVar(&o.writeReports, "write-reports", false, "also create or update the policy reports of the run in the cluster (cluster, scan --snapshot; RBAC: ClusterRole eksguard-report-writer)")
	f.StringVar(&o.failOn, "fail-on", "high", "exit 1 when a finding at or above this severity fails ("+strings.Join(check.SeverityNames(), ", ")+", or none)")
	f.StringVar(&o.severity, "severity", "info", "report only findings at or above this severity")
	f.StringSliceVar(&o.checks, "checks", nil, "run only these checks (IDs, slugs or globs such as 'EKS-POD-*'; comma-separated)")
	f.StringSliceVar(&o.skipChecks, "skip-checks", nil, "skip these checks (IDs, slugs or globs; comma-separated)")
	f.StringSliceVar(&o.frameworks, "framework", nil, "run only checks of these frameworks: eks-bp, cis-eks, pss-baseline, pss-restricted (comma-separated)")
	f.BoolVar(&o.noColor, "no-color", false, "never colour the table output (NO_COLOR is honoured too)")
	f.BoolVar(&o.config.IncludeSystemNamespaces, "include-system-namespaces", false, "also report checks that skip kube-system, kube-public and kube-node-lease by default")
	f.StringSliceVar(&o.config.ExemptNamespaces, "exempt-namespaces", nil, "namespaces to treat as system namespaces (comma-separated)")
	f.BoolVar(&o.config.RequireCPULimit, "require-cpu-limit", false, "EKS-POD-025 also requires resources.limits.cpu")
	f.StringSliceVar(&o.config.AllowedHostPathPrefixes, "allowed-hostpath-prefixes", nil, "hostPath prefixes EKS-POD-024 accepts (comma-separated)")
	f.StringSliceVar(&o.config.ApprovedRegistries, "approved-registries", nil, "image registries EKS-IMG-003 accepts, as host[/path] prefixes (comma-separated; default: private ECR and the EKS public ECR paths)")
	f.StringSliceVar(&o.config.RBACExempt, "rbac-exempt", nil, "more Role/ClusterRole names the RBAC checks treat as exempt (comma-separated)")
	f.StringVar(&o.config.ResponderRole, "responder-role", "", "ARN of the incident responders' IAM role: EKS-IR-002 reports whether it may snapshot node volumes (ec2:CreateSnapshot)")
	f.StringArrayVar(&o.exceptionFiles, "exceptions", nil, "exceptions file (repeatable); "+exception.FileName+" at the root of each scanned directory (else in the current directory) is read too")
	f.BoolVar(&o.noInlineExceptions, "no-inline-exceptions", false, "ignore "+exception.Annotation+" annotations on objects")
	f.StringVar(&o.baselineFile, "baseline", "", "an earlier JSON report (-o json): report only findings it does not have, and count fixed ones")
}

// responderRoleARN matches an IAM role ARN (--responder-role).
var responderRoleARN = regexp.MustCompile(`^arn:aws[a-z-]*:iam::\d{12}:role/.+$`)

// complete validates the flags and derives what the run needs.
func (o *reportOptions) complete() error {
	sinks, err := parseOutputs(o.outputs, o.outputFile)
	if err != nil {
		return err
	}
	o.sinks = sinks
	if o.configFile != "" {
		settings, err := loadSettings(o.configFile)
		if err != nil {
			return usageError("--config: %v", err)
		}
		settings.apply(&o.config, o.flags)
	}
	if _, err := report.LookupPolicyReportAPI(o.policyReportAPI); err != nil {
		return usageError("--policy-report-api: %v", err)
	}
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
	if role := o.config.ResponderRole; role != "" && !responderRoleARN.MatchString(role) {
		return usageError("--responder-role %q: want an IAM role ARN (arn:aws:iam::<account>:role/<name>)", role)
	}
	o.now = time.Now()
	if len(o.exceptionFiles) > 0 { // fail before a long collection; the scan reads them again with the discovered ones
		cat, err := exception.DefaultCatalogue()
		if err != nil {
			return err
		}
		if _, err := exception.LoadFiles(o.exceptionFiles, cat); err != nil {
			return usageError("invalid exceptions:\n%v", err)
		}
	}
	if o.baselineFile != "" {
		if o.baseline, err = baseline.Load(o.baselineFile); err != nil {
			return usageError("--baseline: %v", err)
		}
	}
	return nil
}

// scanOptions is the check selection and filtering of a run (scan.Options without inputs).
func (o *reportOptions) scanOptions(namespace string) scan.Options {
	return scan.Options{
		Checks:      o.checks,
		SkipChecks:  o.skipChecks,
		Frameworks:  o.fws,
		MinSeverity: o.minSev,
		Namespace:   namespace,
		Config:      o.config,
		Exceptions: &scan.Exceptions{Files: o.exceptionFiles, Discover: true, Inline: !o.noInlineExceptions,
			Now: o.now},
		Baseline:     o.baseline,
		BaselineFile: o.baselineFile,
	}
}

// write renders the report of res and maps it to the exit code: ExitUsage when an input could
// not be read completely, ErrFindingsAboveThreshold when the --fail-on gate fails, nil
// otherwise. Coverage gaps are listed in the report and never change the exit code.
func (o *reportOptions) write(streams IO, inputs []string, res *scan.Result) error {
	rep := report.New(report.Input{ToolVersion: version.String(), Inputs: inputs, Inventory: res.Inventory,
		Results: res.Results, Findings: res.Findings, Scores: res.Scores, FailOn: o.failAt,
		Exceptions: res.Exceptions, Baseline: res.Baseline})

	tableOnStdout, err := o.writeOutputs(streams, rep)
	if err != nil {
		return err
	}
	// Problems also go to stderr unless a table on stdout shows them, so a pipeline log shows them.
	if !tableOnStdout {
		writeProblems(streams.ErrOut, rep)
	}
	if o.publish != nil {
		if err := o.publish(rep, res); err != nil {
			return err
		}
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
