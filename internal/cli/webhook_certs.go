package cli

import (
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/eksguard/eksguard/internal/admission"
)

func newWebhookCertsCommand(streams IO) *cobra.Command {
	var service, namespace, outDir string
	var validity time.Duration
	cmd := &cobra.Command{
		Use:   "certs",
		Short: "Write a self-signed CA and a serving certificate for the webhook's Service",
		Long: `Write ca.crt, tls.crt and tls.key (mode 0600) for the webhook Service's DNS names
(<service>, <service>.<namespace>, <service>.<namespace>.svc, <service>.<namespace>.svc.cluster.local),
and print the base64 caBundle to put in the ValidatingWebhookConfiguration. Use it where
cert-manager is not installed; re-run it before the certificate expires (the webhook reloads the
files when they change).`,
		Example: `  eksguard webhook certs --service eksguard-webhook --namespace eksguard-system --out-dir ./certs
  kubectl -n eksguard-system create secret tls eksguard-webhook-tls --cert certs/tls.crt --key certs/tls.key`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if service == "" || namespace == "" || outDir == "" {
				return usageError("--service, --namespace and --out-dir are required")
			}
			caPEM, certPEM, keyPEM, err := admission.SelfSignedServing(service, namespace, validity)
			if err != nil {
				return err
			}
			if err := os.MkdirAll(outDir, 0o700); err != nil {
				return fmt.Errorf("create %s: %w", outDir, err)
			}
			for name, data := range map[string][]byte{"ca.crt": caPEM, "tls.crt": certPEM, "tls.key": keyPEM} {
				path := filepath.Join(outDir, name)
				if err := os.WriteFile(path, data, 0o600); err != nil {
					return fmt.Errorf("write %s: %w", path, err)
				}
			}
			fmt.Fprintf(streams.ErrOut, "wrote %s/{ca.crt,tls.crt,tls.key}; caBundle:\n", outDir)
			fmt.Fprintln(streams.Out, base64.StdEncoding.EncodeToString(caPEM))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&service, "service", "eksguard-webhook", "the webhook's Service name")
	f.StringVar(&namespace, "namespace", "eksguard-system", "the webhook's namespace")
	f.StringVar(&outDir, "out-dir", "", "directory to write ca.crt, tls.crt and tls.key to")
	f.DurationVar(&validity, "validity", 365*24*time.Hour, "how long the certificates are valid")
	return cmd
}
