package check

import (
	"cmp"
	"context"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

// DefaultSystemNamespaces are SYSTEM_NAMESPACES before configuration adds more.
var DefaultSystemNamespaces = []string{"kube-system", "kube-public", "kube-node-lease"}

// Config carries the catalogue's configurable settings.
type Config struct {
	// ExemptNamespaces are added to the system namespaces.
	ExemptNamespaces []string
	// IncludeSystemNamespaces reports checks that otherwise skip system namespaces.
	IncludeSystemNamespaces bool
	// RequireCPULimit makes EKS-POD-025 require limits.cpu too.
	RequireCPULimit bool
	// AllowedHostPathPrefixes are the hostPath prefixes EKS-POD-024 accepts.
	AllowedHostPathPrefixes []string
	// ApprovedRegistries are the image registries EKS-IMG-003 accepts (host[/path] prefixes).
	ApprovedRegistries []string
	// RBACExempt adds Role/ClusterRole names to RBAC_EXEMPT.
	RBACExempt []string
	// ResponderRole is the ARN of the incident responders' IAM role (responder_role): EKS-IR-002
	// reports whether it may snapshot EBS volumes.
	ResponderRole string
	// MaxSecretAgeDays is max_secret_age_days of EKS-DATA-011: how long a secret may go
	// unchanged without rotation. Zero means the catalogue's default (DefaultMaxSecretAgeDays).
	MaxSecretAgeDays int
	// IncidentResponse are the operator's answers EKS-IR-005 records and judges.
	IncidentResponse IncidentResponse
	// MaxClusterAdmins is max_cluster_admins of EKS-IAM-010: how many principals may hold
	// cluster-wide admin. Zero means the catalogue's default (DefaultMaxClusterAdmins).
	MaxClusterAdmins int
	// MaxPublicCIDRPrefix is max_public_cidr_prefix of EKS-IAM-002: the shortest prefix length a
	// public endpoint CIDR may have, per address family. Zero means the catalogue's default.
	MaxPublicCIDRPrefix PublicCIDRPrefix
	// MaxAMIAgeDays is max_ami_age_days of EKS-INF-002: how old a node AMI may be. Zero means
	// the catalogue's default (DefaultMaxAMIAgeDays).
	MaxAMIAgeDays int
	// UpgradeGraceDays is upgrade_grace_days of EKS-INF-003: for how many days after the last
	// control-plane version update a node one minor version behind is only info. Zero means
	// the catalogue's default (DefaultUpgradeGraceDays).
	UpgradeGraceDays int
	// MinLogRetentionDays is min_log_retention_days of EKS-DET-003: the shortest retention of
	// the control-plane log group. Zero means the catalogue's default.
	MinLogRetentionDays int
	// QuarantineLabel is quarantine_label of EKS-IR-001, "key=value": the label responders put
	// on a compromised pod to isolate it. Empty means the catalogue's default
	// (DefaultQuarantineLabel).
	QuarantineLabel string
	// RoleSharingAllowlist is role_sharing_allowlist of EKS-IAM-016: "namespace/serviceaccount"
	// pairs intentionally sharing IAM roles. A role used only by listed pairs passes.
	RoleSharingAllowlist []string
	// KnownSystemComponents are known_system_components of EKS-TEN-008: more workload names
	// (path.Match patterns, e.g. cert-manager*) expected in kube-system, added to the
	// catalogue's list.
	KnownSystemComponents []string
	// SensitiveRepoPatterns are sensitive_repo_patterns of EKS-IMG-008: the ECR repositories
	// (path.Match patterns of the name, e.g. payments/*) that must use a customer-managed key.
	// Empty means the catalogue's default, every repository.
	SensitiveRepoPatterns []string
	// Exceptions, when set, marks the findings it covers as excepted (StatusExcepted).
	Exceptions Excepter
}

// setOr is a configured number, or def when the configuration leaves it unset (0).
func setOr(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}

// DefaultMaxSecretAgeDays is max_secret_age_days when the configuration does not set it.
const DefaultMaxSecretAgeDays = 90

// SecretAgeDays is max_secret_age_days: MaxSecretAgeDays, or its default.
func (c Config) SecretAgeDays() int { return setOr(c.MaxSecretAgeDays, DefaultMaxSecretAgeDays) }

// DefaultMaxClusterAdmins is max_cluster_admins when the configuration does not set it.
const DefaultMaxClusterAdmins = 3

// ClusterAdmins is max_cluster_admins: MaxClusterAdmins, or its default.
func (c Config) ClusterAdmins() int { return setOr(c.MaxClusterAdmins, DefaultMaxClusterAdmins) }

// Defaults of max_ami_age_days and min_log_retention_days.
const (
	DefaultMaxAMIAgeDays       = 30
	DefaultMinLogRetentionDays = 90
)

// AMIAgeDays is max_ami_age_days: MaxAMIAgeDays, or its default.
func (c Config) AMIAgeDays() int { return setOr(c.MaxAMIAgeDays, DefaultMaxAMIAgeDays) }

// DefaultUpgradeGraceDays is upgrade_grace_days when the configuration does not set it.
const DefaultUpgradeGraceDays = 14

// GraceDays is upgrade_grace_days: UpgradeGraceDays, or its default.
func (c Config) GraceDays() int { return setOr(c.UpgradeGraceDays, DefaultUpgradeGraceDays) }

// LogRetentionDays is min_log_retention_days: MinLogRetentionDays, or its default.
func (c Config) LogRetentionDays() int {
	return setOr(c.MinLogRetentionDays, DefaultMinLogRetentionDays)
}

// DefaultQuarantineLabel is quarantine_label when the configuration does not set it.
const DefaultQuarantineLabel = "eksguard.io/quarantine=true"

// Quarantine is quarantine_label, QuarantineLabel or its default, as label key and value.
func (c Config) Quarantine() (key, value string) {
	l := c.QuarantineLabel
	if l == "" {
		l = DefaultQuarantineLabel
	}
	key, value, _ = strings.Cut(l, "=")
	return key, value
}

// PublicCIDRPrefix is the configuration's max_public_cidr_prefix block: the shortest prefix
// length EKS-IAM-002 accepts for an IPv4 and an IPv6 public access CIDR.
type PublicCIDRPrefix struct {
	IPv4, IPv6 int
}

// Defaults of max_public_cidr_prefix: /16 for IPv4, /32 for IPv6.
const (
	DefaultMaxPublicCIDRPrefixV4 = 16
	DefaultMaxPublicCIDRPrefixV6 = 32
)

// PublicCIDRPrefixV4 is max_public_cidr_prefix.ipv4, or its default.
func (c Config) PublicCIDRPrefixV4() int {
	return setOr(c.MaxPublicCIDRPrefix.IPv4, DefaultMaxPublicCIDRPrefixV4)
}

// PublicCIDRPrefixV6 is max_public_cidr_prefix.ipv6, or its default.
func (c Config) PublicCIDRPrefixV6() int {
	return setOr(c.MaxPublicCIDRPrefix.IPv6, DefaultMaxPublicCIDRPrefixV6)
}

// IncidentResponse is the configuration's incident_response block: where the EKS incident
// response runbook is, and the dates (YYYY-MM-DD) of the last game day and penetration test.
type IncidentResponse struct {
	RunbookURL  string `json:"runbook_url,omitempty"`
	LastGameDay string `json:"last_game_day,omitempty"`
	LastPentest string `json:"last_pentest,omitempty"`
}

// IsSystemNamespace reports whether ns is in SYSTEM_NAMESPACES.
func (c Config) IsSystemNamespace(ns string) bool {
	return slices.Contains(DefaultSystemNamespaces, ns) || slices.Contains(c.ExemptNamespaces, ns)
}

// Reporter collects one check's findings; checks call Fail for each problem found.
type Reporter struct {
	check     *Check
	Config    Config
	findings  []Finding
	evaluated int
}

// Evaluated records that the check assessed n more objects (namespaces, roles, ...). The
// runner counts PodSpec and Object callbacks itself; Inventory checks call this so scores
// can tell a passed check from one that had nothing to look at.
func (r *Reporter) Evaluated(n int) { r.evaluated += n }

// skips reports whether the check skips obj entirely (a system namespace it does not cover).
func (r *Reporter) skips(obj *inventory.Object) bool {
	return r.check.SystemNamespaces == SkipSystemNamespaces && !r.Config.IncludeSystemNamespaces &&
		r.Config.IsSystemNamespace(namespaceOf(obj))
}

// Fail reports the field at path of obj (relative to the object root) at the check's severity.
func (r *Reporter) Fail(obj *inventory.Object, path fieldpath.Path, message string) {
	r.FailWith(obj, path, r.check.Severity, message)
}

// FailWith reports with a severity other than the check's default (the catalogue raises
// or lowers some findings, e.g. SYS_ADMIN makes EKS-POD-005 critical).
func (r *Reporter) FailWith(obj *inventory.Object, path fieldpath.Path, sev Severity, message string) {
	exempt := false
	if r.check.SystemNamespaces != CheckSystemNamespaces && r.Config.IsSystemNamespace(namespaceOf(obj)) {
		if r.check.SystemNamespaces == SkipSystemNamespaces && !r.Config.IncludeSystemNamespaces {
			return
		}
		exempt = r.check.SystemNamespaces == ExemptSystemNamespaces
	}
	f := Finding{
		CheckID: r.check.ID, Title: r.check.Title, Severity: sev, Status: StatusFail,
		Object: obj.ObjectRef, Path: path, Message: message, Live: obj.Origin.Live,
		Exempt: exempt, Remediation: r.check.Remediation, seq: obj.Seq,
	}
	if obj.Origin.File != "" || obj.Origin.Live == nil {
		f.Position = obj.Position(path)
	} else {
		f.Resource = obj.URI()
	}
	if r.Config.Exceptions != nil {
		if ref := r.Config.Exceptions.Except(obj, &f); ref != nil {
			f.Status, f.Exception = StatusExcepted, ref
		}
	}
	r.findings = append(r.findings, f)
}

// FailResource reports a field of an AWS resource, named by its ARN, at the check's
// severity. The finding's Resource is the ARN and its Object is inventory.ARNRef(arn);
// path is the field in the SDK's shape of the resource (ResourcesVpcConfig.EndpointPublicAccess).
func (r *Reporter) FailResource(arn string, path fieldpath.Path, message string) {
	r.FailResourceWith(arn, path, r.check.Severity, message)
}

// FailResourceWith is FailResource with another severity than the check's default.
func (r *Reporter) FailResourceWith(arn string, path fieldpath.Path, sev Severity, message string) {
	ref := inventory.ARNRef(arn)
	f := Finding{
		CheckID: r.check.ID, Title: r.check.Title, Severity: sev, Status: StatusFail,
		Object: ref, Path: path, Message: message, Resource: arn, Remediation: r.check.Remediation,
	}
	if r.Config.Exceptions != nil {
		// Exceptions select AWS resources as they select objects: by kind and name.
		if ex := r.Config.Exceptions.Except(&inventory.Object{ObjectRef: ref}, &f); ex != nil {
			f.Status, f.Exception = StatusExcepted, ex
		}
	}
	r.findings = append(r.findings, f)
}

// namespaceOf is the namespace an object lives in, or names (for a Namespace object).
func namespaceOf(o *inventory.Object) string {
	if o.Kind == "Namespace" && o.Group() == "" {
		return o.Name
	}
	return o.Namespace
}

// Result is how one check fared in a run.
type Result struct {
	Check *Check
	// Evaluated counts the objects the check assessed; zero means nothing it applies to.
	Evaluated int
	// Failed counts its findings that fail (neither exempt nor excepted) above info.
	Failed int
	// Gap is true when the check reads data the scan could not collect: it is reported as
	// not evaluated and its findings are dropped (a check that looks for something missing,
	// such as a NetworkPolicy, would otherwise raise false alarms).
	Gap bool
}

// Outcome is everything a run produced.
type Outcome struct {
	Findings []Finding
	Results  []Result
}

// Run evaluates checks and returns their findings (see Evaluate).
func Run(ctx context.Context, inv *inventory.Inventory, checks []*Check, cfg Config) ([]Finding, error) {
	out, err := Evaluate(ctx, inv, checks, cfg)
	if err != nil {
		return nil, err
	}
	return out.Findings, nil
}

// Evaluate runs checks against a sealed inventory, concurrently. Findings come back in a
// deterministic order (file, line, column, check ID, field path), results in check order.
func Evaluate(ctx context.Context, inv *inventory.Inventory, checks []*Check, cfg Config) (*Outcome, error) {
	inv.Seal()
	reporters := make([]*Reporter, len(checks))
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for i, c := range checks {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			r := &Reporter{check: c, Config: cfg}
			switch {
			case c.PodSpec != nil:
				for _, p := range inv.PodSpecs() {
					if !r.skips(p.Object) {
						r.evaluated++
						c.PodSpec(p, r)
					}
				}
			case c.Object != nil:
				for _, kind := range c.Kinds {
					for _, o := range inv.OfKind(kind) {
						if !r.skips(o) {
							r.evaluated++
							c.Object(o, r)
						}
					}
				}
			case c.Inventory != nil:
				c.Inventory(inv, r)
			}
			reporters[i] = r
		}()
	}
	wg.Wait()
	total := 0
	for _, r := range reporters {
		total += len(r.findings)
	}
	out := &Outcome{Results: make([]Result, len(checks)), Findings: make([]Finding, 0, total)}
	missing := inv.MissingKinds()
	for g := range inv.Gaps {
		inv.Gaps[g].Checks = nil // recomputed for this run's checks; a second run must not append twice
	}
	for i, r := range reporters {
		res := Result{Check: checks[i], Evaluated: r.evaluated}
		if checks[i].ReadsAny(missing) {
			res.Gap, res.Evaluated = true, 0
			for g := range inv.Gaps {
				if checks[i].ReadsAny(map[string]bool{inv.Gaps[g].Kind: true}) {
					inv.Gaps[g].Checks = append(inv.Gaps[g].Checks, checks[i].ID)
				}
			}
			out.Results[i] = res
			continue
		}
		excepted := 0 // findings that would fail but for an exception
		for i := range r.findings {
			f := &r.findings[i]
			switch {
			case f.Severity <= Info || f.Exempt:
			case f.Status == StatusFail:
				res.Failed++
			case f.Status == StatusExcepted:
				excepted++
			}
		}
		if res.Failed+excepted > 0 && res.Evaluated == 0 {
			res.Evaluated = 1 // an Inventory check that reported without counting (it passes when all are excepted)
		}
		out.Results[i] = res
		out.Findings = append(out.Findings, r.findings...)
	}
	SortFindings(out.Findings)
	return out, ctx.Err()
}

// SortFindings orders findings deterministically (a stable sort). Findings are large
// structs: an index is sorted and the findings moved once, along the permutation's cycles,
// instead of being swapped O(n log n) times.
func SortFindings(fs []Finding) {
	idx := make([]int32, len(fs))
	for i := range idx {
		idx[i] = int32(i)
	}
	slices.SortFunc(idx, func(i, j int32) int {
		if c := compareFindings(&fs[i], &fs[j]); c != 0 {
			return c
		}
		return cmp.Compare(i, j)
	})
	// Position k takes the finding at idx[k]; follow each cycle once.
	for start := range idx {
		if idx[start] < 0 {
			continue
		}
		held := fs[start]
		k := start
		for {
			from := int(idx[k])
			idx[k] = -1
			if from == start {
				fs[k] = held
				break
			}
			fs[k] = fs[from]
			k = from
		}
	}
}

func compareFindings(a, b *Finding) int {
	if a.Position.File != b.Position.File {
		return strings.Compare(a.Position.File, b.Position.File)
	}
	if a.Resource != b.Resource {
		return strings.Compare(a.Resource, b.Resource)
	}
	if a.seq != b.seq && a.Position.File == "" && a.Resource == "" {
		return cmp.Compare(a.seq, b.seq)
	}
	if a.Position.Line != b.Position.Line {
		return cmp.Compare(a.Position.Line, b.Position.Line)
	}
	if a.Position.Column != b.Position.Column {
		return cmp.Compare(a.Position.Column, b.Position.Column)
	}
	if a.CheckID != b.CheckID {
		return strings.Compare(a.CheckID, b.CheckID)
	}
	if a.Path != b.Path {
		return strings.Compare(string(a.Path), string(b.Path))
	}
	return strings.Compare(a.Message, b.Message)
}
