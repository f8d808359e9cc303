package aws

import (
	"net/url"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/eksguard/eksguard/internal/inventory"
)

// Found is what the kubeconfig says about the EKS cluster of a context.
type Found struct {
	ClusterName string
	Region      string
	Profile     string
}

// eksHost matches an EKS API server host name: <id>.<suffix>.<region>.eks.amazonaws.com.
var eksHost = regexp.MustCompile(`\.([a-z]{2}(?:-[a-z]+)+-\d+)\.eks\.amazonaws\.com(?:\.cn)?$`)

// FromKubeconfig reads the cluster name, region and profile of a kubeconfig context (empty
// context: the current one) from its user's exec plugin, as `aws eks update-kubeconfig`
// writes it: `aws --region R eks get-token --cluster-name N` (or --cluster-id), with
// AWS_PROFILE in the exec environment or --profile; or `aws-iam-authenticator token -i N`.
// The region falls back to the API server's host name. Anything not found is empty.
func FromKubeconfig(kubeconfig, context string) Found {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = kubeconfig
	raw, err := rules.Load()
	if err != nil || raw == nil {
		return Found{}
	}
	return fromConfig(raw, context)
}

func fromConfig(raw *clientcmdapi.Config, context string) Found {
	if context == "" {
		context = raw.CurrentContext
	}
	ctx, ok := raw.Contexts[context]
	if !ok {
		return Found{}
	}
	var f Found
	if user, ok := raw.AuthInfos[ctx.AuthInfo]; ok && user.Exec != nil {
		f = fromExec(user.Exec)
	}
	if cl, ok := raw.Clusters[ctx.Cluster]; ok && f.Region == "" {
		if u, err := url.Parse(cl.Server); err == nil {
			if m := eksHost.FindStringSubmatch(u.Hostname()); m != nil {
				f.Region = m[1]
			}
		}
	}
	return f
}

func fromExec(exec *clientcmdapi.ExecConfig) Found {
	var f Found
	args := exec.Args
	value := func(i int, name string) (string, bool) {
		a := args[i]
		if v, ok := strings.CutPrefix(a, name+"="); ok {
			return v, true
		}
		if a == name && i+1 < len(args) {
			return args[i+1], true
		}
		return "", false
	}
	cmd := filepath.Base(exec.Command)
	for i := range args {
		switch {
		case cmd == "aws" || strings.HasPrefix(cmd, "aws."):
			if v, ok := value(i, "--cluster-name"); ok {
				f.ClusterName = v
			} else if v, ok := value(i, "--cluster-id"); ok && f.ClusterName == "" {
				f.ClusterName = v
			}
		case strings.HasPrefix(cmd, "aws-iam-authenticator"):
			if v, ok := value(i, "-i"); ok {
				f.ClusterName = v
			} else if v, ok := value(i, "--cluster-id"); ok {
				f.ClusterName = v
			}
		}
		if v, ok := value(i, "--region"); ok {
			f.Region = v
		}
		if v, ok := value(i, "--profile"); ok {
			f.Profile = v
		}
	}
	for _, e := range exec.Env {
		switch e.Name {
		case "AWS_PROFILE":
			if f.Profile == "" {
				f.Profile = e.Value
			}
		case "AWS_REGION", "AWS_DEFAULT_REGION":
			if f.Region == "" {
				f.Region = e.Value
			}
		}
	}
	return f
}

// Annotations and labels the AWS side reads from Kubernetes objects.
const (
	// IRSAAnnotation on a ServiceAccount names the IAM role its pods assume (IRSA).
	IRSAAnnotation = "eks.amazonaws.com/role-arn"
)

// k8sFacts is what the Kubernetes objects of the inventory add to the AWS collection.
type k8sFacts struct {
	// irsa maps role ARN -> "<ns>/<sa>" of the ServiceAccounts annotated with it.
	irsa map[string][]string
	// nodeInstances are instance IDs from Nodes' spec.providerID (aws:///<az>/<id>).
	nodeInstances []string
	// pvVolumes are the EBS volume IDs of PersistentVolumes (ebs.csi.aws.com volumeHandle,
	// legacy awsElasticBlockStore.volumeID).
	pvVolumes []string
	// sgpGroups are the security group IDs SecurityGroupPolicies (vpcresources.k8s.aws)
	// name in spec.securityGroups.groupIds.
	sgpGroups []string
	// efsFileSystems are the EFS file system IDs of PersistentVolumes (efs.csi.aws.com
	// volumeHandle, its first ":"-separated field) and StorageClasses (provisioner
	// efs.csi.aws.com, parameters.fileSystemId).
	efsFileSystems []string
	// secretRefs are the Secrets Manager secrets SecretProviderClasses and ExternalSecrets
	// reference (secretRefs).
	secretRefs []secretRef
}

func kubeFacts(inv *inventory.Inventory) k8sFacts {
	f := k8sFacts{irsa: map[string][]string{}}
	if inv == nil {
		return f
	}
	for _, o := range inv.OfKind("ServiceAccount") {
		sa, ok := o.Typed.(*corev1.ServiceAccount)
		if !ok {
			continue
		}
		if arn := strings.TrimSpace(sa.Annotations[IRSAAnnotation]); arn != "" {
			f.irsa[arn] = append(f.irsa[arn], o.Namespace+"/"+o.Name)
		}
	}
	seen := map[string]bool{}
	for _, o := range inv.OfKind("Node") {
		node, ok := o.Typed.(*corev1.Node)
		if !ok {
			continue
		}
		if id := InstanceID(node.Spec.ProviderID); id != "" && !seen[id] {
			seen[id] = true
			f.nodeInstances = append(f.nodeInstances, id)
		}
	}
	sort.Strings(f.nodeInstances)
	for _, o := range inv.OfKind("PersistentVolume") {
		pv, ok := o.Typed.(*corev1.PersistentVolume)
		if !ok {
			continue
		}
		id := ""
		if csi := pv.Spec.CSI; csi != nil && csi.Driver == "ebs.csi.aws.com" {
			id = csi.VolumeHandle
		} else if ebs := pv.Spec.AWSElasticBlockStore; ebs != nil {
			id = ebs.VolumeID[strings.LastIndex(ebs.VolumeID, "/")+1:] // aws://<az>/<vol-id> or <vol-id>
		}
		if strings.HasPrefix(id, "vol-") && !seen[id] {
			seen[id] = true
			f.pvVolumes = append(f.pvVolumes, id)
		}
	}
	sort.Strings(f.pvVolumes)
	for _, o := range inv.OfKind("SecurityGroupPolicy") {
		sg, _ := o.Raw["spec"].(map[string]any)
		groups, _ := sg["securityGroups"].(map[string]any)
		ids, _ := groups["groupIds"].([]any)
		for _, v := range ids {
			if id, ok := v.(string); ok && id != "" && !seen[id] {
				seen[id] = true
				f.sgpGroups = append(f.sgpGroups, id)
			}
		}
	}
	sort.Strings(f.sgpGroups)
	for _, o := range inv.OfKind("PersistentVolume") {
		if pv, ok := o.Typed.(*corev1.PersistentVolume); ok && pv.Spec.CSI != nil && pv.Spec.CSI.Driver == "efs.csi.aws.com" {
			f.addEFS(strings.SplitN(pv.Spec.CSI.VolumeHandle, ":", 2)[0], seen)
		}
	}
	for _, o := range inv.OfKind("StorageClass") {
		if prov, _ := o.Raw["provisioner"].(string); prov == "efs.csi.aws.com" {
			params, _ := o.Raw["parameters"].(map[string]any)
			id, _ := params["fileSystemId"].(string)
			f.addEFS(id, seen)
		}
	}
	sort.Strings(f.efsFileSystems)
	f.secretRefs = secretRefs(inv)
	return f
}

func (f *k8sFacts) addEFS(id string, seen map[string]bool) {
	if id = strings.TrimSpace(id); strings.HasPrefix(id, "fs-") && !seen[id] {
		seen[id] = true
		f.efsFileSystems = append(f.efsFileSystems, id)
	}
}

// InstanceID is the EC2 instance ID of a Node's spec.providerID (aws:///<az>/<instance-id>),
// or "".
func InstanceID(providerID string) string { return inventory.ProviderInstanceID(providerID) }
