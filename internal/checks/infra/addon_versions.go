package infra

import (
	"fmt"
	"strconv"
	"strings"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

// addonVersions: EKS-INF-010.
//
// For each EKS add-on (eks:ListAddons, DescribeAddon) and the versions EKS offers for the
// cluster's Kubernetes version (eks:DescribeAddonVersions): fails medium when the installed
// addonVersion has no compatibilities[] entry for the cluster version, low when it is older
// than the version marked defaultVersion for it, and medium for each health issue. Versions
// compare as v<major>.<minor>.<patch>-eksbuild.<n>. Self-managed vpc-cni (DaemonSet aws-node),
// kube-proxy (DaemonSet) and coredns (Deployment) in kube-system with no add-on of that name
// are info findings naming their image tag.
//
// Decision: an add-on whose versions EKS did not return (the call failed or the add-on is not
// offered for this Kubernetes version) is judged incompatible only when the response named
// the add-on; otherwise it is not evaluated.
var addonVersions = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-INF-010",
		Slug:        "addon-versions",
		Title:       "EKS add-ons must be on a supported, current version",
		Section:     "infrastructure",
		Severity:    check.Low,
		Source:      check.SourceAWSEKS,
		Remediation: "Update add-ons (aws eks update-addon) after each control-plane upgrade; prefer EKS managed add-ons.",
		References:  check.References{Guide: "hosts#keep-your-worker-node-os-updated"},
	},
	Reads: []string{inventory.AWSKind("eks:DescribeCluster"), inventory.AWSKind("eks:ListAddons"), inventory.AWSKind("eks:DescribeAddon"),
		inventory.AWSKind("eks:DescribeAddonVersions")},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		a := inv.AWS
		if a == nil || a.Cluster == nil || a.Cluster.Version == nil {
			return
		}
		k8s := *a.Cluster.Version
		installed := map[string]bool{}
		for _, ad := range a.Addons {
			name, version := sdkaws.ToString(ad.AddonName), sdkaws.ToString(ad.AddonVersion)
			installed[name] = true
			arn := sdkaws.ToString(ad.AddonArn)
			if ad.Health != nil {
				for _, issue := range ad.Health.Issues {
					r.Evaluated(1)
					r.FailResourceWith(arn, "Health.Issues", check.Medium, fmt.Sprintf("add-on %s is unhealthy: %s: %s", name, issue.Code, sdkaws.ToString(issue.Message)))
				}
			}
			var info *ekstypes.AddonInfo
			for i := range a.AddonVersions {
				if sdkaws.ToString(a.AddonVersions[i].AddonName) == name {
					info = &a.AddonVersions[i]
				}
			}
			if info == nil {
				continue
			}
			r.Evaluated(1)
			compatible, def := false, ""
			for _, v := range info.AddonVersions {
				for _, c := range v.Compatibilities {
					if sdkaws.ToString(c.ClusterVersion) != k8s {
						continue
					}
					if sdkaws.ToString(v.AddonVersion) == version {
						compatible = true
					}
					if c.DefaultVersion {
						def = sdkaws.ToString(v.AddonVersion)
					}
				}
			}
			switch {
			case !compatible:
				r.FailResourceWith(arn, "AddonVersion", check.Medium, fmt.Sprintf("add-on %s %s is not compatible with Kubernetes %s", name, version, k8s))
			case def != "" && compareAddonVersions(version, def) < 0:
				r.FailResource(arn, "AddonVersion", fmt.Sprintf("add-on %s %s is older than %s, the default version for Kubernetes %s", name, version, def, k8s))
			}
		}
		for _, sm := range []struct{ addon, kind, name string }{
			{"vpc-cni", "DaemonSet", "aws-node"}, {"kube-proxy", "DaemonSet", "kube-proxy"}, {"coredns", "Deployment", "coredns"},
		} {
			if installed[sm.addon] {
				continue
			}
			for _, o := range inv.OfKind(sm.kind) {
				if o.Name != sm.name || o.Namespace != "kube-system" {
					continue
				}
				image, path := firstImage(o)
				r.Evaluated(1)
				r.FailWith(o, path, check.Info, fmt.Sprintf("%s is self-managed (image %s), not the EKS add-on %s: EKS neither reports its compatibility nor updates it", sm.name, image, sm.addon))
			}
		}
	},
}

// firstImage is the image of a workload's first container and its path.
func firstImage(o *inventory.Object) (string, fieldpath.Path) {
	var containers int
	var image string
	switch w := o.Typed.(type) {
	case *appsv1.DaemonSet:
		containers, image = len(w.Spec.Template.Spec.Containers), firstOf(w.Spec.Template.Spec.Containers)
	case *appsv1.Deployment:
		containers, image = len(w.Spec.Template.Spec.Containers), firstOf(w.Spec.Template.Spec.Containers)
	}
	path := fieldpath.Root.Key("spec").Key("template").Key("spec").Key("containers")
	if containers > 0 {
		path = path.Index(0).Key("image")
	}
	return image, path
}

func firstOf(cs []corev1.Container) string {
	if len(cs) == 0 {
		return ""
	}
	return cs[0].Image
}

// compareAddonVersions orders add-on versions v<major>.<minor>.<patch>-eksbuild.<n>.
func compareAddonVersions(a, b string) int {
	pa, pb := addonVersionParts(a), addonVersionParts(b)
	for i := range pa {
		if pa[i] != pb[i] {
			if pa[i] < pb[i] {
				return -1
			}
			return 1
		}
	}
	return strings.Compare(a, b)
}

func addonVersionParts(v string) [4]int {
	var out [4]int
	core, build, _ := strings.Cut(strings.TrimPrefix(v, "v"), "-")
	for i, p := range strings.SplitN(core, ".", 3) {
		out[i], _ = strconv.Atoi(p)
	}
	if _, n, ok := strings.Cut(build, "eksbuild."); ok {
		out[3], _ = strconv.Atoi(n)
	}
	return out
}

func init() { check.Register(addonVersions) }
