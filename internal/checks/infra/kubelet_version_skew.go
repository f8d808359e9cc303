package infra

import (
	"regexp"
	"strconv"

	corev1 "k8s.io/api/core/v1"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

// kubeletVersionSkew: EKS-INF-003.
//
// Forbidden: nodes whose kubelet (Node .status.nodeInfo.kubeletVersion, e.g.
// v1.29.3-eks-ae9a62a) is older or newer than the control plane's minor version. Nodes left
// behind after a cluster upgrade miss security fixes and drift towards the unsupported skew.
// The catalogue's severities: info at one minor behind (during an upgrade window), medium at
// two, high at three or more behind (the maximum supported skew). The finding points at
// kubeletVersion. Nodes are cluster-scoped, so the namespace policy is moot.
//
// Decisions: the control-plane version comes from eks:DescribeCluster .version when the
// scan read the cluster's AWS side; then a node older than it is reported by its distance,
// and a node newer than it (the kubelet may not be newer than the API server) is reported at
// medium. Manifest mode has no control-plane version, and manifests rarely contain Node
// objects at all: the check evaluates the Node objects found in the input (for instance
// kubectl get nodes -o yaml) and, without the cluster's version, takes the newest kubelet
// minor among them in its place: the control plane is at least that new, so each node's
// distance to it is a lower bound of its skew, and the message says so. A node newer than
// the control plane is only detected with the cluster's version.
//
// One minor behind is info only during the upgrade window: within upgrade_grace_days
// (settings file, default 14) of AWS ControlPlaneUpgradedAt (the newest Successful
// VersionUpdate from eks:ListUpdates/eks:DescribeUpdate, or the cluster's creation when it was
// never upgraded); medium beyond. When that date is unknown (manifest mode, or the calls were
// denied or failed) it is medium, the catalogue's severity, and the message says the window
// could not be applied: the window is a refinement, so those actions are not in Reads and
// their denial does not stop the check. Nodes without a parseable
// kubeletVersion are not evaluated.
var kubeletVersionSkew = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-INF-003",
		Slug:        "kubelet-version-skew",
		Title:       "Node kubelet versions must match the control plane",
		Section:     "infrastructure",
		Severity:    check.Medium,
		Source:      check.SourceK8sObjects,
		Remediation: "Upgrade node groups to the control-plane version after each cluster upgrade.",
		References: check.References{
			Guide: "hosts#treat-your-infrastructure-as-immutable-and-automate-the-replacement-of-your-worker-nodes",
		},
		SystemNamespaces: check.CheckSystemNamespaces,
	},
	Reads: []string{"Node"},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		type nodeVersion struct {
			o *inventory.Object
			version
		}
		var nodes []nodeVersion
		var newest nodeVersion
		for _, o := range inv.OfKind("Node") {
			n, ok := o.Typed.(*corev1.Node)
			if !ok {
				continue
			}
			v, ok := parseVersion(n.Status.NodeInfo.KubeletVersion)
			if !ok {
				continue
			}
			nodes = append(nodes, nodeVersion{o, v})
			if newest.o == nil || v.major > newest.major || (v.major == newest.major && v.minor > newest.minor) {
				newest = nodeVersion{o, v}
			}
		}
		r.Evaluated(len(nodes))
		if len(nodes) == 0 {
			return
		}
		// The reference: the control plane's version, else the newest kubelet, a lower bound
		// of it (then each skew is a lower bound too, and the message says so).
		ref, against, lowerBound := newest.version, "node "+newest.o.Name+" ("+newest.raw+")", "; the control plane is at least that new"
		if a := inv.AWS; a != nil && a.Cluster != nil && a.Cluster.Version != nil {
			if cp, ok := parseVersion(*a.Cluster.Version); ok {
				ref, against, lowerBound = cp, "the control plane ("+cp.raw+", eks:DescribeCluster)", ""
			}
		}
		at := fieldpath.Root.Key("status").Key("nodeInfo").Key("kubeletVersion")
		for _, v := range nodes {
			if v.major != ref.major {
				r.FailWith(v.o, at, check.High, "kubelet "+v.raw+" is a different major version than "+against+lowerBound)
				continue
			}
			behind := ref.minor - v.minor
			if behind < 0 { // only against the control plane: the newest kubelet is never behind itself
				r.Fail(v.o, at, "kubelet "+v.raw+" is newer than "+against+": a kubelet newer than the API server is unsupported")
				continue
			}
			if behind == 0 {
				continue
			}
			sev, why := check.Medium, ""
			switch {
			case behind >= 3:
				sev = check.High
			case behind == 1:
				sev, why = upgradeWindow(inv.AWS, r.Config.GraceDays())
			}
			msg := "kubelet " + v.raw + " is " + strconv.Itoa(behind) + " minor version(s) behind " + against
			if lowerBound != "" {
				msg += lowerBound + ", so the skew to it is at least " + strconv.Itoa(behind)
			}
			r.FailWith(v.o, at, sev, msg+why)
		}
	},
}

// version is a Kubernetes version as written (v1.29.3-eks-ae9a62a, 1.30) and its major and
// minor numbers.
type version struct {
	raw          string
	major, minor int
}

func parseVersion(raw string) (version, bool) {
	m := kubeletMinorVersion.FindStringSubmatch(raw)
	if m == nil {
		return version{}, false
	}
	major, err1 := strconv.Atoi(m[1])
	minor, err2 := strconv.Atoi(m[2])
	if err1 != nil || err2 != nil {
		return version{}, false
	}
	return version{raw, major, minor}, true
}

// upgradeWindow is the severity of a node one minor version behind, and why: info within
// graceDays of the last control-plane version update (AWS ControlPlaneUpgradedAt), medium
// beyond it or when that date is unknown.
func upgradeWindow(a *inventory.AWS, graceDays int) (check.Severity, string) {
	grace := strconv.Itoa(graceDays)
	if a == nil || a.ControlPlaneUpgradedAt == nil {
		return check.Medium, "; the date of the last control-plane upgrade is unknown (eks:ListUpdates and eks:DescribeUpdate not read), " +
			"so the upgrade_grace_days window (" + grace + " days) cannot excuse it"
	}
	when := a.ControlPlaneUpgradedAt.UTC()
	days := int(now().Sub(when).Hours() / 24)
	if days <= graceDays {
		return check.Info, "; the control plane was upgraded " + when.Format("2006-01-02") + ", within upgrade_grace_days (" + grace + ")"
	}
	return check.Medium, "; the control plane was upgraded " + when.Format("2006-01-02") + ", more than upgrade_grace_days (" + grace + ") ago"
}

// kubeletMinorVersion reads major and minor from a kubelet version such as v1.29.3-eks-ae9a62a.
var kubeletMinorVersion = regexp.MustCompile(`^v?([0-9]+)\.([0-9]+)`)

func init() { check.Register(kubeletVersionSkew) }
