package data

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// kmsKeyUsable: EKS-DATA-002.
//
// For the key of the cluster's secrets encryption (eks:DescribeCluster .encryptionConfig,
// EKS-DATA-001), kms:DescribeKey .KeyMetadata: fails (critical) when KeyState is Disabled,
// PendingDeletion, PendingReplicaDeletion, PendingImport or Unavailable; reports Creating and
// Updating as info (transient). Fails (medium) when KeyManager is AWS or KeySpec is not
// SYMMETRIC_DEFAULT. With the key policy (kms:GetKeyPolicy): fails (medium) when an Allow
// statement grants kms:Decrypt (or kms:*, *) to Principal "*" without a Condition, and when no
// Allow statement grants key administration (kms:Put*, kms:ScheduleKeyDeletion, kms:Disable*,
// kms:Create*, kms:Update*, kms:Revoke*, kms:Delete*, kms:CancelKeyDeletion or kms:Enable*)
// without also granting kms:Decrypt, i.e. administrators are not separated from users.
//
// Decisions: the default key policy (one statement giving the account root kms:*) therefore
// fails the separation test, as the catalogue intends. The cluster role's grants
// (kms:ListGrants) are not collected, so no grant evidence is reported. A key the collector
// could not describe is not judged (a gap names the call). Manifest mode: not applicable.
var kmsKeyUsable = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-DATA-002",
		Slug:        "kms-key-usable",
		Title:       "The secrets-encryption KMS key must be enabled and usable by the cluster",
		Section:     "data",
		Severity:    check.Critical,
		Source:      check.SourceAWSKMS,
		Remediation: "Cancel deletion / re-enable the key; restrict the key policy to the cluster role and key administrators.",
		References:  check.References{Guide: "data#use-aws-kms-for-envelope-encryption-of-kubernetes-secrets"},
	},
	Reads: []string{inventory.AWSKind("eks:DescribeCluster"), inventory.AWSKind("kms:DescribeKey"), inventory.AWSKind("kms:GetKeyPolicy")},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		a := inv.AWS
		if a == nil || a.Cluster == nil {
			return
		}
		for _, ec := range a.Cluster.EncryptionConfig {
			if ec.Provider == nil || !slices.Contains(ec.Resources, "secrets") {
				continue
			}
			keyARN := sdkaws.ToString(ec.Provider.KeyArn)
			k := secretsKey(a, keyARN)
			if k == nil {
				continue
			}
			r.Evaluated(1)
			md := k.Metadata
			id := sdkaws.ToString(md.KeyId)
			arn := sdkaws.ToString(md.Arn)
			if arn == "" {
				arn = keyARN
			}
			switch md.KeyState {
			case kmstypes.KeyStateDisabled, kmstypes.KeyStatePendingDeletion, kmstypes.KeyStatePendingReplicaDeletion,
				kmstypes.KeyStatePendingImport, kmstypes.KeyStateUnavailable:
				msg := "the secrets-encryption key " + id + " is " + string(md.KeyState) + ": the cluster cannot decrypt Secrets"
				if md.DeletionDate != nil {
					msg += " (deletion scheduled for " + md.DeletionDate.UTC().Format("2006-01-02") + ")"
				}
				r.FailResource(arn, "KeyState", msg)
			case kmstypes.KeyStateCreating, kmstypes.KeyStateUpdating:
				r.FailResourceWith(arn, "KeyState", check.Info, "the secrets-encryption key "+id+" is "+string(md.KeyState)+" (transient)")
			}
			if md.KeyManager == kmstypes.KeyManagerTypeAws {
				r.FailResourceWith(arn, "KeyManager", check.Medium, "the secrets-encryption key "+id+
					" is an AWS managed key: its policy cannot be restricted to the cluster role and key administrators")
			}
			if md.KeySpec != "" && md.KeySpec != kmstypes.KeySpecSymmetricDefault {
				r.FailResourceWith(arn, "KeySpec", check.Medium, "the secrets-encryption key "+id+" has key spec "+
					string(md.KeySpec)+"; EKS envelope encryption needs SYMMETRIC_DEFAULT")
			}
			if len(k.Policy) > 0 {
				for _, why := range keyPolicyProblems(k.Policy) {
					r.FailResourceWith(arn, "Policy", check.Medium, "the key policy of the secrets-encryption key "+id+" "+why)
				}
			}
		}
	},
}

// secretsKey finds the collected key for an encryption config's key ARN (a key ARN, or an
// alias the collector resolved to the key).
func secretsKey(a *inventory.AWS, arn string) *inventory.KMSKey {
	for i, k := range a.Keys {
		if sdkaws.ToString(k.Metadata.Arn) == arn || sdkaws.ToString(k.Metadata.KeyId) == arn {
			return &a.Keys[i]
		}
	}
	if len(a.Keys) == 1 && strings.Contains(arn, ":alias/") {
		return &a.Keys[0]
	}
	return nil
}

// keyAdminActions are the actions of key administration ("*" ends a family).
var keyAdminActions = []string{"kms:Put*", "kms:ScheduleKeyDeletion", "kms:Disable*", "kms:Create*", "kms:Update*",
	"kms:Revoke*", "kms:Delete*", "kms:CancelKeyDeletion", "kms:Enable*"}

// keyPolicyProblems lists what is wrong with a key policy for a secrets key.
func keyPolicyProblems(doc json.RawMessage) []string {
	var p struct {
		Statement json.RawMessage
	}
	if json.Unmarshal(doc, &p) != nil {
		return nil
	}
	var stmts []map[string]any
	if json.Unmarshal(p.Statement, &stmts) != nil {
		var one map[string]any
		if json.Unmarshal(p.Statement, &one) != nil {
			return nil
		}
		stmts = []map[string]any{one}
	}
	var out []string
	separateAdmin := false
	for i, st := range stmts {
		if eff, _ := st["Effect"].(string); !strings.EqualFold(eff, "Allow") {
			continue
		}
		actions := policyStrings(st["Action"])
		decrypt := anyAction(actions, "kms:Decrypt")
		if decrypt && kmsPublicPrincipal(st["Principal"]) && st["Condition"] == nil {
			name, _ := st["Sid"].(string)
			if name == "" {
				name = "statement " + strconv.Itoa(i)
			}
			out = append(out, "allows kms:Decrypt to any principal (\"*\") without a condition ("+name+")")
		}
		if !decrypt && slices.ContainsFunc(keyAdminActions, func(adm string) bool { return anyAction(actions, adm) }) {
			separateAdmin = true
		}
	}
	if !separateAdmin {
		out = append(out, "has no statement for key administrators separate from key users (the same principals administer the key and decrypt with it)")
	}
	return out
}

// actionCovers reports whether a statement action (case-insensitive, "*" wildcards at the
// end) covers want; a want ending in "*" is a family ("kms:put*") that an action of it
// ("kms:PutKeyPolicy") also covers.
func actionCovers(action, want string) bool {
	a, w := strings.ToLower(action), strings.ToLower(want)
	if a == "*" || a == "kms:*" || a == w {
		return true
	}
	if pre, ok := strings.CutSuffix(a, "*"); ok && strings.HasPrefix(strings.TrimSuffix(w, "*"), pre) {
		return true
	}
	if fam, ok := strings.CutSuffix(w, "*"); ok && strings.HasPrefix(a, fam) {
		return true
	}
	return false
}

func anyAction(actions []string, want string) bool {
	return slices.ContainsFunc(actions, func(a string) bool { return actionCovers(a, want) })
}

func policyStrings(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func kmsPublicPrincipal(v any) bool {
	if s, ok := v.(string); ok {
		return s == "*"
	}
	if m, ok := v.(map[string]any); ok {
		return slices.Contains(policyStrings(m["AWS"]), "*")
	}
	return false
}

func init() { check.Register(kmsKeyUsable) }
