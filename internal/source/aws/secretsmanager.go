package aws

import (
	"context"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"sigs.k8s.io/yaml"

	"github.com/eksguard/eksguard/internal/inventory"
)

// secretRef is a Secrets Manager secret Kubernetes objects reference: a name or an ARN, and
// the region to ask in ("" for the cluster's).
type secretRef struct {
	id, region string
	users      []string
}

// secretRefs finds the Secrets Manager secrets the inventory references:
//   - SecretProviderClass (secrets-store.csi.x-k8s.io) with spec.provider aws: each entry of
//     spec.parameters.objects (a YAML list inside a string) whose objectType is
//     secretsmanager, or whose objectName is a Secrets Manager ARN; region
//     spec.parameters.region;
//   - ExternalSecret (external-secrets.io): spec.data[].remoteRef.key and
//     spec.dataFrom[].extract.key, when spec.secretStoreRef names a SecretStore or
//     ClusterSecretStore in the inventory with spec.provider.aws.service SecretsManager;
//     region spec.provider.aws.region. A store not in the inventory is of unknown provider
//     and its references are left out.
//
// An ARN's own region wins. References are deduplicated by region and secret.
func secretRefs(inv *inventory.Inventory) []secretRef {
	byKey := map[[2]string]*secretRef{}
	add := func(id, region, user string) {
		id = strings.TrimSpace(id)
		if id == "" {
			return
		}
		if parts := strings.SplitN(id, ":", 6); len(parts) == 6 && parts[0] == "arn" && parts[2] == "secretsmanager" {
			region = parts[3]
		}
		k := [2]string{region, id}
		r := byKey[k]
		if r == nil {
			r = &secretRef{id: id, region: region}
			byKey[k] = r
		}
		if len(r.users) == 0 || r.users[len(r.users)-1] != user {
			r.users = append(r.users, user)
		}
	}
	for _, o := range inv.OfKind("SecretProviderClass") {
		if o.Group() != "secrets-store.csi.x-k8s.io" || inventory.RawString(o.Raw, "spec", "provider") != "aws" {
			continue
		}
		var objects []map[string]any
		if err := yaml.Unmarshal([]byte(inventory.RawString(o.Raw, "spec", "parameters", "objects")), &objects); err != nil {
			continue
		}
		region := inventory.RawString(o.Raw, "spec", "parameters", "region")
		for _, obj := range objects {
			name, _ := obj["objectName"].(string)
			typ, _ := obj["objectType"].(string)
			if typ == "secretsmanager" || (typ == "" && strings.Contains(name, ":secretsmanager:")) {
				add(name, region, "SecretProviderClass "+o.Namespace+"/"+o.Name)
			}
		}
	}
	type store struct {
		secretsManager bool
		region         string
	}
	stores := map[[3]string]store{}
	for _, kind := range []string{"SecretStore", "ClusterSecretStore"} {
		for _, o := range inv.OfKind(kind) {
			if o.Group() != "external-secrets.io" {
				continue
			}
			ns := o.Namespace
			if kind == "ClusterSecretStore" {
				ns = ""
			}
			stores[[3]string{kind, ns, o.Name}] = store{inventory.RawString(o.Raw, "spec", "provider", "aws", "service") == "SecretsManager",
				inventory.RawString(o.Raw, "spec", "provider", "aws", "region")}
		}
	}
	for _, o := range inv.OfKind("ExternalSecret") {
		if o.Group() != "external-secrets.io" {
			continue
		}
		kind, ns := inventory.RawString(o.Raw, "spec", "secretStoreRef", "kind"), o.Namespace
		if kind == "" {
			kind = "SecretStore"
		}
		if kind == "ClusterSecretStore" {
			ns = ""
		}
		st, ok := stores[[3]string{kind, ns, inventory.RawString(o.Raw, "spec", "secretStoreRef", "name")}]
		if !ok || !st.secretsManager {
			continue
		}
		user := "ExternalSecret " + o.Namespace + "/" + o.Name
		spec, _ := o.Raw["spec"].(map[string]any)
		for _, d := range inventory.RawList(spec, "data") {
			add(inventory.RawString(d, "remoteRef", "key"), st.region, user)
		}
		for _, d := range inventory.RawList(spec, "dataFrom") {
			add(inventory.RawString(d, "extract", "key"), st.region, user)
		}
	}
	out := make([]secretRef, 0, len(byKey))
	for _, r := range byKey {
		sort.Strings(r.users)
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].id != out[j].id {
			return out[i].id < out[j].id
		}
		return out[i].region < out[j].region
	})
	return out
}

// secrets describes each referenced secret (metadata only: never GetSecretValue).
func (c *collector) secrets(ctx context.Context) {
	refs := c.k8s.secretRefs
	out := make([]inventory.SecretsManagerSecret, len(refs))
	var g group
	for i, ref := range refs {
		region := ref.region
		if region == "" {
			region = c.clients.region
		}
		out[i] = inventory.SecretsManagerSecret{Ref: ref.id, Region: region, ReferencedBy: ref.users}
		g.Go(func() {
			d, err := c.clients.secretsmanager.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: &ref.id},
				func(o *secretsmanager.Options) { o.Region = region })
			switch {
			case isCode(err, "ResourceNotFoundException"):
				out[i].Missing = true
			case err != nil:
				c.fail(ctx, "secretsmanager:DescribeSecret", ref.id, err)
			default:
				s := &out[i]
				s.ARN, s.Name, s.OwningService = str(d.ARN), str(d.Name), str(d.OwningService)
				s.RotationEnabled, s.RotationRules = d.RotationEnabled, d.RotationRules
				s.CreatedDate, s.LastChangedDate, s.LastRotatedDate, s.NextRotationDate, s.DeletedDate =
					d.CreatedDate, d.LastChangedDate, d.LastRotatedDate, d.NextRotationDate, d.DeletedDate
			}
		})
	}
	g.Wait()
	c.add(func(a *inventory.AWS) { a.Secrets = out })
}
