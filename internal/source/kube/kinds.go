package kube

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"

	"github.com/eksguard/eksguard/internal/inventory"
)

// wanted is a kind the checks read.
type wanted struct {
	// groups are alternatives: the first group the server serves the kind in is listed.
	groups []string
	// kind is the kind; empty means every kind of the group (Gatekeeper constraints are one
	// CRD per ConstraintTemplate).
	kind string
	// resource is the kind's plural resource name, for the RBAC test against
	// deploy/clusterrole.yaml (discovery supplies the real one); typed kinds leave it empty.
	resource string
	// builtin kinds are part of Kubernetes: not serving them is a gap. Custom resources whose
	// CRD is not installed simply have no objects.
	builtin bool
}

// legacyGroups serve the same objects as the current groups of typed kinds
// (extensions/DaemonSet is apps/DaemonSet); they are never listed.
var legacyGroups = map[string]bool{"extensions": true}

// customKinds are the kinds checks read through Object.Raw (internal/checks: objectsOfGroup,
// OfKind with a group test). Keep in step with the checks; deploy/clusterrole.yaml grants
// exactly these plus the typed kinds.
var customKinds = []wanted{
	{groups: []string{"networking.k8s.io"}, kind: "IngressClass", resource: "ingressclasses", builtin: true},
	// Network policy engines (EKS-NET-*, EKS-IR-001).
	{groups: []string{"policy.networking.k8s.io"}, kind: "AdminNetworkPolicy", resource: "adminnetworkpolicies"},
	{groups: []string{"policy.networking.k8s.io"}, kind: "BaselineAdminNetworkPolicy", resource: "baselineadminnetworkpolicies"},
	// The Calico API server's projectcalico.org serves the same policies as the CRDs in
	// crd.projectcalico.org; the first one served is read, so none is counted twice.
	{groups: []string{"projectcalico.org", "crd.projectcalico.org"}, kind: "GlobalNetworkPolicy", resource: "globalnetworkpolicies"},
	{groups: []string{"cilium.io"}, kind: "CiliumClusterwideNetworkPolicy", resource: "ciliumclusterwidenetworkpolicies"},
	// Load balancers, gateways, certificates (EKS-NET-*).
	{groups: []string{"elbv2.k8s.aws"}, kind: "IngressClassParams", resource: "ingressclassparams"},
	{groups: []string{"eks.amazonaws.com"}, kind: "IngressClassParams", resource: "ingressclassparams"},
	{groups: []string{"gateway.networking.k8s.io"}, kind: "Gateway", resource: "gateways"},
	{groups: []string{"cert-manager.io"}, kind: "Issuer", resource: "issuers"},
	{groups: []string{"cert-manager.io"}, kind: "ClusterIssuer", resource: "clusterissuers"},
	{groups: []string{"awspca.cert-manager.io"}, kind: "AWSPCAIssuer", resource: "awspcaissuers"},
	{groups: []string{"awspca.cert-manager.io"}, kind: "AWSPCAClusterIssuer", resource: "awspcaclusterissuers"},
	{groups: []string{"appmesh.k8s.aws"}, kind: "VirtualNode", resource: "virtualnodes"},
	{groups: []string{"appmesh.k8s.aws"}, kind: "VirtualGateway", resource: "virtualgateways"},
	// Pod traffic encryption (EKS-NET-017) and security groups for pods (EKS-NET-007).
	{groups: []string{"security.istio.io"}, kind: "PeerAuthentication", resource: "peerauthentications"},
	{groups: []string{"projectcalico.org", "crd.projectcalico.org"}, kind: "FelixConfiguration", resource: "felixconfigurations"},
	{groups: []string{"vpcresources.k8s.aws"}, kind: "SecurityGroupPolicy", resource: "securitygrouppolicies"},
	// Karpenter node classes (EKS-IAM-018, 019).
	{groups: []string{"karpenter.k8s.aws"}, kind: "EC2NodeClass", resource: "ec2nodeclasses"},
	// Secrets stores (EKS-DATA-010).
	{groups: []string{"secrets-store.csi.x-k8s.io"}, kind: "SecretProviderClass", resource: "secretproviderclasses"},
	{groups: []string{"external-secrets.io"}, kind: "ExternalSecret", resource: "externalsecrets"},
	{groups: []string{"external-secrets.io"}, kind: "SecretStore", resource: "secretstores"},
	{groups: []string{"external-secrets.io"}, kind: "ClusterSecretStore", resource: "clustersecretstores"},
	// Policy engines (EKS-CMP-*, EKS-IMG-*, EKS-NET-*).
	{groups: []string{"kyverno.io"}, kind: "ClusterPolicy", resource: "clusterpolicies"},
	{groups: []string{"kyverno.io"}, kind: "Policy", resource: "policies"},
	{groups: []string{"policies.kyverno.io"}, kind: "ValidatingPolicy", resource: "validatingpolicies"},
	{groups: []string{"policies.kyverno.io"}, kind: "ImageValidatingPolicy", resource: "imagevalidatingpolicies"},
	{groups: []string{"policy.sigstore.dev"}, kind: "ClusterImagePolicy", resource: "clusterimagepolicies"},
	{groups: []string{"templates.gatekeeper.sh"}, kind: "ConstraintTemplate", resource: "constrainttemplates"},
	{groups: []string{"constraints.gatekeeper.sh"}, resource: "*"},
	// GitOps (EKS-CMP-003).
	{groups: []string{"argoproj.io"}, kind: "Application", resource: "applications"},
	{groups: []string{"kustomize.toolkit.fluxcd.io"}, kind: "Kustomization", resource: "kustomizations"},
	{groups: []string{"source.toolkit.fluxcd.io"}, kind: "GitRepository", resource: "gitrepositories"},
	{groups: []string{"source.toolkit.fluxcd.io"}, kind: "OCIRepository", resource: "ocirepositories"},
	{groups: []string{"source.toolkit.fluxcd.io"}, kind: "HelmRepository", resource: "helmrepositories"},
	{groups: []string{"source.toolkit.fluxcd.io"}, kind: "Bucket", resource: "buckets"},
}

// Wanted lists the kinds Collect reads: the typed kinds (minus legacy groups) and the
// custom resources above.
func wantedKinds() []wanted {
	var out []wanted
	for _, gk := range inventory.TypedKindList() {
		if !legacyGroups[gk.Group] {
			out = append(out, wanted{groups: []string{gk.Group}, kind: gk.Kind, builtin: true})
		}
	}
	return append(out, customKinds...)
}

// target is one resource to list.
type target struct {
	gk         schema.GroupKind
	gvr        schema.GroupVersionResource
	namespaced bool
	builtin    bool
}

// String names the target for progress and logs: Kind or Kind.group.
func (t target) String() string { return t.gk.String() }

// resource is the gap's resource: group/version/resource (v1/secrets).
func (t target) resource() string {
	return strings.TrimPrefix(t.gvr.Group+"/"+t.gvr.Version+"/"+t.gvr.Resource, "/")
}

// isSecrets reports whether the target is core Secrets, which are listed as metadata only.
func (t target) isSecrets() bool { return t.gvr.Group == "" && t.gvr.Resource == "secrets" }

// resolve maps the wanted kinds to resources through discovery. Built-in kinds the server
// does not serve become gaps; custom resources that are not installed are logged.
func (c *collector) resolve(ctx context.Context, cfg *rest.Config) ([]target, []inventory.Gap, error) {
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("discovery client: %w", err)
	}
	var groups []*metav1.APIGroup
	var lists []*metav1.APIResourceList
	failed := map[schema.GroupVersion]error{}
	err = c.retry(ctx, "discovery", func(context.Context) error {
		var err error
		groups, lists, err = dc.ServerGroupsAndResources()
		var partial *discovery.ErrGroupDiscoveryFailed
		if errors.As(err, &partial) && groups != nil {
			// Some aggregated API (metrics-server, ...) did not answer; the rest is usable.
			failed = partial.Groups
			return nil
		}
		return err
	})
	if err != nil {
		return nil, nil, fmt.Errorf("discover the API of %s: %w", c.cluster, err)
	}
	byGroup := groupResources(groups, lists)
	var apiGroups []*restmapper.APIGroupResources
	for _, g := range byGroup {
		apiGroups = append(apiGroups, g)
	}
	mapper := restmapper.NewDiscoveryRESTMapper(apiGroups)
	failedGroup := func(group string) error {
		for gv, err := range failed {
			if gv.Group == group {
				return err
			}
		}
		return nil
	}

	var targets []target
	var gaps []inventory.Gap
	seen := map[schema.GroupVersionResource]bool{}
	add := func(t target) {
		if !seen[t.gvr] {
			seen[t.gvr] = true
			targets = append(targets, t)
		}
	}
	for _, w := range wantedKinds() {
		if w.kind == "" {
			for _, group := range w.groups {
				for _, t := range groupTargets(byGroup[group]) {
					add(t)
				}
				if err := failedGroup(group); err != nil {
					gaps = append(gaps, c.discoveryGap(group+"/*", group, err))
				}
			}
			continue
		}
		found := false
		var discoveryErr error
		for _, group := range w.groups {
			gk := schema.GroupKind{Group: group, Kind: w.kind}
			m, err := mapper.RESTMapping(gk)
			if err != nil {
				if ferr := failedGroup(group); ferr != nil && discoveryErr == nil {
					discoveryErr = ferr
				}
				continue
			}
			if !servesList(byGroup[group], m.Resource) {
				continue
			}
			add(target{gk: gk, gvr: m.Resource, namespaced: m.Scope.Name() == meta.RESTScopeNameNamespace, builtin: w.builtin})
			found = true
			break
		}
		gk := schema.GroupKind{Group: w.groups[0], Kind: w.kind}
		switch {
		case found:
		case discoveryErr != nil:
			gaps = append(gaps, c.discoveryGap(w.kind, gk.String(), discoveryErr))
		case w.builtin:
			gaps = append(gaps, inventory.Gap{Kind: w.kind, Resource: gk.String(), Reason: inventory.GapNotFound,
				Message: "the API server does not serve " + gk.String()})
		default:
			c.debugf("%s is not installed (no CRD): no such objects", gk.String())
		}
	}
	sort.SliceStable(targets, func(i, j int) bool { return targets[i].String() < targets[j].String() })
	return targets, gaps, nil
}

func (c *collector) discoveryGap(kind, resource string, err error) inventory.Gap {
	return inventory.Gap{Kind: kind, Resource: resource, Reason: inventory.GapError,
		Message: "discovery failed: " + err.Error()}
}

// groupResources indexes discovery's answer by group, as restmapper.GetAPIGroupResources
// does (which drops the partial-failure error this collector reports).
func groupResources(groups []*metav1.APIGroup, lists []*metav1.APIResourceList) map[string]*restmapper.APIGroupResources {
	byGV := map[string]*metav1.APIResourceList{}
	for _, l := range lists {
		byGV[l.GroupVersion] = l
	}
	out := map[string]*restmapper.APIGroupResources{}
	for _, g := range groups {
		r := &restmapper.APIGroupResources{Group: *g, VersionedResources: map[string][]metav1.APIResource{}}
		for _, v := range g.Versions {
			if l, ok := byGV[v.GroupVersion]; ok {
				r.VersionedResources[v.Version] = l.APIResources
			}
		}
		out[g.Name] = r
	}
	return out
}

// groupTargets lists every listable resource of a group's preferred version.
func groupTargets(g *restmapper.APIGroupResources) []target {
	if g == nil {
		return nil
	}
	version := g.Group.PreferredVersion.Version
	var out []target
	for _, r := range g.VersionedResources[version] {
		if strings.Contains(r.Name, "/") || !slices.Contains(r.Verbs, "list") {
			continue
		}
		out = append(out, target{
			gk:         schema.GroupKind{Group: g.Group.Name, Kind: r.Kind},
			gvr:        schema.GroupVersionResource{Group: g.Group.Name, Version: version, Resource: r.Name},
			namespaced: r.Namespaced,
		})
	}
	return out
}

// servesList reports whether discovery says the resource can be listed.
func servesList(g *restmapper.APIGroupResources, gvr schema.GroupVersionResource) bool {
	if g == nil {
		return false
	}
	for _, r := range g.VersionedResources[gvr.Version] {
		if r.Name == gvr.Resource {
			return slices.Contains(r.Verbs, "list")
		}
	}
	return false
}
