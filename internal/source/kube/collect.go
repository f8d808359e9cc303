// Package kube fills an inventory from a live cluster through the Kubernetes API: every kind
// the checks read, listed page by page (limit/continue), several kinds at once, within
// client-side rate limits. Secrets are read as metadata only. What cannot be listed (403, a
// built-in resource the server does not serve, an error that outlasted the retries) becomes
// an inventory.Gap and the collection goes on.
//
// Decision: a custom resource whose CRD is not installed is not a gap. Absence of the CRD
// means there are no such objects, which is exactly what checks need to know ("no Kyverno
// policies"); it is only logged (Options.Debugf). A built-in resource that is not served or
// answers 404 is a gap: the checks reading it would otherwise mistake missing data for absence.
package kube

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"
	"k8s.io/klog/v2"

	"github.com/eksguard/eksguard/internal/inventory"
)

// Defaults of Options.
const (
	DefaultQPS            = 50
	DefaultBurst          = 100
	DefaultConcurrency    = 4
	DefaultPageSize       = 500
	DefaultRequestTimeout = 30 * time.Second
)

// DefaultBackoff is how transient errors (timeouts, 429, 5xx, connection resets) are retried:
// four tries, waiting about 0.5 s, 1 s and 2 s between them.
var DefaultBackoff = wait.Backoff{Duration: 500 * time.Millisecond, Factor: 2, Jitter: 0.2, Steps: 4}

// Options say which cluster to read and how hard to press it.
type Options struct {
	// Kubeconfig is the kubeconfig file (--kubeconfig). Empty follows the usual rules:
	// KUBECONFIG, then ~/.kube/config, then the in-cluster service account.
	Kubeconfig string
	// Context is the kubeconfig context to use (--context); empty is the current context.
	Context string
	// RESTConfig, when set, is used instead of the kubeconfig rules (tests, embedders). It is
	// copied; QPS, Burst and the timeout below still apply.
	RESTConfig *rest.Config
	// Cluster names the cluster in findings (LiveRef.Cluster). Default: the kubeconfig context
	// name, else the API server URL.
	Cluster string
	// Namespace limits namespaced kinds to one namespace; empty lists all namespaces.
	// Cluster-scoped kinds the checks read (Namespace, Node, ClusterRole, ...) are listed
	// either way, where RBAC allows.
	Namespace string
	// QPS and Burst are the client-side rate limits (default DefaultQPS, DefaultBurst). A
	// negative QPS disables client-side rate limiting.
	QPS   float32
	Burst int
	// Concurrency bounds the list calls in flight at once (default DefaultConcurrency).
	Concurrency int
	// PageSize is the limit of each list call; continue tokens fetch the rest (default
	// DefaultPageSize).
	PageSize int64
	// RequestTimeout bounds each request (default DefaultRequestTimeout).
	RequestTimeout time.Duration
	// Backoff is the retry schedule for transient errors (default DefaultBackoff).
	Backoff *wait.Backoff
	// Progress, if set, is called after each page a kind's list returns, with the objects
	// listed so far, and once more with done true when the kind is finished (or failed).
	// kind is the group-qualified kind (Pod, Deployment.apps). Calls are serialised.
	Progress func(kind string, listed int, done bool)
	// Debugf, if set, receives debug log lines: kinds not installed, retries, API warnings.
	Debugf func(format string, args ...any)
}

// ErrNamespaceNotFound is returned when Options.Namespace names no namespace of the cluster.
var ErrNamespaceNotFound = errors.New("namespace not found")

// Collect reads the cluster into an inventory. Every object carries its UID and an
// Origin.Live naming the cluster, its resource version and what manages it; objects of the
// kinds checks read through a typed view are decoded. Collect fails only when the cluster
// cannot be reached or discovered at all (or ctx ends); anything narrower is a Gap.
func Collect(ctx context.Context, opts Options) (*inventory.Inventory, error) {
	opts.setDefaults()
	cfg, cluster, err := restConfig(opts)
	if err != nil {
		return nil, err
	}
	c := &collector{opts: opts, cluster: cluster}
	cfg.WarningHandler = warningLogger{c}
	// client-go logs through the context's logger (throttling notices, ...): to the debug
	// log, never to stderr, where it would break machine-readable output.
	logger := logr.Discard()
	if opts.Debugf != nil {
		logger = funcr.New(func(prefix, args string) { c.debugf("client-go: %s %s", prefix, args) }, funcr.Options{})
	}
	ctx = klog.NewContext(ctx, logger)
	if c.dyn, err = dynamic.NewForConfig(cfg); err != nil {
		return nil, fmt.Errorf("dynamic client: %w", err)
	}
	if c.meta, err = metadata.NewForConfig(cfg); err != nil {
		return nil, fmt.Errorf("metadata client: %w", err)
	}
	targets, gaps, err := c.resolve(ctx, cfg)
	if err != nil {
		return nil, err
	}
	inv := &inventory.Inventory{Inputs: []string{c.input()}}
	for _, g := range gaps {
		inv.ReportGap(g)
	}
	results := c.listTargets(ctx, targets)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// The first fatal error cancels the other lists; report it, not their cancellation.
	var fatal error
	for _, r := range results {
		if r.fatal != nil && (fatal == nil || errors.Is(fatal, context.Canceled)) {
			fatal = r.fatal
		}
	}
	if fatal != nil {
		return nil, fatal
	}
	if opts.Namespace != "" {
		if err := checkNamespace(results, opts.Namespace); err != nil {
			return nil, err
		}
	}
	for _, r := range results {
		inv.Add(r.objects...)
		inv.Report(r.problems...)
		if r.gap != nil {
			inv.ReportGap(*r.gap)
		}
	}
	return inv, nil
}

func (o *Options) setDefaults() {
	if o.QPS == 0 {
		o.QPS = DefaultQPS
	}
	if o.Burst <= 0 {
		o.Burst = DefaultBurst
	}
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.PageSize <= 0 {
		o.PageSize = DefaultPageSize
	}
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = DefaultRequestTimeout
	}
	if o.Backoff == nil {
		b := DefaultBackoff
		o.Backoff = &b
	}
}

// collector is one Collect call.
type collector struct {
	opts    Options
	cluster string
	dyn     dynamic.Interface
	meta    metadata.Interface

	progressMu sync.Mutex
}

// input names what was collected, for the report's inputs.
func (c *collector) input() string {
	if c.opts.Namespace != "" {
		return "cluster " + c.cluster + ", namespace " + c.opts.Namespace
	}
	return "cluster " + c.cluster
}

func (c *collector) debugf(format string, args ...any) {
	if c.opts.Debugf != nil {
		c.opts.Debugf(format, args...)
	}
}

func (c *collector) progress(kind string, listed int, done bool) {
	if c.opts.Progress == nil {
		return
	}
	c.progressMu.Lock()
	defer c.progressMu.Unlock()
	c.opts.Progress(kind, listed, done)
}

// warningLogger sends the API server's warnings (deprecated APIs, ...) to the debug log
// instead of stderr, where they would break machine-readable output and progress bars.
type warningLogger struct{ c *collector }

func (w warningLogger) HandleWarningHeader(code int, agent, text string) {
	if code == 299 && text != "" {
		w.c.debugf("API warning: %s", text)
	}
}

// checkNamespace fails a namespaced collection whose namespace the cluster does not have, so
// that a mistyped -n is not an empty, passing report. When Namespaces could not be listed,
// nothing is known and nothing is said.
func checkNamespace(results []*result, ns string) error {
	for _, r := range results {
		if r.target.gk.Group == "" && r.target.gk.Kind == "Namespace" {
			if r.gap == nil && len(r.objects) == 0 {
				return fmt.Errorf("%w: %q", ErrNamespaceNotFound, ns)
			}
			return nil
		}
	}
	return nil
}
