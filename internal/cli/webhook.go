package cli

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"

	"github.com/eksguard/eksguard/internal/admission"
	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/exception"
	"github.com/eksguard/eksguard/internal/scan"
	"github.com/eksguard/eksguard/internal/source/kube"
)

type webhookOptions struct {
	listen, certFile, keyFile string
	mode, failOn              string
	checks, skipChecks        []string
	frameworks                []string
	exceptionFiles            []string
	inlineExceptions          bool
	exclude                   []string
	timeout                   time.Duration
	failClosed                bool
	namespaceModes            bool
	kubeconfig, kubeContext   string
	logLevel                  string
	config                    check.Config
}

func newWebhookCommand(streams IO) *cobra.Command {
	o := &webhookOptions{}
	cmd := &cobra.Command{
		Use:   "webhook",
		Short: "Run the validating admission webhook that applies eksguard's checks at admission",
		Long: `Run an admission/v1 validating webhook server over HTTPS. Each Pod, workload and other object
the API server sends is evaluated with the object-local checks of eksguard scan (the same registry,
IDs, messages and exceptions). What happens with failing findings depends on the mode, set globally
with --mode and per namespace with the label eksguard.io/mode=enforce|warn|audit|off:

  enforce  deny objects with a finding at or above --fail-on (the message names each check, field
           and remediation); lower findings come back as warnings
  warn     admit, returning the findings as admission warnings (kubectl prints them)
  audit    admit silently; findings are logged and counted in /metrics
  off      do not evaluate

kube-system, kube-node-lease and the webhook's own namespace (POD_NAMESPACE) are never evaluated.
The server also serves /healthz, /readyz and /metrics (Prometheus). deploy/webhook/ holds the
manifests to run it; "eksguard webhook certs" makes a self-signed serving certificate when
cert-manager is not used.`,
		Example: `  eksguard webhook --tls-cert-file /tls/tls.crt --tls-private-key-file /tls/tls.key --mode enforce
  eksguard webhook certs --service eksguard-webhook --namespace eksguard-system --out-dir ./certs`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runWebhook(ctx, streams, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.listen, "listen", ":8443", "address to serve HTTPS on")
	f.StringVar(&o.certFile, "tls-cert-file", "", "serving certificate (PEM); reloaded when it changes")
	f.StringVar(&o.keyFile, "tls-private-key-file", "", "serving certificate's private key (PEM)")
	f.StringVar(&o.mode, "mode", string(admission.ModeWarn), "mode where a namespace has no "+admission.ModeLabel+" label: enforce, warn, audit or off")
	f.StringVar(&o.failOn, "fail-on", "high", "enforce mode denies findings at or above this severity ("+strings.Join(check.SeverityNames(), ", ")+")")
	f.StringSliceVar(&o.checks, "checks", nil, "run only these checks (IDs, slugs or globs; comma-separated)")
	f.StringSliceVar(&o.skipChecks, "skip-checks", nil, "skip these checks (IDs, slugs or globs; comma-separated)")
	f.StringSliceVar(&o.frameworks, "framework", nil, "run only checks of these frameworks: eks-bp, cis-eks, pss-baseline, pss-restricted")
	f.StringArrayVar(&o.exceptionFiles, "exceptions", nil, "exceptions file (repeatable)")
	f.BoolVar(&o.inlineExceptions, "inline-exceptions", false, "honour "+exception.Annotation+" annotations on the reviewed objects (off: whoever creates an object controls its annotations; exceptions files are the operator's)")
	f.StringSliceVar(&o.exclude, "exclude-namespaces", nil, "more namespaces never evaluated (kube-system, kube-node-lease and POD_NAMESPACE always are)")
	f.DurationVar(&o.timeout, "timeout", 2*time.Second, "bound on one evaluation; keep it below the webhook configuration's timeoutSeconds")
	f.BoolVar(&o.failClosed, "fail-closed", false, "in enforce mode, deny when an object cannot be evaluated (default: admit with a warning)")
	f.BoolVar(&o.namespaceModes, "namespace-modes", true, "watch namespaces for the "+admission.ModeLabel+" label (needs list/watch on namespaces)")
	f.StringVar(&o.kubeconfig, "kubeconfig", "", "kubeconfig for watching namespaces (default: in-cluster, then KUBECONFIG and ~/.kube/config)")
	f.StringVar(&o.kubeContext, "context", "", "kubeconfig context")
	f.StringVar(&o.logLevel, "log-level", "info", "debug, info, warn or error (JSON logs on stderr; object contents are never logged)")
	f.StringSliceVar(&o.config.ExemptNamespaces, "exempt-namespaces", nil, "namespaces to treat as system namespaces (comma-separated)")
	f.BoolVar(&o.config.RequireCPULimit, "require-cpu-limit", false, "EKS-POD-025 also requires resources.limits.cpu")
	f.StringSliceVar(&o.config.AllowedHostPathPrefixes, "allowed-hostpath-prefixes", nil, "hostPath prefixes EKS-POD-024 accepts (comma-separated)")
	f.StringSliceVar(&o.config.ApprovedRegistries, "approved-registries", nil, "image registries EKS-IMG-003 accepts (comma-separated)")
	cmd.AddCommand(newWebhookCertsCommand(streams))
	return cmd
}

func runWebhook(ctx context.Context, streams IO, o *webhookOptions) error {
	if o.certFile == "" || o.keyFile == "" {
		return usageError("--tls-cert-file and --tls-private-key-file are required (see eksguard webhook certs)")
	}
	mode, err := admission.ParseMode(o.mode)
	if err != nil {
		return usageError("--mode: %v", err)
	}
	failOn, err := check.ParseSeverity(o.failOn)
	if err != nil {
		return usageError("--fail-on: %v", err)
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(o.logLevel)); err != nil {
		return usageError("--log-level: %v", err)
	}
	logger := slog.New(slog.NewJSONHandler(streams.ErrOut, &slog.HandlerOptions{Level: level}))
	var fws []check.Framework
	for _, name := range o.frameworks {
		fw, err := check.ParseFramework(name)
		if err != nil {
			return usageError("--framework: %v", err)
		}
		fws = append(fws, fw)
	}
	sel, err := scan.Plan(scan.Options{Checks: o.checks, SkipChecks: o.skipChecks, Frameworks: fws})
	if err != nil {
		return usageError("%v", err)
	}
	cat, err := exception.DefaultCatalogue()
	if err != nil {
		return err
	}
	entries, err := exception.LoadFiles(o.exceptionFiles, cat)
	if err != nil {
		return usageError("invalid exceptions:\n%v", err)
	}
	excluded := append(slices.Clone(admission.DefaultExcludedNamespaces), o.exclude...)
	if own := os.Getenv("POD_NAMESPACE"); own != "" {
		excluded = append(excluded, own)
	}
	certs, err := admission.NewCertReloader(o.certFile, o.keyFile)
	if err != nil {
		return usageError("%v", err)
	}
	metrics := admission.NewMetrics()
	opts := admission.Options{
		Mode: mode, FailOn: failOn, Checks: sel.Checks, Config: o.config,
		Exceptions:         exception.New(entries, exception.Options{Now: time.Now(), Inline: o.inlineExceptions, Catalogue: cat}),
		ExcludedNamespaces: excluded, Timeout: o.timeout, FailClosed: o.failClosed, Logger: logger, Metrics: metrics,
	}
	ready := func() bool { return true }
	if o.namespaceModes {
		labels, synced, err := watchNamespaces(ctx, o)
		if err != nil {
			return fmt.Errorf("watch namespaces for %s (or run with --namespace-modes=false): %w", admission.ModeLabel, err)
		}
		opts.NamespaceLabels, ready = labels, synced
	}
	reviewer := admission.NewReviewer(opts)
	l, err := net.Listen("tcp", o.listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", o.listen, err)
	}
	logger.Info("eksguard webhook serving", "address", l.Addr().String(), "mode", string(mode), "failOn", failOn.String(),
		"checks", len(reviewer.Checks()), "excludedNamespaces", excluded)
	return admission.Serve(ctx, l, admission.Handler(reviewer, metrics, ready), certs, logger)
}

// watchNamespaces keeps the namespaces' labels in an informer's cache.
func watchNamespaces(ctx context.Context, o *webhookOptions) (func(string) (map[string]string, bool), func() bool, error) {
	cfg, _, err := kube.RESTConfig(kube.Options{Kubeconfig: o.kubeconfig, Context: o.kubeContext})
	if err != nil {
		return nil, nil, err
	}
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, nil, err
	}
	factory := informers.NewSharedInformerFactory(client, 10*time.Minute)
	nsInformer := factory.Core().V1().Namespaces()
	lister := nsInformer.Lister()
	informer := nsInformer.Informer()
	factory.Start(ctx.Done())
	labels := func(name string) (map[string]string, bool) {
		ns, err := lister.Get(name)
		if err != nil {
			return nil, false
		}
		return ns.Labels, true
	}
	return labels, informer.HasSynced, nil
}
