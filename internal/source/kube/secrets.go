package kube

import (
	"context"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"

	"github.com/eksguard/eksguard/internal/inventory"
)

// knownSecretTypes are the Secret types checks tell apart (service account tokens,
// EKS-IAM-024; Opaque, EKS-DATA-010; TLS, EKS-NET-*). Each is listed with its own field
// selector, because the type is not part of an object's metadata.
var knownSecretTypes = []corev1.SecretType{
	corev1.SecretTypeServiceAccountToken,
	corev1.SecretTypeOpaque,
	corev1.SecretTypeTLS,
}

// listSecrets lists Secrets through the metadata client only (PartialObjectMetadataList): the
// API server sends names, labels, annotations and owners, never data. One list per known
// type, whose type is then known from the selector, and one for every other type (type!=...
// each known one), whose type stays empty: unknown. The last-applied annotation, which would
// hold a Secret's data when kubectl apply created it, is dropped as each page arrives, and
// managedFields are cut to dataWrites.
func (c *collector) listSecrets(ctx context.Context, t target, ns string, r *result) error {
	res := c.meta.Resource(t.gvr).Namespace(ns)
	type typedList struct {
		selector string
		typ      corev1.SecretType
	}
	var lists []typedList
	var others []string
	for _, typ := range knownSecretTypes {
		lists = append(lists, typedList{fields.OneTermEqualSelector("type", string(typ)).String(), typ})
		others = append(others, fields.OneTermNotEqualSelector("type", string(typ)).String())
	}
	lists = append(lists, typedList{strings.Join(others, ","), ""})
	for _, sel := range lists {
		start := len(r.objects)
		err := c.pages(ctx, t, metav1.ListOptions{FieldSelector: sel.selector}, func() { r.objects = r.objects[:start] },
			func(ctx context.Context, opts metav1.ListOptions) (string, error) {
				list, err := res.List(ctx, opts)
				if err != nil {
					return "", err
				}
				for i := range list.Items {
					r.objects = append(r.objects, c.secretObject(t, &list.Items[i], sel.typ))
				}
				c.progress(t.String(), len(r.objects), false)
				return list.GetContinue(), nil
			})
		if err != nil {
			return err
		}
	}
	return nil
}

// secretObject builds a Secret's typed view from its metadata and the type its list selected.
func (c *collector) secretObject(t target, m *metav1.PartialObjectMetadata, typ corev1.SecretType) *inventory.Object {
	_, applied := m.Annotations[lastApplied]
	by := managedBy(m.Labels[managedByLabel], applied, m.ManagedFields)
	delete(m.Annotations, lastApplied)
	m.ManagedFields = dataWrites(m.ManagedFields)
	s := &corev1.Secret{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"}, ObjectMeta: m.ObjectMeta, Type: typ}
	return &inventory.Object{
		ObjectRef: inventory.ObjectRef{APIVersion: "v1", Kind: "Secret", Namespace: m.Namespace, Name: m.Name, UID: string(m.UID)},
		Typed:     s,
		Origin:    inventory.Origin{Item: -1, Live: &inventory.LiveRef{Cluster: c.cluster, ResourceVersion: m.ResourceVersion, ManagedBy: by}},
	}
}

// dataWrites keeps the managedFields entries of a Secret that own data or stringData, with
// their manager, operation and time but not their field sets (which name the data keys):
// EKS-DATA-011 dates a Secret's last data change by them.
func dataWrites(entries []metav1.ManagedFieldsEntry) []metav1.ManagedFieldsEntry {
	var out []metav1.ManagedFieldsEntry
	for _, e := range entries {
		if e.FieldsV1 == nil {
			continue
		}
		raw := string(e.FieldsV1.Raw)
		if strings.Contains(raw, `"f:data"`) || strings.Contains(raw, `"f:stringData"`) {
			e.FieldsV1 = nil
			e.FieldsType = ""
			out = append(out, e)
		}
	}
	return out
}
