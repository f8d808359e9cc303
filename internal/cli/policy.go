package cli

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/policy/vap"
)

func newPolicyCommand(streams IO) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "policy",
		Short: "Turn eksguard's checks into admission policies the API server enforces",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newPolicyExportCommand(streams))
	return cmd
}

func newPolicyExportCommand(streams IO) *cobra.Command {
	var format, action string
	var listUnsupported bool
	var opts vap.Options
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write ValidatingAdmissionPolicies (CEL) for the object-local checks CEL can express",
		Long: `Write one ValidatingAdmissionPolicy and one ValidatingAdmissionPolicyBinding
(admissionregistration.k8s.io/v1) per exported check, named eksguard-<slug> and labelled
eksguard.io/check-id=<ID>. A pod-spec check's policy matches every kind that carries a pod
spec (Pod, PodTemplate, ReplicationController, Deployment, ReplicaSet, StatefulSet, DaemonSet,
Job, CronJob), an object check's policy its kind; creates are judged, and updates that change
what the check reads. Denials name the check's ID and title. Bindings leave out the namespaces where
eksguard scan would not fail the check: system namespaces (kube-system, kube-public,
kube-node-lease and --exempt-namespaces) for the Pod Security Standards checks, and for
checks that skip them unless --include-system-namespaces.

The YAML starts with a comment listing the object-local checks that are not exported and
why; --list-unsupported prints every check that is not exported, with the reason, instead.`,
		Example: `  eksguard policy export --format vap | kubectl apply -f -
  eksguard policy export --format vap --action Warn --exempt-namespaces monitoring
  eksguard policy export --format vap --allowed-hostpath-prefixes /var/log/pods,/opt/agent
  eksguard policy export --format vap --list-unsupported`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if format != "vap" {
				return usageError("unknown --format %q (want vap)", format)
			}
			a, err := vap.ParseAction(action)
			if err != nil {
				return usageError("--action: %v", err)
			}
			opts.Action = a
			all, err := check.All()
			if err != nil {
				return err
			}
			if listUnsupported {
				w := tabwriter.NewWriter(streams.Out, 0, 4, 2, ' ', 0)
				fmt.Fprintln(w, "ID\tSLUG\tREASON")
				for _, u := range vap.UnsupportedChecks(all) {
					fmt.Fprintf(w, "%s\t%s\t%s\n", u.Check.ID, u.Check.Slug, u.Reason)
				}
				return w.Flush()
			}
			data, err := vap.WriteYAML(all, opts)
			if err != nil {
				return err
			}
			_, err = streams.Out.Write(data)
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&format, "format", "vap", "policy format: vap (ValidatingAdmissionPolicy)")
	f.StringVar(&action, "action", "Deny", "the bindings' validation action: Deny, Warn or Audit")
	f.BoolVar(&listUnsupported, "list-unsupported", false, "list the checks that are not exported, and why, instead of writing policies")
	f.StringSliceVar(&opts.ExemptNamespaces, "exempt-namespaces", nil, "namespaces to treat as system namespaces, as eksguard scan does (comma-separated)")
	f.BoolVar(&opts.IncludeSystemNamespaces, "include-system-namespaces", false, "bind checks that skip system namespaces there too, as eksguard scan does")
	f.StringSliceVar(&opts.AllowedHostPathPrefixes, "allowed-hostpath-prefixes", nil, "hostPath prefixes EKS-POD-024 accepts, as eksguard scan does (comma-separated)")
	f.BoolVar(&opts.InlineExceptions, "inline-exceptions", false, "exempt objects whose eksguard.io/ignore annotation names the check (ID or slug) with a reason; off by default, since whoever creates an object controls its annotations")
	f.StringSliceVar(&opts.ApprovedRegistries, "approved-registries", nil, "image registries EKS-IMG-003 accepts, as host[/path] prefixes, as eksguard scan does (comma-separated; default: private ECR and the EKS public ECR paths)")
	return cmd
}
