package compliance

import (
	"strconv"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

// ciManifestScanning: EKS-CMP-003 (evidence for a reviewer; not automatable).
//
// Whether manifests are scanned in CI before deployment cannot be decided from the cluster;
// this check gathers the evidence as info findings for a reviewer, who confirms that CI runs
// eksguard (or an equivalent) with a blocking threshold:
//   - every GitOps source: an Argo CD Application (argoproj.io) per spec.source or
//     spec.sources[i] (repoURL, path or chart, targetRevision), and a Flux Kustomization
//     (kustomize.toolkit.fluxcd.io) per spec.sourceRef, with the URL of the referenced
//     GitRepository or OCIRepository when it is in the input. What they deploy is outside
//     this scan, so the reviewer must confirm that source's pipeline scans it;
//   - in a cluster inventory, every workload (POD_SPEC_SOURCES, except objects a controller
//     owns, which are judged through their owner) without the annotation
//     eksguard.io/scanned-digest on its metadata or pod template metadata: there is no trace
//     that its manifest passed a pipeline scan.
//
// Decisions: workload annotations are evidence only in a live scan or cluster dump (the input
// holds Node objects). In manifest mode the manifests are being scanned right now, so their
// missing annotations say nothing; GitOps objects are reported in every mode, because their
// sources are not part of the scan. Annotations of other scanners are not configurable yet;
// only eksguard's counts. System namespaces are skipped unless --include-system-namespaces
// (EKS add-ons are not deployed by the cluster owner's pipeline).
var ciManifestScanning = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-CMP-003",
		Slug:        "ci-manifest-scanning",
		Title:       "Manifests should be checked in CI before deployment",
		Section:     "compliance",
		Severity:    check.Info,
		Source:      check.SourceK8sObjects,
		Remediation: "Run eksguard scan in CI on manifests/Helm output with --fail-on high and SARIF upload.",
		References: check.References{
			Guide: "compliance#use-policy-as-code-tools-in-pipelines-to-detect-violations-before-deployment",
		},
		SystemNamespaces: check.SkipSystemNamespaces,
	},
	// Argo CD and Flux objects are optional CRDs; Node decides whether the input is a cluster.
	Reads: append([]string{"Node"}, check.WorkloadKinds...),
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		const confirm = ": confirm that its pipeline scans this source with a blocking threshold"
		spec := fieldpath.Root.Key("spec")
		for _, o := range objectsOfGroup(inv, "argoproj.io", "Application") {
			s := inventory.RawMap(o.Raw, "spec")
			what := "Argo CD Application " + strconv.Quote(o.Name) + " deploys "
			if src := inventory.RawMap(s, "source"); src != nil {
				r.Evaluated(1)
				r.Fail(o, spec.Key("source"), what+argoSource(src)+confirm)
			}
			for i, src := range inventory.RawList(s, "sources") {
				if src != nil {
					r.Evaluated(1)
					r.Fail(o, spec.Key("sources").Index(i), what+argoSource(src)+confirm)
				}
			}
		}
		for _, o := range objectsOfGroup(inv, "kustomize.toolkit.fluxcd.io", "Kustomization") {
			s := inventory.RawMap(o.Raw, "spec")
			ref := inventory.RawMap(s, "sourceRef")
			if ref == nil {
				continue
			}
			r.Evaluated(1)
			kind, name, ns := inventory.RawString(ref, "kind"), inventory.RawString(ref, "name"), inventory.RawString(ref, "namespace")
			if ns == "" {
				ns = o.Namespace
			}
			src := kind + " " + ns + "/" + name
			if url := fluxSourceURL(inv, kind, ns, name); url != "" {
				src += " (" + url + ")"
			}
			if path := inventory.RawString(s, "path"); path != "" {
				src = "path " + path + " of " + src
			}
			r.Fail(o, spec.Key("sourceRef"), "Flux Kustomization "+strconv.Quote(o.Name)+" applies "+src+confirm)
		}
		if !hasNodes(inv) {
			return
		}
		for _, p := range inv.PodSpecs() {
			meta, ok := p.Object.Typed.(metav1.Object)
			if !ok || metav1.GetControllerOfNoCopy(meta) != nil {
				continue
			}
			r.Evaluated(1)
			if meta.GetAnnotations()[scannedDigestAnnotation] != "" || p.Meta.Annotations[scannedDigestAnnotation] != "" {
				continue
			}
			r.Fail(p.Object, fieldpath.Root.Key("metadata").Key("annotations").Key(scannedDigestAnnotation),
				p.Object.Kind+" has no "+scannedDigestAnnotation+" annotation: nothing shows that its manifest passed a pipeline scan")
		}
	},
}

// scannedDigestAnnotation is set by a CI pipeline on workloads whose manifests eksguard scanned.
const scannedDigestAnnotation = "eksguard.io/scanned-digest"

// argoSource describes an Argo CD application source: repository, path or chart, revision.
func argoSource(src map[string]any) string {
	parts := []string{inventory.RawString(src, "repoURL")}
	if parts[0] == "" {
		parts[0] = "an unnamed repository"
	}
	if chart := inventory.RawString(src, "chart"); chart != "" {
		parts = append(parts, "chart "+chart)
	}
	if path := inventory.RawString(src, "path"); path != "" {
		parts = append(parts, "path "+path)
	}
	if rev := inventory.RawString(src, "targetRevision"); rev != "" {
		parts = append(parts, "at "+rev)
	}
	return strings.Join(parts, " ")
}

// fluxSourceURL returns the URL of a Flux source object in the input, or "".
func fluxSourceURL(inv *inventory.Inventory, kind, namespace, name string) string {
	for _, o := range objectsOfGroup(inv, "source.toolkit.fluxcd.io", kind) {
		if o.Namespace == namespace && o.Name == name {
			return inventory.RawString(inventory.RawMap(o.Raw, "spec"), "url")
		}
	}
	return ""
}

func init() { check.Register(ciManifestScanning) }
