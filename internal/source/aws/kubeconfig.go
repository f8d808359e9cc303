package aws

import (
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
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
	// images are the distinct image strings of ALL_CONTAINERS of every object carrying a pod
	// spec (Pods and their controllers alike: during a rollout they differ), plus the
	// repository@digest the Pods' container statuses report running (a tag may have moved
	// since), sorted.
	images []string
	// nodeArch is the CPU architecture most Nodes run (status.nodeInfo.architecture, else the
	// kubernetes.io/arch label); "" when no Node is known.
	nodeArch string
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
	f.images = containerImages(inv)
	f.nodeArch = nodeArchitecture(inv)
	f.secretRefs = secretRefs(inv)
	return f
}

// containerImages returns the distinct images of ALL_CONTAINERS of every object carrying a
// pod spec, sorted.
func containerImages(inv *inventory.Inventory) []string {
	seen := map[string]bool{}
	var out []string
	for _, o := range inv.Objects {
		ref, ok := inventory.PodSpecOf(o)
		if !ok {
			continue
		}
		for _, c := range ref.Containers() {
			if img := strings.TrimSpace(c.Image); img != "" && !seen[img] {
				seen[img] = true
				out = append(out, img)
			}
		}
	}
	for _, byName := range inventory.RunningImageIDs(inv) {
		for _, ids := range byName {
			for _, id := range ids {
				if !seen[id] {
					seen[id] = true
					out = append(out, id)
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

// nodeArchitecture is the architecture most Nodes report; ties go to amd64, then to the
// lexically first.
func nodeArchitecture(inv *inventory.Inventory) string {
	count := map[string]int{}
	for _, o := range inv.OfKind("Node") {
		node, ok := o.Typed.(*corev1.Node)
		if !ok {
			continue
		}
		arch := node.Status.NodeInfo.Architecture
		if arch == "" {
			arch = node.Labels["kubernetes.io/arch"]
		}
		if arch != "" {
			count[arch]++
		}
	}
	best := ""
	for arch, n := range count {
		switch {
		case best == "" || n > count[best]:
			best = arch
		case n == count[best] && best != "amd64" && (arch == "amd64" || arch < best):
			best = arch
		}
	}
	return best
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

// kubeconfigEvidence reads the kubeconfig (the same loading rules as FromKubeconfig: the
// given file, else KUBECONFIG, else ~/.kube/config) and describes the user entries that reach
// the cluster whose API server is endpoint: those of every context whose cluster's server is
// the endpoint, or, when the endpoint is unknown, the user of the context given (else the
// current one). Only the kinds of credential are kept, never their values. Nil when no
// kubeconfig with users was read.
func kubeconfigEvidence(kubeconfig, context, endpoint string) *inventory.Kubeconfig {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = kubeconfig
	raw, err := rules.Load()
	if err != nil || raw == nil || len(raw.AuthInfos) == 0 {
		return nil
	}
	out := &inventory.Kubeconfig{}
	for _, f := range rules.GetLoadingPrecedence() {
		if f != "" && f != os.DevNull {
			if _, err := os.Stat(f); err == nil {
				out.Files = append(out.Files, f)
			}
		}
	}
	if context == "" {
		context = raw.CurrentContext
	}
	users := map[string]*inventory.KubeconfigUser{}
	for _, name := range sortedContextNames(raw) {
		ctx := raw.Contexts[name]
		cl := raw.Clusters[ctx.Cluster]
		server := ""
		if cl != nil {
			server = cl.Server
		}
		if endpoint != "" && !sameServer(server, endpoint) || endpoint == "" && name != context {
			continue
		}
		u, ok := users[ctx.AuthInfo]
		if !ok {
			u = &inventory.KubeconfigUser{Name: ctx.AuthInfo, Server: server}
			if info := raw.AuthInfos[ctx.AuthInfo]; info != nil {
				u.Command, u.Auth = authKinds(info)
			}
			users[ctx.AuthInfo] = u
		}
		u.Contexts = append(u.Contexts, name)
	}
	for _, name := range sortedKeysOf(users) {
		out.Users = append(out.Users, *users[name])
	}
	return out
}

func sortedContextNames(raw *clientcmdapi.Config) []string {
	names := make([]string, 0, len(raw.Contexts))
	for n, c := range raw.Contexts {
		if c != nil {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

func sortedKeysOf[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// sameServer reports whether two API server URLs name the same server: host names compared
// case-insensitively, port 443 implied, path and trailing slash ignored.
func sameServer(a, b string) bool {
	host := func(s string) string {
		u, err := url.Parse(strings.TrimSpace(s))
		if err != nil || u.Host == "" {
			return strings.ToLower(strings.TrimRight(s, "/"))
		}
		h := strings.ToLower(u.Hostname())
		if p := u.Port(); p != "" && p != "443" {
			h += ":" + p
		}
		return h
	}
	return a != "" && host(a) == host(b)
}

// authKinds are the kinds of credential a kubeconfig user entry carries
// (inventory.KubeAuth*), and the base name of its exec plugin's command.
func authKinds(info *clientcmdapi.AuthInfo) (command string, kinds []string) {
	if e := info.Exec; e != nil {
		command = filepath.Base(e.Command)
		base := strings.TrimSuffix(strings.TrimSuffix(strings.ToLower(command), ".exe"), ".cmd")
		getToken := false
		for i, a := range e.Args {
			if a == "get-token" && i > 0 && slices.Contains(e.Args[:i], "eks") {
				getToken = true
			}
		}
		switch {
		case strings.HasPrefix(base, "aws-iam-authenticator"):
			kinds = append(kinds, inventory.KubeAuthIAMAuthenticator)
		case getToken: // aws eks get-token, also behind wrappers (aws-vault exec p -- aws eks get-token)
			kinds = append(kinds, inventory.KubeAuthAWSGetToken)
		default:
			kinds = append(kinds, inventory.KubeAuthOtherExec)
		}
	}
	if info.Token != "" {
		kinds = append(kinds, inventory.KubeAuthToken)
	}
	if info.TokenFile != "" {
		kinds = append(kinds, inventory.KubeAuthTokenFile)
	}
	if info.ClientCertificate != "" || len(info.ClientCertificateData) > 0 || info.ClientKey != "" || len(info.ClientKeyData) > 0 {
		kinds = append(kinds, inventory.KubeAuthClientCertificate)
	}
	if info.Username != "" || info.Password != "" {
		kinds = append(kinds, inventory.KubeAuthBasic)
	}
	if info.AuthProvider != nil {
		kinds = append(kinds, inventory.KubeAuthProvider)
	}
	return command, kinds
}
