package kube

import (
	"fmt"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/eksguard/eksguard/internal/version"
)

// RESTConfig is the client configuration Collect would use for opts (kubeconfig rules, rate
// limits, timeout, user agent) and the name it gives the cluster, for commands that also
// write to the cluster they read (--write-reports).
func RESTConfig(opts Options) (*rest.Config, string, error) {
	opts.setDefaults()
	return restConfig(opts)
}

// restConfig builds the client configuration as kubectl does (--kubeconfig, KUBECONFIG,
// ~/.kube/config, --context, then in-cluster) and names the cluster: the context, else the
// API server URL.
func restConfig(opts Options) (*rest.Config, string, error) {
	var cfg *rest.Config
	cluster := opts.Cluster
	if opts.RESTConfig != nil {
		cfg = rest.CopyConfig(opts.RESTConfig)
	} else {
		rules := clientcmd.NewDefaultClientConfigLoadingRules()
		rules.ExplicitPath = opts.Kubeconfig
		cc := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: opts.Context})
		var err error
		if cfg, err = cc.ClientConfig(); err != nil {
			return nil, "", fmt.Errorf("load kubeconfig: %w", err)
		}
		if cluster == "" {
			cluster = opts.Context
		}
		if cluster == "" {
			if raw, err := cc.RawConfig(); err == nil {
				cluster = raw.CurrentContext
			}
		}
	}
	if cluster == "" {
		cluster = cfg.Host
	}
	cfg.QPS, cfg.Burst = opts.QPS, opts.Burst
	cfg.Timeout = opts.RequestTimeout
	cfg.UserAgent = "eksguard/" + version.String()
	return cfg, cluster, nil
}
