package iam

import (
	"sort"
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

// addonIRSA: EKS-IAM-013.
//
// Forbidden: an add-on that calls AWS APIs running on the node role's credentials. Its
// ServiceAccount must carry the IRSA annotation eks.amazonaws.com/role-arn with a non-empty
// value (or have an EKS Pod Identity association, or the managed add-on's
// serviceAccountRoleArn/podIdentityAssociations: EKS API settings). The add-ons are:
//   - the aws-node (VPC CNI) DaemonSet kube-system/aws-node, whose service account is
//     spec.template.spec.serviceAccountName (default "aws-node"): severity medium;
//   - at severity low, the service accounts of other controllers that call AWS:
//     kube-system/ebs-csi-controller-sa, kube-system/efs-csi-controller-sa,
//     kube-system/fsx-csi-controller-sa (FSx CSI controller),
//     kube-system/aws-load-balancer-controller, and cluster-autoscaler, karpenter and
//     external-dns in any namespace.
//
// Findings point at the ServiceAccount's metadata.annotations["eks.amazonaws.com/role-arn"]
// (its nearest parent when absent). The add-ons live in kube-system, so system namespaces are
// evaluated.
//
// Decisions for manifest mode, which sees neither Pod Identity associations nor add-on
// settings (messages say so): only the annotation decides. An add-on counts as present when its
// ServiceAccount or a workload using it is in the input; the ServiceAccount itself must be in
// the input to be evaluated, since the annotation lives there. ServiceAccount
// kube-system/aws-node counts as aws-node's unless an aws-node DaemonSet in the input names
// another one (an add-on whose ServiceAccount
// comes from elsewhere, such as the managed add-on, is not reported). Besides the service
// account names above, a workload is recognised as one of these controllers by its container
// image (repository ending in cluster-autoscaler, karpenter/controller, external-dns,
// aws-load-balancer-controller, aws-ebs-csi-driver, aws-efs-csi-driver or aws-fsx-csi-driver),
// since Helm releases often rename the service account; DaemonSets are not recognised this way
// because the CSI node plugins share the driver image and need no role. Not applicable, and
// nothing is reported, when the input has no aws-node and none of these controllers (another
// CNI, EKS Auto Mode).
var addonIRSA = &check.Check{
	Meta: check.Meta{
		ID:       "EKS-IAM-013",
		Slug:     "addon-irsa",
		Title:    "The aws-node (VPC CNI) DaemonSet and other AWS-calling add-ons must use IRSA or EKS Pod Identity",
		Section:  "iam",
		Severity: check.Medium,
		Source:   check.SourceK8sObjects,
		Remediation: "Create a role with AmazonEKS_CNI_Policy trusted for kube-system/aws-node (IRSA or Pod Identity), attach it to the " +
			"vpc-cni add-on, and then detach AmazonEKS_CNI_Policy from the node role.",
		References: check.References{
			Guide: "iam#update-the-aws-node-daemonset-to-use-irsa",
		},
		SystemNamespaces: check.CheckSystemNamespaces,
	},
	Reads: append([]string{"ServiceAccount"}, check.WorkloadKinds...),
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		targets := map[saKey]*addonTarget{}
		add := func(k saKey, sev check.Severity, what string, user *inventory.Object) {
			t := targets[k]
			if t == nil {
				t = &addonTarget{severity: sev, what: what}
				targets[k] = t
			}
			if sev > t.severity {
				t.severity, t.what = sev, what
			}
			if user != nil {
				t.users = append(t.users, user.Kind+" "+saKey{user.Namespace, user.Name}.String())
			}
		}
		for k, what := range addonServiceAccounts {
			add(k, check.Low, what, nil)
		}
		awsNode := false
		for _, p := range inv.PodSpecs() {
			name, _ := effectiveServiceAccount(p)
			k := saKey{p.Namespace(), name}
			if _, ok := p.Object.Typed.(*appsv1.DaemonSet); ok {
				if p.Object.Name == "aws-node" && p.Namespace() == "kube-system" {
					if p.Spec.ServiceAccountName == "" && p.Spec.DeprecatedServiceAccount == "" {
						k.name = "aws-node"
					}
					add(k, check.Medium, awsNodeAddon, p.Object)
					awsNode = true
				}
				continue
			}
			if what, ok := addonServiceAccounts[k]; ok {
				add(k, check.Low, what, p.Object)
				continue
			}
			if what, ok := addonServiceAccounts[saKey{"", name}]; ok {
				add(k, check.Low, what, p.Object)
				continue
			}
			for _, c := range p.Containers() {
				if what := addonImage(c.Image); what != "" {
					add(k, check.Low, what, p.Object)
					break
				}
			}
		}
		if !awsNode {
			add(saKey{"kube-system", "aws-node"}, check.Medium, awsNodeAddon, nil)
		}

		for _, o := range inv.OfKind("ServiceAccount") {
			sa, ok := o.Typed.(*corev1.ServiceAccount)
			if !ok {
				continue
			}
			t := targets[saKey{o.Namespace, o.Name}]
			if t == nil {
				t = targets[saKey{"", o.Name}] // names matched in any namespace
			}
			if t == nil {
				continue
			}
			r.Evaluated(1)
			at := fieldpath.Root.Key("metadata").Key("annotations").Key(irsaRoleARNAnnotation)
			role, set := sa.Annotations[irsaRoleARNAnnotation]
			if strings.TrimSpace(role) != "" {
				continue
			}
			msg := "ServiceAccount " + strconv.Quote(saKey{o.Namespace, o.Name}.String()) + " of " + t.what
			if len(t.users) > 0 {
				sort.Strings(t.users)
				msg += " (used by " + strings.Join(t.users, ", ") + ")"
			}
			if set {
				msg += " sets " + irsaRoleARNAnnotation + " to an empty value"
			} else {
				msg += " has no " + irsaRoleARNAnnotation + " annotation"
			}
			msg += ": it calls AWS with the node role's credentials unless an EKS Pod Identity association or the add-on's service account role provides one, which manifests do not show"
			r.FailWith(o, at, t.severity, msg)
		}
	},
}

// irsaRoleARNAnnotation is the IRSA annotation the EKS pod identity webhook reads.
const irsaRoleARNAnnotation = "eks.amazonaws.com/role-arn"

const awsNodeAddon = "the aws-node (VPC CNI) DaemonSet"

// addonTarget is a service account of an AWS-calling add-on.
type addonTarget struct {
	severity check.Severity
	what     string
	users    []string
}

// addonServiceAccounts are the service accounts of AWS-calling controllers other than aws-node;
// an empty namespace matches any namespace.
var addonServiceAccounts = map[saKey]string{
	{"kube-system", "ebs-csi-controller-sa"}:        "the EBS CSI controller",
	{"kube-system", "efs-csi-controller-sa"}:        "the EFS CSI controller",
	{"kube-system", "fsx-csi-controller-sa"}:        "the FSx CSI controller",
	{"kube-system", "aws-load-balancer-controller"}: "the AWS Load Balancer Controller",
	{"", "cluster-autoscaler"}:                      "Cluster Autoscaler",
	{"", "karpenter"}:                               "Karpenter",
	{"", "external-dns"}:                            "ExternalDNS",
}

// addonImages maps the trailing repository path of controller images to the controller.
var addonImages = []struct{ suffix, what string }{
	{"/cluster-autoscaler", "Cluster Autoscaler"},
	{"/karpenter/controller", "Karpenter"},
	{"/external-dns", "ExternalDNS"},
	{"/aws-load-balancer-controller", "the AWS Load Balancer Controller"},
	{"/aws-ebs-csi-driver", "the EBS CSI controller"},
	{"/aws-efs-csi-driver", "the EFS CSI controller"},
	{"/aws-fsx-csi-driver", "the FSx CSI controller"},
}

// addonImage names the controller an image belongs to, or "". The repository is the image
// reference without digest and tag (IMAGE_REF), compared on whole path segments.
func addonImage(image string) string {
	repo, _, _ := strings.Cut(image, "@")
	if i := strings.LastIndexByte(repo, ':'); i > strings.LastIndexByte(repo, '/') {
		repo = repo[:i]
	}
	repo = "/" + repo
	for _, m := range addonImages {
		if strings.HasSuffix(repo, m.suffix) {
			return m.what
		}
	}
	return ""
}

func init() { check.Register(addonIRSA) }
