// Package check is the framework every eksguard check plugs into: metadata, the registry,
// the runner and findings. It holds no check logic; the catalogue lives in internal/checks.
package check

import (
	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

// Source is where a check's data comes from (the catalogue's source field).
type Source string

// Data sources named by the catalogue.
const (
	SourceK8sObjects Source = "k8s-objects"
	SourceK8sRBAC    Source = "k8s-rbac"
	// The AWS sources (internal/source/aws fills inventory.AWS).
	SourceAWSEKS        Source = "aws-eks"
	SourceAWSEC2        Source = "aws-ec2"
	SourceAWSIAM        Source = "aws-iam"
	SourceAWSECR        Source = "aws-ecr"
	SourceAWSKMS        Source = "aws-kms"
	SourceAWSCloudTrail Source = "aws-cloudtrail"
	SourceAWSGuardDuty  Source = "aws-guardduty"
	SourceAWSOther      Source = "aws-other"
)

// AWSSources are the sources an AWS collection provides.
var AWSSources = []Source{SourceAWSEKS, SourceAWSEC2, SourceAWSIAM, SourceAWSECR, SourceAWSKMS,
	SourceAWSCloudTrail, SourceAWSGuardDuty, SourceAWSOther}

// SystemNamespaces says how a check treats SYSTEM_NAMESPACES (kube-system, kube-public,
// kube-node-lease and configured exempt namespaces).
type SystemNamespaces int

const (
	// CheckSystemNamespaces evaluates them like any other namespace.
	CheckSystemNamespaces SystemNamespaces = iota
	// SkipSystemNamespaces reports nothing there unless --include-system-namespaces is given.
	SkipSystemNamespaces
	// ExemptSystemNamespaces reports there with the finding marked exempt, so PSA
	// exemptions stay visible without failing the run (the PSS checks).
	ExemptSystemNamespaces
)

// References ties a check to the guide and frameworks.
type References struct {
	// Guide is "<page>#<heading-slug>" in aws/aws-eks-best-practices latest/bpg/security.
	Guide string `json:"guide,omitempty"`
	// CISEKS is the CIS Amazon EKS Benchmark v1.8.0 control; CISEKSLegacy an older one.
	CISEKS       string `json:"cisEks,omitempty"`
	CISEKSLegacy string `json:"cisEksLegacy,omitempty"`
	// PSS is "<level>/<pod-security-admission check ID>".
	PSS string `json:"pss,omitempty"`
}

// Meta describes a check. It lives beside the check's logic.
type Meta struct {
	// ID is the stable catalogue ID (EKS-POD-001). Never derived from the title, never reused.
	ID       string   `json:"id"`
	Slug     string   `json:"slug"`
	Title    string   `json:"title"`
	Section  string   `json:"section"`
	Severity Severity `json:"severity"`
	Source   Source   `json:"source"`
	// Remediation is one or more sentences ending with a period.
	Remediation string     `json:"remediation"`
	References  References `json:"references"`
	// SystemNamespaces is how the check treats system namespaces.
	SystemNamespaces SystemNamespaces `json:"-"`
}

// DocURL links the guide section the check implements.
func (m Meta) DocURL() string {
	if m.References.Guide == "" {
		return ""
	}
	page, anchor, _ := cutHash(m.References.Guide)
	return "https://github.com/aws/aws-eks-best-practices/blob/master/latest/bpg/security/" + page + ".adoc#" + anchor
}

func cutHash(s string) (string, string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == '#' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// Check is one catalogue check: its metadata and exactly one evaluation function.
type Check struct {
	Meta
	// PodSpec is called for every pod spec of every workload kind (POD_SPEC_SOURCES).
	PodSpec func(p inventory.PodSpecRef, r *Reporter)
	// Object is called for every object whose kind is in Kinds.
	Object func(o *inventory.Object, r *Reporter)
	Kinds  []string
	// Inventory is called once with the whole inventory, for checks across objects.
	Inventory func(inv *inventory.Inventory, r *Reporter)
	// Reads lists the kinds an Inventory check reads, so a coverage gap (a kind the scan
	// could not list) marks exactly the checks it affects. An Inventory check that leaves
	// it empty is treated as reading everything. AWS data is named by the call that reads
	// it: inventory.AWSKind("eks:DescribeCluster") is "aws:eks:DescribeCluster", the Kind of
	// the gap a denied call leaves.
	Reads []string
	// NotAtAdmission, when set, says why an object-local check must not judge objects at
	// admission (the webhook and the exported admission policies skip it; scans run it).
	NotAtAdmission string
}

// WorkloadKinds are the kinds that carry a pod spec (POD_SPEC_SOURCES).
var WorkloadKinds = []string{"Pod", "PodTemplate", "ReplicationController", "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "CronJob"}

// ReadsAny reports whether the check reads any of the kinds in missing.
func (c *Check) ReadsAny(missing map[string]bool) bool {
	if len(missing) == 0 {
		return false
	}
	var reads []string
	switch {
	case c.PodSpec != nil:
		reads = WorkloadKinds
	case c.Object != nil:
		reads = c.Kinds
	case len(c.Reads) == 0:
		return true
	default:
		reads = c.Reads
	}
	for _, k := range reads {
		if missing[k] {
			return true
		}
	}
	return false
}

// Status of a finding.
type Status string

// Finding statuses.
const (
	StatusFail Status = "fail"
	// StatusExcepted marks a finding an exception covers (an exceptions-file entry or an
	// eksguard.io/ignore annotation): reported, never failing the run or its control.
	StatusExcepted Status = "excepted"
)

// ExceptionRef names the exception that covers an excepted finding.
type ExceptionRef struct {
	// Source is "file:line" of the exceptions-file entry or of the eksguard.io/ignore
	// annotation; for an annotation on a live object without a file, the object's k8s:// URI.
	Source string `json:"source"`
	// Type is "file" (an exceptions file) or "annotation" (eksguard.io/ignore on the object).
	Type string `json:"type"`
	// Justification is the entry's justification or the annotation's reason.
	Justification string `json:"justification"`
	// Owner and Expires (YYYY-MM-DD) are set for exceptions-file entries.
	Owner   string `json:"owner,omitempty"`
	Expires string `json:"expires,omitempty"`
}

// Exception types (ExceptionRef.Type).
const (
	ExceptionFile       = "file"
	ExceptionAnnotation = "annotation"
)

// Excepter decides which findings an exception covers (internal/exception implements it).
// Except is called concurrently, once per finding, with the object the finding is about.
type Excepter interface {
	Except(obj *inventory.Object, f *Finding) *ExceptionRef
}

// Finding is one failed check on one object field.
type Finding struct {
	CheckID  string              `json:"checkId"`
	Title    string              `json:"title"`
	Severity Severity            `json:"severity"`
	Status   Status              `json:"status"`
	Object   inventory.ObjectRef `json:"object"`
	// Path is the offending field, or the nearest field that exists when it is missing.
	Path     fieldpath.Path     `json:"fieldPath,omitempty"`
	Position inventory.Position `json:"location"`
	Message  string             `json:"message"`
	// Resource names the object when it has no file: k8s://<namespace>/<kind>/<name>, or
	// the ARN of an AWS resource (Reporter.FailResource).
	Resource string `json:"resource,omitempty"`
	// Live describes a live object: its cluster, resource version and what manages it.
	Live *inventory.LiveRef `json:"live,omitempty"`
	// Exempt marks findings in system namespaces that PSS checks report for visibility only.
	Exempt bool `json:"exempt,omitempty"`
	// Exception names the exception that covers the finding when Status is excepted.
	Exception   *ExceptionRef `json:"exception,omitempty"`
	Remediation string        `json:"remediation"`

	seq int // source order of the object, for a stable sort of file-less objects
}

// Fails reports whether the finding counts against its control and the --fail-on gate:
// its status is fail and it is not exempt. Severity thresholds are the caller's.
func (f *Finding) Fails() bool { return f.Status == StatusFail && !f.Exempt }
