package data

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

// now is the clock EKS-DATA-011 measures ages by (tests pin it).
var now = time.Now

// externalSecretRotation: EKS-DATA-011.
//
// For each AWS Secrets Manager secret a SecretProviderClass (provider aws, objects of
// objectType secretsmanager or named by a Secrets Manager ARN) or an ExternalSecret (remoteRef
// and dataFrom extract keys, through a SecretStore or ClusterSecretStore of provider aws with
// service SecretsManager) references, secretsmanager:DescribeSecret (never GetSecretValue):
// fails (low), on the secret's ARN, when RotationEnabled is not true and LastChangedDate is
// more than max_secret_age_days (--config, default 90) before the scan, naming the objects
// that reference it.
//
// For in-cluster Opaque Secrets outside SYSTEM_NAMESPACES: reports (info), on the Secret,
// those whose data has not changed for more than max_secret_age_days, dated by the latest
// metadata.managedFields entry that wrote data or stringData (an approximation: a rewrite of
// the same value counts as a change, and a Secret whose writes are not recorded is not
// reported).
//
// Decisions: a secret without LastChangedDate is dated by CreatedDate, and without either it
// is reported as of unknown age. A referenced secret that does not exist (or is scheduled for
// deletion) is not reported: it holds nothing to rotate, and the workload that mounts it fails
// visibly. Secrets owned by another AWS service (OwningService, e.g. RDS-managed master
// passwords) are judged like others: RDS turns rotation on for them. A store that is not in
// the input is of unknown provider, so its references are not followed. In-cluster Secrets
// written by External Secrets Operator or the Secrets Store CSI driver (their ownerReference
// or label) are skipped: their rotation is the external secret's, judged above. The check
// runs with the AWS checks (eksguard cluster on EKS); eksguard aws reads no Kubernetes objects,
// so it finds no references and marks the check not evaluated (a Secret gap).
var externalSecretRotation = &check.Check{
	Meta: check.Meta{
		ID:               "EKS-DATA-011",
		Slug:             "external-secret-rotation",
		Title:            "Secrets in external stores must be rotated",
		Section:          "data",
		Severity:         check.Low,
		Source:           check.SourceAWSOther,
		Remediation:      "Enable Secrets Manager rotation and make workloads reload secrets (CSI driver rotation with rotationPollInterval).",
		References:       check.References{Guide: "data#rotate-your-secrets-periodically"},
		SystemNamespaces: check.SkipSystemNamespaces,
	},
	// SecretProviderClass, ExternalSecret and the stores are optional CRDs (never gaps); Secret
	// marks the check not evaluated where Kubernetes is not read (eksguard aws), since the
	// references come from the cluster.
	Reads: []string{"Secret", inventory.AWSKind("secretsmanager:DescribeSecret")},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		maxDays := r.Config.SecretAgeDays()
		t := now()
		limit := t.AddDate(0, 0, -maxDays)
		if a := inv.AWS; a != nil {
			for _, s := range a.Secrets {
				if s.Missing || s.DeletedDate != nil {
					continue
				}
				r.Evaluated(1)
				if s.RotationEnabled != nil && *s.RotationEnabled {
					continue
				}
				changed, what := s.LastChangedDate, "last changed"
				if changed == nil {
					changed, what = s.CreatedDate, "created"
				}
				name := s.Name
				if name == "" {
					name = s.Ref
				}
				arn := s.ARN
				if arn == "" {
					arn = s.Ref
				}
				by := " (referenced by " + strings.Join(s.ReferencedBy, ", ") + ")"
				switch {
				case changed == nil:
					r.FailResource(arn, "LastChangedDate", "Secrets Manager secret "+name+by+" has no rotation and no change date: its age is unknown")
				case changed.Before(limit):
					r.FailResource(arn, "RotationEnabled", fmt.Sprintf("Secrets Manager secret %s%s has no rotation and was %s on %s, more than %d days ago",
						name, by, what, changed.UTC().Format("2006-01-02"), maxDays))
				}
			}
		}
		for _, o := range inv.OfKind("Secret") {
			s, ok := o.Typed.(*corev1.Secret)
			if !ok || (s.Type != corev1.SecretTypeOpaque && !(s.Type == "" && o.Origin.Live == nil)) || externalStoreManaged(s) {
				continue
			}
			if r.Config.IsSystemNamespace(o.Namespace) && !r.Config.IncludeSystemNamespaces {
				continue
			}
			var last *time.Time
			idx := -1
			for i, e := range s.ManagedFields {
				if e.Time != nil && writesData(e) && (last == nil || e.Time.After(*last)) {
					at := e.Time.Time
					last, idx = &at, i
				}
			}
			if last == nil {
				continue
			}
			r.Evaluated(1)
			if last.Before(limit) {
				r.FailWith(o, fieldpath.Root.Key("metadata").Key("managedFields").Index(idx).Key("time"), check.Info,
					"Opaque Secret "+strconv.Quote(o.Name)+" has had no data change since "+last.UTC().Format("2006-01-02")+
						" (by "+s.ManagedFields[idx].Manager+"), more than "+strconv.Itoa(maxDays)+" days: rotate it or move it to an external store with rotation")
			}
		}
	},
}

// writesData reports whether a managedFields entry wrote a Secret's data. The live collector
// keeps only such entries, without their field sets; a manifest keeps the field sets.
func writesData(e metav1.ManagedFieldsEntry) bool {
	if e.FieldsV1 == nil {
		return true
	}
	raw := string(e.FieldsV1.Raw)
	return strings.Contains(raw, `"f:data"`) || strings.Contains(raw, `"f:stringData"`)
}

func init() { check.Register(externalSecretRotation) }
